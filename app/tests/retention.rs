//! History retention: what pruning removes (versions, snapshots, change feed records and
//! operations that ended before the cutoff), what it never touches (anything in force at or
//! after the cutoff, open snapshots, the audit log), in batches of any size.
#![cfg(feature = "ssr")]
mod common;

use app::model::*;
use app::store::{versioned_tables, Actor, Backend, PruneOptions, Store};
use chrono::{DateTime, Months, Utc};
use common::*;
use std::collections::BTreeSet;
use std::time::Duration;

const DAY: i64 = 24 * HOUR;
/// The cutoff of every scenario: 30 days after T0.
const CUTOFF: i64 = 30 * DAY;

/// The instant at which keeping 12 months cuts at `CUTOFF`.
fn now_cutting_at_cutoff() -> DateTime<Utc> {
    time(CUTOFF).checked_add_months(Months::new(12)).unwrap()
}

fn tester() -> Actor {
    Actor {
        id: None,
        name: "tester".into(),
    }
}

fn options(batch: i64) -> PruneOptions {
    PruneOptions {
        batch,
        pause: Duration::ZERO,
    }
}

async fn keep_a_year(store: &Store) {
    store
        .set_history_retention(&tester(), Some(12), true)
        .await
        .unwrap();
}

struct Scenario {
    f: Fixture,
    ann: UserId,
    bob: UserId,
    carl: UserId,
    dave: UserId,
}

/// History on both sides of the cutoff: ann changes before and after it (and is restored
/// before it), bob is deleted before it, carl never changes after creation, dave is created
/// and deleted after it.
async fn scenario(store: &Store) -> Scenario {
    let f = fixture(store).await;
    snapshot_settings(store, 0, 100, true).await;
    let ann = store
        .create_user(&at(HOUR), &user_input("ann", f.staff))
        .await
        .unwrap();
    let bob = store
        .create_user(&at(HOUR), &user_input("bob", f.staff))
        .await
        .unwrap();
    let carl = store
        .create_user(&at(HOUR), &user_input("carl", f.staff))
        .await
        .unwrap();
    join_group(store, &at(2 * HOUR), ann, f.sales).await;
    join_group(store, &at(2 * HOUR), bob, f.sales).await;
    let first = store.list_snapshots(ann).await.unwrap()[0].id;
    let mut input = user_input("ann", f.staff);
    input.email = "ann@new.example.test".into();
    store.update_user(&at(10 * DAY), ann, &input).await.unwrap();
    store
        .update_group(
            &at(10 * DAY),
            f.sales,
            &group_input("Sales EU", Some(f.staff)),
        )
        .await
        .unwrap();
    // A restore before the cutoff: its undo point names the snapshot it replaced.
    let plan = store
        .plan_restore(
            ann,
            RestoreSource::Snapshot(first),
            &RestoreSelection::everything(),
            RestoreMode::Exact,
        )
        .await
        .unwrap();
    store.apply_restore(&at(12 * DAY), &plan).await.unwrap();
    store.delete_user(&at(20 * DAY), bob).await.unwrap();
    let mut input = user_input("ann", f.staff);
    input.email = "ann@later.example.test".into();
    store.update_user(&at(40 * DAY), ann, &input).await.unwrap();
    let dave = store
        .create_user(&at(41 * DAY), &user_input("dave", f.sales))
        .await
        .unwrap();
    store.delete_user(&at(45 * DAY), dave).await.unwrap();
    store
        .create_group(&at(50 * DAY), &group_input("Later", Some(f.staff)))
        .await
        .unwrap();
    Scenario {
        f,
        ann,
        bob,
        carl,
        dave,
    }
}

async fn count(store: &Store, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(store.pool()).await.unwrap();
    n
}

/// Every version of every versioned table: (table, version id, valid_to).
async fn versions(store: &Store) -> BTreeSet<(String, i64, Option<i64>)> {
    let mut out = BTreeSet::new();
    for table in versioned_tables() {
        let rows: Vec<(i64, Option<i64>)> =
            sqlx::query_as(&format!("SELECT version_id, valid_to FROM {table}"))
                .fetch_all(store.pool())
                .await
                .unwrap();
        out.extend(rows.into_iter().map(|(v, to)| (table.to_string(), v, to)));
    }
    out
}

