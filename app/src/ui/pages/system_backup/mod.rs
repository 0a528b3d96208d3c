//! The System backup screen: the catalogue of server-side backups, taking one, the schedule,
//! encrypted export and import, and restores approved with the Owner's one-time code.
mod browser;
mod create;
mod list;
mod restore;
mod retention;
mod schedule;
mod transfer;

use crate::api::system_backup::get_backup_job;
use crate::model::{BackupJob, JobState, Permission, TableCount};
use crate::ui::components::{permitted, NotPermitted};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use std::time::Duration;

/// The backup a restore dialog is about.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct RestoreTarget {
    pub backup_id: i64,
    /// How to name the backup to the operator.
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[component]
pub fn SystemBackupPage() -> impl IntoView {
    if !permitted(Permission::SystemBackupManage) {
        return view! {
            <Title text="System backup"/>
            <h1>"System backup"</h1>
            <NotPermitted what="make, import or restore system backups"/>
        }
        .into_any();
    }
    // Bumped whenever the catalogue changes (a backup finished, was deleted or imported).
    let catalogue = RwSignal::new(0_u64);
    let restore_target = RwSignal::new(None::<RestoreTarget>);
    // Each section's view type is erased: together they would exceed the compiler's type
    // depth limit in the server crate.
    view! {
        <Title text="System backup"/>
        <h1>"System backup"</h1>
        <p class="hint">
            "Complete copies of the identity data, for disaster recovery. Operators, sessions "
            "and the audit log are never part of a backup and are kept by a restore. "
            "A restore needs the Owner's one-time approval code."
        </p>
        {view! { <create::CreateBackup catalogue/> }.into_any()}
        {view! { <list::BackupList catalogue restore_target/> }.into_any()}
        {view! { <schedule::ScheduleForm/> }.into_any()}
        {view! { <retention::RetentionForm/> }.into_any()}
        {view! { <transfer::ExportForm/> }.into_any()}
        {view! { <transfer::ImportForm catalogue restore_target/> }.into_any()}
        {view! { <restore::RestoreDialog target=restore_target/> }.into_any()}
    }
    .into_any()
}

pub(super) fn format_size(bytes: i64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

pub(super) fn format_rows(rows: i64, tables: usize) -> String {
    format!(
        "{rows} row{} in {tables} table{}",
        if rows == 1 { "" } else { "s" },
        if tables == 1 { "" } else { "s" }
    )
}

/// Rows per table, as a small table named `caption`.
#[component]
pub(super) fn ContentsTable(caption: String, tables: Vec<TableCount>) -> impl IntoView {
    view! {
        <table class="data-table contents-table" aria-label=caption>
            <thead><tr><th scope="col">"Table"</th><th scope="col" class="number">"Rows"</th></tr></thead>
            <tbody>
                {tables.into_iter().map(|t| view! {
                    <tr><td>{t.table}</td><td class="number">{t.rows}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// A background job's progress bar and a sentence for screen readers.
#[component]
pub(super) fn JobProgress(job: RwSignal<Option<BackupJob>>, label: &'static str) -> impl IntoView {
    move || {
        job.get().filter(|j| j.state == JobState::Running).map(|j| {
            let percent = j.percent();
            view! {
                <div class="job-progress">
                    <progress max="100" value=percent aria-label=label></progress>
                    <span role="status">
                        {if j.rows_total <= 0 {
                            format!("{label}: starting…")
                        } else {
                            format!("{label}: {percent}% ({} of {} rows)", j.rows_done, j.rows_total)
                        }}
                    </span>
                </div>
            }
        })
    }
}

/// Polls a background job into `job` until it ends, then calls `on_end` with the finished
/// job, or with a message when it failed or could no longer be followed. Stops quietly when
/// the page that started it is gone.
pub(super) fn follow_job(
    id: i64,
    job: RwSignal<Option<BackupJob>>,
    on_end: Callback<Result<BackupJob, String>>,
) {
    poll_job_later(id, job, on_end, 0);
}

/// Transport failures tolerated in a row (a restore can keep the database busy briefly).
const POLL_RETRIES: u32 = 20;

fn poll_job_later(
    id: i64,
    job: RwSignal<Option<BackupJob>>,
    on_end: Callback<Result<BackupJob, String>>,
    failures: u32,
) {
    set_timeout(
        move || {
            leptos::task::spawn_local(async move {
                match get_backup_job(id).await {
                    Ok(state) => {
                        let running = state.state == JobState::Running;
                        if job.try_set(Some(state.clone())).is_some() {
                            return;
                        }
                        if running {
                            poll_job_later(id, job, on_end, 0);
                        } else if state.state == JobState::Succeeded {
                            on_end.try_run(Ok(state));
                        } else {
                            let message = state
                                .error
                                .clone()
                                .unwrap_or_else(|| "The job failed.".to_string());
                            on_end.try_run(Err(message));
                        }
                    }
                    Err(_) if failures < POLL_RETRIES => {
                        poll_job_later(id, job, on_end, failures + 1)
                    }
                    Err(error) => {
                        on_end.try_run(Err(error.to_string()));
                    }
                }
            })
        },
        Duration::from_millis(400),
    );
}
