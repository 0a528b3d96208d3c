//! SCIM 2.0 (RFC 7643, RFC 7644) at `/scim/v2`, for identity providers and HR systems. Bearer
//! API tokens only (`authorize_bearer`): a console cookie never authenticates here, and no
//! Origin check applies since no cookie is read. Every GET takes `asOf=<RFC 3339 instant>`
//! (an extension, announced in `/ServiceProviderConfig`) and answers as things were then.
//!
//! Users are read, created, replaced, patched and deleted; every write goes through the
//! store functions the console uses (history, snapshots, audit, one transaction) under the
//! author "token NAME (SCIM)". Groups follow.
mod discovery;
mod groups;
mod lists;
mod user_body;

use app::auth::authorize_bearer;
use app::error::AppError;
use app::model::{Permission, UserDetail, UserId};
use app::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, SecondsFormat, Utc};
use lists::{list_users, search_everything, search_users};
use serde::Deserialize;
use serde_json::{json, Value};

pub(crate) const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub(crate) const ENTERPRISE_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub(crate) const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// The most resources one list answer holds.
pub(crate) const MAX_COUNT: i64 = 200;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/scim/v2/ServiceProviderConfig",
            get(discovery::service_provider_config),
        )
        .route("/scim/v2/ResourceTypes", get(discovery::resource_types))
        .route("/scim/v2/ResourceTypes/{id}", get(discovery::resource_type))
        .route("/scim/v2/Schemas", get(discovery::schemas))
        .route("/scim/v2/Schemas/{id}", get(discovery::schema))
        .route("/scim/v2/Users", get(list_users).post(create_user))
        .route("/scim/v2/Users/.search", post(search_users))
        .route("/scim/v2/Groups/.search", post(groups::search_groups))
        .route("/scim/v2/.search", post(search_everything))
        .route(
            "/scim/v2/Users/{id}",
            get(get_user)
                .put(replace_user)
                .patch(patch_user)
                .delete(delete_user),
        )
        .route(
            "/scim/v2/Groups",
            get(groups::list_groups).post(groups::create_group),
        )
        .route(
            "/scim/v2/Groups/{id}",
            get(groups::get_group)
                .put(groups::replace_group)
                .patch(groups::patch_group)
                .delete(groups::delete_group),
        )
        .route("/scim/v2/{*rest}", axum::routing::any(unknown_endpoint))
        // A user is a few KiB; a PATCH of 100 operations well under this.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// The largest SCIM request body accepted.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// A SCIM answer: `application/scim+json`.
fn scim(status: StatusCode, body: Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/scim+json"),
    );
    response
}

/// A SCIM error body (RFC 7644 §3.12).
#[derive(Debug)]
pub struct ScimError {
    status: StatusCode,
    scim_type: Option<&'static str>,
    detail: String,
    /// Seconds, for 429 and 503 answers.
    retry_after: Option<i64>,
}

impl ScimError {
    fn bad(scim_type: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            scim_type: Some(scim_type),
            detail: detail.into(),
            retry_after: None,
        }
    }

    fn not_found(detail: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            scim_type: None,
            detail: detail.into(),
            retry_after: None,
        }
    }
}

impl From<AppError> for ScimError {
    fn from(error: AppError) -> Self {
        let (status, scim_type) = match &error {
            // A SCIM client reads 400 for bad values, not 422.
            AppError::Validation(_) => (StatusCode::BAD_REQUEST, Some("invalidValue")),
            AppError::Conflict(m) if m == app::store::VERSION_CHANGED => {
                (StatusCode::PRECONDITION_FAILED, None)
            }
            AppError::Conflict(m)
                if m == app::store::DATABASE_BUSY || m == app::store::RESTORE_IN_PROGRESS =>
            {
                (StatusCode::SERVICE_UNAVAILABLE, None)
            }
            // A name taken: the one conflict a provisioning client should read as "exists".
            AppError::Conflict(m) if m.contains("already exists") => {
                (StatusCode::CONFLICT, Some("uniqueness"))
            }
            other => (other.status_code(), None),
        };
        let retry_after = match &error {
            AppError::Throttled(secs) => Some(*secs),
            _ if status == StatusCode::SERVICE_UNAVAILABLE => Some(5),
            _ => None,
        };
        Self {
            status,
            scim_type,
            detail: error.to_string(),
            retry_after,
        }
    }
}

