//! Accounts, roles, mail lists and every declared resource kind (`model::kinds`), as of any
//! instant. Declared kinds are served by one pair of routes, `/api/v1/resources/{kind}`:
//! a kind added to the declarations is in the API without code here.
use super::identity::AsOf;
use super::paging::{ApiPage, ListQuery, PageAt};
use super::{caller, ApiError, ApiErrorBody, ApiPath, ApiQuery};
use app::model::*;
use app::state::AppState;
use axum::extract::State;
use axum::http::request::Parts;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// What the directory lists take besides paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Within {
    /// Only objects of this system (accounts, roles) or mail domain (mail lists).
    parent: Option<i64>,
}

fn directory_query(list: &ListQuery, at: PageAt, within: &Within) -> DirectoryQuery {
    DirectoryQuery {
        as_of: Some(at.as_of),
        search: list.search(),
        parent: within.parent,
        offset: at.offset,
        limit: at.limit,
        ..DirectoryQuery::default()
    }
}

/// Accounts on target systems as of an instant.
#[utoipa::path(
    get,
    path = "/api/v1/accounts",
    tag = "directory",
    params(ListQuery, Within),
    security(("bearer" = [])),
    responses((status = 200, description = "A page of accounts", body = ApiPage<Account>))
)]
pub async fn list_accounts(
    State(state): State<AppState>,
    parts: Parts,
    ApiQuery(list): ApiQuery<ListQuery>,
    ApiQuery(within): ApiQuery<Within>,
) -> Result<Json<ApiPage<Account>>, ApiError> {
    caller(&state, &parts, Permission::IdentityRead).await?;
    let at = list.page_at()?;
    let page = state
        .store
        .search_accounts(&directory_query(&list, at, &within))
        .await?;
    Ok(Json(at.page(page.items, page.total)))
}

/// One account, its owners and grants, as of an instant.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{id}",
    tag = "directory",
    params(("id" = i64, Path, description = "The account's id"), AsOf),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account", body = AccountDetail),
        (status = 404, description = "No such account at that instant", body = ApiErrorBody),
    )
)]
pub async fn get_account(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(at): ApiQuery<AsOf>,
) -> Result<Json<AccountDetail>, ApiError> {
    caller(&state, &parts, Permission::IdentityRead).await?;
    Ok(Json(
        state.store.get_account(AccountId(id), at.as_of).await?,
    ))
}

/// Roles as of an instant.
#[utoipa::path(
    get,
    path = "/api/v1/roles",
    tag = "directory",
    params(ListQuery, Within),
    security(("bearer" = [])),
    responses((status = 200, description = "A page of roles", body = ApiPage<Role>))
)]
pub async fn list_roles(
    State(state): State<AppState>,
    parts: Parts,
    ApiQuery(list): ApiQuery<ListQuery>,
    ApiQuery(within): ApiQuery<Within>,
) -> Result<Json<ApiPage<Role>>, ApiError> {
    caller(&state, &parts, Permission::IdentityRead).await?;
    let at = list.page_at()?;
    let page = state
        .store
        .search_roles(&directory_query(&list, at, &within))
        .await?;
    Ok(Json(at.page(page.items, page.total)))
}

/// One role, what it inherits and who holds it, as of an instant.
#[utoipa::path(
    get,
    path = "/api/v1/roles/{id}",
    tag = "directory",
    params(("id" = i64, Path, description = "The role's id"), AsOf),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The role", body = RoleDetail),
        (status = 404, description = "No such role at that instant", body = ApiErrorBody),
    )
)]
pub async fn get_role(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(at): ApiQuery<AsOf>,
) -> Result<Json<RoleDetail>, ApiError> {
    caller(&state, &parts, Permission::IdentityRead).await?;
    Ok(Json(state.store.get_role(RoleId(id), at.as_of).await?))
}

/// Mail lists as of an instant.
#[utoipa::path(
    get,
    path = "/api/v1/mail-lists",
    tag = "directory",
    params(ListQuery, Within),
    security(("bearer" = [])),
    responses((status = 200, description = "A page of mail lists", body = ApiPage<MailListSummary>))
)]
pub async fn list_mail_lists(
    State(state): State<AppState>,
    parts: Parts,
    ApiQuery(list): ApiQuery<ListQuery>,
    ApiQuery(within): ApiQuery<Within>,
) -> Result<Json<ApiPage<MailListSummary>>, ApiError> {
    caller(&state, &parts, Permission::IdentityRead).await?;
    let at = list.page_at()?;
    let page = state
        .store
        .search_mail_lists(&directory_query(&list, at, &within))
        .await?;
    Ok(Json(at.page(page.items, page.total)))
}

/// One mail list and its members as of an instant.
#[utoipa::path(
    get,
    path = "/api/v1/mail-lists/{id}",
    tag = "directory",
    params(("id" = i64, Path, description = "The mail list's id"), AsOf),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The mail list", body = MailListDetail),
        (status = 404, description = "No such mail list at that instant", body = ApiErrorBody),
    )
)]
pub async fn get_mail_list(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(at): ApiQuery<AsOf>,
) -> Result<Json<MailListDetail>, ApiError> {
    caller(&state, &parts, Permission::IdentityRead).await?;
    Ok(Json(
        state.store.get_mail_list(MailListId(id), at.as_of).await?,
    ))
}

