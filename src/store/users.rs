//! Purpose: the cache of Slack users, and service-wide settings.

use jiff::Timestamp;

use super::{Store, on_db};
use crate::domain::UserInfo;

impl Store {
    /// A user fetched no earlier than `fresh_after`.
    pub async fn cached_user(
        &self,
        user_id: &str,
        fresh_after: Timestamp,
    ) -> anyhow::Result<Option<UserInfo>> {
        const SQL: &str = "SELECT user_id, name, is_bot, deleted, tz FROM slack_users WHERE user_id = $1 AND fetched_at >= $2";
        let row: Option<(String, String, bool, bool, Option<String>)> =
            on_db!(self, "cached user", |pool| Ok(sqlx::query_as(SQL)
                .bind(user_id)
                .bind(fresh_after.as_second())
                .fetch_optional(pool)
                .await?))?;
        Ok(row.map(|(id, name, is_bot, deleted, tz)| UserInfo {
            id,
            name,
            is_bot,
            deleted,
            tz,
        }))
    }

    pub async fn save_user(&self, user: &UserInfo, now: Timestamp) -> anyhow::Result<()> {
        const SQL: &str = "INSERT INTO slack_users (user_id, name, is_bot, deleted, fetched_at, tz) VALUES ($1, $2, $3, $4, $5, $6)
                           ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, is_bot = excluded.is_bot,
                               deleted = excluded.deleted, fetched_at = excluded.fetched_at, tz = excluded.tz";
        on_db!(self, "save user", |pool| {
            sqlx::query(SQL)
                .bind(&user.id)
                .bind(&user.name)
                .bind(user.is_bot)
                .bind(user.deleted)
                .bind(now.as_second())
                .bind(&user.tz)
                .execute(pool)
                .await?;
            Ok(())
        })?;
        Ok(())
    }

    /// The display name of a user, if known.
    pub async fn user_name(&self, user_id: &str) -> anyhow::Result<Option<String>> {
        const SQL: &str = "SELECT name FROM slack_users WHERE user_id = $1";
        on_db!(self, "user name", |pool| Ok(sqlx::query_scalar(SQL)
            .bind(user_id)
            .fetch_optional(pool)
            .await?))
    }

    pub async fn setting(&self, name: &str) -> anyhow::Result<Option<String>> {
        const SQL: &str = "SELECT value FROM settings WHERE name = $1";
        on_db!(self, "setting", |pool| Ok(sqlx::query_scalar(SQL)
            .bind(name)
            .fetch_optional(pool)
            .await?))
    }

    /// Stores a setting if it is not set yet; returns the value now stored.
    pub async fn setting_or_insert(&self, name: &str, value: &str) -> anyhow::Result<String> {
        const INSERT: &str =
            "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING";
        on_db!(self, "setting or insert", |pool| {
            sqlx::query(INSERT)
                .bind(name)
                .bind(value)
                .execute(pool)
                .await?;
            Ok(())
        })?;
        Ok(self
            .setting(name)
            .await?
            .unwrap_or_else(|| value.to_string()))
    }
}

impl Store {
    /// Every cached Slack user: (id, name), so reports can name people without a ping.
    pub async fn user_names(&self) -> anyhow::Result<Vec<(String, String)>> {
        const SQL: &str = "SELECT user_id, name FROM slack_users";
        on_db!(self, "user names", |pool| Ok(sqlx::query_as(SQL)
            .fetch_all(pool)
            .await?))
    }
}
