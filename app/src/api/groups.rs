//! The group tree: thin server functions over the identity store.
use crate::error::AppError;
use crate::model::*;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The whole group tree as of `as_of` (None = now).
#[server(endpoint = "group_tree", input = Json)]
pub async fn group_tree(as_of: Option<DateTime<Utc>>) -> Result<Vec<GroupNode>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state.store.group_tree(as_of).await?)
        }
        .await,
    )
}

#[server(endpoint = "get_group", input = Json)]
pub async fn get_group(id: i64, as_of: Option<DateTime<Utc>>) -> Result<Group, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state.store.get_group(GroupId(id), as_of).await?)
        }
        .await,
    )
}

#[server(endpoint = "group_members", input = Json)]
pub async fn group_members(
    id: i64,
    as_of: Option<DateTime<Utc>>,
) -> Result<Vec<GroupMember>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state.store.group_members(GroupId(id), as_of).await?)
        }
        .await,
    )
}

#[server(endpoint = "create_group", input = Json)]
pub async fn create_group(input: GroupInput) -> Result<GroupId, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.create_group(&author, &input).await?)
        }
        .await,
    )
}

/// Updates a group; a move that would make a cycle is refused.
#[server(endpoint = "update_group", input = Json)]
pub async fn update_group(id: i64, input: GroupInput) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state
                .store
                .update_group(&author, GroupId(id), &input)
                .await?)
        }
        .await,
    )
}

#[server(endpoint = "delete_group")]
pub async fn delete_group(id: i64) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.delete_group(&author, GroupId(id)).await?)
        }
        .await,
    )
}

#[server(endpoint = "recover_group")]
pub async fn recover_group(id: i64) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.recover_group(&author, GroupId(id)).await?)
        }
        .await,
    )
}

/// Changes to the group tree per period since the first group, for the time slider.
#[server(endpoint = "group_change_density")]
pub async fn group_change_density(buckets: i64) -> Result<ChangeDensity, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state.store.group_change_density(buckets).await?)
        }
        .await,
    )
}

/// The changes to the group tree after `from` up to `to` (now when None), newest first.
#[server(endpoint = "list_group_changes", input = Json)]
pub async fn list_group_changes(
    from: DateTime<Utc>,
    to: Option<DateTime<Utc>>,
) -> Result<GroupChanges, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            let to = to.unwrap_or_else(Utc::now);
            Ok(state.store.group_changes(from, to).await?)
        }
        .await,
    )
}
