//! The users list: quick search, advanced query, sorting and paging on the server, a column
//! view kept per operator, and multi-select delete. Query, sort and page live in the URL.
use crate::api::groups::group_tree;
use crate::api::preferences::{get_preference, set_preference};
use crate::api::users::{list_users, CreateUser, DeleteUsers};
use crate::error::AppError;
use crate::model::{
    parse_filter, GroupId, Operator, Permission, UserId, UserInput, UserListQuery, UserSort,
    UserSummary,
};
use crate::ui::components::{format_time, ConfirmDialog, FormError, GroupPicker, Modal};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

const PAGE_SIZE: i64 = 50;
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

const ALL_COLUMNS: [Column; 8] = [
    Column::UserName,
    Column::FullName,
    Column::Email,
    Column::PrimaryGroup,
    Column::UserType,
    Column::Status,
    Column::Modified,
    Column::ModifiedBy,
];

const DEFAULT_COLUMNS: [Column; 6] = [
    Column::UserName,
    Column::FullName,
    Column::Email,
    Column::PrimaryGroup,
    Column::Status,
    Column::Modified,
];

impl Column {
    /// The key used in the URL, the preference and the query language.
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

    fn parse(key: &str) -> Option<Self> {
        ALL_COLUMNS.into_iter().find(|c| c.key() == key)
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
            Self::Modified => format_time(user.modified.at).into_any(),
            Self::ModifiedBy => user.modified.by.clone().into_any(),
        }
    }
}

fn parse_columns(text: &str) -> Vec<Column> {
    let columns: Vec<Column> = text.split(',').filter_map(Column::parse).collect();
    if columns.is_empty() {
        DEFAULT_COLUMNS.to_vec()
    } else {
        columns
    }
}

