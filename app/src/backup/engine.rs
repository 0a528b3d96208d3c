//! Export (one consistent read) of every carried table, and validation of a file; the
//! restore (one transaction) is in `restore.rs`.
//!
//! Rows stream between the database and the archive through bounded channels: the async side
//! talks to the database, a blocking thread does files, hashing, compression and encryption.
use super::archive::{self, ColumnSpec, Event, Manifest, PartWriter, TablePart};
use super::schema::{self, TableSchema};
use super::tables::BackupTables;
use super::{quote_ident, Error, Result};
use crate::store::{Backend, Store};
use futures_util::TryStreamExt;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row, ValueRef};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};

pub use super::restore::{restore, RestoreAudit, RestoreOptions, RestoreReport};

/// Rows per message between the database task and the file thread.
const BATCH_ROWS: usize = 2_000;

/// Rows done out of rows expected, for progress bars; `hook` sees every step.
#[derive(Default)]
pub struct Progress {
    pub done: AtomicI64,
    pub total: AtomicI64,
    hook: Option<Box<dyn Fn(i64) + Send + Sync>>,
}

impl Progress {
    /// Progress that also calls `hook` with the rows done after every batch (tests use it to
    /// stop a restore half-way).
    pub fn with_hook(hook: impl Fn(i64) + Send + Sync + 'static) -> Self {
        Self {
            hook: Some(Box::new(hook)),
            ..Self::default()
        }
    }

    pub(super) fn advance(&self, rows: usize) {
        let done = self.done.fetch_add(rows as i64, Ordering::SeqCst) + rows as i64;
        if let Some(hook) = &self.hook {
            hook(done);
        }
    }
}

pub struct ExportOptions<'a> {
    pub created_by: &'a str,
    pub label: &'a str,
    /// Encrypts the archive (exports); server-side backups are only compressed.
    pub passphrase: Option<&'a str>,
    pub tables: &'a BackupTables,
}

enum PartMessage {
    Start,
    Rows(Vec<Vec<Value>>),
    /// `rows` JSON lines, each ending in a newline, encoded by the database (SQLite).
    Lines {
        rows: usize,
        text: String,
    },
}

/// Writes a backup of every identity table to `dest`, read in one transaction (REPEATABLE READ
/// on PostgreSQL, a WAL read snapshot on SQLite) while the server keeps serving.
pub async fn export(
    store: &Store,
    dest: &Path,
    options: ExportOptions<'_>,
    progress: &Progress,
) -> Result<Manifest> {
    let work_dir = match dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => tempfile::Builder::new()
            .prefix(".parts-")
            .tempdir_in(parent)?,
        None => tempfile::tempdir()?,
    };
    let mut tx = store.pool().begin().await?;
    if store.backend() == Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
    }
    // On SQLite the snapshot starts with this first read; everything below sees the same data.
    let schema_version = schema::schema_version(&mut tx).await?;
    let tables = schema::discover(&mut tx, store.backend(), options.tables).await?;
    let mut total = 0;
    for table in &tables {
        let (rows,): (i64,) = sqlx::query_as(&format!(
            "SELECT COUNT(*) FROM {}",
            quote_ident(&table.name)
        ))
        .fetch_one(&mut *tx)
        .await?;
        total += rows;
    }
    progress.total.store(total, Ordering::SeqCst);

    let (sender, mut receiver) = tokio::sync::mpsc::channel::<PartMessage>(8);
    let parts_dir = work_dir.path().to_path_buf();
    let writer = tokio::task::spawn_blocking(move || -> Result<Vec<(i64, i64, String)>> {
        let mut done = Vec::new();
        let mut current: Option<PartWriter> = None;
        while let Some(message) = receiver.blocking_recv() {
            match message {
                PartMessage::Start => {
                    if let Some(part) = current.take() {
                        let (rows, bytes) = (part.rows, part.bytes);
                        done.push((rows, bytes, part.finish()?));
                    }
                    let path = parts_dir.join(format!("{}.jsonl", done.len()));
                    current = Some(PartWriter::create(&path)?);
                }
                PartMessage::Rows(rows) => {
                    let part = current
                        .as_mut()
                        .ok_or_else(|| Error::Internal("rows before a part".into()))?;
                    for row in &rows {
                        part.push(row)?;
                    }
                }
                PartMessage::Lines { rows, text } => {
                    current
                        .as_mut()
                        .ok_or_else(|| Error::Internal("rows before a part".into()))?
                        .push_lines(rows, text.as_bytes())?;
                }
            }
        }
        if let Some(part) = current.take() {
            let (rows, bytes) = (part.rows, part.bytes);
            done.push((rows, bytes, part.finish()?));
        }
        Ok(done)
    });
    let contents =
        crate::store::object_counts_in(&mut tx, |name| tables.iter().any(|t| t.name == name))
            .await?;
    let read = read_tables(&mut tx, store.backend(), &tables, &sender, progress).await;
    drop(sender);
    let written = writer
        .await
        .map_err(|e| Error::Internal(format!("backup writer: {e}")))?;
    // A failed writer closes the channel, which is what stopped the reader: report its error.
    let written = written?;
    read?;
    tx.rollback().await?;

    let manifest = Manifest {
        format: archive::FORMAT_NAME.into(),
        format_version: archive::FORMAT_VERSION,
        schema_version,
        created_at: chrono::Utc::now(),
        created_by: options.created_by.into(),
        label: options.label.trim().into(),
        source_backend: store.backend().name().into(),
        tables: tables
            .iter()
            .zip(written)
            .map(|(table, (rows, bytes, sha256))| TablePart {
                name: table.name.clone(),
                path: archive::part_path(&table.name),
                columns: table
                    .columns
                    .iter()
                    .map(|c| ColumnSpec {
                        name: c.name.clone(),
                        kind: c.kind,
                    })
                    .collect(),
                rows,
                bytes,
                sha256,
            })
            .collect(),
        contents,
    };
    let dest = dest.to_path_buf();
    let passphrase = options.passphrase.map(str::to_owned);
    let archived = manifest.clone();
    tokio::task::spawn_blocking(move || -> Result<()> {
        // Written beside the destination and renamed, so a crash never leaves half a backup.
        let dir = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(std::env::temp_dir);
        // Named like the other temporary files, so start-up removes one a crash left.
        let temp = tempfile::Builder::new()
            .prefix(".export-")
            .tempfile_in(dir)?;
        let out = std::io::BufWriter::with_capacity(256 << 10, temp);
        let out = archive::write_archive(out, &archived, work_dir.path(), passphrase.as_deref())?;
        let temp = out.into_inner().map_err(|e| Error::Io(e.into_error()))?;
        temp.as_file().sync_all()?;
        temp.persist(&dest).map_err(|e| Error::Io(e.error))?;
        drop(work_dir);
        Ok(())
    })
    .await
    .map_err(|e| Error::Internal(format!("backup archive: {e}")))??;
    Ok(manifest)
}

