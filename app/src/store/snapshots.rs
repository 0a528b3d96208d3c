//! The user snapshot engine: captured in the same transaction as every change to a user.
//!
//! Rules (see `capture`): an identical state writes nothing; a newest snapshot younger than
//! the minimum delay is updated in place (a change is never dropped); otherwise the newest is
//! closed and a new one opens, and the oldest beyond keep-N are removed.
//!
//! So at the end of every transaction a live user's open snapshot holds the user's current
//! state: every change to what a state shows captures the users it affects. A change to the
//! user row alone relies on that (`capture_attributes`).
use super::identity::{
    assemble_state, audit, load_state, state_parts_sql, state_user_sql, StateUserRow,
};
use super::temporal::{begin_op, Author, Op};
use super::{to_time, Error, Result, Store};
use crate::model::*;
use sqlx::{Any, AnyConnection};

#[derive(sqlx::FromRow)]
struct ConfigRow {
    min_delay_secs: i64,
    delay_unit: String,
    keep_count: i64,
    entitlements_history: i64,
}

#[derive(sqlx::FromRow)]
pub(crate) struct SnapshotRow {
    id: i64,
    user_id: i64,
    valid_since: i64,
    valid_until: Option<i64>,
    document: String,
    size: i64,
    content_hash: String,
}

impl SnapshotRow {
    fn summary(&self) -> SnapshotSummary {
        SnapshotSummary {
            id: self.id,
            user: UserId(self.user_id),
            valid_since: to_time(self.valid_since),
            valid_until: self.valid_until.map(to_time),
            content_hash: self.content_hash.clone(),
            size: self.size,
        }
    }

    pub(crate) fn snapshot(&self) -> Result<Snapshot> {
        let state: UserState = serde_json::from_str(&self.document)
            .map_err(|e| Error::Internal(format!("snapshot {} is not readable: {e}", self.id)))?;
        let s = self.summary();
        Ok(Snapshot {
            id: s.id,
            user: s.user,
            valid_since: s.valid_since,
            valid_until: s.valid_until,
            content_hash: s.content_hash,
            size: s.size,
            state,
        })
    }
}

const SNAPSHOT_COLUMNS: &str =
    "id, user_id, valid_since, valid_until, document, size, content_hash";

/// Re-creates the configuration rows the migrations insert (today `snapshot_config`, id 1,
/// with migration 0003's values) where they are missing, as after restoring a backup that
/// lacked them; returns the tables whose row was re-created. Snapshot capture joins that row:
/// without it no change would capture a snapshot again.
pub(crate) async fn ensure_singleton_rows(conn: &mut AnyConnection) -> Result<Vec<&'static str>> {
    let created = sqlx::query(
        "INSERT INTO snapshot_config (id, min_delay_secs, delay_unit, keep_count, \
           entitlements_history, updated_at, updated_by) \
         SELECT 1, 3600, 'hours', 50, 1, $1, 'system' \
         WHERE NOT EXISTS (SELECT 1 FROM snapshot_config WHERE id = 1)",
    )
    .bind(super::now_micros())
    .execute(conn)
    .await?;
    Ok(if created.rows_affected() > 0 {
        vec!["snapshot_config"]
    } else {
        vec![]
    })
}

pub(crate) async fn config(conn: &mut AnyConnection) -> Result<SnapshotConfig> {
    let row = sqlx::query_as::<Any, ConfigRow>(
        "SELECT min_delay_secs, delay_unit, keep_count, entitlements_history \
         FROM snapshot_config WHERE id = 1",
    )
    .fetch_one(conn)
    .await?;
    Ok(SnapshotConfig {
        min_delay_secs: row.min_delay_secs,
        delay_unit: DelayUnit::parse(&row.delay_unit).unwrap_or(DelayUnit::Hours),
        keep_count: row.keep_count,
        entitlements_history: row.entitlements_history != 0,
    })
}

/// The deterministic document of a state and its hash.
pub(crate) fn encode(state: &UserState) -> Result<(String, String)> {
    let json = serde_json::to_string(state)
        .map_err(|e| Error::Internal(format!("snapshot encoding: {e}")))?;
    let hash = {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(json.as_bytes()))
    };
    Ok((json, hash))
}

