//! Purpose: survey responses, stored so that no copy of the database can tie them to people
//! or to the order they arrived in.
//!
//! A row holds a random id, the review, the keyed respondent hash and two sealed values:
//! what the respondent wrote (`sealed`) and the version the facilitator may see (`shown`).
//! No user id, no time, no plaintext; and saving an answer writes nothing else, so no
//! transaction (and no write-ahead log frame) pairs a person with an answer. The sealing
//! and the keyed hash happen in the feature, which holds the key; this module only stores.

use crate::domain::ReviewId;

use super::{BeginWrite, Db, LOCK_REVIEW_ROWS, Store, on_db, random_id};

/// Why a response was not saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseRefused {
    SurveyNotOpen,
    NotAParticipant,
}

/// When changes become visible to the facilitator: `k` respondents other than the
/// facilitator (whose own answer tells them nothing) before the first reveal. After it,
/// new respondents appear only `k` at a time, and edits are shown only `k` respondents at
/// a time: one new pseudonym alone would be whoever was added last, and one changed
/// answer alone would be whoever said in the channel that they had just edited theirs.
/// The facilitator's own answer is shown at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevealRule {
    pub k: i64,
    /// The facilitator's respondent key, left out of every count.
    pub facilitator_key: String,
}

/// One stored response.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ResponseRow {
    pub respondent_key: String,
    pub sealed: Vec<u8>,
    pub shown: Option<Vec<u8>>,
}

/// What the facilitator may see of a review's survey.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShownResponses {
    /// Sealed, in storage order (callers shuffle before showing).
    pub sealed: Vec<Vec<u8>>,
    /// Responses that are new or changed since they were last shown, held back until
    /// enough people changed theirs.
    pub held_back: usize,
}

// A response is "pending" when it is new or changed since it was last shown:
// `shown IS NULL OR shown <> sealed`, spelled out in each statement below.

