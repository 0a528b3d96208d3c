//! System backups: the archive format (docs/backup-format.md), the export and restore engine,
//! and the service that runs backups in the background, on a schedule, and restores them after
//! the Owner's approval. Server-only.
//!
//! What is backed up is discovered at run time: every table of the database except the
//! console's own (`CONSOLE_TABLES`), so new identity tables are included without code changes.
pub mod archive;
pub mod engine;
pub mod schema;
pub mod service;

pub use archive::{ColumnKind, Manifest, TablePart, FORMAT_NAME, FORMAT_VERSION};
pub use engine::{export, restore, validate, RestoreReport};
pub use service::{MailConfig, SystemBackupConfig, SystemBackups};

/// Tables that belong to the console, never to a backup: operators, their sessions and the
/// audit log survive a restore, and the backup catalogue must not restore itself.
pub const CONSOLE_TABLES: &[&str] = &[
    "_sqlx_migrations",
    "operators",
    "sessions",
    "login_throttle",
    "setup_tokens",
    "audit_log",
    "system_backups",
    "system_backup_schedule",
    "system_restore_requests",
    "operator_inbox",
];

/// Why a backup could not be read, written or restored. Each user-facing kind has its own
/// message; none of them changes any data.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("This backup is encrypted: enter the password it was exported with.")]
    PasswordRequired,
    #[error("Wrong password: this backup cannot be decrypted with it.")]
    WrongPassword,
    #[error("This file is not a Rewind backup.")]
    NotABackup,
    #[error(
        "The file is truncated: it ends before the backup does (an incomplete download or copy?)."
    )]
    Truncated,
    #[error("The file is damaged or has been altered ({0}); it cannot be trusted.")]
    Tampered(String),
    #[error(
        "This backup comes from a newer version of Rewind (schema {backup}, this server has \
         {server}); upgrade the server first."
    )]
    NewerVersion { backup: i64, server: i64 },
    #[error("This backup uses format version {0}, which this server cannot read.")]
    UnsupportedFormat(i64),
    #[error("Another restore is in progress; try again when it has finished.")]
    Busy,
    #[error("{0}")]
    Store(#[from] crate::store::Error),
    #[error("file system: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Internal(String),
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Self::Store(error.into())
    }
}

impl From<Error> for crate::store::Error {
    fn from(error: Error) -> Self {
        use crate::store::Error as S;
        match error {
            Error::Store(inner) => inner,
            Error::PasswordRequired | Error::WrongPassword => {
                S::invalid("password", error.to_string())
            }
            Error::NotABackup
            | Error::Truncated
            | Error::Tampered(_)
            | Error::NewerVersion { .. }
            | Error::UnsupportedFormat(_) => S::invalid("file", error.to_string()),
            Error::Busy => S::Conflict(error.to_string()),
            Error::Io(inner) => S::Internal(format!("backup file: {inner}")),
            Error::Internal(message) => S::Internal(message),
        }
    }
}

impl From<Error> for crate::error::AppError {
    fn from(error: Error) -> Self {
        crate::store::Error::from(error).into()
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `"name"`, quoted for both SQLite and PostgreSQL.
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
