//! History retention settings: how many months of history this installation keeps (forever
//! by default), how far the change feed was pruned, and the latest pruning run. The pruning
//! itself is in `prune`.
use super::system_backup::{audit_in, Actor};
use super::{now_micros, to_time, Error, Result, Store};
use crate::model::{
    describe_retention, retention_cutoff, retention_shortens, HistoryRetention, PruneSummary,
    MAX_RETENTION_MONTHS,
};
use sqlx::AnyConnection;

#[derive(sqlx::FromRow)]
struct RetentionRow {
    keep_months: Option<i64>,
    updated_at: i64,
    updated_by: String,
    last_run_summary: String,
}

/// The settings row as stored; none until someone changes the retention or a run prunes.
async fn row(conn: &mut AnyConnection) -> Result<Option<RetentionRow>> {
    Ok(sqlx::query_as(
        "SELECT keep_months, updated_at, updated_by, last_run_summary \
         FROM history_retention WHERE id = 1",
    )
    .fetch_optional(conn)
    .await?)
}

/// Creates the settings row with the defaults (keep forever) when it is missing.
pub(super) async fn ensure_row(conn: &mut AnyConnection) -> Result<()> {
    sqlx::query(
        "INSERT INTO history_retention (id, keep_months, updated_at, updated_by) \
         VALUES (1, NULL, 0, '') ON CONFLICT (id) DO NOTHING",
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The months kept (None: forever).
pub(super) async fn kept_months(conn: &mut AnyConnection) -> Result<Option<i64>> {
    Ok(row(conn).await?.and_then(|r| r.keep_months))
}

fn to_model(row: Option<RetentionRow>) -> HistoryRetention {
    match row {
        None => HistoryRetention {
            keep_months: None,
            updated_at: None,
            updated_by: String::new(),
            last_run: None,
        },
        Some(row) => HistoryRetention {
            keep_months: row.keep_months,
            updated_at: (row.updated_at > 0).then(|| to_time(row.updated_at)),
            updated_by: row.updated_by,
            last_run: serde_json::from_str::<PruneSummary>(&row.last_run_summary).ok(),
        },
    }
}

impl Store {
    pub async fn history_retention(&self) -> Result<HistoryRetention> {
        let mut conn = self.pool.acquire().await?;
        Ok(to_model(row(&mut conn).await?))
    }

    /// Sets how long history is kept (`None`: forever). A period shorter than the one in
    /// force deletes history at the next pruning run, for good: it is refused unless
    /// `confirm_shorter` says the operator confirmed exactly that.
    pub async fn set_history_retention(
        &self,
        actor: &Actor,
        keep_months: Option<i64>,
        confirm_shorter: bool,
    ) -> Result<HistoryRetention> {
        if keep_months.is_some_and(|m| !(1..=MAX_RETENTION_MONTHS).contains(&m)) {
            return Err(Error::invalid(
                "keep_months",
                format!(
                    "Keep history between 1 month and {} years, or forever.",
                    MAX_RETENTION_MONTHS / 12
                ),
            ));
        }
        let mut tx = self.begin_write().await?;
        let old = kept_months(&mut tx).await?;
        let now = now_micros();
        if retention_shortens(old, keep_months) && !confirm_shorter {
            let cutoff = retention_cutoff(keep_months, to_time(now))
                .map(|c| c.format("%Y-%m-%d").to_string())
                .unwrap_or_default();
            return Err(Error::invalid(
                "confirm_shorter",
                format!(
                    "Keeping history for {} deletes everything that ended before {cutoff} for \
                     good; confirm that you want this.",
                    describe_retention(keep_months)
                ),
            ));
        }
        ensure_row(&mut tx).await?;
        sqlx::query(
            "UPDATE history_retention SET keep_months = $1, updated_at = $2, updated_by = $3 \
             WHERE id = 1",
        )
        .bind(keep_months)
        .bind(now)
        .bind(&actor.name)
        .execute(&mut *tx)
        .await?;
        let details = format!(
            "{} -> {}{}",
            describe_retention(old),
            describe_retention(keep_months),
            if retention_shortens(old, keep_months) {
                " (shorter: confirmed)"
            } else {
                ""
            }
        );
        audit_in(
            &mut tx,
            actor,
            "history.retention",
            "history retention",
            "ok",
            &details,
        )
        .await?;
        tx.commit().await?;
        self.history_retention().await
    }

    /// The highest change feed position whose changes were pruned: a cursor below it has
    /// missed events that no longer exist (0: nothing was ever pruned).
    pub async fn feed_horizon(&self) -> Result<i64> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT feed_horizon FROM history_retention WHERE id = 1")
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map_or(0, |(h,)| h))
    }
}
