//! System backups: the archive format (docs/backup-format.md), the export and restore engine,
//! and the service that runs backups in the background, on a schedule, and restores them after
//! the Owner's approval. Server-only.
//!
//! What is backed up is an explicit list of identity tables (`tables::IDENTITY_TABLES`); the
//! console's own tables (`tables::CONSOLE_TABLES`) never are. Columns, keys and the order of
//! the tables are discovered at run time.
pub mod archive;
mod checked_upload;
mod config;
pub mod engine;
mod jobs;
mod recovery;
pub mod restore;
pub mod schema;
pub mod service;
pub mod tables;

pub use archive::{ColumnKind, Manifest, TablePart, FORMAT_NAME, FORMAT_VERSION};
pub use engine::{export, validate};
pub use restore::{restore, RestoreOptions, RestoreReport};
pub use service::{MailConfig, SystemBackupConfig, SystemBackups, CONCURRENT_EXPORTS};
pub use tables::{classify, BackupTables, TableClass, CONSOLE_TABLES, IDENTITY_TABLES};

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
    #[error("The file exceeds a limit of the backup format ({0}); it was refused.")]
    Oversized(String),
    #[error(
        "The backup file has changed since its restore was requested; request a new approval \
         code."
    )]
    FileChanged,
    #[error("Another restore is in progress; try again when it has finished.")]
    Busy,
    #[error("A restore is in progress; backups and exports can start when it has finished.")]
    RestoreRunning,
    #[error("A backup or export is being written; start the restore when it has finished.")]
    ExportRunning,
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
            | Error::UnsupportedFormat(_)
            | Error::Oversized(_) => S::invalid("file", error.to_string()),
            Error::Busy | Error::RestoreRunning | Error::ExportRunning | Error::FileChanged => {
                S::Conflict(error.to_string())
            }
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
