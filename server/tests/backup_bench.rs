//! Export/import throughput and peak memory of system backups on a large database.
//! Not part of the normal run (it takes minutes); run it optimised:
//!
//! ```sh
//! cargo test --release -p server --test backup_bench -- --ignored --nocapture
//! scripts/with-postgres.sh cargo test --release -p server --test backup_bench -- --ignored --nocapture
//! ```
//!
//! REWIND_BENCH_USERS (default 100000) and REWIND_BENCH_ROWS (default 1000000) size the data.
use app::backup::engine::{self, ExportOptions, Progress};
use app::backup::SystemBackupConfig;
use app::state::AuthConfig;
use app::store::{Actor, Store};
use leptos::prelude::LeptosOptions;
use std::time::Instant;

fn env_count(name: &str, default: i64) -> i64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Peak resident memory since the last reset, in MiB (Linux).
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn reset_peak_rss() {
    // "5" resets VmHWM to the current RSS (Linux >= 4.0).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

async fn seed(store: &Store, users: i64, rows: i64) {
    for sql in [
        "CREATE TABLE bench_users (id BIGINT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL,
           created_at BIGINT NOT NULL, active BIGINT NOT NULL)",
        "CREATE TABLE bench_memberships (id BIGINT PRIMARY KEY,
           user_id BIGINT NOT NULL REFERENCES bench_users (id), group_id BIGINT NOT NULL,
           since BIGINT NOT NULL, note TEXT)",
    ] {
        sqlx::query(sql).execute(store.pool()).await.unwrap();
    }
    // Generated in the database: seeding is not what is measured.
    sqlx::query(
        "INSERT INTO bench_users (id, name, email, created_at, active)
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
         SELECT i, 'user' || i, 'user' || i || '@example.org', 1700000000000000 + i, i % 2 FROM n",
    )
    .bind(users)
    .execute(store.pool())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO bench_memberships (id, user_id, group_id, since, note)
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
         SELECT i, (i % $2) + 1, i % 97, 1700000000000000 + i,
                CASE WHEN i % 3 = 0 THEN NULL ELSE 'member since ' || i END FROM n",
    )
    .bind(rows)
    .bind(users)
    .execute(store.pool())
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run with --release -- --ignored --nocapture"]
async fn backup_export_and_import_throughput() {
    let users = env_count("REWIND_BENCH_USERS", 100_000);
    let rows = env_count("REWIND_BENCH_ROWS", 1_000_000);
    let store = app::testing::fresh_store().await;
    let dir = tempfile::tempdir().unwrap();
    let state = server::app_state_with(
        LeptosOptions::builder().output_name("rewind").build(),
        store.clone(),
        AuthConfig::default(),
        SystemBackupConfig {
            dir: dir.path().join("backups"),
            mail: None,
        },
    );
    let started = Instant::now();
    seed(&store, users, rows).await;
    let total = users + rows;
    println!(
        "backend {:?}: seeded {users} users + {rows} memberships in {:.1} s",
        store.backend(),
        started.elapsed().as_secs_f64()
    );
    let actor = Actor::scheduler();

    reset_peak_rss();
    let started = Instant::now();
    let backup = state
        .system_backup
        .run_backup(&store, &actor, app::model::BackupKind::Manual, "bench")
        .await
        .unwrap();
    let export_secs = started.elapsed().as_secs_f64();
    let export_rss = peak_rss_mib();
    println!(
        "export (gzip):        {total} rows in {export_secs:.2} s = {:.0} rows/s, {} MiB file, peak RSS {export_rss:.0} MiB",
        total as f64 / export_secs,
        backup.size_bytes >> 20
    );

    reset_peak_rss();
    let encrypted = dir.path().join("bench.rewind.age");
    let started = Instant::now();
    engine::export(
        &store,
        &encrypted,
        ExportOptions {
            created_by: "bench",
            label: "bench",
            passphrase: Some("bench password"),
        },
        &Progress::default(),
    )
    .await
    .unwrap();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "export (gzip + age):  {total} rows in {secs:.2} s = {:.0} rows/s, peak RSS {:.0} MiB",
        total as f64 / secs,
        peak_rss_mib()
    );

    reset_peak_rss();
    let started = Instant::now();
    let validation = state
        .system_backup
        .import(&store, &actor, &encrypted, Some("bench password"))
        .await
        .unwrap();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "validate (age + gzip): {total} rows in {secs:.2} s = {:.0} rows/s, peak RSS {:.0} MiB",
        total as f64 / secs,
        peak_rss_mib()
    );

    reset_peak_rss();
    let started = Instant::now();
    let report = state
        .system_backup
        .restore_backup(&store, &actor, validation.backup_id, &Progress::default())
        .await
        .unwrap();
    let import_secs = started.elapsed().as_secs_f64();
    let import_rss = peak_rss_mib();
    println!(
        "import (one transaction): {} rows in {import_secs:.2} s = {:.0} rows/s, peak RSS {import_rss:.0} MiB",
        report.rows,
        report.rows as f64 / import_secs
    );
    assert_eq!(report.rows, validation.total_rows);
}
