//! The console's search: users, groups, roles and accounts by name, from the box in the
//! header (`/search?q=`), the first few of each with links to the full lists.
use crate::api::search::search_everything;
use crate::model::SearchResults;
use crate::ui::components::{loaded, urlencode};
use crate::ui::pages::groups::GroupsLocation;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

/// The search box of the console's header: a GET form to `/search?q=` (the router's own
/// navigation once hydrated).
#[component]
pub fn SearchBox() -> impl IntoView {
    let query = use_query_map();
    let text = RwSignal::new(String::new());
    Effect::new(move |_| text.set(query.read().get("q").unwrap_or_default()));
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        navigate(
            &format!("/search?q={}", urlencode(text.get_untracked().trim())),
            Default::default(),
        );
    };
    view! {
        <form method="get" action="/search" class="global-search" role="search" on:submit=submit>
            <input type="search" name="q" aria-label="Search users, groups, roles and accounts"
                placeholder="Search by name" maxlength="200" bind:value=text/>
            // Named apart from the lists' own "Search" buttons on the same page.
            <button type="submit" aria-label="Search the console">"Search"</button>
        </form>
    }
}

#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let text = Memo::new(move |_| query.read().get("q").unwrap_or_default().trim().to_string());
    let results = Resource::new(
        move || text.get(),
        |text| async move {
            match text.is_empty() {
                true => Ok(None),
                false => search_everything(text).await.map(Some),
            }
        },
    );
    view! {
        <Title text="Search"/>
        <h1>"Search"</h1>
        <Transition fallback=|| view! { <p class="loading">"Searching…"</p> }>
            {move || loaded(async move {
                let text = text.get_untracked();
                results.await.map(|found| match found {
                    None => view! {
                        <p class="empty">"Type part of a name in the search box above: users, groups, roles and accounts are searched."</p>
                    }.into_any(),
                    Some(found) => view! { <Results text found/> }.into_any(),
                })
            })}
        </Transition>
    }
}

#[component]
fn Results(text: String, found: SearchResults) -> AnyView {
    let total = found.users.total + found.groups.total + found.roles.total + found.accounts.total;
    if total == 0 {
        return view! {
            <p class="empty" role="status">
                {format!("Nothing is named like “{text}”. Check the spelling, or search for a shorter part of the name.")}
            </p>
        }
        .into_any();
    }
    let q = urlencode(&text);
    let users = found
        .users
        .items
        .iter()
        .map(|u| {
            let detail = [u.full_name.as_str(), u.email.as_str()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" · ");
            (format!("/users/{}", u.id.0), u.name.clone(), detail)
        })
        .collect();
    let groups = found
        .groups
        .items
        .iter()
        .map(|g| {
            let href = GroupsLocation {
                group: Some(g.id.0),
                ..Default::default()
            }
            .href();
            (href, g.path.clone(), String::new())
        })
        .collect();
    let roles = found
        .roles
        .items
        .iter()
        .map(|r| {
            let href = format!("/roles/{}", r.id.0);
            (href, r.input.name.clone(), r.system_name.clone())
        })
        .collect();
    let accounts = found
        .accounts
        .items
        .iter()
        .map(|a| {
            let href = format!("/accounts/{}", a.id.0);
            (href, a.input.name.clone(), a.system_name.clone())
        })
        .collect();
    view! {
        <p class="hint" role="status">{format!("{total} found for “{text}”")}</p>
        <div class="search-results">
            <Section title="Users" total=found.users.total hits=users all=Some(format!("/users?q={q}"))/>
            <Section title="Groups" total=found.groups.total hits=groups all=None/>
            <Section title="Roles" total=found.roles.total hits=roles all=Some(format!("/roles?q={q}"))/>
            <Section title="Accounts" total=found.accounts.total hits=accounts all=Some(format!("/accounts?q={q}"))/>
        </div>
    }
    .into_any()
}

/// One kind's hits as (link, name, detail), and a link to all of them in their list.
#[component]
fn Section(
    title: &'static str,
    total: i64,
    hits: Vec<(String, String, String)>,
    all: Option<String>,
) -> AnyView {
    if total == 0 {
        return ().into_any();
    }
    let more = total - hits.len() as i64;
    view! {
        <section class="panel search-section" aria-label=title>
            <h2>{format!("{title} ({total})")}</h2>
            <ul>
                {hits.into_iter().map(|(href, name, detail)| view! {
                    <li>
                        <a href=href>{name}</a>
                        {(!detail.is_empty()).then(|| view! { <span class="hint">{format!(" · {detail}")}</span> })}
                    </li>
                }).collect_view()}
            </ul>
            {(more > 0).then(|| match all {
                Some(href) => view! {
                    <a href=href>{format!("All {total} {}", title.to_lowercase())}</a>
                }.into_any(),
                None => view! {
                    <p class="hint">{format!("{more} more: type more of the name to narrow the search.")}</p>
                }.into_any(),
            })}
        </section>
    }
    .into_any()
}
