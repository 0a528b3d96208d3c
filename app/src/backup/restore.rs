//! Restore: every carried table replaced by a backup's rows in ONE transaction, streamed from
//! the archive through a bounded channel (a blocking thread reads and checks the file, the
//! async side loads the rows).
use super::archive::{self, ColumnKind, Event, Manifest, TablePart};
use super::engine::{check_version, Progress};
use super::schema::{self, ColumnSchema, TableSchema};
use super::tables::{classify, BackupTables, TableClass};
use super::{quote_ident, Error, Result};
use crate::store::{Backend, Store};
use serde_json::Value;
use sqlx::AnyConnection;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

/// Rows per batch handed to the database.
const BATCH_ROWS: usize = 2_000;
/// A batch is also sent when its lines reach this size, so a few huge rows cannot hold
/// 2,000 times the line limit in memory (the channel holds four batches, the database one).
const BATCH_BYTES: usize = 4 << 20;

/// What a restore did besides replacing the data; the job, the UI and the audit line show it.
#[derive(Clone, Debug)]
pub struct RestoreReport {
    pub manifest: Manifest,
    pub rows: i64,
    /// Tables in the backup that this server does not have (or does not carry): not loaded.
    pub skipped_tables: Vec<String>,
    /// Console tables found in the backup (older versions carried the operators'
    /// preferences): ignored, so the console's own data stays as it is.
    pub ignored_tables: Vec<String>,
    /// Tables this server carries that the backup does not hold (an older or hand-made
    /// file): they are left empty.
    pub missing_tables: Vec<String>,
    /// Configuration rows the backup lacked, re-created with their defaults.
    pub defaulted_rows: Vec<String>,
}

impl RestoreReport {
    /// Sentences for the operator and the audit log; none when the backup matched the schema.
    pub fn notes(&self) -> Vec<String> {
        let list = |tables: &[String]| tables.join(", ");
        let mut notes = Vec::new();
        if !self.missing_tables.is_empty() {
            notes.push(format!(
                "Not in the backup, left empty: {}.",
                list(&self.missing_tables)
            ));
        }
        if !self.defaulted_rows.is_empty() {
            notes.push(format!(
                "Settings missing from the backup, reset to their defaults: {}.",
                list(&self.defaulted_rows)
            ));
        }
        if !self.ignored_tables.is_empty() {
            notes.push(format!(
                "Console data in the backup, ignored (this server's is kept): {}.",
                list(&self.ignored_tables)
            ));
        }
        if !self.skipped_tables.is_empty() {
            notes.push(format!(
                "Tables this server does not have, skipped: {}.",
                list(&self.skipped_tables)
            ));
        }
        notes
    }
}

/// How to read the file and what it replaces.
#[derive(Clone, Copy)]
pub struct RestoreOptions<'a> {
    pub passphrase: Option<&'a str>,
    pub tables: &'a BackupTables,
    /// The SHA-256 (hex) the whole file must have: the one recorded when the restore was
    /// requested. Checked on the bytes actually restored, before the commit.
    pub file_sha256: Option<&'a str>,
}

enum LoadMessage {
    Manifest(Box<Manifest>),
    Rows(usize, Vec<Vec<Value>>),
}

/// The audit line written inside the restore transaction, so it commits with the data.
pub struct RestoreAudit<'a> {
    pub actor: &'a crate::store::Actor,
    pub target: &'a str,
}

