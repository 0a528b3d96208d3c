//! The change feed over HTTP with the real router (both backends): every change in commit
//! order with its attributes before and after, a restore's changes as they are applied,
//! long-polling, cursors that survive a system restore (which the feed announces), and the
//! API's one error shape.
mod common;
use app::backup::engine::Progress;
use app::model::{
    BackupKind, ChangePage, Permission, RestoreMode, RestoreSelection, RestoreSource, UserId,
};
use app::state::AppState;
use app::store::{Actor, Author, Store};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use common::api::Api;
use common::Reply;

struct Feed {
    router: Router,
    state: AppState,
    store: Store,
    owner: app::model::Operator,
    token: String,
    api: Api,
}

async fn feed() -> Feed {
    let api = Api::new().await;
    let token = api.token("follower", &[Permission::IdentityRead]).await;
    Feed {
        router: api.router.clone(),
        state: api.state.clone(),
        store: api.store.clone(),
        owner: api.owner.clone(),
        token,
        api,
    }
}

impl Feed {
    async fn get(&self, uri: &str, token: Option<&str>) -> Reply {
        self.api.request(Method::GET, uri, token, None).await
    }

    async fn page(&self, after: &str) -> ChangePage {
        let reply = self
            .get(
                &format!("/api/v1/changes?after={after}&limit=1000"),
                Some(&self.token),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        serde_json::from_str(&reply.body).unwrap()
    }

    async fn user(&self, name: &str, group: app::model::GroupId) -> UserId {
        self.api.user(name, group).await
    }
}

#[tokio::test]
async fn a_follower_reads_every_change_in_order_with_before_and_after() {
    let feed = feed().await;
    let start = feed.page("").await.next;
    let group = feed.api.group("Sales", None).await;
    let ann = feed.user("ann", group).await;
    feed.api.set_email(ann, "ann.lee@example.test").await;

    let page = feed.page(&start).await;
    let kinds: Vec<&str> = page.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["group.create", "user.create", "user.update"]);
    let cursors: Vec<i64> = page
        .events
        .iter()
        .map(|e| e.cursor.parse().unwrap())
        .collect();
    assert!(cursors.windows(2).all(|w| w[0] < w[1]), "{cursors:?}");
    assert_eq!(page.next, page.events[2].cursor);
    let created = &page.events[1].changes;
    let user_row = created.iter().find(|c| c.table == "users").unwrap();
    assert_eq!(user_row.operation, "create");
    assert_eq!(user_row.id, ann.0);
    assert!(user_row.before.is_none());
    assert_eq!(user_row.after.as_ref().unwrap()["name"], "ann");
    let update = page.events[2]
        .changes
        .iter()
        .find(|c| c.table == "users")
        .unwrap();
    assert_eq!(update.operation, "update");
    assert_eq!(update.before.as_ref().unwrap()["email"], "ann@example.test");
    assert_eq!(
        update.after.as_ref().unwrap()["email"],
        "ann.lee@example.test"
    );
    assert_eq!(page.events[2].author, "ops");
    assert_eq!(page.events[2].source, "console");
    // Nothing after the last cursor.
    assert!(feed.page(&page.next).await.events.is_empty());
}

