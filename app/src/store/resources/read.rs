//! Reads of declared kinds: one object at an instant, a paged search, an object's page
//! with its dependents, its versions, and the deleted ones.
use super::super::directory_views::{all_pages, search_page, ListShape};
use super::super::history::deleted_objects;
use super::super::temporal::{instant, live, live_at};
use super::super::{to_time, Error, Result, Store};
use crate::model::*;
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// The attribute columns of `x`, then when and by whom its version was written.
fn columns(kind: &ResourceKind) -> String {
    let mut out: Vec<String> = kind.attributes.iter().map(attribute_sql).collect();
    out.push("x.object_id".into());
    out.push("x.valid_from".into());
    out.push("x.changed_by".into());
    out.join(", ")
}

/// An attribute's value in SQL over `x`: references as the name the object has now (or had
/// last, if deleted), so a version reads the same whenever it is shown.
fn attribute_sql(attribute: &Attribute) -> String {
    match attribute.value {
        ValueType::Reference(target) => format!(
            "COALESCE((SELECT r.{} FROM {} r WHERE r.object_id = x.{} \
             ORDER BY r.version_id DESC LIMIT 1), '')",
            target.name_attribute().column,
            target.table,
            attribute.column
        ),
        _ => format!("x.{}", attribute.column),
    }
}

/// A dependent's `filter` as " AND …" over `alias` (it is written over `x`).
pub(super) fn filter_of(dependent: &Dependent, alias: &str) -> String {
    match dependent.filter {
        "" => String::new(),
        filter => format!(" AND {}", filter.replace("x.", &format!("{alias}."))),
    }
}

/// `columns`, then one count per counted dependent (`$1` is the instant).
fn list_columns(kind: &ResourceKind) -> String {
    let mut out = columns(kind);
    for dependent in kind.counted() {
        out.push_str(&format!(
            ", (SELECT COUNT(*) FROM {} d WHERE d.{} = x.object_id AND {}{})",
            dependent.table,
            dependent.column,
            live("d", 1),
            filter_of(dependent, "d")
        ));
    }
    out
}

/// The values of a row selected with `columns`, as text (flags `true`/`false`).
fn values(kind: &ResourceKind, row: &AnyRow) -> Result<Vec<String>> {
    kind.attributes
        .iter()
        .enumerate()
        .map(|(i, a)| {
            Ok(match a.value {
                ValueType::Flag { .. } => flag_text(row.try_get::<i64, _>(i)? != 0),
                _ => row.try_get::<String, _>(i)?,
            })
        })
        .collect()
}

fn record(kind: &ResourceKind, row: &AnyRow) -> Result<ResourceRecord> {
    let n = kind.attributes.len();
    Ok(ResourceRecord {
        id: row.try_get(n)?,
        values: values(kind, row)?,
        counts: (0..kind.counted().count())
            .map(|i| row.try_get::<i64, _>(n + 3 + i))
            .collect::<std::result::Result<_, _>>()?,
        modified: Stamp {
            at: to_time(row.try_get(n + 1)?),
            by: row.try_get(n + 2)?,
        },
    })
}

/// The version of `id` in force at `t` (`i64::MAX`: now), if any.
pub(crate) async fn record_at(
    conn: &mut AnyConnection,
    kind: &ResourceKind,
    id: i64,
    t: i64,
) -> Result<Option<ResourceRecord>> {
    let row = sqlx::query(&format!(
        "SELECT {} FROM {} x WHERE x.object_id = $2 AND {}",
        list_columns(kind),
        kind.table,
        live_at("x", 1, t)
    ))
    .bind(t)
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(|row| record(kind, &row)).transpose()
}

/// One version of `id`, whichever its time.
pub(super) async fn version(
    conn: &mut AnyConnection,
    kind: &ResourceKind,
    id: i64,
    version_id: i64,
) -> Result<Option<ResourceVersion>> {
    let row = sqlx::query(&format!(
        "SELECT {}, x.version_id, x.valid_to, x.ended_by FROM {} x \
         WHERE x.object_id = $1 AND x.version_id = $2",
        columns(kind),
        kind.table
    ))
    .bind(id)
    .bind(version_id)
    .fetch_optional(conn)
    .await?;
    row.map(|row| version_of(kind, &row)).transpose()
}

