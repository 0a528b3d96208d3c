//! A checked upload waits beside the backups until the operator chooses Import: validating a
//! file adds nothing to the catalogue. The decrypted copy is `.checked-<token>` with its
//! summary in `.checked-<token>.json`; both are temporary files (`TEMP_PREFIXES`), removed
//! when never imported (`recover_interrupted`: after an hour, or at a SQLite server's restart).
//! They live in the backup directory, which every server process shares, so the Import may
//! reach another process than the upload did.
use super::service::SystemBackups;
use super::{Error, Result};
use crate::model::TableCount;
use crate::store::{Actor, BackupSummary, Store};
use std::path::PathBuf;

pub const CHECKED_PREFIX: &str = ".checked-";

/// What the catalogue records once the checked upload is imported.
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct CheckedSummary {
    pub label: String,
    pub size_bytes: i64,
    pub schema_version: i64,
    pub tables: Vec<TableCount>,
}

fn unknown_upload(message: &str) -> Error {
    Error::Store(crate::store::Error::invalid("upload", message))
}

/// A fresh token: 32 hex digits.
pub(super) fn new_token() -> String {
    format!("{:032x}", rand::random::<u128>())
}

impl SystemBackups {
    /// The copy and summary paths of a checked upload. The token comes from the client, so
    /// it must be exactly what `new_token` makes: no path can be named through it.
    pub(super) fn checked_paths(&self, token: &str) -> Result<(PathBuf, PathBuf)> {
        if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(unknown_upload(
                "This upload is unknown; validate the file again.",
            ));
        }
        let dir = &self.config().dir;
        Ok((
            dir.join(format!("{CHECKED_PREFIX}{token}")),
            dir.join(format!("{CHECKED_PREFIX}{token}.json")),
        ))
    }

    /// Adds a checked upload to the catalogue as an `imported` backup, ready for an approved
    /// restore, and returns its id.
    pub async fn import_checked(&self, store: &Store, actor: &Actor, token: &str) -> Result<i64> {
        let (copy, summary_path) = self.checked_paths(token)?;
        let summary: CheckedSummary = match std::fs::read(&summary_path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| Error::Internal(format!("checked upload summary: {e}")))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(unknown_upload(
                    "This upload is no longer waiting (already imported, or left too long); \
                     validate the file again.",
                ))
            }
            Err(e) => return Err(e.into()),
        };
        let file_name = Self::new_file_name();
        let id = store
            .insert_system_backup(
                actor,
                crate::model::BackupKind::Imported,
                &summary.label,
                &file_name,
            )
            .await?;
        let moved = std::fs::rename(&copy, self.config().dir.join(&file_name));
        let outcome = moved.as_ref().map(|_| BackupSummary {
            size_bytes: summary.size_bytes,
            schema_version: summary.schema_version,
            tables: summary.tables.clone(),
        });
        match &outcome {
            Ok(finished) => {
                store
                    .finish_system_backup(actor, id, "system-backup.import", Ok(finished))
                    .await?
            }
            Err(error) => {
                store
                    .finish_system_backup(
                        actor,
                        id,
                        "system-backup.import",
                        Err(&error.to_string()),
                    )
                    .await?
            }
        }
        moved?;
        let _ = std::fs::remove_file(&summary_path);
        Ok(id)
    }
}
