//! Access lists of declared kinds (`model::AccessList`): a printer's queue assigned to users
//! and groups, an application entry's authorizations, a network's access control. Entries
//! are versioned rows; a user's own printer assignments are part of their state
//! (`user_state.rs`), so changing them gives the user a snapshot.
use super::identity::audit;
use super::resources::record_at;
use super::snapshots::capture;
use super::temporal::{begin_op, close_current, insert_version, name_key, new_object};
use super::temporal::{Author, Table, Val};
use super::text::{text_problem, MAX_LINE_CHARS};
use super::{Error, Result, Store};
use crate::model::kinds::PRINTERS;
use crate::model::*;
use sqlx::AnyConnection;

/// The columns of a printer assignment (history restores copy them).
pub(crate) const ASSIGNMENT_COLUMNS: [&str; 3] = ["printer_id", "grantee_kind", "grantee_id"];

/// A user's printer assignment, as restore writes it.
pub(crate) fn assignment_fields(
    printer: i64,
    kind: AssigneeKind,
    assignee: i64,
) -> Vec<(&'static str, Val)> {
    vec![
        ("printer_id", printer.into()),
        ("grantee_kind", kind.as_str().into()),
        ("grantee_id", assignee.into()),
    ]
}

/// The current assignment of `printer` to user `user`.
pub(crate) const FIND_USER_PRINTER: &str = "SELECT object_id FROM printer_assignments \
    WHERE grantee_id = $1 AND printer_id = $2 AND grantee_kind = 'user' AND valid_to IS NULL";

fn list_of(kind: &ResourceKind) -> Result<&'static AccessList> {
    kind.access
        .ok_or_else(|| Error::invalid("kind", format!("{} have no access list.", kind.plural)))
}

fn assignee_table(kind: AssigneeKind) -> &'static str {
    match kind {
        AssigneeKind::User => "users",
        AssigneeKind::Group => "groups",
        AssigneeKind::Role => "roles",
    }
}

/// The current user, group or role named `name` (ignoring case). A role is `Role@System`
/// when its name alone is on more than one system.
async fn find_assignee(conn: &mut AnyConnection, kind: AssigneeKind, name: &str) -> Result<i64> {
    let name = name.trim();
    let not_found = || {
        Error::invalid(
            "name",
            format!("No {} is named {name:?}.", kind.label().to_lowercase()),
        )
    };
    let rows: Vec<(i64,)> = match (kind, name.rsplit_once('@')) {
        (AssigneeKind::Role, Some((role, system))) => {
            sqlx::query_as(
                "SELECT r.object_id FROM roles r JOIN systems s ON s.object_id = r.system_id \
                 AND s.valid_to IS NULL WHERE r.name_key = $1 AND s.name_key = $2 \
                 AND r.valid_to IS NULL",
            )
            .bind(name_key(role))
            .bind(name_key(system))
            .fetch_all(conn)
            .await?
        }
        _ => {
            sqlx::query_as(&format!(
                "SELECT object_id FROM {} WHERE name_key = $1 AND valid_to IS NULL LIMIT 2",
                assignee_table(kind)
            ))
            .bind(name_key(name))
            .fetch_all(conn)
            .await?
        }
    };
    match rows.as_slice() {
        [] => Err(not_found()),
        [(id,)] => Ok(*id),
        _ => Err(Error::invalid(
            "name",
            format!("Several roles are named {name:?}; write it as {name}@System."),
        )),
    }
}

/// The current name of a user, group or role (or its last one).
async fn assignee_name(conn: &mut AnyConnection, kind: AssigneeKind, id: i64) -> Result<String> {
    let row: Option<(String,)> = sqlx::query_as(&format!(
        "SELECT name FROM {} WHERE object_id = $1 ORDER BY version_id DESC LIMIT 1",
        assignee_table(kind)
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(n,)| n).unwrap_or_default())
}

/// A host-name mask: letters, digits, `.`, `-`, `_` and the wildcards `*` and `?`.
fn check_mask(mask: &str) -> Result<String> {
    let mask = mask.trim();
    if let Some(problem) = text_problem(mask, MAX_LINE_CHARS) {
        return Err(Error::invalid("mask", problem));
    }
    if !mask
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '*' | '?'))
    {
        return Err(Error::invalid(
            "mask",
            format!("{mask:?} is not a host-name mask: use letters, digits, . - _ and * or ?."),
        ));
    }
    Ok(mask.to_lowercase())
}

