//! System-backup bookkeeping: the backup catalogue and the schedule (restore requests and
//! the inbox are in `restore_requests.rs`). The archive engine lives in `crate::backup`.
use super::audit::{record_in, AuditRecord};
use super::locks::{self, Lock};
use super::{now_micros, to_time, Error, Result, Store};
use crate::model::{
    clock_of_minutes, minutes_of_clock, BackupKind, BackupSchedule, BackupStatus, Operator,
    ScheduleFrequency, SystemBackup, TableCount,
};
use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use sqlx::{Any, AnyConnection};

/// Who an action is recorded against: an operator, or the scheduler.
#[derive(Clone, Debug)]
pub struct Actor {
    pub id: Option<i64>,
    pub name: String,
}

impl Actor {
    pub fn scheduler() -> Self {
        Self {
            id: None,
            name: "scheduler".into(),
        }
    }
}

impl From<&Operator> for Actor {
    fn from(operator: &Operator) -> Self {
        Self {
            id: Some(operator.id.0),
            name: operator.username.clone(),
        }
    }
}

/// One audit line for `actor`, written inside the caller's transaction.
pub(crate) async fn audit_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    action: &str,
    target: &str,
    outcome: &str,
    details: &str,
) -> Result<()> {
    record_in(
        conn,
        &AuditRecord {
            operator_id: actor.id,
            operator_name: &actor.name,
            action,
            target,
            outcome,
            details,
        },
    )
    .await
}

#[derive(sqlx::FromRow)]
struct BackupRow {
    id: i64,
    label: String,
    kind: String,
    status: String,
    created_at: i64,
    created_by: String,
    file_name: String,
    size_bytes: i64,
    schema_version: i64,
    total_rows: i64,
    table_counts: String,
    error: String,
}

const BACKUP_COLUMNS: &str = "id, label, kind, status, created_at, created_by, file_name, \
     size_bytes, schema_version, total_rows, table_counts, error";

impl BackupRow {
    fn into_model(self) -> Result<(SystemBackup, String)> {
        let backup = SystemBackup {
            id: self.id,
            kind: BackupKind::parse(&self.kind)
                .ok_or_else(|| Error::Internal(format!("unknown backup kind {:?}", self.kind)))?,
            status: BackupStatus::parse(&self.status).ok_or_else(|| {
                Error::Internal(format!("unknown backup status {:?}", self.status))
            })?,
            label: self.label,
            created_at: to_time(self.created_at),
            created_by: self.created_by,
            size_bytes: self.size_bytes,
            schema_version: self.schema_version,
            total_rows: self.total_rows,
            tables: serde_json::from_str(&self.table_counts).unwrap_or_default(),
            error: self.error,
        };
        Ok((backup, self.file_name))
    }
}

/// What a finished archive holds, recorded in the catalogue.
#[derive(Clone, Debug)]
pub struct BackupSummary {
    pub size_bytes: i64,
    pub schema_version: i64,
    pub tables: Vec<TableCount>,
}

#[derive(sqlx::FromRow)]
struct ScheduleRow {
    enabled: i64,
    frequency: String,
    weekday: i64,
    minute_of_day: i64,
    keep_last: i64,
    updated_at: i64,
    last_run_at: Option<i64>,
}

/// The schedule as stored, plus what the scheduler needs to find the next run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleSettings {
    pub enabled: bool,
    pub frequency: ScheduleFrequency,
    pub weekday: i64,
    pub minute_of_day: i64,
    pub keep_last: i64,
    pub updated_at: i64,
    pub last_run_at: Option<i64>,
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            frequency: ScheduleFrequency::Daily,
            weekday: 0,
            minute_of_day: 2 * 60,
            keep_last: 7,
            updated_at: 0,
            last_run_at: None,
        }
    }
}

impl ScheduleSettings {
    /// The first scheduled moment strictly after `after`.
    pub fn next_slot_after(&self, after: DateTime<Utc>) -> DateTime<Utc> {
        let time = NaiveTime::from_num_seconds_from_midnight_opt(
            (self.minute_of_day.clamp(0, 24 * 60 - 1) * 60) as u32,
            0,
        )
        .unwrap_or_default();
        let mut day = after.date_naive();
        loop {
            let candidate = Utc.from_utc_datetime(&day.and_time(time));
            let weekday_ok = self.frequency == ScheduleFrequency::Daily
                || i64::from(day.weekday().num_days_from_monday()) == self.weekday;
            if candidate > after && weekday_ok {
                return candidate;
            }
            day += Duration::days(1);
        }
    }

    /// When the scheduler should run next: the first slot after the last run, or after the
    /// schedule was last changed (so enabling it never fires a backup for a past slot).
    pub fn next_run(&self) -> Option<DateTime<Utc>> {
        self.enabled.then(|| {
            let since = self.last_run_at.unwrap_or(0).max(self.updated_at);
            self.next_slot_after(to_time(since))
        })
    }

    pub fn to_model(&self) -> BackupSchedule {
        BackupSchedule {
            enabled: self.enabled,
            frequency: self.frequency,
            weekday: self.weekday,
            time: clock_of_minutes(self.minute_of_day),
            keep_last: self.keep_last,
            next_run_at: self.next_run(),
            last_run_at: self.last_run_at.map(to_time),
        }
    }
}

