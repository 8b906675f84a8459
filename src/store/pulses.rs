//! Purpose: the psychological-safety pulse's rows: the pulse itself, who was asked,
//! their sealed answers, opt-outs and quarterly schedules.
//!
//! Answers are written in a transaction of their own that names nobody: it reads who
//! was invited (to refuse strangers) but writes only the sealed row, keyed by a hash
//! that identifies no one without the key.

use jiff::Timestamp;

use super::jobs::NewJob;
use super::{BeginWrite as _, Store, insert_jobs, on_db, random_id};

/// One pulse.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Pulse {
    pub id: i64,
    pub team_id: String,
    pub quarter: String,
    pub channel_id: Option<String>,
    pub started_by: String,
    /// gathering, open or closed.
    pub status: String,
    pub min_responses: i64,
    pub invited: i64,
    pub created_at: i64,
    pub deadline_at: i64,
    pub closed_at: Option<i64>,
    pub answered: Option<i64>,
    pub counted: Option<i64>,
    pub distribution: Option<String>,
    pub erased_at: Option<i64>,
}

/// A closed pulse's totals, kept on its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulseTotals {
    pub answered: i64,
    pub counted: i64,
    /// Answers 1 to 5, comma-separated.
    pub distribution: String,
}

impl Pulse {
    pub fn is_open(&self) -> bool {
        self.status == "open"
    }
    pub fn is_closed(&self) -> bool {
        self.status == "closed"
    }
}

/// A pulse about to be started.
pub struct NewPulse<'a> {
    pub team_id: &'a str,
    pub quarter: &'a str,
    pub channel_id: Option<&'a str>,
    pub started_by: &'a str,
    pub min_responses: i64,
    pub deadline_at: i64,
    /// For a scheduled pulse: "channel:quarter", unique, so it is started once.
    pub schedule_key: Option<&'a str>,
}

/// One person asked.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PulseInvitee {
    pub user_id: String,
    pub dm_channel: Option<String>,
    pub invite_ts: Option<String>,
    pub wants_reminders: bool,
}

/// Why an answer was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PulseRefused {
    NotOpen,
    NotInvited,
}

/// A quarterly schedule.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PulseSchedule {
    pub team_id: String,
    pub channel_id: String,
    pub started_by: String,
}

/// `SELECT <every pulse column> FROM pulses <rest>`, as one static string.
macro_rules! select_pulses {
    ($rest:literal) => {
        concat!(
            "SELECT id, team_id, quarter, channel_id, started_by, status, min_responses, invited, created_at, deadline_at, closed_at, answered, counted, distribution, erased_at FROM pulses ",
            $rest
        )
    };
}

impl Store {
    /// Creates a pulse and queues the jobs `jobs(id)` asks for, in one transaction.
    /// Returns `None` when a scheduled pulse with the same key already exists.
    pub async fn create_pulse(
        &self,
        pulse: &NewPulse<'_>,
        jobs: impl Fn(i64) -> Vec<NewJob>,
        now: Timestamp,
    ) -> anyhow::Result<Option<i64>> {
        const INSERT: &str = "INSERT INTO pulses (team_id, quarter, channel_id, started_by, min_responses, created_at, deadline_at, schedule_key)
                              VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                              ON CONFLICT (schedule_key) DO NOTHING RETURNING id";
        on_db!(self, "create a pulse", |pool| {
            let mut tx = pool.begin_write().await?;
            let id: Option<i64> = sqlx::query_scalar(INSERT)
                .bind(pulse.team_id)
                .bind(pulse.quarter)
                .bind(pulse.channel_id)
                .bind(pulse.started_by)
                .bind(pulse.min_responses)
                .bind(now.as_second())
                .bind(pulse.deadline_at)
                .bind(pulse.schedule_key)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(id) = id {
                insert_jobs!(tx, jobs(id), now.as_second());
            }
            tx.commit().await?;
            Ok(id)
        })
    }

    pub async fn pulse(&self, id: i64) -> anyhow::Result<Option<Pulse>> {
        const SQL: &str = select_pulses!("WHERE id = $1");
        on_db!(self, "read a pulse", |pool| {
            Ok(sqlx::query_as(SQL).bind(id).fetch_optional(pool).await?)
        })
    }

    /// A workspace's pulses, oldest first.
    pub async fn pulses_of_team(&self, team_id: &str) -> anyhow::Result<Vec<Pulse>> {
        const SQL: &str = select_pulses!("WHERE team_id = $1 ORDER BY id");
        on_db!(self, "list pulses", |pool| {
            Ok(sqlx::query_as(SQL).bind(team_id).fetch_all(pool).await?)
        })
    }

