//! Sessions and permission checks for server functions and plain HTTP routes.
use crate::error::AppError;
use crate::model::{Operator, Permission};
use crate::state::{AppState, AuthConfig};
use crate::store::Session;
use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

pub const SESSION_COOKIE: &str = "rewind_session";

/// The session token from the request's cookies, if any.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE)
}

/// The value of the cookie `name` in the request, if any and not empty.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
        .filter(|value| !value.is_empty())
}

pub fn session_cookie(token: &str, state: &AppState) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        state.auth.session_ttl_secs,
        if state.auth.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    )
}

pub fn expired_session_cookie(state: &AppState) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if state.auth.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    )
}

/// What the console shows this visitor: first-run setup, sign-in, or the app.
pub async fn session_state(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<crate::model::SessionState, AppError> {
    use crate::model::SessionState;
    if !state.store.owner_exists().await? {
        return Ok(SessionState::NeedsSetup);
    }
    Ok(match operator_for(state, headers).await? {
        Some(operator) => SessionState::SignedIn(operator),
        None => SessionState::SignedOut,
    })
}

/// The session state of a page request, worked out before rendering (see [`attach_page_session`]).
#[derive(Clone, Debug)]
pub struct PageSession(pub Result<crate::model::SessionState, String>);

/// Middleware for page requests: looks the session up once, before rendering, so the console
/// frame renders synchronously on the server and hydrates from the same value. A session
/// awaited inside a `Suspend` around the whole console made Leptos build the page several
/// times on the server (once per `dry_resolve` pass), each time with new resource ids, and
/// pages opened by URL failed to hydrate.
pub async fn attach_page_session(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if request.method() == axum::http::Method::GET && !request.uri().path().starts_with("/api/") {
        let session = session_state(&state, request.headers())
            .await
            .map_err(|error| error.to_string());
        request.extensions_mut().insert(PageSession(session));
    }
    next.run(request).await
}

/// The session looked up by [`attach_page_session`] for the page being rendered.
pub fn page_session() -> Option<Result<crate::model::SessionState, String>> {
    leptos::prelude::use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<PageSession>().map(|s| s.0.clone()))
}

