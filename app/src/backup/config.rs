//! How the system-backup service is set up: where backups live, what they carry, and how
//! restore codes are mailed (`REWIND_*` environment variables).
use super::tables::BackupTables;
use std::path::PathBuf;

/// SMTP delivery of restore codes (optional): `smtp_url` as lettre reads it, e.g.
/// `smtps://user:password@mail.example.com` or `smtp://localhost:25`.
#[derive(Clone, Debug)]
pub struct MailConfig {
    pub smtp_url: String,
    pub from: String,
    /// Where the Owner's codes go (operators have no email address of their own).
    pub owner_email: String,
}

#[derive(Clone, Debug)]
pub struct SystemBackupConfig {
    /// Where server-side backups live. With several server processes on one database, every
    /// one of them must see the same directory (shared storage: NFS, a cluster file system, a
    /// volume mounted on every node): a backup written by one is downloaded, hashed and
    /// restored by whichever process serves the request, and uploads are checked by one and
    /// imported by another.
    pub dir: PathBuf,
    pub mail: Option<MailConfig>,
    /// What a backup carries: the identity tables.
    pub tables: BackupTables,
}

impl Default for SystemBackupConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("data/backups"),
            mail: None,
            tables: BackupTables::default(),
        }
    }
}

impl SystemBackupConfig {
    /// `REWIND_BACKUP_DIR` (default `data/backups`); mail when `REWIND_SMTP_URL`,
    /// `REWIND_SMTP_FROM` and `REWIND_OWNER_EMAIL` are all set.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Self {
            dir: var("REWIND_BACKUP_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| Self::default().dir),
            mail: match (
                var("REWIND_SMTP_URL"),
                var("REWIND_SMTP_FROM"),
                var("REWIND_OWNER_EMAIL"),
            ) {
                (Some(smtp_url), Some(from), Some(owner_email)) => Some(MailConfig {
                    smtp_url,
                    from,
                    owner_email,
                }),
                _ => None,
            },
            tables: BackupTables::default(),
        }
    }
}
