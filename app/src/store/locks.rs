//! Transaction-scoped locks for checks that read before they write, and the locks a system
//! restore and the backups hold across server processes (`HeldLocks`).
//!
//! PostgreSQL runs transactions at READ COMMITTED: two transactions can each read a state the
//! other is about to change. A user's snapshot capture (which reads the user's whole state, or
//! the open snapshot) and the group-tree and role-inheritance cycle checks must see every
//! change committed before they read, so they first take an advisory lock held until commit.
//! On SQLite every write transaction already holds the database's write lock from its start
//! (`Store::begin_write`), so there is nothing more to take.
use super::{Backend, Result, Store};
use sqlx::{AnyConnection, Connection};

/// What a lock protects.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Lock {
    /// One user's record and snapshots: edits and captures of the same user run one after
    /// the other (locks are re-entrant, so an edit that then captures takes it twice).
    User(i64),
    /// The shape of the group tree (moves and their cycle and depth checks).
    GroupTree,
    /// The role inheritance graph (its cycle check).
    RoleInheritance,
    /// One role assignment rule: an "Apply now" batch and the rule's deletion run one after
    /// the other, so no batch writes grants for a rule deleted meanwhile.
    RoleRule(i64),
    /// One vault account's secret: two changes of it run one after the other.
    VaultSecret(i64),
    /// The vault key: writes that seal a secret hold it shared (`take_shared`), a key
    /// rotation exclusively, so no secret is sealed with a key while it is being retired.
    VaultKey,
    /// One group's record and its secondary memberships: a provisioning write (which reads
    /// the members, checks the version the client saw and writes) and the console's
    /// membership edits of that group run one after the other. Taken before any user lock.
    Group(i64),
    /// A system restore: one at a time across every server process on the database, held
    /// for as long as its maintenance window is open.
    SystemRestore,
    /// Backups and exports hold it shared, a restore exclusively, across processes.
    SystemActivity,
}

impl Lock {
    /// One 64-bit key space: the kind in the top byte, the id below.
    fn key(self) -> i64 {
        let (kind, id) = match self {
            Self::User(user) => (1, user),
            Self::GroupTree => (2, 0),
            Self::RoleInheritance => (3, 0),
            Self::RoleRule(rule) => (4, rule),
            Self::VaultSecret(account) => (5, account),
            Self::VaultKey => (6, 0),
            Self::Group(group) => (7, group),
            Self::SystemRestore => (8, 0),
            Self::SystemActivity => (9, 0),
        };
        (kind << 56) | (id & 0x00FF_FFFF_FFFF_FFFF)
    }
}

/// Takes `lock` until the end of the current transaction (PostgreSQL; a no-op on SQLite).
pub(crate) async fn take(conn: &mut AnyConnection, lock: Lock) -> Result<()> {
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT CAST(1 AS BIGINT) FROM (SELECT pg_advisory_xact_lock($1)) l")
            .bind(lock.key())
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// `take` of `Lock::User` for each of `users`, in the order given (ascending, as every
/// capture takes them), in one statement (PostgreSQL; a no-op on SQLite).
pub(crate) async fn take_users(conn: &mut AnyConnection, users: &[i64]) -> Result<()> {
    if conn.backend_name() != "PostgreSQL" || users.is_empty() {
        return Ok(());
    }
    let keys: Vec<String> = users
        .iter()
        .map(|&user| format!("({})", Lock::User(user).key()))
        .collect();
    sqlx::query(&format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT pg_advisory_xact_lock(CAST(k AS BIGINT)) \
         FROM (VALUES {}) AS v(k)) l",
        keys.join(", ")
    ))
    .execute(conn)
    .await?;
    Ok(())
}

/// `take` in shared mode: holders of the shared lock run together, and all of them wait for
/// (and hold off) one holder of `take` (PostgreSQL; a no-op on SQLite, whose writers already
/// run one at a time).
pub(crate) async fn take_shared(conn: &mut AnyConnection, lock: Lock) -> Result<()> {
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT CAST(1 AS BIGINT) FROM (SELECT pg_advisory_xact_lock_shared($1)) l")
            .bind(lock.key())
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// `take` if no other session holds `lock`, without waiting: false when one does (PostgreSQL;
/// always true on SQLite, where the caller's process is the only one).
pub(crate) async fn try_take(conn: &mut AnyConnection, lock: Lock) -> Result<bool> {
    if conn.backend_name() != "PostgreSQL" {
        return Ok(true);
    }
    let (taken,): (bool,) = sqlx::query_as("SELECT pg_try_advisory_xact_lock($1)")
        .bind(lock.key())
        .fetch_one(conn)
        .await?;
    Ok(taken)
}

/// Locks held beyond one transaction, for a whole restore or backup, by a database session
/// of their own (a connection taken out of the pool). They guard work that spans processes:
/// PostgreSQL releases them when `release` ends that session, or when the session dies with
/// a killed process, so nothing a dead process held stays locked. On SQLite there is one
/// server process and nothing to hold; the in-process locks of the caller suffice.
pub(crate) struct HeldLocks {
    session: Option<AnyConnection>,
}

impl std::fmt::Debug for HeldLocks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeldLocks")
            .field("session", &self.session.is_some())
            .finish()
    }
}

impl HeldLocks {
    /// A session for locks (PostgreSQL), or none (SQLite).
    pub(crate) async fn open(store: &Store) -> Result<Self> {
        let session = match store.backend() {
            Backend::Postgres => Some(store.pool().acquire().await?.detach()),
            Backend::Sqlite => None,
        };
        Ok(Self { session })
    }

    /// Takes `lock` (shared or exclusive) unless another session holds it in a conflicting
    /// mode; false then, without waiting.
    pub(crate) async fn try_take(&mut self, lock: Lock, shared: bool) -> Result<bool> {
        let Some(session) = self.session.as_mut() else {
            return Ok(true);
        };
        let sql = if shared {
            "SELECT pg_try_advisory_lock_shared($1)"
        } else {
            "SELECT pg_try_advisory_lock($1)"
        };
        let (taken,): (bool,) = sqlx::query_as(sql)
            .bind(lock.key())
            .fetch_one(session)
            .await?;
        Ok(taken)
    }

    /// Ends the session, and with it every lock it holds. Dropping the locks does the same,
    /// less politely (the server notices the closed connection).
    pub(crate) async fn release(mut self) {
        if let Some(session) = self.session.take() {
            if let Err(error) = session.close().await {
                tracing::warn!(%error, "closing a lock session");
            }
        }
    }
}
