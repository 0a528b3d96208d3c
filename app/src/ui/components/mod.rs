//! Widgets shared by several pages.
use crate::error::AppError;
use leptos::prelude::*;

mod dialog;
mod field;
pub use dialog::Modal;
pub use field::FieldErrors;

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
