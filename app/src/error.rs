//! The one error type that crosses the wire.
use leptos::prelude::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::ServerFnErrorErr as TransportError;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    #[error("Not found: {0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{}", describe_fields(.0))]
    Validation(Vec<FieldError>),
    #[error("You do not have the {0} permission.")]
    Forbidden(String),
    #[error("Please sign in.")]
    Unauthenticated,
    /// The action needs the operator's password entered in the last few minutes; the page asks
    /// for it (`confirm_password`) and the operator tries again.
    #[error("Confirm your password to continue: this action needs it entered again.")]
    PasswordConfirmationRequired,
    #[error("Too many failed attempts; try again in {0} seconds.")]
    Throttled(i64),
    #[error("Internal error (reference {0}); the server log has the details.")]
    Internal(String),
    #[error("Request failed: {0}")]
    Transport(String),
}

/// "Password: Use at least 10 characters." — the field in words, not its key.
fn describe_fields(fields: &[FieldError]) -> String {
    fields
        .iter()
        .map(|f| format!("{}: {}", field_in_words(&f.field), f.message))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `password_confirm` → "Password confirm", `input.name` → "Name".
fn field_in_words(key: &str) -> String {
    let last = key.rsplit('.').next().unwrap_or(key);
    let words = last.replace(['_', '-'], " ");
    let mut chars = words.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Input".to_string(),
    }
}

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    /// The message for one form field, if this is a validation error that names it.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            Self::Validation(fields) => fields
                .iter()
                .find(|f| f.field == field)
                .map(|f| f.message.clone()),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let value: TransportError = value;
        Self::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    pub fn status_code(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::PasswordConfirmationRequired => StatusCode::FORBIDDEN,
            Self::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Transport(_) => StatusCode::BAD_REQUEST,
        }
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// An internal failure: the details go to the server log under a fresh reference, and only
    /// the reference reaches the browser (never an operating-system or library message).
    pub fn internal(details: impl std::fmt::Display) -> Self {
        let reference = format!("{:08x}", rand::random::<u32>());
        tracing::error!(%reference, error = %details, "internal error");
        Self::Internal(reference)
    }
}

#[cfg(feature = "ssr")]
impl From<crate::store::Error> for AppError {
    fn from(error: crate::store::Error) -> Self {
        use crate::store::Error;
        match error {
            Error::NotFound(what) => Self::NotFound(what),
            Error::Conflict(message) => Self::Conflict(message),
            Error::Invalid(fields) => Self::Validation(fields),
            Error::Throttled(seconds) => Self::Throttled(seconds),
            Error::Database(_) | Error::Migrate(_) | Error::Internal(_) => Self::internal(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_name_fields_in_words() {
        let error = AppError::Validation(vec![
            FieldError::new("password", "Use at least 10 characters."),
            FieldError::new("password_confirm", "The passwords do not match."),
            FieldError::new("input.display_name", "Too long."),
        ]);
        assert_eq!(
            error.to_string(),
            "Password: Use at least 10 characters. Password confirm: The passwords do not \
             match. Display name: Too long."
        );
    }
}
