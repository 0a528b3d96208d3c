//! Owner-approved restores: restore requests with their one-time codes, bound to the backup
//! file's SHA-256 and rate-limited so the Owner's inbox and mail cannot be flooded, and the
//! operators' inbox that receives the codes.
use super::system_backup::{audit_in, Actor};
use super::{now_micros, to_time, token_hash, Error, Result, Store};
use crate::model::{
    BackupStatus, InboxMessage, Operator, OperatorId, RestoreRequest, RESTORE_CODE_DIGITS,
    RESTORE_CODE_MAX_FAILURES, RESTORE_CODE_TTL_SECS, RESTORE_REQUESTS_PER_HOUR,
    RESTORE_REQUEST_RESEND_SECS,
};
use sqlx::{Any, AnyConnection};

const SECOND: i64 = 1_000_000;

#[derive(sqlx::FromRow)]
struct RestoreRequestRow {
    backup_id: i64,
    requested_by: i64,
    expires_at: i64,
    code_salt: String,
    code_hash: String,
    failed_attempts: i64,
    status: String,
    file_sha256: String,
}

/// An accepted code: the backup to restore and the SHA-256 its file had when the restore
/// was requested (the restore refuses a file that no longer has it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovedRestore {
    pub backup_id: i64,
    pub file_sha256: String,
}

#[derive(sqlx::FromRow)]
struct PendingRow {
    requested_by: i64,
    username: String,
    created_at: i64,
    expires_at: i64,
}

/// Refuses a request that would flood the Owner's inbox: more than a few per operator an
/// hour, a second pending request for the same backup, or a new code for one's own pending
/// request within a minute of the last.
async fn check_request_rate(
    conn: &mut AnyConnection,
    actor: &Operator,
    backup_id: i64,
    now: i64,
) -> Result<()> {
    let (recent, oldest): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(created_at) FROM system_restore_requests
         WHERE requested_by = $1 AND created_at > $2",
    )
    .bind(actor.id.0)
    .bind(now - 3600 * SECOND)
    .fetch_one(&mut *conn)
    .await?;
    if recent >= RESTORE_REQUESTS_PER_HOUR {
        let wait = oldest.unwrap_or(now) + 3600 * SECOND - now;
        let minutes = (wait + 60 * SECOND - 1) / (60 * SECOND);
        return Err(Error::Conflict(format!(
            "You have requested {RESTORE_REQUESTS_PER_HOUR} restore codes in the last hour, \
             the most allowed; try again in {} minute{}.",
            minutes.max(1),
            if minutes > 1 { "s" } else { "" }
        )));
    }
    let pending = sqlx::query_as::<Any, PendingRow>(
        "SELECT r.requested_by, o.username, r.created_at, r.expires_at
         FROM system_restore_requests r JOIN operators o ON o.id = r.requested_by
         WHERE r.backup_id = $1 AND r.status = 'pending'",
    )
    .bind(backup_id)
    .fetch_optional(&mut *conn)
    .await?;
    match pending {
        Some(other) if other.requested_by != actor.id.0 => Err(Error::Conflict(format!(
            "{} is already waiting for the Owner's approval to restore this backup (until \
             {} UTC); one request at a time.",
            other.username,
            to_time(other.expires_at).format("%H:%M")
        ))),
        Some(own) if now - own.created_at < RESTORE_REQUEST_RESEND_SECS * SECOND => {
            let wait = (own.created_at + RESTORE_REQUEST_RESEND_SECS * SECOND - now)
                .div_euclid(SECOND)
                + 1;
            Err(Error::Conflict(format!(
                "A code for this restore was sent less than a minute ago; wait {wait} seconds \
                 before asking for a new one."
            )))
        }
        _ => Ok(()),
    }
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}

fn code_hash(salt: &str, code: &str) -> String {
    token_hash(&format!("{salt}:{}", code.trim()))
}

fn random_code() -> String {
    use rand::Rng;
    let digits = RESTORE_CODE_DIGITS as u32;
    let code: u64 = rand::rngs::OsRng.gen_range(0..10u64.pow(digits));
    format!("{code:0width$}", width = RESTORE_CODE_DIGITS)
}

/// Where the one-time code went, for email delivery by the caller.
#[derive(Clone, Debug)]
pub struct IssuedRestoreCode {
    pub request: RestoreRequest,
    pub owner: OperatorId,
    pub code: String,
    pub subject: String,
    pub body: String,
}

