//! The audit log: who did what to which object, and when; filters, paging and CSV, all in
//! the URL so a filtered view can be bookmarked or sent.
use crate::api::audit::search_audit;
use crate::model::{AuditEntry, AuditQuery, Permission};
use crate::ui::components::{
    instant_param, loaded, local_input_value, parse_instant, parse_local_instant, permitted,
    NotPermitted, When,
};
use crate::ui::components::{page_param, page_size_param, urlencode, Pages};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

/// The page's URL state. Instants are UTC in the URL; the form shows them in local time.
#[derive(Clone, Debug, Default, PartialEq)]
struct AuditLocation {
    who: String,
    action: String,
    target: String,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    page: i64,
    size: i64,
}

impl AuditLocation {
    fn href(&self) -> String {
        let instant = |t: Option<DateTime<Utc>>| t.map(instant_param).unwrap_or_default();
        format!(
            "/audit?who={}&action={}&target={}&from={}&to={}&page={}&size={}",
            urlencode(&self.who),
            urlencode(&self.action),
            urlencode(&self.target),
            instant(self.from),
            instant(self.to),
            self.page.max(1),
            self.size
        )
    }

    fn csv(&self) -> String {
        let instant =
            |t: Option<DateTime<Utc>>| t.map(|t| urlencode(&t.to_rfc3339())).unwrap_or_default();
        format!(
            "/files/audit.csv?who={}&action={}&target={}&from={}&to={}",
            urlencode(&self.who),
            urlencode(&self.action),
            urlencode(&self.target),
            instant(self.from),
            instant(self.to)
        )
    }

    fn query(&self) -> AuditQuery {
        AuditQuery {
            who: self.who.clone(),
            action: self.action.clone(),
            target: self.target.clone(),
            from: self.from,
            to: self.to,
            offset: (self.page.max(1) - 1) * self.size,
            limit: self.size,
        }
    }
}

/// Audit lines as a table: when, who, action, object, outcome, and the details when asked
/// (the Overview leaves them out).
#[component]
pub fn AuditTable(
    entries: Vec<AuditEntry>,
    label: &'static str,
    #[prop(optional)] details: bool,
) -> impl IntoView {
    view! {
        <table class="data-table" aria-label=label>
            <thead><tr>
                <th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"Action"</th>
                <th scope="col">"Object"</th><th scope="col">"Outcome"</th>
                {details.then(|| view! { <th scope="col">"Details"</th> })}
            </tr></thead>
            <tbody>
                {entries.into_iter().map(|e| view! {
                    <tr>
                        <td><When at=e.at/></td>
                        <td>{e.operator_name}</td>
                        <td>{e.action}</td>
                        <td>{e.target}</td>
                        <td>{e.outcome}</td>
                        {details.then(|| view! { <td>{e.details}</td> })}
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The link to an object's audit lines (the "Audit" action on detail pages).
pub fn audit_href(target: &str) -> String {
    format!("/audit?target={}", urlencode(target))
}

/// "Audit" on a detail page: the audit lines naming `target`, for roles that read the audit.
#[component]
pub fn AuditLink(#[prop(into)] target: String) -> impl IntoView {
    permitted(Permission::AuditRead)
        .then(|| view! { <a class="button audit-link" href=audit_href(&target)>"Audit"</a> })
}

#[component]
pub fn AuditPage() -> AnyView {
    if !permitted(Permission::AuditRead) {
        return view! {
            <Title text="Audit log"/>
            <h1>"Audit log"</h1>
            <NotPermitted what="read the audit log"/>
        }
        .into_any();
    }
    let query = use_query_map();
    let location = Memo::new(move |_| {
        let q = query.read();
        AuditLocation {
            who: q.get("who").unwrap_or_default(),
            action: q.get("action").unwrap_or_default(),
            target: q.get("target").unwrap_or_default(),
            from: q.get("from").and_then(|t| parse_instant(&t)),
            to: q.get("to").and_then(|t| parse_instant(&t)),
            page: page_param(q.get("page")),
            size: page_size_param(q.get("size")),
        }
    });
    let entries = Resource::new(move || location.get(), |l| search_audit(l.query()));
    view! {
        <Title text="Audit log"/>
        <h1>"Audit log"</h1>
        <AuditFilters location/>
        <div class="toolbar">
            <a class="button" download="" href=move || location.get().csv()>"Download CSV"</a>
        </div>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                let l = location.get_untracked();
                entries.await.map(|page| {
                    let empty = page.items.is_empty();
                    view! {
                        {empty.then(|| view! {
                            <p class="empty">"Nothing recorded matches these filters. Clear a filter to see more."</p>
                        })}
                        <div class="table-scroll">
                            <AuditTable entries=page.items label="Audit log" details=true/>
                        </div>
                        <Pages total=page.total page=l.page size=l.size noun="entries"
                            href=move |(page, size)| AuditLocation { page, size, ..l.clone() }.href()/>
                    }
                })
            })}
        </Transition>
    }
    .into_any()
}

/// Who, what, which object, from and to (in local time), entries per page.
#[component]
fn AuditFilters(location: Memo<AuditLocation>) -> impl IntoView {
    let current = location.get_untracked();
    let who = RwSignal::new(current.who.clone());
    let action = RwSignal::new(current.action.clone());
    let target = RwSignal::new(current.target.clone());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    // Follows the URL (Back, a bookmark); the instants in the browser's zone.
    Effect::new(move |_| {
        let l = location.get();
        who.set(l.who);
        action.set(l.action);
        target.set(l.target);
        from.set(l.from.map(local_input_value).unwrap_or_default());
        to.set(l.to.map(local_input_value).unwrap_or_default());
    });
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let next = AuditLocation {
            who: who.get_untracked(),
            action: action.get_untracked(),
            target: target.get_untracked(),
            from: parse_local_instant(&from.get_untracked()),
            to: parse_local_instant(&to.get_untracked()),
            page: 1,
            size: location.get_untracked().size,
        };
        navigate(&next.href(), Default::default());
    };
    view! {
        <form class="filters" on:submit=submit aria-label="Filter the audit log">
            <label class="inline">"Who" <input type="search" bind:value=who placeholder="operator"/></label>
            <label class="inline">"Action" <input type="search" bind:value=action placeholder="e.g. restore"/></label>
            <label class="inline">"Object" <input type="search" bind:value=target placeholder="part of a name"/></label>
            <label class="inline">"From (local time)" <input type="datetime-local" bind:value=from/></label>
            <label class="inline">"To (local time)" <input type="datetime-local" bind:value=to/></label>
            <button type="submit" class="primary">"Apply filters"</button>
        </form>
    }
}
