//! Finding objects by name: the group pickers' type-ahead and the console's search box.
use crate::error::AppError;
use crate::model::*;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Current groups whose name contains `text`, with their paths (at most `GROUP_CHOICES_LIMIT`).
#[server(endpoint = "find_groups", input = Json)]
pub async fn find_groups(text: String) -> Result<Page<GroupChoice>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state.store.find_groups(&text, GROUP_CHOICES_LIMIT).await?)
        }
        .await,
    )
}

/// The path of one current group (a picker's label for the group already chosen).
#[server(endpoint = "group_path", input = Json)]
pub async fn group_path(id: i64) -> Result<Option<GroupChoice>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state.store.group_paths(&[GroupId(id)]).await?.pop())
        }
        .await,
    )
}

/// Users, groups, roles and accounts matching `text`: the first few of each and the counts.
#[server(endpoint = "search_everything", input = Json)]
pub async fn search_everything(text: String) -> Result<SearchResults, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state
                .store
                .search_everything(&text, SEARCH_SECTION_LIMIT)
                .await?)
        }
        .await,
    )
}
