//! The vault key: what seals vault secrets (XChaCha20-Poly1305 from the `chacha20poly1305`
//! crate, the AEAD `age` already brings in). It is never in the database: it comes from
//! `REWIND_VAULT_KEY` (64 hex digits) or from a key file (`REWIND_VAULT_KEY_FILE`, by default
//! `data/vault.key`), created with a fresh random key on first use. A key file may hold
//! several keys, one per line, the first sealing new secrets and the others still opening old
//! ones: a rotation (`Store::rotate_vault_key`) goes through that state so that a server
//! running meanwhile never writes a secret it could not read back. The file is read again
//! whenever it changes.
use super::{Error, Result};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::SystemTime;
use zeroize::Zeroizing;

const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;
/// A key file longer than this is not a key file.
const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

/// One vault key and its id (the first 16 hex digits of its SHA-256), stored with each
/// secret so the right key is picked to open it.
#[derive(Clone)]
pub struct VaultKey {
    id: String,
    bytes: Zeroizing<[u8; KEY_BYTES]>,
}

impl VaultKey {
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; KEY_BYTES]);
        rand::Rng::fill(&mut rand::thread_rng(), &mut bytes[..]);
        Self::from_bytes(bytes)
    }

    fn from_bytes(bytes: Zeroizing<[u8; KEY_BYTES]>) -> Self {
        let id = hex::encode(&Sha256::digest(&bytes[..])[..8]);
        Self { id, bytes }
    }

    /// A key written as 64 hex digits.
    pub fn from_hex(text: &str) -> Result<Self> {
        let decoded = Zeroizing::new(hex::decode(text.trim()).map_err(|_| bad_key())?);
        let mut bytes = Zeroizing::new([0u8; KEY_BYTES]);
        if decoded.len() != KEY_BYTES {
            return Err(bad_key());
        }
        bytes.copy_from_slice(&decoded);
        Ok(Self::from_bytes(bytes))
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(&self.bytes[..]))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&*self.bytes).into())
    }
}

fn bad_key() -> Error {
    Error::Internal("a vault key is 64 hexadecimal digits (32 bytes)".into())
}

/// A secret as stored: which key sealed it, the nonce and the ciphertext, in hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    pub nonce: String,
    pub ciphertext: String,
}

/// Where the keys come from.
enum Source {
    /// Given whole (`REWIND_VAULT_KEY`, tests): never reread.
    Fixed,
    /// A key file, reread when its modification time or size changes.
    File {
        path: PathBuf,
        seen: Option<(SystemTime, u64)>,
    },
}

struct Loaded {
    source: Source,
    /// The first seals; all open.
    keys: Vec<VaultKey>,
}

/// The keys a store seals and opens vault secrets with.
pub struct VaultKeys(RwLock<Loaded>);

impl std::fmt::Debug for VaultKeys {
    /// Key ids only: key material never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<String> = self.read().keys.iter().map(|k| k.id.clone()).collect();
        f.debug_tuple("VaultKeys").field(&ids).finish()
    }
}

impl VaultKeys {
    /// Keys given whole, the first sealing new secrets.
    pub fn fixed(keys: Vec<VaultKey>) -> Self {
        Self(RwLock::new(Loaded {
            source: Source::Fixed,
            keys,
        }))
    }

    /// No key: every secret operation says how to configure one.
    pub fn none() -> Self {
        Self::fixed(Vec::new())
    }

    /// The server's keys: `REWIND_VAULT_KEY` when set, else the key file
    /// (`REWIND_VAULT_KEY_FILE`, default `data/vault.key`), created when missing.
    pub fn from_env() -> Result<Self> {
        if let Ok(hex) = std::env::var("REWIND_VAULT_KEY") {
            return Ok(Self::fixed(vec![VaultKey::from_hex(&hex)?]));
        }
        Self::from_file(&key_file_path())
    }

    /// The keys of `path`, a new key file with one fresh key if there is none.
    pub fn from_file(path: &Path) -> Result<Self> {
        if !path.exists() && create_key_file(path)? {
            tracing::info!("Created the vault key file {}", path.display());
        }
        let keys = Self(RwLock::new(Loaded {
            source: Source::File {
                path: path.to_path_buf(),
                seen: None,
            },
            keys: Vec::new(),
        }));
        keys.refresh()?;
        Ok(keys)
    }

