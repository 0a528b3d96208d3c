//! Hostile input over HTTP, with the real router and a real store on either backend: every
//! answer is a clear error, nothing changes, and the server keeps serving.
mod common;
use app::model::*;
use app::state::AuthConfig;
use app::store::{Author, ImportRequest, Store};
use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::Router;
use common::{session, urlencode, Reply};

struct Fixture {
    router: Router,
    store: Store,
    /// Session cookie of an Auditor: read-only, the least trusted signed-in operator.
    auditor: String,
    staff: GroupId,
}

async fn fixture() -> Fixture {
    let store = app::testing::fresh_store().await;
    let router = common::router(&store, AuthConfig::default());
    let (_, auditor) = common::owner_and_auditor(&store).await;
    let staff = store
        .create_group(
            &Author::named("tester"),
            &GroupInput {
                name: "Staff".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    Fixture {
        auditor: session(&store, &auditor).await,
        router,
        store,
        staff,
    }
}

impl Fixture {
    async fn get(&self, path: &str) -> Reply {
        common::send(&self.router, common::get(path, Some(&self.auditor))).await
    }

    async fn list_users(&self, filter: &str) -> Reply {
        let body = serde_json::json!({"query": {"as_of": null, "search": "", "filter": filter,
            "sort": "Name", "descending": false, "offset": 0, "limit": 10}});
        let request = common::post("/api/list_users", Some(&self.auditor))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        common::send(&self.router, request).await
    }
}

/// The queries that overflowed the stack of the whole server before queries were bounded.
fn hostile_queries() -> Vec<(&'static str, String)> {
    vec![
        ("nots", format!("{}userName pr", "not ".repeat(60_000))),
        (
            "parentheses",
            format!("{}userName pr{}", "(".repeat(60_000), ")".repeat(60_000)),
        ),
        ("and chain", vec!["userName pr"; 30_000].join(" and ")),
        // Within what a URL carries (http refuses URIs from 64 KiB).
        (
            "nots in a URL",
            format!("{}userName pr", "not ".repeat(9_000)),
        ),
        (
            "short deep nots",
            format!("{}userName pr", "not ".repeat(MAX_QUERY_DEPTH + 1)),
        ),
    ]
}

#[tokio::test]
async fn hostile_queries_get_a_located_error_from_every_list_and_the_server_keeps_serving() {
    let f = fixture().await;
    f.store
        .create_user(
            &Author::named("tester"),
            &UserInput {
                name: "ann".into(),
                primary_group: f.staff,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for (name, query) in hostile_queries() {
        let encoded = urlencode(&query);
        let paths = if encoded.len() < 60_000 {
            vec![
                format!("/files/users.csv?filter={encoded}"),
                format!("/files/snapshots.csv?filter={encoded}"),
            ]
        } else {
            Vec::new()
        };
        for path in paths {
            let reply = f.get(&path).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
            assert!(reply.body.contains("At column"), "{name}: {}", reply.body);
        }
        let reply = f.list_users(&query).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(reply.body.contains("At column"), "{name}: {}", reply.body);
    }
    // Still serving, and a query at the limits is answered.
    let at_limit = vec!["userName pr"; MAX_QUERY_CONDITIONS].join(" and ");
    let reply = f.list_users(&at_limit).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body.contains("\"ann\""), "{}", reply.body);
}

/// The CSV records of a download, after the byte-order mark (header first).
fn csv_records(reply: &Reply) -> Vec<Vec<String>> {
    let body = reply.bytes.strip_prefix(b"\xEF\xBB\xBF").expect("BOM");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[tokio::test]
async fn csv_downloads_quote_formula_cells_and_an_import_of_the_download_gives_the_values_back() {
    let f = fixture().await;
    let author = Author::named("tester");
    let formulas = [
        "=HYPERLINK(\"http://evil.test\",\"x\")",
        "+1+2",
        "-3",
        "@SUM(A1)",
        "'=already quoted",
    ];
    let input = UserInput {
        name: "mallory".into(),
        first_name: formulas[0].into(),
        middle_name: formulas[1].into(),
        last_name: formulas[2].into(),
        comments: formulas[3].into(),
        user_type: formulas[4].into(),
        primary_group: f.staff,
        ..Default::default()
    };
    let user = f.store.create_user(&author, &input).await.unwrap();

    let reply = f
        .get("/files/users.csv?columns=userName,firstName,middleName,lastName,comments,userType")
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let records = csv_records(&reply);
    let cells = &records[1][1..];
    for (cell, formula) in cells.iter().zip(formulas) {
        assert_eq!(
            cell,
            &format!("'{formula}"),
            "a spreadsheet shows it as text"
        );
    }

    // Change the user, then import the download: every value comes back exactly.
    f.store
        .update_user(
            &author,
            user,
            &UserInput {
                first_name: "changed".into(),
                comments: "changed".into(),
                ..input.clone()
            },
        )
        .await
        .unwrap();
    let file = reply.bytes.clone();
    let outcome = f
        .store
        .import_csv(
            &author,
            &ImportRequest {
                kind: ImportKind::Users,
                file,
                mapping: None,
                apply: true,
            },
        )
        .await
        .unwrap();
    assert!(outcome.applied && outcome.invalid == 0, "{outcome:?}");
    let after = f.store.get_user(user, None).await.unwrap();
    assert_eq!(after.state.attributes.first_name, formulas[0]);
    assert_eq!(after.state.attributes.middle_name, formulas[1]);
    assert_eq!(after.state.attributes.last_name, formulas[2]);
    assert_eq!(after.state.attributes.comments, formulas[3]);
    assert_eq!(after.state.attributes.user_type, formulas[4]);
}

#[tokio::test]
async fn an_upload_that_fails_on_the_server_gives_a_reference_and_no_system_message() {
    let store = app::testing::fresh_store().await;
    let dir = tempfile::tempdir().unwrap();
    // The backup "directory" is a file: creating the upload there fails in the kernel.
    let blocked = dir.path().join("not-a-directory");
    std::fs::write(&blocked, b"x").unwrap();
    let options = leptos::prelude::LeptosOptions::builder()
        .output_name("rewind")
        .build();
    let state = server::app_state_with(
        options,
        store.clone(),
        AuthConfig::default(),
        app::backup::SystemBackupConfig {
            dir: blocked.join("backups"),
            ..Default::default()
        },
    );
    let router = server::router(state);
    let owner = store
        .create_owner(None, "olivia", "Olivia Owner", "owner password 1")
        .await
        .unwrap();
    let cookie = session(&store, &owner).await;
    let boundary = "XBOUNDARYX";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.age\"\r\n\
         Content-Type: application/octet-stream\r\n\r\nabc\r\n--{boundary}--\r\n"
    );
    let request = common::post("/files/system-backups/import", Some(&cookie))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    let reply = common::send(&router, request).await;
    assert_eq!(
        reply.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        reply.body
    );
    let error: app::error::AppError = serde_json::from_str(&reply.body).unwrap();
    let app::error::AppError::Internal(reference) = &error else {
        panic!("{error:?}");
    };
    assert!(
        reference.len() == 8 && reference.chars().all(|c| c.is_ascii_hexdigit()),
        "only a reference reaches the browser: {}",
        reply.body
    );
    assert!(
        !reply.body.to_lowercase().contains("directory"),
        "{}",
        reply.body
    );
}
