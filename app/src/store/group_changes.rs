//! The group tree's changes in a period: created, renamed, moved, edited, deleted.
use super::{to_time, Result, Store};
use crate::model::*;
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
struct VersionStart {
    object_id: i64,
    valid_from: i64,
    changed_by: String,
    name: String,
    parent_name: Option<String>,
    previous_name: Option<String>,
    previous_parent_name: Option<String>,
    /// Whether a version came before this one.
    had_previous: i64,
    /// Whether the parent differs from the previous version's.
    parent_changed: i64,
}

#[derive(sqlx::FromRow)]
struct VersionEnd {
    object_id: i64,
    valid_to: i64,
    ended_by: Option<String>,
    name: String,
}

/// The name a group had at its newest version (for parents of old versions).
const PARENT_NAME: &str = "(SELECT n.name FROM groups n WHERE n.object_id = {parent} \
     ORDER BY n.version_id DESC LIMIT 1)";

impl Store {
    /// Every change to the group tree after `from` up to `to`: groups created, renamed,
    /// moved, edited and deleted, newest first, at most `GROUP_CHANGES_MAX`.
    pub async fn group_changes(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<GroupChanges> {
        if to <= from {
            return Err(super::Error::invalid(
                "to",
                "The end of the period must come after its start.",
            ));
        }
        let (from, to) = (from.timestamp_micros(), to.timestamp_micros());
        let limit = GROUP_CHANGES_MAX + 1;
        let parent = |column: &str| PARENT_NAME.replace("{parent}", column);
        let starts: Vec<VersionStart> = sqlx::query_as(&format!(
            "SELECT x.object_id, x.valid_from, x.changed_by, x.name, \
                    {} AS parent_name, p.name AS previous_name, {} AS previous_parent_name, \
                    CASE WHEN p.version_id IS NULL THEN 0 ELSE 1 END AS had_previous, \
                    CASE WHEN p.version_id IS NOT NULL AND \
                         COALESCE(p.parent_id, -1) <> COALESCE(x.parent_id, -1) THEN 1 ELSE 0 END \
                         AS parent_changed \
             FROM groups x LEFT JOIN groups p ON p.object_id = x.object_id AND p.version_id = \
                 (SELECT MAX(q.version_id) FROM groups q \
                  WHERE q.object_id = x.object_id AND q.version_id < x.version_id) \
             WHERE x.valid_from > $1 AND x.valid_from <= $2 \
             ORDER BY x.valid_from DESC, x.version_id DESC LIMIT $3",
            parent("x.parent_id"),
            parent("p.parent_id"),
        ))
        .bind(from)
        .bind(to)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        // Deletions: a version that ended in the period and had no successor.
        let ends: Vec<VersionEnd> = sqlx::query_as(
            "SELECT x.object_id, x.valid_to, x.ended_by, x.name FROM groups x \
             WHERE x.valid_to > $1 AND x.valid_to <= $2 AND NOT EXISTS \
                 (SELECT 1 FROM groups y WHERE y.object_id = x.object_id \
                  AND y.version_id > x.version_id AND y.valid_from = x.valid_to) \
             ORDER BY x.valid_to DESC LIMIT $3",
        )
        .bind(from)
        .bind(to)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut changes: Vec<GroupChange> = starts
            .into_iter()
            .map(|row| {
                let kind = if row.had_previous == 0 {
                    GroupChangeKind::Created {
                        parent: row.parent_name.clone(),
                    }
                } else if row.parent_changed != 0 {
                    GroupChangeKind::Moved {
                        from: row.previous_parent_name.clone(),
                        to: row.parent_name.clone(),
                    }
                } else if row.previous_name.as_deref() != Some(row.name.as_str()) {
                    GroupChangeKind::Renamed {
                        from: row.previous_name.clone().unwrap_or_default(),
                    }
                } else {
                    GroupChangeKind::Edited
                };
                GroupChange {
                    at: to_time(row.valid_from),
                    by: row.changed_by,
                    group: GroupId(row.object_id),
                    name: row.name,
                    kind,
                }
            })
            .chain(ends.into_iter().map(|row| GroupChange {
                at: to_time(row.valid_to),
                by: row.ended_by.unwrap_or_default(),
                group: GroupId(row.object_id),
                name: row.name,
                kind: GroupChangeKind::Deleted,
            }))
            .collect();
        changes.sort_by(|a, b| b.at.cmp(&a.at).then(b.group.0.cmp(&a.group.0)));
        let truncated = changes.len() as i64 > GROUP_CHANGES_MAX;
        changes.truncate(GROUP_CHANGES_MAX as usize);
        Ok(GroupChanges { changes, truncated })
    }
}
