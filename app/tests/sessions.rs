//! Session idle timeout, password freshness and the purge of expired rows (both backends; see
//! app::testing).
use app::model::Operator;
use app::store::{
    Error, Store, FORGET_AFTER_SECS, LAST_SEEN_RESOLUTION_SECS, PAIR_FREE_ATTEMPTS,
    RESTORE_REQUEST_RETENTION_SECS,
};

const PASSWORD: &str = "correct horse battery";
const IDLE: i64 = 30 * 60;
const SEC: i64 = 1_000_000;
const HERE: &str = "198.51.100.7";

async fn owner_with_session() -> (Store, Operator, String) {
    let store = app::testing::fresh_store().await;
    let owner = store
        .create_owner(None, "olivia", "Olivia Owner", PASSWORD)
        .await
        .unwrap();
    let token = app::store::random_token();
    store
        .create_session(owner.id, &token, 8 * 3600)
        .await
        .unwrap();
    (store, owner, token)
}

/// Moves one session's `column` back by `secs`.
async fn age_session(store: &Store, token: &str, column: &str, secs: i64) {
    sqlx::query(&format!(
        "UPDATE sessions SET {column} = {column} - $1 WHERE token_hash = $2"
    ))
    .bind(secs * SEC)
    .bind(app::store::token_hash(token))
    .execute(store.pool())
    .await
    .unwrap();
}

async fn last_seen(store: &Store, token: &str) -> i64 {
    let (at,): (i64,) = sqlx::query_as("SELECT last_seen_at FROM sessions WHERE token_hash = $1")
        .bind(app::store::token_hash(token))
        .fetch_one(store.pool())
        .await
        .unwrap();
    at
}

async fn count(store: &Store, table: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(store.pool())
        .await
        .unwrap();
    n
}

#[tokio::test]
async fn an_idle_session_ends_while_a_used_one_lives_on() {
    let (store, owner, idle) = owner_with_session().await;
    let used = app::store::random_token();
    store
        .create_session(owner.id, &used, 8 * 3600)
        .await
        .unwrap();
    age_session(&store, &idle, "last_seen_at", IDLE + 1).await;
    age_session(&store, &used, "last_seen_at", IDLE - 60).await;
    assert!(store.session(&idle, IDLE).await.unwrap().is_none());
    assert!(store.session(&used, IDLE).await.unwrap().is_some());
    assert_eq!(
        count(&store, "sessions").await,
        1,
        "the idle one is removed"
    );
    // Using it moved its idle clock: the same wait again does not end it.
    age_session(&store, &used, "last_seen_at", IDLE - 60).await;
    assert!(store.session(&used, IDLE).await.unwrap().is_some());
}

#[tokio::test]
async fn last_seen_is_written_at_most_once_a_minute() {
    let (store, _, token) = owner_with_session().await;
    age_session(
        &store,
        &token,
        "last_seen_at",
        LAST_SEEN_RESOLUTION_SECS / 2,
    )
    .await;
    let before = last_seen(&store, &token).await;
    store.session(&token, IDLE).await.unwrap().unwrap();
    assert_eq!(
        last_seen(&store, &token).await,
        before,
        "no write within the minute"
    );
    age_session(&store, &token, "last_seen_at", LAST_SEEN_RESOLUTION_SECS).await;
    let stale = last_seen(&store, &token).await;
    store.session(&token, IDLE).await.unwrap().unwrap();
    assert!(last_seen(&store, &token).await > stale + LAST_SEEN_RESOLUTION_SECS * SEC);
}

#[tokio::test]
async fn confirming_the_password_refreshes_it_and_wrong_ones_are_throttled() {
    let (store, owner, token) = owner_with_session().await;
    age_session(&store, &token, "password_at", 600).await;
    let stale = store
        .session(&token, IDLE)
        .await
        .unwrap()
        .unwrap()
        .password_at;
    assert!(chrono::Utc::now() - stale >= chrono::Duration::seconds(600));
    for _ in 0..PAIR_FREE_ATTEMPTS {
        let error = store
            .confirm_session_password(&token, &owner, "not the password", HERE)
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Invalid(_)), "{error:?}");
    }
    assert!(matches!(
        store
            .confirm_session_password(&token, &owner, PASSWORD, HERE)
            .await,
        Err(Error::Throttled(_))
    ));
    let denied = store
        .list_audit(50)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "session.confirm-password" && e.outcome == "denied")
        .count() as i64;
    assert_eq!(denied, PAIR_FREE_ATTEMPTS);
    store
        .clear_login_throttle(Some("olivia"), None, "test")
        .await
        .unwrap();
    store
        .confirm_session_password(&token, &owner, PASSWORD, HERE)
        .await
        .unwrap();
    let fresh = store
        .session(&token, IDLE)
        .await
        .unwrap()
        .unwrap()
        .password_at;
    assert!(chrono::Utc::now() - fresh < chrono::Duration::seconds(60));
}

#[tokio::test]
async fn purge_removes_expired_sessions_old_throttle_counts_and_stale_restore_requests() {
    let (store, owner, live) = owner_with_session().await;
    let expired = app::store::random_token();
    store.create_session(owner.id, &expired, 0).await.unwrap();
    let idle = app::store::random_token();
    store
        .create_session(owner.id, &idle, 8 * 3600)
        .await
        .unwrap();
    age_session(&store, &idle, "last_seen_at", IDLE + 1).await;

    store
        .authenticate("old", "wrong password", HERE)
        .await
        .unwrap_err();
    store
        .authenticate("recent", "wrong password", HERE)
        .await
        .unwrap_err();
    sqlx::query(
        "UPDATE login_throttle SET last_attempt_at = last_attempt_at - $1
         WHERE username_key = 'old'",
    )
    .bind((FORGET_AFTER_SECS + 1) * SEC)
    .execute(store.pool())
    .await
    .unwrap();

    let now = chrono::Utc::now().timestamp_micros();
    sqlx::query(
        "INSERT INTO system_backups (label, kind, status, created_at, created_by, file_name)
         VALUES ('b', 'manual', 'ready', $1, 'olivia', 'b.tar.gz')",
    )
    .bind(now)
    .execute(store.pool())
    .await
    .unwrap();
    // One pending request per backup: the stale one was voided by the newer one.
    for (expires_at, status) in [
        (now - (RESTORE_REQUEST_RETENTION_SECS + 1) * SEC, "void"),
        (now + 600 * SEC, "pending"),
    ] {
        sqlx::query(
            "INSERT INTO system_restore_requests
               (backup_id, requested_by, created_at, expires_at, code_salt, code_hash, status)
             SELECT id, $1, $2, $2, 's', 'h', $3 FROM system_backups",
        )
        .bind(owner.id.0)
        .bind(expires_at)
        .bind(status)
        .execute(store.pool())
        .await
        .unwrap();
    }

    let report = store.purge_stale(IDLE).await.unwrap();
    assert_eq!(
        (
            report.sessions,
            report.login_throttle,
            report.restore_requests
        ),
        (2, 1, 1)
    );
    assert!(store.session(&live, IDLE).await.unwrap().is_some());
    // "recent" and the address row (its last attempt is recent) remain.
    assert_eq!(count(&store, "login_throttle").await, 2);
    assert_eq!(count(&store, "system_restore_requests").await, 1);
    assert_eq!(
        store.purge_stale(IDLE).await.unwrap(),
        Default::default(),
        "nothing left to purge"
    );
}
