//! Plain HTTP routes for files: a user snapshot as XML and the snapshot listing as CSV
//! (`BackupQuery`); download a stored system backup, export an encrypted backup, upload one
//! for import (`SystemBackupManage`). Each checks the session and permission itself; large
//! bodies stream, never whole in memory.
use app::auth::authorize_headers;
use app::error::AppError;
use app::model::{Permission, SnapshotListing, UserId};
use app::state::AppState;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::SecondsFormat;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio_util::io::ReaderStream;

/// Largest accepted upload.
const UPLOAD_LIMIT: usize = 8 << 30;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/files/snapshots/{file}", get(snapshot_xml))
        .route("/files/snapshots.csv", get(snapshots_csv))
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

fn attachment(file: tokio::fs::File, name: &str, size: u64, content_type: &str) -> Response {
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
struct SnapshotsQuery {
    user: Option<i64>,
}

/// Rows per database round trip of the CSV export.
const CSV_PAGE: i64 = 1000;

/// GET /files/snapshots.csv[?user=ID]: every snapshot (or one user's) as CSV with a header
/// row, streamed a page at a time so that a large store never sits in memory.
async fn snapshots_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<SnapshotsQuery>,
) -> Result<Response, FileError> {
    authorize_headers(&state, &headers, Permission::BackupQuery).await?;
    let user = query.user.map(UserId);
    // The first page is read before answering, so a failing database is an error status.
    let first = state.store.snapshot_listing(user, 0, CSV_PAGE).await?;
    let header_row = csv_bytes(&[], true)?;
    let start = (Some(first), 0i64);
    let store = state.store.clone();
    let pages = futures_util::stream::unfold(start, move |(page, after)| {
        let store = store.clone();
        async move {
            let page = match page {
                Some(page) => Ok(page),
                None if after < 0 => return None,
                None => store.snapshot_listing(user, after, CSV_PAGE).await,
            };
            match page {
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let last = rows.last().map(|r| r.id).unwrap_or(after);
                    let next = if (rows.len() as i64) < CSV_PAGE {
                        -1
                    } else {
                        last
                    };
                    let bytes = csv_bytes(&rows, false).map_err(|e| std::io::Error::other(e.0));
                    Some((bytes, (None, next)))
                }
                Err(e) => Some((Err(std::io::Error::other(e.to_string())), (None, -1))),
            }
        }
    });
    let body =
        futures_util::stream::once(async move { Ok::<_, std::io::Error>(header_row) }).chain(pages);
    let user_part = query.user.map(|u| format!("-user-{u}")).unwrap_or_default();
    Ok(download_headers(
        Body::from_stream(body).into_response(),
        &format!("snapshots{user_part}.csv"),
        "text/csv; charset=utf-8",
    ))
}

/// Rows as CSV (RFC 3339 UTC times, an empty `valid_until` for the newest snapshot).
fn csv_bytes(rows: &[SnapshotListing], header_row: bool) -> Result<Vec<u8>, FileError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| FileError(AppError::Internal(format!("csv: {e}")));
    if header_row {
        writer
            .write_record(["snapshot", "user", "valid_since", "valid_until", "size"])
            .map_err(fail)?;
    }
    let time = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    for row in rows {
        writer
            .write_record([
                row.id.to_string(),
                row.user_name.clone(),
                time(row.valid_since),
                row.valid_until.map(time).unwrap_or_default(),
                row.size.to_string(),
            ])
            .map_err(fail)?;
    }
    writer
        .into_inner()
        .map_err(|e| FileError(AppError::Internal(format!("csv: {e}"))))
}

#[derive(serde::Deserialize)]
struct ExportForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

/// POST /files/system-backups/export (form: password, password_confirm): the current data
/// as an age-encrypted archive (`age -d` decrypts it with the password).
async fn export(State(state): State<AppState>, request: Request) -> Result<Response, FileError> {
    let operator =
        authorize_headers(&state, request.headers(), Permission::SystemBackupManage).await?;
    let Form(form) = Form::<ExportForm>::from_request(request, &state)
        .await
        .map_err(|e| AppError::invalid("password", e.body_text()))?;
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
        .map_err(|e| AppError::Internal(format!("upload: {e}")))?;
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
                    .map_err(|e| AppError::Internal(format!("upload: {e}")))?;
                let mut file = tokio::fs::File::from_std(file);
                while let Some(chunk) = field.chunk().await.map_err(bad_upload)? {
                    file.write_all(&chunk)
                        .await
                        .map_err(|e| AppError::Internal(format!("upload: {e}")))?;
                }
                file.flush()
                    .await
                    .map_err(|e| AppError::Internal(format!("upload: {e}")))?;
                received = true;
            }
            Some("password") => {
                password = Some(field.text().await.map_err(bad_upload)?);
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
