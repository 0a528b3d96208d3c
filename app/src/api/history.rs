//! Per-user history, the recycle bin and restoring one history record.
use crate::error::AppError;
use crate::model::*;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Every version of one kind of a user's records, newest first.
#[server(endpoint = "user_history", input = Json)]
pub async fn user_history(
    user: i64,
    kind: HistoryKind,
    offset: i64,
    limit: i64,
) -> Result<Page<HistoryEntry>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state
                .store
                .user_history(UserId(user), kind, offset, limit)
                .await?)
        }
        .await,
    )
}

/// Deleted users and groups, with when and who.
#[server(endpoint = "recycle_bin")]
pub async fn recycle_bin() -> Result<Vec<DeletedObject>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state.store.recycle_bin().await?)
        }
        .await,
    )
}

/// Re-creates an ended record (membership, grant...) as a new current version.
#[server(endpoint = "restore_history_record", input = Json)]
pub async fn restore_history_record(kind: HistoryKind, version_id: i64) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::BackupRestore).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state
                .store
                .restore_history_record(&author, kind, version_id)
                .await?)
        }
        .await,
    )
}

/// A page of the user's timeline: every recorded change with what it changed.
#[server(endpoint = "user_timeline", input = Json)]
pub async fn user_timeline(query: TimelineQuery) -> Result<Page<TimelineEvent>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state.store.user_timeline(&query).await?)
        }
        .await,
    )
}

/// What differs between the user at `from` and at `to` (now when None).
#[server(endpoint = "diff_user_states", input = Json)]
pub async fn diff_user_states(
    user: i64,
    from: chrono::DateTime<chrono::Utc>,
    to: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<StateDiff, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::IdentityRead).await?;
            Ok(state.store.diff_user_states(UserId(user), from, to).await?)
        }
        .await,
    )
}