/// Replaces every carried table with the backup's rows in ONE transaction: if anything
/// fails (a bad hash found late, a constraint, the process killed) nothing has changed.
/// Operators, sessions, preferences and the audit log are not touched.
pub async fn restore(
    store: &Store,
    path: &Path,
    options: RestoreOptions<'_>,
    audit: RestoreAudit<'_>,
    progress: &Progress,
) -> Result<RestoreReport> {
    let server_version = {
        let mut conn = store.pool().acquire().await?;
        schema::schema_version(&mut conn).await?
    };
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<LoadMessage>(4);
    let file: PathBuf = path.to_path_buf();
    let passphrase = options.passphrase.map(str::to_owned);
    let file_sha256 = options.file_sha256.map(str::to_owned);
    let reader = tokio::task::spawn_blocking(move || -> Result<Manifest> {
        let mut batch: Vec<Vec<Value>> = Vec::new();
        let mut batch_bytes = 0usize;
        let mut current = 0usize;
        let closed = || Error::Internal("restore stopped".into());
        let send = |table: usize, batch: &mut Vec<Vec<Value>>, bytes: &mut usize| {
            *bytes = 0;
            sender
                .blocking_send(LoadMessage::Rows(table, std::mem::take(batch)))
                .map_err(|_| closed())
        };
        archive::read_archive(
            &file,
            passphrase.as_deref(),
            None,
            file_sha256.as_deref(),
            &mut |event| {
                match event {
                    Event::Manifest(manifest) => {
                        check_version(manifest, server_version)?;
                        sender
                            .blocking_send(LoadMessage::Manifest(Box::new(manifest.clone())))
                            .map_err(|_| closed())?;
                    }
                    Event::Row {
                        table,
                        values,
                        bytes,
                    } => {
                        current = table;
                        batch.push(values);
                        batch_bytes += bytes;
                        if batch.len() == BATCH_ROWS || batch_bytes >= BATCH_BYTES {
                            send(table, &mut batch, &mut batch_bytes)?;
                        }
                    }
                    Event::TableDone { table } => {
                        if !batch.is_empty() {
                            debug_assert_eq!(current, table);
                            send(table, &mut batch, &mut batch_bytes)?;
                        }
                    }
                }
                Ok(())
            },
        )
    });

    let loaded = load(store, &mut receiver, options.tables, audit, progress).await;
    // Dropping the receiver stops a reader still running after a database error.
    drop(receiver);
    let read = reader
        .await
        .map_err(|e| Error::Internal(format!("restore reader: {e}")))?;
    match (read, loaded) {
        // The reader stopped because the load failed: the load's error is the cause.
        (Err(Error::Internal(_)), Err(error)) => Err(error),
        // Otherwise the file's own error explains a stopped load best.
        (Err(error), _) => Err(error),
        (Ok(_), Err(error)) => Err(error),
        (Ok(_), Ok(None)) => Err(Error::NotABackup),
        (Ok(_), Ok(Some((tx, report)))) => {
            tx.commit().await?;
            Ok(report)
        }
    }
}

type Loaded<'c> = Option<(sqlx::Transaction<'c, sqlx::Any>, RestoreReport)>;

/// Runs the transaction up to (not including) its commit, which waits until the reader has
/// verified the last byte of the file.
async fn load<'c>(
    store: &'c Store,
    receiver: &mut tokio::sync::mpsc::Receiver<LoadMessage>,
    carried: &BackupTables,
    audit: RestoreAudit<'_>,
    progress: &Progress,
) -> Result<Loaded<'c>> {
    let Some(LoadMessage::Manifest(manifest)) = receiver.recv().await else {
        return Ok(None);
    };
    progress
        .total
        .store(manifest.total_rows(), Ordering::SeqCst);
    let mut tx = store.begin_write().await?;
    if store.backend() == Backend::Sqlite {
        // Checked at commit instead of per row, so self-references load in any order.
        sqlx::query("PRAGMA defer_foreign_keys = ON")
            .execute(&mut *tx)
            .await?;
    }
    let targets = schema::discover(&mut tx, store.backend(), carried).await?;
    if store.backend() == Backend::Postgres {
        lock_all_at_once(&mut tx, &targets).await?;
    }
    let dropped_indexes = drop_secondary_indexes(&mut tx, store.backend(), &targets).await?;
    for table in targets.iter().rev() {
        sqlx::query(&format!("DELETE FROM {}", quote_ident(&table.name)))
            .execute(&mut *tx)
            .await?;
    }
    let by_name: HashMap<&str, &TableSchema> =
        targets.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut loaders: Vec<Option<Loader>> = manifest
        .tables
        .iter()
        .map(|part| {
            by_name
                .get(part.name.as_str())
                .map(|target| Loader::new(store.backend(), target, part))
        })
        .collect();
    let (mut ignored_tables, mut skipped_tables) = (Vec::new(), Vec::new());
    for (part, loader) in manifest.tables.iter().zip(&loaders) {
        if loader.is_some() {
            continue;
        }
        match classify(&part.name) {
            TableClass::Console | TableClass::Derived | TableClass::Internal => {
                ignored_tables.push(part.name.clone())
            }
            TableClass::Identity | TableClass::Unclassified => {
                skipped_tables.push(part.name.clone())
            }
        }
    }
    let missing_tables: Vec<String> = targets
        .iter()
        .filter(|t| !manifest.tables.iter().any(|part| part.name == t.name))
        .map(|t| t.name.clone())
        .collect();
    let mut rows = 0i64;
    while let Some(message) = receiver.recv().await {
        let LoadMessage::Rows(table, batch) = message else {
            return Err(Error::Tampered("two manifests".into()));
        };
        if let Some(Some(loader)) = loaders.get_mut(table) {
            loader.insert(&mut tx, &batch).await?;
        }
        rows += batch.len() as i64;
        progress.advance(batch.len());
    }
    // A backup without a configuration row (an older or hand-made file) must not leave the
    // store without it: snapshot capture, for one, reads it on every change.
    let defaulted_rows = crate::store::ensure_singleton_rows(&mut tx)
        .await?
        .into_iter()
        .filter(|table| carried.carries(table))
        .map(str::to_owned)
        .collect();
    for definition in &dropped_indexes {
        sqlx::query(definition).execute(&mut *tx).await?;
    }
    if store.backend() == Backend::Postgres {
        reset_sequences(&mut tx, &targets).await?;
    }
    if carried.carries("operations") {
        announce_to_followers(&mut tx, audit.actor, audit.target).await?;
    }
    let report = RestoreReport {
        manifest: *manifest,
        rows,
        skipped_tables,
        ignored_tables,
        missing_tables,
        defaulted_rows,
    };
    let mut details = format!(
        "{rows} rows in {} tables from backup of {} by {}",
        report.manifest.tables.len(),
        report.manifest.created_at.format("%Y-%m-%d %H:%M UTC"),
        report.manifest.created_by
    );
    for note in report.notes() {
        details.push(' ');
        details.push_str(&note);
    }
    crate::store::audit_in(
        &mut tx,
        audit.actor,
        "system-backup.restore",
        audit.target,
        "ok",
        &details,
    )
    .await?;
    Ok(Some((tx, report)))
}

