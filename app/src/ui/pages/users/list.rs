//! The users list: quick search, advanced query, sorting and paging on the server, a column
//! view kept per operator, and multi-select delete. Query, sort and page live in the URL.
use crate::api::users::{list_users, CreateUser, DeleteUsers};
use crate::error::AppError;
use crate::model::{
    parse_filter, GroupId, Operator, Permission, UserId, UserInput, UserListQuery, UserSort,
    UserSummary,
};
use crate::ui::components::When;
use crate::ui::components::{
    open_created, ColumnView, ColumnViewButton, DeleteOutcome, DeleteSelected, ErrorNotice,
    GroupPicker, ListColumn, ListTable, NewPanel, Selection,
};
use crate::ui::components::{page_param, page_size_param, urlencode, Pages};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

const COLUMNS_PREFERENCE: &str = "users.columns";

/// The columns an operator can show, in their default order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    UserName,
    FullName,
    Email,
    PrimaryGroup,
    UserType,
    Status,
    Modified,
    ModifiedBy,
}

const DEFAULT_COLUMNS: &[Column] = &[
    Column::UserName,
    Column::FullName,
    Column::Email,
    Column::PrimaryGroup,
    Column::Status,
    Column::Modified,
];

impl Column {
    /// Every column, in the View dialog's order.
    pub const ALL: &'static [Self] = &[
        Self::UserName,
        Self::FullName,
        Self::Email,
        Self::PrimaryGroup,
        Self::UserType,
        Self::Status,
        Self::Modified,
        Self::ModifiedBy,
    ];
}

impl ListColumn for Column {
    type Item = UserSummary;
    type Id = UserId;

    /// The key used in the preference, the CSV download and the query language.
    fn key(self) -> &'static str {
        match self {
            Self::UserName => "userName",
            Self::FullName => "fullName",
            Self::Email => "email",
            Self::PrimaryGroup => "primaryGroup",
            Self::UserType => "userType",
            Self::Status => "status",
            Self::Modified => "modified",
            Self::ModifiedBy => "modifiedBy",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::UserName => "User name",
            Self::FullName => "Full name",
            Self::Email => "Email",
            Self::PrimaryGroup => "Primary group",
            Self::UserType => "User type",
            Self::Status => "Status",
            Self::Modified => "Modified",
            Self::ModifiedBy => "Modified by",
        }
    }

    /// The server-side sort this column's header asks for, if it sorts.
    fn sort_key(self) -> Option<&'static str> {
        match self {
            Self::UserName => Some("name"),
            Self::FullName => Some("full_name"),
            Self::Modified => Some("modified"),
            _ => None,
        }
    }

    fn cell(self, user: &UserSummary) -> AnyView {
        match self {
            Self::UserName => {
                let href = format!("/users/{}", user.id.0);
                let name = user.name.clone();
                view! { <A href=href>{name}</A> }.into_any()
            }
            Self::FullName => user.full_name.clone().into_any(),
            Self::Email => user.email.clone().into_any(),
            Self::PrimaryGroup => user.primary_group_name.clone().into_any(),
            Self::UserType => user.user_type.clone().into_any(),
            Self::Status => if user.enabled { "Enabled" } else { "Disabled" }.into_any(),
            Self::Modified => view! { <When at=user.modified.at/> }.into_any(),
            Self::ModifiedBy => user.modified.by.clone().into_any(),
        }
    }

    fn row(user: &UserSummary) -> (UserId, String) {
        (user.id, user.name.clone())
    }
}

fn parse_sort(text: &str) -> (UserSort, bool) {
    let descending = text.starts_with('-');
    let sort = match text.trim_start_matches('-') {
        "full_name" => UserSort::FullName,
        "modified" => UserSort::Modified,
        _ => UserSort::Name,
    };
    (sort, descending)
}

/// The list's URL state.
#[derive(Clone, Debug, Default, PartialEq)]
struct ListLocation {
    search: String,
    filter: String,
    sort: String,
    page: i64,
    size: i64,
}

impl ListLocation {
    fn href(&self) -> String {
        format!(
            "/users?q={}&filter={}&sort={}&page={}&size={}",
            urlencode(&self.search),
            urlencode(&self.filter),
            urlencode(&self.sort),
            self.page.max(1),
            self.size
        )
    }
}

