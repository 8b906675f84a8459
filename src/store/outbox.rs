//! Purpose: the ledger of messages that must reach Slack once (see `crate::outbox`).

use jiff::Timestamp;

use super::{Store, on_db};

/// What the ledger knows about one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxEntry {
    /// Never attempted: post it.
    Fresh,
    /// Attempted since `since` (unix seconds) with no confirmation: it may be in Slack.
    Attempted { since: i64 },
    /// Posted; this is its ts.
    Sent(String),
}

impl Store {
    /// Records that the message `key` is about to be posted in `channel`, and says what
    /// was known before.
    pub async fn outbox_begin(
        &self,
        key: &str,
        channel: &str,
        now: Timestamp,
    ) -> anyhow::Result<OutboxEntry> {
        const CLAIM: &str = "INSERT INTO outbox (key, channel, created_at) VALUES ($1, $2, $3)
                             ON CONFLICT (key) DO NOTHING";
        const READ: &str = "SELECT ts, created_at FROM outbox WHERE key = $1";
        on_db!(self, "begin a message in the outbox", |pool| {
            let inserted = sqlx::query(CLAIM)
                .bind(key)
                .bind(channel)
                .bind(now.as_second())
                .execute(pool)
                .await?
                .rows_affected();
            if inserted == 1 {
                return Ok(OutboxEntry::Fresh);
            }
            let (ts, since): (Option<String>, i64) =
                sqlx::query_as(READ).bind(key).fetch_one(pool).await?;
            Ok(match ts {
                Some(ts) => OutboxEntry::Sent(ts),
                None => OutboxEntry::Attempted { since },
            })
        })
    }

    /// Records that the message `key` is in Slack with this ts.
    pub async fn outbox_sent(&self, key: &str, ts: &str) -> anyhow::Result<()> {
        const SQL: &str = "UPDATE outbox SET ts = $2 WHERE key = $1";
        on_db!(self, "confirm a message in the outbox", |pool| {
            sqlx::query(SQL).bind(key).bind(ts).execute(pool).await?;
            Ok(())
        })
    }

    /// Forgets ledger entries older than `before`: retries never run that late.
    pub async fn prune_outbox(&self, before: Timestamp) -> anyhow::Result<u64> {
        const SQL: &str = "DELETE FROM outbox WHERE created_at < $1";
        on_db!(self, "prune the outbox", |pool| Ok(sqlx::query(SQL)
            .bind(before.as_second())
            .execute(pool)
            .await?
            .rows_affected()))
    }
}
