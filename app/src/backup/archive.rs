//! The archive format (docs/backup-format.md): a gzip-compressed tar stream holding
//! `manifest.json` and then one `tables/<name>.jsonl` part per table, optionally wrapped in an
//! age passphrase (scrypt) encryption. Blocking I/O: call from `spawn_blocking`.
use super::{Error, Result};
use age::secrecy::SecretString;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

pub const FORMAT_NAME: &str = "rewind-system-backup";
pub const FORMAT_VERSION: i64 = 1;
pub const MANIFEST_PATH: &str = "manifest.json";
const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";
const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
/// A manifest is small; anything larger is not ours.
const MAX_MANIFEST_BYTES: u64 = 16 << 20;
/// One JSON line holds one row; refuse absurd lines rather than exhaust memory. Exports
/// refuse to write a longer one, so every backup written restores.
pub const MAX_LINE_BYTES: usize = 16 << 20;
/// The most tables and columns a manifest may list.
const MAX_TABLES: usize = 1_000;
const MAX_COLUMNS: usize = 1_000;
/// Kinds of object a manifest's informative `contents` may count.
const MAX_CONTENTS: usize = 100;
/// The most data (the sum of the parts) a backup may declare: a gzip bomb declares less than
/// it holds, and reading stops where the declared data ends (see `Inflated`).
pub const MAX_TOTAL_BYTES: u64 = 64 << 30;
/// An age header (one scrypt stanza) takes a few hundred bytes; it must end within this.
const MAX_AGE_HEADER_BYTES: usize = 64 << 10;
const BLOCK: u64 = 512;
/// After the last part: the end-of-archive blocks and padding to a tar record (10 KiB for
/// GNU tar), with room to spare.
const TRAILER_BYTES: u64 = 64 << 10;
/// scrypt work factor for exports: 2^16 needs 64 MiB (age uses r = 8), which keeps the server
/// inside its memory budget; the stock `age` tool calibrates to about one second instead.
const EXPORT_SCRYPT_LOG_N: u8 = 16;
/// The highest cost a file may demand (2^20 = 1 GiB), so a crafted file cannot exhaust memory
/// while files encrypted by the stock `age` tool still open.
const MAX_SCRYPT_LOG_N: u8 = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    Integer,
    Real,
    Text,
    Blob,
    Boolean,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ColumnKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TablePart {
    pub name: String,
    /// The tar entry holding the rows: `tables/<name>.jsonl`.
    pub path: String,
    pub columns: Vec<ColumnSpec>,
    pub rows: i64,
    pub bytes: i64,
    /// SHA-256 (hex) of the part's bytes.
    pub sha256: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: i64,
    /// The highest database migration applied when the backup was taken.
    pub schema_version: i64,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub label: String,
    /// "sqlite" or "postgres": informative; a backup restores on either.
    pub source_backend: String,
    /// In restore order: referenced tables first.
    pub tables: Vec<TablePart>,
    /// Current objects per kind when the backup was taken ("198 users, 40 groups"), shown
    /// before a restore. Absent from backups made before it was recorded.
    #[serde(default)]
    pub contents: Vec<crate::model::ObjectCount>,
}

impl Manifest {
    pub fn total_rows(&self) -> i64 {
        self.tables.iter().map(|t| t.rows).sum()
    }

    pub fn table_counts(&self) -> Vec<crate::model::TableCount> {
        self.tables
            .iter()
            .map(|t| crate::model::TableCount {
                table: t.name.clone(),
                rows: t.rows,
            })
            .collect()
    }
}

pub fn part_path(table: &str) -> String {
    format!("tables/{table}.jsonl")
}

