//! Storage: SQL, row types and domain rules. Server-only.
//!
//! One SQL dialect subset runs on both backends through sqlx's `Any` driver. The encoding is
//! the same on SQLite and PostgreSQL: times are BIGINT microseconds since the Unix epoch (UTC),
//! flags are BIGINT 0/1, identifiers are BIGINT. Each backend has its own migrations directory.
mod access;
mod api_tokens;
mod audit;
mod bench;
mod bench_history;
pub use bench_history::IrregularHistory;
mod change_feed;
mod directory;
mod directory_views;
mod export;
mod filter;
mod grants;
mod group_changes;
mod group_density;
mod group_depth;
mod group_writes;
mod held_roles;
mod history;
mod id_chunks;
mod identity;
mod identity_reads;
mod import;
mod locks;
pub(crate) use locks::{HeldLocks, Lock};
mod login_throttle;
mod mail_lists;
mod oidc;
mod operators;
mod overview;
mod passwords;
mod preferences;
mod provisioning;
mod prune;
mod resources;
mod restore;
mod restore_apply;
mod restore_requests;
mod retention;
mod role_rule_runs;
mod role_rules;
mod rule_renames;
mod search;
mod seed;
mod seed_resources;
mod seed_vault;
mod sessions;
mod snapshot_list;
mod snapshot_patch;
mod snapshot_xml;
mod snapshots;
mod sod;
mod spreadsheet;
mod system_backup;
mod system_jobs;
mod temporal;
mod text;
mod timeline;
mod user_state;
mod vault;
mod vault_access;
mod vault_keys;

pub use audit::AuditRecord;
pub use change_feed::{parse_cursor, MAX_FEED_PAGE, SYSTEM_RESTORE_OPERATION};
pub use export::{user_query_attributes, MailDomainRecord, MailListRecord, UserRecord};
pub use import::{decode_utf8, parse_csv, CsvTable, ImportRequest, IMPORT_LIMIT};
pub use login_throttle::{
    ADDRESS_FREE_ATTEMPTS, FIRST_LOCKOUT_SECS, FORGET_AFTER_SECS, MAX_LOCKOUT_SECS,
    PAIR_FREE_ATTEMPTS,
};
pub use oidc::{NewSession, PendingSignIn, ProviderIdentity, OIDC_SIGN_IN_TTL_SECS};
pub use operators::NewOperator;
pub(crate) use overview::object_counts_in;
pub use provisioning::{GroupProvision, MAX_MEMBER_CHANGES, PROVISIONED_GROUP, VERSION_CHANGED};
pub use prune::{versioned_tables, PruneOptions};
pub use restore_requests::{ApprovedRestore, IssuedRestoreCode};
pub use seed::{ScaleOptions, ScaleReport, SeedOptions, SeedReport};
pub use sessions::{
    PurgeReport, Session, LAST_SEEN_RESOLUTION_SECS, RESTORE_REQUEST_RETENTION_SECS,
};
pub use snapshot_xml::{from_xml as snapshot_from_xml, to_xml as snapshot_to_xml};
pub(crate) use snapshots::ensure_singleton_rows;
pub use spreadsheet::{neutralise_cell, restore_cell};
pub(crate) use system_backup::audit_in;
pub use system_backup::{parse_time_of_day, Actor, BackupSummary, ScheduleSettings};
pub use system_jobs::{HEARTBEAT_SECS, STALE_AFTER_SECS};
pub use temporal::{Author, RESTORE_IN_PROGRESS};
pub use text::{
    forbidden_in_xml, MAX_ALIASES_CHARS, MAX_ATTRIBUTE_NAME_CHARS, MAX_CUSTOM_ATTRIBUTES,
    MAX_EMAIL_CHARS, MAX_LINE_CHARS, MAX_TEXT_CHARS,
};
pub use vault::KeyRotation;
pub use vault_keys::{key_file_path, VaultKey, VaultKeys};

use crate::error::FieldError;
use chrono::{DateTime, Utc};
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("throttled for {0} s")]
    Throttled(i64),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Internal(String),
}

impl Error {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }
}

/// What a writer hears when the SQLite write lock stayed taken longer than the busy timeout.
pub const DATABASE_BUSY: &str =
    "The database is busy with a long operation (a restore or a large import); try again in a \
     moment.";

