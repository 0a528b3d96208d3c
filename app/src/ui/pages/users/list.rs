use crate::api::groups::group_tree;
use crate::api::users::{list_users, CreateUser};
use crate::model::{Operator, Permission, UserInput, UserListQuery, UserSort};
use crate::ui::components::{format_time, GroupPicker};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_navigate, use_query_map};

const PAGE_SIZE: i64 = 50;

fn parse_sort(text: &str) -> (UserSort, bool) {
    let descending = text.starts_with('-');
    let sort = match text.trim_start_matches('-') {
        "full_name" => UserSort::FullName,
        "modified" => UserSort::Modified,
        _ => UserSort::Name,
    };
    (sort, descending)
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let operator = expect_context::<Operator>();
    let may_write = operator.role.can(Permission::IdentityWrite);
    let query = use_query_map();
    let search = Memo::new(move |_| query.read().get("q").unwrap_or_default());
    let page = Memo::new(move |_| {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(1)
            .max(1)
    });
    let sort = Memo::new(move |_| query.read().get("sort").unwrap_or_default());
    let users = Resource::new(
        move || (search.get(), page.get(), sort.get()),
        |(search, page, sort)| async move {
            let (sort, descending) = parse_sort(&sort);
            list_users(UserListQuery {
                as_of: None,
                search,
                filter: String::new(),
                sort,
                descending,
                offset: (page - 1) * PAGE_SIZE,
                limit: PAGE_SIZE,
            })
            .await
        },
    );
    let link = move |page: i64, sort: String| {
        format!(
            "/users?q={}&sort={}&page={page}",
            urlencode(&search.get()),
            urlencode(&sort)
        )
    };
    let sort_link = move |key: &'static str| {
        let current = sort.get();
        let next = if current == key {
            format!("-{key}")
        } else {
            key.to_string()
        };
        link(1, next)
    };

    view! {
        <Title text="Users"/>
        <h1>"Users"</h1>
        <div class="toolbar">
            <Form method="GET" action="">
                <label class="inline">
                    "Search users"
                    <input type="search" name="q" prop:value=move || search.get() placeholder="name, full name or email"/>
                </label>
                <input type="hidden" name="sort" prop:value=move || sort.get()/>
                <button type="submit">"Search"</button>
            </Form>
        </div>
        {may_write.then(|| view! { <NewUserPanel/> })}
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                users.await.map(|page_of_users| {
                    let total = page_of_users.total;
                    let current = page.get_untracked();
                    let last = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
                    let sort_now = sort.get_untracked();
                    view! {
                        <p class="hint">{format!("{total} users · page {current} of {last}")}</p>
                        <table class="data-table" aria-label="Users">
                            <thead>
                                <tr>
                                    <th><a href=sort_link("name")>"User name"</a></th>
                                    <th><a href=sort_link("full_name")>"Full name"</a></th>
                                    <th>"Email"</th>
                                    <th>"Primary group"</th>
                                    <th>"Status"</th>
                                    <th><a href=sort_link("modified")>"Modified"</a></th>
                                </tr>
                            </thead>
                            <tbody>
                                {page_of_users.items.into_iter().map(|user| view! {
                                    <tr>
                                        <td><A href=format!("/users/{}", user.id.0)>{user.name.clone()}</A></td>
                                        <td>{user.full_name}</td>
                                        <td>{user.email}</td>
                                        <td>{user.primary_group_name}</td>
                                        <td>{if user.enabled { "Enabled" } else { "Disabled" }}</td>
                                        <td>{format!("{} by {}", format_time(user.modified.at), user.modified.by)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <nav class="pager" aria-label="Pages">
                            {(current > 1).then(|| view! { <a href=link(current - 1, sort_now.clone())>"Previous page"</a> })}
                            {(current < last).then(|| view! { <a href=link(current + 1, sort_now.clone())>"Next page"</a> })}
                        </nav>
                    }
                })
            })}
        </Transition>
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
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
                primary_group: crate::model::GroupId(
                    primary_group.get_untracked().parse().unwrap_or(0),
                ),
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
                <crate::ui::components::FormError result=create.value().into()/>
                <button type="submit" class="primary">"Create user"</button>
            </form>
        </details>
    }
}
