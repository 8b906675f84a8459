//! Purpose: the demo's epilogue: what happens after the review. An action item with its
//! buttons, last quarter backfilled from files (`debrief import`), and the quarterly
//! learning review of that quarter, posted in the channel and printed as Markdown.

use std::path::Path;

use anyhow::Context as _;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::{CHANNEL, Demo, FACILITATOR};
use crate::cli::{self, ImportKind};
use crate::features::learning::quarter::Quarter;

/// Days into the quarter, hour (UTC), id, title, severity, services, failure mode, vendor.
type Row = (
    i64,
    i64,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const INCIDENTS: [Row; 6] = [
    (
        4,
        9,
        "old-101",
        "Search results stale after reindex",
        "P2",
        "search",
        "cache invalidation",
        "",
    ),
    (
        17,
        14,
        "old-102",
        "Card payments declined",
        "P1",
        "payments",
        "vendor outage",
        "Stripe",
    ),
    (
        29,
        3,
        "old-103",
        "Checkout 500s after config push",
        "P1",
        "checkout",
        "config drift",
        "",
    ),
    (
        44,
        10,
        "old-104",
        "Cart totals wrong after cache flush",
        "P2",
        "checkout;cart",
        "cache invalidation",
        "",
    ),
    (
        61,
        23,
        "old-105",
        "Login slow for EU users",
        "P3",
        "auth",
        "capacity",
        "",
    ),
    (
        78,
        16,
        "old-106",
        "Prices stale on product pages",
        "P2",
        "catalog",
        "cache invalidation",
        "",
    ),
];

fn incidents_csv(first_day: Timestamp) -> String {
    let mut csv = String::from("id,title,started_at,severity,services,failure_mode,vendor\n");
    for (day, hour, id, title, sev, services, mode, vendor) in INCIDENTS {
        let at = Timestamp::from_second(first_day.as_second() + day * 86_400 + hour * 3600)
            .unwrap_or(first_day);
        csv.push_str(&format!(
            "{id},{title},{at},{sev},\"{services}\",{mode},{vendor}\n"
        ));
    }
    csv
}

/// Items of the backfilled quarter: one deprioritized before the incidents that then hit it.
fn actions_json(first_day: Timestamp) -> String {
    let at = |days: i64| {
        Timestamp::from_second(first_day.as_second() + days * 86_400)
            .unwrap_or(first_day)
            .to_string()
    };
    format!(
        r#"[
  {{"id": "T-1", "incident_id": "old-101", "title": "Version search cache keys", "kind": "tech-debt",
    "owner": "dan", "created_at": "{}", "status": "deprioritized", "status_changed_at": "{}",
    "reason": "no capacity this quarter"}},
  {{"id": "T-2", "incident_id": "old-102", "title": "Circuit breaker on the Stripe client", "kind": "mitigation",
    "owner": "erin", "created_at": "{}", "status": "done", "status_changed_at": "{}"}},
  {{"id": "T-3", "incident_id": "old-103", "title": "Validate config before push", "kind": "fix",
    "owner": "frank", "created_at": "{}", "status": "in_progress", "status_changed_at": "{}"}}
]"#,
        at(5),
        at(12),
        at(18),
        at(40),
        at(30),
        at(35)
    )
}