/// Writes manifest and parts (already on disk, in `manifest.tables` order, in `parts_dir`
/// as `<n>.jsonl`) as one archive into `out`, encrypting when a passphrase is given.
pub fn write_archive<W: Write>(
    out: W,
    manifest: &Manifest,
    parts_dir: &Path,
    passphrase: Option<&str>,
) -> Result<W> {
    match passphrase {
        Some(passphrase) => {
            let mut recipient =
                age::scrypt::Recipient::new(SecretString::from(passphrase.to_owned()));
            recipient.set_work_factor(EXPORT_SCRYPT_LOG_N);
            let encryptor =
                age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                    .map_err(|e| Error::Internal(format!("encryption: {e}")))?;
            let encrypted = encryptor.wrap_output(out)?;
            let encrypted = write_compressed(encrypted, manifest, parts_dir)?;
            Ok(encrypted.finish()?)
        }
        None => write_compressed(out, manifest, parts_dir),
    }
}

fn write_compressed<W: Write>(out: W, manifest: &Manifest, parts_dir: &Path) -> Result<W> {
    let gzip = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
    let mut tar = tar::Builder::new(gzip);
    let manifest_json = serde_json::to_vec_pretty(manifest)
        .map_err(|e| Error::Internal(format!("manifest: {e}")))?;
    let mut header = tar_header(manifest_json.len() as u64, manifest.created_at);
    tar.append_data(&mut header, MANIFEST_PATH, manifest_json.as_slice())?;
    for (index, part) in manifest.tables.iter().enumerate() {
        let file = std::fs::File::open(parts_dir.join(format!("{index}.jsonl")))?;
        let mut header = tar_header(part.bytes as u64, manifest.created_at);
        tar.append_data(&mut header, &part.path, file)?;
    }
    let gzip = tar.into_inner()?;
    Ok(gzip.finish()?)
}

fn tar_header(size: u64, at: DateTime<Utc>) -> tar::Header {
    let mut header = tar::Header::new_ustar();
    header.set_size(size);
    header.set_mode(0o600);
    header.set_mtime(at.timestamp().max(0) as u64);
    header.set_entry_type(tar::EntryType::Regular);
    header
}

/// Remembers whether a layer of the reading pipeline failed or reached the end of the file,
/// so an error surfacing through gzip and tar can be told apart: truncated, damaged...
#[derive(Default)]
struct Probe {
    file_eof: AtomicBool,
    decrypt_failed: AtomicBool,
    decompress_failed: Mutex<Option<io::ErrorKind>>,
    /// Decompressed bytes read so far, and how many the archive may hold.
    inflated: AtomicU64,
    inflate_limit: AtomicU64,
    oversized: AtomicBool,
}

/// Reads the file, noticing its end and hashing every byte when asked to.
struct FileEnd<R> {
    inner: R,
    probe: Arc<Probe>,
    hasher: Option<Arc<Mutex<Sha256>>>,
}

impl<R: Read> Read for FileEnd<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.probe.file_eof.store(true, Ordering::SeqCst);
        }
        if let Some(hasher) = &self.hasher {
            hasher
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .update(&buf[..n]);
        }
        Ok(n)
    }
}

/// Counts the decompressed bytes and fails past the limit the walk sets: first room for the
/// manifest, then exactly what the manifest declares (plus the tar framing). A gzip bomb
/// stops there instead of being inflated to its end.
struct Inflated<R> {
    inner: R,
    probe: Arc<Probe>,
}

impl<R: Read> Read for Inflated<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let total = self.probe.inflated.fetch_add(n as u64, Ordering::SeqCst) + n as u64;
        if total > self.probe.inflate_limit.load(Ordering::SeqCst) {
            self.probe.oversized.store(true, Ordering::SeqCst);
            return Err(io::Error::other("more data than the manifest declares"));
        }
        Ok(n)
    }
}

struct DecryptWatch<R> {
    inner: R,
    probe: Arc<Probe>,
}

impl<R: Read> Read for DecryptWatch<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).inspect_err(|_| {
            self.probe.decrypt_failed.store(true, Ordering::SeqCst);
        })
    }
}

/// Copies what passes through into `copy`: the decrypted gzip stream of an imported file.
struct Tee<R, W> {
    inner: R,
    copy: Option<W>,
}

