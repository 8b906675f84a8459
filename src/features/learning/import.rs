//! Purpose: reading backfill files for `debrief import incidents|actions`: CSV with a
//! header row, or JSON (an array of objects), every row validated with the line, column and
//! reason of each problem. Pure: text in, typed rows or every error out. The columns are
//! documented in [`INCIDENT_COLUMNS`] and [`ACTION_COLUMNS`] (shown by `--help`).

use std::collections::{BTreeMap, HashSet};

use jiff::Timestamp;
use jiff::civil::Date;

use crate::domain::{ActionKind, ItemStatus};
use crate::grammar::normalize_tag;
use crate::store::import::{ImportIncident, ImportItem};

/// The incidents file's columns, for `--help` and the README.
pub const INCIDENT_COLUMNS: &str = "\
Columns of an incidents file (CSV header row, or the keys of each JSON object):
  id            required  your id for the incident; importing it again updates it
  title         required  up to 150 characters
  started_at    required  RFC 3339 time, e.g. 2026-07-14T09:30:00Z
  severity      optional  P1, P2, P3 or P4
  services      optional  service names separated by commas or semicolons
  failure_mode  optional  e.g. cache invalidation (stored as cache-invalidation)
  vendor        optional  third party involved, e.g. Stripe
  deploy        optional  yes or no: was a deploy involved?
  deployed_at   optional  RFC 3339 time of the last deploy before the incident
  resolved_at   optional  RFC 3339 time, not before started_at";

/// The action items file's columns, for `--help` and the README.
pub const ACTION_COLUMNS: &str = "\
Columns of an action items file (CSV header row, or the keys of each JSON object):
  id                 required  your id for the item; importing it again updates it
  title              required  up to 200 characters
  created_at         required  RFC 3339 time the item was opened
  incident_id        optional  the `id` of an imported incident it belongs to
  owner              optional  a Slack user id (U…) or a name
  kind               optional  fix, mitigation, detection, process or tech-debt
  status             optional  open (default), in_progress, done or deprioritized
  status_changed_at  required unless status is open: RFC 3339 time it took that status
  reason             optional  why, e.g. why it was deprioritized
  services           optional  service names separated by commas or semicolons
  failure_mode       optional  e.g. cache invalidation
  due                optional  YYYY-MM-DD
  url                optional  tracker link (Jira, Linear, GitHub), http(s)";

/// One problem in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// A record: its first line in the file, and its fields by column name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub fields: BTreeMap<String, String>,
}

/// Reads records from CSV or JSON (chosen by the first character).
pub fn records(text: &str) -> Result<Vec<Record>, RowError> {
    let trimmed = text.trim_start_matches('\u{feff}');
    if trimmed.trim_start().starts_with('[') {
        json_records(trimmed)
    } else {
        csv_records(trimmed)
    }
}

/// RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks.
fn csv_rows(text: &str) -> Result<Vec<(usize, Vec<String>)>, RowError> {
    let mut rows = Vec::new();
    let (mut row, mut field) = (Vec::new(), String::new());
    let (mut line, mut row_line) = (1, 1);
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            '"' if quoted => quoted = false,
            '"' if field.is_empty() => quoted = true,
            ',' if !quoted => row.push(std::mem::take(&mut field)),
            '\r' if !quoted => {}
            '\n' if !quoted => {
                row.push(std::mem::take(&mut field));
                if row.iter().any(|f| !f.trim().is_empty()) {
                    rows.push((row_line, std::mem::take(&mut row)));
                }
                row.clear();
                line += 1;
                row_line = line;
            }
            c => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
        }
    }
    if quoted {
        return Err(RowError {
            line: row_line,
            message: "a quoted field is never closed (a \" is missing)".into(),
        });
    }
    row.push(field);
    if row.iter().any(|f| !f.trim().is_empty()) {
        rows.push((row_line, row));
    }
    Ok(rows)
}

