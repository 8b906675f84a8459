//! `debrief import`, `debrief export` and `debrief learning-review` as a user runs them, on
//! both databases: a bad row is named by line and nothing is written; importing twice adds
//! nothing; a changed row is updated and reported; recurrence is marked as `/debrief
//! incident` marks it; the report prints without Slack.

use std::path::Path;
use std::process::Command;

use debrief::store::Store;

use crate::helpers::TestDb;
use crate::on_both_databases;

on_both_databases!(
    a_bad_row_is_named_by_line_and_nothing_is_written,
    importing_twice_adds_nothing_and_changed_rows_are_updated,
);

const TEAM: &str = "T0IMPORT";

const INCIDENTS: &str = "\
id,title,started_at,severity,services,failure_mode,vendor,deploy
inc-1,Stale prices after cache flush,2026-07-02T09:00:00Z,P1,checkout;pricing,cache invalidation,,yes
inc-2,Payments timing out,2026-07-20T14:00:00Z,P2,payments,timeout cascade,Stripe,no
inc-3,Stale prices again,2026-08-11T23:30:00Z,P2,checkout,Cache Invalidation,,
";

const ACTIONS: &str = r#"[
  {"id": "act-1", "incident_id": "inc-1", "title": "Alert on cache age", "owner": "Dana",
   "kind": "detection", "created_at": "2026-07-03T10:00:00Z"},
  {"id": "act-2", "incident_id": "inc-1", "title": "Version the cache keys", "kind": "tech-debt",
   "status": "deprioritized", "status_changed_at": "2026-07-10T10:00:00Z",
   "reason": "no capacity", "created_at": "2026-07-03T10:00:00Z"}
]"#;

