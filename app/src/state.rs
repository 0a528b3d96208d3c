//! Server state handed to every route and server function (no globals).
use crate::store::Store;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct AuthConfig {
    /// How long a session lives after sign-in.
    pub session_ttl_secs: i64,
    /// A session unused for this long ends (`REWIND_SESSION_IDLE_MINUTES`, default 30).
    pub session_idle_secs: i64,
    /// Exporting a backup, managing operators and approving a restore need the password to
    /// have been entered within this long (sign-in or `confirm_password`; default 5 min).
    pub fresh_password_secs: i64,
    /// Adds `Secure` to the session cookie (set when served over HTTPS).
    pub secure_cookies: bool,
    /// Behind a reverse proxy (`REWIND_BEHIND_PROXY=1`): sign-in attempts are counted against
    /// the address the proxy reports in `X-Forwarded-For`, not the proxy's own address.
    pub behind_proxy: bool,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            session_ttl_secs: 8 * 60 * 60,
            session_idle_secs: 30 * 60,
            fresh_password_secs: 5 * 60,
            secure_cookies: false,
            behind_proxy: false,
        }
    }
}

#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub auth: Arc<AuthConfig>,
    /// Server-side backups (directory, jobs, mail); see `crate::backup`.
    pub system_backup: Arc<crate::backup::SystemBackups>,
    /// The REST API's OpenAPI document, which the server generates from its handlers; the
    /// console's API reference page reads it.
    pub api_reference: Arc<serde_json::Value>,
    /// Sign-in through an OpenID Connect provider, when `REWIND_OIDC_*` configure one.
    pub oidc: Option<Arc<crate::oidc::Oidc>>,
}
