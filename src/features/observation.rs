//! Purpose: anonymous observations: `/debrief observe <text>`, the "Anonymous
//! observation" message shortcut, and a DM to the bot starting with "observe".
//!
//! The author's user id is dropped at the boundary: [`Observation`] has no author field,
//! the table has no author column, and nothing on this path logs text or a user id.
//! Observations are released in batches at random moments of the review's own schedule:
//! only then do they reach the agenda, and with `observations=live` the review's thread,
//! so the time an observation appears says nothing about who wrote it.

use crate::domain::ReviewId;
use std::time::Duration;

use jiff::Timestamp;
use rand::RngExt;
use slack_morphism::prelude::*;

use super::framing::{self, Nudge};
use crate::app::AppState;
use crate::error::{Error, FieldErrors};
use crate::queue::{Job, JobError};
use crate::request::{CommandRequest, Reply};
use crate::slack::blocks::{self, Style, limits};
use crate::slack::forms::{self, FormValues};
use crate::store::observations::Recorded;
use crate::store::reviews::Review;
use crate::user_error;

/// Slack limits a button's value to 2,000 characters; the text travels in it.
const MAX_VALUE: usize = limits::BUTTON_VALUE;
/// Each release comes at a random moment in this window after the one before.
const RELEASE_WINDOW: (Duration, Duration) = (Duration::from_secs(120), Duration::from_secs(600));

/// Observation text: scrubbed of mentions, 1 to 3,000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservationText(String);

