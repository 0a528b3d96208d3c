//! The change feed (`GET /api/v1/changes`): every change to the identity store in commit
//! order, for followers that mirror Rewind and re-apply what a restore put back.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One operation: a console edit, an import, a SCIM request, a restore, an undo… and every
/// version it wrote or ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChangeEvent {
    /// Pass it as `after` to read what follows.
    pub cursor: String,
    /// The operation's id (0 for an announcement, which is not an operation).
    pub operation_id: i64,
    /// The operation's kind, e.g. `user.update`, `history.restore`, `system.restore`.
    pub kind: String,
    pub summary: String,
    /// Who: an operator, "token NAME (SCIM)", "token NAME"…
    pub author: String,
    /// Where it came from: console, api, scim, import, restore, undo, system-restore.
    pub source: String,
    pub at: DateTime<Utc>,
    /// A system restore replaced the whole store: read everything again (as of now), then
    /// follow on from this cursor. `summary` names the backup.
    pub resync: bool,
    pub changes: Vec<ObjectChange>,
}

/// What one operation did to one object of one table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ObjectChange {
    /// The table: `users`, `groups`, `memberships`, `grants`, a resource kind's table…
    pub table: String,
    pub id: i64,
    /// create, update or delete.
    pub operation: String,
    /// The attributes before and after (null for a create, a delete).
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub before: Option<serde_json::Value>,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub after: Option<serde_json::Value>,
}

/// A page of the feed; `next` is the cursor to ask after (the same one when nothing new).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChangePage {
    pub events: Vec<ChangeEvent>,
    pub next: String,
}
