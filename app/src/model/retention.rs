//! History retention: how long history is kept, and what the latest pruning removed.
use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};

/// The longest retention one can set (100 years); "forever" is `None`.
pub const MAX_RETENTION_MONTHS: i64 = 1200;

/// How long history is kept. What falls out of it: versions that ended before the cutoff
/// (`now - keep_months`), closed snapshots that ended before it, the change feed's records
/// of older operations and operations nothing refers to any more. Current data, versions
/// in force at the cutoff, users' open snapshots and the audit log always stay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HistoryRetention {
    /// Months of history kept; None keeps everything (the default).
    pub keep_months: Option<i64>,
    /// Who changed it last and when (None: never changed).
    pub updated_at: Option<DateTime<Utc>>,
    pub updated_by: String,
    /// The latest pruning run, if any.
    pub last_run: Option<PruneSummary>,
}

/// What one pruning run removed, below `cutoff`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PruneSummary {
    pub at: Option<DateTime<Utc>>,
    pub cutoff: Option<DateTime<Utc>>,
    /// Versions of the versioned tables (users, groups, memberships...).
    pub versions: i64,
    pub snapshots: i64,
    /// Restore undo points whose snapshot was pruned.
    pub undo_points: i64,
    /// Change feed records (`change_log` rows and announcements).
    pub feed_records: i64,
    pub operations: i64,
    /// Write transactions the run took.
    pub batches: i64,
    /// The longest of them, from taking the write lock to commit: the longest a writer
    /// waited for this run.
    #[serde(default)]
    pub longest_batch_ms: i64,
}

impl PruneSummary {
    pub fn is_empty(&self) -> bool {
        self.versions == 0
            && self.snapshots == 0
            && self.undo_points == 0
            && self.feed_records == 0
            && self.operations == 0
    }

    /// "12 versions, 3 snapshots, ..." for the audit log and the console.
    pub fn describe(&self) -> String {
        format!(
            "{} versions, {} snapshots, {} undo points, {} change feed records, {} operations",
            self.versions, self.snapshots, self.undo_points, self.feed_records, self.operations
        )
    }
}

/// The instant before which history goes when `keep_months` are kept at `now` (calendar
/// months: a retention set on 31 March keeps from the last day of the month before).
pub fn retention_cutoff(keep_months: Option<i64>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let months = u32::try_from(keep_months?).ok()?;
    now.checked_sub_months(Months::new(months))
}

/// "forever", "1 year", "18 months", "2 years".
pub fn describe_retention(keep_months: Option<i64>) -> String {
    match keep_months {
        None => "forever".into(),
        Some(m) if m % 12 == 0 => match m / 12 {
            1 => "1 year".into(),
            years => format!("{years} years"),
        },
        Some(1) => "1 month".into(),
        Some(m) => format!("{m} months"),
    }
}

/// Whether going from `old` to `new` deletes history that `old` kept (and so needs the
/// operator's explicit confirmation).
pub fn retention_shortens(old: Option<i64>, new: Option<i64>) -> bool {
    match (old, new) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(old), Some(new)) => new < old,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cutoff_counts_calendar_months_back_and_forever_has_none() {
        let now = DateTime::parse_from_rfc3339("2026-03-31T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(retention_cutoff(None, now), None);
        assert_eq!(
            retention_cutoff(Some(24), now).unwrap().to_rfc3339(),
            "2024-03-31T12:00:00+00:00"
        );
        assert_eq!(
            retention_cutoff(Some(1), now).unwrap().to_rfc3339(),
            "2026-02-28T12:00:00+00:00"
        );
    }

    #[test]
    fn only_a_shorter_period_than_before_counts_as_shortening() {
        assert!(retention_shortens(None, Some(120)));
        assert!(retention_shortens(Some(24), Some(12)));
        assert!(!retention_shortens(Some(12), Some(24)));
        assert!(!retention_shortens(Some(12), None));
        assert!(!retention_shortens(Some(12), Some(12)));
        assert_eq!(describe_retention(Some(36)), "3 years");
        assert_eq!(describe_retention(Some(18)), "18 months");
    }
}
