//! Pruning history older than the retention (`retention`), in the background, a batch of
//! rows per short write transaction so that writers wait at most one batch.
//!
//! For cutoff = now - retention it deletes, in this order:
//! 1. versions of every versioned table whose validity ended before the cutoff. A version in
//!    force at any instant at or after the cutoff has `valid_to` NULL or >= cutoff and stays,
//!    so every read "as of" such an instant is unchanged. An object whose last version ended
//!    before the cutoff is gone entirely (it leaves the recycle bin); its `objects` row (an
//!    id and a kind, nothing else) stays, so no id is ever reused.
//! 2. closed user snapshots whose validity ended before the cutoff (open ones never), and the
//!    restore undo points that named them (they could no longer undo anything).
//! 3. the change feed's records (`change_log`) of operations before the cutoff, and those
//!    operations unless a remaining version, snapshot or undo point still names them. The
//!    feed's horizon (`history_retention.feed_horizon`) moves past them in the same
//!    transaction, so a follower behind it is told to read everything again, never handed a
//!    page with holes.
//! 4. change feed announcements (system restores) before the cutoff.
//!
//! The audit log is not history in this sense (it records what operators did, including
//! this pruning, and never travels in backups) and is never pruned.
//!
//! SQLite's derived tables follow through their triggers: `groups_span` (R*Tree) deletes a
//! pruned group version's span; `users_search` only holds current versions, which stay.
use super::retention::{ensure_row, kept_months};
use super::system_backup::{audit_in, Actor};
use super::temporal::refuse_during_restore;
use super::{id_chunks::IDS_PER_QUERY, to_time, Error, Result, Store, DATABASE_BUSY};
use crate::backup::tables::IDENTITY_TABLES;
use crate::model::{retention_cutoff, PruneSummary};
use chrono::{DateTime, Utc};
use sqlx::{Any, AnyConnection, Transaction};
use std::time::Duration;

/// Identity tables without versions.
const UNVERSIONED: &[&str] = &[
    "operations",
    "change_log",
    "objects",
    "snapshot_config",
    "user_snapshots",
    "restore_undo_points",
];

/// Every system-versioned table: the identity tables but the unversioned ones, and the
/// tables of the declared resource kinds. Migration 0079 gives each an index `<table>_ended`
/// on `valid_to + 0`, which only these deletes name (as-of reads would take a plain one).
pub fn versioned_tables() -> Vec<&'static str> {
    let mut tables: Vec<&'static str> = IDENTITY_TABLES
        .iter()
        .copied()
        .chain(crate::model::kinds::ALL.iter().map(|k| k.table))
        .filter(|t| !UNVERSIONED.contains(t))
        .collect();
    tables.sort_unstable();
    tables.dedup();
    tables
}

/// How a pruning run paces itself.
#[derive(Clone, Debug)]
pub struct PruneOptions {
    /// Rows deleted per table per write transaction.
    pub batch: i64,
    /// The pause between two batches, in which waiting writers get the database.
    pub pause: Duration,
}

impl Default for PruneOptions {
    fn default() -> Self {
        Self {
            batch: 2000,
            pause: Duration::from_millis(20),
        }
    }
}

/// What the run found a system restore did meanwhile.
const RESTORED_MEANWHILE: &str =
    "A system restore replaced the identity data during pruning; the next run starts over.";

/// The latest system restore's feed position: a restore replaces the operations this run
/// decided about, so a change here stops the run.
async fn restore_marker(conn: &mut AnyConnection) -> Result<i64> {
    let (marker,): (Option<i64>,) =
        sqlx::query_as("SELECT MAX(feed_seq) FROM change_feed_announcements")
            .fetch_one(conn)
            .await?;
    Ok(marker.unwrap_or(0))
}

struct Run<'a> {
    store: &'a Store,
    /// When the open batch's transaction began.
    batch_started: std::time::Instant,
    cutoff: i64,
    options: &'a PruneOptions,
    marker: i64,
    summary: PruneSummary,
}