/// How long a SQLite writer waits for the write lock before giving up.
pub const SQLITE_BUSY_TIMEOUT_MS: u64 = 30_000;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The answer of `Store::health`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Health {
    /// The newest migration this server knows.
    pub schema_version: i64,
    /// Migrations this server knows that the database has not applied.
    pub pending: Vec<i64>,
    /// Migrations the database has applied that this server does not know (a newer server
    /// migrated it).
    pub unknown: Vec<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// "sqlite" or "postgres", as backup manifests and health checks name it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// The identity store and console bookkeeping, on SQLite or PostgreSQL.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Caps concurrent password hashes (see `passwords`).
    hashing: std::sync::Arc<tokio::sync::Semaphore>,
    /// The keys vault secrets are sealed with (`with_vault_keys`).
    vault: std::sync::Arc<vault_keys::VaultKeys>,
}

impl Store {
    /// Opens (creating when needed) the database at `url` and applies pending migrations.
    /// `sqlite:` URLs name a file, created with its directory; `postgres:` URLs a server.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//");
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() || path == ":memory:" {
                return Err(Error::Internal(
                    "an in-memory SQLite database is not supported: give a file path".into(),
                ));
            }
            if let Some(dir) = std::path::Path::new(path).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        Error::Internal(format!("cannot create {}: {e}", dir.display()))
                    })?;
                }
            }
            (Backend::Sqlite, format!("sqlite://{path}?mode=rwc"))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            (Backend::Postgres, url.to_string())
        } else {
            return Err(Error::Internal(format!(
                "unsupported DATABASE_URL {url:?}: use sqlite://path or postgres://..."
            )));
        };
        let max_connections = match backend {
            Backend::Sqlite => 4,
            Backend::Postgres => 10,
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // A writer waits this long for another's write lock (a long CSV
                        // import, a restore) instead of failing with "database is locked".
                        sqlx::query(&format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}"))
                            .execute(conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        if backend == Backend::Sqlite {
            // WAL lets readers (and consistent backups) run while a write is in progress.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        let store = Self {
            pool,
            backend,
            hashing: passwords::hashing_permits(),
            vault: std::sync::Arc::new(vault_keys::VaultKeys::none()),
        };
        store.migrate().await?;
        Ok(store)
    }

    fn migrator(&self) -> sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("../migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("../migrations/postgres"),
        }
    }

    async fn migrate(&self) -> Result<()> {
        self.migrator().run(&self.pool).await?;
        Ok(())
    }

    /// What a load balancer's health check needs: the database answers, and its schema is the
    /// one this server was built for (every migration it knows applied, none it does not).
    pub async fn health(&self) -> Result<Health> {
        let applied: Vec<(i64,)> =
            sqlx::query_as("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_all(&self.pool)
                .await?;
        let applied: std::collections::BTreeSet<i64> = applied.into_iter().map(|(v,)| v).collect();
        let known: std::collections::BTreeSet<i64> =
            self.migrator().iter().map(|m| m.version).collect();
        Ok(Health {
            schema_version: known.iter().next_back().copied().unwrap_or_default(),
            pending: known.difference(&applied).copied().collect(),
            unknown: applied.difference(&known).copied().collect(),
        })
    }

    /// Starts a write transaction. On SQLite it takes the write lock up front (`BEGIN
    /// IMMEDIATE`): a deferred transaction that has read and then writes fails at once with
    /// "database is locked" when another connection is writing, where an immediate one waits
    /// its turn (the busy timeout). A wait longer than that is a clear conflict, not an
    /// internal error.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        match self.backend {
            Backend::Sqlite => self
                .pool
                .begin_with("BEGIN IMMEDIATE")
                .await
                .map_err(|error| match &error {
                    // SQLITE_BUSY and its extended codes (the low byte is 5).
                    sqlx::Error::Database(db)
                        if db
                            .code()
                            .and_then(|code| code.parse::<i32>().ok())
                            .is_some_and(|code| code & 0xff == 5) =>
                    {
                        Error::Conflict(DATABASE_BUSY.into())
                    }
                    _ => error.into(),
                }),
            Backend::Postgres => Ok(self.pool.begin().await?),
        }
    }

    /// `begin_write` for identity data: refused at once while a system restore runs, before
    /// waiting for the restore's write lock (`begin_op` checks again inside the transaction).
    pub(crate) async fn begin_identity_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        temporal::refuse_during_restore(&self.pool).await?;
        self.begin_write().await
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Current time in the stored encoding.
pub fn now_micros() -> i64 {
    Utc::now().timestamp_micros()
}

pub fn to_time(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or_default()
}

/// A random secret for cookies and one-time tokens (256 bits, hex).
pub fn random_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Secrets are stored only as their SHA-256, so a leaked database holds no live session.
pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The offset and limit of a page as asked, kept in bounds: at most 500 rows, 50 when none
/// (or a negative number) is asked, never before the first row.
pub(crate) fn page_window(offset: i64, limit: i64) -> (i64, i64) {
    let limit = if limit <= 0 { 50 } else { limit.min(500) };
    (offset.max(0), limit)
}