/// Runs the binary; returns (exit code, stdout, stderr).
fn debrief(args: &[&str], database_url: &str) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env_remove("DEBRIEF_TIMEZONE")
        .output()
        .expect("the binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

async fn incident_count(db: &TestDb) -> usize {
    let store = Store::connect(db.url()).await.unwrap();
    let facts = debrief::features::learning::load::facts(&store, None, TEAM)
        .await
        .unwrap();
    store.close().await;
    facts.incidents.len()
}

async fn a_bad_row_is_named_by_line_and_nothing_is_written(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let bad = INCIDENTS.replace(",P2,checkout,Cache", ",P9,checkout,Cache");
    let file = write(dir.path(), "incidents.csv", &bad);
    let (code, _, stderr) = debrief(&["import", "incidents", &file, "--team", TEAM], db.url());
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(r#"line 4: severity "P9" is not one of P1, P2, P3, P4"#),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert_eq!(incident_count(&db).await, 0, "all or nothing");

    // An item naming an incident that was never imported rejects the whole file.
    let good = write(dir.path(), "good.csv", INCIDENTS);
    let (code, _, stderr) = debrief(&["import", "incidents", &good, "--team", TEAM], db.url());
    assert_eq!(code, 0, "{stderr}");
    let orphan = ACTIONS.replace(
        "\"incident_id\": \"inc-1\", \"title\": \"Version",
        "\"incident_id\": \"inc-9\", \"title\": \"Version",
    );
    let file = write(dir.path(), "actions.json", &orphan);
    let (code, _, stderr) = debrief(&["import", "actions", &file], db.url());
    assert_eq!(code, 1);
    assert!(
        stderr.contains(r#"line 4: incident_id "inc-9" is not an imported incident"#),
        "{stderr}"
    );
    let store = Store::connect(db.url()).await.unwrap();
    let facts = debrief::features::learning::load::facts(&store, None, TEAM)
        .await
        .unwrap();
    assert!(
        facts.action_items.is_empty(),
        "the valid row was not written either"
    );
    store.close().await;

    // --help documents the columns.
    let (_, help, _) = debrief(&["import", "incidents", "--help"], db.url());
    assert!(
        help.contains("failure_mode") && help.contains("RFC 3339"),
        "{help}"
    );
}

async fn importing_twice_adds_nothing_and_changed_rows_are_updated(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let incidents = write(dir.path(), "incidents.csv", INCIDENTS);
    let actions = write(dir.path(), "actions.json", ACTIONS);
    let (code, out, err) = debrief(
        &["import", "incidents", &incidents, "--team", TEAM],
        db.url(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("incidents: 3 added, 0 updated, 0 unchanged"),
        "{out}"
    );
    let (code, out, err) = debrief(&["import", "actions", &actions], db.url());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("action items: 2 added"), "{out}");

    let (_, out, _) = debrief(&["import", "incidents", &incidents], db.url());
    assert!(out.contains("0 added, 0 updated, 3 unchanged"), "{out}");
    let (_, out, _) = debrief(&["import", "actions", &actions], db.url());
    assert!(out.contains("0 added, 0 updated, 2 unchanged"), "{out}");

    let changed = INCIDENTS.replace("Payments timing out", "Payments timing out at the gateway");
    let incidents = write(dir.path(), "incidents.csv", &changed);
    let (_, out, _) = debrief(&["import", "incidents", &incidents], db.url());
    assert!(out.contains("0 added, 1 updated, 2 unchanged"), "{out}");
    assert!(out.contains("Updated: inc-2."), "{out}");
    let done = ACTIONS.replace(
        r#""owner": "Dana","#,
        r#""owner": "Dana", "status": "done", "status_changed_at": "2026-08-01T00:00:00Z","#,
    );
    let actions = write(dir.path(), "actions.json", &done);
    let (_, out, _) = debrief(&["import", "actions", &actions], db.url());
    assert!(out.contains("1 updated") && out.contains("act-1"), "{out}");

    // Recurrence as `/debrief incident` marks it: inc-3 repeats inc-1's failure mode.
    let store = Store::connect(db.url()).await.unwrap();
    let facts = debrief::features::learning::load::facts(&store, None, TEAM)
        .await
        .unwrap();
    let by_title = |t: &str| facts.incidents.iter().find(|i| i.title == t).unwrap();
    assert_eq!(
        by_title("Stale prices again").recurrence_of,
        Some(by_title("Stale prices after cache flush").id)
    );
    assert_eq!(
        by_title("Stale prices after cache flush").recurrence_of,
        None
    );
    let alert = facts
        .action_items
        .iter()
        .find(|i| i.title == "Alert on cache age")
        .unwrap();
    assert_eq!(
        alert.history.len(),
        1,
        "the status change is in the history"
    );
    store.close().await;

    // The report without Slack, and the export.
    let (code, out, err) = debrief(
        &["learning-review", "--quarter", "2026-Q3", "--timings"],
        db.url(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("# Quarterly learning review: 2026-Q3"),
        "{out}"
    );
    assert!(
        out.contains("(1 of 3) had a failure mode seen before"),
        "{out}"
    );
    assert!(err.contains("timings: load"), "{err}");
    let out_dir = dir.path().join("export");
    let (code, out, err) = debrief(
        &[
            "export",
            "--quarter",
            "2026-Q3",
            "--out",
            &out_dir.display().to_string(),
        ],
        db.url(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("learning-review-2026-Q3.json"), "{out}");
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("learning-review-2026-Q3.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["inventory"]["incidents"], 3);
    assert_eq!(json["recurrence"][3]["ratio"]["numerator"], 1);
    // The charts are PNG files beside the document, linked from their sections.
    let markdown = std::fs::read_to_string(out_dir.join("learning-review-2026-Q3.md")).unwrap();
    let linked: Vec<&str> = markdown
        .lines()
        .filter_map(|l| l.strip_prefix("![")?.split_once("](")?.1.strip_suffix(')'))
        .collect();
    assert_eq!(linked.len(), 6, "{markdown}");
    for file in &linked {
        let bytes = std::fs::read(out_dir.join(file)).unwrap();
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{file}");
        assert!(out.contains(file), "{file} is listed: {out}");
    }
    let inventory = markdown.find("## 1. Incident inventory").unwrap();
    let patterns = markdown.find("## 2. Pattern analysis").unwrap();
    let recurrence = markdown.find("-recurrence.png)").unwrap();
    assert!(
        inventory < recurrence && recurrence < patterns,
        "{markdown}"
    );

    // A password in the database URL is never printed.
    let (code, _, err) = debrief(
        &["learning-review", "--quarter", "2026-Q3"],
        "postgres://debrief:hunter2@127.0.0.1:1/nowhere",
    );
    assert_ne!(code, 0);
    assert!(
        !err.contains("hunter2") && err.contains("debrief:***@"),
        "{err}"
    );
}
