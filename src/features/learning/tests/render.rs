//! Purpose: the Markdown document, the Slack sections and the JSON export of the fixture's
//! report: wording of the key figures, clean edges, and Slack's size limit on a large set.

use jiff::tz::TimeZone;

use super::super::facts::Facts;
use super::super::{SECTION_LIMIT, compute, to_markdown, to_slack_sections};
use super::fixture::{facts, q3_report, request};
use super::perf::synthetic;

#[test]
fn markdown_states_the_figures_and_ends_cleanly() {
    let md = to_markdown(&q3_report());
    assert!(md.starts_with(
        "# Quarterly learning review: 2026-Q3\n\n**Period:** 2026-07-01 to 2026-09-30 (UTC)"
    ));
    assert!(
        md.ends_with('\n') && !md.ends_with("\n\n"),
        "one final newline"
    );
    assert!(!md.contains("\n\n\n"), "no double blank lines");
    assert!(md.lines().all(|l| l == l.trim_end()), "no trailing spaces");
    for expected in [
        "## Running order (90 minutes)",
        "| 3 | Action-item audit | 0:35–0:55 | 20 |",
        "**75%** of this quarter's incidents (6 of 8) had a failure mode seen before.",
        "## 1. Incident inventory (15 min)",
        "- **unassigned:** ledger (1)",
        "- #13 Incident 13 (meeting 2026-08-21)",
        "## 2. Pattern analysis (20 min)",
        "- **cache-invalidation** ×3: #10, #11, #15",
        "This quarter the mean share is 17%, so the line is 33%.",
        "- **payments**: 4 incidents, 44% of incident–service pairs",
        "median 32.5 min (range 20–45, n = 2)",
        "25% (2 of 8) of this quarter's incidents started within 24 hours of a deploy",
        "against 23% (3 of 13) all-time. 4 incidents had no deploy information.",
        "## 3. Action-item audit (20 min)",
        "4 items opened: 1 completed, 1 in progress, 2 deprioritized, 0 not started.",
        "deprioritized 2026-06-01 by @lee, “no capacity this half”; then 4 incidents: #10, #11, #13, #15",
        "| 2026-Q1 | 1 | 2 | 2.00 | above 1.0: closing faster than opening |",
        "| 2026-Q3 | 3 | 3 | 1.00 | exactly 1.0: closing as fast as opening |",
        "- #103 Item 103 (@kim): 351 days, open, search",
        "## 4. Psychological-safety pulse (15 min)",
        "mean **4.0** of 5 (+0.5 against last quarter), 80% (12 of 15) responded",
        "**Survey**: too few reviews to compare (on (5), off (1)).",
        "**live**: 3 reviews, speaker ratio 83% (n = 3), survey response 80% (n = 3)",
        "## 5. Forward-looking risks (20 min)",
        "- **timeout-cascade**: 0 → 1 → 1 → 2 (+1)",
        "- Condition 201 (#10: within our control, cost S, helps many classes of incident, leverage 3)",
        "- **edge** has never had: config-drift (in discovery); vendor-outage (in commerce)",
        "- **PagerDuty**: named in surveys",
        "`/debrief learnings` was used 14 times this quarter (2025-Q4: 0, 2026-Q1: 0, 2026-Q2: 9).",
    ] {
        assert!(md.contains(expected), "missing {expected:?} in\n{md}");
    }
}

#[test]
fn typed_text_is_escaped() {
    let mut f = facts();
    f.incidents.iter_mut().find(|i| i.id == 13).unwrap().title =
        "DB | *locks* <@U123>\nagain".into();
    let report = compute(
        &f,
        &request("2026-Q3", TimeZone::UTC, "2026-10-02T12:00:00Z"),
    );
    assert!(
        to_markdown(&report)
            .contains("- #13 DB \\| \\*locks\\* \\<@U123\\> again (meeting 2026-08-21)")
    );
    let slack = to_slack_sections(&report);
    assert!(
        slack[1]
            .body
            .contains("• #13 DB | *locks* &lt;@U123&gt; again (meeting 2026-08-21)"),
        "{}",
        slack[1].body
    );
}