impl From<app::store::Error> for ScimError {
    fn from(error: app::store::Error) -> Self {
        AppError::from(error).into()
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.as_u16().to_string(),
            "detail": self.detail,
        });
        if let Some(scim_type) = self.scim_type {
            body["scimType"] = json!(scim_type);
        }
        let mut response = scim(self.status, body);
        if let Some(secs) = self.retry_after {
            if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"rewind\""),
            );
        }
        response
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ReadParams {
    as_of: Option<String>,
    filter: Option<String>,
    start_index: Option<i64>,
    count: Option<i64>,
    excluded_attributes: Option<String>,
    attributes: Option<String>,
    sort_by: Option<String>,
    sort_order: Option<String>,
}

/// The query of a SCIM read; one that does not parse is a SCIM error, not axum's text.
pub(crate) struct ScimQuery(ReadParams);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ScimQuery {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<ReadParams>::from_request_parts(parts, state)
            .await
            .map(|Query(params)| ScimQuery(params))
            .map_err(|e| ScimError::bad("invalidValue", e.body_text()))
    }
}

/// The attributes a read asks for (`attributes`) or leaves out (`excludedAttributes`),
/// RFC 7644 §3.4.2.5: top-level names or `name.sub`, any case, extension URNs included;
/// `id`, `schemas` and `meta` are always returned.
fn project(resource: &mut Value, params: &ReadParams) {
    let names = |list: &Option<String>| -> Vec<String> {
        list.as_deref()
            .unwrap_or_default()
            .split(',')
            .map(|a| a.trim().to_lowercase())
            .filter(|a| !a.is_empty())
            .take(100)
            .collect()
    };
    let (wanted, excluded) = (
        names(&params.attributes),
        names(&params.excluded_attributes),
    );
    let Value::Object(fields) = resource else {
        return;
    };
    let always = |key: &str| matches!(key, "id" | "schemas" | "meta");
    let top = |name: &str| name.split('.').next().unwrap_or_default().to_string();
    if !wanted.is_empty() {
        fields.retain(|key, _| {
            always(key)
                || wanted.iter().any(|w| {
                    top(w) == key.to_lowercase()
                        || w.starts_with(&format!("{}:", key.to_lowercase()))
                })
        });
    }
    for name in excluded {
        let (head, sub) = match name.split_once('.') {
            Some((head, sub)) if !head.contains(':') => (head.to_string(), Some(sub.to_string())),
            _ => (name.clone(), None),
        };
        let key = fields.keys().find(|k| k.to_lowercase() == head).cloned();
        match (key, sub) {
            (Some(key), None) if !always(&key) => {
                fields.remove(&key);
            }
            (Some(key), Some(sub)) => {
                if let Some(Value::Object(inner)) = fields.get_mut(&key) {
                    inner.retain(|k, _| k.to_lowercase() != sub);
                }
            }
            _ => {}
        }
    }
}

/// `startIndex` (from 1; less means 1, RFC 7644 §3.4.2.4) and `count` (0 to `MAX_COUNT`).
fn list_window(params: &ReadParams) -> (i64, i64) {
    (
        params.start_index.unwrap_or(1).max(1),
        params.count.unwrap_or(100).clamp(0, MAX_COUNT),
    )
}

fn as_of(params: &ReadParams) -> Result<Option<DateTime<Utc>>, ScimError> {
    params
        .as_of
        .as_deref()
        .map(|text| {
            DateTime::parse_from_rfc3339(text.trim())
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    ScimError::bad(
                        "invalidValue",
                        format!("asOf {text:?} is not an RFC 3339 instant such as 2026-01-31T09:00:00Z."),
                    )
                })
        })
        .transpose()
}

