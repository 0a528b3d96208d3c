//! Bulk seeding at scale (`Store::seed_scale`) at a small size: the rows it computes in the
//! database keep the store's invariants, and the store's reads make sense of them.
#![cfg(feature = "ssr")]
use app::model::*;
use app::store::{ScaleOptions, Store};
use chrono::DateTime;

async fn count(store: &Store, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(store.pool()).await.unwrap();
    n
}

fn options() -> ScaleOptions {
    ScaleOptions {
        users: 600,
        groups: 60,
        memberships: 4_000,
        history_days: 30,
        ..ScaleOptions::quick()
    }
}

fn tree_size(nodes: &[GroupNode]) -> usize {
    nodes.iter().map(|n| 1 + tree_size(&n.children)).sum()
}

const VERSIONED: [&str; 4] = ["users", "groups", "memberships", "grants"];

#[tokio::test]
async fn bulk_seed_keeps_version_chains_operations_feed_and_snapshots_consistent() {
    let store = app::testing::fresh_store().await;
    let options = options();
    let report = store.seed_scale(&options).await.unwrap();
    assert_eq!((report.users, report.groups), (600, 60));
    assert_eq!(report.memberships, 4_000);
    assert!(report.user_versions > 600 && report.user_versions <= 1_800);
    assert!(report.current_memberships > 1_000 && report.current_memberships < 4_000);

    for table in VERSIONED {
        // No two versions of one object overlap, and at most one is current.
        let overlaps = count(
            &store,
            &format!(
                "SELECT COUNT(*) FROM {table} a JOIN {table} b ON a.object_id = b.object_id \
                 AND a.version_id < b.version_id \
                 AND (a.valid_to IS NULL OR a.valid_to > b.valid_from) \
                 AND (b.valid_to IS NULL OR b.valid_to > a.valid_from)"
            ),
        )
        .await;
        assert_eq!(overlaps, 0, "{table}");
        let empty = count(
            &store,
            &format!("SELECT COUNT(*) FROM {table} WHERE valid_to <= valid_from"),
        )
        .await;
        assert_eq!(empty, 0, "{table}");
        // Every version begins (and ends) with an operation at that very instant.
        let unmatched = count(
            &store,
            &format!(
                "SELECT COUNT(*) FROM {table} v \
                 LEFT JOIN operations o ON o.id = v.operation_id AND o.at = v.valid_from \
                 LEFT JOIN operations e ON e.id = v.ended_operation_id AND e.at = v.valid_to \
                 WHERE o.id IS NULL OR (v.valid_to IS NOT NULL AND e.id IS NULL) \
                    OR v.changed_by <> o.operator"
            ),
        )
        .await;
        assert_eq!(unmatched, 0, "{table}");
        // The change feed names every version written and every version closed.
        let versions = count(&store, &format!("SELECT COUNT(*) FROM {table}")).await;
        let closed = count(
            &store,
            &format!("SELECT COUNT(*) FROM {table} WHERE valid_to IS NOT NULL"),
        )
        .await;
        let logged = count(
            &store,
            &format!("SELECT COUNT(*) FROM change_log WHERE table_name = '{table}'"),
        )
        .await;
        assert_eq!(logged, versions + closed, "{table}");
    }
    // Every object was allocated with its kind; feed positions are unique and counted.
    let orphans = count(
        &store,
        "SELECT COUNT(*) FROM memberships m LEFT JOIN objects o ON o.id = m.object_id \
         WHERE o.id IS NULL OR o.kind <> 'memberships'",
    )
    .await;
    assert_eq!(orphans, 0);
    let (last,): (i64,) = sqlx::query_as("SELECT last FROM change_feed_counter")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(
        last,
        count(&store, "SELECT MAX(feed_seq) FROM operations").await
    );

    // Every live user has one open snapshot, equal to the state read from the tables.
    let live = count(&store, "SELECT COUNT(*) FROM users WHERE valid_to IS NULL").await;
    assert_eq!(live, 600 - 12, "one user in fifty is deleted");
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM user_snapshots WHERE valid_until IS NULL"
        )
        .await,
        live
    );
    let (first, last) = report.user_ids;
    let mut checked = 0;
    for id in (first..=last).step_by(7) {
        let user = UserId(id);
        let Ok(detail) = store.get_user(user, None).await else {
            assert_eq!((id - first) % 50, 7, "only deleted users are missing");
            continue;
        };
        let snapshots = store.list_snapshots(user).await.unwrap();
        assert_eq!(snapshots.len(), 1);
        let snapshot = store.get_snapshot(snapshots[0].id).await.unwrap();
        assert_eq!(snapshot.state, store.current_state(user).await.unwrap());
        assert_eq!(snapshot.state, detail.state);
        // The memberships shown are the current ones, none of them the primary group.
        let current = count(
            &store,
            &format!("SELECT COUNT(*) FROM memberships WHERE user_id = {id} AND valid_to IS NULL"),
        )
        .await;
        assert_eq!(detail.state.memberships.len() as i64, current);
        assert!(detail
            .state
            .memberships
            .iter()
            .all(|m| m.group != detail.state.attributes.primary_group));
        // The newest timeline entry is the newest change; the oldest is the creation.
        let timeline = store
            .user_timeline(&TimelineQuery {
                user,
                kinds: Vec::new(),
                offset: 0,
                limit: 100,
                before: None,
            })
            .await
            .unwrap();
        assert!(!timeline.items.is_empty());
        assert_eq!(
            timeline.items[0].at.timestamp_micros(),
            snapshots[0].valid_since.timestamp_micros()
        );
        if timeline.total <= 100 {
            let oldest = timeline.items.last().unwrap();
            assert_eq!(oldest.change, TimelineChange::Created);
            assert_eq!(oldest.at, detail.created.at);
        }
        // As of just before each user version the previous one shows, as of it this one.
        let versions: Vec<(i64, String)> = sqlx::query_as(&format!(
            "SELECT valid_from, comments FROM users WHERE object_id = {id} ORDER BY valid_from"
        ))
        .fetch_all(store.pool())
        .await
        .unwrap();
        for pair in versions.windows(2) {
            let (from, comments) = &pair[1];
            let at = |t: i64| DateTime::from_timestamp_micros(t);
            let before = store.get_user(user, at(from - 1)).await.unwrap();
            let then = store.get_user(user, at(*from)).await.unwrap();
            assert_eq!(before.state.attributes.comments, pair[0].1);
            assert_eq!(&then.state.attributes.comments, comments);
        }
        // The search finds the user by its whole name, and only it.
        let found = store
            .list_users(&UserListQuery {
                search: detail.state.attributes.name.clone(),
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(found.total, 1);
        assert_eq!(found.items[0].id, user);
        checked += 1;
    }
    assert!(checked > 60);

    // The tree holds every group from its first hour on (renames and moves later), none
    // before; the users list counts the live users.
    assert_eq!(tree_size(&store.group_tree(None).await.unwrap()), 60);
    let at = |m: i64| DateTime::from_timestamp_micros(report.start + m * 60_000_000);
    assert_eq!(tree_size(&store.group_tree(at(61)).await.unwrap()), 60);
    assert_eq!(
        tree_size(&store.group_tree(at(20 * 1440)).await.unwrap()),
        60
    );
    assert!(store.group_tree(at(-1)).await.unwrap().is_empty());
    let all = store
        .list_users(&UserListQuery {
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.total, live);

    // A search's total is the number of live users whose name, full name or e-mail
    // contains the term, however many match.
    for term in ["anna", "martin", "123", "a"] {
        let found = store
            .list_users(&UserListQuery {
                search: term.into(),
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap();
        let like = count(
            &store,
            &format!(
                "SELECT COUNT(*) FROM users WHERE valid_to IS NULL AND (name_key LIKE '%{term}%' \
                 OR lower(first_name || ' ' || last_name) LIKE '%{term}%' \
                 OR lower(email) LIKE '%{term}%')"
            ),
        )
        .await;
        assert_eq!(found.total, like, "{term}");
        assert_eq!(found.items.len() as i64, like.min(50), "{term}");
    }

    // Only into an empty store.
    assert!(store.seed_scale(&options).await.is_err());
}

#[test]
fn bulk_seed_sizes_are_bounded_with_a_message() {
    let huge = ScaleOptions {
        users: 1_000_000_000_000,
        ..ScaleOptions::quick()
    };
    match huge.check() {
        Err(app::store::Error::Invalid(fields)) => {
            assert_eq!(fields[0].field, "users");
            assert!(fields[0].message.contains("10000000"), "{fields:?}");
        }
        other => panic!("{other:?}"),
    }
    for bad in [
        ScaleOptions {
            memberships: 1_000_000_000_000,
            ..ScaleOptions::quick()
        },
        ScaleOptions {
            history_days: 1_000_000,
            ..ScaleOptions::quick()
        },
        ScaleOptions {
            groups: 1_000_000_000_000,
            ..ScaleOptions::quick()
        },
        ScaleOptions {
            memberships: -1,
            ..ScaleOptions::quick()
        },
    ] {
        assert!(bad.check().is_err(), "{bad:?}");
    }
    assert!(ScaleOptions::million().check().is_ok());
}
