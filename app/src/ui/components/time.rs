//! Instants as people read and type them: UTC labels, the browser's local time, and the
//! `as_of` URL parameter.
use leptos::prelude::*;

/// Times are shown in UTC, always labelled, so nobody guesses the zone.
pub fn format_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

pub fn format_optional_time(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map(format_time).unwrap_or_default()
}

/// An instant as the operator reads it: their local time with the zone named
/// ("2026-05-01 11:30 CEST"), UTC on hover. The server does not know the operator's zone: it
/// renders UTC, and the browser rewrites the text once the page is interactive (so both
/// render the same text while hydrating). Files and the API keep UTC.
#[component]
pub fn When(at: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let utc = format_time(at);
    let shown = RwSignal::new(utc.clone());
    Effect::new(move |_| shown.set(local_time(at)));
    view! {
        <time datetime=at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true) title=utc>
            {move || shown.get()}
        </time>
    }
}

/// [`When`] for an instant that may be missing (an open-ended validity): nothing then.
#[component]
pub fn MaybeWhen(at: Option<chrono::DateTime<chrono::Utc>>) -> impl IntoView {
    at.map(|at| view! { <When at/> })
}

/// `at` in the browser's time zone, named; UTC where the zone is unknown (the server).
pub fn local_time(at: chrono::DateTime<chrono::Utc>) -> String {
    match local_offset(at) {
        Some((offset, zone)) => format!(
            "{} {zone}",
            at.with_timezone(&offset).format("%Y-%m-%d %H:%M")
        ),
        None => format_time(at),
    }
}

/// The browser's UTC offset at `at` (daylight saving included) and the zone's short name.
#[cfg(feature = "hydrate")]
fn local_offset(at: chrono::DateTime<chrono::Utc>) -> Option<(chrono::FixedOffset, String)> {
    let date = js_sys::Date::new(&(at.timestamp_millis() as f64).into());
    // getTimezoneOffset is UTC minus local, in minutes.
    let offset = chrono::FixedOffset::east_opt(-(date.get_timezone_offset() as i32) * 60)?;
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"timeZoneName".into(), &"short".into()).ok()?;
    // "11:30:00 CEST": the last word names the zone ("GMT-4" where it has no abbreviation).
    let zone = date
        .to_locale_time_string_with_options("en-GB", &options)
        .as_string()?
        .rsplit(' ')
        .next()?
        .to_string();
    Some((offset, zone))
}

#[cfg(not(feature = "hydrate"))]
fn local_offset(_at: chrono::DateTime<chrono::Utc>) -> Option<(chrono::FixedOffset, String)> {
    None
}

/// The browser's UTC offset now, in minutes east of UTC, and the zone's short name; None on
/// the server.
pub fn local_zone_now() -> Option<(i32, String)> {
    local_offset(chrono::Utc::now()).map(|(offset, zone)| (offset.local_minus_utc() / 60, zone))
}

/// A weekly slot (`weekday` 0 = Monday, minutes after midnight) moved by `offset_minutes`:
/// local to UTC with minus the zone's offset, UTC to local with plus it. The day follows
/// when the time crosses midnight.
pub fn shift_slot(weekday: i64, minute_of_day: i64, offset_minutes: i64) -> (i64, i64) {
    let total = weekday * 1440 + minute_of_day + offset_minutes;
    let week = 7 * 1440;
    let total = total.rem_euclid(week);
    (total / 1440, total % 1440)
}

/// A `datetime-local` input's text read in the operator's time zone (UTC on the server).
pub fn parse_local_instant(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text.trim()) {
        return Some(at.with_timezone(&chrono::Utc));
    }
    let naive = parse_instant(text)?.naive_utc();
    #[cfg(feature = "hydrate")]
    {
        // A date-time without a zone is local time to JavaScript's Date.
        let local = naive.format("%Y-%m-%dT%H:%M:%S").to_string();
        let millis = js_sys::Date::new(&local.into()).get_time();
        if millis.is_finite() {
            return chrono::DateTime::from_timestamp_millis(millis as i64);
        }
    }
    Some(naive.and_utc())
}

/// `at` for a `datetime-local` input, in the operator's time zone.
pub fn local_input_value(at: chrono::DateTime<chrono::Utc>) -> String {
    match local_offset(at) {
        Some((offset, _)) => at
            .with_timezone(&offset)
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
        None => at.format("%Y-%m-%dT%H:%M").to_string(),
    }
}

/// Reads an instant from a URL or a `datetime-local` input (`2026-03-01T09:30`, taken as UTC)
/// or RFC 3339.
pub fn parse_instant(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let text = text.trim();
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&chrono::Utc));
    }
    ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|format| chrono::NaiveDateTime::parse_from_str(text, format).ok())
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
        .map(|naive| naive.and_utc())
}

/// The value a `datetime-local` input and the URL carry for an instant: to the minute, or
/// to the second when it has seconds (a view "right after" a change must not fall before it).
pub fn instant_param(at: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Timelike;
    match at.second() {
        0 => at.format("%Y-%m-%dT%H:%M").to_string(),
        _ => at.format("%Y-%m-%dT%H:%M:%S").to_string(),
    }
}

/// A date for a `date` input: `2026-03-01` -> midnight UTC.
pub fn parse_date(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|naive| naive.and_utc())
}
