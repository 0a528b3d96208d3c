//! History retention: how long history is kept, what pruning deletes, and the latest run.
//! Everyone who sees the page sees the setting; only the Owner changes it, and a shorter
//! period than the one in force needs an explicit confirmation (the server checks it too).
use crate::api::retention::{get_history_retention, SetHistoryRetention};
use crate::error::AppError;
use crate::model::{
    describe_retention, retention_cutoff, retention_shortens, HistoryRetention, Permission,
    MAX_RETENTION_MONTHS,
};
use crate::ui::components::{loaded, needs_password, permitted, ConfirmPasswordPrompt};
use crate::ui::components::{FieldErrors, When};
use leptos::prelude::*;

#[component]
pub fn RetentionForm() -> impl IntoView {
    let retention = Resource::new(|| (), |_| get_history_retention());
    view! {
        <section class="panel" aria-labelledby="retention-title">
            <h2 id="retention-title">"History retention"</h2>
            <p class="hint">
                "How long the history of the identity data is kept. Once a day, what ended "
                "before the cutoff (now minus this period) is deleted for good: earlier versions "
                "of users, groups, memberships and every other record, closed snapshots, and "
                "the change feed's records of older changes (a follower that is further behind "
                "must read everything again). Objects deleted before the cutoff leave the "
                "recycle bin and can no longer be recovered. Kept always: the current data, "
                "every version still in force at the cutoff (so the directory as of any "
                "instant after the cutoff stays exact), each user's newest snapshot, and the "
                "audit log. Backups taken earlier keep the full history."
            </p>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || loaded(async move {
                    retention.await.map(|current| view! { <RetentionEditor current/> })
                })}
            </Transition>
        </section>
    }
}

/// The period as the form edits it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Years,
    Months,
}

fn months_of(amount: &str, unit: Unit) -> Option<i64> {
    let amount: i64 = amount.trim().parse().ok().filter(|n| *n >= 1)?;
    Some(match unit {
        Unit::Years => amount.checked_mul(12)?,
        Unit::Months => amount,
    })
}

