//! GET /healthz for load balancers, on either backend: 200 when the database answers with this
//! server's schema, 503 with a short reason otherwise; no session needed, nothing cached.
mod common;
use app::state::AuthConfig;
use axum::http::{header, StatusCode};

#[tokio::test]
async fn health_is_ok_with_the_current_schema_and_unavailable_when_migrations_differ() {
    let store = app::testing::fresh_store().await;
    let router = common::router(&store, AuthConfig::default());
    let reply = common::send(&router, common::get("/healthz", None)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.header(header::CACHE_CONTROL), "no-store");
    let body = reply.json();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], store.backend().name());
    let newest = body["schema_version"].as_i64().unwrap();
    assert!(newest >= 54, "{body}");

    // The newest migration undone in the bookkeeping: pending.
    sqlx::query("UPDATE _sqlx_migrations SET version = -version WHERE version = $1")
        .bind(newest)
        .execute(store.pool())
        .await
        .unwrap();
    let reply = common::send(&router, common::get("/healthz", None)).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    let body = reply.json();
    assert_eq!(body["status"], "unavailable");
    // Both differences are there now: one pending, one unknown; pending is said first.
    assert_eq!(body["problem"], "database migrations are pending");

    // Only an unknown (newer) migration: the database belongs to a newer server.
    sqlx::query("UPDATE _sqlx_migrations SET version = -version WHERE version = $1")
        .bind(-newest)
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         SELECT 999999, 'from a newer server', success, checksum, execution_time \
         FROM _sqlx_migrations WHERE version = $1",
    )
    .bind(newest)
    .execute(store.pool())
    .await
    .unwrap();
    let reply = common::send(&router, common::get("/healthz", None)).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        reply.json()["problem"],
        "the database schema is newer than this server"
    );
}

#[tokio::test]
async fn health_is_unavailable_without_details_when_the_database_is_gone() {
    let store = app::testing::fresh_store().await;
    let router = common::router(&store, AuthConfig::default());
    store.close().await;
    let reply = common::send(&router, common::get("/healthz", None)).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        reply.json(),
        serde_json::json!({"status": "unavailable", "problem": "database unreachable"})
    );
}
