//! The resource engine: the temporal store functions of every declared kind
//! (`model::kinds`), driven by its `ResourceKind`. Writes here; reads in `read.rs`; the
//! typed functions of systems and mail domains in `typed.rs`.
mod check;
mod custom_values;
mod net_values;
mod read;
mod typed;

use super::identity::audit;
use super::snapshots::{capture, capture_new};
use super::temporal::{
    begin_op, close_current, insert_version, is_current, new_object, replace_version,
    write_version, Author, Op, Table, Val,
};
use super::{Error, Result, Store};
use crate::model::*;
use sqlx::AnyConnection;

use check::{check, Checked};
pub(crate) use read::record_at;

/// The columns of a checked version as the temporal functions take them.
fn columns(fields: &[(String, Val)]) -> Vec<(&str, Val)> {
    fields
        .iter()
        .map(|(c, v)| (c.as_str(), v.clone()))
        .collect()
}

/// The versioned table of a kind.
fn table(kind: &ResourceKind) -> Table {
    Table::Resource(kind.table)
}

/// A restored version must refer to the very objects it referred to: references are read
/// by name, and a name can have passed to another object since.
async fn same_references(
    conn: &mut AnyConnection,
    kind: &ResourceKind,
    checked: &Checked,
    version_id: i64,
) -> Result<()> {
    for (column, id) in checked.reference_ids() {
        let (stored,): (Option<i64>,) = sqlx::query_as(&format!(
            "SELECT {column} FROM {} WHERE version_id = $1",
            kind.table
        ))
        .bind(version_id)
        .fetch_one(&mut *conn)
        .await?;
        if stored != id {
            let label = kind
                .attributes
                .iter()
                .find(|a| a.column == column)
                .map(|a| a.label)
                .unwrap_or(column);
            return Err(Error::Conflict(format!(
                "The {} this version names under \"{label}\" was deleted; recover it from the \
                 recycle bin first.",
                label.to_lowercase()
            )));
        }
    }
    Ok(())
}

fn already_exists(kind: &ResourceKind, name: &str) -> String {
    format!("The {} {name:?} already exists.", kind.singular)
}

fn not_found(kind: &ResourceKind, id: i64) -> Error {
    Error::NotFound(format!("{} {id}", kind.singular))
}

/// The users a change of `id` concerns (`ResourceKind::affects`), each once.
async fn affected(conn: &mut AnyConnection, kind: &ResourceKind, id: i64) -> Result<Vec<i64>> {
    let Some(sql) = kind.affects else {
        return Ok(Vec::new());
    };
    let mut users: Vec<i64> = sqlx::query_as::<_, (i64,)>(sql)
        .bind(id)
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(|(u,)| u)
        .collect();
    users.sort_unstable();
    users.dedup();
    Ok(users)
}

/// A version just written (`written`): a unique-index refusal becomes "already exists", and
/// success gets its audit line (`{action}.{verb}`).
async fn audited<T>(
    conn: &mut AnyConnection,
    op: &Op,
    kind: &ResourceKind,
    verb: &str,
    checked: &Checked,
    details: &str,
    written: Result<T>,
) -> Result<T> {
    let value = written.map_err(super::identity::unique_to(already_exists(
        kind,
        checked.name(),
    )))?;
    let action = format!("{}.{verb}", kind.action);
    audit(conn, op, &action, checked.name(), details).await?;
    Ok(value)
}

/// Creates an object inside the caller's transaction and operation.
pub(crate) async fn create_in(
    conn: &mut AnyConnection,
    op: &Op,
    kind: &'static ResourceKind,
    input: &ResourceInput,
) -> Result<i64> {
    let checked = check(conn, kind, input, None).await?;
    create_checked(conn, op, &checked).await
}

async fn create_checked(conn: &mut AnyConnection, op: &Op, checked: &Checked) -> Result<i64> {
    let kind = checked.kind;
    let id = new_object(conn, table(kind)).await?;
    let fields = checked.fields();
    let written = insert_version(conn, op, table(kind), id, &columns(&fields)).await;
    audited(conn, op, kind, "create", checked, "", written).await?;
    Ok(id)
}

