//! The `server load` run, short: five operators for ten seconds against the real server on
//! loopback, with the CSV import, the scheduled-style backup and the Owner-approved restore in
//! the middle. SQLite, or PostgreSQL with REWIND_TEST_POSTGRES_URL. Ignored by default (it
//! takes about half a minute with setup):
//!   cargo test -p server --features app/ssr --test load -- --ignored --nocapture
use server::load::{run_on, LoadOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "runs for about ten seconds; see the header"]
async fn five_operators_through_import_backup_and_restore_lose_no_acknowledged_write() {
    let store = app::testing::fresh_store().await;
    let options = LoadOptions {
        seconds: 10,
        operators: 5,
        users: 300,
    };
    let report = run_on(store, &options).await.expect("the load runs");
    println!("{}", report.text);
    assert!(report.passed(), "{}", report.failures.join("\n"));
}