#[derive(sqlx::FromRow)]
struct InboxRow {
    id: i64,
    created_at: i64,
    subject: String,
    body: String,
    read_at: Option<i64>,
}

/// The refusal of a code whose request was approved already (seen before, or by a parallel
/// check that won the race).
fn code_already_used() -> (&'static str, &'static str, Error) {
    (
        "denied",
        "code already used",
        Error::invalid(
            "code",
            "This code has already been used; request a new one.",
        ),
    )
}

impl Store {
    /// Opens a restore request for `backup_id`, whose file has the SHA-256 `file_sha256`
    /// now, and puts its one-time code in the Owner's inbox; the code is returned only so it
    /// can also be emailed. Rate-limited (`check_request_rate`).
    pub async fn create_restore_request(
        &self,
        actor: &Operator,
        backup_id: i64,
        file_sha256: &str,
        now: i64,
    ) -> Result<IssuedRestoreCode> {
        let (backup, _) = self.system_backup(backup_id).await?;
        if backup.status != BackupStatus::Ready {
            return Err(Error::Conflict(
                "Only a finished backup can be restored.".into(),
            ));
        }
        let code = random_code();
        let salt = super::random_token();
        let expires_at = now + RESTORE_CODE_TTL_SECS * 1_000_000;
        let mut tx = self.begin_write().await?;
        // Codes nobody used in time count no more. A write first, so SQLite takes the write
        // lock now (waiting for it) instead of failing to upgrade a read snapshot later.
        sqlx::query(
            "UPDATE system_restore_requests SET status = 'void'
             WHERE backup_id = $1 AND status = 'pending' AND expires_at < $2",
        )
        .bind(backup_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let owner: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM operators WHERE role = 'owner' AND disabled = 0")
                .fetch_optional(&mut *tx)
                .await?;
        let (owner,) = owner.ok_or_else(|| {
            Error::Conflict("There is no active Owner to approve a restore.".into())
        })?;
        check_request_rate(&mut tx, actor, backup_id, now).await?;
        // A new request replaces the requester's earlier pending ones.
        sqlx::query(
            "UPDATE system_restore_requests SET status = 'void'
             WHERE requested_by = $1 AND status = 'pending'",
        )
        .bind(actor.id.0)
        .execute(&mut *tx)
        .await?;
        // The unique index on pending requests per backup settles two requests racing past
        // the check above.
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO system_restore_requests (backup_id, requested_by, created_at,
               expires_at, code_salt, code_hash, status, file_sha256)
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) RETURNING id",
        )
        .bind(backup_id)
        .bind(actor.id.0)
        .bind(now)
        .bind(expires_at)
        .bind(&salt)
        .bind(code_hash(&salt, &code))
        .bind(file_sha256)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::Conflict(
                    "Another restore request for this backup is waiting for approval.".into(),
                )
            } else {
                e.into()
            }
        })?;
        let label = if backup.label.is_empty() {
            format!("backup #{backup_id}")
        } else {
            format!("backup #{backup_id} \"{}\"", backup.label)
        };
        let subject = "Restore approval code".to_string();
        let body = format!(
            "{} asked to restore {label} of {}, which overwrites all current identity data.\n\
             Approval code: {code}\n\
             It works once, for this request only, until {} UTC. \
             If you did not expect this, do not pass the code on.",
            actor.username,
            backup.created_at.format("%Y-%m-%d %H:%M UTC"),
            to_time(expires_at).format("%H:%M"),
        );
        sqlx::query(
            "INSERT INTO operator_inbox (operator_id, created_at, subject, body)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(owner)
        .bind(now)
        .bind(&subject)
        .bind(&body)
        .execute(&mut *tx)
        .await?;
        audit_in(
            &mut tx,
            &actor.into(),
            "system-backup.restore-request",
            &label,
            "ok",
            &format!("request #{id}; code sent to the Owner"),
        )
        .await?;
        tx.commit().await?;
        Ok(IssuedRestoreCode {
            request: RestoreRequest {
                id,
                backup_id,
                expires_at: to_time(expires_at),
                emailed: false,
            },
            owner: OperatorId(owner),
            code,
            subject,
            body,
        })
    }

    /// Checks a one-time code against `actor`'s own request. On success the request is spent
    /// and the backup (with its file's SHA-256 when requested) returned; every check, right or
    /// wrong, is audited.
    pub async fn check_restore_code(
        &self,
        actor: &Operator,
        request_id: i64,
        code: &str,
        now: i64,
    ) -> Result<ApprovedRestore> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query_as::<Any, RestoreRequestRow>(
            "SELECT backup_id, requested_by, expires_at, code_salt, code_hash, failed_attempts,
                    status, file_sha256
             FROM system_restore_requests WHERE id = $1",
        )
        .bind(request_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::NotFound(format!("restore request {request_id}")))?;
        let target = format!("restore request #{request_id}");
        let who: Actor = actor.into();
        let action = "system-backup.restore-code";
        // The outcome is committed before any refusal is returned, so attempts always count.
        let refusal = if row.requested_by != actor.id.0 {
            Some((
                "denied",
                "another operator's request",
                Error::Conflict(
                    "This restore request belongs to another operator; request your own code."
                        .into(),
                ),
            ))
        } else if row.status == "approved" {
            Some(code_already_used())
        } else if row.status != "pending" {
            Some((
                "denied",
                "request void",
                Error::invalid(
                    "code",
                    "This restore request is void (too many wrong codes or replaced); request a new code.",
                ),
            ))
        } else if now > row.expires_at {
            sqlx::query("UPDATE system_restore_requests SET status = 'void' WHERE id = $1")
                .bind(request_id)
                .execute(&mut *tx)
                .await?;
            Some((
                "denied",
                "code expired",
                Error::invalid("code", "This code has expired; request a new one."),
            ))
        } else if code_hash(&row.code_salt, code) != row.code_hash {
            let failures = row.failed_attempts + 1;
            let void = failures >= RESTORE_CODE_MAX_FAILURES;
            sqlx::query(
                "UPDATE system_restore_requests SET failed_attempts = $1, status = $2 WHERE id = $3",
            )
            .bind(failures)
            .bind(if void { "void" } else { "pending" })
            .bind(request_id)
            .execute(&mut *tx)
            .await?;
            let message = if void {
                "Wrong code. That was the last attempt: this request is now void; request a new code."
                    .to_string()
            } else {
                let left = RESTORE_CODE_MAX_FAILURES - failures;
                format!(
                    "Wrong code; {left} attempt{} left.",
                    if left == 1 { "" } else { "s" }
                )
            };
            Some((
                "denied",
                if void {
                    "wrong code; request void"
                } else {
                    "wrong code"
                },
                Error::invalid("code", message),
            ))
        } else {
            let updated = sqlx::query(
                "UPDATE system_restore_requests SET status = 'approved'
                 WHERE id = $1 AND status = 'pending'",
            )
            .bind(request_id)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() != 1 {
                Some(code_already_used())
            } else {
                None
            }
        };
        match refusal {
            Some((outcome, details, error)) => {
                audit_in(&mut tx, &who, action, &target, outcome, details).await?;
                tx.commit().await?;
                Err(error)
            }
            None => {
                audit_in(&mut tx, &who, action, &target, "ok", "code accepted").await?;
                tx.commit().await?;
                Ok(ApprovedRestore {
                    backup_id: row.backup_id,
                    file_sha256: row.file_sha256,
                })
            }
        }
    }

    pub async fn list_inbox(&self, operator: OperatorId) -> Result<Vec<InboxMessage>> {
        let rows = sqlx::query_as::<Any, InboxRow>(
            "SELECT id, created_at, subject, body, read_at FROM operator_inbox
             WHERE operator_id = $1 ORDER BY id DESC LIMIT 200",
        )
        .bind(operator.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| InboxMessage {
                id: row.id,
                at: to_time(row.created_at),
                subject: row.subject,
                body: row.body,
                read: row.read_at.is_some(),
            })
            .collect())
    }

    pub async fn unread_inbox_count(&self, operator: OperatorId) -> Result<i64> {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM operator_inbox WHERE operator_id = $1 AND read_at IS NULL",
        )
        .bind(operator.0)
        .fetch_one(&self.pool)
        .await?;
        Ok(count)
    }

    pub async fn mark_inbox_read(&self, operator: OperatorId, id: i64) -> Result<()> {
        sqlx::query(
            "UPDATE operator_inbox SET read_at = $1
             WHERE id = $2 AND operator_id = $3 AND read_at IS NULL",
        )
        .bind(now_micros())
        .bind(id)
        .bind(operator.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restore_codes_have_eight_digits() {
        for _ in 0..100 {
            let code = random_code();
            assert_eq!(code.len(), RESTORE_CODE_DIGITS);
            assert!(code.chars().all(|c| c.is_ascii_digit()));
        }
    }
}
