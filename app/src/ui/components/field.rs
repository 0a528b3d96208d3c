//! Validation messages shown at the field they are about.
use crate::error::AppError;
use leptos::prelude::*;

/// The last error of one form, split by field: the message under each field (with the id
/// `{form}-{field}-error`, for the field's `aria-describedby`), the field's `aria-invalid`, and
/// whatever names none of the form's fields.
#[derive(Clone, Copy)]
pub struct FieldErrors {
    form: &'static str,
    error: Signal<Option<AppError>>,
}

impl FieldErrors {
    pub fn new(form: &'static str, error: impl Into<Signal<Option<AppError>>>) -> Self {
        Self {
            form,
            error: error.into(),
        }
    }

    pub fn id(self, field: &str) -> String {
        format!("{}-{field}-error", self.form)
    }

    fn message(self, field: &str) -> Option<String> {
        self.error.get().and_then(|e| e.field_message(field))
    }

    /// For `aria-invalid`.
    pub fn invalid(self, field: &'static str) -> impl Fn() -> &'static str + Copy {
        move || {
            if self.message(field).is_some() {
                "true"
            } else {
                "false"
            }
        }
    }

    /// The message under `field`, if the last error names it.
    pub fn at(self, field: &'static str) -> impl IntoView {
        move || {
            self.message(field).map(|message| {
                view! { <span class="field-error" role="alert" id=self.id(field)>{message}</span> }
            })
        }
    }

    /// The last error, unless it is about one of `fields` (shown there instead).
    pub fn rest(self, fields: &'static [&'static str]) -> impl IntoView {
        move || {
            self.error
                .get()
                .filter(|e| fields.iter().all(|field| e.field_message(field).is_none()))
                .map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })
        }
    }
}