/// Where the SCIM service is reached: `REWIND_PUBLIC_URL` (e.g. `https://rewind.example.org`)
/// when set, as it should be behind a proxy; otherwise the request's Host over http.
fn base_url(parts: &Parts) -> String {
    if let Ok(public) = std::env::var("REWIND_PUBLIC_URL") {
        return format!("{}/scim/v2", public.trim_end_matches('/'));
    }
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}/scim/v2")
}

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A Rewind user as a SCIM User (README, "SCIM": the mapping).
fn user_resource(detail: &UserDetail, base: &str) -> Value {
    let user = &detail.state.attributes;
    let custom = |name: &str| {
        user.custom
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.value.clone())
    };
    let mut groups: Vec<Value> = vec![json!({
        "value": detail.state.attributes.primary_group.0.to_string(),
        "display": detail.state.primary_group_name,
        "type": "primary",
    })];
    groups.extend(detail.state.memberships.iter().map(
        |m| json!({"value": m.group.0.to_string(), "display": m.group_name, "type": "direct"}),
    ));
    // Unassigned attributes are left out (RFC 7643 §2.5), never sent as empty strings.
    let mut enterprise = serde_json::Map::new();
    if let Some(department) = custom("department") {
        enterprise.insert("department".into(), json!(department));
    }
    if let Some(number) = custom("employeeNumber") {
        enterprise.insert("employeeNumber".into(), json!(number));
    }
    if let Some(manager) = custom("manager") {
        enterprise.insert(
            "manager".into(),
            json!({"value": manager, "$ref": format!("{base}/Users/{manager}")}),
        );
    }
    let mut name = serde_json::Map::new();
    for (key, value) in [
        ("givenName", &user.first_name),
        ("middleName", &user.middle_name),
        ("familyName", &user.last_name),
    ] {
        if !value.is_empty() {
            name.insert(key.into(), json!(value));
        }
    }
    let id = detail.state.id.0;
    let mut resource = json!({
        "schemas": [USER_SCHEMA],
        "id": id.to_string(),
        "userName": user.name,
        "displayName": detail.full_name,
        "active": user.enabled,
        "groups": groups,
        "meta": {
            "resourceType": "User",
            "created": instant(detail.created.at),
            "lastModified": instant(detail.modified.at),
            "location": format!("{base}/Users/{id}"),
            "version": etag(detail.modified.at),
        },
    });
    if !name.is_empty() {
        resource["name"] = Value::Object(name);
    }
    if !user.user_type.is_empty() {
        resource["userType"] = json!(user.user_type);
    }
    if let Some(external) = custom("externalId") {
        resource["externalId"] = json!(external);
    }
    if !user.email.is_empty() {
        resource["emails"] = json!([{"value": user.email, "type": "work"}]);
    }
    if !enterprise.is_empty() {
        resource["schemas"] = json!([USER_SCHEMA, ENTERPRISE_SCHEMA]);
        resource[ENTERPRISE_SCHEMA] = Value::Object(enterprise);
    }
    resource
}

async fn get_user(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ScimQuery(params): ScimQuery,
    parts: Parts,
) -> Result<Response, ScimError> {
    authorize_bearer(&state, &parts, Permission::IdentityRead).await?;
    let at = as_of(&params)?;
    let detail = state.store.get_user(user_id(&id)?, at).await?;
    let mut body = user_resource(&detail, &base_url(&parts));
    project(&mut body, &params);
    Ok(resource_response(StatusCode::OK, body))
}

fn user_id(id: &str) -> Result<UserId, ScimError> {
    id.parse()
        .map(UserId)
        .map_err(|_| ScimError::not_found(format!("No user has the id {id:?}.")))
}

/// The weak ETag of a version, its instant in microseconds (`meta.version`, `ETag`).
fn etag(at: DateTime<Utc>) -> String {
    format!("W/\"{}\"", at.timestamp_micros())
}