impl Run<'_> {
    /// A batch's write transaction, refused while (or once) a system restore ran.
    async fn begin(&mut self) -> Result<Transaction<'static, Any>> {
        let mut tx = self.write_lock().await?;
        self.batch_started = std::time::Instant::now();
        refuse_during_restore(&mut *tx).await?;
        if restore_marker(&mut tx).await? != self.marker {
            return Err(Error::Conflict(RESTORED_MEANWHILE.into()));
        }
        Ok(tx)
    }

    /// The write transaction of a batch. On SQLite a writer that never pauses can keep the
    /// lock from a waiting one past the busy timeout: pruning is background work, so it
    /// backs off and asks again rather than give up the run.
    async fn write_lock(&self) -> Result<Transaction<'static, Any>> {
        let mut waited = 0;
        loop {
            match self.store.begin_identity_write().await {
                Err(Error::Conflict(message)) if message == DATABASE_BUSY && waited < 10 => {
                    waited += 1;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                other => return other,
            }
        }
    }

    async fn commit(&mut self, tx: Transaction<'static, Any>) -> Result<()> {
        tx.commit().await?;
        self.summary.batches += 1;
        let took = self.batch_started.elapsed().as_millis() as i64;
        self.summary.longest_batch_ms = self.summary.longest_batch_ms.max(took);
        Ok(())
    }

    async fn pause(&self) {
        tokio::time::sleep(self.options.pause).await;
    }

    async fn any(&self, sql: &str) -> Result<bool> {
        let row: Option<(i64,)> = sqlx::query_as(sql)
            .bind(self.cutoff)
            .fetch_optional(&self.store.pool)
            .await?;
        Ok(row.is_some())
    }

    async fn versions(&mut self) -> Result<()> {
        for table in versioned_tables() {
            let ended = format!(
                "SELECT version_id FROM {table} WHERE valid_to IS NOT NULL AND valid_to + 0 < $1"
            );
            // A read first: a table with nothing to prune takes no write lock.
            if !self.any(&format!("{ended} LIMIT 1")).await? {
                continue;
            }
            let delete = format!(
                "DELETE FROM {table} WHERE version_id IN ({ended} ORDER BY valid_to + 0 LIMIT $2)"
            );
            loop {
                let mut tx = self.begin().await?;
                let deleted = sqlx::query(&delete)
                    .bind(self.cutoff)
                    .bind(self.options.batch)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected() as i64;
                self.commit(tx).await?;
                self.summary.versions += deleted;
                if deleted < self.options.batch {
                    break;
                }
                self.pause().await;
            }
        }
        Ok(())
    }

    async fn snapshots(&mut self) -> Result<()> {
        const ENDED: &str = "SELECT id FROM user_snapshots \
             WHERE valid_until IS NOT NULL AND valid_until + 0 < $1";
        if !self.any(&format!("{ENDED} LIMIT 1")).await? {
            return Ok(());
        }
        let delete =
            format!("DELETE FROM user_snapshots WHERE id IN ({ENDED} ORDER BY valid_until + 0 LIMIT $2) RETURNING id");
        loop {
            let mut tx = self.begin().await?;
            let ids: Vec<(i64,)> = sqlx::query_as(&delete)
                .bind(self.cutoff)
                .bind(self.options.batch)
                .fetch_all(&mut *tx)
                .await?;
            let ids: Vec<i64> = ids.into_iter().map(|(id,)| id).collect();
            self.summary.undo_points += delete_ids(
                &mut tx,
                "DELETE FROM restore_undo_points WHERE snapshot_id IN ({ids})",
                &ids,
            )
            .await?;
            self.commit(tx).await?;
            self.summary.snapshots += ids.len() as i64;
            if (ids.len() as i64) < self.options.batch {
                return Ok(());
            }
            self.pause().await;
        }
    }

    /// The operations before the cutoff that remaining rows name, sorted. A version names
    /// the operation that wrote it, stamped with its `valid_from`, and the one that ended
    /// it, stamped with its `valid_to` (at or after the cutoff for every remaining version);
    /// a snapshot names the operation that last wrote it (`updated_at`). An operation before
    /// the cutoff gains no new reference: new operations are stamped now.
    async fn referenced_operations(&self) -> Result<Vec<i64>> {
        let mut conn = self.store.pool.acquire().await?;
        let mut referenced = Vec::new();
        let mut sources: Vec<String> = versioned_tables()
            .into_iter()
            .map(|t| format!("SELECT DISTINCT operation_id FROM {t} WHERE valid_from < $1"))
            .collect();
        sources
            .push("SELECT DISTINCT operation_id FROM user_snapshots WHERE updated_at < $1".into());
        sources.push(
            "SELECT u.operation_id FROM restore_undo_points u \
             JOIN operations o ON o.id = u.operation_id WHERE o.at < $1"
                .into(),
        );
        for sql in sources {
            let rows: Vec<(i64,)> = sqlx::query_as(&sql)
                .bind(self.cutoff)
                .fetch_all(&mut *conn)
                .await?;
            referenced.extend(rows.into_iter().map(|(id,)| id));
        }
        referenced.sort_unstable();
        referenced.dedup();
        Ok(referenced)
    }

    async fn operations(&mut self) -> Result<()> {
        let (last,): (Option<i64>,) =
            sqlx::query_as("SELECT MAX(id) FROM operations WHERE at < $1")
                .bind(self.cutoff)
                .fetch_one(&self.store.pool)
                .await?;
        let Some(last) = last else {
            return Ok(());
        };
        let referenced = self.referenced_operations().await?;
        let mut after = 0_i64;
        loop {
            // The next operations before the cutoff, by id: a read, as no new operation can
            // fall in the range (new ones are stamped now).
            let batch: Vec<(i64, Option<i64>)> = sqlx::query_as(
                "SELECT id, feed_seq FROM operations WHERE id > $1 AND id <= $2 AND at < $3 \
                 ORDER BY id LIMIT $4",
            )
            .bind(after)
            .bind(last)
            .bind(self.cutoff)
            .bind(self.options.batch)
            .fetch_all(&self.store.pool)
            .await?;
            let Some(&(newest, _)) = batch.last() else {
                return Ok(());
            };
            let horizon = batch.iter().filter_map(|(_, seq)| *seq).max().unwrap_or(0);
            self.change_log(after, newest, horizon).await?;
            let unreferenced: Vec<i64> = batch
                .iter()
                .map(|(id, _)| *id)
                .filter(|id| referenced.binary_search(id).is_err())
                .collect();
            if !unreferenced.is_empty() {
                let mut tx = self.begin().await?;
                self.summary.operations += delete_ids(
                    &mut tx,
                    "DELETE FROM operations WHERE id IN ({ids})",
                    &unreferenced,
                )
                .await?;
                self.commit(tx).await?;
            }
            after = newest;
            if (batch.len() as i64) < self.options.batch {
                return Ok(());
            }
            self.pause().await;
        }
    }

    /// Deletes the change feed's records of the operations in (`after`, `upto`] before the
    /// cutoff, a batch of rows per transaction (one import can have written millions). The
    /// first transaction moves the feed's horizon to `horizon` before any record goes, so a
    /// follower never reads a page with holes, even if the run stops half-way.
    async fn change_log(&mut self, after: i64, upto: i64, horizon: i64) -> Result<()> {
        // change_log has no key of its own: the row's physical address picks a batch.
        let delete = if self.store.backend == super::Backend::Postgres {
            "DELETE FROM change_log WHERE ctid = ANY (ARRAY(SELECT ctid FROM change_log \
             WHERE operation_id IN ({ops}) LIMIT $4))"
        } else {
            "DELETE FROM change_log WHERE rowid IN (SELECT rowid FROM change_log \
             WHERE operation_id IN ({ops}) LIMIT $4)"
        }
        .replace(
            "{ops}",
            "SELECT id FROM operations WHERE id > $1 AND id <= $2 AND at < $3",
        );
        let mut moved = false;
        loop {
            let mut tx = self.begin().await?;
            if !moved {
                raise_horizon(&mut tx, horizon).await?;
                moved = true;
            }
            let deleted = sqlx::query(&delete)
                .bind(after)
                .bind(upto)
                .bind(self.cutoff)
                .bind(self.options.batch)
                .execute(&mut *tx)
                .await?
                .rows_affected() as i64;
            self.commit(tx).await?;
            self.summary.feed_records += deleted;
            if deleted < self.options.batch {
                return Ok(());
            }
            self.pause().await;
        }
    }

    async fn announcements(&mut self) -> Result<()> {
        if !self
            .any("SELECT feed_seq FROM change_feed_announcements WHERE at < $1 LIMIT 1")
            .await?
        {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        let gone: Vec<(i64,)> = sqlx::query_as(
            "DELETE FROM change_feed_announcements WHERE at < $1 RETURNING feed_seq",
        )
        .bind(self.cutoff)
        .fetch_all(&mut *tx)
        .await?;
        raise_horizon(&mut tx, gone.iter().map(|(s,)| *s).max().unwrap_or(0)).await?;
        self.commit(tx).await?;
        self.summary.feed_records += gone.len() as i64;
        Ok(())
    }
}

