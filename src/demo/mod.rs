//! Purpose: `debrief demo`: a complete scripted incident review with no Slack account.
//!
//! The real service (HTTP handlers, job queue, SQLite store) runs against the built-in
//! sandbox Slack on loopback, the same sandbox the tests use. Six simulated people play
//! their parts through signed requests, exactly as Slack would send them. Time is a
//! [`ManualClock`] moved from one due job to the next, so a day of review fits in a second
//! or two. What each person would have seen is printed as it happens, then the agenda.

mod epilogue;

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use jiff::Timestamp;
use rand::RngExt;
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::app::AppState;
use crate::clock::{Clock, ManualClock};
use crate::config::{Config, LogFormat, PseudonymKeySource, Secret};
use crate::features::agenda::synth;
use crate::features::checkin;
use crate::sandbox::driver::SlackDriver;
use crate::sandbox::{
    SANDBOX_BOT_TOKEN, SANDBOX_SIGNING_SECRET, SandboxChannel, SandboxUser, Sighting, SlackSandbox,
    World,
};
use crate::startup::Application;

const CHANNEL: &str = "C0CHECKOUT";
const EARLIER_CHANNEL: &str = "C0MARCH";
const BOT: &str = "U0DEBRIEF";
/// The facilitator and five more people who were in the incident.
const PEOPLE: [(&str, &str); 6] = [
    ("U0ALICE", "alice"),
    ("U0BOB", "bob"),
    ("U0CAROL", "carol"),
    ("U0DAN", "dan"),
    ("U0ERIN", "erin"),
    ("U0FRANK", "frank"),
];
const FACILITATOR: &str = "U0ALICE";
const WORKER: &str = "demo";
/// Repeated bot messages longer than this are printed once, then shortened.
const REPEAT_WORTH_SHORTENING: usize = 120;

/// Options of `debrief demo`.
#[derive(Debug, Clone, Default)]
pub struct DemoOptions {
    /// Keep the temporary folder (database and key file) and print where it is.
    pub keep: bool,
}

/// Runs the scripted review, printing the transcript and the agenda to `out`.
pub async fn run(options: DemoOptions, out: &mut dyn Write) -> anyhow::Result<()> {
    let folder =
        std::env::temp_dir().join(format!("debrief-demo-{:016x}", rand::rng().random::<u64>()));
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("could not create {}", folder.display()))?;
    let result = run_in(&folder, out).await;
    if options.keep {
        writeln!(
            out,
            "\nKept {} (debrief.db and the pseudonym key file).",
            folder.display()
        )?;
        return result;
    }
    let removed = std::fs::remove_dir_all(&folder)
        .with_context(|| format!("could not remove {}", folder.display()));
    // A failed run is the news; a folder left behind is reported only when all else went well.
    result.and(removed)
}

async fn run_in(folder: &Path, out: &mut dyn Write) -> anyhow::Result<()> {
    let sandbox = SlackSandbox::start(workspace).await?;
    let clock = Arc::new(ManualClock::starting_now());
    let config = demo_config(folder, &sandbox);
    let app = Application::build(config, clock.clone() as Arc<dyn Clock>).await?;
    let base_url = format!("http://{}", app.local_addr());
    let state = app.state().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let server: JoinHandle<anyhow::Result<()>> = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    let slack = SlackDriver::new(base_url, SANDBOX_SIGNING_SECRET, sandbox.clone());
    let mut demo = Demo {
        state,
        sandbox,
        slack,
        clock,
        out,
        shown: 0,
        printed: Vec::new(),
        names: PEOPLE
            .iter()
            .map(|(id, name)| (id.to_string(), name.to_string()))
            .chain([(BOT.to_string(), "debrief".to_string())])
            .collect(),
    };
    let result = demo.script(folder).await;
    let _ = stop.send(());
    server.await??;
    result
}

