//! Purpose: the quarterly psychological-safety pulse: one statement ("I feel comfortable
//! raising concerns during incident reviews") answered 1–5 by DM, with an optional comment.
//!
//! It follows the survey's rules: answers are sealed under a keyed hash with no name and
//! no time, who has answered is worked out with the key in memory, reminders go to
//! non-respondents only, and results are shown once the pulse has closed and at least
//! k people other than whoever started it answered. Nothing on the answer path logs or
//! counts its moment.

pub mod jobs;
pub mod results;

use std::collections::{BTreeMap, HashSet};

use jiff::{SignedDuration, Timestamp};
use slack_morphism::prelude::*;

use crate::app::AppState;
use crate::error::{Error, FieldErrors};
use crate::features::learning::quarter::Quarter;
use crate::grammar::Invocation;
use crate::pseudonym::PseudonymKey;
use crate::queue::{Job, Requester};
use crate::request::{CommandRequest, Reply};
use crate::slack::blocks::{self, Style};
use crate::slack::forms::{self, FormValues};
use crate::store::Store;
use crate::store::pulses::{NewPulse, Pulse, PulseRefused, PulseSchedule};
use crate::user_error;

use results::{COMMENT_MAX, K_FLOOR, PulseAnswer, QuarterTally, SCALE, STATEMENT};

/// The kind of sealed value, bound into the seal.
const SEALED_AS: &str = "pulse answer";
/// How long a pulse stays open unless `deadline=` says otherwise.
const DEFAULT_OPEN: SignedDuration = SignedDuration::from_hours(72);
const SCORE_BLOCK: &str = "pulse_score";
const COMMENT_BLOCK: &str = "pulse_comment";

/// Identifies one person's answer to one pulse; without the key it identifies nobody.
fn respondent_key(key: &PseudonymKey, pulse_id: i64, user_id: &str) -> String {
    key.opaque("pulse respondent", &format!("{pulse_id}:{user_id}"))
}

fn seal(key: &PseudonymKey, pulse_id: i64, answer: &PulseAnswer) -> Vec<u8> {
    let plain = serde_json::to_vec(answer).expect("an answer serialises");
    key.seal(crate::domain::ReviewId(pulse_id), SEALED_AS, &plain)
}

fn open(key: &PseudonymKey, pulse_id: i64, sealed: &[u8]) -> anyhow::Result<PulseAnswer> {
    let plain = key.open(crate::domain::ReviewId(pulse_id), SEALED_AS, sealed)?;
    Ok(serde_json::from_slice(&plain)?)
}

/// `/debrief pulse …`, `/debrief pulse results` and `/debrief pulse opt-in`.
pub async fn command(
    state: &AppState,
    request: &CommandRequest,
    invocation: &Invocation,
    now: Timestamp,
) -> Result<Reply, Error> {
    match invocation.name() {
        "pulse results" => results_command(state, request, invocation, now).await,
        "pulse opt-in" => {
            let was_out = state
                .store
                .opt_in_to_pulses(&request.team_id, &request.user_id)
                .await?;
            Ok(Reply::ephemeral(if was_out {
                "You will get psychological-safety pulses again."
            } else {
                "You already get psychological-safety pulses; nothing changed."
            }))
        }
        _ => start_command(state, request, invocation, now).await,
    }
}

