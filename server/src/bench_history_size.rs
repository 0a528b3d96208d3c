//! (j) of `server bench`: what history costs on disk, and pruning while writers run.
//!
//! Size: `changes` users are changed once each through the store's ordinary write path (a
//! console edit: the user's new version, its operation, the change feed's records and the
//! user's snapshot, captured in the same transaction), and the database's growth is
//! measured — SQLite: pages in use (page_count - freelist_count) after a WAL checkpoint,
//! split by table with `dbstat`; PostgreSQL: `pg_database_size`, split with
//! `pg_total_relation_size` (indexes and TOAST included) — then scaled to 1M changes and set
//! beside django-simple-history's figure (45 MiB per 200k history rows, 236 MiB per 1M).
//!
//! Pruning: with a retention of one month the fixtures' year of history falls out of it;
//! one pruning run (default batches) goes while a writer keeps changing users (a change
//! every 10 ms at most), and the writer's latencies during the run are set beside its
//! latencies before it.
use crate::bench::{median, ms};
use app::model::{UserId, UserInput, UserListQuery};
use app::store::{versioned_tables, Actor, Author, Backend, PruneOptions, Store};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// django-simple-history: 45 MiB per 200k history rows.
const PEER_MIB_PER_MILLION: f64 = 45.0 * 5.0;
const MIB: f64 = 1024.0 * 1024.0;

/// Bytes in use, whole database and per table (with its indexes).
struct Sizes {
    total: i64,
    tables: HashMap<String, i64>,
}

impl Sizes {
    fn of(&self, table: &str) -> i64 {
        self.tables.get(table).copied().unwrap_or(0)
    }

    /// The versioned tables, the operations, the change feed's records and the objects.
    fn history(&self) -> i64 {
        versioned_tables()
            .into_iter()
            .chain(["operations", "change_log", "objects"])
            .map(|t| self.of(t))
            .sum()
    }
}

async fn sizes(store: &Store) -> Result<Sizes, String> {
    let err = |e: sqlx::Error| e.to_string();
    let (per_table, total): (Vec<(String, i64)>, i64) = match store.backend() {
        Backend::Sqlite => {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(store.pool())
                .await
                .map_err(err)?;
            let rows = sqlx::query_as(
                "SELECT COALESCE(m.tbl_name, d.name), CAST(SUM(d.pgsize) AS BIGINT) \
                 FROM dbstat d LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY 1",
            )
            .fetch_all(store.pool())
            .await
            .map_err(err)?;
            let (pages,): (i64,) = sqlx::query_as("SELECT * FROM pragma_page_count")
                .fetch_one(store.pool())
                .await
                .map_err(err)?;
            let (free,): (i64,) = sqlx::query_as("SELECT * FROM pragma_freelist_count")
                .fetch_one(store.pool())
                .await
                .map_err(err)?;
            let (page_size,): (i64,) = sqlx::query_as("SELECT * FROM pragma_page_size")
                .fetch_one(store.pool())
                .await
                .map_err(err)?;
            (rows, (pages - free) * page_size)
        }
        Backend::Postgres => {
            let rows = sqlx::query_as(
                "SELECT CAST(relname AS TEXT), CAST(pg_total_relation_size(oid) AS BIGINT) \
                 FROM pg_class WHERE relkind = 'r' \
                 AND relnamespace = CAST('public' AS regnamespace)",
            )
            .fetch_all(store.pool())
            .await
            .map_err(err)?;
            let (total,): (i64,) =
                sqlx::query_as("SELECT CAST(pg_database_size(current_database()) AS BIGINT)")
                    .fetch_one(store.pool())
                    .await
                    .map_err(err)?;
            (rows, total)
        }
    };
    Ok(Sizes {
        total,
        tables: per_table.into_iter().collect(),
    })
}

/// Up to `count` users with their attributes, as listed.
async fn users(store: &Store, count: usize) -> Result<Vec<(UserId, UserInput)>, String> {
    let e = |e: app::store::Error| e.to_string();
    let mut out = Vec::new();
    while out.len() < count {
        let page = store
            .list_users(&UserListQuery {
                offset: out.len() as i64,
                limit: 500,
                ..Default::default()
            })
            .await
            .map_err(e)?;
        if page.items.is_empty() {
            break;
        }
        for summary in page.items {
            let input = store
                .get_user(summary.id, None)
                .await
                .map_err(e)?
                .state
                .attributes;
            out.push((summary.id, input));
        }
    }
    out.truncate(count);
    Ok(out)
}

fn percentile(mut samples: Vec<Duration>, p: f64) -> Duration {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples.get(i).copied().unwrap_or_default()
}