fn writer_stopped() -> Error {
    Error::Internal("backup writer stopped".into())
}

/// Sends every table to the part writer, one part each: SQLite's rows as JSON lines it
/// encodes itself, PostgreSQL's as decoded values.
async fn read_tables(
    conn: &mut AnyConnection,
    backend: Backend,
    tables: &[TableSchema],
    sender: &tokio::sync::mpsc::Sender<PartMessage>,
    progress: &Progress,
) -> Result<()> {
    for table in tables {
        sender
            .send(PartMessage::Start)
            .await
            .map_err(|_| writer_stopped())?;
        match backend {
            Backend::Sqlite => send_sqlite_lines(conn, table, sender, progress).await?,
            Backend::Postgres => send_rows(conn, table, sender, progress).await?,
        }
    }
    Ok(())
}

async fn send_rows(
    conn: &mut AnyConnection,
    table: &TableSchema,
    sender: &tokio::sync::mpsc::Sender<PartMessage>,
    progress: &Progress,
) -> Result<()> {
    let sql = table.select_sql();
    let mut rows = sqlx::query(&sql).fetch(&mut *conn);
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    while let Some(row) = rows.try_next().await? {
        batch.push(row_values(&row)?);
        if batch.len() == BATCH_ROWS {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
            progress.advance(full.len());
            sender
                .send(PartMessage::Rows(full))
                .await
                .map_err(|_| writer_stopped())?;
        }
    }
    if !batch.is_empty() {
        progress.advance(batch.len());
        sender
            .send(PartMessage::Rows(batch))
            .await
            .map_err(|_| writer_stopped())?;
    }
    Ok(())
}

/// Rows per chunk that SQLite encodes as JSON lines in one result row.
const SQLITE_CHUNK_ROWS: i64 = 5_000;