/// Snapshots: (id, valid_until).
async fn snapshots(store: &Store) -> BTreeSet<(i64, Option<i64>)> {
    let rows: Vec<(i64, Option<i64>)> =
        sqlx::query_as("SELECT id, valid_until FROM user_snapshots")
            .fetch_all(store.pool())
            .await
            .unwrap();
    rows.into_iter().collect()
}

/// change_log rows: (operation, table, version, ended) with the operation's instant.
async fn change_log(store: &Store) -> BTreeSet<(i64, i64, String, i64, i64)> {
    let rows: Vec<(i64, i64, String, i64, i64)> = sqlx::query_as(
        "SELECT o.at, c.operation_id, c.table_name, c.version_id, c.ended \
         FROM change_log c JOIN operations o ON o.id = c.operation_id",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    rows.into_iter().collect()
}

fn ended_before(valid_to: Option<i64>) -> bool {
    valid_to.is_some_and(|to| to < T0 + CUTOFF)
}

#[tokio::test]
async fn pruning_removes_exactly_the_versions_snapshots_and_feed_records_ended_before_the_cutoff() {
    let store = store().await;
    scenario(&store).await;
    keep_a_year(&store).await;
    let versions_before = versions(&store).await;
    let snapshots_before = snapshots(&store).await;
    let log_before = change_log(&store).await;
    let undo_before = count(&store, "SELECT COUNT(*) FROM restore_undo_points").await;
    assert_eq!(undo_before, 1);
    let (old_versions, kept_versions): (BTreeSet<_>, BTreeSet<_>) = versions_before
        .iter()
        .cloned()
        .partition(|(_, _, to)| ended_before(*to));
    let (old_snapshots, kept_snapshots): (BTreeSet<_>, BTreeSet<_>) = snapshots_before
        .iter()
        .cloned()
        .partition(|(_, until)| ended_before(*until));
    let kept_log: BTreeSet<_> = log_before
        .iter()
        .filter(|(at, ..)| *at >= T0 + CUTOFF)
        .cloned()
        .collect();
    // The scenario has something on both sides of each line.
    assert!(!old_versions.is_empty() && !kept_versions.is_empty());
    assert!(!old_snapshots.is_empty() && !kept_snapshots.is_empty());
    assert!(kept_log.len() < log_before.len() && !kept_log.is_empty());

    let summary = store
        .prune_history(now_cutting_at_cutoff(), &options(1000))
        .await
        .unwrap();

    assert_eq!(versions(&store).await, kept_versions);
    assert_eq!(snapshots(&store).await, kept_snapshots);
    assert_eq!(change_log(&store).await, kept_log);
    assert_eq!(summary.versions, old_versions.len() as i64);
    assert_eq!(summary.snapshots, old_snapshots.len() as i64);
    assert_eq!(summary.cutoff, Some(time(CUTOFF)));
    // The restore's undo point named a snapshot that ended before the cutoff.
    assert_eq!(summary.undo_points, 1);
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM restore_undo_points").await,
        0
    );
    // A second run finds nothing more.
    let again = store
        .prune_history(now_cutting_at_cutoff(), &options(1000))
        .await
        .unwrap();
    assert!(again.is_empty(), "{again:?}");
}

#[tokio::test]
async fn reads_as_of_any_instant_after_the_cutoff_are_unchanged_by_pruning() {
    let store = store().await;
    let s = scenario(&store).await;
    keep_a_year(&store).await;
    let instants = [
        None,
        Some(time(CUTOFF)),
        Some(time(35 * DAY)),
        Some(time(42 * DAY)),
    ];
    let mut before = Vec::new();
    for t in instants {
        before.push((
            store.group_tree(t).await.unwrap(),
            user_at(&store, s.ann, t).await,
            store.get_user(s.carl, t).await.unwrap(),
            store.get_group(s.f.sales, t).await.unwrap(),
            user_names(&store, t).await,
        ));
    }
    let summary = store
        .prune_history(now_cutting_at_cutoff(), &options(1000))
        .await
        .unwrap();
    assert!(summary.versions > 0);
    for (t, expected) in instants.into_iter().zip(before) {
        assert_eq!(store.group_tree(t).await.unwrap(), expected.0, "{t:?}");
        assert_eq!(user_at(&store, s.ann, t).await, expected.1, "{t:?}");
        assert_eq!(
            store.get_user(s.carl, t).await.unwrap(),
            expected.2,
            "{t:?}"
        );
        assert_eq!(store.get_group(s.f.sales, t).await.unwrap(), expected.3);
        assert_eq!(user_names(&store, t).await, expected.4, "{t:?}");
    }
    // Before the cutoff, history is gone: bob (deleted at day 20) no longer exists at day 15.
    assert!(store.get_user(s.bob, Some(time(15 * DAY))).await.is_err());
}

