//! System backups: catalogue, background jobs, schedule, Owner-approved restore, inbox.
//! Files (download, export, import upload) are plain HTTP routes in the server crate.
use crate::error::AppError;
use crate::model::{BackupJob, BackupSchedule, InboxMessage, RestoreRequest, SystemBackup};
use leptos::prelude::*;

#[server(endpoint = "list_system_backups")]
pub async fn list_system_backups() -> Result<Vec<SystemBackup>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) =
                crate::auth::authorize(crate::model::Permission::SystemBackupManage).await?;
            Ok(state.store.list_system_backups().await?)
        }
        .await,
    )
}

/// Starts a backup in the background; poll `get_backup_job` with the returned job's id.
#[server(endpoint = "create_system_backup")]
pub async fn create_system_backup(label: String) -> Result<BackupJob, AppError> {
    crate::auth::reply(
        async move {
            let (state, operator) =
                crate::auth::authorize(crate::model::Permission::SystemBackupManage).await?;
            Ok(state
                .system_backup
                .start_backup(
                    &state.store,
                    (&operator).into(),
                    crate::model::BackupKind::Manual,
                    &label,
                )
                .await?)
        }
        .await,
    )
}

#[server(endpoint = "get_backup_job")]
pub async fn get_backup_job(id: i64) -> Result<BackupJob, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) =
                crate::auth::authorize(crate::model::Permission::SystemBackupManage).await?;
            state
                .system_backup
                .job(&state.store, id)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("job {id}")))
        }
        .await,
    )
}

#[server(endpoint = "delete_system_backup")]
pub async fn delete_system_backup(id: i64) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, operator) =
                crate::auth::authorize(crate::model::Permission::SystemBackupManage).await?;
            Ok(state
                .system_backup
                .delete_backup(&state.store, &(&operator).into(), id)
                .await?)
        }
        .await,
    )
}

#[server(endpoint = "get_backup_schedule")]
pub async fn get_backup_schedule() -> Result<BackupSchedule, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) =
                crate::auth::authorize(crate::model::Permission::SystemBackupManage).await?;
            Ok(state.store.schedule_settings().await?.to_model())
        }
        .await,
    )
}

/// `frequency`: "daily" or "weekly"; `weekday`: 0 = Monday ... 6 = Sunday; `time`: "HH:MM" UTC.
#[server(endpoint = "set_backup_schedule")]
pub async fn set_backup_schedule(
    enabled: bool,
    frequency: String,
    weekday: i64,
    time: String,
    keep_last: i64,
) -> Result<BackupSchedule, AppError> {
    crate::auth::reply(
        async move {
            let (state, operator) =
                crate::auth::authorize(crate::model::Permission::SystemBackupManage).await?;
            let frequency = crate::model::ScheduleFrequency::parse(&frequency)
                .ok_or_else(|| AppError::invalid("frequency", "Choose daily or weekly."))?;
            let minute_of_day = crate::store::parse_time_of_day(&time)?;
            Ok(state
                .store
                .set_schedule(
                    &(&operator).into(),
                    enabled,
                    frequency,
                    weekday,
                    minute_of_day,
                    keep_last,
                )
                .await?
                .to_model())
        }
        .await,
    )
}

/// Adds a checked upload to the catalogue (kind `imported`); returns its backup id.
#[server(endpoint = "import_checked_backup")]
pub async fn import_checked_backup(upload: String) -> Result<i64, AppError> {
    crate::auth::reply(
        async move {
            let (state, operator) =
                crate::auth::authorize(crate::model::Permission::SystemBackupManage).await?;
            Ok(state
                .system_backup
                .import_checked(&state.store, &(&operator).into(), &upload)
                .await?)
        }
        .await,
    )
}

/// Asks the Owner for a one-time code to restore `backup_id` (a listed or imported backup).
#[server(endpoint = "request_restore")]
pub async fn request_restore(backup_id: i64) -> Result<RestoreRequest, AppError> {
    crate::auth::reply(
        async move {
            let (state, operator) =
                crate::auth::authorize(crate::model::Permission::SystemBackupManage).await?;
            Ok(state
                .system_backup
                .request_restore(&state.store, &operator, backup_id)
                .await?)
        }
        .await,
    )
}

/// Checks the Owner's code and starts the restore; poll `get_backup_job`, reload when done.
#[server(endpoint = "confirm_restore")]
pub async fn confirm_restore(request_id: i64, code: String) -> Result<BackupJob, AppError> {
    crate::auth::reply(
        async move {
            let (state, operator) =
                crate::auth::authorize_fresh(crate::model::Permission::SystemBackupManage).await?;
            Ok(state
                .system_backup
                .confirm_restore(&state.store, &operator, request_id, &code)
                .await?)
        }
        .await,
    )
}

/// The signed-in operator's inbox (restore codes for the Owner).
#[server(endpoint = "list_inbox")]
pub async fn list_inbox() -> Result<Vec<InboxMessage>, AppError> {
    crate::auth::reply(
        async move {
            let (state, operator) =
                crate::auth::authorize(crate::model::Permission::SystemBackupManage).await?;
            Ok(state.store.list_inbox(operator.id).await?)
        }
        .await,
    )
}

/// Unread inbox messages, for the badge.
#[server(endpoint = "count_unread_inbox")]
pub async fn count_unread_inbox() -> Result<i64, AppError> {
    crate::auth::reply(
        async move {
            let (state, operator) =
                crate::auth::authorize(crate::model::Permission::SystemBackupManage).await?;
            Ok(state.store.unread_inbox_count(operator.id).await?)
        }
        .await,
    )
}

#[server(endpoint = "mark_inbox_read")]
pub async fn mark_inbox_read(id: i64) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, operator) =
                crate::auth::authorize(crate::model::Permission::SystemBackupManage).await?;
            Ok(state.store.mark_inbox_read(operator.id, id).await?)
        }
        .await,
    )
}
