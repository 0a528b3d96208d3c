use super::{
    may_write, route_id, ConfirmDelete, DirectoryList, ListDelete, ListParams, UserPicker,
};
use crate::api::directory::{
    get_mail_list, search_mail_domains, search_mail_lists, AddMailListMember, CreateMailList,
    DeleteMailList, DeleteMailLists, RemoveMailListMember, UpdateMailList,
};
use crate::model::{
    DirectoryQuery, GroupId, MailDomainId, MailListDetail, MailListId, MailListInput,
    MailListMemberView, MailListSummary, MailMember, RoleId, UserId,
};
use crate::ui::components::announce;
use crate::ui::components::When;
use crate::ui::components::{
    browser_choices, loaded, open_created, Choice, ColumnView, ConfirmedButton, FormError,
    GroupField, ListColumn, NewPanel, RoleField,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

fn all(limit: i64) -> DirectoryQuery {
    DirectoryQuery {
        limit,
        ..DirectoryQuery::default()
    }
}

/// The columns of the mail lists list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ListColumnKind {
    Name,
    Domain,
    Address,
    Description,
}

impl ListColumnKind {
    /// Every column, in the View dialog's order.
    pub const ALL: &'static [Self] = &[Self::Name, Self::Domain, Self::Address, Self::Description];
}

impl ListColumn for ListColumnKind {
    type Item = MailListSummary;
    type Id = MailListId;

    fn key(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Domain => "domain",
            Self::Address => "address",
            Self::Description => "description",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Name => "List",
            Self::Domain => "Domain",
            Self::Address => "Address",
            Self::Description => "Description",
        }
    }

    fn sort_key(self) -> Option<&'static str> {
        (self == Self::Name).then_some("name")
    }

    fn cell(self, l: &MailListSummary) -> AnyView {
        match self {
            Self::Name => {
                let name = l.input.name.clone();
                view! { <A href=format!("/mail-lists/{}", l.id.0)>{name}</A> }.into_any()
            }
            Self::Domain => {
                let code = l.domain_code.clone();
                view! { <A href=format!("/mail-domains/{}", l.input.domain.0)>{code}</A> }
                    .into_any()
            }
            Self::Address => format!("{}@{}", l.input.name, l.domain_code).into_any(),
            Self::Description => l.input.description.clone().into_any(),
        }
    }

    fn row(l: &MailListSummary) -> (MailListId, String) {
        (l.id, format!("{}@{}", l.input.name, l.domain_code))
    }
}

const DEFAULT_LIST_COLUMNS: &[ListColumnKind] = &[
    ListColumnKind::Name,
    ListColumnKind::Domain,
    ListColumnKind::Description,
];

#[component]
pub fn MailListsPage() -> AnyView {
    let params = ListParams::from_url("/mail-lists");
    let delete = ServerAction::<DeleteMailLists>::new();
    let lists = Resource::new(
        move || (params.query(None), delete.version().get()),
        |(query, _)| search_mail_lists(query),
    );
    let columns = ColumnView::new(
        "mail-lists.columns",
        ListColumnKind::ALL,
        DEFAULT_LIST_COLUMNS,
    );
    view! {
        <DirectoryList params title="Mail lists" search_label="Search mail lists"
            placeholder="name, description or domain" csv="/files/mail-lists.csv"
            import=Some("/mail-lists/import".to_string()) columns items=lists
            delete=ListDelete::of(delete, |ids| DeleteMailLists { ids })>
            {may_write().then(|| view! { <NewMailListPanel/> })}
        </DirectoryList>
    }
    .into_any()
}

/// Name, domain and description of a list, bound to `draft`.
#[component]
fn ListFields(draft: RwSignal<MailListInput>, editable: bool) -> AnyView {
    let domains = LocalResource::new(|| search_mail_domains(all(500)));
    view! {
        <label>
            "List name"
            <input type="text" required readonly=!editable prop:value=move || draft.with(|d| d.name.clone())
                on:input=move |ev| draft.update(|d| d.name = event_target_value(&ev))/>
        </label>
        {browser_choices(domains, move |page| view! {
                    <label>
                        "Domain"
                        <select required disabled=!editable
                            prop:value=move || draft.with(|d| if d.domain.0 == 0 { String::new() } else { d.domain.0.to_string() })
                            on:change=move |ev| {
                                let id = event_target_value(&ev).parse().unwrap_or(0);
                                draft.update(|d| d.domain = MailDomainId(id));
                            }>
                            <option value="">"Choose a domain"</option>
                            {page.items.into_iter().map(|d| {
                                let selected = draft.with_untracked(|x| x.domain == d.id);
                                view! { <option value=d.id.0.to_string() selected=selected>{d.input.code}</option> }
                            }).collect_view()}
                        </select>
                    </label>
        })}
        <label>
            "Description"
            <input type="text" readonly=!editable prop:value=move || draft.with(|d| d.description.clone())
                on:input=move |ev| draft.update(|d| d.description = event_target_value(&ev))/>
        </label>
    }
    .into_any()
}

