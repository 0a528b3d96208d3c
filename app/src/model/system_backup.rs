//! System backups: the catalogue, background jobs, the schedule, restore approval and the inbox.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Passwords protecting an exported backup file.
pub const MIN_EXPORT_PASSWORD_LEN: usize = 4;
/// Digits in the one-time code that approves a restore.
pub const RESTORE_CODE_DIGITS: usize = 8;
pub const RESTORE_CODE_TTL_SECS: i64 = 10 * 60;
pub const RESTORE_CODE_MAX_FAILURES: i64 = 5;
/// Restore codes one operator may request in an hour: each one lands in the Owner's inbox
/// (and mail), which must not be flooded.
pub const RESTORE_REQUESTS_PER_HOUR: i64 = 5;
/// How long a requester waits before a new code replaces their pending one.
pub const RESTORE_REQUEST_RESEND_SECS: i64 = 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum BackupKind {
    Manual,
    Automatic,
    /// An uploaded export that passed validation, kept so it can be restored after approval.
    Imported,
}

impl BackupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Automatic => "automatic",
            Self::Imported => "imported",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Manual, Self::Automatic, Self::Imported]
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum BackupStatus {
    Running,
    Ready,
    Failed,
}

impl BackupStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Ready => "ready",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Running, Self::Ready, Self::Failed]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TableCount {
    pub table: String,
    pub rows: i64,
}

/// One server-side backup in the catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SystemBackup {
    pub id: i64,
    pub label: String,
    pub kind: BackupKind,
    pub status: BackupStatus,
    pub created_at: DateTime<Utc>,
    /// The operator's user name, or "scheduler" for automatic backups.
    pub created_by: String,
    pub size_bytes: i64,
    pub schema_version: i64,
    pub total_rows: i64,
    pub tables: Vec<TableCount>,
    /// Why a failed backup failed; empty otherwise.
    pub error: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    Backup,
    Restore,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Backup => "backup",
            Self::Restore => "restore",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "backup" => Some(Self::Backup),
            "restore" => Some(Self::Restore),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Running,
    Succeeded,
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "running" => Some(Self::Running),
            "succeeded" => Some(Self::Succeeded),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// A background backup or restore, polled for its progress bar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BackupJob {
    pub id: i64,
    pub kind: JobKind,
    /// The backup being written or restored.
    pub backup_id: i64,
    pub state: JobState,
    pub rows_done: i64,
    pub rows_total: i64,
    /// Set when the job failed: a message fit to show.
    pub error: Option<String>,
    /// What a finished restore reports besides success: tables absent from the backup,
    /// settings reset to defaults, console data it carried and that was ignored.
    #[serde(default)]
    pub notes: Vec<String>,
}

impl BackupJob {
    /// 0..=100, for a progress bar.
    pub fn percent(&self) -> i64 {
        match self.state {
            JobState::Succeeded => 100,
            _ if self.rows_total <= 0 => 0,
            _ => (self.rows_done * 100 / self.rows_total).clamp(0, 99),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ScheduleFrequency {
    Daily,
    Weekly,
}

impl ScheduleFrequency {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Daily => "daily",
            Self::Weekly => "weekly",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "daily" => Some(Self::Daily),
            "weekly" => Some(Self::Weekly),
            _ => None,
        }
    }
}

/// "HH:MM" as minutes after midnight; None unless hours are 0..24 and minutes 0..60.
pub fn minutes_of_clock(text: &str) -> Option<i64> {
    let (hours, minutes) = text.trim().split_once(':')?;
    let (hours, minutes): (i64, i64) = (hours.parse().ok()?, minutes.parse().ok()?);
    ((0..24).contains(&hours) && (0..60).contains(&minutes)).then_some(hours * 60 + minutes)
}

/// Minutes after midnight as "HH:MM".
pub fn clock_of_minutes(minute_of_day: i64) -> String {
    format!("{:02}:{:02}", minute_of_day / 60, minute_of_day % 60)
}

/// Automatic backups. Times are UTC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BackupSchedule {
    pub enabled: bool,
    pub frequency: ScheduleFrequency,
    /// 0 = Monday ... 6 = Sunday; used when weekly.
    pub weekday: i64,
    /// "HH:MM", UTC.
    pub time: String,
    /// Automatic backups kept; older ones are deleted after each automatic backup.
    pub keep_last: i64,
    pub next_run_at: Option<DateTime<Utc>>,
    pub last_run_at: Option<DateTime<Utc>>,
}

/// What an uploaded file contains, once it passed every check (shown before importing).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BackupValidation {
    /// The checked upload, waiting for Import (`import_checked_backup`), which adds it to
    /// the catalogue and returns the backup id for `request_restore`.
    pub upload: String,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub format_version: i64,
    pub schema_version: i64,
    /// This server's schema version; older backups are accepted and mapped onto it.
    pub server_schema_version: i64,
    pub total_rows: i64,
    pub tables: Vec<TableCount>,
    /// What the backup holds in words: current objects per kind when it was taken (empty
    /// for backups made before this was recorded).
    #[serde(default)]
    pub contents: Vec<super::ObjectCount>,
}

/// A restore waiting for the Owner's one-time code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RestoreRequest {
    pub id: i64,
    pub backup_id: i64,
    pub expires_at: DateTime<Utc>,
    /// Whether the code was also sent by email (SMTP configured).
    pub emailed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InboxMessage {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub subject: String,
    pub body: String,
    pub read: bool,
}
