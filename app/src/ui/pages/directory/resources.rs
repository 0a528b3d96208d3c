//! The list of any declared kind (`model::kinds`): its columns, quick search, View, CSV
//! download and import, multi-select delete, and the "New …" form, all from the declaration.
use super::{may_write, DirectoryList, ListDelete, ListParams};
use crate::api::resources::{search_resources, CreateResource, DeleteResources};
use crate::model::{
    Attribute, DirectoryQuery, ImportKind, KindRef, ResourceInput, ResourceKind, ResourceRecord,
    ValueType,
};
use crate::ui::components::{browser_choices, open_created, ColumnView, ListColumn, NewPanel};
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::components::A;

/// A column of a kind's list: an attribute, or (past the attributes) a counted dependent.
#[derive(Clone, Copy, Debug)]
pub(super) struct ResourceColumn {
    kind: KindRef,
    index: usize,
}

impl PartialEq for ResourceColumn {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.index == other.index
    }
}

impl ResourceColumn {
    /// Every column of `kind`: its attributes, then its counts.
    fn all(kind: KindRef) -> Vec<Self> {
        (0..kind.attributes.len() + kind.counted().count())
            .map(|index| Self { kind, index })
            .collect()
    }
}

impl ListColumn for ResourceColumn {
    type Item = ResourceRecord;
    type Id = i64;

    fn key(self) -> &'static str {
        match self.kind.0.attributes.get(self.index) {
            Some(attribute) => attribute.key,
            None => self.counted().count.map(|(key, _)| key).unwrap_or_default(),
        }
    }

    fn label(self) -> &'static str {
        match self.kind.0.attributes.get(self.index) {
            Some(attribute) => attribute.heading,
            None => self
                .counted()
                .count
                .map(|(_, heading)| heading)
                .unwrap_or_default(),
        }
    }

    fn sort_key(self) -> Option<&'static str> {
        (self.index == 0).then_some("name")
    }

    fn cell(self, record: &ResourceRecord) -> AnyView {
        let kind = self.kind.0;
        let Some(attribute) = kind.attributes.get(self.index) else {
            let count = record.counts.get(self.index - kind.attributes.len());
            return count.copied().unwrap_or(0).to_string().into_any();
        };
        let text = record.values.get(self.index).cloned().unwrap_or_default();
        match attribute.value {
            _ if self.index == 0 => {
                view! { <A href=kind.detail_path(record.id)>{text}</A> }.into_any()
            }
            ValueType::Flag { on, off } => if text == "true" { on } else { off }.into_any(),
            _ => text.into_any(),
        }
    }

    fn row(record: &ResourceRecord) -> (i64, String) {
        (record.id, record.name().to_string())
    }
}

impl ResourceColumn {
    fn counted(self) -> &'static crate::model::Dependent {
        let kind = self.kind.0;
        kind.counted()
            .nth(self.index - kind.attributes.len())
            .expect("a column past the attributes is a counted dependent")
    }
}

/// The list page of `kind`, e.g. `/systems`.
#[component]
pub fn ResourceListPage(kind: &'static ResourceKind) -> AnyView {
    let kind = KindRef(kind);
    let params = ListParams::from_url(kind.slug);
    let delete = ServerAction::<DeleteResources>::new();
    let items = Resource::new(
        move || (params.query(None), delete.version().get()),
        move |(query, _)| search_resources(kind, query),
    );
    let all = ResourceColumn::all(kind);
    let columns = ColumnView::new(format!("{}.columns", kind.slug), &all, &all);
    let import = Some(ImportKind::Resource(kind).list_path() + "/import");
    view! {
        <DirectoryList params title=kind.plural search_label=format!("Search {}", kind.plural.to_lowercase())
            placeholder=kind.search_hint csv=kind.csv_path() import columns items
            delete=ListDelete::of(delete, move |ids| DeleteResources { kind, ids })>
            {kind.tree_title().map(|title| view! { <p><A href=kind.tree_path()>{title}</A></p> })}
            {kind.report_path().map(|href| view! { <p><A href=href>"Current violations (report)"</A></p> })}
            {kind.list_filter().map(|(_, attribute)| view! { <ListFilter params attribute/> })}
            {(may_write() && kind.manual_entry).then(|| view! { <NewResourcePanel kind/> })}
        </DirectoryList>
    }
    .into_any()
}

