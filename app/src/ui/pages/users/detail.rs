use crate::api::history::{user_history, RestoreHistoryRecord};
use crate::api::users::{effective_roles, get_user, AddMembership, RemoveMembership, UpdateUser};
use crate::error::AppError;
use crate::model::{
    Grantee, GroupId, HistoryEntry, HistoryKind, MembershipInput, UserDetail, UserId, UserInput,
};
use crate::ui::components::{announce, Announce};
use crate::ui::components::{
    instant_param, loaded, may_write, parse_date, parse_instant, ConfirmDialog, ConfirmedButton,
    FormError, GrantedRoles, GroupField, GroupPicker, Modal,
};
use crate::ui::components::{MaybeWhen, UserVaultAccess, When};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Outlet;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

/// Shared by the user page and its tabs.
#[derive(Clone, Copy)]
pub(super) struct UserContext {
    pub(super) id: Memo<i64>,
    as_of: Memo<Option<DateTime<Utc>>>,
    user: Resource<Result<UserDetail, AppError>>,
    /// Bumped after every change so the page and its tabs reload.
    pub(super) changes: RwSignal<u64>,
}

#[component]
pub fn UserPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    });
    let query = use_query_map();
    let as_of = Memo::new(move |_| query.read().get("as_of").and_then(|s| parse_instant(&s)));
    let changes = RwSignal::new(0u64);
    let user = Resource::new(
        move || (id.get(), as_of.get(), changes.get()),
        |(id, as_of, _)| get_user(id, as_of),
    );
    provide_context(UserContext {
        id,
        as_of,
        user,
        changes,
    });
    let location = use_location();
    let tab = move |suffix: &'static str, label: &'static str| {
        let href = move || {
            let at = as_of
                .get()
                .map(|t| format!("?as_of={}", instant_param(t)))
                .unwrap_or_default();
            format!("/users/{}{suffix}{at}", id.get())
        };
        let current = move || location.pathname.get() == format!("/users/{}{suffix}", id.get());
        view! {
            <a href=href aria-current=move || current().then_some("page")>{label}</a>
        }
    };
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                user.await.map(|detail| {
                    let name = detail.state.attributes.name.clone();
                    view! {
                        <crate::ui::components::Breadcrumbs list="/users" list_label="Users" name=name.clone()/>
                        <Title text=format!("User {name}")/>
                        <h1>{format!("User {name}")}</h1>
                        <crate::ui::pages::AuditLink target=name.clone()/>
                        <p class="hint">
                            <span>{detail.full_name.clone()}</span>
                            " · created " <When at=detail.created.at/>
                            {format!(" by {} · modified ", detail.created.by)}
                            <When at=detail.modified.at/>
                            {format!(" by {}", detail.modified.by)}
                        </p>
                    }
                })
            })}
        </Transition>
        {move || as_of.get().map(|at| view! {
            <p class="banner" role="status">
                "Viewing this user as of " <When at/> " "
                <a href=move || format!("/users/{}", id.get())>"Switch to current view"</a>
            </p>
        })}
        <nav class="tabs" aria-label="User sections">
            {tab("", "Basics")}
            {tab("/groups", "Groups")}
            {tab("/accounts", "Accounts")}
            {tab("/roles", "Roles")}
            {tab("/effective-roles", "Effective roles")}
            {tab("/mail-lists", "Mail lists")}
            {tab("/history", "History")}
            {tab("/backups", "Backups")}
        </nav>
        <section class="tab-panel">
            <Outlet/>
        </section>
    }
}

#[component]
pub fn UserBasicsTab() -> impl IntoView {
    let context = expect_context::<UserContext>();
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                context.user.await.map(|detail| view! { <UserEditor detail/> })
            })}
        </Transition>
    }
}

