//! Purpose: how action items look in Slack: one item as a section with its status buttons,
//! a page of items within Slack's limits, and the owner's weekly digest. Pure.

use jiff::Timestamp;
use jiff::civil::Date;
use slack_morphism::prelude::*;

use crate::domain::ItemStatus;
use crate::slack::blocks::{self, Style, limits};
use crate::store::actions::ActionItem;

/// Items open longer than this are called out in digests and listings.
pub const STALE_AFTER_DAYS: i64 = 90;
/// Items per listing page: two blocks each (the item, its buttons) plus a header and a
/// footer stay well under Slack's 50 blocks per message.
pub const PAGE_SIZE: usize = 20;

/// `#12`, the way items are named everywhere.
pub fn item_ref(id: i64) -> String {
    format!("#{id}")
}

/// Whole days an item has existed at `now`.
pub fn age_days(item: &ActionItem, now: Timestamp) -> i64 {
    (now.as_second() - item.created_at).max(0) / 86_400
}

/// One line about an item: title (linked to its tracker), owner, due date, incident, status.
pub fn item_line(item: &ActionItem, now: Timestamp, today: Date) -> String {
    let title = match item.url.as_deref() {
        Some(url) => format!("<{}|{}>", url, blocks::escape(&item.title)),
        None => blocks::escape(&item.title),
    };
    let mut facts = vec![format!("*{}*", item.status.label())];
    if let Some(owner) = &item.owner_id {
        facts.push(owner_text(owner));
    }
    if let Some(due) = &item.due_on {
        let overdue = item.status.is_open() && due.parse::<Date>().is_ok_and(|d| d < today);
        facts.push(if overdue {
            format!("due {due} (overdue)")
        } else {
            format!("due {due}")
        });
    }
    if let Some(kind) = &item.kind {
        facts.push(kind.clone());
    }
    let age = age_days(item, now);
    if item.status.is_open() && age > STALE_AFTER_DAYS {
        facts.push(format!("open {age} days"));
    }
    if item.individual {
        facts.push("reads as an individual fix".into());
    }
    let incident = match (&item.incident_channel, &item.incident_title) {
        (Some(channel), Some(_)) if !channel.starts_with("import:") => format!(" · <#{channel}>"),
        (_, Some(title)) => format!(" · incident “{}”", blocks::escape(title)),
        _ => String::new(),
    };
    format!(
        "{} {title}\n{}{incident}",
        item_ref(item.id),
        facts.join(" · ")
    )
}

/// A Slack user id is mentioned; a name from an imported file is shown as written.
pub fn owner_text(owner: &str) -> String {
    if owner.starts_with('U') && owner.chars().all(|c| c.is_ascii_alphanumeric()) {
        format!("<@{owner}>")
    } else {
        blocks::escape(owner)
    }
}

/// The status changes a button offers from `status`, with their labels.
pub fn transitions(status: ItemStatus) -> &'static [(ItemStatus, &'static str)] {
    match status {
        ItemStatus::Open => &[
            (ItemStatus::InProgress, "Start"),
            (ItemStatus::Done, "Done"),
            (ItemStatus::Deprioritized, "Deprioritize"),
        ],
        ItemStatus::InProgress => &[
            (ItemStatus::Done, "Done"),
            (ItemStatus::Deprioritized, "Deprioritize"),
        ],
        ItemStatus::Done | ItemStatus::Deprioritized => &[(ItemStatus::Open, "Reopen")],
    }
}

/// A button's value: the item, the status it was drawn for, and the status it asks for.
/// Carrying the status it was drawn for lets a press on an old message be told apart from
/// a double click.
pub fn button_value(id: i64, from: ItemStatus, to: ItemStatus) -> String {
    format!("{id}:{}:{}", from.code(), to.code())
}

/// Reads a button's value back.
pub fn parse_button_value(value: &str) -> Option<(i64, ItemStatus, ItemStatus)> {
    let mut parts = value.split(':');
    let id = parts.next()?.parse().ok()?;
    let from = ItemStatus::parse(parts.next()?)?;
    let to = ItemStatus::parse(parts.next()?)?;
    parts.next().is_none().then_some((id, from, to))
}

/// The item's section and its buttons.
pub fn item_blocks(item: &ActionItem, now: Timestamp, today: Date) -> Vec<SlackBlock> {
    let buttons = transitions(item.status)
        .iter()
        .map(|&(to, label)| {
            let style = if to == ItemStatus::Done {
                Style::Primary
            } else {
                Style::Default
            };
            // Slack refuses a block whose buttons share an action id, so each carries its
            // target status after the shared prefix the dispatcher routes on.
            blocks::button(
                label,
                &format!("{}:{}", crate::ids::ACTION_STATUS, to.code()),
                &button_value(item.id, item.status, to),
                style,
            )
        })
        .collect();
    vec![
        blocks::section(item_line(item, now, today)),
        blocks::actions(Some(&format!("item-{}", item.id)), buttons),
    ]
}

/// The message that shows one item where it was added; updated in place on every change.
pub fn item_message(item: &ActionItem, now: Timestamp, today: Date) -> SlackMessageContent {
    let mut content = vec![blocks::context("Action item")];
    content.extend(item_blocks(item, now, today));
    blocks::message(
        format!("Action item {}: {}", item_ref(item.id), item.title),
        content,
    )
}

