//! Purpose: `/debrief review` and `/debrief status`: open or change the review of the
//! channel's incident, gather its participants, and show where it stands.

use std::time::Duration;

use jiff::Timestamp;

use super::framing;
use super::survey::questions;
use crate::app::AppState;
use crate::domain::{
    Condition, Control, DEFAULT_DEADLINE_BEFORE_MEETING, DEFAULT_MIN_RESPONSES,
    DEFAULT_OPEN_WITHOUT_MEETING, ReviewId, SurveyStatus,
};
use crate::error::{Error, FieldErrors, UserError};
use crate::grammar::{Invocation, format_duration};
use crate::queue::{Gathered, Job, JobContext, JobError, Requester};
use crate::request::{CommandRequest, Reply};
use crate::slack::{SlackCallError, blocks};
use crate::store::reviews::{Incident, Participant, Review, ReviewSettings};
use crate::user_error;

/// Slack user details are refreshed after a day.
const USER_CACHE_SECONDS: i64 = 86_400;

/// What `/debrief review` was asked to change.
#[derive(Debug, Clone, Default, PartialEq)]
struct ReviewArgs {
    pub facilitator: Option<String>,
    pub meeting_at: Option<i64>,
    pub meeting_in: Option<Duration>,
    pub deadline: Option<Duration>,
    pub participants: Option<Vec<String>>,
    pub min_responses: Option<i64>,
    pub reminders: Option<i64>,
    /// `observations=live` posts anonymous observations in a thread; `held` keeps them for the agenda.
    pub observations_live: Option<bool>,
    /// `agenda_at=`: how long before the meeting the agenda is sent.
    pub agenda_before: Option<Duration>,
    /// `template=`: the survey template the review asks.
    pub template: Option<String>,
}

impl ReviewArgs {
    /// `now` and `tz` (the person's) read times typed on a wall clock.
    pub fn from_invocation(inv: &Invocation, now: Timestamp, tz: &jiff::tz::TimeZone) -> Self {
        Self {
            facilitator: inv.user("facilitator").map(str::to_string),
            meeting_at: inv.time_in("meeting", now, tz).map(|t| t.as_second()),
            meeting_in: inv.duration("in"),
            deadline: inv.duration("deadline"),
            participants: inv.users("participants").map(<[String]>::to_vec),
            min_responses: inv.int("min"),
            reminders: inv.int("reminders"),
            observations_live: inv.choice("observations").map(|c| c == "live"),
            agenda_before: inv.duration("agenda_at"),
            template: inv.text("template").map(str::to_string),
        }
    }
}

/// Works out a review's settings from what was asked and what exists. Pure.
fn plan(
    existing: Option<&Review>,
    args: &ReviewArgs,
    caller: &str,
    now: Timestamp,
) -> Result<ReviewSettings, String> {
    let now_s = now.as_second();
    if args.meeting_at.is_some() && args.meeting_in.is_some() {
        return Err("Give either meeting= (a time) or in= (a duration), not both.".into());
    }
    let meeting_at = args
        .meeting_at
        .or_else(|| args.meeting_in.map(|d| now_s + d.as_secs() as i64))
        .or(existing.and_then(|r| r.meeting_at));
    if let Some(at) = meeting_at
        && (args.meeting_at.is_some() || args.meeting_in.is_some())
        && at <= now_s
    {
        return Err(format!(
            "The meeting time {} has already passed. Give a future time.",
            blocks::date(at)
        ));
    }
    let deadline_offset = args
        .deadline
        .map(|d| d.as_secs() as i64)
        .or(existing.and_then(|r| r.deadline_offset));
    let survey_sent_at = existing.and_then(|r| r.survey_sent_at);
    let deadline_at = match (meeting_at, survey_sent_at) {
        (Some(meeting), _) => Some(
            meeting - deadline_offset.unwrap_or(DEFAULT_DEADLINE_BEFORE_MEETING.as_secs() as i64),
        ),
        (None, Some(sent)) => {
            Some(sent + deadline_offset.unwrap_or(DEFAULT_OPEN_WITHOUT_MEETING.as_secs() as i64))
        }
        (None, None) => None,
    };
    let deadline_changed =
        args.deadline.is_some() || args.meeting_at.is_some() || args.meeting_in.is_some();
    if let Some(deadline) = deadline_at
        && deadline_changed
        && deadline <= now_s
    {
        let before = format_duration(Duration::from_secs(
            deadline_offset.unwrap_or(3600).max(0) as u64
        ));
        return Err(format!(
            "The survey deadline would be {}, which has already passed ({before} before the meeting). Pick a later meeting= or a shorter deadline=.",
            blocks::date(deadline)
        ));
    }
    let min_responses = args
        .min_responses
        .or(existing.map(|r| r.min_responses))
        .unwrap_or(DEFAULT_MIN_RESPONSES)
        .max(2);
    if let Some(review) = existing.filter(|r| r.survey_status != SurveyStatus::Draft)
        && min_responses < review.min_responses
    {
        // The invitations promised this floor; lowering it now could expose answers that
        // were written on that promise.
        return Err(format!(
            "The invitations promised that answers stay hidden until at least {} people have answered, so `min=` can now be raised but not lowered.",
            review.min_responses
        ));
    }
    Ok(ReviewSettings {
        facilitator_id: args
            .facilitator
            .clone()
            .or(existing.map(|r| r.facilitator_id.clone()))
            .unwrap_or_else(|| caller.to_string()),
        meeting_at,
        deadline_at,
        deadline_offset,
        min_responses,
        reminders: args
            .reminders
            .or(existing.map(|r| r.reminders))
            .unwrap_or(1)
            .clamp(0, 2),
        observations_live: args
            .observations_live
            .or(existing.map(|r| r.observations_live))
            .unwrap_or(false),
    })
}

