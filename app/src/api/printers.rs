//! Assigning printer queues to users and groups.
use crate::error::AppError;
use crate::model::*;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(endpoint = "printer_assignments", input = Json)]
pub async fn printer_assignments(printer: i64) -> Result<Vec<PrinterAssignment>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(kinds::PRINTERS.read).await?;
            Ok(state.store.printer_assignments(printer).await?)
        }
        .await,
    )
}

#[server(endpoint = "assign_printer", input = Json)]
pub async fn assign_printer(
    printer: i64,
    kind: AssigneeKind,
    name: String,
) -> Result<i64, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(kinds::PRINTERS.write).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state
                .store
                .assign_printer(&author, printer, kind, &name)
                .await?)
        }
        .await,
    )
}

#[server(endpoint = "unassign_printer", input = Json)]
pub async fn unassign_printer(assignment: i64) -> Result<(), AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(kinds::PRINTERS.write).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.unassign_printer(&author, assignment).await?)
        }
        .await,
    )
}
