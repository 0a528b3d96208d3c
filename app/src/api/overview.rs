//! The Overview page's figures, each part only for the roles that may read it.
use crate::error::AppError;
use crate::model::Overview;
use leptos::prelude::*;

#[server(endpoint = "get_overview")]
pub async fn get_overview() -> Result<Overview, AppError> {
    crate::auth::reply(
        async move {
            let (state, operator) =
                crate::auth::authorize(crate::model::Permission::IdentityRead).await?;
            let may = |permission: crate::model::Permission| operator.role.can(permission);
            let store = &state.store;
            Ok(Overview {
                counts: store.object_counts().await?,
                recycle_bin: store.recycle_bin_count().await?,
                backups: match may(crate::model::Permission::SystemBackupManage) {
                    true => Some(store.backup_overview().await?),
                    false => None,
                },
                recent_restores: match may(crate::model::Permission::AuditRead) {
                    true => Some(store.recent_restores(5).await?),
                    false => None,
                },
            })
        }
        .await,
    )
}
