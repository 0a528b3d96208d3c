//! The History tab: everything that happened to the user as one timeline, newest first.
//! Filter by kind, choose two points (or one and now) to compare, restore to any point.
use super::restore::{
    attribute_table, diff_lists, may_restore, DiffView, RestoreFlow, RestoreStatus,
};
use crate::api::history::{diff_user_states, user_timeline};
use crate::model::{
    HistoryKind, RestoreMode, RestoreSource, TimelineChange, TimelineEvent, TimelineQuery, UserId,
};
use crate::ui::components::{format_time, loaded, When};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

const PAGE: i64 = 25;

#[component]
pub fn UserHistoryTab() -> impl IntoView {
    let context = expect_context::<super::detail::UserContext>();
    let user = context.id;
    let kinds = RwSignal::new(Vec::<HistoryKind>::new());
    let shown = RwSignal::new(PAGE);
    let changes = RwSignal::new(0u64);
    let events = Resource::new(
        move || (user.get(), kinds.get(), shown.get(), changes.get()),
        |(user, kinds, shown, _)| {
            user_timeline(TimelineQuery {
                user: UserId(user),
                kinds,
                offset: 0,
                limit: shown,
                before: None,
            })
        },
    );
    // The points chosen for comparing, in the order chosen (at most two).
    let chosen = RwSignal::new(Vec::<DateTime<Utc>>::new());
    let compared = RwSignal::new(None::<(DateTime<Utc>, Option<DateTime<Utc>>)>);
    let diff = Resource::new(
        move || (user.get(), compared.get()),
        |(user, compared)| async move {
            match compared {
                Some((from, to)) => diff_user_states(user, from, to).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let flow = RestoreFlow::new(user, move || {
        changes.update(|n| *n += 1);
        compared.set(None);
        chosen.set(Vec::new());
    });
    let compare = move |_| {
        let mut points = chosen.get_untracked();
        points.sort();
        compared.set(match points.as_slice() {
            [one] => Some((*one, None)),
            [older, newer] => Some((*older, Some(*newer))),
            _ => None,
        });
    };
    let toggle_kind = move |kind: HistoryKind, on: bool| {
        kinds.update(|kinds| {
            kinds.retain(|k| *k != kind);
            if on {
                kinds.push(kind);
            }
        });
        shown.set(PAGE);
    };
    view! {
        <h2>"History"</h2>
        <fieldset class="filter-kinds">
            <legend>"Show changes of"</legend>
            {HistoryKind::ALL.into_iter().map(|kind| view! {
                <label class="check">
                    <input type="checkbox"
                        prop:checked=move || kinds.with(|k| k.is_empty() || k.contains(&kind))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            // From "everything" a cleared box leaves the other kinds.
                            if kinds.with_untracked(|k| k.is_empty()) && !on {
                                kinds.set(HistoryKind::ALL.into_iter().filter(|k| *k != kind).collect());
                                shown.set(PAGE);
                            } else {
                                toggle_kind(kind, on);
                            }
                        }/>
                    {kind.label()}
                </label>
            }).collect_view()}
        </fieldset>
        <div class="toolbar" role="group" aria-label="Compare">
            <span class="hint">{move || match chosen.with(Vec::len) {
                0 => "Choose one point to compare it with now, or two to compare them.".to_string(),
                1 => "1 point chosen: compare it with now, or choose another.".to_string(),
                _ => "2 points chosen.".to_string(),
            }}</span>
            <button type="button" disabled=move || chosen.with(Vec::is_empty) on:click=compare>
                {move || if chosen.with(|c| c.len() == 2) { "Compare the two points" } else { "Compare with now" }}
            </button>
        </div>
        <RestoreStatus flow/>
        <Transition fallback=|| ()>
            {move || loaded(async move {
                diff.await.map(|diff| diff.map(|diff| {
                    let (from, to) = compared.get_untracked().unwrap_or_default();
                    let after = to.map(|t| format!("At {}", format_time(t))).unwrap_or_else(|| "Now".into());
                    view! {
                        <DiffView diff heading="What changed between the two points"
                            before=format!("At {}", format_time(from)) after/>
                    }
                }))
            })}
        </Transition>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                events.await.map(|page| {
                    let more = page.total > page.items.len() as i64;
                    let empty = page.items.is_empty();
                    view! {
                        <p class="hint">{format!("{} changes recorded", page.total)}</p>
                        {empty.then(|| view! { <p class="empty">"No change of the chosen kinds is recorded."</p> })}
                        <ol class="timeline" aria-label="Timeline">
                            {page.items.into_iter().map(|event| view! { <Event event chosen flow/> }).collect_view()}
                        </ol>
                        {more.then(|| view! {
                            <button type="button" on:click=move |_| shown.update(|n| *n += PAGE)>"Show older changes"</button>
                        })}
                    }
                })
            })}
        </Transition>
    }
}

/// One change on the timeline: when, who, what; choose it for comparing; restore to it.
#[component]
fn Event(
    event: TimelineEvent,
    chosen: RwSignal<Vec<DateTime<Utc>>>,
    flow: RestoreFlow,
) -> impl IntoView {
    let at = event.at;
    let when = format_time(at);
    let (class, what) = match event.change {
        TimelineChange::Created => ("created", "Created"),
        TimelineChange::Changed => ("changed", "Changed"),
        TimelineChange::Deleted => ("deleted", "Deleted"),
    };
    let nothing_shown = event.diff.is_empty();
    let restorable = event.change != TimelineChange::Deleted;
    let is_chosen = move || chosen.with(|c| c.contains(&at));
    view! {
        <li class=format!("event {class}") data-operation=event.operation_id>
            <div class="event-head">
                <When at/>
                <span class="tag">{what}</span>
                <span class="by">{format!("by {}", event.by)}</span>
                <label class="check">
                    <input type="checkbox" prop:checked=is_chosen
                        aria-label=format!("Choose the change of {when} for comparing")
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            chosen.update(|c| {
                                c.retain(|t| *t != at);
                                if on {
                                    // Two at most: a third replaces the oldest choice.
                                    if c.len() == 2 {
                                        c.remove(0);
                                    }
                                    c.push(at);
                                }
                            });
                        }/>
                    "Compare"
                </label>
                {(restorable && may_restore()).then(|| view! {
                    <button type="button" aria-label=format!("Restore to here: the user as of {when}")
                        on:click=move |_| flow.open(RestoreSource::Instant(at), RestoreMode::Exact)>
                        "Restore to here"
                    </button>
                })}
            </div>
            {nothing_shown.then(|| view! { <p class="hint">"No visible difference (a technical change)."</p> })}
            {attribute_table(&event.diff, "Before".into(), "After".into())}
            {diff_lists(&event.diff)}
        </li>
    }
}
