//! Purpose: the list of `/debrief` subcommands and the one `match` that runs them.
//!
//! [`SUBCOMMANDS`] is the single source of truth: the parser validates against it,
//! `/debrief help` is generated from it, and a test checks it against manifest.yaml.

use jiff::Timestamp;

use super::{CommandRequest, Reply};
use crate::app::AppState;
use crate::error::{Error, UserError};
use crate::features;
use crate::grammar::{self, ArgKind, ArgSpec, CommandSpec, RestSpec};
use crate::metrics::CommandLabels;

/// The slash command this app registers (see manifest.yaml).
pub const SLASH: &str = "/debrief";

/// Every subcommand, in the order `/debrief help` lists them.
pub static SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "incident",
        summary: "Record this channel's incident (or update it). Without title= it opens a form. trigger= is the event that set it off, kept apart from the conditions that let it matter.",
        args: &[
            ArgSpec {
                key: "title",
                kind: ArgKind::Text,
                required: false,
            },
            ArgSpec {
                key: "sev",
                kind: ArgKind::Choice(&["P1", "P2", "P3"]),
                required: false,
            },
            ArgSpec {
                key: "services",
                kind: ArgKind::Tags,
                required: false,
            },
            ArgSpec {
                key: "mode",
                kind: ArgKind::Tag,
                required: false,
            },
            ArgSpec {
                key: "vendor",
                kind: ArgKind::Text,
                required: false,
            },
            ArgSpec {
                key: "deploy",
                kind: ArgKind::YesNo,
                required: false,
            },
            ArgSpec {
                key: "started",
                kind: ArgKind::Time,
                required: false,
            },
            ArgSpec {
                key: "resolved",
                kind: ArgKind::Time,
                required: false,
            },
            ArgSpec {
                key: "trigger",
                kind: ArgKind::Text,
                required: false,
            },
        ],
        rest: None,
    },
    CommandSpec {
        name: "review",
        summary: "Open the review of this channel's incident, or change it (facilitator only). deadline= and agenda_at= are how long before the meeting the survey closes and the agenda is sent; observations=live posts anonymous observations in the thread.",
        args: &[
            ArgSpec {
                key: "facilitator",
                kind: ArgKind::User,
                required: false,
            },
            ArgSpec {
                key: "meeting",
                kind: ArgKind::Time,
                required: false,
            },
            ArgSpec {
                key: "in",
                kind: ArgKind::Duration,
                required: false,
            },
            ArgSpec {
                key: "deadline",
                kind: ArgKind::Duration,
                required: false,
            },
            ArgSpec {
                key: "participants",
                kind: ArgKind::Users,
                required: false,
            },
            ArgSpec {
                key: "min",
                kind: ArgKind::Int { min: 2, max: 100 },
                required: false,
            },
            ArgSpec {
                key: "reminders",
                kind: ArgKind::Int { min: 0, max: 2 },
                required: false,
            },
            ArgSpec {
                key: "observations",
                kind: ArgKind::Choice(&["live", "held"]),
                required: false,
            },
            ArgSpec {
                key: "agenda_at",
                kind: ArgKind::Duration,
                required: false,
            },
            ArgSpec {
                key: "template",
                kind: ArgKind::Text,
                required: false,
            },
        ],
        rest: None,
    },
    CommandSpec {
        name: "template",
        summary: "Edit a survey template in a form, one question per line (text, [scale 1-5] or [choice: A | B]); `template list` lists them, `review template=<name>` uses one.",
        args: &[],
        rest: Some(RestSpec {
            name: "name",
            required: false,
        }),
    },
    CommandSpec {
        name: "survey",
        summary: "Show who gets the pseudonymous survey and what it asks, then Send it to each by DM (facilitator only).",
        args: &[],
        rest: None,
    },
    CommandSpec {
        name: "survey close",
        summary: "Close the survey before its deadline (facilitator only).",
        args: &[],
        rest: None,
    },
    CommandSpec {
        name: "checkin",
        summary: "Run a round-robin check-in in a thread: each person is called once, then open discussion (facilitator only).",
        args: &[
            ArgSpec {
                key: "turn",
                kind: ArgKind::Duration,
                required: false,
            },
            ArgSpec {
                key: "participants",
                kind: ArgKind::Users,
                required: false,
            },
        ],
        rest: None,
    },
    CommandSpec {
        name: "observe",
        summary: "Add an anonymous observation to this channel's review. Nobody, including the facilitator, can see who wrote it.",
        args: &[],
        rest: Some(RestSpec {
            name: "text",
            required: true,
        }),
    },
    CommandSpec {
        name: "counterfactual",
        summary: "Add a condition that, had it been true, would have prevented the incident or reduced its impact.",
        args: &[],
        rest: None,
    },
    CommandSpec {
        name: "agenda",
        summary: "DM the facilitator the synthesized agenda (it replaces the earlier version); format=markdown sends a file.",
        args: &[ArgSpec {
            key: "format",
            kind: ArgKind::Choice(&["blocks", "markdown"]),
            required: false,
        }],
        rest: None,
    },
    CommandSpec {
        name: "status",
        summary: "Show the review: participants, how many answered (never who), deadline and meeting.",
        args: &[],
        rest: None,
    },
    CommandSpec {
        name: "answers",
        summary: "DM the facilitator the survey answers under pseudonyms, once enough people answered.",
        args: &[],
        rest: None,
    },
    CommandSpec {
        name: "review delete",
        summary: "Delete this review's survey answers, observations and participation data, after a confirmation (facilitator or workspace admin).",
        args: &[],
        rest: None,
    },
    CommandSpec {
        name: "review done",
        summary: "Mark this review's postmortem completed, once its meeting has happened (facilitator only).",
        args: &[],
        rest: None,
    },
    CommandSpec {
        name: "review summary",
        summary: "Draft a summary to post in the channel. Themes, counterfactuals, action items with owners and who took part (no quotes, no pseudonyms), with a button to edit and post it, and the same text as Markdown.",
        args: &[],
        rest: None,
    },
    CommandSpec {
        name: "action add",
        summary: "Add an action item to this channel's incident. kind= is fix, mitigation, detection, process or tech-debt; url= a Jira, Linear or GitHub link.",
        args: &[
            ArgSpec {
                key: "title",
                kind: ArgKind::Text,
                required: true,
            },
            ArgSpec {
                key: "owner",
                kind: ArgKind::User,
                required: false,
            },
            ArgSpec {
                key: "due",
                kind: ArgKind::Text,
                required: false,
            },
            ArgSpec {
                key: "services",
                kind: ArgKind::Tags,
                required: false,
            },
            ArgSpec {
                key: "mode",
                kind: ArgKind::Tag,
                required: false,
            },
            ArgSpec {
                key: "kind",
                kind: ArgKind::Choice(features::actions::KINDS),
                required: false,
            },
            ArgSpec {
                key: "url",
                kind: ArgKind::Text,
                required: false,
            },
        ],
        rest: None,
    },
    CommandSpec {
        name: "action",
        summary: "Change an action item: `/debrief action 12 status=done`, status= open, in_progress, done or deprioritized, with an optional reason=\"…\". Every change is kept with who made it.",
        args: &[],
        rest: Some(RestSpec {
            name: "id status=… [reason=\"…\"]",
            required: true,
        }),
    },
    CommandSpec {
        name: "actions",
        summary: "List open action items with their buttons; also `actions mine`, `actions overdue`, `actions all`.",
        args: LIST_ARGS,
        rest: None,
    },
    CommandSpec {
        name: "actions mine",
        summary: "Your open action items.",
        args: LIST_ARGS,
        rest: None,
    },
    CommandSpec {
        name: "actions open",
        summary: "Open and in-progress action items.",
        args: LIST_ARGS,
        rest: None,
    },
    CommandSpec {
        name: "actions overdue",
        summary: "Open action items past their due date.",
        args: LIST_ARGS,
        rest: None,
    },
    CommandSpec {
        name: "actions all",
        summary: "Every action item, whatever its status.",
        args: LIST_ARGS,
        rest: None,
    },
    CommandSpec {
        name: "digest off",
        summary: "Stop the weekly DM of your open action items.",
        args: &[],
        rest: None,
    },
    CommandSpec {
        name: "digest on",
        summary: "Get a weekly DM of your open action items, oldest first (the default).",
        args: &[],
        rest: None,
    },
    CommandSpec {
        name: "modes",
        summary: "List the failure modes with how many incidents and action items use each.",
        args: &[],
        rest: None,
    },
    CommandSpec {
        name: "modes merge",
        summary: "Merge one failure-mode tag into another, rewriting history and recurrence marks (facilitators only).",
        args: &[
            ArgSpec {
                key: "from",
                kind: ArgKind::Tag,
                required: true,
            },
            ArgSpec {
                key: "into",
                kind: ArgKind::Tag,
                required: true,
            },
        ],
        rest: None,
    },
    CommandSpec {
        name: "service",
        summary: "Put a service in a domain: `/debrief service checkout domain=payments owner-team=\"…\"`. Without a name, the catalogue.",
        args: &[],
        rest: Some(RestSpec {
            name: "name domain=… [owner-team=…]",
            required: false,
        }),
    },
    CommandSpec {
        name: "trial start",
        summary: "Name a change in how reviews are run; the learning review compares reviews before and after from= (default today).",
        args: &[
            ArgSpec {
                key: "name",
                kind: ArgKind::Text,
                required: true,
            },
            ArgSpec {
                key: "from",
                kind: ArgKind::Text,
                required: false,
            },
        ],
        rest: None,
    },
    CommandSpec {
        name: "learning-review",
        summary: "Post the quarterly learning review in this channel (default: the last complete quarter); format=markdown uploads it as a document. every=quarter posts it here on each quarter's first weekday (invite me first), every=off stops that; only whoever chose the channel, or an admin, can move or stop it.",
        args: &[
            ArgSpec {
                key: "quarter",
                kind: ArgKind::Text,
                required: false,
            },
            ArgSpec {
                key: "format",
                kind: ArgKind::Choice(&["blocks", "markdown"]),
                required: false,
            },
            ArgSpec {
                key: "every",
                kind: ArgKind::Choice(&["quarter", "off"]),
                required: false,
            },
        ],
        rest: None,
    },
    CommandSpec {
        name: "learnings",
        summary: "Look up what past reviews learned about a service, a failure mode or some words: incidents, themes, counterfactuals and action items.",
        args: &[],
        rest: Some(RestSpec {
            name: "service, mode or words",
            required: true,
        }),
    },
    CommandSpec {
        name: "pulse",
        summary: "Send the anonymous psychological-safety pulse by DM. One 1–5 question with an optional comment, to this channel's people, another channel's, or the people named; every=quarter sends it in each quarter's second week, every=off stops that.",
        args: &[
            ArgSpec {
                key: "channel",
                kind: ArgKind::Channel,
                required: false,
            },
            ArgSpec {
                key: "people",
                kind: ArgKind::Users,
                required: false,
            },
            ArgSpec {
                key: "deadline",
                kind: ArgKind::Duration,
                required: false,
            },
            ArgSpec {
                key: "every",
                kind: ArgKind::Choice(&["quarter", "off"]),
                required: false,
            },
        ],
        rest: None,
    },
    CommandSpec {
        name: "pulse results",
        summary: "Show a quarter's pulse results. Default: this quarter; the mean, the 1–5 spread, response rate, change against last quarter and comments without names, once a pulse has closed with enough answers.",
        args: &[ArgSpec {
            key: "quarter",
            kind: ArgKind::Text,
            required: false,
        }],
        rest: None,
    },
    CommandSpec {
        name: "pulse opt-in",
        summary: "Get pulses again after pressing \"Don't send me pulses\".",
        args: &[],
        rest: None,
    },
    CommandSpec {
        name: "help",
        summary: "List the subcommands by task; `help <subcommand>` gives one's details.",
        args: &[],
        rest: Some(RestSpec {
            name: "subcommand",
            required: false,
        }),
    },
];

