//! Systems, accounts, roles, grants and mail lists: thin server functions.
use crate::error::AppError;
use crate::model::*;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(endpoint = "list_systems", input = Json)]
pub async fn list_systems(as_of: Option<DateTime<Utc>>) -> Result<Vec<NamedObject>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state.store.list_systems(as_of).await?)
        }
        .await,
    )
}

#[server(endpoint = "create_system")]
pub async fn create_system(name: String, description: String) -> Result<SystemId, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state
                .store
                .create_system(&author, &name, &description)
                .await?)
        }
        .await,
    )
}

#[server(endpoint = "list_information_systems", input = Json)]
pub async fn list_information_systems(
    as_of: Option<DateTime<Utc>>,
) -> Result<Vec<NamedObject>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state.store.list_information_systems(as_of).await?)
        }
        .await,
    )
}

#[server(endpoint = "create_information_system")]
pub async fn create_information_system(
    name: String,
    description: String,
) -> Result<InformationSystemId, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state
                .store
                .create_information_system(&author, &name, &description)
                .await?)
        }
        .await,
    )
}

#[server(endpoint = "list_accounts", input = Json)]
pub async fn list_accounts(
    system: Option<i64>,
    as_of: Option<DateTime<Utc>>,
) -> Result<Vec<Account>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state
                .store
                .list_accounts(system.map(SystemId), as_of)
                .await?)
        }
        .await,
    )
}

#[server(endpoint = "create_account", input = Json)]
pub async fn create_account(input: AccountInput) -> Result<AccountId, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.create_account(&author, &input).await?)
        }
        .await,
    )
}

#[server(endpoint = "update_account", input = Json)]
pub async fn update_account(id: i64, input: AccountInput) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state
                .store
                .update_account(&author, AccountId(id), &input)
                .await?)
        }
        .await,
    )
}

#[server(endpoint = "delete_account")]
pub async fn delete_account(id: i64) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.delete_account(&author, AccountId(id)).await?)
        }
        .await,
    )
}

/// Makes a user owner, manager or SSO user of an account.
#[server(endpoint = "set_account_owner")]
pub async fn set_account_owner(account: i64, user: i64, level: String) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state
                .store
                .set_account_owner(&author, AccountId(account), UserId(user), &level)
                .await?)
        }
        .await,
    )
}

#[server(endpoint = "remove_account_owner")]
pub async fn remove_account_owner(account: i64, user: i64) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state
                .store
                .remove_account_owner(&author, AccountId(account), UserId(user))
                .await?)
        }
        .await,
    )
}

#[server(endpoint = "list_roles", input = Json)]
pub async fn list_roles(as_of: Option<DateTime<Utc>>) -> Result<Vec<Role>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state.store.list_roles(as_of).await?)
        }
        .await,
    )
}

#[server(endpoint = "create_role", input = Json)]
pub async fn create_role(input: RoleInput) -> Result<RoleId, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.create_role(&author, &input).await?)
        }
        .await,
    )
}

#[server(endpoint = "update_role", input = Json)]
pub async fn update_role(id: i64, input: RoleInput) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.update_role(&author, RoleId(id), &input).await?)
        }
        .await,
    )
}

#[server(endpoint = "delete_role")]
pub async fn delete_role(id: i64) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.delete_role(&author, RoleId(id)).await?)
        }
        .await,
    )
}

/// Holders of `role` also hold `inherited`; cycles are refused.
#[server(endpoint = "add_role_inheritance")]
pub async fn add_role_inheritance(role: i64, inherited: i64) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state
                .store
                .add_role_inheritance(&author, RoleId(role), RoleId(inherited))
                .await?)
        }
        .await,
    )
}

#[server(endpoint = "remove_role_inheritance")]
pub async fn remove_role_inheritance(role: i64, inherited: i64) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state
                .store
                .remove_role_inheritance(&author, RoleId(role), RoleId(inherited))
                .await?)
        }
        .await,
    )
}

/// Grants a role to a user, an account or a group.
#[server(endpoint = "grant_role", input = Json)]
pub async fn grant_role(input: GrantInput) -> Result<GrantId, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.grant_role(&author, &input).await?)
        }
        .await,
    )
}

/// Grants of one role and/or to one grantee, as of `as_of` (None = now).
#[server(endpoint = "list_grants", input = Json)]
pub async fn list_grants(
    role: Option<RoleId>,
    grantee: Option<Grantee>,
    as_of: Option<DateTime<Utc>>,
) -> Result<Vec<GrantRecord>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state.store.list_grants(role, grantee, as_of).await?)
        }
        .await,
    )
}

#[server(endpoint = "revoke_grant")]
pub async fn revoke_grant(id: i64) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.revoke_grant(&author, GrantId(id)).await?)
        }
        .await,
    )
}

