//! The Overview page: what there is, how safe it is, what needs attention.
use super::audit::AuditEntry;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How many current objects of one kind there are, and the list that shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ObjectCount {
    pub label: String,
    pub count: i64,
    pub href: String,
}

/// The newest finished system backup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LastBackup {
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// What the operator may see of the system at a glance. Parts the operator's role may not
/// read are None.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Overview {
    pub counts: Vec<ObjectCount>,
    /// Deleted users and groups that can be recovered.
    pub recycle_bin: i64,
    /// System backups (with the backup permission): the newest finished one and the next
    /// scheduled run.
    pub backups: Option<BackupOverview>,
    /// Recent restores (with the audit permission).
    pub recent_restores: Option<Vec<AuditEntry>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BackupOverview {
    pub last: Option<LastBackup>,
    pub next_run: Option<DateTime<Utc>>,
    /// System restores waiting for the Owner's code.
    pub pending_approvals: i64,
    /// Backups that failed since the last one that succeeded.
    pub failed_since_last: i64,
}