/// The live session for these request headers, if any.
pub async fn session_for(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Session>, AppError> {
    match session_token(headers) {
        Some(token) => Ok(state
            .store
            .session(&token, state.auth.session_idle_secs)
            .await?),
        None => Ok(None),
    }
}

/// The signed-in operator for these request headers, if the session is live.
pub async fn operator_for(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Operator>, AppError> {
    Ok(session_for(state, headers).await?.map(|s| s.operator))
}

fn permitted(session: Session, permission: Permission) -> Result<Session, AppError> {
    if session.operator.role.can(permission) {
        Ok(session)
    } else {
        Err(AppError::Forbidden(permission.name().into()))
    }
}

/// Checks the session and one permission; used by every plain HTTP route.
pub async fn authorize_headers(
    state: &AppState,
    headers: &HeaderMap,
    permission: Permission,
) -> Result<Operator, AppError> {
    let session = session_for(state, headers)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    Ok(permitted(session, permission)?.operator)
}

/// `authorize_headers` for sensitive operations (exporting a backup, managing operators,
/// approving a restore): the password must also have been entered within
/// `AuthConfig::fresh_password_secs`.
pub async fn authorize_headers_fresh(
    state: &AppState,
    headers: &HeaderMap,
    permission: Permission,
) -> Result<Operator, AppError> {
    let session = session_for(state, headers)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let session = permitted(session, permission)?;
    let age = chrono::Utc::now() - session.password_at;
    if age.num_seconds() >= state.auth.fresh_password_secs {
        return Err(AppError::PasswordConfirmationRequired);
    }
    Ok(session.operator)
}

/// The server state and request headers inside a server function.
pub fn request_context() -> Result<(AppState, HeaderMap), AppError> {
    let (state, parts) = request_parts()?;
    Ok((state, parts.headers))
}

/// The server state and the whole request head (headers, peer address) in a server function.
pub fn request_parts() -> Result<(AppState, Parts), AppError> {
    let state = leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| AppError::internal("server state missing"))?;
    let parts = leptos::prelude::use_context::<Parts>()
        .ok_or_else(|| AppError::internal("request missing"))?;
    Ok((state, parts))
}

/// The address sign-in attempts are counted against: the TCP peer, or, when
/// `AuthConfig::behind_proxy` is set, the right-most `X-Forwarded-For` entry (the one the
/// proxy itself appended; entries further left are whatever the client claimed). IPv6
/// addresses are reduced to their /64, which one client usually holds entirely.
pub fn client_address(parts: &Parts, auth: &AuthConfig) -> String {
    let forwarded = || {
        parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .next_back()
            .and_then(|ip| ip.trim().parse::<IpAddr>().ok())
    };
    let peer = || {
        parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
    };
    let address = if auth.behind_proxy {
        forwarded().or_else(peer)
    } else {
        peer()
    };
    match address.map(|ip| ip.to_canonical()) {
        Some(IpAddr::V6(ip)) => {
            let prefix = u128::from(ip) & !((1u128 << 64) - 1);
            format!("{}/64", Ipv6Addr::from(prefix))
        }
        Some(ip) => ip.to_string(),
        None => "unknown".into(),
    }
}

/// The caller of an API route (`/scim/v2`, …): a live bearer token, never a cookie, holding
/// `permission` (`ApiCaller::can`: the operator's role narrowed to the token). A refusal
/// for want of the permission is audited under the token's name.
pub async fn authorize_bearer(
    state: &AppState,
    parts: &Parts,
    permission: Permission,
) -> Result<crate::model::ApiCaller, AppError> {
    let caller = authenticate_bearer(state, parts).await?;
    require_permission(state, parts, &caller, permission).await?;
    Ok(caller)
}

/// Who the request's bearer token is, if it is a live token.
pub async fn authenticate_bearer(
    state: &AppState,
    parts: &Parts,
) -> Result<crate::model::ApiCaller, AppError> {
    let token = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or(AppError::Unauthenticated)?;
    let address = client_address(parts, &state.auth);
    state
        .store
        .api_caller(token, &address)
        .await?
        .ok_or(AppError::Unauthenticated)
}

/// Refuses (and audits) a caller whose token may not do `permission`.
pub async fn require_permission(
    state: &AppState,
    parts: &Parts,
    caller: &crate::model::ApiCaller,
    permission: Permission,
) -> Result<(), AppError> {
    if caller.can(permission) {
        return Ok(());
    }
    state
        .store
        .record_audit(&crate::store::AuditRecord {
            operator_id: Some(caller.operator.id.0),
            operator_name: &caller.author_name("API"),
            action: "token.denied",
            target: permission.name(),
            outcome: "denied",
            details: &format!("{} {}", parts.method, parts.uri.path()),
        })
        .await?;
    Err(AppError::Forbidden(permission.name().into()))
}

/// Every server function starts here: session + permission, checked on the server.
pub async fn authorize(permission: Permission) -> Result<(AppState, Operator), AppError> {
    let (state, headers) = request_context()?;
    let operator = authorize_headers(&state, &headers, permission).await?;
    Ok((state, operator))
}

/// Checks the signed-in operator's password again (throttled and audited like a sign-in); the
/// session then counts as having a freshly entered password.
pub async fn confirm_password_for(
    state: &AppState,
    parts: &Parts,
    password: &str,
) -> Result<Operator, AppError> {
    let token = session_token(&parts.headers).ok_or(AppError::Unauthenticated)?;
    let operator = operator_for(state, &parts.headers)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let address = client_address(parts, &state.auth);
    state
        .store
        .confirm_session_password(&token, &operator, password, &address)
        .await?;
    Ok(operator)
}

/// `authorize` for sensitive operations: also a recently entered password (see
/// `authorize_headers_fresh`).
pub async fn authorize_fresh(permission: Permission) -> Result<(AppState, Operator), AppError> {
    let (state, headers) = request_context()?;
    let operator = authorize_headers_fresh(&state, &headers, permission).await?;
    Ok((state, operator))
}

pub fn set_response_cookie(cookie: &str) {
    if let (Some(response), Ok(value)) = (
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
        header::HeaderValue::from_str(cookie),
    ) {
        response.append_header(header::SET_COOKIE, value);
    }
}

/// Ends every server function: an error also sets the matching HTTP status (401, 403, 422...).
pub fn reply<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(error) = &result {
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(error.status_code());
        }
    }
    result
}

/// The per-response Content-Security-Policy nonce, put in the request's extensions by the
/// server's security-headers middleware.
#[derive(Clone, Debug)]
pub struct CspNonce(pub std::sync::Arc<str>);

/// Hands the request's CSP nonce to Leptos, which puts it on the hydration and resource
/// scripts it writes into the page. Called by `shell`.
pub fn provide_csp_nonce() {
    if let Some(CspNonce(nonce)) = leptos::prelude::use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned())
    {
        leptos::prelude::provide_context(leptos::nonce::Nonce::from_value(nonce));
    }
}