/// Brings the snapshots of `users` up to date with their current state (see module docs).
/// Runs inside the caller's transaction; users that no longer exist are skipped.
pub(crate) async fn capture(conn: &mut AnyConnection, op: &Op, users: &[i64]) -> Result<()> {
    capture_with(conn, op, users, Touched::Everything, false).await
}

/// `capture` after a change to the user's own row only (attributes, primary group). The
/// rest of the state is taken from the user's open snapshot, which every other change keeps
/// equal to the current state in its own transaction; only when there is none, or it was
/// taken with the other entitlements setting, is the whole state read.
pub(crate) async fn capture_attributes(conn: &mut AnyConnection, op: &Op, user: i64) -> Result<()> {
    capture_with(conn, op, &[user], Touched::Attributes, false).await
}

/// Like `capture`, but a changed state always opens a new snapshot, even within the minimum
/// delay, and keep-N spares the one before: restores use it so that the state they replaced
/// stays restorable ("undo").
pub(crate) async fn capture_new(conn: &mut AnyConnection, op: &Op, users: &[i64]) -> Result<()> {
    capture_with(conn, op, users, Touched::Everything, true).await
}

/// The newest snapshot of a user, if any.
pub(crate) async fn newest_id(conn: &mut AnyConnection, user: i64) -> Result<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM user_snapshots WHERE user_id = $1 \
         ORDER BY valid_since DESC, id DESC LIMIT 1",
    )
    .bind(user)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(id,)| id))
}

/// The columns of `state_parts_sql`, in `StatePartRow` order.
const PART_COLUMNS: &str =
    "p.part, p.a, p.b, p.c, p.d, p.t1, p.t2, p.t3, p.t4, p.t5, p.t6, p.t7, p.t8";

/// What a change may have altered in the states of the users it captures.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Touched {
    Everything,
    /// Only the user row (see `capture_attributes`).
    Attributes,
}

/// What capture reads, in one round trip: the user row of the state, the configuration,
/// the user's open snapshot and how many snapshots the user has; and either the rest of the
/// state (`parts`) or the open snapshot's document to take it from.
#[derive(sqlx::FromRow)]
struct CaptureRow {
    #[sqlx(flatten)]
    user: StateUserRow,
    min_delay_secs: i64,
    keep_count: i64,
    entitlements_history: i64,
    newest_id: Option<i64>,
    newest_since: Option<i64>,
    newest_hash: Option<String>,
    newest_document: Option<String>,
    snapshots: i64,
    /// The rows of `state_parts_sql` as a JSON array of arrays.
    parts: Option<String>,
}

/// The capture read: with the state's parts as one JSON value (a subquery of the same
/// statement, so the whole read is one round trip, which is what capture costs most on
/// PostgreSQL), or with the open snapshot's document instead.
fn capture_sql(backend: &str, touched: Touched) -> String {
    let (parts, document) = match touched {
        Touched::Attributes => ("NULL".to_string(), "s.document"),
        Touched::Everything => {
            let parts = state_parts_sql(i64::MAX, Some(" AND c.entitlements_history <> 0"));
            let parts = if backend == "PostgreSQL" {
                format!(
                    "(SELECT CAST(COALESCE(json_agg(json_build_array({PART_COLUMNS})), '[]') \
                      AS TEXT) FROM ({parts}) p)"
                )
            } else {
                format!("(SELECT json_group_array(json_array({PART_COLUMNS})) FROM ({parts}) p)")
            };
            (parts, "NULL")
        }
    };
    // Only a capture of the user row reads the open snapshot's document.
    let open_columns = if document == "NULL" {
        "id, valid_since, content_hash"
    } else {
        "id, valid_since, content_hash, document"
    };
    state_user_sql(
        i64::MAX,
        &format!(
            ", c.min_delay_secs, c.keep_count, c.entitlements_history, \
             s.id AS newest_id, s.valid_since AS newest_since, s.content_hash AS newest_hash, \
             {document} AS newest_document, \
             (SELECT COUNT(*) FROM user_snapshots WHERE user_id = $1) AS snapshots, \
             {parts} AS parts"
        ),
        // The open snapshot as a derived table searched by user: joined on a subquery's id
        // instead, SQLite scanned every snapshot when statistics said the table was small
        // (ANALYZE before a bulk change), which made a capture of n users cost n².
        &format!(
            " JOIN snapshot_config c ON c.id = 1 \
             LEFT JOIN (SELECT {open_columns} FROM user_snapshots \
                        WHERE user_id = $1 AND valid_until IS NULL \
                        ORDER BY valid_since DESC, id DESC LIMIT 1) s ON 1 = 1"
        ),
    )
}

