//! The OpenID Connect routes through the real router: a callback without this browser's
//! sign-in in progress, with a wrong state, or with the provider's error goes back to the sign-in
//! page with a refusal code (never a 500) and uses the sign-in up; an unreachable provider is
//! said so; nothing answers when OpenID Connect is not configured (both backends).
mod common;
use app::model::OidcRefusal;
use app::oidc::{Oidc, OidcConfig};
use app::state::AuthConfig;
use app::store::{PendingSignIn, Store};
use axum::http::{header, StatusCode};
use axum::Router;
use common::{get, send};
use std::sync::Arc;

/// A router whose provider is a closed port on loopback: nothing here reaches it except the
/// start of a sign-in, which must then fail cleanly.
async fn configured() -> (Router, Store) {
    let store = app::testing::fresh_store().await;
    common::owner_and_auditor(&store).await;
    let config = OidcConfig::from_vars(|name| {
        match name {
            "REWIND_OIDC_ISSUER" => Some("http://127.0.0.1:9"),
            "REWIND_OIDC_CLIENT_ID" => Some("rewind"),
            "REWIND_OIDC_CLIENT_SECRET" => Some("secret"),
            "REWIND_OIDC_REDIRECT_URL" => Some("http://localhost/auth/oidc/callback"),
            "REWIND_OIDC_PROVIDER_NAME" => Some("Test IdP"),
            "REWIND_OIDC_ADMIN_VALUES" => Some("rewind-admins"),
            _ => None,
        }
        .map(str::to_string)
    })
    .unwrap()
    .unwrap();
    let options = leptos::prelude::LeptosOptions::builder()
        .output_name("rewind")
        .build();
    let mut state = server::app_state(options, store.clone(), AuthConfig::default());
    state.oidc = Some(Arc::new(Oidc::new(config).unwrap()));
    (server::router(state), store)
}

async fn pending(store: &Store, key: &str) {
    let sign_in = PendingSignIn {
        csrf_state: "the-state".into(),
        nonce: "n".into(),
        pkce_verifier: "v".into(),
        purpose: "login".into(),
        session_hash: None,
        return_to: "/".into(),
        created_at: chrono::Utc::now(),
    };
    store.start_oidc_sign_in(key, &sign_in).await.unwrap();
}

/// Where the landing page sends the browser on.
fn goes_to(body: &str) -> &str {
    let start = body.find("url=").expect("a refresh") + 4;
    &body[start..start + body[start..].find('"').unwrap()]
}

async fn audited(store: &Store, code: &str) -> bool {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'session.login' AND outcome = 'denied'
         AND details LIKE $1",
    )
    .bind(format!("%{code}%"))
    .fetch_one(store.pool())
    .await
    .unwrap();
    n > 0
}

