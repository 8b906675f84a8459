"""Bolt for Python peer for bench/compare.sh: the smallest app that does what Slack asks
of a slash-command endpoint. Bolt checks the v0 signature and the 300 s timestamp window
with the real signing secret, then `/debrief` is acknowledged with a short ephemeral text.

`process_before_response=True` makes the acknowledgement the HTTP response itself, which
is how Bolt for Python must run behind a server that gives no life to work done after
the response (and how debrief answers too).

Served by uvicorn through Bolt's built-in ASGI adapter (see bench/peers/README.md).
"""

import logging
import os

from slack_bolt import App
from slack_bolt.adapter.asgi import SlackRequestHandler
from slack_sdk import WebClient

logging.basicConfig(level=logging.WARNING)

# Bolt calls auth.test once per process at start-up; the bench points it at the sandbox
# Slack so nothing leaves the machine. slack_sdk joins "base_url + method", hence the "/".
# The token is taken out of the environment, where App would also look for it and warn
# that it goes unused next to a client.
client = WebClient(
    token=os.environ.pop("SLACK_BOT_TOKEN"),
    base_url=os.environ["SLACK_API_URL"].rstrip("/") + "/",
)

app = App(
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    client=client,
    process_before_response=True,
)


@app.command("/debrief")
def acknowledge(ack):
    ack(response_type="ephemeral", text="Got it.")


# The same path debrief serves, so one load generator drives every target unchanged.
api = SlackRequestHandler(app, path="/slack/commands")