/// `/debrief review …`
pub async fn command(
    state: &AppState,
    request: &CommandRequest,
    inv: &Invocation,
    now: Timestamp,
) -> Result<Reply, Error> {
    super::require_channel(request, "review")?;
    let incident = super::require_incident(state, request).await?;
    let existing = state
        .store
        .review_for_channel(&request.team_id, &request.channel_id)
        .await?;
    may_change(existing.as_ref(), &request.user_id)?;
    if inv.args.is_empty() {
        // Nothing typed after `/debrief review`: the form, with pickers.
        form::open(state, request, existing.as_ref(), now).await?;
        return Ok(Reply::ephemeral(""));
    }
    let tz = super::person_time_zone(state, inv, &request.user_id, now).await;
    let args = ReviewArgs::from_invocation(inv, now, &tz);
    let requester = Requester::of_command(request, now);
    let text = apply(state, &incident, existing, &args, &requester, now).await?;
    Ok(Reply::ephemeral(text))
}

/// Only the facilitator changes a review, and only while its survey is not closed.
fn may_change(existing: Option<&Review>, user: &str) -> Result<(), Error> {
    if let Some(review) = existing
        && review.facilitator_id != user
    {
        user_error!(
            "Only the facilitator, <@{}>, can change this review. `/debrief status` shows its settings.",
            review.facilitator_id
        );
    }
    if existing.is_some_and(Review::survey_closed) {
        user_error!(
            "This review's survey has closed, so its settings are final. `/debrief status` shows them."
        );
    }
    Ok(())
}

/// Opens or changes the review with `args` (typed or from the form); returns what the
/// facilitator is told.
async fn apply(
    state: &AppState,
    incident: &Incident,
    existing: Option<Review>,
    args: &ReviewArgs,
    requester: &Requester,
    now: Timestamp,
) -> Result<String, Error> {
    let settings = plan(existing.as_ref(), args, &requester.user_id, now).map_err(UserError)?;
    if let Some(facilitator) = args
        .facilitator
        .as_deref()
        .filter(|f| *f != requester.user_id)
    {
        require_a_person(state, facilitator, now).await?;
    }
    // After a lasting failure to gather (the bot not in a private channel, a revoked
    // token), running `/debrief review` again is how the facilitator asks for another look.
    let failed_before = match &existing {
        Some(review) if !review.participants_ready => {
            state.store.participants_error(review.id).await?.is_some()
        }
        _ => false,
    };
    let gather = existing.is_none() || args.participants.is_some() || failed_before;
    if gather && let Some(review) = &existing {
        state.store.set_participants_error(review.id, None).await?;
    }
    let explicit = args.participants.clone();
    let survey_open = existing.as_ref().is_some_and(Review::survey_open);
    let deadline_moved =
        survey_open && existing.as_ref().and_then(|r| r.deadline_at) != settings.deadline_at;
    if let Some(before) = args.agenda_before {
        crate::features::agenda::check_agenda_before(before.as_secs() as i64)?;
    }
    let template = match &args.template {
        Some(name) => Some(
            crate::features::survey::template::choose(
                state,
                &incident.team_id,
                existing.as_ref(),
                name,
            )
            .await?,
        ),
        None => None,
    };
    let (review, created) = state
        .store
        .save_review(
            incident,
            &settings,
            gather,
            |review_id: ReviewId| {
                let mut jobs = Vec::new();
                if gather {
                    let job = Job::ResolveParticipants {
                        review_id,
                        explicit: explicit.clone(),
                        requester: requester.clone(),
                        gathered: Gathered::default(),
                    };
                    jobs.push(job.to_row(now));
                }
                if deadline_moved && let Some(deadline) = settings.deadline_at {
                    let job = Job::CloseSurvey {
                        review_id,
                        deadline,
                    };
                    jobs.push(job.to_row(Timestamp::from_second(deadline).unwrap_or(now)));
                }
                jobs
            },
            now,
        )
        .await?;
    // The agenda goes out automatically before the meeting; a changed meeting or agenda_at=
    // schedules a new post (keyed by its time, so nothing is posted twice).
    let review = match args.agenda_before {
        Some(before) => {
            state
                .store
                .set_agenda_before(review.id, before.as_secs() as i64)
                .await?;
            state.store.review(review.id).await?.unwrap_or(review)
        }
        None => review,
    };
    crate::features::observation::ensure_release(state, review.id).await?;
    // The automatic agenda: for a time still ahead, or right away if its time has passed
    // and no agenda was sent yet (not again on every later change of the review).
    let post_time_ahead =
        crate::features::agenda::auto_post_time(&review).is_some_and(|at| at > now.as_second());
    if (post_time_ahead || state.store.agenda_messages(review.id).await?.is_empty())
        && let Some(job) = crate::features::agenda::auto_post_job(&review, now)
    {
        state.store.enqueue(&job, now).await?;
    }
    state.job_wakeup.notify_one();
    let mut summary = review_summary(incident, &review, created, gather);
    if let Some(chosen) = template {
        state
            .store
            .set_review_template(review.id, chosen.template_id)
            .await?;
        summary.push('\n');
        summary.push_str(&chosen.said);
    }
    Ok(summary)
}

