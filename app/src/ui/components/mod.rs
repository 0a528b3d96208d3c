//! Widgets shared by several pages.
use crate::error::AppError;
use leptos::prelude::*;

/// Fallback for `<ErrorBoundary>`: server errors as readable sentences.
#[component]
pub fn ErrorList(errors: ArcRwSignal<Errors>) -> impl IntoView {
    view! {
        <div class="error-box" role="alert">
            <strong>"Something went wrong"</strong>
            <ul>
                {move || {
                    errors
                        .get()
                        .into_iter()
                        .map(|(_, error)| view! { <li>{error.to_string()}</li> })
                        .collect_view()
                }}
            </ul>
        </div>
    }
}

/// The outcome of the last submission of a form: an error message, or nothing.
#[component]
pub fn FormError<T>(result: Signal<Option<Result<T, AppError>>>) -> impl IntoView
where
    T: Send + Sync + Clone + 'static,
{
    move || {
        result.get().and_then(|r| r.err()).map(|error| {
            view! { <p class="form-error" role="alert">{error.to_string()}</p> }
        })
    }
}

/// Times are shown in UTC, always labelled, so nobody guesses the zone.
pub fn format_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

pub fn format_optional_time(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map(format_time).unwrap_or_default()
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

/// The value a `datetime-local` input and the URL carry for an instant.
pub fn instant_param(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M").to_string()
}

/// A date for a `date` input: `2026-03-01` -> midnight UTC.
pub fn parse_date(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|naive| naive.and_utc())
}

/// Groups of a tree, depth-first, with their depth (for indented pickers).
pub fn flatten_groups(
    nodes: &[crate::model::GroupNode],
    depth: usize,
    out: &mut Vec<(crate::model::GroupId, String, usize)>,
) {
    for node in nodes {
        out.push((node.group.id, node.group.input.name.clone(), depth));
        flatten_groups(&node.children, depth + 1, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_from_inputs_and_urls_are_utc() {
        let at = parse_instant("2026-03-01T09:30").unwrap();
        assert_eq!(at.to_rfc3339(), "2026-03-01T09:30:00+00:00");
        assert_eq!(instant_param(at), "2026-03-01T09:30");
        assert_eq!(
            parse_instant("2026-03-01").unwrap().to_rfc3339(),
            "2026-03-01T00:00:00+00:00"
        );
        assert!(parse_instant("yesterday").is_none());
    }
}
