//! Whole-system backups: the catalogue, starting one, following its job, downloading it.
use super::{caller, ApiError, ApiErrorBody, ApiPath};
use app::error::AppError;
use app::model::*;
use app::state::AppState;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

/// The longest label a backup may carry.
const MAX_LABEL: usize = 200;

fn actor(caller: &ApiCaller) -> app::store::Actor {
    app::store::Actor {
        id: Some(caller.operator.id.0),
        name: caller.author_name("API"),
    }
}

/// Every system backup, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/backups",
    tag = "backups",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The backups", body = Vec<SystemBackup>),
        (status = 403, description = "The token may not manage system backups", body = ApiErrorBody),
    )
)]
pub async fn list_backups(
    State(state): State<AppState>,
    parts: Parts,
) -> Result<Json<Vec<SystemBackup>>, ApiError> {
    caller(&state, &parts, Permission::SystemBackupManage).await?;
    Ok(Json(state.store.list_system_backups().await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBackup {
    /// A label to find it by (at most 200 characters).
    #[serde(default)]
    label: String,
}

/// Starts a backup of the whole system in the background; follow it with
/// `GET /api/v1/backups/jobs/{id}`.
#[utoipa::path(
    post,
    path = "/api/v1/backups",
    tag = "backups",
    request_body(content = Option<NewBackup>, description = "Optional: a label"),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Started", body = BackupJob),
        (status = 503, description = "A system restore is running", body = ApiErrorBody),
    )
)]
pub async fn create_backup(
    State(state): State<AppState>,
    parts: Parts,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<(StatusCode, Json<BackupJob>), ApiError> {
    let caller = caller(&state, &parts, Permission::SystemBackupManage).await?;
    let body = body.map_err(|e| ApiError::invalid(e.body_text()))?;
    // No body at all is a backup without a label.
    let request: NewBackup = if body.iter().all(u8::is_ascii_whitespace) {
        NewBackup::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::invalid(format!("The body is not a backup request: {e}")))?
    };
    if request.label.chars().count() > MAX_LABEL {
        return Err(ApiError::invalid(format!(
            "label is at most {MAX_LABEL} characters."
        )));
    }
    let job = state
        .system_backup
        .start_backup(
            &state.store,
            actor(&caller),
            BackupKind::Manual,
            &request.label,
        )
        .await
        .map_err(AppError::from)?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}

/// A backup or restore job: its state and progress.
#[utoipa::path(
    get,
    path = "/api/v1/backups/jobs/{id}",
    tag = "backups",
    params(("id" = i64, Path, description = "The job's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The job", body = BackupJob),
        (status = 404, description = "No such job (the last 100 jobs are kept)", body = ApiErrorBody),
    )
)]
pub async fn get_backup_job(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<BackupJob>, ApiError> {
    caller(&state, &parts, Permission::SystemBackupManage).await?;
    let job = state
        .system_backup
        .job(&state.store, id)
        .await
        .map_err(AppError::from)?
        .ok_or_else(|| AppError::NotFound(format!("job {id}")))?;
    Ok(Json(job))
}

/// The stored backup file (a compressed archive, not encrypted).
#[utoipa::path(
    get,
    path = "/api/v1/backups/{id}/download",
    tag = "backups",
    params(("id" = i64, Path, description = "The backup's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The archive", content_type = "application/gzip", body = Vec<u8>),
        (status = 404, description = "No such backup", body = ApiErrorBody),
        (status = 409, description = "The backup is not ready", body = ApiErrorBody),
    )
)]
pub async fn download_backup(
    State(state): State<AppState>,
    parts: Parts,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let caller = caller(&state, &parts, Permission::SystemBackupManage).await?;
    let (backup, path) = state
        .system_backup
        .backup_file(&state.store, &actor(&caller), id)
        .await
        .map_err(AppError::from)?;
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| AppError::NotFound(format!("the file of backup {id}")))?;
    let size = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    let name = format!(
        "rewind-backup-{id}-{}.rewind.tar.gz",
        backup.created_at.format("%Y%m%d-%H%M%S")
    );
    Ok(crate::files::attachment(
        file,
        &name,
        size,
        "application/gzip",
    ))
}
