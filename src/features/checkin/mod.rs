//! Purpose: `/debrief checkin`: a round-robin check-in in a thread, so that speaking is
//! the default rather than an act of courage. The round's logic is the pure state machine
//! in [`machine`]; this module stores its state, turns its actions into durable jobs, and
//! feeds it replies and button presses.

pub mod machine;

use crate::domain::ReviewId;
use std::time::Duration;

use jiff::Timestamp;
use rand::RngExt;

use crate::app::AppState;
use crate::error::Error;
use crate::grammar::{Invocation, spoken_duration};
use crate::queue::{self, CheckinLine, Job, JobError};
use crate::request::{CommandRequest, Reply};
use crate::slack::blocks::{self, Style};
use crate::slack::forms::{self, FormValues};
use crate::store::checkins::Checkin;
use crate::store::jobs::NewJob;
use crate::user_error;
use slack_morphism::prelude::{SlackStatefulView, SlackView};

use machine::{Action, CheckinState, Event, Notice};

/// Default time each person has for their turn.
const DEFAULT_TURN: Duration = Duration::from_secs(180);

/// The parent message's text.
pub const PARENT_TEXT: &str = "Round-robin check-in: one observation each, then open discussion";

/// The round's closing line. It counts, never names; when the facilitator ended the round
/// early, the people not reached are counted too, so the numbers add up.
fn summary_text(shared: usize, passed: usize, total: usize) -> String {
    let not_reached = total.saturating_sub(shared + passed);
    if not_reached == 0 {
        format!("{shared} of {total} shared, {passed} passed. The floor is open for discussion.")
    } else {
        format!(
            "{shared} of {total} shared, {passed} passed, {not_reached} not reached before the round ended. The floor is open for discussion."
        )
    }
}

const ALREADY_RUNNING: &str = "A check-in is already running in this channel. Finish it first, or press *End round* in its thread.";

/// `/debrief checkin [turn=…] [participants=…]` (facilitator only); with nothing after
/// it, a small form with the same two settings.
pub async fn command(
    state: &AppState,
    request: &CommandRequest,
    inv: &Invocation,
    now: Timestamp,
) -> Result<Reply, Error> {
    let (_, review) = super::require_review(state, request).await?;
    super::require_facilitator(&review, &request.user_id, "start a check-in")?;
    if state.store.running_checkin(review.id).await?.is_some() {
        user_error!("{ALREADY_RUNNING}");
    }
    if inv.args.is_empty() {
        let people = state.store.participant_ids(review.id).await?;
        let view = form(review.id, &people);
        state
            .slack
            .open_view(&request.trigger_id, view)
            .await
            .map_err(|e| super::form_did_not_open("the check-in form", e))?;
        return Ok(Reply::ephemeral(
            "The check-in form is open: choose the turn length and who takes part, then press Start.",
        ));
    }
    let turn = inv.duration("turn").unwrap_or(DEFAULT_TURN);
    let participants = inv.users("participants").map(<[String]>::to_vec);
    Ok(Reply::ephemeral(
        start_round(state, &review, turn, participants, now).await?,
    ))
}

/// Starts a round of `review` (typed or from the form): checks the settings, fixes the
/// speaking order and queues the opening. Returns what the facilitator is told.
async fn start_round(
    state: &AppState,
    review: &crate::store::reviews::Review,
    turn: Duration,
    participants: Option<Vec<String>>,
    now: Timestamp,
) -> Result<String, Error> {
    if turn < Duration::from_secs(15) {
        user_error!("A turn needs at least 15 seconds (`turn=90s`, `turn=3m`).");
    }
    let participants: Vec<String> = match participants {
        Some(list) => list,
        None => state.store.participant_ids(review.id).await?,
    };
    if participants.is_empty() {
        user_error!(
            "Nobody to call on yet. Name people with `/debrief checkin participants=@a,@b`, or add them to the review."
        );
    }
    let already_spoke: Vec<String> = state
        .store
        .participation(review.id)
        .await?
        .into_iter()
        .filter(|p| p.messages > 0 || p.checkin_shared)
        .map(|p| p.user_id)
        .collect();
    let seed: u64 = rand::rng().random();
    let order = machine::speaking_order(&participants, &already_spoke, seed);
    let initial = CheckinState::new(&review.facilitator_id, order, turn.as_secs() as i64);
    let json = serde_json::to_string(&initial).map_err(anyhow::Error::from)?;
    let created = state
        .store
        .create_checkin(
            review.id,
            &review.channel_id,
            seed as i64,
            &json,
            |checkin_id| vec![Job::StartCheckin { checkin_id }.to_row(now)],
            now,
        )
        .await?;
    if created.is_none() {
        user_error!("{ALREADY_RUNNING}");
    }
    state.job_wakeup.notify_one();
    Ok(format!(
        "Starting a round-robin check-in with {} people, {} per turn. People who haven't spoken in this review go first.",
        participants.len(),
        spoken_duration(turn)
    ))
}

