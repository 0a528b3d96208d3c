//! Automatic backups: when they run and how many are kept.
use crate::api::system_backup::{get_backup_schedule, SetBackupSchedule};
use crate::error::AppError;
use crate::model::{clock_of_minutes, minutes_of_clock, BackupSchedule, ScheduleFrequency};
use crate::ui::components::When;
use crate::ui::components::{loaded, local_zone_now, shift_slot, FieldErrors};
use leptos::prelude::*;

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

#[component]
pub fn ScheduleForm() -> impl IntoView {
    let schedule = Resource::new(|| (), |_| get_backup_schedule());
    view! {
        <section class="panel" aria-labelledby="schedule-title">
            <h2 id="schedule-title">"Schedule"</h2>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || loaded(async move {
                    schedule.await.map(|current| view! { <ScheduleEditor current/> })
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ScheduleEditor(current: BackupSchedule) -> impl IntoView {
    let save = ServerAction::<SetBackupSchedule>::new();
    let enabled = RwSignal::new(current.enabled);
    let weekly = RwSignal::new(current.frequency == ScheduleFrequency::Weekly);
    let weekday = RwSignal::new(current.weekday.to_string());
    let time = RwSignal::new(current.time.clone());
    // The server keeps the slot in UTC; the form shows and reads it in the operator's zone
    // (at today's offset) once the page runs in the browser, and names the zone.
    let zone = RwSignal::new(None::<(i32, String)>);
    Effect::new(move |_| {
        let Some((offset, name)) = local_zone_now() else {
            return;
        };
        if let Some((day, minute)) = slot_of(&weekday.get_untracked(), &time.get_untracked()) {
            let (day, minute) = shift_slot(day, minute, i64::from(offset));
            weekday.set(day.to_string());
            time.set(clock_of_minutes(minute));
        }
        zone.set(Some((offset, name)));
    });
    let keep_last = RwSignal::new(current.keep_last.to_string());
    // Errors found before asking the server.
    let local = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(current);
    Effect::new(move |_| {
        if let Some(Ok(schedule)) = save.value().get() {
            saved.set(schedule);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if save.pending().get_untracked() {
            return;
        }
        let Ok(keep) = keep_last.get_untracked().trim().parse::<i64>() else {
            local.set(Some(AppError::invalid(
                "keep_last",
                "Enter a whole number.",
            )));
            return;
        };
        local.set(None);
        // Back to UTC; a time the browser could not read goes as typed for the server to name.
        let (mut day, mut at) = (weekday.get_untracked(), time.get_untracked());
        if let (Some((offset, _)), Some((local_day, minute))) =
            (zone.get_untracked(), slot_of(&day, &at))
        {
            let (utc_day, utc_minute) = shift_slot(local_day, minute, -i64::from(offset));
            day = utc_day.to_string();
            at = clock_of_minutes(utc_minute);
        }
        save.dispatch(SetBackupSchedule {
            enabled: enabled.get_untracked(),
            frequency: if weekly.get_untracked() {
                "weekly"
            } else {
                "daily"
            }
            .to_string(),
            weekday: day.parse().unwrap_or(0),
            time: at,
            keep_last: keep,
        });
    };
    let errors = FieldErrors::new(
        "schedule",
        Signal::derive(move || {
            local
                .get()
                .or_else(|| save.value().get().and_then(|r| r.err()))
        }),
    );
    view! {
        // The server checks every field and names the one that is wrong.
        <form on:submit=submit aria-label="Backup schedule" novalidate=true>
            <label class="checkbox">
                <input
                    type="checkbox"
                    name="enabled"
                    prop:checked=move || enabled.get()
                    on:change=move |ev| enabled.set(event_target_checked(&ev))
                />
                "Take automatic backups"
            </label>
            <div class="form-grid">
                <div class="field">
                    <label>
                        "Frequency"
                        <select
                            name="frequency"
                            prop:value=move || if weekly.get() { "weekly" } else { "daily" }
                            on:change=move |ev| weekly.set(event_target_value(&ev) == "weekly")
                            aria-invalid=errors.invalid("frequency")
                            aria-describedby="schedule-frequency-error"
                        >
                            <option value="daily">"Daily"</option>
                            <option value="weekly">"Weekly"</option>
                        </select>
                    </label>
                    {errors.at("frequency")}
                </div>
                <div class="field">
                    <label>
                        "Day of the week"
                        <select
                            name="weekday"
                            prop:value=move || weekday.get()
                            on:change=move |ev| weekday.set(event_target_value(&ev))
                            disabled=move || !weekly.get()
                            aria-invalid=errors.invalid("weekday")
                            aria-describedby="schedule-weekday-error"
                        >
                            {WEEKDAYS.iter().enumerate().map(|(i, day)| view! {
                                <option value=i.to_string()>{*day}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    {errors.at("weekday")}
                </div>
                <div class="field">
                    <label>
                        {move || match zone.get() {
                            Some((_, name)) => format!("Time ({name})"),
                            None => "Time (UTC)".to_string(),
                        }}
                        <input
                            type="time"
                            name="time"
                            required
                            prop:value=move || time.get()
                            on:input=move |ev| time.set(event_target_value(&ev))
                            aria-invalid=errors.invalid("time")
                            aria-describedby="schedule-time-error"
                        />
                    </label>
                    {errors.at("time")}
                </div>
                <div class="field">
                    <label>
                        "Automatic backups to keep"
                        <input
                            type="number"
                            name="keep_last"
                            min="1"
                            max="1000"
                            required
                            prop:value=move || keep_last.get()
                            on:input=move |ev| keep_last.set(event_target_value(&ev))
                            aria-invalid=errors.invalid("keep_last")
                            aria-describedby="schedule-keep_last-error"
                        />
                    </label>
                    {errors.at("keep_last")}
                </div>
            </div>
            <p class="hint" role="status">
                {move || {
                    let schedule = saved.get();
                    match (schedule.enabled, schedule.next_run_at) {
                        (true, Some(next)) => view! { "Next automatic backup: " <When at=next/> "." }.into_any(),
                        _ => "Automatic backups are off.".into_any(),
                    }
                }}
                {move || saved.get().last_run_at.map(|last| view! { " Last one: " <When at=last/> "." })}
            </p>
            {errors.rest(&["enabled", "frequency", "weekday", "time", "keep_last"])}
            <button type="submit" class="primary" aria-disabled=move || save.pending().get().to_string()>
                "Save schedule"
            </button>
            {move || matches!(save.value().get(), Some(Ok(_))).then(|| view! {
                <span class="form-ok-inline" role="status">"Saved."</span>
            })}
        </form>
    }
}

/// A weekday (0 = Monday) and an "HH:MM" time as minutes after midnight.
fn slot_of(weekday: &str, time: &str) -> Option<(i64, i64)> {
    let day: i64 = weekday.trim().parse().ok().filter(|d| (0..7).contains(d))?;
    Some((day, minutes_of_clock(time)?))
}
