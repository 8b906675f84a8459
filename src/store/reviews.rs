//! Purpose: incidents, reviews and their participants.

use crate::domain::{ReviewId, SurveyStatus};
use jiff::Timestamp;

use super::jobs::NewJob;
use super::{BeginWrite, Store, insert_jobs, on_db};

/// The columns of a [`Review`] row, written once for every query that loads one.
macro_rules! review_columns {
    () => {
        "id, incident_id, team_id, channel_id, facilitator_id, meeting_at, deadline_at, \
         deadline_offset, min_responses, reminders, survey_status, participants_ready, \
         survey_sent_at, survey_closed_at, created_at, updated_at, observations_live, \
         observations_thread_ts, agenda_before"
    };
}

/// The columns of an [`Incident`] row.
macro_rules! incident_columns {
    () => {
        "id, team_id, channel_id, title, severity, services, failure_mode, vendor, \
         deploy_related, started_at, resolved_at, recurrence_of, created_by, created_at, \
         updated_at, trigger_event"
    };
}

/// The columns of a [`Participant`] row.
macro_rules! participant_columns {
    () => {
        "review_id, user_id, display_name, wants_reminders, dm_channel, invite_ts, invite_state, \
         unreachable_reason"
    };
}

/// An incident, one per channel.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct Incident {
    pub id: i64,
    pub team_id: String,
    pub channel_id: String,
    pub title: String,
    pub severity: Option<String>,
    /// Comma-separated normalised tags.
    pub services: String,
    pub failure_mode: Option<String>,
    pub vendor: Option<String>,
    pub deploy_related: Option<bool>,
    pub started_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub recurrence_of: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// The event that set the incident off, apart from the conditions that let it matter.
    #[sqlx(rename = "trigger_event")]
    pub trigger: Option<String>,
}

impl Incident {
    pub fn services(&self) -> Vec<String> {
        self.services
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// The values an incident will have after a create or update.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IncidentValues {
    pub title: String,
    pub severity: Option<String>,
    pub services: Vec<String>,
    pub failure_mode: Option<String>,
    pub vendor: Option<String>,
    pub deploy_related: Option<bool>,
    pub started_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub trigger: Option<String>,
}

/// What saving an incident did.
#[derive(Debug, Clone)]
pub struct SavedIncident {
    pub incident: Incident,
    pub created: bool,
    /// Title of the earlier incident with the same failure mode, when this is a recurrence.
    pub recurrence_of_title: Option<String>,
}

/// A review, with the incident's title for display.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct Review {
    pub id: ReviewId,
    pub incident_id: i64,
    pub team_id: String,
    pub channel_id: String,
    pub facilitator_id: String,
    pub meeting_at: Option<i64>,
    pub deadline_at: Option<i64>,
    pub deadline_offset: Option<i64>,
    pub min_responses: i64,
    pub reminders: i64,
    #[sqlx(try_from = "String")]
    pub survey_status: SurveyStatus,
    pub participants_ready: bool,
    pub survey_sent_at: Option<i64>,
    pub survey_closed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub observations_live: bool,
    pub observations_thread_ts: Option<String>,
    /// The agenda is posted this many seconds before the meeting.
    pub agenda_before: i64,
}

impl Review {
    pub fn survey_open(&self) -> bool {
        self.survey_status == SurveyStatus::Open
    }
    pub fn survey_closed(&self) -> bool {
        self.survey_status == SurveyStatus::Closed
    }
}

/// Settings of a review, as the facilitator gave them.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewSettings {
    pub facilitator_id: String,
    pub observations_live: bool,
    pub meeting_at: Option<i64>,
    pub deadline_at: Option<i64>,
    pub deadline_offset: Option<i64>,
    pub min_responses: i64,
    pub reminders: i64,
}

/// A person taking part in a review.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Participant {
    pub review_id: ReviewId,
    pub user_id: String,
    pub display_name: String,
    pub wants_reminders: bool,
    pub dm_channel: Option<String>,
    pub invite_ts: Option<String>,
    pub invite_state: String,
    pub unreachable_reason: Option<String>,
}

