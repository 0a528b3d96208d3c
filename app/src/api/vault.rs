//! Vault secrets. Seeing when a secret changed needs the vault accounts' read permission;
//! setting or putting one back their write permission; revealing one `VaultReveal` and a
//! freshly entered password. Secrets travel in request and response bodies only, never in
//! a URL.
use crate::error::AppError;
use crate::model::*;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(endpoint = "vault_secret_history", input = Json)]
pub async fn vault_secret_history(account: i64) -> Result<Vec<SecretVersion>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) =
                crate::auth::authorize(crate::model::kinds::VAULT_ACCOUNTS.read).await?;
            Ok(state.store.vault_secret_history(account).await?)
        }
        .await,
    )
}

#[server(endpoint = "set_vault_secret", input = Json)]
pub async fn set_vault_secret(account: i64, secret: SecretText) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) =
                crate::auth::authorize(crate::model::kinds::VAULT_ACCOUNTS.write).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state
                .store
                .set_vault_secret(&author, account, &secret.0)
                .await?)
        }
        .await,
    )
}

#[server(endpoint = "restore_vault_secret", input = Json)]
pub async fn restore_vault_secret(account: i64, version: i64) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) =
                crate::auth::authorize(crate::model::kinds::VAULT_ACCOUNTS.write).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state
                .store
                .restore_vault_secret(&author, account, version)
                .await?)
        }
        .await,
    )
}

/// The secret in clear (`version`, or the current one); the page hides it again after
/// `REVEAL_SECONDS`.
#[server(endpoint = "reveal_vault_secret", input = Json)]
pub async fn reveal_vault_secret(
    account: i64,
    version: Option<i64>,
) -> Result<RevealedSecret, AppError> {
    crate::auth::reply(
        async move {
            let (state, headers) = crate::auth::request_context()?;
            let actor = match crate::auth::authorize_headers_fresh(
                &state,
                &headers,
                Permission::VaultReveal,
            )
            .await
            {
                Ok(actor) => actor,
                Err(error) => {
                    // A refused reveal by a signed-in operator is worth knowing about.
                    if let Some(operator) = crate::auth::operator_for(&state, &headers).await? {
                        state
                            .store
                            .record_audit(&crate::store::AuditRecord {
                                operator_id: Some(operator.id.0),
                                operator_name: &operator.username,
                                action: "vault.reveal",
                                target: &format!("vault account #{account}"),
                                outcome: "denied",
                                details: &error.to_string(),
                            })
                            .await?;
                    }
                    return Err(error);
                }
            };
            let author = crate::store::Author::operator(&actor);
            Ok(state
                .store
                .reveal_vault_secret(&author, account, version)
                .await?)
        }
        .await,
    )
}

/// The folders a user reaches and at which level (their current permissions).
#[server(endpoint = "vault_access_of_user", input = Json)]
pub async fn vault_access_of_user(user: UserId) -> Result<Vec<VaultAccess>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) =
                crate::auth::authorize(crate::model::kinds::VAULT_FOLDERS.read).await?;
            Ok(state.store.vault_access_of_user(user).await?)
        }
        .await,
    )
}

/// Everyone who reaches a folder, and at which level.
#[server(endpoint = "vault_folder_people", input = Json)]
pub async fn vault_folder_people(folder: i64) -> Result<Vec<VaultPerson>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) =
                crate::auth::authorize(crate::model::kinds::VAULT_FOLDERS.read).await?;
            Ok(state.store.vault_folder_people(folder).await?)
        }
        .await,
    )
}