async fn start_command(
    state: &AppState,
    request: &CommandRequest,
    invocation: &Invocation,
    now: Timestamp,
) -> Result<Reply, Error> {
    let people = invocation.users("people");
    let channel = invocation.channel("channel");
    if people.is_some() && channel.is_some() {
        user_error!(
            "Give either channel=#… or people=@a,@b, not both: the pulse goes to a channel's people or to the people you name."
        );
    }
    match invocation.choice("every") {
        Some("quarter") => return schedule(state, request, channel, people.is_some(), now).await,
        Some("off") => {
            let channel = channel.unwrap_or(&request.channel_id);
            let removed = state
                .store
                .remove_pulse_schedule(&request.team_id, channel)
                .await?;
            return Ok(Reply::ephemeral(if removed {
                format!(
                    "The quarterly pulse for <#{channel}> is stopped. Pulses already sent stay open until they close."
                )
            } else {
                format!("<#{channel}> has no quarterly pulse to stop.")
            }));
        }
        _ => {}
    }
    let open_for = match invocation.duration("deadline") {
        Some(d) => SignedDuration::try_from(d).unwrap_or(DEFAULT_OPEN),
        None => DEFAULT_OPEN,
    };
    if open_for < SignedDuration::from_hours(1) || open_for > SignedDuration::from_hours(24 * 30) {
        user_error!(
            "A pulse stays open between 1 hour and 30 days; deadline=3d is usual. Nothing was sent."
        );
    }
    let channel = match people {
        Some(_) => None,
        None => Some(channel.unwrap_or(&request.channel_id)),
    };
    if let Some(channel) = channel
        && let Some(busy) = state
            .store
            .pulses_of_team(&request.team_id)
            .await?
            .into_iter()
            .find(|p| !p.is_closed() && p.channel_id.as_deref() == Some(channel))
    {
        user_error!(
            "A pulse for <#{channel}> is already open until {}. Its results come with `/debrief pulse results` once it closes.",
            blocks::date(busy.deadline_at)
        );
    }
    let tz = &state.config.learning.timezone;
    let quarter = Quarter::containing(now, tz).to_string();
    let deadline = now + open_for;
    let requester = Requester {
        user_id: request.user_id.clone(),
        channel_id: request.channel_id.clone(),
        response_url: Some(request.response_url.clone()),
        asked_at: now.as_second(),
    };
    let explicit = people.map(<[String]>::to_vec);
    let pulse = NewPulse {
        team_id: &request.team_id,
        quarter: &quarter,
        channel_id: channel,
        started_by: &request.user_id,
        min_responses: i64::from(K_FLOOR),
        deadline_at: deadline.as_second(),
        schedule_key: None,
    };
    state
        .store
        .create_pulse(
            &pulse,
            |pulse_id| {
                vec![
                    Job::GatherPulse {
                        pulse_id,
                        explicit: explicit.clone(),
                        requester: Some(requester.clone()),
                        gathered: Default::default(),
                    }
                    .to_row(now),
                ]
            },
            now,
        )
        .await?;
    state.job_wakeup.notify_one();
    let whom = match channel {
        Some(c) => format!("the people of <#{c}>"),
        None => "the people you named".to_string(),
    };
    Ok(Reply::ephemeral(format!(
        "Sending the psychological-safety pulse (“{STATEMENT}”, 1 to 5) to {whom} by DM. It closes {}. Answers are anonymous; results come with `/debrief pulse results` once it has closed and at least {K_FLOOR} people other than you have answered.",
        blocks::date(deadline.as_second())
    )))
}

/// `/debrief pulse every=quarter channel=#…`.
async fn schedule(
    state: &AppState,
    request: &CommandRequest,
    channel: Option<&str>,
    named_people: bool,
    now: Timestamp,
) -> Result<Reply, Error> {
    if named_people {
        user_error!(
            "A quarterly pulse goes to a channel's people: use `/debrief pulse every=quarter channel=#…`."
        );
    }
    let channel = channel.unwrap_or(&request.channel_id).to_string();
    let tz = &state.config.learning.timezone;
    let quarter = results::next_scheduled(now, tz);
    let at = results::scheduled_at(quarter, tz);
    let first = Job::ScheduledPulse {
        team_id: request.team_id.clone(),
        channel_id: channel.clone(),
        quarter: quarter.to_string(),
    };
    let added = state
        .store
        .add_pulse_schedule(
            &PulseSchedule {
                team_id: request.team_id.clone(),
                channel_id: channel.clone(),
                started_by: request.user_id.clone(),
            },
            vec![first.to_row(at)],
            now,
        )
        .await?;
    if !added {
        user_error!(
            "<#{channel}> already gets a pulse every quarter. `/debrief pulse every=off channel=<#{channel}>` stops it."
        );
    }
    Ok(Reply::ephemeral(format!(
        "<#{channel}> gets the psychological-safety pulse every quarter, in the quarter's second week. The first goes out {}. `/debrief pulse every=off channel=<#{channel}>` stops it.",
        blocks::date(at.as_second())
    )))
}

