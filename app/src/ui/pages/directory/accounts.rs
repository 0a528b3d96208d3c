use super::{
    may_write, route_id, ConfirmDelete, DirectoryList, ListDelete, ListParams, UserPicker,
};
use crate::api::directory::{
    get_account, list_systems, search_accounts, CreateAccount, DeleteAccount, DeleteAccounts,
    RemoveAccountOwner, SetAccountOwner, UpdateAccount,
};
use crate::model::{
    Account, AccountDetail, AccountId, AccountInput, CustomAttribute, Grantee, SystemId,
    ACCOUNT_STATUSES, ACCOUNT_TYPES, OWNER_LEVELS,
};
use crate::ui::components::announce;
use crate::ui::components::When;
use crate::ui::components::{
    browser_choices, loaded, open_created, Choice, ColumnView, ConfirmedButton, FormError,
    GrantedRoles, ListColumn, NewPanel,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

fn level_label(level: &str) -> &'static str {
    match level {
        "owner" => "Owner",
        "manager" => "Manager",
        "sso" => "SSO user",
        _ => "Other",
    }
}

/// The columns of the accounts list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AccountColumn {
    Name,
    System,
    LoginName,
    Description,
    Type,
    Status,
}

impl AccountColumn {
    /// Every column, in the View dialog's order.
    pub const ALL: &'static [Self] = &[
        Self::Name,
        Self::System,
        Self::LoginName,
        Self::Description,
        Self::Type,
        Self::Status,
    ];
}

impl ListColumn for AccountColumn {
    type Item = Account;
    type Id = AccountId;

    fn key(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::System => "system",
            Self::LoginName => "loginName",
            Self::Description => "description",
            Self::Type => "accountType",
            Self::Status => "status",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Name => "Account",
            Self::System => "System",
            Self::LoginName => "Login name",
            Self::Description => "Description",
            Self::Type => "Type",
            Self::Status => "Status",
        }
    }

    fn sort_key(self) -> Option<&'static str> {
        (self == Self::Name).then_some("name")
    }

    fn cell(self, a: &Account) -> AnyView {
        match self {
            Self::Name => {
                let name = a.input.name.clone();
                view! { <A href=format!("/accounts/{}", a.id.0)>{name}</A> }.into_any()
            }
            Self::System => a.system_name.clone().into_any(),
            Self::LoginName => a.input.login_name.clone().into_any(),
            Self::Description => a.input.description.clone().into_any(),
            Self::Type => a.input.account_type.clone().into_any(),
            Self::Status => a.input.status.clone().into_any(),
        }
    }

    fn row(a: &Account) -> (AccountId, String) {
        (a.id, a.input.name.clone())
    }
}

const DEFAULT_ACCOUNT_COLUMNS: &[AccountColumn] = &[
    AccountColumn::Name,
    AccountColumn::System,
    AccountColumn::LoginName,
    AccountColumn::Type,
    AccountColumn::Status,
];

#[component]
pub fn AccountsPage() -> AnyView {
    let params = ListParams::from_url("/accounts");
    let delete = ServerAction::<DeleteAccounts>::new();
    let accounts = Resource::new(
        move || (params.query(None), delete.version().get()),
        |(query, _)| search_accounts(query),
    );
    let columns = ColumnView::new(
        "accounts.columns",
        AccountColumn::ALL,
        DEFAULT_ACCOUNT_COLUMNS,
    );
    view! {
        <DirectoryList params title="Accounts" search_label="Search accounts"
            placeholder="name, login name or description" csv="/files/accounts.csv"
            columns items=accounts delete=ListDelete::of(delete, |ids| DeleteAccounts { ids })>
            {may_write().then(|| view! { <NewAccountPanel/> })}
        </DirectoryList>
    }
    .into_any()
}

/// A drop-down of the current systems bound to `value` (the id as text).
#[component]
pub(super) fn SystemSelect(value: RwSignal<String>) -> AnyView {
    let systems = LocalResource::new(|| list_systems(None));
    browser_choices(systems, move |systems| {
        let options = systems
            .into_iter()
            .map(|s| (s.id.to_string(), s.name))
            .collect();
        view! { <Choice label="System" placeholder="Choose a system" value options/> }
    })
    .into_any()
}