/// The level of an entry, as the list spells it.
fn check_level(list: &AccessList, level: &str) -> Result<String> {
    if list.levels.is_empty() {
        return Ok(String::new());
    }
    list.levels
        .iter()
        .find(|l| l.eq_ignore_ascii_case(level.trim()))
        .map(|l| l.to_string())
        .ok_or_else(|| {
            Error::invalid(
                "level",
                format!("Choose a level: {}.", list.levels.join(", ")),
            )
        })
}

impl Store {
    /// Adds an entry to the access list of a current object of `kind`.
    pub async fn grant_access(
        &self,
        actor: &Author,
        kind: &'static ResourceKind,
        object: i64,
        input: &AccessInput,
    ) -> Result<i64> {
        let list = list_of(kind)?;
        let assignee_kind = input
            .assignee
            .filter(|k| list.assignees.contains(k))
            .ok_or_else(|| Error::invalid("assignee", "Choose who the entry is for."))?;
        let level = check_level(list, &input.level)?;
        let mask = match list.mask {
            true => check_mask(&input.mask)?,
            false => String::new(),
        };
        let mut tx = self.begin_identity_write().await?;
        let object_name = record_at(&mut tx, kind, object, i64::MAX)
            .await?
            .map(|r| r.name().to_string())
            .ok_or_else(|| Error::NotFound(format!("{} {object}", kind.singular)))?;
        let assignee = find_assignee(&mut tx, assignee_kind, &input.name).await?;
        let who = format!(
            "{} {}",
            assignee_kind.as_str(),
            assignee_name(&mut tx, assignee_kind, assignee).await?
        );
        let mask_condition = if list.mask { " AND mask = $4" } else { "" };
        let sql = format!(
            "SELECT COUNT(*) FROM {} WHERE {} = $1 AND grantee_kind = $2 AND grantee_id = $3 \
             AND valid_to IS NULL{mask_condition}",
            list.table, list.column
        );
        let mut query = sqlx::query_as::<_, (i64,)>(&sql)
            .bind(object)
            .bind(assignee_kind.as_str())
            .bind(assignee);
        if list.mask {
            query = query.bind(&mask);
        }
        let (taken,) = query.fetch_one(&mut *tx).await?;
        let duplicate = || {
            Error::Conflict(format!(
                "The {} {object_name:?} already has an entry for {who}.",
                kind.singular
            ))
        };
        if taken > 0 {
            return Err(duplicate());
        }
        let action = format!("{}.grant", kind.action);
        let op = begin_op(&mut tx, actor, &action, &object_name).await?;
        let table = Table::Resource(list.table);
        let id = new_object(&mut tx, table).await?;
        let mut fields: Vec<(&str, Val)> = vec![
            (list.column, object.into()),
            ("grantee_kind", assignee_kind.as_str().into()),
            ("grantee_id", assignee.into()),
        ];
        if !list.levels.is_empty() {
            fields.push(("level", level.as_str().into()));
        }
        if list.mask {
            fields.push(("mask", mask.as_str().into()));
        }
        insert_version(&mut tx, &op, table, id, &fields)
            .await
            .map_err(|e| super::identity::unique_to(duplicate().to_string())(e))?;
        let details = [format!("to {who}"), level]
            .into_iter()
            .filter(|d| !d.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        audit(&mut tx, &op, &action, &object_name, &details).await?;
        if list.in_snapshots && assignee_kind == AssigneeKind::User {
            capture(&mut tx, &op, &[assignee]).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Ends a current entry of `kind`'s access list.
    pub async fn revoke_access(
        &self,
        actor: &Author,
        kind: &'static ResourceKind,
        entry: i64,
    ) -> Result<()> {
        let list = list_of(kind)?;
        let mut tx = self.begin_identity_write().await?;
        let row: Option<(i64, String, i64)> = sqlx::query_as(&format!(
            "SELECT {}, grantee_kind, grantee_id FROM {} WHERE object_id = $1 \
             AND valid_to IS NULL",
            list.column, list.table
        ))
        .bind(entry)
        .fetch_optional(&mut *tx)
        .await?;
        let (object, assignee_kind, assignee) =
            row.ok_or_else(|| Error::NotFound(format!("entry {entry}")))?;
        let assignee_kind = AssigneeKind::parse(&assignee_kind)
            .ok_or_else(|| Error::Internal(format!("grantee kind {assignee_kind:?}")))?;
        let object_name = record_at(&mut tx, kind, object, i64::MAX)
            .await?
            .map(|r| r.name().to_string())
            .unwrap_or_default();
        let details = format!(
            "from {} {}",
            assignee_kind.as_str(),
            assignee_name(&mut tx, assignee_kind, assignee).await?
        );
        let action = format!("{}.revoke", kind.action);
        let op = begin_op(&mut tx, actor, &action, &object_name).await?;
        close_current(&mut tx, &op, Table::Resource(list.table), entry).await?;
        audit(&mut tx, &op, &action, &object_name, &details).await?;
        if list.in_snapshots && assignee_kind == AssigneeKind::User {
            capture(&mut tx, &op, &[assignee]).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The current entries of an object's access list: users, then groups, then roles.
    pub async fn access_entries(
        &self,
        kind: &'static ResourceKind,
        object: i64,
    ) -> Result<Vec<AccessEntry>> {
        let list = list_of(kind)?;
        let level = if list.levels.is_empty() {
            "''"
        } else {
            "x.level"
        };
        let mask = if list.mask { "x.mask" } else { "''" };
        let rows: Vec<(i64, String, i64, Option<String>, String, String)> =
            sqlx::query_as(&format!(
                "SELECT x.object_id, x.grantee_kind, x.grantee_id, \
                        COALESCE(u.name, g.name, r.name), {level}, {mask} \
                 FROM {} x \
                 LEFT JOIN users u ON x.grantee_kind = 'user' AND u.object_id = x.grantee_id \
                      AND u.valid_to IS NULL \
                 LEFT JOIN groups g ON x.grantee_kind = 'group' \
                      AND g.object_id = x.grantee_id AND g.valid_to IS NULL \
                 LEFT JOIN roles r ON x.grantee_kind = 'role' AND r.object_id = x.grantee_id \
                      AND r.valid_to IS NULL \
                 WHERE x.{} = $1 AND x.valid_to IS NULL \
                 ORDER BY x.grantee_kind DESC, 4, 1 LIMIT 1000",
                list.table, list.column
            ))
            .bind(object)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, kind, assignee, name, level, mask)| {
                Some(AccessEntry {
                    id,
                    kind: AssigneeKind::parse(&kind)?,
                    assignee,
                    name: name.unwrap_or_default(),
                    level,
                    mask,
                })
            })
            .collect())
    }

    /// Assigns a printer's queue to the user or group named `name`.
    pub async fn assign_printer(
        &self,
        actor: &Author,
        printer: i64,
        kind: AssigneeKind,
        name: &str,
    ) -> Result<i64> {
        let input = AccessInput {
            assignee: Some(kind),
            name: name.to_string(),
            ..Default::default()
        };
        self.grant_access(actor, &PRINTERS, printer, &input).await
    }

    pub async fn unassign_printer(&self, actor: &Author, assignment: i64) -> Result<()> {
        self.revoke_access(actor, &PRINTERS, assignment).await
    }

    pub async fn printer_assignments(&self, printer: i64) -> Result<Vec<AccessEntry>> {
        self.access_entries(&PRINTERS, printer).await
    }
}

/// The columns of a list's rows after `object_id` (a history copy or a revival).
fn list_columns(list: &AccessList) -> Vec<&'static str> {
    let mut columns = vec![list.column, "grantee_kind", "grantee_id"];
    if !list.levels.is_empty() {
        columns.push("level");
    }
    if list.mask {
        columns.push("mask");
    }
    columns
}

/// Ends every current entry, in every access list, of a user, group or role being deleted.
pub(crate) async fn close_entries_of(
    conn: &mut AnyConnection,
    op: &super::temporal::Op,
    assignee: AssigneeKind,
    id: i64,
) -> Result<()> {
    for list in kinds::ALL.iter().filter_map(|k| k.access) {
        super::identity::close_where(
            conn,
            op,
            Table::Resource(list.table),
            &format!("grantee_kind = '{}' AND grantee_id = $1", assignee.as_str()),
            id,
        )
        .await?;
    }
    Ok(())
}

/// Brings back the entries that the deletion `ended_op` of a user or group ended, where
/// their object is still current.
pub(crate) async fn revive_entries_of(
    conn: &mut AnyConnection,
    op: &super::temporal::Op,
    assignee: AssigneeKind,
    id: i64,
    ended_op: i64,
) -> Result<()> {
    for kind in kinds::ALL.iter() {
        let Some(list) = kind.access else { continue };
        let condition = format!(
            "grantee_kind = '{}' AND grantee_id = $id AND {} IN \
             (SELECT object_id FROM {} WHERE valid_to IS NULL)",
            assignee.as_str(),
            list.column,
            kind.table
        );
        super::identity::revive_ended_by(
            conn,
            op,
            Table::Resource(list.table),
            &list_columns(list),
            &condition,
            id,
            ended_op,
        )
        .await?;
    }
    Ok(())
}