fn review_summary(incident: &Incident, review: &Review, created: bool, gathering: bool) -> String {
    let mut lines = vec![format!(
        "{} the review of *{}*. Facilitator: <@{}>.",
        if created { "Opened" } else { "Updated" },
        blocks::escape(&incident.title),
        review.facilitator_id
    )];
    lines.push(schedule_line(review));
    lines.push(format!(
        "Answers are shown once at least {} people have answered; {} reminder{} before the deadline. Anonymous observations are {}.",
        review.min_responses,
        review.reminders,
        if review.reminders == 1 { "" } else { "s" },
        if review.observations_live { "posted live, in batches" } else { "held for the agenda" }
    ));
    if gathering {
        lines.push("I'm gathering the participants now and will tell you who is in.".into());
    }
    lines.join("\n")
}

fn schedule_line(review: &Review) -> String {
    let meeting = review
        .meeting_at
        .map(blocks::date)
        .unwrap_or_else(|| "not set".into());
    let deadline = match (review.deadline_at, review.meeting_at) {
        (Some(at), _) => blocks::date(at),
        (None, None) => format!(
            "{} after the survey is sent",
            crate::grammar::spoken_duration(Duration::from_secs(
                review
                    .deadline_offset
                    .unwrap_or(DEFAULT_OPEN_WITHOUT_MEETING.as_secs() as i64)
                    .max(1) as u64
            ))
        ),
        (None, Some(_)) => "not set".into(),
    };
    format!("Meeting: {meeting}. Survey deadline: {deadline}.")
}

/// `/debrief status`: where the review stands. Counts, never who answered.
pub async fn status(
    state: &AppState,
    request: &CommandRequest,
    now: Timestamp,
) -> Result<Reply, Error> {
    super::require_channel(request, "status")?;
    let incident = super::require_incident(state, request).await?;
    let Some(review) = state
        .store
        .review_for_channel(&request.team_id, &request.channel_id)
        .await?
    else {
        user_error!(
            "*{}* has no review yet. Open one with `/debrief review`.",
            blocks::escape(&incident.title)
        );
    };
    let participants = state.store.participants(review.id).await?;
    let answered = crate::features::survey::responses::counts(state, &review)
        .await?
        .answered;
    let mut lines = vec![
        format!(
            "*Review of {}* — facilitator <@{}>",
            blocks::escape(&incident.title),
            review.facilitator_id
        ),
        schedule_line(&review),
    ];
    let gathering_error = state.store.participants_error(review.id).await?;
    if let Some(error) = gathering_error.filter(|_| !review.participants_ready) {
        lines.push(format!(
            "Participants: could not be gathered. {error}. Once that is fixed, `/debrief review` looks again."
        ));
    } else if !review.participants_ready {
        lines.push("Participants: still being gathered.".into());
    } else {
        let names: Vec<String> = participants
            .iter()
            .map(|p| format!("<@{}>", p.user_id))
            .collect();
        lines.push(format!(
            "Participants ({}): {}",
            participants.len(),
            names.join(", ")
        ));
    }
    lines.push(match review.survey_status {
        SurveyStatus::Draft => {
            "Survey: not sent yet. The facilitator sends it with `/debrief survey`.".to_string()
        }
        SurveyStatus::Open => format!(
            "Survey: open, {answered} of {} answered.",
            participants.len()
        ),
        SurveyStatus::Closed => format!(
            "Survey: closed, {answered} of {} answered.",
            participants.len()
        ),
    });
    let unreachable: Vec<String> = participants
        .iter()
        .filter(|p| p.invite_state == "unreachable")
        .map(|p| format!("<@{}>", p.user_id))
        .collect();
    if !unreachable.is_empty() {
        lines.push(format!(
            "Couldn't be reached by DM: {}.",
            unreachable.join(", ")
        ));
    }
    if answered < review.min_responses {
        lines.push(format!(
            "Answers become visible to the facilitator once at least {} people other than the facilitator have answered.",
            review.min_responses
        ));
    }
    for extra in super::status_extras(state, &review, now).await? {
        lines.push(extra);
    }
    Ok(Reply::ephemeral(lines.join("\n")))
}

