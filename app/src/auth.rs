//! Sessions and permission checks for server functions and plain HTTP routes.
use crate::error::AppError;
use crate::model::{Operator, Permission};
use crate::state::{AppState, AuthConfig};
use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

pub const SESSION_COOKIE: &str = "rewind_session";

/// The session token from the request's cookies, if any.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
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

/// The signed-in operator for these request headers, if the session is live.
pub async fn operator_for(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Operator>, AppError> {
    match session_token(headers) {
        Some(token) => Ok(state.store.session_operator(&token).await?),
        None => Ok(None),
    }
}

/// Checks the session and one permission; used by every plain HTTP route.
pub async fn authorize_headers(
    state: &AppState,
    headers: &HeaderMap,
    permission: Permission,
) -> Result<Operator, AppError> {
    let operator = operator_for(state, headers)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if operator.role.can(permission) {
        Ok(operator)
    } else {
        Err(AppError::Forbidden(permission.name().into()))
    }
}

/// The server state and request headers inside a server function.
pub fn request_context() -> Result<(AppState, HeaderMap), AppError> {
    let (state, parts) = request_parts()?;
    Ok((state, parts.headers))
}

/// The server state and the whole request head (headers, peer address) in a server function.
pub fn request_parts() -> Result<(AppState, Parts), AppError> {
    let state = leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| AppError::Internal("server state missing".into()))?;
    let parts = leptos::prelude::use_context::<Parts>()
        .ok_or_else(|| AppError::Internal("request missing".into()))?;
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

/// Every server function starts here: session + permission, checked on the server.
pub async fn authorize(permission: Permission) -> Result<(AppState, Operator), AppError> {
    let (state, headers) = request_context()?;
    let operator = authorize_headers(&state, &headers, permission).await?;
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
