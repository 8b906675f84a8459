//! Purpose: survey responses, stored so that a copy of the database cannot tie them to people.
//!
//! A response row has a random id, the review, the keyed respondent hash, the pseudonym
//! and the answers: no user id and no time. SQLite keeps such rows in primary-key order
//! (the table is WITHOUT ROWID), so file order is random. PostgreSQL appends rows in
//! arrival order, so after every write the review's rows are rewritten in a shuffled
//! order with fresh ids: a dump then shows no arrival order either.

use crate::domain::ReviewId;
use rand::seq::SliceRandom;

use super::{BeginWrite, Db, LOCK_REVIEW_ROWS, Store, on_db, random_id};

/// Why a response was not saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseRefused {
    SurveyNotOpen,
    NotAParticipant,
}

/// What saving did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseSaved {
    Created { pseudonym: String },
    Updated { pseudonym: String },
}

/// One response as the facilitator may see it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredResponse {
    pub pseudonym: String,
    /// JSON object: question id → answer.
    pub answers: String,
}

impl Store {
    /// Saves (or replaces) one respondent's answers and sets their "answered" flag.
    /// `pseudonym_candidate(n)` gives the n-th pseudonym to try; the first unused one is kept.
    pub async fn save_survey_response(
        &self,
        review_id: ReviewId,
        user_id: &str,
        respondent_key: &str,
        pseudonym_candidate: impl Fn(u32) -> String,
        answers_json: &str,
    ) -> anyhow::Result<Result<ResponseSaved, ResponseRefused>> {
        const STATUS: &str = "SELECT survey_status FROM reviews WHERE id = $1";
        const IS_PARTICIPANT: &str =
            "SELECT COUNT(*) FROM participants WHERE review_id = $1 AND user_id = $2";
        const MINE: &str =
            "SELECT pseudonym FROM survey_responses WHERE review_id = $1 AND respondent_key = $2";
        const TAKEN: &str = "SELECT pseudonym FROM survey_responses WHERE review_id = $1";
        const UPDATE: &str =
            "UPDATE survey_responses SET answers = $3 WHERE review_id = $1 AND respondent_key = $2";
        const INSERT: &str = "INSERT INTO survey_responses (id, review_id, respondent_key, pseudonym, answers) VALUES ($1, $2, $3, $4, $5)";
        const ANSWERED: &str =
            "UPDATE participants SET answered = TRUE WHERE review_id = $1 AND user_id = $2";
        const ALL: &str = "SELECT id, respondent_key, pseudonym, answers FROM survey_responses WHERE review_id = $1";
        const DELETE_ALL: &str = "DELETE FROM survey_responses WHERE review_id = $1";
        let rewrite_in_random_order = matches!(self.db, Db::Postgres(_));
        on_db!(self, "save survey response", |pool| {
            let mut tx = pool.begin_write().await?;
            if rewrite_in_random_order {
                sqlx::query(LOCK_REVIEW_ROWS)
                    .bind(review_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let status: Option<String> = sqlx::query_scalar(STATUS)
                .bind(review_id)
                .fetch_optional(&mut *tx)
                .await?;
            if status.as_deref() != Some("open") {
                return Ok(Err(ResponseRefused::SurveyNotOpen));
            }
            let member: i64 = sqlx::query_scalar(IS_PARTICIPANT)
                .bind(review_id)
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?;
            if member == 0 {
                return Ok(Err(ResponseRefused::NotAParticipant));
            }
            let mine: Option<String> = sqlx::query_scalar(MINE)
                .bind(review_id)
                .bind(respondent_key)
                .fetch_optional(&mut *tx)
                .await?;
            let saved = match mine {
                Some(pseudonym) => {
                    sqlx::query(UPDATE)
                        .bind(review_id)
                        .bind(respondent_key)
                        .bind(answers_json)
                        .execute(&mut *tx)
                        .await?;
                    ResponseSaved::Updated { pseudonym }
                }
                None => {
                    let taken: Vec<String> = sqlx::query_scalar(TAKEN)
                        .bind(review_id)
                        .fetch_all(&mut *tx)
                        .await?;
                    let pseudonym = (0..10_000)
                        .map(&pseudonym_candidate)
                        .find(|p| !taken.contains(p))
                        .ok_or_else(|| anyhow::anyhow!("no free pseudonym"))?;
                    sqlx::query(INSERT)
                        .bind(random_id())
                        .bind(review_id)
                        .bind(respondent_key)
                        .bind(&pseudonym)
                        .bind(answers_json)
                        .execute(&mut *tx)
                        .await?;
                    ResponseSaved::Created { pseudonym }
                }
            };
            sqlx::query(ANSWERED)
                .bind(review_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            if rewrite_in_random_order {
                let mut rows: Vec<(String, String, String, String)> = sqlx::query_as(ALL)
                    .bind(review_id)
                    .fetch_all(&mut *tx)
                    .await?;
                rows.shuffle(&mut rand::rng());
                sqlx::query(DELETE_ALL)
                    .bind(review_id)
                    .execute(&mut *tx)
                    .await?;
                for (id, key, pseudonym, answers) in rows {
                    sqlx::query(INSERT)
                        .bind(id)
                        .bind(review_id)
                        .bind(key)
                        .bind(pseudonym)
                        .bind(answers)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            tx.commit().await?;
            Ok(Ok(saved))
        })
    }

    /// The respondent's own answers (JSON), found through their keyed hash.
    pub async fn own_survey_answers(
        &self,
        review_id: ReviewId,
        respondent_key: &str,
    ) -> anyhow::Result<Option<String>> {
        const SQL: &str =
            "SELECT answers FROM survey_responses WHERE review_id = $1 AND respondent_key = $2";
        Ok(on_db!(self, "own survey answers", |pool| Ok(
            sqlx::query_scalar(SQL)
                .bind(review_id)
                .bind(respondent_key)
                .fetch_optional(pool)
                .await?
        ))?)
    }

    /// Every response of a review, in storage order (callers shuffle before showing).
    pub async fn survey_responses(
        &self,
        review_id: ReviewId,
    ) -> anyhow::Result<Vec<StoredResponse>> {
        const SQL: &str =
            "SELECT pseudonym, answers FROM survey_responses WHERE review_id = $1 ORDER BY id";
        on_db!(self, "survey responses", |pool| Ok(sqlx::query_as(SQL)
            .bind(review_id)
            .fetch_all(pool)
            .await?))
    }

    /// How many participants have answered (a count, never who).
    pub async fn answered_count(&self, review_id: ReviewId) -> anyhow::Result<i64> {
        const SQL: &str =
            "SELECT COUNT(*) FROM participants WHERE review_id = $1 AND answered = TRUE";
        on_db!(self, "answered count", |pool| Ok(sqlx::query_scalar(SQL)
            .bind(review_id)
            .fetch_one(pool)
            .await?))
    }
}