fn demo_config(folder: &Path, sandbox: &SlackSandbox) -> Config {
    Config {
        slack_bot_token: Some(Secret::new(SANDBOX_BOT_TOKEN)),
        oauth: None,
        slack_signing_secret: Some(Secret::new(SANDBOX_SIGNING_SECRET)),
        slack_app_token: None,
        slack_api_url: sandbox.api_url(),
        database_url: format!("sqlite://{}", folder.join("debrief.db").display()),
        listen: "127.0.0.1:0".parse().expect("a loopback address"),
        pseudonym_key: PseudonymKeySource::File(folder.join("pseudonym.key")),
        workers: 1,
        log_format: LogFormat::Text,
        // The script runs due jobs itself, right after moving the clock.
        run_worker: false,
        worker_poll: Duration::from_millis(50),
        slack_timeout: Duration::from_secs(10),
        learning: Default::default(),
        metrics_failure_modes: crate::metrics::DEFAULT_FAILURE_MODE_CAP,
        confirm_above: 25,
        retention_days: 400,
    }
}

/// The sandbox workspace: six people and a pager bot in the incident channel, and the
/// channel of an earlier incident with the same failure mode.
fn workspace(world: &mut World) {
    for (id, name) in PEOPLE {
        world.users.insert(id.into(), SandboxUser::human(id, name));
    }
    world
        .users
        .insert("U0PAGER".into(), SandboxUser::bot("U0PAGER", "pagerbot"));
    let mut members: Vec<String> = PEOPLE.iter().map(|(id, _)| id.to_string()).collect();
    members.extend([BOT.to_string(), "U0PAGER".to_string()]);
    for (id, name, members) in [
        (CHANNEL, "inc-checkout-latency", members),
        (
            EARLIER_CHANNEL,
            "inc-march-cache-purge",
            vec![BOT.to_string(), FACILITATOR.to_string()],
        ),
    ] {
        world.channels.insert(
            id.into(),
            SandboxChannel {
                id: id.into(),
                name: name.into(),
                members,
                is_im: false,
                is_archived: false,
            },
        );
    }
}

struct Demo<'a> {
    state: AppState,
    sandbox: SlackSandbox,
    slack: SlackDriver,
    clock: Arc<ManualClock>,
    out: &'a mut dyn Write,
    /// Sightings already printed.
    shown: usize,
    /// Bot messages already printed in full; repeats (the same invitation to six people)
    /// are shortened.
    printed: Vec<String>,
    names: HashMap<String, String>,
}

