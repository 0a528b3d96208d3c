//! Snapshots (JSON, XML, differences), restore planning, restore and undo — the same planner
//! and rules as the console's — and the recycle bin.
use super::paging::{ApiPage, ListQuery};
use super::{author, caller, ApiError, ApiErrorBody, ApiJson, ApiPath, ApiQuery};
use app::model::*;
use app::state::AppState;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// One snapshot with the user's whole state in it.
#[utoipa::path(
    get,
    path = "/api/v1/snapshots/{id}",
    tag = "snapshots",
    params(("id" = i64, Path, description = "The snapshot's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The snapshot", body = Snapshot),
        (status = 404, description = "No such snapshot", body = ApiErrorBody),
    )
)]
pub async fn get_snapshot(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Snapshot>, ApiError> {
    caller(&state, &parts, Permission::BackupQuery).await?;
    Ok(Json(state.store.get_snapshot(id).await?))
}

/// One snapshot as the XML document of docs/snapshot-xml.md.
#[utoipa::path(
    get,
    path = "/api/v1/snapshots/{id}/xml",
    tag = "snapshots",
    params(("id" = i64, Path, description = "The snapshot's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The XML document", content_type = "application/xml", body = String),
        (status = 404, description = "No such snapshot", body = ApiErrorBody),
    )
)]
pub async fn snapshot_xml(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    caller(&state, &parts, Permission::BackupQuery).await?;
    let xml = state.store.snapshot_xml(id).await?;
    let mut response = xml.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml; charset=utf-8"),
    );
    Ok(response)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SnapshotDiffQuery {
    /// The later snapshot; the user as it is now when absent.
    to: Option<i64>,
}

/// What differs from one snapshot to another (or to the user now).
#[utoipa::path(
    get,
    path = "/api/v1/snapshots/{id}/diff",
    tag = "snapshots",
    params(("id" = i64, Path, description = "The earlier snapshot"), SnapshotDiffQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The differences", body = StateDiff),
        (status = 404, description = "No such snapshot", body = ApiErrorBody),
    )
)]
pub async fn diff_snapshot(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<SnapshotDiffQuery>,
) -> Result<Json<StateDiff>, ApiError> {
    caller(&state, &parts, Permission::BackupQuery).await?;
    Ok(Json(state.store.diff_snapshots(id, query.to).await?))
}

/// The parts of a user a restore may bring back.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RestorePart {
    Attributes,
    Memberships,
    Accounts,
    Grants,
    MailLists,
    Printers,
}

/// How a restore treats what is there now.
#[derive(Clone, Copy, Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApiRestoreMode {
    /// Make the user exactly as at the source: adds, updates and removes.
    #[default]
    Exact,
    /// Only add back what is missing; nothing is removed or overwritten.
    AddMissing,
}

/// What to restore a user to: exactly one of `snapshot` and `instant` (its schema, written
/// below, says so).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestoreRequest {
    /// A snapshot of the user (`GET /api/v1/users/{id}/snapshots`).
    snapshot: Option<i64>,
    /// An instant of the user's history (RFC 3339); needs no snapshot.
    instant: Option<DateTime<Utc>>,
    /// Default `exact`.
    #[serde(default)]
    mode: ApiRestoreMode,
    /// Which parts; all when absent.
    parts: Option<Vec<RestorePart>>,
    /// Applying only: the plan's items as `restore-plan` returned them, with `selected` set
    /// to false on those to leave out. The server plans again and refuses (400) an item that
    /// is no longer part of the plan, and (409) one that became blocked, so nothing is
    /// applied that was not previewed. Absent: every applicable item of the plan made now.
    items: Option<Vec<RestoreItem>>,
}

impl utoipa::PartialSchema for RestoreRequest {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{
            AdditionalProperties, ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder,
            SchemaFormat, Type,
        };
        use utoipa::openapi::Ref;
        // One object per source; the rest is common to both.
        let request = |source: &str, kind: Type, format: KnownFormat, description: &str| {
            ObjectBuilder::new()
                .property(
                    source,
                    ObjectBuilder::new()
                        .schema_type(kind)
                        .format(Some(SchemaFormat::KnownFormat(format)))
                        .description(Some(description)),
                )
                .required(source)
                .property("mode", Ref::from_schema_name("ApiRestoreMode"))
                .property(
                    "parts",
                    ArrayBuilder::new()
                        .items(Ref::from_schema_name("RestorePart"))
                        .min_items(Some(1))
                        .description(Some("Which parts; all when absent.")),
                )
                .property(
                    "items",
                    ArrayBuilder::new()
                        .items(Ref::from_schema_name("RestoreItem"))
                        .description(Some(
                            "Applying only: the plan's items as `restore-plan` returned them, \
                             with `selected` false on those to leave out. An item the plan \
                             made now does not hold is refused (400), one that became blocked \
                             (409). Absent: every applicable item of the plan made now.",
                        )),
                )
                .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        };
        OneOfBuilder::new()
            .item(request(
                "snapshot",
                Type::Integer,
                KnownFormat::Int64,
                "A snapshot of the user (`GET /api/v1/users/{id}/snapshots`).",
            ))
            .item(request(
                "instant",
                Type::String,
                KnownFormat::DateTime,
                "An instant of the user's history (RFC 3339); needs no snapshot.",
            ))
            .description(Some(
                "What to restore a user to: exactly one of `snapshot` and `instant`.",
            ))
            .into()
    }
}

