//! Purpose: one module per feature. Each has the same shape: pure decision logic,
//! plus thin functions that load state, decide, store, and queue Slack work.

use jiff::Timestamp;
use slack_morphism::prelude::*;

use crate::app::AppState;

/// Routes an Events API callback (already deduplicated) to the feature that wants it.
pub async fn on_event(
    _state: &AppState,
    callback: SlackPushEventCallback,
    _now: Timestamp,
) -> anyhow::Result<()> {
    match callback.event {
        SlackEventCallbackBody::AppUninstalled(_) => {
            tracing::warn!("debrief was uninstalled from a workspace");
        }
        _ => tracing::debug!("event with no handler ignored"),
    }
    Ok(())
}
