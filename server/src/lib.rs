//! The HTTP server: Leptos routes and server functions behind an Origin check and security\n//! headers.
pub mod api;
pub mod audit_csv;
pub mod csv_files;
pub mod files;
pub mod load;
pub mod oidc;
pub mod scim;
pub mod sod_csv;
pub mod static_files;

use app::backup::{SystemBackupConfig, SystemBackups};
use app::state::{AppState, AuthConfig};
use app::store::Store;
use app::{shell, App};
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use leptos::prelude::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;

pub fn app_state(leptos_options: LeptosOptions, store: Store, auth: AuthConfig) -> AppState {
    app_state_with(leptos_options, store, auth, SystemBackupConfig::default())
}

pub fn app_state_with(
    leptos_options: LeptosOptions,
    store: Store,
    auth: AuthConfig,
    backups: SystemBackupConfig,
) -> AppState {
    AppState {
        leptos_options,
        store,
        auth: Arc::new(auth),
        system_backup: Arc::new(SystemBackups::new(backups)),
        api_reference: Arc::new(serde_json::to_value(api::openapi()).unwrap_or_default()),
        oidc: None,
    }
}

/// The whole application router; tests drive it with `tower::ServiceExt::oneshot`.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = &state.leptos_options;
    let site_root = std::path::Path::new(&*options.site_root);
    let pkg_dir = options.site_pkg_dir.trim_matches('/');
    // Neither a route nor a public file: the app's "Page not found" (leptos_axum's handler,
    // whose own look for a file finds nothing by then).
    let not_found = tower::util::BoxCloneSyncService::new(axum::handler::Handler::with_state(
        leptos_axum::file_and_error_handler::<AppState, _>(shell),
        state.clone(),
    ));
    Router::new()
        .leptos_routes(&state, routes, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            app::auth::attach_page_session,
        ))
        .merge(files::routes())
        .merge(csv_files::routes())
        .merge(sod_csv::routes())
        .merge(audit_csv::routes())
        .merge(scim::routes())
        .merge(api::routes(&state))
        .merge(oidc::routes())
        .route("/healthz", axum::routing::get(healthz))
        .nest_service(
            &format!("/{pkg_dir}"),
            static_files::pkg(&site_root.join(pkg_dir)),
        )
        .fallback_service(static_files::public(site_root, not_found))
        .layer(middleware::from_fn(reject_foreign_origin))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// GET /healthz, for load balancers and monitoring (no session needed, no details given away):
/// 200 when the database answers and its schema is this server's, 503 otherwise. The reason
/// is one short phrase; the server log has the error itself.
async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    let (status, body) = match state.store.health().await {
        Ok(health) if health.pending.is_empty() && health.unknown.is_empty() => (
            StatusCode::OK,
            serde_json::json!({
                "status": "ok",
                "database": state.store.backend().name(),
                "schema_version": health.schema_version,
                "version": env!("CARGO_PKG_VERSION"),
            }),
        ),
        Ok(health) => {
            let problem = if health.pending.is_empty() {
                "the database schema is newer than this server"
            } else {
                "database migrations are pending"
            };
            tracing::warn!(?health, "health check: {problem}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                serde_json::json!({ "status": "unavailable", "problem": problem }),
            )
        }
        Err(error) => {
            tracing::warn!(%error, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                serde_json::json!({ "status": "unavailable", "problem": "database unreachable" }),
            )
        }
    };
    (status, axum::Json(body)).into_response()
}

/// The Content-Security-Policy: only this site's scripts, styles and connections. Hydration
/// needs the inline module script Leptos writes into the page (it carries `nonce`) and
/// `'wasm-unsafe-eval'` to compile the wasm bundle; nothing may frame the console.
fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Security headers on every response, and a fresh script nonce for every page.
async fn security_headers(mut request: Request, next: Next) -> Response {
    let nonce: Arc<str> = app::store::random_token()[..32].into();
    request
        .extensions_mut()
        .insert(app::auth::CspNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if let Ok(policy) = HeaderValue::from_str(&content_security_policy(&nonce)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Pages, server functions and file routes show one operator's data: no cache keeps them.
    // Static files set their own policy (static_files).
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// Refuses state-changing requests that a browser sent on behalf of another site.
async fn reject_foreign_origin(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    // `/scim/` and `/api/v1/` answer bearer tokens only and never read a cookie, so a request
    // from another site carries no ambient authority there: other systems call from anywhere.
    let path = request.uri().path();
    let bearer_only = path.starts_with("/scim/") || path.starts_with("/api/v1/");
    if !safe && !bearer_only && is_cross_site(&request) {
        return (
            StatusCode::FORBIDDEN,
            "Refused: this request came from another site (Origin does not match Host), or \
             does not say where it came from.",
        )
            .into_response();
    }
    next.run(request).await
}

/// A state-changing request must show it comes from this site: by `Origin` (sent by every
/// current browser on POST), else by `Sec-Fetch-Site: same-origin`, else by a same-site
/// `Referer`. A request with none of them is refused: it did not come from the console.
fn is_cross_site(request: &Request) -> bool {
    let headers = request.headers();
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let host = text(header::HOST).or_else(|| request.uri().authority().map(|a| a.as_str()));
    fn authority(url: &str) -> Option<&str> {
        url.split_once("://")
            .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or_default())
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin_host = origin.to_str().ok().and_then(authority);
        return host.is_none() || origin_host != host;
    }
    if let Some(site) = headers.get("sec-fetch-site") {
        return site.to_str().ok() != Some("same-origin");
    }
    match text(header::REFERER).and_then(authority) {
        Some(referer_host) => host.is_none() || Some(referer_host) != host,
        None => true,
    }
}