#[component]
fn UserEditor(detail: UserDetail) -> impl IntoView {
    let context = expect_context::<UserContext>();
    let editable = may_write() && context.as_of.get_untracked().is_none();
    let original = detail.state.attributes.clone();
    let draft = RwSignal::new(original.clone());
    let update = ServerAction::<UpdateUser>::new();
    let update_said = announce(update);
    Effect::new(move |_| {
        if let Some(Ok(())) = update.value().get() {
            context.changes.update(|n| *n += 1);
        }
    });
    let field = move |label: &'static str,
                      get: fn(&UserInput) -> String,
                      set: fn(&mut UserInput, String)| {
        view! {
            <label>
                {label}
                <input
                    type="text"
                    prop:value=move || draft.with(get)
                    on:input=move |ev| draft.update(|d| set(d, event_target_value(&ev)))
                    readonly=!editable
                />
            </label>
        }
    };
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        update_said.expect(format!(
            "Saved user {}.",
            draft.with_untracked(|d| d.name.clone())
        ));
        update.dispatch(UpdateUser {
            id: context.id.get_untracked(),
            input: draft.get_untracked(),
        });
    };
    // The primary group as the picker's text value, kept in step with the draft.
    let primary = RwSignal::new(original.primary_group.0.to_string());
    Effect::new(move |_| {
        if let Ok(id) = primary.get().parse::<i64>() {
            draft.update(|d| d.primary_group = GroupId(id));
        }
    });
    let undo = {
        let original = original.clone();
        move |_| {
            primary.set(original.primary_group.0.to_string());
            draft.set(original.clone());
        }
    };
    let expand_all = RwSignal::new(true);
    view! {
        <form on:submit=apply class="user-editor">
            <div class="toolbar">
                <button type="button" on:click=move |_| expand_all.set(true)>"Expand all"</button>
                <button type="button" on:click=move |_| expand_all.set(false)>"Collapse all"</button>
            </div>
            <details class="block" prop:open=move || expand_all.get()>
                <summary>"Common attributes"</summary>
                <div class="form-grid">
                    {field("User name", |d| d.name.clone(), |d, v| d.name = v)}
                    {field("First name", |d| d.first_name.clone(), |d, v| d.first_name = v)}
                    {field("Middle name", |d| d.middle_name.clone(), |d, v| d.middle_name = v)}
                    {field("Last name", |d| d.last_name.clone(), |d, v| d.last_name = v)}
                    {field("User type", |d| d.user_type.clone(), |d, v| d.user_type = v)}
                </div>
            </details>
            <details class="block" prop:open=move || expand_all.get()>
                <summary>"Organization"</summary>
                {if editable {
                    let name = detail.state.primary_group_name.clone();
                    view! {
                        <div class="form-grid">
                            <GroupPicker id="primary-group" label="Primary group" none="Choose a group"
                                value=primary required=true initial=name/>
                        </div>
                    }
                    .into_any()
                } else {
                    view! { <p>"Primary group: " <strong>{detail.state.primary_group_name.clone()}</strong></p> }.into_any()
                }}
                <div class="form-grid">
                    {field("Home server", |d| d.home_server.clone(), |d, v| d.home_server = v)}
                    {field("Profile server", |d| d.profile_server.clone(), |d, v| d.profile_server = v)}
                </div>
            </details>
            <details class="block" prop:open=move || expand_all.get()>
                <summary>"Mail service"</summary>
                <div class="form-grid">
                    {field("Email", |d| d.email.clone(), |d, v| d.email = v)}
                    {field("Mail aliases", |d| d.mail_aliases.clone(), |d, v| d.mail_aliases = v)}
                    {field("Mail server", |d| d.mail_server.clone(), |d, v| d.mail_server = v)}
                </div>
            </details>
            <details class="block" prop:open=move || expand_all.get()>
                <summary>"Status"</summary>
                <label class="check">
                    <input
                        type="checkbox"
                        prop:checked=move || draft.with(|d| d.enabled)
                        on:change=move |ev| draft.update(|d| d.enabled = event_target_checked(&ev))
                        disabled=!editable
                    />
                    "Enabled"
                </label>
                <label class="check">
                    <input
                        type="checkbox"
                        prop:checked=move || draft.with(|d| d.multi_session)
                        on:change=move |ev| draft.update(|d| d.multi_session = event_target_checked(&ev))
                        disabled=!editable
                    />
                    "Multiple sessions"
                </label>
                {field("Comments", |d| d.comments.clone(), |d, v| d.comments = v)}
            </details>
            <details class="block" prop:open=move || expand_all.get()>
                <summary>"Audit information"</summary>
                <p>"Created " <When at=detail.created.at/> {format!(" by {}", detail.created.by)}</p>
                <p>"Modified " <When at=detail.modified.at/> {format!(" by {}", detail.modified.by)}</p>
            </details>
            <FormError result=update.value().into()/>
            {editable.then(|| view! {
                <div class="toolbar">
                    <button type="submit" class="primary">"Apply"</button>
                    <button type="button" on:click=undo.clone()>"Undo"</button>
                </div>
            })}
        </form>
    }
}

