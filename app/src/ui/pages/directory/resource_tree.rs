//! The tree view of a tree kind (`Rule::NoCycle`), e.g. the application access tree: every
//! object under its parent, now or as it was at a chosen instant (the group tree's picker).
use crate::api::resources::resource_tree;
use crate::model::{KindRef, ResourceKind, TreeItem, ValueType};
use crate::ui::components::{
    instant_param, loaded, local_input_value, parse_instant, parse_local_instant, urlencode, When,
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

#[component]
pub fn ResourceTreePage(kind: &'static ResourceKind) -> AnyView {
    let kind = KindRef(kind);
    let title = kind.tree_title().unwrap_or(kind.plural);
    let query = use_query_map();
    let as_of = Memo::new(move |_| query.read().get("as_of").and_then(|s| parse_instant(&s)));
    let tree = Resource::new(move || as_of.get(), move |as_of| resource_tree(kind, as_of));
    let picking = RwSignal::new(false);
    let picked = RwSignal::new(String::new());
    let navigate = use_navigate();
    let go = move |at: Option<DateTime<Utc>>| {
        let path = match at {
            Some(at) => format!(
                "{}?as_of={}",
                kind.tree_path(),
                urlencode(&instant_param(at))
            ),
            None => kind.tree_path(),
        };
        picking.set(false);
        navigate(&path, Default::default());
    };
    let apply = {
        let go = go.clone();
        move |_| {
            if let Some(at) = parse_local_instant(&picked.get_untracked()) {
                go(Some(at));
            }
        }
    };
    view! {
        <Title text=title/>
        <h1>{title}</h1>
        <div class="toolbar">
            <A href=kind.list_path()>{format!("All {}", kind.plural.to_lowercase())}</A>
            {move || (!picking.get()).then(|| view! {
                <button type="button" on:click=move |_| {
                    picked.set(as_of.get_untracked().map(local_input_value).unwrap_or_default());
                    picking.set(true);
                }>"Historical view"</button>
            })}
            <Show when=move || picking.get()>
                <label class="inline">
                    {format!("View the {} as of (local time)", title.to_lowercase())}
                    <input type="datetime-local" bind:value=picked/>
                </label>
                <button type="button" class="primary" on:click=apply.clone()>"Apply changes"</button>
                <button type="button" on:click=move |_| picking.set(false)>"Undo"</button>
            </Show>
        </div>
        {move || as_of.get().map(|at| {
            let go = go.clone();
            view! {
                <p class="banner" role="status">
                    {format!("Viewing the {} as of ", title.to_lowercase())} <When at/> " "
                    <button type="button" on:click=move |_| go(None)>"Switch to current view"</button>
                </p>
            }
        })}
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                let items = tree.await?;
                Ok::<_, crate::error::AppError>(view! {
                    {items.is_empty().then(|| view! { <p class="empty">"Nothing in the tree."</p> })}
                    <nav aria-label=title>{branch(kind, items, as_of.get_untracked())}</nav>
                })
            })}
        </Transition>
    }
    .into_any()
}

/// One level of the tree, each item linking to its page (as of the same instant).
fn branch(kind: KindRef, items: Vec<TreeItem>, as_of: Option<DateTime<Utc>>) -> AnyView {
    // The first flag tells folders from leaves (an application entry's "menu").
    let flag = kind.0.attributes.iter().find_map(|a| match a.value {
        ValueType::Flag { on, off } => Some((on, off)),
        _ => None,
    });
    view! {
        <ul class="resource-tree">
            {items.into_iter().map(|item| {
                let href = match as_of {
                    Some(at) => format!("{}?as_of={}", kind.detail_path(item.id), urlencode(&instant_param(at))),
                    None => kind.detail_path(item.id),
                };
                let label = flag.map(|(on, off)| if item.flags.first() == Some(&true) { on } else { off });
                let below = (!item.children.is_empty()).then(|| branch(kind, item.children, as_of));
                view! {
                    <li>
                        <A href=href>{item.name}</A>
                        {label.map(|l| view! { " " <span class="hint">{l}</span> })}
                        {below}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}
