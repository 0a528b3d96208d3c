//! "Changes between A and B" under the historical group tree: every group created, renamed,
//! moved, edited or deleted in a period, each linking to the group as it was right after.
use super::GroupsLocation;
use crate::api::groups::ListGroupChanges;
use crate::model::{GroupChange, GroupChangeKind};
use crate::ui::components::{local_input_value, parse_local_instant, FormError, When};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

#[component]
pub fn ChangesBetween(as_of: Memo<Option<DateTime<Utc>>>) -> impl IntoView {
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    // The period starts at the instant being viewed (filled in the browser, in local time).
    Effect::new(move |_| {
        if let Some(at) = as_of.get() {
            from.set(local_input_value(at));
        }
    });
    let load = ServerAction::<ListGroupChanges>::new();
    let problem = RwSignal::new(None::<&'static str>);
    let show = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(start) = parse_local_instant(&from.get_untracked()) else {
            problem.set(Some("Enter the start of the period."));
            return;
        };
        let end = to.get_untracked();
        let end = if end.trim().is_empty() {
            None
        } else {
            match parse_local_instant(&end) {
                Some(end) => Some(end),
                None => {
                    problem.set(Some("Enter a valid end, or leave it empty for now."));
                    return;
                }
            }
        };
        problem.set(None);
        load.dispatch(ListGroupChanges {
            from: start,
            to: end,
        });
    };
    view! {
        <form class="changes-between" on:submit=show aria-label="Changes between two dates">
            <label class="inline">"Changes from (local time)" <input type="datetime-local" bind:value=from/></label>
            <label class="inline">"to" <input type="datetime-local" bind:value=to placeholder="now"/></label>
            <button type="submit" disabled=move || load.pending().get()>"Show changes"</button>
        </form>
        {move || problem.get().map(|text| view! { <p class="form-error" role="alert">{text}</p> })}
        <FormError result=load.value().into()/>
        {move || load.value().get().and_then(Result::ok).map(|found| {
            let count = found.changes.len();
            view! {
                <section class="panel" aria-label="Changes to the group tree">
                    <p class="hint">{match (count, found.truncated) {
                        (0, _) => "No group changed in this period.".to_string(),
                        (n, true) => format!("The newest {n} changes (there are more: shorten the period)."),
                        (1, false) => "1 change.".to_string(),
                        (n, false) => format!("{n} changes."),
                    }}</p>
                    <ol class="changes">
                        {found.changes.into_iter().map(|change| view! { <ChangeLine change/> }).collect_view()}
                    </ol>
                </section>
            }
        })}
    }
}

#[component]
fn ChangeLine(change: GroupChange) -> impl IntoView {
    let what = match &change.kind {
        GroupChangeKind::Created {
            parent: Some(parent),
        } => format!("created under {parent}"),
        GroupChangeKind::Created { parent: None } => "created at the top".to_string(),
        GroupChangeKind::Renamed { from } => format!("renamed from “{from}”"),
        GroupChangeKind::Moved { from, to } => format!(
            "moved from {} to {}",
            from.as_deref().unwrap_or("the top"),
            to.as_deref().unwrap_or("the top")
        ),
        GroupChangeKind::Edited => "edited".to_string(),
        GroupChangeKind::Deleted => "deleted".to_string(),
    };
    let class = match change.kind {
        GroupChangeKind::Created { .. } => "added",
        GroupChangeKind::Deleted => "removed",
        _ => "changed",
    };
    // A deleted group is shown as it was just before; any other as it was just after.
    let seen_at = match change.kind {
        GroupChangeKind::Deleted => change.at - chrono::Duration::seconds(60),
        _ => change.at + chrono::Duration::seconds(60),
    };
    let href = GroupsLocation {
        as_of: Some(seen_at),
        group: Some(change.group.0),
        tab: String::new(),
    }
    .href();
    view! {
        <li class=class>
            <When at=change.at/> " "
            <a href=href>{change.name.clone()}</a>
            {format!(" {what}, by {}", change.by)}
        </li>
    }
}