impl ObservationText {
    /// Scrubs and validates; the error is a sentence for the author.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let text = scrub_mentions(raw.trim());
        let length = text.chars().count();
        if length == 0 {
            return Err("Write the observation after the command, e.g. `/debrief observe the dashboard hid the error rate`.".into());
        }
        if length > limits::INPUT_TEXT {
            return Err(format!(
                "Your observation is {length} characters; the limit is {}. Shorten it, or split it into two.",
                limits::INPUT_TEXT
            ));
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An observation on its way to storage. There is no author field, so no code path can
/// store or show one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    pub review_id: ReviewId,
    pub text: ObservationText,
}

/// Replaces `<@U…>` and `<@U…|name>` with "a teammate": observations are about the system.
fn scrub_mentions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<@") {
        out.push_str(&rest[..start]);
        match rest[start..].find('>') {
            Some(end) => {
                out.push_str("a teammate");
                rest = &rest[start + end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    scrub_typed_handles(&out)
}

/// "@maria" typed into a plain-text form field arrives as text, not as a mention: it is
/// replaced too. An address such as ops@example.com is left alone.
fn scrub_typed_handles(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut previous: Option<char> = None;
    while let Some(c) = chars.next() {
        let starts_handle = c == '@'
            && previous.is_none_or(|p| p.is_whitespace() || "([{\"'“‘".contains(p))
            && chars.peek().is_some_and(|next| next.is_alphanumeric());
        if !starts_handle {
            out.push(c);
            previous = Some(c);
            continue;
        }
        let mut handle = String::new();
        while let Some(&next) = chars.peek() {
            if next.is_alphanumeric() || "._-".contains(next) {
                handle.push(next);
                chars.next();
            } else {
                break;
            }
        }
        out.push_str("a teammate");
        // A full stop ending the sentence is not part of the handle.
        let trailing: String = handle
            .chars()
            .rev()
            .take_while(|c| ".-_".contains(*c))
            .collect();
        out.extend(trailing.chars().rev());
        previous = Some('e');
    }
    out
}

/// Whether a DM to the bot is an observation: it starts with the word "observe"
/// ("observed the pager…" is not).
pub fn is_observe_message(text: &str) -> bool {
    let text = text.trim_start();
    text.get(..7)
        .is_some_and(|word| word.eq_ignore_ascii_case("observe"))
        && !text[7..].starts_with(|c: char| c.is_alphanumeric())
}

/// Stores the observation. Nobody sees it until the next release: releases run on their own
/// random schedule from the moment the review opens, so neither the thread, nor the agenda,
/// nor any row (jobs included) shows when it was written.
pub async fn record(state: &AppState, observation: Observation) -> Result<(), Error> {
    let Some(review) = state.store.review(observation.review_id).await? else {
        user_error!("That review no longer exists.");
    };
    record_in(state, &review, &observation.text).await
}

/// [`record`] for a review already loaded.
async fn record_in(state: &AppState, review: &Review, text: &ObservationText) -> Result<(), Error> {
    let now = state.clock.now();
    require_taking_observations(review, now)?;
    let recorded = state
        .store
        .add_observation(review.id, &seal(state, review.id, text), now.as_second())
        .await?;
    stored_once(recorded).map(|_| ())
}

/// Whether the store took the observation (false: its button was used before), or the
/// sentence saying why it could not: the review changed since it was read.
fn stored_once(recorded: Recorded) -> Result<bool, Error> {
    match recorded {
        Recorded::Stored => Ok(true),
        Recorded::AlreadyStored => Ok(false),
        Recorded::ReviewGone => user_error!("That review no longer exists."),
        Recorded::ReviewClosed => Err(stopped_taking()),
    }
}

/// The kind of sealed value, bound into the seal.
pub const SEALED_AS: &str = "observation";

/// Seals an observation's text: at rest it is readable only with the key.
fn seal(state: &AppState, review_id: ReviewId, text: &ObservationText) -> Vec<u8> {
    state
        .pseudonym_key
        .seal(review_id, SEALED_AS, text.as_str().as_bytes())
}

/// An observation's text, opened with the key.
pub fn open(
    state: &AppState,
    review_id: ReviewId,
    stored: &crate::store::observations::StoredObservation,
) -> anyhow::Result<String> {
    let bytes = state
        .pseudonym_key
        .open(review_id, SEALED_AS, &stored.sealed)?;
    Ok(String::from_utf8(bytes)?)
}

/// The answer to an observation that came after its review's window closed.
fn stopped_taking() -> Error {
    crate::error::UserError(
        "This review stopped taking anonymous observations a week after its meeting, so nothing was recorded. Raise it in the channel, or in a new review.".into(),
    )
    .into()
}

/// After its release schedule has ended, a review takes no more observations: one
/// recorded then could only be released on a schedule started by its own arrival.
fn require_taking_observations(review: &Review, now: Timestamp) -> Result<(), Error> {
    if !still_open(review, now) {
        return Err(stopped_taking());
    }
    Ok(())
}

/// A release this late has stopped (its job failed for good, or the review reopened).
const RELEASE_STALE_SECONDS: i64 = 15 * 60;

/// Starts the review's release schedule, or restarts it if it has stopped. Called when the
/// review is opened or changed, never when an observation arrives (that would tie the
/// next release to the moment someone wrote one).
pub async fn ensure_release(state: &AppState, review_id: ReviewId) -> anyhow::Result<()> {
    let now = state.clock.now();
    let next = state.store.next_release_at(review_id).await?;
    if next.is_none_or(|at| at < now.as_second() - RELEASE_STALE_SECONDS) {
        schedule_release(state, review_id, now).await?;
    }
    Ok(())
}

/// How every observation nudge opens.
const NUDGE_LEAD: &str = "*Before I record it:*";

/// The private suggestion shown when the text carries a framing: its kind and questions,
/// a button that records it as written (the text rides in the button's value), and for a
/// single root cause a button into the counterfactual form.
fn nudge_blocks(review_id: ReviewId, text: &str, nudges: &[Nudge]) -> Vec<SlackBlock> {
    let value = record_value(review_id, text, &new_token());
    let closing = match value {
        Some(_) => "Rephrase it and send it again, or record it as written.",
        // Slack caps a button's value at 2,000 characters.
        None => "It is too long to keep on a button, so rephrase it and send it again.",
    };
    let mut content = vec![blocks::section(framing::nudge::text(
        nudges, NUDGE_LEAD, "this", closing,
    ))];
    let mut buttons = Vec::new();
    if let Some(value) = value {
        buttons.push(blocks::button(
            "Record it as written",
            crate::ids::OBSERVE_RECORD,
            &value,
            Style::Default,
        ));
    }
    if framing::nudge::offers_counterfactuals(nudges) {
        buttons.push(framing::nudge::counterfactual_button(review_id));
    }
    if !buttons.is_empty() {
        content.push(blocks::actions(None, buttons));
    }
    content
}

/// `/debrief observe <text>` in a review's channel.
pub async fn command(
    state: &AppState,
    request: &CommandRequest,
    rest: Option<&str>,
) -> Result<Reply, Error> {
    super::require_channel(request, "review")?;
    let remembered = state
        .store
        .review_for_channel_hint(&request.team_id, &request.channel_id)
        .await?;
    let review = match remembered {
        Some(review) => review,
        // No review here: the sentences that say how to open one.
        None => super::require_review_only(state, request).await?,
    };
    // From here on only the text matters; `request.user_id` is not read on this path.
    let text = ObservationText::parse(rest.unwrap_or("")).map_err(crate::error::UserError)?;
    let nudges = framing::detect(text.as_str());
    if !nudges.is_empty() {
        return Ok(Reply::ephemeral_blocks(
            framing::nudge::fallback(&nudges),
            nudge_blocks(review.id, text.as_str(), &nudges),
        ));
    }
    record_in(state, &review, &text).await?;
    Ok(Reply::ephemeral(recorded_text(&review)))
}

fn recorded_text(review: &Review) -> String {
    if review.observations_live {
        "Recorded anonymously. It will appear in the review's thread with others, at a random moment.".into()
    } else {
        "Recorded anonymously. It is held for the agenda; nobody can see who wrote it.".into()
    }
}

#[derive(serde::Deserialize)]
struct RecordValue {
    r: ReviewId,
    t: String,
    /// Single-use token: a double click, or a second review's button, records nothing more.
    n: String,
}

/// A button value carrying the text to record, or `None` when it would not fit.
fn record_value(review_id: ReviewId, text: &str, token: &str) -> Option<String> {
    let value = serde_json::json!({ "r": review_id, "t": text, "n": token }).to_string();
    (value.len() <= MAX_VALUE).then_some(value)
}

/// A fresh single-use token for the buttons of one message.
fn new_token() -> String {
    crate::store::random_id()
}

/// "Record it as written" (after a nudge) or "For <review>" (choosing a review from a DM).
/// Returns the text that replaces the message holding the button.
pub async fn on_record_button(state: &AppState, value: &str) -> Result<String, Error> {
    let Ok(RecordValue { r: review_id, t, n }) = serde_json::from_str::<RecordValue>(value) else {
        return Ok("That button is out of date; send the observation again.".into());
    };
    let Some(review) = state.store.review(review_id).await? else {
        return Ok("That review no longer exists.".into());
    };
    // No author check: the button was shown only to its author (an ephemeral reply or
    // their own DM), and looking at who clicked would put a user id on this path.
    let text = ObservationText::parse(&t).map_err(crate::error::UserError)?;
    let now = state.clock.now();
    require_taking_observations(&review, now)?;
    let recorded = state
        .store
        .add_observation_once(
            review.id,
            &seal(state, review.id, &text),
            Some(&n),
            now.as_second(),
        )
        .await?;
    if !stored_once(recorded)? {
        return Ok("Already recorded; it is stored once.".into());
    }
    Ok(recorded_text(&review))
}

/// A DM to the bot that starts with "observe".
pub async fn on_direct_message(
    state: &AppState,
    dm_channel: &str,
    user_id: &str,
    message: &str,
    now: Timestamp,
) -> anyhow::Result<()> {
    let body = message.trim_start()["observe".len()..]
        .trim_start_matches([':', ' ', '\n'])
        .to_string();
    let reply = match direct_message_reply(state, user_id, &body, now).await? {
        DmReply::Text(text) => blocks::text(text),
        DmReply::Blocks(fallback, content) => blocks::message(fallback, content),
    };
    reply_privately(state, dm_channel, reply).await;
    Ok(())
}

/// How long the first try at a DM acknowledgement may take inside the event's 3 s.
const FIRST_REPLY_WAIT: std::time::Duration = std::time::Duration::from_secs(2);
/// Background retries after that, in memory only.
const REPLY_RETRIES: [u64; 4] = [2, 8, 30, 90];

/// Acknowledges an observation in its author's DM without leaving a trace: no job row
/// (which would put their DM channel next to the moment they wrote), no metric and no
/// log line. The first try is made at once; if Slack fails, a few more in the background,
/// in memory. The observation itself is already stored: only the acknowledgement can be
/// lost, and only if Slack stays down for two minutes or the process stops.
async fn reply_privately(state: &AppState, channel: &str, reply: SlackMessageContent) {
    let quiet = state.slack.unmetered();
    let first = tokio::time::timeout(
        FIRST_REPLY_WAIT,
        quiet.post_message(channel, reply.clone(), None),
    )
    .await;
    if matches!(first, Ok(Ok(_))) {
        return;
    }
    let channel = channel.to_string();
    // A spawned task starts outside the request's workspace; it carries it along.
    let acting = crate::workspace::acting();
    tokio::spawn(crate::workspace::acting_for(acting, async move {
        for wait in REPLY_RETRIES {
            tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
            let sent = tokio::time::timeout(
                FIRST_REPLY_WAIT,
                quiet.post_message(&channel, reply.clone(), None),
            )
            .await;
            if matches!(sent, Ok(Ok(_))) {
                return;
            }
        }
    }));
}

enum DmReply {
    Text(String),
    Blocks(String, Vec<SlackBlock>),
}

async fn direct_message_reply(
    state: &AppState,
    user_id: &str,
    body: &str,
    now: Timestamp,
) -> anyhow::Result<DmReply> {
    let text = match ObservationText::parse(body) {
        Ok(text) => text,
        Err(problem) => {
            return Ok(DmReply::Text(problem.replace(
                "after the command, e.g. `/debrief observe",
                "after “observe”, e.g. `observe",
            )));
        }
    };
    let reviews = state.store.reviews_open_to(user_id, now).await?;
    match reviews.as_slice() {
        [] => Ok(DmReply::Text(
            "You're not part of a review that is still open, so there's nowhere to record this. Use `/debrief observe` in an incident's channel.".into(),
        )),
        [review] => {
            let nudges = framing::detect(text.as_str());
            if !nudges.is_empty() {
                return Ok(DmReply::Blocks(
                    framing::nudge::fallback(&nudges),
                    nudge_blocks(review.id, text.as_str(), &nudges),
                ));
            }
            match record(state, Observation { review_id: review.id, text }).await {
                Ok(()) => Ok(DmReply::Text(recorded_text(review))),
                // A sentence for the author (the review stopped taking observations).
                Err(Error::User(sentence)) => Ok(DmReply::Text(sentence.0)),
                Err(other) => Err(other.into()),
            }
        }
        several => {
            let token = new_token();
            let mut buttons = Vec::new();
            for (n, review) in several.iter().take(5).enumerate() {
                let title = match state.store.incident(review.incident_id).await? {
                    Some(incident) => incident.title,
                    None => continue,
                };
                let Some(value) = record_value(review.id, text.as_str(), &token) else {
                    return Ok(DmReply::Text("You're in several open reviews and this is too long to carry on a button: use `/debrief observe` in the incident's channel instead.".into()));
                };
                let action = crate::ids::observe_record_choice(n + 1);
                buttons.push(blocks::button(&format!("For “{title}”"), &action, &value, Style::Default));
            }
            let mut content = Vec::new();
            let nudges = framing::detect(text.as_str());
            if !nudges.is_empty() {
                // The same nudge as with one review; choosing a review records it as
                // written. No counterfactual button: it would not know which review.
                content.push(blocks::section(framing::nudge::text(
                    &nudges,
                    NUDGE_LEAD,
                    "this",
                    "Rephrase it and send it again, or choose the review below to record it as written.",
                )));
            }
            content.push(blocks::section("You're in several open reviews. Which one is this observation for?"));
            content.push(blocks::actions(None, buttons));
            Ok(DmReply::Blocks("Which review is this observation for?".into(), content))
        }
    }
}

/// The message shortcut: a modal to write an observation for the review of that channel.
pub async fn on_shortcut(
    state: &AppState,
    channel_id: Option<&str>,
    team_id: &str,
    trigger_id: &str,
) -> Result<(), Error> {
    let review = match channel_id {
        Some(channel) => state.store.review_for_channel(team_id, channel).await?,
        None => None,
    };
    let view = match review {
        Some(review) => observation_modal(review.id, "", &[]),
        None => forms::notice(
            "Observation",
            "This channel has no incident review, so there's nowhere to record an observation. Use the shortcut in an incident's channel.",
        ),
    };
    // Unmetered: the moment someone opens this form is the start of an anonymous action.
    state
        .slack
        .unmetered()
        .open_view(trigger_id, view)
        .await
        .map_err(|e| super::form_did_not_open("the observation form", e))?;
    Ok(())
}

/// The observation form; `nudges` (after a first submission) shows the suggestions and
/// lets the next submission record the text as written.
fn observation_modal(review_id: ReviewId, text: &str, nudges: &[Nudge]) -> SlackView {
    let mut content = vec![blocks::context(
        ":lock: Recorded without your name or a time. Mentions of people become “a teammate”.",
    )];
    if !nudges.is_empty() {
        let lines = framing::nudge::text(
            nudges,
            NUDGE_LEAD,
            "this",
            "Edit it, or submit again to record it as written.",
        );
        content.extend(framing::nudge::view_blocks(nudges, lines, Some(review_id)));
    }
    content.push(forms::text_input(
        "observation",
        "Your observation",
        Some(text),
        true,
        false,
        limits::INPUT_TEXT,
    ));
    let metadata = serde_json::json!({ "r": review_id, "nudged": !nudges.is_empty() }).to_string();
    forms::modal(
        "Anonymous observation",
        "Record",
        crate::ids::OBSERVE_SUBMIT,
        &metadata,
        content,
    )
}

#[derive(serde::Deserialize)]
struct ModalMetadata {
    r: ReviewId,
    nudged: bool,
}

/// The observation form was submitted. `Ok(Some(view))` replaces the modal.
pub async fn on_modal_submit(
    state: &AppState,
    view: &SlackStatefulView,
    metadata: &str,
) -> Result<SlackView, Error> {
    let meta: ModalMetadata =
        serde_json::from_str(metadata).map_err(|e| anyhow::anyhow!("observation metadata: {e}"))?;
    let raw = FormValues::from_view(view)
        .text("observation")
        .unwrap_or_default();
    let text = ObservationText::parse(&raw).map_err(|problem| {
        let mut errors = FieldErrors::default();
        errors.add(
            "observation",
            problem.replace(
                "after the command, e.g. `/debrief observe the dashboard hid the error rate`",
                "here",
            ),
        );
        Error::Form(errors)
    })?;
    let nudges = framing::detect(text.as_str());
    if !nudges.is_empty() && !meta.nudged {
        return Ok(observation_modal(meta.r, text.as_str(), &nudges));
    }
    let Some(review) = state.store.review(meta.r).await? else {
        user_error!("That review no longer exists.");
    };
    record(
        state,
        Observation {
            review_id: review.id,
            text,
        },
    )
    .await?;
    Ok(forms::notice(
        "Anonymous observation",
        &recorded_text(&review),
    ))
}

/// When the next live release happens: a random moment in the window. Pure.
fn next_release(now: Timestamp, unit: f64) -> Timestamp {
    let (low, high) = RELEASE_WINDOW;
    let span = high.saturating_sub(low);
    crate::clock::after(now, low + span.mul_f64(unit.clamp(0.0, 1.0)))
}

/// Schedules the next live release at a random moment of the window. It replaces any
/// earlier schedule: a pending release for another time finds itself stale and stops.
pub async fn schedule_release(
    state: &AppState,
    review_id: ReviewId,
    now: Timestamp,
) -> anyhow::Result<()> {
    let at = next_release(now, rand::rng().random());
    let job = Job::ReleaseObservations {
        review_id,
        scheduled_for: Some(at.as_second()),
    };
    let row = job.to_row(at);
    // The row's creation time is given as its run time: "now" may be the moment someone
    // recorded an observation (when a stopped schedule restarts), which no row may keep.
    state
        .store
        .schedule_release(review_id, at.as_second(), &row, at.as_second())
        .await?;
    state.job_wakeup.notify_one();
    Ok(())
}

/// Job: release the observations gathered since the last release, then schedule the next
/// one while the review takes observations. Released observations become part of the
/// agenda; on a live review they are also posted (shuffled, one message each, under a
/// parent message in the channel).
pub async fn release(
    state: &AppState,
    review_id: ReviewId,
    scheduled_for: Option<i64>,
) -> Result<(), JobError> {
    let Some(review) = state.store.review(review_id).await? else {
        return Ok(());
    };
    if scheduled_for.is_some() && scheduled_for != state.store.next_release_at(review_id).await? {
        // Superseded by a newer schedule: stop, so only one schedule ever runs.
        return Ok(());
    }
    let mut pending = state.store.unreleased_observations(review_id).await?;
    if !review.observations_live && !pending.is_empty() {
        let ids: Vec<String> = pending.drain(..).map(|o| o.id).collect();
        state
            .store
            .mark_observations_released(review_id, &ids)
            .await?;
    }
    if !pending.is_empty() {
        let thread = match &review.observations_thread_ts {
            Some(ts) => ts.clone(),
            None => {
                let parent = blocks::message(
                    "Anonymous observations",
                    vec![
                        blocks::section("*Anonymous observations* for this review."),
                        blocks::context(
                            "Posted in batches at random moments, so the timing says nothing about who wrote them. Add one with `/debrief observe …`.",
                        ),
                    ],
                );
                let key = format!("observations-thread:{review_id}");
                let ts =
                    crate::outbox::post_once(state, &key, &review.channel_id, None, parent).await?;
                state.store.set_observations_thread(review_id, &ts).await?;
                ts
            }
        };
        use rand::seq::SliceRandom;
        pending.shuffle(&mut rand::rng());
        for observation in pending {
            let text = format!(
                "*Anonymous observation*\n{}",
                super::survey::render::quote(&open(state, review_id, &observation)?)
            );
            // Keyed by the observation (through the key, so the ledger row does not join to
            // it): a rerun after a crash finds the post.
            let key = state.pseudonym_key.opaque("release", &observation.id);
            crate::outbox::post_once(
                state,
                &format!("release:{key}"),
                &review.channel_id,
                Some(&thread),
                blocks::message("Anonymous observation", vec![blocks::section(text)]),
            )
            .await?;
            state
                .store
                .mark_observations_released(review_id, &[observation.id])
                .await?;
        }
    }
    let now = state.clock.now();
    if still_open(&review, now) {
        schedule_release(state, review_id, now).await?;
    }
    Ok(())
}

/// Reviews take observations until a week after their meeting (30 days without one).
fn still_open(review: &Review, now: Timestamp) -> bool {
    crate::domain::takes_observations(review.meeting_at, review.created_at, now.as_second())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_word_observe_starts_a_dm_observation() {
        assert!(is_observe_message("observe the pager was silent"));
        assert!(is_observe_message("  Observe: the pager was silent"));
        assert!(is_observe_message("observe"));
        assert!(!is_observe_message("observed the pager being silent"));
        assert!(!is_observe_message("observers saw it"));
        assert!(!is_observe_message("obs"));
        assert!(!is_observe_message("please observe this"));
    }

    #[test]
    fn mentions_become_a_teammate() {
        assert_eq!(
            scrub_mentions("<@U123|maria> restarted it before <@W9>"),
            "a teammate restarted it before a teammate"
        );
        assert_eq!(
            scrub_mentions("no mentions & <#C1|general>"),
            "no mentions & <#C1|general>"
        );
        assert_eq!(scrub_mentions("broken <@U1"), "broken <@U1");
        assert_eq!(
            scrub_mentions("@maria restarted it, then (@jo.smith) paged @ops-lead."),
            "a teammate restarted it, then (a teammate) paged a teammate."
        );
        assert_eq!(
            scrub_mentions("mail ops@example.com, @ alone, 10 @ 5ms"),
            "mail ops@example.com, @ alone, 10 @ 5ms"
        );
    }

    #[test]
    fn text_is_checked_after_scrubbing() {
        assert!(ObservationText::parse("   ").is_err());
        assert!(
            ObservationText::parse(&"x".repeat(3001))
                .unwrap_err()
                .contains("3001 characters")
        );
        assert_eq!(
            ObservationText::parse(" <@U1> paged late ")
                .unwrap()
                .as_str(),
            "a teammate paged late"
        );
    }

    #[test]
    fn releases_fall_inside_the_window() {
        let now = Timestamp::from_second(1_000_000).unwrap();
        assert_eq!(next_release(now, 0.0).as_second(), 1_000_120);
        assert_eq!(next_release(now, 1.0).as_second(), 1_000_600);
        let mid = next_release(now, 0.5).as_second();
        assert!((1_000_120..=1_000_600).contains(&mid));
    }

    #[test]
    fn the_nudge_offers_recording_as_written_only_when_the_text_fits_a_button() {
        let nudges = framing::detect("who deployed this?");
        assert!(!nudges.is_empty());
        let short =
            serde_json::to_string(&nudge_blocks(ReviewId(1), "who deployed this?", &nudges))
                .unwrap();
        assert!(
            short.contains(crate::ids::OBSERVE_RECORD)
                && short.contains("What information was available")
        );
        let long = "who deployed this? ".repeat(120);
        let long_blocks =
            serde_json::to_string(&nudge_blocks(ReviewId(1), &long, &nudges)).unwrap();
        assert!(!long_blocks.contains(crate::ids::OBSERVE_RECORD));
    }

    #[test]
    fn a_root_cause_nudge_offers_the_counterfactual_form_beside_recording() {
        let text = "the root cause was the cron job";
        let nudges = framing::detect(text);
        let json = serde_json::to_value(nudge_blocks(ReviewId(9), text, &nudges)).unwrap();
        let buttons = json[1]["elements"].as_array().unwrap();
        let ids: Vec<&str> = buttons
            .iter()
            .map(|b| b["action_id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            [crate::ids::OBSERVE_RECORD, crate::ids::COUNTERFACTUAL_OPEN]
        );
        assert_eq!(buttons[1]["value"], "9");
        assert!(
            json[0]["text"]["text"]
                .as_str()
                .unwrap()
                .starts_with("*Before I record it:* this names a single root cause")
        );
    }
}