/// One resource as the answer, with the `ETag` of its `meta.version` and, when just
/// created, the `Location` of its `meta.location`.
fn resource_response(status: StatusCode, body: Value) -> Response {
    let meta = |key: &str| {
        body["meta"][key]
            .as_str()
            .and_then(|v| HeaderValue::from_str(v).ok())
    };
    let (version, location) = (meta("version"), meta("location"));
    let mut response = scim(status, body);
    if let Some(version) = version {
        response.headers_mut().insert(header::ETAG, version);
    }
    if let Some(location) = location.filter(|_| status == StatusCode::CREATED) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// A user as the answer (see `resource_response`).
fn user_response(status: StatusCode, detail: &UserDetail, parts: &Parts) -> Response {
    resource_response(status, user_resource(detail, &base_url(parts)))
}

/// The version an `If-Match` names (`W/"<micros>"`), for the store to check inside the
/// write's transaction; None without one or with `*`.
fn expected_version(parts: &Parts) -> Result<Option<i64>, ScimError> {
    let Some(wanted) = parts.headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let wanted = wanted.to_str().unwrap_or_default().trim();
    if wanted == "*" {
        return Ok(None);
    }
    let micros = wanted
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse::<i64>()
        .map_err(|_| ScimError {
            status: StatusCode::PRECONDITION_FAILED,
            scim_type: None,
            detail: format!("If-Match {wanted:?} is not a version of this server."),
            retry_after: None,
        })?;
    Ok(Some(micros))
}

/// The body as JSON, or a SCIM syntax error.
fn json_body(body: &[u8]) -> Result<Value, ScimError> {
    serde_json::from_slice(body)
        .map_err(|e| ScimError::bad("invalidSyntax", format!("The body is not JSON: {e}")))
}

fn author(caller: &app::model::ApiCaller) -> app::store::Author {
    app::store::Author {
        name: caller.author_name("SCIM"),
        operator_id: Some(caller.operator.id.0),
        at: None,
    }
}

async fn create_user(
    State(state): State<AppState>,
    parts: Parts,
    body: axum::body::Bytes,
) -> Result<Response, ScimError> {
    let caller = authorize_bearer(&state, &parts, Permission::IdentityWrite).await?;
    let resource = json_body(&body)?;
    let mut input = app::model::UserInput {
        enabled: true,
        ..Default::default()
    };
    user_body::apply_resource(&mut input, &resource)?;
    let id = state
        .store
        .create_provisioned_user(&author(&caller), &input)
        .await?;
    let detail = state.store.get_user(id, None).await?;
    Ok(user_response(StatusCode::CREATED, &detail, &parts))
}

async fn replace_user(
    State(state): State<AppState>,
    Path(id): Path<String>,
    parts: Parts,
    body: axum::body::Bytes,
) -> Result<Response, ScimError> {
    edit_user(&state, &id, &parts, &body, user_body::apply_resource).await
}

async fn patch_user(
    State(state): State<AppState>,
    Path(id): Path<String>,
    parts: Parts,
    body: axum::body::Bytes,
) -> Result<Response, ScimError> {
    edit_user(&state, &id, &parts, &body, user_body::apply_patch).await
}

/// PUT and PATCH of a user: `apply` reads the body onto the user inside the store's
/// transaction (`Store::provision_user`, which also checks `If-Match`).
async fn edit_user(
    state: &AppState,
    id: &str,
    parts: &Parts,
    body: &[u8],
    apply: fn(&mut app::model::UserInput, &Value) -> Result<(), ScimError>,
) -> Result<Response, ScimError> {
    let caller = authorize_bearer(state, parts, Permission::IdentityWrite).await?;
    let id = user_id(id)?;
    let body = json_body(body)?;
    state
        .store
        .provision_user(&author(&caller), id, expected_version(parts)?, |input| {
            apply(input, &body)
        })
        .await?;
    let detail = state.store.get_user(id, None).await?;
    Ok(user_response(StatusCode::OK, &detail, parts))
}

/// DELETE moves the user to the recycle bin (recoverable, history kept). Provisioning
/// clients that deprovision with `active: false` only disable.
async fn delete_user(
    State(state): State<AppState>,
    Path(id): Path<String>,
    parts: Parts,
) -> Result<Response, ScimError> {
    let caller = authorize_bearer(&state, &parts, Permission::IdentityWrite).await?;
    let id = user_id(&id)?;
    // The version is checked inside the delete's transaction, under the user's lock.
    state
        .store
        .delete_user_expecting(&author(&caller), id, expected_version(&parts)?)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn unknown_endpoint(parts: Parts) -> ScimError {
    ScimError::not_found(format!("No SCIM endpoint {}.", parts.uri.path()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_return_the_attributes_asked_for_and_never_drop_the_id() {
        let user = serde_json::json!({"id": "1", "schemas": [], "meta": {}, "userName": "a",
            "name": {"givenName": "A", "familyName": "B"}, "emails": []});
        let params = |attributes: Option<&str>, excluded: Option<&str>| super::ReadParams {
            attributes: attributes.map(String::from),
            excluded_attributes: excluded.map(String::from),
            ..Default::default()
        };
        let mut only = user.clone();
        super::project(&mut only, &params(Some("userName"), None));
        assert_eq!(
            only,
            serde_json::json!({"id": "1", "schemas": [], "meta": {}, "userName": "a"})
        );
        let mut without = user.clone();
        super::project(
            &mut without,
            &params(None, Some("emails,name.familyName,id")),
        );
        assert_eq!(without["name"], serde_json::json!({"givenName": "A"}));
        assert!(without.get("emails").is_none() && without["id"] == "1");
    }
}