fn csv_records(text: &str) -> Result<Vec<Record>, RowError> {
    let mut rows = csv_rows(text)?.into_iter();
    let Some((_, header)) = rows.next() else {
        return Ok(Vec::new());
    };
    let header: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    rows.map(|(line, cells)| {
        if cells.len() > header.len() {
            return Err(RowError {
                line,
                message: format!(
                    "{} values, but the header names {} columns",
                    cells.len(),
                    header.len()
                ),
            });
        }
        let fields = header
            .iter()
            .cloned()
            .zip(cells.into_iter().map(|c| c.trim().to_string()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        Ok(Record { line, fields })
    })
    .collect()
}

/// The line on which each top-level object of a JSON array starts.
fn object_lines(text: &str) -> Vec<usize> {
    let (mut line, mut depth, mut in_string, mut escaped) = (1, 0, false, false);
    let mut starts = Vec::new();
    for c in text.chars() {
        match c {
            '\n' => line += 1,
            _ if in_string => match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            },
            '"' => in_string = true,
            '{' | '[' => {
                if c == '{' && depth == 1 {
                    starts.push(line);
                }
                depth += 1;
            }
            '}' | ']' => depth -= 1,
            _ => {}
        }
    }
    starts
}

fn json_records(text: &str) -> Result<Vec<Record>, RowError> {
    let values: Vec<serde_json::Value> = serde_json::from_str(text).map_err(|e| RowError {
        line: e.line(),
        message: format!("not valid JSON: {e}"),
    })?;
    let lines = object_lines(text);
    values
        .into_iter()
        .enumerate()
        .map(|(n, value)| {
            let line = lines.get(n).copied().unwrap_or(1);
            let serde_json::Value::Object(map) = value else {
                return Err(RowError {
                    line,
                    message: "each entry of the array must be an object".into(),
                });
            };
            let fields = map
                .into_iter()
                .filter_map(|(k, v)| {
                    let text = match v {
                        serde_json::Value::Null => return None,
                        serde_json::Value::String(s) => s,
                        serde_json::Value::Array(list) => list
                            .iter()
                            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                            .collect::<Vec<_>>()
                            .join(","),
                        serde_json::Value::Bool(b) => if b { "yes" } else { "no" }.into(),
                        other => other.to_string(),
                    };
                    let text = text.trim().to_string();
                    (!text.is_empty()).then(|| (k.to_lowercase(), text))
                })
                .collect();
            Ok(Record { line, fields })
        })
        .collect()
}

/// Reads one record's fields, collecting a sentence per problem.
struct Row<'a> {
    record: &'a Record,
    errors: &'a mut Vec<RowError>,
}

impl Row<'_> {
    fn fail(&mut self, message: String) {
        self.errors.push(RowError {
            line: self.record.line,
            message,
        });
    }

    fn get(&self, column: &str) -> Option<&str> {
        self.record.fields.get(column).map(String::as_str)
    }

    fn required(&mut self, column: &str) -> Option<String> {
        let value = self.get(column).map(str::to_string);
        if value.is_none() {
            self.fail(format!("{column} is missing, and it is required"));
        }
        value
    }

    fn time(&mut self, column: &str) -> Option<i64> {
        let raw = self.get(column)?.to_string();
        match raw.parse::<Timestamp>() {
            Ok(t) => Some(t.as_second()),
            Err(_) => {
                self.fail(format!(
                    "{column} \"{raw}\" is not a time like 2026-07-14T09:30:00Z (RFC 3339)"
                ));
                None
            }
        }
    }

    fn one_of(&mut self, column: &str, allowed: &[&str]) -> Option<String> {
        let raw = self.get(column)?.to_string();
        let found = allowed.iter().find(|a| a.eq_ignore_ascii_case(&raw));
        if found.is_none() {
            self.fail(format!(
                "{column} \"{raw}\" is not one of {}",
                allowed.join(", ")
            ));
        }
        found.map(|s| s.to_string())
    }

    fn tags(&self, column: &str) -> Vec<String> {
        let mut tags: Vec<String> = self
            .get(column)
            .unwrap_or_default()
            .split([',', ';'])
            .map(normalize_tag)
            .filter(|t| !t.is_empty())
            .collect();
        tags.dedup();
        tags
    }

    fn title(&mut self, max: usize) -> String {
        let title = self.required("title").unwrap_or_default();
        if title.chars().count() > max {
            self.fail(format!(
                "title is {} characters; keep it within {max}",
                title.chars().count()
            ));
        }
        title
    }

    fn unknown_columns(&mut self, known: &[&str]) {
        let unknown: Vec<String> = self
            .record
            .fields
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .cloned()
            .collect();
        for column in unknown {
            self.fail(format!(
                "{column} is not a column debrief knows (see --help)"
            ));
        }
    }
}

/// Every external id once; a second row with the same id is an error, not an update.
fn check_unique(line: usize, id: &str, seen: &mut HashSet<String>, errors: &mut Vec<RowError>) {
    if !seen.insert(id.to_string()) {
        errors.push(RowError {
            line,
            message: format!("id \"{id}\" appears twice in this file"),
        });
    }
}

const INCIDENT_KEYS: &[&str] = &[
    "id",
    "title",
    "started_at",
    "severity",
    "services",
    "failure_mode",
    "vendor",
    "deploy",
    "deployed_at",
    "resolved_at",
];

