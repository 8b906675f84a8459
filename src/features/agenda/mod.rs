//! Purpose: `/debrief agenda`: the facilitator's agenda, synthesized from the survey, the
//! anonymous observations, the check-in and the counterfactuals, delivered by DM before the
//! meeting and replaced in place when regenerated; and the App Home tab.

pub mod cluster;
pub mod synth;
pub mod text;

use crate::domain::ReviewId;
use jiff::Timestamp;
use slack_morphism::prelude::*;

use crate::app::AppState;
use crate::error::Error;
use crate::features::survey::responses;
use crate::grammar::Invocation;
use crate::queue::{self, Job, JobContext, JobError, Requester};
use crate::request::{CommandRequest, Reply};
use crate::slack::SlackCallError;
use crate::slack::blocks::{self, Style, limits};
use crate::store::reviews::Review;
use crate::user_error;

/// `/debrief agenda [format=markdown]` (facilitator only).
pub async fn command(
    state: &AppState,
    request: &CommandRequest,
    inv: &Invocation,
    now: Timestamp,
) -> Result<Reply, Error> {
    let (_, review) = super::require_review(state, request).await?;
    super::require_facilitator(&review, &request.user_id, "get the agenda")?;
    if inv.choice("format") == Some("markdown") {
        queue::enqueue(
            state,
            &Job::AgendaMarkdown {
                review_id: review.id,
                to_user: request.user_id.clone(),
                requester: Some(Requester::of_command(request, now)),
                next_part: 0,
            },
            now,
        )
        .await?;
        return Ok(Reply::ephemeral(
            "Sending you the agenda as a Markdown file by DM.",
        ));
    }
    queue::enqueue(
        state,
        &Job::PostAgenda {
            review_id: review.id,
            scheduled_for: None,
            review_version: review.updated_at,
            requester: Some(Requester::of_command(request, now)),
        },
        now,
    )
    .await?;
    let again = if state.store.agenda_messages(review.id).await?.is_empty() {
        ""
    } else {
        " It replaces the earlier version."
    };
    Ok(Reply::ephemeral(format!(
        "Sending you the agenda by DM.{again}"
    )))
}

/// The longest `agenda_at=` accepted: an agenda posted more than a week ahead would miss
/// most of the survey.
const AGENDA_BEFORE_MAX_SECONDS: i64 = 7 * 24 * 3600;

/// Checks `agenda_at=<duration>` (how long before the meeting the agenda is posted).
pub fn check_agenda_before(seconds: i64) -> Result<(), Error> {
    if !(0..=AGENDA_BEFORE_MAX_SECONDS).contains(&seconds) {
        user_error!(
            "`agenda_at=` is how long before the meeting the agenda is posted, at most 7 days, for example `agenda_at=1h`."
        );
    }
    Ok(())
}

/// When the agenda is posted automatically: `agenda_before` ahead of the meeting.
pub fn auto_post_time(review: &Review) -> Option<i64> {
    review
        .meeting_at
        .map(|meeting| meeting - review.agenda_before)
}

/// The job that posts the agenda automatically, for a review's current schedule.
pub fn auto_post_job(review: &Review, now: Timestamp) -> Option<crate::store::jobs::NewJob> {
    let at = auto_post_time(review)?;
    let run_at = Timestamp::from_second(at).ok()?.max(now);
    let job = Job::PostAgenda {
        review_id: review.id,
        scheduled_for: Some(at),
        review_version: review.updated_at,
        requester: None,
    };
    Some(job.to_row(run_at))
}

/// Gathers everything the agenda is made of, for one review.
pub async fn inputs(state: &AppState, review: &Review) -> anyhow::Result<synth::Inputs> {
    let incident = state
        .store
        .incident(review.incident_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("incident missing"))?;
    let recurrence_of = match incident.recurrence_of {
        Some(id) => state.store.incident(id).await?.map(|i| i.title),
        None => None,
    };
    let counts = responses::counts(state, review).await?;
    // Only once k is met: loading is what reveals them (the first time).
    let visible = if responses::k_met(review, counts) {
        responses::visible(state, review).await?
    } else {
        responses::Visible::default()
    };
    let mut answers = Vec::new();
    for response in visible.responses {
        for (question, text) in response.answers {
            answers.push(synth::SurveyAnswer {
                pseudonym: response.pseudonym.clone(),
                question,
                text,
            });
        }
    }
    let questions = crate::features::survey::template::questions_of(
        state,
        review.id,
        incident.vendor.as_deref(),
    )
    .await?;
    Ok(synth::Inputs {
        questions,
        answered: counts.others,
        held_back: visible.held_back,
        observations: state
            .store
            .released_observations(review.id)
            .await?
            .iter()
            .map(|o| crate::features::observation::open(state, review.id, o))
            .collect::<anyhow::Result<_>>()?,
        counterfactuals: state.store.counterfactuals(review.id).await?,
        links: state
            .store
            .counterfactual_links(review.id)
            .await?
            .into_iter()
            .map(|(id, text, item)| synth::CounterfactualLink { id, text, item })
            .collect(),
        done: state.store.review_done_at(review.id).await?.is_some(),
        incident,
        recurrence_of,
        review: review.clone(),
        answers,
    })
}