/// A vendor review is not done until its section is. These are the sentences the
/// facilitator is warned with when closing the review of an incident with a vendor
/// (`/debrief review done` or its button): the standing question has no answer, or no
/// counterfactual within our control (fully or partly) was recorded. Empty when there is no
/// vendor or nothing is missing. A warning never blocks closing. Pure.
pub fn vendor_review_gaps(
    vendor: Option<&str>,
    standing_question_answered: bool,
    conditions: &[Condition],
) -> Vec<String> {
    let Some(vendor) = vendor else {
        return Vec::new();
    };
    let vendor = blocks::escape(vendor);
    let mut gaps = Vec::new();
    if !standing_question_answered {
        gaps.push(format!(
            "Nobody has answered the standing question about {vendor}: _{}_ Without an answer, the review ends without saying how our system should behave the next time {vendor} fails.",
            framing::STANDING_EXTERNAL
        ));
    }
    if !conditions.iter().any(|c| c.control != Control::No) {
        gaps.push(format!(
            "No counterfactual within our control was recorded, so every lesson sits with {vendor}. Add one with `/debrief counterfactual`: what would have had to be true of our own system?"
        ));
    }
    gaps
}

/// The gaps of [`vendor_review_gaps`] for a review, from what is stored. Survey answers
/// count only once the k-floor is met, as everywhere else: below it nobody may read them.
pub async fn vendor_review_warnings(
    state: &AppState,
    review: &Review,
) -> anyhow::Result<Vec<String>> {
    let inputs = super::agenda::inputs(state, review).await?;
    if inputs.incident.vendor.is_none() {
        return Ok(Vec::new());
    }
    let k_met = inputs.answered >= review.min_responses;
    let answered = k_met
        && inputs
            .answers
            .iter()
            .any(|a| a.question == questions::STANDING_ID && !a.text.trim().is_empty());
    Ok(vendor_review_gaps(
        inputs.incident.vendor.as_deref(),
        answered,
        &inputs.counterfactuals,
    ))
}

/// Who a candidate is, for the participant list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Candidate {
    Person { id: String, name: String },
    Bot { id: String },
    Deactivated { id: String },
    Itself,
}

/// Sorts candidates into people and those left out. Pure.
pub fn classify(user: &crate::domain::UserInfo, bot_user_id: &str) -> Candidate {
    if user.id == bot_user_id {
        Candidate::Itself
    } else if user.is_bot {
        Candidate::Bot {
            id: user.id.clone(),
        }
    } else if user.deleted {
        Candidate::Deactivated {
            id: user.id.clone(),
        }
    } else {
        Candidate::Person {
            id: user.id.clone(),
            name: user.name.clone(),
        }
    }
}

/// Looks a user up, from the cache when it is fresh.
/// Only a person with an active account can facilitate: a bot, a deactivated account or
/// debrief itself would leave the review with nobody able to run it.
async fn require_a_person(state: &AppState, user_id: &str, now: Timestamp) -> Result<(), Error> {
    let unchecked = || {
        Error::User(UserError(format!(
            "I couldn't check <@{user_id}> with Slack just now, so nothing was changed. Please try again in a minute."
        )))
    };
    let bot = state.bot_user_id().await.map_err(|_| unchecked())?;
    let user = match user_info(state, user_id, now).await {
        Ok(user) => user,
        Err(JobError::Slack(SlackCallError::Rejected { code, .. })) if code == "user_not_found" => {
            user_error!(
                "Slack doesn't know <@{user_id}>. Mention the facilitator with @, e.g. `facilitator=@maria`."
            )
        }
        Err(JobError::Slack(_)) => return Err(unchecked()),
        Err(other) => return Err(other.into()),
    };
    match classify(&user, &bot) {
        Candidate::Person { .. } => Ok(()),
        Candidate::Bot { .. } => {
            user_error!(
                "<@{user_id}> is a bot and can't facilitate. Pick a person with `facilitator=@…`."
            )
        }
        Candidate::Deactivated { .. } => {
            user_error!(
                "<@{user_id}>'s account is deactivated. Pick someone else with `facilitator=@…`."
            )
        }
        Candidate::Itself => {
            user_error!("I can't facilitate a review myself. Pick a person with `facilitator=@…`.")
        }
    }
}

pub async fn user_info(
    state: &AppState,
    user_id: &str,
    now: Timestamp,
) -> Result<crate::domain::UserInfo, JobError> {
    let fresh_after = Timestamp::from_second(now.as_second() - USER_CACHE_SECONDS).unwrap_or(now);
    if let Some(user) = state.store.cached_user(user_id, fresh_after).await? {
        return Ok(user);
    }
    let user = state.slack.user_info(user_id).await?;
    state.store.save_user(&user, now).await?;
    Ok(user)
}

