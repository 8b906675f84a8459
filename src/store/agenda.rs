//! Purpose: counterfactual conditions and the messages that hold each review's agenda.

use jiff::Timestamp;

use super::{BeginWrite, Store, on_db};
use crate::domain::{Condition, Control, Cost, Reach, ReviewId};

impl Store {
    pub async fn add_counterfactual(
        &self,
        review_id: ReviewId,
        c: &Condition,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        const SQL: &str = "INSERT INTO counterfactuals (review_id, body, control, cost, reach, created_at) VALUES ($1, $2, $3, $4, $5, $6)";
        on_db!(self, "add counterfactual", |pool| {
            sqlx::query(SQL)
                .bind(review_id)
                .bind(&c.text)
                .bind(c.control.code())
                .bind(c.cost.code())
                .bind(c.reach.code())
                .bind(now.as_second())
                .execute(pool)
                .await?;
            Ok(())
        })?;
        Ok(())
    }

    /// A review's conditions, in the order they were added.
    pub async fn counterfactuals(&self, review_id: ReviewId) -> anyhow::Result<Vec<Condition>> {
        const SQL: &str = "SELECT body, control, cost, reach FROM counterfactuals WHERE review_id = $1 ORDER BY id";
        let rows: Vec<(String, String, String, String)> =
            on_db!(self, "counterfactuals", |pool| Ok(sqlx::query_as(SQL)
                .bind(review_id)
                .fetch_all(pool)
                .await?))?;
        Ok(rows
            .into_iter()
            .filter_map(|(text, control, cost, reach)| {
                Some(Condition {
                    text,
                    control: Control::parse(&control)?,
                    cost: Cost::parse(&cost)?,
                    reach: Reach::parse(&reach)?,
                })
            })
            .collect())
    }

    /// The agenda's messages, by part: (part, channel, ts).
    pub async fn agenda_messages(
        &self,
        review_id: ReviewId,
    ) -> anyhow::Result<Vec<(i64, String, String)>> {
        const SQL: &str =
            "SELECT part, channel, ts FROM agenda_messages WHERE review_id = $1 ORDER BY part";
        on_db!(self, "agenda messages", |pool| Ok(sqlx::query_as(SQL)
            .bind(review_id)
            .fetch_all(pool)
            .await?))
    }

    pub async fn save_agenda_message(
        &self,
        review_id: ReviewId,
        part: i64,
        channel: &str,
        ts: &str,
    ) -> anyhow::Result<()> {
        const SQL: &str = "INSERT INTO agenda_messages (review_id, part, channel, ts) VALUES ($1, $2, $3, $4)
                           ON CONFLICT (review_id, part) DO UPDATE SET channel = excluded.channel, ts = excluded.ts";
        on_db!(self, "save agenda message", |pool| {
            sqlx::query(SQL)
                .bind(review_id)
                .bind(part)
                .bind(channel)
                .bind(ts)
                .execute(pool)
                .await?;
            Ok(())
        })?;
        Ok(())
    }

    /// Forgets the parts from `from_part` on (after they were deleted in Slack).
    pub async fn drop_agenda_parts(
        &self,
        review_id: ReviewId,
        from_part: i64,
    ) -> anyhow::Result<()> {
        const SQL: &str = "DELETE FROM agenda_messages WHERE review_id = $1 AND part >= $2";
        on_db!(self, "drop agenda parts", |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(SQL)
                .bind(review_id)
                .bind(from_part)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        })?;
        Ok(())
    }

    /// Takes the review's agenda lease until `until` unless someone holds a live one.
    pub async fn lease_agenda(
        &self,
        review_id: ReviewId,
        now: i64,
        until: i64,
    ) -> anyhow::Result<bool> {
        const SQL: &str = "UPDATE reviews SET agenda_lease_until = $3
                            WHERE id = $1 AND (agenda_lease_until IS NULL OR agenda_lease_until <= $2)";
        let taken = on_db!(self, "lease agenda", |pool| Ok(sqlx::query(SQL)
            .bind(review_id)
            .bind(now)
            .bind(until)
            .execute(pool)
            .await?
            .rows_affected()))?;
        Ok(taken == 1)
    }

    /// Gives up the lease taken until `until`; a lease that expired and was taken over by
    /// another worker is left alone.
    pub async fn release_agenda_lease(
        &self,
        review_id: ReviewId,
        until: i64,
    ) -> anyhow::Result<()> {
        const SQL: &str = "UPDATE reviews SET agenda_lease_until = NULL WHERE id = $1 AND agenda_lease_until = $2";
        on_db!(self, "release agenda lease", |pool| {
            sqlx::query(SQL)
                .bind(review_id)
                .bind(until)
                .execute(pool)
                .await?;
            Ok(())
        })?;
        Ok(())
    }

    pub async fn set_agenda_before(&self, review_id: ReviewId, seconds: i64) -> anyhow::Result<()> {
        const SQL: &str = "UPDATE reviews SET agenda_before = $2 WHERE id = $1";
        on_db!(self, "set agenda before", |pool| {
            sqlx::query(SQL)
                .bind(review_id)
                .bind(seconds)
                .execute(pool)
                .await?;
            Ok(())
        })?;
        Ok(())
    }
}

impl Store {
    /// A review's counterfactuals with their ids and the action item made from each, if any.
    pub async fn counterfactual_links(
        &self,
        review_id: ReviewId,
    ) -> anyhow::Result<Vec<(i64, String, Option<i64>)>> {
        const SQL: &str = "SELECT c.id, c.body, (SELECT MIN(a.id) FROM action_items a WHERE a.counterfactual_id = c.id)
                             FROM counterfactuals c WHERE c.review_id = $1 ORDER BY c.id";
        on_db!(self, "counterfactual links", |pool| Ok(sqlx::query_as(SQL)
            .bind(review_id)
            .fetch_all(pool)
            .await?))
    }
}
