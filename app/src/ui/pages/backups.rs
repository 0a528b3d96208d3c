//! "User backup configure & restore": every user's snapshots, multi-user restore with one
//! preview per user, and the snapshot settings.
use crate::api::snapshots::{
    apply_restore, get_snapshot_config, list_all_snapshots, plan_restore, SetSnapshotConfig,
};
use crate::error::AppError;
use crate::model::*;
use crate::ui::components::{announce, Announce};
use crate::ui::components::{aria_sort, MaybeWhen, When};
use crate::ui::components::{
    capitalised, format_time, loaded, ColumnView, ColumnViewButton, ErrorNotice, FormError,
    ListColumn, Modal,
};
use crate::ui::components::{page_param, page_size_param, urlencode, Pages};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

#[derive(Clone, Debug, Default, PartialEq)]
struct CatalogueLocation {
    search: String,
    filter: String,
    sort: String,
    page: i64,
    size: i64,
}

impl CatalogueLocation {
    fn href(&self) -> String {
        format!(
            "/backups?q={}&filter={}&sort={}&page={}&size={}",
            urlencode(&self.search),
            urlencode(&self.filter),
            urlencode(&self.sort),
            self.page.max(1),
            self.size
        )
    }

    fn query(&self) -> SnapshotListQuery {
        let (sort, descending) = SnapshotSort::from_param(&self.sort);
        SnapshotListQuery {
            user: None,
            search: self.search.clone(),
            filter: self.filter.clone(),
            sort,
            descending,
            offset: (self.page.max(1) - 1) * self.size,
            limit: self.size,
        }
    }
}

/// The columns of the snapshots table (and of its CSV download, which follows the View).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotColumn {
    UserName,
    ValidSince,
    ValidUntil,
    Size,
    Xml,
}

impl SnapshotColumn {
    /// Every column, in the View dialog's order.
    pub const ALL: &'static [Self] = &[
        Self::UserName,
        Self::ValidSince,
        Self::ValidUntil,
        Self::Size,
        Self::Xml,
    ];
}

impl ListColumn for SnapshotColumn {
    type Item = SnapshotListItem;
    type Id = i64;

    fn key(self) -> &'static str {
        match self {
            Self::UserName => "userName",
            Self::ValidSince => "validSince",
            Self::ValidUntil => "validUntil",
            Self::Size => "size",
            Self::Xml => "xml",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::UserName => "User name",
            Self::ValidSince => "Valid since",
            Self::ValidUntil => "Valid until",
            Self::Size => "Size",
            Self::Xml => "XML",
        }
    }

    fn sort_key(self) -> Option<&'static str> {
        match self {
            Self::UserName => Some("user"),
            Self::ValidSince => Some("since"),
            _ => None,
        }
    }

    fn cell(self, item: &SnapshotListItem) -> AnyView {
        let snapshot = &item.snapshot;
        match self {
            Self::UserName => {
                let name = item.user_name.clone();
                view! { <A href=format!("/users/{}/backups", snapshot.user.0)>{name}</A> }
                    .into_any()
            }
            Self::ValidSince => view! { <When at=snapshot.valid_since/> }.into_any(),
            Self::ValidUntil => view! { <MaybeWhen at=snapshot.valid_until/> }.into_any(),
            Self::Size => format!("{} bytes", snapshot.size).into_any(),
            Self::Xml => {
                let label = format!(
                    "Download XML of the snapshot of {} from {}",
                    item.user_name,
                    format_time(snapshot.valid_since)
                );
                view! {
                    <a href=format!("/files/snapshots/{}.xml", snapshot.id) download=""
                        aria-label=label>"Download XML"</a>
                }
                .into_any()
            }
        }
    }

    fn row(item: &SnapshotListItem) -> (i64, String) {
        (item.snapshot.id, item.user_name.clone())
    }
}

/// A snapshot chosen for restore, with what the table showed about it.
#[derive(Clone, Debug, PartialEq)]
struct Chosen {
    snapshot: i64,
    user: UserId,
    user_name: String,
    since: String,
}

