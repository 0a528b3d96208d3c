//! The system-backup service: server-side backups in a directory, background jobs with
//! progress, the schedule, exports/imports and Owner-approved restores.
use super::engine::{self, ExportOptions, Progress, RestoreAudit, RestoreOptions, RestoreReport};
use super::jobs::{self, Jobs};
use super::{Error, Result};
use crate::model::{
    BackupJob, BackupKind, BackupStatus, BackupValidation, JobKind, Operator, RestoreRequest,
    SystemBackup, MIN_EXPORT_PASSWORD_LEN,
};
use crate::store::{now_micros, Actor, BackupSummary, HeldLocks, Lock, Store};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use super::config::{MailConfig, SystemBackupConfig};

/// Prefixes of the temporary files and directories the service and the upload route make in
/// the backup directory; a process that dies leaves them behind.
pub const TEMP_PREFIXES: &[&str] = &[".upload-", ".import-", ".export-", ".parts-", ".checked-"];

/// Each guard below is taken twice: in this process (`restoring`, `activity`) and across every
/// server process on the database (`Lock::SystemRestore`, `Lock::SystemActivity`, held by a
/// session of their own, `HeldLocks`); the in-process half is all there is on SQLite.
pub struct SystemBackups {
    config: SystemBackupConfig,
    jobs: Jobs,
    /// One restore at a time.
    pub(super) restoring: Arc<tokio::sync::Mutex<()>>,
    /// Backups and exports hold it shared, a restore exclusively: neither starts while the
    /// other runs (an export would read data half replaced, a restore would replace data
    /// being read for minutes).
    activity: Arc<tokio::sync::RwLock<()>>,
    /// Backups and exports written at once. Each holds a database connection (and, on
    /// PostgreSQL, a snapshot) for its whole run; more wait their turn in order instead of
    /// starving the connection pool the console needs.
    writers: Arc<tokio::sync::Semaphore>,
}

/// How many backups and exports are written at the same time; the rest queue.
pub const CONCURRENT_EXPORTS: usize = 1;

/// A backup or export accepted: no restore may start, here or in another process.
struct NotRestoring {
    _here: tokio::sync::OwnedRwLockReadGuard<()>,
    everywhere: HeldLocks,
}

impl NotRestoring {
    async fn release(self) {
        self.everywhere.release().await;
    }
}

/// The right to restore: no other restore, no backup or export, in any process. Its
/// maintenance window is only cleared by others once this is gone (`clear_stale_maintenance`).
struct RestoreGuard {
    _restoring: tokio::sync::OwnedMutexGuard<()>,
    _exclusive: tokio::sync::OwnedRwLockWriteGuard<()>,
    everywhere: HeldLocks,
}

impl RestoreGuard {
    async fn release(self) {
        self.everywhere.release().await;
    }
}

impl std::fmt::Debug for SystemBackups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SystemBackups")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn message(error: &Error) -> String {
    match error {
        Error::Store(crate::store::Error::Database(_)) | Error::Io(_) | Error::Internal(_) => {
            tracing::error!(%error, "system backup failed");
            "The operation failed; the server log has the details.".into()
        }
        other => other.to_string(),
    }
}

impl SystemBackups {
    pub fn new(config: SystemBackupConfig) -> Self {
        Self {
            config,
            jobs: Jobs::default(),
            restoring: Arc::default(),
            activity: Arc::default(),
            writers: Arc::new(tokio::sync::Semaphore::new(CONCURRENT_EXPORTS)),
        }
    }

    pub fn config(&self) -> &SystemBackupConfig {
        &self.config
    }

    /// A job's progress, wherever it runs: from memory when this process runs it, else as
    /// its process last saved it.
    pub async fn job(&self, store: &Store, id: i64) -> Result<Option<BackupJob>> {
        match self.jobs.get(id) {
            Some(job) => Ok(Some(job)),
            None => Ok(store.system_job(id).await?),
        }
    }

    fn ensure_dir(&self) -> Result<()> {
        std::fs::create_dir_all(&self.config.dir)?;
        Ok(())
    }

    /// Backups and exports being written right now (at most `CONCURRENT_EXPORTS`).
    pub fn writers_busy(&self) -> usize {
        CONCURRENT_EXPORTS - self.writers.available_permits()
    }

    /// Refuses while a restore runs in any process; held, it keeps a restore from starting.
    async fn not_restoring(&self, store: &Store) -> Result<NotRestoring> {
        let here = self
            .activity
            .clone()
            .try_read_owned()
            .map_err(|_| Error::RestoreRunning)?;
        let mut everywhere = HeldLocks::open(store).await?;
        if !everywhere.try_take(Lock::SystemActivity, true).await? {
            return Err(Error::RestoreRunning);
        }
        Ok(NotRestoring {
            _here: here,
            everywhere,
        })
    }

