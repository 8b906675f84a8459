// Bolt for JS peer for bench/compare.sh: verifies the v0 signature with the real signing
// secret (Bolt's default) and acknowledges `/debrief` with a short ephemeral text, the
// acknowledgement being the HTTP response (processBeforeResponse).
//
// Node runs JavaScript on one thread, so the app is forked once per core with node:cluster
// (BENCH_WORKERS overrides); debrief and the Python peer get every core as well.
'use strict';

const cluster = require('node:cluster');
const os = require('node:os');
const { App, HTTPReceiver, LogLevel } = require('@slack/bolt');

const workers = Number(process.env.BENCH_WORKERS || os.availableParallelism());
const port = Number(process.env.PORT || 3917);

if (cluster.isPrimary && workers > 1) {
  for (let i = 0; i < workers; i += 1) cluster.fork();
  // The bench waits for this line: every worker serving, not only the first.
  let listening = 0;
  cluster.on('listening', () => {
    listening += 1;
    if (listening === workers) console.log(`ready: ${workers} workers listening on ${port}`);
  });
  // Stopping the primary stops the workers, so the bench can end the server by one id.
  const stop = () => {
    for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  const receiver = new HTTPReceiver({
    signingSecret: process.env.SLACK_SIGNING_SECRET,
    endpoints: ['/slack/commands'],
    processBeforeResponse: true,
    logLevel: LogLevel.WARN,
  });
  const app = new App({
    token: process.env.SLACK_BOT_TOKEN,
    receiver,
    processBeforeResponse: true,
    logLevel: LogLevel.WARN,
    // Bolt calls auth.test once at start-up; the bench points it at the sandbox Slack.
    clientOptions: { slackApiUrl: `${process.env.SLACK_API_URL.replace(/\/+$/, '')}/` },
  });
  app.command('/debrief', async ({ ack }) => {
    await ack({ response_type: 'ephemeral', text: 'Got it.' });
  });
  app.start(port).then(() => {
    if (cluster.isPrimary) console.log(`ready: 1 process listening on ${port}`);
  }).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