impl Store {
    pub async fn incident_for_channel(
        &self,
        team_id: &str,
        channel_id: &str,
    ) -> anyhow::Result<Option<Incident>> {
        const SQL: &str = concat!(
            "SELECT ",
            incident_columns!(),
            "
                             FROM incidents WHERE team_id = $1 AND channel_id = $2"
        );
        Ok(on_db!(self, "incident for channel", |pool| Ok(
            sqlx::query_as(SQL)
                .bind(team_id)
                .bind(channel_id)
                .fetch_optional(pool)
                .await?
        ))?)
    }

    pub async fn incident(&self, id: i64) -> anyhow::Result<Option<Incident>> {
        const SQL: &str = concat!(
            "SELECT ",
            incident_columns!(),
            "
                             FROM incidents WHERE id = $1"
        );
        on_db!(self, "incident", |pool| Ok(sqlx::query_as(SQL)
            .bind(id)
            .fetch_optional(pool)
            .await?))
    }

    /// Creates the channel's incident or updates it, and works out whether its failure
    /// mode recurs: an earlier incident in the same workspace with the same mode.
    pub async fn save_incident(
        &self,
        team_id: &str,
        channel_id: &str,
        user_id: &str,
        values: &IncidentValues,
        now: Timestamp,
    ) -> anyhow::Result<SavedIncident> {
        const FIND: &str = "SELECT id FROM incidents WHERE team_id = $1 AND channel_id = $2";
        const INSERT: &str = "INSERT INTO incidents (team_id, channel_id, title, severity, services, failure_mode, vendor, deploy_related, started_at, resolved_at, created_by, created_at, updated_at, trigger_event)
                              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13) RETURNING id";
        const UPDATE: &str = "UPDATE incidents SET title = $2, severity = $3, services = $4, failure_mode = $5, vendor = $6,
                                     deploy_related = $7, started_at = $8, resolved_at = $9, updated_at = $10, trigger_event = $11
                               WHERE id = $1";
        const EARLIER_SAME_MODE: &str = "SELECT id, title FROM incidents
                                          WHERE team_id = $1 AND failure_mode = $2 AND id < $3
                                          ORDER BY id DESC LIMIT 1";
        const SET_RECURRENCE: &str = "UPDATE incidents SET recurrence_of = $2 WHERE id = $1";
        const LOAD: &str = concat!(
            "SELECT ",
            incident_columns!(),
            "
                              FROM incidents WHERE id = $1"
        );
        let services = values.services.join(",");
        let now = now.as_second();
        on_db!(self, "save incident", |pool| {
            let mut tx = pool.begin_write().await?;
            let existing: Option<i64> = sqlx::query_scalar(FIND)
                .bind(team_id)
                .bind(channel_id)
                .fetch_optional(&mut *tx)
                .await?;
            let (id, created) = match existing {
                Some(id) => {
                    sqlx::query(UPDATE)
                        .bind(id)
                        .bind(&values.title)
                        .bind(&values.severity)
                        .bind(&services)
                        .bind(&values.failure_mode)
                        .bind(&values.vendor)
                        .bind(values.deploy_related)
                        .bind(values.started_at)
                        .bind(values.resolved_at)
                        .bind(now)
                        .bind(&values.trigger)
                        .execute(&mut *tx)
                        .await?;
                    (id, false)
                }
                None => {
                    let id: i64 = sqlx::query_scalar(INSERT)
                        .bind(team_id)
                        .bind(channel_id)
                        .bind(&values.title)
                        .bind(&values.severity)
                        .bind(&services)
                        .bind(&values.failure_mode)
                        .bind(&values.vendor)
                        .bind(values.deploy_related)
                        .bind(values.started_at)
                        .bind(values.resolved_at)
                        .bind(user_id)
                        .bind(now)
                        .bind(&values.trigger)
                        .fetch_one(&mut *tx)
                        .await?;
                    (id, true)
                }
            };
            let earlier: Option<(i64, String)> = match &values.failure_mode {
                Some(mode) => {
                    sqlx::query_as(EARLIER_SAME_MODE)
                        .bind(team_id)
                        .bind(mode)
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?
                }
                None => None,
            };
            sqlx::query(SET_RECURRENCE)
                .bind(id)
                .bind(earlier.as_ref().map(|(e, _)| *e))
                .execute(&mut *tx)
                .await?;
            let incident: Incident = sqlx::query_as(LOAD).bind(id).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok(SavedIncident {
                incident,
                created,
                recurrence_of_title: earlier.map(|(_, title)| title),
            })
        })
    }

    pub async fn review_for_channel(
        &self,
        team_id: &str,
        channel_id: &str,
    ) -> anyhow::Result<Option<Review>> {
        const SQL: &str = concat!(
            "SELECT ",
            review_columns!(),
            "
                             FROM reviews WHERE team_id = $1 AND channel_id = $2"
        );
        Ok(on_db!(self, "review for channel", |pool| Ok(
            sqlx::query_as(SQL)
                .bind(team_id)
                .bind(channel_id)
                .fetch_optional(pool)
                .await?
        ))?)
    }

    /// [`review_for_channel`](Self::review_for_channel) for `/debrief observe`, which
    /// may answer from memory (`store/hints.rs`): the review read up to two seconds ago,
    /// when no review changed since. The write checks the review again.
    pub async fn review_for_channel_hint(
        &self,
        team_id: &str,
        channel_id: &str,
    ) -> anyhow::Result<Option<Review>> {
        let Some(hints) = &self.channel_reviews else {
            return self.review_for_channel(team_id, channel_id).await;
        };
        if let Some(review) = hints.get(team_id, channel_id, std::time::Instant::now()) {
            return Ok(Some(review));
        }
        // Both taken before the lookup: its result counts as read when it was asked for.
        let (generation, read_at) = (hints.generation(), std::time::Instant::now());
        let found = self.review_for_channel(team_id, channel_id).await?;
        if let Some(review) = &found {
            hints.put(team_id, channel_id, review.clone(), generation, read_at);
        }
        Ok(found)
    }

    pub async fn review(&self, id: ReviewId) -> anyhow::Result<Option<Review>> {
        const SQL: &str = concat!(
            "SELECT ",
            review_columns!(),
            "
                             FROM reviews WHERE id = $1"
        );
        on_db!(self, "review", |pool| Ok(sqlx::query_as(SQL)
            .bind(id)
            .fetch_optional(pool)
            .await?))
    }

    /// Creates the incident's review, or updates its settings. When `participants_pending`
    /// the participant list is being (re)gathered by a job.
    pub async fn save_review(
        &self,
        incident: &Incident,
        settings: &ReviewSettings,
        participants_pending: bool,
        jobs_for_review: impl Fn(ReviewId) -> Vec<NewJob>,
        now: Timestamp,
    ) -> anyhow::Result<(Review, bool)> {
        const FIND: &str = "SELECT id FROM reviews WHERE incident_id = $1";
        const INSERT: &str = "INSERT INTO reviews (incident_id, team_id, channel_id, facilitator_id, meeting_at, deadline_at, deadline_offset, min_responses, reminders, participants_ready, created_at, updated_at, observations_live)
                              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12) RETURNING id";
        const UPDATE: &str = "UPDATE reviews SET facilitator_id = $2, meeting_at = $3, deadline_at = $4, deadline_offset = $5,
                                     min_responses = $6, reminders = $7,
                                     participants_ready = CASE WHEN $8 THEN FALSE ELSE participants_ready END,
                                     updated_at = $9, observations_live = $10
                               WHERE id = $1";
        const LOAD: &str = concat!(
            "SELECT ",
            review_columns!(),
            "
                              FROM reviews WHERE id = $1"
        );
        let now_s = now.as_second();
        on_db!(self, "save review", |pool| {
            let mut tx = pool.begin_write().await?;
            let existing: Option<ReviewId> = sqlx::query_scalar(FIND)
                .bind(incident.id)
                .fetch_optional(&mut *tx)
                .await?;
            let (id, created) = match existing {
                Some(id) => {
                    sqlx::query(UPDATE)
                        .bind(id)
                        .bind(&settings.facilitator_id)
                        .bind(settings.meeting_at)
                        .bind(settings.deadline_at)
                        .bind(settings.deadline_offset)
                        .bind(settings.min_responses)
                        .bind(settings.reminders)
                        .bind(participants_pending)
                        .bind(now_s)
                        .bind(settings.observations_live)
                        .execute(&mut *tx)
                        .await?;
                    (id, false)
                }
                None => {
                    let id: ReviewId = sqlx::query_scalar(INSERT)
                        .bind(incident.id)
                        .bind(&incident.team_id)
                        .bind(&incident.channel_id)
                        .bind(&settings.facilitator_id)
                        .bind(settings.meeting_at)
                        .bind(settings.deadline_at)
                        .bind(settings.deadline_offset)
                        .bind(settings.min_responses)
                        .bind(settings.reminders)
                        .bind(!participants_pending)
                        .bind(now_s)
                        .bind(settings.observations_live)
                        .fetch_one(&mut *tx)
                        .await?;
                    (id, true)
                }
            };
            insert_jobs!(tx, jobs_for_review(id), now_s);
            let review: Review = sqlx::query_as(LOAD).bind(id).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok((review, created))
        })
    }

    /// Replaces (before the survey is sent) or extends (after) the participant list.
    /// Returns the ids that were added.
    pub async fn set_participants(
        &self,
        review_id: ReviewId,
        people: &[(String, String)],
        replace: bool,
        jobs_for_added: impl Fn(&str) -> Vec<NewJob>,
        now: Timestamp,
    ) -> anyhow::Result<Vec<String>> {
        const EXISTING: &str = "SELECT user_id FROM participants WHERE review_id = $1";
        const DELETE_MISSING: &str =
            "DELETE FROM participants WHERE review_id = $1 AND user_id = $2";
        const INSERT: &str = "INSERT INTO participants (review_id, user_id, display_name) VALUES ($1, $2, $3)
                              ON CONFLICT (review_id, user_id) DO UPDATE SET display_name = excluded.display_name";
        const READY: &str =
            "UPDATE reviews SET participants_ready = TRUE, updated_at = $2 WHERE id = $1";
        on_db!(self, "set participants", |pool| {
            let mut tx = pool.begin_write().await?;
            let existing: Vec<String> = sqlx::query_scalar(EXISTING)
                .bind(review_id)
                .fetch_all(&mut *tx)
                .await?;
            if replace {
                for gone in existing
                    .iter()
                    .filter(|u| !people.iter().any(|(id, _)| id == *u))
                {
                    sqlx::query(DELETE_MISSING)
                        .bind(review_id)
                        .bind(gone)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            let mut added = Vec::new();
            for (user_id, name) in people {
                sqlx::query(INSERT)
                    .bind(review_id)
                    .bind(user_id)
                    .bind(name)
                    .execute(&mut *tx)
                    .await?;
                if !existing.contains(user_id) {
                    added.push(user_id.clone());
                    insert_jobs!(tx, jobs_for_added(user_id), now.as_second());
                }
            }
            sqlx::query(READY)
                .bind(review_id)
                .bind(now.as_second())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(added)
        })
    }

    /// Records who the participant list left out and why, `(user_id, reason)`.
    pub async fn set_left_out(
        &self,
        review_id: ReviewId,
        left_out: &[(String, String)],
    ) -> anyhow::Result<()> {
        const SQL: &str = "UPDATE reviews SET left_out = $2 WHERE id = $1";
        let lines: Vec<String> = left_out
            .iter()
            .map(|(id, why)| format!("{id} {why}"))
            .collect();
        on_db!(self, "set left out", |pool| {
            sqlx::query(SQL)
                .bind(review_id)
                .bind(lines.join("\n"))
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Who the participant list left out and why, `(user_id, reason)`.
    pub async fn left_out(&self, review_id: ReviewId) -> anyhow::Result<Vec<(String, String)>> {
        const SQL: &str = "SELECT left_out FROM reviews WHERE id = $1";
        let stored: Option<String> = on_db!(self, "left out", |pool| Ok(sqlx::query_scalar(SQL)
            .bind(review_id)
            .fetch_optional(pool)
            .await?))?;
        Ok(stored
            .unwrap_or_default()
            .lines()
            .filter_map(|line| line.split_once(' '))
            .map(|(id, why)| (id.to_string(), why.to_string()))
            .collect())
    }

    /// The participants' user ids, in the order of [`Store::participants`].
    pub async fn participant_ids(&self, review_id: ReviewId) -> anyhow::Result<Vec<String>> {
        Ok(self
            .participants(review_id)
            .await?
            .into_iter()
            .map(|p| p.user_id)
            .collect())
    }

    pub async fn participants(&self, review_id: ReviewId) -> anyhow::Result<Vec<Participant>> {
        const SQL: &str = concat!(
            "SELECT ",
            participant_columns!(),
            "
                             FROM participants WHERE review_id = $1 ORDER BY display_name, user_id"
        );
        on_db!(self, "participants", |pool| Ok(sqlx::query_as(SQL)
            .bind(review_id)
            .fetch_all(pool)
            .await?))
    }

    pub async fn participant(
        &self,
        review_id: ReviewId,
        user_id: &str,
    ) -> anyhow::Result<Option<Participant>> {
        const SQL: &str = concat!(
            "SELECT ",
            participant_columns!(),
            "
                             FROM participants WHERE review_id = $1 AND user_id = $2"
        );
        Ok(on_db!(self, "participant", |pool| Ok(sqlx::query_as(SQL)
            .bind(review_id)
            .bind(user_id)
            .fetch_optional(pool)
            .await?))?)
    }

    /// Marks the survey sent and queues its jobs, once. Returns false if it was already sent.
    pub async fn open_survey(
        &self,
        review_id: ReviewId,
        deadline_at: i64,
        jobs: &[NewJob],
        now: Timestamp,
    ) -> anyhow::Result<bool> {
        const OPEN: &str = "UPDATE reviews SET survey_status = 'open', survey_sent_at = $2, deadline_at = $3, updated_at = $2
                             WHERE id = $1 AND survey_status = 'draft'";
        on_db!(self, "open survey", |pool| {
            let mut tx = pool.begin_write().await?;
            let opened = sqlx::query(OPEN)
                .bind(review_id)
                .bind(now.as_second())
                .bind(deadline_at)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if opened {
                insert_jobs!(tx, jobs, now.as_second());
            }
            tx.commit().await?;
            Ok(opened)
        })
    }

    /// Closes an open survey and queues the follow-up jobs. Returns false if it was not open.
    pub async fn close_survey(
        &self,
        review_id: ReviewId,
        jobs: &[NewJob],
        now: Timestamp,
    ) -> anyhow::Result<bool> {
        const CLOSE: &str =
            "UPDATE reviews SET survey_status = 'closed', survey_closed_at = $2, updated_at = $2
                              WHERE id = $1 AND survey_status = 'open'";
        on_db!(self, "close survey", |pool| {
            let mut tx = pool.begin_write().await?;
            let closed = sqlx::query(CLOSE)
                .bind(review_id)
                .bind(now.as_second())
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if closed {
                insert_jobs!(tx, jobs, now.as_second());
            }
            tx.commit().await?;
            Ok(closed)
        })
    }

    /// Remembers the DM channel opened for a participant, so a retry does not reopen it.
    pub async fn set_participant_dm(
        &self,
        review_id: ReviewId,
        user_id: &str,
        dm_channel: &str,
    ) -> anyhow::Result<()> {
        const SQL: &str =
            "UPDATE participants SET dm_channel = $3 WHERE review_id = $1 AND user_id = $2";
        on_db!(self, "set participant dm", |pool| {
            sqlx::query(SQL)
                .bind(review_id)
                .bind(user_id)
                .bind(dm_channel)
                .execute(pool)
                .await?;
            Ok(())
        })?;
        Ok(())
    }

    pub async fn set_invite_sent(
        &self,
        review_id: ReviewId,
        user_id: &str,
        ts: &str,
    ) -> anyhow::Result<()> {
        const SQL: &str = "UPDATE participants SET invite_ts = $3, invite_state = 'sent' WHERE review_id = $1 AND user_id = $2";
        on_db!(self, "set invite sent", |pool| {
            sqlx::query(SQL)
                .bind(review_id)
                .bind(user_id)
                .bind(ts)
                .execute(pool)
                .await?;
            Ok(())
        })?;
        Ok(())
    }

    pub async fn set_unreachable(
        &self,
        review_id: ReviewId,
        user_id: &str,
        reason: &str,
    ) -> anyhow::Result<()> {
        const SQL: &str = "UPDATE participants SET invite_state = 'unreachable', unreachable_reason = $3 WHERE review_id = $1 AND user_id = $2";
        on_db!(self, "set unreachable", |pool| {
            sqlx::query(SQL)
                .bind(review_id)
                .bind(user_id)
                .bind(reason)
                .execute(pool)
                .await?;
            Ok(())
        })?;
        Ok(())
    }

    /// "Don't remind me".
    pub async fn stop_reminders(&self, review_id: ReviewId, user_id: &str) -> anyhow::Result<bool> {
        const SQL: &str =
            "UPDATE participants SET wants_reminders = FALSE WHERE review_id = $1 AND user_id = $2";
        Ok(on_db!(self, "stop reminders", |pool| Ok(sqlx::query(SQL)
            .bind(review_id)
            .bind(user_id)
            .execute(pool)
            .await?
            .rows_affected()))?
            == 1)
    }

    /// Reviews `user_id` takes part in or facilitates that still accept observations:
    /// created in the last 30 days, and not more than 7 days past their meeting.
    pub async fn reviews_open_to(
        &self,
        user_id: &str,
        now: Timestamp,
    ) -> anyhow::Result<Vec<Review>> {
        const SQL: &str = concat!(
            "SELECT ",
            review_columns!(),
            "
                             FROM reviews r
                            WHERE (r.facilitator_id = $1 OR EXISTS (SELECT 1 FROM participants p WHERE p.review_id = r.id AND p.user_id = $1))
                              AND r.created_at > $2 - 2592000
                              AND (r.meeting_at IS NULL OR r.meeting_at > $2 - 604800)
                            ORDER BY r.id DESC"
        );
        Ok(on_db!(self, "reviews open to", |pool| Ok(sqlx::query_as(
            SQL
        )
        .bind(user_id)
        .bind(now.as_second())
        .fetch_all(pool)
        .await?))?)
    }

    pub async fn set_observations_thread(
        &self,
        review_id: ReviewId,
        ts: &str,
    ) -> anyhow::Result<()> {
        const SQL: &str = "UPDATE reviews SET observations_thread_ts = $2 WHERE id = $1";
        on_db!(self, "set observations thread", |pool| {
            sqlx::query(SQL)
                .bind(review_id)
                .bind(ts)
                .execute(pool)
                .await?;
            Ok(())
        })?;
        Ok(())
    }

    /// Reviews a user facilitates, newest first.
    pub async fn reviews_facilitated_by(&self, user_id: &str) -> anyhow::Result<Vec<Review>> {
        const SQL: &str = concat!(
            "SELECT ",
            review_columns!(),
            "
                             FROM reviews WHERE facilitator_id = $1 ORDER BY id DESC"
        );
        on_db!(self, "reviews facilitated by", |pool| Ok(sqlx::query_as(
            SQL
        )
        .bind(user_id)
        .fetch_all(pool)
        .await?))
    }

    /// Reviews with an open survey that `user_id` takes part in (whether they answered is
    /// for the caller to work out with the key).
    pub async fn open_surveys_for(&self, user_id: &str) -> anyhow::Result<Vec<Review>> {
        const SQL: &str = concat!(
            "SELECT ",
            review_columns!(),
            " FROM reviews
              WHERE survey_status = 'open'
                AND EXISTS (SELECT 1 FROM participants p WHERE p.review_id = reviews.id AND p.user_id = $1)
              ORDER BY id DESC"
        );
        on_db!(self, "list open surveys for a person", |pool| Ok(
            sqlx::query_as(SQL).bind(user_id).fetch_all(pool).await?
        ))
    }
}