/// Blocks of the check-in form.
const TURN_BLOCK: &str = "checkin_turn";
const PEOPLE_BLOCK: &str = "checkin_people";

/// Turn lengths offered in the form: (seconds, label).
const TURN_CHOICES: &[(&str, &str)] = &[
    ("60", "1 minute"),
    ("120", "2 minutes"),
    ("180", "3 minutes"),
    ("300", "5 minutes"),
];

/// The form `/debrief checkin` alone opens: the turn length and who is called.
fn form(review_id: ReviewId, people: &[String]) -> SlackView {
    forms::modal(
        "Start a check-in",
        "Start",
        crate::ids::CHECKIN_SUBMIT,
        &review_id.to_string(),
        vec![
            forms::select_input(
                TURN_BLOCK,
                "Time for each person",
                TURN_CHOICES,
                Some(&DEFAULT_TURN.as_secs().to_string()),
                false,
            ),
            forms::users_input(PEOPLE_BLOCK, "Who is called on", people, false),
            blocks::context(
                "Each person is called once, in a random order; people who haven't spoken in this review go first.",
            ),
        ],
    )
}

/// The check-in form is submitted: the same path as the typed command; a mistake comes
/// back next to its field, and the facilitator is told in the channel, privately.
pub async fn submit_form(
    state: &AppState,
    user: &str,
    view: &SlackStatefulView,
    metadata: &str,
    now: Timestamp,
) -> Result<(), Error> {
    let review = super::review_from_button(state, metadata).await?;
    let values = FormValues::from_view(view);
    if review.facilitator_id != user {
        return Err(Error::on_field(
            PEOPLE_BLOCK,
            format!(
                "Only the facilitator, <@{}>, can start a check-in.",
                review.facilitator_id
            ),
        ));
    }
    let turn = values
        .selected(TURN_BLOCK)
        .and_then(|s| s.parse::<u64>().ok())
        .map_or(DEFAULT_TURN, Duration::from_secs);
    let people = values.users(PEOPLE_BLOCK).unwrap_or_default();
    if people.is_empty() {
        return Err(Error::on_field(
            PEOPLE_BLOCK,
            "Choose at least one person to call on.",
        ));
    }
    let text = start_round(state, &review, turn, Some(people), now)
        .await
        .map_err(|err| err.shown_at(PEOPLE_BLOCK))?;
    let job = Job::PostEphemeral {
        channel: review.channel_id.clone(),
        user: user.to_string(),
        text,
        thread_ts: None,
    };
    queue::enqueue(state, &job, now).await?;
    Ok(())
}

/// Job: post the parent message, then call the first speaker.
pub async fn start(state: &AppState, checkin_id: i64, now: Timestamp) -> Result<(), JobError> {
    let Some(checkin) = state.store.checkin(checkin_id).await? else {
        return Ok(());
    };
    if checkin.thread_ts.is_none() {
        let content = blocks::message(
            PARENT_TEXT,
            vec![
                blocks::section(format!("*{PARENT_TEXT}.*")),
                blocks::context(
                    "Each person is called once, in a random order. Reply in this thread when it's your turn, or press Pass: no one is singled out.",
                ),
            ],
        );
        let key = format!("checkin:{checkin_id}:parent");
        let ts = crate::outbox::post_once(state, &key, &checkin.channel_id, None, content).await?;
        state.store.set_checkin_thread(checkin_id, &ts).await?;
    }
    apply(state, checkin_id, Event::Start, now).await
}

