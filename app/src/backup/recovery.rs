//! What a server process that stopped may have left behind, found by the next one to start
//! or by any live one: with several processes on one database the one that died may never
//! start again, so nothing here may touch what another live process is still doing.
use super::service::{SystemBackups, TEMP_PREFIXES};
use super::Result;
use crate::store::{Backend, Store};
use std::path::Path;
use std::time::Duration;

/// How long a temporary file must have been left unchanged before another process may take
/// it for orphaned. Uploads and exports in progress change all the time; a checked upload
/// waiting this long for its Import must be validated again.
const ORPHANED_AFTER: Duration = Duration::from_secs(60 * 60);

/// How long since `path` (or, for a directory, anything directly in it) last changed.
fn unchanged_for(path: &Path) -> Duration {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let mut newest = modified(path);
    if let Ok(entries) = std::fs::read_dir(path) {
        for entry in entries.flatten() {
            newest = newest.max(modified(&entry.path()));
        }
    }
    newest
        .and_then(|at| at.elapsed().ok())
        .unwrap_or(Duration::ZERO)
}

impl SystemBackups {
    /// Removes the temporary files (`TEMP_PREFIXES`) a dead process left in the backup
    /// directory: half-received uploads, unfinished imports and exports, export work
    /// directories, checked uploads never imported. Only those unchanged for `older_than`: the
    /// directory may be shared with other live server processes, whose files in use keep
    /// changing (`Duration::ZERO` when no other process can be using it). Returns how many
    /// were removed; failures are logged, not fatal.
    pub fn remove_orphaned_files(&self, older_than: Duration) -> usize {
        let entries = match std::fs::read_dir(&self.config().dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return 0,
            Err(error) => {
                tracing::warn!(%error, dir = %self.config().dir.display(), "cannot list the backup directory");
                return 0;
            }
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if !TEMP_PREFIXES.iter().any(|prefix| name.starts_with(prefix)) {
                continue;
            }
            let path = entry.path();
            if !older_than.is_zero() && unchanged_for(&path) < older_than {
                continue;
            }
            let result = match entry.file_type() {
                Ok(kind) if kind.is_dir() => std::fs::remove_dir_all(&path),
                _ => std::fs::remove_file(&path),
            };
            match result {
                Ok(()) => removed += 1,
                Err(error) => {
                    tracing::warn!(%error, path = %path.display(), "cannot remove a temporary file")
                }
            }
        }
        if removed > 0 {
            tracing::info!(removed, "removed temporary files left by a previous run");
        }
        removed
    }

    /// What a process that died may have left: a maintenance window no restore holds any
    /// more (identity writes would stay refused), backups left `running`, temporary files.
    /// Run at start-up (`starting`) and then every minute by the scheduler: with several
    /// server processes, the one that died may never start again. On SQLite there is one
    /// process: at its start everything running or temporary was left behind, and later
    /// whatever runs is its own (its backups beat no heartbeat, `jobs::keep_saving`).
    pub async fn recover_interrupted(&self, store: &Store, starting: bool) -> Result<()> {
        let sqlite = store.backend() == Backend::Sqlite;
        // A restore of this process holds its window; the store checks the other processes.
        if let Ok(_none_here) = self.restoring.clone().try_lock_owned() {
            if store.clear_stale_maintenance().await? {
                tracing::warn!("cleared the maintenance window of a restore that was killed");
            }
        }
        if starting || !sqlite {
            let failed = store
                .fail_interrupted_system_backups(starting && sqlite)
                .await?;
            if failed > 0 {
                tracing::warn!(
                    failed,
                    "marked backups interrupted by a stopped server as failed"
                );
            }
        }
        self.remove_orphaned_files(if starting && sqlite {
            Duration::ZERO
        } else {
            ORPHANED_AFTER
        });
        Ok(())
    }
}
