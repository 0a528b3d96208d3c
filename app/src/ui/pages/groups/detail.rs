//! One group, now or as of an instant: Basic (edit, move, delete), Users, Granted roles.
use super::{GroupsLocation, GroupsPageContext};
use crate::api::groups::{get_group, group_members, DeleteGroup, UpdateGroup};
use crate::api::users::{list_users, AddMembership, RemoveMembership};
use crate::error::AppError;
use crate::model::*;
use crate::ui::components::may_write;
use crate::ui::components::{announce, Announce};
use crate::ui::components::{
    loaded, parse_date, ConfirmDialog, ConfirmedButton, FormError, GrantedRoles, GroupPicker,
};
use crate::ui::components::{MaybeWhen, When};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

#[component]
pub(super) fn GroupDetail(id: i64, as_of: Option<DateTime<Utc>>, tab: String) -> impl IntoView {
    let page = expect_context::<GroupsPageContext>();
    let group = Resource::new(
        move || (id, as_of, page.changes.get()),
        |(id, as_of, _)| get_group(id, as_of),
    );
    let tab_link = move |tab: &'static str| {
        GroupsLocation {
            as_of,
            group: Some(id),
            tab: tab.into(),
        }
        .href()
    };
    let current = tab.clone();
    let tab_item = move |key: &'static str, label: &'static str| {
        let active = current == key;
        view! {
            <a href=tab_link(key) class:active=active aria-current=active.then_some("page")>{label}</a>
        }
    };
    let body = match tab.as_str() {
        "users" => view! { <MembersTab id as_of/> }.into_any(),
        "roles" => view! { <GroupRolesTab id as_of/> }.into_any(),
        _ => view! { <BasicTab id as_of group/> }.into_any(),
    };
    view! {
        <section class="panel group-detail">
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || loaded(async move {
                    group.await.map(|g| view! {
                        <h2>{format!("Group {}", g.input.name)}</h2>
                        <crate::ui::pages::AuditLink target=g.input.name.clone()/>
                    })
                })}
            </Transition>
            <nav class="tabs" aria-label="Group sections">
                {tab_item("", "Basic")}
                {tab_item("users", "Users")}
                {tab_item("roles", "Granted roles")}
            </nav>
            {body}
        </section>
    }
}

#[component]
fn BasicTab(
    id: i64,
    as_of: Option<DateTime<Utc>>,
    group: Resource<Result<Group, AppError>>,
) -> impl IntoView {
    let editable = as_of.is_none() && may_write();
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                let group = group.await?;
                Ok::<_, AppError>(if editable {
                    view! { <GroupForm id group/> }.into_any()
                } else {
                    view! { <GroupFacts group/> }.into_any()
                })
            })}
        </Transition>
    }
}

#[component]
fn GroupFacts(group: Group) -> impl IntoView {
    let input = group.input;
    let external_id = (!input.external_id.is_empty()).then(|| {
        view! { <dt>"External id"</dt><dd>{input.external_id}</dd> }
    });
    view! {
        <dl class="facts">
            <dt>"Name"</dt><dd>{input.name}</dd>
            <dt>"Description"</dt><dd>{input.description}</dd>
            {external_id}
            <dt>"Type"</dt><dd>{input.group_type}</dd>
            <dt>"Drive"</dt><dd>{format!("{} {}", input.drive_letter, input.drive_server)}</dd>
            <dt>"Status"</dt><dd>{if input.disabled { "Disabled" } else { "Enabled" }}</dd>
            <dt>"Last change"</dt>
            <dd><When at=group.modified.at/> {format!(" by {}", group.modified.by)}</dd>
        </dl>
    }
}

