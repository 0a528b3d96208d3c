//! (g) of `server bench`: the change feed. A writer changes users one operation at a time, as
//! console edits are, as fast as the store takes them, while a follower reads
//! `GET /api/v1/changes` through the real router (in-process) in pages of up to 1000,
//! waiting with `wait` when it has caught up. Measured: both rates, how long after the last
//! write the follower has read it, the rate of reading a backlog, and what the feed stores
//! per change.
use app::model::{
    ChangePage, NewApiToken, OperatorRole, Permission, UserId, UserInput, UserListQuery,
};
use app::state::AuthConfig;
use app::store::{Author, Backend, Store};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use leptos::prelude::LeptosOptions;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// The follower's rate the feed must sustain (issue: a follower keeps up with 1,000 changes/s).
const TARGET_PER_SECOND: f64 = 1000.0;

async fn read_page(
    router: &Router,
    token: &str,
    after: &str,
    wait: &str,
) -> Result<ChangePage, String> {
    let uri = format!("/api/v1/changes?after={after}&limit=1000&wait={wait}");
    let request = Request::get(&uri)
        .header(header::HOST, "localhost")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .map_err(|e| e.to_string())?;
    let response = router
        .clone()
        .oneshot(request)
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .map_err(|e| e.to_string())?;
    if status != StatusCode::OK {
        return Err(format!(
            "GET {uri} answered {status}: {}",
            String::from_utf8_lossy(&bytes)
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

/// Bytes of the feed's own structures: `change_log` and its index, and the index of the
/// operations' positions (the position itself is 8 bytes in each operation's row).
async fn feed_bytes(store: &Store) -> Result<i64, String> {
    let sql = match store.backend() {
        Backend::Sqlite => {
            "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat \
             WHERE name IN ('change_log', 'change_log_operation', 'operations_feed_seq')"
        }
        Backend::Postgres => {
            "SELECT CAST(pg_total_relation_size('change_log') \
             + pg_relation_size('operations_feed_seq') AS BIGINT)"
        }
    };
    let (bytes,): (i64,) = sqlx::query_as(sql)
        .fetch_one(store.pool())
        .await
        .map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// Measures (g) with `changes` user changes. Answers the report's line.
pub(crate) async fn measure(store: &Store, changes: usize) -> Result<String, String> {
    let e = |e: app::store::Error| e.to_string();
    let owner = store
        .list_operators()
        .await
        .map_err(e)?
        .into_iter()
        .find(|o| o.role == OperatorRole::Owner)
        .ok_or("the bench has no Owner")?;
    let token = store
        .create_api_token(
            &owner,
            &NewApiToken {
                name: "feed bench".into(),
                days: 1,
                permissions: vec![Permission::IdentityRead],
            },
        )
        .await
        .map_err(e)?
        .secret;
    let options = LeptosOptions::builder().output_name("rewind").build();
    let router = server::router(server::app_state(
        options,
        store.clone(),
        AuthConfig::default(),
    ));
    let mut users: Vec<(UserId, UserInput)> = Vec::new();
    let page = store
        .list_users(&UserListQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .map_err(e)?;
    for summary in page.items {
        let input = store
            .get_user(summary.id, None)
            .await
            .map_err(e)?
            .state
            .attributes;
        users.push((summary.id, input));
    }
    if users.is_empty() {
        return Err("the bench has no users".into());
    }
    let start = store.latest_change_cursor().await.map_err(e)?;
    let bytes_before = feed_bytes(store).await?;

    // The writer and the follower at once.
    let done = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, done) = (store.clone(), done.clone());
        tokio::spawn(async move {
            let author = Author::named("feed bench");
            let started = Instant::now();
            let count = users.len();
            for i in 0..changes {
                let (id, input) = &mut users[i % count];
                input.comments = format!("feed bench change {i}");
                store.update_user(&author, *id, input).await?;
            }
            let took = started.elapsed();
            done.store(true, Ordering::SeqCst);
            Ok::<_, app::store::Error>((took, Instant::now()))
        })
    };
    let followed = Instant::now();
    let (mut cursor, mut seen) = (start.clone(), 0usize);
    loop {
        let page = read_page(&router, &token, &cursor, "1s").await?;
        seen += page
            .events
            .iter()
            .filter(|event| event.author == "feed bench")
            .count();
        cursor = page.next;
        if seen >= changes {
            break;
        }
        if done.load(Ordering::SeqCst) && page.events.is_empty() {
            return Err(format!("the follower saw {seen} of {changes} changes"));
        }
    }
    let caught_up = Instant::now();
    let follow_took = followed.elapsed();
    let (write_took, written) = writer
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let lag = caught_up.saturating_duration_since(written);
    let bytes_after = feed_bytes(store).await?;

    // A backlog: the same changes read again from the start, as fast as pages come.
    let backlog = Instant::now();
    let (mut cursor, mut read) = (start, 0usize);
    while read < changes {
        let page = read_page(&router, &token, &cursor, "0").await?;
        if page.events.is_empty() {
            return Err(format!(
                "the backlog ended after {read} of {changes} changes"
            ));
        }
        read += page.events.len();
        cursor = page.next;
    }
    let backlog_took = backlog.elapsed();

    let rate = |n: usize, d: Duration| n as f64 / d.as_secs_f64().max(1e-9);
    let backlog_rate = rate(read, backlog_took);
    let per_change = (bytes_after - bytes_before) as f64 / changes as f64;
    Ok(format!(
        "(g) change feed, {changes} one-user changes: written {:.0}/s while a follower read \
         them ({:.0}/s), the last read {:.0} ms after it was written; a backlog read at {:.0} \
         changes/s (target >= {TARGET_PER_SECOND:.0}/s: {}); the feed's own storage {:.0} \
         bytes a change (change_log and indexes)",
        rate(changes, write_took),
        rate(seen, follow_took),
        lag.as_secs_f64() * 1000.0,
        backlog_rate,
        if backlog_rate >= TARGET_PER_SECOND {
            "ok"
        } else {
            "MISSED"
        },
        per_change,
    ))
}