impl<R: Read, W: Write> Read for Tee<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(copy) = self.copy.as_mut() {
            copy.write_all(&buf[..n])?;
        }
        Ok(n)
    }
}

struct DecompressWatch<R> {
    inner: R,
    probe: Arc<Probe>,
}

impl<R: Read> Read for DecompressWatch<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).inspect_err(|e| {
            let mut slot = self
                .probe
                .decompress_failed
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            slot.get_or_insert(e.kind());
        })
    }
}

impl Probe {
    /// Names what went wrong, given an I/O error from somewhere in the pipeline.
    fn classify(&self, error: &io::Error) -> Error {
        if self.oversized.load(Ordering::SeqCst) {
            return Error::Oversized(
                "it holds more data than its manifest declares (a compression bomb?)".into(),
            );
        }
        let at_end = self.file_eof.load(Ordering::SeqCst);
        if self.decrypt_failed.load(Ordering::SeqCst) {
            // age authenticates every 64 KiB chunk; a failure in the chunk that ran into the
            // end of the file means the file stops early, anywhere else that it was altered.
            return if at_end {
                Error::Truncated
            } else {
                Error::Tampered("authentication of the encrypted data failed".into())
            };
        }
        let decompress = *self
            .decompress_failed
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match decompress {
            Some(io::ErrorKind::UnexpectedEof) => Error::Truncated,
            Some(_) if at_end && error.kind() == io::ErrorKind::UnexpectedEof => Error::Truncated,
            Some(_) => Error::Tampered("the compressed data is corrupt".into()),
            None if error.kind() == io::ErrorKind::UnexpectedEof && at_end => Error::Truncated,
            None => Error::Tampered(format!("unreadable archive: {error}")),
        }
    }
}

/// What the reader reports while it walks an archive.
pub enum Event<'a> {
    Manifest(&'a Manifest),
    /// One row of `manifest.tables[table]`, values in its column order; `bytes` is the length
    /// of its line.
    Row {
        table: usize,
        values: Vec<serde_json::Value>,
        bytes: usize,
    },
    /// Every row of the part was delivered and its count and hash match the manifest.
    TableDone {
        table: usize,
    },
}

