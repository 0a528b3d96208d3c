//! The group tree, now or as it was at a chosen instant. The instant, the selected group and
//! its tab live in the URL, so every view is bookmarkable.
mod changes;
mod detail;
mod time_slider;
mod tree_keys;

use crate::api::groups::{group_tree, CreateGroup};
use crate::model::{GroupInput, GroupNode, Operator, Permission};
use crate::ui::components::When;
use crate::ui::components::{
    instant_param, loaded, local_input_value, parse_instant, parse_local_instant, GroupPicker,
    NewPanel,
};
use chrono::{DateTime, Utc};
use detail::GroupDetail;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use std::collections::{HashMap, HashSet};

/// Where a link in the groups page goes: the same page with some of its URL state changed.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct GroupsLocation {
    pub as_of: Option<DateTime<Utc>>,
    pub group: Option<i64>,
    pub tab: String,
}

impl GroupsLocation {
    pub fn href(&self) -> String {
        let mut params = Vec::new();
        if let Some(at) = self.as_of {
            params.push(format!("as_of={}", instant_param(at)));
        }
        if let Some(group) = self.group {
            params.push(format!("group={group}"));
        }
        if !self.tab.is_empty() {
            params.push(format!("tab={}", self.tab));
        }
        if params.is_empty() {
            "/groups".into()
        } else {
            format!("/groups?{}", params.join("&"))
        }
    }
}

/// What the tree needs to know about the present when it shows the past.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
struct Present {
    /// Current name of every group that still exists.
    names: HashMap<i64, String>,
}

#[component]
pub fn GroupsPage() -> impl IntoView {
    let operator = expect_context::<Operator>();
    let may_write = operator.role.can(Permission::IdentityWrite);
    let query = use_query_map();
    let as_of = Memo::new(move |_| query.read().get("as_of").and_then(|s| parse_instant(&s)));
    let selected = Memo::new(move |_| {
        query
            .read()
            .get("group")
            .and_then(|s| s.parse::<i64>().ok())
    });
    let tab = Memo::new(move |_| query.read().get("tab").unwrap_or_default());
    let picking = RwSignal::new(false);
    let picked = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    // Bumped after every write so the tree and the detail reload.
    let changes = RwSignal::new(0u64);
    let create = ServerAction::<CreateGroup>::new();
    Effect::new(move |_| {
        if matches!(create.value().get(), Some(Ok(_))) {
            changes.update(|n| *n += 1);
        }
    });
    let tree = Resource::new(
        move || (as_of.get(), changes.get()),
        |(as_of, _)| group_tree(as_of),
    );
    // In the historical view, the present tree marks groups deleted or renamed since.
    let present = Resource::new(
        move || (as_of.get().is_some(), changes.get()),
        |(historical, _)| async move {
            if !historical {
                return Ok(None);
            }
            let roots = group_tree(None).await?;
            let mut names = HashMap::new();
            collect_names(&roots, &mut names);
            Ok::<_, crate::error::AppError>(Some(Present { names }))
        },
    );
    let navigate = use_navigate();
    let go = {
        let navigate = navigate.clone();
        move |location: GroupsLocation| navigate(&location.href(), Default::default())
    };
    let apply = {
        let go = go.clone();
        move |_| {
            if let Some(at) = parse_local_instant(&picked.get_untracked()) {
                picking.set(false);
                go(GroupsLocation {
                    as_of: Some(at),
                    ..GroupsLocation::default()
                });
            }
        }
    };
    let to_current = {
        let go = go.clone();
        move |_| {
            picking.set(false);
            go(GroupsLocation::default());
        }
    };
    let location = move || GroupsLocation {
        as_of: as_of.get(),
        group: selected.get(),
        tab: tab.get(),
    };
    provide_context(GroupsPageContext {
        changes,
        location: Signal::derive(location),
    });
    view! {
        <Title text="Groups"/>
        <h1>"Groups"</h1>
        <div class="toolbar">
            <label class="inline">
                "Find a group"
                <input type="search" placeholder="part of a name" bind:value=search/>
            </label>
            <super::import::CsvLinks kind=crate::model::ImportKind::Groups/>
            {move || (!picking.get()).then(|| view! {
                <button type="button" on:click=move |_| {
                    picked.set(as_of.get_untracked().map(local_input_value).unwrap_or_default());
                    picking.set(true);
                }>"Historical view"</button>
            })}
            <Show when=move || picking.get()>
                <label class="inline">
                    "View the groups as of (local time)"
                    <input type="datetime-local" bind:value=picked/>
                </label>
                <button type="button" class="primary" on:click=apply.clone()>"Apply changes"</button>
                <button type="button" on:click=move |_| picking.set(false)>"Undo"</button>
            </Show>
        </div>
        {move || as_of.get().map(|at| view! {
            <p class="banner" role="status">
                "Viewing groups as of " <When at/> " "
                <button type="button" on:click=to_current.clone()>"Switch to current view"</button>
            </p>
        })}
        <Show when=move || as_of.get().is_some() || picking.get()>
            <time_slider::TimeSlider as_of/>
            <changes::ChangesBetween as_of/>
        </Show>
        <div class="split">
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || loaded(async move {
                    let roots = tree.await?;
                    let present = present.await?;
                    let needle = search.get().trim().to_lowercase();
                    let shown = (!needle.is_empty()).then(|| matching_paths(&roots, &needle));
                    let empty = roots.is_empty();
                    Ok::<_, crate::error::AppError>(view! {
                        {empty.then(|| view! { <p class="hint">"No groups yet."</p> })}
                        {shown.as_ref().is_some_and(|s| s.is_empty()).then(|| view! {
                            <p class="hint">"No group name contains that text."</p>
                        })}
                        <ul class="tree" role="tree" aria-label="Group tree" on:keydown=tree_keys::on_tree_key>
                            {roots.into_iter().map(|node| view! {
                                <TreeNode node depth=0 shown=shown.clone() present=present.clone()/>
                            }).collect_view()}
                        </ul>
                    })
                })}
            </Transition>
            {move || selected.get().map(|id| view! { <GroupDetail id as_of=as_of.get() tab=tab.get()/> })}
        </div>
        {move || (may_write && as_of.get().is_none()).then(|| view! { <NewGroupPanel create/> })}
    }
}