/// The arguments of every `actions` listing.
const LIST_ARGS: &[ArgSpec] = &[
    ArgSpec {
        key: "service",
        kind: ArgKind::Tag,
        required: false,
    },
    ArgSpec {
        key: "page",
        kind: ArgKind::Int { min: 1, max: 1000 },
        required: false,
    },
];

/// `/debrief help` groups the subcommands by when a facilitator reaches for them. A
/// subcommand not named here is still reachable: its first word is (`actions mine` under
/// `actions`), and a test checks that.
const HELP_GROUPS: &[(&str, &[&str])] = &[
    (
        "Before the meeting",
        &[
            "incident",
            "review",
            "survey",
            "status",
            "survey close",
            "observe",
        ],
    ),
    (
        "During the meeting",
        &["checkin", "agenda", "answers", "counterfactual"],
    ),
    (
        "After the meeting",
        &[
            "review done",
            "review summary",
            "review delete",
            "action add",
            "action",
            "actions",
            "digest off",
        ],
    ),
    (
        "Across reviews",
        &[
            "learnings",
            "learning-review",
            "pulse",
            "template",
            "modes",
            "service",
            "trial start",
        ],
    ),
];

/// A summary's first sentence, for a one-line listing.
fn first_sentence(summary: &str) -> &str {
    match summary.find(". ") {
        Some(end) => &summary[..=end],
        None => summary,
    }
}