    /// Waits for this backup's or export's turn in the queue.
    async fn turn_to_write(&self) -> Result<tokio::sync::OwnedSemaphorePermit> {
        self.writers
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Error::Internal("export queue closed".into()))
    }

    pub(super) fn new_file_name() -> String {
        format!(
            "rewind-{}-{:08x}.rewind.tar.gz",
            chrono::Utc::now().format("%Y%m%d-%H%M%S"),
            rand::random::<u32>()
        )
    }

    /// Starts a backup in the background; poll `job` for its progress.
    pub async fn start_backup(
        self: &Arc<Self>,
        store: &Store,
        actor: Actor,
        kind: BackupKind,
        label: &str,
    ) -> Result<BackupJob> {
        // Refused now if a restore runs; queued in the background behind other writers.
        let not_restoring = self.not_restoring(store).await?;
        self.ensure_dir()?;
        let file_name = Self::new_file_name();
        let id = store
            .insert_system_backup(&actor, kind, label, &file_name)
            .await?;
        let job = self.jobs.start(store, JobKind::Backup, id).await?;
        let (service, store, label) = (self.clone(), store.clone(), label.to_string());
        let running = job.clone();
        tokio::spawn(async move {
            let saving = jobs::keep_saving(&store, Some(running.clone()), Some(id));
            let outcome = match service.turn_to_write().await {
                Ok(turn) => {
                    let written = service
                        .write_backup(&store, &actor, id, &file_name, &label, &running.progress)
                        .await;
                    drop(turn);
                    written
                }
                Err(e) => Err(e),
            };
            not_restoring.release().await;
            drop(saving);
            if outcome.is_ok() && kind == BackupKind::Automatic {
                service.prune(&store).await;
            }
            running
                .finish(&store, outcome.map(|_| ()).map_err(|e| message(&e)))
                .await;
        });
        Ok(job.snapshot())
    }

    /// Takes a backup and waits for it (the scheduler, tests).
    pub async fn run_backup(
        &self,
        store: &Store,
        actor: &Actor,
        kind: BackupKind,
        label: &str,
    ) -> Result<SystemBackup> {
        let not_restoring = self.not_restoring(store).await?;
        let turn = self.turn_to_write().await?;
        self.ensure_dir()?;
        let file_name = Self::new_file_name();
        let id = store
            .insert_system_backup(actor, kind, label, &file_name)
            .await?;
        let saving = jobs::keep_saving(store, None, Some(id));
        self.write_backup(store, actor, id, &file_name, label, &Progress::default())
            .await?;
        drop((saving, turn));
        not_restoring.release().await;
        if kind == BackupKind::Automatic {
            self.prune(store).await;
        }
        Ok(store.system_backup(id).await?.0)
    }

    async fn write_backup(
        &self,
        store: &Store,
        actor: &Actor,
        id: i64,
        file_name: &str,
        label: &str,
        progress: &Progress,
    ) -> Result<()> {
        let path = self.config.dir.join(file_name);
        let written = engine::export(
            store,
            &path,
            ExportOptions {
                created_by: &actor.name,
                label,
                passphrase: None,
                tables: &self.config.tables,
            },
            progress,
        )
        .await
        .and_then(|manifest| {
            Ok(BackupSummary {
                size_bytes: std::fs::metadata(&path)?.len() as i64,
                schema_version: manifest.schema_version,
                tables: manifest.table_counts(),
            })
        });
        match &written {
            Ok(summary) => {
                store
                    .finish_system_backup(actor, id, "system-backup.create", Ok(summary))
                    .await?
            }
            Err(error) => {
                store
                    .finish_system_backup(actor, id, "system-backup.create", Err(&message(error)))
                    .await?
            }
        }
        written.map(|_| ())
    }

    /// Deletes automatic backups beyond the schedule's `keep_last`.
    pub async fn prune(&self, store: &Store) {
        let result = async {
            let keep = store.schedule_settings().await?.keep_last;
            for id in store.automatic_backups_to_prune(keep).await? {
                self.delete_backup(store, &Actor::scheduler(), id).await?;
            }
            Ok::<_, Error>(())
        }
        .await;
        if let Err(error) = result {
            tracing::error!(%error, "pruning automatic backups failed");
        }
    }

    pub async fn delete_backup(&self, store: &Store, actor: &Actor, id: i64) -> Result<()> {
        let file_name = store.delete_system_backup(actor, id).await?;
        match tokio::fs::remove_file(self.config.dir.join(&file_name)).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    /// The file of a finished backup, for download (audited).
    pub async fn backup_file(
        &self,
        store: &Store,
        actor: &Actor,
        id: i64,
    ) -> Result<(SystemBackup, PathBuf)> {
        let (backup, file_name) = store.system_backup(id).await?;
        if backup.status != BackupStatus::Ready {
            return Err(
                crate::store::Error::Conflict("This backup has not finished.".into()).into(),
            );
        }
        let path = self.config.dir.join(file_name);
        let target = format!("backup #{id} {}", backup.label);
        store
            .audit_system_backup(actor, "system-backup.download", target.trim(), "ok", "")
            .await?;
        Ok((backup, path))
    }

    /// Writes an encrypted export of the current data and returns it opened for reading (the
    /// file itself is already unlinked) with the name to download it as.
    pub async fn export(
        &self,
        store: &Store,
        actor: &Actor,
        password: &str,
        password_confirm: &str,
    ) -> Result<(std::fs::File, String, u64)> {
        if password.chars().count() < MIN_EXPORT_PASSWORD_LEN {
            return Err(crate::store::Error::invalid(
                "password",
                format!("Use at least {MIN_EXPORT_PASSWORD_LEN} characters."),
            )
            .into());
        }
        if password != password_confirm {
            return Err(crate::store::Error::invalid(
                "password_confirm",
                "The passwords do not match.",
            )
            .into());
        }
        let not_restoring = self.not_restoring(store).await?;
        let turn = self.turn_to_write().await?;
        self.ensure_dir()?;
        let temp = tempfile::Builder::new()
            .prefix(".export-")
            .tempfile_in(&self.config.dir)?;
        let path = temp.path().to_path_buf();
        let result = engine::export(
            store,
            &path,
            ExportOptions {
                created_by: &actor.name,
                label: "export",
                passphrase: Some(password),
                tables: &self.config.tables,
            },
            &Progress::default(),
        )
        .await;
        let opened = result.and_then(|manifest| {
            let file = std::fs::File::open(&path)?;
            let size = file.metadata()?.len();
            Ok((manifest, file, size))
        });
        drop(temp);
        let _ = std::fs::remove_file(&path);
        drop(turn);
        not_restoring.release().await;
        match opened {
            Ok((manifest, file, size)) => {
                let name = format!(
                    "rewind-{}.rewind.age",
                    manifest.created_at.format("%Y%m%d-%H%M%S")
                );
                let details = format!("{} rows, {size} bytes", manifest.total_rows());
                store
                    .audit_system_backup(actor, "system-backup.export", &name, "ok", &details)
                    .await?;
                Ok((file, name, size))
            }
            Err(error) => {
                store
                    .audit_system_backup(
                        actor,
                        "system-backup.export",
                        "",
                        "failed",
                        &message(&error),
                    )
                    .await?;
                Err(error)
            }
        }
    }

    /// Validates an uploaded file (decryption, hashes, format and schema version) and keeps
    /// its decrypted copy aside until the operator chooses Import (`import_checked`, which
    /// adds it to the catalogue). Nothing in the identity data or the catalogue changes here.
    pub async fn import(
        &self,
        store: &Store,
        actor: &Actor,
        upload: &Path,
        password: Option<&str>,
    ) -> Result<BackupValidation> {
        self.ensure_dir()?;
        let server_version = {
            let mut conn = store.pool().acquire().await?;
            super::schema::schema_version(&mut conn).await?
        };
        let staging = tempfile::Builder::new()
            .prefix(".import-")
            .tempfile_in(&self.config.dir)?;
        let (upload_path, password) = (upload.to_path_buf(), password.map(str::to_owned));
        let checked = tokio::task::spawn_blocking(move || {
            let mut staging = staging;
            let mut copy = std::io::BufWriter::new(staging.as_file_mut());
            let manifest = engine::validate(
                &upload_path,
                password.as_deref(),
                server_version,
                Some(&mut copy),
            )?;
            use std::io::Write;
            copy.flush()?;
            drop(copy);
            staging.as_file().sync_all()?;
            Ok::<_, Error>((manifest, staging))
        })
        .await
        .map_err(|e| Error::Internal(format!("import check: {e}")))?;
        let (manifest, staging) = match checked {
            Ok(checked) => checked,
            Err(error) => {
                store
                    .audit_system_backup(
                        actor,
                        "system-backup.import-validate",
                        "uploaded file",
                        "rejected",
                        &message(&error),
                    )
                    .await?;
                return Err(error);
            }
        };
        let label = if manifest.label.is_empty() || manifest.label == "export" {
            format!(
                "Imported backup of {}",
                manifest.created_at.format("%Y-%m-%d %H:%M UTC")
            )
        } else {
            manifest.label.clone()
        };
        // Kept aside until the operator chooses Import (`import_checked`): validating adds
        // nothing to the catalogue.
        let token = super::checked_upload::new_token();
        let (copy, summary_path) = self.checked_paths(&token)?;
        staging.persist(&copy).map_err(|e| Error::Io(e.error))?;
        let summary = super::checked_upload::CheckedSummary {
            label: label.clone(),
            size_bytes: std::fs::metadata(&copy)?.len() as i64,
            schema_version: manifest.schema_version,
            tables: manifest.table_counts(),
        };
        let json = serde_json::to_vec(&summary)
            .map_err(|e| Error::Internal(format!("checked upload summary: {e}")))?;
        std::fs::write(&summary_path, json)?;
        store
            .audit_system_backup(actor, "system-backup.import-validate", &label, "ok", "")
            .await?;
        Ok(BackupValidation {
            upload: token,
            label,
            created_at: manifest.created_at,
            created_by: manifest.created_by.clone(),
            format_version: manifest.format_version,
            schema_version: manifest.schema_version,
            server_schema_version: server_version,
            total_rows: manifest.total_rows(),
            tables: manifest.table_counts(),
            contents: manifest.contents.clone(),
        })
    }

    /// Opens a restore request: the one-time code goes to the Owner's inbox, and by email
    /// when SMTP is configured. The request is bound to the file's SHA-256 as it is now.
    pub async fn request_restore(
        &self,
        store: &Store,
        actor: &Operator,
        backup_id: i64,
    ) -> Result<RestoreRequest> {
        let (_, file_name) = store.system_backup(backup_id).await?;
        let path = self.config.dir.join(file_name);
        let hashed = tokio::task::spawn_blocking(move || file_sha256(&path))
            .await
            .map_err(|e| Error::Internal(format!("hashing the backup: {e}")))?;
        let sha256 = match hashed {
            Ok(sha256) => sha256,
            Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(crate::store::Error::Conflict(
                    "The file of this backup is missing from the server.".into(),
                )
                .into())
            }
            Err(error) => return Err(error),
        };
        let issued = store
            .create_restore_request(actor, backup_id, &sha256, now_micros())
            .await?;
        let mut request = issued.request.clone();
        if let Some(mail) = &self.config.mail {
            match tokio::time::timeout(
                Duration::from_secs(20),
                send_mail(mail, &issued.subject, &issued.body),
            )
            .await
            {
                Ok(Ok(())) => request.emailed = true,
                Ok(Err(error)) => tracing::warn!(%error, "restore code email failed"),
                Err(_) => tracing::warn!("restore code email timed out"),
            }
        }
        Ok(request)
    }

    /// Checks the one-time code and starts the restore in the background.
    pub async fn confirm_restore(
        self: &Arc<Self>,
        store: &Store,
        actor: &Operator,
        request_id: i64,
        code: &str,
    ) -> Result<BackupJob> {
        // Refuse before spending the code when another restore or an export runs.
        let guard = self.restore_guard(store).await?;
        let approved = store
            .check_restore_code(actor, request_id, code, now_micros())
            .await?;
        let job = self
            .jobs
            .start(store, JobKind::Restore, approved.backup_id)
            .await?;
        let (service, store, actor, running) =
            (self.clone(), store.clone(), Actor::from(actor), job.clone());
        tokio::spawn(async move {
            let saving = jobs::keep_saving(&store, Some(running.clone()), None);
            let outcome = service
                .restore_locked(
                    &store,
                    &actor,
                    approved.backup_id,
                    Some(&approved.file_sha256),
                    &running.progress,
                )
                .await;
            guard.release().await;
            drop(saving);
            if let Ok(report) = &outcome {
                running.set_notes(report.notes());
            }
            running
                .finish(&store, outcome.map(|_| ()).map_err(|e| message(&e)))
                .await;
        });
        Ok(job.snapshot())
    }

    /// Restores a backup whose code was already checked, and waits for it.
    pub async fn restore_backup(
        &self,
        store: &Store,
        actor: &Actor,
        backup_id: i64,
        progress: &Progress,
    ) -> Result<RestoreReport> {
        let guard = self.restore_guard(store).await?;
        let restored = self
            .restore_locked(store, actor, backup_id, None, progress)
            .await;
        guard.release().await;
        restored
    }

    /// The right to restore: no other restore, no backup or export being written, in this
    /// process or any other on the database.
    async fn restore_guard(&self, store: &Store) -> Result<RestoreGuard> {
        let restoring = self
            .restoring
            .clone()
            .try_lock_owned()
            .map_err(|_| Error::Busy)?;
        let exclusive = self
            .activity
            .clone()
            .try_write_owned()
            .map_err(|_| Error::ExportRunning)?;
        let mut everywhere = HeldLocks::open(store).await?;
        if !everywhere.try_take(Lock::SystemRestore, false).await? {
            return Err(Error::Busy);
        }
        if !everywhere.try_take(Lock::SystemActivity, false).await? {
            return Err(Error::ExportRunning);
        }
        Ok(RestoreGuard {
            _restoring: restoring,
            _exclusive: exclusive,
            everywhere,
        })
    }

    async fn restore_locked(
        &self,
        store: &Store,
        actor: &Actor,
        backup_id: i64,
        file_sha256: Option<&str>,
        progress: &Progress,
    ) -> Result<RestoreReport> {
        let (backup, file_name) = store.system_backup(backup_id).await?;
        let target = format!("backup #{backup_id} {}", backup.label);
        let target = target.trim();
        // A maintenance window: other sessions' identity writes are refused meanwhile.
        store.begin_maintenance(actor).await?;
        let restored = engine::restore(
            store,
            &self.config.dir.join(file_name),
            RestoreOptions {
                passphrase: None,
                tables: &self.config.tables,
                file_sha256,
            },
            RestoreAudit { actor, target },
            progress,
        )
        .await;
        let ended = store.end_maintenance().await;
        if let Err(error) = &restored {
            store
                .audit_system_backup(
                    actor,
                    "system-backup.restore",
                    target,
                    "failed",
                    &message(error),
                )
                .await?;
        }
        // Writes stay refused if the window cannot be closed: say so loudly.
        if let Err(error) = ended {
            tracing::error!(%error, "cannot end the restore's maintenance window");
            return Err(error.into());
        }
        restored
    }

    /// Runs automatic backups when the schedule says so, and `recover_interrupted` every
    /// minute; started once by the server binary (after `recover_interrupted` at start-up).
    pub async fn run_scheduler(self: Arc<Self>, store: Store) {
        let mut recovered = tokio::time::Instant::now();
        loop {
            if recovered.elapsed() >= Duration::from_secs(60) {
                recovered = tokio::time::Instant::now();
                if let Err(error) = self.recover_interrupted(&store, false).await {
                    tracing::error!(%error, "cleaning up after a stopped server");
                }
            }
            let wait = match self.scheduler_tick(&store).await {
                Ok(wait) => wait,
                Err(error) => {
                    tracing::error!(%error, "backup scheduler");
                    Duration::from_secs(60)
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Runs the backup that is due, if any, and says how long to sleep.
    pub async fn scheduler_tick(&self, store: &Store) -> Result<Duration> {
        let settings = store.schedule_settings().await?;
        let Some(next) = settings.next_run() else {
            return Ok(Duration::from_secs(60));
        };
        let now = chrono::Utc::now();
        if next > now {
            // Re-read at least every minute: the schedule may change meanwhile.
            let until = (next - now).to_std().unwrap_or_default();
            return Ok(until.min(Duration::from_secs(60)));
        }
        // Every server process finds the run due; the one whose claim lands takes it.
        if !store
            .claim_schedule_run(settings.last_run_at, now.timestamp_micros())
            .await?
        {
            return Ok(Duration::from_secs(1));
        }
        let label = format!("Automatic backup {}", now.format("%Y-%m-%d %H:%M UTC"));
        self.run_backup(store, &Actor::scheduler(), BackupKind::Automatic, &label)
            .await?;
        Ok(Duration::from_secs(1))
    }
}

/// SHA-256 (hex) of a whole file. Blocking.
pub fn file_sha256(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut file = std::fs::File::open(path)?;
    std::io::copy(&mut file, &mut hasher)?;
    Ok(hex::encode(hasher.finalize()))
}

async fn send_mail(mail: &MailConfig, subject: &str, body: &str) -> Result<()> {
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
    let failed = |e: &dyn std::fmt::Display| Error::Internal(format!("mail: {e}"));
    let message = Message::builder()
        .from(mail.from.parse().map_err(|e| failed(&e))?)
        .to(mail.owner_email.parse().map_err(|e| failed(&e))?)
        .subject(subject)
        .body(body.to_string())
        .map_err(|e| failed(&e))?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&mail.smtp_url)
        .map_err(|e| failed(&e))?
        .build();
    transport.send(message).await.map_err(|e| failed(&e))?;
    Ok(())
}
