//! As-of reads of users and groups: user details and lists, the group tree, group members.
use super::identity::{
    group_row_at, user_row_at, GroupRow, MembershipRow, UserRow, GROUP_COLUMNS, USER_ATTRIBUTES,
    USER_COLUMNS,
};
use super::temporal::{
    instant, live, live_at, live_in_span_class, span_instant, span_windows, time,
};
use super::user_state::load_state;
use super::{to_time, Backend, Error, Result, Store};
use crate::model::*;
use chrono::{DateTime, Utc};
use sqlx::{Any, AnyConnection};
use std::collections::{HashMap, HashSet};

/// A secondary membership as group member lists read it: id, user, start, end, comments.
type SecondaryMembershipRow = (i64, i64, Option<i64>, Option<i64>, String);

impl Store {
    /// One user with everything about them, as it was at `as_of` (now when None).
    pub async fn get_user(&self, id: UserId, as_of: Option<DateTime<Utc>>) -> Result<UserDetail> {
        let mut conn = self.pool.acquire().await?;
        let t = instant(as_of);
        let row = user_row_at(&mut conn, id.0, t).await?.ok_or_else(|| {
            Error::NotFound(match as_of {
                Some(at) => format!("user {} at {at}", id.0),
                None => format!("user {}", id.0),
            })
        })?;
        let state = load_state(&mut conn, id.0, t, true)
            .await?
            .ok_or_else(|| Error::NotFound(format!("user {}", id.0)))?;
        let (created_at, created_by): (i64, String) = sqlx::query_as(
            "SELECT valid_from, changed_by FROM users WHERE object_id = $1 ORDER BY version_id LIMIT 1",
        )
        .bind(id.0)
        .fetch_one(&mut *conn)
        .await?;
        Ok(UserDetail {
            full_name: state.attributes.full_name(),
            state,
            created: Stamp {
                at: to_time(created_at),
                by: created_by,
            },
            modified: Stamp {
                at: to_time(row.valid_from),
                by: row.changed_by,
            },
            as_of,
        })
    }