/// Reads and checks a whole archive: decryption, the manifest, every part's row count and
/// SHA-256, and the end of the stream. `visit` sees each row; an error from it stops the walk.
/// With `copy`, the decrypted (still compressed) stream is written there as it is read. With
/// `file_sha256`, the whole file must have that SHA-256 (hex): the bytes read are hashed as
/// they are used, so a file swapped meanwhile is caught too.
///
/// Memory stays bounded whatever the file holds: the archive may contain only plain files
/// (GNU long names and PAX headers, which the `tar` crate would read whole into memory, are
/// refused), lines are at most `MAX_LINE_BYTES`, and decompression stops where the data the
/// manifest declares ends.
pub fn read_archive(
    path: &Path,
    passphrase: Option<&str>,
    copy: Option<&mut dyn Write>,
    file_sha256: Option<&str>,
    visit: &mut dyn FnMut(Event<'_>) -> Result<()>,
) -> Result<Manifest> {
    let probe = Arc::new(Probe::default());
    let file = std::fs::File::open(path)?;
    // Shares the file position: what the pipeline leaves unread is hashed from it at the end.
    let mut rest = file.try_clone()?;
    let hasher = file_sha256.map(|_| Arc::new(Mutex::new(Sha256::new())));
    let mut input = BufReader::with_capacity(
        256 << 10,
        FileEnd {
            inner: file,
            probe: probe.clone(),
            hasher: hasher.clone(),
        },
    );
    let head = input.fill_buf()?.to_vec();
    let decrypted: Box<dyn Read + '_> = if head.starts_with(AGE_MAGIC) {
        let passphrase = passphrase
            .filter(|p| !p.is_empty())
            .ok_or(Error::PasswordRequired)?;
        // age reads its header line by line without a limit, parsing it again each time.
        let header_end = head.len().min(MAX_AGE_HEADER_BYTES);
        if !head[..header_end].windows(4).any(|w| w == b"\n---") {
            return Err(Error::Oversized("the encryption header is too long".into()));
        }
        let decryptor = age::Decryptor::new_buffered(input).map_err(decrypt_error)?;
        if !decryptor.is_scrypt() {
            return Err(Error::NotABackup);
        }
        let mut identity = age::scrypt::Identity::new(SecretString::from(passphrase.to_owned()));
        identity.set_max_work_factor(MAX_SCRYPT_LOG_N);
        let reader = decryptor
            .decrypt(std::iter::once(&identity as &dyn age::Identity))
            .map_err(decrypt_error)?;
        Box::new(DecryptWatch {
            inner: reader,
            probe: probe.clone(),
        })
    } else if head.starts_with(GZIP_MAGIC) {
        Box::new(input)
    } else {
        return Err(Error::NotABackup);
    };
    let teed = Tee {
        inner: decrypted,
        copy,
    };
    let gzip = Inflated {
        inner: DecompressWatch {
            inner: flate2::read::GzDecoder::new(teed),
            probe: probe.clone(),
        },
        probe: probe.clone(),
    };
    probe
        .inflate_limit
        .store(BLOCK + padded(MAX_MANIFEST_BYTES) + BLOCK, Ordering::SeqCst);
    let mut tar = tar::Archive::new(gzip);
    let result = walk(&mut tar, &probe, visit);
    let result = result.and_then(|manifest| {
        // Read to the very end so gzip's checksum and age's last chunk are verified too.
        io::copy(&mut tar.into_inner(), &mut io::sink())?;
        Ok(manifest)
    });
    let manifest = result.map_err(|error| match error {
        Error::Io(io) => probe.classify(&io),
        other => other,
    })?;
    if let (Some(expected), Some(hasher)) = (file_sha256, hasher) {
        let mut hasher = hasher.lock().unwrap_or_else(|p| p.into_inner());
        // Whatever the pipeline did not read (bytes after the end of the archive) counts too.
        let mut buffer = vec![0u8; 64 << 10];
        loop {
            let n = rest.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
        }
        let digest = hex::encode(std::mem::take(&mut *hasher).finalize());
        if digest != expected {
            return Err(Error::FileChanged);
        }
    }
    Ok(manifest)
}

/// `size` rounded up to whole tar blocks.
fn padded(size: u64) -> u64 {
    size.div_ceil(BLOCK) * BLOCK
}

fn decrypt_error(error: age::DecryptError) -> Error {
    use age::DecryptError as D;
    match error {
        D::DecryptionFailed | D::KeyDecryptionFailed | D::NoMatchingKeys => Error::WrongPassword,
        D::ExcessiveWork { .. } => {
            Error::Tampered("the file demands an excessive key-derivation cost".into())
        }
        D::Io(io) if io.kind() == io::ErrorKind::UnexpectedEof => Error::Truncated,
        D::UnknownFormat => Error::NotABackup,
        other => Error::Tampered(format!("encryption header: {other}")),
    }
}

/// Only plain files belong to the format. Raw iteration hands extension headers (GNU long
/// names, PAX) over as entries instead of reading them whole into memory, and they are refused
/// here like links and directories.
fn plain_file<R: Read>(entry: &tar::Entry<'_, R>) -> bool {
    entry.header().entry_type().is_file()
}

