//! Helpers shared by the HTTP test crates: the real router on a fresh store (either backend,
//! see app::testing), requests made the way the hydrated page makes them, and their replies.
// Each test crate uses its own part of these.
#![allow(dead_code)]
pub mod api;
pub mod backup;
pub mod scim;
use app::model::Operator;
use app::state::AuthConfig;
use app::store::Store;
use axum::body::Body;
use axum::http::{header, request, HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery";

/// The application's router over `store`, as `server` builds it.
pub fn router(store: &Store, auth: AuthConfig) -> Router {
    let options = LeptosOptions::builder().output_name("rewind").build();
    server::router(server::app_state(options, store.clone(), auth))
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
    /// The body as text (lossy), for messages and JSON.
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    pub fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The `name=value` of a session cookie the reply sets (not one it clears).
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("rewind_session=") && !v.starts_with("rewind_session=;"))
            .map(|v| v.split(';').next().unwrap().to_string())
    }
}

pub async fn send(router: &Router, request: Request<Body>) -> Reply {
    let response = router.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes,
    }
}

/// A same-origin POST, as the hydrated page sends it; the caller adds type and body.
pub fn post(uri: &str, cookie: Option<&str>) -> request::Builder {
    with_cookie(
        Request::post(uri)
            .header(header::HOST, "localhost")
            .header(header::ORIGIN, "http://localhost")
            .header(header::ACCEPT, "application/json"),
        cookie,
    )
}

pub fn get(uri: &str, cookie: Option<&str>) -> Request<Body> {
    with_cookie(Request::get(uri).header(header::HOST, "localhost"), cookie)
        .body(Body::empty())
        .unwrap()
}

fn with_cookie(request: request::Builder, cookie: Option<&str>) -> request::Builder {
    match cookie {
        Some(cookie) => request.header(header::COOKIE, cookie),
        None => request,
    }
}

/// `application/x-www-form-urlencoded` text of `form`.
pub fn form_body(form: &[(&str, &str)]) -> String {
    form.iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A server function call with form-encoded arguments (the default server function encoding).
pub async fn call(
    router: &Router,
    function: &str,
    form: &[(&str, &str)],
    cookie: Option<&str>,
) -> Reply {
    let request = post(&format!("/api/{function}"), cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form_body(form)))
        .unwrap();
    send(router, request).await
}

/// A server function call from the TCP peer `peer` (an IP address), as axum's ConnectInfo
/// reports it when the server runs `into_make_service_with_connect_info`.
pub async fn call_from_peer(
    router: &Router,
    peer: &str,
    function: &str,
    form: &[(&str, &str)],
    cookie: Option<&str>,
) -> Reply {
    let mut request = post(&format!("/api/{function}"), cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form_body(form)))
        .unwrap();
    let ip: std::net::IpAddr = peer.parse().expect("an IP address");
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::new(
            ip, 40000,
        )));
    send(router, request).await
}

/// Signs in through the login server function; returns the session cookie.
pub async fn login(router: &Router, username: &str, password: &str) -> String {
    let reply = call(
        router,
        "login",
        &[("username", username), ("password", password)],
        None,
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "login {username}: {}",
        reply.body
    );
    reply.session_cookie().expect("session cookie")
}

/// The Owner "olivia" and an Auditor "audrey" (passwords "owner password 1" and "auditor
/// password 1"), made directly in the store.
pub async fn owner_and_auditor(store: &Store) -> (Operator, Operator) {
    let owner = store
        .create_owner(None, "olivia", "Olivia Owner", "owner password 1")
        .await
        .unwrap();
    let auditor = store
        .add_operator(
            &owner,
            app::store::NewOperator {
                username: "audrey".into(),
                display_name: "Audrey Auditor".into(),
                role: app::model::OperatorRole::Auditor,
                password: "auditor password 1".into(),
            },
        )
        .await
        .unwrap();
    (owner, auditor)
}

/// A session for `operator` made directly in the store (no password hashing: fast).
pub async fn session(store: &Store, operator: &Operator) -> String {
    let token = app::store::random_token();
    store
        .create_session(operator.id, &token, 3600)
        .await
        .unwrap();
    format!("rewind_session={token}")
}

/// Makes the session behind `cookie` look as if its password was entered `secs` ago.
pub async fn age_password_entry(store: &Store, cookie: &str, secs: i64) {
    let token = cookie.trim_start_matches("rewind_session=");
    sqlx::query("UPDATE sessions SET password_at = password_at - $1 WHERE token_hash = $2")
        .bind(secs * 1_000_000)
        .bind(app::store::token_hash(token))
        .execute(store.pool())
        .await
        .unwrap();
}

/// Percent-encodes a form value (RFC 3986 unreserved characters pass through).
pub fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A 30-day API token of `owner` named `name` with `permissions`: its secret.
pub async fn api_token(
    store: &Store,
    owner: &Operator,
    name: &str,
    permissions: &[app::model::Permission],
) -> String {
    store
        .create_api_token(
            owner,
            &app::model::NewApiToken {
                name: name.into(),
                days: 30,
                permissions: permissions.to_vec(),
            },
        )
        .await
        .unwrap()
        .secret
}
