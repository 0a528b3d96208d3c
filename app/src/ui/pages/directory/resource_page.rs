//! The page of one object of any declared kind: its attributes (editable now, read-only as
//! of a past instant), what refers to it, and its history with restore of an old version.
use super::access_panel::{AccessActions, AccessPanel};
use super::resources::ResourceFields;
use super::rule_panel::{RuleApplyPanel, RulePreviewRequest};
use super::secret_panel::SecretPanel;
use super::{may_write, route_id};
use crate::api::resources::{
    get_resource, resource_history, RestoreResourceVersion, UpdateResource,
};
use crate::model::{
    kinds, KindRef, ResourceDetail, ResourceInput, ResourceKind, ResourceVersion, ValueType,
};
use crate::ui::components::{
    announce, instant_param, loaded, local_input_value, parse_instant, parse_local_instant,
    urlencode, Announce, Breadcrumbs, FormError, Modal, VaultFolderPeople, When,
};
use crate::ui::pages::AuditLink;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

/// The page of one object, e.g. `/systems/7`; `?as_of=` shows it as it was then.
#[component]
pub fn ResourcePage(kind: &'static ResourceKind) -> AnyView {
    let kind = KindRef(kind);
    let id = route_id();
    let query = use_query_map();
    let as_of = Memo::new(move |_| query.read().get("as_of").and_then(|s| parse_instant(&s)));
    let update = ServerAction::<UpdateResource>::new();
    let restore = ServerAction::<RestoreResourceVersion>::new();
    // Saves and restores say what they did in the frame's live region.
    announce(update);
    announce(restore);
    let access = AccessActions::new();
    let detail = Resource::new(
        move || {
            (
                id.get(),
                as_of.get(),
                update.version().get() + restore.version().get() + access.version(),
            )
        },
        move |(id, as_of, _)| get_resource(kind, id, as_of),
    );
    let rule_preview = kind.assigns_roles().map(|_| RulePreviewRequest::new(id));
    if let Some(preview) = rule_preview {
        // A restored rule is not applied by the restore: its preview says what applying would do.
        Effect::new(move |_| {
            if matches!(restore.value().get(), Some(Ok(_))) {
                preview.ask();
            }
        });
    }
    let context = PageContext {
        kind,
        as_of,
        update,
        restore,
        access,
        history: RwSignal::new(None),
        rule_preview,
    };
    // Outside the page's Transition: a restore reloads the page, not the open history.
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                detail.await.map(|detail| view! { <ResourceView context detail/> })
            })}
        </Transition>
        {move || context.history.get().map(|name| view! {
            <HistoryDialog context id=id.get_untracked() name on_close=move || context.history.set(None)/>
        })}
    }
    .into_any()
}

#[derive(Clone, Copy)]
struct PageContext {
    kind: KindRef,
    as_of: Memo<Option<DateTime<Utc>>>,
    update: ServerAction<UpdateResource>,
    restore: ServerAction<RestoreResourceVersion>,
    /// Adding to and removing from the kind's access list, if it has one.
    access: AccessActions,
    /// The open history dialog, with the name it was opened on.
    history: RwSignal<Option<String>>,
    /// A role assignment rule's "Preview changes", kept across the page's reloads.
    rule_preview: Option<RulePreviewRequest>,
}

