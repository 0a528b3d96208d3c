//! Restoring one user, shared by the Backups tab (from a snapshot) and the History tab (to
//! any point of the timeline): preview with a choice per change, apply, undo; and the view
//! of the differences between two states.
use crate::api::snapshots::{plan_restore, ApplyRestore};
use crate::error::AppError;
use crate::model::{
    attribute_label, AccountState, GrantState, ListDiff, MailListState, MembershipState,
    Permission, PrinterState, RestoreMode, RestorePlan, RestoreSelection, RestoreSource, StateDiff,
};
use crate::ui::components::{capitalised, format_time, FormError, Modal};
use leptos::prelude::*;

pub fn may_restore() -> bool {
    crate::ui::components::permitted(Permission::BackupRestore)
}

/// The state of one user's restore: the plan being previewed, the last outcome, and the
/// snapshot that undoes it.
#[derive(Clone, Copy)]
pub struct RestoreFlow {
    user: Memo<i64>,
    plan: RwSignal<Option<RestorePlan>>,
    error: RwSignal<Option<AppError>>,
    apply: ServerAction<ApplyRestore>,
    /// The snapshot that described the user just before the last restore.
    undo_target: RwSignal<Option<i64>>,
    /// Whether the restore being applied may be undone (an undo itself is not).
    offer_undo: StoredValue<bool>,
    undone: RwSignal<bool>,
}

impl RestoreFlow {
    /// `applied` runs after every successful restore (to reload what the page shows).
    pub fn new(user: Memo<i64>, applied: impl Fn() + Send + Sync + 'static) -> Self {
        let flow = Self {
            user,
            plan: RwSignal::new(None),
            error: RwSignal::new(None),
            apply: ServerAction::new(),
            undo_target: RwSignal::new(None),
            offer_undo: StoredValue::new(false),
            undone: RwSignal::new(false),
        };
        Effect::new(move |_| {
            if let Some(Ok(outcome)) = flow.apply.value().get() {
                let undo = flow.offer_undo.get_value().then_some(outcome.undo_snapshot);
                flow.undo_target.set(undo.flatten());
                flow.plan.set(None);
                applied();
                if let Some(page) = use_context::<super::detail::UserContext>() {
                    page.changes.update(|n| *n += 1);
                }
            }
        });
        flow
    }

    /// Plans a restore from `source` and opens the preview.
    pub fn open(self, source: RestoreSource, mode: RestoreMode) {
        let user = self.user.get_untracked();
        leptos::task::spawn_local(async move {
            match plan_restore(user, source, RestoreSelection::everything(), mode).await {
                Ok(plan) => {
                    self.error.set(None);
                    self.plan.set(Some(plan));
                }
                Err(e) => self.error.set(Some(e)),
            }
        });
    }

    fn confirm(self) {
        if let Some(plan) = self.plan.get_untracked() {
            self.undone.set(false);
            self.offer_undo.set_value(true);
            self.apply.dispatch(ApplyRestore { plan });
        }
    }

    fn undo(self) {
        let Some(target) = self.undo_target.get_untracked() else {
            return;
        };
        self.undo_target.set(None);
        let user = self.user.get_untracked();
        leptos::task::spawn_local(async move {
            let source = RestoreSource::Snapshot(target);
            match plan_restore(
                user,
                source,
                RestoreSelection::everything(),
                RestoreMode::Exact,
            )
            .await
            {
                Ok(plan) => {
                    self.offer_undo.set_value(false);
                    self.undone.set(true);
                    self.apply.dispatch(ApplyRestore { plan });
                }
                Err(e) => self.error.set(Some(e)),
            }
        });
    }
}

/// The outcome of the last restore in words, with Undo, and any refusal.
#[component]
pub fn RestoreStatus(flow: RestoreFlow) -> impl IntoView {
    let apply = flow.apply;
    view! {
        {move || apply.value().get().and_then(|r| r.ok()).map(|outcome| view! {
            <div class="toast" role="status">
                {move || if apply.pending().get() {
                    "Applying…".to_string()
                } else if flow.undone.get() {
                    "Restore undone: the user is as before it".to_string()
                } else {
                    outcome.in_words()
                }} " "
                {move || flow.undo_target.get().is_some().then(|| view! {
                    <button type="button" on:click=move |_| flow.undo()>"Undo restore"</button>
                })}
            </div>
        })}
        <FormError result=apply.value().into()/>
        {move || flow.error.get().map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
        {move || flow.plan.get().map(|current| view! { <RestoreDialog flow current/> })}
    }
}

/// The preview: every change with a checkbox (blocked ones say why), the mode, Confirm.
#[component]
fn RestoreDialog(flow: RestoreFlow, current: RestorePlan) -> impl IntoView {
    let plan = flow.plan;
    let source = current.source;
    let mode = current.mode;
    let (label, exact_label, nothing) = match source {
        RestoreSource::Snapshot(_) => (
            "Restore snapshot".to_string(),
            "Make exactly like the snapshot",
            "Nothing to change: the user already matches this snapshot.",
        ),
        RestoreSource::Instant(at) => (
            format!("Restore to {}", format_time(at)),
            "Make exactly as it was then",
            "Nothing to change: the user is already as it was then.",
        ),
    };
    let items = current
        .items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let blocked = item.blocked.clone();
            let row_class = if blocked.is_some() { "blocked" } else { "" };
            let label = capitalised(&item.description);
            view! {
                <li class=row_class>
                    {match blocked {
                        Some(reason) => view! {
                            <span>{label}</span>
                            <span class="reason">{format!(" — cannot be restored: {reason}")}</span>
                        }.into_any(),
                        None => view! {
                            <label class="check">
                                <input type="checkbox" checked=item.selected
                                    on:change=move |ev| {
                                        let checked = event_target_checked(&ev);
                                        plan.update(|p| if let Some(p) = p { p.items[index].selected = checked });
                                    }/>
                                {label}
                            </label>
                        }.into_any(),
                    }}
                </li>
            }
        })
        .collect_view();
    let empty = current.items.is_empty();
    view! {
        <Modal label on_close=move |_| plan.set(None)>
                <fieldset>
                    <legend>"Mode"</legend>
                    <label class="check">
                        <input type="radio" name="restore-mode" checked=mode == RestoreMode::Exact
                            on:change=move |_| flow.open(source, RestoreMode::Exact)/>
                        {exact_label}
                    </label>
                    <label class="check">
                        <input type="radio" name="restore-mode" checked=mode == RestoreMode::AddMissing
                            on:change=move |_| flow.open(source, RestoreMode::AddMissing)/>
                        "Only add back what is missing"
                    </label>
                </fieldset>
                <h3>"Changes"</h3>
                {if empty {
                    view! { <p>{nothing}</p> }.into_any()
                } else {
                    view! { <ul class="restore-items">{items}</ul> }.into_any()
                }}
                <div class="toolbar">
                    <button type="button" class="primary" disabled=empty
                        on:click=move |_| flow.confirm()>
                        "Confirm restore"
                    </button>
                    <button type="button" on:click=move |_| plan.set(None)>"Cancel"</button>
                </div>
        </Modal>
    }
}

