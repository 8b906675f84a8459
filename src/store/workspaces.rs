//! Purpose: the workspaces that installed debrief through OAuth, with their sealed bot
//! tokens, and the per-workspace side of the jobs table.

use jiff::Timestamp;

use super::{Store, on_db};

/// One installation as stored: the token is still sealed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredWorkspace {
    pub team_id: String,
    pub team_name: String,
    pub bot_user_id: String,
    /// `None` once the workspace uninstalled debrief or revoked its token.
    pub sealed_token: Option<Vec<u8>>,
    pub installed_by: Option<String>,
}

impl Store {
    /// Records an installation (or a reinstallation, which replaces the token).
    pub async fn save_workspace(
        &self,
        workspace: &StoredWorkspace,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        const SQL: &str = "INSERT INTO workspaces
                 (team_id, team_name, bot_user_id, sealed_token, installed_by, installed_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (team_id) DO UPDATE
                SET team_name = excluded.team_name, bot_user_id = excluded.bot_user_id,
                    sealed_token = excluded.sealed_token,
                    installed_by = COALESCE(excluded.installed_by, workspaces.installed_by),
                    installed_at = excluded.installed_at, uninstalled_at = NULL";
        on_db!(self, "save a workspace", |pool| {
            sqlx::query(SQL)
                .bind(&workspace.team_id)
                .bind(&workspace.team_name)
                .bind(&workspace.bot_user_id)
                .bind(workspace.sealed_token.as_deref())
                .bind(workspace.installed_by.as_deref())
                .bind(now.as_second())
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// The installation of `team_id`, if it ever installed debrief.
    pub async fn workspace(&self, team_id: &str) -> anyhow::Result<Option<StoredWorkspace>> {
        const SQL: &str = "SELECT team_id, team_name, bot_user_id, sealed_token, installed_by
                             FROM workspaces WHERE team_id = $1";
        on_db!(self, "read a workspace", |pool| Ok(sqlx::query_as(SQL)
            .bind(team_id)
            .fetch_optional(pool)
            .await?))
    }

    /// The workspace uninstalled debrief or revoked its token: the token is deleted (it no
    /// longer works, and a copy of the database should not carry it) and so are the
    /// workspace's pending jobs. Returns how many jobs were cancelled.
    pub async fn workspace_lost(&self, team_id: &str, now: Timestamp) -> anyhow::Result<u64> {
        const FORGET: &str = "UPDATE workspaces SET sealed_token = NULL, uninstalled_at = $2
                               WHERE team_id = $1";
        const CANCEL: &str = "DELETE FROM jobs
                               WHERE team_id = $1 AND done_at IS NULL AND failed_at IS NULL";
        on_db!(self, "forget a workspace", |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(FORGET)
                .bind(team_id)
                .bind(now.as_second())
                .execute(&mut *tx)
                .await?;
            let cancelled = sqlx::query(CANCEL)
                .bind(team_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            Ok(cancelled)
        })
    }

    /// Pending jobs per workspace (`None`: the single configured workspace), for tests
    /// and operators checking that an uninstall stopped the right ones.
    pub async fn pending_jobs_by_team(&self) -> anyhow::Result<Vec<(Option<String>, i64)>> {
        const SQL: &str = "SELECT team_id, COUNT(*) FROM jobs
                            WHERE done_at IS NULL AND failed_at IS NULL
                            GROUP BY team_id ORDER BY team_id";
        on_db!(self, "count pending jobs by workspace", |pool| Ok(
            sqlx::query_as(SQL).fetch_all(pool).await?
        ))
    }
}