fn version_of(kind: &ResourceKind, row: &AnyRow) -> Result<ResourceVersion> {
    let n = kind.attributes.len();
    Ok(ResourceVersion {
        values: values(kind, row)?,
        since: to_time(row.try_get(n + 1)?),
        changed_by: row.try_get(n + 2)?,
        version_id: row.try_get(n + 3)?,
        until: row.try_get::<Option<i64>, _>(n + 4)?.map(to_time),
        ended_by: row.try_get(n + 5)?,
    })
}

/// The list shape of a kind: its text attributes are searched, ordered by its name.
fn shape(kind: &ResourceKind) -> ListShape {
    ListShape {
        from: format!("{} x", kind.table),
        alias: "x",
        key: format!("{}_key", kind.name_attribute().column),
        search: kind
            .attributes
            .iter()
            .filter(|a| !matches!(a.value, ValueType::Flag { .. }))
            .map(attribute_sql)
            .collect(),
        parent: kind.list_filter().map(|(_, attribute)| attribute.column),
    }
}

/// Most objects a tree view shows.
const TREE_LIMIT: usize = 10_000;

/// Nests `(item, parent)` pairs (sorted by name) under their parents. The store keeps trees
/// free of loops; a loop in damaged data would leave its members out rather than recurse.
fn assemble_tree(nodes: Vec<(TreeItem, Option<i64>)>) -> Vec<TreeItem> {
    use std::collections::HashMap;
    let present: std::collections::HashSet<i64> = nodes.iter().map(|(n, _)| n.id).collect();
    let mut children: HashMap<Option<i64>, Vec<TreeItem>> = HashMap::new();
    for (item, parent) in nodes {
        let parent = parent.filter(|p| present.contains(p));
        children.entry(parent).or_default().push(item);
    }
    fn attach(
        items: Vec<TreeItem>,
        children: &mut HashMap<Option<i64>, Vec<TreeItem>>,
        depth: usize,
    ) -> Vec<TreeItem> {
        items
            .into_iter()
            .map(|mut item| {
                if depth < super::check::MAX_TREE_DEPTH {
                    let below = children.remove(&Some(item.id)).unwrap_or_default();
                    item.children = attach(below, children, depth + 1);
                }
                item
            })
            .collect()
    }
    let roots = children.remove(&None).unwrap_or_default();
    attach(roots, &mut children, 0)
}

impl Store {
    /// One page of a kind's list: objects whose text attributes contain the search text.
    pub async fn search_resources(
        &self,
        kind: &ResourceKind,
        query: &DirectoryQuery,
    ) -> Result<Page<ResourceRecord>> {
        let mut conn = self.pool.acquire().await?;
        search_page(&mut conn, &shape(kind), &list_columns(kind), query)
            .await?
            .try_map(|row| record(kind, row))
    }

    /// Every object the list shows for `query` (all pages, as of one instant).
    pub async fn export_resources(
        &self,
        kind: &ResourceKind,
        query: &DirectoryQuery,
    ) -> Result<Vec<ResourceRecord>> {
        all_pages(
            query,
            |q| async move { self.search_resources(kind, &q).await },
        )
        .await
    }