impl Demo<'_> {
    pub(super) async fn epilogue(&mut self, folder: &Path) -> anyhow::Result<()> {
        self.stage("11. Epilogue: action items, a backfilled quarter and its learning review")?;
        self.command(
            FACILITATOR,
            CHANNEL,
            r#"action add title="Canary stage for CDN purges" owner=<@U0FRANK> kind=mitigation"#,
        )
        .await?;
        self.run_due().await?;

        let quarter = Quarter::containing(self.now(), &TimeZone::UTC).previous();
        let first_day = quarter.start(&TimeZone::UTC);
        let team = self.sandbox.world().team_id.clone();
        let incidents = folder.join("incidents.csv");
        let actions = folder.join("actions.json");
        std::fs::write(&incidents, incidents_csv(first_day))?;
        std::fs::write(&actions, actions_json(first_day))?;
        for (kind, path, shown) in [
            (ImportKind::Incidents, &incidents, "incidents.csv"),
            (ImportKind::Actions, &actions, "actions.json"),
        ] {
            let what = match kind {
                ImportKind::Incidents => "incidents",
                ImportKind::Actions => "actions",
            };
            self.line(&format!(
                "An SRE backfills {quarter}: debrief import {what} {shown}"
            ))?;
            let summary = cli::import(&self.state.store, &team, kind, path, self.now())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            self.line(&format!("  {}", summary.replace('\n', "\n  ")))?;
        }
        self.command(
            FACILITATOR,
            CHANNEL,
            &format!("learning-review quarter={quarter}"),
        )
        .await?;
        self.run_due().await?;
        self.line(&format!(
            "The same report as Markdown (`debrief learning-review --quarter {quarter}`):"
        ))?;
        let (markdown, _) = cli::learning_review(
            &self.state.store,
            Some(&self.state.pseudonym_key),
            &self.state.config.learning,
            &team,
            quarter,
            self.now(),
        )
        .await?;
        writeln!(self.out, "{markdown}")?;
        Ok(())
    }
}

impl Demo<'_> {
    /// The quarterly psychological-safety pulse: sent, answered anonymously by four
    /// people (one with a comment), closed, and its results.
    pub(super) async fn pulse(&mut self, folder: &Path) -> anyhow::Result<()> {
        self.stage("12. Epilogue: the quarterly psychological-safety pulse")?;
        self.command(FACILITATOR, CHANNEL, "pulse deadline=2d")
            .await?;
        self.run_due().await?;
        for (user, score, comment) in [
            ("U0BOB", "4", ""),
            (
                "U0CAROL",
                "2",
                "In the big review I held back; the survey was easier.",
            ),
            ("U0DAN", "4", ""),
            ("U0ERIN", "5", "The check-in made it normal to speak."),
        ] {
            let dm = format!("D{}", user.trim_start_matches('U'));
            let invite = self
                .sandbox
                .messages_in(&dm)
                .into_iter()
                .rev()
                .find(|m| m.blocks.to_string().contains(crate::ids::PULSE_OPEN))
                .context("the pulse DM arrived")?;
            let name = self.name(user);
            self.line(&format!("{name} clicks \"Answer\" on the pulse"))?;
            self.slack
                .click_button(user, &dm, &invite.ts, crate::ids::PULSE_OPEN)
                .await;
            let mut inputs = vec![("pulse_score", score)];
            if !comment.is_empty() {
                inputs.push(("pulse_comment", comment));
            }
            self.submit_open_modal(user, &inputs).await?;
        }
        self.run_until(self.now().as_second() + 2 * 86_400 + 60)
            .await?;
        self.command(FACILITATOR, CHANNEL, "pulse results").await?;
        // The quarter's pulse chart, as the learning review and `debrief export` draw it.
        let quarter = Quarter::containing(self.now(), &self.state.config.learning.timezone);
        let team = self.sandbox.world().team_id.clone();
        let (_, charts) = crate::features::learning::post::report_and_charts(
            &self.state.store,
            Some(&self.state.pseudonym_key),
            &self.state.config.learning,
            &team,
            quarter,
            None,
            self.now(),
        )
        .await?;
        let chart = charts
            .iter()
            .find(|c| c.file_name == "pulse.png")
            .context("the pulse chart")?;
        let path = folder.join(format!("{quarter}-pulse.png"));
        std::fs::write(&path, &chart.png)?;
        self.line(&format!(
            "The pulse chart of {quarter} is at {} (run with --keep to keep it; `debrief export` writes every chart).",
            path.display()
        ))?;
        Ok(())
    }
}
