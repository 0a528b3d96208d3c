//! How busy the group tree's history is: changes per period, for the time slider.
use super::{to_time, Result, Store};
use crate::model::*;

impl Store {
    /// Changes (operations that created, changed or ended a group version) in `buckets`
    /// equal periods from the first recorded group to now.
    pub async fn group_change_density(&self, buckets: i64) -> Result<ChangeDensity> {
        let buckets = buckets.clamp(1, DENSITY_MAX_BUCKETS);
        let now = chrono::Utc::now().timestamp_micros();
        let (first,): (Option<i64>,) = sqlx::query_as("SELECT MIN(valid_from) FROM groups")
            .fetch_one(&self.pool)
            .await?;
        let from = first.unwrap_or(now).min(now);
        // One more than the span, so that the newest change falls in the last bucket.
        let span = now - from + 1;
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT (e.instant - $1) * $2 / $3 AS bucket, COUNT(DISTINCT e.operation_id) \
             FROM (SELECT valid_from AS instant, operation_id FROM groups \
                   UNION ALL \
                   SELECT valid_to, ended_operation_id FROM groups \
                   WHERE valid_to IS NOT NULL AND ended_operation_id IS NOT NULL) e \
             WHERE e.instant >= $1 AND e.instant <= $4 \
             GROUP BY 1",
        )
        .bind(from)
        .bind(buckets)
        .bind(span)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        let mut counts = vec![0; buckets as usize];
        for (bucket, count) in rows {
            if let Some(slot) = usize::try_from(bucket).ok().and_then(|b| counts.get_mut(b)) {
                *slot += count;
            }
        }
        Ok(ChangeDensity {
            from: to_time(from),
            to: to_time(now),
            counts,
        })
    }
}