fn columns_text(columns: &[Column]) -> String {
    columns
        .iter()
        .map(|c| c.key())
        .collect::<Vec<_>>()
        .join(",")
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

pub(crate) fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The list's URL state.
#[derive(Clone, Debug, Default, PartialEq)]
struct ListLocation {
    search: String,
    filter: String,
    sort: String,
    page: i64,
}

impl ListLocation {
    fn href(&self) -> String {
        format!(
            "/users?q={}&filter={}&sort={}&page={}",
            urlencode(&self.search),
            urlencode(&self.filter),
            urlencode(&self.sort),
            self.page.max(1)
        )
    }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let operator = expect_context::<Operator>();
    let may_write = operator.role.can(Permission::IdentityWrite);
    let query = use_query_map();
    let location = Memo::new(move |_| {
        let q = query.read();
        ListLocation {
            search: q.get("q").unwrap_or_default(),
            filter: q.get("filter").unwrap_or_default(),
            sort: q.get("sort").unwrap_or_default(),
            page: q
                .get("page")
                .and_then(|p| p.parse::<i64>().ok())
                .unwrap_or(1)
                .max(1),
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
                offset: (location.page - 1) * PAGE_SIZE,
                limit: PAGE_SIZE,
            })
            .await
        },
    );
    let server_error = Signal::derive(move || match users.get() {
        Some(Err(AppError::Validation(fields))) => fields
            .into_iter()
            .find(|f| f.field == "query")
            .map(|f| f.message),
        _ => None,
    });
    let saved_columns = Resource::new(
        || (),
        |_| async move { get_preference(COLUMNS_PREFERENCE.into()).await },
    );
    let columns = RwSignal::new(DEFAULT_COLUMNS.to_vec());
    Effect::new(move |_| {
        if let Some(Ok(Some(text))) = saved_columns.get() {
            columns.set(parse_columns(&text));
        }
    });
    let choosing_columns = RwSignal::new(false);
    let selected = RwSignal::new(Vec::<(UserId, String)>::new());
    let delete = ServerAction::<DeleteUsers>::new();
    let confirming = RwSignal::new(false);
    Effect::new(move |_| {
        if matches!(delete.value().get(), Some(Ok(_))) {
            selected.set(Vec::new());
            changes.update(|n| *n += 1);
        }
    });

    view! {
        <Title text="Users"/>
        <h1>"Users"</h1>
        <QueryBar location server_error/>
        <div class="toolbar">
            <button type="button" on:click=move |_| choosing_columns.set(true)>"View"</button>
            <a class="button" download=""
                href=move || {
                    let l = location.get();
                    format!(
                        "/files/users.csv?q={}&filter={}&sort={}&columns={}",
                        urlencode(&l.search), urlencode(&l.filter), urlencode(&l.sort),
                        columns_text(&columns.get())
                    )
                }>"Download CSV"</a>
            {may_write.then(|| view! {
                <a class="button" href="/users/import">"Import CSV"</a>
                <button type="button" class="danger"
                    disabled=move || selected.with(|s| s.is_empty())
                    on:click=move |_| confirming.set(true)>
                    {move || format!("Delete selected ({})", selected.with(|s| s.len()))}
                </button>
            })}
        </div>
        <FormError result=delete.value().into()/>
        {move || delete.value().get().and_then(|r| r.ok()).map(|names| view! {
            <p class="notice" role="status">
                {format!("Deleted {} — they are in the recycle bin and can be recovered.", names.join(", "))}
            </p>
        })}
        {may_write.then(|| view! { <NewUserPanel/> })}
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let page_of_users = match users.await {
                    Ok(page) => page,
                    // A query the server refused is shown at the query field (QueryBar).
                    Err(AppError::Validation(_)) => return Ok(().into_any()),
                    Err(other) => return Err(other),
                };
                let l = location.get_untracked();
                let total = page_of_users.total;
                let last = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
                let shown = columns.get();
                let sort_href = move |key: &str| {
                    let next = if l.sort == key { format!("-{key}") } else { key.to_string() };
                    ListLocation { sort: next, page: 1, ..l.clone() }.href()
                };
                let headers = shown.iter().map(|column| {
                    let label = column.label();
                    match column.sort_key() {
                        Some(key) => view! { <th><a href=sort_href(key)>{label}</a></th> }.into_any(),
                        None => view! { <th>{label}</th> }.into_any(),
                    }
                }).collect_view();
                let on_page: Vec<(UserId, String)> = page_of_users.items.iter().map(|u| (u.id, u.name.clone())).collect();
                let all_selected = {
                    let on_page = on_page.clone();
                    move || !on_page.is_empty() && selected.with(|s| on_page.iter().all(|u| s.contains(u)))
                };
                let toggle_all = move |ev: leptos::ev::Event| {
                    let checked = event_target_checked(&ev);
                    selected.update(|s| {
                        s.retain(|u| !on_page.contains(u));
                        if checked {
                            s.extend(on_page.iter().cloned());
                        }
                    });
                };
                let rows = page_of_users.items.into_iter().map(|user| {
                    let key = (user.id, user.name.clone());
                    let key_for_check = key.clone();
                    let cells = shown.iter().map(|column| view! { <td>{column.cell(&user)}</td> }).collect_view();
                    view! {
                        <tr>
                            {may_write.then(|| view! {
                                <td>
                                    <input type="checkbox" aria-label=format!("Select {}", user.name)
                                        prop:checked=move || selected.with(|s| s.contains(&key_for_check))
                                        on:change=move |ev| {
                                            let checked = event_target_checked(&ev);
                                            let key = key.clone();
                                            selected.update(|s| {
                                                s.retain(|u| *u != key);
                                                if checked { s.push(key); }
                                            });
                                        }/>
                                </td>
                            })}
                            {cells}
                        </tr>
                    }
                }).collect_view();
                let l = location.get_untracked();
                Ok::<_, AppError>(view! {
                    <p class="hint">{format!("{total} users · page {} of {last}", l.page)}</p>
                    <table class="data-table" aria-label="Users">
                        <thead>
                            <tr>
                                {may_write.then(|| view! {
                                    <th><input type="checkbox" aria-label="Select all users on this page"
                                        prop:checked=all_selected on:change=toggle_all/></th>
                                })}
                                {headers}
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                    <nav class="pager" aria-label="Pages">
                        {(l.page > 1).then(|| view! { <a href=ListLocation { page: l.page - 1, ..l.clone() }.href()>"Previous page"</a> })}
                        {(l.page < last).then(|| view! { <a href=ListLocation { page: l.page + 1, ..l.clone() }.href()>"Next page"</a> })}
                    </nav>
                }.into_any())
            })}
        </Transition>
        <Show when=move || choosing_columns.get()>
            <ColumnsDialog columns open=choosing_columns/>
        </Show>
        <Show when=move || confirming.get()>
            <ConfirmDialog
                label="Delete users".to_string()
                message={
                    let names: Vec<String> = selected.get_untracked().into_iter().map(|(_, name)| name).collect();
                    format!(
                        "Delete {} user(s): {}? Their history stays, and they can be recovered from the recycle bin.",
                        names.len(),
                        names.join(", ")
                    )
                }
                confirm_label="Delete".to_string()
                on_confirm=move |_| {
                    confirming.set(false);
                    let ids = selected.get_untracked().into_iter().map(|(id, _)| id).collect();
                    delete.dispatch(DeleteUsers { ids });
                }
                on_close=move |_| confirming.set(false)/>
        </Show>
    }
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

