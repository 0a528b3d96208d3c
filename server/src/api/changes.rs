//! `GET /api/v1/changes`: the change feed. Followers read pages after their cursor and may
//! wait (long-poll) for the next change instead of polling hard.
use super::ApiError;
use app::model::{ChangePage, Permission};
use app::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::Json;
use serde::Deserialize;
use std::time::Duration;
use utoipa::IntoParams;

/// The longest a request may wait for a change.
const MAX_WAIT: Duration = Duration::from_secs(30);
/// How often a waiting request looks again (every process sees every commit this way, so
/// followers of several servers behind one load balancer are served alike).
const LOOK_EVERY: Duration = Duration::from_millis(200);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// The cursor of the last event read (`next` of the previous page); none or empty for the
    /// start of the feed.
    after: Option<String>,
    /// Events per page, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    /// Wait this long for a change when there is none yet: `30s`, `30` or `0` (default), at
    /// most 30 seconds.
    wait: Option<String>,
}

fn wait_of(text: Option<&str>) -> Result<Duration, ApiError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(Duration::ZERO);
    };
    let seconds: u64 = text
        .strip_suffix('s')
        .unwrap_or(text)
        .parse()
        .map_err(|_| {
            ApiError::invalid(format!(
                "wait {text:?} is a number of seconds, such as 30s."
            ))
        })?;
    Ok(Duration::from_secs(seconds).min(MAX_WAIT))
}

/// Every change to the identity store in commit order: each event is one operation (who,
/// when, what kind, where from) with the objects it changed, their attributes before and
/// after. Cursors stay valid across restarts and system restores; after a system restore
/// the feed carries one event with `resync: true` naming the backup. A cursor older than the
/// history retention kept (its events were pruned) answers 410: the follower reads the
/// current state again and follows on from the cursor the error names.
#[utoipa::path(
    get,
    path = "/api/v1/changes",
    tag = "changes",
    params(ChangesQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of events (empty when nothing new came in time)", body = ChangePage),
        (status = 400, description = "A bad cursor, limit or wait", body = super::ApiErrorBody),
        (status = 401, description = "No valid token", body = super::ApiErrorBody),
        (status = 403, description = "The token may not read identities", body = super::ApiErrorBody),
        (status = 410, description = "Events after this cursor were pruned by the history retention: read everything again", body = super::ApiErrorBody),
    )
)]
pub async fn list_changes(
    State(state): State<AppState>,
    query: Result<Query<ChangesQuery>, QueryRejection>,
    parts: Parts,
) -> Result<Json<ChangePage>, ApiError> {
    super::caller(&state, &parts, Permission::IdentityRead).await?;
    let Query(query) = query.map_err(|e| ApiError::invalid(e.body_text()))?;
    let after = app::store::parse_cursor(query.after.as_deref().unwrap_or_default())
        .ok_or_else(|| ApiError::invalid("after is a cursor this feed handed out."))?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=app::store::MAX_FEED_PAGE).contains(&limit) {
        return Err(ApiError::invalid(format!(
            "limit is 1 to {}.",
            app::store::MAX_FEED_PAGE
        )));
    }
    let deadline = tokio::time::Instant::now() + wait_of(query.wait.as_deref())?;
    loop {
        let page = state.store.changes(after, limit).await?;
        // Read after the page: pruning moves the horizon in the transaction that deletes the
        // events, so a page read while they went is never handed out with holes.
        let horizon = state.store.feed_horizon().await?;
        if after < horizon {
            return Err(ApiError::gone(format!(
                "The events up to cursor {horizon} were deleted by the history retention, so \
                 this feed cannot follow on from cursor {after}. Read the current state again, \
                 then follow from cursor {horizon}."
            )));
        }
        if !page.events.is_empty() || tokio::time::Instant::now() >= deadline {
            return Ok(Json(page));
        }
        tokio::time::sleep(LOOK_EVERY.min(deadline - tokio::time::Instant::now())).await;
    }
}
