//! Sessions: an absolute lifetime, an idle timeout, and the time the operator last entered
//! their password (sensitive operations ask for it again after a few minutes). Also the purge
//! of everything that expires: sessions, old throttle counts, stale restore requests.
use super::login_throttle::FORGET_AFTER_SECS;
use super::operators::fetch_operator;
use super::{now_micros, to_time, token_hash, Result, Store};
use crate::model::{Operator, OperatorId};
use chrono::{DateTime, Utc};

const SEC: i64 = 1_000_000;
/// `last_seen_at` is written at most this often, not on every request.
pub const LAST_SEEN_RESOLUTION_SECS: i64 = 60;
/// Restore requests are kept this long after their code expired (the audit log keeps the story).
pub const RESTORE_REQUEST_RETENTION_SECS: i64 = 24 * 60 * 60;

/// A live session.
#[derive(Clone, Debug)]
pub struct Session {
    pub operator: Operator,
    /// When the operator last entered their password in this session (sign-in or confirmation).
    pub password_at: DateTime<Utc>,
}

/// What `purge_stale` removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PurgeReport {
    pub sessions: u64,
    pub login_throttle: u64,
    pub restore_requests: u64,
}

impl Store {
    /// Opens a session; only the token's hash is stored. The password was just entered.
    pub async fn create_session(
        &self,
        operator: OperatorId,
        token: &str,
        ttl_secs: i64,
    ) -> Result<()> {
        let now = now_micros();
        sqlx::query(
            "INSERT INTO sessions (token_hash, operator_id, created_at, expires_at, last_seen_at,
                                   password_at)
             VALUES ($1, $2, $3, $4, $3, $3)",
        )
        .bind(token_hash(token))
        .bind(operator.0)
        .bind(now)
        .bind(now + ttl_secs * SEC)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The live session for a token: not past its lifetime, used within the last `idle_secs`,
    /// its operator enabled. An expired session is removed on sight; a live one notes that it
    /// was seen (at most once a minute).
    pub async fn session(&self, token: &str, idle_secs: i64) -> Result<Option<Session>> {
        let now = now_micros();
        let hash = token_hash(token);
        let row: Option<(i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT s.operator_id, s.expires_at, s.last_seen_at, s.password_at
             FROM sessions s JOIN operators o ON o.id = s.operator_id
             WHERE s.token_hash = $1 AND o.disabled = 0",
        )
        .bind(&hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some((operator_id, expires_at, last_seen_at, password_at)) = row else {
            return Ok(None);
        };
        if expires_at <= now || last_seen_at <= now - idle_secs * SEC {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(&hash)
                .execute(&self.pool)
                .await?;
            return Ok(None);
        }
        if last_seen_at < now - LAST_SEEN_RESOLUTION_SECS * SEC {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(&hash)
                .execute(&self.pool)
                .await?;
        }
        let mut conn = self.pool.acquire().await?;
        Ok(Some(Session {
            operator: fetch_operator(&mut conn, operator_id).await?,
            password_at: to_time(password_at),
        }))
    }

    /// The operator behind a live session token (see `session`).
    pub async fn session_operator(&self, token: &str, idle_secs: i64) -> Result<Option<Operator>> {
        Ok(self
            .session(token, idle_secs)
            .await?
            .map(|session| session.operator))
    }

    pub async fn delete_session(&self, token: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash(token))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Checks the signed-in operator's password again (same throttle and audit as a sign-in)
    /// and, when right, marks it as freshly entered for this session.
    pub async fn confirm_session_password(
        &self,
        token: &str,
        operator: &Operator,
        password: &str,
        client_address: &str,
    ) -> Result<()> {
        self.check_password(
            &operator.username,
            password,
            client_address,
            Some(&token_hash(token)),
        )
        .await?;
        Ok(())
    }

    /// Removes what has expired: sessions past their lifetime or idle for `idle_secs`, throttle
    /// counts that would be forgotten anyway, restore requests a day past their code's expiry.
    /// One transaction; the server runs it periodically.
    pub async fn purge_stale(&self, idle_secs: i64) -> Result<PurgeReport> {
        let now = now_micros();
        let mut tx = self.begin_write().await?;
        let sessions =
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
                .bind(now)
                .bind(now - idle_secs * SEC)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        let login_throttle = sqlx::query(
            "DELETE FROM login_throttle WHERE COALESCE(locked_until, last_attempt_at) < $1",
        )
        .bind(now - FORGET_AFTER_SECS * SEC)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let restore_requests =
            sqlx::query("DELETE FROM system_restore_requests WHERE expires_at < $1")
                .bind(now - RESTORE_REQUEST_RETENTION_SECS * SEC)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        // Sign-ins through the identity provider that never came back.
        sqlx::query("DELETE FROM oidc_logins WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(PurgeReport {
            sessions,
            login_throttle,
            restore_requests,
        })
    }
}
