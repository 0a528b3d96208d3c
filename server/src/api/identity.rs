//! Users and groups as of any instant, a user's history page by page, differences between
//! two instants, and the group tree.
use super::paging::{ApiPage, ListQuery};
use super::{caller, ApiError, ApiErrorBody, ApiPath, ApiQuery};
use app::model::*;
use app::state::AppState;
use axum::extract::State;
use axum::http::request::Parts;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The instant a single object is read at.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOf {
    /// RFC 3339, e.g. `2026-01-31T09:00:00Z`; now when absent.
    pub as_of: Option<DateTime<Utc>>,
}

/// What only the users list takes besides paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    /// An advanced query, e.g. `userName sw "ann" and enabled eq true` (the console's
    /// query language: docs/query.md).
    filter: Option<String>,
}

/// Users as of an instant, by name.
#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "users",
    params(ListQuery, UserFilter),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of users", body = ApiPage<UserSummary>),
        (status = 400, description = "A bad parameter", body = ApiErrorBody),
        (status = 401, description = "No valid token", body = ApiErrorBody),
        (status = 403, description = "The token may not read identities", body = ApiErrorBody),
    )
)]
pub async fn list_users(
    State(state): State<AppState>,
    parts: Parts,
    ApiQuery(list): ApiQuery<ListQuery>,
    ApiQuery(filter): ApiQuery<UserFilter>,
) -> Result<Json<ApiPage<UserSummary>>, ApiError> {
    caller(&state, &parts, Permission::IdentityRead).await?;
    let at = list.page_at()?;
    let page = state
        .store
        .list_users(&UserListQuery {
            as_of: Some(at.as_of),
            search: list.search(),
            filter: filter.filter.unwrap_or_default(),
            offset: at.offset,
            limit: at.limit,
            ..UserListQuery::default()
        })
        .await?;
    Ok(Json(at.page(page.items, page.total)))
}

