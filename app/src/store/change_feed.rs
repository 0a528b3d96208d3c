//! The change feed: operations in commit order (`operations.feed_seq`, taken at commit by
//! migration 0070's trigger) with the versions each one wrote or ended (`change_log`), read
//! back from the versioned tables themselves — the feed stores no copy of any attribute.
use super::id_chunks::IDS_PER_QUERY;
use super::{to_time, Result, Store};
use crate::model::{ChangeEvent, ChangePage, ObjectChange};
use serde_json::{Map, Value};
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The operation a system restore writes after loading a backup; its summary names it.
pub const SYSTEM_RESTORE_OPERATION: &str = "system.restore";
/// The most events one page holds.
pub const MAX_FEED_PAGE: i64 = 1000;

/// Version bookkeeping that says nothing a follower needs beyond the event itself.
const BOOKKEEPING: &[&str] = &[
    "version_id",
    "object_id",
    "valid_from",
    "valid_to",
    "changed_by",
    "operation_id",
    "ended_by",
    "ended_operation_id",
    "name_key",
];
/// Columns never sent, whatever the table: the vault's sealed secrets (a follower learns that
/// a secret changed, never its ciphertext).
const NEVER_SENT: &[&str] = &["ciphertext", "nonce", "key_id"];

#[derive(sqlx::FromRow)]
struct OperationRow {
    id: i64,
    feed_seq: i64,
    at: i64,
    operator: String,
    kind: String,
    summary: String,
}

#[derive(sqlx::FromRow)]
struct LogRow {
    operation_id: i64,
    table_name: String,
    object_id: i64,
    version_id: i64,
    ended: i64,
}

/// Where an operation came from, for followers that treat some sources apart.
fn source(kind: &str, author: &str) -> &'static str {
    if kind == SYSTEM_RESTORE_OPERATION {
        "system-restore"
    } else if kind.contains("undo") {
        "undo"
    } else if kind.contains("restore") {
        "restore"
    } else if kind.contains("import") {
        "import"
    } else if author.ends_with("(SCIM)") {
        "scim"
    } else if author.starts_with("token ") {
        "api"
    } else {
        "console"
    }
}

/// A cursor as the feed hands it out; anything else is refused by `parse_cursor`.
pub fn parse_cursor(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        return Some(0);
    }
    text.parse::<i64>().ok().filter(|n| *n >= 0)
}