impl Demo<'_> {
    async fn script(&mut self, folder: &Path) -> anyhow::Result<()> {
        self.heading(
            "debrief demo: a scripted incident review against a local Slack sandbox.\n\
             Six people (alice facilitates; bob, carol, dan, erin and frank took part).\n\
             Time is simulated: a day of review runs in a few seconds.",
        )?;

        self.stage("1. The incident")?;
        self.command(
            FACILITATOR,
            EARLIER_CHANNEL,
            r#"incident title="CDN purge emptied the cache" sev=P2 services=cdn mode="Cache Invalidation""#,
        )
        .await?;
        let started = Timestamp::from_second(self.now().as_second() - 3 * 3600)?;
        let resolved = Timestamp::from_second(self.now().as_second() - 3600 - 25 * 60)?;
        self.command(
            FACILITATOR,
            CHANNEL,
            &format!(
                r#"incident title="Checkout latency after cache purge" sev=P1 services=checkout,cache mode="cache invalidation" vendor=Fastly deploy=yes trigger="the 09:00 CDN purge" started={started} resolved={resolved}"#
            ),
        )
        .await?;

        self.stage("2. The review")?;
        // The form, as a facilitator new to debrief would use it (`review in=1d min=3`
        // typed does the same).
        self.command(FACILITATOR, CHANNEL, "review").await?;
        let meeting = (self.now().as_second() + 86_400).to_string();
        self.submit_form(
            FACILITATOR,
            &[("review_meeting", &meeting), ("review_min", "3")],
            "picks tomorrow at this time for the meeting, keeps the channel's people and sets k to 3",
        )
        .await?;

        self.stage("3. Survey fan-out by DM")?;
        let confirmation = self.command(FACILITATOR, CHANNEL, "survey").await?;
        self.line(&format!("{} presses \"Send\"", self.name(FACILITATOR)))?;
        self.slack
            .click_ephemeral(FACILITATOR, CHANNEL, &confirmation, crate::ids::SURVEY_SEND)
            .await;
        // The reply replacing the confirmation is a sighting like any other: `run_due`
        // prints it with the DMs, once.
        self.run_due().await?;

        self.stage("4. Answers, pseudonymous")?;
        self.answer(
            "U0BOB",
            &[
                (
                    "information",
                    "The dashboard showed the cache hit rate, but not the TTL of the purged keys.",
                ),
                (
                    "surprise",
                    "The cache ttl was 24 hours, far longer than anyone assumed.",
                ),
                (
                    "vendor_customers",
                    "Slow checkout pages, then timeouts for about 20 minutes.",
                ),
                ("vendor_coherent", "chaos"),
            ],
        )
        .await?;
        self.answer(
            "U0CAROL",
            &[
                ("reasonable", "Who deployed the purge job on a Friday? Someone should have checked the TTL first."),
                ("discuss", "Ownership of the purge job."),
            ],
        )
        .await?;
        self.answer(
            "U0DAN",
            &[
                ("reasonable", "The purge runbook said it was safe at any time; it had been run twenty times before."),
                ("surprise", "The cache ttl of 24 hours meant the cold cache lasted all morning."),
                ("discuss", "Fastly was slow too; nothing we could have done about that part."),
                ("vendor_minutes_to_external", "15"),
                ("vendor_detection", "Fastly's status page said all was well at first; their own graphs showed the errors."),
                ("vendor_status", "no"),
            ],
        )
        .await?;
        self.answer(
            "U0ERIN",
            &[
                (
                    "detection",
                    "An alert on cache hit rate per region would have caught it in minutes.",
                ),
                ("vendor_breakers", "no"),
                ("vendor_minutes_to_external", "25"),
                (
                    "vendor_future",
                    "Serve stale content when the origin is overloaded; today we don't.",
                ),
                (
                    "counterfactual",
                    "- origin had headroom for a cold cache\n- purges ran one region at a time",
                ),
            ],
        )
        .await?;

        self.stage("5. A reminder for those who have not answered")?;
        let review = self.review().await?;
        let sent_at = review.survey_sent_at.unwrap_or(self.now().as_second());
        let deadline = review.deadline_at.unwrap_or(sent_at + 3600);
        self.run_until((sent_at + deadline) / 2 + 1).await?;
        self.answer(
            "U0FRANK",
            &[(
                "detection",
                "A canary for purges, and an alert on origin load, would have caught this class of issue.",
            )],
        )
        .await?;

        self.stage("6. Round-robin check-in in a thread")?;
        self.command(FACILITATOR, CHANNEL, "checkin").await?;
        self.submit_form(
            FACILITATOR,
            &[("checkin_turn", "120")],
            "gives each person 2 minutes and keeps the review's people",
        )
        .await?;
        self.check_in().await?;

        self.stage("7. Anonymous observations")?;
        self.command(
            "U0BOB",
            CHANNEL,
            "observe the root cause was the purge job, nothing else",
        )
        .await?;
        self.line("bob presses \"Open the counterfactual form\"")?;
        let review_id = self.review().await?.id.to_string();
        self.slack
            .click(
                "U0BOB",
                CHANNEL,
                "0",
                crate::ids::COUNTERFACTUAL_OPEN,
                &review_id,
            )
            .await;
        self.flush()?;
        self.submit_open_modal(
            "U0BOB",
            &[
                ("condition", "the cache TTL was visible on the dashboard"),
                ("control", "yes"),
                ("cost", "S"),
                ("reach", "many"),
            ],
        )
        .await?;
        self.line("bob rephrases the observation and sends it again:")?;
        self.command(
            "U0BOB",
            CHANNEL,
            "observe the cache ttl was never written down anywhere",
        )
        .await?;
        self.say(
            "U0DAN",
            "D0DAN",
            "observe staging has no purge job at all, so nobody had seen one run",
        )
        .await?;
        let (ts, _) = self
            .slack
            .say("U0CAROL", CHANNEL, "origin CPU hit 100% at 09:12", None)
            .await;
        self.line("carol writes in #inc-checkout-latency: origin CPU hit 100% at 09:12")?;
        self.line("carol uses the message shortcut \"Anonymous observation\" on it")?;
        self.slack
            .message_shortcut("U0CAROL", CHANNEL, &ts, crate::ids::OBSERVE_SHORTCUT)
            .await;
        self.submit_open_modal(
            "U0CAROL",
            &[(
                "observation",
                "origin capacity assumed a warm cache; <@U0BOB> only found out from the graphs",
            )],
        )
        .await?;
        self.run_due().await?;

        self.stage("8. Counterfactuals: what would have had to be true")?;
        for (user, condition, control, cost, reach) in [
            (
                "U0ERIN",
                "the purge job had a canary stage",
                "yes",
                "M",
                "class",
            ),
            (
                "U0DAN",
                "Fastly had announced the maintenance",
                "no",
                "S",
                "incident",
            ),
        ] {
            self.command(user, CHANNEL, "counterfactual").await?;
            self.submit_open_modal(
                user,
                &[
                    ("condition", condition),
                    ("control", control),
                    ("cost", cost),
                    ("reach", reach),
                ],
            )
            .await?;
        }
        // A condition that asks people to try harder gets its nudge; frank rewrites it.
        self.command("U0FRANK", CHANNEL, "counterfactual").await?;
        let choices = [("control", "yes"), ("cost", "S"), ("reach", "class")];
        let careful = [("condition", "people had been more careful with purges")];
        let reply = self
            .submit_open_modal("U0FRANK", &[careful.as_slice(), &choices].concat())
            .await?;
        anyhow::ensure!(
            reply["response_action"] == "update",
            "the condition was nudged"
        );
        self.line("frank rewrites the condition as something the system does:")?;
        let rewritten = [(
            "condition",
            "a purge on a cold cache needed a second approval",
        )];
        self.submit_open_modal("U0FRANK", &[rewritten.as_slice(), &choices].concat())
            .await?;
        self.run_due().await?;

        self.stage("9. The agenda, one hour before the meeting")?;
        let review = self.review().await?;
        let agenda_at =
            crate::features::agenda::auto_post_time(&review).context("the review has a meeting")?;
        self.run_until(agenda_at).await?;
        self.say(
            "U0FRANK",
            "D0FRANK",
            "observe the purge runbook never mentioned the cache ttl",
        )
        .await?;
        let release = self.now().as_second() + 600;
        self.run_until(release).await?;
        self.line("alice regenerates the agenda after a late observation is released:")?;
        self.command(FACILITATOR, CHANNEL, "agenda").await?;
        self.run_due().await?;
        self.line("alice opens debrief's App Home tab:")?;
        self.slack.open_home(FACILITATOR).await;
        self.run_due().await?;

        self.stage("10. After the meeting")?;
        let meeting = review.meeting_at.context("the review has a meeting")?;
        self.run_until(meeting + 60).await?;
        for (user, text) in [
            ("U0BOB", "Let's add the TTL panel this week."),
            ("U0FRANK", "I can own the purge canary."),
            ("U0ERIN", "Agreed, and the regional hit-rate alert."),
            ("U0BOB", "I'll link the runbook change here."),
        ] {
            self.say(user, CHANNEL, text).await?;
        }
        self.run_until(meeting + 2 * 3600).await?;
        self.command(FACILITATOR, CHANNEL, "status").await?;
        self.summary().await?;

        self.stage("The agenda as text (also available as /debrief agenda format=markdown)")?;
        let review = self.review().await?;
        let inputs = crate::features::agenda::inputs(&self.state, &review).await?;
        let markdown = synth::to_markdown(&synth::synthesize(&inputs));
        writeln!(self.out, "{markdown}")?;
        self.epilogue(folder).await?;
        self.pulse(folder).await?;
        self.stage("Done")?;
        writeln!(
            self.out,
            "Every message above went through debrief's real HTTP handlers, job queue and database."
        )?;
        Ok(())
    }

    /// The check-in round: the second person called passes, the fourth lets the time run
    /// out, everyone else replies in the thread.
    async fn check_in(&mut self) -> anyhow::Result<()> {
        let parent = self
            .sandbox
            .messages_in(CHANNEL)
            .into_iter()
            .find(|m| m.text.starts_with(checkin::PARENT_TEXT))
            .context("the check-in started")?;
        let replies = [
            "I noticed the hit rate drop first, but the graph had no TTL on it.",
            "The purge looked routine; it had never caused trouble before.",
            "We lost ten minutes deciding whether Fastly was at fault.",
            "The runbook didn't mention origin capacity at all.",
        ];
        let mut reply = replies.iter();
        for turn in 0..PEOPLE.len() {
            let Some(call) = self
                .sandbox
                .messages_in(CHANNEL)
                .into_iter()
                .filter(|m| m.thread_ts.as_deref() == Some(parent.ts.as_str()))
                .rfind(|m| m.text.contains("your turn"))
            else {
                break;
            };
            let Some(user) = mentioned(&call.text) else {
                break;
            };
            let name = self.name(&user);
            if turn == 1 {
                self.line(&format!("{name} presses Pass"))?;
                self.slack
                    .click_button(&user, CHANNEL, &call.ts, crate::ids::CHECKIN_PASS)
                    .await;
                self.run_due().await?;
            } else if turn == 3 {
                self.line(&format!(
                    "{name} is away from the keyboard; two minutes pass"
                ))?;
                let until = self.now().as_second() + 121;
                self.run_until(until).await?;
            } else {
                let text = reply.next().copied().unwrap_or("Nothing to add.");
                self.line(&format!("{name} replies in the thread: {text}"))?;
                self.slack.say(&user, CHANNEL, text, Some(&parent.ts)).await;
                self.run_due().await?;
            }
        }
        self.flush()
    }

    async fn review(&self) -> anyhow::Result<crate::store::reviews::Review> {
        // The sandbox's lock must not be held across the database call.
        let team = self.sandbox.world().team_id.clone();
        self.state
            .store
            .review_for_channel(&team, CHANNEL)
            .await?
            .context("the review exists")
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    async fn run_due(&mut self) -> anyhow::Result<()> {
        crate::jobs::run_due_jobs(&self.state, WORKER).await?;
        self.flush()
    }

    /// Moves simulated time to `at` (a Unix second), running each job as it falls due.
    async fn run_until(&mut self, at: i64) -> anyhow::Result<()> {
        let until = Timestamp::from_second(at)?;
        let before = self.now();
        crate::jobs::run_jobs_until(&self.state, &self.clock, until, WORKER).await?;
        self.clock.advance_to(until);
        let moved = until.as_second() - before.as_second();
        if moved > 0 {
            writeln!(self.out, "  … {} later", human_duration(moved))?;
        }
        self.flush()
    }

    /// `/debrief <text>` typed by `user` in `channel`; prints it and the private reply.
    async fn command(
        &mut self,
        user: &str,
        channel: &str,
        text: &str,
    ) -> anyhow::Result<serde_json::Value> {
        let where_ = self.channel_name(channel);
        self.line(&format!(
            "{} types in {where_}: /debrief {text}",
            self.name(user)
        ))?;
        let response = self.slack.command(user, channel, text).await;
        anyhow::ensure!(
            response.status == 200,
            "/debrief {text} answered {}",
            response.status
        );
        // A reply with blocks (a nudge and its buttons) is printed from its blocks.
        let texts = block_texts(&response.json());
        let reply = if texts.is_empty() {
            response.text()
        } else {
            texts.join("\n")
        };
        if !reply.is_empty() {
            let reply = self.readable(&reply);
            self.private(user, &reply)?;
        }
        self.flush()?;
        Ok(response.json())
    }

    async fn say(&mut self, user: &str, channel: &str, text: &str) -> anyhow::Result<()> {
        let where_ = if channel.starts_with('D') {
            "a DM to debrief".to_string()
        } else {
            self.channel_name(channel)
        };
        self.line(&format!("{} writes in {where_}: {text}", self.name(user)))?;
        self.slack.say(user, channel, text, None).await;
        self.run_due().await
    }

    /// `user` submits the form open in front of them, described in words; then the jobs
    /// it queued run and what debrief told them privately is printed.
    async fn submit_form(
        &mut self,
        user: &str,
        inputs: &[(&str, &str)],
        described: &str,
    ) -> anyhow::Result<()> {
        let (view_id, _) = self
            .sandbox
            .open_modal_for(user)
            .context("a form is open")?;
        self.line(&format!(
            "{} {described}, and presses the form's button",
            self.name(user)
        ))?;
        let response = self.slack.submit_view(user, &view_id, inputs).await;
        let reply = response.json();
        anyhow::ensure!(
            reply["response_action"] != "errors",
            "the form refused the input: {}",
            reply["errors"]
        );
        // What debrief then says (privately, or in the channel) is printed as it happens.
        self.run_due().await
    }

    /// Marks the review done, takes up the offer of a summary, and posts it as drafted.
    async fn summary(&mut self) -> anyhow::Result<()> {
        let done = self.command(FACILITATOR, CHANNEL, "review done").await?;
        if !done.to_string().contains(crate::ids::SUMMARY_OPEN) {
            return Ok(());
        }
        self.line("alice presses \"Write the summary\"")?;
        self.slack
            .click_ephemeral(FACILITATOR, CHANNEL, &done, crate::ids::SUMMARY_OPEN)
            .await;
        self.flush()?;
        self.submit_form(FACILITATOR, &[], "reads the draft, keeps it as it is")
            .await
    }

    /// `user` clicks "Answer the survey" in their DM and submits `answers`; a blame
    /// nudge is read and the answers submitted again as written.
    async fn answer(&mut self, user: &str, answers: &[(&str, &str)]) -> anyhow::Result<()> {
        let dm = format!("D{}", user.trim_start_matches('U'));
        let invite = self
            .sandbox
            .messages_in(&dm)
            .into_iter()
            .find(|m| m.blocks.to_string().contains(crate::ids::SURVEY_OPEN))
            .context("the survey invitation arrived")?;
        let review = self.review().await?;
        let name = self.name(user);
        self.line(&format!("{name} clicks \"Answer the survey\""))?;
        self.slack
            .click(
                user,
                &dm,
                &invite.ts,
                crate::ids::SURVEY_OPEN,
                &review.id.to_string(),
            )
            .await;
        self.flush()?;
        let reply = self.submit_open_modal(user, answers).await?;
        let nudged = block_texts(&reply["view"])
            .iter()
            .any(|t| t.contains("A question that teaches more"));
        if nudged {
            self.line(&format!(
                "{name} keeps the answers as written and submits again"
            ))?;
            self.submit_open_modal(user, answers).await?;
        }
        Ok(())
    }

    /// Submits `user`'s open modal with `inputs`; returns the bot's JSON answer.
    async fn submit_open_modal(
        &mut self,
        user: &str,
        inputs: &[(&str, &str)],
    ) -> anyhow::Result<Value> {
        let (view_id, view) = self
            .sandbox
            .open_modal_for(user)
            .context("a modal is open")?;
        let name = self.name(user);
        for (field, value) in inputs {
            // As the person sees it: the question's words, and a choice's label.
            let block = view["blocks"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|b| b["block_id"] == *field);
            let question = block
                .and_then(|b| b["label"]["text"].as_str())
                .unwrap_or(field);
            let chosen = block
                .and_then(|b| b["element"]["options"].as_array())
                .and_then(|options| options.iter().find(|o| o["value"] == *value))
                .and_then(|o| o["text"]["text"].as_str())
                .unwrap_or(value);
            let value = self.readable(chosen);
            self.line(&format!("  {name} answers “{question}”: {value}"))?;
        }
        let response = self.slack.submit_view(user, &view_id, inputs).await;
        anyhow::ensure!(
            response.status == 200,
            "submitting the modal answered {}",
            response.status
        );
        let reply = response.json();
        match reply["response_action"].as_str() {
            Some("errors") => anyhow::bail!("the modal refused the input: {}", reply["errors"]),
            Some("update") => {
                // The modal now shows a note (thanks), or the form again with a blame
                // nudge: print the note, or just the nudge.
                let texts = block_texts(&reply["view"]);
                let nudges: Vec<String> = texts
                    .iter()
                    .filter(|t| t.contains("A question that teaches more"))
                    .cloned()
                    .collect();
                for text in if nudges.is_empty() { texts } else { nudges } {
                    let text = self.readable(&text);
                    self.message(&format!("  [{name}'s modal]"), &text)?;
                }
            }
            _ => {}
        }
        self.flush()?;
        Ok(reply)
    }

    fn heading(&mut self, text: &str) -> anyhow::Result<()> {
        writeln!(self.out, "{text}")?;
        Ok(())
    }

    fn stage(&mut self, title: &str) -> anyhow::Result<()> {
        self.flush()?;
        writeln!(self.out, "\n== {title} ==")?;
        Ok(())
    }

    fn line(&mut self, text: &str) -> anyhow::Result<()> {
        self.flush()?;
        writeln!(self.out, "{text}")?;
        Ok(())
    }

    fn private(&mut self, user: &str, text: &str) -> anyhow::Result<()> {
        let name = self.name(user);
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        if let Some(first) = lines.next() {
            writeln!(self.out, "  (only {name} sees) {first}")?;
        }
        for line in lines.take(12) {
            writeln!(self.out, "      {line}")?;
        }
        Ok(())
    }

    /// Prints what became visible in the sandbox since the last flush.
    fn flush(&mut self) -> anyhow::Result<()> {
        let sightings = self.sandbox.sightings();
        let new: Vec<Sighting> = sightings.into_iter().skip(self.shown).collect();
        self.shown += new.len();
        for sighting in new {
            match sighting {
                Sighting::Message {
                    channel,
                    user,
                    text,
                    thread_ts,
                    ..
                } => {
                    // People's own messages were printed as the script made them.
                    if user != BOT {
                        continue;
                    }
                    let place = if channel.starts_with('D') {
                        format!("DM to {}", self.dm_owner(&channel))
                    } else if thread_ts.is_some() {
                        format!("{} (thread)", self.channel_name(&channel))
                    } else {
                        self.channel_name(&channel)
                    };
                    let text = self.readable(&text);
                    if text.len() > REPEAT_WORTH_SHORTENING && self.printed.contains(&text) {
                        writeln!(self.out, "  [{place}] debrief: (the same message)")?;
                    } else {
                        self.message(&format!("  [{place}] debrief:"), &text)?;
                        self.printed.push(text);
                    }
                }
                Sighting::Edited { channel, text, .. } => {
                    let place = if channel.starts_with('D') {
                        format!("DM to {}", self.dm_owner(&channel))
                    } else {
                        self.channel_name(&channel)
                    };
                    // What changed is at the end (a closed survey) or the start (an agenda).
                    let text = self.readable(&text);
                    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
                    let summary = match lines.as_slice() {
                        [] => String::new(),
                        [only] => only.to_string(),
                        [first, .., last] => format!("{first}\n…\n{last}"),
                    };
                    self.message(
                        &format!("  [{place}] debrief updated its message:"),
                        &summary,
                    )?;
                }
                Sighting::Ephemeral { user, text, .. } => {
                    let text = self.readable(&text);
                    self.private(&user, &text)?;
                }
                Sighting::Modal { user, title, .. } => {
                    writeln!(self.out, "  [{}] a modal opens: {title}", self.name(&user))?;
                }
                Sighting::Home { user } => {
                    writeln!(self.out, "  [{}'s App Home]", self.name(&user))?;
                    if let Some(home) = self.sandbox.home_of(&user) {
                        for text in block_texts(&home) {
                            let text = self.readable(&text);
                            self.message("     ", &text)?;
                        }
                    }
                }
                Sighting::File { channel, title, .. } => {
                    let place = if channel.starts_with('D') {
                        format!("DM to {}", self.dm_owner(&channel))
                    } else {
                        self.channel_name(&channel)
                    };
                    writeln!(self.out, "  [{place}] a file: {title}")?;
                }
            }
        }
        Ok(())
    }

    /// A message: its first lines, enough to follow the story.
    fn message(&mut self, prefix: &str, text: &str) -> anyhow::Result<()> {
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let shown = lines.len().min(6);
        for (n, line) in lines.iter().take(shown).enumerate() {
            if n == 0 {
                writeln!(self.out, "{prefix} {line}")?;
            } else {
                writeln!(self.out, "{:width$} {line}", "", width = prefix.len())?;
            }
        }
        if lines.len() > shown {
            writeln!(self.out, "{:width$} …", "", width = prefix.len())?;
        }
        Ok(())
    }

    fn name(&self, user: &str) -> String {
        self.names
            .get(user)
            .cloned()
            .unwrap_or_else(|| user.to_string())
    }

    fn dm_owner(&self, channel: &str) -> String {
        self.name(&format!("U{}", channel.trim_start_matches('D')))
    }

    fn channel_name(&self, channel: &str) -> String {
        let world = self.sandbox.world();
        match world.channels.get(channel) {
            Some(c) => format!("#{}", c.name),
            None => channel.to_string(),
        }
    }

    /// Slack markup made readable: mentions become names, links their labels.
    fn readable(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find('<') {
            out.push_str(&rest[..start]);
            let Some(end) = rest[start..].find('>') else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let inner = &rest[start + 1..start + end];
            let (target, label) = inner.split_once('|').unwrap_or((inner, ""));
            let shown = if let Some(user) = target.strip_prefix('@') {
                format!("@{}", self.name(user))
            } else if let Some(channel) = target.strip_prefix('#') {
                self.channel_name(channel)
            } else if !label.is_empty() {
                label.to_string()
            } else {
                target.to_string()
            };
            out.push_str(&shown);
            rest = &rest[start + end + 1..];
        }
        out.push_str(rest);
        out.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    }
}

