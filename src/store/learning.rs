//! Purpose: what the quarterly learning review reads, a workspace at a time: a few queries
//! that stream their rows to the caller (one per table, in id order, so items and their
//! history meet in a merge join), and the claim that keeps the automatic post to one.

use futures_util::TryStreamExt;
use jiff::Timestamp;

use super::{Store, on_db};
use crate::domain::ReviewId;

/// An incident as the report needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IncidentRow {
    pub id: i64,
    pub title: String,
    pub severity: Option<String>,
    pub services: String,
    pub failure_mode: Option<String>,
    pub vendor: Option<String>,
    pub deploy_related: Option<bool>,
    pub deployed_at: Option<i64>,
    pub started_at: Option<i64>,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
    pub recurrence_of: Option<i64>,
}

/// An action item as the report needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemRow {
    pub id: i64,
    pub incident_id: Option<i64>,
    pub title: String,
    pub owner_id: Option<String>,
    pub kind: Option<String>,
    pub services: String,
    pub failure_mode: Option<String>,
    pub due_on: Option<String>,
    pub url: Option<String>,
    pub individual: bool,
    pub created_at: i64,
}

/// One status change of an item.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChangeRow {
    pub item_id: i64,
    pub at: i64,
    pub actor: String,
    pub status: String,
    pub reason: Option<String>,
}

/// A review, how it was run, and its survey turnout.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReviewRow {
    pub id: i64,
    pub incident_id: i64,
    pub meeting_at: Option<i64>,
    pub done_at: Option<i64>,
    pub min_responses: i64,
    pub observations_live: bool,
    pub survey_sent_at: Option<i64>,
    pub invited: i64,
    pub answered: i64,
    pub checkins: i64,
    pub turn_seconds: Option<i64>,
}

/// A counterfactual with its incident.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CounterfactualRow {
    pub id: i64,
    pub incident_id: i64,
    pub body: String,
    pub control: String,
    pub cost: String,
    pub reach: String,
    pub created_at: i64,
    pub has_item: bool,
}

/// Survey answers of a vendor incident's review (JSON, question id → answer); read only
/// for reviews whose answers reached their k-floor.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VendorAnswersRow {
    pub review_id: ReviewId,
    pub incident_id: i64,
    /// The response as shown to the facilitator: sealed, and set only past the k-floor.
    pub shown: Vec<u8>,
}

/// Separates the fields of one packed row, and packed rows from each other. Typed text
/// has these two control characters replaced by spaces on the way out.
const FIELD: char = '\u{1f}';
const RECORD: char = '\u{1e}';

/// Rows are read packed: one result row carries a few thousand records, joined with
/// `string_agg` (SQLite 3.44+ and PostgreSQL), because both drivers pay microseconds per
/// row, which dominated the learning review at 100,000 incidents.
macro_rules! packed {
    ($($field:expr),+ $(,)?) => {
        concat!("string_agg(", packed!(@join $($field),+), ", '\u{1e}' ORDER BY ")
    };
    (@join $first:expr $(, $rest:expr)*) => {
        concat!($first $(, " || '\u{1f}' || ", $rest)*)
    };
}

/// Text typed by a person, safe to pack.
macro_rules! clean {
    ($column:expr) => {
        concat!(
            "replace(replace(",
            $column,
            ", '\u{1e}', ' '), '\u{1f}', ' ')"
        )
    };
}

/// Streams the records of a packed query to `each`, as their fields.
fn unpack(chunk: &str, fields: usize, mut each: impl FnMut(&[&str])) -> anyhow::Result<()> {
    let mut parts: Vec<&str> = Vec::with_capacity(fields);
    for record in chunk.split(RECORD) {
        parts.clear();
        parts.extend(record.split(FIELD));
        anyhow::ensure!(
            parts.len() == fields,
            "a packed row has {} fields, not {fields}",
            parts.len()
        );
        each(&parts);
    }
    Ok(())
}

fn int(field: &str) -> anyhow::Result<i64> {
    Ok(field.parse()?)
}