/// A user's state and last change at `t`. Not the "created" stamp: that is the start of the
/// oldest version kept, which pruning moves for a user changed before the cutoff.
async fn user_at(store: &Store, user: UserId, t: Option<DateTime<Utc>>) -> (UserState, Stamp) {
    let detail = store.get_user(user, t).await.unwrap();
    (detail.state, detail.modified)
}

/// The names of the users at `t`, in order.
async fn user_names(store: &Store, t: Option<DateTime<Utc>>) -> Vec<String> {
    let t = t.map_or(i64::MAX, |t| t.timestamp_micros());
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM users WHERE valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1) \
         ORDER BY name",
    )
    .bind(t)
    .fetch_all(store.pool())
    .await
    .unwrap();
    rows.into_iter().map(|(n,)| n).collect()
}

#[tokio::test]
async fn open_snapshots_and_versions_in_force_at_the_cutoff_are_never_pruned() {
    let store = store().await;
    let s = scenario(&store).await;
    keep_a_year(&store).await;
    let carl_snapshots = store.list_snapshots(s.carl).await.unwrap();
    assert_eq!(carl_snapshots.len(), 1);
    assert_eq!(carl_snapshots[0].valid_until, None);
    // Long after the cutoff too: carl's only snapshot is from day 0, still open.
    store
        .prune_history(
            time(CUTOFF)
                .checked_add_months(Months::new(12 * 5))
                .unwrap(),
            &options(1000),
        )
        .await
        .unwrap();
    assert_eq!(store.list_snapshots(s.carl).await.unwrap(), carl_snapshots);
    let ann = store.list_snapshots(s.ann).await.unwrap();
    assert_eq!(ann.len(), 1, "{ann:?}");
    assert_eq!(ann[0].valid_until, None);
    // Carl's only version began before every cutoff and is current: it stays, and so does
    // the operation that wrote it.
    assert_eq!(
        store
            .get_user(s.carl, None)
            .await
            .unwrap()
            .state
            .attributes
            .name,
        "carl"
    );
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM users u JOIN operations o ON o.id = u.operation_id \
             WHERE u.valid_to IS NULL",
        )
        .await,
        count(&store, "SELECT COUNT(*) FROM users WHERE valid_to IS NULL").await
    );
}

#[tokio::test]
async fn keeping_history_forever_prunes_nothing() {
    let store = store().await;
    scenario(&store).await;
    assert_eq!(store.history_retention().await.unwrap().keep_months, None);
    let versions_before = versions(&store).await;
    let snapshots_before = snapshots(&store).await;
    let log_before = change_log(&store).await;
    let summary = store
        .prune_history(
            time(0).checked_add_months(Months::new(12 * 50)).unwrap(),
            &options(1000),
        )
        .await
        .unwrap();
    assert_eq!(summary, PruneSummary::default());
    assert_eq!(versions(&store).await, versions_before);
    assert_eq!(snapshots(&store).await, snapshots_before);
    assert_eq!(change_log(&store).await, log_before);
    assert_eq!(store.feed_horizon().await.unwrap(), 0);
}

#[tokio::test]
async fn small_batches_prune_the_same_rows_as_one_large_batch() {
    let one = store().await;
    let many = store().await;
    for store in [&one, &many] {
        scenario(store).await;
        keep_a_year(store).await;
    }
    let large = one
        .prune_history(now_cutting_at_cutoff(), &options(100_000))
        .await
        .unwrap();
    let small = many
        .prune_history(now_cutting_at_cutoff(), &options(2))
        .await
        .unwrap();
    assert!(small.batches > large.batches + 5, "{small:?} vs {large:?}");
    // No write transaction deleted more than a batch of rows of one kind.
    let rows = small.versions + small.snapshots + small.feed_records + small.operations;
    assert!(small.batches * 2 >= rows, "{small:?}");
    assert_eq!(
        (
            small.versions,
            small.snapshots,
            small.undo_points,
            small.feed_records,
            small.operations
        ),
        (
            large.versions,
            large.snapshots,
            large.undo_points,
            large.feed_records,
            large.operations
        )
    );
    assert_eq!(versions(&one).await, versions(&many).await);
    assert_eq!(snapshots(&one).await, snapshots(&many).await);
    assert_eq!(change_log(&one).await, change_log(&many).await);
    let operations = |store: &Store| {
        let pool = store.pool().clone();
        async move {
            let rows: Vec<(i64,)> = sqlx::query_as("SELECT id FROM operations ORDER BY id")
                .fetch_all(&pool)
                .await
                .unwrap();
            rows
        }
    };
    assert_eq!(operations(&one).await, operations(&many).await);
}

