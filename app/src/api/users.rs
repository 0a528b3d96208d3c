//! Users and their memberships: thin server functions over the identity store.
use crate::error::AppError;
use crate::model::*;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// A page of users as of `query.as_of` (None = now).
#[server(endpoint = "list_users", input = Json)]
pub async fn list_users(query: UserListQuery) -> Result<Page<UserSummary>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state.store.list_users(&query).await?)
        }
        .await,
    )
}

/// One user with memberships, accounts, grants and mail lists as of `as_of`.
#[server(endpoint = "get_user", input = Json)]
pub async fn get_user(id: i64, as_of: Option<DateTime<Utc>>) -> Result<UserDetail, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state.store.get_user(UserId(id), as_of).await?)
        }
        .await,
    )
}

#[server(endpoint = "create_user", input = Json)]
pub async fn create_user(input: UserInput) -> Result<UserId, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.create_user(&author, &input).await?)
        }
        .await,
    )
}

#[server(endpoint = "update_user", input = Json)]
pub async fn update_user(id: i64, input: UserInput) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.update_user(&author, UserId(id), &input).await?)
        }
        .await,
    )
}

/// Moves a user to the recycle bin (history and snapshots stay).
#[server(endpoint = "delete_user")]
pub async fn delete_user(id: i64) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.delete_user(&author, UserId(id)).await?)
        }
        .await,
    )
}

/// Moves several users to the recycle bin in one transaction; returns their names.
#[server(endpoint = "delete_users", input = Json)]
pub async fn delete_users(ids: Vec<UserId>) -> Result<Vec<String>, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.delete_users(&author, &ids).await?)
        }
        .await,
    )
}

/// Brings a deleted user back with its last state.
#[server(endpoint = "recover_user")]
pub async fn recover_user(id: i64) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.recover_user(&author, UserId(id)).await?)
        }
        .await,
    )
}

/// Every role the user holds, with the path it comes through.
#[server(endpoint = "effective_roles", input = Json)]
pub async fn effective_roles(
    id: i64,
    as_of: Option<DateTime<Utc>>,
) -> Result<Vec<EffectiveRole>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state.store.effective_roles(UserId(id), as_of).await?)
        }
        .await,
    )
}

#[server(endpoint = "add_membership", input = Json)]
pub async fn add_membership(input: MembershipInput) -> Result<MembershipId, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.add_membership(&author, &input).await?)
        }
        .await,
    )
}

#[server(endpoint = "update_membership", input = Json)]
pub async fn update_membership(
    id: i64,
    start_date: Option<DateTime<Utc>>,
    end_date: Option<DateTime<Utc>>,
    comments: String,
) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state
                .store
                .update_membership(&author, MembershipId(id), start_date, end_date, &comments)
                .await?)
        }
        .await,
    )
}

/// Sets the end date of a membership (it stays on record).
#[server(endpoint = "end_membership", input = Json)]
pub async fn end_membership(id: i64, end_date: DateTime<Utc>) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state
                .store
                .end_membership(&author, MembershipId(id), end_date)
                .await?)
        }
        .await,
    )
}

#[server(endpoint = "remove_membership")]
pub async fn remove_membership(id: i64) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state
                .store
                .remove_membership(&author, MembershipId(id))
                .await?)
        }
        .await,
    )
}
