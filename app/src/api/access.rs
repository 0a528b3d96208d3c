//! The access lists of declared kinds: printer assignments, application authorizations,
//! network access control. Reading needs the kind's read permission, changing its write one.
use crate::error::AppError;
use crate::model::*;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(endpoint = "access_entries", input = Json)]
pub async fn access_entries(kind: KindRef, object: i64) -> Result<Vec<AccessEntry>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(kind.read).await?;
            Ok(state.store.access_entries(kind.0, object).await?)
        }
        .await,
    )
}

#[server(endpoint = "grant_access", input = Json)]
pub async fn grant_access(kind: KindRef, object: i64, input: AccessInput) -> Result<i64, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(kind.write).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state
                .store
                .grant_access(&author, kind.0, object, &input)
                .await?)
        }
        .await,
    )
}

#[server(endpoint = "revoke_access", input = Json)]
pub async fn revoke_access(kind: KindRef, entry: i64) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(kind.write).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.revoke_access(&author, kind.0, entry).await?)
        }
        .await,
    )
}
