//! Purpose: the offline commands, run without Slack against the database: `debrief import
//! incidents|actions <file>`, `debrief export --quarter …` and `debrief learning-review
//! --quarter …`. Each returns what to print, or an error in a sentence; nothing printed
//! ever holds a database password.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use jiff::Timestamp;

use crate::config::LearningConfig;
use crate::config::{PseudonymKeySource, Secret};
use crate::features::learning::import::{self, RowError};
use crate::features::learning::quarter::Quarter;
use crate::features::learning::{
    LearningReport, compute, load, post, to_markdown, to_markdown_with_images,
};
use crate::pseudonym::PseudonymKey;
use crate::store::Store;
use crate::store::import::ImportSummary;

pub use crate::config::redact_url;

/// The anonymity key for reading survey tallies offline: DEBRIEF_PSEUDONYM_KEY, else the
/// file DEBRIEF_PSEUDONYM_KEY_FILE names, else the default key file if it exists. Never
/// created here: a new key would open nothing. `None` leaves survey tallies out.
pub fn existing_key(
    inline: Option<&str>,
    file: Option<&Path>,
    config_home: Option<&Path>,
) -> anyhow::Result<Option<PseudonymKey>> {
    let source = match (inline, file) {
        (Some(hex), _) => PseudonymKeySource::Inline(Secret::new(hex)),
        (None, Some(path)) => PseudonymKeySource::File(path.to_path_buf()),
        (None, None) => match config_home.map(crate::config::default_key_file) {
            Some(path) if path.exists() => PseudonymKeySource::File(path),
            _ => return Ok(None),
        },
    };
    crate::pseudonym::load_existing(&source).map(Some)
}

/// Opens (and migrates) the database, saying which one failed without its password.
pub async fn open(database_url: &str) -> anyhow::Result<Store> {
    Store::connect(database_url)
        .await
        .with_context(|| format!("could not open the database {}", redact_url(database_url)))
}

/// The workspace to work on: the one given, else the one the database holds.
pub async fn team(store: &Store, given: Option<&str>) -> anyhow::Result<String> {
    if let Some(team) = given {
        return Ok(team.to_string());
    }
    store.busiest_team().await?.ok_or_else(|| {
        anyhow::anyhow!(
            "this database holds no workspace yet: pass --team with your Slack workspace id (T…, in the workspace's About page)"
        )
    })
}

/// A Slack member id as people copy it from a profile: U or W, then capitals and digits.
pub fn check_member_id(id: &str) -> Result<(), String> {
    let well_formed = id.len() >= 3
        && id.len() <= 24
        && (id.starts_with('U') || id.starts_with('W'))
        && id
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if well_formed {
        Ok(())
    } else {
        Err(format!(
            "{id:?} is not a Slack member id; copy it from the person's profile (⋮ → Copy member ID), e.g. U012AB3CDE"
        ))
    }
}

/// What `forget-user` did, in one paragraph an operator can paste into a ticket.
pub fn forgotten_summary(user_id: &str, f: &crate::store::erasure::Forgotten) -> String {
    format!(
        "Forgot {user_id}: {} participant row(s), {} message count(s), {} cached profile(s), {} opt-out(s), {} pulse invitation(s), {} job(s), {} record(s) of messages sent to them, and their line in {} review(s)' left-out list. Anonymous answers, pulse answers and observations hold no link to anyone and were not touched; records of a role (facilitator, incident reporter, action-item owner, who started a pulse, who chose the learning review's channel) are kept.",
        f.participants,
        f.participation,
        f.profiles,
        f.opt_outs + f.pulse_opt_outs,
        f.pulse_invitations,
        f.jobs,
        f.sent_records,
        f.left_out_lists
    )
}