impl Store {
    /// Up to `limit` (1 to `MAX_FEED_PAGE`) events after the cursor `after`, oldest first.
    pub async fn changes(&self, after: i64, limit: i64) -> Result<ChangePage> {
        let limit = limit.clamp(1, MAX_FEED_PAGE);
        let mut conn = self.pool.acquire().await?;
        let mut operations: Vec<OperationRow> = sqlx::query_as(
            "SELECT id, feed_seq, at, operator, kind, summary FROM operations \
             WHERE feed_seq > $1 ORDER BY feed_seq LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        // Announcements (a system restore) take positions from the same counter; they are
        // operations without changes (id 0).
        let announcements: Vec<OperationRow> = sqlx::query_as(
            "SELECT 0 AS id, feed_seq, at, operator, kind, summary \
             FROM change_feed_announcements WHERE feed_seq > $1 ORDER BY feed_seq LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        operations.extend(announcements);
        operations.sort_by_key(|o| o.feed_seq);
        operations.truncate(limit as usize);
        let next = operations.last().map_or(after, |o| o.feed_seq).to_string();
        let ids: Vec<i64> = operations
            .iter()
            .filter(|o| o.id != 0)
            .map(|o| o.id)
            .collect();
        let mut by_operation = changes_of(&mut conn, &ids).await?;
        let events = operations
            .into_iter()
            .map(|o| ChangeEvent {
                cursor: o.feed_seq.to_string(),
                source: source(&o.kind, &o.operator).into(),
                resync: o.kind == SYSTEM_RESTORE_OPERATION,
                at: to_time(o.at),
                changes: by_operation.remove(&o.id).unwrap_or_default(),
                operation_id: o.id,
                kind: o.kind,
                summary: o.summary,
                author: o.operator,
            })
            .collect();
        Ok(ChangePage { events, next })
    }

    /// The newest cursor: where a follower that has just read everything starts.
    pub async fn latest_change_cursor(&self) -> Result<String> {
        let (latest,): (Option<i64>,) = sqlx::query_as(
            "SELECT MAX(feed_seq) FROM (SELECT feed_seq FROM operations \
             UNION ALL SELECT feed_seq FROM change_feed_announcements) AS positions",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(latest.unwrap_or(0).to_string())
    }
}

/// An object's attributes before and after an operation.
type BeforeAfter = (Option<Value>, Option<Value>);

/// The object changes of each operation in `ids`.
async fn changes_of(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<ObjectChange>>> {
    let (Some(first), Some(last)) = (ids.iter().min(), ids.iter().max()) else {
        return Ok(HashMap::new());
    };
    let wanted: HashSet<i64> = ids.iter().copied().collect();
    // On PostgreSQL commit order is not id order: the range may hold others, left out here.
    let log: Vec<LogRow> = sqlx::query_as(
        "SELECT operation_id, table_name, object_id, version_id, ended FROM change_log \
         WHERE operation_id >= $1 AND operation_id <= $2",
    )
    .bind(first)
    .bind(last)
    .fetch_all(&mut *conn)
    .await?;
    let log: Vec<LogRow> = log
        .into_iter()
        .filter(|l| wanted.contains(&l.operation_id))
        .collect();
    let mut versions_by_table: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for entry in &log {
        versions_by_table
            .entry(entry.table_name.as_str())
            .or_default()
            .push(entry.version_id);
    }
    let mut versions: HashMap<(String, i64), Value> = HashMap::new();
    for (table, ids) in versions_by_table {
        for (id, attributes) in read_versions(conn, table, &ids).await? {
            versions.insert((table.to_string(), id), attributes);
        }
    }
    // (operation, table, object) -> (before, after), in the order the log holds them.
    let mut grouped: BTreeMap<(i64, String, i64), BeforeAfter> = BTreeMap::new();
    for entry in &log {
        let attributes = versions
            .get(&(entry.table_name.clone(), entry.version_id))
            .cloned();
        let slot = grouped
            .entry((
                entry.operation_id,
                entry.table_name.clone(),
                entry.object_id,
            ))
            .or_default();
        if entry.ended != 0 {
            slot.0 = attributes;
        } else {
            slot.1 = attributes;
        }
    }
    let mut out: HashMap<i64, Vec<ObjectChange>> = HashMap::new();
    for ((operation, table, id), (before, after)) in grouped {
        let kind = match (&before, &after) {
            (None, Some(_)) => "create",
            (Some(_), None) => "delete",
            _ => "update",
        };
        out.entry(operation).or_default().push(ObjectChange {
            table,
            id,
            operation: kind.into(),
            before,
            after,
        });
    }
    Ok(out)
}

/// The attributes of versions of one versioned table, by version id. The table name comes
/// from `change_log`, so it is checked against the identity tables before it names any SQL.
async fn read_versions(
    conn: &mut AnyConnection,
    table: &str,
    version_ids: &[i64],
) -> Result<Vec<(i64, Value)>> {
    let known = crate::backup::tables::is_identity(table)
        && table.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    if !known {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for chunk in version_ids.chunks(IDS_PER_QUERY) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT * FROM {table} WHERE version_id IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let values = crate::backup::engine::row_values(&row)
                .map_err(|e| super::Error::Internal(e.to_string()))?;
            let mut attributes = Map::new();
            let mut version = 0;
            for (column, value) in row.columns().iter().zip(values) {
                let name = sqlx::Column::name(column);
                if name == "version_id" {
                    version = value.as_i64().unwrap_or_default();
                }
                if !BOOKKEEPING.contains(&name) && !NEVER_SENT.contains(&name) {
                    attributes.insert(name.to_string(), value);
                }
            }
            out.push((version, Value::Object(attributes)));
        }
    }
    Ok(out)
}
