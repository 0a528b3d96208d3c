//! The restore dialog: a warning, the request for the Owner's one-time code, the code, and the
//! restore's progress. The page reloads when the data has been replaced.
use super::browser::reload_page;
use super::{follow_job, JobProgress, RestoreTarget};
use crate::api::system_backup::{confirm_restore, request_restore};
use crate::error::AppError;
use crate::model::{BackupJob, Operator, OperatorRole, RestoreRequest};
use crate::ui::components::When;
use crate::ui::components::{ConfirmPasswordPrompt, FieldErrors, Modal};
use crate::ui::layout::InboxRefresh;
use leptos::prelude::*;

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Warn,
    Code(RestoreRequest),
    Restoring,
    Done,
    Failed(String),
}

#[component]
pub fn RestoreDialog(target: RwSignal<Option<RestoreTarget>>) -> impl IntoView {
    let open = RwSignal::new(false);
    let step = RwSignal::new(Step::Warn);
    let error = RwSignal::new(None::<AppError>);
    let code = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let job = RwSignal::new(None::<BackupJob>);
    let inbox = use_context::<InboxRefresh>();
    let is_owner = use_context::<Operator>().is_some_and(|o| o.role == OperatorRole::Owner);
    let code_input = NodeRef::<leptos::html::Input>::new();
    let working = Signal::derive(move || matches!(step.get(), Step::Restoring | Step::Done));

    // Choosing a backup opens the dialog at the warning.
    Effect::new(move |_| {
        if target.get().is_some() {
            step.set(Step::Warn);
            error.set(None);
            code.set(String::new());
            job.set(None);
            open.set(true);
        }
    });
    // Closing forgets the choice, so the same backup can be chosen again.
    Effect::new(move |_| {
        if !open.get() && target.get_untracked().is_some() {
            target.set(None);
        }
    });

    let request_code = move || {
        let Some(chosen) = target.get_untracked() else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match request_restore(chosen.backup_id).await {
                Ok(request) => {
                    code.set(String::new());
                    step.set(Step::Code(request));
                    if let Some(InboxRefresh(bump)) = inbox {
                        bump.update(|n| *n += 1);
                    }
                }
                Err(problem) => error.set(Some(problem)),
            }
            busy.set(false);
        });
    };
    let on_end = Callback::new(move |result: Result<BackupJob, String>| match result {
        Ok(_) => {
            step.set(Step::Done);
            reload_page();
        }
        Err(message) => step.set(Step::Failed(message)),
    });
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Step::Code(request) = step.get_untracked() else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let entered = code.get_untracked().trim().to_string();
        leptos::task::spawn_local(async move {
            match confirm_restore(request.id, entered).await {
                Ok(started) => {
                    let id = started.id;
                    job.set(Some(started));
                    step.set(Step::Restoring);
                    follow_job(id, job, on_end);
                }
                Err(problem) => {
                    error.set(Some(problem));
                    // Back to the field its message is about, ready for another try.
                    if let Some(input) = code_input.get_untracked() {
                        let _ = input.focus();
                        input.select();
                    }
                }
            }
            busy.set(false);
        });
    };
    let close = move |_| open.set(false);
    let errors = FieldErrors::new("restore", error);
    Effect::new(move |_| {
        if let Some(input) = code_input.get() {
            let _ = input.focus();
        }
    });

    view! {
        <Show when=move || open.get()>
        <Modal
            label=target.get_untracked().map(|t| format!("Restore “{}”", t.name)).unwrap_or_else(|| "Restore".into())
            on_close=move |_| open.set(false)
            locked=working
        >
            {move || match step.get() {
                Step::Warn => view! {
                    <p class="warning">
                        <strong>"All current identity data will be overwritten"</strong>
                        " by this backup"
                        {target.get().map(|t| view! { " of " <When at=t.created_at/> })}
                        ". Changes made since then are lost. Operators, sessions and the audit "
                        "log are kept."
                    </p>
                    <p>"The Owner approves a restore with a one-time code sent to their inbox."</p>
                    {errors.rest(&["code"])}
                    <div class="dialog-buttons">
                        <button type="button" class="danger" aria-disabled=move || busy.get().to_string() on:click=move |_| request_code()>
                            "Request approval code"
                        </button>
                        <button type="button" on:click=close>"Cancel"</button>
                    </div>
                }.into_any(),
                Step::Code(request) => view! {
                    <p>
                        {if is_owner {
                            "A one-time code was sent to your inbox"
                        } else {
                            "A one-time code was sent to the Owner's inbox; ask the Owner for it"
                        }}
                        {request.emailed.then_some(" and by email")}
                        {format!(". It is valid until {}.", request.expires_at.format("%H:%M UTC"))}
                    </p>
                    {is_owner.then(|| view! {
                        <p><a href="/inbox" target="_blank" rel="external">"Open the inbox in a new tab"</a></p>
                    })}
                    <form on:submit=confirm aria-label="Approve restore">
                        <label>
                            "Approval code"
                            <input
                                type="text"
                                name="code"
                                node_ref=code_input
                                inputmode="numeric"
                                autocomplete="one-time-code"
                                required
                                prop:value=move || code.get()
                                on:input=move |ev| code.set(event_target_value(&ev))
                                aria-invalid=errors.invalid("code")
                                aria-describedby="restore-code-error"
                            />
                        </label>
                        {errors.at("code")}
                        {errors.rest(&["code"])}
                        <div class="dialog-buttons">
                            <button type="submit" class="danger" aria-disabled=move || busy.get().to_string()>"Restore now"</button>
                            <button type="button" aria-disabled=move || busy.get().to_string() on:click=move |_| request_code()>
                                "Send a new code"
                            </button>
                            <button type="button" on:click=close>"Cancel"</button>
                        </div>
                    </form>
                    <ConfirmPasswordPrompt needed=Signal::derive(move || {
                        matches!(error.get(), Some(AppError::PasswordConfirmationRequired))
                    })/>
                }.into_any(),
                Step::Restoring => view! {
                    <p role="status">"Restoring… The page reloads when the data is in place."</p>
                    <JobProgress job label="Restore progress"/>
                }.into_any(),
                Step::Done => view! {
                    <p role="status">"The restore is complete. Reloading…"</p>
                }.into_any(),
                Step::Failed(message) => view! {
                    <p class="form-error" role="alert">
                        "The restore failed and nothing was changed: " {message}
                    </p>
                    <div class="dialog-buttons">
                        <button type="button" on:click=close>"Close"</button>
                    </div>
                }.into_any(),
            }}
        </Modal>
        </Show>
    }
}