/// The secondary indexes of the restored tables, dropped for the load and created again
/// after it, inside the same transaction (a failed restore keeps them): building an index
/// once from all rows is much cheaper than updating it for every inserted and deleted row.
/// Indexes behind primary keys and unique constraints stay. On PostgreSQL this holds an
/// exclusive lock on the tables until the commit, so reads wait for the restore instead of
/// seeing the old data; a restore replaces everything anyway.
async fn drop_secondary_indexes(
    conn: &mut AnyConnection,
    backend: Backend,
    tables: &[TableSchema],
) -> Result<Vec<String>> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT name, sql FROM sqlite_master \
             WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL"
        }
        Backend::Postgres => {
            "SELECT CAST(i.relname AS TEXT), pg_get_indexdef(x.indexrelid) FROM pg_index x \
             JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
             WHERE t.relname = $1 AND t.relnamespace = CAST(current_schema() AS regnamespace) \
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
        }
    };
    let mut definitions = Vec::new();
    for table in tables {
        let indexes: Vec<(String, String)> = sqlx::query_as(sql)
            .bind(&table.name)
            .fetch_all(&mut *conn)
            .await?;
        for (name, definition) in indexes {
            sqlx::query(&format!("DROP INDEX {}", quote_ident(&name)))
                .execute(&mut *conn)
                .await?;
            definitions.push(definition);
        }
    }
    Ok(definitions)
}

/// How long a restore tries to lock every identity table before giving up.
const LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