#[component]
fn NewAccountPanel() -> AnyView {
    let create = ServerAction::<CreateAccount>::new();
    let system = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let login_name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let account_type = RwSignal::new("single".to_string());
    open_created(create, |id| format!("/accounts/{}", id.0));
    let input = move || CreateAccount {
        input: AccountInput {
            system: SystemId(system.get_untracked().parse().unwrap_or(0)),
            name: name.get_untracked(),
            login_name: login_name.get_untracked(),
            description: description.get_untracked(),
            account_type: account_type.get_untracked(),
            status: "enabled".into(),
            attributes: Vec::new(),
        },
    };
    view! {
        <NewPanel title="New account" button="Create account" create input>
            <SystemSelect value=system/>
            <label>"Account name" <input type="text" required bind:value=name/></label>
            <label>"Login name" <input type="text" placeholder="same as the name" bind:value=login_name/></label>
            <label>"Description" <input type="text" bind:value=description/></label>
            <label>
                "Account type"
                <select bind:value=account_type>
                    {ACCOUNT_TYPES.iter().map(|t| view! { <option value=*t>{*t}</option> }).collect_view()}
                </select>
            </label>
        </NewPanel>
    }
    .into_any()
}

#[component]
pub fn AccountPage() -> AnyView {
    let id = route_id();
    let changes = RwSignal::new(0u64);
    let account = Resource::new(
        move || (id.get(), changes.get()),
        |(id, _)| get_account(id, None),
    );
    let grantee = Signal::derive(move || Grantee::Account(AccountId(id.get())));
    // The roles panel loads on its own, outside the account's `Suspend`: content built there
    // must not create resources (see `browser_choices`).
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                account.await.map(|detail| view! { <AccountView detail changes/> })
            })}
        </Transition>
        <section class="panel" aria-label="Roles of the account">
            <h2>"Roles"</h2>
            <p class="hint">"Roles granted to this account; its owners hold them through it."</p>
            <GrantedRoles grantee as_of=None changes heading="Grant a role to the account"/>
        </section>
        <Transition fallback=|| ()>
            {move || loaded(async move {
                account.await.map(|detail| view! { <DeleteAccountZone detail/> })
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn AccountView(detail: AccountDetail, changes: RwSignal<u64>) -> AnyView {
    let account = detail.account.clone();
    let id = account.id.0;
    let name = account.input.name.clone();
    view! {
        <crate::ui::components::Breadcrumbs list="/accounts" list_label="Accounts" name=name.clone()/>
        <Title text=format!("Account {name}")/>
        <h1>{format!("Account {name}")}</h1>
        <crate::ui::pages::AuditLink target=name.clone()/>
        <p class="hint">
            "System " <A href=format!("/systems/{}", account.input.system.0)>{account.system_name.clone()}</A>
            " · modified " <When at=detail.modified.at/> {format!(" by {}", detail.modified.by)}
            " · " <A href="/accounts">"All accounts"</A>
        </p>
        <AccountEditor id input=account.input.clone() changes/>
        <AccountOwners detail=detail.clone() changes/>
    }
    .into_any()
}

#[component]
fn DeleteAccountZone(detail: AccountDetail) -> AnyView {
    let id = detail.account.id.0;
    let name = detail.account.input.name;
    let delete = ServerAction::<DeleteAccount>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            navigate("/accounts", Default::default());
        }
    });
    view! {
        {may_write().then(|| view! {
            <section class="panel danger-zone" aria-label="Delete">
                <ConfirmDelete what=format!("account {name}") on_confirm=Callback::new(move |_| { delete.dispatch(DeleteAccount { id }); })/>
                <FormError result=delete.value().into()/>
            </section>
        })}
    }
    .into_any()
}

