//! API tokens on the console. Creating one needs a freshly entered password: it is a new
//! credential.
use crate::error::AppError;
use crate::model::*;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(endpoint = "list_api_tokens")]
pub async fn list_api_tokens() -> Result<Vec<ApiToken>, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::TokensManage).await?;
            Ok(state.store.list_api_tokens(&actor).await?)
        }
        .await,
    )
}

#[server(endpoint = "create_api_token", input = Json)]
pub async fn create_api_token(input: NewApiToken) -> Result<CreatedApiToken, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize_fresh(Permission::TokensManage).await?;
            Ok(state.store.create_api_token(&actor, &input).await?)
        }
        .await,
    )
}

#[server(endpoint = "revoke_api_token", input = Json)]
pub async fn revoke_api_token(id: i64) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::TokensManage).await?;
            Ok(state.store.revoke_api_token(&actor, id).await?)
        }
        .await,
    )
}

/// The REST API's operations, from the OpenAPI document the server generated, for the API
/// reference page (any operator may read it; the document itself is public).
#[server(endpoint = "get_api_reference")]
pub async fn get_api_reference() -> Result<Vec<ApiOperation>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(crate::model::api_operations(&state.api_reference))
        }
        .await,
    )
}
