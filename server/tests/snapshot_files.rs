//! Snapshot file routes over HTTP with the real router: the XML download and the CSV
//! listing, behind a session with `backup:query` (both backends; see app::testing).
mod common;
use app::model::*;
use app::state::AuthConfig;
use app::store::{Author, Store};
use axum::http::{header, StatusCode};
use axum::Router;
use common::{Reply, PASSWORD};
/// 2023-11-14T22:13:20Z.
const T0: i64 = 1_700_000_000_000_000;
const HOUR: i64 = 3_600_000_000;

struct TestApp {
    router: Router,
    store: Store,
}

impl TestApp {
    async fn new() -> Self {
        let store = app::testing::fresh_store().await;
        store
            .create_owner(None, "olivia", "Olivia Owner", PASSWORD)
            .await
            .unwrap();
        let router = common::router(&store, AuthConfig::default());
        Self { router, store }
    }

    async fn login(&self) -> String {
        common::login(&self.router, "olivia", PASSWORD).await
    }

    async fn get(&self, uri: &str, cookie: Option<&str>) -> Reply {
        common::send(&self.router, common::get(uri, cookie)).await
    }
}

/// Two users: "ada" with two snapshots (a change two hours later), "bob" with one.
async fn two_users(store: &Store) -> (UserId, UserId) {
    let a = |offset: i64| Author::named("tester").at(T0 + offset);
    let staff = store
        .create_group(
            &a(0),
            &GroupInput {
                name: "Staff".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let input = |name: &str| UserInput {
        name: name.into(),
        first_name: name.into(),
        primary_group: staff,
        email: format!("{name}@example.test"),
        enabled: true,
        ..Default::default()
    };
    let ada = store.create_user(&a(0), &input("ada")).await.unwrap();
    let bob = store.create_user(&a(HOUR), &input("bob")).await.unwrap();
    let mut changed = input("ada");
    changed.comments = "moved desks, \"north\" wing".into();
    store
        .update_user(&a(2 * HOUR), ada, &changed)
        .await
        .unwrap();
    (ada, bob)
}

#[tokio::test]
async fn snapshot_xml_downloads_as_an_attachment_named_after_user_and_time() {
    let app = TestApp::new().await;
    let (ada, _) = two_users(&app.store).await;
    let snapshots = app.store.list_snapshots(ada).await.unwrap();
    let oldest = snapshots.last().unwrap().id;
    let uri = format!("/files/snapshots/{oldest}.xml");

    assert_eq!(app.get(&uri, None).await.status, StatusCode::UNAUTHORIZED);
    let cookie = app.login().await;
    let reply = app.get(&uri, Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.header(header::CONTENT_DISPOSITION),
        "attachment; filename=\"ada-20231114-221320.xml\""
    );
    assert!(reply
        .header(header::CONTENT_TYPE)
        .starts_with("application/xml"));
    assert_eq!(reply.body, app.store.snapshot_xml(oldest).await.unwrap());
    assert!(reply.body.starts_with("<?xml"), "{}", reply.body);

    for missing in ["/files/snapshots/999999.xml", "/files/snapshots/abc.xml"] {
        let reply = app.get(missing, Some(&cookie)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{missing}");
    }
}

#[tokio::test]
async fn snapshots_csv_lists_the_backups_page_query_or_one_users_with_a_header_row() {
    let app = TestApp::new().await;
    let (ada, bob) = two_users(&app.store).await;
    assert_eq!(
        app.get("/files/snapshots.csv", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let cookie = app.login().await;

    let rows = |body: &str| -> Vec<Vec<String>> {
        csv::Reader::from_reader(body.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect()
    };
    let reply = app
        .get("/files/snapshots.csv?sort=%2Bsince", Some(&cookie))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.header(header::CONTENT_TYPE).starts_with("text/csv"));
    assert_eq!(
        reply.header(header::CONTENT_DISPOSITION),
        "attachment; filename=\"snapshots.csv\""
    );
    assert!(reply
        .body
        .starts_with("\u{feff}snapshot,user,valid_since,valid_until,size\r\n"));
    let all = rows(&reply.body);
    assert_eq!(all.len(), 3, "{}", reply.body);
    let ada_first = app.store.list_snapshots(ada).await.unwrap().pop().unwrap();
    assert_eq!(
        all[0],
        [
            ada_first.id.to_string(),
            "ada".to_string(),
            "2023-11-14T22:13:20Z".to_string(),
            "2023-11-15T00:13:20Z".to_string(),
            ada_first.size.to_string(),
        ]
    );
    assert_eq!(all[1][1], "bob");
    assert_eq!(all[1][3], "", "bob's only snapshot is the newest");
    assert_eq!(all[2][1], "ada");

    // The Backups page's query: quick search, advanced filter, newest first by default.
    let reply = app.get("/files/snapshots.csv?q=BO", Some(&cookie)).await;
    let found = rows(&reply.body);
    assert_eq!(found.len(), 1, "{}", reply.body);
    assert_eq!(found[0][1], "bob");
    let reply = app
        .get(
            "/files/snapshots.csv?filter=userName%20eq%20%22ada%22",
            Some(&cookie),
        )
        .await;
    let found = rows(&reply.body);
    assert_eq!(found.len(), 2, "{}", reply.body);
    assert!(found[0][2] > found[1][2], "newest first: {found:?}");
    let reply = app
        .get(
            "/files/snapshots.csv?filter=shoeSize%20eq%201",
            Some(&cookie),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );

    let reply = app
        .get(
            &format!("/files/snapshots.csv?user={}", bob.0),
            Some(&cookie),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let only_bob = rows(&reply.body);
    assert_eq!(only_bob.len(), 1);
    assert_eq!(only_bob[0][1], "bob");
    assert_eq!(
        reply.header(header::CONTENT_DISPOSITION),
        format!("attachment; filename=\"snapshots-user-{}.csv\"", bob.0)
    );
}

#[tokio::test]
async fn snapshots_csv_follows_the_backups_page_view_with_its_headers_and_order() {
    let app = TestApp::new().await;
    let (ada, _) = two_users(&app.store).await;
    let cookie = app.login().await;
    let reply = app
        .get(
            "/files/snapshots.csv?sort=%2Bsince&view=validSince,userName,xml",
            Some(&cookie),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mut lines = reply.body.trim_start_matches('\u{feff}').lines();
    assert_eq!(lines.next(), Some("Valid since,User name,XML"));
    let ada_first = app.store.list_snapshots(ada).await.unwrap().pop().unwrap();
    assert_eq!(
        lines.next(),
        Some(
            format!(
                "2023-11-14T22:13:20Z,ada,/files/snapshots/{}.xml",
                ada_first.id
            )
            .as_str()
        )
    );
    // A column the table does not have is refused by name; nothing is written.
    let reply = app
        .get("/files/snapshots.csv?view=userName,shoeSize", Some(&cookie))
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(reply.body.contains("shoeSize"), "{}", reply.body);
}
