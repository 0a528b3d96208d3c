//! "Apply now" of one role assignment rule over a large database (issue 17: one rule over
//! 100k users in < 60 s on SQLite). Not part of the normal run (it takes minutes); run it
//! optimised:
//!
//! ```sh
//! cargo test --release -p server --test role_rules_bench -- --ignored --nocapture
//! scripts/with-postgres.sh cargo test --release -p server --test role_rules_bench -- --ignored --nocapture
//! ```
//!
//! The data is the backup benchmark's (`backup_bench.rs`): real identity-store content
//! (users, groups, roles, memberships, grants with their objects and operation), generated
//! inside the database. REWIND_BENCH_USERS (default 100000) and REWIND_BENCH_ROWS (default
//! ten per user: memberships + grants, 60/40) size it. The rule selects the enabled internal
//! users (94 %) and grants them a role none of them holds yet.
use app::model::kinds::ROLE_RULES;
use app::model::*;
use app::store::{Author, Store};
use std::time::Instant;

mod bench_fill;
use bench_fill::{env_count, selected, Sizes};

/// Target (issue 17): "Apply now" of one rule over 100k users in less than this.
const TARGET_SECS: f64 = 60.0;

/// The machine's load average (1, 5, 15 minutes), as `uptime` gives it (Linux).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// Current grants made by rule `rule`, and how many distinct users hold them.
async fn rule_grants(store: &Store, rule: i64) -> (i64, i64) {
    sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT grantee_id) FROM grants
         WHERE rule_id = $1 AND grantee_kind = 'user' AND valid_to IS NULL",
    )
    .bind(rule)
    .fetch_one(store.pool())
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run with --release -- --ignored --nocapture"]
async fn apply_one_rule_over_every_user() {
    let users = env_count("REWIND_BENCH_USERS", 100_000);
    let rows = env_count("REWIND_BENCH_ROWS", users * 10);
    let store = app::testing::fresh_store().await;
    let sizes = Sizes::new(users, rows);
    println!("load average at the start: {}", load_average());
    let started = Instant::now();
    bench_fill::seed(&store, sizes, "role rules benchmark data").await;
    bench_fill::analyze(&store).await;
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
    let expected = (1..=sizes.users).filter(|i| selected(*i)).count() as i64;

    let author = Author::named("bench");
    let system = store
        .create_system(&author, "Rule roles", "")
        .await
        .unwrap();
    store
        .create_role(
            &author,
            &RoleInput {
                system,
                name: "Staff".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let rule = store
        .create_resource(
            &author,
            &ROLE_RULES,
            &ResourceInput {
                values: vec![
                    "Internal staff".into(),
                    "every enabled internal user".into(),
                    r#"userType eq "internal" and enabled eq true"#.into(),
                    "Staff@Rule roles".into(),
                ],
            },
        )
        .await
        .unwrap();

    // "Preview changes": the same evaluation over every user, without writing.
    let started = Instant::now();
    let preview = store.preview_role_rule(rule).await.unwrap();
    let preview_secs = started.elapsed().as_secs_f64();
    println!(
        "preview:  {} users in {preview_secs:.2} s = {:.0} users/s; {} selected, {} to grant, {} to revoke, {} withheld",
        sizes.users,
        sizes.users as f64 / preview_secs,
        preview.selected_users,
        preview.grants,
        preview.revokes,
        preview.withheld
    );

    let started = Instant::now();
    let run = store.apply_role_rule(&author, rule).await.unwrap();
    let apply_secs = started.elapsed().as_secs_f64();
    println!(
        "apply:    {} of {} users in {apply_secs:.2} s = {:.0} users/s; {} granted, {} revoked, {} withheld ({:?})",
        run.done,
        run.total,
        run.total as f64 / apply_secs,
        run.granted,
        run.revoked,
        run.withheld,
        run.state
    );

    // Applying again finds nothing to change: the evaluation alone, over every user.
    let started = Instant::now();
    let again = store.apply_role_rule(&author, rule).await.unwrap();
    let again_secs = started.elapsed().as_secs_f64();
    println!(
        "again:    {} users in {again_secs:.2} s = {:.0} users/s; {} granted, {} revoked",
        again.total,
        again.total as f64 / again_secs,
        again.granted,
        again.revoked
    );
    println!(
        "apply of one rule over {} users: {apply_secs:.1} s (target < {TARGET_SECS:.0} s: {}; \
         ratio to target {:.2}, <= 1 is met); load average at the end: {}",
        sizes.users,
        if apply_secs < TARGET_SECS {
            "ok"
        } else {
            "MISSED"
        },
        apply_secs / TARGET_SECS,
        load_average()
    );

    assert_eq!(preview.selected_users, expected);
    assert_eq!(
        (preview.grants, preview.revokes, preview.withheld),
        (expected, 0, 0)
    );
    assert_eq!(run.state, RuleRunState::Finished);
    assert_eq!((run.total, run.done), (sizes.users, sizes.users));
    assert_eq!(run.granted, expected, "one grant per selected user");
    assert_eq!((run.revoked, run.withheld), (0, 0));
    assert_eq!(rule_grants(&store, rule).await, (expected, expected));
    assert_eq!((again.granted, again.revoked), (0, 0));
}
