//! Purpose: the pulse's durable jobs: gathering its people, the invitations, one reminder
//! pass, the close at the deadline, and the scheduled quarterly run.

use jiff::Timestamp;

use crate::app::AppState;
use crate::features::review;
use crate::queue::{Gathered, Job, JobContext, JobError, Requester};
use crate::slack::SlackCallError;
use crate::slack::blocks;
use crate::store::pulses::NewPulse;

use super::results::{self, K_FLOOR};
use super::{invite_message, who_answered};

/// A [`Job::GatherPulse`] as it runs.
pub struct Gathering<'a> {
    pub pulse_id: i64,
    pub explicit: Option<&'a [String]>,
    pub requester: Option<&'a Requester>,
    pub gathered: Gathered,
}

/// Job: find the people (the channel's members, or those named), leave out bots and
/// deactivated accounts, then invite everyone who has not opted out, in one transaction
/// with the reminder and the close.
pub async fn gather(
    state: &AppState,
    ctx: &JobContext,
    job: Gathering<'_>,
    now: Timestamp,
) -> Result<(), JobError> {
    let Gathering {
        pulse_id,
        explicit,
        requester,
        mut gathered,
    } = job;
    let Some(pulse) = state.store.pulse(pulse_id).await? else {
        return Ok(());
    };
    if pulse.status != "gathering" {
        return Ok(());
    }
    let candidates = match (explicit, pulse.channel_id.as_deref()) {
        (Some(list), _) => list.to_vec(),
        (None, None) => Vec::new(),
        (None, Some(channel)) => {
            while !gathered.complete {
                match state
                    .slack
                    .channel_members_page(channel, gathered.cursor.as_deref())
                    .await
                {
                    Ok((members, next)) => {
                        gathered.members.extend(members);
                        gathered.complete = next.is_none();
                        gathered.cursor = next;
                        let progress = Job::GatherPulse {
                            pulse_id,
                            explicit: None,
                            requester: requester.cloned(),
                            gathered: gathered.clone(),
                        };
                        ctx.checkpoint(state, &progress).await?;
                    }
                    Err(SlackCallError::Rejected { code, .. })
                        if code == "channel_not_found" || code == "not_in_channel" =>
                    {
                        let text = format!(
                            "I can't see the members of <#{channel}>, so the pulse was not sent. Invite me there with `/invite @debrief`, or name people with `/debrief pulse people=@a,@b`."
                        );
                        state
                            .store
                            .close_pulse(pulse_id, None, Vec::new(), now)
                            .await?;
                        tell(state, requester, &pulse.started_by, &text, now).await?;
                        return Ok(());
                    }
                    Err(other) => return Err(other.into()),
                }
            }
            gathered.members.clone()
        }
    };
    let bot = state.bot_user_id().await?;
    let people: Vec<String> = review::people_among(state, candidates, &bot, now)
        .await?
        .0
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let remind_at =
        Timestamp::from_second(now.as_second() + (pulse.deadline_at - now.as_second()).max(0) / 2)
            .unwrap_or(now);
    let then = vec![
        Job::RemindPulse {
            pulse_id,
            next: 0,
            in_flight: false,
        }
        .to_row(remind_at),
        Job::ClosePulse { pulse_id }
            .to_row(Timestamp::from_second(pulse.deadline_at).unwrap_or(now)),
    ];
    let (invited, opted_out) = state
        .store
        .open_pulse(
            pulse_id,
            &people,
            |user| {
                vec![
                    Job::SendPulseInvite {
                        pulse_id,
                        user_id: user.to_string(),
                    }
                    .to_row(now),
                ]
            },
            then,
            now,
        )
        .await?;
    state.job_wakeup.notify_one();
    let mut text = match invited.len() {
        0 => "I found nobody to send the pulse to.".to_string(),
        n => format!(
            "The pulse is on its way to {n} {}. It closes {}.",
            if n == 1 { "person" } else { "people" },
            blocks::date(pulse.deadline_at)
        ),
    };
    if opted_out > 0 {
        text.push_str(&format!(
            " {opted_out} asked not to get pulses and were left out."
        ));
    }
    if !invited.is_empty() && (invited.len() as u32) < K_FLOOR + 1 {
        text.push_str(&format!(
            " With so few people, results can only be shown if {K_FLOOR} of them besides you answer."
        ));
    }
    tell(state, requester, &pulse.started_by, &text, now).await
}

