//! Printer queues assigned to users and groups: versioned rows in `printer_assignments`. A
//! user's own assignments are part of their state (`user_state.rs`), so every change gives
//! them a snapshot.
use super::identity::audit;
use super::resources::record_at;
use super::snapshots::capture;
use super::temporal::{begin_op, close_current, insert_version, name_key, new_object};
use super::temporal::{Author, Table, Val};
use super::{Error, Result, Store};
use crate::model::kinds::PRINTERS;
use crate::model::*;
use sqlx::AnyConnection;

pub(crate) const ASSIGNMENT_COLUMNS: [&str; 3] = ["printer_id", "grantee_kind", "grantee_id"];

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

fn assignee_table(kind: AssigneeKind) -> &'static str {
    match kind {
        AssigneeKind::User => "users",
        AssigneeKind::Group => "groups",
    }
}

/// The current user or group named `name` (ignoring case).
async fn find_assignee(conn: &mut AnyConnection, kind: AssigneeKind, name: &str) -> Result<i64> {
    let row: Option<(i64,)> = sqlx::query_as(&format!(
        "SELECT object_id FROM {} WHERE name_key = $1 AND valid_to IS NULL",
        assignee_table(kind)
    ))
    .bind(name_key(name))
    .fetch_optional(conn)
    .await?;
    row.map(|(id,)| id).ok_or_else(|| {
        Error::invalid(
            "name",
            format!(
                "No {} is named {:?}.",
                kind.label().to_lowercase(),
                name.trim()
            ),
        )
    })
}

/// The current name of a user or group (or its last one).
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

async fn printer_name(conn: &mut AnyConnection, printer: i64) -> Result<String> {
    record_at(conn, &PRINTERS, printer, i64::MAX)
        .await?
        .map(|r| r.name().to_string())
        .ok_or_else(|| Error::NotFound(format!("printer {printer}")))
}

impl Store {
    /// Assigns a current printer to the current user or group named `name`.
    pub async fn assign_printer(
        &self,
        actor: &Author,
        printer: i64,
        kind: AssigneeKind,
        name: &str,
    ) -> Result<i64> {
        let mut tx = self.begin_identity_write().await?;
        let printer_name = printer_name(&mut tx, printer).await?;
        let assignee = find_assignee(&mut tx, kind, name).await?;
        let assignee_name = assignee_name(&mut tx, kind, assignee).await?;
        let (taken,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM printer_assignments WHERE printer_id = $1 \
             AND grantee_kind = $2 AND grantee_id = $3 AND valid_to IS NULL",
        )
        .bind(printer)
        .bind(kind.as_str())
        .bind(assignee)
        .fetch_one(&mut *tx)
        .await?;
        if taken > 0 {
            return Err(Error::Conflict(format!(
                "The printer {printer_name:?} is already assigned to {} {assignee_name:?}.",
                kind.label().to_lowercase()
            )));
        }
        let details = format!("to {} {assignee_name}", kind.as_str());
        let op = begin_op(&mut tx, actor, "printer.assign", &printer_name).await?;
        let id = new_object(&mut tx, Table::PrinterAssignments).await?;
        insert_version(
            &mut tx,
            &op,
            Table::PrinterAssignments,
            id,
            &assignment_fields(printer, kind, assignee),
        )
        .await
        .map_err(super::identity::unique_to(format!(
            "The printer {printer_name:?} is already assigned to {} {assignee_name:?}.",
            kind.label().to_lowercase()
        )))?;
        audit(&mut tx, &op, "printer.assign", &printer_name, &details).await?;
        if kind == AssigneeKind::User {
            capture(&mut tx, &op, &[assignee]).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Ends a current assignment.
    pub async fn unassign_printer(&self, actor: &Author, assignment: i64) -> Result<()> {
        let mut tx = self.begin_identity_write().await?;
        let row: Option<(i64, String, i64)> = sqlx::query_as(
            "SELECT printer_id, grantee_kind, grantee_id FROM printer_assignments \
             WHERE object_id = $1 AND valid_to IS NULL",
        )
        .bind(assignment)
        .fetch_optional(&mut *tx)
        .await?;
        let (printer, kind, assignee) =
            row.ok_or_else(|| Error::NotFound(format!("printer assignment {assignment}")))?;
        let kind = AssigneeKind::parse(&kind)
            .ok_or_else(|| Error::Internal(format!("assignment kind {kind:?}")))?;
        let printer_name = record_at(&mut tx, &PRINTERS, printer, i64::MAX)
            .await?
            .map(|r| r.name().to_string())
            .unwrap_or_default();
        let details = format!(
            "from {} {}",
            kind.as_str(),
            assignee_name(&mut tx, kind, assignee).await?
        );
        let op = begin_op(&mut tx, actor, "printer.unassign", &printer_name).await?;
        close_current(&mut tx, &op, Table::PrinterAssignments, assignment).await?;
        audit(&mut tx, &op, "printer.unassign", &printer_name, &details).await?;
        if kind == AssigneeKind::User {
            capture(&mut tx, &op, &[assignee]).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The current assignments of a printer, users first, by name.
    pub async fn printer_assignments(&self, printer: i64) -> Result<Vec<PrinterAssignment>> {
        let rows: Vec<(i64, String, i64, Option<String>)> = sqlx::query_as(
            "SELECT pa.object_id, pa.grantee_kind, pa.grantee_id, \
                    COALESCE(u.name, g.name) \
             FROM printer_assignments pa \
             LEFT JOIN users u ON pa.grantee_kind = 'user' AND u.object_id = pa.grantee_id \
                  AND u.valid_to IS NULL \
             LEFT JOIN groups g ON pa.grantee_kind = 'group' AND g.object_id = pa.grantee_id \
                  AND g.valid_to IS NULL \
             WHERE pa.printer_id = $1 AND pa.valid_to IS NULL \
             ORDER BY pa.grantee_kind DESC, 4, 1 LIMIT 1000",
        )
        .bind(printer)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, kind, assignee, name)| {
                Some(PrinterAssignment {
                    id,
                    kind: AssigneeKind::parse(&kind)?,
                    assignee,
                    name: name.unwrap_or_default(),
                })
            })
            .collect())
    }
}