/// Job: DM the facilitator the agenda. Parts already posted are updated in place
/// (chat.update), extra parts posted, and parts no longer needed deleted, so
/// regenerating never leaves two agendas.
pub async fn post(
    state: &AppState,
    ctx: &JobContext,
    review_id: ReviewId,
    scheduled_for: Option<i64>,
) -> Result<(), JobError> {
    let Some(review) = state.store.review(review_id).await? else {
        return Ok(());
    };
    // An automatic post for a schedule that has since changed is superseded by a newer job.
    if scheduled_for.is_some() && scheduled_for != auto_post_time(&review) {
        return Ok(());
    }
    // One poster per review at a time: a second job waits and retries rather than
    // posting a second copy beside the first.
    let now = state.clock.now().as_second();
    let lease_until = now + AGENDA_LEASE_SECONDS;
    if !state
        .store
        .lease_agenda(review_id, now, lease_until)
        .await?
    {
        return Err(JobError::Internal(anyhow::anyhow!(
            "the agenda of this review is being posted by another worker"
        )));
    }
    let result = post_leased(state, ctx, &review).await;
    state
        .store
        .release_agenda_lease(review_id, lease_until)
        .await?;
    result
}

/// How long one agenda post may hold the review's lease (a crashed worker's lease expires
/// and another worker takes over within this time).
const AGENDA_LEASE_SECONDS: i64 = 30;

async fn post_leased(state: &AppState, ctx: &JobContext, review: &Review) -> Result<(), JobError> {
    let review_id = review.id;
    let agenda = synth::synthesize(&inputs(state, review).await?);
    let messages = synth::to_messages(&agenda);
    let dm = state.slack.open_dm(&review.facilitator_id).await?;
    let existing = state.store.agenda_messages(review_id).await?;
    for (part, content) in messages.iter().enumerate() {
        let previous = existing
            .iter()
            .find(|(p, channel, _)| *p == part as i64 && *channel == dm);
        if let Some((_, channel, ts)) = previous {
            match state
                .slack
                .update_message(channel, ts, content.clone())
                .await
            {
                Ok(()) => continue,
                // Deleted by hand: post it again.
                Err(SlackCallError::Rejected { code, .. }) if code == "message_not_found" => {}
                Err(other) => return Err(other.into()),
            }
        }
        // Keyed by this job: a rerun finds the part it posted instead of posting it twice.
        let key = format!("agenda:{}:{part}", ctx.id);
        let ts = crate::outbox::post_once(state, &key, &dm, None, content.clone()).await?;
        state
            .store
            .save_agenda_message(review_id, part as i64, &dm, &ts)
            .await?;
    }
    for (_, channel, ts) in existing
        .iter()
        .filter(|(p, channel, _)| *p >= messages.len() as i64 || *channel != dm)
    {
        match state.slack.delete_message(channel, ts).await {
            // Already gone is as good as deleted.
            Ok(()) | Err(SlackCallError::Rejected { .. }) => {}
            Err(other) => return Err(other.into()),
        }
    }
    state
        .store
        .drop_agenda_parts(review_id, messages.len() as i64)
        .await?;
    Ok(())
}

/// Where an [`Job::AgendaMarkdown`] job stands.
pub struct MarkdownProgress<'a> {
    pub review_id: ReviewId,
    pub to_user: &'a str,
    pub requester: &'a Option<Requester>,
    /// The first snippet not yet posted; above 0 the upload was already refused.
    pub next_part: usize,
}

/// Job: the agenda as a Markdown file in the facilitator's DM, or, where file uploads are
/// not granted, as snippets in code blocks (recording each one posted, so a retry does
/// not post them again).
pub async fn post_markdown(
    state: &AppState,
    ctx: &JobContext,
    progress: MarkdownProgress<'_>,
) -> Result<(), JobError> {
    let review_id = progress.review_id;
    let Some(review) = state.store.review(review_id).await? else {
        return Ok(());
    };
    let agenda = synth::synthesize(&inputs(state, &review).await?);
    let markdown = synth::to_markdown(&agenda);
    let dm = state.slack.open_dm(progress.to_user).await?;
    if progress.next_part == 0 {
        let filename = format!("agenda-review-{review_id}.md");
        let title = format!("Agenda: {}", agenda.title);
        match state
            .slack
            .upload_text_file(&dm, &filename, &title, &markdown)
            .await
        {
            Ok(()) => return Ok(()),
            Err(SlackCallError::Rejected { code, .. })
                if matches!(
                    code.as_str(),
                    "missing_scope"
                        | "not_allowed_token_type"
                        | "file_uploads_disabled"
                        | "restricted_action"
                ) => {}
            Err(other) => return Err(other.into()),
        }
    }
    // No file upload here: the same text as snippets, split between lines.
    let escaped = blocks::escape(&markdown);
    let chunks = blocks::split_text(&escaped, limits::SECTION_TEXT - 10);
    for (part, chunk) in chunks.iter().enumerate().skip(progress.next_part) {
        let text = format!("```\n{chunk}\n```");
        let key = format!("agenda-markdown:{}:{part}", ctx.id);
        crate::outbox::post_once(
            state,
            &key,
            &dm,
            None,
            blocks::message("Agenda (Markdown)", vec![blocks::section(text)]),
        )
        .await?;
        let done = Job::AgendaMarkdown {
            review_id,
            to_user: progress.to_user.to_string(),
            requester: progress.requester.clone(),
            next_part: part + 1,
        };
        ctx.checkpoint(state, &done).await?;
    }
    Ok(())
}

