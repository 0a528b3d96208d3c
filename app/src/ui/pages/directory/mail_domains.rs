use super::{may_write, route_id, DirectoryList, ListDelete, ListParams};
use crate::api::directory::{
    get_mail_domain, search_mail_domains, CreateMailDomain, DeleteMailDomains, UpdateMailDomain,
};
use crate::model::{MailDomain, MailDomainDetail, MailDomainId, MailDomainInput};
use crate::ui::components::When;
use crate::ui::components::{announce, Announce};
use crate::ui::components::{loaded, open_created, ColumnView, FormError, ListColumn, NewPanel};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// The columns of the mail domains list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DomainColumn {
    Code,
    Description,
    Lists,
    Status,
}

impl ListColumn for DomainColumn {
    type Item = MailDomain;
    type Id = MailDomainId;
    const ALL: &'static [Self] = &[Self::Code, Self::Description, Self::Lists, Self::Status];

    fn key(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Description => "description",
            Self::Lists => "lists",
            Self::Status => "status",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Code => "Code",
            Self::Description => "Description",
            Self::Lists => "Lists",
            Self::Status => "Status",
        }
    }

    fn sort_key(self) -> Option<&'static str> {
        (self == Self::Code).then_some("name")
    }

    fn cell(self, d: &MailDomain) -> AnyView {
        match self {
            Self::Code => {
                let code = d.input.code.clone();
                view! { <A href=format!("/mail-domains/{}", d.id.0)>{code}</A> }.into_any()
            }
            Self::Description => d.input.description.clone().into_any(),
            Self::Lists => d.list_count.to_string().into_any(),
            Self::Status => if d.input.obsolete {
                "Obsolete"
            } else {
                "In use"
            }
            .into_any(),
        }
    }

    fn row(d: &MailDomain) -> (MailDomainId, String) {
        (d.id, d.input.code.clone())
    }
}

#[component]
pub fn MailDomainsPage() -> AnyView {
    let params = ListParams::from_url("/mail-domains");
    let delete = ServerAction::<DeleteMailDomains>::new();
    let domains = Resource::new(
        move || (params.query(None), delete.version().get()),
        |(query, _)| search_mail_domains(query),
    );
    let columns = ColumnView::new("mail-domains.columns", DomainColumn::ALL);
    view! {
        <DirectoryList params title="Mail domains" search_label="Search mail domains"
            placeholder="code or description" csv="/files/mail-domains.csv"
            import="/mail-domains/import" columns items=domains
            delete=ListDelete::of(delete, |ids| DeleteMailDomains { ids })>
            {may_write().then(|| view! { <NewMailDomainPanel/> })}
        </DirectoryList>
    }
    .into_any()
}

/// Code, description and obsolete flag of a domain, bound to `draft`.
#[component]
fn DomainFields(draft: RwSignal<MailDomainInput>, editable: bool) -> AnyView {
    view! {
        <label>
            "Domain code"
            <input type="text" required readonly=!editable prop:value=move || draft.with(|d| d.code.clone())
                on:input=move |ev| draft.update(|d| d.code = event_target_value(&ev))/>
        </label>
        <label>
            "Description"
            <input type="text" readonly=!editable prop:value=move || draft.with(|d| d.description.clone())
                on:input=move |ev| draft.update(|d| d.description = event_target_value(&ev))/>
        </label>
        <label class="check">
            <input type="checkbox" disabled=!editable prop:checked=move || draft.with(|d| d.obsolete)
                on:change=move |ev| draft.update(|d| d.obsolete = event_target_checked(&ev))/>
            "Obsolete"
        </label>
    }
    .into_any()
}

#[component]
fn NewMailDomainPanel() -> AnyView {
    let create = ServerAction::<CreateMailDomain>::new();
    let draft = RwSignal::new(MailDomainInput::default());
    open_created(create, |id| format!("/mail-domains/{}", id.0));
    view! {
        <NewPanel title="New mail domain" button="Create mail domain" create
            input=move || CreateMailDomain { input: draft.get_untracked() }>
            <DomainFields draft editable=true/>
        </NewPanel>
    }
    .into_any()
}

#[component]
pub fn MailDomainPage() -> AnyView {
    let id = route_id();
    let update = ServerAction::<UpdateMailDomain>::new();
    announce(update);
    let domain = Resource::new(
        move || (id.get(), update.version().get()),
        |(id, _)| get_mail_domain(id, None),
    );
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                domain.await.map(|detail| view! { <MailDomainView detail update/> })
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn MailDomainView(detail: MailDomainDetail, update: ServerAction<UpdateMailDomain>) -> AnyView {
    let id = detail.domain.id.0;
    let code = detail.domain.input.code.clone();
    let editable = may_write();
    let draft = RwSignal::new(detail.domain.input.clone());
    let update_said = Announce::here();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        update_said.expect(format!(
            "Saved mail domain {}.",
            draft.with_untracked(|d| d.code.clone())
        ));
        update.dispatch(UpdateMailDomain {
            id,
            input: draft.get_untracked(),
        });
    };
    view! {
        <crate::ui::components::Breadcrumbs list="/mail-domains" list_label="Mail domains" name=code.clone()/>
        <Title text=format!("Mail domain {code}")/>
        <h1>{format!("Mail domain {code}")}</h1>
        <crate::ui::pages::AuditLink target=code.clone()/>
        <p class="hint">
            "Modified " <When at=detail.modified.at/> {format!(" by {}", detail.modified.by)}
            " · " <A href="/mail-domains">"All mail domains"</A>
        </p>
        <form on:submit=submit class="panel" aria-label="Domain attributes">
            <h2>"Attributes"</h2>
            <div class="form-grid">
                <DomainFields draft editable/>
            </div>
            <FormError result=update.value().into()/>
            {editable.then(|| view! { <button type="submit" class="primary">"Apply"</button> })}
        </form>
        <h2>"Mail lists in this domain"</h2>
        {detail.lists.is_empty().then(|| view! { <p class="empty">"No mail list is in this domain."</p> })}
        <table class="data-table" aria-label="Mail lists in this domain">
            <thead><tr><th>"List"</th><th>"Address"</th><th>"Description"</th></tr></thead>
            <tbody>
                {detail.lists.into_iter().map(|l| {
                    let address = format!("{}@{}", l.input.name, l.domain_code);
                    view! {
                        <tr>
                            <td><A href=format!("/mail-lists/{}", l.id.0)>{l.input.name}</A></td>
                            <td>{address}</td>
                            <td>{l.input.description}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
