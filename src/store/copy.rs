//! Purpose: `debrief migrate-to`: copying every row of one database into another, across
//! SQLite and PostgreSQL, with ids as they were and sealed bytes unchanged.
//!
//! Columns are read from the destination's schema (both sides have run the same
//! migrations), and each value is carried by the column's declared type. Tables are listed
//! here, parents first; a test fails when a migration adds a table this list misses.

use std::collections::BTreeMap;

use anyhow::Context as _;
use sqlx::Row as _;

use super::{Backend, BeginWrite as _, Db, Store, placeholders};

/// Every table that holds state, parents before the tables that refer to them.
pub const TABLES: &[&str] = &[
    "settings",
    "workspaces",
    "incidents",
    "survey_templates",
    "reviews",
    "participants",
    "responses",
    "observations",
    "observation_tokens",
    "checkins",
    "participation",
    "counterfactuals",
    "agenda_messages",
    "action_items",
    "action_item_history",
    "digest_opt_outs",
    "services",
    "mode_merges",
    "trials",
    "learnings_lookups",
    "learning_review_posts",
    "learning_review_schedules",
    "incident_ledger",
    "pulses",
    "pulse_invitees",
    "pulse_responses",
    "pulse_opt_outs",
    "pulse_schedules",
    "slack_users",
    "outbox",
    "processed_events",
    "jobs",
];

/// Tables deliberately not copied: `metrics_lease` names the running process that exports
/// `/metrics` (a copy would hold the new database's export for minutes); the `legacy_*`
/// tables hold plaintext from before sealing and are emptied at start-up; sqlx's own.
pub const NOT_COPIED: &[&str] = &[
    "metrics_lease",
    "legacy_survey_responses",
    "legacy_observations",
    "_sqlx_migrations",
];

/// Columns that point at a row of the same table, which may come later in id order
/// (an imported incident can recur one imported after it): written after every row is in.
const LATER_COLUMNS: &[(&str, &str)] = &[("incidents", "recurrence_of")];

/// How a column's values are carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Float,
    Bool,
    Text,
    Bytes,
}

fn kind_of(declared: &str) -> Kind {
    let t = declared.to_ascii_lowercase();
    if t.contains("int") {
        Kind::Int
    } else if t.contains("bool") {
        Kind::Bool
    } else if t.contains("real")
        || t.contains("double")
        || t.contains("float")
        || t.contains("numeric")
    {
        Kind::Float
    } else if t.contains("blob") || t.contains("bytea") {
        Kind::Bytes
    } else {
        Kind::Text
    }
}

/// One value in transit.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Int(Option<i64>),
    Float(Option<f64>),
    Bool(Option<bool>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
}

/// A table's columns, in order, with how each is carried.
type Columns = Vec<(String, Kind)>;

/// How one table is written: the INSERT, the columns it carries now, and the columns
/// (with their positions) set afterwards.
struct TablePlan {
    insert: String,
    now: Vec<usize>,
    later: Vec<(String, usize)>,
}

/// Why a copy did not start.
#[derive(Debug, thiserror::Error)]
pub enum CopyRefused {
    #[error(
        "the destination already holds data (table {table} has {rows} rows); migrate-to copies only into an empty database, so nothing was copied"
    )]
    NotEmpty { table: String, rows: i64 },
    #[error(
        "the destination has tables this version does not know how to copy ({0}); nothing was copied"
    )]
    UnknownTables(String),
}