#[component]
pub fn BackupsPage() -> AnyView {
    let operator = expect_context::<Operator>();
    let may_restore = operator.role.can(Permission::BackupRestore);
    let may_configure = operator.role.can(Permission::BackupConfigure);
    let query = use_query_map();
    let location = Memo::new(move |_| {
        let q = query.read();
        CatalogueLocation {
            search: q.get("q").unwrap_or_default(),
            filter: q.get("filter").unwrap_or_default(),
            sort: q.get("sort").unwrap_or_default(),
            page: page_param(q.get("page")),
            size: page_size_param(q.get("size")),
        }
    });
    let changes = RwSignal::new(0u32);
    let snapshots = Resource::new(
        move || (location.get(), changes.get()),
        |(location, _)| list_all_snapshots(location.query()),
    );
    let columns = ColumnView::new("backups.columns", SnapshotColumn::ALL, SnapshotColumn::ALL);
    let chosen = RwSignal::new(Vec::<Chosen>::new());
    let restoring = RwSignal::new(false);
    let configuring = RwSignal::new(false);
    let search = RwSignal::new(location.get_untracked().search);
    let filter = RwSignal::new(location.get_untracked().filter);
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let next = CatalogueLocation {
            search: search.get_untracked(),
            filter: filter.get_untracked(),
            page: 1,
            ..location.get_untracked()
        };
        navigate(&next.href(), Default::default());
    };
    view! {
        <Title text="Backups"/>
        <h1>"Backups"</h1>
        <p class="hint">"Snapshots of every user. Choose snapshots to restore them, one user at a time and all confirmed together."</p>
        <form class="toolbar" on:submit=submit>
            <label class="inline">"User name" <input type="search" bind:value=search/></label>
            <label class="inline grow">
                "Advanced query"
                <input type="text" bind:value=filter placeholder=r#"userName sw "ann" and validSince gt "2026-01-01""#/>
            </label>
            <button type="submit">"Search"</button>
        </form>
        <div class="toolbar">
            <ColumnViewButton view=columns/>
            {may_configure.then(|| view! {
                <button type="button" on:click=move |_| configuring.set(true)>"Configure backup"</button>
            })}
            <a class="button" download="" href=move || {
                let l = location.get();
                format!(
                    "/files/snapshots.csv?q={}&filter={}&sort={}&view={}",
                    urlencode(&l.search), urlencode(&l.filter), urlencode(&l.sort),
                    ColumnView::text(&columns.tracked())
                )
            }>"Download CSV"</a>
            <A href="/recycle-bin" attr:class="button">"Recycle bin"</A>
            {may_restore.then(|| view! {
                <button type="button" class="primary" disabled=move || chosen.with(|c| c.is_empty())
                    on:click=move |_| restoring.set(true)>
                    {move || format!("Restore selected ({})", chosen.with(|c| c.len()))}
                </button>
            })}
        </div>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let shown = columns.shown().await;
                let page = match snapshots.await {
                    Ok(page) => page,
                    Err(error) => return view! { <ErrorNotice error/> }.into_any(),
                };
                let l = location.get_untracked();
                let sort_href = {
                    let l = l.clone();
                    move |key: &str| {
                        let next = if l.sort == format!("+{key}") { format!("-{key}") } else { format!("+{key}") };
                        CatalogueLocation { sort: next, page: 1, ..l.clone() }.href()
                    }
                };
                let headers = shown.iter().map(|column| match column.sort_key() {
                    Some(key) => view! {
                        <th aria-sort=aria_sort(&l.sort, key)><a href=sort_href(key)>{column.label()}</a></th>
                    }.into_any(),
                    None => view! { <th>{column.label()}</th> }.into_any(),
                }).collect_view();
                let empty = page.items.is_empty();
                let total = page.total;
                let rows = page.items.into_iter().map(|item| {
                    let id = item.snapshot.id;
                    let since = format_time(item.snapshot.valid_since);
                    let entry = Chosen {
                        snapshot: id,
                        user: item.snapshot.user,
                        user_name: item.user_name.clone(),
                        since: since.clone(),
                    };
                    let label = format!("Select the snapshot of {} from {since}", item.user_name);
                    let cells = shown.iter().map(|column| view! { <td>{column.cell(&item)}</td> }).collect_view();
                    view! {
                        <tr>
                            {may_restore.then(|| view! {
                                <td><input type="checkbox" aria-label=label
                                    prop:checked=move || chosen.with(|c| c.iter().any(|e| e.snapshot == id))
                                    on:change=move |ev| {
                                        let checked = event_target_checked(&ev);
                                        let entry = entry.clone();
                                        chosen.update(|c| {
                                            c.retain(|e| e.snapshot != id);
                                            if checked { c.push(entry); }
                                        });
                                    }/></td>
                            })}
                            {cells}
                        </tr>
                    }
                }).collect_view();
                view! {
                    {empty.then(|| view! {
                        <p class="empty">{if l.search.is_empty() && l.filter.is_empty() {
                            "No snapshots yet. A user's snapshot is taken when the user changes; \
                             \"Configure backup\" sets how long they are kept."
                        } else {
                            "No snapshot matches this search. Clear the search or the query to see them all."
                        }}</p>
                    })}
                    <table class="data-table" aria-label="Snapshots of all users">
                        <thead><tr>
                            {may_restore.then(|| view! { <th><span class="visually-hidden">"Select"</span></th> })}
                            {headers}
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                    <Pages total page=l.page size=l.size noun="snapshots"
                        href=move |(page, size)| CatalogueLocation { page, size, ..l.clone() }.href()/>
                }.into_any()
            })}
        </Transition>
        <Show when=move || restoring.get()>
            <MultiRestoreDialog chosen=chosen.get_untracked() on_close=move |done: bool| {
                restoring.set(false);
                if done {
                    chosen.set(Vec::new());
                    changes.update(|n| *n += 1);
                }
            }/>
        </Show>
        <Show when=move || configuring.get()>
            <ConfigureDialog on_close=move |_| configuring.set(false)/>
        </Show>
    }
    .into_any()
}