fn opt_int(field: &str) -> anyhow::Result<Option<i64>> {
    Ok(if field.is_empty() {
        None
    } else {
        Some(field.parse()?)
    })
}

fn opt_text(field: &str) -> Option<String> {
    (!field.is_empty()).then(|| field.to_string())
}

fn flag(field: &str) -> Option<bool> {
    match field {
        "1" | "true" | "t" => Some(true),
        "0" | "false" | "f" => Some(false),
        _ => None,
    }
}

impl Store {
    /// Every incident of a workspace, in id order, one at a time.
    pub async fn each_incident(
        &self,
        team_id: &str,
        each: impl FnMut(IncidentRow),
    ) -> anyhow::Result<()> {
        const SQL: &str = concat!(
            "SELECT ",
            packed!(
                "CAST(id AS TEXT)",
                clean!("title"),
                "COALESCE(severity, '')",
                "services",
                "COALESCE(failure_mode, '')",
                concat!("COALESCE(", clean!("vendor"), ", '')"),
                "CASE WHEN deploy_related IS NULL THEN '' WHEN deploy_related THEN '1' ELSE '0' END",
                "COALESCE(CAST(deployed_at AS TEXT), '')",
                "COALESCE(CAST(started_at AS TEXT), '')",
                "CAST(created_at AS TEXT)",
                "COALESCE(CAST(resolved_at AS TEXT), '')",
                "COALESCE(CAST(recurrence_of AS TEXT), '')",
            ),
            "id) FROM incidents WHERE team_id = $1 GROUP BY id / 4096 ORDER BY id / 4096"
        );
        self.each_packed(
            SQL,
            team_id,
            None,
            12,
            "learning review: an incident row is unreadable",
            |f| -> anyhow::Result<IncidentRow> {
                Ok(IncidentRow {
                    id: int(f[0])?,
                    title: f[1].to_string(),
                    severity: opt_text(f[2]),
                    services: f[3].to_string(),
                    failure_mode: opt_text(f[4]),
                    vendor: opt_text(f[5]),
                    deploy_related: flag(f[6]),
                    deployed_at: opt_int(f[7])?,
                    started_at: opt_int(f[8])?,
                    created_at: int(f[9])?,
                    resolved_at: opt_int(f[10])?,
                    recurrence_of: opt_int(f[11])?,
                })
            },
            each,
        )
        .await
    }

    /// The action items of a workspace that can matter from `since` on, in id order: every
    /// item except those already done before then (which no figure of a later window reads).
    pub async fn each_item(
        &self,
        team_id: &str,
        since: Timestamp,
        each: impl FnMut(ItemRow),
    ) -> anyhow::Result<()> {
        const SQL: &str = concat!(
            "SELECT ",
            packed!(
                "CAST(id AS TEXT)",
                "COALESCE(CAST(incident_id AS TEXT), '')",
                clean!("title"),
                concat!("COALESCE(", clean!("owner_id"), ", '')"),
                "COALESCE(kind, '')",
                "services",
                "COALESCE(failure_mode, '')",
                "COALESCE(due_on, '')",
                concat!("COALESCE(", clean!("url"), ", '')"),
                "CASE WHEN individual THEN '1' ELSE '0' END",
                "CAST(created_at AS TEXT)",
            ),
            "id) FROM action_items WHERE team_id = $1 AND NOT (status = 'done' AND updated_at < $2)
              GROUP BY id / 4096 ORDER BY id / 4096"
        );
        self.each_packed(
            SQL,
            team_id,
            Some(since.as_second()),
            11,
            "learning review: an action item row is unreadable",
            |f| -> anyhow::Result<ItemRow> {
                Ok(ItemRow {
                    id: int(f[0])?,
                    incident_id: opt_int(f[1])?,
                    title: f[2].to_string(),
                    owner_id: opt_text(f[3]),
                    kind: opt_text(f[4]),
                    services: f[5].to_string(),
                    failure_mode: opt_text(f[6]),
                    due_on: opt_text(f[7]),
                    url: opt_text(f[8]),
                    individual: flag(f[9]).unwrap_or(false),
                    created_at: int(f[10])?,
                })
            },
            each,
        )
        .await
    }