/// `debrief migrate-to`: copies every row of `source` into the empty `destination`.
/// Returns a summary naming both databases (without passwords) and the rows per table.
pub async fn migrate_to(source: &str, destination: &str) -> anyhow::Result<String> {
    if same_database(source, destination) {
        anyhow::bail!(
            "the destination is the source ({}); give migrate-to another database",
            redact_url(destination)
        );
    }
    let from = open(source).await?;
    let to = open(destination).await?;
    let copied = from.copy_into(&to).await?;
    from.close().await;
    to.close().await;
    let rows: u64 = copied.iter().map(|(_, n)| n).sum();
    let tables: Vec<String> = copied
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(t, n)| format!("{t}: {n}"))
        .collect();
    Ok(format!(
        "Copied {rows} rows from {} to {} ({}). Start debrief with DATABASE_URL set to the new database and the same pseudonym key: it checks the key against the copied fingerprint.",
        redact_url(source),
        redact_url(destination),
        if tables.is_empty() {
            "nothing to copy".to_string()
        } else {
            tables.join(", ")
        }
    ))
}

/// Whether two URLs name the same database (SQLite: the same file).
fn same_database(a: &str, b: &str) -> bool {
    let file = |url: &str| {
        url.strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .map(|path| {
                let path = path.split('?').next().unwrap_or(path);
                std::fs::canonicalize(path).unwrap_or_else(|_| PathBuf::from(path))
            })
    };
    match (file(a), file(b)) {
        (Some(x), Some(y)) => x == y,
        (None, None) => a.trim_end_matches('/') == b.trim_end_matches('/'),
        _ => false,
    }
}

/// What `purge` did, or would do without `--yes`.
pub fn purged_summary(team: &str, purged: &crate::store::erasure::Purged, deleted: bool) -> String {
    if purged.tables.iter().all(|(_, n)| *n == 0) {
        return format!(
            "Workspace {team} has nothing in this database, so nothing was purged. If that is unexpected, check the id: it starts with T and is on the workspace's About page."
        );
    }
    let counts: Vec<String> = purged
        .tables
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(table, n)| format!("{table}: {n}"))
        .collect();
    let counts = if counts.is_empty() {
        "nothing".to_string()
    } else {
        counts.join(", ")
    };
    let shared = if purged.shared_cleared {
        "It is the only workspace here, so pending jobs, cached profiles and opt-outs go too."
    } else {
        "Other workspaces' rows are here, so jobs, cached profiles and opt-outs (which name no workspace) stay."
    };
    if deleted {
        format!("Purged workspace {team}: {counts}. {shared}")
    } else {
        format!(
            "Would purge workspace {team}: {counts}. {shared} Nothing was deleted: run again with --yes."
        )
    }
}

/// Which file an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    Incidents,
    Actions,
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Rows that are not valid, each with its line, column and reason.
    #[error("{} problem(s) in the file; nothing was imported", .0.len())]
    Rows(Vec<RowError>),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// `debrief import incidents|actions <file>`: all or nothing, in one transaction.
pub async fn import(
    store: &Store,
    team_id: &str,
    kind: ImportKind,
    path: &Path,
    now: Timestamp,
) -> Result<String, ImportError> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("could not read {}", path.display()))?;
    let summary = match kind {
        ImportKind::Incidents => {
            let rows = import::incidents(&text).map_err(ImportError::Rows)?;
            store.import_incidents(team_id, &rows, now).await?
        }
        ImportKind::Actions => {
            let rows = import::actions(&text).map_err(ImportError::Rows)?;
            match store.import_actions(team_id, &rows, now).await? {
                Ok(summary) => summary,
                Err(rejected) => {
                    let errors = rejected
                        .0
                        .into_iter()
                        .map(|(line, message)| RowError { line, message })
                        .collect();
                    return Err(ImportError::Rows(errors));
                }
            }
        }
    };
    // Hook for the metrics work (issue 13): `incident_opened_total` is rebuilt from the
    // database at start-up, so a backfill is counted by the next start of `serve`; an
    // importer that also bumps a running server's counter would do it here, per added row.
    let what = match kind {
        ImportKind::Incidents => "incidents",
        ImportKind::Actions => "action items",
    };
    Ok(summary_text(what, &summary))
}