/// `/debrief pulse results [quarter=2026-Q4]`.
async fn results_command(
    state: &AppState,
    request: &CommandRequest,
    invocation: &Invocation,
    now: Timestamp,
) -> Result<Reply, Error> {
    let tz = &state.config.learning.timezone;
    let quarter = match invocation.text("quarter") {
        None => Quarter::containing(now, tz),
        Some(raw) => match raw.parse::<Quarter>() {
            Ok(q) => q,
            Err(_) => user_error!("quarter= takes a quarter such as 2026-Q3."),
        },
    };
    let tallies = tallies(&state.store, &state.pseudonym_key, &request.team_id).await?;
    let empty = QuarterTally::default();
    let this = tallies.get(&quarter).unwrap_or(&empty);
    let shown = results::quarter_pulse(this, tallies.get(&quarter.previous()), &mut rand::rng());
    Ok(Reply::ephemeral(results::render(quarter, &shown)))
}

/// Every quarter's pulses of a workspace, answers opened with the key, in memory.
/// An answer that does not open (another key) is skipped with a log line.
pub async fn tallies(
    store: &Store,
    key: &PseudonymKey,
    team_id: &str,
) -> anyhow::Result<BTreeMap<Quarter, QuarterTally>> {
    let mut by_quarter: BTreeMap<Quarter, QuarterTally> = BTreeMap::new();
    for pulse in store.pulses_of_team(team_id).await? {
        let Ok(quarter) = pulse.quarter.parse::<Quarter>() else {
            continue;
        };
        let tally = by_quarter.entry(quarter).or_default();
        add_pulse(store, key, &pulse, tally).await?;
    }
    Ok(by_quarter)
}

async fn add_pulse(
    store: &Store,
    key: &PseudonymKey,
    pulse: &Pulse,
    tally: &mut QuarterTally,
) -> anyhow::Result<()> {
    if !pulse.is_closed() {
        tally.open += 1;
        return Ok(());
    }
    tally.closed += 1;
    tally.invited += pulse.invited.max(0) as u32;
    if pulse.erased_at.is_some() {
        // Retention removed the answers; the totals kept at the close stand in for them
        // (comments are gone with the answers).
        let counts = parse_distribution(pulse.distribution.as_deref().unwrap_or(""));
        for (n, count) in counts.iter().enumerate() {
            for _ in 0..*count {
                tally.answers.push(PulseAnswer {
                    score: n as u8 + 1,
                    comment: None,
                });
            }
        }
        tally.from_starters +=
            (pulse.answered.unwrap_or(0) - pulse.counted.unwrap_or(0)).max(0) as u32;
        return Ok(());
    }
    let (answers, from_starter) = opened_answers(store, key, pulse).await?;
    tally.answers.extend(answers);
    tally.from_starters += u32::from(from_starter);
    Ok(())
}

/// A pulse's answers opened with the key, and whether whoever started it answered.
/// An answer that does not open (another key) is skipped with a log line.
async fn opened_answers(
    store: &Store,
    key: &PseudonymKey,
    pulse: &Pulse,
) -> anyhow::Result<(Vec<PulseAnswer>, bool)> {
    let starter = respondent_key(key, pulse.id, &pulse.started_by);
    let mut answers = Vec::new();
    let mut from_starter = false;
    for (respondent, sealed) in store.pulse_responses(pulse.id).await? {
        match open(key, pulse.id, &sealed) {
            Ok(answer) => {
                from_starter |= respondent == starter;
                answers.push(answer);
            }
            Err(err) => tracing::warn!(error = %err, "a pulse answer did not open; skipped"),
        }
    }
    Ok((answers, from_starter))
}

/// A pulse's totals, kept on its row at the close so that they outlive its answers.
async fn totals(
    store: &Store,
    key: &PseudonymKey,
    pulse: &Pulse,
) -> anyhow::Result<crate::store::pulses::PulseTotals> {
    let (answers, from_starter) = opened_answers(store, key, pulse).await?;
    let tally = QuarterTally {
        answers,
        from_starters: u32::from(from_starter),
        ..QuarterTally::default()
    };
    let distribution = tally.figures().map(|(_, d)| d).unwrap_or([0; 5]);
    Ok(crate::store::pulses::PulseTotals {
        answered: tally.answers.len() as i64,
        counted: i64::from(tally.counted()),
        distribution: distribution.map(|n| n.to_string()).join(","),
    })
}

