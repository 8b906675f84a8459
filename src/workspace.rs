//! Purpose: which workspace the current request or job acts for, and so which bot token
//! its Slack calls carry.
//!
//! With OAuth distribution each workspace has its own token. Passing the workspace down
//! through every handler and every one of the ~50 places that call Slack would make a
//! forgotten argument a cross-workspace leak; instead the three entry points (a command,
//! an interaction, an event) and the job runner set it once for the whole task, and
//! [`crate::slack::SlackApi`] and job enqueueing read it. A call made outside any scope uses the
//! configured `SLACK_BOT_TOKEN`, or fails when there is none: it never borrows another
//! workspace's token.

use std::future::Future;

use slack_morphism::prelude::SlackApiToken;

/// A workspace's credentials, opened from the store for one request or job.
#[derive(Clone)]
pub struct ActingWorkspace {
    pub team_id: String,
    pub bot_user_id: String,
    pub token: SlackApiToken,
}

impl std::fmt::Debug for ActingWorkspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActingWorkspace")
            .field("team_id", &self.team_id)
            .field("bot_user_id", &self.bot_user_id)
            .finish_non_exhaustive()
    }
}

tokio::task_local! {
    static ACTING: Option<ActingWorkspace>;
}

/// Runs `work` acting for `workspace` (`None`: the single configured workspace). Not an
/// `async fn`: that would hold `work` twice in its state (before and inside the scope),
/// and handler futures are large enough for that to overflow a worker's stack.
pub fn acting_for<F: Future>(
    workspace: Option<ActingWorkspace>,
    work: F,
) -> impl Future<Output = F::Output> {
    ACTING.scope(workspace, work)
}

/// The workspace the current task acts for, if it was given one.
pub fn acting() -> Option<ActingWorkspace> {
    ACTING.try_with(Clone::clone).ok().flatten()
}

/// The team id of [`acting`], as stored on the jobs this task enqueues.
pub fn acting_team_id() -> Option<String> {
    ACTING
        .try_with(|w| w.as_ref().map(|w| w.team_id.clone()))
        .ok()
        .flatten()
}