/// Tells whoever started the pulse: in the command's context when there was a command,
/// else by DM (a scheduled pulse).
async fn tell(
    state: &AppState,
    requester: Option<&Requester>,
    started_by: &str,
    text: &str,
    now: Timestamp,
) -> Result<(), JobError> {
    match requester {
        Some(requester) => crate::queue::tell_requester_now(state, requester, text).await,
        None => {
            let job = Job::TellRequester {
                requester: Requester {
                    user_id: started_by.to_string(),
                    channel_id: String::new(),
                    response_url: None,
                    asked_at: now.as_second(),
                },
                text: text.to_string(),
            };
            crate::queue::enqueue(state, &job, now).await?;
            Ok(())
        }
    }
}

/// Job: DM one person the pulse, once.
pub async fn send_invite(state: &AppState, pulse_id: i64, user_id: &str) -> Result<(), JobError> {
    let Some(pulse) = state.store.pulse(pulse_id).await? else {
        return Ok(());
    };
    let Some(invitee) = state.store.pulse_invitee(pulse_id, user_id).await? else {
        return Ok(());
    };
    if !pulse.is_open() || invitee.invite_ts.is_some() {
        return Ok(());
    }
    let dm = match invitee.dm_channel {
        Some(dm) => dm,
        None => match state.slack.open_dm(user_id).await {
            Ok(dm) => {
                state.store.set_pulse_dm(pulse_id, user_id, &dm).await?;
                dm
            }
            // Someone Slack will not let us DM is simply not asked.
            Err(SlackCallError::Rejected { .. }) => return Ok(()),
            Err(other) => return Err(other.into()),
        },
    };
    let key = format!("pulse-invite:{pulse_id}:{user_id}");
    let content = invite_message(&pulse, user_id, false);
    match crate::outbox::post_once(state, &key, &dm, None, content).await {
        Ok(ts) => {
            state
                .store
                .set_pulse_invite_sent(pulse_id, user_id, &ts)
                .await?;
            Ok(())
        }
        Err(JobError::Slack(SlackCallError::Rejected { .. })) => Ok(()),
        Err(other) => Err(other),
    }
}

/// Job: one reminder to each person reached who has not answered and did not ask for
/// quiet. `next` is where a retried pass resumes; `in_flight` says the person at `next`
/// may already have been reminded.
pub async fn remind(
    state: &AppState,
    ctx: &JobContext,
    pulse_id: i64,
    (next, in_flight): (usize, bool),
    now: Timestamp,
) -> Result<(), JobError> {
    let Some(pulse) = state.store.pulse(pulse_id).await? else {
        return Ok(());
    };
    if !pulse.is_open() || pulse.deadline_at <= now.as_second() {
        return Ok(());
    }
    let reached: Vec<_> = state
        .store
        .pulse_invitees(pulse_id)
        .await?
        .into_iter()
        .filter(|i| i.invite_ts.is_some() && i.dm_channel.is_some())
        .collect();
    let ids: Vec<String> = reached.iter().map(|i| i.user_id.clone()).collect();
    let answered = who_answered(state, pulse_id, &ids).await?;
    let since = Timestamp::from_second(pulse.created_at).unwrap_or(now);
    for (index, invitee) in reached.iter().enumerate().skip(next) {
        let progress = |next, in_flight| Job::RemindPulse {
            pulse_id,
            next,
            in_flight,
        };
        ctx.checkpoint(state, &progress(index, true)).await?;
        if invitee.wants_reminders
            && !answered.contains(&invitee.user_id)
            && let Some(dm) = &invitee.dm_channel
        {
            // The key only marks the DM (hashed); no row keeps it.
            let key = format!("pulse-remind:{pulse_id}:{}", invitee.user_id);
            let resumed_here = index == next && in_flight;
            if !(resumed_here && crate::outbox::already_posted(state, &key, dm, since).await?) {
                let text = format!(
                    "A reminder: the one-question pulse closes {}. It takes a few seconds, and your answer is stored without your name.",
                    blocks::date(pulse.deadline_at)
                );
                let content = blocks::message(
                    text.clone(),
                    vec![blocks::section(text), super::buttons(pulse_id, "Answer")],
                );
                crate::outbox::post_marked(state, &key, dm, content).await?;
            }
        }
        ctx.checkpoint(state, &progress(index + 1, false)).await?;
    }
    Ok(())
}