/// "0,1,0,2,1" → [0, 1, 0, 2, 1]; anything unreadable counts as 0.
fn parse_distribution(text: &str) -> [u32; 5] {
    let mut counts = [0u32; 5];
    for (slot, part) in counts.iter_mut().zip(text.split(',')) {
        *slot = part.trim().parse().unwrap_or(0);
    }
    counts
}

/// The figures `/metrics` shows: the current quarter's closed pulses, one entry per
/// workspace that closed one (none before any has); the mean only from k answers.
pub async fn current_quarter_figures(
    state: &AppState,
    now: Timestamp,
) -> anyhow::Result<Vec<crate::metrics::PulseGauges>> {
    let quarter = Quarter::containing(now, &state.config.learning.timezone);
    let pulses = state.store.closed_pulses_in(&quarter.to_string()).await?;
    // Each workspace's pulses are tallied, and held to the k-floor, on their own.
    let mut by_team: BTreeMap<String, QuarterTally> = BTreeMap::new();
    for pulse in &pulses {
        let tally = by_team.entry(pulse.team_id.clone()).or_default();
        add_pulse(&state.store, &state.pseudonym_key, pulse, tally).await?;
    }
    Ok(by_team
        .into_iter()
        .map(|(team, tally)| {
            let mean = match results::quarter_pulse(&tally, None, &mut rand::rng()) {
                results::QuarterPulse::Results(f) => Some(f.mean),
                _ => None,
            };
            crate::metrics::PulseGauges {
                team,
                quarter: quarter.to_string(),
                mean,
                responses: tally.answers.len() as i64,
                invited: i64::from(tally.invited),
            }
        })
        .collect())
}

/// Which of `users` answered pulse `pulse_id`: worked out with the key, in memory.
async fn who_answered(
    state: &AppState,
    pulse_id: i64,
    users: &[String],
) -> anyhow::Result<HashSet<String>> {
    let keys: HashSet<String> = state
        .store
        .pulse_responses(pulse_id)
        .await?
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    Ok(users
        .iter()
        .filter(|u| keys.contains(&respondent_key(&state.pseudonym_key, pulse_id, u)))
        .cloned()
        .collect())
}

/// The pulse DM: the statement, how anonymity works, and the buttons.
fn invite_message(pulse: &Pulse, user_id: &str, closed: bool) -> SlackMessageContent {
    let people = match pulse.invited {
        1 => "1 person".to_string(),
        n => format!("{n} people"),
    };
    // Whoever started it is spoken to as "you", not named as a third person.
    let asked = if user_id == pulse.started_by {
        format!("You asked {people}, yourself among them,")
    } else {
        format!("<@{}> asked {people}, you among them,", pulse.started_by)
    };
    let text = format!(
        "*A one-question pulse on how incident reviews feel*\n{asked} how far you agree: _“{STATEMENT}”_"
    );
    let mut content = vec![
        blocks::section(text.clone()),
        blocks::context(format!(
            "Your answer is stored without your name and without a time. Results are shown only as totals, once the pulse has closed and at least {K_FLOOR} people have answered; comments are shown without names, in random order."
        )),
    ];
    if closed {
        content.push(blocks::context("This pulse has closed. Thank you."));
    } else {
        content.push(blocks::context(format!(
            "It takes a few seconds. You can change your answer until it closes {}.",
            blocks::date(pulse.deadline_at)
        )));
        content.push(buttons(pulse.id, "Answer"));
    }
    blocks::message(format!("A one-question pulse: {STATEMENT}"), content)
}

fn buttons(pulse_id: i64, answer_label: &str) -> SlackBlock {
    let value = pulse_id.to_string();
    blocks::actions(
        None,
        vec![
            blocks::button(answer_label, crate::ids::PULSE_OPEN, &value, Style::Primary),
            blocks::button(
                "Don't remind me",
                crate::ids::PULSE_MUTE,
                &value,
                Style::Default,
            ),
            blocks::button(
                "Don't send me pulses",
                crate::ids::PULSE_OPT_OUT,
                &value,
                Style::Default,
            ),
        ],
    )
}

