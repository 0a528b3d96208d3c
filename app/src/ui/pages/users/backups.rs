use crate::api::snapshots::{diff_snapshots, list_snapshots, plan_restore, ApplyRestore};
use crate::error::AppError;
use crate::model::{
    attribute_label, AccountState, GrantState, HistoryKind, ListDiff, MailListState,
    MembershipState, Permission, RestoreMode, RestorePlan, RestoreSelection, StateDiff,
};
use crate::ui::components::MaybeWhen;
use crate::ui::components::{capitalised, format_time, loaded, FormError, Modal};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

fn may_restore() -> bool {
    crate::ui::components::permitted(Permission::BackupRestore)
}

/// The user's snapshots: download, compare with now, restore (with preview) and undo.
#[component]
pub fn UserBackupsTab() -> impl IntoView {
    let params = use_params_map();
    let user = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    });
    let changes = RwSignal::new(0u64);
    let snapshots = Resource::new(
        move || (user.get(), changes.get()),
        |(user, _)| list_snapshots(user),
    );
    let compare = RwSignal::new(None::<i64>);
    // What the chosen snapshot is compared with: "" = the user now, else another snapshot.
    let compare_to = RwSignal::new(String::new());
    let diff = Resource::new(
        move || (compare.get(), compare_to.get()),
        |(from, to)| async move {
            match from {
                Some(from) => diff_snapshots(from, to.parse().ok()).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let plan = RwSignal::new(None::<RestorePlan>);
    let plan_error = RwSignal::new(None::<AppError>);
    let apply = ServerAction::<ApplyRestore>::new();
    // The snapshot that described the user just before the last restore: Undo goes back to it.
    let undo_target = RwSignal::new(None::<i64>);
    let pending_undo_target = StoredValue::new(None::<i64>);
    Effect::new(move |_| {
        if let Some(Ok(outcome)) = apply.value().get() {
            // An undo is not itself undone from here.
            undo_target.set(pending_undo_target.get_value().and(outcome.undo_snapshot));
            plan.set(None);
            changes.update(|n| *n += 1);
            compare.set(None);
            if let Some(page) = use_context::<super::detail::UserContext>() {
                page.changes.update(|n| *n += 1);
            }
        }
    });
    let open_restore = move |snapshot: i64, mode: RestoreMode| {
        let user = user.get_untracked();
        leptos::task::spawn_local(async move {
            match plan_restore(user, snapshot, RestoreSelection::everything(), mode).await {
                Ok(p) => {
                    plan_error.set(None);
                    plan.set(Some(p));
                }
                Err(e) => plan_error.set(Some(e)),
            }
        });
    };
    // Whether the newest outcome is an undo, so the message says which it was.
    let undone = RwSignal::new(false);
    let confirm_restore = move |_| {
        if let Some(p) = plan.get_untracked() {
            undone.set(false);
            pending_undo_target.set_value(Some(p.snapshot));
            apply.dispatch(ApplyRestore { plan: p });
        }
    };
    let undo = move |_| {
        if let Some(target) = undo_target.get_untracked() {
            undo_target.set(None);
            let user = user.get_untracked();
            leptos::task::spawn_local(async move {
                match plan_restore(
                    user,
                    target,
                    RestoreSelection::everything(),
                    RestoreMode::Exact,
                )
                .await
                {
                    Ok(p) => {
                        pending_undo_target.set_value(None);
                        undone.set(true);
                        apply.dispatch(ApplyRestore { plan: p });
                    }
                    Err(e) => plan_error.set(Some(e)),
                }
            });
        }
    };

    view! {
        <h2>"Backups"</h2>
        <div class="toolbar">
            <a class="button" download="" href=move || format!("/files/snapshots.csv?user={}", user.get())>"Download CSV"</a>
            <details class="menu">
                <summary>"History"</summary>
                <div class="menu-items">
                    <super::detail::HistoryButton kind=HistoryKind::Memberships label="Groups history"/>
                    <super::detail::HistoryButton kind=HistoryKind::Accounts label="Accounts history"/>
                    <super::detail::HistoryButton kind=HistoryKind::Grants label="Roles history"/>
                    <super::detail::HistoryButton kind=HistoryKind::MailLists label="Mail lists history"/>
                </div>
            </details>
        </div>
        {move || apply.value().get().and_then(|r| r.ok()).map(|outcome| view! {
            <div class="toast" role="status">
                {move || if apply.pending().get() {
                    "Applying…".to_string()
                } else if undone.get() {
                    "Restore undone: the user is as before it".to_string()
                } else {
                    outcome.in_words()
                }} " "
                {move || undo_target.get().is_some().then(|| view! {
                    <button type="button" on:click=undo>"Undo restore"</button>
                })}
            </div>
        })}
        <FormError result=apply.value().into()/>
        {move || plan_error.get().map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                snapshots.await.map(|list| view! {
                    <table class="data-table" aria-label="Snapshots">
                        <thead><tr><th>"Valid since"</th><th>"Valid until"</th><th>"Size"</th><th>"Actions"</th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|s| {
                                let id = s.id;
                                let since = format_time(s.valid_since);
                                view! {
                                    <tr data-snapshot=id>
                                        <td>{since.clone()}</td>
                                        <td><MaybeWhen at=s.valid_until/></td>
                                        <td>{format!("{} bytes", s.size)}</td>
                                        <td class="actions">
                                            <a href=format!("/files/snapshots/{id}.xml") download=format!("snapshot-{id}.xml")
                                                aria-label=format!("Download XML of the snapshot of {since}")>"Download XML"</a>
                                            " "
                                            <button type="button" aria-label=format!("Compare the snapshot of {since} with now")
                                                on:click=move |_| compare.set(Some(id))>"Compare"</button>
                                            {may_restore().then(|| view! {
                                                <button type="button" aria-label=format!("Restore the snapshot of {since}")
                                                    on:click=move |_| open_restore(id, RestoreMode::Exact)>"Restore"</button>
                                            })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                })
            })}
        </Transition>
        // Inside a `<Transition>`: it reads the snapshots resource.
        <Transition fallback=|| ()>
        {move || compare.get().is_some().then(|| view! {
            <label class="inline">
                "Compare with"
                <select bind:value=compare_to>
                    <option value="">"The user now"</option>
                    {move || snapshots.get().and_then(|r| r.ok()).unwrap_or_default().into_iter()
                        .filter(|s| Some(s.id) != compare.get())
                        .map(|s| view! {
                            <option value=s.id.to_string()>{format!("The snapshot of {}", format_time(s.valid_since))}</option>
                        }).collect_view()}
                </select>
            </label>
        })}
        </Transition>
        <Transition fallback=|| ()>
            {move || loaded(async move {
                let against_now = compare_to.get_untracked().is_empty();
                diff.await.map(|diff| diff.map(|diff| view! { <DiffView diff against_now/> }))
            })}
        </Transition>
        {move || plan.get().map(|current| view! { <RestoreDialog plan current_plan=current confirm_restore open_restore/> })}
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

#[component]
fn DiffView(diff: StateDiff, against_now: bool) -> impl IntoView {
    let (heading, other, legend) = if against_now {
        (
            "Snapshot compared with the current state",
            "Now",
            "+ there now, not in the snapshot · − in the snapshot, gone now · ~ changed since",
        )
    } else {
        (
            "Snapshot compared with another snapshot",
            "In the other snapshot",
            "+ only in the other snapshot · − only in this one · ~ different in the other",
        )
    };
    if diff.is_empty() {
        return view! {
            <section class="panel" aria-label="Differences">
                <h3>{heading}</h3>
                <p class="notice">"No differences."</p>
            </section>
        }
        .into_any();
    }
    let attributes = (!diff.attributes.is_empty()).then(|| {
        let rows = diff
            .attributes
            .iter()
            .map(|c| view! { <tr><td>{attribute_label(&c.name)}</td><td>{c.before.clone()}</td><td>{c.after.clone()}</td></tr> })
            .collect_view();
        view! {
            <table class="data-table" aria-label="Changed attributes">
                <thead><tr><th>"Attribute"</th><th>"In the snapshot"</th><th>{other}</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
    });
    view! {
        <section class="panel" aria-label="Differences">
            <h3>{heading}</h3>
            <p class="hint">{legend}</p>
            {attributes}
            {diff_section("Group memberships", &diff.memberships, |m| m.group_name.clone(), MembershipState::changes_from)}
            {diff_section("Accounts", &diff.accounts, AccountState::title, AccountState::changes_from)}
            {diff_section("Roles", &diff.grants, GrantState::title, GrantState::changes_from)}
            {diff_section("Mail lists", &diff.mail_lists, MailListState::title, MailListState::changes_from)}
        </section>
    }
    .into_any()
}

#[component]
fn RestoreDialog(
    plan: RwSignal<Option<RestorePlan>>,
    current_plan: RestorePlan,
    confirm_restore: impl Fn(leptos::ev::MouseEvent) + Clone + 'static + Send,
    open_restore: impl Fn(i64, RestoreMode) + Clone + 'static + Send + Sync,
) -> impl IntoView {
    let snapshot = current_plan.snapshot;
    let mode = current_plan.mode;
    let open_again = open_restore.clone();
    let items = current_plan
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
    let empty = current_plan.items.is_empty();
    view! {
        <Modal label="Restore snapshot".to_string() on_close=move |_| plan.set(None)>
                <fieldset>
                    <legend>"Mode"</legend>
                    <label class="check">
                        <input type="radio" name="restore-mode" checked=mode == RestoreMode::Exact
                            on:change={let open = open_again.clone(); move |_| open(snapshot, RestoreMode::Exact)}/>
                        "Make exactly like the snapshot"
                    </label>
                    <label class="check">
                        <input type="radio" name="restore-mode" checked=mode == RestoreMode::AddMissing
                            on:change=move |_| open_again(snapshot, RestoreMode::AddMissing)/>
                        "Only add back what is missing"
                    </label>
                </fieldset>
                <h3>"Changes"</h3>
                {if empty {
                    view! { <p>"Nothing to change: the user already matches this snapshot."</p> }.into_any()
                } else {
                    view! { <ul class="restore-items">{items}</ul> }.into_any()
                }}
                <div class="toolbar">
                    <button type="button" class="primary" disabled=empty
                        on:click=confirm_restore>
                        "Confirm restore"
                    </button>
                    <button type="button" on:click=move |_| plan.set(None)>"Cancel"</button>
                </div>
        </Modal>
    }
}
