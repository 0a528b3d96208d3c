//! The site's files as `cargo xtask build` lays them out: precompressed copies chosen by
//! Accept-Encoding, a year's `immutable` caching for content-hashed names, revalidation of
//! public files, 404 for a missing bundle file and no-store for pages.
mod common;
use app::state::AuthConfig;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use leptos::prelude::LeptosOptions;

const WASM: &str = "/pkg/rewind.0123456789abcdef.wasm";

/// The router over a site directory holding a hashed wasm file with `.br` and `.gz` copies
/// (their contents tell them apart), an unhashed pkg file and a public file.
async fn site() -> (Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("pkg");
    std::fs::create_dir(&pkg).unwrap();
    std::fs::write(pkg.join("rewind.0123456789abcdef.wasm"), "plain wasm").unwrap();
    std::fs::write(pkg.join("rewind.0123456789abcdef.wasm.br"), "brotli wasm").unwrap();
    std::fs::write(pkg.join("rewind.0123456789abcdef.wasm.gz"), "gzip wasm").unwrap();
    std::fs::write(pkg.join("rewind.js"), "unhashed glue").unwrap();
    std::fs::write(dir.path().join("robots.txt"), "User-agent: *\n").unwrap();
    let store = app::testing::fresh_store().await;
    let options = LeptosOptions::builder()
        .output_name("rewind")
        .site_root(dir.path().to_string_lossy().to_string())
        .build();
    let router = server::router(server::app_state(options, store, AuthConfig::default()));
    (router, dir)
}

fn get(uri: &str, headers: &[(header::HeaderName, &str)]) -> Request<Body> {
    let mut request = Request::get(uri).header(header::HOST, "localhost");
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    request.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn brotli_copy_is_served_when_the_browser_accepts_it() {
    let (router, _dir) = site().await;
    let reply = common::send(
        &router,
        get(
            WASM,
            &[(header::ACCEPT_ENCODING, "gzip, deflate, br, zstd")],
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "brotli wasm");
    assert_eq!(reply.header(header::CONTENT_ENCODING), "br");
    assert_eq!(reply.header(header::CONTENT_TYPE), "application/wasm");
    assert_eq!(reply.header(header::VARY), "accept-encoding");
}

#[tokio::test]
async fn gzip_copy_when_brotli_is_not_accepted_and_plain_file_otherwise() {
    let (router, _dir) = site().await;
    let reply = common::send(&router, get(WASM, &[(header::ACCEPT_ENCODING, "gzip")])).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "gzip wasm");
    assert_eq!(reply.header(header::CONTENT_ENCODING), "gzip");
    assert_eq!(reply.header(header::VARY), "accept-encoding");

    let reply = common::send(&router, get(WASM, &[])).await;
    assert_eq!(reply.body, "plain wasm");
    assert!(reply.headers.get(header::CONTENT_ENCODING).is_none());
}

#[tokio::test]
async fn content_hashed_files_are_cached_for_a_year_and_others_revalidated() {
    let (router, _dir) = site().await;
    let reply = common::send(&router, get(WASM, &[])).await;
    assert_eq!(
        reply.header(header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    // The security headers stay on static files too.
    assert_eq!(reply.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");

    let reply = common::send(&router, get("/pkg/rewind.js", &[])).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header(header::CACHE_CONTROL), "no-cache");

    let reply = common::send(&router, get("/robots.txt", &[])).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "User-agent: *\n");
    assert_eq!(reply.header(header::CACHE_CONTROL), "public, max-age=300");
}

#[tokio::test]
async fn public_file_revalidation_answers_304_while_unchanged() {
    let (router, _dir) = site().await;
    let first = common::send(&router, get("/robots.txt", &[])).await;
    let last_modified = first.header(header::LAST_MODIFIED).to_string();
    assert!(!last_modified.is_empty());

    let again = common::send(
        &router,
        get(
            "/robots.txt",
            &[(header::IF_MODIFIED_SINCE, &last_modified)],
        ),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.bytes.is_empty());
    assert_eq!(again.header(header::CACHE_CONTROL), "public, max-age=300");

    let stale = common::send(
        &router,
        get(
            "/robots.txt",
            &[(header::IF_MODIFIED_SINCE, "Mon, 01 Jan 2001 00:00:00 GMT")],
        ),
    )
    .await;
    assert_eq!(stale.status, StatusCode::OK);
}

#[tokio::test]
async fn missing_bundle_file_is_a_plain_404_and_unknown_pages_the_apps_404() {
    let (router, _dir) = site().await;
    let reply = common::send(&router, get("/pkg/rewind.fedcba9876543210.wasm", &[])).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(!reply.body.contains("<html"), "{}", reply.body);
    assert_eq!(reply.header(header::CACHE_CONTROL), "no-store");

    let reply = common::send(&router, get("/no-such-page", &[])).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.body.contains("<html"), "{}", reply.body);
    assert_eq!(reply.header(header::CACHE_CONTROL), "no-store");
}

#[tokio::test]
async fn pages_are_not_stored() {
    let (router, _dir) = site().await;
    let reply = common::send(&router, get("/login", &[])).await;
    // Without an Owner the sign-in page sends the browser to /setup.
    assert!(reply.status.is_success() || reply.status.is_redirection());
    assert_eq!(reply.header(header::CACHE_CONTROL), "no-store");
}
