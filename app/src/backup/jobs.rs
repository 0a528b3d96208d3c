//! Background jobs of the backup service. The process running a job keeps its live progress
//! in memory and saves it to the database (`Store::save_system_job`) every few seconds and
//! when it ends: a console's poll may reach any server process behind the load balancer, and
//! the one that does not run the job reads it from there.
use super::engine::Progress;
use super::Result;
use crate::model::{BackupJob, JobKind, JobState};
use crate::store::{Backend, Store, HEARTBEAT_SECS};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::task::AbortOnDropHandle;

/// Jobs this process keeps in memory (the database keeps them for every process).
const KEPT_JOBS: usize = 100;

pub(super) struct Job {
    pub(super) id: i64,
    kind: JobKind,
    backup_id: i64,
    pub(super) progress: Arc<Progress>,
    outcome: Mutex<Option<std::result::Result<(), String>>>,
    /// What a finished restore reports besides success (tables absent from the backup...).
    notes: Mutex<Vec<String>>,
}

impl Job {
    pub(super) fn snapshot(&self) -> BackupJob {
        let outcome = self.outcome.lock().unwrap_or_else(|p| p.into_inner());
        BackupJob {
            id: self.id,
            kind: self.kind,
            backup_id: self.backup_id,
            state: match &*outcome {
                None => JobState::Running,
                Some(Ok(())) => JobState::Succeeded,
                Some(Err(_)) => JobState::Failed,
            },
            rows_done: self.progress.done.load(Ordering::SeqCst),
            rows_total: self.progress.total.load(Ordering::SeqCst),
            error: outcome.as_ref().and_then(|o| o.clone().err()),
            notes: self.notes.lock().unwrap_or_else(|p| p.into_inner()).clone(),
        }
    }

    pub(super) fn set_notes(&self, notes: Vec<String>) {
        *self.notes.lock().unwrap_or_else(|p| p.into_inner()) = notes;
    }

    /// Records the outcome and saves it for the other processes. A failed save is logged:
    /// this process still answers polls from memory.
    pub(super) async fn finish(&self, store: &Store, outcome: std::result::Result<(), String>) {
        *self.outcome.lock().unwrap_or_else(|p| p.into_inner()) = Some(outcome);
        if let Err(error) = store.save_system_job(&self.snapshot()).await {
            tracing::error!(%error, job = self.id, "cannot save a finished job");
        }
    }
}

#[derive(Default)]
pub(super) struct Jobs(Mutex<BTreeMap<i64, Arc<Job>>>);

impl Jobs {
    /// Records a new job in the database (which gives it an id unique across processes) and
    /// in memory.
    pub(super) async fn start(
        &self,
        store: &Store,
        kind: JobKind,
        backup_id: i64,
    ) -> Result<Arc<Job>> {
        let id = store.insert_system_job(kind, backup_id).await?;
        let job = Arc::new(Job {
            id,
            kind,
            backup_id,
            progress: Arc::default(),
            outcome: Mutex::new(None),
            notes: Mutex::default(),
        });
        let mut jobs = self.0.lock().unwrap_or_else(|p| p.into_inner());
        jobs.insert(id, job.clone());
        while jobs.len() > KEPT_JOBS {
            jobs.pop_first();
        }
        Ok(job)
    }

    /// A job this process runs or ran.
    pub(super) fn get(&self, id: i64) -> Option<BackupJob> {
        let jobs = self.0.lock().unwrap_or_else(|p| p.into_inner());
        jobs.get(&id).map(|job| job.snapshot())
    }
}

/// While it lives, saves `job`'s progress (and, for a backup being written, the catalogue
/// entry's heartbeat) every few seconds, so other processes see it advance and know its
/// process is alive. Only on PostgreSQL: a SQLite database has one server process, which
/// answers from memory, and its restore holds the write lock these saves would wait for.
pub(super) fn keep_saving(
    store: &Store,
    job: Option<Arc<Job>>,
    backup_id: Option<i64>,
) -> Option<AbortOnDropHandle<()>> {
    if store.backend() != Backend::Postgres {
        return None;
    }
    let store = store.clone();
    let task = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(HEARTBEAT_SECS as u64));
        every.tick().await;
        loop {
            every.tick().await;
            if let Some(job) = &job {
                if let Err(error) = store.save_system_job(&job.snapshot()).await {
                    tracing::warn!(%error, job = job.id, "cannot save a job's progress");
                }
            }
            if let Some(id) = backup_id {
                if let Err(error) = store.touch_system_backup(id).await {
                    tracing::warn!(%error, backup = id, "cannot note a backup's heartbeat");
                }
            }
        }
    });
    Some(AbortOnDropHandle::new(task))
}
