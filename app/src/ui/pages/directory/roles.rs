use super::accounts::SystemSelect;
use super::{
    format_day, may_write, route_id, ConfirmDelete, DirectoryList, ListDelete, ListParams,
};
use crate::api::directory::{
    get_role, list_information_systems, list_roles, search_roles, AddRoleInheritance, CreateRole,
    DeleteRole, DeleteRoles, GrantRole, RemoveRoleInheritance, RevokeGrant, UpdateRole,
};
use crate::model::{
    GrantInput, GrantRecord, Grantee, GroupId, InformationSystemId, Role, RoleDetail, RoleId,
    RoleInput, SystemId,
};
use crate::ui::components::When;
use crate::ui::components::{announce, Announce};
use crate::ui::components::{
    browser_choices, loaded, open_created, parse_date, role_options, Choice, ColumnView,
    ConfirmedButton, FormError, GroupField, ListColumn, NewPanel,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

const DOMAIN_TYPES: [(&str, &str); 3] = [
    ("none", "None"),
    ("groups", "Groups"),
    ("information-systems", "Information systems"),
];

/// The columns of the roles list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RoleColumn {
    Name,
    System,
    Category,
    Description,
    DomainType,
}

impl RoleColumn {
    /// Every column, in the View dialog's order.
    pub const ALL: &'static [Self] = &[
        Self::Name,
        Self::System,
        Self::Category,
        Self::Description,
        Self::DomainType,
    ];
}

impl ListColumn for RoleColumn {
    type Item = Role;
    type Id = RoleId;

    fn key(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::System => "system",
            Self::Category => "category",
            Self::Description => "description",
            Self::DomainType => "domainType",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Name => "Role",
            Self::System => "System",
            Self::Category => "Category",
            Self::Description => "Description",
            Self::DomainType => "Domain type",
        }
    }

    fn sort_key(self) -> Option<&'static str> {
        (self == Self::Name).then_some("name")
    }

    fn cell(self, r: &Role) -> AnyView {
        match self {
            Self::Name => {
                let name = r.input.name.clone();
                view! { <A href=format!("/roles/{}", r.id.0)>{name}</A> }.into_any()
            }
            Self::System => r.system_name.clone().into_any(),
            Self::Category => r.input.category.clone().into_any(),
            Self::Description => r.input.description.clone().into_any(),
            Self::DomainType => DOMAIN_TYPES
                .iter()
                .find(|(value, _)| *value == r.input.domain_type)
                .map(|(_, label)| *label)
                .unwrap_or("None")
                .into_any(),
        }
    }

    fn row(r: &Role) -> (RoleId, String) {
        (r.id, r.input.name.clone())
    }
}

const DEFAULT_ROLE_COLUMNS: &[RoleColumn] = &[
    RoleColumn::Name,
    RoleColumn::System,
    RoleColumn::Category,
    RoleColumn::Description,
];

#[component]
pub fn RolesPage() -> AnyView {
    let params = ListParams::from_url("/roles");
    let delete = ServerAction::<DeleteRoles>::new();
    let roles = Resource::new(
        move || (params.query(None), delete.version().get()),
        |(query, _)| search_roles(query),
    );
    let columns = ColumnView::new("roles.columns", RoleColumn::ALL, DEFAULT_ROLE_COLUMNS);
    view! {
        <DirectoryList params title="Roles" search_label="Search roles"
            placeholder="name, description or category" csv="/files/roles.csv"
            columns items=roles delete=ListDelete::of(delete, |ids| DeleteRoles { ids })>
            {may_write().then(|| view! { <NewRolePanel/> })}
        </DirectoryList>
    }
    .into_any()
}

