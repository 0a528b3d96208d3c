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
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

pub const FORMAT_NAME: &str = "rewind-system-backup";
pub const FORMAT_VERSION: i64 = 1;
pub const MANIFEST_PATH: &str = "manifest.json";
const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";
const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
/// A manifest is small; anything larger is not ours.
const MAX_MANIFEST_BYTES: u64 = 16 << 20;
/// One JSON line holds one row; refuse absurd lines rather than exhaust memory.
const MAX_LINE_BYTES: usize = 64 << 20;
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
}

struct FileEnd<R> {
    inner: R,
    probe: Arc<Probe>,
}

impl<R: Read> Read for FileEnd<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.probe.file_eof.store(true, Ordering::SeqCst);
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
    /// One row of `manifest.tables[table]`, values in its column order.
    Row {
        table: usize,
        values: Vec<serde_json::Value>,
    },
    /// Every row of the part was delivered and its count and hash match the manifest.
    TableDone {
        table: usize,
    },
}

/// Reads and checks a whole archive: decryption, the manifest, every part's row count and
/// SHA-256, and the end of the stream. `visit` sees each row; an error from it stops the walk.
/// With `copy`, the decrypted (still compressed) stream is written there as it is read.
pub fn read_archive(
    path: &Path,
    passphrase: Option<&str>,
    copy: Option<&mut dyn Write>,
    visit: &mut dyn FnMut(Event<'_>) -> Result<()>,
) -> Result<Manifest> {
    let probe = Arc::new(Probe::default());
    let file = std::fs::File::open(path)?;
    let mut input = BufReader::with_capacity(
        256 << 10,
        FileEnd {
            inner: file,
            probe: probe.clone(),
        },
    );
    let head = input.fill_buf()?.to_vec();
    let decrypted: Box<dyn Read + '_> = if head.starts_with(AGE_MAGIC) {
        let passphrase = passphrase
            .filter(|p| !p.is_empty())
            .ok_or(Error::PasswordRequired)?;
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
    let gzip = DecompressWatch {
        inner: flate2::read::GzDecoder::new(teed),
        probe: probe.clone(),
    };
    let mut tar = tar::Archive::new(gzip);
    let result = walk(&mut tar, visit);
    let result = result.and_then(|manifest| {
        // Read to the very end so gzip's checksum and age's last chunk are verified too.
        io::copy(&mut tar.into_inner(), &mut io::sink())?;
        Ok(manifest)
    });
    result.map_err(|error| match error {
        Error::Io(io) => probe.classify(&io),
        other => other,
    })
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

fn walk<R: Read>(
    tar: &mut tar::Archive<R>,
    visit: &mut dyn FnMut(Event<'_>) -> Result<()>,
) -> Result<Manifest> {
    let mut entries = tar.entries().map_err(|_| Error::NotABackup)?;
    let manifest = {
        let mut first = match entries.next() {
            Some(Ok(entry)) => entry,
            Some(Err(e)) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(e.into()),
            // gzip that is not a tar, or an empty archive.
            _ => return Err(Error::NotABackup),
        };
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
        for (index, table) in manifest.tables.iter().enumerate() {
            if table.path != part_path(&table.name)
                || manifest.tables[..index]
                    .iter()
                    .any(|t| t.name == table.name)
            {
                return Err(Error::Tampered(format!(
                    "manifest lists {:?} oddly",
                    table.path
                )));
            }
        }
        manifest
    };
    visit(Event::Manifest(&manifest))?;
    let mut next = 0usize;
    for entry in entries {
        let entry = entry?;
        let path = entry
            .path()
            .ok()
            .and_then(|p| p.to_str().map(str::to_owned))
            .unwrap_or_default();
        let Some(part) = manifest.tables.get(next) else {
            return Err(Error::Tampered(format!("unexpected part {path:?}")));
        };
        if path != part.path {
            return Err(Error::Tampered(format!(
                "expected {:?}, found {path:?}",
                part.path
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
        if n > MAX_LINE_BYTES || line.last() != Some(&b'\n') {
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
        self.hasher.update(&self.line);
        self.file.write_all(&self.line)?;
        self.rows += 1;
        self.bytes += self.line.len() as i64;
        Ok(())
    }

    /// Appends `rows` lines already encoded, each ending in a newline.
    pub fn push_lines(&mut self, rows: usize, text: &[u8]) -> Result<()> {
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