#[component]
fn AccountEditor(id: i64, input: AccountInput, changes: RwSignal<u64>) -> AnyView {
    let editable = may_write();
    let draft = RwSignal::new(input.clone());
    let update = ServerAction::<UpdateAccount>::new();
    let update_said = announce(update);
    Effect::new(move |_| {
        if let Some(Ok(())) = update.value().get() {
            changes.update(|n| *n += 1);
        }
    });
    let text = move |label: &'static str,
                     get: fn(&AccountInput) -> String,
                     set: fn(&mut AccountInput, String)| {
        view! {
            <label>
                {label}
                <input type="text" prop:value=move || draft.with(get)
                    on:input=move |ev| draft.update(|d| set(d, event_target_value(&ev)))
                    readonly=!editable/>
            </label>
        }
    };
    let choice = move |label: &'static str,
                       options: &'static [&'static str],
                       get: fn(&AccountInput) -> String,
                       set: fn(&mut AccountInput, String)| {
        view! {
            <label>
                {label}
                <select disabled=!editable prop:value=move || draft.with(get)
                    on:change=move |ev| draft.update(|d| set(d, event_target_value(&ev)))>
                    {options.iter().map(|o| {
                        let selected = draft.with_untracked(get) == *o;
                        view! { <option value=*o selected=selected>{*o}</option> }
                    }).collect_view()}
                </select>
            </label>
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        update_said.expect(format!(
            "Saved account {}.",
            draft.with_untracked(|d| d.name.clone())
        ));
        update.dispatch(UpdateAccount {
            id,
            input: draft.get_untracked(),
        });
    };
    let undo = move |_| draft.set(input.clone());
    view! {
        <form on:submit=submit class="panel" aria-label="Account attributes">
            <h2>"Attributes"</h2>
            <div class="form-grid">
                {text("Account name", |d| d.name.clone(), |d, v| d.name = v)}
                {text("Login name", |d| d.login_name.clone(), |d, v| d.login_name = v)}
                {text("Description", |d| d.description.clone(), |d, v| d.description = v)}
                {choice("Account type", &ACCOUNT_TYPES, |d| d.account_type.clone(), |d, v| d.account_type = v)}
                {choice("Status", &ACCOUNT_STATUSES, |d| d.status.clone(), |d, v| d.status = v)}
            </div>
            <h3>"Custom attributes"</h3>
            <table class="data-table" aria-label="Custom attributes">
                <thead><tr><th>"Name"</th><th>"Value"</th><th></th></tr></thead>
                <tbody>
                    {move || draft.with(|d| d.attributes.clone()).into_iter().enumerate().map(|(i, a)| view! {
                        <tr>
                            <td>
                                <input type="text" aria-label=format!("Name of attribute {}", i + 1) prop:value=a.name readonly=!editable
                                    on:change=move |ev| draft.update(|d| d.attributes[i].name = event_target_value(&ev))/>
                            </td>
                            <td>
                                <input type="text" aria-label=format!("Value of attribute {}", i + 1) prop:value=a.value readonly=!editable
                                    on:change=move |ev| draft.update(|d| d.attributes[i].value = event_target_value(&ev))/>
                            </td>
                            <td>
                                {editable.then(|| view! {
                                    <button type="button" aria-label=format!("Remove attribute {}", i + 1)
                                        on:click=move |_| draft.update(|d| { d.attributes.remove(i); })>"Remove"</button>
                                })}
                            </td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <FormError result=update.value().into()/>
            {editable.then(|| view! {
                <div class="toolbar">
                    <button type="button" on:click=move |_| draft.update(|d| d.attributes.push(CustomAttribute::default()))>"Add attribute"</button>
                    <button type="submit" class="primary">"Apply"</button>
                    <button type="button" on:click=undo.clone()>"Undo"</button>
                </div>
            })}
        </form>
    }
    .into_any()
}

#[component]
fn AccountOwners(detail: AccountDetail, changes: RwSignal<u64>) -> AnyView {
    let account = detail.account.id.0;
    let set = ServerAction::<SetAccountOwner>::new();
    let set_said = announce(set);
    let remove = ServerAction::<RemoveAccountOwner>::new();
    announce(remove);
    Effect::new(move |_| {
        if matches!(set.value().get(), Some(Ok(()))) || matches!(remove.value().get(), Some(Ok(())))
        {
            changes.update(|n| *n += 1);
        }
    });
    let user = RwSignal::new(String::new());
    let level = RwSignal::new("owner".to_string());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        set_said.expect("Owner saved.");
        set.dispatch(SetAccountOwner {
            account,
            user: user.get_untracked().parse().unwrap_or(0),
            level: level.get_untracked(),
        });
    };
    view! {
        <section class="panel" aria-label="Owners">
            <h2>"Owners"</h2>
            {detail.owners.is_empty().then(|| view! { <p class="empty">"This account has no owner."</p> })}
            <table class="data-table" aria-label="Owners">
                <thead><tr><th>"User"</th><th>"Full name"</th><th>"Level"</th><th></th></tr></thead>
                <tbody>
                    {detail.owners.into_iter().map(|o| {
                        let user = o.user.id.0;
                        let name = o.user.name.clone();
                        view! {
                            <tr>
                                <td><a href=format!("/users/{user}")>{o.user.name.clone()}</a></td>
                                <td>{o.user.full_name.clone()}</td>
                                <td>{level_label(&o.level)}</td>
                                <td>
                                    {may_write().then(|| view! {
                                        <ConfirmedButton label="Remove" title=format!("Remove owner {name}")
                                            on_confirm=Callback::new(move |_| { remove.dispatch(RemoveAccountOwner { account, user }); })/>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <FormError result=remove.value().into()/>
            {may_write().then(|| view! {
                <form on:submit=submit>
                    <h3>"Add an owner"</h3>
                    <div class="form-grid">
                        <UserPicker value=user label="Owner"/>
                        <label>
                            "Level"
                            <select bind:value=level>
                                {OWNER_LEVELS.iter().map(|l| view! { <option value=*l>{level_label(l)}</option> }).collect_view()}
                            </select>
                        </label>
                    </div>
                    <FormError result=set.value().into()/>
                    <button type="submit" class="primary">"Add owner"</button>
                </form>
            })}
        </section>
    }
    .into_any()
}
