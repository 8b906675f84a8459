//! Purpose: a review's written outcome. When the facilitator marks the review done, debrief
//! offers a summary for the channel: the facilitator edits it in a form, then it is posted
//! (once, through the outbox), and the same text can be had as Markdown.
//!
//! The draft holds no quote and no pseudonym: themes by their label and how many people
//! raised them, the counterfactual portfolio, action items with their owners, and
//! participation in words. What people wrote stays in the agenda, which only the
//! facilitator sees; anything quoted in the channel is the facilitator's own choice.

use jiff::Timestamp;
use slack_morphism::prelude::*;

use crate::app::AppState;
use crate::error::Error;
use crate::features::agenda::synth::{Portfolio, Theme};
use crate::features::participation::Figures;
use crate::queue::{self, Job};
use crate::slack::blocks::{self, Style};
use crate::slack::forms::{self, FormValues};
use crate::store::actions::ActionItem;
use crate::store::reviews::Review;
use crate::user_error;

const TEXT_BLOCK: &str = "summary_text";
/// Slack's limit for one section of a message, which the post is split into anyway;
/// a plain-text input takes at most 3,000 characters.
const MAX_CHARS: usize = 3000;

/// What a summary is drafted from.
pub struct SummaryInputs<'a> {
    pub title: &'a str,
    pub themes: &'a [Theme],
    pub portfolio: &'a Portfolio,
    pub items: &'a [ActionItem],
    pub participation: Option<&'a Figures>,
}

fn people(n: usize) -> String {
    if n == 1 {
        "1 person".into()
    } else {
        format!("{n} people")
    }
}

/// The draft, in Slack's mrkdwn. Pure.
pub fn draft(inputs: &SummaryInputs<'_>) -> String {
    let mut lines = vec![format!("*Review of “{}”: what we learned*", inputs.title)];
    if !inputs.themes.is_empty() {
        lines.push(String::new());
        lines.push("*What people raised*".into());
        for theme in inputs.themes {
            let mut raised = Vec::new();
            if theme.respondents > 0 {
                raised.push(format!("{} in the survey", people(theme.respondents)));
            }
            if theme.observations > 0 {
                raised.push(match theme.observations {
                    1 => "1 observation".to_string(),
                    n => format!("{n} observations"),
                });
            }
            let raised = if raised.is_empty() {
                String::new()
            } else {
                format!(" ({})", raised.join(", "))
            };
            lines.push(format!("• {}{raised}", theme.label));
        }
    }
    let p = inputs.portfolio;
    if p.trigger.is_some() || !p.ranked.is_empty() || !p.proposals.is_empty() {
        lines.push(String::new());
        lines.push("*What would have had to be true*".into());
        if let Some(trigger) = &p.trigger {
            lines.push(format!("• Trigger: {trigger}"));
        }
        lines.extend(p.ranked.iter().map(|c| format!("• {c}")));
        if !p.proposals.is_empty() {
            lines.push(format!(
                "• Also proposed, not ranked yet: {}",
                p.proposals.join("; ")
            ));
        }
    }
    lines.push(String::new());
    lines.push("*Action items*".into());
    if inputs.items.is_empty() {
        lines.push("None yet. Add them with `/debrief action add`.".into());
    }
    for item in inputs.items {
        let owner = item
            .owner_id
            .as_deref()
            .map(|o| format!("<@{o}>"))
            .unwrap_or_else(|| "no owner yet".into());
        lines.push(format!(
            "• #{} {} ({owner}, {})",
            item.id,
            item.title,
            item.status.label()
        ));
    }
    if let Some(f) = inputs.participation {
        lines.push(String::new());
        lines.push("*Who took part*".into());
        let spoke = format!(
            "{} of {} spoke in the meeting or the check-in",
            f.speakers,
            people(f.attendees)
        );
        // The three most active people's share says more to a reader than a coefficient.
        let share = if f.messages > 0 && f.attendees > 3 {
            format!(
                "; the three most active wrote {:.0}% of the messages",
                f.top3_share * 100.0
            )
        } else {
            String::new()
        };
        lines.push(format!("{spoke}{share}."));
    }
    lines.join("\n")
}