#[tokio::test]
async fn operations_go_once_no_remaining_row_names_them_and_no_row_is_left_dangling() {
    let store = store().await;
    scenario(&store).await;
    keep_a_year(&store).await;
    let summary = store
        .prune_history(now_cutting_at_cutoff(), &options(3))
        .await
        .unwrap();
    assert!(summary.operations > 0);
    let cutoff = T0 + CUTOFF;
    for table in versioned_tables() {
        let dangling = count(
            &store,
            &format!(
                "SELECT COUNT(*) FROM {table} x WHERE NOT EXISTS \
                 (SELECT 1 FROM operations o WHERE o.id = x.operation_id) \
                 OR (x.ended_operation_id IS NOT NULL AND NOT EXISTS \
                 (SELECT 1 FROM operations o WHERE o.id = x.ended_operation_id))"
            ),
        )
        .await;
        assert_eq!(dangling, 0, "{table}");
    }
    for sql in [
        "SELECT COUNT(*) FROM user_snapshots s WHERE NOT EXISTS \
         (SELECT 1 FROM operations o WHERE o.id = s.operation_id)",
        "SELECT COUNT(*) FROM change_log c WHERE NOT EXISTS \
         (SELECT 1 FROM operations o WHERE o.id = c.operation_id)",
    ] {
        assert_eq!(count(&store, sql).await, 0, "{sql}");
    }
    // What is left before the cutoff is named by a remaining row.
    let mut named = String::from("SELECT COUNT(*) FROM operations o WHERE o.at < $1");
    for table in versioned_tables() {
        named.push_str(&format!(
            " AND NOT EXISTS (SELECT 1 FROM {table} x WHERE x.operation_id = o.id)"
        ));
    }
    named.push_str(" AND NOT EXISTS (SELECT 1 FROM user_snapshots s WHERE s.operation_id = o.id)");
    let (orphans,): (i64,) = sqlx::query_as(&named)
        .bind(cutoff)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(orphans, 0);
    // The operations that wrote versions still in force stay.
    let kept = format!("SELECT COUNT(*) FROM operations WHERE at < {cutoff}");
    assert!(count(&store, &kept).await > 0);
}

#[tokio::test]
async fn objects_deleted_before_the_cutoff_leave_the_recycle_bin_and_later_ones_stay() {
    let store = store().await;
    let s = scenario(&store).await;
    keep_a_year(&store).await;
    let ids =
        |bin: Vec<DeletedObject>| -> BTreeSet<i64> { bin.into_iter().map(|d| d.id).collect() };
    let before = ids(store.recycle_bin().await.unwrap());
    assert!(before.contains(&s.bob.0) && before.contains(&s.dave.0));
    store
        .prune_history(now_cutting_at_cutoff(), &options(1000))
        .await
        .unwrap();
    let after = ids(store.recycle_bin().await.unwrap());
    assert!(!after.contains(&s.bob.0), "{after:?}");
    assert!(after.contains(&s.dave.0), "{after:?}");
    store.recover_user(&at(60 * DAY), s.dave).await.unwrap();
}

#[tokio::test]
async fn the_feed_after_its_horizon_is_unchanged_and_the_horizon_covers_every_pruned_event() {
    let store = store().await;
    scenario(&store).await;
    keep_a_year(&store).await;
    let before = store.changes(0, 1000).await.unwrap();
    let summary = store
        .prune_history(now_cutting_at_cutoff(), &options(1000))
        .await
        .unwrap();
    assert!(summary.feed_records > 0);
    let horizon = store.feed_horizon().await.unwrap();
    let old: Vec<i64> = before
        .events
        .iter()
        .filter(|e| e.at < time(CUTOFF))
        .map(|e| e.cursor.parse().unwrap())
        .collect();
    assert_eq!(horizon, *old.iter().max().unwrap());
    let kept: Vec<ChangeEvent> = before
        .events
        .into_iter()
        .filter(|e| e.cursor.parse::<i64>().unwrap() > horizon)
        .collect();
    assert!(!kept.is_empty());
    assert_eq!(store.changes(horizon, 1000).await.unwrap().events, kept);
}