    /// The key file, if the keys come from one.
    pub fn file(&self) -> Option<PathBuf> {
        match &self.read().source {
            Source::File { path, .. } => Some(path.clone()),
            Source::Fixed => None,
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Loaded> {
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn forget_file_stamp(&self) {
        let mut loaded = self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Source::File { seen, .. } = &mut loaded.source {
            *seen = None;
        }
    }

    /// Rereads the key file when it changed since it was read.
    fn refresh(&self) -> Result<()> {
        let (path, seen) = match &self.read().source {
            Source::File { path, seen } => (path.clone(), *seen),
            Source::Fixed => return Ok(()),
        };
        let meta = std::fs::metadata(&path).map_err(|e| key_file_error(&path, e))?;
        let stamp = (
            meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            meta.len(),
        );
        if seen == Some(stamp) {
            return Ok(());
        }
        let keys = read_key_file(&path)?;
        let mut loaded = self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        loaded.keys = keys;
        loaded.source = Source::File {
            path,
            seen: Some(stamp),
        };
        Ok(())
    }

    /// The id of the key that seals new secrets.
    pub fn current_id(&self) -> Result<String> {
        self.refresh()?;
        self.read()
            .keys
            .first()
            .map(|k| k.id.clone())
            .ok_or_else(no_key)
    }

    /// Whether a key with this id is loaded.
    pub fn has(&self, key_id: &str) -> Result<bool> {
        self.refresh()?;
        Ok(self.read().keys.iter().any(|k| k.id == key_id))
    }

    /// Seals `secret` for the vault account `account` with the current key.
    pub fn seal(&self, account: i64, secret: &str) -> Result<Sealed> {
        self.refresh()?;
        let loaded = self.read();
        let key = loaded.keys.first().ok_or_else(no_key)?;
        seal_with(key, account, secret)
    }

    /// Opens a secret of `account` sealed by `seal`.
    pub fn open(&self, account: i64, sealed: &Sealed) -> Result<Zeroizing<String>> {
        self.refresh()?;
        if !self.read().keys.iter().any(|k| k.id == sealed.key_id) {
            // A file rewritten within the modification time's resolution, at the same size,
            // looks unchanged: read it again before saying the key is missing.
            self.forget_file_stamp();
            self.refresh()?;
        }
        let loaded = self.read();
        let key = loaded
            .keys
            .iter()
            .find(|k| k.id == sealed.key_id)
            .ok_or_else(|| {
                Error::Conflict(format!(
                    "This secret was sealed with the vault key {}, which this installation does \
                     not have: add that key to the vault key file (see the README, “Password vault \
                     secrets”).",
                    sealed.key_id
                ))
            })?;
        open_with(key, account, sealed)
    }

    /// The keys as loaded, the current first (for a rotation).
    pub(crate) fn keys(&self) -> Result<Vec<VaultKey>> {
        self.refresh()?;
        Ok(self.read().keys.clone())
    }
}

/// `REWIND_VAULT_KEY_FILE`, by default `data/vault.key`.
pub fn key_file_path() -> PathBuf {
    std::env::var("REWIND_VAULT_KEY_FILE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("data/vault.key"))
}

fn no_key() -> Error {
    Error::Conflict(
        "No vault key is configured: set REWIND_VAULT_KEY or REWIND_VAULT_KEY_FILE (see the \
         README, “Password vault secrets”)."
            .into(),
    )
}

fn key_file_error(path: &Path, error: std::io::Error) -> Error {
    Error::Internal(format!("vault key file {}: {error}", path.display()))
}

fn associated_data(account: i64) -> String {
    format!("rewind vault account {account}")
}

pub(crate) fn seal_with(key: &VaultKey, account: i64, secret: &str) -> Result<Sealed> {
    let mut nonce = [0u8; NONCE_BYTES];
    rand::Rng::fill(&mut rand::thread_rng(), &mut nonce[..]);
    let aad = associated_data(account);
    let ciphertext = key
        .cipher()
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: secret.as_bytes(),
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| Error::Internal("the vault secret could not be sealed".into()))?;
    Ok(Sealed {
        key_id: key.id.clone(),
        nonce: hex::encode(nonce),
        ciphertext: hex::encode(ciphertext),
    })
}

pub(crate) fn open_with(
    key: &VaultKey,
    account: i64,
    sealed: &Sealed,
) -> Result<Zeroizing<String>> {
    let damaged = || {
        Error::Conflict(
            "This vault secret does not open with its key: it was damaged or belongs to another \
             account."
                .into(),
        )
    };
    let nonce = hex::decode(&sealed.nonce).map_err(|_| damaged())?;
    let ciphertext = hex::decode(&sealed.ciphertext).map_err(|_| damaged())?;
    if nonce.len() != NONCE_BYTES {
        return Err(damaged());
    }
    let aad = associated_data(account);
    let plain = Zeroizing::new(
        key.cipher()
            .decrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &ciphertext,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| damaged())?,
    );
    String::from_utf8(plain.to_vec())
        .map(Zeroizing::new)
        .map_err(|_| damaged())
}

fn read_key_file(path: &Path) -> Result<Vec<VaultKey>> {
    let meta = std::fs::metadata(path).map_err(|e| key_file_error(path, e))?;
    if meta.len() > MAX_KEY_FILE_BYTES {
        return Err(Error::Internal(format!(
            "vault key file {}: longer than a key file can be",
            path.display()
        )));
    }
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| key_file_error(path, e))?);
    let keys = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(VaultKey::from_hex)
        .collect::<Result<Vec<_>>>()
        .map_err(|_| {
            Error::Internal(format!(
                "vault key file {}: each line must be a key of 64 hexadecimal digits",
                path.display()
            ))
        })?;
    if keys.is_empty() {
        return Err(Error::Internal(format!(
            "vault key file {}: it holds no key",
            path.display()
        )));
    }
    Ok(keys)
}