/// Writes a new version of a current object inside the caller's transaction and operation;
/// the users it concerns get new snapshots. An input equal to the current version writes
/// nothing.
pub(crate) async fn update_in(
    conn: &mut AnyConnection,
    op: &Op,
    kind: &'static ResourceKind,
    id: i64,
    input: &ResourceInput,
) -> Result<()> {
    let checked = check(conn, kind, input, Some(id)).await?;
    update_checked(conn, op, id, &checked).await
}

async fn update_checked(
    conn: &mut AnyConnection,
    op: &Op,
    id: i64,
    checked: &Checked,
) -> Result<()> {
    let kind = checked.kind;
    let current = record_at(conn, kind, id, i64::MAX)
        .await?
        .ok_or_else(|| not_found(kind, id))?;
    if checked.texts() == current.values {
        return Ok(());
    }
    let fields = checked.fields();
    let written = replace_version(conn, op, table(kind), id, &columns(&fields)).await;
    audited(conn, op, kind, "update", checked, "", written).await?;
    super::rule_renames::follow_renamed(conn, op, kind, current.name(), checked.name()).await?;
    let users = affected(conn, kind, id).await?;
    capture(conn, op, &users).await
}

/// The first few current dependents of `id` that keep it from being deleted, by section.
async fn blocking(
    conn: &mut AnyConnection,
    kind: &ResourceKind,
    id: i64,
) -> Result<Vec<(&'static str, Vec<String>)>> {
    let mut out = Vec::new();
    for dependent in kind.dependents.iter().filter(|d| d.blocks_delete) {
        let names: Vec<(String,)> = sqlx::query_as(&format!(
            "SELECT CAST({} AS TEXT) FROM {} x WHERE x.{} = $1 AND x.valid_to IS NULL{} \
             ORDER BY 1 LIMIT 5",
            dependent.columns[0].0,
            dependent.table,
            dependent.column,
            read::filter_of(dependent, "x")
        ))
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        if !names.is_empty() {
            let names = names.into_iter().map(|(n,)| format!("{n:?}")).collect();
            out.push((dependent.noun, names));
        }
    }
    Ok(out)
}

