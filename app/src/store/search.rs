//! Finding objects by name: current groups with their paths (the pickers' type-ahead) and the
//! console's search over users, groups, roles and accounts.
use super::filter::escape_like;
use super::group_depth::WALK_LIMIT;
use super::{Result, Store};
use crate::model::*;
use std::collections::HashMap;

impl Store {
    /// Current groups whose name contains `text` (any case), by name, at most `limit` of
    /// them, each with its path; `total` counts every match.
    pub async fn find_groups(&self, text: &str, limit: i64) -> Result<Page<GroupChoice>> {
        let pattern = format!("%{}%", escape_like(&search_text(text).to_lowercase()));
        let limit = limit.clamp(1, 100);
        let mut conn = self.pool.acquire().await?;
        let (total,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM groups g \
             WHERE g.valid_to IS NULL AND lower(g.name) LIKE $1 ESCAPE '\\'",
        )
        .bind(&pattern)
        .fetch_one(&mut *conn)
        .await?;
        let ids: Vec<(i64,)> = sqlx::query_as(
            "SELECT g.object_id FROM groups g \
             WHERE g.valid_to IS NULL AND lower(g.name) LIKE $1 ESCAPE '\\' \
             ORDER BY lower(g.name), g.object_id LIMIT $2",
        )
        .bind(&pattern)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        let ids: Vec<GroupId> = ids.into_iter().map(|(id,)| GroupId(id)).collect();
        let items = paths_of(&mut conn, &ids).await?;
        Ok(Page {
            items,
            total,
            offset: 0,
            limit,
        })
    }

    /// The paths of current groups, in the order asked (groups no longer there are left out).
    pub async fn group_paths(&self, ids: &[GroupId]) -> Result<Vec<GroupChoice>> {
        let mut conn = self.pool.acquire().await?;
        paths_of(&mut conn, &ids[..ids.len().min(100)]).await
    }

    /// The first `limit` users, groups, roles and accounts whose names (and the lists' other
    /// searched text) contain `text`, with the count of each.
    pub async fn search_everything(&self, text: &str, limit: i64) -> Result<SearchResults> {
        let text = search_text(text);
        let directory = DirectoryQuery {
            as_of: None,
            search: text.clone(),
            parent: None,
            sort: DirectorySort::Name,
            descending: false,
            offset: 0,
            limit,
        };
        Ok(SearchResults {
            users: self
                .list_users(&UserListQuery {
                    search: text.clone(),
                    limit,
                    ..Default::default()
                })
                .await?,
            groups: self.find_groups(&text, limit).await?,
            roles: self.search_roles(&directory).await?,
            accounts: self.search_accounts(&directory).await?,
        })
    }
}

/// Each group's path from its root, one recursive query for all of them.
async fn paths_of(conn: &mut sqlx::AnyConnection, ids: &[GroupId]) -> Result<Vec<GroupChoice>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // The ids are numbers from the database or the caller's typed ids: no text reaches the SQL.
    let list = ids
        .iter()
        .map(|id| id.0.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(&format!(
        "WITH RECURSIVE up (start, parent, lvl, name) AS ( \
           SELECT g.object_id, g.parent_id, CAST(1 AS BIGINT), g.name FROM groups g \
           WHERE g.valid_to IS NULL AND g.object_id IN ({list}) \
           UNION ALL \
           SELECT up.start, g.parent_id, up.lvl + 1, g.name FROM groups g \
           JOIN up ON g.object_id = up.parent \
           WHERE g.valid_to IS NULL AND up.lvl < $1) \
         SELECT start, lvl, name FROM up"
    ))
    // Stops even on damaged data (a parent cycle loaded from elsewhere).
    .bind(WALK_LIMIT)
    .fetch_all(conn)
    .await?;
    let mut chains: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    for (start, level, name) in rows {
        chains.entry(start).or_default().push((level, name));
    }
    Ok(ids
        .iter()
        .filter_map(|id| {
            let mut chain = chains.remove(&id.0)?;
            // Level 1 is the group itself: the root comes first in the path.
            chain.sort_unstable_by_key(|link| std::cmp::Reverse(link.0));
            let path = chain
                .into_iter()
                .map(|(_, name)| name)
                .collect::<Vec<_>>()
                .join(" › ");
            Some(GroupChoice { id: *id, path })
        })
        .collect())
}