#[tokio::test]
async fn a_callback_without_this_browsers_sign_in_is_refused_as_expired() {
    let (router, store) = configured().await;
    let reply = send(
        &router,
        get("/auth/oidc/callback?code=abc&state=the-state", None),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(goes_to(&reply.body), "/login?oidc_error=expired");
    assert!(reply.session_cookie().is_none());
    assert!(audited(&store, OidcRefusal::Expired.code()).await);
}

#[tokio::test]
async fn a_callback_with_a_wrong_or_missing_state_is_refused_and_uses_the_sign_in_up() {
    let (router, store) = configured().await;
    for query in ["code=abc&state=forged", "code=abc"] {
        pending(&store, "browser-key").await;
        let reply = send(
            &router,
            get(
                &format!("/auth/oidc/callback?{query}"),
                Some("rewind_oidc=browser-key"),
            ),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(goes_to(&reply.body), "/login?oidc_error=invalid", "{query}");
        assert!(reply.session_cookie().is_none());
        // The flow cookie is cleared and the sign-in cannot be replayed.
        assert!(reply
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("rewind_oidc=;")));
        assert!(store
            .take_oidc_sign_in("browser-key")
            .await
            .unwrap()
            .is_none());
    }
    assert!(audited(&store, OidcRefusal::Invalid.code()).await);
}

#[tokio::test]
async fn the_providers_error_is_said_in_words_not_a_500() {
    let (router, store) = configured().await;
    pending(&store, "k1").await;
    let denied = send(
        &router,
        get(
            "/auth/oidc/callback?error=access_denied&error_description=%3Cscript%3E&state=the-state",
            Some("rewind_oidc=k1"),
        ),
    )
    .await;
    assert_eq!(goes_to(&denied.body), "/login?oidc_error=denied");
    assert!(!denied.body.contains("<script>"));
    pending(&store, "k2").await;
    let other = send(
        &router,
        get(
            "/auth/oidc/callback?error=server_error&state=the-state",
            Some("rewind_oidc=k2"),
        ),
    )
    .await;
    assert_eq!(goes_to(&other.body), "/login?oidc_error=provider-error");
    // Another provider naming itself in the answer (RFC 9207) is refused.
    pending(&store, "k3").await;
    let mixed_up = send(
        &router,
        get(
            "/auth/oidc/callback?code=abc&state=the-state&iss=https%3A%2F%2Fevil.example",
            Some("rewind_oidc=k3"),
        ),
    )
    .await;
    assert_eq!(goes_to(&mixed_up.body), "/login?oidc_error=invalid");
}

#[tokio::test]
async fn an_unreachable_provider_is_said_so_and_a_confirmation_needs_a_session() {
    let (router, _) = configured().await;
    let start = send(&router, get("/auth/oidc/start", None)).await;
    assert_eq!(start.status, StatusCode::OK, "{}", start.body);
    assert_eq!(goes_to(&start.body), "/login?oidc_error=unavailable");
    let confirm = send(
        &router,
        get(
            "/auth/oidc/start?purpose=confirm&return_to=/operators",
            None,
        ),
    )
    .await;
    assert_eq!(goes_to(&confirm.body), "/login");
}

#[tokio::test]
async fn linking_needs_a_session_with_a_freshly_entered_password() {
    let (router, store) = configured().await;
    let start = "/auth/oidc/start?purpose=link&return_to=/profile";
    assert_eq!(
        goes_to(&send(&router, get(start, None)).await.body),
        "/login"
    );
    let owner = store.list_operators().await.unwrap().remove(0);
    let cookie = common::session(&store, &owner).await;
    common::age_password_entry(&store, &cookie, 3600).await;
    let stale = send(&router, get(start, Some(&cookie))).await;
    assert_eq!(stale.status, StatusCode::OK, "{}", stale.body);
    assert_eq!(goes_to(&stale.body), "/profile?oidc_error=confirm-first");
    // Freshly entered: on to the provider (unreachable here, and said so on the same page).
    let cookie = common::session(&store, &owner).await;
    let fresh = send(&router, get(start, Some(&cookie))).await;
    assert_eq!(goes_to(&fresh.body), "/profile?oidc_error=unavailable");
    assert!(fresh.session_cookie().is_none());
}

#[tokio::test]
async fn a_link_that_comes_back_wrong_returns_to_its_page_and_is_audited() {
    let (router, store) = configured().await;
    let link = PendingSignIn {
        csrf_state: "the-state".into(),
        nonce: "n".into(),
        pkce_verifier: "v".into(),
        purpose: "link".into(),
        session_hash: Some("h".into()),
        return_to: "/profile".into(),
        created_at: chrono::Utc::now(),
    };
    store.start_oidc_sign_in("k", &link).await.unwrap();
    let reply = send(
        &router,
        get(
            "/auth/oidc/callback?code=abc&state=forged",
            Some("rewind_oidc=k"),
        ),
    )
    .await;
    assert_eq!(goes_to(&reply.body), "/profile?oidc_error=invalid");
    assert!(reply.session_cookie().is_none());
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'operator.link-identity'
         AND outcome = 'denied'",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn without_oidc_settings_the_routes_do_not_answer() {
    let store = app::testing::fresh_store().await;
    let router = common::router(&store, AuthConfig::default());
    for path in ["/auth/oidc/start", "/auth/oidc/callback?code=a&state=b"] {
        assert_eq!(
            send(&router, get(path, None)).await.status,
            StatusCode::NOT_FOUND
        );
    }
}