impl ToSchema for RestoreRequest {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use utoipa::PartialSchema;
        schemas.push(("ApiRestoreMode".into(), ApiRestoreMode::schema()));
        schemas.push(("RestorePart".into(), RestorePart::schema()));
        schemas.push(("RestoreItem".into(), RestoreItem::schema()));
        <RestoreItem as ToSchema>::schemas(schemas);
    }
}

impl RestoreRequest {
    fn plan_of(&self) -> Result<(RestoreSource, RestoreSelection, RestoreMode), ApiError> {
        let source = match (self.snapshot, self.instant) {
            (Some(snapshot), None) => RestoreSource::Snapshot(snapshot),
            (None, Some(instant)) => RestoreSource::Instant(instant),
            _ => {
                return Err(ApiError::invalid(
                    "Give exactly one of snapshot (an id) and instant (RFC 3339).",
                ))
            }
        };
        let selection = match &self.parts {
            None => RestoreSelection::everything(),
            Some(parts) if parts.is_empty() => {
                return Err(ApiError::invalid(
                    "parts names at least one part to restore.",
                ))
            }
            Some(parts) => RestoreSelection {
                attributes: parts.contains(&RestorePart::Attributes),
                memberships: parts.contains(&RestorePart::Memberships),
                accounts: parts.contains(&RestorePart::Accounts),
                grants: parts.contains(&RestorePart::Grants),
                mail_lists: parts.contains(&RestorePart::MailLists),
                printers: parts.contains(&RestorePart::Printers),
            },
        };
        let mode = match self.mode {
            ApiRestoreMode::Exact => RestoreMode::Exact,
            ApiRestoreMode::AddMissing => RestoreMode::AddMissing,
        };
        Ok((source, selection, mode))
    }
}

/// The exact changes restoring a user would make, each with why it is blocked if it cannot
/// be applied (the console's preview). Changes nothing.
#[utoipa::path(
    post,
    path = "/api/v1/users/{id}/restore-plan",
    tag = "restore",
    params(("id" = i64, Path, description = "The user's id")),
    request_body = RestoreRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The plan", body = RestorePlan),
        (status = 400, description = "A bad request", body = ApiErrorBody),
        (status = 403, description = "The token may not restore", body = ApiErrorBody),
        (status = 404, description = "No such user or snapshot", body = ApiErrorBody),
    )
)]
pub async fn plan_restore(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<RestoreRequest>,
) -> Result<Json<RestorePlan>, ApiError> {
    caller(&state, &parts, Permission::BackupRestore).await?;
    let (source, selection, mode) = request.plan_of()?;
    if request.items.is_some() {
        return Err(ApiError::invalid(
            "items go with applying a restore, not with planning one.",
        ));
    }
    Ok(Json(
        state
            .store
            .plan_restore(UserId(id), source, &selection, mode)
            .await?,
    ))
}

