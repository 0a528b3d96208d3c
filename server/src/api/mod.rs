//! The REST API, `/api/v1`: bearer API tokens only (`authorize_bearer`, the same permission
//! check and audit as the console's server functions; a cookie never authenticates here, so
//! no Origin check applies), JSON with one error shape, RFC 3339 instants in UTC, cursor
//! paging. Every route is registered with `utoipa_axum::routes!`, which puts it in the
//! OpenAPI 3.1 document served at `/api/openapi.json` — a route cannot exist undocumented.
mod changes;

use app::error::AppError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use app::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rewind API",
        description = "History, snapshots and restore of an identity store. Authenticate with \
                       `Authorization: Bearer rwd_…`, an API token from the console's API \
                       tokens page; a token does what its operator may, narrowed to the \
                       permissions it was given."
    ),
    modifiers(&BearerToken),
    tags((name = "changes", description = "The change feed, in commit order"))
)]
struct ApiDoc;

/// Declares the bearer scheme every operation names.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("rwd_…")
                    .build(),
            ),
        );
    }
}

/// The API's routes and its OpenAPI document, built together.
fn documented() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(changes::list_changes))
        .split_for_parts()
}

/// The OpenAPI document (what `/api/openapi.json` serves).
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented().1
}

pub fn routes() -> Router<AppState> {
    let (router, document) = documented();
    let document = std::sync::Arc::new(document);
    // The document describes the API, holds no data and is public, so scripts and the
    // console's API page read it without a token.
    router.route(
        "/api/openapi.json",
        axum::routing::get(move || {
            let document = document.clone();
            async move { Json(document.as_ref().clone()) }
        }),
    )
}

/// The one error shape of the API: `{"error": {"status", "code", "message"}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiErrorBody {
    pub error: ApiErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiErrorDetail {
    /// The HTTP status, repeated.
    pub status: u16,
    /// A stable code: unauthenticated, forbidden, not_found, conflict, invalid, throttled,
    /// busy, internal.
    pub code: String,
    /// What went wrong, in words.
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<i64>,
}

impl ApiError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "invalid",
            message: message.into(),
            retry_after: None,
        }
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        let status = error.status_code();
        let (status, code) = match &error {
            AppError::Unauthenticated => (status, "unauthenticated"),
            AppError::Forbidden(_) | AppError::PasswordConfirmationRequired => {
                (status, "forbidden")
            }
            AppError::NotFound(_) => (status, "not_found"),
            AppError::Conflict(m)
                if m == app::store::DATABASE_BUSY || m == app::store::RESTORE_IN_PROGRESS =>
            {
                (StatusCode::SERVICE_UNAVAILABLE, "busy")
            }
            AppError::Conflict(_) => (status, "conflict"),
            AppError::Validation(_) | AppError::Transport(_) => {
                (StatusCode::BAD_REQUEST, "invalid")
            }
            AppError::Throttled(_) => (status, "throttled"),
            AppError::Internal(_) => (status, "internal"),
        };
        let retry_after = match &error {
            AppError::Throttled(secs) => Some(*secs),
            _ if status == StatusCode::SERVICE_UNAVAILABLE => Some(5),
            _ => None,
        };
        Self {
            status,
            code,
            message: error.to_string(),
            retry_after,
        }
    }
}

impl From<app::store::Error> for ApiError {
    fn from(error: app::store::Error) -> Self {
        AppError::from(error).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ApiErrorBody {
            error: ApiErrorDetail {
                status: self.status.as_u16(),
                code: self.code.into(),
                message: self.message,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        if let Some(secs) = self.retry_after {
            if let Ok(value) = secs.to_string().parse() {
                headers.insert(axum::http::header::RETRY_AFTER, value);
            }
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"rewind\""),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    /// Every `/api/v1` path written in this module's sources is in the OpenAPI document: a
    /// route added with plain axum instead of `routes!` fails here.
    #[test]
    fn every_api_route_in_the_sources_is_in_the_openapi_document() {
        let document = super::openapi();
        let documented: Vec<&String> = document.paths.paths.keys().collect();
        let sources = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src/api"))
            .expect("the api sources");
        let mut seen = 0;
        for entry in sources {
            let text = std::fs::read_to_string(entry.expect("a source").path()).expect("text");
            for piece in text.split('"').skip(1).step_by(2) {
                if piece.starts_with("/api/v1/") && !piece.contains(' ') {
                    seen += 1;
                    assert!(
                        documented.iter().any(|p| p.as_str() == piece),
                        "{piece} is served but not in the OpenAPI document ({documented:?})"
                    );
                }
            }
        }
        assert!(seen > 0, "no /api/v1 path found in the sources");
    }
}