/// Sorts `candidates` into people, `(id, name)`, and those left out with why (a bot,
/// deactivated, unknown to Slack); debrief itself is dropped without a word.
pub async fn people_among(
    state: &AppState,
    candidates: Vec<String>,
    bot: &str,
    now: Timestamp,
) -> Result<(Vec<(String, String)>, Vec<(String, String)>), JobError> {
    let mut people = Vec::new();
    let mut left_out = Vec::new();
    for id in candidates {
        let user = match user_info(state, &id, now).await {
            Ok(user) => user,
            Err(JobError::Slack(SlackCallError::Rejected { code, .. }))
                if code == "user_not_found" =>
            {
                left_out.push((id, "not found".to_string()));
                continue;
            }
            Err(other) => return Err(other),
        };
        match classify(&user, bot) {
            Candidate::Person { id, name } => people.push((id, name)),
            Candidate::Bot { id } => left_out.push((id, "a bot".to_string())),
            Candidate::Deactivated { id } => left_out.push((id, "deactivated".to_string())),
            Candidate::Itself => {}
        }
    }
    Ok((people, left_out))
}

/// The review form: `/debrief review` with nothing after it.
pub mod form {
    use slack_morphism::prelude::SlackStatefulView;

    use super::*;
    use crate::slack::forms::{self, FormValues};

    const MEETING: &str = "review_meeting";
    const PEOPLE: &str = "review_participants";
    const MIN: &str = "review_min";
    const REMINDERS: &str = "review_reminders";
    const OBSERVATIONS: &str = "review_observations";
    const AGENDA: &str = "review_agenda_at";
    const TEMPLATE: &str = "review_template";
    /// The template choice meaning "no template".
    const DEFAULT_TEMPLATE: &str = "default";

    /// Where the form was opened, carried in its private metadata.
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Context {
        team: String,
        channel: String,
    }

    /// Opens the form, pre-filled with the review's settings, or for a new review with
    /// the channel's people (one page of members: Slack gives 3 s to open a form).
    pub async fn open(
        state: &AppState,
        request: &CommandRequest,
        existing: Option<&Review>,
        now: Timestamp,
    ) -> Result<(), Error> {
        let mut people: Vec<String> = match existing {
            Some(review) => state.store.participant_ids(review.id).await?,
            None => Vec::new(),
        };
        if people.is_empty() {
            // A new review, or one whose people could not be gathered: the channel's.
            let bot = state.bot_user_id().await.unwrap_or_default();
            if let Ok((members, _)) = state
                .slack
                .channel_members_page(&request.channel_id, None)
                .await
            {
                people = members.into_iter().filter(|m| *m != bot).collect();
            }
        }
        let context = serde_json::to_string(&Context {
            team: request.team_id.clone(),
            channel: request.channel_id.clone(),
        })
        .map_err(anyhow::Error::from)?;
        let review = existing.cloned();
        let meeting = review.as_ref().and_then(|r| r.meeting_at);
        let min = review.as_ref().map_or(3, |r| r.min_responses).to_string();
        let reminders = review.as_ref().map_or(1, |r| r.reminders).to_string();
        let live = review.as_ref().is_some_and(|r| r.observations_live);
        let agenda = review
            .as_ref()
            .map_or(3600, |r| r.agenda_before)
            .to_string();
        // The team's survey templates, when it has any, and only before the survey went out.
        let templates = state.store.templates(&request.team_id).await?;
        let current_template = match &review {
            Some(r) => state.store.review_template(r.id).await?.map(|t| t.name),
            None => None,
        };
        let template_choice = (!templates.is_empty()
            && review.as_ref().is_none_or(|r| r.survey_sent_at.is_none()))
        .then(|| {
            let mut options: Vec<(&str, &str)> = vec![(DEFAULT_TEMPLATE, "The default questions")];
            options.extend(templates.iter().map(|t| (t.name.as_str(), t.name.as_str())));
            forms::select_input(
                TEMPLATE,
                "Survey questions",
                &options,
                Some(current_template.as_deref().unwrap_or(DEFAULT_TEMPLATE)),
                false,
            )
        });
        let view = forms::modal(
            if review.is_some() {
                "Change the review"
            } else {
                "Open the review"
            },
            "Save",
            crate::ids::REVIEW_SUBMIT,
            &context,
            vec![
                forms::datetime_input(MEETING, "Meeting (on your clock)", meeting, true),
                forms::users_input(PEOPLE, "Participants", &people, false),
                forms::number_input(
                    MIN,
                    "Show answers once at least this many have answered (k)",
                    Some(&min),
                    false,
                    2,
                    50,
                ),
                forms::select_input(
                    REMINDERS,
                    "Reminders before the survey closes",
                    &[("0", "None"), ("1", "One, halfway"), ("2", "Two")],
                    Some(&reminders),
                    false,
                ),
                forms::radio_input(
                    OBSERVATIONS,
                    "Anonymous observations",
                    &[
                        ("held", "Held for the agenda"),
                        ("live", "Posted live in a thread, in batches"),
                    ],
                    Some(if live { "live" } else { "held" }),
                    false,
                ),
                forms::select_input(
                    AGENDA,
                    "Send me the agenda before the meeting",
                    &[
                        ("900", "15 minutes before"),
                        ("1800", "30 minutes before"),
                        ("3600", "1 hour before"),
                        ("7200", "2 hours before"),
                        ("86400", "a day before"),
                    ],
                    Some(&agenda),
                    false,
                ),
            ]
            .into_iter()
            .chain(template_choice)
            .collect(),
        );
        state
            .slack
            .open_view(&request.trigger_id, view)
            .await
            .map_err(|e| crate::features::form_did_not_open("the review form", e))?;
        let _ = now;
        Ok(())
    }

