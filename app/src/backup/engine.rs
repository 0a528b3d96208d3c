//! Export (one consistent read) and restore (one transaction) of every identity table.
//!
//! Rows stream between the database and the archive through bounded channels: the async side
//! talks to the database, a blocking thread does files, hashing, compression and encryption.
use super::archive::{self, ColumnKind, ColumnSpec, Event, Manifest, PartWriter, TablePart};
use super::schema::{self, ColumnSchema, TableSchema};
use super::{quote_ident, Error, Result};
use crate::store::{Backend, Store};
use futures_util::TryStreamExt;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row, ValueRef};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};

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

    fn advance(&self, rows: usize) {
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
    let tables = schema::discover(&mut tx, store.backend()).await?;
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
        source_backend: match store.backend() {
            Backend::Sqlite => "sqlite".into(),
            Backend::Postgres => "postgres".into(),
        },
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
    };
    let dest = dest.to_path_buf();
    let passphrase = options.passphrase.map(str::to_owned);
    let archived = manifest.clone();
    tokio::task::spawn_blocking(move || -> Result<()> {
        // Written beside the destination and renamed, so a crash never leaves half a backup.
        let dir = dest.parent().filter(|p| !p.as_os_str().is_empty());
        let temp = match dir {
            Some(dir) => tempfile::NamedTempFile::new_in(dir)?,
            None => tempfile::NamedTempFile::new()?,
        };
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
    archive::read_archive(path, passphrase, copy, &mut |event| match event {
        Event::Manifest(manifest) => check_version(manifest, server_schema_version),
        _ => Ok(()),
    })
}

fn check_version(manifest: &Manifest, server: i64) -> Result<()> {
    if manifest.schema_version > server {
        Err(Error::NewerVersion {
            backup: manifest.schema_version,
            server,
        })
    } else {
        Ok(())
    }
}

pub struct RestoreReport {
    pub manifest: Manifest,
    pub rows: i64,
    /// Tables in the backup that this schema no longer has.
    pub skipped_tables: Vec<String>,
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

/// Replaces every identity table with the backup's rows in ONE transaction: if anything
/// fails (a bad hash found late, a constraint, the process killed) nothing has changed.
/// Operators, sessions and the audit log are not touched.
pub async fn restore(
    store: &Store,
    path: &Path,
    passphrase: Option<&str>,
    audit: RestoreAudit<'_>,
    progress: &Progress,
) -> Result<RestoreReport> {
    let server_version = {
        let mut conn = store.pool().acquire().await?;
        schema::schema_version(&mut conn).await?
    };
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<LoadMessage>(4);
    let file: PathBuf = path.to_path_buf();
    let passphrase = passphrase.map(str::to_owned);
    let reader = tokio::task::spawn_blocking(move || -> Result<Manifest> {
        let mut batch: Vec<Vec<Value>> = Vec::new();
        let mut current = 0usize;
        let closed = || Error::Internal("restore stopped".into());
        archive::read_archive(&file, passphrase.as_deref(), None, &mut |event| {
            match event {
                Event::Manifest(manifest) => {
                    check_version(manifest, server_version)?;
                    sender
                        .blocking_send(LoadMessage::Manifest(Box::new(manifest.clone())))
                        .map_err(|_| closed())?;
                }
                Event::Row { table, values } => {
                    current = table;
                    batch.push(values);
                    if batch.len() == BATCH_ROWS {
                        sender
                            .blocking_send(LoadMessage::Rows(table, std::mem::take(&mut batch)))
                            .map_err(|_| closed())?;
                    }
                }
                Event::TableDone { table } => {
                    if !batch.is_empty() {
                        debug_assert_eq!(current, table);
                        sender
                            .blocking_send(LoadMessage::Rows(table, std::mem::take(&mut batch)))
                            .map_err(|_| closed())?;
                    }
                }
            }
            Ok(())
        })
    });

    let loaded = load(store, &mut receiver, audit, progress).await;
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
    let targets = schema::discover(&mut tx, store.backend()).await?;
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
    let skipped_tables = manifest
        .tables
        .iter()
        .zip(&loaders)
        .filter(|(_, loader)| loader.is_none())
        .map(|(part, _)| part.name.clone())
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
    for definition in &dropped_indexes {
        sqlx::query(definition).execute(&mut *tx).await?;
    }
    if store.backend() == Backend::Postgres {
        reset_sequences(&mut tx, &targets).await?;
    }
    let details = format!(
        "{rows} rows in {} tables from backup of {} by {}",
        manifest.tables.len(),
        manifest.created_at.format("%Y-%m-%d %H:%M UTC"),
        manifest.created_by
    );
    crate::store::audit_in(
        &mut tx,
        audit.actor,
        "system-backup.restore",
        audit.target,
        "ok",
        &details,
    )
    .await?;
    Ok(Some((
        tx,
        RestoreReport {
            manifest: *manifest,
            rows,
            skipped_tables,
        },
    )))
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

/// Every identity table's rows, in key order: what a restore must reproduce exactly. For
/// tests and checks; it holds everything in memory.
pub async fn table_rows(store: &Store) -> Result<BTreeMap<String, Vec<Vec<Value>>>> {
    let mut tx = store.pool().begin().await?;
    let tables = schema::discover(&mut tx, store.backend()).await?;
    let mut all = BTreeMap::new();
    for table in &tables {
        let rows = sqlx::query(&table.select_sql()).fetch_all(&mut *tx).await?;
        let values = rows.iter().map(row_values).collect::<Result<Vec<_>>>()?;
        all.insert(table.name.clone(), values);
    }
    Ok(all)
}

/// SHA-256 over every identity table's rows: equal digests, equal data.
pub async fn digest(store: &Store) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for (table, rows) in table_rows(store).await? {
        hasher.update(table.as_bytes());
        for row in rows {
            hasher.update(serde_json::to_vec(&row).unwrap_or_default());
            hasher.update(b"\n");
        }
    }
    Ok(hex::encode(hasher.finalize()))
}