    /// The latest closed pulse of any workspace in `quarter` (for `/metrics`).
    pub async fn closed_pulses_in(&self, quarter: &str) -> anyhow::Result<Vec<Pulse>> {
        const SQL: &str = select_pulses!("WHERE quarter = $1 AND status = 'closed' ORDER BY id");
        on_db!(self, "list a quarter's closed pulses", |pool| {
            Ok(sqlx::query_as(SQL).bind(quarter).fetch_all(pool).await?)
        })
    }

    /// Records who is asked (leaving out whoever opted out of pulses in this workspace),
    /// opens the pulse and queues `jobs_for(user)` per person and `then` once, in one
    /// transaction. Returns who was invited and how many were left out by their opt-out.
    pub async fn open_pulse(
        &self,
        pulse_id: i64,
        people: &[String],
        jobs_for: impl Fn(&str) -> Vec<NewJob>,
        then: Vec<NewJob>,
        now: Timestamp,
    ) -> anyhow::Result<(Vec<String>, usize)> {
        const TEAM: &str = "SELECT team_id FROM pulses WHERE id = $1 AND status = 'gathering'";
        const OPTED_OUT: &str = "SELECT user_id FROM pulse_opt_outs WHERE team_id = $1";
        const INSERT: &str = "INSERT INTO pulse_invitees (pulse_id, user_id) VALUES ($1, $2)
                              ON CONFLICT (pulse_id, user_id) DO NOTHING";
        const OPEN: &str = "UPDATE pulses SET status = 'open', invited = $2 WHERE id = $1";
        on_db!(self, "open a pulse", |pool| {
            let mut tx = pool.begin_write().await?;
            let Some(team): Option<String> = sqlx::query_scalar(TEAM)
                .bind(pulse_id)
                .fetch_optional(&mut *tx)
                .await?
            else {
                // Opened already (a retried job), or gone.
                return Ok((Vec::new(), 0));
            };
            let opted_out: Vec<String> = sqlx::query_scalar(OPTED_OUT)
                .bind(&team)
                .fetch_all(&mut *tx)
                .await?;
            let invited: Vec<String> = people
                .iter()
                .filter(|p| !opted_out.contains(p))
                .cloned()
                .collect();
            for user in &invited {
                sqlx::query(INSERT)
                    .bind(pulse_id)
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
                insert_jobs!(tx, jobs_for(user), now.as_second());
            }
            sqlx::query(OPEN)
                .bind(pulse_id)
                .bind(invited.len() as i64)
                .execute(&mut *tx)
                .await?;
            insert_jobs!(tx, then, now.as_second());
            tx.commit().await?;
            Ok((invited.clone(), people.len() - invited.len()))
        })
    }

