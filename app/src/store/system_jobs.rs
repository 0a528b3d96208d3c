//! Background backup and restore jobs in the database, so that a console polling a job
//! follows it whichever server process answers the poll. The process running a job refreshes
//! its row (progress and heartbeat); a running row whose heartbeat stopped belongs to a
//! process that died, and reads as failed.
use super::{now_micros, Error, Result, Store};
use crate::model::{BackupJob, JobKind, JobState};

const SEC: i64 = 1_000_000;

/// How often a running job's row, and a running backup's heartbeat, are refreshed.
pub const HEARTBEAT_SECS: i64 = 5;

/// A running job or backup whose heartbeat is older than this was left by a dead process
/// (several missed beats, so a slow database or a busy machine does not end a live one).
pub const STALE_AFTER_SECS: i64 = 60;

/// Jobs kept for polling; older ones are removed as new ones start.
const KEPT_JOBS: i64 = 100;

const INTERRUPTED: &str = "Interrupted: the server process running it stopped before it finished.";

#[derive(sqlx::FromRow)]
struct JobRow {
    id: i64,
    kind: String,
    backup_id: i64,
    state: String,
    rows_done: i64,
    rows_total: i64,
    error: String,
    notes: String,
    heartbeat_at: i64,
}

impl JobRow {
    fn into_model(self, now: i64) -> Result<BackupJob> {
        let kind = JobKind::parse(&self.kind)
            .ok_or_else(|| Error::Internal(format!("unknown job kind {:?}", self.kind)))?;
        let mut state = JobState::parse(&self.state)
            .ok_or_else(|| Error::Internal(format!("unknown job state {:?}", self.state)))?;
        let mut error = (!self.error.is_empty()).then_some(self.error);
        if state == JobState::Running && self.heartbeat_at < now - STALE_AFTER_SECS * SEC {
            state = JobState::Failed;
            error = Some(INTERRUPTED.into());
        }
        Ok(BackupJob {
            id: self.id,
            kind,
            backup_id: self.backup_id,
            state,
            rows_done: self.rows_done,
            rows_total: self.rows_total,
            error,
            notes: serde_json::from_str(&self.notes).unwrap_or_default(),
        })
    }
}

impl Store {
    /// Records a job that starts now; its id is the one the console polls.
    pub async fn insert_system_job(&self, kind: JobKind, backup_id: i64) -> Result<i64> {
        let now = now_micros();
        let mut tx = self.begin_write().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO system_jobs (kind, backup_id, state, started_at, heartbeat_at)
             VALUES ($1, $2, 'running', $3, $3) RETURNING id",
        )
        .bind(kind.as_str())
        .bind(backup_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM system_jobs WHERE id <= $1")
            .bind(id - KEPT_JOBS)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Writes a job's state as its process knows it (progress, outcome), with a fresh
    /// heartbeat. Only a running job changes: a periodic save that arrives after the final one
    /// cannot turn a finished job back into a running one.
    pub async fn save_system_job(&self, job: &BackupJob) -> Result<()> {
        sqlx::query(
            "UPDATE system_jobs SET state = $1, rows_done = $2, rows_total = $3, error = $4,
               notes = $5, heartbeat_at = $6
             WHERE id = $7 AND state = 'running'",
        )
        .bind(job.state.as_str())
        .bind(job.rows_done)
        .bind(job.rows_total)
        .bind(job.error.as_deref().unwrap_or_default())
        .bind(serde_json::to_string(&job.notes).unwrap_or_else(|_| "[]".into()))
        .bind(now_micros())
        .bind(job.id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A job as last saved, wherever it runs; `None` when unknown (or long pruned).
    pub async fn system_job(&self, id: i64) -> Result<Option<BackupJob>> {
        let row = sqlx::query_as::<_, JobRow>(
            "SELECT id, kind, backup_id, state, rows_done, rows_total, error, notes, heartbeat_at
             FROM system_jobs WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| row.into_model(now_micros())).transpose()
    }

    /// Notes that the running backup `id` is still being worked on (queued or written).
    pub async fn touch_system_backup(&self, id: i64) -> Result<()> {
        sqlx::query(
            "UPDATE system_backups SET heartbeat_at = $1 WHERE id = $2 AND status = 'running'",
        )
        .bind(now_micros())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Backups left `running` by a process that died: they never finish. `all` (a single
    /// process starting, as on SQLite) takes every running backup for interrupted; otherwise
    /// only those whose heartbeat stopped, since another live process may be writing the rest.
    pub async fn fail_interrupted_system_backups(&self, all: bool) -> Result<u64> {
        let stale_before = if all {
            i64::MAX
        } else {
            now_micros() - STALE_AFTER_SECS * SEC
        };
        let failed = sqlx::query(
            "UPDATE system_backups SET status = 'failed', error = 'interrupted by a server restart'
             WHERE status = 'running' AND COALESCE(heartbeat_at, created_at) < $1",
        )
        .bind(stale_before)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(state: &str, heartbeat_at: i64) -> JobRow {
        JobRow {
            id: 1,
            kind: "backup".into(),
            backup_id: 2,
            state: state.into(),
            rows_done: 3,
            rows_total: 4,
            error: String::new(),
            notes: "[]".into(),
            heartbeat_at,
        }
    }

    #[test]
    fn a_running_job_whose_heartbeat_stopped_reads_as_failed() {
        let now = 1_000 * STALE_AFTER_SECS * SEC;
        let live = row("running", now - SEC).into_model(now).unwrap();
        assert_eq!((live.state, live.error), (JobState::Running, None));
        let dead = row("running", now - 2 * STALE_AFTER_SECS * SEC)
            .into_model(now)
            .unwrap();
        assert_eq!(dead.state, JobState::Failed);
        assert_eq!(dead.error.as_deref(), Some(INTERRUPTED));
        let done = row("succeeded", 0).into_model(now).unwrap();
        assert_eq!(done.state, JobState::Succeeded);
    }
}