/// Current records of one history kind, for the tabs' edit actions (which need record ids).
fn current_records(kind: HistoryKind) -> Resource<Result<Vec<HistoryEntry>, AppError>> {
    let context = expect_context::<UserContext>();
    Resource::new(
        move || (context.id.get(), context.changes.get()),
        move |(id, _)| async move {
            user_history(id, kind, 0, 500).await.map(|page| {
                page.items
                    .into_iter()
                    .filter(|e| e.until.is_none())
                    .collect()
            })
        },
    )
}

#[component]
pub fn UserGroupsTab() -> impl IntoView {
    let context = expect_context::<UserContext>();
    let historical = move || context.as_of.get().is_some();
    let remove = ServerAction::<RemoveMembership>::new();
    announce(remove);
    let add = ServerAction::<AddMembership>::new();
    announce(add);
    Effect::new(move |_| {
        if matches!(remove.value().get(), Some(Ok(()))) || matches!(add.value().get(), Some(Ok(_)))
        {
            context.changes.update(|n| *n += 1);
        }
    });
    let records = current_records(HistoryKind::Memberships);
    view! {
        <h2>"Group memberships"</h2>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                let detail = context.user.await?;
                let records = if historical() { Vec::new() } else { records.await? };
                // Group names link to the group, in the same moment as this view.
                let as_of = context.as_of.get_untracked();
                let group_href = move |group: i64| {
                    crate::ui::pages::groups::GroupsLocation {
                        as_of,
                        group: Some(group),
                        tab: String::new(),
                    }
                    .href()
                };
                let rows = detail.state.memberships.into_iter().map(|m| {
                    let record = records.iter().find(|r| r.subject == m.group.0).map(|r| r.record_id);
                    let group_name = m.group_name.clone();
                    view! {
                        <tr>
                            <td><a href=group_href(m.group.0)>{m.group_name.clone()}</a></td>
                            <td>"Secondary"</td>
                            <td><MaybeWhen at=m.start_date/></td>
                            <td><MaybeWhen at=m.end_date/></td>
                            <td>{m.comments.clone()}</td>
                            <td>
                                {(may_write() && record.is_some()).then(|| view! {
                                    <ConfirmedButton label="Remove" title=format!("Remove from {group_name}")
                                        on_confirm=Callback::new(move |_| { remove.dispatch(RemoveMembership { id: record.unwrap_or_default() }); })/>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view();
                Ok::<_, AppError>(view! {
                    <table class="data-table" aria-label="Group memberships">
                        <thead><tr><th>"Group"</th><th>"Kind"</th><th>"Start"</th><th>"End"</th><th>"Comments"</th>
                            <th><span class="visually-hidden">"Actions"</span></th></tr></thead>
                        <tbody>
                            <tr>
                                <td><a href=group_href(detail.state.attributes.primary_group.0)>
                                    {detail.state.primary_group_name.clone()}
                                </a></td>
                                <td>"Primary"</td>
                                <td></td><td></td><td></td><td></td>
                            </tr>
                            {rows}
                        </tbody>
                    </table>
                })
            })}
        </Transition>
        <FormError result=remove.value().into()/>
        {move || (may_write() && !historical()).then(|| view! { <AddMembershipForm add/> })}
        <HistoryButton kind=HistoryKind::Memberships label="Groups history"/>
    }
}

#[component]
fn AddMembershipForm(add: ServerAction<AddMembership>) -> impl IntoView {
    let context = expect_context::<UserContext>();
    let group = RwSignal::new(String::new());
    let start = RwSignal::new(String::new());
    let end = RwSignal::new(String::new());
    let comments = RwSignal::new(String::new());
    let add_said = Announce::here();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        add_said.expect("Membership added.");
        add.dispatch(AddMembership {
            input: MembershipInput {
                user: UserId(context.id.get_untracked()),
                group: GroupId(group.get_untracked().parse().unwrap_or(0)),
                start_date: parse_date(&start.get_untracked()),
                end_date: parse_date(&end.get_untracked()),
                comments: comments.get_untracked(),
            },
        });
    };
    view! {
        <form on:submit=submit class="panel">
            <h3>"Add to a group"</h3>
            <div class="form-grid">
                <GroupField value=group/>
                <label>"Start date" <input type="date" bind:value=start/></label>
                <label>"End date" <input type="date" bind:value=end/></label>
                <label>"Comments" <input type="text" bind:value=comments/></label>
            </div>
            <FormError result=add.value().into()/>
            <button type="submit" class="primary">"Add membership"</button>
        </form>
    }
}

#[component]
pub fn UserRolesTab() -> impl IntoView {
    let context = expect_context::<UserContext>();
    view! {
        <h2>"Granted roles"</h2>
        <GrantedRoles grantee=Signal::derive(move || Grantee::User(UserId(context.id.get())))
            as_of=context.as_of changes=context.changes heading="Grant a role"/>
        <HistoryButton kind=HistoryKind::Grants label="Roles history"/>
    }
}

#[component]
pub fn UserEffectiveRolesTab() -> impl IntoView {
    let context = expect_context::<UserContext>();
    let roles = Resource::new(
        move || (context.id.get(), context.as_of.get(), context.changes.get()),
        |(id, as_of, _)| effective_roles(id, as_of),
    );
    view! {
        <h2>"Effective roles"</h2>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                roles.await.map(|roles| view! {
                    {roles.is_empty().then(|| view! { <p class="empty">"This user receives no role, directly or through groups and other roles."</p> })}
                    <table class="data-table" aria-label="Effective roles">
                        <thead><tr><th>"Role"</th><th>"System"</th><th>"Scope"</th><th>"How"</th><th>"Path"</th></tr></thead>
                        <tbody>
                            {roles.into_iter().map(|r| {
                                let how = if r.path.iter().any(|p| p.starts_with("group ")) {
                                    "via group"
                                } else if r.path.len() > 1 {
                                    "via role"
                                } else {
                                    "direct"
                                };
                                view! {
                                    <tr>
                                        <td>{r.role_name}</td>
                                        <td>{r.system_name}</td>
                                        <td>{r.scope}</td>
                                        <td>{how}</td>
                                        <td>{r.path.join(" → ")}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                })
            })}
        </Transition>
        // Vault permissions are read as they are now, so a past view leaves them out.
        {move || context.as_of.get().is_none().then(|| view! {
            <UserVaultAccess user=UserId(context.id.get()) changes=context.changes/>
        })}
    }
}

/// The accounts the user owns, manages or uses, with their status (details on the account page).
#[component]
pub fn UserAccountsTab() -> impl IntoView {
    let context = expect_context::<UserContext>();
    view! {
        <h2>"Accounts"</h2>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                context.user.await.map(|detail| view! {
                    {detail.state.accounts.is_empty().then(|| view! { <p class="empty">"This user owns, manages or uses no account."</p> })}
                    <table class="data-table" aria-label="Accounts">
                        <thead><tr>
                            <th>"Account"</th><th>"System"</th><th>"Level"</th><th>"Type"</th>
                            <th>"Status"</th><th>"Roles"</th>
                        </tr></thead>
                        <tbody>
                            {detail.state.accounts.into_iter().map(|a| view! {
                                <tr>
                                    <td><a href=format!("/accounts/{}", a.account.0)>{a.name.clone()}</a></td>
                                    <td>{a.system_name.clone()}</td>
                                    <td>{a.level.clone()}</td>
                                    <td>{a.account_type.clone()}</td>
                                    <td>{a.status.clone()}</td>
                                    <td>{a.grants.iter().map(|g| g.role_name.clone()).collect::<Vec<_>>().join(", ")}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                })
            })}
        </Transition>
        <p class="hint">"Add accounts and owners from the Accounts screen."</p>
        <HistoryButton kind=HistoryKind::Accounts label="Accounts history"/>
    }
}

/// The mail lists the user receives mail from directly.
#[component]
pub fn UserMailListsTab() -> impl IntoView {
    let context = expect_context::<UserContext>();
    view! {
        <h2>"Mail lists"</h2>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                context.user.await.map(|detail| view! {
                    {detail.state.mail_lists.is_empty().then(|| view! { <p class="empty">"This user is not a direct member of any mail list."</p> })}
                    <table class="data-table" aria-label="Mail lists">
                        <thead><tr><th>"List"</th><th>"Domain"</th></tr></thead>
                        <tbody>
                            {detail.state.mail_lists.into_iter().map(|l| view! {
                                <tr>
                                    <td><a href=format!("/mail-lists/{}", l.list.0)>{l.name.clone()}</a></td>
                                    <td>{l.domain.clone()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                })
            })}
        </Transition>
        <HistoryButton kind=HistoryKind::MailLists label="Mail lists history"/>
    }
}

/// Opens the history of one kind of the user's records; ended records can be restored.
#[component]
pub(super) fn HistoryButton(kind: HistoryKind, label: &'static str) -> impl IntoView {
    let context = expect_context::<UserContext>();
    let open = RwSignal::new(false);
    let filter = RwSignal::new("all".to_string());
    let restore = ServerAction::<RestoreHistoryRecord>::new();
    // The ended record waiting for "Re-create" to be confirmed: (version, description).
    let pending = RwSignal::new(None::<(i64, String)>);
    let entries = Resource::new(
        move || (open.get(), context.id.get(), restore.version().get()),
        move |(open, id, _)| async move {
            if open {
                user_history(id, kind, 0, 200).await.map(|page| page.items)
            } else {
                Ok(Vec::new())
            }
        },
    );
    Effect::new(move |_| {
        if matches!(restore.value().get(), Some(Ok(()))) {
            context.changes.update(|n| *n += 1);
        }
    });
    view! {
        <button type="button" class="history-button" on:click=move |_| open.set(true)>{label}</button>
        <Show when=move || open.get()>
            <Modal label=label.to_string() on_close=move |_| open.set(false)>
                    <label class="inline">
                        "Show"
                        <select bind:value=filter>
                            <option value="all">"All"</option>
                            <option value="current">"Current"</option>
                            <option value="ended">"Ended"</option>
                        </select>
                    </label>
                    <FormError result=restore.value().into()/>
                    <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                        {move || loaded(async move {
                            entries.await.map(|entries| view! {
                                <table class="data-table" aria-label=format!("{label} records")>
                                    <thead><tr><th>"Record"</th><th>"Since"</th><th>"Until"</th><th>"Changed by"</th><th></th></tr></thead>
                                    <tbody>
                                        {entries.into_iter().filter(|e| match filter.get().as_str() {
                                            "current" => e.until.is_none(),
                                            "ended" => e.until.is_some(),
                                            _ => true,
                                        }).map(|e| {
                                            let ended = e.until.is_some();
                                            let version = e.version_id;
                                            let description = e.description.clone();
                                            view! {
                                                <tr>
                                                    <td>{e.description.clone()}</td>
                                                    <td><When at=e.since/></td>
                                                    <td><MaybeWhen at=e.until/></td>
                                                    <td>{e.changed_by.clone()}{e.ended_by.map(|by| format!(" (ended by {by})"))}</td>
                                                    <td>
                                                        {(ended && may_write()).then(|| view! {
                                                            <button type="button" aria-label=format!("Restore {description}")
                                                                on:click=move |_| pending.set(Some((version, description.clone())))>
                                                                "Restore"
                                                            </button>
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
                    {move || pending.get().map(|(version, description)| view! {
                        <ConfirmDialog
                            label="Restore record".to_string()
                            message=format!("Re-create {description} as a current record?")
                            confirm_label="Re-create".to_string()
                            on_confirm=move |_| {
                                pending.set(None);
                                restore.dispatch(RestoreHistoryRecord { kind, version_id: version });
                            }
                            on_close=move |_| pending.set(None)
                        />
                    })}
            </Modal>
        </Show>
    }
}