/// Show/hide and reorder the list's columns; saved for this operator on the server.
#[component]
fn ColumnsDialog(columns: RwSignal<Vec<Column>>, open: RwSignal<bool>) -> impl IntoView {
    // Work on a copy: Cancel leaves the list as it was.
    let draft = RwSignal::new(
        columns
            .get_untracked()
            .into_iter()
            .map(|c| (c, true))
            .chain(
                ALL_COLUMNS
                    .into_iter()
                    .filter(|c| !columns.get_untracked().contains(c))
                    .map(|c| (c, false)),
            )
            .collect::<Vec<_>>(),
    );
    let save = Action::new(move |text: &String| {
        let text = text.clone();
        async move { set_preference(COLUMNS_PREFERENCE.into(), text).await }
    });
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Ok(()))) {
            open.set(false);
        }
    });
    let apply = move |_| {
        let chosen: Vec<Column> = draft
            .get_untracked()
            .into_iter()
            .filter(|(_, shown)| *shown)
            .map(|(c, _)| c)
            .collect();
        if chosen.is_empty() {
            return;
        }
        columns.set(chosen.clone());
        save.dispatch(columns_text(&chosen));
    };
    let move_by = move |index: usize, delta: isize| {
        draft.update(|d| {
            let target = index as isize + delta;
            if target >= 0 && (target as usize) < d.len() {
                d.swap(index, target as usize);
            }
        })
    };
    view! {
        <Modal label="Columns".to_string() on_close=move |_| open.set(false)>
            <ul class="column-list" aria-label="Columns">
                {move || draft.get().into_iter().enumerate().map(|(index, (column, shown))| view! {
                    <li>
                        <label class="check">
                            <input type="checkbox" prop:checked=shown
                                on:change=move |ev| {
                                    let checked = event_target_checked(&ev);
                                    draft.update(|d| d[index].1 = checked);
                                }/>
                            {column.label()}
                        </label>
                        <button type="button" aria-label=format!("Move {} up", column.label())
                            on:click=move |_| move_by(index, -1)>"↑"</button>
                        <button type="button" aria-label=format!("Move {} down", column.label())
                            on:click=move |_| move_by(index, 1)>"↓"</button>
                    </li>
                }).collect_view()}
            </ul>
            {move || draft.with(|d| d.iter().all(|(_, shown)| !shown)).then(|| view! {
                <p class="form-error" role="alert">"Show at least one column."</p>
            })}
            <FormError result=save.value().into()/>
            <div class="actions">
                <button type="button" class="primary" on:click=apply>"Save view"</button>
                <button type="button" on:click=move |_| open.set(false)>"Cancel"</button>
            </div>
        </Modal>
    }
}

#[component]
fn NewUserPanel() -> impl IntoView {
    let groups = Resource::new(|| (), |_| group_tree(None));
    let create = ServerAction::<CreateUser>::new();
    let name = RwSignal::new(String::new());
    let first_name = RwSignal::new(String::new());
    let last_name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let primary_group = RwSignal::new(String::new());
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            navigate(&format!("/users/{}", id.0), Default::default());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateUser {
            input: UserInput {
                name: name.get_untracked(),
                first_name: first_name.get_untracked(),
                last_name: last_name.get_untracked(),
                email: email.get_untracked(),
                primary_group: GroupId(primary_group.get_untracked().parse().unwrap_or(0)),
                enabled: true,
                ..UserInput::default()
            },
        });
    };
    view! {
        <details class="panel">
            <summary>"New user"</summary>
            <form on:submit=submit>
                <div class="form-grid">
                    <label>"User name" <input type="text" required bind:value=name/></label>
                    <label>"First name" <input type="text" bind:value=first_name/></label>
                    <label>"Last name" <input type="text" bind:value=last_name/></label>
                    <label>"Email" <input type="email" bind:value=email/></label>
                    <Suspense fallback=|| view! { <p class="loading">"Loading groups…"</p> }>
                        {move || Suspend::new(async move {
                            groups.await.map(|roots| view! {
                                <GroupPicker roots label="Primary group" none="Choose a group" value=primary_group required=true/>
                            })
                        })}
                    </Suspense>
                </div>
                <FormError result=create.value().into()/>
                <button type="submit" class="primary">"Create user"</button>
            </form>
        </details>
    }
}