/// Button "Answer": opens the form, prefilled with the person's own answer.
pub async fn open_form(
    state: &AppState,
    user_id: &str,
    trigger_id: &str,
    value: &str,
) -> Result<(), Error> {
    let pulse = pulse_from_button(state, value).await?;
    if !pulse.is_open() {
        user_error!("This pulse has closed. Thank you all the same.");
    }
    if state
        .store
        .pulse_invitee(pulse.id, user_id)
        .await?
        .is_none()
    {
        user_error!("This pulse was sent to other people.");
    }
    let own = state
        .store
        .own_pulse_response(
            pulse.id,
            &respondent_key(&state.pseudonym_key, pulse.id, user_id),
        )
        .await?
        .map(|sealed| open(&state.pseudonym_key, pulse.id, &sealed))
        .transpose()?;
    // Unmetered: opening the form is the start of an anonymous action.
    state
        .slack
        .unmetered()
        .open_view(trigger_id, form(&pulse, own.as_ref()))
        .await
        .map_err(|e| crate::features::form_did_not_open("the pulse", e))?;
    Ok(())
}

fn form(pulse: &Pulse, own: Option<&PulseAnswer>) -> SlackView {
    let options: Vec<(String, String)> = SCALE
        .iter()
        .enumerate()
        .map(|(n, label)| ((n + 1).to_string(), format!("{} · {label}", n + 1)))
        .collect();
    let pairs: Vec<(&str, &str)> = options
        .iter()
        .map(|(v, l)| (v.as_str(), l.as_str()))
        .collect();
    let initial = own.map(|a| a.score.to_string());
    forms::modal(
        "Pulse",
        "Save",
        crate::ids::PULSE_SUBMIT,
        &pulse.id.to_string(),
        vec![
            blocks::section(format!(
                "How far do you agree? _“{STATEMENT}”_\nNo name and no time is stored with your answer."
            )),
            forms::radio_input(
                SCORE_BLOCK,
                "Your answer",
                &pairs,
                initial.as_deref(),
                false,
            ),
            forms::text_input(
                COMMENT_BLOCK,
                "Anything you'd like to add? (optional, shown without your name)",
                own.and_then(|a| a.comment.as_deref()),
                true,
                true,
                COMMENT_MAX,
            ),
        ],
    )
}

/// The form was submitted: checked, sealed and stored in a transaction that names nobody.
pub async fn submit(
    state: &AppState,
    user_id: &str,
    view: &SlackStatefulView,
    private_metadata: &str,
) -> Result<SlackView, Error> {
    let pulse_id: i64 = private_metadata
        .parse()
        .map_err(|_| anyhow::anyhow!("pulse form metadata"))?;
    let answer = parse_form(&FormValues::from_view(view)).map_err(Error::Form)?;
    let respondent = respondent_key(&state.pseudonym_key, pulse_id, user_id);
    let sealed = seal(&state.pseudonym_key, pulse_id, &answer);
    let Some(pulse) = state.store.pulse(pulse_id).await? else {
        return Err(field_error(
            "This pulse no longer exists; nothing was saved.",
        ));
    };
    // Nothing else is written, logged or counted here.
    match state
        .store
        .save_pulse_response(pulse_id, user_id, &respondent, &sealed)
        .await?
    {
        Ok(_) => Ok(forms::notice(
            "Pulse",
            &format!(
                "Thank you, your answer is saved without your name. You can change it from the pulse message until it closes {}.",
                blocks::date(pulse.deadline_at)
            ),
        )),
        Err(PulseRefused::NotOpen) => Err(field_error(
            "This pulse closed before you submitted, so your answer was not saved.",
        )),
        Err(PulseRefused::NotInvited) => Err(field_error("This pulse was sent to other people.")),
    }
}