/// One kind of item in a diff: "− removed", "+ added", "~ changed: what" (nothing when no
/// item of this kind differs).
fn diff_section<T>(
    title: &'static str,
    list: &ListDiff<T>,
    title_of: fn(&T) -> String,
    changes: fn(&T, &T) -> Vec<String>,
) -> Option<AnyView> {
    if list.is_empty() {
        return None;
    }
    let removed = list
        .removed
        .iter()
        .map(|r| view! { <li class="removed">{format!("− {}", title_of(r))}</li> });
    let added = list
        .added
        .iter()
        .map(|a| view! { <li class="added">{format!("+ {}", title_of(a))}</li> });
    let changed = list.changed.iter().map(|(old, new)| {
        view! { <li class="changed">{format!("~ {}: {}", title_of(new), changes(new, old).join("; "))}</li> }
    });
    Some(
        view! {
            <div class="diff-list">
                <h4>{title}</h4>
                <ul>
                    {removed.collect_view()}
                    {added.collect_view()}
                    {changed.collect_view()}
                </ul>
            </div>
        }
        .into_any(),
    )
}

/// The items of a diff by kind, without headings or legend (a timeline entry shows these).
pub fn diff_lists(diff: &StateDiff) -> impl IntoView {
    view! {
        {diff_section("Group memberships", &diff.memberships, |m| m.group_name.clone(), MembershipState::changes_from)}
        {diff_section("Accounts", &diff.accounts, AccountState::title, AccountState::changes_from)}
        {diff_section("Roles", &diff.grants, GrantState::title, GrantState::changes_from)}
        {diff_section("Mail lists", &diff.mail_lists, MailListState::title, MailListState::changes_from)}
        {diff_section("Printers", &diff.printers, PrinterState::title, PrinterState::changes_from)}
    }
}

/// Attributes that differ, as a table: the older value beside the newer one.
pub fn attribute_table(diff: &StateDiff, before: String, after: String) -> Option<AnyView> {
    (!diff.attributes.is_empty()).then(|| {
        let rows = diff
            .attributes
            .iter()
            .map(|c| view! {
                <tr>
                    <th scope="row">{attribute_label(&c.name)}</th>
                    <td class="removed">{c.before.clone()}</td>
                    <td class="added">{c.after.clone()}</td>
                </tr>
            })
            .collect_view();
        view! {
            <table class="data-table diff-table" aria-label="Changed attributes">
                <thead><tr><th scope="col">"Attribute"</th><th scope="col">{before}</th><th scope="col">{after}</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    })
}

/// Two states side by side: what differs, `before` (older) against `after` (newer).
#[component]
pub fn DiffView(
    diff: StateDiff,
    #[prop(into)] heading: String,
    #[prop(into)] before: String,
    #[prop(into)] after: String,
) -> impl IntoView {
    // Brought into view when it appears: it is what the operator asked for.
    let panel = NodeRef::<leptos::html::Section>::new();
    Effect::new(move |_| {
        if let Some(panel) = panel.get() {
            panel.scroll_into_view();
        }
    });
    if diff.is_empty() {
        return view! {
            <section class="panel" aria-label="Differences" node_ref=panel>
                <h3>{heading}</h3>
                <p class="notice">"No differences."</p>
            </section>
        }
        .into_any();
    }
    let legend = format!(
        "+ only in {} · − only in {} · ~ different",
        after.to_lowercase(),
        before.to_lowercase()
    );
    view! {
        <section class="panel" aria-label="Differences" node_ref=panel>
            <h3>{heading}</h3>
            <p class="hint">{legend}</p>
            {attribute_table(&diff, before, after)}
            {diff_lists(&diff)}
        </section>
    }
    .into_any()
}