#[component]
fn GroupForm(id: i64, group: Group) -> impl IntoView {
    let page = expect_context::<GroupsPageContext>();
    let original = group.input.clone();
    let name = RwSignal::new(original.name.clone());
    let description = RwSignal::new(original.description.clone());
    let parent = RwSignal::new(original.parent.map(|p| p.0.to_string()).unwrap_or_default());
    let external_id = RwSignal::new(original.external_id.clone());
    let group_type = RwSignal::new(original.group_type.clone());
    let drive_letter = RwSignal::new(original.drive_letter.clone());
    let drive_server = RwSignal::new(original.drive_server.clone());
    let disabled = RwSignal::new(original.disabled);
    let update = ServerAction::<UpdateGroup>::new();
    let update_said = announce(update);
    let delete = ServerAction::<DeleteGroup>::new();
    let confirming = RwSignal::new(false);
    Effect::new(move |_| {
        if matches!(update.value().get(), Some(Ok(()))) {
            page.changes.update(|n| *n += 1);
        }
    });
    let navigate = use_navigate();
    Effect::new(move |_| {
        if matches!(delete.value().get(), Some(Ok(()))) {
            page.changes.update(|n| *n += 1);
            navigate("/groups", Default::default());
        }
    });
    let undo = {
        let original = original.clone();
        move |_| {
            name.set(original.name.clone());
            description.set(original.description.clone());
            parent.set(original.parent.map(|p| p.0.to_string()).unwrap_or_default());
            external_id.set(original.external_id.clone());
            group_type.set(original.group_type.clone());
            drive_letter.set(original.drive_letter.clone());
            drive_server.set(original.drive_server.clone());
            disabled.set(original.disabled);
        }
    };
    let submit = {
        let original = original.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            update_said.expect(format!("Saved group {}.", name.get_untracked()));
            update.dispatch(UpdateGroup {
                id,
                input: GroupInput {
                    name: name.get_untracked(),
                    description: description.get_untracked(),
                    parent: parent.get_untracked().parse().ok().map(GroupId),
                    external_id: external_id.get_untracked(),
                    group_type: group_type.get_untracked(),
                    drive_letter: drive_letter.get_untracked(),
                    drive_server: drive_server.get_untracked(),
                    disabled: disabled.get_untracked(),
                    ..original.clone()
                },
            });
        }
    };
    let group_name = original.name.clone();
    view! {
        <form on:submit=submit>
            <div class="form-grid">
                <label>"Group name" <input type="text" required bind:value=name/></label>
                <label>"Description" <input type="text" bind:value=description/></label>
                <GroupPicker id="group-parent" label="Parent group" none="None (a root group)" value=parent/>
                <label>"External id" <input type="text" bind:value=external_id/></label>
                <label>"Group type" <input type="text" bind:value=group_type/></label>
                <label>"Drive letter" <input type="text" maxlength="2" bind:value=drive_letter/></label>
                <label>"Drive server" <input type="text" bind:value=drive_server/></label>
                <label class="check"><input type="checkbox" bind:checked=disabled/> "Disabled"</label>
            </div>
            <FormError result=update.value().into()/>
            <FormError result=delete.value().into()/>
            {move || matches!(update.value().get(), Some(Ok(()))).then(|| view! {
                <p class="notice" role="status">"Saved."</p>
            })}
            <div class="actions">
                <button type="submit" class="primary">"Apply"</button>
                <button type="button" on:click=undo>"Undo"</button>
                <button type="button" class="danger" on:click=move |_| confirming.set(true)>"Delete group"</button>
            </div>
        </form>
        <Show when=move || confirming.get()>
            <ConfirmDialog
                label="Delete group".to_string()
                message=format!("Delete the group {group_name}? It stays in the history and the recycle bin, and can be recovered.")
                confirm_label="Delete".to_string()
                on_confirm=move |_| { confirming.set(false); delete.dispatch(DeleteGroup { id }); }
                on_close=move |_| confirming.set(false)/>
        </Show>
    }
}

