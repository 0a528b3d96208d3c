use super::{may_write, route_id, DirectoryList, ListDelete, ListParams};
use crate::api::directory::{
    get_system, search_accounts, search_roles, search_systems, CreateSystem, DeleteSystems,
    UpdateSystem,
};
use crate::model::{NamedObject, SystemId};
use crate::ui::components::{announce, Announce};
use crate::ui::components::{loaded, ColumnView, FormError, ListColumn};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

/// The columns of the systems list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SystemColumn {
    Name,
    Description,
}

impl ListColumn for SystemColumn {
    type Item = NamedObject;
    type Id = SystemId;
    const ALL: &'static [Self] = &[Self::Name, Self::Description];

    fn key(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Description => "description",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Name => "Name",
            Self::Description => "Description",
        }
    }

    fn sort_key(self) -> Option<&'static str> {
        (self == Self::Name).then_some("name")
    }

    fn cell(self, s: &NamedObject) -> AnyView {
        match self {
            Self::Name => {
                let name = s.name.clone();
                view! { <A href=format!("/systems/{}", s.id)>{name}</A> }.into_any()
            }
            Self::Description => s.description.clone().into_any(),
        }
    }

    fn row(s: &NamedObject) -> (SystemId, String) {
        (SystemId(s.id), s.name.clone())
    }
}

#[component]
pub fn SystemsPage() -> AnyView {
    let params = ListParams::from_url("/systems");
    let delete = ServerAction::<DeleteSystems>::new();
    let systems = Resource::new(
        move || (params.query(None), delete.version().get()),
        |(query, _)| search_systems(query),
    );
    let columns = ColumnView::new("systems.columns", SystemColumn::ALL);
    view! {
        <DirectoryList params title="Systems" search_label="Search systems"
            placeholder="name or description" csv="/files/systems.csv" columns items=systems
            delete=ListDelete::of(delete, |ids| DeleteSystems { ids })>
            {may_write().then(|| view! { <NewSystemPanel/> })}
        </DirectoryList>
    }
    .into_any()
}

#[component]
fn NewSystemPanel() -> AnyView {
    let create = ServerAction::<CreateSystem>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            navigate(&format!("/systems/{}", id.0), Default::default());
        }
    });
    view! {
        <details class="panel">
            <summary>"New system"</summary>
            <ActionForm action=create>
                <div class="form-grid">
                    <label>"System name" <input type="text" name="name" required/></label>
                    <label>"Description" <input type="text" name="description"/></label>
                </div>
                <FormError result=create.value().into()/>
                <button type="submit" class="primary">"Create system"</button>
            </ActionForm>
        </details>
    }
    .into_any()
}

#[component]
pub fn SystemPage() -> AnyView {
    let id = route_id();
    let update = ServerAction::<UpdateSystem>::new();
    announce(update);
    let system = Resource::new(
        move || (id.get(), update.version().get()),
        |(id, _)| get_system(id, None),
    );
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                system.await.map(|system| view! { <SystemEditor system update/> })
            })}
        </Transition>
        <SystemContents id/>
    }
    .into_any()
}

#[component]
fn SystemEditor(system: NamedObject, update: ServerAction<UpdateSystem>) -> AnyView {
    let name = system.name.clone();
    let said = Announce::here();
    view! {
        <crate::ui::components::Breadcrumbs list="/systems" list_label="Systems" name=name.clone()/>
        <Title text=format!("System {name}")/>
        <h1>{format!("System {name}")}</h1>
        <crate::ui::pages::AuditLink target=name.clone()/>
        <p class="hint"><A href="/systems">"All systems"</A></p>
        <section class="panel" aria-label="Attributes">
            <h2>"Attributes"</h2>
            <ActionForm action=update>
                <input type="hidden" name="id" value=system.id.to_string()/>
                <div class="form-grid">
                    <label>"System name" <input type="text" name="name" value=system.name.clone() required readonly=!may_write()/></label>
                    <label>"Description" <input type="text" name="description" value=system.description.clone() readonly=!may_write()/></label>
                </div>
                <FormError result=update.value().into()/>
                {may_write().then(|| {
                    let saved = format!("Saved system {name}.");
                    view! {
                        <button type="submit" class="primary"
                            on:click=move |_| said.expect(saved.clone())>"Apply"</button>
                    }
                })}
            </ActionForm>
        </section>
    }
    .into_any()
}

/// The accounts and roles of a system.
#[component]
fn SystemContents(id: Memo<i64>) -> AnyView {
    let query = move || crate::model::DirectoryQuery {
        parent: Some(id.get()),
        limit: 500,
        ..Default::default()
    };
    let accounts = Resource::new(query, search_accounts);
    let roles = Resource::new(query, search_roles);
    view! {
        <h2>"Roles"</h2>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                roles.await.map(|page| view! {
                    {page.items.is_empty().then(|| view! { <p class="empty">"No role belongs to this system."</p> })}
                    <table class="data-table" aria-label="Roles of this system">
                        <thead><tr><th>"Role"</th><th>"Category"</th><th>"Description"</th></tr></thead>
                        <tbody>
                            {page.items.into_iter().map(|r| view! {
                                <tr>
                                    <td><A href=format!("/roles/{}", r.id.0)>{r.input.name}</A></td>
                                    <td>{r.input.category}</td>
                                    <td>{r.input.description}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                })
            })}
        </Transition>
        <h2>"Accounts"</h2>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                accounts.await.map(|page| view! {
                    {page.items.is_empty().then(|| view! { <p class="empty">"No account is on this system."</p> })}
                    <table class="data-table" aria-label="Accounts of this system">
                        <thead><tr><th>"Account"</th><th>"Login name"</th><th>"Type"</th><th>"Status"</th></tr></thead>
                        <tbody>
                            {page.items.into_iter().map(|a| view! {
                                <tr>
                                    <td><A href=format!("/accounts/{}", a.id.0)>{a.input.name}</A></td>
                                    <td>{a.input.login_name}</td>
                                    <td>{a.input.account_type}</td>
                                    <td>{a.input.status}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                })
            })}
        </Transition>
    }
    .into_any()
}
