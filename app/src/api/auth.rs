use crate::error::AppError;
use crate::model::SessionState;
use leptos::prelude::*;

/// What the console should show this visitor: first-run setup, sign-in, or the app.
#[server(endpoint = "get_session")]
pub async fn get_session() -> Result<SessionState, AppError> {
    crate::auth::reply(
        async move {
            let (state, headers) = crate::auth::request_context()?;
            crate::auth::session_state(&state, &headers).await
        }
        .await,
    )
}

/// The identity provider's name when operators may sign in through it (OpenID Connect), for
/// the sign-in page's "Sign in with …" button. Public, like the sign-in form itself.
#[server(endpoint = "oidc_provider")]
pub async fn oidc_provider() -> Result<Option<String>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::request_context()?;
            Ok(state
                .oidc
                .as_ref()
                .map(|oidc| oidc.provider_name().to_string()))
        }
        .await,
    )
}

/// First run: creates the Owner with the one-time token from the server log, then signs in.
#[server(endpoint = "create_owner")]
pub async fn create_owner(
    setup_token: String,
    username: String,
    display_name: String,
    password: String,
    password_confirm: String,
) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::request_context()?;
            if password != password_confirm {
                return Err(AppError::invalid(
                    "password_confirm",
                    "The passwords do not match.",
                ));
            }
            let owner = state
                .store
                .create_owner(Some(&setup_token), &username, &display_name, &password)
                .await?;
            start_session(&state, owner.id).await?;
            leptos_axum::redirect("/");
            Ok(())
        }
        .await,
    )
}

#[server(endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, parts) = crate::auth::request_parts()?;
            let address = crate::auth::client_address(&parts, &state.auth);
            let operator = state
                .store
                .authenticate(&username, &password, &address)
                .await?;
            start_session(&state, operator.id).await?;
            leptos_axum::redirect("/");
            Ok(())
        }
        .await,
    )
}

/// Re-enters the signed-in operator's password, so the sensitive operations that ask for it
/// (export, operator management, restore approval) work for a few more minutes.
#[server(endpoint = "confirm_password")]
pub async fn confirm_password(password: String) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, parts) = crate::auth::request_parts()?;
            crate::auth::confirm_password_for(&state, &parts, &password).await?;
            Ok(())
        }
        .await,
    )
}

/// Removes the signed-in operator's link to the identity provider; the password is entered
/// again for it (throttled and audited like a sign-in).
#[server(endpoint = "unlink_identity")]
pub async fn unlink_identity(password: String) -> Result<crate::model::Operator, AppError> {
    crate::auth::reply(
        async move {
            let (state, parts) = crate::auth::request_parts()?;
            let operator = crate::auth::confirm_password_for(&state, &parts, &password).await?;
            let provider = state
                .oidc
                .as_ref()
                .map_or("the identity provider", |oidc| oidc.provider_name());
            Ok(state.store.unlink_identity(&operator, provider).await?)
        }
        .await,
    )
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, headers) = crate::auth::request_context()?;
            if let Some(token) = crate::auth::session_token(&headers) {
                if let Some(operator) = state
                    .store
                    .session_operator(&token, state.auth.session_idle_secs)
                    .await?
                {
                    state
                        .store
                        .record_audit(&crate::store::AuditRecord {
                            operator_id: Some(operator.id.0),
                            operator_name: &operator.username,
                            action: "session.logout",
                            target: &operator.username,
                            outcome: "ok",
                            details: "",
                        })
                        .await?;
                }
                state.store.delete_session(&token).await?;
            }
            crate::auth::set_response_cookie(&crate::auth::expired_session_cookie(&state));
            leptos_axum::redirect("/login");
            Ok(())
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
async fn start_session(
    state: &crate::state::AppState,
    operator: crate::model::OperatorId,
) -> Result<(), AppError> {
    let token = crate::store::random_token();
    state
        .store
        .create_session(operator, &token, state.auth.session_ttl_secs)
        .await?;
    crate::auth::set_response_cookie(&crate::auth::session_cookie(&token, state));
    Ok(())
}
