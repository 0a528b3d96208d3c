//! User snapshots: settings, listing, XML/JSON, diff, restore planning and execution.
use crate::error::AppError;
use crate::model::*;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(endpoint = "get_snapshot_config")]
pub async fn get_snapshot_config() -> Result<SnapshotConfig, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::BackupQuery).await?;
            Ok(state.store.snapshot_config().await?)
        }
        .await,
    )
}

#[server(endpoint = "set_snapshot_config", input = Json)]
pub async fn set_snapshot_config(config: SnapshotConfig) -> Result<SnapshotConfig, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::BackupConfigure).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.set_snapshot_config(&author, &config).await?)
        }
        .await,
    )
}

/// A user's snapshots, newest first.
#[server(endpoint = "list_snapshots")]
pub async fn list_snapshots(user: i64) -> Result<Vec<SnapshotSummary>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::BackupQuery).await?;
            Ok(state.store.list_snapshots(UserId(user)).await?)
        }
        .await,
    )
}

/// Every user's snapshots, filtered and paged (the "configure & restore" page).
#[server(endpoint = "list_all_snapshots", input = Json)]
pub async fn list_all_snapshots(
    query: SnapshotListQuery,
) -> Result<Page<SnapshotListItem>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::BackupQuery).await?;
            Ok(state.store.list_all_snapshots(&query).await?)
        }
        .await,
    )
}

/// One snapshot with its content (the JSON form).
#[server(endpoint = "get_snapshot")]
pub async fn get_snapshot(id: i64) -> Result<Snapshot, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::BackupQuery).await?;
            Ok(state.store.get_snapshot(id).await?)
        }
        .await,
    )
}

/// One snapshot as the XML document of docs/snapshot-xml.md.
#[server(endpoint = "snapshot_xml")]
pub async fn snapshot_xml(id: i64) -> Result<String, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::BackupQuery).await?;
            Ok(state.store.snapshot_xml(id).await?)
        }
        .await,
    )
}

/// Changes from snapshot `from` to snapshot `to` (None = the user now).
#[server(endpoint = "diff_snapshots", input = Json)]
pub async fn diff_snapshots(from: i64, to: Option<i64>) -> Result<StateDiff, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::BackupQuery).await?;
            Ok(state.store.diff_snapshots(from, to).await?)
        }
        .await,
    )
}

/// The exact changes a restore would make; blocked items say why.
#[server(endpoint = "plan_restore", input = Json)]
pub async fn plan_restore(
    user: i64,
    source: RestoreSource,
    selection: RestoreSelection,
    mode: RestoreMode,
) -> Result<RestorePlan, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(Permission::BackupRestore).await?;
            Ok(state
                .store
                .plan_restore(UserId(user), source, &selection, mode)
                .await?)
        }
        .await,
    )
}

/// Applies a plan as one recorded change. The server plans again from the plan's user,
/// snapshot, selection and mode and applies only the fresh items the operator selected; an
/// item that is not part of the fresh plan is refused (422) and nothing changes.
#[server(endpoint = "apply_restore", input = Json)]
pub async fn apply_restore(plan: RestorePlan) -> Result<RestoreOutcome, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::BackupRestore).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.apply_restore(&author, &plan).await?)
        }
        .await,
    )
}