/// The user's current state from a capture read; None when the read has to be repeated with
/// `Touched::Everything` (no usable open snapshot to take the parts from).
fn captured_state(user: i64, row: &CaptureRow) -> Result<Option<UserState>> {
    let include_grants = row.entitlements_history != 0;
    if let Some(parts) = &row.parts {
        let parts = serde_json::from_str(parts)
            .map_err(|e| Error::Internal(format!("state of user {user}: {e}")))?;
        return Ok(Some(assemble_state(
            row.user.clone(),
            parts,
            include_grants,
        )));
    }
    let Some(document) = &row.newest_document else {
        return Ok(None);
    };
    // An unreadable or differently configured document is read again in full.
    let Ok(open) = serde_json::from_str::<UserState>(document) else {
        return Ok(None);
    };
    if open.grants_captured != include_grants {
        return Ok(None);
    }
    Ok(Some(UserState {
        memberships: open.memberships,
        accounts: open.accounts,
        grants: open.grants,
        mail_lists: open.mail_lists,
        printers: open.printers,
        ..assemble_state(row.user.clone(), Vec::new(), include_grants)
    }))
}

async fn read_capture(
    conn: &mut AnyConnection,
    sql: &str,
    user: i64,
) -> Result<Option<CaptureRow>> {
    Ok(sqlx::query_as::<Any, CaptureRow>(sql)
        .bind(user)
        .fetch_optional(conn)
        .await?)
}

async fn capture_with(
    conn: &mut AnyConnection,
    op: &Op,
    users: &[i64],
    touched: Touched,
    always_new: bool,
) -> Result<()> {
    let mut users = users.to_vec();
    users.sort_unstable();
    users.dedup();
    // Role assignment rules follow every change to users, in the same transaction; a user
    // whose grants they changed has more than their row to capture.
    let regranted = super::role_rules::settle(conn, op, &users).await?;
    let backend = conn.backend_name().to_string();
    let read_sql = capture_sql(&backend, touched);
    let full_sql = capture_sql(&backend, Touched::Everything);
    for user in users {
        let read_sql = if regranted.contains(&user) {
            &full_sql
        } else {
            &read_sql
        };
        // Users in ascending order, so two captures never wait on each other in a circle.
        super::locks::take(conn, super::locks::Lock::User(user)).await?;
        // A user that no longer exists has nothing to capture.
        let Some(mut row) = read_capture(conn, read_sql, user).await? else {
            continue;
        };
        let state = match captured_state(user, &row)? {
            Some(state) => state,
            None => {
                let Some(full) = read_capture(conn, &full_sql, user).await? else {
                    continue;
                };
                row = full;
                captured_state(user, &row)?.ok_or_else(|| {
                    Error::Internal(format!("state of user {user} could not be read"))
                })?
            }
        };
        let (document, hash) = encode(&state)?;
        let mut close = None;
        if let (Some(id), Some(since), Some(newest_hash)) =
            (row.newest_id, row.newest_since, &row.newest_hash)
        {
            if *newest_hash == hash {
                continue;
            }
            if !always_new && op.at - since < row.min_delay_secs * 1_000_000 {
                sqlx::query(
                    "UPDATE user_snapshots SET document = $1, size = $2, content_hash = $3, \
                     operation_id = $4, updated_at = $5 WHERE id = $6",
                )
                .bind(&document)
                .bind(document.len() as i64)
                .bind(&hash)
                .bind(op.id)
                .bind(op.at)
                .bind(id)
                .execute(&mut *conn)
                .await?;
                continue;
            }
            close = Some(id);
        }
        let keep = if always_new {
            row.keep_count.max(2)
        } else {
            row.keep_count
        };
        // The count was read in this transaction: the oldest beyond keep-N (counting the new
        // one) go. When they include the open snapshot, it is deleted rather than closed.
        let excess = (row.snapshots + 1 - keep.max(1)).max(0);
        if excess >= row.snapshots {
            close = None;
        }
        write_snapshot(conn, op, user, close, excess, &document, &hash).await?;
    }
    Ok(())
}