#[component]
fn RetentionEditor(current: HistoryRetention) -> impl IntoView {
    let save = ServerAction::<SetHistoryRetention>::new();
    let saved = RwSignal::new(current.clone());
    Effect::new(move |_| {
        if let Some(Ok(retention)) = save.value().get() {
            saved.set(retention);
        }
    });
    let forever = RwSignal::new(current.keep_months.is_none());
    let (amount, unit) = match current.keep_months {
        Some(m) if m % 12 == 0 => (m / 12, Unit::Years),
        Some(m) => (m, Unit::Months),
        None => (10, Unit::Years),
    };
    let amount = RwSignal::new(amount.to_string());
    let unit = RwSignal::new(unit);
    let confirmed = RwSignal::new(false);
    let local = RwSignal::new(None::<AppError>);
    // The months chosen; Err when the number cannot be read.
    let chosen = move || -> Result<Option<i64>, ()> {
        if forever.get() {
            Ok(None)
        } else {
            months_of(&amount.get(), unit.get()).map(Some).ok_or(())
        }
    };
    let shortens =
        move || chosen().is_ok_and(|new| retention_shortens(saved.get().keep_months, new));
    // Any change of the period asks for the confirmation afresh.
    Effect::new(move |_| {
        let _ = chosen();
        confirmed.set(false);
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if save.pending().get_untracked() {
            return;
        }
        let Ok(keep_months) = untrack(chosen) else {
            local.set(Some(AppError::invalid(
                "keep_months",
                "Enter a whole number of years or months, at least 1.",
            )));
            return;
        };
        if untrack(shortens) && !confirmed.get_untracked() {
            local.set(Some(AppError::invalid(
                "confirm_shorter",
                "Confirm that this history is deleted for good.",
            )));
            return;
        }
        local.set(None);
        save.dispatch(SetHistoryRetention {
            keep_months,
            confirm_shorter: confirmed.get_untracked(),
        });
    };
    let errors = FieldErrors::new(
        "retention",
        Signal::derive(move || {
            local
                .get()
                .or_else(|| save.value().get().and_then(|r| r.err()))
                .filter(|e| *e != AppError::PasswordConfirmationRequired)
        }),
    );
    let status = move || {
        let retention = saved.get();
        let kept = match retention.keep_months {
            None => "History is kept forever: nothing is pruned.".to_string(),
            Some(_) => format!(
                "History is kept for {}.",
                describe_retention(retention.keep_months)
            ),
        };
        let changed = retention.updated_at.map(|at| {
            view! { " Set by " {retention.updated_by.clone()} " " <When at/> "." }
        });
        let last = retention.last_run.map(|run| {
            view! {
                " Last pruning: "
                {run.at.map(|at| view! { <When at/> })}
                {format!(", {}.", run.describe())}
            }
        });
        view! { {kept} {changed} {last} }
    };
    let may_change = permitted(Permission::RetentionConfigure);
    view! {
        <p role="status">{status}</p>
        {(!may_change).then(|| view! {
            <p class="hint">"Only the Owner can change how long history is kept."</p>
        })}
        {may_change.then(|| view! {
            <form on:submit=submit aria-label="History retention" novalidate=true>
                <fieldset>
                    <legend>"Keep history"</legend>
                    <label class="checkbox">
                        <input
                            type="radio"
                            name="retention"
                            value="forever"
                            prop:checked=move || forever.get()
                            on:change=move |_| forever.set(true)
                        />
                        "Forever"
                    </label>
                    <label class="checkbox">
                        <input
                            type="radio"
                            name="retention"
                            value="period"
                            prop:checked=move || !forever.get()
                            on:change=move |_| forever.set(false)
                        />
                        "For a period"
                    </label>
                    <div class="form-grid">
                        <div class="field">
                            <label>
                                "Period"
                                <input
                                    type="number"
                                    name="keep_amount"
                                    min="1"
                                    max=MAX_RETENTION_MONTHS.to_string()
                                    prop:value=move || amount.get()
                                    on:input=move |ev| amount.set(event_target_value(&ev))
                                    disabled=move || forever.get()
                                    aria-invalid=errors.invalid("keep_months")
                                    aria-describedby="retention-keep_months-error"
                                />
                            </label>
                            {errors.at("keep_months")}
                        </div>
                        <div class="field">
                            <label>
                                "Unit"
                                <select
                                    name="keep_unit"
                                    prop:value=move || match unit.get() {
                                        Unit::Years => "years",
                                        Unit::Months => "months",
                                    }
                                    on:change=move |ev| unit.set(
                                        if event_target_value(&ev) == "months" { Unit::Months } else { Unit::Years }
                                    )
                                    disabled=move || forever.get()
                                >
                                    <option value="years">"Years"</option>
                                    <option value="months">"Months"</option>
                                </select>
                            </label>
                        </div>
                    </div>
                </fieldset>
                <Show when=shortens>
                    <div class="warning" role="alert">
                        <p>
                            {move || {
                                let new = chosen().ok().flatten();
                                let cutoff = retention_cutoff(new, chrono::Utc::now())
                                    .map(|c| c.format("%Y-%m-%d").to_string())
                                    .unwrap_or_default();
                                format!(
                                    "Keeping history for {} deletes, at the next daily run, \
                                     everything that ended before {cutoff}: earlier versions, \
                                     closed snapshots, change feed records, and objects \
                                     deleted before then (they leave the recycle bin). This \
                                     cannot be undone.",
                                    describe_retention(new)
                                )
                            }}
                        </p>
                        <label class="checkbox">
                            <input
                                type="checkbox"
                                name="confirm_shorter"
                                prop:checked=move || confirmed.get()
                                on:change=move |ev| confirmed.set(event_target_checked(&ev))
                                aria-invalid=errors.invalid("confirm_shorter")
                                aria-describedby="retention-confirm_shorter-error"
                            />
                            "I understand that this history is deleted for good"
                        </label>
                        {errors.at("confirm_shorter")}
                    </div>
                </Show>
                {errors.rest(&["keep_months", "confirm_shorter"])}
                <button
                    type="submit"
                    class=move || if shortens() { "danger" } else { "primary" }
                    aria-disabled=move || {
                        (save.pending().get() || (shortens() && !confirmed.get())).to_string()
                    }
                >
                    "Save retention"
                </button>
                {move || matches!(save.value().get(), Some(Ok(_))).then(|| view! {
                    <span class="form-ok-inline" role="status">"Saved."</span>
                })}
            </form>
            <ConfirmPasswordPrompt needed=Signal::derive(move || needs_password(save.value().get()))/>
        })}
    }
}
