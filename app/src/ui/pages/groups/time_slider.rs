//! The time slider under the historical group tree: a bar per period showing how many
//! changes the tree had then, and a slider that moves the view to any instant.
use super::{GroupsLocation, GroupsPageContext};
use crate::api::groups::group_change_density;
use crate::model::ChangeDensity;
use crate::ui::components::{browser_choices, format_time, local_time};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

/// Bars in the density chart.
const BUCKETS: i64 = 120;
/// Slider steps along the whole period.
const SCALE: i64 = 1000;

#[component]
pub fn TimeSlider(as_of: Memo<Option<DateTime<Utc>>>) -> impl IntoView {
    // Loaded in the browser only: the slider is of no use before hydration.
    let density = LocalResource::new(|| group_change_density(BUCKETS));
    browser_choices(density, move |density| view! { <Slider density as_of/> })
}

#[component]
fn Slider(density: ChangeDensity, as_of: Memo<Option<DateTime<Utc>>>) -> impl IntoView {
    let page = expect_context::<GroupsPageContext>();
    let navigate = use_navigate();
    // The same group and tab, at the chosen instant.
    let go = Callback::new(move |at: DateTime<Utc>| {
        let location = GroupsLocation {
            as_of: Some(at),
            ..page.location.get_untracked()
        };
        navigate(&location.href(), Default::default());
    });
    let density = StoredValue::new(density);
    let position = RwSignal::new(SCALE);
    // Follows the URL (a bookmark, the date input, Back).
    Effect::new(move |_| {
        let at = as_of.get().unwrap_or_else(Utc::now);
        position.set(density.with_value(|d| d.position_of(at, SCALE)));
    });
    let shown = move || local_time(density.with_value(|d| d.instant_at(position.get(), SCALE)));
    let (bars, total, peak) = density.with_value(|d| {
        let peak = d.counts.iter().copied().max().unwrap_or(0).max(1);
        let width = 100.0 / d.counts.len().max(1) as f64;
        let bars = d
            .counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| {
                let height = 4.0 + 96.0 * *n as f64 / peak as f64;
                // A click shows the tree as it was at the end of the bar's period (the
                // slider is the keyboard's way there).
                let end = d.instant_at((i as i64 + 1) * SCALE / d.counts.len() as i64, SCALE);
                let tip = format!("{n} changes up to {}", local_time(end));
                view! {
                    <rect class="bar" x=format!("{:.3}", i as f64 * width) y="0"
                        width=format!("{:.3}", width) height="100" on:click=move |_| go.run(end)>
                        <title>{tip}</title>
                    </rect>
                    <rect class="bar-fill" x=format!("{:.3}", i as f64 * width) y=format!("{:.3}", 100.0 - height)
                        width=format!("{:.3}", width * 0.8) height=format!("{height:.3}")/>
                }
            })
            .collect_view();
        (bars, d.counts.iter().sum::<i64>(), peak)
    });
    let (from, to) = density.with_value(|d| (format_time(d.from), format_time(d.to)));
    view! {
        <div class="time-slider">
            <svg class="density" viewBox="0 0 100 100" preserveAspectRatio="none" aria-hidden="true">
                {bars}
            </svg>
            <label>
                <span class="visually-hidden">"Date of the historical view"</span>
                <input type="range" min="0" max=SCALE.to_string() step="1"
                    prop:value=move || position.get().to_string()
                    aria-valuetext=shown
                    on:input=move |ev| position.set(event_target_value(&ev).parse().unwrap_or(SCALE))
                    on:change=move |ev| {
                        let at = event_target_value(&ev).parse().unwrap_or(SCALE);
                        go.run(density.with_value(|d| d.instant_at(at, SCALE)));
                    }/>
            </label>
            <p class="hint">
                {move || format!("{} · {total} changes to the tree from {from} to {to} (busiest period: {peak})", shown())}
            </p>
        </div>
    }
}