    /// What the form says, as the typed arguments would. Pure.
    fn read(values: &FormValues, now: Timestamp) -> Result<ReviewArgs, FieldErrors> {
        let mut errors = FieldErrors::default();
        let meeting_at = values.date_time(MEETING);
        if meeting_at.is_some_and(|at| at <= now.as_second()) {
            errors.add(
                MEETING,
                "Pick a time still ahead, or leave it empty for now.",
            );
        }
        let participants = values.users(PEOPLE).filter(|p| !p.is_empty());
        if participants.is_none() {
            errors.add(PEOPLE, "Pick at least one person to invite.");
        }
        let min = values.text(MIN).and_then(|t| t.parse::<i64>().ok());
        if !min.is_some_and(|k| (2..=50).contains(&k)) {
            errors.add(MIN, "A whole number from 2 to 50.");
        }
        let number = |block| values.selected(block).and_then(|v| v.parse::<i64>().ok());
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ReviewArgs {
            meeting_at,
            participants,
            min_responses: min,
            reminders: number(REMINDERS),
            observations_live: values.selected(OBSERVATIONS).map(|v| v == "live"),
            agenda_before: number(AGENDA).map(|s| Duration::from_secs(s.max(0) as u64)),
            template: values.selected(TEMPLATE),
            ..ReviewArgs::default()
        })
    }

    /// The form was submitted: the same path as the typed command, then the facilitator
    /// is told privately in the channel.
    pub async fn submit(
        state: &AppState,
        user: &str,
        view: &SlackStatefulView,
        metadata: &str,
        now: Timestamp,
    ) -> Result<(), Error> {
        let context: Context = serde_json::from_str(metadata)
            .map_err(|e| anyhow::anyhow!("review form metadata: {e}"))?;
        let args = read(&FormValues::from_view(view), now).map_err(Error::Form)?;
        let Some(incident) = state
            .store
            .incident_for_channel(&context.team, &context.channel)
            .await?
        else {
            user_error!("This channel's incident no longer exists.");
        };
        let existing = state
            .store
            .review_for_channel(&context.team, &context.channel)
            .await?;
        may_change(existing.as_ref(), user)?;
        let requester = Requester {
            user_id: user.to_string(),
            channel_id: context.channel.clone(),
            response_url: None,
            asked_at: now.as_second(),
        };
        let text = apply(state, &incident, existing, &args, &requester, now)
            .await
            // A setting the plan refuses is shown in the form, next to the meeting.
            .map_err(|err| err.shown_at(MEETING))?;
        let job = Job::PostEphemeral {
            channel: context.channel,
            user: user.to_string(),
            text,
            thread_ts: None,
        };
        crate::queue::enqueue(state, &job, now).await?;
        Ok(())
    }
}

/// A [`Job::ResolveParticipants`] as it runs.
pub struct Gathering<'a> {
    pub review_id: ReviewId,
    pub explicit: Option<&'a [String]>,
    pub requester: &'a Requester,
    pub gathered: Gathered,
}

/// Gathering that takes longer than this (Slack slowing us down) is worth a word to the
/// facilitator, who is otherwise left wondering why `/debrief survey` waits.
const SLOW_GATHERING_SECONDS: i64 = 60;

/// Job: gather the participant list (the channel's people, or the ones named) and tell the facilitator.
pub async fn resolve_participants(
    state: &AppState,
    ctx: &JobContext,
    job: Gathering<'_>,
    now: Timestamp,
) -> Result<(), JobError> {
    let review_id = job.review_id;
    let result = gather(state, ctx, job, now).await;
    // A failure no retry can fix is kept on the review: `/debrief status` says it, and
    // `/debrief review` looks again once it is fixed.
    let lasting = match &result {
        Err(JobError::Permanent(reason)) => Some(reason.clone()),
        Err(JobError::Slack(SlackCallError::Rejected { code, .. })) => Some(format!(
            "Slack refused to list the channel's members ({code})"
        )),
        _ => None,
    };
    if let Some(reason) = lasting {
        state
            .store
            .set_participants_error(review_id, Some(&reason))
            .await?;
    }
    result
}