/// The summary as Markdown that pastes cleanly into Confluence, Notion or Google Docs.
/// Pure.
pub fn to_markdown(summary: &str) -> String {
    let mut out = Vec::new();
    for line in summary.lines() {
        let line = line.trim_end();
        if let Some(rest) = line.strip_prefix("• ") {
            out.push(format!("- {}", markdown_inline(rest)));
        } else if line.starts_with('*') && line.ends_with('*') && line.len() > 2 {
            let heading = &line[1..line.len() - 1];
            let level = if out.is_empty() { "#" } else { "##" };
            out.push(format!("{level} {}", markdown_inline(heading)));
        } else {
            out.push(markdown_inline(line));
        }
    }
    let mut text = out.join("\n").trim().to_string();
    text.push('\n');
    text
}

/// mrkdwn inline marks to Markdown: `*bold*` → `**bold**`, `<@U1>` → `@U1`.
fn markdown_inline(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("<@") {
        out.push_str(&rest[..start]);
        match rest[start..].find('>') {
            Some(end) => {
                out.push('@');
                out.push_str(&rest[start + 2..start + end]);
                rest = &rest[start + end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    // Bold: pairs of single asterisks around words.
    let mut bold = String::new();
    let mut open = false;
    for (i, c) in out.char_indices() {
        if c == '*' {
            let before = out[..i].chars().last();
            let after = out[i + 1..].chars().next();
            let opens = !open && after.is_some_and(|a| !a.is_whitespace());
            let closes = open && before.is_some_and(|b| !b.is_whitespace());
            if opens || closes {
                bold.push_str("**");
                open = !open;
                continue;
            }
        }
        bold.push(c);
    }
    bold
}

/// The offer shown when a review is marked done: a button that opens the summary form.
pub fn offer(review: &Review) -> Vec<SlackBlock> {
    vec![
        blocks::section(
            "Post a short summary in the channel? It lists the themes, the counterfactuals, the action items with owners and who took part, with no quotes and no pseudonyms. You can edit it first.",
        ),
        blocks::actions(
            Some("summary_offer"),
            vec![blocks::button(
                "Write the summary",
                crate::ids::SUMMARY_OPEN,
                &review.id.to_string(),
                Style::Primary,
            )],
        ),
    ]
}

/// The draft for a review, from what the store holds.
async fn draft_for(state: &AppState, review: &Review) -> Result<String, Error> {
    let incident = state
        .store
        .incident(review.incident_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("incident missing"))?;
    let agenda = crate::features::agenda::synth::synthesize(
        &crate::features::agenda::inputs(state, review).await?,
    );
    let items = state.store.action_items_of_incident(incident.id).await?;
    let figures = crate::features::participation::figures_of(state, review.id).await?;
    Ok(draft(&SummaryInputs {
        title: &incident.title,
        themes: &agenda.themes,
        portfolio: &agenda.portfolio,
        items: &items,
        participation: (figures.attendees > 0).then_some(&figures),
    }))
}

/// "Write the summary": opens the form with the draft, for the facilitator.
pub async fn open_form(
    state: &AppState,
    user: &str,
    trigger_id: &str,
    value: &str,
) -> Result<(), Error> {
    let review = super::review_from_button(state, value).await?;
    super::require_facilitator(&review, user, "post the review's summary")?;
    let text = draft_for(state, &review).await?;
    let view = forms::modal(
        "Review summary",
        "Post in channel",
        crate::ids::SUMMARY_SUBMIT,
        &review.id.to_string(),
        vec![
            blocks::context(format!(
                "This is posted in <#{}> as debrief's message once you press Post. Edit freely; nothing is sent before.",
                review.channel_id
            )),
            forms::text_input(
                TEXT_BLOCK,
                "Summary",
                Some(&blocks::truncate_words(&text, MAX_CHARS)),
                true,
                false,
                MAX_CHARS,
            ),
        ],
    );
    state
        .slack
        .open_view(trigger_id, view)
        .await
        .map_err(|e| super::form_did_not_open("the summary", e))?;
    Ok(())
}

/// The form was submitted: checked again (the facilitator may have changed), then the
/// text is posted in the review's channel once.
pub async fn submit(
    state: &AppState,
    user: &str,
    view: &SlackStatefulView,
    metadata: &str,
    now: Timestamp,
) -> Result<(), Error> {
    let review = super::review_from_button(state, metadata).await?;
    if review.facilitator_id != user {
        return Err(Error::on_field(
            TEXT_BLOCK,
            format!(
                "Only the facilitator, <@{}>, can post this review's summary.",
                review.facilitator_id
            ),
        ));
    }
    let Some(text) = FormValues::from_view(view).text(TEXT_BLOCK) else {
        return Err(Error::on_field(
            TEXT_BLOCK,
            "The summary is empty. Write a few lines, or press Cancel to post nothing.",
        ));
    };
    let job = Job::PostMessage {
        channel: review.channel_id.clone(),
        text,
        thread_ts: None,
        requester: None,
    };
    queue::enqueue(state, &job, now).await?;
    Ok(())
}

/// `/debrief review summary`: the draft privately, with the button to edit and post it,
/// and the same text as Markdown to paste into a wiki.
pub async fn command(
    state: &AppState,
    request: &crate::request::CommandRequest,
) -> Result<crate::request::Reply, Error> {
    let (_, review) = super::require_review(state, request).await?;
    if review.facilitator_id != request.user_id {
        user_error!(
            "The summary is the facilitator's to write: ask <@{}>.",
            review.facilitator_id
        );
    }
    let text = draft_for(state, &review).await?;
    let markdown = to_markdown(&text);
    let mut content = vec![blocks::section("*The draft summary*")];
    content.extend(blocks::long_section(&text));
    content.push(blocks::section(
        "*As Markdown, for Confluence, Notion or Google Docs*",
    ));
    content.extend(blocks::long_section(&format!("```{markdown}```")));
    content.extend(offer(&review));
    Ok(crate::request::Reply::ephemeral_blocks(text, content))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ItemStatus;

    fn item(id: i64, title: &str, owner: Option<&str>, status: ItemStatus) -> ActionItem {
        ActionItem {
            id,
            team_id: "T1".into(),
            incident_id: Some(1),
            external_id: None,
            title: title.into(),
            owner_id: owner.map(str::to_string),
            kind: None,
            services: String::new(),
            failure_mode: None,
            due_on: None,
            url: None,
            status,
            individual: false,
            counterfactual_id: None,
            message_channel: None,
            message_ts: None,
            created_by: "U1".into(),
            created_at: 0,
            updated_at: 0,
            incident_channel: None,
            incident_title: None,
        }
    }

    fn theme(label: &str, respondents: usize, observations: usize) -> Theme {
        Theme {
            label: label.into(),
            respondents,
            observations,
            quotes: vec![crate::features::agenda::synth::Quote {
                source: "Respondent Amber Heron".into(),
                text: "A QUOTE NEVER SHOWN".into(),
            }],
        }
    }

    #[test]
    fn the_draft_names_themes_items_and_participation_but_quotes_no_one() {
        let portfolio = Portfolio {
            trigger: Some("the 09:00 CDN purge".into()),
            ranked: vec!["no canary stage for purges".into()],
            proposals: vec!["a warm standby cache".into()],
            all_outside_our_control: false,
        };
        let items = [
            item(
                3,
                "Canary stage for purges",
                Some("U0FRANK"),
                ItemStatus::Open,
            ),
            item(4, "Hit-rate alert", None, ItemStatus::Done),
        ];
        let figures = Figures {
            attendees: 6,
            speakers: 5,
            messages: 40,
            speaker_ratio: 5.0 / 6.0,
            top3_share: 0.55,
            gini: 0.3,
            checkin_shared: 4,
        };
        let text = draft(&SummaryInputs {
            title: "Checkout latency",
            themes: &[theme("Cache purges", 3, 1), theme("Paging", 1, 0)],
            portfolio: &portfolio,
            items: &items,
            participation: Some(&figures),
        });
        assert_eq!(
            text,
            "*Review of “Checkout latency”: what we learned*\n\n\
             *What people raised*\n\
             • Cache purges (3 people in the survey, 1 observation)\n\
             • Paging (1 person in the survey)\n\n\
             *What would have had to be true*\n\
             • Trigger: the 09:00 CDN purge\n\
             • no canary stage for purges\n\
             • Also proposed, not ranked yet: a warm standby cache\n\n\
             *Action items*\n\
             • #3 Canary stage for purges (<@U0FRANK>, open)\n\
             • #4 Hit-rate alert (no owner yet, done)\n\n\
             *Who took part*\n\
             5 of 6 people spoke in the meeting or the check-in; the three most active wrote 55% of the messages."
        );
        assert!(!text.contains("QUOTE") && !text.contains("Respondent"));
        assert!(!text.contains("Gini"));
    }

    #[test]
    fn markdown_pastes_cleanly() {
        let md = to_markdown(
            "*Review of “X”: what we learned*\n\n*Action items*\n• #3 Canary (<@U0FRANK>, open)\nA *bold* word.\n\n",
        );
        assert_eq!(
            md,
            "# Review of “X”: what we learned\n\n## Action items\n- #3 Canary (@U0FRANK, open)\nA **bold** word.\n"
        );
    }
}