    /// Every status change of the same items, by item id then time.
    pub async fn each_status_change(
        &self,
        team_id: &str,
        since: Timestamp,
        each: impl FnMut(ChangeRow),
    ) -> anyhow::Result<()> {
        const SQL: &str = concat!(
            "SELECT ",
            packed!(
                "CAST(h.item_id AS TEXT)",
                "CAST(h.at AS TEXT)",
                clean!("h.actor"),
                "h.status",
                concat!("COALESCE(", clean!("h.reason"), ", '')"),
            ),
            "h.item_id, h.at, h.id)
               FROM action_item_history h JOIN action_items a ON a.id = h.item_id
              WHERE a.team_id = $1 AND h.change IN ('status', 'import')
                AND NOT (a.status = 'done' AND a.updated_at < $2)
              GROUP BY h.item_id / 4096 ORDER BY h.item_id / 4096"
        );
        self.each_packed(
            SQL,
            team_id,
            Some(since.as_second()),
            5,
            "learning review: a history row is unreadable",
            |f| -> anyhow::Result<ChangeRow> {
                Ok(ChangeRow {
                    item_id: int(f[0])?,
                    at: int(f[1])?,
                    actor: f[2].to_string(),
                    status: f[3].to_string(),
                    reason: opt_text(f[4]),
                })
            },
            each,
        )
        .await
    }

    /// Runs a packed query and hands each record, parsed by `parse`, to `each`. A record
    /// that does not parse fails the whole read with `what`, after its chunk.
    #[allow(clippy::too_many_arguments)]
    async fn each_packed<T>(
        &self,
        sql: &'static str,
        team_id: &str,
        since: Option<i64>,
        fields: usize,
        what: &'static str,
        parse: impl Fn(&[&str]) -> anyhow::Result<T>,
        mut each: impl FnMut(T),
    ) -> anyhow::Result<()> {
        let mut chunks = Vec::new();
        self.each_chunk(sql, team_id, since, |chunk| chunks.push(chunk))
            .await?;
        for chunk in chunks {
            let mut failed = None;
            unpack(&chunk, fields, |f| match parse(f) {
                Ok(row) => each(row),
                Err(err) => failed = Some(err),
            })?;
            if let Some(err) = failed {
                return Err(err.context(what));
            }
        }
        Ok(())
    }

    /// Runs a packed query and hands each chunk (one result row) over as it arrives.
    async fn each_chunk(
        &self,
        sql: &'static str,
        team_id: &str,
        since: Option<i64>,
        mut each: impl FnMut(String),
    ) -> anyhow::Result<()> {
        on_db!(self, "learning review: packed rows", |pool| {
            let mut query = sqlx::query_scalar::<_, Option<String>>(sql).bind(team_id);
            if let Some(since) = since {
                query = query.bind(since);
            }
            let mut rows = query.fetch(pool);
            while let Some(chunk) = rows.try_next().await? {
                each(chunk.unwrap_or_default());
            }
            Ok(())
        })
    }

    /// A workspace's reviews with how they were run.
    pub async fn learning_reviews(&self, team_id: &str) -> anyhow::Result<Vec<ReviewRow>> {
        const SQL: &str = "SELECT r.id, r.incident_id, r.meeting_at, r.done_at, r.min_responses, r.observations_live,
                                  r.survey_sent_at,
                                  (SELECT COUNT(*) FROM participants p WHERE p.review_id = r.id) AS invited,
                                  (SELECT COUNT(*) FROM responses s WHERE s.review_id = r.id) AS answered,
                                  (SELECT COUNT(*) FROM checkins c WHERE c.review_id = r.id) AS checkins,
                                  (SELECT MIN(c.turn_seconds) FROM checkins c WHERE c.review_id = r.id) AS turn_seconds
                             FROM reviews r WHERE r.team_id = $1 ORDER BY r.id";
        on_db!(self, "learning review: reviews", |pool| Ok(sqlx::query_as(
            SQL
        )
        .bind(team_id)
        .fetch_all(pool)
        .await?))
    }

