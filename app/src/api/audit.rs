use crate::error::AppError;
use crate::model::AuditEntry;
use leptos::prelude::*;

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
