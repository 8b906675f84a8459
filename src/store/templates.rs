//! Purpose: teams' survey templates (versioned: saving adds a row) and which version a
//! review's survey asks.

use jiff::Timestamp;

use super::{Store, on_db};
use crate::domain::ReviewId;

/// One version of a template; `questions` is its JSON list.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredTemplate {
    pub id: i64,
    pub name: String,
    pub questions: String,
}

impl Store {
    /// Saves a new version of the template `name`; returns its id.
    pub async fn save_template(
        &self,
        team_id: &str,
        name: &str,
        questions: &str,
        by: &str,
        now: Timestamp,
    ) -> anyhow::Result<i64> {
        const SQL: &str =
            "INSERT INTO survey_templates (team_id, name, questions, created_by, created_at)
                           VALUES ($1, $2, $3, $4, $5) RETURNING id";
        on_db!(self, "save a survey template", |pool| Ok(
            sqlx::query_scalar(SQL)
                .bind(team_id)
                .bind(name)
                .bind(questions)
                .bind(by)
                .bind(now.as_second())
                .fetch_one(pool)
                .await?
        ))
    }

    /// The latest version of each of a team's templates, by name.
    pub async fn templates(&self, team_id: &str) -> anyhow::Result<Vec<StoredTemplate>> {
        const SQL: &str = "SELECT id, name, questions FROM survey_templates t
                            WHERE team_id = $1
                              AND id = (SELECT MAX(id) FROM survey_templates
                                         WHERE team_id = t.team_id AND name = t.name)
                            ORDER BY name";
        on_db!(self, "list survey templates", |pool| Ok(sqlx::query_as(
            SQL
        )
        .bind(team_id)
        .fetch_all(pool)
        .await?))
    }

    /// The latest version of the template `name` (names compare without case).
    pub async fn template_named(
        &self,
        team_id: &str,
        name: &str,
    ) -> anyhow::Result<Option<StoredTemplate>> {
        const SQL: &str = "SELECT id, name, questions FROM survey_templates
                            WHERE team_id = $1 AND LOWER(name) = LOWER($2)
                            ORDER BY id DESC LIMIT 1";
        on_db!(self, "read a survey template", |pool| Ok(sqlx::query_as(
            SQL
        )
        .bind(team_id)
        .bind(name)
        .fetch_optional(pool)
        .await?))
    }

    /// Makes the review's survey ask the template version `template_id` (`None`: the
    /// default questions).
    pub async fn set_review_template(
        &self,
        review_id: ReviewId,
        template_id: Option<i64>,
    ) -> anyhow::Result<()> {
        const SQL: &str = "UPDATE reviews SET template_id = $1 WHERE id = $2";
        on_db!(self, "choose a review's template", |pool| {
            sqlx::query(SQL)
                .bind(template_id)
                .bind(review_id.0)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// The template version a review's survey asks, if it has one.
    pub async fn review_template(
        &self,
        review_id: ReviewId,
    ) -> anyhow::Result<Option<StoredTemplate>> {
        const SQL: &str = "SELECT t.id, t.name, t.questions
                             FROM reviews r JOIN survey_templates t ON t.id = r.template_id
                            WHERE r.id = $1";
        on_db!(self, "read a review's template", |pool| Ok(sqlx::query_as(
            SQL
        )
        .bind(review_id.0)
        .fetch_optional(pool)
        .await?))
    }
}
