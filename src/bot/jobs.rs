//! Purpose: what each kind of [`Job`] does: the one `match` from a job to the feature
//! that runs it. The engine (`jobs`) claims, retries and records; this decides.

use crate::app::AppState;
use crate::features::{
    actions, agenda, checkin, learning, observation, onboarding, pulse, review, survey,
};
use crate::queue::{Job, JobContext, JobError, tell_requester_now};
use crate::slack::{SlackCallError, blocks};

/// Queues the recurring work (this week's owner digests, the next automatic learning
/// review). Every replica that runs jobs calls this at start-up; dedupe keys keep one row
/// of each, and each run queues its successor.
pub async fn schedule_recurring(state: &AppState, now: jiff::Timestamp) -> anyhow::Result<()> {
    let (digests, at) = actions::digest::schedule_job(now, &state.config.learning.timezone);
    state.store.enqueue(&digests.to_row(at), now).await?;
    learning::post::ensure_automatic(state, now).await?;
    let (retention, at) = crate::features::retention::schedule_job(now);
    state.store.enqueue(&retention.to_row(at), now).await?;
    state.job_wakeup.notify_one();
    Ok(())
}

/// Runs one job: the only code that names the feature behind every kind of job.
#[tracing::instrument(name = "job", skip_all, fields(job = ctx.id, kind = %job.kind()))]
pub async fn on_job(state: &AppState, ctx: &JobContext, job: &Job) -> Result<(), JobError> {
    let now = state.clock.now();
    match job {
        Job::PostMessage {
            channel,
            text,
            thread_ts,
            ..
        } => {
            let key = format!("job:{}", ctx.id);
            let content = blocks::text(text);
            crate::outbox::post_once(state, &key, channel, thread_ts.as_deref(), content).await?;
            Ok(())
        }
        Job::TellRequester { requester, text } => tell_requester_now(state, requester, text).await,
        Job::PostEphemeral {
            channel,
            user,
            text,
            thread_ts,
        } => match state
            .slack
            .post_ephemeral(channel, user, blocks::text(text), thread_ts.as_deref())
            .await
        {
            // Not in that channel (a modal submitted from a channel the bot was never
            // invited to): say it by DM instead of losing it.
            Err(SlackCallError::Rejected { code, .. })
                if code == "not_in_channel" || code == "channel_not_found" =>
            {
                let dm = state.slack.open_dm(user).await?;
                state
                    .slack
                    .post_message(&dm, blocks::text(text), None)
                    .await?;
                Ok(())
            }
            other => Ok(other?),
        },
        Job::ResolveParticipants {
            review_id,
            explicit,
            requester,
            gathered,
        } => {
            let job = review::Gathering {
                review_id: *review_id,
                explicit: explicit.as_deref(),
                requester,
                gathered: gathered.clone(),
            };
            review::resolve_participants(state, ctx, job, now).await
        }
        Job::SendSurveyInvite { review_id, user_id } => {
            survey::jobs::send_invite(state, *review_id, user_id).await
        }
        Job::RemindSurvey {
            review_id,
            pass,
            next,
            in_flight,
        } => survey::jobs::remind(state, ctx, *review_id, *pass, (*next, *in_flight), now).await,
        Job::CloseSurvey {
            review_id,
            deadline,
        } => survey::jobs::close_at_deadline(state, *review_id, *deadline, now).await,
        Job::MarkInviteClosed { review_id, user_id } => {
            survey::jobs::mark_invite_closed(state, *review_id, user_id).await
        }
        Job::DeliverAnswers {
            review_id,
            to_user,
            seed,
            next_part,
        } => {
            survey::jobs::deliver_answers(state, ctx, *review_id, to_user, *seed, *next_part).await
        }
        Job::StartCheckin { checkin_id } => checkin::start(state, *checkin_id, now).await,
        Job::CheckinCall {
            checkin_id,
            turn,
            user,
        } => checkin::call(state, *checkin_id, *turn, user).await,
        Job::CheckinTimeout { checkin_id, turn } => {
            checkin::apply(
                state,
                *checkin_id,
                checkin::machine::Event::Timeout { turn: *turn },
                now,
            )
            .await
        }
        Job::CheckinPost {
            checkin_id, text, ..
        } => {
            let key = job.dedupe_key().expect("check-in lines have a key");
            checkin::post(state, *checkin_id, &key, text).await
        }
        Job::ReleaseObservations {
            review_id,
            scheduled_for,
        } => observation::release(state, *review_id, *scheduled_for).await,
        Job::PostAgenda {
            review_id,
            scheduled_for,
            ..
        } => agenda::post(state, ctx, *review_id, *scheduled_for).await,
        Job::AgendaMarkdown {
            review_id,
            to_user,
            requester,
            next_part,
        } => {
            let resume = agenda::MarkdownProgress {
                review_id: *review_id,
                to_user,
                requester,
                next_part: *next_part,
            };
            agenda::post_markdown(state, ctx, resume).await
        }
        Job::PublishHome { user } => agenda::publish_home(state, user).await,
        Job::WelcomeInstaller { team_id, user } => {
            onboarding::welcome_installer(state, team_id, user).await
        }
        Job::PostActionItem { item_id, channel } => {
            actions::post_message(state, *item_id, channel).await
        }
        Job::RefreshActionItem { item_id } => actions::refresh_message(state, *item_id).await,
        Job::ScheduleDigests { .. } => actions::digest::schedule(state, now).await,
        Job::Retention { day } => crate::features::retention::run(state, day, now).await,
        Job::GatherPulse {
            pulse_id,
            explicit,
            requester,
            gathered,
        } => {
            let job = pulse::jobs::Gathering {
                pulse_id: *pulse_id,
                explicit: explicit.as_deref(),
                requester: requester.as_ref(),
                gathered: gathered.clone(),
            };
            pulse::jobs::gather(state, ctx, job, now).await
        }
        Job::SendPulseInvite { pulse_id, user_id } => {
            pulse::jobs::send_invite(state, *pulse_id, user_id).await
        }
        Job::RemindPulse {
            pulse_id,
            next,
            in_flight,
        } => pulse::jobs::remind(state, ctx, *pulse_id, (*next, *in_flight), now).await,
        Job::ClosePulse { pulse_id } => pulse::jobs::close(state, *pulse_id, now).await,
        Job::MarkPulseClosed { pulse_id, user_id } => {
            pulse::jobs::mark_closed(state, *pulse_id, user_id).await
        }
        Job::ScheduledPulse {
            team_id,
            channel_id,
            quarter,
        } => pulse::jobs::scheduled(state, team_id, channel_id, quarter, now).await,
        Job::OwnerDigest { owner, .. } => actions::digest::send(state, owner).await,
        Job::PostLearningReview {
            team_id,
            quarter,
            channel,
            markdown,
            facilitator,
            requester,
            next_part,
        } => {
            let post = learning::post::Post {
                team_id,
                quarter,
                channel,
                markdown: *markdown,
                facilitator: facilitator.as_deref(),
                requester,
                next_part: *next_part,
            };
            learning::post::run(state, ctx, post).await
        }
        Job::LearningReviewAuto { quarter } => {
            learning::post::automatic(state, ctx, quarter, now).await
        }
    }
}