/// The attribute fields of a role, shared by the "New role" form and the role page.
#[component]
fn RoleFields(draft: RwSignal<RoleInput>, editable: bool) -> AnyView {
    let system = RwSignal::new(if draft.with_untracked(|d| d.system.0) == 0 {
        String::new()
    } else {
        draft.with_untracked(|d| d.system.0.to_string())
    });
    Effect::new(move |_| {
        let id = system.get().parse().unwrap_or(0);
        if draft.with_untracked(|d| d.system.0) != id {
            draft.update(|d| d.system = SystemId(id));
        }
    });
    let information_systems = LocalResource::new(|| list_information_systems(None));
    let text = move |label: &'static str,
                     get: fn(&RoleInput) -> String,
                     set: fn(&mut RoleInput, String)| {
        view! {
            <label>
                {label}
                <input type="text" prop:value=move || draft.with(get)
                    on:input=move |ev| draft.update(|d| set(d, event_target_value(&ev)))
                    readonly=!editable/>
            </label>
        }
    };
    view! {
        {text("Role name", |d| d.name.clone(), |d, v| d.name = v)}
        {text("Description", |d| d.description.clone(), |d, v| d.description = v)}
        {if editable {
            view! { <SystemSelect value=system/> }.into_any()
        } else {
            ().into_any()
        }}
        {text("Category", |d| d.category.clone(), |d, v| d.category = v)}
        {browser_choices(information_systems, move |list| view! {
                    <label>
                        "Information system"
                        <select disabled=!editable
                            prop:value=move || draft.with(|d| d.information_system.map(|i| i.0.to_string()).unwrap_or_default())
                            on:change=move |ev| {
                                let id = event_target_value(&ev).parse::<i64>().ok();
                                draft.update(|d| d.information_system = id.map(InformationSystemId));
                            }>
                            <option value="">"None"</option>
                            {list.into_iter().map(|i| {
                                let selected = draft.with_untracked(|d| d.information_system.map(|x| x.0)) == Some(i.id);
                                view! { <option value=i.id.to_string() selected=selected>{i.name}</option> }
                            }).collect_view()}
                        </select>
                    </label>
        })}
        <label>
            "Domain type"
            <select disabled=!editable prop:value=move || draft.with(|d| d.domain_type.clone())
                on:change=move |ev| draft.update(|d| d.domain_type = event_target_value(&ev))>
                {DOMAIN_TYPES.iter().map(|(value, label)| {
                    let selected = draft.with_untracked(|d| d.domain_type == *value);
                    view! { <option value=*value selected=selected>{*label}</option> }
                }).collect_view()}
            </select>
        </label>
    }
    .into_any()
}

#[component]
fn NewRolePanel() -> AnyView {
    let create = ServerAction::<CreateRole>::new();
    let draft = RwSignal::new(RoleInput {
        domain_type: "none".into(),
        ..RoleInput::default()
    });
    open_created(create, |id| format!("/roles/{}", id.0));
    view! {
        <NewPanel title="New role" button="Create role" create
            input=move || CreateRole { input: draft.get_untracked() }>
            <RoleFields draft editable=true/>
        </NewPanel>
    }
    .into_any()
}

