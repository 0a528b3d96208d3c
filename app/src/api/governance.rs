//! Governance beyond the rules' declared pages: what a role assignment rule would change
//! and applying it to every user in the background (reading needs the rules' read
//! permission, applying and cancelling their write one); segregation of duties violations
//! and the risks of a grant about to be made.
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
            Ok(state.store.rule_run(rule).await?)
        }
        .await,
    )
}

#[server(endpoint = "cancel_role_rule_run", input = Json)]
pub async fn cancel_role_rule_run(rule: i64) -> Result<RuleRun, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(crate::model::kinds::ROLE_RULES.write).await?;
            Ok(state.store.cancel_rule_run(rule).await?)
        }
        .await,
    )
}

/// Current segregation of duties violations of one user, or of everyone (the report).
#[server(endpoint = "sod_violations", input = Json)]
pub async fn sod_violations(user: Option<UserId>) -> Result<Vec<SodViolation>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(crate::model::kinds::SOD_RULES.read).await?;
            Ok(state.store.sod_violations(user).await?)
        }
        .await,
    )
}

/// The risks granting `role` to `grantee` would bring (the grant form's warning).
#[server(endpoint = "sod_check_grant", input = Json)]
pub async fn sod_check_grant(
    grantee: Grantee,
    role: RoleId,
) -> Result<Vec<SodViolation>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(crate::model::kinds::SOD_RULES.read).await?;
            Ok(state.store.sod_check_grant(grantee, role).await?)
        }
        .await,
    )
}

/// Current segregation of duties violations that involve one role (its page's warning).
#[server(endpoint = "role_sod_violations", input = Json)]
pub async fn role_sod_violations(role: RoleId) -> Result<Vec<SodViolation>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(crate::model::kinds::SOD_RULES.read).await?;
            Ok(state.store.sod_violations_with_role(role).await?)
        }
        .await,
    )
}