/// Runs `sql` (a DELETE naming `{ids}`) for `ids`, a few hundred at a time; rows deleted.
async fn delete_ids(conn: &mut AnyConnection, sql: &str, ids: &[i64]) -> Result<i64> {
    let mut deleted = 0;
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = sql.replace("{ids}", &placeholders.join(", "));
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        deleted += query.execute(&mut *conn).await?.rows_affected() as i64;
    }
    Ok(deleted)
}

async fn raise_horizon(conn: &mut AnyConnection, horizon: i64) -> Result<()> {
    ensure_row(&mut *conn).await?;
    sqlx::query(
        "UPDATE history_retention SET feed_horizon = $1 WHERE id = 1 AND feed_horizon < $1",
    )
    .bind(horizon)
    .execute(conn)
    .await?;
    Ok(())
}

impl Store {
    /// Prunes what the retention in force lets go at `now` (see the module docs); nothing
    /// when history is kept forever. A run that pruned something is audited and recorded as
    /// the latest run; a failed run leaves what it pruned so far consistent, and the next
    /// one carries on.
    pub async fn prune_history(
        &self,
        now: DateTime<Utc>,
        options: &PruneOptions,
    ) -> Result<PruneSummary> {
        let mut conn = self.pool.acquire().await?;
        let Some(cutoff) = retention_cutoff(kept_months(&mut conn).await?, now) else {
            return Ok(PruneSummary::default());
        };
        let marker = restore_marker(&mut conn).await?;
        drop(conn);
        let cutoff = cutoff.timestamp_micros();
        let mut run = Run {
            store: self,
            batch_started: std::time::Instant::now(),
            cutoff,
            options,
            marker,
            summary: PruneSummary {
                at: Some(now),
                cutoff: Some(to_time(cutoff)),
                ..PruneSummary::default()
            },
        };
        run.versions().await?;
        run.snapshots().await?;
        run.operations().await?;
        run.announcements().await?;
        let summary = run.summary;
        if !summary.is_empty() {
            let mut tx = self.begin_write().await?;
            ensure_row(&mut tx).await?;
            sqlx::query(
                "UPDATE history_retention SET last_run_at = $1, last_run_cutoff = $2, \
                 last_run_summary = $3 WHERE id = 1",
            )
            .bind(now.timestamp_micros())
            .bind(cutoff)
            .bind(serde_json::to_string(&summary).unwrap_or_default())
            .execute(&mut *tx)
            .await?;
            audit_in(
                &mut tx,
                &Actor {
                    id: None,
                    name: "history retention".into(),
                },
                "history.prune",
                "history",
                "ok",
                &format!(
                    "before {}: {}",
                    to_time(cutoff).format("%Y-%m-%d %H:%M UTC"),
                    summary.describe()
                ),
            )
            .await?;
            tx.commit().await?;
        }
        Ok(summary)
    }
}
