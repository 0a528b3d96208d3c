//! The figures of the Overview page, each read in one query.
use super::{Result, Store};
use crate::model::*;
use sqlx::{AnyConnection, Row};

/// The current objects of each kind, with the list that shows them.
const COUNTED: [(&str, &str, &str); 7] = [
    ("Users", "users", "/users"),
    ("Groups", "groups", "/groups"),
    ("Accounts", "accounts", "/accounts"),
    ("Roles", "roles", "/roles"),
    ("Systems", "systems", "/systems"),
    ("Mail lists", "mail_lists", "/mail-lists"),
    ("Mail domains", "mail_domains", "/mail-domains"),
];

/// How many current objects there are of each kind whose table `included` accepts (a system
/// backup counts only the tables it holds), in one query on `conn`.
pub(crate) async fn object_counts_in(
    conn: &mut AnyConnection,
    included: impl Fn(&str) -> bool,
) -> Result<Vec<ObjectCount>> {
    let counted: Vec<_> = COUNTED
        .iter()
        .filter(|(_, table, _)| included(table))
        .collect();
    if counted.is_empty() {
        return Ok(Vec::new());
    }
    let columns: Vec<String> = counted
        .iter()
        .map(|(_, table, _)| format!("(SELECT COUNT(*) FROM {table} WHERE valid_to IS NULL)"))
        .collect();
    let row = sqlx::query(&format!("SELECT {}", columns.join(", ")))
        .fetch_one(conn)
        .await?;
    counted
        .iter()
        .enumerate()
        .map(|(i, (label, _, href))| {
            Ok(ObjectCount {
                label: label.to_string(),
                count: row.try_get::<i64, _>(i)?,
                href: href.to_string(),
            })
        })
        .collect()
}

impl Store {
    /// How many current objects there are of each kind.
    pub async fn object_counts(&self) -> Result<Vec<ObjectCount>> {
        let mut conn = self.pool.acquire().await?;
        object_counts_in(&mut conn, |_| true).await
    }

    /// The newest finished system backup, how many failed after it, the next scheduled run
    /// and the restores waiting for the Owner's code.
    pub async fn backup_overview(&self) -> Result<BackupOverview> {
        let backups = self.list_system_backups().await?;
        let last = backups.iter().find(|b| b.status == BackupStatus::Ready);
        let failed_since_last = backups
            .iter()
            .take_while(|b| b.status != BackupStatus::Ready)
            .filter(|b| b.status == BackupStatus::Failed)
            .count() as i64;
        let now = chrono::Utc::now().timestamp_micros();
        let (pending_approvals,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM system_restore_requests \
             WHERE status = 'pending' AND expires_at > $1",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(BackupOverview {
            last: last.map(|b| LastBackup {
                label: b.label.clone(),
                created_at: b.created_at,
                created_by: b.created_by.clone(),
            }),
            next_run: self.schedule_settings().await?.next_run(),
            pending_approvals,
            failed_since_last,
        })
    }

    /// Deleted users, groups and objects of the declared kinds waiting in the recycle bin
    /// (what `recycle_bin` lists).
    pub async fn recycle_bin_count(&self) -> Result<i64> {
        let mut total = 0;
        let declared = crate::model::kinds::ALL.iter().map(|kind| kind.table);
        for table in ["users", "groups"].into_iter().chain(declared) {
            let (count,): (i64,) = sqlx::query_as(&format!(
                "SELECT COUNT(*) {}",
                super::history::deleted_objects(table)
            ))
            .fetch_one(&self.pool)
            .await?;
            total += count;
        }
        Ok(total)
    }
}
