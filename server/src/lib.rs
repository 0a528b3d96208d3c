//! The HTTP server: Leptos routes and server functions behind an Origin check.
pub mod csv_files;
pub mod files;

use app::backup::{SystemBackupConfig, SystemBackups};
use app::state::{AppState, AuthConfig};
use app::store::Store;
use app::{shell, App};
use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
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
    }
}

/// The whole application router; tests drive it with `tower::ServiceExt::oneshot`.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    Router::new()
        .leptos_routes(&state, routes, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .merge(files::routes())
        .merge(csv_files::routes())
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(reject_foreign_origin))
        .with_state(state)
}

/// Refuses state-changing requests that a browser sent on behalf of another site.
async fn reject_foreign_origin(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && is_cross_site(&request) {
        return (
            StatusCode::FORBIDDEN,
            "Refused: this request came from another site (Origin does not match Host).",
        )
            .into_response();
    }
    next.run(request).await
}

fn is_cross_site(request: &Request) -> bool {
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match headers.get(header::ORIGIN) {
        Some(origin) => {
            let origin_host = origin
                .to_str()
                .ok()
                .and_then(|o| o.split_once("://"))
                .map(|(_, rest)| rest.trim_end_matches('/'));
            origin_host.is_none() || origin_host != host
        }
        None => headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|site| site == "cross-site"),
    }
}
