//! The resource engine: the temporal store functions of every declared kind
//! (`model::kinds`), driven by its `ResourceKind`. Writes here; reads in `read.rs`; the
//! typed functions of systems and mail domains in `typed.rs`.
mod read;
mod typed;

use super::identity::audit;
use super::snapshots::{capture, capture_new};
use super::temporal::{
    begin_op, close_current, insert_version, is_current, name_key, new_object, replace_version,
    write_version, Author, Op, Table, Val,
};
use super::text::{text_problem, MAX_LINE_CHARS, MAX_TEXT_CHARS};
use super::{Error, Result, Store};
use crate::error::FieldError;
use crate::model::*;
use sqlx::AnyConnection;

pub(crate) use read::record_at;

/// The versioned table of a kind.
fn table(kind: &ResourceKind) -> Table {
    Table::Resource(kind.table)
}

/// The column values of a checked input: one per attribute, plus a `{column}_key` per unique
/// attribute.
struct Checked {
    name: String,
    columns: Vec<(String, Val)>,
}

impl Checked {
    fn fields(&self) -> Vec<(&str, Val)> {
        self.columns
            .iter()
            .map(|(c, v)| (c.as_str(), v.clone()))
            .collect()
    }
}

/// Checks an input against the declaration: one value per attribute, required ones given,
/// texts within their bounds and free of characters no text may hold, flags readable.
fn check(kind: &ResourceKind, input: &ResourceInput) -> Result<Checked> {
    if input.values.len() != kind.attributes.len() {
        return Err(Error::invalid(
            "values",
            format!(
                "A {} has {} attributes; {} values were given.",
                kind.singular,
                kind.attributes.len(),
                input.values.len()
            ),
        ));
    }
    let mut problems = Vec::new();
    let mut columns = Vec::new();
    for (attribute, text) in kind.attributes.iter().zip(&input.values) {
        let value = match attribute.value {
            ValueType::Line | ValueType::Text => {
                let text = text.trim();
                let max = match attribute.value {
                    ValueType::Line => MAX_LINE_CHARS,
                    _ => MAX_TEXT_CHARS,
                };
                if attribute.required && text.is_empty() {
                    problems.push(FieldError::new(
                        attribute.key,
                        format!("{} is required.", attribute.label),
                    ));
                } else if let Some(problem) = text_problem(text, max) {
                    problems.push(FieldError::new(attribute.key, problem));
                }
                if attribute.unique {
                    columns.push((format!("{}_key", attribute.column), name_key(text).into()));
                }
                Val::from(text)
            }
            ValueType::Flag { .. } => match parse_flag(text) {
                Some(flag) => flag.into(),
                None if text.trim().is_empty() => false.into(),
                None => {
                    problems.push(FieldError::new(
                        attribute.key,
                        format!("{text:?} is not a yes/no value; use true or false."),
                    ));
                    false.into()
                }
            },
        };
        columns.push((attribute.column.to_string(), value));
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    Ok(Checked {
        name: input.values[0].trim().to_string(),
        columns,
    })
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
        &checked.name,
    )))?;
    let action = format!("{}.{verb}", kind.action);
    audit(conn, op, &action, &checked.name, details).await?;
    Ok(value)
}

/// Creates an object inside the caller's transaction and operation.
pub(crate) async fn create_in(
    conn: &mut AnyConnection,
    op: &Op,
    kind: &'static ResourceKind,
    input: &ResourceInput,
) -> Result<i64> {
    let checked = check(kind, input)?;
    let id = new_object(conn, table(kind)).await?;
    let written = insert_version(conn, op, table(kind), id, &checked.fields()).await;
    audited(conn, op, kind, "create", &checked, "", written).await?;
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
    let checked = check(kind, input)?;
    let current = record_at(conn, kind, id, i64::MAX)
        .await?
        .ok_or_else(|| not_found(kind, id))?;
    if check(
        kind,
        &ResourceInput {
            values: current.values,
        },
    )?
    .columns
        == checked.columns
    {
        return Ok(());
    }
    let written = replace_version(conn, op, table(kind), id, &checked.fields()).await;
    audited(conn, op, kind, "update", &checked, "", written).await?;
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
            "SELECT CAST({} AS TEXT) FROM {} x WHERE x.{} = $1 AND x.valid_to IS NULL \
             ORDER BY 1 LIMIT 5",
            dependent.columns[0].0, dependent.table, dependent.column
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
        let checked = check(kind, input)?;
        let mut tx = self.begin_identity_write().await?;
        let action = format!("{}.create", kind.action);
        let op = begin_op(&mut tx, actor, &action, &checked.name).await?;
        let id = create_in(&mut tx, &op, kind, input).await?;
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
        let checked = check(kind, input)?;
        let mut tx = self.begin_identity_write().await?;
        let action = format!("{}.update", kind.action);
        let op = begin_op(&mut tx, actor, &action, &checked.name).await?;
        update_in(&mut tx, &op, kind, id, input).await?;
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
        let checked = check(kind, &input)?;
        let action = format!("{}.restore", kind.action);
        let op = begin_op(&mut tx, actor, &action, &checked.name).await?;
        let fields = checked.fields();
        let written = if is_current(&mut tx, table(kind), id).await? {
            replace_version(&mut tx, &op, table(kind), id, &fields).await
        } else {
            write_version(&mut tx, &op, table(kind), id, &fields).await
        };
        let details = format!("from version {version_id}");
        audited(&mut tx, &op, kind, "restore", &checked, &details, written).await?;
        // A new snapshot even within the delay: the one before stays restorable.
        let users = affected(&mut tx, kind, id).await?;
        capture_new(&mut tx, &op, &users).await?;
        tx.commit().await?;
        Ok(checked.name)
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