#[component]
pub fn UsersPage() -> AnyView {
    let operator = expect_context::<Operator>();
    let may_write = operator.role.can(Permission::IdentityWrite);
    let query = use_query_map();
    let location = Memo::new(move |_| {
        let q = query.read();
        ListLocation {
            search: q.get("q").unwrap_or_default(),
            filter: q.get("filter").unwrap_or_default(),
            sort: q.get("sort").unwrap_or_default(),
            page: page_param(q.get("page")),
            size: page_size_param(q.get("size")),
        }
    });
    let changes = RwSignal::new(0u32);
    let users = Resource::new(
        move || (location.get(), changes.get()),
        |(location, _)| async move {
            let (sort, descending) = parse_sort(&location.sort);
            list_users(UserListQuery {
                as_of: None,
                search: location.search,
                filter: location.filter,
                sort,
                descending,
                offset: (location.page - 1) * location.size,
                limit: location.size,
            })
            .await
        },
    );
    // Read in an effect, not during rendering: the query bar is outside the list's
    // `<Transition>`, and a resource read there differs between server and browser.
    let server_error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        server_error.set(match users.get() {
            Some(Err(AppError::Validation(fields))) => fields
                .into_iter()
                .find(|f| f.field == "query")
                .map(|f| f.message),
            _ => None,
        });
    });
    let columns = ColumnView::new(COLUMNS_PREFERENCE, Column::ALL, DEFAULT_COLUMNS);
    let selected = Selection::<UserId>::new();
    let delete = ServerAction::<DeleteUsers>::new();
    Effect::new(move |_| {
        if matches!(delete.value().get(), Some(Ok(_))) {
            selected.clear();
            changes.update(|n| *n += 1);
        }
    });

    view! {
        <Title text="Users"/>
        <h1>"Users"</h1>
        <QueryBar location server_error=server_error.into()/>
        <div class="toolbar">
            <ColumnViewButton view=columns/>
            <a class="button" download=""
                href=move || {
                    let l = location.get();
                    format!(
                        "/files/users.csv?q={}&filter={}&sort={}&columns={}",
                        urlencode(&l.search), urlencode(&l.filter), urlencode(&l.sort),
                        ColumnView::text(&columns.tracked())
                    )
                }>"Download CSV"</a>
            {may_write.then(|| view! {
                <a class="button" href="/users/import">"Import CSV"</a>
                <DeleteSelected selection=selected noun="users"
                    note="Their history stays, and they can be recovered from the recycle bin."
                    on_confirm={move |ids: Vec<UserId>| { delete.dispatch(DeleteUsers { ids }); }}/>
            })}
        </div>
        <DeleteOutcome result=delete.value().into()
            note=" — they are in the recycle bin and can be recovered."/>
        {may_write.then(|| view! { <NewUserPanel/> })}
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let shown = columns.shown().await;
                let page_of_users = match users.await {
                    Ok(page) => page,
                    // A query the server refused is shown at the query field (QueryBar).
                    Err(AppError::Validation(_)) => return ().into_any(),
                    Err(error) => return view! { <ErrorNotice error/> }.into_any(),
                };
                let l = location.get_untracked();
                let total = page_of_users.total;
                // The list is sorted by name unless the URL says otherwise.
                let sorted_by = if l.sort.is_empty() { "name".to_string() } else { l.sort.clone() };
                let sort_href = {
                    let l = l.clone();
                    let sorted_by = sorted_by.clone();
                    move |key: String| {
                        let next = if sorted_by == key { format!("-{key}") } else { key };
                        ListLocation { sort: next, page: 1, ..l.clone() }.href()
                    }
                };
                let empty = if l.search.is_empty() && l.filter.is_empty() {
                    "No users yet. Create one with “New user” above, or import a CSV file."
                } else {
                    "No user matches this search. Clear the search or the query to see everyone."
                };
                let page_href = move |(page, size)| ListLocation { page, size, ..l.clone() }.href();
                view! {
                    <ListTable label="Users" columns=shown items=page_of_users.items sort_href
                        empty
                        sorted_by
                        selection=may_write.then_some(selected)/>
                    <Pages total page=location.get_untracked().page size=location.get_untracked().size
                        noun="users" href=page_href/>
                }.into_any()
            })}
        </Transition>
    }
    .into_any()
}

/// Quick search and the advanced query. The query is checked in the browser first (instant
/// feedback at the bad token); the server checks it again and its refusal shows here too.
#[component]
fn QueryBar(location: Memo<ListLocation>, server_error: Signal<Option<String>>) -> impl IntoView {
    let search = RwSignal::new(location.get_untracked().search);
    let filter = RwSignal::new(location.get_untracked().filter);
    Effect::new(move |_| {
        let l = location.get();
        search.set(l.search);
        filter.set(l.filter);
    });
    let local_error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = filter.get_untracked();
        if let Err(error) = parse_filter(&text) {
            local_error.set(Some(error.to_string()));
            return;
        }
        local_error.set(None);
        let l = location.get_untracked();
        navigate(
            &ListLocation {
                search: search.get_untracked(),
                filter: text,
                page: 1,
                ..l
            }
            .href(),
            Default::default(),
        );
    };
    let error = move || local_error.get().or_else(move || server_error.get());
    view! {
        <form class="toolbar query-bar" on:submit=submit>
            <label class="inline">
                "Search users"
                <input type="search" placeholder="name, full name or email" bind:value=search/>
            </label>
            <label class="inline grow">
                "Advanced query"
                <input type="text" class="query" bind:value=filter
                    placeholder=r#"userName sw "ann" and enabled eq true"#
                    aria-invalid=move || error().is_some().to_string()
                    aria-describedby="query-error"/>
            </label>
            <button type="submit">"Search"</button>
        </form>
        <Transition fallback=|| ()>
            {move || error().map(|message| view! {
                <p id="query-error" class="form-error" role="alert">{message}</p>
            })}
        </Transition>
    }
}

#[component]
fn NewUserPanel() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let name = RwSignal::new(String::new());
    let first_name = RwSignal::new(String::new());
    let last_name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let primary_group = RwSignal::new(String::new());
    open_created(create, |id| format!("/users/{}", id.0));
    let input = move || CreateUser {
        input: UserInput {
            name: name.get_untracked(),
            first_name: first_name.get_untracked(),
            last_name: last_name.get_untracked(),
            email: email.get_untracked(),
            primary_group: GroupId(primary_group.get_untracked().parse().unwrap_or(0)),
            enabled: true,
            ..UserInput::default()
        },
    };
    view! {
        <NewPanel title="New user" button="Create user" create input>
            <label>"User name" <input type="text" required bind:value=name/></label>
            <label>"First name" <input type="text" bind:value=first_name/></label>
            <label>"Last name" <input type="text" bind:value=last_name/></label>
            <label>"Email" <input type="email" bind:value=email/></label>
            <GroupPicker id="new-user-group" label="Primary group" none="Choose a group" value=primary_group required=true/>
        </NewPanel>
    }
}
