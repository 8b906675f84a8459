//! `dashboards/debrief.json`: every metric its PromQL names is one debrief exports, and,
//! where promtool is installed, every expression parses.

use std::collections::BTreeSet;
use std::time::Duration;

use debrief::sandbox::Fault;

use crate::helpers::{TestApp, TestDb};
use crate::on_both_databases;

on_both_databases!(every_metric_the_dashboard_queries_is_exported);

fn dashboard() -> serde_json::Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/dashboards/debrief.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).expect("the dashboard is JSON")
}

/// Every `expr` in the dashboard, panels, rows and template variables alike.
fn expressions(value: &serde_json::Value, found: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("expr", serde_json::Value::String(expr)) => found.push(expr.clone()),
                    _ => expressions(inner, found),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| expressions(i, found)),
        _ => {}
    }
}

/// The metric names an expression reads: identifiers outside label matchers, ranges,
/// strings and `by (…)` lists that are not functions, aggregations or keywords.
fn metric_names(expr: &str) -> BTreeSet<String> {
    const KEYWORDS: &[&str] = &[
        "by", "without", "on", "ignoring", "and", "or", "unless", "offset", "bool",
    ];
    let mut plain = String::new();
    let mut depth_brace = 0;
    let mut depth_bracket = 0;
    let mut in_string = false;
    for c in expr.chars() {
        match c {
            '"' => in_string = !in_string,
            '{' if !in_string => depth_brace += 1,
            '}' if !in_string => depth_brace -= 1,
            '[' if !in_string => depth_bracket += 1,
            ']' if !in_string => depth_bracket -= 1,
            _ if in_string || depth_brace > 0 || depth_bracket > 0 => {}
            c => plain.push(c),
        }
    }
    // Drop grouping label lists: `by (severity)`, `on (instance)`.
    for keyword in ["by", "without", "on", "ignoring"] {
        let opener = format!("{keyword} (");
        while let Some(at) = plain.find(&opener) {
            let close = at + plain[at..].find(')').expect("a closed label list");
            plain.replace_range(at..=close, " ");
        }
    }
    let mut names = BTreeSet::new();
    let mut rest = plain.as_str();
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphabetic() || c == '_') {
        rest = &rest[start..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        let word = &rest[..end];
        rest = &rest[end..];
        let called = rest.trim_start().starts_with('(');
        if !called && !KEYWORDS.contains(&word) {
            names.insert(word.to_string());
        }
    }
    names
}

/// The label selector after each time `name` is read in `expr` (empty when it has none).
fn selectors(expr: &str, name: &str) -> Vec<String> {
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = expr[from..].find(name) {
        let start = from + at;
        let end = start + name.len();
        from = end;
        let before = expr[..start].chars().next_back();
        let after = expr[end..].chars().next();
        if before.is_some_and(is_name_char) || after.is_some_and(is_name_char) {
            continue;
        }
        found.push(match expr[end..].strip_prefix('{') {
            Some(rest) => rest[..rest.find('}').unwrap_or(rest.len())].to_string(),
            None => String::new(),
        });
    }
    found
}

