//! Taking a backup now: it runs on the server while the page follows its progress.
use super::{follow_job, JobProgress};
use crate::api::system_backup::create_system_backup;
use crate::model::BackupJob;
use leptos::prelude::*;

#[component]
pub fn CreateBackup(catalogue: RwSignal<u64>) -> impl IntoView {
    let label = RwSignal::new(String::new());
    let job = RwSignal::new(None::<BackupJob>);
    let busy = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let on_end = Callback::new(move |result: Result<BackupJob, String>| {
        busy.set(false);
        catalogue.update(|n| *n += 1);
        outcome.set(Some(result.map(|_| "The backup is ready.".to_string())));
    });
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        outcome.set(None);
        job.set(None);
        let text = label.get_untracked();
        leptos::task::spawn_local(async move {
            match create_system_backup(text).await {
                Ok(started) => {
                    let id = started.id;
                    label.set(String::new());
                    job.set(Some(started));
                    // The new row appears as "in progress" while the file is written.
                    catalogue.update(|n| *n += 1);
                    follow_job(id, job, on_end);
                }
                Err(error) => {
                    busy.set(false);
                    outcome.set(Some(Err(error.to_string())));
                }
            }
        });
    };
    view! {
        <section class="panel" aria-labelledby="create-backup-title">
            <h2 id="create-backup-title">"Create a backup"</h2>
            <form class="inline-form" on:submit=start>
                <label>
                    "Label (optional)"
                    <input
                        type="text"
                        name="label"
                        maxlength="200"
                        placeholder="e.g. Before the migration"
                        prop:value=move || label.get()
                        on:input=move |ev| label.set(event_target_value(&ev))
                    />
                </label>
                <button type="submit" class="primary" aria-disabled=move || busy.get().to_string()>
                    "Create backup"
                </button>
            </form>
            <JobProgress job label="Backup progress"/>
            {move || outcome.get().map(|result| match result {
                Ok(message) => view! { <p class="form-ok" role="status">{message}</p> }.into_any(),
                Err(message) => view! { <p class="form-error" role="alert">{message}</p> }.into_any(),
            })}
        </section>
    }
}
