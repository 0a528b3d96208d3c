use crate::error::AppError;
use crate::model::{AuditEntry, AuditQuery, Page};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(endpoint = "list_audit")]
pub async fn list_audit(limit: i64) -> Result<Vec<AuditEntry>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(crate::model::Permission::AuditRead).await?;
            Ok(state.store.list_audit(limit).await?)
        }
        .await,
    )
}

/// A filtered page of the audit log, newest first.
#[server(endpoint = "search_audit", input = Json)]
pub async fn search_audit(query: AuditQuery) -> Result<Page<AuditEntry>, AppError> {
    crate::auth::reply(
        async move {
            let (state, _) = crate::auth::authorize(crate::model::Permission::AuditRead).await?;
            Ok(state.store.search_audit(&query).await?)
        }
        .await,
    )
}
