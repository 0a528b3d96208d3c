//! The group tree's depth bound. The tree is built, written to CSV, sent to the browser and
//! rendered by recursion; a chain of groups thousands deep (easy to import from a CSV file)
//! overflowed the stack on every page with a group picker, and more than about 63 levels
//! already broke decoding in the browser. Every write that can deepen the tree (create,
//! move, recover, CSV import through the same functions) checks the bound.
use super::{Error, Result};
use crate::model::MAX_GROUP_DEPTH;
use sqlx::AnyConnection;

/// Walks never go further than this, even through damaged data (a cycle loaded from a backup).
pub(super) const WALK_LIMIT: i64 = MAX_GROUP_DEPTH + 2;

/// The level of `group` in the current tree: a root is level 1.
async fn level_of(conn: &mut AnyConnection, group: i64) -> Result<i64> {
    let (level,): (Option<i64>,) = sqlx::query_as(
        "WITH RECURSIVE up (id, lvl) AS ( \
           SELECT CAST($1 AS BIGINT), CAST(1 AS BIGINT) \
           UNION ALL \
           SELECT g.parent_id, up.lvl + 1 FROM groups g JOIN up ON g.object_id = up.id \
           WHERE g.valid_to IS NULL AND g.parent_id IS NOT NULL AND up.lvl < $2) \
         SELECT CAST(MAX(lvl) AS BIGINT) FROM up",
    )
    .bind(group)
    .bind(WALK_LIMIT)
    .fetch_one(conn)
    .await?;
    Ok(level.unwrap_or(1))
}

/// How many levels `group` and the current groups below it span: a group without subgroups
/// spans 1.
pub(crate) async fn height_of(conn: &mut AnyConnection, group: i64) -> Result<i64> {
    let (height,): (Option<i64>,) = sqlx::query_as(
        "WITH RECURSIVE down (id, lvl) AS ( \
           SELECT CAST($1 AS BIGINT), CAST(1 AS BIGINT) \
           UNION ALL \
           SELECT g.object_id, down.lvl + 1 FROM groups g JOIN down ON g.parent_id = down.id \
           WHERE g.valid_to IS NULL AND down.lvl < $2) \
         SELECT CAST(MAX(lvl) AS BIGINT) FROM down",
    )
    .bind(group)
    .bind(WALK_LIMIT)
    .fetch_one(conn)
    .await?;
    Ok(height.unwrap_or(1))
}

/// Refuses to place a group named `name`, spanning `height` levels, under `parent` when the
/// tree would then be deeper than `MAX_GROUP_DEPTH` (a root alone can never be).
pub(crate) async fn check_depth(
    conn: &mut AnyConnection,
    parent: i64,
    height: i64,
    name: &str,
) -> Result<()> {
    let parent_level = level_of(conn, parent).await?;
    let deepest = parent_level + height;
    if deepest <= MAX_GROUP_DEPTH {
        return Ok(());
    }
    let (parent_name,): (String,) =
        sqlx::query_as("SELECT name FROM groups WHERE object_id = $1 AND valid_to IS NULL")
            .bind(parent)
            .fetch_one(&mut *conn)
            .await?;
    let below = match height {
        1 => String::new(),
        2 => " and the level below it".into(),
        n => format!(" and the {} levels below it", n - 1),
    };
    Err(Error::invalid(
        "parent",
        format!(
            "The group tree may be at most {MAX_GROUP_DEPTH} levels deep: {name:?}{below} \
             under {parent_name:?} (level {parent_level}) would reach level {deepest}."
        ),
    ))
}
