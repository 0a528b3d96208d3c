//! A user's history as one timeline: every recorded change, newest first, each with what
//! it changed.
use super::identity::{HistoryKind, UserId};
use super::snapshot::StateDiff;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The most events one request returns.
pub const TIMELINE_MAX_PAGE: i64 = 100;

/// Which part of a user's timeline to read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TimelineQuery {
    pub user: UserId,
    /// Only changes of these kinds; every kind when empty.
    #[serde(default)]
    pub kinds: Vec<HistoryKind>,
    pub offset: i64,
    pub limit: i64,
    /// Only events older than this one (keyset paging: pass the last event read, so events
    /// recorded meanwhile never shift a page); `offset` then counts from there.
    #[serde(default)]
    pub before: Option<TimelinePosition>,
}

/// Where an event sits in a timeline: its instant (microseconds) and operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TimelinePosition {
    pub instant_micros: i64,
    pub operation_id: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum TimelineChange {
    /// The user did not exist before this change.
    Created,
    Changed,
    /// The user did not exist after it (moved to the recycle bin).
    Deleted,
}

/// One recorded change of a user: when, by whom, and the difference it made (limited to
/// the kinds asked for).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TimelineEvent {
    pub at: DateTime<Utc>,
    pub by: String,
    pub operation_id: i64,
    pub change: TimelineChange,
    pub diff: StateDiff,
}

impl HistoryKind {
    pub const ALL: [HistoryKind; 6] = [
        HistoryKind::Attributes,
        HistoryKind::Memberships,
        HistoryKind::Accounts,
        HistoryKind::Grants,
        HistoryKind::MailLists,
        HistoryKind::Printers,
    ];

    /// The filter's label.
    pub fn label(self) -> &'static str {
        match self {
            HistoryKind::Attributes => "Attributes",
            HistoryKind::Memberships => "Groups",
            HistoryKind::Accounts => "Accounts",
            HistoryKind::Grants => "Roles",
            HistoryKind::MailLists => "Mail lists",
            HistoryKind::Printers => "Printers",
        }
    }
}

impl StateDiff {
    /// The same diff with only the kinds in `kinds` (all when empty).
    pub fn only(mut self, kinds: &[HistoryKind]) -> Self {
        if kinds.is_empty() {
            return self;
        }
        let keep = |kind| kinds.contains(&kind);
        if !keep(HistoryKind::Attributes) {
            self.attributes.clear();
        }
        if !keep(HistoryKind::Memberships) {
            self.memberships = Default::default();
        }
        if !keep(HistoryKind::Accounts) {
            self.accounts = Default::default();
        }
        if !keep(HistoryKind::Grants) {
            self.grants = Default::default();
        }
        if !keep(HistoryKind::MailLists) {
            self.mail_lists = Default::default();
        }
        if !keep(HistoryKind::Printers) {
            self.printers = Default::default();
        }
        self
    }
}

/// The most buckets a change-density request may ask for.
pub const DENSITY_MAX_BUCKETS: i64 = 400;

/// How many changes were made to the group tree in each of `counts.len()` equal periods
/// from `from` to `to` (the time slider's bars).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChangeDensity {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub counts: Vec<i64>,
}

impl ChangeDensity {
    /// The instant at `position` (0..=`scale`) along the period.
    pub fn instant_at(&self, position: i64, scale: i64) -> DateTime<Utc> {
        let (span, scale) = (
            (self.to - self.from).num_microseconds().unwrap_or(0) as i128,
            scale.max(1) as i128,
        );
        let offset = span * (position as i128).clamp(0, scale) / scale;
        self.from + chrono::Duration::microseconds(offset as i64)
    }

    /// Where `at` lies along the period, 0..=`scale`.
    pub fn position_of(&self, at: DateTime<Utc>, scale: i64) -> i64 {
        let span = (self.to - self.from).num_microseconds().unwrap_or(0).max(1);
        let offset = (at - self.from)
            .num_microseconds()
            .unwrap_or(0)
            .clamp(0, span);
        // Rounded to the nearest step, so that `position_of(instant_at(p))` is `p`.
        ((offset as i128 * scale as i128 + span as i128 / 2) / span as i128) as i64
    }
}

/// The most changes one "changes between" request returns.
pub const GROUP_CHANGES_MAX: i64 = 500;

/// What happened to a group in a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum GroupChangeKind {
    Created {
        parent: Option<String>,
    },
    Renamed {
        from: String,
    },
    Moved {
        from: Option<String>,
        to: Option<String>,
    },
    /// Other attributes (description, type, drives, disabled, active dates).
    Edited,
    Deleted,
}

/// One change to the group tree: when, by whom, which group (its name after the change, or
/// its last name when deleted) and what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GroupChange {
    pub at: DateTime<Utc>,
    pub by: String,
    pub group: super::identity::GroupId,
    pub name: String,
    pub kind: GroupChangeKind,
}

/// The changes to the group tree after `from` up to `to`, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GroupChanges {
    pub changes: Vec<GroupChange>,
    /// More changes happened than were returned (`GROUP_CHANGES_MAX`).
    pub truncated: bool,
}