/// Reads the form. Pure.
fn parse_form(values: &FormValues) -> Result<PulseAnswer, FieldErrors> {
    let mut errors = FieldErrors::default();
    let score = values
        .selected(SCORE_BLOCK)
        .and_then(|s| s.parse::<u8>().ok())
        .filter(|s| (1..=5).contains(s));
    if score.is_none() {
        errors.add(SCORE_BLOCK, "Pick one answer from 1 to 5.");
    }
    let comment = values.text(COMMENT_BLOCK);
    if comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > COMMENT_MAX)
    {
        errors.add(
            COMMENT_BLOCK,
            format!("Keep the comment under {COMMENT_MAX} characters."),
        );
    }
    match score {
        Some(score) if errors.0.is_empty() => Ok(PulseAnswer { score, comment }),
        _ => Err(errors),
    }
}

fn field_error(message: &str) -> Error {
    let mut errors = FieldErrors::default();
    errors.add(SCORE_BLOCK, message);
    Error::Form(errors)
}

async fn pulse_from_button(state: &AppState, value: &str) -> Result<Pulse, Error> {
    match value.parse::<i64>() {
        Ok(id) => match state.store.pulse(id).await? {
            Some(pulse) => Ok(pulse),
            None => user_error!("This pulse no longer exists."),
        },
        Err(_) => user_error!("This pulse no longer exists."),
    }
}

/// Button "Don't remind me".
pub async fn stop_reminders(state: &AppState, user_id: &str, value: &str) -> Result<String, Error> {
    let pulse = pulse_from_button(state, value).await?;
    state.store.stop_pulse_reminders(pulse.id, user_id).await?;
    Ok("Okay, no reminders for this pulse. You can still answer it until it closes.".into())
}

/// Button "Don't send me pulses".
pub async fn opt_out(
    state: &AppState,
    team_id: &str,
    user_id: &str,
    now: Timestamp,
) -> Result<String, Error> {
    state.store.opt_out_of_pulses(team_id, user_id, now).await?;
    Ok("You won't get psychological-safety pulses in this workspace any more, nor reminders of this one. `/debrief pulse opt-in` undoes this.".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form_values(score: Option<&str>, comment: Option<&str>) -> FormValues {
        let mut state = serde_json::json!({});
        if let Some(s) = score {
            state[SCORE_BLOCK] = serde_json::json!({"value": {"type": "radio_buttons", "selected_option": {"text": {"type": "plain_text", "text": s}, "value": s}}});
        }
        if let Some(c) = comment {
            state[COMMENT_BLOCK] =
                serde_json::json!({"value": {"type": "plain_text_input", "value": c}});
        }
        let view: SlackStatefulView = serde_json::from_value(serde_json::json!({
            "id": "V1", "team_id": "T1", "type": "modal",
            "title": {"type": "plain_text", "text": "Pulse"}, "blocks": [],
            "state": {"values": state}, "hash": "h"
        }))
        .expect("a view payload");
        FormValues::from_view(&view)
    }

    #[test]
    fn the_form_needs_a_score_from_one_to_five() {
        assert_eq!(
            parse_form(&form_values(Some("4"), Some(" fine "))).unwrap(),
            PulseAnswer {
                score: 4,
                comment: Some("fine".into())
            }
        );
        assert!(parse_form(&form_values(None, Some("x"))).is_err());
        assert!(parse_form(&form_values(Some("6"), None)).is_err());
        let long = "x".repeat(COMMENT_MAX + 1);
        assert!(parse_form(&form_values(Some("2"), Some(&long))).is_err());
    }

    #[test]
    fn kept_totals_read_back() {
        assert_eq!(parse_distribution("0,1,0,2,1"), [0, 1, 0, 2, 1]);
        assert_eq!(parse_distribution(""), [0; 5]);
        assert_eq!(parse_distribution("3,x"), [3, 0, 0, 0, 0]);
    }

    #[test]
    fn sealed_answers_open_only_for_their_pulse() {
        let key = PseudonymKey::from_bytes([7; 32]);
        let answer = PulseAnswer {
            score: 2,
            comment: Some("quiet".into()),
        };
        let sealed = seal(&key, 4, &answer);
        assert_eq!(open(&key, 4, &sealed).unwrap(), answer);
        assert!(open(&key, 5, &sealed).is_err());
        assert!(!String::from_utf8_lossy(&sealed).contains("quiet"));
        assert_ne!(respondent_key(&key, 4, "U1"), respondent_key(&key, 5, "U1"));
    }
}