impl Store {
    /// Saves (or replaces) one respondent's response. `seal` is given the respondent's
    /// stored value (when editing) and every sealed value of the review (to pick an unused
    /// pseudonym), and returns what to store. When the answers were already revealed and
    /// this change completes a batch under `rule`, the batch is released with it.
    /// Returns whether the row is new.
    pub async fn save_response(
        &self,
        review_id: ReviewId,
        user_id: &str,
        respondent_key: &str,
        rule: &RevealRule,
        seal: impl FnOnce(Option<&[u8]>, &[Vec<u8>]) -> anyhow::Result<Vec<u8>>,
    ) -> anyhow::Result<Result<bool, ResponseRefused>> {
        const STATUS: &str = "SELECT survey_status, answers_revealed FROM reviews WHERE id = $1";
        // A read: who may answer is checked, and nothing naming them is written.
        const IS_PARTICIPANT: &str =
            "SELECT COUNT(*) FROM participants WHERE review_id = $1 AND user_id = $2";
        const ALL: &str =
            "SELECT respondent_key, sealed, shown FROM responses WHERE review_id = $1";
        const UPDATE: &str =
            "UPDATE responses SET sealed = $3 WHERE review_id = $1 AND respondent_key = $2";
        const INSERT: &str =
            "INSERT INTO responses (id, review_id, respondent_key, sealed) VALUES ($1, $2, $3, $4)";
        const PENDING_OTHERS: &str = "SELECT
              COALESCE(SUM(CASE WHEN shown IS NULL THEN 1 ELSE 0 END), 0),
              COALESCE(SUM(CASE WHEN shown IS NOT NULL AND shown <> sealed THEN 1 ELSE 0 END), 0)
              FROM responses WHERE review_id = $1 AND respondent_key <> $2";
        const RELEASE_NEW: &str =
            "UPDATE responses SET shown = sealed WHERE review_id = $1 AND shown IS NULL";
        const RELEASE_EDITS: &str = "UPDATE responses SET shown = sealed
                                      WHERE review_id = $1 AND shown IS NOT NULL AND shown <> sealed";
        const RELEASE_OWN: &str =
            "UPDATE responses SET shown = sealed WHERE review_id = $1 AND respondent_key = $2";
        let lock_review = matches!(self.db, Db::Postgres(_));
        on_db!(self, "save a survey response", |pool| {
            let mut tx = pool.begin_write().await?;
            if lock_review {
                // Writers of one review queue here, so two new respondents never pick the
                // same pseudonym and a batch is released once.
                sqlx::query(LOCK_REVIEW_ROWS)
                    .bind(review_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let status: Option<(String, bool)> = sqlx::query_as(STATUS)
                .bind(review_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((_, revealed)) = status.filter(|(status, _)| status == "open") else {
                return Ok(Err(ResponseRefused::SurveyNotOpen));
            };
            let member: i64 = sqlx::query_scalar(IS_PARTICIPANT)
                .bind(review_id)
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?;
            if member == 0 {
                return Ok(Err(ResponseRefused::NotAParticipant));
            }
            let rows: Vec<ResponseRow> = sqlx::query_as(ALL)
                .bind(review_id)
                .fetch_all(&mut *tx)
                .await?;
            let own = rows.iter().find(|r| r.respondent_key == respondent_key);
            let all: Vec<Vec<u8>> = rows.iter().map(|r| r.sealed.clone()).collect();
            let sealed = seal(own.map(|r| r.sealed.as_slice()), &all)?;
            let created = own.is_none();
            if created {
                sqlx::query(INSERT)
                    .bind(random_id())
                    .bind(review_id)
                    .bind(respondent_key)
                    .bind(&sealed)
                    .execute(&mut *tx)
                    .await?;
            } else {
                sqlx::query(UPDATE)
                    .bind(review_id)
                    .bind(respondent_key)
                    .bind(&sealed)
                    .execute(&mut *tx)
                    .await?;
            }
            if revealed {
                // A batch goes out once k other people are in it; a lone change (a late
                // participant's first answer) waits for company.
                let (new, edits): (i64, i64) = sqlx::query_as(PENDING_OTHERS)
                    .bind(review_id)
                    .bind(&rule.facilitator_key)
                    .fetch_one(&mut *tx)
                    .await?;
                if new >= rule.k {
                    sqlx::query(RELEASE_NEW)
                        .bind(review_id)
                        .execute(&mut *tx)
                        .await?;
                }
                if edits >= rule.k {
                    sqlx::query(RELEASE_EDITS)
                        .bind(review_id)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query(RELEASE_OWN)
                    .bind(review_id)
                    .bind(&rule.facilitator_key)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(Ok(created))
        })
    }

    /// The respondent's own sealed response, found through their keyed hash.
    pub async fn own_response(
        &self,
        review_id: ReviewId,
        respondent_key: &str,
    ) -> anyhow::Result<Option<Vec<u8>>> {
        const SQL: &str =
            "SELECT sealed FROM responses WHERE review_id = $1 AND respondent_key = $2";
        on_db!(self, "load one's own survey response", |pool| Ok(
            sqlx::query_scalar(SQL)
                .bind(review_id)
                .bind(respondent_key)
                .fetch_optional(pool)
                .await?
        ))
    }

    /// The keyed hashes of everyone who answered. Only a holder of the key can tell whose
    /// they are (reminders and the App Home compare them with the key, in memory).
    pub async fn respondent_keys(&self, review_id: ReviewId) -> anyhow::Result<Vec<String>> {
        const SQL: &str = "SELECT respondent_key FROM responses WHERE review_id = $1";
        on_db!(self, "list respondent keys", |pool| Ok(sqlx::query_scalar(
            SQL
        )
        .bind(review_id)
        .fetch_all(pool)
        .await?))
    }

    /// What the facilitator may see. The first call with `k` respondents other than the
    /// facilitator reveals every answer at once; later changes come out in batches
    /// (see [`Store::save_response`]), so a participant added late cannot be singled out.
    pub async fn shown_responses(
        &self,
        review_id: ReviewId,
        rule: &RevealRule,
    ) -> anyhow::Result<ShownResponses> {
        const REVEALED: &str = "SELECT answers_revealed FROM reviews WHERE id = $1";
        const OTHERS: &str =
            "SELECT COUNT(*) FROM responses WHERE review_id = $1 AND respondent_key <> $2";
        const SHOW_ALL: &str = "UPDATE responses SET shown = sealed WHERE review_id = $1";
        const MARK: &str = "UPDATE reviews SET answers_revealed = TRUE WHERE id = $1";
        const SHOWN: &str =
            "SELECT shown FROM responses WHERE review_id = $1 AND shown IS NOT NULL ORDER BY id";
        const HELD: &str = "SELECT COUNT(*) FROM responses
                             WHERE review_id = $1 AND (shown IS NULL OR shown <> sealed)";
        let lock_review = matches!(self.db, Db::Postgres(_));
        on_db!(self, "load the responses the facilitator may see", |pool| {
            let mut tx = pool.begin_write().await?;
            if lock_review {
                sqlx::query(LOCK_REVIEW_ROWS)
                    .bind(review_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let revealed: bool = sqlx::query_scalar(REVEALED)
                .bind(review_id)
                .fetch_optional(&mut *tx)
                .await?
                .unwrap_or(false);
            if !revealed {
                let others: i64 = sqlx::query_scalar(OTHERS)
                    .bind(review_id)
                    .bind(&rule.facilitator_key)
                    .fetch_one(&mut *tx)
                    .await?;
                if others >= rule.k {
                    sqlx::query(SHOW_ALL)
                        .bind(review_id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(MARK).bind(review_id).execute(&mut *tx).await?;
                }
            }
            let sealed: Vec<Vec<u8>> = sqlx::query_scalar(SHOWN)
                .bind(review_id)
                .fetch_all(&mut *tx)
                .await?;
            let held_back: i64 = sqlx::query_scalar(HELD)
                .bind(review_id)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(ShownResponses {
                sealed,
                held_back: held_back as usize,
            })
        })
    }

    /// How many people answered (a count, never who), and how many of them are not
    /// `facilitator_key` (the count the k-floor is about).
    pub async fn response_counts(
        &self,
        review_id: ReviewId,
        facilitator_key: &str,
    ) -> anyhow::Result<(i64, i64)> {
        const SQL: &str = "SELECT COUNT(*),
                                  COALESCE(SUM(CASE WHEN respondent_key <> $2 THEN 1 ELSE 0 END), 0)
                             FROM responses WHERE review_id = $1";
        on_db!(self, "count survey responses", |pool| Ok(sqlx::query_as(
            SQL
        )
        .bind(review_id)
        .bind(facilitator_key)
        .fetch_one(pool)
        .await?))
    }
}

/// A response stored before content was sealed (migration 0005), still in plaintext.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LegacyResponse {
    pub id: String,
    pub review_id: ReviewId,
    pub respondent_key: String,
    pub pseudonym: String,
    pub answers: String,
}

/// An observation stored before content was sealed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LegacyObservation {
    pub id: String,
    pub review_id: ReviewId,
    pub body: String,
    pub released: bool,
}

/// A legacy row, sealed and ready to take its place.
#[derive(Debug, Clone)]
pub struct SealedRow {
    pub id: String,
    pub review_id: ReviewId,
    /// The respondent key for a response; `None` for an observation.
    pub respondent_key: Option<String>,
    pub sealed: Vec<u8>,
    pub released: bool,
}

impl Store {
    /// Plaintext rows left by a version before sealing, if its tables are still there.
    pub async fn legacy_plaintext(
        &self,
    ) -> anyhow::Result<Option<(Vec<LegacyResponse>, Vec<LegacyObservation>)>> {
        let exists = match self.db {
            Db::Sqlite(_) => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'legacy_survey_responses'"
            }
            Db::Postgres(_) => {
                "SELECT COUNT(*) FROM information_schema.tables
                  WHERE table_schema = current_schema() AND table_name = 'legacy_survey_responses'"
            }
        };
        const RESPONSES: &str =
            "SELECT id, review_id, respondent_key, pseudonym, answers FROM legacy_survey_responses";
        const OBSERVATIONS: &str = "SELECT id, review_id, body, released FROM legacy_observations";
        on_db!(self, "read plaintext rows from before sealing", |pool| {
            let present: i64 = sqlx::query_scalar(exists).fetch_one(pool).await?;
            if present == 0 {
                return Ok(None);
            }
            let responses = sqlx::query_as(RESPONSES).fetch_all(pool).await?;
            let observations = sqlx::query_as(OBSERVATIONS).fetch_all(pool).await?;
            Ok(Some((responses, observations)))
        })
    }

    /// Moves sealed copies of the legacy rows into place and drops the plaintext tables,
    /// in one transaction. The responses are revealed again under today's rules.
    pub async fn replace_legacy_plaintext(&self, rows: &[SealedRow]) -> anyhow::Result<()> {
        const RESPONSE: &str =
            "INSERT INTO responses (id, review_id, respondent_key, sealed, shown)
                                VALUES ($1, $2, $3, $4, NULL)";
        const OBSERVATION: &str =
            "INSERT INTO observations (id, review_id, sealed, released) VALUES ($1, $2, $3, $4)";
        const DROP_RESPONSES: &str = "DROP TABLE legacy_survey_responses";
        const DROP_OBSERVATIONS: &str = "DROP TABLE legacy_observations";
        on_db!(self, "replace plaintext rows with sealed ones", |pool| {
            let mut tx = pool.begin_write().await?;
            for row in rows {
                match &row.respondent_key {
                    Some(key) => {
                        sqlx::query(RESPONSE)
                            .bind(&row.id)
                            .bind(row.review_id)
                            .bind(key)
                            .bind(&row.sealed)
                            .execute(&mut *tx)
                            .await?
                    }
                    None => {
                        sqlx::query(OBSERVATION)
                            .bind(&row.id)
                            .bind(row.review_id)
                            .bind(&row.sealed)
                            .bind(row.released)
                            .execute(&mut *tx)
                            .await?
                    }
                };
            }
            sqlx::query(DROP_RESPONSES).execute(&mut *tx).await?;
            sqlx::query(DROP_OBSERVATIONS).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }
}