/// Validates an incidents file.
pub fn incidents(text: &str) -> Result<Vec<ImportIncident>, Vec<RowError>> {
    let records = records(text).map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let mut rows = Vec::new();
    for record in &records {
        let mut row = Row {
            record,
            errors: &mut errors,
        };
        row.unknown_columns(INCIDENT_KEYS);
        let id = row.required("id").unwrap_or_default();
        let title = row.title(150);
        let started_at = row.required("started_at").and(row.time("started_at"));
        let severity = row.one_of("severity", &["P1", "P2", "P3", "P4"]);
        let deploy = row.one_of("deploy", &["yes", "no"]).map(|d| d == "yes");
        let deployed_at = row.time("deployed_at");
        let resolved_at = row.time("resolved_at");
        if let (Some(start), Some(end)) = (started_at, resolved_at)
            && end < start
        {
            row.fail("resolved_at is before started_at".into());
        }
        let failure_mode = row
            .get("failure_mode")
            .map(normalize_tag)
            .filter(|m| !m.is_empty());
        let services = row.tags("services");
        let vendor = row.get("vendor").map(str::to_string);
        check_unique(record.line, &id, &mut seen, &mut errors);
        if let Some(started_at) = started_at {
            rows.push(ImportIncident {
                line: record.line,
                external_id: id,
                title,
                severity,
                services,
                failure_mode,
                vendor,
                deploy_related: deploy,
                deployed_at,
                started_at,
                resolved_at,
            });
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

const ACTION_KEYS: &[&str] = &[
    "id",
    "title",
    "created_at",
    "incident_id",
    "owner",
    "kind",
    "status",
    "status_changed_at",
    "reason",
    "services",
    "failure_mode",
    "due",
    "url",
];

/// Validates an action items file.
pub fn actions(text: &str) -> Result<Vec<ImportItem>, Vec<RowError>> {
    let records = records(text).map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let mut rows = Vec::new();
    let kinds: Vec<&str> = ActionKind::ALL.iter().map(|k| k.code()).collect();
    let statuses: Vec<&str> = ItemStatus::ALL.iter().map(|s| s.code()).collect();
    for record in &records {
        let mut row = Row {
            record,
            errors: &mut errors,
        };
        row.unknown_columns(ACTION_KEYS);
        let id = row.required("id").unwrap_or_default();
        let title = row.title(200);
        let created_at = row.required("created_at").and(row.time("created_at"));
        let kind = row.one_of("kind", &kinds);
        let status = row
            .one_of("status", &statuses)
            .and_then(|s| ItemStatus::parse(&s))
            .unwrap_or(ItemStatus::Open);
        let changed_at = row.time("status_changed_at");
        if status != ItemStatus::Open
            && changed_at.is_none()
            && row.get("status_changed_at").is_none()
        {
            row.fail(format!(
                "status_changed_at is missing, and it is required when status is {}",
                status.code()
            ));
        }
        if let (Some(created), Some(changed)) = (created_at, changed_at)
            && changed < created
        {
            row.fail("status_changed_at is before created_at".into());
        }
        let due = row.get("due").map(str::to_string);
        if let Some(raw) = &due
            && raw.parse::<Date>().is_err()
        {
            row.fail(format!("due \"{raw}\" is not a date like 2027-01-15"));
        }
        let url = row.get("url").map(str::to_string);
        if let Some(raw) = &url
            && !(raw.starts_with("https://") || raw.starts_with("http://"))
        {
            row.fail(format!("url \"{raw}\" is not an http(s) link"));
        }
        let item = created_at.map(|created_at| ImportItem {
            line: record.line,
            external_id: id.clone(),
            incident_external_id: row.get("incident_id").map(str::to_string),
            title,
            owner: row.get("owner").map(str::to_string),
            kind,
            status,
            status_changed_at: changed_at,
            reason: row.get("reason").map(str::to_string),
            services: row.tags("services"),
            failure_mode: row
                .get("failure_mode")
                .map(normalize_tag)
                .filter(|m| !m.is_empty()),
            due_on: due,
            url,
            created_at,
        });
        check_unique(record.line, &id, &mut seen, &mut errors);
        rows.extend(item);
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_commas_and_line_breaks() {
        let text =
            "id,title,services\n1,\"Cache, again\",\"a,b\"\n2,\"two\nlines\",c\n\n3,plain,\n";
        let rows = records(text).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].fields["title"], "Cache, again");
        assert_eq!(rows[1].fields["title"], "two\nlines");
        assert_eq!((rows[0].line, rows[1].line, rows[2].line), (2, 3, 6));
        assert!(!rows[2].fields.contains_key("services"));
    }

    #[test]
    fn every_bad_row_is_named_by_line_column_and_reason() {
        let text = "id,title,started_at,severity\n\
                    a,One,2026-07-01T00:00:00Z,P1\n\
                    b,Two,yesterday,P2\n\
                    a,Three,2026-07-02T00:00:00Z,P9\n";
        let errors: Vec<String> = incidents(text)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errors,
            vec![
                "line 3: started_at \"yesterday\" is not a time like 2026-07-14T09:30:00Z (RFC 3339)",
                "line 4: severity \"P9\" is not one of P1, P2, P3, P4",
                "line 4: id \"a\" appears twice in this file",
            ]
        );
    }

    #[test]
    fn json_arrays_report_the_line_each_object_starts_on() {
        let text = r#"[
  {"id": "x1", "title": "Ok", "created_at": "2026-07-01T00:00:00Z"},
  {"id": "x2", "title": "Bad",
   "created_at": "2026-07-01T00:00:00Z", "status": "finished"}
]"#;
        let errors = actions(text).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].to_string(),
            "line 3: status \"finished\" is not one of open, in_progress, done, deprioritized"
        );
    }

    #[test]
    fn a_status_other_than_open_needs_its_time() {
        let text = "id,title,created_at,status\nq,T,2026-07-01T00:00:00Z,done\n";
        let errors = actions(text).unwrap_err();
        assert!(errors[0].message.contains("status_changed_at is missing"));
    }
}