impl Store {
    /// The tables of this database, with each column's declared type.
    async fn schema(&self) -> anyhow::Result<BTreeMap<String, Columns>> {
        let mut tables: BTreeMap<String, Columns> = BTreeMap::new();
        match &self.db {
            Db::Sqlite(pool) => {
                let names: Vec<String> = sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
                )
                .fetch_all(pool)
                .await?;
                for name in names {
                    let rows =
                        sqlx::query("SELECT name, type FROM pragma_table_info($1) ORDER BY cid")
                            .bind(&name)
                            .fetch_all(pool)
                            .await?;
                    let columns = rows
                        .iter()
                        .map(|r| {
                            Ok((
                                r.try_get::<String, _>(0)?,
                                kind_of(&r.try_get::<String, _>(1)?),
                            ))
                        })
                        .collect::<Result<Columns, sqlx::Error>>()?;
                    tables.insert(name, columns);
                }
            }
            Db::Postgres(pool) => {
                let rows = sqlx::query(
                    "SELECT table_name::text, column_name::text, data_type::text
                     FROM information_schema.columns WHERE table_schema = current_schema()
                     ORDER BY table_name, ordinal_position",
                )
                .fetch_all(pool)
                .await?;
                for r in rows {
                    let table: String = r.try_get(0)?;
                    let column: String = r.try_get(1)?;
                    let declared: String = r.try_get(2)?;
                    tables
                        .entry(table)
                        .or_default()
                        .push((column, kind_of(&declared)));
                }
            }
        }
        Ok(tables)
    }

    /// Tables of this database that [`TABLES`] does not copy and [`NOT_COPIED`] does not
    /// name: a new migration's table someone forgot to add.
    pub async fn tables_not_copied(&self) -> anyhow::Result<Vec<String>> {
        Ok(self
            .schema()
            .await?
            .into_keys()
            .filter(|t| !TABLES.contains(&t.as_str()) && !NOT_COPIED.contains(&t.as_str()))
            .collect())
    }

    /// Every row of `table`, each value carried by its column's kind, in id order where
    /// the table has an `id`.
    async fn read_rows(&self, table: &str, columns: &Columns) -> anyhow::Result<Vec<Vec<Value>>> {
        let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
        let order = if names.contains(&"id") {
            " ORDER BY id"
        } else {
            ""
        };
        let sql = format!("SELECT {} FROM {table}{order}", names.join(", "));
        let decode = |row: &dyn RowAccess| -> anyhow::Result<Vec<Value>> {
            columns
                .iter()
                .enumerate()
                .map(|(i, (_, kind))| row.value(i, *kind))
                .collect()
        };
        match &self.db {
            Db::Sqlite(pool) => sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| decode(r))
                .collect(),
            Db::Postgres(pool) => sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| decode(r))
                .collect(),
        }
    }

    /// Copies every row of this database into `destination`, which must be empty (its
    /// migrations are run by `Store::connect`). One transaction on the destination: all
    /// or nothing. Returns the rows copied per table.
    pub async fn copy_into(&self, destination: &Store) -> anyhow::Result<Vec<(&'static str, u64)>> {
        let schema = destination.schema().await?;
        let unknown = destination.tables_not_copied().await?;
        if !unknown.is_empty() {
            return Err(CopyRefused::UnknownTables(unknown.join(", ")).into());
        }
        for table in TABLES {
            let rows = destination.count_rows(table).await?;
            if rows > 0 {
                return Err(CopyRefused::NotEmpty {
                    table: table.to_string(),
                    rows,
                }
                .into());
            }
        }
        let mut copied = Vec::new();
        let mut tables: Vec<(&'static str, Columns, Vec<Vec<Value>>)> = Vec::new();
        for table in TABLES {
            let columns = schema
                .get(*table)
                .with_context(|| format!("the destination has no table {table}"))?
                .clone();
            let rows = self
                .read_rows(table, &columns)
                .await
                .with_context(|| format!("could not read {table}"))?;
            copied.push((*table, rows.len() as u64));
            tables.push((table, columns, rows));
        }
        destination.write_all(&tables).await?;
        Ok(copied)
    }

    /// A table's rows as text in a form that reads the same on both backends (integers
    /// in decimal, flags as true/false, bytes in hex, NULL as `NULL`), for comparing a
    /// copy with its source.
    pub async fn table_as_text(&self, table: &str) -> anyhow::Result<Vec<Vec<String>>> {
        let schema = self.schema().await?;
        let columns = schema
            .get(table)
            .with_context(|| format!("no table {table}"))?;
        let rows = self.read_rows(table, columns).await?;
        Ok(rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|v| match v {
                        Value::Int(Some(n)) => n.to_string(),
                        Value::Float(Some(x)) => x.to_string(),
                        Value::Bool(Some(b)) => b.to_string(),
                        Value::Text(Some(t)) => t.clone(),
                        Value::Bytes(Some(b)) => hex::encode(b),
                        _ => "NULL".to_string(),
                    })
                    .collect()
            })
            .collect())
    }

    async fn count_rows(&self, table: &str) -> anyhow::Result<i64> {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        Ok(match &self.db {
            Db::Sqlite(pool) => {
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_one(pool)
                    .await?
            }
            Db::Postgres(pool) => {
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_one(pool)
                    .await?
            }
        })
    }

    /// Inserts every table's rows in one transaction, then the columns that point at a
    /// later row, then (PostgreSQL) moves each id sequence past the largest id copied.
    async fn write_all(
        &self,
        tables: &[(&'static str, Columns, Vec<Vec<Value>>)],
    ) -> anyhow::Result<()> {
        let postgres = self.backend() == Backend::Postgres;
        let plan: Vec<TablePlan> = tables
            .iter()
            .map(|(table, columns, _)| {
                let later: Vec<(String, usize)> = columns
                    .iter()
                    .enumerate()
                    .filter(|(_, (c, _))| LATER_COLUMNS.contains(&(table, c.as_str())))
                    .map(|(i, (c, _))| (c.clone(), i))
                    .collect();
                let now: Vec<usize> = (0..columns.len())
                    .filter(|i| !later.iter().any(|(_, l)| l == i))
                    .collect();
                let names: Vec<&str> = now.iter().map(|i| columns[*i].0.as_str()).collect();
                // Ids are copied as they were, past PostgreSQL's identity columns.
                let overriding = if postgres {
                    " OVERRIDING SYSTEM VALUE"
                } else {
                    ""
                };
                let sql = format!(
                    "INSERT INTO {table} ({}){overriding} VALUES ({})",
                    names.join(", "),
                    placeholders(1, names.len())
                );
                TablePlan {
                    insert: sql,
                    now,
                    later,
                }
            })
            .collect();
        macro_rules! write {
            ($tx:expr) => {{
                for ((table, columns, rows), plan) in tables.iter().zip(&plan) {
                    for row in rows {
                        let mut query = sqlx::query(sqlx::AssertSqlSafe(plan.insert.clone()));
                        for i in &plan.now {
                            query = bind(query, &row[*i]);
                        }
                        query
                            .execute(&mut *$tx)
                            .await
                            .with_context(|| format!("could not write a row of {table}"))?;
                    }
                    for (column, i) in &plan.later {
                        let key = columns
                            .iter()
                            .position(|(c, _)| c == "id")
                            .context("an id")?;
                        let sql = format!("UPDATE {table} SET {column} = $1 WHERE id = $2");
                        for row in rows.iter().filter(|r| !is_null(&r[*i])) {
                            let query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                            bind(bind(query, &row[*i]), &row[key])
                                .execute(&mut *$tx)
                                .await?;
                        }
                    }
                }
            }};
        }
        match &self.db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin_write().await?;
                write!(tx);
                tx.commit().await?;
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin_write().await?;
                write!(tx);
                for (table, columns, _) in tables {
                    if columns.iter().any(|(c, k)| c == "id" && *k == Kind::Int) {
                        let sql = format!(
                            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table}
                             WHERE pg_get_serial_sequence('{table}', 'id') IS NOT NULL"
                        );
                        sqlx::query(sqlx::AssertSqlSafe(sql))
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                tx.commit().await?;
            }
        }
        Ok(())
    }
}