/// One preview per user, confirmed together, applied per user (each user atomically).
#[component]
fn MultiRestoreDialog(
    chosen: Vec<Chosen>,
    #[prop(into)] on_close: Callback<bool>,
) -> impl IntoView {
    let mut users: Vec<UserId> = chosen.iter().map(|c| c.user).collect();
    users.sort();
    users.dedup();
    let one_per_user = users.len() == chosen.len();
    let total = chosen.len();
    // Users planned, then users restored: a restore of hundreds of users takes a while, and
    // the dialog says how far it is.
    let planned = RwSignal::new(0usize);
    let applied = RwSignal::new(0usize);
    // Opened in the browser only, so nothing to carry from the server.
    let plans = LocalResource::new(move || {
        let chosen = chosen.clone();
        async move {
            let mut out = Vec::new();
            for entry in chosen {
                planned.set(out.len());
                let plan = plan_restore(
                    entry.user.0,
                    RestoreSource::Snapshot(entry.snapshot),
                    RestoreSelection::everything(),
                    RestoreMode::Exact,
                )
                .await;
                out.push((entry, plan));
            }
            out
        }
    });
    let results = RwSignal::new(None::<Vec<(String, Result<RestoreOutcome, AppError>)>>);
    let applying = RwSignal::new(false);
    let confirm = move |_| {
        let Some(planned) = plans.get_untracked() else {
            return;
        };
        applying.set(true);
        leptos::task::spawn_local(async move {
            let mut done = Vec::new();
            for (entry, plan) in planned {
                applied.set(done.len());
                let outcome = match plan {
                    Ok(plan) => apply_restore(plan).await,
                    Err(error) => Err(error),
                };
                done.push((entry.user_name, outcome));
            }
            applied.set(done.len());
            applying.set(false);
            results.set(Some(done));
        });
    };
    let finished = move || results.get().is_some();
    view! {
        <Modal label="Restore snapshots".to_string() on_close=move |_| on_close.run(finished())>
            {(!one_per_user).then(|| view! {
                <p class="form-error" role="alert">"Choose at most one snapshot per user."</p>
            })}
            {move || match results.get() {
                Some(results) => view! {
                    <h3>"Result"</h3>
                    <p role="status">{restored_in_words(&results)}</p>
                    <ul class="restore-results" aria-label="Restore results">
                        {results.into_iter().map(|(user, outcome)| match outcome {
                            Ok(outcome) => view! { <li class="ok">{format!("{user}: {}", outcome.in_words())}</li> }.into_any(),
                            Err(error) => view! { <li class="failed">{format!("{user}: not restored — {error}")}</li> }.into_any(),
                        }).collect_view()}
                    </ul>
                    <div class="actions">
                        <button type="button" class="primary" on:click=move |_| on_close.run(true)>"Close"</button>
                    </div>
                }.into_any(),
                None => view! {
                    <Suspense fallback=move || view! {
                        <Progress label="Planning" done=planned total/>
                    }>
                        {move || Suspend::new(async move {
                            let planned = plans.await;
                            planned.into_iter().map(|(entry, plan)| view! {
                                <section class="restore-user" aria-label=format!("Restore of {}", entry.user_name)>
                                    <h3>{format!("{} — snapshot of {}", entry.user_name, entry.since)}</h3>
                                    {match plan {
                                        Ok(plan) if plan.items.is_empty() => view! {
                                            <p>"Nothing to change: the user already matches this snapshot."</p>
                                        }.into_any(),
                                        Ok(plan) => view! {
                                            <ul class="restore-items">
                                                {plan.items.into_iter().map(|item| {
                                                    let label = capitalised(&item.description);
                                                    match item.blocked {
                                                        Some(reason) => view! {
                                                            <li class="blocked">{label}
                                                                <span class="reason">{format!(" — cannot be restored: {reason}")}</span></li>
                                                        }.into_any(),
                                                        None => view! { <li>{label}</li> }.into_any(),
                                                    }
                                                }).collect_view()}
                                            </ul>
                                        }.into_any(),
                                        Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                                    }}
                                </section>
                            }).collect_view()
                        })}
                    </Suspense>
                    <Show when=move || applying.get()>
                        <Progress label="Restoring" done=applied total/>
                    </Show>
                    <div class="actions">
                        <button type="button" class="primary" disabled=move || applying.get() || !one_per_user
                            on:click=confirm>"Confirm restore"</button>
                        <button type="button" on:click=move |_| on_close.run(false)>"Cancel"</button>
                    </div>
                }.into_any(),
            }}
        </Modal>
    }
}