/// Job: publish a person's App Home: the reviews they facilitate, and surveys waiting for them.
pub async fn publish_home(state: &AppState, user_id: &str) -> Result<(), JobError> {
    let mut content = vec![blocks::header("debrief")];
    let facilitated = state.store.reviews_facilitated_by(user_id).await?;
    let mut pending: Vec<Review> = Vec::new();
    for review in state.store.open_surveys_for(user_id).await? {
        if !responses::has_answered(state, review.id, user_id).await? {
            pending.push(review);
        }
    }
    let newcomer = facilitated.is_empty() && pending.is_empty();
    content.extend(crate::features::onboarding::home_welcome(newcomer));
    if !facilitated.is_empty() {
        content.push(blocks::section("*Reviews you facilitate*"));
        for review in facilitated.iter().take(10) {
            let Some(incident) = state.store.incident(review.incident_id).await? else {
                continue;
            };
            let participants = state.store.participants(review.id).await?.len();
            let answered = responses::counts(state, review).await?.answered;
            let meeting = review
                .meeting_at
                .map(blocks::date)
                .unwrap_or_else(|| "no meeting set".into());
            content.push(blocks::section(format!(
                "*{}* in <#{}>\nSurvey: {} ({answered} of {participants} answered). Meeting: {meeting}.",
                blocks::escape(&incident.title),
                review.channel_id,
                review.survey_status
            )));
            content.push(blocks::actions(
                None,
                vec![blocks::button(
                    "Open the latest agenda",
                    crate::ids::AGENDA_OPEN_FROM_HOME,
                    &review.id.to_string(),
                    Style::Primary,
                )],
            ));
        }
    }
    content.push(blocks::section("*Surveys waiting for you*"));
    if pending.is_empty() {
        content.push(blocks::context("None right now."));
    }
    for review in pending.iter().take(10) {
        let Some(incident) = state.store.incident(review.incident_id).await? else {
            continue;
        };
        content.push(blocks::section(format!(
            "*{}*: closes {}.",
            blocks::escape(&incident.title),
            review.deadline_at.map(blocks::date).unwrap_or_default()
        )));
        content.push(blocks::actions(
            None,
            vec![blocks::button(
                "Answer the survey",
                crate::ids::SURVEY_OPEN,
                &review.id.to_string(),
                Style::Primary,
            )],
        ));
    }
    content.extend(crate::features::actions::home_blocks(state, user_id).await?);
    content.truncate(limits::VIEW_BLOCKS);
    state
        .slack
        .publish_home(user_id, SlackView::Home(SlackHomeView::new(content)))
        .await?;
    Ok(())
}

/// App Home "Open the latest agenda": a modal with the agenda (the full text is in the DM).
pub async fn open_from_home(
    state: &AppState,
    user_id: &str,
    trigger_id: &str,
    value: &str,
) -> Result<(), Error> {
    let Some(review) = (match value.parse::<ReviewId>() {
        Ok(id) => state.store.review(id).await?,
        Err(_) => None,
    }) else {
        return Ok(());
    };
    if review.facilitator_id != user_id {
        user_error!("Only the review's facilitator can open its agenda.");
    }
    let view = {
        let agenda = synth::synthesize(&inputs(state, &review).await?);
        let mut content: Vec<SlackBlock> = synth::to_messages(&agenda)
            .into_iter()
            .flat_map(|m| m.blocks.unwrap_or_default())
            .collect();
        if content.len() > limits::VIEW_BLOCKS {
            content.truncate(limits::VIEW_BLOCKS - 1);
            content.push(blocks::context(
                "The agenda continues in your DM (`/debrief agenda`).",
            ));
        }
        SlackView::Modal(SlackModalView::new(pt!("Agenda"), content).with_close(pt!("Close")))
    };
    state
        .slack
        .open_view(trigger_id, view)
        .await
        .map_err(|e| super::form_did_not_open("the agenda", e))?;
    Ok(())
}
