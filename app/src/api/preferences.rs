//! The signed-in operator's own console preferences.
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "get_preference")]
pub async fn get_preference(name: String) -> Result<Option<String>, AppError> {
    crate::auth::reply(
        async move {
            let (state, operator) =
                crate::auth::authorize(crate::model::Permission::IdentityRead).await?;
            Ok(state.store.preference(operator.id, &name).await?)
        }
        .await,
    )
}

#[server(endpoint = "set_preference")]
pub async fn set_preference(name: String, value: String) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, operator) =
                crate::auth::authorize(crate::model::Permission::IdentityRead).await?;
            Ok(state
                .store
                .set_preference(operator.id, &name, &value)
                .await?)
        }
        .await,
    )
}
