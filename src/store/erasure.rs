//! Purpose: erasing a person on request (`debrief forget-user`): every row that names them.
//! Anonymous answers and observations hold no link to anyone, so they are not touched.

use serde::Serialize;

use super::{BeginWrite, Store, on_db};

/// How many rows of each kind were deleted or rewritten.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Forgotten {
    /// Participant rows (with their reminder opt-out and DM ids).
    pub participants: u64,
    /// Per-review message counts and check-in shares.
    pub participation: u64,
    /// The cached Slack profile (name, time zone).
    pub profiles: u64,
    /// The digest opt-out.
    pub opt_outs: u64,
    /// Pulses they were asked in, and their "Don't send me pulses".
    pub pulse_invitations: u64,
    pub pulse_opt_outs: u64,
    /// Jobs, pending or finished, whose payload names the person.
    pub jobs: u64,
    /// Records of messages sent to them (the outbox's keys name the recipient).
    pub sent_records: u64,
    /// Reviews whose "left out, and why" list named the person.
    pub left_out_lists: u64,
}

/// `reason` lines of a review's left-out list (`user_id reason`), without `user_id`'s.
fn without_user(left_out: &str, user_id: &str) -> String {
    left_out
        .lines()
        .filter(|line| line.split_whitespace().next() != Some(user_id))
        .map(|line| format!("{line}\n"))
        .collect()
}