#[test]
fn slack_sections_follow_the_template_within_the_limit() {
    let sections = to_slack_sections(&q3_report());
    let titles: Vec<&str> = sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(
        titles,
        vec![
            "Quarterly learning review: 2026-Q3",
            "1. Incident inventory (15 min)",
            "2. Pattern analysis (20 min)",
            "3. Action-item audit (20 min)",
            "4. Psychological-safety pulse (15 min)",
            "5. Forward-looking risks (20 min)",
            "Citing past learnings",
        ]
    );
    assert!(
        sections[0]
            .body
            .contains("*75%* of this quarter's incidents (6 of 8)")
    );
    assert!(
        sections[0]
            .body
            .contains("2025-Q4 0% · 2026-Q1 50% · 2026-Q2 50% · 2026-Q3 75%")
    );
    assert!(
        sections[2]
            .body
            .contains("*By hour:* 03h 1 · 08h 1 · 09h 1 · 10h 1 · 14h 2 · 23h 2")
    );
    assert!(sections[3].body.contains(
        "2025-Q4 0.00 (0/3) · 2026-Q1 2.00 (2/1) · 2026-Q2 0.00 (0/4) · 2026-Q3 1.00 (3/3)"
    ));
    for s in &sections {
        assert!(s.body.chars().count() < SECTION_LIMIT);
        assert!(!s.body.starts_with('\n') && !s.body.ends_with('\n'));
    }
}

#[test]
fn slack_sections_stay_under_the_limit_on_a_large_data_set() {
    let big = synthetic(20_000, 60_000);
    let report = compute(&big.facts, &big.request);
    let sections = to_slack_sections(&report);
    for s in &sections {
        assert!(
            s.body.chars().count() < SECTION_LIMIT,
            "{}: {}",
            s.title,
            s.body.chars().count()
        );
    }
    let all: String = sections.iter().map(|s| s.body.as_str()).collect();
    assert!(all.contains("…and "), "long lists are cut with a count");
}

#[test]
fn the_report_exports_as_json_and_facts_round_trip() {
    let value = serde_json::to_value(q3_report()).unwrap();
    assert_eq!(value["recurrence"][3]["quarter"], "2026-Q3");
    assert_eq!(value["recurrence"][3]["ratio"]["value"], 0.75);
    assert_eq!(value["header"]["figures_as_of"], "2026-10-01T00:00:00Z");
    assert_eq!(value["culture"]["pulse"]["state"], "results");
    assert_eq!(
        value["audit"]["implicated"]["items"][0]["deprioritized_day"],
        "2026-06-01"
    );
    assert_eq!(value["audit"]["implicated"]["total"], 2);
    let text = serde_json::to_string(&facts()).unwrap();
    let back: Facts = serde_json::from_str(&text).unwrap();
    assert_eq!(back, facts());
    // Imports may leave optional fields out.
    let minimal: Facts = serde_json::from_str(
        r#"{"incidents":[{"id":1,"title":"x","created_at":"2026-07-01T00:00:00Z"}],
            "action_items":[{"id":1,"title":"y","created_at":"2026-07-01T00:00:00Z",
            "kind":"tech-debt","history":[{"at":"2026-07-02T00:00:00Z","status":"in_progress","by":"@a"}]}]}"#,
    )
    .unwrap();
    assert_eq!(minimal.incidents[0].services.len(), 0);
}

/// Writes the fixture's renderings for a person to read: `LEARNING_DUMP=dir cargo test dump`.
#[test]
fn dump_renderings_when_asked() {
    let Ok(dir) = std::env::var("LEARNING_DUMP") else {
        return;
    };
    let report = q3_report();
    std::fs::write(format!("{dir}/q3.md"), to_markdown(&report)).unwrap();
    let slack: Vec<String> = to_slack_sections(&report)
        .into_iter()
        .map(|s| format!("=== {} ===\n{}", s.title, s.body))
        .collect();
    std::fs::write(format!("{dir}/q3.slack.txt"), slack.join("\n\n")).unwrap();
    std::fs::write(
        format!("{dir}/q3.json"),
        serde_json::to_string_pretty(&report).unwrap(),
    )
    .unwrap();
}

#[test]
fn capped_lists_keep_exact_totals_and_say_how_many_more() {
    let mut req = request("2026-Q3", TimeZone::UTC, "2026-10-02T12:00:00Z");
    req.settings.max_ids = 2;
    req.settings.max_listed = 1;
    let report = compute(&facts(), &req);
    // cache-invalidation: #10 #11 #15, two listed.
    let modes = &report.patterns.recurring_modes[0];
    assert_eq!(
        (modes.incidents.total, modes.incidents.items.clone()),
        (3, vec![10, 11])
    );
    // Two implicated items, one listed; its four incidents, two listed.
    let implicated = &report.audit.implicated;
    assert_eq!((implicated.total, implicated.items.len()), (2, 1));
    assert_eq!(implicated.items[0].incidents.total, 4);
    let md = to_markdown(&report);
    assert!(
        md.contains("- **cache-invalidation** ×3: #10, #11 and 1 more"),
        "{md}"
    );
    assert!(
        md.contains("then 4 incidents: #10, #11 and 2 more\n- …and 1 more"),
        "{md}"
    );
    let slack = to_slack_sections(&report);
    assert!(slack[3].body.contains("…and 1 more"), "{}", slack[3].body);
}
