//! Run-time discovery of the columns, keys and order of the tables a system backup carries.
use super::archive::ColumnKind;
use super::tables::{classify, BackupTables, TableClass};
use super::{quote_ident, Result};
use crate::store::Backend;
use sqlx::AnyConnection;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnSchema {
    pub name: String,
    pub kind: ColumnKind,
    /// PostgreSQL only: a type the `Any` driver cannot carry (timestamptz, uuid, jsonb...),
    /// read as text and cast back on insert.
    pub cast_to: Option<String>,
    /// PostgreSQL only: the sequence behind an identity/serial column, reset after a restore.
    pub sequence: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableSchema {
    pub name: String,
    pub columns: Vec<ColumnSchema>,
    pub primary_key: Vec<String>,
    /// Tables this one references (foreign keys), other than itself.
    pub parents: Vec<String>,
}

impl TableSchema {
    /// `SELECT` of every column in a stable order, so two reads of equal data are equal.
    pub fn select_sql(&self) -> String {
        let columns = self
            .columns
            .iter()
            .map(|c| match &c.cast_to {
                Some(_) => format!("CAST({} AS TEXT)", quote_ident(&c.name)),
                None => quote_ident(&c.name),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let order = if self.primary_key.is_empty() {
            (1..=self.columns.len())
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            self.primary_key
                .iter()
                .map(|c| quote_ident(c))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "SELECT {columns} FROM {} ORDER BY {order}",
            quote_ident(&self.name)
        )
    }

    pub fn column(&self, name: &str) -> Option<&ColumnSchema> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// The highest migration applied to this database.
pub async fn schema_version(conn: &mut AnyConnection) -> Result<i64> {
    let (version,): (i64,) =
        sqlx::query_as("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success")
            .fetch_one(conn)
            .await?;
    Ok(version)
}

/// The name of every table of the database (SQLite's internal ones included), sorted.
pub async fn table_names(conn: &mut AnyConnection, backend: Backend) -> Result<Vec<String>> {
    let sql = match backend {
        Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        Backend::Postgres => {
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
               AND NOT c.relispartition
             ORDER BY 1"
        }
    };
    let names: Vec<(String,)> = sqlx::query_as(sql).fetch_all(conn).await?;
    Ok(names.into_iter().map(|(name,)| name).collect())
}

/// The carried tables that exist, parents before children (foreign keys). A table in no list
/// of `tables.rs` is left out, with a warning: this version does not know what it holds.
pub async fn discover(
    conn: &mut AnyConnection,
    backend: Backend,
    carried: &BackupTables,
) -> Result<Vec<TableSchema>> {
    let mut names = Vec::new();
    for name in table_names(conn, backend).await? {
        if carried.carries(&name) {
            names.push(name);
        } else if classify(&name) == TableClass::Unclassified {
            tracing::warn!(table = %name, "table is neither identity nor console data; not backed up");
        }
    }
    let tables = match backend {
        Backend::Sqlite => discover_sqlite(conn, names).await?,
        Backend::Postgres => discover_postgres(conn, names).await?,
    };
    Ok(parents_first(tables))
}

fn sqlite_kind(declared: &str) -> ColumnKind {
    // SQLite's type-affinity rules (https://sqlite.org/datatype3.html, 3.1).
    let t = declared.to_ascii_uppercase();
    if t.contains("INT") {
        ColumnKind::Integer
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        ColumnKind::Text
    } else if t.contains("BLOB") || t.is_empty() {
        ColumnKind::Blob
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        ColumnKind::Real
    } else if t.contains("BOOL") {
        ColumnKind::Boolean
    } else {
        ColumnKind::Integer
    }
}

async fn discover_sqlite(conn: &mut AnyConnection, names: Vec<String>) -> Result<Vec<TableSchema>> {
    let mut tables = Vec::new();
    for name in names {
        let columns: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT name, type, pk FROM pragma_table_info($1) ORDER BY cid")
                .bind(&name)
                .fetch_all(&mut *conn)
                .await?;
        let mut primary_key: Vec<(i64, String)> = columns
            .iter()
            .filter(|(_, _, pk)| *pk > 0)
            .map(|(column, _, pk)| (*pk, column.clone()))
            .collect();
        primary_key.sort();
        let parents: Vec<(String,)> =
            sqlx::query_as("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list($1)")
                .bind(&name)
                .fetch_all(&mut *conn)
                .await?;
        tables.push(TableSchema {
            columns: columns
                .into_iter()
                .map(|(column, declared, _)| ColumnSchema {
                    name: column,
                    kind: sqlite_kind(&declared),
                    cast_to: None,
                    sequence: None,
                })
                .collect(),
            primary_key: primary_key.into_iter().map(|(_, c)| c).collect(),
            parents: parents
                .into_iter()
                .map(|(p,)| p)
                .filter(|p| *p != name)
                .collect(),
            name,
        });
    }
    Ok(tables)
}

fn postgres_kind(formatted: &str) -> (ColumnKind, Option<String>) {
    match formatted {
        "bigint" | "integer" | "smallint" => (ColumnKind::Integer, None),
        "real" | "double precision" => (ColumnKind::Real, None),
        "boolean" => (ColumnKind::Boolean, None),
        "text" => (ColumnKind::Text, None),
        "bytea" => (ColumnKind::Blob, None),
        t if t.starts_with("character varying") || t.starts_with("character(") => {
            (ColumnKind::Text, None)
        }
        other => (ColumnKind::Text, Some(other.to_string())),
    }
}

async fn discover_postgres(
    conn: &mut AnyConnection,
    names: Vec<String>,
) -> Result<Vec<TableSchema>> {
    let mut tables = Vec::new();
    for name in names {
        let columns: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod)::text,
                    COALESCE(pg_get_serial_sequence(
                        quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname::text),
                      '')::text
             FROM pg_attribute a
             JOIN pg_class c ON c.oid = a.attrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = current_schema() AND c.relname = $1 AND a.attnum > 0
               AND NOT a.attisdropped AND a.attgenerated = ''
             ORDER BY a.attnum",
        )
        .bind(&name)
        .fetch_all(&mut *conn)
        .await?;
        let primary_key: Vec<(String,)> = sqlx::query_as(
            "SELECT a.attname::text
             FROM pg_index i
             JOIN pg_class c ON c.oid = i.indrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
             WHERE n.nspname = current_schema() AND c.relname = $1 AND i.indisprimary
             ORDER BY array_position(i.indkey::int2[], a.attnum)",
        )
        .bind(&name)
        .fetch_all(&mut *conn)
        .await?;
        let parents: Vec<(String,)> = sqlx::query_as(
            "SELECT DISTINCT p.relname::text
             FROM pg_constraint k
             JOIN pg_class c ON c.oid = k.conrelid
             JOIN pg_class p ON p.oid = k.confrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE k.contype = 'f' AND n.nspname = current_schema() AND c.relname = $1",
        )
        .bind(&name)
        .fetch_all(&mut *conn)
        .await?;
        tables.push(TableSchema {
            columns: columns
                .into_iter()
                .map(|(column, formatted, sequence)| {
                    let (kind, cast_to) = postgres_kind(&formatted);
                    ColumnSchema {
                        name: column,
                        kind,
                        cast_to,
                        sequence: (!sequence.is_empty()).then_some(sequence),
                    }
                })
                .collect(),
            primary_key: primary_key.into_iter().map(|(c,)| c).collect(),
            parents: parents
                .into_iter()
                .map(|(p,)| p)
                .filter(|p| *p != name)
                .collect(),
            name,
        });
    }
    Ok(tables)
}

/// Orders tables so every referenced table comes before the tables referencing it (inserts in
/// this order, deletes in reverse). Cycles, which our schema does not have, keep name order.
pub fn parents_first(tables: Vec<TableSchema>) -> Vec<TableSchema> {
    let names: BTreeSet<String> = tables.iter().map(|t| t.name.clone()).collect();
    let mut pending: BTreeMap<String, TableSchema> =
        tables.into_iter().map(|t| (t.name.clone(), t)).collect();
    let mut placed: BTreeSet<String> = BTreeSet::new();
    let mut ordered = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let ready: Vec<String> = pending
            .values()
            .filter(|t| {
                t.parents
                    .iter()
                    .all(|p| placed.contains(p) || !names.contains(p))
            })
            .map(|t| t.name.clone())
            .collect();
        let batch = if ready.is_empty() {
            // A cycle: take the first remaining table and carry on.
            vec![pending.keys().next().cloned().unwrap_or_default()]
        } else {
            ready
        };
        for name in batch {
            if let Some(table) = pending.remove(&name) {
                placed.insert(name);
                ordered.push(table);
            }
        }
    }
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, parents: &[&str]) -> TableSchema {
        TableSchema {
            name: name.into(),
            columns: vec![],
            primary_key: vec![],
            parents: parents.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn referenced_tables_come_first() {
        let ordered = parents_first(vec![
            table("a_memberships", &["users", "groups"]),
            table("groups", &[]),
            table("users", &["groups"]),
        ]);
        let names: Vec<_> = ordered.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["groups", "users", "a_memberships"]);
    }

    #[test]
    fn sqlite_affinity_decides_the_column_kind() {
        assert_eq!(sqlite_kind("BIGINT"), ColumnKind::Integer);
        assert_eq!(sqlite_kind("varchar(20)"), ColumnKind::Text);
        assert_eq!(sqlite_kind(""), ColumnKind::Blob);
        assert_eq!(sqlite_kind("DOUBLE PRECISION"), ColumnKind::Real);
    }
}