    /// Participants of a workspace's reviews: (review, user).
    pub async fn learning_participants(&self, team_id: &str) -> anyhow::Result<Vec<(i64, String)>> {
        const SQL: &str =
            "SELECT p.review_id, p.user_id FROM participants p JOIN reviews r ON r.id = p.review_id
                            WHERE r.team_id = $1";
        on_db!(self, "learning review: participants", |pool| Ok(
            sqlx::query_as(SQL).bind(team_id).fetch_all(pool).await?
        ))
    }

    /// Who spoke in a workspace's reviews: (review, user, messages, shared in a check-in).
    pub async fn learning_participation(
        &self,
        team_id: &str,
    ) -> anyhow::Result<Vec<(i64, String, i64, bool)>> {
        const SQL: &str = "SELECT p.review_id, p.user_id, p.messages, p.checkin_shared
                             FROM participation p JOIN reviews r ON r.id = p.review_id WHERE r.team_id = $1";
        on_db!(self, "learning review: participation", |pool| Ok(
            sqlx::query_as(SQL).bind(team_id).fetch_all(pool).await?
        ))
    }

    pub async fn learning_counterfactuals(
        &self,
        team_id: &str,
    ) -> anyhow::Result<Vec<CounterfactualRow>> {
        const SQL: &str = "SELECT c.id, r.incident_id, c.body, c.control, c.cost, c.reach, c.created_at,
                                  EXISTS (SELECT 1 FROM action_items a WHERE a.counterfactual_id = c.id) AS has_item
                             FROM counterfactuals c JOIN reviews r ON r.id = c.review_id
                            WHERE r.team_id = $1 ORDER BY c.id";
        on_db!(self, "learning review: counterfactuals", |pool| Ok(
            sqlx::query_as(SQL).bind(team_id).fetch_all(pool).await?
        ))
    }

    /// Survey answers of vendor incidents whose reviews reached their k-floor. Below it
    /// nothing is read, so no figure can rest on fewer than k people.
    pub async fn vendor_answers(&self, team_id: &str) -> anyhow::Result<Vec<VendorAnswersRow>> {
        // Only what the facilitator was already shown: that is set once the k-floor is met.
        const SQL: &str = "SELECT r.id AS review_id, r.incident_id, s.shown
                             FROM responses s
                             JOIN reviews r ON r.id = s.review_id
                             JOIN incidents i ON i.id = r.incident_id
                            WHERE r.team_id = $1 AND i.vendor IS NOT NULL AND s.shown IS NOT NULL
                            ORDER BY r.incident_id, s.id";
        on_db!(self, "learning review: vendor answers", |pool| Ok(
            sqlx::query_as(SQL).bind(team_id).fetch_all(pool).await?
        ))
    }

    /// Named trials: (name, first day).
    pub async fn trials(&self, team_id: &str) -> anyhow::Result<Vec<(String, String)>> {
        const SQL: &str =
            "SELECT name, starts_on FROM trials WHERE team_id = $1 ORDER BY starts_on, name";
        on_db!(self, "learning review: trials", |pool| Ok(sqlx::query_as(
            SQL
        )
        .bind(team_id)
        .fetch_all(pool)
        .await?))
    }

    /// `learnings` lookups per quarter: (quarter, count).
    pub async fn lookup_counts(&self, team_id: &str) -> anyhow::Result<Vec<(String, i64)>> {
        const SQL: &str = "SELECT quarter, count FROM learnings_lookups WHERE team_id = $1";
        on_db!(self, "learning review: lookups", |pool| Ok(sqlx::query_as(
            SQL
        )
        .bind(team_id)
        .fetch_all(pool)
        .await?))
    }