/// How far the dialog's planning or restoring is, for eyes and screen readers.
#[component]
fn Progress(label: &'static str, done: RwSignal<usize>, total: usize) -> impl IntoView {
    view! {
        <div class="job-progress" role="status" aria-label=format!("{label} progress")>
            <progress max=total.max(1) value=move || done.get() aria-label=label></progress>
            <span>{move || format!("{label} {} of {total} {}…", done.get(), users(total))}</span>
        </div>
    }
}

fn users(count: usize) -> &'static str {
    if count == 1 {
        "user"
    } else {
        "users"
    }
}

/// "3 of 4 users restored; 1 not restored." — above the per-user lines.
fn restored_in_words(results: &[(String, Result<RestoreOutcome, AppError>)]) -> String {
    let restored = results
        .iter()
        .filter(|(_, outcome)| outcome.is_ok())
        .count();
    let failed = results.len() - restored;
    let mut words = format!(
        "{restored} of {} {} restored",
        results.len(),
        users(results.len())
    );
    if failed > 0 {
        words.push_str(&format!("; {failed} not restored"));
    }
    words.push('.');
    words
}

/// Minimum delay between snapshots (number + unit), how many to keep, entitlements history.
#[component]
fn ConfigureDialog(#[prop(into)] on_close: Callback<()>) -> impl IntoView {
    let current = Resource::new(|| (), |_| get_snapshot_config());
    let save = ServerAction::<SetSnapshotConfig>::new();
    announce(save);
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Ok(_))) {
            on_close.run(());
        }
    });
    view! {
        <Modal label="Configure backup".to_string() on_close=move |_| on_close.run(())>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || loaded(async move {
                    current.await.map(|config| view! { <ConfigureForm config save/> })
                })}
            </Suspense>
        </Modal>
    }
}

