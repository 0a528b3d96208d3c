//! History retention over HTTP with the real router (both backends): only the Owner sets
//! it, and a change feed follower whose cursor is older than what the retention kept is told
//! to read everything again (410, in the API's error shape), never handed a page with holes.
mod common;
use app::model::{GroupInput, HistoryRetention, Permission, UserInput};
use app::store::{Actor, Author, PruneOptions};
use axum::http::{Method, StatusCode};
use chrono::{Months, Utc};
use common::api::Api;
use common::backup::test_app;

#[tokio::test]
async fn only_the_owner_sets_the_history_retention_and_a_shorter_one_needs_confirmation() {
    let app = test_app().await;
    let admin = app.login("adam").await;
    let shorter = [("keep_months", "12"), ("confirm_shorter", "true")];
    let refused = app
        .call("set_history_retention", &shorter, Some(&admin))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(
        refused.body.contains("retention:configure"),
        "{}",
        refused.body
    );
    // The Admin still sees it.
    let read = app.call("get_history_retention", &[], Some(&admin)).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);

    let owner = app.login("olivia").await;
    let unconfirmed = app
        .call(
            "set_history_retention",
            &[("keep_months", "12"), ("confirm_shorter", "false")],
            Some(&owner),
        )
        .await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unconfirmed.body.contains("confirm"), "{}", unconfirmed.body);
    let set = app
        .call("set_history_retention", &shorter, Some(&owner))
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let set: HistoryRetention = serde_json::from_str(&set.body).unwrap();
    assert_eq!(set.keep_months, Some(12));
    assert_eq!(set.updated_by, "olivia");
    // Back to forever: nothing is deleted, no confirmation asked.
    let forever = app
        .call(
            "set_history_retention",
            &[("confirm_shorter", "false")],
            Some(&owner),
        )
        .await;
    assert_eq!(forever.status, StatusCode::OK, "{}", forever.body);
    assert_eq!(
        app.store.history_retention().await.unwrap().keep_months,
        None
    );
    let audited: Vec<String> = app
        .store
        .list_audit(50)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "history.retention")
        .map(|e| format!("{} {}", e.operator_name, e.details))
        .collect();
    assert_eq!(
        audited,
        [
            "olivia 1 year -> forever",
            "olivia forever -> 1 year (shorter: confirmed)"
        ]
    );
}

#[tokio::test]
async fn a_feed_cursor_older_than_the_kept_history_answers_410_gone_and_the_horizon_reads_on() {
    let api = Api::new().await;
    let token = api.token("follower", &[Permission::IdentityRead]).await;
    // Two years ago: history the retention lets go.
    let long_ago = Utc::now()
        .checked_sub_months(Months::new(24))
        .unwrap()
        .timestamp_micros();
    let old = Author::named("ops").at(long_ago);
    let group = api
        .store
        .create_group(
            &old,
            &GroupInput {
                name: "Staff".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let temp = api
        .store
        .create_user(
            &old,
            &UserInput {
                name: "temp".into(),
                last_name: "Temp".into(),
                email: "temp@example.test".into(),
                primary_group: group,
                enabled: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    api.store.delete_user(&old, temp).await.unwrap();
    let before = api.get_ok("/api/v1/changes?limit=1000", &token).await;
    let old_cursor = before["events"][0]["cursor"].as_str().unwrap().to_string();
    // Now: a change the retention keeps.
    let ann = api.user("ann", group).await;

    api.store
        .set_history_retention(
            &Actor {
                id: None,
                name: "tester".into(),
            },
            Some(12),
            true,
        )
        .await
        .unwrap();
    let summary = api
        .store
        .prune_history(Utc::now(), &PruneOptions::default())
        .await
        .unwrap();
    assert!(summary.feed_records > 0, "{summary:?}");
    let horizon = api.store.feed_horizon().await.unwrap();

    for uri in [
        "/api/v1/changes".to_string(),
        format!("/api/v1/changes?after={old_cursor}"),
    ] {
        let gone = api.request(Method::GET, &uri, Some(&token), None).await;
        assert_eq!(gone.status, StatusCode::GONE, "{uri}: {}", gone.body);
        let error = &gone.json()["error"];
        assert_eq!(error["status"], 410);
        assert_eq!(error["code"], "gone");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("follow from cursor {horizon}")),
            "{message}"
        );
    }
    // From the horizon on the feed is whole: ann's creation is there.
    let page = api
        .get_ok(&format!("/api/v1/changes?after={horizon}"), &token)
        .await;
    let events = page["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{page}");
    assert_eq!(events[0]["kind"], "user.create");
    assert_eq!(events[0]["changes"][0]["id"], ann.0);
}

#[tokio::test]
async fn the_system_backup_page_explains_the_retention_and_offers_the_form_to_the_owner_only() {
    let app = test_app().await;
    let owner = app.login("olivia").await;
    let admin = app.login("adam").await;
    let page = |cookie: String| {
        let router = app.router.clone();
        async move {
            let reply = common::send(&router, common::get("/system-backup", Some(&cookie))).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            reply.body
        }
    };
    let as_owner = page(owner).await;
    assert!(as_owner.contains("History retention"), "{as_owner}");
    assert!(as_owner.contains("leave the recycle bin"));
    assert!(as_owner.contains("History is kept forever"));
    assert!(as_owner.contains("aria-label=\"History retention\""));
    let as_admin = page(admin).await;
    assert!(as_admin.contains("History is kept forever"));
    assert!(as_admin.contains("Only the Owner can change how long history is kept."));
    assert!(!as_admin.contains("aria-label=\"History retention\""));
}