/// Restores a user as one recorded change (planned again on the server, so the request
/// cannot apply more than the plan allows); answers with how many items were applied, the
/// operation (it is in the change feed) and the snapshot an undo goes back to.
#[utoipa::path(
    post,
    path = "/api/v1/users/{id}/restores",
    tag = "restore",
    params(("id" = i64, Path, description = "The user's id")),
    request_body = RestoreRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Restored", body = RestoreOutcome),
        (status = 404, description = "No such user or snapshot", body = ApiErrorBody),
        (status = 400, description = "A bad request, or an item the plan made now does not hold; nothing changed", body = ApiErrorBody),
        (status = 409, description = "An item became impossible since the preview; nothing changed", body = ApiErrorBody),
    )
)]
pub async fn apply_restore(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<RestoreRequest>,
) -> Result<(StatusCode, Json<RestoreOutcome>), ApiError> {
    let caller = caller(&state, &parts, Permission::BackupRestore).await?;
    let (source, selection, mode) = request.plan_of()?;
    let author = author(&caller);
    let outcome = match request.items {
        Some(items) => {
            let plan = RestorePlan {
                user: UserId(id),
                source,
                mode,
                items,
                selection,
            };
            state.store.apply_restore(&author, &plan).await?
        }
        None => {
            state
                .store
                .apply_restore_as_planned(&author, UserId(id), source, &selection, mode)
                .await?
        }
    };
    Ok((StatusCode::CREATED, Json(outcome)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UndoQuery {
    /// Undo even though the user changed after the restore (those changes are undone too).
    #[serde(default)]
    force: bool,
}

/// Undoes a restore of a user: brings the user back exactly to the state the restore
/// replaced (the console's "Undo restore"), as a new recorded restore. Refused when the user
/// changed after the restore — that includes undoing it once already — unless `force`.
#[utoipa::path(
    post,
    path = "/api/v1/users/{id}/restores/{operation}/undo",
    tag = "restore",
    params(
        ("id" = i64, Path, description = "The user's id"),
        ("operation" = i64, Path, description = "The restore's `operation_id`"),
        UndoQuery
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Undone", body = RestoreOutcome),
        (status = 404, description = "No such operation", body = ApiErrorBody),
        (status = 409, description = "Not a restore of this user, it changed nothing, the user changed since (without force), or the state before it is no longer kept", body = ApiErrorBody),
    )
)]
pub async fn undo_restore(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath((id, operation)): ApiPath<(i64, i64)>,
    ApiQuery(query): ApiQuery<UndoQuery>,
) -> Result<(StatusCode, Json<RestoreOutcome>), ApiError> {
    let caller = caller(&state, &parts, Permission::BackupRestore).await?;
    let outcome = state
        .store
        .undo_restore(&author(&caller), UserId(id), operation, query.force)
        .await?;
    Ok((StatusCode::CREATED, Json(outcome)))
}

/// Deleted users, groups and objects of every declared kind, newest deletion first.
#[utoipa::path(
    get,
    path = "/api/v1/recycle-bin",
    tag = "restore",
    params(ListQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "A page of deleted objects", body = ApiPage<DeletedObject>))
)]
pub async fn recycle_bin(
    State(state): State<AppState>,
    parts: Parts,
    ApiQuery(list): ApiQuery<ListQuery>,
) -> Result<Json<ApiPage<DeletedObject>>, ApiError> {
    caller(&state, &parts, Permission::IdentityRead).await?;
    let at = list.page_at()?;
    let search = list.search().to_lowercase();
    // What was in the bin at the walk's instant and still is: an object deleted later joins
    // a later walk; one recovered meanwhile leaves it.
    let mut bin: Vec<DeletedObject> = state
        .store
        .recycle_bin()
        .await?
        .into_iter()
        .filter(|d| d.deleted_at <= at.as_of)
        .filter(|d| search.is_empty() || d.name.to_lowercase().contains(&search))
        .collect();
    bin.sort_by(|a, b| b.deleted_at.cmp(&a.deleted_at).then(a.id.cmp(&b.id)));
    let total = bin.len() as i64;
    let items = bin
        .into_iter()
        .skip(usize::try_from(at.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(at.limit).unwrap_or_default())
        .collect();
    Ok(Json(at.page(items, total)))
}

/// Brings a deleted user back with its last state.
#[utoipa::path(
    post,
    path = "/api/v1/users/{id}/recover",
    tag = "restore",
    params(("id" = i64, Path, description = "The deleted user's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Recovered"),
        (status = 404, description = "No such deleted user", body = ApiErrorBody),
        (status = 409, description = "It cannot come back (e.g. its name is taken)", body = ApiErrorBody),
    )
)]
pub async fn recover_user(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    let caller = caller(&state, &parts, Permission::IdentityWrite).await?;
    state
        .store
        .recover_user(&author(&caller), UserId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Brings a deleted group back with its last state.
#[utoipa::path(
    post,
    path = "/api/v1/groups/{id}/recover",
    tag = "restore",
    params(("id" = i64, Path, description = "The deleted group's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Recovered"),
        (status = 404, description = "No such deleted group", body = ApiErrorBody),
        (status = 409, description = "It cannot come back (e.g. its parent is deleted)", body = ApiErrorBody),
    )
)]
pub async fn recover_group(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    let caller = caller(&state, &parts, Permission::IdentityWrite).await?;
    state
        .store
        .recover_group(&author(&caller), GroupId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Brings a deleted object of a declared kind back with its last values.
#[utoipa::path(
    post,
    path = "/api/v1/resources/{kind}/{id}/recover",
    tag = "restore",
    params(
        ("kind" = String, Path, description = "A kind's slug"),
        ("id" = i64, Path, description = "The deleted object's id")
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Recovered"),
        (status = 404, description = "No such kind or deleted object", body = ApiErrorBody),
    )
)]
pub async fn recover_resource(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    let (kind, caller) =
        super::directory::kind_for(&state, &parts, &slug, |kind| kind.write).await?;
    state
        .store
        .recover_resource(&author(&caller), kind.0, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