/// SQLite writes the JSON lines itself, a chunk of rows per result row: handing rows over one
/// by one through the driver cost more than everything else in an export. Same lines as
/// `row_values` gives (numbers, text, null; bytes as `{"hex": ...}`), in rowid order.
async fn send_sqlite_lines(
    conn: &mut AnyConnection,
    table: &TableSchema,
    sender: &tokio::sync::mpsc::Sender<PartMessage>,
    progress: &Progress,
) -> Result<()> {
    let values = table
        .columns
        .iter()
        .map(|c| {
            let c = quote_ident(&c.name);
            // Reals with 17 digits (json_array keeps 15, which does not round-trip);
            // infinities as null, as `row_values` has them.
            format!(
                "CASE typeof({c}) \
                 WHEN 'blob' THEN json_object('hex', lower(hex({c}))) \
                 WHEN 'real' THEN CASE WHEN abs({c}) <= 1.7976931348623157e308 \
                                  THEN json(printf('%!.17g', {c})) END \
                 ELSE {c} END"
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT COUNT(*), COALESCE(MAX(r), 0), group_concat(line, char(10) ORDER BY r) \
         FROM (SELECT rowid AS r, json_array({values}) AS line FROM {} \
               WHERE rowid > $1 ORDER BY rowid LIMIT $2)",
        quote_ident(&table.name)
    );
    let mut after = i64::MIN;
    loop {
        let (rows, last, text): (i64, i64, Option<String>) = sqlx::query_as(&sql)
            .bind(after)
            .bind(SQLITE_CHUNK_ROWS)
            .fetch_one(&mut *conn)
            .await?;
        let Some(mut text) = text.filter(|_| rows > 0) else {
            return Ok(());
        };
        text.push('\n');
        progress.advance(rows as usize);
        sender
            .send(PartMessage::Lines {
                rows: rows as usize,
                text,
            })
            .await
            .map_err(|_| writer_stopped())?;
        if rows < SQLITE_CHUNK_ROWS {
            return Ok(());
        }
        after = last;
    }
}

/// One row as JSON values, each decoded by its own type: integers, floats, text, booleans,
/// bytes as `{"hex": ...}`, NULL as null.
pub fn row_values(row: &AnyRow) -> Result<Vec<Value>> {
    use sqlx::any::AnyTypeInfoKind as K;
    (0..row.len())
        .map(|i| {
            let raw = row.try_get_raw(i)?;
            if raw.is_null() {
                return Ok(Value::Null);
            }
            let kind = raw.type_info().kind();
            Ok(match kind {
                K::Null => Value::Null,
                K::Bool => Value::Bool(row.try_get::<bool, _>(i)?),
                K::SmallInt | K::Integer | K::BigInt => Value::from(row.try_get::<i64, _>(i)?),
                K::Real | K::Double => serde_json::Number::from_f64(row.try_get::<f64, _>(i)?)
                    .map(Value::Number)
                    .unwrap_or(Value::Null),
                K::Text => Value::String(row.try_get::<String, _>(i)?),
                K::Blob => {
                    serde_json::json!({ "hex": hex::encode(row.try_get::<Vec<u8>, _>(i)?) })
                }
            })
        })
        .collect()
}

/// Checks a whole file without touching the database. With `copy`, the decrypted archive is
/// written there (imports keep it so the restore needs no password). Blocking.
pub fn validate(
    path: &Path,
    passphrase: Option<&str>,
    server_schema_version: i64,
    copy: Option<&mut dyn std::io::Write>,
) -> Result<Manifest> {
    archive::read_archive(path, passphrase, copy, None, &mut |event| match event {
        Event::Manifest(manifest) => check_version(manifest, server_schema_version),
        _ => Ok(()),
    })
}

pub(super) fn check_version(manifest: &Manifest, server: i64) -> Result<()> {
    if manifest.schema_version > server {
        Err(Error::NewerVersion {
            backup: manifest.schema_version,
            server,
        })
    } else {
        Ok(())
    }
}

/// Every carried table's rows, in key order: what a restore must reproduce exactly. For
/// tests and checks; it holds everything in memory.
pub async fn table_rows(
    store: &Store,
    carried: &BackupTables,
) -> Result<BTreeMap<String, Vec<Vec<Value>>>> {
    let mut tx = store.pool().begin().await?;
    let tables = schema::discover(&mut tx, store.backend(), carried).await?;
    let mut all = BTreeMap::new();
    for table in &tables {
        let rows = sqlx::query(&table.select_sql()).fetch_all(&mut *tx).await?;
        let values = rows.iter().map(row_values).collect::<Result<Vec<_>>>()?;
        all.insert(table.name.clone(), values);
    }
    Ok(all)
}

/// SHA-256 over every carried table's rows: equal digests, equal data.
pub async fn digest(store: &Store, carried: &BackupTables) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for (table, rows) in table_rows(store, carried).await? {
        hasher.update(table.as_bytes());
        for row in rows {
            hasher.update(serde_json::to_vec(&row).unwrap_or_default());
            hasher.update(b"\n");
        }
    }
    Ok(hex::encode(hasher.finalize()))
}