fn walk<R: Read>(
    tar: &mut tar::Archive<R>,
    probe: &Probe,
    visit: &mut dyn FnMut(Event<'_>) -> Result<()>,
) -> Result<Manifest> {
    let mut entries = tar.entries().map_err(|_| Error::NotABackup)?.raw(true);
    let manifest = {
        let mut first = match entries.next() {
            Some(Ok(entry)) => entry,
            Some(Err(e)) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(e.into()),
            // gzip that is not a tar, or an empty archive.
            _ => return Err(Error::NotABackup),
        };
        if !plain_file(&first) {
            return Err(Error::NotABackup);
        }
        let path = first.path().map_err(|_| Error::NotABackup)?;
        if path.to_str() != Some(MANIFEST_PATH) || first.size() > MAX_MANIFEST_BYTES {
            return Err(Error::NotABackup);
        }
        let mut text = Vec::with_capacity(first.size() as usize);
        first.read_to_end(&mut text)?;
        let value: serde_json::Value =
            serde_json::from_slice(&text).map_err(|_| Error::NotABackup)?;
        if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT_NAME) {
            return Err(Error::NotABackup);
        }
        let version = value
            .get("format_version")
            .and_then(|v| v.as_i64())
            .unwrap_or(0);
        if version != FORMAT_VERSION {
            return Err(Error::UnsupportedFormat(version));
        }
        let manifest: Manifest =
            serde_json::from_value(value).map_err(|e| Error::Tampered(format!("manifest: {e}")))?;
        check_manifest(&manifest)?;
        manifest
    };
    // From here on the archive may hold exactly the declared parts and the tar framing.
    let declared: u64 = manifest
        .tables
        .iter()
        .map(|t| BLOCK + padded(t.bytes as u64))
        .sum();
    probe.inflate_limit.store(
        probe.inflated.load(Ordering::SeqCst) + BLOCK + declared + TRAILER_BYTES,
        Ordering::SeqCst,
    );
    visit(Event::Manifest(&manifest))?;
    let mut next = 0usize;
    for entry in entries {
        let entry = entry?;
        let path = entry
            .path()
            .ok()
            .and_then(|p| p.to_str().map(str::to_owned))
            .unwrap_or_default();
        if !plain_file(&entry) {
            return Err(Error::Tampered(format!(
                "{path:?} is not a plain file (long names, PAX headers, links and \
                 directories are not part of the format)"
            )));
        }
        let Some(part) = manifest.tables.get(next) else {
            return Err(Error::Tampered(format!("unexpected part {path:?}")));
        };
        if path != part.path {
            return Err(Error::Tampered(format!(
                "expected {:?}, found {path:?}",
                part.path
            )));
        }
        if entry.size() != part.bytes as u64 {
            return Err(Error::Tampered(format!(
                "{path}: {} bytes where the manifest says {}",
                entry.size(),
                part.bytes
            )));
        }
        read_part(next, part, entry, visit)?;
        next += 1;
    }
    if next != manifest.tables.len() {
        // The tar ended cleanly but parts are missing: cut at an entry boundary.
        return Err(Error::Truncated);
    }
    Ok(manifest)
}

/// Names, paths and sizes a manifest may declare: each part once, under its own path, and
/// no more than the format's limits.
fn check_manifest(manifest: &Manifest) -> Result<()> {
    if manifest.tables.len() > MAX_TABLES {
        return Err(Error::Oversized(format!(
            "it lists more than {MAX_TABLES} tables"
        )));
    }
    if manifest.contents.len() > MAX_CONTENTS
        || manifest
            .contents
            .iter()
            .any(|c| c.label.len() > 100 || c.href.len() > 100)
    {
        return Err(Error::Oversized(format!(
            "its contents list more than {MAX_CONTENTS} kinds or overlong names"
        )));
    }
    let mut total = 0u64;
    for (index, table) in manifest.tables.iter().enumerate() {
        if table.path != part_path(&table.name)
            || manifest.tables[..index]
                .iter()
                .any(|t| t.name == table.name)
            || table.bytes < 0
            || table.rows < 0
        {
            return Err(Error::Tampered(format!(
                "manifest lists {:?} oddly",
                table.path
            )));
        }
        if table.columns.len() > MAX_COLUMNS {
            return Err(Error::Oversized(format!(
                "{} has more than {MAX_COLUMNS} columns",
                table.name
            )));
        }
        total = total.saturating_add(table.bytes as u64);
    }
    if total > MAX_TOTAL_BYTES {
        return Err(Error::Oversized(format!(
            "it declares {} GiB of data, more than the {} GiB a backup may hold",
            total >> 30,
            MAX_TOTAL_BYTES >> 30
        )));
    }
    Ok(())
}