/// A declared resource kind: what `/api/v1/resources/{kind}` serves.
#[derive(Debug, Serialize, ToSchema)]
pub struct KindInfo {
    /// The path segment: `/api/v1/resources/{slug}`.
    pub slug: String,
    pub singular: String,
    pub plural: String,
    /// The attributes, in order: each object's `attributes` has these keys.
    pub attributes: Vec<KindAttribute>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KindAttribute {
    pub key: String,
    pub label: String,
    pub required: bool,
}

/// The declared resource kinds the token may read.
#[utoipa::path(
    get,
    path = "/api/v1/resources",
    tag = "directory",
    security(("bearer" = [])),
    responses((status = 200, description = "The kinds", body = Vec<KindInfo>))
)]
pub async fn list_kinds(
    State(state): State<AppState>,
    parts: Parts,
) -> Result<Json<Vec<KindInfo>>, ApiError> {
    let caller = caller(&state, &parts, Permission::IdentityRead).await?;
    Ok(Json(
        kinds::ALL
            .iter()
            .filter(|kind| caller.can(kind.read))
            .map(|kind| KindInfo {
                slug: kind.slug.into(),
                singular: kind.singular.into(),
                plural: kind.plural.into(),
                attributes: kind
                    .attributes
                    .iter()
                    .map(|a| KindAttribute {
                        key: a.key.into(),
                        label: a.label.into(),
                        required: a.required,
                    })
                    .collect(),
            })
            .collect(),
    ))
}

/// An object of a declared kind: its attributes by key.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiResource {
    pub id: i64,
    pub attributes: BTreeMap<String, String>,
    /// When the version read was written, and by whom.
    pub modified: Stamp,
}

/// An object of a declared kind with the objects that depend on it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiResourceDetail {
    #[serde(flatten)]
    pub resource: ApiResource,
    pub dependents: Vec<ApiDependents>,
}

/// One kind of dependent object (e.g. the roles of a system), as the console shows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiDependents {
    pub title: String,
    /// The headings of each row's `cells`.
    pub columns: Vec<String>,
    pub rows: Vec<DependentRow>,
}

fn resource_of(kind: KindRef, record: ResourceRecord) -> ApiResource {
    ApiResource {
        id: record.id,
        attributes: kind
            .attributes
            .iter()
            .map(|a| a.key.to_string())
            .zip(record.values)
            .collect(),
        modified: record.modified,
    }
}

/// The kind named in the path, if the token holds the kind's permission that `needs` picks
/// (its `read` or `write`); an unknown kind is said only to an authenticated caller.
pub(super) async fn kind_for(
    state: &AppState,
    parts: &Parts,
    slug: &str,
    needs: fn(&ResourceKind) -> Permission,
) -> Result<(KindRef, ApiCaller), ApiError> {
    let Some(kind) = KindRef::parse(slug) else {
        return Err(app::error::AppError::NotFound(format!(
            "resource kind {slug:?} (GET /api/v1/resources lists them)"
        ))
        .into());
    };
    let caller = caller(state, parts, needs(&kind)).await?;
    Ok((kind, caller))
}

/// Objects of a declared kind as of an instant.
#[utoipa::path(
    get,
    path = "/api/v1/resources/{kind}",
    tag = "directory",
    params(("kind" = String, Path, description = "A kind's slug, e.g. `networks`"), ListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of objects", body = ApiPage<ApiResource>),
        (status = 404, description = "No such kind", body = ApiErrorBody),
    )
)]
pub async fn list_resources(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(list): ApiQuery<ListQuery>,
) -> Result<Json<ApiPage<ApiResource>>, ApiError> {
    let (kind, _) = kind_for(&state, &parts, &slug, |kind| kind.read).await?;
    let at = list.page_at()?;
    let within = Within { parent: None };
    let page = state
        .store
        .search_resources(kind.0, &directory_query(&list, at, &within))
        .await?;
    let items = page
        .items
        .into_iter()
        .map(|record| resource_of(kind, record))
        .collect();
    Ok(Json(at.page(items, page.total)))
}

/// One object of a declared kind, with its dependents, as of an instant.
#[utoipa::path(
    get,
    path = "/api/v1/resources/{kind}/{id}",
    tag = "directory",
    params(
        ("kind" = String, Path, description = "A kind's slug, e.g. `networks`"),
        ("id" = i64, Path, description = "The object's id"),
        AsOf
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The object", body = ApiResourceDetail),
        (status = 404, description = "No such kind, or no such object at that instant", body = ApiErrorBody),
    )
)]
pub async fn get_resource(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
    ApiQuery(at): ApiQuery<AsOf>,
) -> Result<Json<ApiResourceDetail>, ApiError> {
    let (kind, _) = kind_for(&state, &parts, &slug, |kind| kind.read).await?;
    let detail = state.store.get_resource(kind.0, id, at.as_of).await?;
    let dependents = kind
        .dependents
        .iter()
        .zip(detail.dependents)
        .map(|(declared, rows)| ApiDependents {
            title: declared.title.into(),
            columns: declared
                .columns
                .iter()
                .map(|(_, h)| h.to_string())
                .collect(),
            rows,
        })
        .collect();
    Ok(Json(ApiResourceDetail {
        resource: resource_of(kind, detail.record),
        dependents,
    }))
}