async fn gather(
    state: &AppState,
    ctx: &JobContext,
    job: Gathering<'_>,
    now: Timestamp,
) -> Result<(), JobError> {
    let Gathering {
        review_id,
        explicit,
        requester,
        mut gathered,
    } = job;
    let Some(review) = state.store.review(review_id).await? else {
        return Err(JobError::Permanent("the review no longer exists".into()));
    };
    let bot = state.bot_user_id().await?;
    let candidates = match explicit {
        Some(list) => list.to_vec(),
        None => {
            while !gathered.complete {
                let progress = |gathered: &Gathered| Job::ResolveParticipants {
                    review_id,
                    explicit: None,
                    requester: requester.clone(),
                    gathered: gathered.clone(),
                };
                if !gathered.told_slow
                    && now.as_second() - requester.asked_at > SLOW_GATHERING_SECONDS
                {
                    gathered.told_slow = true;
                    ctx.checkpoint(state, &progress(&gathered)).await?;
                    let text = "I'm still gathering this channel's participants: Slack is asking me to slow down. I'll tell you when they are ready; `/debrief survey` works from then.".to_string();
                    let tell = Job::TellRequester {
                        requester: requester.clone(),
                        text,
                    };
                    crate::queue::enqueue(state, &tell, now).await?;
                }
                let page = state
                    .slack
                    .channel_members_page(&review.channel_id, gathered.cursor.as_deref())
                    .await;
                match page {
                    Ok((members, next)) => {
                        gathered.members.extend(members);
                        gathered.complete = next.is_none();
                        gathered.cursor = next;
                        ctx.checkpoint(state, &progress(&gathered)).await?;
                    }
                    Err(SlackCallError::Rejected { code, .. })
                        if code == "channel_not_found" || code == "not_in_channel" =>
                    {
                        return Err(JobError::Permanent(
                            "I can't see this channel's members. Invite me with `/invite @debrief`, or name people with participants=".into(),
                        ));
                    }
                    Err(other) => return Err(other.into()),
                }
            }
            gathered.members.clone()
        }
    };
    let (people, left_out) = people_among(state, candidates, &bot, now).await?;
    let survey_out = review.survey_open();
    // Kept before the list is marked ready, so the survey confirmation can say who is left out.
    state.store.set_left_out(review_id, &left_out).await?;
    let added = state
        .store
        .set_participants(
            review_id,
            &people,
            !survey_out,
            |user_id| {
                if survey_out {
                    let job = Job::SendSurveyInvite {
                        review_id,
                        user_id: user_id.to_string(),
                    };
                    vec![job.to_row(now)]
                } else {
                    Vec::new()
                }
            },
            now,
        )
        .await?;
    let text = participants_report(
        &people,
        &left_out,
        explicit.is_some(),
        survey_out,
        added.len(),
        &review,
    );
    state.job_wakeup.notify_one();
    crate::queue::tell_requester_now(state, requester, &text).await
}

/// The facilitator's summary of who is in. Pure.
fn participants_report(
    people: &[(String, String)],
    left_out: &[(String, String)],
    named_explicitly: bool,
    survey_out: bool,
    added: usize,
    review: &Review,
) -> String {
    let min_responses = review.min_responses;
    // The facilitator's own answer tells them nothing, so it never counts towards k.
    let others = people
        .iter()
        .filter(|(id, _)| *id != review.facilitator_id)
        .count();
    let mut lines = Vec::new();
    if people.is_empty() {
        lines.push(
            "I found nobody to invite: name people with `/debrief review participants=@a,@b`."
                .to_string(),
        );
    } else {
        let names: Vec<String> = people.iter().map(|(id, _)| format!("<@{id}>")).collect();
        lines.push(format!(
            "Participants ({}): {}.",
            people.len(),
            names.join(", ")
        ));
    }
    if !left_out.is_empty() {
        let why = if named_explicitly {
            "I left out"
        } else {
            "Left out"
        };
        lines.push(format!("{why}: {}.", left_out_list(left_out)));
    }
    if survey_out && added > 0 {
        lines.push(format!(
            "The survey is already out, so I'm sending it to the {added} new participant(s)."
        ));
    } else if !survey_out && !people.is_empty() {
        if (others as i64) < min_responses {
            lines.push(format!(
                "Answers are shown once at least {min_responses} people other than the facilitator have answered, and only {others} others take part: add people or lower the floor with `/debrief review min=2`.",
            ));
        } else {
            lines.push("Next: `/debrief survey` shows you who gets the survey and what it asks; nothing is sent until you press Send.".into());
        }
    }
    lines.join("\n")
}