#[test]
fn selectors_are_found_for_the_whole_name_only() {
    let expr = r#"sum(action_items_open{age="x", team=~"$team"}) / sum(action_items_opened_total)"#;
    assert_eq!(
        selectors(expr, "action_items_open"),
        [r#"age="x", team=~"$team""#]
    );
    assert_eq!(selectors(expr, "action_items_opened_total"), [""]);
}

#[test]
fn metric_names_are_found_outside_labels_and_groupings() {
    assert_eq!(
        metric_names(
            r#"sum by (severity, mode) (increase(incident_opened_total{is_recurrence="true"}[90d]))"#
        ),
        BTreeSet::from(["incident_opened_total".to_string()])
    );
    assert_eq!(
        metric_names("histogram_quantile(0.95, sum by (route, le) (rate(x_bucket[5m]))) / y"),
        BTreeSet::from(["x_bucket".to_string(), "y".to_string()])
    );
    assert_eq!(
        metric_names("sum by (kind) (jobs_pending)"),
        BTreeSet::from(["jobs_pending".to_string()])
    );
}

async fn every_metric_the_dashboard_queries_is_exported(db: TestDb) {
    let mut exprs = Vec::new();
    expressions(&dashboard(), &mut exprs);
    assert!(exprs.len() >= 10, "{exprs:?}");
    // Data for every panel: incidents, action items, a completed review, a closed pulse,
    // requests, a failed Slack call and a job backlog.
    let app = TestApp::spawn(&db).await;
    app.expect_leftover_jobs(); // the Slack failure leaves its job to retry later
    app.open_review("").await;
    app.cmd("U0ALICE", r#"action add title="Canary stage" kind=fix"#)
        .await;
    app.run_due_jobs().await;
    // A pulse that closes with three answers: the pulse panel's series.
    app.cmd("U0ALICE", "pulse deadline=1d").await;
    app.run_due_jobs().await;
    for (user, score) in [("U0BOB", 4), ("U0CAROL", 3), ("U0DAN", 5)] {
        app.answer_pulse(user, score, "").await;
    }
    app.advance(Duration::from_secs(2 * 86_400 + 3600));
    app.run_due_jobs().await;
    let done = app.cmd("U0ALICE", "review done").await;
    assert!(done.contains("marked done"), "{done}");
    app.sandbox
        .fail_next("chat.postMessage", Fault::Status(500), 1);
    app.cmd("U0ALICE", r#"action add title="Runbook" kind=process"#)
        .await;
    app.run_due_jobs().await;
    app.get("/metrics").await;
    let (_, text) = app.get("/metrics").await;
    app.stop().await;
    let exported: BTreeSet<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split(['{', ' ']).next())
        .collect();
    let mut missing = Vec::new();
    for expr in &exprs {
        for name in metric_names(expr) {
            if !exported.contains(name.as_str()) {
                missing.push(format!("{name} (in {expr})"));
            }
        }
    }
    assert!(missing.is_empty(), "not in /metrics: {missing:#?}\n{text}");
    assert!(
        text.contains("debrief_slack_api_errors_total{method=\"chat.postMessage\"} 1"),
        "{text}"
    );

    // Every series that carries a workspace is read for the workspaces picked in the
    // dashboard's `team` variable, whose values come from such a series.
    let per_workspace: BTreeSet<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains("team=\""))
        .filter_map(|l| l.split('{').next())
        .collect();
    assert!(
        per_workspace.contains("incident_opened_total")
            && per_workspace.contains("action_items_open"),
        "{per_workspace:?}"
    );
    let mut unfiltered = Vec::new();
    for expr in &exprs {
        for name in metric_names(expr) {
            if per_workspace.contains(name.as_str())
                && selectors(expr, &name)
                    .iter()
                    .any(|selector| !selector.contains("team=~\"$team\""))
            {
                unfiltered.push(format!("{name} in {expr}"));
            }
        }
    }
    assert!(
        unfiltered.is_empty(),
        "read for every workspace whatever is picked: {unfiltered:#?}"
    );
    let variables = &dashboard()["templating"]["list"];
    let team = variables
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "team")
        .expect("a team variable");
    let query = team["query"].as_str().unwrap();
    let source = query
        .strip_prefix("label_values(")
        .and_then(|q| q.strip_suffix(", team)"))
        .unwrap_or_else(|| panic!("team's values come from a series' labels: {query}"));
    assert!(per_workspace.contains(source), "{query}");

    let rules: String = exprs
        .iter()
        .enumerate()
        .map(|(n, expr)| {
            format!(
                "      - record: dashboard:panel_{n}\n        expr: {}\n",
                serde_json::to_string(expr).unwrap()
            )
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dashboard.rules.yml");
    std::fs::write(
        &file,
        format!("groups:\n  - name: dashboard\n    rules:\n{rules}"),
    )
    .unwrap();
    if let Some(problems) =
        crate::helpers::promtool(&["check", "rules", file.to_str().unwrap()], "")
    {
        assert_eq!(problems, "", "promtool check rules:\n{problems}");
    }
}