#[tokio::test]
async fn a_restore_arrives_in_the_feed_as_the_changes_it_applied() {
    let feed = feed().await;
    let group = feed.api.group("Staff", None).await;
    let bob = feed.user("bob", group).await;
    let before = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let mut input = feed
        .store
        .get_user(bob, None)
        .await
        .unwrap()
        .state
        .attributes;
    input.email = "wrong@example.test".into();
    input.last_name = "Wrong".into();
    feed.store
        .update_user(&Author::named("ops"), bob, &input)
        .await
        .unwrap();
    let cursor = feed.page("").await.next;

    // A follower waits while an operator restores the user as of before the bad edit.
    let waiting = {
        let (router, token) = (feed.router.clone(), feed.token.clone());
        tokio::spawn(async move {
            let request = Request::get(format!("/api/v1/changes?after={cursor}&wait=10s"))
                .header(header::HOST, "localhost")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap();
            let started = std::time::Instant::now();
            (common::send(&router, request).await, started.elapsed())
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let plan = feed
        .store
        .plan_restore(
            bob,
            RestoreSource::Instant(before),
            &RestoreSelection::everything(),
            RestoreMode::Exact,
        )
        .await
        .unwrap();
    feed.store
        .apply_restore(&Author::named("olivia"), &plan)
        .await
        .unwrap();
    let (reply, waited) = waiting.await.unwrap();
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(waited < std::time::Duration::from_secs(9), "{waited:?}");
    let page: ChangePage = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(page.events.len(), 1, "{:?}", page.events);
    let restore = &page.events[0];
    assert_eq!(restore.source, "restore");
    assert_eq!(restore.author, "olivia");
    let user = restore.changes.iter().find(|c| c.table == "users").unwrap();
    assert_eq!(user.before.as_ref().unwrap()["email"], "wrong@example.test");
    assert_eq!(user.after.as_ref().unwrap()["email"], "bob@example.test");
    assert_eq!(user.after.as_ref().unwrap()["last_name"], "Lee");
}

#[tokio::test]
async fn cursors_survive_a_system_restore_which_the_feed_announces_once() {
    let feed = feed().await;
    let group = feed.api.group("Ops", None).await;
    feed.user("cara", group).await;
    let actor: Actor = (&feed.owner).into();
    let backup = feed
        .state
        .system_backup
        .run_backup(&feed.store, &actor, BackupKind::Manual, "before dan")
        .await
        .unwrap();
    feed.user("dan", group).await;
    let seen = feed.page("").await.next;
    feed.state
        .system_backup
        .restore_backup(&feed.store, &actor, backup.id, &Progress::default())
        .await
        .unwrap();
    // The follower's cursor still works: next comes the one announcement, then new changes.
    let page = feed.page(&seen).await;
    assert_eq!(page.events.len(), 1, "{:?}", page.events);
    let announcement = &page.events[0];
    assert!(announcement.resync);
    assert_eq!(announcement.kind, app::store::SYSTEM_RESTORE_OPERATION);
    assert_eq!(announcement.source, "system-restore");
    assert!(!announcement.summary.is_empty());
    assert!(announcement.cursor.parse::<i64>().unwrap() > seen.parse::<i64>().unwrap());
    feed.user("eve", group).await;
    let after = feed.page(&page.next).await;
    assert_eq!(after.events.len(), 1);
    assert_eq!(after.events[0].kind, "user.create");
    // Read from the start, the feed holds the restored history and the announcement.
    let all = feed.page("").await;
    assert_eq!(all.events.iter().filter(|e| e.resync).count(), 1);
    assert!(!all.events.iter().any(|e| e
        .changes
        .iter()
        .any(|c| c.after.as_ref().is_some_and(|a| a["name"] == "dan"))));
}

#[tokio::test]
async fn the_feed_refuses_bad_requests_with_the_api_error_shape() {
    let feed = feed().await;
    let anonymous = feed.get("/api/v1/changes", None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = serde_json::from_str(&anonymous.body).unwrap();
    assert_eq!(body["error"]["code"], "unauthenticated");
    assert_eq!(body["error"]["status"], 401);
    for bad in [
        "after=abc",
        "after=-4",
        "limit=0",
        "limit=5000",
        "wait=soon",
        "limit=x",
    ] {
        let reply = feed
            .get(&format!("/api/v1/changes?{bad}"), Some(&feed.token))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            reply.body
        );
        let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(body["error"]["code"], "invalid", "{bad}");
    }
    // A token without identity:read.
    let other = feed
        .api
        .token("backups only", &[Permission::BackupQuery])
        .await;
    let refused = feed.get("/api/v1/changes", Some(&other)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    // The OpenAPI document is public and names the feed.
    let document = feed.get("/api/openapi.json", None).await;
    assert_eq!(document.status, StatusCode::OK);
    let document: serde_json::Value = serde_json::from_str(&document.body).unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(document["paths"]["/api/v1/changes"]["get"].is_object());
}