/// `/debrief help`: one line per subcommand, grouped by task, generated from [`SUBCOMMANDS`]
/// once: it never changes while the process runs, and building it took half of a help
/// request's time.
pub fn help_text() -> String {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(build_help_text).clone()
}

/// `/debrief help`'s reply, encoded for HTTP once.
fn help_reply() -> Reply {
    static REPLY: std::sync::OnceLock<Reply> = std::sync::OnceLock::new();
    REPLY
        .get_or_init(|| Reply::ephemeral(help_text()).encoded_once())
        .clone()
}

fn build_help_text() -> String {
    let mut lines = vec!["*debrief* runs incident reviews that people learn from.".to_string()];
    for (task, names) in HELP_GROUPS {
        lines.push(format!("*{task}*"));
        for name in *names {
            if let Some(spec) = SUBCOMMANDS.iter().find(|s| s.name == *name) {
                lines.push(format!(
                    "• `{SLASH} {}`: {}",
                    spec.name,
                    first_sentence(spec.summary)
                ));
            }
        }
    }
    lines.push(format!(
        "`{SLASH} help <subcommand>` gives the details, e.g. `{SLASH} help review`."
    ));
    lines.join("\n")
}

/// `/debrief help <subcommand>`: its usage and what it does, with its variants.
fn help_for(topic: &str) -> Result<String, Error> {
    let topic = topic.trim().trim_start_matches(SLASH).trim().to_lowercase();
    let matching: Vec<&CommandSpec> = SUBCOMMANDS
        .iter()
        .filter(|s| s.name == topic || s.name.starts_with(&format!("{topic} ")))
        .collect();
    if matching.is_empty() {
        return Err(UserError(format!(
            "There is no `{SLASH} {topic}`. `{SLASH} help` lists every subcommand."
        ))
        .into());
    }
    let mut lines = Vec::new();
    for spec in matching {
        lines.push(format!("`{}`\n{}", spec.usage(SLASH), spec.summary));
    }
    lines.push("Values with spaces go in double quotes: `title=\"Checkout outage\"`.".into());
    Ok(lines.join("\n\n"))
}