/// The user id in the first `<@U…>` mention of `text`.
fn mentioned(text: &str) -> Option<String> {
    let start = text.find("<@")? + 2;
    let end = text[start..].find(['>', '|'])? + start;
    Some(text[start..end].to_string())
}

/// The texts of a view's or a message's section and context blocks, in order, with
/// buttons as `[label]`.
fn block_texts(view: &Value) -> Vec<String> {
    let mut texts = Vec::new();
    for block in view["blocks"].as_array().into_iter().flatten() {
        if let Some(text) = block["text"]["text"].as_str() {
            texts.push(text.to_string());
        }
        let mut buttons = Vec::new();
        for element in block["elements"].as_array().into_iter().flatten() {
            if let Some(text) = element["text"].as_str() {
                texts.push(text.to_string());
            } else if element["type"] == "button"
                && let Some(label) = element["text"]["text"].as_str()
            {
                buttons.push(format!("[{label}]"));
            }
        }
        if !buttons.is_empty() {
            texts.push(buttons.join(" "));
        }
    }
    texts
}

/// "2 h 30 min", "45 s": how far the simulated clock moved.
fn human_duration(seconds: i64) -> String {
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (hours, rest) = (rest / 3600, rest % 3600);
    let (minutes, secs) = (rest / 60, rest % 60);
    let parts: Vec<String> = [(days, "d"), (hours, "h"), (minutes, "min"), (secs, "s")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}"))
        .collect();
    if parts.is_empty() {
        "0 s".into()
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_found() {
        assert_eq!(mentioned("<@U0BOB>, your turn").as_deref(), Some("U0BOB"));
        assert_eq!(mentioned("<@U0BOB|bob> hi").as_deref(), Some("U0BOB"));
        assert_eq!(mentioned("nobody"), None);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(90), "1 min 30 s");
        assert_eq!(human_duration(86_400 + 3600), "1 d 1 h");
        assert_eq!(human_duration(0), "0 s");
    }
}