/// Applies an event to a round: the pure transition, then its actions as jobs, stored
/// together. Retries when another event won the race for the same round.
pub async fn apply(
    state: &AppState,
    checkin_id: i64,
    event: Event,
    now: Timestamp,
) -> Result<(), JobError> {
    for _ in 0..8 {
        let Some(checkin) = state.store.checkin(checkin_id).await? else {
            return Ok(());
        };
        let before: CheckinState =
            serde_json::from_str(&checkin.state).map_err(anyhow::Error::from)?;
        let (after, actions) = machine::next(before.clone(), event.clone());
        if after == before && actions.is_empty() {
            return Ok(());
        }
        let rows = jobs_for(state, &checkin, &actions, now).await?;
        let json = serde_json::to_string(&after).map_err(anyhow::Error::from)?;
        if state
            .store
            .update_checkin(checkin_id, checkin.version, &json, after.ended, &rows, now)
            .await?
        {
            for (user, outcome) in &after.outcomes {
                if *outcome == machine::Outcome::Shared
                    && before.outcomes.get(user) != Some(outcome)
                {
                    state
                        .store
                        .record_checkin_share(checkin.review_id, user)
                        .await?;
                }
            }
            state.job_wakeup.notify_one();
            return Ok(());
        }
    }
    Err(JobError::Internal(anyhow::anyhow!(
        "check-in {checkin_id} kept changing under us"
    )))
}

/// Turns the machine's actions into durable jobs with dedupe keys, so a retried
/// transition never calls a person twice or posts a summary twice.
async fn jobs_for(
    state: &AppState,
    checkin: &Checkin,
    actions: &[Action],
    now: Timestamp,
) -> anyhow::Result<Vec<NewJob>> {
    let id = checkin.id;
    let mut rows = Vec::new();
    for action in actions {
        match action {
            Action::Call { user, turn } => {
                let job = Job::CheckinCall {
                    checkin_id: id,
                    turn: *turn,
                    user: user.clone(),
                };
                rows.push(job.to_row(now));
            }
            Action::ScheduleTimeout { turn, at } => {
                let job = Job::CheckinTimeout {
                    checkin_id: id,
                    turn: *turn,
                };
                let at = Timestamp::from_second(*at).unwrap_or(now);
                rows.push(job.to_row(at));
            }
            Action::MoveOn { turn } => {
                let job = Job::CheckinPost {
                    checkin_id: id,
                    text: "Thanks, moving on.".into(),
                    line: CheckinLine::MoveOn { turn: *turn },
                };
                rows.push(job.to_row(now));
            }
            Action::Summary {
                shared,
                passed,
                total,
            } => {
                let text = summary_text(*shared, *passed, *total);
                let job = Job::CheckinPost {
                    checkin_id: id,
                    text,
                    line: CheckinLine::Summary,
                };
                rows.push(job.to_row(now));
            }
            Action::Tell { user, message } => {
                let text = notice_text(state, message).await?;
                let job = Job::PostEphemeral {
                    channel: checkin.channel_id.clone(),
                    user: user.clone(),
                    text,
                    thread_ts: checkin.thread_ts.clone(),
                };
                rows.push(job.to_row(now));
            }
        }
    }
    Ok(rows)
}

async fn notice_text(state: &AppState, notice: &Notice) -> anyhow::Result<String> {
    Ok(match notice {
        Notice::NotYourTurn { current } => {
            let name = state
                .store
                .user_name(current)
                .await?
                .unwrap_or_else(|| format!("<@{current}>"));
            format!("It's {name}'s turn.")
        }
        Notice::FacilitatorOnly => "Only the facilitator can skip a turn or end the round.".into(),
        Notice::ReplyInThread => {
            "Your turn: write your observation as a reply in this thread.".into()
        }
        Notice::RoundOver => "This round has ended; the floor is open for discussion.".into(),
    })
}

/// Job: mention exactly one person in the thread, with the turn's buttons. Skipped when
/// the round has moved on since (the call is stale).
pub async fn call(
    state: &AppState,
    checkin_id: i64,
    turn: u64,
    user: &str,
) -> Result<(), JobError> {
    let Some(checkin) = state.store.checkin(checkin_id).await? else {
        return Ok(());
    };
    let round: CheckinState = serde_json::from_str(&checkin.state).map_err(anyhow::Error::from)?;
    if round.turn != turn || round.current() != Some(user) {
        return Ok(());
    }
    let Some(thread) = checkin.thread_ts.as_deref() else {
        return Err(JobError::Permanent("the check-in has no thread".into()));
    };
    let value = format!("{checkin_id}:{turn}");
    let text = format!(
        "<@{user}>, your turn: one observation about the incident, as a reply here or with Share. You have {}.",
        spoken_duration(Duration::from_secs(round.turn_seconds.max(1) as u64))
    );
    // Only what the speaker can use: Skip and End are the facilitator's, and reach them
    // alone (see `post_controls`).
    let content = blocks::message(
        text.clone(),
        vec![
            blocks::section(text),
            blocks::actions(
                Some(&format!("checkin_turn_{turn}")),
                vec![
                    blocks::button("Share", crate::ids::CHECKIN_SHARE, &value, Style::Primary),
                    blocks::button("Pass", crate::ids::CHECKIN_PASS, &value, Style::Default),
                ],
            ),
        ],
    );
    // Jobs run at least once; the outbox makes a second run find this call instead of
    // posting it again.
    let key = format!("checkin:{checkin_id}:call:{turn}");
    crate::outbox::post_once(state, &key, &checkin.channel_id, Some(thread), content).await?;
    post_controls(
        state,
        &checkin.channel_id,
        thread,
        &round.facilitator,
        &value,
        user,
    )
    .await?;
    // The turn's time starts now that the person can see they are up.
    apply(
        state,
        checkin_id,
        Event::Called {
            turn,
            at: state.clock.now().as_second(),
        },
        state.clock.now(),
    )
    .await
}

