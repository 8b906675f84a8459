//! Purpose: what a newcomer sees: the short help that `/debrief` alone, an `@debrief`
//! mention or a DM saying "help" answers with, the App Home's welcome and its three
//! steps, and the "Start a review" explanation.

use slack_morphism::prelude::*;

use crate::app::AppState;
use crate::error::Error;
use crate::slack::blocks::{self, Style};
use crate::slack::forms;

/// The three steps of a review, as a newcomer needs them.
pub const THREE_STEPS: &str = "1. In the incident's channel, `/debrief incident title=\"…\"` records what happened.\n2. `/debrief review in=2d` opens the review: you facilitate, the channel's people take part, the meeting is in two days.\n3. `/debrief survey` shows you who gets the survey and what it asks; press *Send* and each person gets it by DM.";

/// The short help: what debrief is for, the three commands that matter first, and a
/// button for the full list.
pub fn short_help() -> SlackMessageContent {
    first_steps(
        "Hi! I help run incident reviews that people learn from: a short anonymous survey before the meeting, a fair check-in during it, and action items after.",
        "*Three steps to your first review*",
        None,
    )
}

/// An introduction, the three steps under `heading`, an optional note, and the button for
/// every command: the short help and the installer's welcome are both this.
fn first_steps(intro: &str, heading: &str, note: Option<&str>) -> SlackMessageContent {
    let mut content = vec![
        blocks::section(intro),
        blocks::section(format!("{heading}\n{THREE_STEPS}")),
    ];
    content.extend(note.map(blocks::section));
    content.push(blocks::actions(
        Some("help_more"),
        vec![blocks::button(
            "All commands",
            crate::ids::HELP_ALL,
            "all",
            Style::Default,
        )],
    ));
    blocks::message(
        format!("{intro} Start with `/debrief incident`, `/debrief review` and `/debrief survey`."),
        content,
    )
}

/// Whether a DM to debrief asks for help ("help", "Help?", "help me").
pub fn is_help_message(text: &str) -> bool {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    matches!(
        words.first().map(String::as_str),
        Some("help" | "hi" | "hello")
    ) && words.len() <= 3
}

/// `@debrief` in a channel: the short help, seen only by the person who mentioned it, so
/// the channel is not interrupted.
pub async fn on_mention(
    state: &AppState,
    channel: &str,
    user: &str,
    thread_ts: Option<&str>,
) -> anyhow::Result<()> {
    match state
        .slack
        .post_ephemeral(channel, user, short_help(), thread_ts)
        .await
    {
        Ok(()) => Ok(()),
        // Mentioned where debrief is not a member (it cannot post there): nothing to say.
        Err(crate::slack::SlackCallError::Rejected { code, .. })
            if code == "channel_not_found" || code == "not_in_channel" =>
        {
            Ok(())
        }
        Err(other) => Err(other.into()),
    }
}

/// A DM saying "help": the short help, in the DM.
pub async fn on_direct_help(state: &AppState, dm: &str) -> anyhow::Result<()> {
    state.slack.post_message(dm, short_help(), None).await?;
    Ok(())
}

/// The welcome DM to whoever installed debrief: thanks, the three steps, and the full
/// list a button away. Sent once (the outbox), so a retried job does not greet twice.
pub async fn welcome_installer(
    state: &AppState,
    team_id: &str,
    installer: &str,
) -> Result<(), crate::queue::JobError> {
    let dm = state.slack.open_dm(installer).await?;
    let content = first_steps(
        "Thanks for adding debrief! It helps your team run incident reviews that people learn from: an anonymous survey before the meeting, a fair check-in during it, and action items after.",
        "*Your first review in three steps*",
        Some(
            "Invite me to an incident channel with `/invite @debrief` first: I only read channels I'm in.",
        ),
    );
    let key = format!("welcome:{team_id}:{installer}");
    crate::outbox::post_once(state, &key, &dm, None, content).await?;
    Ok(())
}

/// The App Home's top: a short welcome and the "Start a review" button; newcomers (with
/// nothing waiting) also get the three steps.
pub fn home_welcome(newcomer: bool) -> Vec<SlackBlock> {
    let mut content = vec![blocks::section(
        "Welcome to *debrief*: incident reviews that people learn from, without blame.",
    )];
    if newcomer {
        content.push(blocks::section(format!(
            "*Your first review in three steps*\n{THREE_STEPS}"
        )));
    }
    content.push(blocks::actions(
        Some("home_start"),
        vec![blocks::button(
            "Start a review",
            crate::ids::START_REVIEW,
            "home",
            Style::Primary,
        )],
    ));
    content
}

/// "Start a review": a review starts in the incident's channel, so the button explains
/// how, where the person is looking.
pub async fn open_start_review(state: &AppState, trigger_id: &str) -> Result<(), Error> {
    let text = format!(
        "A review lives in the incident's channel. Go there and type:\n{THREE_STEPS}\n\nNot sure where to begin? `/debrief help` lists everything by task."
    );
    state
        .slack
        .open_view(trigger_id, forms::notice("Start a review", &text))
        .await
        .map_err(|e| super::form_did_not_open("the review steps", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_is_recognised_in_a_few_words_only() {
        for text in ["help", "Help?", "help me", "hi", "HELLO there"] {
            assert!(is_help_message(text), "{text}");
        }
        for text in [
            "observe the pager was silent",
            "can you help with the incident from yesterday please",
            "",
        ] {
            assert!(!is_help_message(text), "{text}");
        }
    }
}
