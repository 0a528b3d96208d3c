//! The Overview: how much there is, how safe it is (system backups), what needs attention
//! (approvals, failures, the recycle bin) and the latest restores and activity.
use super::AuditTable;
use crate::api::audit::list_audit;
use crate::api::overview::get_overview;
use crate::model::{AuditEntry, BackupOverview, Operator, Permission};
use crate::ui::components::{loaded, Ago, When};
use leptos::prelude::*;
use leptos_meta::Title;

/// A backup older than this is flagged.
const STALE_BACKUP_DAYS: i64 = 2;

#[component]
pub fn HomePage() -> impl IntoView {
    let operator = expect_context::<Operator>();
    let may_read_audit = operator.role.can(Permission::AuditRead);
    let overview = Resource::new(|| (), |_| get_overview());
    let audit = Resource::new(|| (), move |_| list_audit(15));
    view! {
        <Title text="Overview"/>
        <h1>"Overview"</h1>
        <p class="hint">
            "Signed in as " <strong>{operator.display_name.clone()}</strong>
            {format!(" ({})", operator.role.label())}
        </p>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                overview.await.map(|overview| view! {
                    <ul class="cards" aria-label="Directory">
                        {overview.counts.into_iter().map(|c| view! {
                            <li><a class="card" href=c.href>
                                <span class="count">{c.count}</span>
                                <span class="label">{c.label}</span>
                            </a></li>
                        }).collect_view()}
                        <li><a class="card" href="/recycle-bin">
                            <span class="count">{overview.recycle_bin}</span>
                            <span class="label">"In the recycle bin"</span>
                        </a></li>
                    </ul>
                    {overview.backups.map(|backups| view! { <BackupsPanel backups/> })}
                    {overview.recent_restores.map(|restores| view! {
                        <section class="panel" aria-labelledby="restores-heading">
                            <h2 id="restores-heading">"Recent restores"</h2>
                            <RecentAudit entries=restores label="Recent restores"
                                empty="No restore yet. Restores of users, records and the whole system appear here."/>
                        </section>
                    })}
                })
            })}
        </Transition>
        {may_read_audit.then(|| view! {
            <section class="panel" aria-labelledby="activity-heading">
                <h2 id="activity-heading">"Recent activity"</h2>
                <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || loaded(async move {
                        audit.await.map(|entries| view! {
                            <RecentAudit entries label="Recent activity" empty="Nothing recorded yet."/>
                        })
                    })}
                </Transition>
            </section>
        })}
    }
}

/// The last system backup and its age, failures since, the next run and waiting approvals.
#[component]
fn BackupsPanel(backups: BackupOverview) -> impl IntoView {
    let stale = backups.last.as_ref().is_none_or(|last| {
        chrono::Utc::now() - last.created_at > chrono::Duration::days(STALE_BACKUP_DAYS)
    });
    view! {
        <section class="panel" class:attention=stale aria-labelledby="backups-heading">
            <h2 id="backups-heading">"System backups"</h2>
            <ul class="facts">
                <li>{match backups.last {
                    Some(last) => view! {
                        "Last backup " <Ago at=last.created_at/>
                        {format!(": {}, by {}", last.label, last.created_by)}
                    }.into_any(),
                    None => view! {
                        "No system backup yet. " <a href="/system-backup">"Make the first one"</a>
                    }.into_any(),
                }}</li>
                {(backups.failed_since_last > 0).then(|| view! {
                    <li class="warning">{format!(
                        "{} backup{} failed since then: see the catalogue.",
                        backups.failed_since_last,
                        if backups.failed_since_last == 1 { "" } else { "s" }
                    )}</li>
                })}
                <li>{match backups.next_run {
                    Some(at) => view! { "Next scheduled backup " <When at/> }.into_any(),
                    None => view! {
                        "No automatic backups. " <a href="/system-backup">"Set a schedule"</a>
                    }.into_any(),
                }}</li>
                {(backups.pending_approvals > 0).then(|| view! {
                    <li class="warning">
                        {format!(
                            "{} system restore{} waiting for the Owner's code. ",
                            backups.pending_approvals,
                            if backups.pending_approvals == 1 { " is" } else { "s are" }
                        )}
                        <a href="/inbox">"Open the inbox"</a>
                    </li>
                })}
            </ul>
        </section>
    }
}

/// The audit lines, or `empty` when there are none.
#[component]
fn RecentAudit(
    entries: Vec<AuditEntry>,
    label: &'static str,
    empty: &'static str,
) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="empty">{empty}</p> }.into_any();
    }
    view! { <AuditTable entries label/> }.into_any()
}
