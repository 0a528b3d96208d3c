//! Plain HTTP routes for files: a user snapshot as XML (`BackupQuery`; the snapshot listing as
//! CSV is with the other CSV downloads in `csv_files`); download a stored system backup, export an encrypted backup, upload one
//! for import (`SystemBackupManage`). Each checks the session and permission itself; large
//! bodies stream, never whole in memory.
use app::api::transfer::FORM_FIELD_LIMIT;
use app::auth::{authorize_headers, authorize_headers_fresh, confirm_password_for};
use app::error::AppError;
use app::model::Permission;
use app::state::AppState;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use tokio::io::AsyncWriteExt;
use tokio_util::io::ReaderStream;

/// Largest accepted upload.
const UPLOAD_LIMIT: usize = 8 << 30;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/files/snapshots/{file}", get(snapshot_xml))
        .route("/files/system-backups/{id}", get(download))
        .route("/files/system-backups/export", post(export))
        .route(
            "/files/system-backups/import",
            post(import).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
}

/// An `AppError` as JSON with its status (401, 403, 422...), like server functions send.
pub struct FileError(AppError);

impl<E: Into<AppError>> From<E> for FileError {
    fn from(error: E) -> Self {
        Self(error.into())
    }
}

impl IntoResponse for FileError {
    fn into_response(self) -> Response {
        (self.0.status_code(), Json(self.0)).into_response()
    }
}

pub(crate) fn attachment(
    file: tokio::fs::File,
    name: &str,
    size: u64,
    content_type: &str,
) -> Response {
    let mut response =
        Body::from_stream(ReaderStream::with_capacity(file, 64 << 10)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// GET /files/system-backups/{id}: the stored (compressed, unencrypted) backup file.
async fn download(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, FileError> {
    let operator = authorize_headers(&state, &headers, Permission::SystemBackupManage).await?;
    let (backup, path) = state
        .system_backup
        .backup_file(&state.store, &(&operator).into(), id)
        .await?;
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| AppError::NotFound(format!("the file of backup {id}")))?;
    let size = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    let name = format!(
        "rewind-backup-{id}-{}.rewind.tar.gz",
        backup.created_at.format("%Y%m%d-%H%M%S")
    );
    Ok(attachment(file, &name, size, "application/gzip"))
}

/// Characters safe in a quoted Content-Disposition file name; others become `_`.
fn file_name_part(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '.' | '-' | '_' => c,
            _ => '_',
        })
        .collect()
}

/// GET /files/snapshots/{id}.xml: one user snapshot as the XML of docs/snapshot-xml.md,
/// named `<user name>-<valid since>.xml`.
async fn snapshot_xml(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, FileError> {
    authorize_headers(&state, &headers, Permission::BackupQuery).await?;
    let id: i64 = file
        .strip_suffix(".xml")
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| AppError::NotFound(format!("/files/snapshots/{file}")))?;
    let snapshot = state.store.get_snapshot(id).await?;
    let xml = app::store::snapshot_to_xml(&snapshot)?;
    let name = format!(
        "{}-{}.xml",
        file_name_part(&snapshot.state.attributes.name),
        snapshot.valid_since.format("%Y%m%d-%H%M%S")
    );
    Ok(download_headers(
        xml.into_response(),
        &name,
        "application/xml; charset=utf-8",
    ))
}

fn download_headers(mut response: Response, name: &str, content_type: &'static str) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[derive(serde::Deserialize)]
struct ExportForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
    /// The operator's own sign-in password: an export needs it entered within minutes.
    #[serde(default)]
    current_password: String,
}

/// POST /files/system-backups/export (form: password, password_confirm, and current_password
/// unless the operator's password was entered in the last few minutes): the current data
/// as an age-encrypted archive (`age -d` decrypts it with the password).
async fn export(State(state): State<AppState>, request: Request) -> Result<Response, FileError> {
    let (parts, body) = request.into_parts();
    authorize_headers(&state, &parts.headers, Permission::SystemBackupManage).await?;
    let Form(form) =
        Form::<ExportForm>::from_request(Request::from_parts(parts.clone(), body), &state)
            .await
            .map_err(|e| AppError::invalid("password", e.body_text()))?;
    if !form.current_password.is_empty() {
        confirm_password_for(&state, &parts, &form.current_password).await?;
    }
    let operator =
        authorize_headers_fresh(&state, &parts.headers, Permission::SystemBackupManage).await?;
    let (file, name, size) = state
        .system_backup
        .export(
            &state.store,
            &(&operator).into(),
            &form.password,
            &form.password_confirm,
        )
        .await?;
    Ok(attachment(
        tokio::fs::File::from_std(file),
        &name,
        size,
        "application/octet-stream",
    ))
}

/// POST /files/system-backups/import (multipart: file, password): checks the upload and, if
/// it is a sound backup, keeps it as an `imported` backup. Replies with a `BackupValidation`;
/// restoring it then goes through `request_restore` / `confirm_restore`.
async fn import(State(state): State<AppState>, request: Request) -> Result<Response, FileError> {
    let operator =
        authorize_headers(&state, request.headers(), Permission::SystemBackupManage).await?;
    let mut multipart = Multipart::from_request(request, &state)
        .await
        .map_err(|e| AppError::invalid("file", e.body_text()))?;
    // Beside the backups: the same disk the operator sized for them, not a small /tmp.
    let dir = &state.system_backup.config().dir;
    let upload = std::fs::create_dir_all(dir)
        .and_then(|_| tempfile::Builder::new().prefix(".upload-").tempfile_in(dir))
        .map_err(|e| AppError::internal(format!("upload: {e}")))?;
    let mut received = false;
    let mut password = None;
    let bad_upload = |e: axum::extract::multipart::MultipartError| {
        AppError::invalid("file", format!("The upload failed: {}", e.body_text()))
    };
    while let Some(mut field) = multipart.next_field().await.map_err(bad_upload)? {
        match field.name() {
            Some("file") => {
                let file = upload
                    .reopen()
                    .map_err(|e| AppError::internal(format!("upload: {e}")))?;
                let mut file = tokio::fs::File::from_std(file);
                while let Some(chunk) = field.chunk().await.map_err(bad_upload)? {
                    file.write_all(&chunk)
                        .await
                        .map_err(|e| AppError::internal(format!("upload: {e}")))?;
                }
                file.flush()
                    .await
                    .map_err(|e| AppError::internal(format!("upload: {e}")))?;
                received = true;
            }
            Some("password") => {
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(bad_upload)? {
                    if bytes.len() + chunk.len() > FORM_FIELD_LIMIT {
                        return Err(AppError::invalid(
                            "password",
                            format!("The password is longer than {} KB.", FORM_FIELD_LIMIT >> 10),
                        )
                        .into());
                    }
                    bytes.extend_from_slice(&chunk);
                }
                let text = String::from_utf8(bytes).map_err(|_| {
                    AppError::invalid("password", "The password is not UTF-8 text.")
                })?;
                password = Some(text);
            }
            _ => {}
        }
    }
    if !received {
        return Err(AppError::invalid("file", "Choose a backup file to upload.").into());
    }
    let validation = state
        .system_backup
        .import(
            &state.store,
            &(&operator).into(),
            upload.path(),
            password.as_deref(),
        )
        .await?;
    Ok(Json(validation).into_response())
}
