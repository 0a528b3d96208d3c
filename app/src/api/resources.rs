//! The server functions of every declared kind (`model::kinds`): the kind travels by its
//! slug, and each function checks the kind's own read or write permission.
use crate::error::AppError;
use crate::model::*;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(endpoint = "search_resources", input = Json)]
pub async fn search_resources(
    kind: KindRef,
    query: DirectoryQuery,
) -> Result<Page<ResourceRecord>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(kind.read).await?;
            Ok(state.store.search_resources(kind.0, &query).await?)
        }
        .await,
    )
}

#[server(endpoint = "get_resource", input = Json)]
pub async fn get_resource(
    kind: KindRef,
    id: i64,
    as_of: Option<DateTime<Utc>>,
) -> Result<ResourceDetail, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(kind.read).await?;
            Ok(state.store.get_resource(kind.0, id, as_of).await?)
        }
        .await,
    )
}

#[server(endpoint = "create_resource", input = Json)]
pub async fn create_resource(kind: KindRef, input: ResourceInput) -> Result<i64, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(kind.write).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.create_resource(&author, kind.0, &input).await?)
        }
        .await,
    )
}

#[server(endpoint = "update_resource", input = Json)]
pub async fn update_resource(kind: KindRef, id: i64, input: ResourceInput) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(kind.write).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state
                .store
                .update_resource(&author, kind.0, id, &input)
                .await?)
        }
        .await,
    )
}

/// Deletes the chosen objects in one operation, all or none; answers with their names.
#[server(endpoint = "delete_resources", input = Json)]
pub async fn delete_resources(kind: KindRef, ids: Vec<i64>) -> Result<Vec<String>, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(kind.write).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.delete_resources(&author, kind.0, &ids).await?)
        }
        .await,
    )
}

/// Every version of one object, newest first.
#[server(endpoint = "resource_history", input = Json)]
pub async fn resource_history(
    kind: KindRef,
    id: i64,
    offset: i64,
    limit: i64,
) -> Result<Page<ResourceVersion>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(kind.read).await?;
            Ok(state
                .store
                .resource_history(kind.0, id, offset, limit)
                .await?)
        }
        .await,
    )
}

/// Puts an old version's values back in force; answers with the object's name.
#[server(endpoint = "restore_resource_version", input = Json)]
pub async fn restore_resource_version(
    kind: KindRef,
    id: i64,
    version_id: i64,
) -> Result<String, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(kind.write).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state
                .store
                .restore_resource_version(&author, kind.0, id, version_id)
                .await?)
        }
        .await,
    )
}

/// Brings a deleted object back from the recycle bin with its last values.
#[server(endpoint = "recover_resource", input = Json)]
pub async fn recover_resource(kind: KindRef, id: i64) -> Result<String, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(kind.write).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.recover_resource(&author, kind.0, id).await?)
        }
        .await,
    )
}

#[server(endpoint = "resource_tree", input = Json)]
pub async fn resource_tree(
    kind: KindRef,
    as_of: Option<DateTime<Utc>>,
) -> Result<Vec<TreeItem>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(kind.read).await?;
            Ok(state.store.resource_tree(kind.0, as_of).await?)
        }
        .await,
    )
}