/// The facilitator's buttons for one turn, as an ephemeral message in the thread: only
/// they see it, so nobody else is shown buttons they may not use. A second copy after a
/// retried job is harmless (only the facilitator sees it, and a stale Skip is ignored).
/// When Slack refuses it (the facilitator left the channel), the round goes on without.
async fn post_controls(
    state: &AppState,
    channel: &str,
    thread: &str,
    facilitator: &str,
    value: &str,
    speaker: &str,
) -> Result<(), JobError> {
    let text = format!("Round controls, only you see these: <@{speaker}> is up.");
    let content = blocks::message(
        text.clone(),
        vec![
            blocks::context(text),
            blocks::actions(
                Some("checkin_controls"),
                vec![
                    blocks::button(
                        "Skip this turn",
                        crate::ids::CHECKIN_SKIP,
                        value,
                        Style::Default,
                    ),
                    blocks::button("End round", crate::ids::CHECKIN_END, value, Style::Danger),
                ],
            ),
        ],
    );
    match state
        .slack
        .post_ephemeral(channel, facilitator, content, Some(thread))
        .await
    {
        Ok(()) => Ok(()),
        Err(crate::slack::SlackCallError::Rejected { code, .. }) => {
            tracing::info!(%code, "the facilitator's round controls could not be shown");
            Ok(())
        }
        Err(other) => Err(other.into()),
    }
}

/// Job: post a line in the round's thread ("moving on", the summary), once per `key`.
pub async fn post(
    state: &AppState,
    checkin_id: i64,
    key: &str,
    text: &str,
) -> Result<(), JobError> {
    let Some(checkin) = state.store.checkin(checkin_id).await? else {
        return Ok(());
    };
    let Some(thread) = checkin.thread_ts.as_deref() else {
        return Ok(());
    };
    crate::outbox::post_once(
        state,
        key,
        &checkin.channel_id,
        Some(thread),
        blocks::text(text),
    )
    .await?;
    Ok(())
}

/// A button on a turn message, or on the facilitator's controls.
pub async fn on_button(
    state: &AppState,
    action_id: &str,
    value: &str,
    user: &str,
    trigger_id: &str,
    now: Timestamp,
) -> Result<(), Error> {
    // "<check-in id>:<turn>", as set on the call message's buttons.
    let Some((Ok(checkin_id), Ok(turn))) = value
        .split_once(':')
        .map(|(id, turn)| (id.parse::<i64>(), turn.parse::<u64>()))
    else {
        return Ok(());
    };
    if action_id == crate::ids::CHECKIN_SHARE && is_speaking(state, checkin_id, turn, user).await? {
        let view = share_form(value);
        state
            .slack
            .open_view(trigger_id, view)
            .await
            .map_err(|e| super::form_did_not_open("the share form", e))?;
        return Ok(());
    }
    let user = user.to_string();
    let event = match action_id {
        // Not (or no longer) their turn: the round says whose it is.
        crate::ids::CHECKIN_SHARE => Event::Share { user },
        crate::ids::CHECKIN_PASS => Event::Pass { user },
        crate::ids::CHECKIN_SKIP => Event::Skip { by: user, turn },
        crate::ids::CHECKIN_END => Event::End { by: user },
        _ => return Ok(()),
    };
    Ok(apply(state, checkin_id, event, now).await?)
}

