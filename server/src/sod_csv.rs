//! GET /files/sod-violations.csv: the segregation of duties report — every user holding
//! roles a rule names together — as the report page shows it, by user then rule.
use crate::csv_files::{audit_export, csv_file};
use crate::files::FileError;
use app::auth::authorize_headers;
use app::model::kinds::SOD_RULES;
use app::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new().route("/files/sod-violations.csv", get(violations))
}

const COLUMNS: &[&str] = &["userName", "rule", "risk", "roles"];

async fn violations(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, FileError> {
    let operator = authorize_headers(&state, &headers, SOD_RULES.read).await?;
    let found = state.store.sod_violations(None).await?;
    audit_export(&state, &operator, "sod-violations.csv", "").await?;
    let rows = found
        .iter()
        .map(|v| {
            vec![
                v.user_name.clone(),
                v.rule_name.clone(),
                v.risk.as_str().to_string(),
                v.roles.join("; "),
            ]
        })
        .collect();
    csv_file("sod-violations.csv", COLUMNS, rows)
}
