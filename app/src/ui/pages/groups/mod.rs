//! The group tree, now or as it was at a chosen instant (the date lives in the URL).
use crate::api::groups::{group_members, group_tree, CreateGroup};
use crate::model::{GroupInput, GroupNode, Operator, Permission};
use crate::ui::components::{format_time, instant_param, parse_instant, FormError};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

#[component]
pub fn GroupsPage() -> impl IntoView {
    let operator = expect_context::<Operator>();
    let may_write = operator.role.can(Permission::IdentityWrite);
    let query = use_query_map();
    let as_of = Memo::new(move |_| query.read().get("as_of").and_then(|s| parse_instant(&s)));
    let picking = RwSignal::new(false);
    let picked = RwSignal::new(String::new());
    let create = ServerAction::<CreateGroup>::new();
    let tree = Resource::new(
        move || (as_of.get(), create.version().get()),
        |(as_of, _)| group_tree(as_of),
    );
    let selected = RwSignal::new(None::<(i64, String)>);
    let navigate = use_navigate();
    let apply = {
        let navigate = navigate.clone();
        move |_| {
            if let Some(at) = parse_instant(&picked.get_untracked()) {
                picking.set(false);
                selected.set(None);
                navigate(
                    &format!("/groups?as_of={}", instant_param(at)),
                    Default::default(),
                );
            }
        }
    };
    let to_current = move |_| {
        picking.set(false);
        selected.set(None);
        navigate("/groups", Default::default());
    };
    view! {
        <Title text="Groups"/>
        <h1>"Groups"</h1>
        <div class="toolbar">
            {move || (!picking.get()).then(|| view! {
                <button type="button" on:click=move |_| {
                    picked.set(as_of.get_untracked().map(instant_param).unwrap_or_default());
                    picking.set(true);
                }>"Historical view"</button>
            })}
            <Show when=move || picking.get()>
                <label class="inline">
                    "View the groups as of (UTC)"
                    <input type="datetime-local" bind:value=picked/>
                </label>
                <button type="button" class="primary" on:click=apply.clone()>"Apply changes"</button>
                <button type="button" on:click=move |_| picking.set(false)>"Undo"</button>
            </Show>
        </div>
        {move || as_of.get().map(|at| view! {
            <p class="banner" role="status">
                {format!("Viewing groups as of {}", format_time(at))} " "
                <button type="button" on:click=to_current.clone()>"Switch to current view"</button>
            </p>
        })}
        <div class="split">
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    tree.await.map(|roots| view! {
                        <ul class="tree" role="tree" aria-label="Group tree">
                            {roots.into_iter().map(|node| view! { <TreeNode node selected/> }).collect_view()}
                        </ul>
                    })
                })}
            </Transition>
            {move || selected.get().map(|(id, name)| view! { <GroupDetail id name as_of=as_of.get()/> })}
        </div>
        {(may_write).then(|| view! { <NewGroupPanel create/> })}
    }
}

#[component]
fn TreeNode(node: GroupNode, selected: RwSignal<Option<(i64, String)>>) -> AnyView {
    let id = node.group.id.0;
    let name = node.group.input.name.clone();
    let has_children = !node.children.is_empty();
    let expanded = RwSignal::new(true);
    let children = node.children;
    let label = name.clone();
    view! {
        <li role="treeitem" aria-expanded=move || has_children.then(|| expanded.get().to_string())>
            {has_children.then(|| view! {
                <button type="button" class="twisty" aria-label=move || format!("{} {}", if expanded.get() { "Collapse" } else { "Expand" }, label)
                    on:click=move |_| expanded.update(|e| *e = !*e)>
                    {move || if expanded.get() { "▾" } else { "▸" }}
                </button>
            })}
            <button type="button" class="link-button" on:click={let name = name.clone(); move |_| selected.set(Some((id, name.clone())))}>
                {name.clone()}
            </button>
            {node.group.input.disabled.then(|| view! { <span class="tag">"disabled"</span> })}
            {has_children.then(|| view! {
                <Show when=move || expanded.get()>
                    <ul role="group">
                        {children.clone().into_iter().map(|child| view! { <TreeNode node=child selected/> }).collect_view()}
                    </ul>
                </Show>
            })}
        </li>
    }
    .into_any()
}

#[component]
fn GroupDetail(id: i64, name: String, as_of: Option<DateTime<Utc>>) -> impl IntoView {
    let members = Resource::new(move || (id, as_of), |(id, as_of)| group_members(id, as_of));
    view! {
        <section class="panel group-detail" aria-label=format!("Group {name}")>
            <h2>{format!("Group {name}")}</h2>
            <h3>"Members"</h3>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    members.await.map(|members| view! {
                        <table class="data-table" aria-label="Members">
                            <thead><tr><th>"User"</th><th>"Full name"</th><th>"Membership"</th></tr></thead>
                            <tbody>
                                {members.into_iter().map(|m| view! {
                                    <tr>
                                        <td><a href=format!("/users/{}", m.user.0)>{m.user_name}</a></td>
                                        <td>{m.full_name}</td>
                                        <td>{format!("{:?}", m.kind)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    })
                })}
            </Transition>
        </section>
    }
}

#[component]
fn NewGroupPanel(create: ServerAction<CreateGroup>) -> impl IntoView {
    let tree = Resource::new(move || create.version().get(), |_| group_tree(None));
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let parent = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateGroup {
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
        });
    };
    view! {
        <details class="panel">
            <summary>"New group"</summary>
            <form on:submit=submit>
                <div class="form-grid">
                    <label>"Group name" <input type="text" required bind:value=name/></label>
                    <label>"Description" <input type="text" bind:value=description/></label>
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            tree.await.map(|roots| {
                                let mut flat = Vec::new();
                                crate::ui::components::flatten_groups(&roots, 0, &mut flat);
                                view! {
                                    <label>
                                        "Parent group"
                                        <select bind:value=parent>
                                            <option value="">"None (a root group)"</option>
                                            {flat.into_iter().map(|(id, name, depth)| view! {
                                                <option value=id.0.to_string()>{format!("{}{}", "\u{a0}\u{a0}".repeat(depth), name)}</option>
                                            }).collect_view()}
                                        </select>
                                    </label>
                                }
                            })
                        })}
                    </Suspense>
                </div>
                <FormError result=create.value().into()/>
                <button type="submit" class="primary">"Create group"</button>
            </form>
        </details>
    }
}
