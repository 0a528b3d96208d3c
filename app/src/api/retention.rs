//! History retention: how long history is kept (the Owner sets it; pruning runs in the
//! background, see `store::prune`).
use crate::error::AppError;
use crate::model::HistoryRetention;
use leptos::prelude::*;

#[server(endpoint = "get_history_retention")]
pub async fn get_history_retention() -> Result<HistoryRetention, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(crate::model::Permission::BackupQuery).await?;
            Ok(state.store.history_retention().await?)
        }
        .await,
    )
}

/// `keep_months`: none to keep history forever. A shorter period than the one in force
/// deletes history for good at the next pruning run: it needs `confirm_shorter`, the
/// Owner's permission and a freshly entered password.
#[server(endpoint = "set_history_retention")]
pub async fn set_history_retention(
    keep_months: Option<i64>,
    confirm_shorter: bool,
) -> Result<HistoryRetention, AppError> {
    crate::auth::reply(
        async move {
            let (state, operator) =
                crate::auth::authorize_fresh(crate::model::Permission::RetentionConfigure).await?;
            Ok(state
                .store
                .set_history_retention(&(&operator).into(), keep_months, confirm_shorter)
                .await?)
        }
        .await,
    )
}