#[server(endpoint = "create_mail_domain", input = Json)]
pub async fn create_mail_domain(input: MailDomainInput) -> Result<MailDomainId, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.create_mail_domain(&author, &input).await?)
        }
        .await,
    )
}

/// Mail lists as (id, name, domain code).
#[server(endpoint = "list_mail_lists", input = Json)]
pub async fn list_mail_lists(
    as_of: Option<DateTime<Utc>>,
) -> Result<Vec<(MailListId, String, String)>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state.store.list_mail_lists(as_of).await?)
        }
        .await,
    )
}

#[server(endpoint = "create_mail_list", input = Json)]
pub async fn create_mail_list(input: MailListInput) -> Result<MailListId, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.create_mail_list(&author, &input).await?)
        }
        .await,
    )
}

#[server(endpoint = "update_mail_list", input = Json)]
pub async fn update_mail_list(id: i64, input: MailListInput) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state
                .store
                .update_mail_list(&author, MailListId(id), &input)
                .await?)
        }
        .await,
    )
}

#[server(endpoint = "delete_mail_list")]
pub async fn delete_mail_list(id: i64) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state
                .store
                .delete_mail_list(&author, MailListId(id))
                .await?)
        }
        .await,
    )
}

#[server(endpoint = "add_mail_list_member", input = Json)]
pub async fn add_mail_list_member(list: i64, member: MailMember) -> Result<i64, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state
                .store
                .add_mail_list_member(&author, MailListId(list), &member)
                .await?)
        }
        .await,
    )
}

#[server(endpoint = "remove_mail_list_member", input = Json)]
pub async fn remove_mail_list_member(list: i64, member: MailMember) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state
                .store
                .remove_mail_list_member(&author, MailListId(list), &member)
                .await?)
        }
        .await,
    )
}

/// The users a list reaches (direct, groups, roles, nested lists).
#[server(endpoint = "mail_list_targets", input = Json)]
pub async fn mail_list_targets(
    list: i64,
    as_of: Option<DateTime<Utc>>,
) -> Result<Vec<UserId>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state
                .store
                .mail_list_targets(MailListId(list), as_of)
                .await?)
        }
        .await,
    )
}

/// Accounts, one page at a time; `query.parent` is a system id.
#[server(endpoint = "search_accounts", input = Json)]
pub async fn search_accounts(query: DirectoryQuery) -> Result<Page<Account>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state.store.search_accounts(&query).await?)
        }
        .await,
    )
}

#[server(endpoint = "get_account", input = Json)]
pub async fn get_account(id: i64, as_of: Option<DateTime<Utc>>) -> Result<AccountDetail, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state.store.get_account(AccountId(id), as_of).await?)
        }
        .await,
    )
}

/// Roles, one page at a time; `query.parent` is a system id.
#[server(endpoint = "search_roles", input = Json)]
pub async fn search_roles(query: DirectoryQuery) -> Result<Page<Role>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state.store.search_roles(&query).await?)
        }
        .await,
    )
}

#[server(endpoint = "get_role", input = Json)]
pub async fn get_role(id: i64, as_of: Option<DateTime<Utc>>) -> Result<RoleDetail, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state.store.get_role(RoleId(id), as_of).await?)
        }
        .await,
    )
}

#[server(endpoint = "search_mail_domains", input = Json)]
pub async fn search_mail_domains(query: DirectoryQuery) -> Result<Page<MailDomain>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state.store.search_mail_domains(&query).await?)
        }
        .await,
    )
}

/// Mail lists, one page at a time; `query.parent` is a mail domain id.
#[server(endpoint = "search_mail_lists", input = Json)]
pub async fn search_mail_lists(query: DirectoryQuery) -> Result<Page<MailListSummary>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state.store.search_mail_lists(&query).await?)
        }
        .await,
    )
}

#[server(endpoint = "get_mail_list", input = Json)]
pub async fn get_mail_list(
    id: i64,
    as_of: Option<DateTime<Utc>>,
) -> Result<MailListDetail, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state.store.get_mail_list(MailListId(id), as_of).await?)
        }
        .await,
    )
}

// Multi-select deletes from the lists: one operation each, all or none; they answer with the
// names of what was deleted.

#[server(endpoint = "delete_accounts", input = Json)]
pub async fn delete_accounts(ids: Vec<AccountId>) -> Result<Vec<String>, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.delete_accounts(&author, &ids).await?)
        }
        .await,
    )
}

#[server(endpoint = "delete_roles", input = Json)]
pub async fn delete_roles(ids: Vec<RoleId>) -> Result<Vec<String>, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.delete_roles(&author, &ids).await?)
        }
        .await,
    )
}

#[server(endpoint = "delete_mail_lists", input = Json)]
pub async fn delete_mail_lists(ids: Vec<MailListId>) -> Result<Vec<String>, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.delete_mail_lists(&author, &ids).await?)
        }
        .await,
    )
}