    /// A page of users as of `query.as_of`, filtered and sorted in the database.
    pub async fn list_users(&self, query: &UserListQuery) -> Result<Page<UserSummary>> {
        let t = span_instant(instant(query.as_of));
        let limit = if query.limit <= 0 {
            50
        } else {
            query.limit.min(500)
        };
        let offset = query.offset.max(0);
        let search = query.search.trim().to_lowercase();
        let pattern = format!("%{search}%");
        // What a user must match besides being live at T, each term after " AND ".
        let mut filter = String::new();
        // The full-text phrase for SQLite's search index ($3), when it applies.
        let mut phrase: Option<String> = None;
        // No search: no per-row matching, so the count comes from the index alone. $2 and $3
        // are named even when unused (as always-true terms): the placeholders after them are
        // numbered from 4.
        if search.is_empty() {
            filter.push_str(" AND $2 = '%%'");
        } else {
            // name_key is the lower-cased, trimmed name. On PostgreSQL the trigram index
            // users_search_current answers these LIKEs for the current users.
            filter.push_str(
                " AND (u.name_key LIKE $2 OR lower(u.first_name || ' ' || u.last_name) LIKE $2 \
                 OR lower(u.email) LIKE $2)",
            );
            // On SQLite the FTS5 trigram index of the current users (users_search) narrows
            // the rows first: a phrase query finds every row containing the term (a superset
            // of the exact match above). It needs three characters, holds no past versions,
            // and knows no LIKE wildcards, so other searches go without it.
            if self.backend == super::Backend::Sqlite
                && t == i64::MAX
                && search.chars().count() >= 3
                && !search.contains(['%', '_'])
            {
                phrase = Some(format!("\"{}\"", search.replace('"', "\"\"")));
                filter.push_str(
                    " AND u.version_id IN \
                     (SELECT rowid FROM users_search WHERE users_search MATCH $3)",
                );
            }
        }
        if phrase.is_none() {
            filter.push_str(" AND $3 = ''");
        }
        let phrase = phrase.unwrap_or_default();
        let advanced = super::filter::condition(&query.filter, USER_ATTRIBUTES, 4)?;
        if let Some(advanced) = &advanced {
            filter = format!("{filter} AND {}", advanced.sql);
        }
        // The search index holds exactly the current users' name, full name and e-mail,
        // separated by spaces, and folds ASCII case as LIKE does: for an ASCII term without
        // spaces its phrase matches are the LIKE matches, and counting them there avoids
        // reading every matching user row (25k rows for a first name among a million).
        let index_counts = !phrase.is_empty()
            && advanced.is_none()
            && search.is_ascii()
            && !search.contains(char::is_whitespace);
        let count_sql = if index_counts {
            "SELECT COUNT(*) FROM users_search WHERE users_search MATCH $3 AND $1 = $1 \
             AND $2 = $2"
                .to_string()
        } else if t == i64::MAX {
            format!("SELECT COUNT(*) FROM users u WHERE u.valid_to IS NULL{filter}")
        } else {
            // Current versions that began by T plus closed ones live at T found by length
            // class (migration 0078), as for the group tree: a count of the versions live at
            // T touches about as many index entries as the current count does. One count per
            // class (a subquery for each row of span_windows), so that both databases search
            // each class's range instead of joining the classes to every closed version.
            let current_from = match self.backend {
                super::Backend::Sqlite => "u.valid_from + 0",
                super::Backend::Postgres => "u.valid_from",
            };
            format!(
                "WITH {} SELECT CAST(\
                 (SELECT COUNT(*) FROM users u \
                  WHERE u.valid_to IS NULL AND {current_from} <= $1{filter}) + \
                 COALESCE((SELECT SUM((SELECT COUNT(*) FROM users u \
                   WHERE {}{filter})) FROM span_windows w), 0) AS BIGINT)",
                span_windows(),
                live_in_span_class("u", 1)
            )
        };
        let filter = format!("{}{filter}", live_at("u", 1, t));
        let order = match query.sort {
            UserSort::Name => "u.name_key",
            UserSort::FullName => "lower(u.first_name || ' ' || u.last_name)",
            UserSort::Modified => "u.valid_from",
        };
        let direction = if query.descending { "DESC" } else { "ASC" };
        let mut conn = self.pool.acquire().await?;
        let binds = advanced.map(|a| a.binds).unwrap_or_default();
        let after = 4 + binds.len();
        let page_sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE {filter} \
             ORDER BY {order} {direction}, u.object_id {direction} LIMIT ${after} OFFSET ${}",
            after + 1
        );
        let (total,): (i64,) = super::filter::bind_all(
            sqlx::query_as(&count_sql)
                .bind(t)
                .bind(&pattern)
                .bind(&phrase),
            &binds,
        )
        .fetch_one(&mut *conn)
        .await?;
        let rows: Vec<UserRow> = super::filter::bind_all(
            sqlx::query_as(&page_sql)
                .bind(t)
                .bind(&pattern)
                .bind(&phrase),
            &binds,
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *conn)
        .await?;
        let mut group_names: HashMap<i64, String> = HashMap::new();
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            if let std::collections::hash_map::Entry::Vacant(slot) =
                group_names.entry(row.primary_group_id)
            {
                let name = group_row_at(&mut conn, row.primary_group_id, t)
                    .await?
                    .map(|g| g.name)
                    .unwrap_or_default();
                slot.insert(name);
            }
            let input = row.input();
            items.push(UserSummary {
                id: UserId(row.object_id),
                full_name: input.full_name(),
                name: row.name,
                email: row.email,
                primary_group: GroupId(row.primary_group_id),
                primary_group_name: group_names[&row.primary_group_id].clone(),
                user_type: row.user_type.clone(),
                enabled: row.enabled != 0,
                modified: Stamp {
                    at: to_time(row.valid_from),
                    by: row.changed_by,
                },
            });
        }
        Ok(Page {
            items,
            total,
            offset,
            limit,
        })
    }

    pub async fn get_group(&self, id: GroupId, as_of: Option<DateTime<Utc>>) -> Result<Group> {
        let mut conn = self.pool.acquire().await?;
        group_row_at(&mut conn, id.0, instant(as_of))
            .await?
            .map(|row| row.group())
            .ok_or_else(|| Error::NotFound(format!("group {}", id.0)))
    }

    /// The whole group tree as it was at `as_of`: one query for the four columns the tree
    /// shows (a full `Group` per row costs most of the time with 10k groups), assembled in
    /// memory.
    pub async fn group_tree(&self, as_of: Option<DateTime<Utc>>) -> Result<Vec<GroupNode>> {
        let t = instant(as_of);
        let rows = self.group_tree_rows(t).await?;
        let present: HashSet<i64> = rows.iter().map(|r| r.0).collect();
        let mut children: HashMap<Option<i64>, Vec<(String, GroupNode)>> = HashMap::new();
        for (id, parent, name, disabled) in rows {
            // A parent missing at T (should not happen) shows its child as a root.
            let parent = parent.filter(|p| present.contains(p));
            // Cached key: lower-casing inside the comparison allocates n log n times.
            let key = name.to_lowercase();
            let node = GroupNode {
                id: GroupId(id),
                name,
                disabled: disabled != 0,
                children: Vec::new(),
            };
            children.entry(parent).or_default().push((key, node));
        }
        fn build(
            parent: Option<i64>,
            level: i64,
            children: &mut HashMap<Option<i64>, Vec<(String, GroupNode)>>,
        ) -> Vec<GroupNode> {
            let mut nodes = children.remove(&parent).unwrap_or_default();
            nodes.sort_unstable_by(|a, b| (&a.0, a.1.id).cmp(&(&b.0, b.1.id)));
            nodes
                .into_iter()
                .map(|(_, mut node)| {
                    // Writes keep the tree within the bound; data loaded from elsewhere may
                    // not be, and the recursion here and in every reader must stay bounded.
                    if level < MAX_GROUP_DEPTH {
                        node.children = build(Some(node.id.0), level + 1, children);
                    }
                    node
                })
                .collect()
        }
        let mut roots = build(None, 1, &mut children);
        // Groups deeper than the bound, or on a parent cycle (damaged data), are shown as roots
        // without subgroups rather than lost.
        let mut rest: Vec<(String, GroupNode)> = children.into_values().flatten().collect();
        rest.sort_unstable_by(|a, b| (&a.0, a.1.id).cmp(&(&b.0, b.1.id)));
        roots.extend(rest.into_iter().map(|(_, node)| node));
        Ok(roots)
    }

    /// (id, parent, name, disabled) of every group live at `t`. The database hands the rows
    /// over as four JSON arrays in one result row: the drivers' per-row cost (a few
    /// microseconds) was most of the tree's time with 10k groups. One aggregate pass fills
    /// the four arrays, so their elements line up.
    async fn group_tree_rows(&self, t: i64) -> Result<Vec<(i64, Option<i64>, String, i64)>> {
        let aggregate = match self.backend {
            Backend::Sqlite => "json_group_array",
            Backend::Postgres => "json_agg",
        };
        let (with, source) = if t == i64::MAX {
            (
                String::new(),
                "groups g WHERE g.valid_to IS NULL".to_string(),
            )
        } else {
            // Current versions that began by T, and closed ones live at T found by length
            // class (migration 0077): each class's index range holds few versions not live.
            (
                format!("WITH {} ", span_windows()),
                format!(
                    "(SELECT object_id, parent_id, name, disabled FROM groups \
                      WHERE valid_to IS NULL AND valid_from <= $1 \
                      UNION ALL \
                      SELECT g.object_id, g.parent_id, g.name, g.disabled \
                      FROM span_windows w CROSS JOIN groups g WHERE {}) g",
                    live_in_span_class("g", 1)
                ),
            )
        };
        let (ids, parents, names, disabled): (String, String, String, String) =
            sqlx::query_as(&format!(
                "{with}SELECT CAST(COALESCE({aggregate}(g.object_id), '[]') AS TEXT), \
                        CAST(COALESCE({aggregate}(g.parent_id), '[]') AS TEXT), \
                        CAST(COALESCE({aggregate}(g.name), '[]') AS TEXT), \
                        CAST(COALESCE({aggregate}(g.disabled), '[]') AS TEXT) \
                 FROM {source}"
            ))
            .bind(span_instant(t))
            .fetch_one(&self.pool)
            .await?;
        fn parse<T: serde::de::DeserializeOwned>(json: &str) -> Result<Vec<T>> {
            serde_json::from_str(json).map_err(|e| Error::Internal(format!("group tree: {e}")))
        }
        let (ids, parents, names, disabled): (Vec<i64>, Vec<Option<i64>>, Vec<String>, Vec<i64>) = (
            parse(&ids)?,
            parse(&parents)?,
            parse(&names)?,
            parse(&disabled)?,
        );
        if [parents.len(), names.len(), disabled.len()] != [ids.len(); 3] {
            return Err(Error::Internal(
                "group tree: column arrays differ in length".into(),
            ));
        }
        Ok(ids
            .into_iter()
            .zip(parents)
            .zip(names.into_iter().zip(disabled))
            .map(|((id, parent), (name, disabled))| (id, parent, name, disabled))
            .collect())
    }

    /// Every group as it was at `as_of`, in no particular order (exports pair it with
    /// `group_tree` for the order).
    pub async fn list_groups(&self, as_of: Option<DateTime<Utc>>) -> Result<Vec<Group>> {
        let t = instant(as_of);
        let rows = sqlx::query_as::<Any, GroupRow>(&format!(
            "SELECT {GROUP_COLUMNS} FROM groups g WHERE {}",
            live_at("g", 1, t)
        ))
        .bind(t)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(GroupRow::group).collect())
    }

    /// The members of a group at `as_of`: users with it as primary group, then secondary
    /// memberships; sorted by user name.
    pub async fn group_members(
        &self,
        id: GroupId,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Vec<GroupMember>> {
        let t = instant(as_of);
        let mut conn = self.pool.acquire().await?;
        group_row_at(&mut conn, id.0, t)
            .await?
            .ok_or_else(|| Error::NotFound(format!("group {}", id.0)))?;
        let primary = sqlx::query_as::<Any, UserRow>(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.primary_group_id = $1 AND {}",
            live("u", 2)
        ))
        .bind(id.0)
        .bind(t)
        .fetch_all(&mut *conn)
        .await?;
        let mut members: Vec<GroupMember> = primary
            .into_iter()
            .map(|u| GroupMember {
                user: UserId(u.object_id),
                full_name: u.input().full_name(),
                user_name: u.name,
                kind: MemberKind::Primary,
                membership: None,
                start_date: None,
                end_date: None,
                comments: String::new(),
            })
            .collect();
        let secondary: Vec<SecondaryMembershipRow> = sqlx::query_as(&format!(
            "SELECT m.object_id, m.user_id, m.start_date, m.end_date, m.comments FROM memberships m \
             WHERE m.group_id = $1 AND {}",
            live("m", 2)
        ))
        .bind(id.0)
        .bind(t)
        .fetch_all(&mut *conn)
        .await?;
        for (membership, user, start, end, comments) in secondary {
            if let Some(u) = user_row_at(&mut conn, user, t).await? {
                members.push(GroupMember {
                    user: UserId(user),
                    full_name: u.input().full_name(),
                    user_name: u.name,
                    kind: MemberKind::Secondary,
                    membership: Some(MembershipId(membership)),
                    start_date: time(start),
                    end_date: time(end),
                    comments,
                });
            }
        }
        members.sort_by_key(|a| a.user_name.to_lowercase());
        Ok(members)
    }
}

pub(crate) async fn current_membership(
    conn: &mut AnyConnection,
    id: MembershipId,
) -> Result<MembershipRow> {
    sqlx::query_as::<Any, MembershipRow>(
        "SELECT user_id, group_id, start_date, comments FROM memberships \
         WHERE object_id = $1 AND valid_to IS NULL",
    )
    .bind(id.0)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| Error::NotFound(format!("membership {}", id.0)))
}