/// Parses "HH:MM" into minutes after midnight.
pub fn parse_time_of_day(text: &str) -> Result<i64> {
    minutes_of_clock(text)
        .ok_or_else(|| Error::invalid("time", "Use a time of day such as 02:30 (UTC)."))
}

impl Store {
    /// Adds a catalogue entry in state `running`; the engine fills it in when done.
    pub async fn insert_system_backup(
        &self,
        actor: &Actor,
        kind: BackupKind,
        label: &str,
        file_name: &str,
    ) -> Result<i64> {
        let label = label.trim();
        if label.chars().count() > 200 {
            return Err(Error::invalid("label", "Use at most 200 characters."));
        }
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO system_backups (label, kind, status, created_at, created_by, file_name)
             VALUES ($1, $2, 'running', $3, $4, $5) RETURNING id",
        )
        .bind(label)
        .bind(kind.as_str())
        .bind(now_micros())
        .bind(&actor.name)
        .bind(file_name)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    /// Marks a backup finished (or failed) and audits the outcome.
    pub async fn finish_system_backup(
        &self,
        actor: &Actor,
        id: i64,
        action: &str,
        outcome: std::result::Result<&BackupSummary, &str>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let (label,): (String,) = sqlx::query_as("SELECT label FROM system_backups WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let target = format!("backup #{id} {label}");
        match outcome {
            Ok(summary) => {
                let total: i64 = summary.tables.iter().map(|t| t.rows).sum();
                sqlx::query(
                    "UPDATE system_backups SET status = 'ready', size_bytes = $1,
                       schema_version = $2, total_rows = $3, table_counts = $4, error = ''
                     WHERE id = $5",
                )
                .bind(summary.size_bytes)
                .bind(summary.schema_version)
                .bind(total)
                .bind(serde_json::to_string(&summary.tables).unwrap_or_default())
                .bind(id)
                .execute(&mut *tx)
                .await?;
                let details = format!("{total} rows, {} bytes", summary.size_bytes);
                audit_in(&mut tx, actor, action, target.trim(), "ok", &details).await?;
            }
            Err(message) => {
                sqlx::query(
                    "UPDATE system_backups SET status = 'failed', error = $1 WHERE id = $2",
                )
                .bind(message)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                audit_in(&mut tx, actor, action, target.trim(), "failed", message).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_system_backups(&self) -> Result<Vec<SystemBackup>> {
        let rows = sqlx::query_as::<Any, BackupRow>(&format!(
            "SELECT {BACKUP_COLUMNS} FROM system_backups ORDER BY created_at DESC, id DESC"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| row.into_model().map(|(backup, _)| backup))
            .collect()
    }

    /// A backup and its file name inside the backup directory.
    pub async fn system_backup(&self, id: i64) -> Result<(SystemBackup, String)> {
        sqlx::query_as::<Any, BackupRow>(&format!(
            "SELECT {BACKUP_COLUMNS} FROM system_backups WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| Error::NotFound(format!("backup {id}")))?
        .into_model()
    }

    /// Removes the catalogue entry (the caller removes the file) and audits it.
    pub async fn delete_system_backup(&self, actor: &Actor, id: i64) -> Result<String> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query_as::<Any, BackupRow>(&format!(
            "SELECT {BACKUP_COLUMNS} FROM system_backups WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::NotFound(format!("backup {id}")))?;
        if row.status == "running" {
            return Err(Error::Conflict(
                "This backup is still being written; delete it when it has finished.".into(),
            ));
        }
        sqlx::query("DELETE FROM system_backups WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let target = format!("backup #{id} {}", row.label);
        audit_in(
            &mut tx,
            actor,
            "system-backup.delete",
            target.trim(),
            "ok",
            &row.kind,
        )
        .await?;
        tx.commit().await?;
        Ok(row.file_name)
    }

    /// Automatic backups beyond the newest `keep`, oldest last: the ones to prune.
    pub async fn automatic_backups_to_prune(&self, keep: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM system_backups WHERE kind = 'automatic' AND status <> 'running'
             ORDER BY created_at DESC, id DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .skip(keep.max(0) as usize)
            .map(|(id,)| id)
            .collect())
    }

    /// Marks a system restore as running: identity writes are refused until
    /// `end_maintenance` (see `temporal::begin_op`). Committed before the restore's own
    /// transaction begins, so every writer sees it.
    pub async fn begin_maintenance(&self, actor: &Actor) -> Result<()> {
        sqlx::query(
            "INSERT INTO system_maintenance (id, started_at, started_by) VALUES (1, $1, $2)
             ON CONFLICT (id) DO UPDATE SET started_at = $1, started_by = $2",
        )
        .bind(now_micros())
        .bind(&actor.name)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Ends the maintenance window of the restore that holds the restore lock.
    pub async fn end_maintenance(&self) -> Result<()> {
        sqlx::query("DELETE FROM system_maintenance")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Clears a maintenance window that no restore holds any more: its restore's process was
    /// killed. A live restore, in this process or another, holds the restore lock for as long
    /// as its window is open (`HeldLocks`), so the window is only cleared when that lock is
    /// free. The caller makes sure no restore of its own process runs (on SQLite the lock is
    /// the process's own). True when a window was cleared.
    pub async fn clear_stale_maintenance(&self) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        if !locks::try_take(&mut tx, Lock::SystemRestore).await? {
            return Ok(false);
        }
        let cleared = sqlx::query("DELETE FROM system_maintenance")
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(cleared > 0)
    }

    pub async fn schedule_settings(&self) -> Result<ScheduleSettings> {
        let row = sqlx::query_as::<Any, ScheduleRow>(
            "SELECT enabled, frequency, weekday, minute_of_day, keep_last, updated_at, last_run_at
             FROM system_backup_schedule WHERE id = 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            None => ScheduleSettings::default(),
            Some(row) => ScheduleSettings {
                enabled: row.enabled != 0,
                frequency: ScheduleFrequency::parse(&row.frequency)
                    .unwrap_or(ScheduleFrequency::Daily),
                weekday: row.weekday,
                minute_of_day: row.minute_of_day,
                keep_last: row.keep_last,
                updated_at: row.updated_at,
                last_run_at: row.last_run_at,
            },
        })
    }

    pub async fn set_schedule(
        &self,
        actor: &Actor,
        enabled: bool,
        frequency: ScheduleFrequency,
        weekday: i64,
        minute_of_day: i64,
        keep_last: i64,
    ) -> Result<ScheduleSettings> {
        if !(0..=6).contains(&weekday) {
            return Err(Error::invalid("weekday", "Choose a day of the week."));
        }
        if !(1..=1000).contains(&keep_last) {
            return Err(Error::invalid(
                "keep_last",
                "Keep between 1 and 1000 backups.",
            ));
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO system_backup_schedule
               (id, enabled, frequency, weekday, minute_of_day, keep_last, updated_at)
             VALUES (1, $1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO UPDATE SET enabled = $1, frequency = $2, weekday = $3,
               minute_of_day = $4, keep_last = $5, updated_at = $6",
        )
        .bind(i64::from(enabled))
        .bind(frequency.as_str())
        .bind(weekday)
        .bind(minute_of_day)
        .bind(keep_last)
        .bind(now_micros())
        .execute(&mut *tx)
        .await?;
        let details = format!(
            "{} {} at {} UTC, keep {keep_last}",
            if enabled { "enabled" } else { "disabled" },
            frequency.as_str(),
            clock_of_minutes(minute_of_day)
        );
        audit_in(
            &mut tx,
            actor,
            "system-backup.schedule",
            "schedule",
            "ok",
            &details,
        )
        .await?;
        tx.commit().await?;
        self.schedule_settings().await
    }

    /// Claims the scheduled run that is due: true for the one caller (of any server process)
    /// that moved `last_run_at` from `previous`, the value it read, to `at`; the others find it
    /// changed and leave that run to the winner.
    pub async fn claim_schedule_run(&self, previous: Option<i64>, at: i64) -> Result<bool> {
        let claimed = sqlx::query(
            "UPDATE system_backup_schedule SET last_run_at = $1
             WHERE id = 1 AND COALESCE(last_run_at, -1) = $2",
        )
        .bind(at)
        .bind(previous.unwrap_or(-1))
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(claimed == 1)
    }

    /// Audits an event outside any data change (a download, a refused upload...).
    pub async fn audit_system_backup(
        &self,
        actor: &Actor,
        action: &str,
        target: &str,
        outcome: &str,
        details: &str,
    ) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        audit_in(&mut conn, actor, action, target, outcome, details).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn daily_schedule_runs_at_the_next_time_of_day() {
        let schedule = ScheduleSettings {
            enabled: true,
            minute_of_day: 2 * 60 + 30,
            ..ScheduleSettings::default()
        };
        assert_eq!(
            schedule.next_slot_after(at("2024-03-01T01:00:00Z")),
            at("2024-03-01T02:30:00Z")
        );
        assert_eq!(
            schedule.next_slot_after(at("2024-03-01T02:30:00Z")),
            at("2024-03-02T02:30:00Z")
        );
    }

    #[test]
    fn weekly_schedule_runs_on_its_weekday() {
        let schedule = ScheduleSettings {
            enabled: true,
            frequency: ScheduleFrequency::Weekly,
            weekday: 6, // Sunday
            minute_of_day: 0,
            ..ScheduleSettings::default()
        };
        // 2024-03-01 is a Friday.
        assert_eq!(
            schedule.next_slot_after(at("2024-03-01T12:00:00Z")),
            at("2024-03-03T00:00:00Z")
        );
    }

    #[test]
    fn a_disabled_schedule_has_no_next_run() {
        assert_eq!(ScheduleSettings::default().next_run(), None);
    }

    #[test]
    fn times_of_day_are_validated() {
        assert_eq!(parse_time_of_day("02:30").unwrap(), 150);
        assert!(parse_time_of_day("24:00").is_err());
        assert!(parse_time_of_day("noon").is_err());
    }
}
