//! The catalogue of every user's snapshots, for the "configure & restore" page.
use super::filter::{bind_all, condition, Attribute, Bind, Kind};
use super::temporal::time;
use super::{Result, Store};
use crate::model::*;
use sqlx::Any;

/// The user's name in its newest version, so deleted users' snapshots still show a name.
const USER_NAME: &str = "(SELECT u.name FROM users u WHERE u.object_id = s.user_id \
    ORDER BY u.valid_from DESC LIMIT 1)";

const SNAPSHOT_ATTRIBUTES: &[Attribute] = &[
    Attribute {
        name: "userName",
        sql: USER_NAME,
        kind: Kind::Text,
    },
    Attribute {
        name: "validSince",
        sql: "s.valid_since",
        kind: Kind::Time,
    },
    Attribute {
        name: "validUntil",
        sql: "s.valid_until",
        kind: Kind::Time,
    },
];

#[derive(sqlx::FromRow)]
struct CatalogueRow {
    id: i64,
    user_id: i64,
    user_name: Option<String>,
    valid_since: i64,
    valid_until: Option<i64>,
    size: i64,
    content_hash: String,
}

impl Store {
    /// Snapshots of all users, filtered by user name (quick search) and an advanced query on
    /// userName, validSince and validUntil; newest first unless sorted otherwise.
    pub async fn list_all_snapshots(
        &self,
        query: &SnapshotListQuery,
    ) -> Result<Page<SnapshotListItem>> {
        let limit = if query.limit <= 0 {
            50
        } else {
            query.limit.min(500)
        };
        let offset = query.offset.max(0);
        let pattern = format!("%{}%", query.search.trim().to_lowercase());
        let mut filter = format!("lower(COALESCE({USER_NAME}, '')) LIKE $1");
        let advanced = condition(&query.filter, SNAPSHOT_ATTRIBUTES, 2)?;
        let mut binds = advanced
            .map(|a| {
                filter = format!("{filter} AND {}", a.sql);
                a.binds
            })
            .unwrap_or_default();
        if let Some(user) = query.user {
            filter = format!("{filter} AND s.user_id = ${}", 2 + binds.len());
            binds.push(Bind::Int(user.0));
        }
        let order = match query.sort {
            SnapshotSort::ValidSince => "s.valid_since",
            SnapshotSort::UserName => "user_name",
        };
        let direction = if query.descending { "DESC" } else { "ASC" };
        let after = 2 + binds.len();
        let (total,): (i64,) = bind_all(
            sqlx::query_as(&format!(
                "SELECT COUNT(*) FROM user_snapshots s WHERE {filter}"
            ))
            .bind(&pattern),
            &binds,
        )
        .fetch_one(&self.pool)
        .await?;
        let rows: Vec<CatalogueRow> = bind_all(
            sqlx::query_as::<Any, CatalogueRow>(&format!(
                "SELECT s.id, s.user_id, {USER_NAME} AS user_name, s.valid_since, s.valid_until, \
                        s.size, s.content_hash \
                 FROM user_snapshots s WHERE {filter} \
                 ORDER BY {order} {direction}, s.id {direction} LIMIT ${after} OFFSET ${}",
                after + 1
            ))
            .bind(&pattern),
            &binds,
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(|row| SnapshotListItem {
                    user_name: row.user_name.unwrap_or_default(),
                    snapshot: SnapshotSummary {
                        id: row.id,
                        user: UserId(row.user_id),
                        valid_since: super::to_time(row.valid_since),
                        valid_until: time(row.valid_until),
                        content_hash: row.content_hash,
                        size: row.size,
                    },
                })
                .collect(),
            total,
            offset,
            limit,
        })
    }
}