/// One user as of an instant: attributes, memberships, accounts, grants, mail lists.
#[utoipa::path(
    get,
    path = "/api/v1/users/{id}",
    tag = "users",
    params(("id" = i64, Path, description = "The user's id"), AsOf),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user", body = UserDetail),
        (status = 404, description = "No such user at that instant", body = ApiErrorBody),
    )
)]
pub async fn get_user(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(at): ApiQuery<AsOf>,
) -> Result<Json<UserDetail>, ApiError> {
    caller(&state, &parts, Permission::IdentityRead).await?;
    Ok(Json(state.store.get_user(UserId(id), at.as_of).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// The `next` of the previous page.
    cursor: Option<String>,
    /// Events per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// Only these kinds of change, comma-separated: attributes, memberships, accounts,
    /// grants, mail_lists, printers (all when absent).
    kinds: Option<String>,
}

/// A page of a user's history, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryPage {
    pub items: Vec<TimelineEvent>,
    /// Pass as `cursor` for older events; absent when the page is not full (then the first
    /// change was read). Events recorded after the first page never shift the pages that
    /// follow.
    pub next: Option<String>,
    /// How many events the history has in all (of the kinds asked for).
    pub total: i64,
}

fn history_kind(name: &str) -> Option<HistoryKind> {
    Some(match name {
        "attributes" => HistoryKind::Attributes,
        "memberships" => HistoryKind::Memberships,
        "accounts" => HistoryKind::Accounts,
        "grants" => HistoryKind::Grants,
        "mail_lists" => HistoryKind::MailLists,
        "printers" => HistoryKind::Printers,
        _ => return None,
    })
}

/// `h1.<instant in microseconds>.<operation>`: the last event read.
fn history_cursor(text: &str) -> Result<TimelinePosition, ApiError> {
    let (instant_micros, operation_id) =
        super::paging::cursor_numbers(text, "h1").ok_or_else(|| {
            ApiError::invalid("cursor is the `next` of a history page this API returned.")
        })?;
    Ok(TimelinePosition {
        instant_micros,
        operation_id,
    })
}

/// A user's history: every recorded change with who made it and what it changed, newest
/// first (creation, edits, memberships, grants, accounts, restores, deletion).
#[utoipa::path(
    get,
    path = "/api/v1/users/{id}/history",
    tag = "users",
    params(("id" = i64, Path, description = "The user's id"), HistoryQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of events", body = HistoryPage),
        (status = 400, description = "A bad cursor, limit or kind", body = ApiErrorBody),
    )
)]
pub async fn user_history(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<HistoryQuery>,
) -> Result<Json<HistoryPage>, ApiError> {
    caller(&state, &parts, Permission::IdentityRead).await?;
    let limit = query.limit.unwrap_or(20);
    if !(1..=TIMELINE_MAX_PAGE).contains(&limit) {
        return Err(ApiError::invalid(format!(
            "limit is 1 to {TIMELINE_MAX_PAGE}."
        )));
    }
    let mut kinds = Vec::new();
    for name in query.kinds.iter().flat_map(|k| k.split(',')) {
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        let kind = history_kind(name).ok_or_else(|| {
            ApiError::invalid(format!(
                "kinds: {name:?} is not attributes, memberships, accounts, grants, \
                 mail_lists or printers."
            ))
        })?;
        // Each kind is one part of the query: named twice, it is still read once.
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    let before = match query.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(cursor) => Some(history_cursor(cursor)?),
        None => None,
    };
    let page = state
        .store
        .user_timeline(&TimelineQuery {
            user: UserId(id),
            kinds,
            offset: 0,
            limit,
            before,
        })
        .await?;
    let next = page
        .items
        .last()
        .filter(|_| page.items.len() as i64 == limit)
        .map(|e| format!("h1.{}.{}", e.at.timestamp_micros(), e.operation_id));
    Ok(Json(HistoryPage {
        items: page.items,
        next,
        total: page.total,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The earlier instant (RFC 3339).
    from: DateTime<Utc>,
    /// The later instant; now when absent.
    to: Option<DateTime<Utc>>,
}

/// What differs between a user at two instants: attributes and every relationship.
#[utoipa::path(
    get,
    path = "/api/v1/users/{id}/diff",
    tag = "users",
    params(("id" = i64, Path, description = "The user's id"), DiffQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The differences", body = StateDiff),
        (status = 404, description = "The user existed at neither instant", body = ApiErrorBody),
    )
)]
pub async fn diff_user(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<DiffQuery>,
) -> Result<Json<StateDiff>, ApiError> {
    caller(&state, &parts, Permission::IdentityRead).await?;
    Ok(Json(
        state
            .store
            .diff_user_states(UserId(id), query.from, query.to)
            .await?,
    ))
}

/// A user's snapshots, newest first (their content: `/api/v1/snapshots/{id}`).
#[utoipa::path(
    get,
    path = "/api/v1/users/{id}/snapshots",
    tag = "snapshots",
    params(("id" = i64, Path, description = "The user's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The snapshots", body = Vec<SnapshotSummary>),
        (status = 403, description = "The token may not query snapshots", body = ApiErrorBody),
    )
)]
pub async fn user_snapshots(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<SnapshotSummary>>, ApiError> {
    caller(&state, &parts, Permission::BackupQuery).await?;
    Ok(Json(state.store.list_snapshots(UserId(id)).await?))
}

/// The group tree at one instant.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupTree {
    pub as_of: DateTime<Utc>,
    /// The groups without parent, each with its children, sorted by name.
    pub roots: Vec<GroupNode>,
}

/// The whole group tree as it was at an instant.
#[utoipa::path(
    get,
    path = "/api/v1/groups",
    tag = "groups",
    params(AsOf),
    security(("bearer" = [])),
    responses((status = 200, description = "The tree", body = GroupTree))
)]
pub async fn group_tree(
    State(state): State<AppState>,
    parts: Parts,
    ApiQuery(at): ApiQuery<AsOf>,
) -> Result<Json<GroupTree>, ApiError> {
    caller(&state, &parts, Permission::IdentityRead).await?;
    let as_of = super::paging::to_micros(at.as_of.unwrap_or_else(Utc::now));
    Ok(Json(GroupTree {
        as_of,
        roots: state.store.group_tree(Some(as_of)).await?,
    }))
}

/// A group with its members, at one instant.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupDetail {
    pub group: Group,
    pub members: Vec<GroupMember>,
}

/// One group and its members as of an instant.
#[utoipa::path(
    get,
    path = "/api/v1/groups/{id}",
    tag = "groups",
    params(("id" = i64, Path, description = "The group's id"), AsOf),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The group", body = GroupDetail),
        (status = 404, description = "No such group at that instant", body = ApiErrorBody),
    )
)]
pub async fn get_group(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(at): ApiQuery<AsOf>,
) -> Result<Json<GroupDetail>, ApiError> {
    caller(&state, &parts, Permission::IdentityRead).await?;
    let as_of = Some(at.as_of.unwrap_or_else(Utc::now));
    let group = state.store.get_group(GroupId(id), as_of).await?;
    let members = state.store.group_members(GroupId(id), as_of).await?;
    Ok(Json(GroupDetail { group, members }))
}