/// The header of a key file.
const KEY_FILE_HEADER: &str =
    "# Rewind vault keys. The first line seals new secrets; every line opens them.\n\
     # Without this file the vault's secrets cannot be read: keep a copy somewhere safe.\n";

fn key_file_text(keys: &[VaultKey]) -> Zeroizing<String> {
    let mut text = Zeroizing::new(String::from(KEY_FILE_HEADER));
    for key in keys {
        text.push_str(&key.to_hex());
        text.push('\n');
    }
    text
}

/// A new file at `path`, readable by its owner only; it must not exist yet.
fn write_new_file(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// Makes the directory's entries (a new or renamed file) survive a power cut.
fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(dir) = std::fs::File::open(dir) {
            let _ = dir.sync_all();
        }
    }
}

fn create_dir_of(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| key_file_error(dir, e))?;
    }
    Ok(())
}

/// Creates a key file with one fresh key, unless one appeared meanwhile (another process
/// starting at the same moment): true when this call made it.
fn create_key_file(path: &Path) -> Result<bool> {
    create_dir_of(path)?;
    match write_new_file(path, &key_file_text(&[VaultKey::generate()])) {
        Ok(()) => {
            sync_dir(path);
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(key_file_error(path, e)),
    }
}

/// Writes `keys` (the current first) to `path` atomically: a new file beside it, readable by
/// its owner only, renamed over the old one, the directory synced.
pub(crate) fn write_key_file(path: &Path, keys: &[VaultKey]) -> Result<()> {
    create_dir_of(path)?;
    let temporary = path.with_extension("key.new");
    // A temporary file left by a crash may have other permissions: never reuse it.
    let _ = std::fs::remove_file(&temporary);
    write_new_file(&temporary, &key_file_text(keys)).map_err(|e| key_file_error(&temporary, e))?;
    std::fs::rename(&temporary, path).map_err(|e| key_file_error(path, e))?;
    sync_dir(path);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_for_its_account_and_key() {
        let key = VaultKey::generate();
        let sealed = seal_with(&key, 7, "s3cret").unwrap();
        assert_eq!(*open_with(&key, 7, &sealed).unwrap(), "s3cret");
        assert!(!sealed.ciphertext.contains(&hex::encode("s3cret")));
        assert!(open_with(&key, 8, &sealed).is_err());
        assert!(open_with(&VaultKey::generate(), 7, &sealed).is_err());
        let again = seal_with(&key, 7, "s3cret").unwrap();
        assert_ne!(again.nonce, sealed.nonce);
    }

    #[test]
    fn a_key_file_is_created_once_and_reread_when_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys").join("vault.key");
        let keys = VaultKeys::from_file(&path).unwrap();
        let first = keys.current_id().unwrap();
        assert_eq!(
            VaultKeys::from_file(&path).unwrap().current_id().unwrap(),
            first
        );
        let sealed = keys.seal(1, "old").unwrap();
        let newer = VaultKey::generate();
        let mut both = vec![newer.clone()];
        both.extend(keys.keys().unwrap());
        write_key_file(&path, &both).unwrap();
        assert_eq!(keys.current_id().unwrap(), newer.id());
        assert_eq!(*keys.open(1, &sealed).unwrap(), "old");
        std::fs::write(&path, "not a key\n").unwrap();
        assert!(keys.seal(1, "x").is_err());
    }
}