fn read_part<R: Read>(
    index: usize,
    part: &TablePart,
    entry: R,
    visit: &mut dyn FnMut(Event<'_>) -> Result<()>,
) -> Result<()> {
    let mut reader = BufReader::with_capacity(256 << 10, entry);
    let mut hasher = Sha256::new();
    let mut line = Vec::new();
    let mut rows = 0i64;
    let mut bytes = 0i64;
    loop {
        line.clear();
        let n = (&mut reader)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        if n > MAX_LINE_BYTES {
            return Err(Error::Oversized(format!(
                "{}: a line longer than {} MiB",
                part.path,
                MAX_LINE_BYTES >> 20
            )));
        }
        if line.last() != Some(&b'\n') {
            return Err(Error::Tampered(format!("{}: malformed line", part.path)));
        }
        hasher.update(&line);
        bytes += n as i64;
        rows += 1;
        let values: Vec<serde_json::Value> = serde_json::from_slice(&line)
            .map_err(|_| Error::Tampered(format!("{}: row {rows} is not JSON", part.path)))?;
        if values.len() != part.columns.len() {
            return Err(Error::Tampered(format!(
                "{}: row {rows} has {} values for {} columns",
                part.path,
                values.len(),
                part.columns.len()
            )));
        }
        visit(Event::Row {
            table: index,
            values,
            bytes: n,
        })?;
    }
    let digest = hex::encode(hasher.finalize());
    if rows != part.rows || bytes != part.bytes || digest != part.sha256 {
        return Err(Error::Tampered(format!(
            "{} does not match its SHA-256 or row count",
            part.path
        )));
    }
    visit(Event::TableDone { table: index })
}

/// Accumulates one part on disk while its hash and counts are computed.
pub struct PartWriter {
    file: std::io::BufWriter<std::fs::File>,
    hasher: Sha256,
    pub rows: i64,
    pub bytes: i64,
    line: Vec<u8>,
}

impl PartWriter {
    pub fn create(path: &Path) -> Result<Self> {
        Ok(Self {
            file: std::io::BufWriter::with_capacity(256 << 10, std::fs::File::create(path)?),
            hasher: Sha256::new(),
            rows: 0,
            bytes: 0,
            line: Vec::with_capacity(1024),
        })
    }

    pub fn push(&mut self, values: &[serde_json::Value]) -> Result<()> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, values)
            .map_err(|e| Error::Internal(format!("row encoding: {e}")))?;
        self.line.push(b'\n');
        check_line_length(&self.line)?;
        self.hasher.update(&self.line);
        self.file.write_all(&self.line)?;
        self.rows += 1;
        self.bytes += self.line.len() as i64;
        Ok(())
    }

    /// Appends `rows` lines already encoded, each ending in a newline.
    pub fn push_lines(&mut self, rows: usize, text: &[u8]) -> Result<()> {
        for line in text.split_inclusive(|b| *b == b'\n') {
            check_line_length(line)?;
        }
        self.hasher.update(text);
        self.file.write_all(text)?;
        self.rows += rows as i64;
        self.bytes += text.len() as i64;
        Ok(())
    }

    /// Flushes the part and returns its SHA-256.
    pub fn finish(mut self) -> Result<String> {
        self.file.flush()?;
        Ok(hex::encode(self.hasher.finalize()))
    }
}

/// A backup never holds a line its own reader would refuse.
fn check_line_length(line: &[u8]) -> Result<()> {
    if line.len() > MAX_LINE_BYTES {
        return Err(Error::Internal(format!(
            "a row of {} bytes exceeds the backup format's line limit of {} MiB",
            line.len(),
            MAX_LINE_BYTES >> 20
        )));
    }
    Ok(())
}
