//! Server-rendered pages: the console frame knows the visitor before it renders (the session
//! is looked up for the page request, not awaited inside the page), and the page's data and
//! hydration ids are the same on every render.
mod common;
use app::state::AuthConfig;
use axum::body::Body;
use axum::http::Request;
use axum::http::{header, StatusCode};
use common::{send, PASSWORD};

/// A page request as a browser sends it (a redirect is a 302 only for HTML requests).
fn get(uri: &str, cookie: Option<&str>) -> Request<Body> {
    let request = Request::get(uri)
        .header(header::HOST, "localhost")
        .header(header::ACCEPT, "text/html,application/xhtml+xml");
    match cookie {
        Some(cookie) => request.header(header::COOKIE, cookie),
        None => request,
    }
    .body(Body::empty())
    .unwrap()
}

#[tokio::test]
async fn a_page_sends_visitors_to_setup_then_to_sign_in_before_rendering() {
    let store = app::testing::fresh_store().await;
    let router = common::router(&store, AuthConfig::default());

    let reply = send(&router, get("/users", None)).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    assert_eq!(reply.header(header::LOCATION), "/setup");

    store
        .create_owner(None, "olivia", "Olivia Owner", PASSWORD)
        .await
        .expect("owner");
    let reply = send(&router, get("/users", None)).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    assert_eq!(reply.header(header::LOCATION), "/login");
}

#[tokio::test]
async fn a_signed_in_page_renders_the_frame_and_the_same_hydration_ids_every_time() {
    let store = app::testing::fresh_store().await;
    let router = common::router(&store, AuthConfig::default());
    store
        .create_owner(None, "olivia", "Olivia Owner", PASSWORD)
        .await
        .expect("owner");
    let cookie = common::login(&router, "olivia", PASSWORD).await;
    let system = common::call(
        &router,
        "create_system",
        &[("name", "Payroll"), ("description", "")],
        Some(&cookie),
    )
    .await;
    assert!(system.status.is_success(), "{}", system.body);
    let id: i64 = system.body.trim().parse().expect("system id");

    let mut seen = Vec::new();
    for _ in 0..8 {
        let reply = send(&router, get(&format!("/systems/{id}"), Some(&cookie))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert!(
            reply.body.contains("Olivia Owner"),
            "the frame names the operator"
        );
        assert!(
            reply.body.contains("System Payroll"),
            "the page's data is in the served HTML"
        );
        let ids = reply
            .body
            .split_once("__PENDING_RESOURCES=[")
            .and_then(|(_, rest)| rest.split_once(']'))
            .map(|(ids, _)| ids.to_string())
            .expect("serialized resources");
        seen.push(ids);
    }
    seen.dedup();
    assert_eq!(
        seen.len(),
        1,
        "the resources' hydration ids differ between renders: {seen:?}"
    );
}