/// Those left out of the participant list, with why: "<@U1> (a bot), <@U2> (deactivated)".
pub fn left_out_list(left_out: &[(String, String)]) -> String {
    left_out
        .iter()
        .map(|(id, why)| format!("<@{id}> ({why})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Participants' display names as mentions, for messages.
pub fn mentions(participants: &[Participant]) -> String {
    participants
        .iter()
        .map(|p| format!("<@{}>", p.user_id))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    fn args() -> ReviewArgs {
        ReviewArgs::default()
    }

    fn condition(control: Control) -> Condition {
        Condition {
            text: "x".into(),
            control,
            cost: crate::domain::Cost::S,
            reach: crate::domain::Reach::ThisClass,
        }
    }

    #[test]
    fn a_vendor_review_with_its_section_empty_gets_both_warnings() {
        let gaps = vendor_review_gaps(Some("Stripe"), false, &[condition(Control::No)]);
        assert_eq!(gaps.len(), 2, "{gaps:?}");
        assert!(gaps[0].contains(framing::STANDING_EXTERNAL), "{}", gaps[0]);
        assert!(gaps[0].contains("about Stripe"));
        assert!(gaps[1].starts_with("No counterfactual within our control"));
    }

    #[test]
    fn a_complete_vendor_review_or_no_vendor_gets_no_warning() {
        assert!(vendor_review_gaps(Some("Stripe"), true, &[condition(Control::Yes)]).is_empty());
        assert!(
            vendor_review_gaps(Some("Stripe"), true, &[condition(Control::Partly)]).is_empty(),
            "partly ours is within our control"
        );
        assert!(vendor_review_gaps(None, false, &[]).is_empty());
        let only_standing = vendor_review_gaps(Some("Stripe"), false, &[condition(Control::Yes)]);
        assert_eq!(only_standing.len(), 1);
        let only_control = vendor_review_gaps(Some("<Stripe>"), true, &[]);
        assert_eq!(only_control.len(), 1);
        assert!(only_control[0].contains("&lt;Stripe&gt;"), "escaped");
    }

    #[test]
    fn the_facilitator_defaults_to_the_caller_and_k_to_three() {
        let s = plan(None, &args(), "U1", at(1000)).unwrap();
        assert_eq!(s.facilitator_id, "U1");
        assert_eq!(s.min_responses, 3);
        assert_eq!(s.reminders, 1);
        assert_eq!(s.deadline_at, None);
    }

    #[test]
    fn the_deadline_defaults_to_an_hour_before_the_meeting() {
        let s = plan(
            None,
            &ReviewArgs {
                meeting_in: Some(Duration::from_secs(86_400)),
                ..args()
            },
            "U1",
            at(1000),
        )
        .unwrap();
        assert_eq!(s.meeting_at, Some(87_400));
        assert_eq!(s.deadline_at, Some(87_400 - 3600));
        let s = plan(
            None,
            &ReviewArgs {
                meeting_at: Some(90_000),
                deadline: Some(Duration::from_secs(7200)),
                ..args()
            },
            "U1",
            at(1000),
        )
        .unwrap();
        assert_eq!(s.deadline_at, Some(90_000 - 7200));
    }

    #[test]
    fn deadlines_and_meetings_in_the_past_are_refused() {
        let err = plan(
            None,
            &ReviewArgs {
                meeting_in: Some(Duration::from_secs(1800)),
                ..args()
            },
            "U1",
            at(1000),
        )
        .unwrap_err();
        assert!(err.contains("already passed"), "{err}");
        let err = plan(
            None,
            &ReviewArgs {
                meeting_at: Some(500),
                ..args()
            },
            "U1",
            at(1000),
        )
        .unwrap_err();
        assert!(err.contains("meeting time"), "{err}");
        let err = plan(
            None,
            &ReviewArgs {
                meeting_at: Some(2000),
                meeting_in: Some(Duration::from_secs(60)),
                ..args()
            },
            "U1",
            at(1000),
        )
        .unwrap_err();
        assert!(err.contains("not both"));
    }

    #[test]
    fn k_is_never_below_two() {
        let s = plan(
            None,
            &ReviewArgs {
                min_responses: Some(1),
                ..args()
            },
            "U1",
            at(0),
        )
        .unwrap();
        assert_eq!(s.min_responses, 2);
    }

    #[test]
    fn bots_deactivated_users_and_the_bot_itself_are_left_out() {
        use crate::domain::UserInfo;
        let u = |id: &str, is_bot, deleted| UserInfo {
            id: id.into(),
            name: id.to_lowercase(),
            is_bot,
            deleted,
            tz: None,
        };
        assert_eq!(
            classify(&u("U1", false, false), "UB"),
            Candidate::Person {
                id: "U1".into(),
                name: "u1".into()
            }
        );
        assert_eq!(
            classify(&u("U2", true, false), "UB"),
            Candidate::Bot { id: "U2".into() }
        );
        assert_eq!(
            classify(&u("U3", false, true), "UB"),
            Candidate::Deactivated { id: "U3".into() }
        );
        assert_eq!(classify(&u("UB", true, false), "UB"), Candidate::Itself);
    }

    #[test]
    fn the_report_warns_when_k_can_never_be_reached() {
        let text = participants_report(
            &[("U1".into(), "a".into()), ("U2".into(), "b".into())],
            &[("U9".into(), "a bot".into())],
            true,
            false,
            2,
            &Review {
                facilitator_id: "U1".into(),
                min_responses: 2,
                ..Default::default()
            },
        );
        assert!(text.contains("Participants (2): <@U1>, <@U2>."));
        assert!(text.contains("I left out: <@U9> (a bot)."));
        assert!(text.contains("min=2"));
    }
}
