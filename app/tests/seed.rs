//! Demo data: a year of history, deterministic, only into an empty store (both backends).
#![cfg(feature = "ssr")]
use app::model::*;
use app::store::{SeedOptions, Store};
use chrono::{Duration, Utc};

fn names(nodes: &[GroupNode], out: &mut Vec<String>) {
    for node in nodes {
        out.push(node.name.clone());
        names(&node.children, out);
    }
}

async fn tree_names(store: &Store, days_ago: Option<i64>) -> Vec<String> {
    let as_of = days_ago.map(|d| Utc::now() - Duration::days(d));
    let mut out = Vec::new();
    names(&store.group_tree(as_of).await.unwrap(), &mut out);
    out
}

async fn count(store: &Store, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(store.pool()).await.unwrap();
    n
}

#[tokio::test]
async fn seeding_writes_a_year_of_history_with_renames_ended_records_and_a_recycle_bin() {
    let store = app::testing::fresh_store().await;
    let options = SeedOptions::new(60, 24, 7);
    let report = store.seed_demo(&options).await.unwrap();
    assert_eq!((report.users, report.groups), (60, 24));
    assert!(
        report.deleted_users >= 1 && report.deleted_groups >= 1,
        "{report:?}"
    );

    // Seven months ago the department still had its old name; today it has the new one.
    let then = tree_names(&store, Some(213)).await;
    let now = tree_names(&store, None).await;
    assert!(then.iter().any(|n| n == "Marketing"), "{then:?}");
    assert!(!then.iter().any(|n| n == "Brand & Marketing"));
    assert!(now.iter().any(|n| n == "Brand & Marketing"), "{now:?}");
    assert!(!now.iter().any(|n| n == "Marketing"));
    // A tree several levels deep, and nothing before the history starts.
    let depth = |nodes: &[GroupNode]| -> usize {
        fn d(nodes: &[GroupNode]) -> usize {
            nodes.iter().map(|n| 1 + d(&n.children)).max().unwrap_or(0)
        }
        d(nodes)
    };
    assert!(depth(&store.group_tree(None).await.unwrap()) >= 4);
    assert!(tree_names(&store, Some(400)).await.is_empty());

    // People arrived over the year; some memberships and grants started and ended.
    let listed = |days: Option<i64>| {
        let store = store.clone();
        async move {
            store
                .list_users(&UserListQuery {
                    as_of: days.map(|d| Utc::now() - Duration::days(d)),
                    ..Default::default()
                })
                .await
                .unwrap()
                .total
        }
    };
    let (early, today) = (listed(Some(340)).await, listed(None).await);
    assert!(early > 0 && early < today, "{early} then, {today} now");
    assert_eq!(today, 60 - report.deleted_users);
    assert!(
        count(
            &store,
            "SELECT COUNT(*) FROM memberships WHERE valid_to IS NOT NULL"
        )
        .await
            > 0
    );
    assert!(
        count(
            &store,
            "SELECT COUNT(*) FROM users WHERE valid_to IS NOT NULL"
        )
        .await
            > 0
    );
    assert!(
        count(
            &store,
            "SELECT COUNT(*) FROM grants WHERE grantee_kind = 'group'"
        )
        .await
            > 0
    );
    assert!(count(&store, "SELECT COUNT(*) FROM role_inheritance").await > 0);
    // The demo rule gave its role to external staff, and only to them.
    let ruled = count(
        &store,
        "SELECT COUNT(*) FROM grants WHERE rule_id IS NOT NULL AND valid_to IS NULL",
    )
    .await;
    let outside = count(
        &store,
        "SELECT COUNT(*) FROM grants g JOIN users u ON u.object_id = g.grantee_id \
         AND u.valid_to IS NULL WHERE g.rule_id IS NOT NULL AND g.valid_to IS NULL \
         AND u.user_type <> 'external'",
    )
    .await;
    assert!(
        ruled > 0 && outside == 0,
        "{ruled} rule grants, {outside} outside"
    );
    // The first user carries the demo's low segregation of duties risk.
    let first = store
        .list_users(&UserListQuery::default())
        .await
        .unwrap()
        .items[0]
        .id;
    let risks: Vec<String> = store
        .sod_violations(Some(first))
        .await
        .unwrap()
        .iter()
        .map(|v| format!("{} {}", v.rule_name, v.risk.as_str()))
        .collect();
    assert!(
        risks.contains(&"Helpdesk and file editing low".to_string()),
        "{risks:?}"
    );
    assert!(count(&store, "SELECT COUNT(*) FROM mail_list_members").await > 0);

    // Every live user has a snapshot of their current state.
    let page = store
        .list_users(&UserListQuery {
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    for user in &page.items {
        let snaps = store.list_snapshots(user.id).await.unwrap();
        assert_eq!(snaps[0].valid_until, None, "{}", user.name);
        let newest = store.get_snapshot(snaps[0].id).await.unwrap();
        assert_eq!(newest.state, store.current_state(user.id).await.unwrap());
    }

    let bin = store.recycle_bin().await.unwrap();
    assert!(bin.iter().any(|d| d.kind == DeletedKind::User));
    assert!(bin.iter().any(|d| d.kind == DeletedKind::Group));

    // Seeding twice is refused; the same seed gives the same data elsewhere.
    let again = store.seed_demo(&options).await.unwrap_err();
    assert!(again.to_string().contains("empty"), "{again}");
    let other = app::testing::fresh_store().await;
    other.seed_demo(&options).await.unwrap();
    assert_eq!(tree_names(&other, None).await, now);
    let names_of = |page: Page<UserSummary>| -> Vec<String> {
        page.items.into_iter().map(|u| u.name).collect()
    };
    let other_page = other
        .list_users(&UserListQuery {
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(names_of(other_page), names_of(page));
}
