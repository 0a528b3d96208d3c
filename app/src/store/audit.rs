use super::{now_micros, to_time, Result, Store};
use crate::model::{AuditEntry, AuditQuery, Page, AUDIT_MAX_PAGE};
use sqlx::{Any, AnyConnection};

/// One audit line: who did what to which object, and how it ended.
#[derive(Clone, Debug)]
pub struct AuditRecord<'a> {
    pub operator_id: Option<i64>,
    pub operator_name: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub outcome: &'a str,
    pub details: &'a str,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: i64,
    operator_name: String,
    action: String,
    target: String,
    outcome: String,
    details: String,
}

impl AuditRow {
    fn into_entry(self) -> AuditEntry {
        AuditEntry {
            id: self.id,
            at: to_time(self.at),
            operator_name: self.operator_name,
            action: self.action,
            target: self.target,
            outcome: self.outcome,
            details: self.details,
        }
    }
}

/// Writes inside the caller's transaction, so the audit line commits or rolls back with the change.
pub(crate) async fn record_in(conn: &mut AnyConnection, record: &AuditRecord<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, operator_id, operator_name, action, target, outcome, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(now_micros())
    .bind(record.operator_id)
    .bind(record.operator_name)
    .bind(record.action)
    .bind(record.target)
    .bind(record.outcome)
    .bind(record.details)
    .execute(conn)
    .await?;
    Ok(())
}

impl Store {
    /// Records an event that is not part of a data change (a failed login, say).
    pub async fn record_audit(&self, record: &AuditRecord<'_>) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        record_in(&mut conn, record).await
    }

    pub async fn list_audit(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        self.audit_where("TRUE", limit).await
    }

    /// The newest restores of every kind: one user, one history record, the whole system.
    pub async fn recent_restores(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        self.audit_where(
            "action IN ('user.restore', 'history.restore', 'system-backup.restore')",
            limit,
        )
        .await
    }

    /// The newest audit lines matching `condition` (fixed SQL, never operator input).
    async fn audit_where(&self, condition: &str, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query_as::<Any, AuditRow>(&format!(
            "SELECT id, at, operator_name, action, target, outcome, details
             FROM audit_log WHERE {condition} ORDER BY id DESC LIMIT $1"
        ))
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(AuditRow::into_entry).collect())
    }
}

/// `%text%` for a case-insensitive LIKE with `ESCAPE '\'`.
fn contains(text: &str) -> String {
    format!(
        "%{}%",
        super::filter::escape_like(&text.trim().to_lowercase())
    )
}

impl Store {
    /// A page of the audit log, newest first, filtered by who, what, which object and when.
    pub async fn search_audit(&self, query: &AuditQuery) -> Result<Page<AuditEntry>> {
        let limit = if query.limit <= 0 {
            50
        } else {
            query.limit.min(AUDIT_MAX_PAGE)
        };
        let offset = query.offset.max(0);
        // Every filter is always bound; an empty one matches everything.
        let condition = "lower(operator_name) LIKE $1 ESCAPE '\\' \
             AND lower(action) LIKE $2 ESCAPE '\\' \
             AND lower(target) LIKE $3 ESCAPE '\\' \
             AND at >= $4 AND at < $5";
        let from = query.from.map(|t| t.timestamp_micros()).unwrap_or(i64::MIN);
        let to = query.to.map(|t| t.timestamp_micros()).unwrap_or(i64::MAX);
        let (who, action, target) = (
            contains(&query.who),
            contains(&query.action),
            contains(&query.target),
        );
        let mut conn = self.pool.acquire().await?;
        let (total,): (i64,) =
            sqlx::query_as(&format!("SELECT COUNT(*) FROM audit_log WHERE {condition}"))
                .bind(&who)
                .bind(&action)
                .bind(&target)
                .bind(from)
                .bind(to)
                .fetch_one(&mut *conn)
                .await?;
        let rows = sqlx::query_as::<Any, AuditRow>(&format!(
            "SELECT id, at, operator_name, action, target, outcome, details
             FROM audit_log WHERE {condition} ORDER BY id DESC LIMIT $6 OFFSET $7"
        ))
        .bind(&who)
        .bind(&action)
        .bind(&target)
        .bind(from)
        .bind(to)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *conn)
        .await?;
        Ok(Page {
            items: rows.into_iter().map(AuditRow::into_entry).collect(),
            total,
            offset,
            limit,
        })
    }
}
