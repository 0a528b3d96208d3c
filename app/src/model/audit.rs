use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub operator_name: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub details: String,
}

/// The most audit lines one page shows.
pub const AUDIT_MAX_PAGE: i64 = 200;

/// A filtered page of the audit log. Text filters match a part, in any case.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditQuery {
    /// Part of the operator's name.
    #[serde(default)]
    pub who: String,
    /// Part of the action (`restore`, `user.`, `system-backup.export`).
    #[serde(default)]
    pub action: String,
    /// Part of the object's name.
    #[serde(default)]
    pub target: String,
    /// From this instant (inclusive) to that one (exclusive).
    #[serde(default)]
    pub from: Option<DateTime<Utc>>,
    #[serde(default)]
    pub to: Option<DateTime<Utc>>,
    #[serde(default)]
    pub offset: i64,
    #[serde(default)]
    pub limit: i64,
}
