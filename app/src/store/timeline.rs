//! A user's timeline: the operations that touched any of the user's records, newest first,
//! each with the difference between the user's state just before and just after it.
use super::history::history_source;
use super::identity::load_state;
use super::user_state::states_at;
use super::{to_time, Result, Store};
use crate::model::*;
use sqlx::AnyConnection;

#[derive(sqlx::FromRow)]
struct OperationRow {
    operation_id: i64,
    instant: i64,
    actor: String,
}

/// The operations (`operation_id, instant, actor`) that started or ended a version of the
/// user's records of `kinds` (`$1` = user).
fn operations_sql(kinds: &[HistoryKind]) -> String {
    let kinds: Vec<HistoryKind> = if kinds.is_empty() {
        HistoryKind::ALL.to_vec()
    } else {
        kinds.to_vec()
    };
    let mut parts = Vec::new();
    for kind in kinds {
        let (source, ..) = history_source(kind);
        parts.push(format!(
            "SELECT x.operation_id AS operation_id, x.valid_from AS instant, \
             x.changed_by AS actor FROM {source}"
        ));
        parts.push(format!(
            "SELECT y.ended_operation_id, y.valid_to, COALESCE(y.ended_by, '') \
             FROM (SELECT x.* FROM {source}) y \
             WHERE y.valid_to IS NOT NULL AND y.ended_operation_id IS NOT NULL"
        ));
    }
    parts.join(" UNION ALL ")
}

/// The user's state at `t` with grants (empty when the user did not exist).
async fn state_at(conn: &mut AnyConnection, user: UserId, t: i64) -> Result<Option<UserState>> {
    load_state(conn, user.0, t, true).await
}

/// The newest operation that changed any of the user's records (None before the first).
pub(crate) async fn latest_operation(
    conn: &mut AnyConnection,
    user: UserId,
) -> Result<Option<i64>> {
    let operations = operations_sql(&[]);
    let row: Option<(i64,)> = sqlx::query_as(&format!(
        "SELECT e.operation_id FROM ({operations}) e \
         ORDER BY e.instant DESC, e.operation_id DESC LIMIT 1"
    ))
    .bind(user.0)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(id,)| id))
}

impl Store {
    /// A page of the user's timeline (see the module docs), limited to `query.kinds`.
    pub async fn user_timeline(&self, query: &TimelineQuery) -> Result<Page<TimelineEvent>> {
        let limit = query.limit.clamp(1, TIMELINE_MAX_PAGE);
        let offset = query.offset.max(0);
        let before = query.before.unwrap_or(TimelinePosition {
            instant_micros: i64::MAX,
            operation_id: i64::MAX,
        });
        let operations = operations_sql(&query.kinds);
        let mut conn = self.pool.acquire().await?;
        let (total,): (i64,) = sqlx::query_as(&format!(
            "SELECT COUNT(DISTINCT e.operation_id) FROM ({operations}) e"
        ))
        .bind(query.user.0)
        .fetch_one(&mut *conn)
        .await?;
        let rows: Vec<OperationRow> = sqlx::query_as(&format!(
            "SELECT e.operation_id, MIN(e.instant) AS instant, MIN(e.actor) AS actor \
             FROM ({operations}) e GROUP BY e.operation_id \
             HAVING MIN(e.instant) < $4 OR (MIN(e.instant) = $4 AND e.operation_id < $5) \
             ORDER BY MIN(e.instant) DESC, e.operation_id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(query.user.0)
        .bind(limit)
        .bind(offset)
        .bind(before.instant_micros)
        .bind(before.operation_id)
        .fetch_all(&mut *conn)
        .await?;
        // The states just before and at each operation, all in one read: two statements
        // for the page instead of four for each of its operations.
        let instants: Vec<i64> = rows
            .iter()
            .flat_map(|row| [row.instant - 1, row.instant])
            .collect();
        let mut states = states_at(&mut conn, query.user.0, &instants)
            .await?
            .into_iter();
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            let before = states.next().flatten();
            let after = states.next().flatten();
            let change = match (&before, &after) {
                (None, Some(_)) => TimelineChange::Created,
                (Some(_), None) => TimelineChange::Deleted,
                _ => TimelineChange::Changed,
            };
            let diff = diff_states(&before.unwrap_or_default(), &after.unwrap_or_default());
            items.push(TimelineEvent {
                at: to_time(row.instant),
                by: row.actor,
                operation_id: row.operation_id,
                change,
                diff: diff.only(&query.kinds),
            });
        }
        Ok(Page {
            items,
            total,
            offset,
            limit,
        })
    }

    /// What differs between the user's state at `from` and at `to` (now when None).
    pub async fn diff_user_states(
        &self,
        user: UserId,
        from: chrono::DateTime<chrono::Utc>,
        to: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<StateDiff> {
        let mut conn = self.pool.acquire().await?;
        let a = state_at(&mut conn, user, from.timestamp_micros()).await?;
        let b = state_at(&mut conn, user, super::temporal::instant(to)).await?;
        if a.is_none() && b.is_none() {
            return Err(super::Error::NotFound(format!("user {}", user.0)));
        }
        Ok(diff_states(&a.unwrap_or_default(), &b.unwrap_or_default()))
    }
}
