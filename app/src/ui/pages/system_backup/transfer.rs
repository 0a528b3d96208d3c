//! Moving data off and onto this server: an encrypted export downloaded by the browser, and an
//! uploaded file checked first, then restored after the Owner's approval.
use super::browser::upload_for_import;
use super::{format_rows, ContentsTable, RestoreTarget};
use crate::error::AppError;
use crate::model::{BackupValidation, MIN_EXPORT_PASSWORD_LEN};
use crate::ui::components::When;
use crate::ui::components::{FieldErrors, FormError};
use leptos::prelude::*;
use std::time::Duration;

const EXPORT_URL: &str = "/files/system-backups/export";

/// A rough guide to how well a password resists offline guessing.
fn strength(password: &str) -> (&'static str, String) {
    let length = password.chars().count();
    if length == 0 {
        return ("", String::new());
    }
    if length < MIN_EXPORT_PASSWORD_LEN {
        return (
            "weak",
            format!("Too short: use at least {MIN_EXPORT_PASSWORD_LEN} characters."),
        );
    }
    let kinds = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_numeric()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ]
    .into_iter()
    .filter(|present| *present)
    .count();
    let score = [
        length >= 8,
        length >= 12,
        length >= 16,
        kinds >= 2,
        kinds >= 3,
    ]
    .into_iter()
    .filter(|point| *point)
    .count();
    match score {
        0..=1 => (
            "weak",
            "Strength: weak. A passphrase of several words is better.".into(),
        ),
        2..=3 => ("fair", "Strength: fair. Longer is stronger.".into()),
        _ => ("strong", "Strength: strong.".into()),
    }
}

#[component]
pub fn ExportForm() -> impl IntoView {
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let current = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let started = RwSignal::new(false);
    let check = move |ev: leptos::ev::SubmitEvent| {
        let (pw, again) = (password.get_untracked(), confirm.get_untracked());
        let problem = if pw.chars().count() < MIN_EXPORT_PASSWORD_LEN {
            Some(AppError::invalid(
                "password",
                format!("Use at least {MIN_EXPORT_PASSWORD_LEN} characters."),
            ))
        } else if pw != again {
            Some(AppError::invalid(
                "password_confirm",
                "The passwords do not match.",
            ))
        } else {
            None
        };
        started.set(problem.is_none());
        if problem.is_some() {
            // The server would refuse it too, but as a page of JSON instead of this form.
            ev.prevent_default();
        } else {
            // After the browser has read the form: do not leave the password on screen.
            set_timeout(
                move || {
                    password.set(String::new());
                    confirm.set(String::new());
                    current.set(String::new());
                },
                Duration::from_millis(0),
            );
        }
        error.set(problem);
    };
    let errors = FieldErrors::new("export", error);
    view! {
        <section class="panel" aria-labelledby="export-title">
            <h2 id="export-title">"Export"</h2>
            <p class="hint">
                "Downloads a backup of the current data, encrypted with a password (age format; "
                <code>"age -d"</code> " decrypts it). Keep the password: without it the file "
                "cannot be read or imported."
            </p>
            <form method="post" action=EXPORT_URL on:submit=check aria-label="Export">
                <div class="form-grid">
                    <div class="field">
                        <label>
                            "Export password"
                            <input
                                type="password"
                                name="password"
                                autocomplete="new-password"
                                required
                                prop:value=move || password.get()
                                on:input=move |ev| password.set(event_target_value(&ev))
                                aria-invalid=errors.invalid("password")
                                aria-describedby="export-strength export-password-error"
                            />
                        </label>
                        <span id="export-strength" class=move || format!("strength {}", strength(&password.get()).0) aria-live="polite">
                            {move || strength(&password.get()).1}
                        </span>
                        {errors.at("password")}
                    </div>
                    <div class="field">
                        <label>
                            "Confirm export password"
                            <input
                                type="password"
                                name="password_confirm"
                                autocomplete="new-password"
                                required
                                prop:value=move || confirm.get()
                                on:input=move |ev| confirm.set(event_target_value(&ev))
                                aria-invalid=errors.invalid("password_confirm")
                                aria-describedby="export-password_confirm-error"
                            />
                        </label>
                        {errors.at("password_confirm")}
                    </div>
                    <div class="field">
                        <label>
                            "Your sign-in password"
                            <input
                                type="password"
                                name="current_password"
                                autocomplete="current-password"
                                required
                                prop:value=move || current.get()
                                on:input=move |ev| current.set(event_target_value(&ev))
                            />
                        </label>
                        <span class="hint">"An export needs it entered again."</span>
                    </div>
                </div>
                <button type="submit" class="primary">"Export encrypted backup"</button>
                <Show when=move || started.get()>
                    <span class="form-ok-inline" role="status">
                        "Preparing the file; your browser saves it when it is ready."
                    </span>
                </Show>
            </form>
        </section>
    }
}