    /// The workspace with the most incidents: debrief runs with one bot token, so one
    /// workspace, and this finds it for the automatic post and the offline commands.
    pub async fn busiest_team(&self) -> anyhow::Result<Option<String>> {
        const SQL: &str = "SELECT team_id FROM incidents GROUP BY team_id ORDER BY COUNT(*) DESC, team_id LIMIT 1";
        on_db!(self, "busiest team", |pool| Ok(sqlx::query_scalar(SQL)
            .fetch_optional(pool)
            .await?))
    }

    /// Claims the automatic post of `quarter` for `team_id`. Only the first claim
    /// succeeds, whichever worker, replica or re-queued job makes it; a claim that never
    /// finished posting is taken over once `stale_before` has passed since it was made.
    pub async fn claim_learning_review_post(
        &self,
        team_id: &str,
        quarter: &str,
        worker: &str,
        now: Timestamp,
        stale_before: Timestamp,
    ) -> anyhow::Result<bool> {
        const CLAIM: &str = "INSERT INTO learning_review_posts (team_id, quarter, claimed_by, claimed_at) VALUES ($1, $2, $3, $4)
                             ON CONFLICT (team_id, quarter) DO UPDATE SET claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at
                             WHERE learning_review_posts.posted_at IS NULL
                               AND (learning_review_posts.claimed_by = excluded.claimed_by
                                    OR learning_review_posts.claimed_at < $5)";
        let affected = on_db!(self, "claim learning review post", |pool| Ok(sqlx::query(
            CLAIM
        )
        .bind(team_id)
        .bind(quarter)
        .bind(worker)
        .bind(now.as_second())
        .bind(stale_before.as_second())
        .execute(pool)
        .await?
        .rows_affected()))?;
        Ok(affected == 1)
    }

