//! The audit log page's search: who, what, which object, when; paging; a page bound.
#![cfg(feature = "ssr")]
mod common;

use app::model::*;
use app::store::AuditRecord;
use common::*;

async fn record(store: &app::store::Store, who: &str, action: &str, target: &str) {
    store
        .record_audit(&AuditRecord {
            operator_id: None,
            operator_name: who,
            action,
            target,
            outcome: "ok",
            details: "",
        })
        .await
        .unwrap();
}

fn query(who: &str, action: &str, target: &str) -> AuditQuery {
    AuditQuery {
        who: who.into(),
        action: action.into(),
        target: target.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn the_audit_log_filters_by_who_what_and_object_in_any_case() {
    let store = store().await;
    record(&store, "olivia", "user.restore", "ben.khan").await;
    record(&store, "audrey", "csv.export", "users.csv").await;
    record(&store, "Olivia", "system-backup.export", "Year end").await;
    record(&store, "olivia", "user.update", "100%_sure").await;

    let by_olivia = store.search_audit(&query("OLI", "", "")).await.unwrap();
    assert_eq!(by_olivia.total, 3);
    assert!(by_olivia
        .items
        .iter()
        .all(|e| e.operator_name.eq_ignore_ascii_case("olivia")));
    let exports = store.search_audit(&query("", "export", "")).await.unwrap();
    assert_eq!(exports.total, 2);
    let restores_of_ben = store
        .search_audit(&query("olivia", "restore", "khan"))
        .await
        .unwrap();
    assert_eq!(restores_of_ben.total, 1);
    assert_eq!(restores_of_ben.items[0].target, "ben.khan");
    // LIKE wildcards in the filter are plain characters.
    let percent = store.search_audit(&query("", "", "%_")).await.unwrap();
    assert_eq!(percent.total, 1);
    assert_eq!(percent.items[0].target, "100%_sure");
    // Newest first.
    let all = store.search_audit(&query("", "", "")).await.unwrap();
    assert!(all.items.windows(2).all(|w| w[0].id > w[1].id));
}

#[tokio::test]
async fn the_audit_log_filters_by_time_and_pages_within_a_bound() {
    let store = store().await;
    for n in 0..5 {
        record(&store, "olivia", "user.update", &format!("user{n}")).await;
    }
    let all = store.search_audit(&query("", "", "")).await.unwrap();
    let newest = all.items[0].at;
    let later = AuditQuery {
        from: Some(newest + chrono::Duration::seconds(1)),
        ..Default::default()
    };
    assert_eq!(store.search_audit(&later).await.unwrap().total, 0);
    let until_now = AuditQuery {
        to: Some(newest + chrono::Duration::seconds(1)),
        ..Default::default()
    };
    assert_eq!(
        store.search_audit(&until_now).await.unwrap().total,
        all.total
    );
    let second_page = AuditQuery {
        offset: 2,
        limit: 2,
        ..Default::default()
    };
    let page = store.search_audit(&second_page).await.unwrap();
    assert_eq!((page.items.len(), page.total), (2, all.total));
    assert_eq!(page.items[0].id, all.items[2].id);
    let huge = AuditQuery {
        limit: 1_000_000,
        ..Default::default()
    };
    assert_eq!(
        store.search_audit(&huge).await.unwrap().limit,
        AUDIT_MAX_PAGE
    );
}