/// A page of a listing: a heading, the items with buttons, and where the rest are.
pub fn listing(
    heading: &str,
    items: &[ActionItem],
    more: Option<String>,
    now: Timestamp,
    today: Date,
) -> Vec<SlackBlock> {
    let mut content = vec![blocks::section(format!("*{heading}*"))];
    if items.is_empty() {
        content.push(blocks::context(
            "None. Add one in an incident's channel with `/debrief action add title=\"…\"`.",
        ));
    }
    for item in items.iter().take(PAGE_SIZE) {
        content.extend(item_blocks(item, now, today));
    }
    if let Some(more) = more {
        content.push(blocks::context(more));
    }
    content.truncate(limits::MESSAGE_BLOCKS);
    content
}

/// The weekly digest: open items oldest first, those open more than 90 days called out.
pub fn digest(items: &[ActionItem], now: Timestamp, today: Date) -> SlackMessageContent {
    let stale = items
        .iter()
        .filter(|i| age_days(i, now) > STALE_AFTER_DAYS)
        .count();
    let mut head = format!("*Your open action items this week: {}.*", items.len());
    if stale > 0 {
        head.push_str(&format!(
            " {stale} {} been open more than {STALE_AFTER_DAYS} days: close {}, or deprioritize with a reason, so the learning review sees where things stand.",
            if stale == 1 { "has" } else { "have" },
            if stale == 1 { "it" } else { "them" },
        ));
    }
    let lines: Vec<String> = items
        .iter()
        .map(|i| {
            let flag = if age_days(i, now) > STALE_AFTER_DAYS {
                ":warning: "
            } else {
                ""
            };
            format!("• {flag}{}", item_line(i, now, today).replace('\n', " — "))
        })
        .collect();
    let mut content = vec![blocks::section(head)];
    content.extend(blocks::long_section(&lines.join("\n")));
    content.push(blocks::context(
        "Change one with its number, e.g. `/debrief action 12 status=done`. `/debrief digest off` stops this weekly message.",
    ));
    content.truncate(limits::MESSAGE_BLOCKS);
    blocks::message(format!("Your open action items: {}", items.len()), content)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn item(id: i64, status: ItemStatus, created_at: i64) -> ActionItem {
        ActionItem {
            id,
            team_id: "T".into(),
            incident_id: Some(1),
            external_id: None,
            title: format!("Item <{id}>"),
            owner_id: Some("U0BOB".into()),
            kind: Some("fix".into()),
            services: String::new(),
            failure_mode: None,
            due_on: Some("2026-01-10".into()),
            url: None,
            status,
            individual: false,
            counterfactual_id: None,
            message_channel: None,
            message_ts: None,
            created_by: "U0ALICE".into(),
            created_at,
            updated_at: created_at,
            incident_channel: Some("C1".into()),
            incident_title: Some("Checkout".into()),
        }
    }

    fn now() -> Timestamp {
        "2026-02-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn button_values_round_trip_and_reject_junk() {
        let v = button_value(12, ItemStatus::Open, ItemStatus::Done);
        assert_eq!(v, "12:open:done");
        assert_eq!(
            parse_button_value(&v),
            Some((12, ItemStatus::Open, ItemStatus::Done))
        );
        for junk in [
            "",
            "12",
            "x:open:done",
            "12:open:finished",
            "12:open:done:1",
        ] {
            assert_eq!(parse_button_value(junk), None, "{junk}");
        }
    }

    #[test]
    fn a_line_says_overdue_and_stale_and_escapes_the_title() {
        let today: Date = "2026-02-01".parse().unwrap();
        let old = now().as_second() - 100 * 86_400;
        let line = item_line(&item(3, ItemStatus::Open, old), now(), today);
        assert!(line.starts_with("#3 Item &lt;3&gt;"), "{line}");
        assert!(line.contains("<@U0BOB>") && line.contains("due 2026-01-10 (overdue)"));
        assert!(
            line.contains("open 100 days") && line.contains("<#C1>"),
            "{line}"
        );
        let done = item_line(&item(3, ItemStatus::Done, old), now(), today);
        assert!(!done.contains("overdue") && !done.contains("open 100 days"));
    }

    #[test]
    fn a_full_page_stays_within_the_block_limit() {
        let items: Vec<ActionItem> = (0..25)
            .map(|n| item(n, ItemStatus::Open, now().as_second()))
            .collect();
        let today: Date = "2026-02-01".parse().unwrap();
        let page = listing("Open", &items, Some("more".into()), now(), today);
        assert!(page.len() <= limits::MESSAGE_BLOCKS);
        assert_eq!(page.len(), 1 + 2 * PAGE_SIZE + 1);
    }

    #[test]
    fn the_digest_calls_out_old_items() {
        let today: Date = "2026-02-01".parse().unwrap();
        let items = vec![
            item(1, ItemStatus::Open, now().as_second() - 120 * 86_400),
            item(2, ItemStatus::InProgress, now().as_second() - 86_400),
        ];
        let text = serde_json::to_string(&digest(&items, now(), today)).unwrap();
        assert!(text.contains("1 has been open more than 90 days"), "{text}");
        assert!(text.contains(":warning: #1"), "{text}");
        assert!(!text.contains(":warning: #2"), "{text}");
    }
}