/// PostgreSQL: takes every restored table's exclusive lock in one step, or none. Dropping
/// indexes table by table would hold some tables while waiting for others, and a reading
/// statement that holds one of those while waiting for one already taken deadlocks with the
/// restore (PostgreSQL then cancels one of them). With NOWAIT, a try that cannot have them all
/// gives back what it took (its savepoint is rolled back) and tries again shortly; readers
/// arriving after the locks are taken wait for the end of the restore.
async fn lock_all_at_once(conn: &mut AnyConnection, tables: &[TableSchema]) -> Result<()> {
    if tables.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = tables.iter().map(|t| quote_ident(&t.name)).collect();
    let lock = format!(
        "LOCK TABLE {} IN ACCESS EXCLUSIVE MODE NOWAIT",
        names.join(", ")
    );
    let started = std::time::Instant::now();
    loop {
        sqlx::query("SAVEPOINT restore_locks")
            .execute(&mut *conn)
            .await?;
        match sqlx::query(&lock).execute(&mut *conn).await {
            Ok(_) => {
                sqlx::query("RELEASE SAVEPOINT restore_locks")
                    .execute(&mut *conn)
                    .await?;
                return Ok(());
            }
            // 55P03: lock_not_available.
            Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("55P03") => {
                sqlx::query("ROLLBACK TO SAVEPOINT restore_locks")
                    .execute(&mut *conn)
                    .await?;
                if started.elapsed() > LOCK_PATIENCE {
                    return Err(Error::Store(crate::store::Error::Conflict(
                        "The identity tables stayed in use for a minute, so the restore could \
                         not start; nothing changed. Try again."
                            .into(),
                    )));
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            Err(other) => return Err(other.into()),
        }
    }
}

/// The change feed after a restore: its counter is moved past every restored position (a
/// backup from another installation may carry higher ones), then one announcement
/// `system.restore`, naming the backup, takes the next position and tells followers to read
/// everything again (`GET /api/v1/changes`). Both are console tables: the identity tables
/// stay exactly the backup's.
async fn announce_to_followers(
    conn: &mut AnyConnection,
    actor: &crate::store::Actor,
    backup: &str,
) -> Result<()> {
    let (position,): (i64,) = sqlx::query_as(
        "UPDATE change_feed_counter SET last = CASE \
           WHEN (SELECT COALESCE(MAX(feed_seq), 0) FROM operations) > last \
           THEN (SELECT COALESCE(MAX(feed_seq), 0) FROM operations) ELSE last END + 1 \
         WHERE id = 1 RETURNING last",
    )
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO change_feed_announcements (feed_seq, at, operator, kind, summary) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(position)
    .bind(crate::store::now_micros())
    .bind(&actor.name)
    .bind(crate::store::SYSTEM_RESTORE_OPERATION)
    .bind(backup)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Explicit ids were loaded; the next generated id must come after them.
async fn reset_sequences(conn: &mut AnyConnection, tables: &[TableSchema]) -> Result<()> {
    for table in tables {
        for column in &table.columns {
            if let Some(sequence) = &column.sequence {
                sqlx::query(&format!(
                    "SELECT setval(CAST($1 AS regclass), COALESCE((SELECT MAX({}) FROM {}), 0) + 1, false)",
                    quote_ident(&column.name),
                    quote_ident(&table.name)
                ))
                .bind(sequence)
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    Ok(())
}

/// Inserts one table's rows, mapping the backup's columns onto today's by name: columns the
/// schema dropped since are ignored, columns it added take their defaults.
struct Loader {
    table: String,
    backend: Backend,
    /// (position in the backup row, target column)
    columns: Vec<(usize, ColumnSchema)>,
    statement: Option<String>,
}

impl Loader {
    fn new(backend: Backend, target: &TableSchema, part: &TablePart) -> Self {
        let columns = part
            .columns
            .iter()
            .enumerate()
            .filter_map(|(i, spec)| target.column(&spec.name).map(|c| (i, c.clone())))
            .collect();
        Self {
            table: target.name.clone(),
            backend,
            columns,
            statement: None,
        }
    }

    /// `INSERT … SELECT` from a JSON array of rows bound as one text parameter: the
    /// database unpacks the values itself, instead of the driver binding thousands of them
    /// one by one (most of a restore's time). Each column is taken from its position in the
    /// backup row and converted to the target column's type.
    fn statement(&mut self) -> &str {
        let (table, backend, columns) = (&self.table, self.backend, &self.columns);
        self.statement.get_or_insert_with(|| {
            let names = columns
                .iter()
                .map(|(_, c)| quote_ident(&c.name))
                .collect::<Vec<_>>()
                .join(", ");
            let values = columns
                .iter()
                .map(|(i, column)| match backend {
                    Backend::Sqlite => match column.kind {
                        ColumnKind::Blob => format!(
                            "CASE json_type(value, '$[{i}]') WHEN 'object' \
                             THEN unhex(value ->> '$[{i}].hex') ELSE value ->> {i} END"
                        ),
                        _ => format!("value ->> {i}"),
                    },
                    Backend::Postgres => match (&column.cast_to, column.kind) {
                        (Some(ty), _) => format!("CAST(value ->> {i} AS {ty})"),
                        (None, ColumnKind::Integer) => format!("CAST(value ->> {i} AS BIGINT)"),
                        (None, ColumnKind::Real) => {
                            format!("CAST(value ->> {i} AS DOUBLE PRECISION)")
                        }
                        (None, ColumnKind::Boolean) => format!("CAST(value ->> {i} AS BOOLEAN)"),
                        (None, ColumnKind::Text) => format!("value ->> {i}"),
                        (None, ColumnKind::Blob) => format!(
                            "CASE jsonb_typeof(value -> {i}) WHEN 'object' \
                             THEN decode(value -> {i} ->> 'hex', 'hex') \
                             ELSE CAST(value ->> {i} AS BYTEA) END"
                        ),
                    },
                })
                .collect::<Vec<_>>()
                .join(", ");
            let rows = match backend {
                Backend::Sqlite => "json_each($1)",
                // jsonb: parsed once; `->>` on json parses the row again for every column.
                Backend::Postgres => "jsonb_array_elements(CAST($1 AS jsonb)) AS e(value)",
            };
            format!(
                "INSERT INTO {} ({names}) SELECT {values} FROM {rows}",
                quote_ident(table)
            )
        })
    }

    async fn insert(&mut self, conn: &mut AnyConnection, rows: &[Vec<Value>]) -> Result<()> {
        if self.columns.is_empty() || rows.is_empty() {
            return Ok(());
        }
        let json = serde_json::to_string(rows)
            .map_err(|e| Error::Internal(format!("row encoding: {e}")))?;
        let sql = self.statement().to_owned();
        sqlx::query(&sql).bind(json).execute(&mut *conn).await?;
        Ok(())
    }
}