impl Store {
    /// Deletes every row naming `user_id`, in one transaction that writes nothing else.
    /// A job payload names a person as a JSON string, so the quoted id is matched; Slack
    /// ids are upper-case letters and digits, so one id never contains another in quotes.
    pub async fn forget_user(&self, user_id: &str) -> anyhow::Result<Forgotten> {
        let quoted = format!("%\"{user_id}\"%");
        let spaced = format!("%{user_id} %");
        // Outbox keys are `kind:…:user` segments separated by colons.
        let key_end = format!("%:{user_id}");
        let key_middle = format!("%:{user_id}:%");
        on_db!(self, "forget a person", |pool| {
            let mut tx = pool.begin_write().await?;
            let mut forgotten = Forgotten::default();
            let deletions: [(&str, &mut u64, &str); 7] = [
                (
                    "DELETE FROM participants WHERE user_id = $1",
                    &mut forgotten.participants,
                    user_id,
                ),
                (
                    "DELETE FROM participation WHERE user_id = $1",
                    &mut forgotten.participation,
                    user_id,
                ),
                (
                    "DELETE FROM slack_users WHERE user_id = $1",
                    &mut forgotten.profiles,
                    user_id,
                ),
                (
                    "DELETE FROM digest_opt_outs WHERE user_id = $1",
                    &mut forgotten.opt_outs,
                    user_id,
                ),
                (
                    "DELETE FROM pulse_invitees WHERE user_id = $1",
                    &mut forgotten.pulse_invitations,
                    user_id,
                ),
                (
                    "DELETE FROM pulse_opt_outs WHERE user_id = $1",
                    &mut forgotten.pulse_opt_outs,
                    user_id,
                ),
                (
                    "DELETE FROM jobs WHERE payload LIKE $1",
                    &mut forgotten.jobs,
                    &quoted,
                ),
            ];
            for (sql, count, value) in deletions {
                *count = sqlx::query(sql)
                    .bind(value)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            forgotten.sent_records =
                sqlx::query("DELETE FROM outbox WHERE key LIKE $1 OR key LIKE $2")
                    .bind(&key_end)
                    .bind(&key_middle)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            let lists: Vec<(i64, String)> =
                sqlx::query_as("SELECT id, left_out FROM reviews WHERE left_out LIKE $1")
                    .bind(&spaced)
                    .fetch_all(&mut *tx)
                    .await?;
            for (id, left_out) in lists {
                let kept = without_user(&left_out, user_id);
                if kept != left_out {
                    sqlx::query("UPDATE reviews SET left_out = $1 WHERE id = $2")
                        .bind(kept)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    forgotten.left_out_lists += 1;
                }
            }
            tx.commit().await?;
            Ok(forgotten)
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_persons_own_left_out_line_goes() {
        let list = "U0BOT is a bot\nU0CAROL has left the workspace\nU0CAROLINE is away\n";
        assert_eq!(
            super::without_user(list, "U0CAROL"),
            "U0BOT is a bot\nU0CAROLINE is away\n"
        );
        assert_eq!(super::without_user(list, "U0NOBODY"), list);
    }
}

/// The rows a workspace owns, table by table, in an order that deletes children first.
/// The anonymous tables come first and are deleted in their own transaction.
const ANONYMOUS_OF_TEAM: &[(&str, &str)] = &[
    (
        "responses",
        "review_id IN (SELECT id FROM reviews WHERE team_id = $1)",
    ),
    (
        "observations",
        "review_id IN (SELECT id FROM reviews WHERE team_id = $1)",
    ),
    (
        "pulse_responses",
        "pulse_id IN (SELECT id FROM pulses WHERE team_id = $1)",
    ),
];
const NAMED_OF_TEAM: &[(&str, &str)] = &[
    (
        "action_item_history",
        "item_id IN (SELECT id FROM action_items WHERE team_id = $1)",
    ),
    ("action_items", "team_id = $1"),
    (
        "counterfactuals",
        "review_id IN (SELECT id FROM reviews WHERE team_id = $1)",
    ),
    (
        "agenda_messages",
        "review_id IN (SELECT id FROM reviews WHERE team_id = $1)",
    ),
    (
        "participants",
        "review_id IN (SELECT id FROM reviews WHERE team_id = $1)",
    ),
    (
        "participation",
        "review_id IN (SELECT id FROM reviews WHERE team_id = $1)",
    ),
    (
        "checkins",
        "review_id IN (SELECT id FROM reviews WHERE team_id = $1)",
    ),
    ("reviews", "team_id = $1"),
    ("survey_templates", "team_id = $1"),
    (
        "incident_ledger",
        "incident_id IN (SELECT id FROM incidents WHERE team_id = $1)",
    ),
    ("incidents", "team_id = $1"),
    ("services", "team_id = $1"),
    ("mode_merges", "team_id = $1"),
    ("trials", "team_id = $1"),
    ("learnings_lookups", "team_id = $1"),
    ("learning_review_posts", "team_id = $1"),
    ("learning_review_schedules", "team_id = $1"),
    (
        "pulse_invitees",
        "pulse_id IN (SELECT id FROM pulses WHERE team_id = $1)",
    ),
    ("pulses", "team_id = $1"),
    ("pulse_opt_outs", "team_id = $1"),
    ("pulse_schedules", "team_id = $1"),
    // Jobs queued while acting for the workspace (OAuth installs; NULL for SLACK_BOT_TOKEN's).
    ("jobs", "team_id = $1"),
    ("workspaces", "team_id = $1"),
];
/// Tables no workspace owns: cleared only when the purged workspace is the only one.
const SHARED: &[&str] = &[
    "jobs",
    "outbox",
    "processed_events",
    "slack_users",
    "digest_opt_outs",
];

/// What `purge` found (and, unless it was a dry run, deleted), table by table.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Purged {
    pub tables: Vec<(&'static str, u64)>,
    /// False when another workspace's rows are in the database, or the purged id owns
    /// none: the shared tables stay.
    pub shared_cleared: bool,
}

impl Store {
    /// Deletes everything a workspace owns (`dry_run`: only counts it). Anonymous content
    /// goes in a transaction of its own, before the rows that name people.
    pub async fn purge_team(&self, team_id: &str, dry_run: bool) -> anyhow::Result<Purged> {
        // Which workspaces have rows: every table with a `team_id` column is asked, not
        // only incidents, since a workspace may so far have only an install, a pulse or its
        // queued jobs. A job queued for the single-token workspace has no team (NULL), and
        // `<>` never matches NULL, so such jobs count for nobody.
        let teams_with_rows = |comparison: &str| -> String {
            let selects: Vec<String> = NAMED_OF_TEAM
                .iter()
                .filter(|(_, condition)| *condition == "team_id = $1")
                .map(|(table, _)| {
                    format!("SELECT team_id FROM {table} WHERE team_id {comparison} $1")
                })
                .collect();
            format!(
                "SELECT COUNT(*) FROM ({}) AS teams",
                selects.join(" UNION ")
            )
        };
        let others_sql = teams_with_rows("<>");
        let own_sql = teams_with_rows("=");
        let verb = if dry_run {
            "SELECT COUNT(*) FROM"
        } else {
            "DELETE FROM"
        };
        on_db!(self, "purge a workspace", |pool| {
            let others: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(others_sql.as_str()))
                .bind(team_id)
                .fetch_one(pool)
                .await?;
            let owns_rows: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(own_sql.as_str()))
                .bind(team_id)
                .fetch_one(pool)
                .await?;
            // The tables no workspace owns go only with the last workspace that has rows
            // here, never for an id that owns nothing (a typo must not take the opt-outs
            // of the workspace that is really installed).
            let clear_shared = others == 0 && owns_rows > 0;
            let mut purged = Purged {
                tables: Vec::new(),
                shared_cleared: clear_shared,
            };
            let shared: Vec<(&'static str, &'static str)> = if clear_shared {
                SHARED.iter().map(|t| (*t, "TRUE OR $1 = $1")).collect()
            } else {
                Vec::new()
            };
            for group in [ANONYMOUS_OF_TEAM, NAMED_OF_TEAM, shared.as_slice()] {
                let mut tx = pool.begin_write().await?;
                for (table, condition) in group {
                    let sql = format!("{verb} {table} WHERE {condition}");
                    let n = if dry_run {
                        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                            .bind(team_id)
                            .fetch_one(&mut *tx)
                            .await?;
                        n as u64
                    } else {
                        sqlx::query(sqlx::AssertSqlSafe(sql))
                            .bind(team_id)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected()
                    };
                    purged.tables.push((table, n));
                }
                tx.commit().await?;
            }
            Ok(purged)
        })
    }
}