fn summary_text(what: &str, s: &ImportSummary) -> String {
    let mut text = format!(
        "{what}: {} added, {} updated, {} unchanged.",
        s.added,
        s.updated.len(),
        s.unchanged
    );
    if !s.updated.is_empty() {
        let shown: Vec<&str> = s.updated.iter().take(20).map(String::as_str).collect();
        let more = s.updated.len().saturating_sub(shown.len());
        text.push_str(&format!("\nUpdated: {}", shown.join(", ")));
        if more > 0 {
            text.push_str(&format!(" and {more} more"));
        }
        text.push('.');
    }
    if s.marks > 0 {
        text.push_str(&format!("\n{} recurrence marks recomputed.", s.marks));
    }
    text
}

/// How long each step of a report took.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    pub load: Duration,
    pub compute: Duration,
    pub render: Duration,
}

/// A quarter's report as Markdown, timed step by step.
pub async fn learning_review(
    store: &Store,
    key: Option<&PseudonymKey>,
    config: &LearningConfig,
    team_id: &str,
    quarter: Quarter,
    now: Timestamp,
) -> anyhow::Result<(String, Timings)> {
    let started = Instant::now();
    let facts = load::facts_for(store, key, team_id, quarter, &config.timezone).await?;
    let loaded = Instant::now();
    let report = compute(&facts, &post::request(config, quarter, None, now));
    let computed = Instant::now();
    let markdown = to_markdown(&report);
    let rendered = Instant::now();
    Ok((
        markdown,
        Timings {
            load: loaded - started,
            compute: computed - loaded,
            render: rendered - computed,
        },
    ))
}

/// `debrief export`: the Markdown report and every raw figure as JSON (lists uncapped).
pub async fn export(
    store: &Store,
    key: Option<&PseudonymKey>,
    config: &LearningConfig,
    team_id: &str,
    quarter: Quarter,
    out: &Path,
    now: Timestamp,
) -> anyhow::Result<Vec<PathBuf>> {
    let facts = load::facts_for(store, key, team_id, quarter, &config.timezone).await?;
    let capped = compute(&facts, &post::request(config, quarter, None, now));
    let mut uncapped_request = post::request(config, quarter, None, now);
    uncapped_request.settings.max_listed = usize::MAX;
    uncapped_request.settings.max_ids = usize::MAX;
    let full: LearningReport = compute(&facts, &uncapped_request);
    std::fs::create_dir_all(out).with_context(|| format!("could not create {}", out.display()))?;
    let markdown = out.join(format!("learning-review-{quarter}.md"));
    let json = out.join(format!("learning-review-{quarter}.json"));
    // The charts beside the document, named by quarter, and linked from their sections.
    let charts = crate::charts::quarter_charts(&crate::features::learning::charts::figures(
        &facts,
        &capped,
        &config.timezone,
    ))?;
    let mut written = Vec::new();
    let mut images = Vec::new();
    for chart in &charts {
        let name = format!("learning-review-{quarter}-{}", chart.file_name);
        let path = out.join(&name);
        std::fs::write(&path, &chart.png)
            .with_context(|| format!("could not write {}", path.display()))?;
        written.push(path);
        images.push((chart.section, chart.title.clone(), name));
    }
    let links: Vec<(usize, &str, &str)> = images
        .iter()
        .map(|(s, t, n)| (*s, t.as_str(), n.as_str()))
        .collect();
    std::fs::write(&markdown, to_markdown_with_images(&capped, &links))
        .with_context(|| format!("could not write {}", markdown.display()))?;
    let figures = serde_json::to_string_pretty(&full)?;
    std::fs::write(&json, figures + "\n")
        .with_context(|| format!("could not write {}", json.display()))?;
    let mut files = vec![markdown, json];
    files.extend(written);
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_print() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db.internal:5432/debrief?sslmode=require"),
            "postgres://app:***@db.internal:5432/debrief?sslmode=require"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/x"),
            "postgres://postgres@127.0.0.1/x"
        );
        assert_eq!(redact_url("sqlite://debrief.db"), "sqlite://debrief.db");
    }
}