#[component]
pub fn RolePage() -> AnyView {
    let id = route_id();
    let changes = RwSignal::new(0u64);
    let role = Resource::new(
        move || (id.get(), changes.get()),
        |(id, _)| get_role(id, None),
    );
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                role.await.map(|detail| view! { <RoleView detail changes/> })
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn RoleView(detail: RoleDetail, changes: RwSignal<u64>) -> AnyView {
    let role = detail.role.clone();
    let id = role.id.0;
    let name = role.input.name.clone();
    let editable = may_write();
    let draft = RwSignal::new(role.input.clone());
    let update = ServerAction::<UpdateRole>::new();
    let update_said = announce(update);
    let delete = ServerAction::<DeleteRole>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            navigate("/roles", Default::default());
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = update.value().get() {
            changes.update(|n| *n += 1);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        update_said.expect(format!(
            "Saved role {}.",
            draft.with_untracked(|d| d.name.clone())
        ));
        update.dispatch(UpdateRole {
            id,
            input: draft.get_untracked(),
        });
    };
    let by_kind = |kind: &str| -> Vec<GrantRecord> {
        detail
            .grants
            .iter()
            .filter(|g| g.grantee.kind() == kind)
            .cloned()
            .collect()
    };
    view! {
        <crate::ui::components::Breadcrumbs list="/roles" list_label="Roles" name=name.clone()/>
        <Title text=format!("Role {name}")/>
        <h1>{format!("Role {name}")}</h1>
        <crate::ui::pages::AuditLink target=name.clone()/>
        <p class="hint">
            "System " <A href=format!("/systems/{}", role.input.system.0)>{role.system_name.clone()}</A>
            // One text node: adjacent dynamic texts merge in the served HTML and break hydration.
            {format!(
                "{} · modified ",
                if detail.information_system_name.is_empty() { String::new() } else { format!(" · information system {}", detail.information_system_name) },
            )}
            <When at=detail.modified.at/>
            {format!(" by {}", detail.modified.by)}
            " · " <A href="/roles">"All roles"</A>
        </p>
        <form on:submit=submit class="panel" aria-label="Role attributes">
            <h2>"Attributes"</h2>
            <div class="form-grid">
                <RoleFields draft editable/>
            </div>
            <FormError result=update.value().into()/>
            {editable.then(|| view! { <button type="submit" class="primary">"Apply"</button> })}
        </form>
        <InheritedRoles detail=detail.clone() changes/>
        <crate::ui::components::RoleSodWarnings role=RoleId(id)/>
        <Grantees role=id user_grants=by_kind("user") account_grants=by_kind("account") group_grants=by_kind("group") changes/>
        {editable.then(|| view! {
            <section class="panel danger-zone" aria-label="Delete">
                <ConfirmDelete what=format!("role {name}") on_confirm=Callback::new(move |_| { delete.dispatch(DeleteRole { id }); })/>
                <FormError result=delete.value().into()/>
            </section>
        })}
    }
    .into_any()
}

#[component]
fn InheritedRoles(detail: RoleDetail, changes: RwSignal<u64>) -> AnyView {
    let role = detail.role.id.0;
    let add = ServerAction::<AddRoleInheritance>::new();
    let add_said = announce(add);
    let remove = ServerAction::<RemoveRoleInheritance>::new();
    announce(remove);
    Effect::new(move |_| {
        if matches!(add.value().get(), Some(Ok(()))) || matches!(remove.value().get(), Some(Ok(())))
        {
            changes.update(|n| *n += 1);
        }
    });
    let roles = LocalResource::new(|| list_roles(None));
    let chosen = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        add_said.expect("Inherited role added.");
        add.dispatch(AddRoleInheritance {
            role,
            inherited: chosen.get_untracked().parse().unwrap_or(0),
        });
    };
    let included: Vec<i64> = detail.inherits.iter().map(|r| r.id.0).collect();
    view! {
        <section class="panel" aria-label="Inherited roles">
            <h2>"Inherited roles"</h2>
            <p class="hint">"Holders of this role also hold these roles."</p>
            <table class="data-table" aria-label="Inherited roles">
                <thead><tr><th>"Role"</th><th>"System"</th><th></th></tr></thead>
                <tbody>
                    {detail.inherits.into_iter().map(|r| {
                        let inherited = r.id.0;
                        let name = r.name.clone();
                        view! {
                            <tr>
                                <td><A href=format!("/roles/{inherited}")>{r.name.clone()}</A></td>
                                <td>{r.system_name.clone()}</td>
                                <td>
                                    {may_write().then(|| view! {
                                        <ConfirmedButton label="Remove" title=format!("Remove inherited role {name}")
                                            on_confirm=Callback::new(move |_| { remove.dispatch(RemoveRoleInheritance { role, inherited }); })/>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <FormError result=remove.value().into()/>
            {(!detail.inherited_by.is_empty()).then(|| view! {
                <p>
                    "Included in: "
                    {detail.inherited_by.into_iter().map(|r| view! {
                        <A href=format!("/roles/{}", r.id.0)>{r.name}</A>" "
                    }).collect_view()}
                </p>
            })}
            {may_write().then(|| view! {
                <form on:submit=submit>
                    <div class="form-grid">
                        {browser_choices(roles, move |roles| {
                            let options = role_options(roles.into_iter()
                                .filter(|r| r.id.0 != role && !included.contains(&r.id.0)));
                            view! { <Choice label="Role to inherit" placeholder="Choose a role" value=chosen options/> }
                        })}
                    </div>
                    <FormError result=add.value().into()/>
                    <button type="submit" class="primary">"Add inherited role"</button>
                </form>
            })}
        </section>
    }
    .into_any()
}

#[component]
fn Grantees(
    role: i64,
    user_grants: Vec<GrantRecord>,
    account_grants: Vec<GrantRecord>,
    group_grants: Vec<GrantRecord>,
    changes: RwSignal<u64>,
) -> AnyView {
    let revoke = ServerAction::<RevokeGrant>::new();
    announce(revoke);
    let grant = ServerAction::<GrantRole>::new();
    announce(grant);
    Effect::new(move |_| {
        if matches!(revoke.value().get(), Some(Ok(())))
            || matches!(grant.value().get(), Some(Ok(_)))
        {
            changes.update(|n| *n += 1);
        }
    });
    let table = move |title: &'static str, path: &'static str, grants: Vec<GrantRecord>| {
        view! {
            <h3>{title}</h3>
            {grants.is_empty().then(|| view! { <p class="empty">{format!("Granted to no {}.", title.to_lowercase())}</p> })}
            <table class="data-table" aria-label=title>
                <thead><tr><th>"Grantee"</th><th>"Scope"</th><th>"Start"</th><th>"End"</th><th></th></tr></thead>
                <tbody>
                    {grants.into_iter().map(|g| {
                        let grant_id = g.id.0;
                        let name = g.grantee_name.clone();
                        view! {
                            <tr>
                                <td>
                                    {match g.grantee {
                                        // Groups open in the tree page.
                                        Grantee::Group(GroupId(group)) => view! { <A href=format!("/groups?group={group}")>{g.grantee_name.clone()}</A> }.into_any(),
                                        _ => view! { <A href=format!("/{path}/{}", g.grantee.id())>{g.grantee_name.clone()}</A> }.into_any(),
                                    }}
                                </td>
                                <td>{g.scope.clone()}</td>
                                <td>{format_day(g.start_date)}</td>
                                <td>{format_day(g.end_date)}</td>
                                <td>
                                    {match g.rule.clone() {
                                        // A rule's grant follows the rule: it names the rule instead.
                                        Some(rule) => view! { <span class="hint">{format!("Managed by rule {rule}")}</span> }.into_any(),
                                        None => may_write().then(|| view! {
                                            <ConfirmedButton label="Revoke" title=format!("Revoke from {name}")
                                                on_confirm=Callback::new(move |_| { revoke.dispatch(RevokeGrant { id: grant_id }); })/>
                                        }).into_any(),
                                    }}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
    };
    view! {
        <section class="panel" aria-label="Grantees">
            <h2>"Grantees"</h2>
            {table("Users", "users", user_grants)}
            {table("Accounts", "accounts", account_grants)}
            {table("Groups", "groups", group_grants)}
            <FormError result=revoke.value().into()/>
            {may_write().then(|| view! { <GrantToGroupForm role grant/> })}
        </section>
    }
    .into_any()
}

#[component]
fn GrantToGroupForm(role: i64, grant: ServerAction<GrantRole>) -> AnyView {
    let group = RwSignal::new(String::new());
    let scope = RwSignal::new(String::new());
    let start = RwSignal::new(String::new());
    let end = RwSignal::new(String::new());
    let grant_said = Announce::here();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        grant_said.expect("Role granted to the group.");
        grant.dispatch(GrantRole {
            input: GrantInput {
                role: RoleId(role),
                grantee: Grantee::Group(GroupId(group.get_untracked().parse().unwrap_or(0))),
                scope: scope.get_untracked(),
                start_date: parse_date(&start.get_untracked()),
                end_date: parse_date(&end.get_untracked()),
            },
        });
    };
    view! {
        <form on:submit=submit>
            <h3>"Grant to a group"</h3>
            <div class="form-grid">
                <GroupField value=group/>
                <label>"Scope" <input type="text" bind:value=scope/></label>
                <label>"Start date" <input type="date" bind:value=start/></label>
                <label>"End date" <input type="date" bind:value=end/></label>
            </div>
            <FormError result=grant.value().into()/>
            <button type="submit" class="primary">"Grant to group"</button>
        </form>
    }
    .into_any()
}