#[component]
fn MembersTab(id: i64, as_of: Option<DateTime<Utc>>) -> impl IntoView {
    let page = expect_context::<GroupsPageContext>();
    let remove = ServerAction::<RemoveMembership>::new();
    announce(remove);
    let add = ServerAction::<AddMembership>::new();
    announce(add);
    Effect::new(move |_| {
        if matches!(remove.value().get(), Some(Ok(()))) || matches!(add.value().get(), Some(Ok(_)))
        {
            page.changes.update(|n| *n += 1);
        }
    });
    let members = Resource::new(
        move || (id, as_of, page.changes.get()),
        |(id, as_of, _)| group_members(id, as_of),
    );
    let editable = as_of.is_none() && may_write();
    view! {
        <div class="toolbar">
            {as_of.is_none().then(|| view! {
                <a class="button" href=format!("/files/groups/{id}/members.csv") download="">"Download CSV"</a>
            })}
        </div>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                members.await.map(|members| view! {
                    {members.is_empty().then(|| view! { <p class="empty">"Nobody is in this group."</p> })}
                    <table class="data-table" aria-label="Members">
                        <thead><tr>
                            <th>"User"</th><th>"Full name"</th><th>"Membership"</th>
                            <th>"Start"</th><th>"End"</th><th></th>
                        </tr></thead>
                        <tbody>
                            {members.into_iter().map(|m| {
                                let user_name = m.user_name.clone();
                                view! {
                                    <tr>
                                        <td><a href=format!("/users/{}", m.user.0)>{m.user_name.clone()}</a></td>
                                        <td>{m.full_name}</td>
                                        <td>{match m.kind { MemberKind::Primary => "Primary", MemberKind::Secondary => "Secondary" }}</td>
                                        <td><MaybeWhen at=m.start_date/></td>
                                        <td><MaybeWhen at=m.end_date/></td>
                                        <td>
                                            {m.membership.filter(|_| editable).map(|membership| view! {
                                                <ConfirmedButton label="Remove" title=format!("Remove {user_name} from the group")
                                                    on_confirm=Callback::new(move |_| { remove.dispatch(RemoveMembership { id: membership.0 }); })/>
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
        <FormError result=remove.value().into()/>
        {editable.then(|| view! { <AddMemberForm id add/> })}
    }
}

/// Adds a user by user name (a picker of 100k users would be useless).
#[component]
fn AddMemberForm(id: i64, add: ServerAction<AddMembership>) -> impl IntoView {
    let user_name = RwSignal::new(String::new());
    let start = RwSignal::new(String::new());
    let end = RwSignal::new(String::new());
    let not_found = RwSignal::new(None::<String>);
    let add_said = Announce::here();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let wanted = user_name.get_untracked().trim().to_string();
        let start = parse_date(&start.get_untracked());
        let end = parse_date(&end.get_untracked());
        add_said.expect(format!("Added {wanted} to the group."));
        leptos::task::spawn_local(async move {
            match find_user(&wanted).await {
                Ok(Some(user)) => {
                    not_found.set(None);
                    add.dispatch(AddMembership {
                        input: MembershipInput {
                            user,
                            group: GroupId(id),
                            start_date: start,
                            end_date: end,
                            comments: String::new(),
                        },
                    });
                }
                Ok(None) => not_found.set(Some(format!("There is no user named {wanted}."))),
                Err(error) => not_found.set(Some(error.to_string())),
            }
        });
    };
    view! {
        <form on:submit=submit class="panel">
            <h3>"Add a member"</h3>
            <div class="form-grid">
                <label>"User name" <input type="text" required bind:value=user_name/></label>
                <label>"Start date" <input type="date" bind:value=start/></label>
                <label>"End date" <input type="date" bind:value=end/></label>
            </div>
            {move || not_found.get().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
            <FormError result=add.value().into()/>
            <button type="submit" class="primary">"Add member"</button>
        </form>
    }
}

async fn find_user(name: &str) -> Result<Option<UserId>, AppError> {
    let page = list_users(UserListQuery {
        search: name.to_string(),
        limit: 20,
        ..UserListQuery::default()
    })
    .await?;
    Ok(page
        .items
        .into_iter()
        .find(|u| u.name.eq_ignore_ascii_case(name))
        .map(|u| u.id))
}

#[component]
fn GroupRolesTab(id: i64, as_of: Option<DateTime<Utc>>) -> impl IntoView {
    let page = expect_context::<GroupsPageContext>();
    view! {
        <p class="hint">"Members of this group and of every group below it receive these roles."</p>
        <GrantedRoles grantee=Grantee::Group(GroupId(id)) as_of changes=page.changes
            heading="Grant a role to the group"/>
    }
}