#[component]
fn ConfigureForm(config: SnapshotConfig, save: ServerAction<SetSnapshotConfig>) -> impl IntoView {
    let amount = RwSignal::new((config.min_delay_secs / config.delay_unit.seconds()).to_string());
    let unit = RwSignal::new(config.delay_unit.as_str().to_string());
    let keep = RwSignal::new(config.keep_count.to_string());
    let entitlements = RwSignal::new(config.entitlements_history);
    let amount_error = RwSignal::new(None::<&'static str>);
    let keep_error = RwSignal::new(None::<&'static str>);
    let save_said = Announce::here();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let parsed_amount = amount
            .get_untracked()
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0);
        let parsed_keep = keep
            .get_untracked()
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0);
        amount_error.set(
            parsed_amount
                .is_none()
                .then_some("Enter a whole number greater than 0."),
        );
        keep_error.set(
            parsed_keep
                .is_none()
                .then_some("Enter a whole number greater than 0."),
        );
        let (Some(amount), Some(keep)) = (parsed_amount, parsed_keep) else {
            return;
        };
        let unit = DelayUnit::parse(&unit.get_untracked()).unwrap_or(DelayUnit::Minutes);
        save_said.expect("Snapshot settings saved.");
        save.dispatch(SetSnapshotConfig {
            config: SnapshotConfig {
                min_delay_secs: amount * unit.seconds(),
                delay_unit: unit,
                keep_count: keep,
                entitlements_history: entitlements.get_untracked(),
            },
        });
    };
    view! {
        <form on:submit=submit novalidate>
            <div class="form-grid">
                <label>
                    "Minimum delay between backups"
                    <input type="number" min="1" bind:value=amount
                        aria-invalid=move || amount_error.get().is_some().to_string()/>
                    {move || amount_error.get().map(|m| view! { <span class="form-error" role="alert">{m}</span> })}
                </label>
                <label>
                    "Unit"
                    <select bind:value=unit>
                        <option value="minutes">"minutes"</option>
                        <option value="hours">"hours"</option>
                        <option value="days">"days"</option>
                    </select>
                </label>
                <label>
                    "Number of backups to keep"
                    <input type="number" min="1" bind:value=keep
                        aria-invalid=move || keep_error.get().is_some().to_string()/>
                    {move || keep_error.get().map(|m| view! { <span class="form-error" role="alert">{m}</span> })}
                </label>
                <label class="check">
                    <input type="checkbox" bind:checked=entitlements/>
                    "Enable entitlements history"
                </label>
            </div>
            <FormError result=save.value().into()/>
            <div class="actions">
                <button type="submit" class="primary">"Save"</button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome() -> RestoreOutcome {
        RestoreOutcome {
            applied: 1,
            blocked: 0,
            operation_id: 1,
            summary: String::new(),
            undo_snapshot: None,
        }
    }

    #[test]
    fn the_result_counts_restored_and_failed_users() {
        let failed = Err(AppError::invalid("snapshot", "gone"));
        let results = vec![
            ("ann".to_string(), Ok(outcome())),
            ("bob".to_string(), failed.clone()),
            ("cid".to_string(), Ok(outcome())),
        ];
        assert_eq!(
            restored_in_words(&results),
            "2 of 3 users restored; 1 not restored."
        );
        assert_eq!(restored_in_words(&results[..1]), "1 of 1 user restored.");
    }
}
