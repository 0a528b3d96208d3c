//! Role assignment rules beyond their declared pages: what a rule would change, and
//! applying it to every user in the background. Previewing needs the rules' read
//! permission; applying and cancelling their write one.
use crate::error::AppError;
use crate::model::*;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(endpoint = "preview_role_rule", input = Json)]
pub async fn preview_role_rule(rule: i64) -> Result<RulePreview, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(crate::model::kinds::ROLE_RULES.read).await?;
            Ok(state.store.preview_role_rule(rule).await?)
        }
        .await,
    )
}

#[server(endpoint = "apply_role_rule", input = Json)]
pub async fn apply_role_rule(rule: i64) -> Result<RuleRun, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) =
                crate::auth::authorize(crate::model::kinds::ROLE_RULES.write).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.start_rule_run(&author, rule).await?)
        }
        .await,
    )
}

#[server(endpoint = "role_rule_run", input = Json)]
pub async fn role_rule_run(rule: i64) -> Result<Option<RuleRun>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(crate::model::kinds::ROLE_RULES.read).await?;
            Ok(state.store.rule_run(rule))
        }
        .await,
    )
}

#[server(endpoint = "cancel_role_rule_run", input = Json)]
pub async fn cancel_role_rule_run(rule: i64) -> Result<RuleRun, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(crate::model::kinds::ROLE_RULES.write).await?;
            Ok(state.store.cancel_rule_run(rule)?)
        }
        .await,
    )
}
