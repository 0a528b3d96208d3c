use crate::error::AppError;
use crate::model::Operator;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn parse_role(role: &str) -> Result<crate::model::OperatorRole, AppError> {
    crate::model::OperatorRole::parse(role)
        .ok_or_else(|| AppError::invalid("role", format!("Unknown role {role:?}.")))
}

#[server(endpoint = "list_operators")]
pub async fn list_operators() -> Result<Vec<Operator>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) =
                crate::auth::authorize(crate::model::Permission::OperatorsManage).await?;
            Ok(state.store.list_operators().await?)
        }
        .await,
    )
}

#[server(endpoint = "add_operator")]
pub async fn add_operator(
    username: String,
    display_name: String,
    role: String,
    password: String,
) -> Result<Operator, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) =
                crate::auth::authorize_fresh(crate::model::Permission::OperatorsManage).await?;
            let new = crate::store::NewOperator {
                username,
                display_name,
                role: parse_role(&role)?,
                password,
            };
            Ok(state.store.add_operator(&actor, new).await?)
        }
        .await,
    )
}

#[server(endpoint = "set_operator_disabled")]
pub async fn set_operator_disabled(id: i64, disabled: bool) -> Result<Operator, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) =
                crate::auth::authorize_fresh(crate::model::Permission::OperatorsManage).await?;
            Ok(state
                .store
                .set_operator_disabled(&actor, id.into(), disabled)
                .await?)
        }
        .await,
    )
}

#[server(endpoint = "change_operator_role")]
pub async fn change_operator_role(id: i64, role: String) -> Result<Operator, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) =
                crate::auth::authorize_fresh(crate::model::Permission::OperatorsManage).await?;
            Ok(state
                .store
                .change_operator_role(&actor, id.into(), parse_role(&role)?)
                .await?)
        }
        .await,
    )
}

#[server(endpoint = "reset_operator_password")]
pub async fn reset_operator_password(id: i64, password: String) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) =
                crate::auth::authorize_fresh(crate::model::Permission::OperatorsManage).await?;
            Ok(state
                .store
                .reset_operator_password(&actor, id.into(), &password)
                .await?)
        }
        .await,
    )
}
