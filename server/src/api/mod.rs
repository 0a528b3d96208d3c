//! The REST API, `/api/v1`: bearer API tokens only (`authorize_bearer`, the same permission
//! check and audit as the console's server functions; a cookie never authenticates here, so
//! no Origin check applies), JSON with one error shape, RFC 3339 instants in UTC, cursor
//! paging. Every route is registered with `utoipa_axum::routes!`, which puts it in the
//! OpenAPI 3.1 document served at `/api/openapi.json` — a route cannot exist undocumented.
mod backups;
mod changes;
mod directory;
mod identity;
mod paging;
mod restores;

use app::error::AppError;
use app::model::{ApiCaller, Permission};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
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
    tags(
        (name = "changes", description = "The change feed, in commit order"),
        (name = "users", description = "Users as of any instant, their history and differences"),
        (name = "groups", description = "The group tree and groups as of any instant"),
        (name = "directory", description = "Accounts, roles, mail lists and every declared resource kind, as of any instant"),
        (name = "snapshots", description = "User snapshots, as JSON or XML, and their differences"),
        (name = "restore", description = "Restore planning, restore and undo; the recycle bin"),
        (name = "backups", description = "Whole-system backups")
    )
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

/// The answers every operation may give besides its own: a missing or dead token, a token
/// without the permission, a malformed request, a database busy with a restore.
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let common = [
            ("400", "A malformed path, parameter or body"),
            ("401", "No live API token"),
            ("403", "The token may not do this"),
            (
                "429",
                "Too many requests with bad tokens from this address; retry after Retry-After seconds",
            ),
            (
                "503",
                "Busy (a system restore runs); retry after Retry-After seconds",
            ),
        ];
        let with_body = [
            ("413", "The body is larger than 256 KiB"),
            ("415", "The body is not sent as application/json"),
        ];
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let body = operation.request_body.is_some();
                let own = with_body.iter().filter(|_| body);
                for &(status, description) in common.iter().chain(own) {
                    if operation.responses.responses.contains_key(status) {
                        continue;
                    }
                    let response = ResponseBuilder::new()
                        .description(description)
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name("ApiErrorBody")))
                                .build(),
                        )
                        .build();
                    operation
                        .responses
                        .responses
                        .insert(status.to_string(), response.into());
                }
            }
        }
    }
}

/// The API's routes and its OpenAPI document, built together.
fn documented() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(changes::list_changes))
        .routes(routes!(identity::list_users))
        .routes(routes!(identity::get_user))
        .routes(routes!(identity::user_history))
        .routes(routes!(identity::diff_user))
        .routes(routes!(identity::user_snapshots))
        .routes(routes!(identity::group_tree))
        .routes(routes!(identity::get_group))
        .routes(routes!(directory::list_accounts))
        .routes(routes!(directory::get_account))
        .routes(routes!(directory::list_roles))
        .routes(routes!(directory::get_role))
        .routes(routes!(directory::list_mail_lists))
        .routes(routes!(directory::get_mail_list))
        .routes(routes!(directory::list_kinds))
        .routes(routes!(directory::list_resources))
        .routes(routes!(directory::get_resource))
        .routes(routes!(restores::get_snapshot))
        .routes(routes!(restores::snapshot_xml))
        .routes(routes!(restores::diff_snapshot))
        .routes(routes!(restores::plan_restore))
        .routes(routes!(restores::apply_restore))
        .routes(routes!(restores::undo_restore))
        .routes(routes!(restores::recycle_bin))
        .routes(routes!(restores::recover_user))
        .routes(routes!(restores::recover_group))
        .routes(routes!(restores::recover_resource))
        .routes(routes!(backups::list_backups))
        .routes(routes!(backups::create_backup))
        .routes(routes!(backups::get_backup_job))
        .routes(routes!(backups::download_backup))
        .split_for_parts();
    // Once every path is in (the derive's modifiers run before `routes!` adds them).
    let mut document = document;
    CommonErrors.modify(&mut document);
    (router, document)
}

/// The OpenAPI document (what `/api/openapi.json` serves).
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented().1
}

/// The largest request body the API reads (restore requests are the largest, a few KiB).
const MAX_BODY: usize = 256 * 1024;

pub fn routes(state: &AppState) -> Router<AppState> {
    let (router, document) = documented();
    let api = router
        .route("/api/v1/{*rest}", axum::routing::any(unknown_route))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(state.clone(), authenticate));
    // The document describes the API, holds no data and is public, so scripts and the
    // console's API page read it without a token. Written once.
    let document = axum::body::Bytes::from(serde_json::to_vec(&document).unwrap_or_default());
    api.route(
        "/api/openapi.json",
        axum::routing::get(move || {
            let document = document.clone();
            async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    document,
                )
            }
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
    /// A stable code: unauthenticated, forbidden, not_found, method_not_allowed, conflict,
    /// gone, invalid, too_large, throttled, busy, internal.
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

    /// What was asked for existed once and was deleted for good (410).
    pub fn gone(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::GONE,
            code: "gone",
            message: message.into(),
            retry_after: None,
        }
    }
}

// Malformed query strings, paths and bodies answer in the API's error shape, not axum's text.
impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::invalid(rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::invalid(rejection.body_text())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let mut error = Self::invalid(rejection.body_text());
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => {
                error.status = StatusCode::PAYLOAD_TOO_LARGE;
                error.code = "too_large";
                error.message = format!("The body is larger than {MAX_BODY} bytes.");
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE => error.status = StatusCode::UNSUPPORTED_MEDIA_TYPE,
            _ => {}
        }
        error
    }
}

/// `Query` whose rejection is an [`ApiError`].
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// `Path` whose rejection is an [`ApiError`].
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `Json` whose rejection is an [`ApiError`].
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// The token's caller, if the token may do `permission` (a refusal is audited). The token
/// itself was checked by `authenticate` before the request's path, query or body was read.
async fn caller(
    state: &AppState,
    parts: &Parts,
    permission: Permission,
) -> Result<ApiCaller, ApiError> {
    let caller = match parts.extensions.get::<ApiCaller>() {
        Some(caller) => caller.clone(),
        None => app::auth::authenticate_bearer(state, parts).await?,
    };
    app::auth::require_permission(state, parts, &caller, permission).await?;
    Ok(caller)
}

/// Every `/api/v1` request shows a live token first: who has none learns nothing, not even
/// whether a path, parameter or body would have been valid.
async fn authenticate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    match app::auth::authenticate_bearer(&state, &parts).await {
        Ok(caller) => {
            parts.extensions.insert(caller);
            next.run(Request::from_parts(parts, body)).await
        }
        Err(error) => ApiError::from(error).into_response(),
    }
}

/// A path under `/api/v1` that is no route.
async fn unknown_route(uri: axum::http::Uri) -> ApiError {
    ApiError {
        status: StatusCode::NOT_FOUND,
        code: "not_found",
        message: format!(
            "{} is no route of this API (see /api/openapi.json).",
            uri.path()
        ),
        retry_after: None,
    }
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError {
        status: StatusCode::METHOD_NOT_ALLOWED,
        code: "method_not_allowed",
        message: format!("{} does not answer {method}.", uri.path()),
        retry_after: None,
    }
}

/// How the history names a write through the API: "token NAME (API)".
fn author(caller: &ApiCaller) -> app::store::Author {
    app::store::Author {
        name: caller.author_name("API"),
        operator_id: Some(caller.operator.id.0),
        at: None,
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
                // The catch-all that answers unknown paths is no route.
                if piece.starts_with("/api/v1/") && !piece.contains(' ') && !piece.contains("{*") {
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