#[component]
fn NewMailListPanel() -> AnyView {
    let create = ServerAction::<CreateMailList>::new();
    let draft = RwSignal::new(MailListInput::default());
    open_created(create, |id| format!("/mail-lists/{}", id.0));
    view! {
        <NewPanel title="New mail list" button="Create mail list" create
            input=move || CreateMailList { input: draft.get_untracked() }>
            <ListFields draft editable=true/>
        </NewPanel>
    }
    .into_any()
}

#[component]
pub fn MailListPage() -> AnyView {
    let id = route_id();
    let changes = RwSignal::new(0u64);
    let list = Resource::new(
        move || (id.get(), changes.get()),
        |(id, _)| get_mail_list(id, None),
    );
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                list.await.map(|detail| view! { <MailListView detail changes/> })
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn MailListView(detail: MailListDetail, changes: RwSignal<u64>) -> AnyView {
    let id = detail.list.id.0;
    let name = detail.list.input.name.clone();
    let address = format!("{}@{}", name, detail.list.domain_code);
    let editable = may_write();
    let draft = RwSignal::new(detail.list.input.clone());
    let update = ServerAction::<UpdateMailList>::new();
    let update_said = announce(update);
    let delete = ServerAction::<DeleteMailList>::new();
    let remove = ServerAction::<RemoveMailListMember>::new();
    announce(remove);
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            navigate("/mail-lists", Default::default());
        }
    });
    Effect::new(move |_| {
        if matches!(update.value().get(), Some(Ok(())))
            || matches!(remove.value().get(), Some(Ok(())))
        {
            changes.update(|n| *n += 1);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        update_said.expect(format!(
            "Saved mail list {}.",
            draft.with_untracked(|d| d.name.clone())
        ));
        update.dispatch(UpdateMailList {
            id,
            input: draft.get_untracked(),
        });
    };
    let members = detail.members.clone();
    let section = move |title: &'static str, kind: fn(&MailMember) -> Option<String>| {
        let rows: Vec<(MailListMemberView, Option<String>)> = members
            .iter()
            .filter_map(|m| {
                kind(&m.member).map(|href| (m.clone(), Some(href).filter(|h| !h.is_empty())))
            })
            .collect();
        view! {
            <h3>{title}</h3>
            {rows.is_empty().then(|| view! { <p class="empty">{format!("No {}.", title.to_lowercase())}</p> })}
            <table class="data-table" aria-label=title>
                <thead><tr><th>"Member"</th><th></th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|(m, href)| {
                        let label = m.label.clone();
                        let member = m.member.clone();
                        view! {
                            <tr>
                                <td>
                                    {match href {
                                        Some(href) => view! { <A href=href>{m.label.clone()}</A> }.into_any(),
                                        None => m.label.clone().into_any(),
                                    }}
                                </td>
                                <td>
                                    {may_write().then(|| view! {
                                        <ConfirmedButton label="Remove" title=format!("Remove member {label}")
                                            on_confirm=Callback::new(move |_| { remove.dispatch(RemoveMailListMember { list: id, member: member.clone() }); })/>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
    };
    view! {
        <crate::ui::components::Breadcrumbs list="/mail-lists" list_label="Mail lists" name=name.clone()/>
        <Title text=format!("Mail list {name}")/>
        <h1>{format!("Mail list {name}")}</h1>
        <crate::ui::pages::AuditLink target=name.clone()/>
        <p class="hint">
            // One text node: adjacent dynamic texts merge in the served HTML and break hydration.
            <span>{address}</span> " · modified " <When at=detail.modified.at/>
            {format!(" by {}", detail.modified.by)}
            " · " <A href="/mail-lists">"All mail lists"</A>
        </p>
        <form on:submit=submit class="panel" aria-label="List attributes">
            <h2>"Attributes"</h2>
            <div class="form-grid">
                <ListFields draft editable/>
            </div>
            <FormError result=update.value().into()/>
            {editable.then(|| view! { <button type="submit" class="primary">"Apply"</button> })}
        </form>
        <section class="panel" aria-label="Members">
            <h2>"Members"</h2>
            {section("Users", |m| match m { MailMember::User(UserId(u)) => Some(format!("/users/{u}")), _ => None })}
            {section("Nested lists", |m| match m { MailMember::List(MailListId(l)) => Some(format!("/mail-lists/{l}")), _ => None })}
            {section("External addresses", |m| match m { MailMember::External(_) => Some(String::new()), _ => None })}
            {section("Groups", |m| match m { MailMember::Group(GroupId(g)) => Some(format!("/groups?group={g}")), _ => None })}
            {section("Roles", |m| match m { MailMember::Role(RoleId(r)) => Some(format!("/roles/{r}")), _ => None })}
            <FormError result=remove.value().into()/>
            {editable.then(|| view! { <AddMemberForm list=id changes/> })}
        </section>
        <section class="panel" aria-label="Recipients">
            <h2>"Recipients"</h2>
            <p class="hint">"The users this list reaches: directly, through groups, roles and nested lists."</p>
            {detail.targets.is_empty().then(|| view! { <p class="empty">"This list reaches nobody yet."</p> })}
            <table class="data-table" aria-label="Recipients">
                <thead><tr><th>"User"</th><th>"Full name"</th></tr></thead>
                <tbody>
                    {detail.targets.into_iter().map(|u| view! {
                        <tr>
                            <td><A href=format!("/users/{}", u.id.0)>{u.name}</A></td>
                            <td>{u.full_name}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        {editable.then(|| view! {
            <section class="panel danger-zone" aria-label="Delete">
                <ConfirmDelete what=format!("mail list {name}") on_confirm=Callback::new(move |_| { delete.dispatch(DeleteMailList { id }); })/>
                <FormError result=delete.value().into()/>
            </section>
        })}
    }
    .into_any()
}

#[component]
fn AddMemberForm(list: i64, changes: RwSignal<u64>) -> AnyView {
    let add = ServerAction::<AddMailListMember>::new();
    let add_said = announce(add);
    Effect::new(move |_| {
        if matches!(add.value().get(), Some(Ok(_))) {
            changes.update(|n| *n += 1);
        }
    });
    let kind = RwSignal::new("external".to_string());
    let chosen = RwSignal::new(String::new());
    let address = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let id = chosen.get_untracked().parse::<i64>().unwrap_or(0);
        let member = match kind.get_untracked().as_str() {
            "user" => MailMember::User(UserId(id)),
            "list" => MailMember::List(MailListId(id)),
            "group" => MailMember::Group(GroupId(id)),
            "role" => MailMember::Role(RoleId(id)),
            _ => MailMember::External(address.get_untracked()),
        };
        add_said.expect("Member added.");
        add.dispatch(AddMailListMember { list, member });
    };
    view! {
        <form on:submit=submit>
            <h3>"Add a member"</h3>
            <div class="form-grid">
                <label>
                    "Member kind"
                    <select prop:value=move || kind.get() on:change=move |ev| {
                        chosen.set(String::new());
                        kind.set(event_target_value(&ev));
                    }>
                        <option value="external" selected>"External address"</option>
                        <option value="user">"User"</option>
                        <option value="list">"Nested list"</option>
                        <option value="group">"Group"</option>
                        <option value="role">"Role"</option>
                    </select>
                </label>
                {move || match kind.get().as_str() {
                    "user" => view! { <UserPicker value=chosen label="User"/> }.into_any(),
                    "list" => view! { <ListPicker value=chosen exclude=list/> }.into_any(),
                    "group" => view! { <GroupField value=chosen/> }.into_any(),
                    "role" => view! { <RoleField value=chosen/> }.into_any(),
                    _ => view! {
                        <label>"Address" <input type="email" required bind:value=address/></label>
                    }.into_any(),
                }}
            </div>
            <FormError result=add.value().into()/>
            <button type="submit" class="primary">"Add member"</button>
        </form>
    }
    .into_any()
}

#[component]
fn ListPicker(value: RwSignal<String>, exclude: i64) -> AnyView {
    let lists = LocalResource::new(|| search_mail_lists(all(500)));
    browser_choices(lists, move |page| {
        let options = page
            .items
            .into_iter()
            .filter(|l| l.id.0 != exclude)
            .map(|l| {
                (
                    l.id.0.to_string(),
                    format!("{}@{}", l.input.name, l.domain_code),
                )
            })
            .collect();
        view! { <Choice label="Nested list" placeholder="Choose a list" value options/> }
    })
    .into_any()
}