/// Parses and runs one slash command.
pub async fn dispatch(
    state: &AppState,
    request: &CommandRequest,
    now: Timestamp,
) -> Result<Reply, Error> {
    // `/debrief` alone: someone finding their way, who gets the short help.
    if request.text.trim().is_empty() {
        let help = features::onboarding::short_help();
        let text = help.text.clone().unwrap_or_default();
        return Ok(Reply::ephemeral_blocks(
            text,
            help.blocks.unwrap_or_default(),
        ));
    }
    let invocation = match grammar::parse(SLASH, &request.text, SUBCOMMANDS) {
        Ok(invocation) => invocation,
        Err(err) => {
            state
                .metrics
                .commands
                .get_or_create(&CommandLabels {
                    subcommand: "unknown".into(),
                })
                .inc();
            return Err(UserError(err.0).into());
        }
    };
    // An anonymous subcommand is not counted: the counter's moment would be the author's.
    if !super::anonymous::is_anonymous_invocation(&invocation) {
        state
            .metrics
            .commands
            .get_or_create(&CommandLabels {
                subcommand: invocation.name().to_string(),
            })
            .inc();
    }
    // Each subcommand's future is boxed on its own. Unboxed, this function's future is as
    // large as the largest subcommand's, and moving it into the entry point's box copied
    // tens of KiB for every command, `help` included (a fifth of a help request's work).
    match invocation.name() {
        "incident" => {
            Box::pin(features::incident::command(
                state,
                request,
                &invocation,
                now,
            ))
            .await
        }
        "review" => Box::pin(features::review::command(state, request, &invocation, now)).await,
        "survey" => Box::pin(features::survey::command::send(state, request, now)).await,
        "survey close" => {
            Box::pin(features::survey::command::close_command(
                state, request, now,
            ))
            .await
        }
        "status" => Box::pin(features::review::status(state, request, now)).await,
        "checkin" => Box::pin(features::checkin::command(state, request, &invocation, now)).await,
        "observe" => {
            Box::pin(features::observation::command(
                state,
                request,
                invocation.rest.as_deref(),
            ))
            .await
        }
        "counterfactual" => Box::pin(features::counterfactual::command(state, request)).await,
        "agenda" => Box::pin(features::agenda::command(state, request, &invocation, now)).await,
        "answers" => {
            Box::pin(features::survey::command::answers_command(
                state, request, now,
            ))
            .await
        }
        "review done" => Box::pin(features::completion::command(state, request, now)).await,
        "review summary" => Box::pin(features::summary::command(state, request)).await,
        "review delete" => Box::pin(features::erasure::command(state, request)).await,
        "action add" => Box::pin(features::actions::add(state, request, &invocation, now)).await,
        "action" => {
            Box::pin(features::actions::set_status(
                state,
                request,
                invocation.rest.as_deref(),
                now,
            ))
            .await
        }
        "actions" | "actions mine" | "actions open" | "actions overdue" | "actions all" => {
            let which = invocation.name().strip_prefix("actions ").unwrap_or("open");
            Box::pin(features::actions::list(
                state,
                request,
                which,
                &invocation,
                now,
            ))
            .await
        }
        "digest off" => Box::pin(features::actions::set_digest(state, request, true, now)).await,
        "digest on" => Box::pin(features::actions::set_digest(state, request, false, now)).await,
        "template" => {
            Box::pin(features::survey::template::command(
                state,
                request,
                invocation.rest.as_deref().unwrap_or(""),
            ))
            .await
        }
        "modes" => Box::pin(features::vocabulary::list(state, request)).await,
        "modes merge" => {
            Box::pin(features::vocabulary::merge(
                state,
                request,
                &invocation,
                now,
            ))
            .await
        }
        "service" => {
            Box::pin(features::catalogue::service(
                state,
                request,
                invocation.rest.as_deref(),
                now,
            ))
            .await
        }
        "trial start" => {
            Box::pin(features::catalogue::start_trial(
                state,
                request,
                &invocation,
                now,
            ))
            .await
        }
        "pulse" | "pulse results" | "pulse opt-in" => {
            Box::pin(features::pulse::command(state, request, &invocation, now)).await
        }
        "learning-review" => {
            Box::pin(features::learning::command(
                state,
                request,
                &invocation,
                now,
            ))
            .await
        }
        "learnings" => {
            Box::pin(features::learning::lookup::command(
                state,
                request,
                invocation.rest.as_deref(),
                now,
            ))
            .await
        }
        "help" => match invocation.rest.as_deref().filter(|t| !t.trim().is_empty()) {
            Some(topic) => Ok(Reply::ephemeral(help_for(topic)?)),
            None => Ok(help_reply()),
        },
        other => Err(Error::Internal(anyhow::anyhow!(
            "subcommand `{other}` is declared but has no handler"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_reaches_every_subcommand_and_fits_one_screen() {
        let listed: Vec<&str> = HELP_GROUPS
            .iter()
            .flat_map(|(_, names)| names.iter().copied())
            .collect();
        for name in listed.iter() {
            assert!(
                SUBCOMMANDS.iter().any(|s| s.name == *name),
                "{name} is not a subcommand"
            );
        }
        for spec in SUBCOMMANDS.iter().filter(|s| s.name != "help") {
            let first_word = spec.name.split(' ').next().unwrap();
            assert!(
                listed
                    .iter()
                    .any(|l| *l == spec.name || l.split(' ').next() == Some(first_word)),
                "`{}` is in no help group",
                spec.name
            );
        }
        let text = help_text();
        assert!(text.lines().count() <= 30, "{text}");
        assert!(
            text.len() <= 3000,
            "one section block holds it: {}",
            text.len()
        );
    }

    #[test]
    fn help_for_a_subcommand_gives_its_usage_and_variants() {
        let review = help_for("review").unwrap();
        assert!(
            review.contains("/debrief review [facilitator=<@user>]"),
            "{review}"
        );
        assert!(review.contains("/debrief review done"), "{review}");
        assert!(help_for("/debrief survey").unwrap().contains("Send"));
        assert!(help_for("nonsense").is_err());
    }
}