impl Store {
    pub async fn create_resource(
        &self,
        actor: &Author,
        kind: &'static ResourceKind,
        input: &ResourceInput,
    ) -> Result<i64> {
        let mut tx = self.begin_identity_write().await?;
        // Checked first: the operation's summary is the checked name.
        let checked = check(&mut tx, kind, input, None).await?;
        let action = format!("{}.create", kind.action);
        let op = begin_op(&mut tx, actor, &action, checked.name()).await?;
        let id = create_checked(&mut tx, &op, &checked).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn update_resource(
        &self,
        actor: &Author,
        kind: &'static ResourceKind,
        id: i64,
        input: &ResourceInput,
    ) -> Result<()> {
        let mut tx = self.begin_identity_write().await?;
        let checked = check(&mut tx, kind, input, Some(id)).await?;
        let action = format!("{}.update", kind.action);
        let op = begin_op(&mut tx, actor, &action, checked.name()).await?;
        update_checked(&mut tx, &op, id, &checked).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes objects in one operation, all or none, and answers with their names. An
    /// object that still has dependents which block deletion is refused, naming them.
    pub async fn delete_resources(
        &self,
        actor: &Author,
        kind: &'static ResourceKind,
        ids: &[i64],
    ) -> Result<Vec<String>> {
        let mut chosen: Vec<i64> = Vec::with_capacity(ids.len());
        for id in ids {
            if !chosen.contains(id) {
                chosen.push(*id);
            }
        }
        if chosen.is_empty() {
            return Err(Error::invalid(
                kind.slug,
                format!("Choose at least one {} to delete.", kind.singular),
            ));
        }
        let mut tx = self.begin_identity_write().await?;
        let mut names = Vec::with_capacity(chosen.len());
        for id in &chosen {
            let record = record_at(&mut tx, kind, *id, i64::MAX)
                .await?
                .ok_or_else(|| not_found(kind, *id))?;
            let uses = blocking(&mut tx, kind, *id).await?;
            if !uses.is_empty() {
                let uses: Vec<String> = uses
                    .into_iter()
                    .map(|(noun, names)| format!("{noun} {}", names.join(", ")))
                    .collect();
                return Err(Error::Conflict(format!(
                    "The {} {:?} still has {}; delete or move them first. Nothing was deleted.",
                    kind.singular,
                    record.name(),
                    uses.join(" and ")
                )));
            }
            names.push(record.name().to_string());
        }
        let action = format!("{}.delete", kind.action);
        let op = begin_op(&mut tx, actor, &action, &names.join(", ")).await?;
        let mut users = Vec::new();
        for id in &chosen {
            users.extend(affected(&mut tx, kind, *id).await?);
        }
        for (id, name) in chosen.iter().zip(&names) {
            if kind.assigns_roles().is_some() {
                // The grants a rule made follow it.
                users.extend(super::role_rules::end_grants_of(&mut tx, &op, *id).await?);
            }
            close_current(&mut tx, &op, table(kind), *id).await?;
            audit(&mut tx, &op, &action, name, "").await?;
        }
        users.sort_unstable();
        users.dedup();
        capture(&mut tx, &op, &users).await?;
        tx.commit().await?;
        Ok(names)
    }

    /// Puts the values of an old version of `id` back in force: a new version of a current
    /// object, or the object back from the recycle bin. The values are checked as an edit
    /// would be (a name taken since is refused).
    pub async fn restore_resource_version(
        &self,
        actor: &Author,
        kind: &'static ResourceKind,
        id: i64,
        version_id: i64,
    ) -> Result<String> {
        let mut tx = self.begin_identity_write().await?;
        let old = read::version(&mut tx, kind, id, version_id)
            .await?
            .ok_or_else(|| {
                Error::NotFound(format!("version {version_id} of {} {id}", kind.singular))
            })?;
        let input = ResourceInput { values: old.values };
        let checked = check(&mut tx, kind, &input, Some(id)).await?;
        same_references(&mut tx, kind, &checked, version_id).await?;
        let action = format!("{}.restore", kind.action);
        let op = begin_op(&mut tx, actor, &action, checked.name()).await?;
        let fields = checked.fields();
        let fields = columns(&fields);
        let before = record_at(&mut tx, kind, id, i64::MAX).await?;
        let written = if before.is_some() {
            replace_version(&mut tx, &op, table(kind), id, &fields).await
        } else {
            write_version(&mut tx, &op, table(kind), id, &fields).await
        };
        let details = format!("from version {version_id}");
        audited(&mut tx, &op, kind, "restore", &checked, &details, written).await?;
        if let Some(before) = &before {
            super::rule_renames::follow_renamed(&mut tx, &op, kind, before.name(), checked.name())
                .await?;
        }
        // A new snapshot even within the delay: the one before stays restorable.
        let users = affected(&mut tx, kind, id).await?;
        capture_new(&mut tx, &op, &users).await?;
        let name = checked.name().to_string();
        tx.commit().await?;
        Ok(name)
    }

    /// Brings a deleted object back from the recycle bin with its last values.
    pub async fn recover_resource(
        &self,
        actor: &Author,
        kind: &'static ResourceKind,
        id: i64,
    ) -> Result<String> {
        let mut conn = self.pool.acquire().await?;
        if is_current(&mut conn, table(kind), id).await? {
            return Err(Error::Conflict(format!(
                "This {} is not deleted; nothing to recover.",
                kind.singular
            )));
        }
        let (last,): (Option<i64>,) = sqlx::query_as(&format!(
            "SELECT MAX(version_id) FROM {} WHERE object_id = $1",
            kind.table
        ))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
        drop(conn);
        let last = last.ok_or_else(|| not_found(kind, id))?;
        self.restore_resource_version(actor, kind, id, last).await
    }
}