/// Narrows a list to the objects within one other (`?in=`): a host's network, a custom
/// object's type. A GET form, so the choice lands in the URL and survives a bookmark.
#[component]
fn ListFilter(params: ListParams, attribute: &'static Attribute) -> AnyView {
    let ValueType::Reference(target) = attribute.value else {
        return ().into_any();
    };
    let target = KindRef(target);
    let choices = Resource::new(
        || (),
        move |_| {
            search_resources(
                target,
                DirectoryQuery {
                    limit: 500,
                    ..Default::default()
                },
            )
        },
    );
    let label = format!("Only of {}", attribute.heading.to_lowercase());
    view! {
        <div class="toolbar">
            <Form method="GET" action="">
                <input type="hidden" name="q" prop:value=move || params.search.get()/>
                <input type="hidden" name="sort" prop:value=move || params.sort.get()/>
                <input type="hidden" name="size" prop:value=move || params.size.get().to_string()/>
                <Suspense fallback=|| ()>
                    {move || {
                        let label = label.clone();
                        Suspend::new(async move {
                            let within = params.within.get_untracked();
                            let options = choices.await.map(|page| page.items).unwrap_or_default();
                            view! {
                                <label class="inline">
                                    {label}
                                    <select name="in">
                                        <option value="">{format!("All {}", target.plural.to_lowercase())}</option>
                                        {options.into_iter().map(|r| {
                                            let chosen = r.id == within;
                                            view! { <option value=r.id.to_string() selected=chosen>{r.name().to_string()}</option> }
                                        }).collect_view()}
                                    </select>
                                </label>
                            }
                        })
                    }}
                </Suspense>
                <button type="submit">"Show"</button>
            </Form>
        </div>
    }
    .into_any()
}

#[component]
fn NewResourcePanel(kind: KindRef) -> AnyView {
    let create = ServerAction::<CreateResource>::new();
    let draft = RwSignal::new(ResourceInput {
        values: kind.blank_values(),
    });
    open_created(create, move |id| kind.detail_path(*id));
    view! {
        <NewPanel title=format!("New {}", kind.singular) button=format!("Create {}", kind.singular) create
            input=move || CreateResource { kind, input: draft.get_untracked() }>
            <ResourceFields kind draft editable=true/>
        </NewPanel>
    }
    .into_any()
}

/// The form fields of every attribute of `kind`, bound to `draft`.
#[component]
pub(super) fn ResourceFields(
    kind: KindRef,
    draft: RwSignal<ResourceInput>,
    editable: bool,
) -> AnyView {
    kind.0
        .attributes
        .iter()
        .enumerate()
        .map(|(index, attribute)| {
            let value = move || draft.with(|d| d.values.get(index).cloned().unwrap_or_default());
            let set = move |text: String| {
                draft.update(|d| {
                    if let Some(slot) = d.values.get_mut(index) {
                        *slot = text;
                    }
                })
            };
            match attribute.value {
                ValueType::Flag { .. } => view! {
                    <label class="check">
                        <input type="checkbox" disabled=!editable prop:checked=move || value() == "true"
                            on:change=move |ev| set(event_target_checked(&ev).to_string())/>
                        {attribute.label}
                    </label>
                }
                .into_any(),
                ValueType::AttributeSpec
                | ValueType::AttributeValues
                | ValueType::UserQuery
                | ValueType::RoleList
                | ValueType::RolePairs => view! {
                    <label class="wide">
                        {attribute.label}
                        <textarea name=attribute.key rows="5" readonly=!editable
                            prop:value=value on:input=move |ev| set(event_target_value(&ev))></textarea>
                    </label>
                }
                .into_any(),
                ValueType::Choice(options) => view! {
                    <label>
                        {attribute.label}
                        <select name=attribute.key disabled=!editable required=attribute.required
                            prop:value=value on:change=move |ev| set(event_target_value(&ev))>
                            {(!attribute.required).then(|| view! { <option value="">"(none)"</option> })}
                            {options.iter().map(|o| view! { <option value=*o>{*o}</option> }).collect_view()}
                        </select>
                    </label>
                }
                .into_any(),
                ValueType::Reference(target) if editable => {
                    // The current names of the target kind, offered as the field is typed in.
                    let choices_id = format!("{}-{}-choices", kind.slug, attribute.key);
                    let choices = LocalResource::new(move || {
                        search_resources(
                            KindRef(target),
                            DirectoryQuery {
                                limit: 500,
                                ..Default::default()
                            },
                        )
                    });
                    view! {
                        <label>
                            {attribute.label}
                            <input type="text" name=attribute.key required=attribute.required
                                list=choices_id.clone() autocomplete="off"
                                prop:value=value on:input=move |ev| set(event_target_value(&ev))/>
                        </label>
                        <datalist id=choices_id>
                            {browser_choices(choices, |page| page.items.iter().map(|r| {
                                view! { <option value=r.name().to_string()></option> }
                            }).collect_view())}
                        </datalist>
                    }
                    .into_any()
                }
                _ => view! {
                    <label>
                        {attribute.label}
                        <input type="text" name=attribute.key required=attribute.required readonly=!editable
                            prop:value=value on:input=move |ev| set(event_target_value(&ev))/>
                    </label>
                }
                .into_any(),
            }
        })
        .collect_view()
        .into_any()
}