/// Removes user $1's oldest snapshots, as many as the parameter `limit` says. `user_id = $1`
/// on the outer delete too: with `id IN (...)` alone SQLite scanned every snapshot when
/// statistics said the table was small (ANALYZE before a bulk change), so a capture of n
/// users cost n². Without anything to remove there is no delete at all.
pub(crate) fn prune_oldest_sql(limit: &str) -> String {
    format!(
        "DELETE FROM user_snapshots WHERE user_id = $1 AND id IN \
         (SELECT id FROM user_snapshots WHERE user_id = $1 \
          ORDER BY valid_since ASC, id ASC LIMIT {limit})"
    )
}

/// Closes snapshot `close`, removes the user's `excess` oldest and opens the new one, in
/// one round trip (a round trip each was most of what capture cost). The oldest are counted
/// before the insert, and `close` is never among them. PostgreSQL runs it as one statement
/// (data-modifying CTEs, which all see the table as it was); SQLite as three statements in
/// one call, each binding the numbered parameters it names.
async fn write_snapshot(
    conn: &mut AnyConnection,
    op: &Op,
    user: i64,
    close: Option<i64>,
    excess: i64,
    document: &str,
    hash: &str,
) -> Result<()> {
    const CLOSE: &str = "UPDATE user_snapshots SET valid_until = $2 WHERE id = $7";
    const INSERT: &str = "INSERT INTO user_snapshots (user_id, valid_since, valid_until, \
         document, size, content_hash, operation_id, updated_at) \
         VALUES ($1, $2, NULL, $3, $4, $5, $6, $2)";
    let sql = match (conn.backend_name() == "PostgreSQL", excess > 0) {
        (true, true) => format!(
            "WITH closed AS ({CLOSE}), pruned AS ({}) {INSERT}",
            prune_oldest_sql("$8")
        ),
        (true, false) => format!("WITH closed AS ({CLOSE}) {INSERT}"),
        (false, true) => format!("{CLOSE}; {}; {INSERT}", prune_oldest_sql("$8")),
        (false, false) => format!("{CLOSE}; {INSERT}"),
    };
    sqlx::query(&sql)
        .bind(user)
        .bind(op.at)
        .bind(document)
        .bind(document.len() as i64)
        .bind(hash)
        .bind(op.id)
        .bind(close)
        .bind(excess)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A deleted user's newest snapshot ends when the user does.
pub(crate) async fn close_newest(conn: &mut AnyConnection, op: &Op, user: i64) -> Result<()> {
    sqlx::query(
        "UPDATE user_snapshots SET valid_until = $1 WHERE user_id = $2 AND valid_until IS NULL",
    )
    .bind(op.at)
    .bind(user)
    .execute(conn)
    .await?;
    Ok(())
}

async fn ids(conn: &mut AnyConnection, sql: &str, id: i64) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(sql).bind(id).fetch_all(conn).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Current users whose state shows this group (members and primary-group users).
pub(crate) async fn users_of_group(conn: &mut AnyConnection, group: i64) -> Result<Vec<i64>> {
    ids(
        conn,
        "SELECT user_id FROM memberships WHERE group_id = $1 AND valid_to IS NULL \
         UNION SELECT object_id FROM users WHERE primary_group_id = $1 AND valid_to IS NULL",
        group,
    )
    .await
}

/// Current owners of an account.
pub(crate) async fn users_of_account(conn: &mut AnyConnection, account: i64) -> Result<Vec<i64>> {
    ids(
        conn,
        "SELECT user_id FROM account_owners WHERE account_id = $1 AND valid_to IS NULL",
        account,
    )
    .await
}

/// Users holding a role directly or through an owned account.
pub(crate) async fn users_of_role(conn: &mut AnyConnection, role: i64) -> Result<Vec<i64>> {
    ids(
        conn,
        "SELECT grantee_id FROM grants WHERE role_id = $1 AND grantee_kind = 'user' \
           AND valid_to IS NULL \
         UNION SELECT o.user_id FROM grants g JOIN account_owners o \
           ON o.account_id = g.grantee_id AND o.valid_to IS NULL \
         WHERE g.role_id = $1 AND g.grantee_kind = 'account' AND g.valid_to IS NULL",
        role,
    )
    .await
}

/// Users who are direct members of a mail list.
pub(crate) async fn users_of_list(conn: &mut AnyConnection, list: i64) -> Result<Vec<i64>> {
    ids(
        conn,
        "SELECT member_id FROM mail_list_members WHERE list_id = $1 AND member_kind = 'user' \
           AND valid_to IS NULL",
        list,
    )
    .await
}

impl Store {
    pub async fn snapshot_config(&self) -> Result<SnapshotConfig> {
        let mut conn = self.pool.acquire().await?;
        config(&mut conn).await
    }

    pub async fn set_snapshot_config(
        &self,
        actor: &Author,
        new: &SnapshotConfig,
    ) -> Result<SnapshotConfig> {
        let mut problems = Vec::new();
        if new.min_delay_secs < 0 || new.min_delay_secs > 365 * 86400 {
            problems.push(crate::error::FieldError::new(
                "min_delay_secs",
                "Use a delay between 0 and 365 days.",
            ));
        }
        if new.keep_count < 1 || new.keep_count > 100_000 {
            problems.push(crate::error::FieldError::new(
                "keep_count",
                "Keep between 1 and 100000 snapshots per user.",
            ));
        }
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        let mut tx = self.begin_identity_write().await?;
        let op = begin_op(&mut tx, actor, "snapshots.configure", "").await?;
        sqlx::query(
            "UPDATE snapshot_config SET min_delay_secs = $1, delay_unit = $2, keep_count = $3, \
             entitlements_history = $4, updated_at = $5, updated_by = $6 WHERE id = 1",
        )
        .bind(new.min_delay_secs)
        .bind(new.delay_unit.as_str())
        .bind(new.keep_count)
        .bind(i64::from(new.entitlements_history))
        .bind(op.at)
        .bind(&op.by)
        .execute(&mut *tx)
        .await?;
        let details = format!(
            "min delay {} s ({}), keep {}, entitlements history {}",
            new.min_delay_secs,
            new.delay_unit.as_str(),
            new.keep_count,
            if new.entitlements_history {
                "on"
            } else {
                "off"
            }
        );
        audit(
            &mut tx,
            &op,
            "snapshots.configure",
            "snapshot settings",
            &details,
        )
        .await?;
        let config = config(&mut tx).await?;
        tx.commit().await?;
        Ok(config)
    }

    /// A user's snapshots, newest first (deleted users' too).
    pub async fn list_snapshots(&self, user: UserId) -> Result<Vec<SnapshotSummary>> {
        let rows = sqlx::query_as::<Any, SnapshotRow>(&format!(
            "SELECT {SNAPSHOT_COLUMNS} FROM user_snapshots WHERE user_id = $1 \
             ORDER BY valid_since DESC, id DESC"
        ))
        .bind(user.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(SnapshotRow::summary).collect())
    }

    pub async fn get_snapshot(&self, id: i64) -> Result<Snapshot> {
        let mut conn = self.pool.acquire().await?;
        snapshot_row(&mut conn, id).await?.snapshot()
    }

    /// The snapshot as the documented XML (docs/snapshot-xml.md).
    pub async fn snapshot_xml(&self, id: i64) -> Result<String> {
        super::snapshot_xml::to_xml(&self.get_snapshot(id).await?)
    }

    /// The user's state now, shaped like a snapshot's (for diffs against snapshots).
    pub async fn current_state(&self, user: UserId) -> Result<UserState> {
        let mut conn = self.pool.acquire().await?;
        let config = config(&mut conn).await?;
        load_state(&mut conn, user.0, i64::MAX, config.entitlements_history)
            .await?
            .ok_or_else(|| Error::NotFound(format!("user {}", user.0)))
    }

    /// Differences from snapshot `from` to snapshot `to` (the current state when None).
    pub async fn diff_snapshots(&self, from: i64, to: Option<i64>) -> Result<StateDiff> {
        let a = self.get_snapshot(from).await?;
        let b = match to {
            Some(id) => self.get_snapshot(id).await?.state,
            None => self.current_state(a.user).await?,
        };
        Ok(diff_states(&a.state, &b))
    }
}

pub(crate) async fn snapshot_row(conn: &mut AnyConnection, id: i64) -> Result<SnapshotRow> {
    sqlx::query_as::<Any, SnapshotRow>(&format!(
        "SELECT {SNAPSHOT_COLUMNS} FROM user_snapshots WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| Error::NotFound(format!("snapshot {id}")))
}