    pub async fn pulse_invitee(
        &self,
        pulse_id: i64,
        user_id: &str,
    ) -> anyhow::Result<Option<PulseInvitee>> {
        const SQL: &str =
            "SELECT user_id, dm_channel, invite_ts, wants_reminders FROM pulse_invitees
                           WHERE pulse_id = $1 AND user_id = $2";
        on_db!(self, "read a pulse invitee", |pool| {
            Ok(sqlx::query_as(SQL)
                .bind(pulse_id)
                .bind(user_id)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// Everyone asked, in user id order.
    pub async fn pulse_invitees(&self, pulse_id: i64) -> anyhow::Result<Vec<PulseInvitee>> {
        const SQL: &str =
            "SELECT user_id, dm_channel, invite_ts, wants_reminders FROM pulse_invitees
                           WHERE pulse_id = $1 ORDER BY user_id";
        on_db!(self, "list pulse invitees", |pool| {
            Ok(sqlx::query_as(SQL).bind(pulse_id).fetch_all(pool).await?)
        })
    }

    pub async fn set_pulse_dm(&self, pulse_id: i64, user_id: &str, dm: &str) -> anyhow::Result<()> {
        const SQL: &str =
            "UPDATE pulse_invitees SET dm_channel = $3 WHERE pulse_id = $1 AND user_id = $2";
        on_db!(self, "keep a pulse DM channel", |pool| {
            sqlx::query(SQL)
                .bind(pulse_id)
                .bind(user_id)
                .bind(dm)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    pub async fn set_pulse_invite_sent(
        &self,
        pulse_id: i64,
        user_id: &str,
        ts: &str,
    ) -> anyhow::Result<()> {
        const SQL: &str =
            "UPDATE pulse_invitees SET invite_ts = $3 WHERE pulse_id = $1 AND user_id = $2";
        on_db!(self, "mark a pulse invitation sent", |pool| {
            sqlx::query(SQL)
                .bind(pulse_id)
                .bind(user_id)
                .bind(ts)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// "Don't remind me": true when the person was asked.
    pub async fn stop_pulse_reminders(&self, pulse_id: i64, user_id: &str) -> anyhow::Result<bool> {
        const SQL: &str = "UPDATE pulse_invitees SET wants_reminders = FALSE
                           WHERE pulse_id = $1 AND user_id = $2";
        on_db!(self, "stop pulse reminders", |pool| {
            let done = sqlx::query(SQL)
                .bind(pulse_id)
                .bind(user_id)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// "Don't send me pulses", for this workspace; also stops reminders of open pulses.
    pub async fn opt_out_of_pulses(
        &self,
        team_id: &str,
        user_id: &str,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        const INSERT: &str = "INSERT INTO pulse_opt_outs (team_id, user_id, at) VALUES ($1, $2, $3)
                              ON CONFLICT (team_id, user_id) DO NOTHING";
        const QUIET: &str = "UPDATE pulse_invitees SET wants_reminders = FALSE
                             WHERE user_id = $2 AND pulse_id IN (SELECT id FROM pulses WHERE team_id = $1)";
        on_db!(self, "opt out of pulses", |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(INSERT)
                .bind(team_id)
                .bind(user_id)
                .bind(now.as_second())
                .execute(&mut *tx)
                .await?;
            sqlx::query(QUIET)
                .bind(team_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// `/debrief pulse opt-in`: pulses may be sent again.
    pub async fn opt_in_to_pulses(&self, team_id: &str, user_id: &str) -> anyhow::Result<bool> {
        const SQL: &str = "DELETE FROM pulse_opt_outs WHERE team_id = $1 AND user_id = $2";
        on_db!(self, "opt in to pulses", |pool| {
            let done = sqlx::query(SQL)
                .bind(team_id)
                .bind(user_id)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// Stores an answer under its keyed hash (replacing the person's earlier one). Its own
    /// transaction, which writes nothing naming anyone. Returns whether it was new.
    pub async fn save_pulse_response(
        &self,
        pulse_id: i64,
        user_id: &str,
        respondent_key: &str,
        sealed: &[u8],
    ) -> anyhow::Result<Result<bool, PulseRefused>> {
        const STATUS: &str = "SELECT status FROM pulses WHERE id = $1";
        // A read: who may answer is checked, and nothing naming them is written.
        const INVITED: &str =
            "SELECT COUNT(*) FROM pulse_invitees WHERE pulse_id = $1 AND user_id = $2";
        const UPDATE: &str =
            "UPDATE pulse_responses SET sealed = $3 WHERE pulse_id = $1 AND respondent_key = $2";
        const INSERT: &str = "INSERT INTO pulse_responses (id, pulse_id, respondent_key, sealed)
                              VALUES ($1, $2, $3, $4)";
        on_db!(self, "save a pulse answer", |pool| {
            let mut tx = pool.begin_write().await?;
            let status: Option<String> = sqlx::query_scalar(STATUS)
                .bind(pulse_id)
                .fetch_optional(&mut *tx)
                .await?;
            if status.as_deref() != Some("open") {
                return Ok(Err(PulseRefused::NotOpen));
            }
            let invited: i64 = sqlx::query_scalar(INVITED)
                .bind(pulse_id)
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?;
            if invited == 0 {
                return Ok(Err(PulseRefused::NotInvited));
            }
            let updated = sqlx::query(UPDATE)
                .bind(pulse_id)
                .bind(respondent_key)
                .bind(sealed)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if updated == 0 {
                sqlx::query(INSERT)
                    .bind(random_id())
                    .bind(pulse_id)
                    .bind(respondent_key)
                    .bind(sealed)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(Ok(updated == 0))
        })
    }

    pub async fn own_pulse_response(
        &self,
        pulse_id: i64,
        respondent_key: &str,
    ) -> anyhow::Result<Option<Vec<u8>>> {
        const SQL: &str =
            "SELECT sealed FROM pulse_responses WHERE pulse_id = $1 AND respondent_key = $2";
        on_db!(self, "read one's own pulse answer", |pool| {
            Ok(sqlx::query_scalar(SQL)
                .bind(pulse_id)
                .bind(respondent_key)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// Every answer's keyed hash and sealed bytes, in id order (random, not arrival).
    pub async fn pulse_responses(&self, pulse_id: i64) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
        const SQL: &str =
            "SELECT respondent_key, sealed FROM pulse_responses WHERE pulse_id = $1 ORDER BY id";
        on_db!(self, "read pulse answers", |pool| {
            Ok(sqlx::query_as(SQL).bind(pulse_id).fetch_all(pool).await?)
        })
    }

    /// Closes a pulse that is not closed yet, keeping its totals, and queues `jobs`;
    /// false when it was closed already.
    pub async fn close_pulse(
        &self,
        pulse_id: i64,
        totals: Option<&PulseTotals>,
        jobs: Vec<NewJob>,
        now: Timestamp,
    ) -> anyhow::Result<bool> {
        const SQL: &str = "UPDATE pulses SET status = 'closed', closed_at = $2,
                           answered = $3, counted = $4, distribution = $5
                           WHERE id = $1 AND status <> 'closed'";
        on_db!(self, "close a pulse", |pool| {
            let mut tx = pool.begin_write().await?;
            let closed = sqlx::query(SQL)
                .bind(pulse_id)
                .bind(now.as_second())
                .bind(totals.map(|t| t.answered))
                .bind(totals.map(|t| t.counted))
                .bind(totals.map(|t| t.distribution.as_str()))
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0;
            if closed {
                insert_jobs!(tx, jobs, now.as_second());
            }
            tx.commit().await?;
            Ok(closed)
        })
    }

    /// Records a quarterly schedule and queues its first run; false when the channel
    /// already has one.
    pub async fn add_pulse_schedule(
        &self,
        schedule: &PulseSchedule,
        first_run: Vec<NewJob>,
        now: Timestamp,
    ) -> anyhow::Result<bool> {
        const SQL: &str =
            "INSERT INTO pulse_schedules (team_id, channel_id, started_by, created_at)
                           VALUES ($1, $2, $3, $4) ON CONFLICT (team_id, channel_id) DO NOTHING";
        on_db!(self, "add a pulse schedule", |pool| {
            let mut tx = pool.begin_write().await?;
            let added = sqlx::query(SQL)
                .bind(&schedule.team_id)
                .bind(&schedule.channel_id)
                .bind(&schedule.started_by)
                .bind(now.as_second())
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0;
            if added {
                insert_jobs!(tx, first_run, now.as_second());
            }
            tx.commit().await?;
            Ok(added)
        })
    }

    pub async fn pulse_schedule(
        &self,
        team_id: &str,
        channel_id: &str,
    ) -> anyhow::Result<Option<PulseSchedule>> {
        const SQL: &str = "SELECT team_id, channel_id, started_by FROM pulse_schedules
                           WHERE team_id = $1 AND channel_id = $2";
        on_db!(self, "read a pulse schedule", |pool| {
            Ok(sqlx::query_as(SQL)
                .bind(team_id)
                .bind(channel_id)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// `/debrief pulse every=off`: true when there was a schedule.
    pub async fn remove_pulse_schedule(
        &self,
        team_id: &str,
        channel_id: &str,
    ) -> anyhow::Result<bool> {
        const SQL: &str = "DELETE FROM pulse_schedules WHERE team_id = $1 AND channel_id = $2";
        on_db!(self, "remove a pulse schedule", |pool| {
            let done = sqlx::query(SQL)
                .bind(team_id)
                .bind(channel_id)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// Closed pulses whose answers retention should remove (closed before `cutoff`).
    pub async fn pulses_closed_before(&self, cutoff: i64) -> anyhow::Result<Vec<i64>> {
        const SQL: &str = "SELECT id FROM pulses WHERE status = 'closed' AND erased_at IS NULL
                           AND closed_at < $1 ORDER BY id";
        on_db!(self, "list expired pulses", |pool| {
            Ok(sqlx::query_scalar(SQL).bind(cutoff).fetch_all(pool).await?)
        })
    }

    /// Removes a pulse's answers, then in a second transaction who was asked; its totals
    /// stay on the pulse. The anonymous rows go in a transaction of their own, which
    /// names nobody. Returns (answers, invitees) removed.
    pub async fn erase_pulse(&self, pulse_id: i64, now: i64) -> anyhow::Result<(u64, u64)> {
        const ANSWERS: &str = "DELETE FROM pulse_responses WHERE pulse_id = $1";
        const INVITEES: &str = "DELETE FROM pulse_invitees WHERE pulse_id = $1";
        const MARK: &str = "UPDATE pulses SET erased_at = $2 WHERE id = $1";
        on_db!(self, "erase a pulse", |pool| {
            let mut tx = pool.begin_write().await?;
            let answers = sqlx::query(ANSWERS)
                .bind(pulse_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            let mut tx = pool.begin_write().await?;
            let invitees = sqlx::query(INVITEES)
                .bind(pulse_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query(MARK)
                .bind(pulse_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok((answers, invitees))
        })
    }
}