    /// Records that the automatic post of `quarter` went out for `team_id`.
    pub async fn finish_learning_review_post(
        &self,
        team_id: &str,
        quarter: &str,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        const SQL: &str =
            "UPDATE learning_review_posts SET posted_at = $3 WHERE team_id = $1 AND quarter = $2";
        on_db!(self, "finish learning review post", |pool| {
            sqlx::query(SQL)
                .bind(team_id)
                .bind(quarter)
                .bind(now.as_second())
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// The workspace's own channel for the automatic learning review, and who chose it.
    pub async fn learning_review_schedule(
        &self,
        team_id: &str,
    ) -> anyhow::Result<Option<LearningReviewSchedule>> {
        const SQL: &str =
            "SELECT team_id, channel_id, set_by FROM learning_review_schedules WHERE team_id = $1";
        on_db!(self, "learning review schedule", |pool| Ok(sqlx::query_as(
            SQL
        )
        .bind(team_id)
        .fetch_optional(pool)
        .await?))
    }

    /// Makes `channel_id` the workspace's channel for the automatic learning review, as
    /// chosen by `set_by`.
    pub async fn set_learning_review_channel(
        &self,
        team_id: &str,
        channel_id: &str,
        set_by: &str,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        const SQL: &str = "INSERT INTO learning_review_schedules (team_id, channel_id, set_by, created_at) VALUES ($1, $2, $3, $4)
                           ON CONFLICT (team_id) DO UPDATE SET channel_id = excluded.channel_id, set_by = excluded.set_by, created_at = excluded.created_at";
        on_db!(self, "set learning review channel", |pool| {
            sqlx::query(SQL)
                .bind(team_id)
                .bind(channel_id)
                .bind(set_by)
                .bind(now.as_second())
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Stops the workspace's automatic learning review.
    pub async fn remove_learning_review_channel(&self, team_id: &str) -> anyhow::Result<()> {
        const SQL: &str = "DELETE FROM learning_review_schedules WHERE team_id = $1";
        on_db!(self, "remove learning review channel", |pool| {
            sqlx::query(SQL).bind(team_id).execute(pool).await?;
            Ok(())
        })
    }

    /// Every workspace's own channel for the automatic learning review.
    pub async fn learning_review_channels(&self) -> anyhow::Result<Vec<LearningReviewSchedule>> {
        const SQL: &str =
            "SELECT team_id, channel_id, set_by FROM learning_review_schedules ORDER BY team_id";
        on_db!(self, "learning review channels", |pool| Ok(sqlx::query_as(
            SQL
        )
        .fetch_all(pool)
        .await?))
    }
}

/// A workspace's choice of channel for its quarterly learning review.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LearningReviewSchedule {
    pub team_id: String,
    pub channel_id: String,
    /// Who chose it; `None` for choices made before debrief recorded it.
    pub set_by: Option<String>,
}

/// An incident found by a `learnings` lookup, with where it lives.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct FoundIncident {
    pub id: i64,
    pub channel_id: String,
    pub external_id: Option<String>,
    pub title: String,
    pub severity: Option<String>,
    pub services: String,
    pub failure_mode: Option<String>,
    pub occurred_at: i64,
    pub review_id: Option<i64>,
}

/// What a lookup asks for; words are matched case-insensitively anywhere in a title.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LookupQuery {
    pub service: Option<String>,
    pub mode: Option<String>,
    /// `%words%`, lower case.
    pub pattern: Option<String>,
}

impl Store {
    /// Incidents matching a lookup, newest first, at most `limit`; words also match the
    /// incident's counterfactuals and action items.
    pub async fn find_incidents(
        &self,
        team_id: &str,
        query: &LookupQuery,
        limit: i64,
    ) -> anyhow::Result<Vec<FoundIncident>> {
        const SQL: &str = "SELECT i.id, i.channel_id, i.external_id, i.title, i.severity, i.services, i.failure_mode,
                                  COALESCE(i.started_at, i.created_at) AS occurred_at,
                                  (SELECT r.id FROM reviews r WHERE r.incident_id = i.id) AS review_id
                             FROM incidents i
                            WHERE i.team_id = $1
                              AND ($2 IS NULL OR ',' || i.services || ',' LIKE '%,' || $2 || ',%')
                              AND ($3 IS NULL OR i.failure_mode = $3)
                              AND ($4 IS NULL OR LOWER(i.title) LIKE $4 OR LOWER(COALESCE(i.vendor, '')) LIKE $4
                                   OR EXISTS (SELECT 1 FROM action_items a WHERE a.incident_id = i.id AND LOWER(a.title) LIKE $4)
                                   OR EXISTS (SELECT 1 FROM counterfactuals c JOIN reviews r ON r.id = c.review_id
                                               WHERE r.incident_id = i.id AND LOWER(c.body) LIKE $4))
                            ORDER BY COALESCE(i.started_at, i.created_at) DESC, i.id DESC
                            LIMIT $5";
        on_db!(self, "find incidents", |pool| Ok(sqlx::query_as(SQL)
            .bind(team_id)
            .bind(&query.service)
            .bind(&query.mode)
            .bind(&query.pattern)
            .bind(limit)
            .fetch_all(pool)
            .await?))
    }

    /// Whether a tag is a service, or a failure mode, of some incident of the workspace.
    pub async fn tag_kind(&self, team_id: &str, tag: &str) -> anyhow::Result<(bool, bool)> {
        const SQL: &str = "SELECT
                EXISTS (SELECT 1 FROM incidents WHERE team_id = $1 AND ',' || services || ',' LIKE '%,' || $2 || ',%'),
                EXISTS (SELECT 1 FROM incidents WHERE team_id = $1 AND failure_mode = $2)";
        on_db!(self, "tag kind", |pool| Ok(sqlx::query_as(SQL)
            .bind(team_id)
            .bind(tag)
            .fetch_one(pool)
            .await?))
    }

    /// An incident's action items: (id, title, status, url).
    pub async fn items_of_incident(
        &self,
        incident_id: i64,
    ) -> anyhow::Result<Vec<(i64, String, String, Option<String>)>> {
        const SQL: &str =
            "SELECT id, title, status, url FROM action_items WHERE incident_id = $1 ORDER BY id";
        on_db!(self, "items of incident", |pool| Ok(sqlx::query_as(SQL)
            .bind(incident_id)
            .fetch_all(pool)
            .await?))
    }
}