/// Whether `user` is the one called in `turn` of a round still running.
async fn is_speaking(
    state: &AppState,
    checkin_id: i64,
    turn: u64,
    user: &str,
) -> anyhow::Result<bool> {
    let Some(checkin) = state.store.checkin(checkin_id).await? else {
        return Ok(false);
    };
    let round: CheckinState = serde_json::from_str(&checkin.state)?;
    Ok(!round.ended && round.turn == turn && round.current() == Some(user))
}

/// The block holding what the speaker types in the share form.
const SHARE_BLOCK: &str = "share";

/// What Share opens: one box for the observation, posted in the thread with their name.
fn share_form(value: &str) -> SlackView {
    forms::modal(
        "Your turn",
        "Post in the thread",
        crate::ids::CHECKIN_SHARE_SUBMIT,
        value,
        vec![
            forms::text_input(
                SHARE_BLOCK,
                "One observation about the incident",
                None,
                true,
                false,
                2_000,
            ),
            blocks::context(
                "It goes in the check-in thread under your name, as if you had replied there, and counts as your turn.",
            ),
        ],
    )
}

/// The share form is submitted: the text goes in the thread with the speaker's name (a
/// job, so Slack being slow loses nothing), and counts as their reply.
pub async fn submit_share(
    state: &AppState,
    user: &str,
    view: &SlackStatefulView,
    metadata: &str,
    now: Timestamp,
) -> Result<(), Error> {
    let Some(text) = FormValues::from_view(view).text(SHARE_BLOCK) else {
        return Err(Error::on_field(
            SHARE_BLOCK,
            "Write your observation, or press Cancel and reply in the thread instead.",
        ));
    };
    let checkin = match metadata.split_once(':').map(|(id, _)| id.parse::<i64>()) {
        Some(Ok(id)) => state.store.checkin(id).await?,
        _ => None,
    };
    let Some(checkin) = checkin else {
        user_error!("This check-in is no longer there, so nothing was posted.");
    };
    let Some(thread) = checkin.thread_ts.clone() else {
        user_error!("This check-in has no thread yet, so nothing was posted.");
    };
    let job = Job::PostMessage {
        channel: checkin.channel_id.clone(),
        text: format!("<@{user}>: {}", blocks::escape(&text)),
        thread_ts: Some(thread),
        requester: None,
    };
    queue::enqueue(state, &job, now).await?;
    take_turn(state, &checkin, user, now).await?;
    Ok(())
}

/// `user` said something in the round (a reply in its thread, or Share): their turn, or
/// an out-of-turn share, and a message counted for participation.
async fn take_turn(
    state: &AppState,
    checkin: &Checkin,
    user: &str,
    now: Timestamp,
) -> anyhow::Result<()> {
    apply(
        state,
        checkin.id,
        Event::Reply {
            user: user.to_string(),
        },
        now,
    )
    .await?;
    // Counted last: if the turn fails, Slack's retry of the event is handled in full, and a
    // message counted before the failure would be counted twice.
    state.store.count_message(checkin.review_id, user).await?;
    Ok(())
}

/// A message in a thread: a reply in a round's thread is a turn (or an out-of-turn share).
pub async fn on_thread_reply(
    state: &AppState,
    channel: &str,
    thread_ts: &str,
    user: &str,
    now: Timestamp,
) -> anyhow::Result<bool> {
    let Some(checkin) = state.store.checkin_by_thread(channel, thread_ts).await? else {
        return Ok(false);
    };
    take_turn(state, &checkin, user, now).await?;
    Ok(true)
}

/// A line for `/debrief status` about the latest round.
pub async fn status_line(state: &AppState, review_id: ReviewId) -> anyhow::Result<Option<String>> {
    let Some(latest) = state.store.checkins_of(review_id).await?.pop() else {
        return Ok(None);
    };
    let round: CheckinState = serde_json::from_str(&latest.state)?;
    Ok(Some(if round.ended {
        format!(
            "Check-in: ended, {} of {} shared.",
            round.shared(),
            round.order.len()
        )
    } else {
        let current = round
            .current()
            .map(|u| format!(", <@{u}>'s turn"))
            .unwrap_or_default();
        format!(
            "Check-in: running, {} of {} shared so far{current}.",
            round.shared(),
            round.order.len()
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::summary_text;

    #[test]
    fn the_summary_counts_and_adds_up() {
        assert_eq!(
            summary_text(6, 2, 8),
            "6 of 8 shared, 2 passed. The floor is open for discussion."
        );
        assert_eq!(
            summary_text(3, 1, 8),
            "3 of 8 shared, 1 passed, 4 not reached before the round ended. The floor is open for discussion."
        );
    }
}