/// Measures (j) with `changes` user changes. Answers the report's lines.
pub(crate) async fn measure(store: &Store, changes: usize) -> Result<String, String> {
    let e = |e: app::store::Error| e.to_string();
    let mut people = users(store, changes).await?;
    if people.is_empty() {
        return Err("the bench has no users".into());
    }
    let distinct = people.len();
    let before = sizes(store).await?;
    let author = Author::named("size bench");
    let mut latencies = Vec::with_capacity(changes);
    for i in 0..changes {
        let (id, input) = &mut people[i % distinct];
        // A new address: a realistic edit of one attribute.
        input.email = format!("moved.{i}@example.org");
        let started = Instant::now();
        store.update_user(&author, *id, input).await.map_err(e)?;
        latencies.push(started.elapsed());
    }
    let after = sizes(store).await?;
    let per_million =
        |before: i64, after: i64| (after - before) as f64 / changes as f64 * 1_000_000.0 / MIB;
    let total = per_million(before.total, after.total);
    let history = per_million(before.history(), after.history());
    let snapshots = per_million(before.of("user_snapshots"), after.of("user_snapshots"));
    let users = per_million(before.of("users"), after.of("users"));
    // What else grew most (on SQLite the users' search index, kept by triggers).
    let history_tables: Vec<&str> = versioned_tables()
        .into_iter()
        .chain(["operations", "change_log", "objects", "user_snapshots"])
        .collect();
    let (other, other_grew) = after
        .tables
        .iter()
        .filter(|(t, _)| !history_tables.contains(&t.as_str()))
        .map(|(t, bytes)| (t.clone(), bytes - before.of(t)))
        .max_by_key(|(_, grew)| *grew)
        .unwrap_or_default();
    let size_line = format!(
        "(j) database size, {changes} one-user changes ({distinct} users, each change a new \
         version and a new snapshot): {total:.0} MiB per 1M changes in all ({:.0} bytes a \
         change), of which history (versions, operations, change feed, their indexes) \
         {history:.0} MiB (the users table {users:.0} MiB), snapshots {snapshots:.0} MiB, \
         {other} {:.0} MiB; django-simple-history {PEER_MIB_PER_MILLION:.0} MiB (236 MB) per \
         1M history rows (history alone: {:.2}x)",
        (after.total - before.total) as f64 / changes as f64,
        per_million(0, other_grew),
        history / PEER_MIB_PER_MILLION,
    );

    // Pruning while a writer runs: a month kept, so the fixtures' year of history goes.
    store
        .set_history_retention(
            &Actor {
                id: None,
                name: "bench".into(),
            },
            Some(1),
            true,
        )
        .await
        .map_err(e)?;
    let writers: Vec<(UserId, UserInput)> = people.iter().take(100).cloned().collect();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, stop) = (store.clone(), stop.clone());
        tokio::spawn(async move {
            let author = Author::named("prune bench");
            let mut writers = writers;
            let mut during = Vec::new();
            let mut i = 0usize;
            while !stop.load(Ordering::SeqCst) {
                let count = writers.len();
                let (id, input) = &mut writers[i % count];
                input.comments = format!("written while pruning {i}");
                let started = Instant::now();
                store.update_user(&author, *id, input).await?;
                during.push(started.elapsed());
                i += 1;
                // A busy console, not a writer that never lets go of SQLite's write lock.
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Ok::<_, app::store::Error>(during)
        })
    };
    let options = PruneOptions::default();
    let started = Instant::now();
    let summary = store
        .prune_history(chrono::Utc::now(), &options)
        .await
        .map_err(e)?;
    let took = started.elapsed();
    stop.store(true, Ordering::SeqCst);
    let during = writer
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let batches = summary.batches.max(1);
    let working = took.saturating_sub(options.pause * batches as u32);
    let prune_line = format!(
        "(j) pruning a year of history down to a month while a writer changes users: {} in \
         {} batches of up to {} rows in {:.1} s (a batch {:.1} ms on average, pauses of {} ms \
         left out, the longest {} ms); the writer's change p50 {:.2} ms, p99 {:.2} ms, max {:.1} ms during the \
         run ({} changes) against p50 {:.2} ms, p99 {:.2} ms before it",
        summary.describe(),
        summary.batches,
        options.batch,
        took.as_secs_f64(),
        ms(working) / batches as f64,
        options.pause.as_millis(),
        summary.longest_batch_ms,
        ms(median(during.clone())),
        ms(percentile(during.clone(), 0.99)),
        ms(during.iter().copied().max().unwrap_or_default()),
        during.len(),
        ms(median(latencies.clone())),
        ms(percentile(latencies, 0.99)),
    );
    Ok(format!("{size_line}\n{prune_line}"))
}