/// Job: close the pulse at its deadline, take the buttons off its DMs, and tell whoever
/// started it how many answered (counts only; `/debrief pulse results` shows the rest).
pub async fn close(state: &AppState, pulse_id: i64, now: Timestamp) -> Result<(), JobError> {
    let Some(pulse) = state.store.pulse(pulse_id).await? else {
        return Ok(());
    };
    if !pulse.is_open() {
        return Ok(());
    }
    let invitees = state.store.pulse_invitees(pulse_id).await?;
    let answered = state.store.pulse_responses(pulse_id).await?.len();
    let mut jobs: Vec<_> = invitees
        .iter()
        .filter(|i| i.invite_ts.is_some())
        .map(|i| {
            Job::MarkPulseClosed {
                pulse_id,
                user_id: i.user_id.clone(),
            }
            .to_row(now)
        })
        .collect();
    let text = format!(
        "The psychological-safety pulse{} has closed: {answered} of {} people answered. `/debrief pulse results` shows the quarter's results.",
        pulse
            .channel_id
            .as_deref()
            .map(|c| format!(" for <#{c}>"))
            .unwrap_or_default(),
        pulse.invited
    );
    jobs.push(
        Job::TellRequester {
            requester: Requester {
                user_id: pulse.started_by.clone(),
                channel_id: String::new(),
                response_url: None,
                asked_at: now.as_second(),
            },
            text,
        }
        .to_row(now),
    );
    let totals = super::totals(&state.store, &state.pseudonym_key, &pulse).await?;
    state
        .store
        .close_pulse(pulse_id, Some(&totals), jobs, now)
        .await?;
    state.job_wakeup.notify_one();
    Ok(())
}

/// Job: replace a closed pulse's DM, so its buttons cannot be pressed any more.
pub async fn mark_closed(state: &AppState, pulse_id: i64, user_id: &str) -> Result<(), JobError> {
    let Some(pulse) = state.store.pulse(pulse_id).await? else {
        return Ok(());
    };
    let Some(invitee) = state.store.pulse_invitee(pulse_id, user_id).await? else {
        return Ok(());
    };
    if let (Some(dm), Some(ts)) = (&invitee.dm_channel, &invitee.invite_ts) {
        match state
            .slack
            .update_message(dm, ts, invite_message(&pulse, user_id, true))
            .await
        {
            Ok(()) | Err(SlackCallError::Rejected { .. }) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Ok(())
}

/// Job: start a channel's scheduled pulse for `quarter` (once, however many workers run
/// it), and queue next quarter's in the same transaction.
pub async fn scheduled(
    state: &AppState,
    team_id: &str,
    channel_id: &str,
    quarter: &str,
    now: Timestamp,
) -> Result<(), JobError> {
    let Some(schedule) = state.store.pulse_schedule(team_id, channel_id).await? else {
        // Stopped with every=off: nothing more to queue either.
        return Ok(());
    };
    let this: crate::features::learning::quarter::Quarter = quarter
        .parse()
        .map_err(|e| JobError::Permanent(format!("{e}")))?;
    let tz = &state.config.learning.timezone;
    let next_quarter = this.next();
    let next = Job::ScheduledPulse {
        team_id: team_id.to_string(),
        channel_id: channel_id.to_string(),
        quarter: next_quarter.to_string(),
    }
    .to_row(results::scheduled_at(next_quarter, tz));
    let schedule_key = format!("{channel_id}:{quarter}");
    let deadline = now.as_second() + 3 * 86_400;
    let pulse = NewPulse {
        team_id,
        quarter,
        channel_id: Some(channel_id),
        started_by: &schedule.started_by,
        min_responses: i64::from(K_FLOOR),
        deadline_at: deadline,
        schedule_key: Some(&schedule_key),
    };
    let created = state
        .store
        .create_pulse(
            &pulse,
            |pulse_id| {
                vec![
                    Job::GatherPulse {
                        pulse_id,
                        explicit: None,
                        requester: None,
                        gathered: Gathered::default(),
                    }
                    .to_row(now),
                    next.clone(),
                ]
            },
            now,
        )
        .await?;
    if created.is_none() {
        // Started already by another worker; make sure next quarter's is queued.
        state.store.enqueue(&next, now).await?;
    }
    state.job_wakeup.notify_one();
    Ok(())
}