    /// One object as of `as_of`, with its dependents at that instant.
    pub async fn get_resource(
        &self,
        kind: &ResourceKind,
        id: i64,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<ResourceDetail> {
        let t = instant(as_of);
        let mut conn = self.pool.acquire().await?;
        let record = record_at(&mut conn, kind, id, t)
            .await?
            .ok_or_else(|| Error::NotFound(format!("{} {id}", kind.singular)))?;
        let mut dependents = Vec::with_capacity(kind.dependents.len());
        for dependent in kind.dependents {
            let cells: Vec<String> = dependent
                .columns
                .iter()
                .map(|(sql, _)| format!("COALESCE(CAST({sql} AS TEXT), '')"))
                .collect();
            let rows = sqlx::query(&format!(
                "SELECT {}, {} FROM {} x JOIN {} p ON p.object_id = x.{} AND {} \
                 WHERE x.{} = $2 AND {}{} ORDER BY 2, 1 LIMIT 500",
                dependent.link,
                cells.join(", "),
                dependent.table,
                kind.table,
                dependent.column,
                live_at("p", 1, t),
                dependent.column,
                live_at("x", 1, t),
                filter_of(dependent, "x")
            ))
            .bind(t)
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
            dependents.push(
                rows.iter()
                    .map(|row| {
                        Ok(DependentRow {
                            id: row.try_get(0)?,
                            cells: (1..=cells.len())
                                .map(|i| row.try_get::<String, _>(i))
                                .collect::<std::result::Result<_, _>>()?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?,
            );
        }
        Ok(ResourceDetail { record, dependents })
    }

    /// Every version of one object, newest first, a page at a time.
    pub async fn resource_history(
        &self,
        kind: &ResourceKind,
        id: i64,
        offset: i64,
        limit: i64,
    ) -> Result<Page<ResourceVersion>> {
        let (offset, limit) = super::super::page_window(offset, limit);
        let mut conn = self.pool.acquire().await?;
        let (total,): (i64,) = sqlx::query_as(&format!(
            "SELECT COUNT(*) FROM {} WHERE object_id = $1",
            kind.table
        ))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
        if total == 0 {
            return Err(Error::NotFound(format!("{} {id}", kind.singular)));
        }
        let rows = sqlx::query(&format!(
            "SELECT {}, x.version_id, x.valid_to, x.ended_by FROM {} x WHERE x.object_id = $1 \
             ORDER BY x.valid_from DESC, x.version_id DESC LIMIT $2 OFFSET $3",
            columns(kind),
            kind.table
        ))
        .bind(id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *conn)
        .await?;
        Ok(Page {
            items: rows
                .iter()
                .map(|row| version_of(kind, row))
                .collect::<Result<_>>()?,
            total,
            offset,
            limit,
        })
    }

    /// The whole tree of a tree kind (`Rule::NoCycle`) as of `as_of`, each level by name.
    /// Objects whose parent is not in force then stand at the top.
    pub async fn resource_tree(
        &self,
        kind: &ResourceKind,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Vec<TreeItem>> {
        let Some((_, parent)) = kind.tree_parent() else {
            return Err(Error::invalid(
                "kind",
                format!("{} are not a tree.", kind.plural),
            ));
        };
        let flags: Vec<&Attribute> = kind
            .attributes
            .iter()
            .filter(|a| matches!(a.value, ValueType::Flag { .. }))
            .collect();
        let mut columns = vec![
            "x.object_id".to_string(),
            format!("x.{}", kind.name_attribute().column),
            format!("x.{}", parent.column),
        ];
        columns.extend(flags.iter().map(|a| format!("x.{}", a.column)));
        let t = instant(as_of);
        let rows = sqlx::query(&format!(
            "SELECT {} FROM {} x WHERE {} ORDER BY x.{}_key LIMIT {TREE_LIMIT}",
            columns.join(", "),
            kind.table,
            live_at("x", 1, t),
            kind.name_attribute().column
        ))
        .bind(t)
        .fetch_all(&self.pool)
        .await?;
        let mut nodes = Vec::with_capacity(rows.len());
        for row in &rows {
            let item = TreeItem {
                id: row.try_get(0)?,
                name: row.try_get(1)?,
                flags: (0..flags.len())
                    .map(|i| row.try_get::<i64, _>(3 + i).map(|v| v != 0))
                    .collect::<std::result::Result<_, _>>()?,
                children: Vec::new(),
            };
            nodes.push((item, row.try_get::<Option<i64>, _>(2)?));
        }
        Ok(assemble_tree(nodes))
    }

    /// The deleted objects of a kind (newest version ended): the recycle bin's entries.
    pub async fn deleted_resources(&self, kind: KindRef) -> Result<Vec<DeletedObject>> {
        let rows: Vec<(i64, String, i64, Option<String>)> = sqlx::query_as(&format!(
            "SELECT x.object_id, x.{}, x.valid_to, x.ended_by {}",
            kind.name_attribute().column,
            deleted_objects(kind.table)
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, at, by)| DeletedObject {
                kind: DeletedKind::Resource(kind),
                id,
                name,
                deleted_at: to_time(at),
                deleted_by: by.unwrap_or_default(),
            })
            .collect())
    }
}