fn is_null(value: &Value) -> bool {
    matches!(
        value,
        Value::Int(None)
            | Value::Float(None)
            | Value::Bool(None)
            | Value::Text(None)
            | Value::Bytes(None)
    )
}

/// Binds a value to a query of either backend.
fn bind<'q, DB>(
    query: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>,
    value: &Value,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>
where
    DB: sqlx::Database,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<f64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<bool>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<Vec<u8>>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    match value.clone() {
        Value::Int(v) => query.bind(v),
        Value::Float(v) => query.bind(v),
        Value::Bool(v) => query.bind(v),
        Value::Text(v) => query.bind(v),
        Value::Bytes(v) => query.bind(v),
    }
}

/// Reading one value of a row by kind, for either backend's rows.
trait RowAccess {
    fn value(&self, i: usize, kind: Kind) -> anyhow::Result<Value>;
}

macro_rules! row_access {
    ($row:ty) => {
        impl RowAccess for $row {
            fn value(&self, i: usize, kind: Kind) -> anyhow::Result<Value> {
                Ok(match kind {
                    Kind::Int => Value::Int(self.try_get(i)?),
                    Kind::Float => Value::Float(self.try_get(i)?),
                    Kind::Bool => Value::Bool(self.try_get(i)?),
                    Kind::Text => Value::Text(self.try_get(i)?),
                    Kind::Bytes => Value::Bytes(self.try_get(i)?),
                })
            }
        }
    };
}
row_access!(sqlx::sqlite::SqliteRow);
row_access!(sqlx::postgres::PgRow);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_map_to_how_values_are_carried() {
        assert_eq!(kind_of("BIGINT"), Kind::Int);
        assert_eq!(kind_of("INTEGER"), Kind::Int);
        assert_eq!(kind_of("bigint"), Kind::Int);
        assert_eq!(kind_of("BOOLEAN"), Kind::Bool);
        assert_eq!(kind_of("boolean"), Kind::Bool);
        assert_eq!(kind_of("BLOB"), Kind::Bytes);
        assert_eq!(kind_of("bytea"), Kind::Bytes);
        assert_eq!(kind_of("double precision"), Kind::Float);
        assert_eq!(kind_of("REAL"), Kind::Float);
        assert_eq!(kind_of("TEXT"), Kind::Text);
        assert_eq!(kind_of("text"), Kind::Text);
    }

    #[test]
    fn every_copied_table_is_listed_once_and_none_is_both_copied_and_skipped() {
        let mut seen = std::collections::BTreeSet::new();
        for t in TABLES {
            assert!(seen.insert(*t), "{t} twice");
            assert!(!NOT_COPIED.contains(t), "{t}");
        }
    }
}
