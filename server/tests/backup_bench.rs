//! Export/import throughput and peak memory of system backups on a large database.
//! Not part of the normal run (it takes minutes); run it optimised:
//!
//! ```sh
//! cargo test --release -p server --test backup_bench -- --ignored --nocapture
//! scripts/with-postgres.sh cargo test --release -p server --test backup_bench -- --ignored --nocapture
//! ```
//!
//! The data is real identity-store content (users, groups, roles, memberships, grants with
//! their objects and operation), generated inside the database. REWIND_BENCH_USERS (default
//! 100000) and REWIND_BENCH_ROWS (default 1000000: memberships + grants, 60/40) size it.
use app::backup::engine::{self, ExportOptions, Progress};
use app::backup::SystemBackupConfig;
use app::state::AuthConfig;
use app::store::{Actor, Store};
use leptos::prelude::LeptosOptions;
use std::time::Instant;

mod bench_fill;
use bench_fill::{env_count, Sizes};

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

/// Targets (issue 6): export >= 200k rows/s, import >= 100k rows/s, peak RSS < 150 MiB.
const EXPORT_TARGET: f64 = 200_000.0;
const IMPORT_TARGET: f64 = 100_000.0;
const RSS_LIMIT_MIB: f64 = 150.0;

fn reset_peak_rss() {
    // "5" resets VmHWM to the current RSS (Linux >= 4.0).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Current users, memberships and grants.
async fn identity_counts(store: &Store) -> [i64; 3] {
    let (users, memberships, grants): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM users WHERE valid_to IS NULL),
                (SELECT COUNT(*) FROM memberships WHERE valid_to IS NULL),
                (SELECT COUNT(*) FROM grants WHERE valid_to IS NULL)",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    [users, memberships, grants]
}

/// Memberships, grants and users pointing at no current object of the right kind.
async fn dangling_references(store: &Store) -> i64 {
    let current = |table: &str, column: &str| {
        format!(
            "NOT EXISTS (SELECT 1 FROM {table} t WHERE t.object_id = {column} AND t.valid_to IS NULL)"
        )
    };
    let sql = format!(
        "SELECT (SELECT COUNT(*) FROM memberships m WHERE {} OR {})
              + (SELECT COUNT(*) FROM grants g WHERE {} OR g.grantee_kind = 'user' AND {}
                   OR g.grantee_kind = 'group' AND {})
              + (SELECT COUNT(*) FROM users u WHERE {})
              + (SELECT COUNT(*) FROM roles r WHERE {})",
        current("users", "m.user_id"),
        current("groups", "m.group_id"),
        current("roles", "g.role_id"),
        current("users", "g.grantee_id"),
        current("groups", "g.grantee_id"),
        current("groups", "u.primary_group_id"),
        current("systems", "r.system_id"),
    );
    let (dangling,): (i64,) = sqlx::query_as(&sql).fetch_one(store.pool()).await.unwrap();
    dangling
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
            ..SystemBackupConfig::default()
        },
    );
    let sizes = Sizes::new(users, rows);
    let started = Instant::now();
    bench_fill::seed(&store, sizes, "backup benchmark data").await;
    println!(
        "backend {:?}: seeded {} users, {} memberships, {} grants ({} groups, {} roles) in {:.1} s",
        store.backend(),
        sizes.users,
        sizes.memberships,
        sizes.grants,
        sizes.groups,
        sizes.roles,
        started.elapsed().as_secs_f64()
    );
    assert_eq!(dangling_references(&store).await, 0, "seeded data is valid");
    let seeded = identity_counts(&store).await;
    assert_eq!(seeded, [sizes.users, sizes.memberships, sizes.grants]);
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
    // Every identity table counts: objects and the operation as well as the seeded rows.
    let total = backup.total_rows;
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
            tables: &app::backup::BackupTables::default(),
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

    let backup_id = state
        .system_backup
        .import_checked(&store, &actor, &validation.upload)
        .await
        .unwrap();
    reset_peak_rss();
    let started = Instant::now();
    let report = state
        .system_backup
        .restore_backup(&store, &actor, backup_id, &Progress::default())
        .await
        .unwrap();
    let import_secs = started.elapsed().as_secs_f64();
    let import_rss = peak_rss_mib();
    println!(
        "import (one transaction): {} rows in {import_secs:.2} s = {:.0} rows/s, peak RSS {import_rss:.0} MiB",
        report.rows,
        report.rows as f64 / import_secs
    );
    println!(
        "ratios to targets (>= 1 is met): export {:.2}, import {:.2}, peak RSS {:.2} / {:.2} \
         (limit / export, limit / import)",
        total as f64 / export_secs / EXPORT_TARGET,
        report.rows as f64 / import_secs / IMPORT_TARGET,
        RSS_LIMIT_MIB / export_rss,
        RSS_LIMIT_MIB / import_rss,
    );
    assert_eq!(report.rows, validation.total_rows);
    assert_eq!(identity_counts(&store).await, seeded);
}