#[derive(Clone, Copy)]
pub(crate) struct GroupsPageContext {
    pub changes: RwSignal<u64>,
    pub location: Signal<GroupsLocation>,
}

fn collect_names(nodes: &[GroupNode], out: &mut HashMap<i64, String>) {
    for node in nodes {
        out.insert(node.id.0, node.name.clone());
        collect_names(&node.children, out);
    }
}

/// Groups whose name contains `needle`, plus every ancestor of one (so the path shows).
fn matching_paths(nodes: &[GroupNode], needle: &str) -> HashSet<i64> {
    fn visit(node: &GroupNode, needle: &str, out: &mut HashSet<i64>) -> bool {
        let mut any = node.name.to_lowercase().contains(needle);
        for child in &node.children {
            any |= visit(child, needle, out);
        }
        if any {
            out.insert(node.id.0);
        }
        any
    }
    let mut out = HashSet::new();
    for node in nodes {
        visit(node, needle, &mut out);
    }
    out
}

/// One group and, once expanded, its children: subtrees render only when opened, so a big
/// tree costs what is on screen. A search expands the path to every match.
#[component]
fn TreeNode(
    node: GroupNode,
    depth: usize,
    shown: Option<HashSet<i64>>,
    present: Option<Present>,
) -> AnyView {
    let context = expect_context::<GroupsPageContext>();
    let id = node.id.0;
    if shown.as_ref().is_some_and(|s| !s.contains(&id)) {
        return ().into_any();
    }
    let name = node.name.clone();
    let has_children = !node.children.is_empty();
    let expanded = RwSignal::new(depth == 0 || shown.is_some());
    let children = node.children;
    let label = name.clone();
    let href = move || {
        let location = context.location.get();
        GroupsLocation {
            group: Some(id),
            tab: location.tab,
            ..location
        }
        .href()
    };
    let is_selected = move || context.location.get().group == Some(id);
    // Only meaningful in the historical view.
    let now = present.as_ref().map(|p| p.names.get(&id).cloned());
    let marker = match now {
        Some(None) => Some(view! { <span class="tag deleted">"deleted since"</span> }.into_any()),
        Some(Some(current)) if current != name => {
            Some(view! { <span class="tag">{format!("now {current}")}</span> }.into_any())
        }
        _ => None,
    };
    view! {
        <li role="treeitem" aria-selected=move || is_selected().to_string()
            aria-expanded=move || has_children.then(|| expanded.get().to_string())>
            {has_children.then(|| view! {
                <button type="button" class="twisty"
                    aria-label=move || format!("{} {}", if expanded.get() { "Collapse" } else { "Expand" }, label)
                    on:click=move |_| expanded.update(|e| *e = !*e)>
                    {move || if expanded.get() { "▾" } else { "▸" }}
                </button>
            })}
            <a href=href class:selected=is_selected>{name.clone()}</a>
            {node.disabled.then(|| view! { <span class="tag">"disabled"</span> })}
            {marker}
            {has_children.then(|| view! {
                <Show when=move || expanded.get()>
                    <ul role="group">
                        {children.clone().into_iter().map(|child| view! {
                            <TreeNode node=child depth=depth + 1 shown=shown.clone() present=present.clone()/>
                        }).collect_view()}
                    </ul>
                </Show>
            })}
        </li>
    }
    .into_any()
}

#[component]
fn NewGroupPanel(create: ServerAction<CreateGroup>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let parent = RwSignal::new(String::new());
    let input = move || CreateGroup {
        input: GroupInput {
            name: name.get_untracked(),
            description: description.get_untracked(),
            parent: parent
                .get_untracked()
                .parse::<i64>()
                .ok()
                .map(crate::model::GroupId),
            ..GroupInput::default()
        },
    };
    view! {
        <NewPanel title="New group" button="Create group" create input>
            <label>"Group name" <input type="text" required bind:value=name/></label>
            <label>"Description" <input type="text" bind:value=description/></label>
            <GroupPicker id="new-group-parent" label="Parent group" none="None (a root group)" value=parent/>
        </NewPanel>
    }
}