#[tokio::test]
async fn the_users_search_finds_the_same_users_now_and_after_the_cutoff_after_pruning() {
    let store = store().await;
    scenario(&store).await;
    keep_a_year(&store).await;
    let search = |as_of: Option<DateTime<Utc>>| {
        let store = store.clone();
        async move {
            let page = store
                .list_users(&UserListQuery {
                    as_of,
                    search: "a".into(),
                    limit: 50,
                    ..Default::default()
                })
                .await
                .unwrap();
            page.items.into_iter().map(|u| u.id).collect::<Vec<_>>()
        }
    };
    let before = (search(None).await, search(Some(time(42 * DAY))).await);
    assert!(!before.0.is_empty() && !before.1.is_empty());
    let summary = store
        .prune_history(now_cutting_at_cutoff(), &options(1000))
        .await
        .unwrap();
    assert!(summary.versions > 0);
    assert_eq!(
        (search(None).await, search(Some(time(42 * DAY))).await),
        before
    );
}

#[tokio::test]
async fn a_shorter_retention_needs_explicit_confirmation_and_every_change_is_audited() {
    let store = store().await;
    let refused = store
        .set_history_retention(&tester(), Some(24), false)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, app::store::Error::Invalid(p) if p[0].field == "confirm_shorter"),
        "{refused:?}"
    );
    assert_eq!(store.history_retention().await.unwrap().keep_months, None);
    let set = store
        .set_history_retention(&tester(), Some(24), true)
        .await
        .unwrap();
    assert_eq!(set.keep_months, Some(24));
    assert_eq!(set.updated_by, "tester");
    // Longer or forever deletes nothing more: no confirmation needed.
    store
        .set_history_retention(&tester(), Some(36), false)
        .await
        .unwrap();
    assert!(store
        .set_history_retention(&tester(), Some(12), false)
        .await
        .is_err());
    store
        .set_history_retention(&tester(), None, false)
        .await
        .unwrap();
    assert!(store
        .set_history_retention(&tester(), Some(0), true)
        .await
        .is_err());
    let audit = store.list_audit(100).await.unwrap();
    let changes: Vec<&str> = audit
        .iter()
        .filter(|e| e.action == "history.retention")
        .map(|e| e.details.as_str())
        .collect();
    assert_eq!(
        changes,
        [
            "3 years -> forever",
            "2 years -> 3 years",
            "forever -> 2 years (shorter: confirmed)"
        ]
    );
}

#[tokio::test]
async fn a_run_that_pruned_is_audited_and_recorded_and_the_audit_log_is_kept() {
    let store = store().await;
    scenario(&store).await;
    keep_a_year(&store).await;
    let audit_before = store.list_audit(1000).await.unwrap().len();
    let summary = store
        .prune_history(now_cutting_at_cutoff(), &options(1000))
        .await
        .unwrap();
    let audit = store.list_audit(1000).await.unwrap();
    assert_eq!(audit.len(), audit_before + 1);
    assert_eq!(audit[0].action, "history.prune");
    assert!(
        audit[0].details.contains(&summary.describe()),
        "{}",
        audit[0].details
    );
    assert_eq!(
        store.history_retention().await.unwrap().last_run,
        Some(summary)
    );
}

#[tokio::test]
async fn every_versioned_table_has_the_temporal_columns_and_a_pruning_index() {
    let store = store().await;
    for table in versioned_tables() {
        sqlx::query(&format!(
            "SELECT version_id, object_id, valid_from, valid_to, operation_id, \
             ended_operation_id FROM {table} WHERE 1 = 0"
        ))
        .fetch_all(store.pool())
        .await
        .unwrap_or_else(|e| panic!("{table}: {e}"));
        let index = format!("{table}_ended");
        let sql = match store.backend() {
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = $1"
            }
            Backend::Postgres => "SELECT COUNT(*) FROM pg_indexes WHERE indexname = $1",
        };
        let (n,): (i64,) = sqlx::query_as(sql)
            .bind(&index)
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(n, 1, "{index}");
    }
}