#[component]
fn ResourceView(context: PageContext, detail: ResourceDetail) -> AnyView {
    let PageContext {
        kind,
        as_of,
        update,
        history,
        access,
        ..
    } = context;
    let record = detail.record;
    let id = record.id;
    let name = record.name().to_string();
    let heading = format!("{} {name}", kind.title());
    let historical = as_of.get_untracked().is_some();
    let editable = may_write() && !historical && kind.manual_entry;
    let draft = RwSignal::new(ResourceInput {
        values: record.values.clone(),
    });
    let said = Announce::here();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = draft.with_untracked(|d| d.values.first().cloned().unwrap_or_default());
        said.expect(format!("Saved {} {}.", kind.singular, name.trim()));
        update.dispatch(UpdateResource {
            kind,
            id,
            input: draft.get_untracked(),
        });
    };
    view! {
        <Breadcrumbs list=kind.list_path() list_label=kind.plural name=name.clone()/>
        <Title text=heading.clone()/>
        <h1>{heading.clone()}</h1>
        <div class="toolbar">
            <AuditLink target=name.clone()/>
            <button type="button" on:click={
                let name = name.clone();
                move |_| history.set(Some(name.clone()))
            }>"History"</button>
            <AsOfForm kind id/>
        </div>
        <p class="hint">
            "Modified " <When at=record.modified.at/> {format!(" by {}", record.modified.by)}
            " · " <A href=kind.list_path()>{format!("All {}", kind.plural.to_lowercase())}</A>
        </p>
        {as_of.get_untracked().map(|at| view! {
            <p class="banner" role="status">
                {format!("Viewing this {} as of ", kind.singular)} <When at/> " "
                <a href=kind.detail_path(id)>"Switch to current view"</a>
            </p>
        })}
        <form on:submit=submit class="panel" aria-label="Attributes">
            <h2>"Attributes"</h2>
            <div class="form-grid">
                <ResourceFields kind draft editable/>
            </div>
            <FormError result=update.value().into()/>
            {editable.then(|| view! { <button type="submit" class="primary">"Apply"</button> })}
        </form>
        {context.rule_preview.filter(|_| !historical).map(|preview| view! {
            <RuleApplyPanel rule=id name=name.clone() editable preview/>
        })}
        {(kind.keeps_secret() && !historical).then(|| view! {
            <SecretPanel account=id name=name.clone() editable/>
        })}
        {(kind.slug == kinds::VAULT_FOLDERS.slug && !historical).then(|| view! {
            <VaultFolderPeople folder=id changes=Signal::derive(move || access.version())/>
        })}
        {kind.0.access.filter(|_| editable).map(|list| view! {
            <AccessPanel kind list actions=access object=id name=name.clone()/>
        })}
        {kind.0.dependents.iter().zip(detail.dependents).map(|(dependent, rows)| view! {
            <h2>{dependent.title}</h2>
            {kinds::narrowed_list_of(dependent).filter(|_| !rows.is_empty()).map(|listed| view! {
                <p><A href=listed.list_path_within(id)>{format!("Open them in the {} list", listed.plural.to_lowercase())}</A></p>
            })}
            {rows.is_empty().then(|| view! { <p class="empty">{dependent.empty}</p> })}
            <table class="data-table" aria-label=dependent.title>
                <thead><tr>{dependent.columns.iter().map(|(_, h)| view! { <th>{*h}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {rows.into_iter().map(|row| view! {
                        <tr>
                            {row.cells.into_iter().enumerate().map(|(i, cell)| if i == 0 && !dependent.href.is_empty() {
                                view! { <td><A href=format!("{}{}", dependent.href, row.id)>{cell}</A></td> }.into_any()
                            } else {
                                view! { <td>{cell}</td> }.into_any()
                            }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }).collect_view()}
    }
    .into_any()
}

/// "View as of": opens the page as the object was at a chosen local time.
#[component]
fn AsOfForm(kind: KindRef, id: i64) -> AnyView {
    let query = use_query_map();
    let picked = RwSignal::new(String::new());
    Effect::new(move |_| {
        let current = query.read().get("as_of").and_then(|s| parse_instant(&s));
        picked.set(current.map(local_input_value).unwrap_or_default());
    });
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let path = match parse_local_instant(&picked.get_untracked()) {
            Some(at) => format!(
                "{}?as_of={}",
                kind.detail_path(id),
                urlencode(&instant_param(at))
            ),
            None => kind.detail_path(id),
        };
        navigate(&path, Default::default());
    };
    view! {
        <form class="inline" on:submit=submit>
            <label class="inline">"View as of (local time)"
                <input type="datetime-local" bind:value=picked/>
            </label>
            <button type="submit">"Show"</button>
        </form>
    }
    .into_any()
}

/// Versions shown per page of the history.
const HISTORY_PAGE: i64 = 50;

/// Every version of the object, newest first, the values that changed marked; Restore puts
/// an old version's values back as a new version.
#[component]
fn HistoryDialog(
    context: PageContext,
    id: i64,
    name: String,
    #[prop(into)] on_close: Callback<()>,
) -> AnyView {
    let PageContext { kind, restore, .. } = context;
    let offset = RwSignal::new(0i64);
    let versions = Resource::new(
        move || (offset.get(), restore.version().get()),
        move |(offset, _)| resource_history(kind, id, offset, HISTORY_PAGE),
    );
    let writer = may_write();
    let said = Announce::here();
    view! {
        <Modal label=format!("History of {} {name}", kind.singular) on_close=move |_| on_close.run(())>
            <FormError result=restore.value().into()/>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || loaded(async move {
                    versions.await.map(|page| {
                        let shown = page.items.len() as i64;
                        let total = page.total;
                        let start = page.offset;
                        let rows = version_rows(kind, page.items, writer, move |version: &ResourceVersion| {
                            said.expect(format!("Restored {} {}.", kind.singular, version.values.first().cloned().unwrap_or_default()));
                            restore.dispatch(RestoreResourceVersion { kind, id, version_id: version.version_id });
                        });
                        view! {
                            <table class="data-table" aria-label="Versions">
                                <thead><tr>
                                    <th>"From"</th><th>"Until"</th><th>"Changed by"</th>
                                    {kind.0.attributes.iter().map(|a| view! { <th>{a.heading}</th> }).collect_view()}
                                    <th></th>
                                </tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                            <p class="hint">{format!("Versions {}–{} of {total}", start + 1, start + shown)}</p>
                            <div class="actions">
                                {(start > 0).then(|| view! {
                                    <button type="button" on:click=move |_| offset.update(|o| *o = (*o - HISTORY_PAGE).max(0))>"Newer"</button>
                                })}
                                {(start + shown < total).then(|| view! {
                                    <button type="button" on:click=move |_| offset.update(|o| *o += HISTORY_PAGE)>"Older"</button>
                                })}
                            </div>
                        }
                    })
                })}
            </Transition>
        </Modal>
    }
    .into_any()
}

/// The rows of the versions table: a value that differs from the version before it is marked.
fn version_rows(
    kind: KindRef,
    versions: Vec<ResourceVersion>,
    writer: bool,
    restore: impl Fn(&ResourceVersion) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let older: Vec<Option<Vec<String>>> = (0..versions.len())
        .map(|i| versions.get(i + 1).map(|v| v.values.clone()))
        .collect();
    versions
        .into_iter()
        .zip(older)
        .map(|(version, older)| {
            let cells = kind
                .0
                .attributes
                .iter()
                .enumerate()
                .map(|(i, attribute)| {
                    let value = version.values.get(i).cloned().unwrap_or_default();
                    let changed = older
                        .as_ref()
                        .is_some_and(|o| o.get(i) != version.values.get(i));
                    let text = match attribute.value {
                        ValueType::Flag { on, off } => {
                            if value == "true" { on } else { off }.to_string()
                        }
                        _ => value,
                    };
                    if changed {
                        view! { <td><mark>{text}</mark></td> }.into_any()
                    } else {
                        view! { <td>{text}</td> }.into_any()
                    }
                })
                .collect_view();
            let ended = version.until.is_some();
            let label = format!("Restore the version of {}", version.since.format("%Y-%m-%d %H:%M:%S UTC"));
            let chosen = version.clone();
            view! {
                <tr>
                    <td><When at=version.since/></td>
                    <td>{match version.until {
                        Some(at) => view! { <When at/> }.into_any(),
                        None => "now".into_any(),
                    }}</td>
                    <td>{version.changed_by.clone()}</td>
                    {cells}
                    <td>{(writer && ended).then(|| view! {
                        <button type="button" aria-label=label on:click=move |_| restore(&chosen)>"Restore"</button>
                    })}</td>
                </tr>
            }
        })
        .collect_view()
}
