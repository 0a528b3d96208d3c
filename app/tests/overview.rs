//! The Overview's figures: current objects per kind, the recycle bin, restores, backups.
#![cfg(feature = "ssr")]
mod common;

use app::model::kinds;
use app::model::*;
use common::*;

fn count(counts: &[ObjectCount], label: &str) -> i64 {
    counts.iter().find(|c| c.label == label).unwrap().count
}

#[tokio::test]
async fn object_counts_follow_creations_and_deletions() {
    let store = store().await;
    let f = fixture(&store).await;
    let before = store.object_counts().await.unwrap();
    let a = store
        .create_user(&at(HOUR), &user_input("ada", f.staff))
        .await
        .unwrap();
    store
        .create_user(&at(HOUR + SEC), &user_input("bo", f.staff))
        .await
        .unwrap();
    store.delete_user(&at(2 * HOUR), a).await.unwrap();
    let after = store.object_counts().await.unwrap();
    assert_eq!(count(&after, "Users"), count(&before, "Users") + 1);
    assert_eq!(count(&after, "Groups"), count(&before, "Groups"));
    assert_eq!(count(&after, "Roles"), 2, "the fixture's Reader and Writer");
    assert_eq!(store.recycle_bin_count().await.unwrap(), 1);
    assert!(after.iter().all(|c| c.href.starts_with('/')));

    // A deleted object of a declared kind waits in the bin too, and is counted.
    let lan = store
        .create_resource(
            &at(3 * HOUR),
            &kinds::NETWORKS,
            &ResourceInput {
                values: ["lan", "", "10.9.0.0", "/16", "true", "false", "", "false"]
                    .map(String::from)
                    .to_vec(),
            },
        )
        .await
        .unwrap();
    store
        .delete_resources(&at(4 * HOUR), &kinds::NETWORKS, &[lan])
        .await
        .unwrap();
    assert_eq!(store.recycle_bin_count().await.unwrap(), 2);
    assert_eq!(
        store.recycle_bin().await.unwrap().len() as i64,
        store.recycle_bin_count().await.unwrap()
    );
}

#[tokio::test]
async fn recent_restores_lists_restores_only_newest_first() {
    let store = store().await;
    let f = fixture(&store).await;
    let u = store
        .create_user(&at(0), &user_input("cy", f.staff))
        .await
        .unwrap();
    assert!(store.recent_restores(5).await.unwrap().is_empty());
    let mut input = store.get_user(u, None).await.unwrap().state.attributes;
    input.email = "cy@changed.example".into();
    store.update_user(&at(HOUR), u, &input).await.unwrap();
    for (n, instant) in [(1, time(SEC)), (2, time(HOUR))] {
        let plan = store
            .plan_restore(
                u,
                RestoreSource::Instant(instant),
                &RestoreSelection::everything(),
                RestoreMode::Exact,
            )
            .await
            .unwrap();
        store
            .apply_restore(&at(2 * HOUR + n * SEC), &plan)
            .await
            .unwrap();
    }
    let restores = store.recent_restores(5).await.unwrap();
    assert_eq!(restores.len(), 2, "the user changes are not restores");
    assert!(restores.iter().all(|r| r.action == "user.restore"));
    assert!(restores[0].id > restores[1].id);
    assert_eq!(store.recent_restores(1).await.unwrap().len(), 1);
}

#[tokio::test]
async fn without_system_backups_the_overview_has_no_last_backup_and_nothing_waiting() {
    let store = store().await;
    let backups = store.backup_overview().await.unwrap();
    assert_eq!(backups.last, None);
    assert_eq!(
        (backups.pending_approvals, backups.failed_since_last),
        (0, 0)
    );
}