#[component]
pub fn ImportForm(
    catalogue: RwSignal<u64>,
    restore_target: RwSignal<Option<RestoreTarget>>,
) -> impl IntoView {
    let form = NodeRef::<leptos::html::Form>::new();
    let uploading = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<BackupValidation, AppError>>);
    let validate = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if uploading.get_untracked() {
            return;
        }
        uploading.set(true);
        outcome.set(None);
        leptos::task::spawn_local(async move {
            let result = upload_for_import(form).await;
            if result.is_ok() {
                // A sound upload is kept as an "imported" backup.
                catalogue.update(|n| *n += 1);
            }
            outcome.set(Some(result));
            uploading.set(false);
        });
    };
    let errors = FieldErrors::new(
        "import",
        Signal::derive(move || outcome.get().and_then(|r| r.err())),
    );
    view! {
        <section class="panel" aria-labelledby="import-title">
            <h2 id="import-title">"Import"</h2>
            <p class="hint">
                "Upload an exported file (" <code>".rewind.age"</code> ", with its password) or a "
                "downloaded backup (" <code>".rewind.tar.gz"</code> "). It is checked first; "
                "nothing changes until you import it and the Owner approves."
            </p>
            <form node_ref=form on:submit=validate aria-label="Import">
                <div class="form-grid">
                    <div class="field">
                        <label>
                            "Backup file"
                            <input
                                type="file"
                                name="file"
                                required
                                accept=".age,.gz,.rewind"
                                aria-invalid=errors.invalid("file")
                                aria-describedby="import-file-error"
                                on:change=move |_| outcome.set(None)
                            />
                        </label>
                        {errors.at("file")}
                    </div>
                    <div class="field">
                        <label>
                            "Backup password"
                            <input
                                type="password"
                                name="password"
                                autocomplete="off"
                                aria-invalid=errors.invalid("password")
                                aria-describedby="import-password-error"
                            />
                        </label>
                        {errors.at("password")}
                    </div>
                </div>
                <button type="submit" aria-disabled=move || uploading.get().to_string()>"Validate"</button>
                <Show when=move || uploading.get()>
                    <span class="loading" role="status">"Uploading and checking the file…"</span>
                </Show>
            </form>
            {errors.rest(&["file", "password"])}
            {move || outcome.get().and_then(|r| r.ok()).map(|valid| view! {
                <Validated valid restore_target/>
            })}
        </section>
    }
}

#[component]
fn Validated(
    valid: BackupValidation,
    restore_target: RwSignal<Option<RestoreTarget>>,
) -> impl IntoView {
    let (upload, name, created_at) = (valid.upload.clone(), valid.label.clone(), valid.created_at);
    // Import adds the checked file to the catalogue (only now), then asks for the code.
    let import = ServerAction::<crate::api::system_backup::ImportCheckedBackup>::new();
    Effect::new(move |_| {
        if let Some(Ok(backup_id)) = import.value().get() {
            restore_target.set(Some(RestoreTarget {
                backup_id,
                name: name.clone(),
                created_at,
            }));
        }
    });
    view! {
        <div class="validated" role="status" aria-label="Checked backup">
            <p>
                <strong>"The file is a sound backup: "</strong>
                {format!("“{}”", valid.label)} ", taken " <When at=valid.created_at/>
                {format!(" by {}.", valid.created_by)}
            </p>
            {match holds(&valid.contents) {
                Some(text) => view! { <p class="backup-holds">{text}</p> }.into_any(),
                None => view! {
                    <p>"This backup was made before backups recorded what they hold; its tables are listed below."</p>
                }.into_any(),
            }}
            <details class="block">
                <summary>"Tables and versions"</summary>
                <p class="hint">
                    {format!(
                        "{} (every version of every object). Schema version {} (this server: {}).",
                        format_rows(valid.total_rows, valid.tables.len()),
                        valid.schema_version, valid.server_schema_version
                    )}
                </p>
                <ContentsTable caption="Contents of the uploaded backup".to_string() tables=valid.tables.clone()/>
            </details>
            <FormError result=import.value().into()/>
            <button type="button" class="primary" disabled=move || import.pending().get()
                on:click=move |_| {
                    import.dispatch(crate::api::system_backup::ImportCheckedBackup { upload: upload.clone() });
                }>
                "Import"
            </button>
        </div>
    }
}

/// "It holds 198 users, 40 groups, 12 roles…": current objects when the backup was taken.
fn holds(contents: &[crate::model::ObjectCount]) -> Option<String> {
    if contents.is_empty() {
        return None;
    }
    let parts: Vec<String> = contents
        .iter()
        .map(|c| format!("{} {}", c.count, c.label.to_lowercase()))
        .collect();
    Some(format!("It holds {}.", parts.join(", ")))
}
