//! GET /files/audit.csv?who=&action=&target=&from=&to=: every audit line the Audit page shows
//! for those filters, newest first, streamed page by page. Times are UTC (RFC 3339).
use crate::csv_files::{audit_export, csv_response, encode, header_chunk, paged_body, time};
use crate::files::FileError;
use app::auth::authorize_headers;
use app::error::AppError;
use app::model::{AuditEntry, AuditQuery, Page, Permission, AUDIT_MAX_PAGE};
use app::state::AppState;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new().route("/files/audit.csv", get(audit))
}

const AUDIT_CSV_COLUMNS: &[&str] = &["at", "who", "action", "target", "outcome", "details"];

#[derive(serde::Deserialize, Default)]
struct AuditParams {
    #[serde(default)]
    who: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    target: String,
    /// RFC 3339 instants, as the Audit page's URL carries them.
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

fn instant(field: &str, text: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, AppError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|t| Some(t.to_utc()))
        .map_err(|_| AppError::invalid(field, "Use an RFC 3339 time, e.g. 2026-01-31T09:00:00Z."))
}

fn encode_page(page: &Page<AuditEntry>) -> std::io::Result<Vec<u8>> {
    encode(page.items.iter().map(|e| {
        [
            time(e.at),
            e.operator_name.clone(),
            e.action.clone(),
            e.target.clone(),
            e.outcome.clone(),
            e.details.clone(),
        ]
    }))
}

async fn audit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<AuditParams>,
) -> Result<Response, FileError> {
    let operator = authorize_headers(&state, &headers, Permission::AuditRead).await?;
    let query = AuditQuery {
        who: params.who,
        action: params.action,
        target: params.target,
        from: instant("from", &params.from)?,
        to: instant("to", &params.to)?,
        offset: 0,
        limit: AUDIT_MAX_PAGE,
    };
    let first = state.store.search_audit(&query).await?;
    let details = format!(
        "who={:?} action={:?} target={:?}",
        query.who, query.action, query.target
    );
    audit_export(&state, &operator, "audit.csv", &details).await?;
    let store = state.store.clone();
    let body = paged_body(
        header_chunk(AUDIT_CSV_COLUMNS).map_err(|e| AppError::internal(e.to_string()))?,
        first,
        move |offset| {
            let (store, mut query) = (store.clone(), query.clone());
            query.offset = offset;
            async move { store.search_audit(&query).await }
        },
        encode_page,
    );
    Ok(csv_response("audit.csv", body))
}
