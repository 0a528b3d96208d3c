use super::restore::{may_restore, DiffView, RestoreFlow, RestoreStatus};
use crate::api::snapshots::{diff_snapshots, list_snapshots};
use crate::model::{HistoryKind, RestoreMode, RestoreSource};
use crate::ui::components::MaybeWhen;
use crate::ui::components::{format_time, loaded};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

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
    let flow = RestoreFlow::new(user, move || {
        changes.update(|n| *n += 1);
        compare.set(None);
    });

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
                    <super::detail::HistoryButton kind=HistoryKind::Printers label="Printers history"/>
                </div>
            </details>
        </div>
        <RestoreStatus flow/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                snapshots.await.map(|list| view! {
                    {list.is_empty().then(|| view! { <p class="empty">"No snapshot of this user yet: one is taken at the user's next change."</p> })}
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
                                                    on:click=move |_| flow.open(RestoreSource::Snapshot(id), RestoreMode::Exact)>"Restore"</button>
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
                diff.await.map(|diff| diff.map(|diff| if against_now {
                    view! { <DiffView diff heading="Snapshot compared with the current state" before="In the snapshot" after="Now"/> }
                } else {
                    view! { <DiffView diff heading="Snapshot compared with another snapshot" before="In this snapshot" after="In the other snapshot"/> }
                }))
            })}
        </Transition>
    }
}
