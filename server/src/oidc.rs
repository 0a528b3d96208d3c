//! `/auth/oidc/start` and `/auth/oidc/callback`: operators sign in (or confirm a sensitive
//! action, or link their own account) through the OpenID Connect provider (`app::oidc`). Both are GETs the browser makes
//! by following a link and the provider's redirect.
//!
//! The state, nonce and PKCE verifier stay on the server (`store::oidc`), under the SHA-256 of
//! a random key the browser holds in a short-lived `HttpOnly; SameSite=Lax` cookie (Lax, so the
//! provider's redirect back carries it): a sign-in comes back only in the browser that started
//! it, once, within minutes. Every failure sends the browser back with a refusal code only
//! (`?oidc_error=…`), never text from the request, and never answers 500.
use app::model::{OidcRefusal, Operator, OIDC_ERROR_PARAM};
use app::oidc::{Oidc, Purpose, Verified};
use app::state::AppState;
use app::store::{NewSession, PendingSignIn, ProviderIdentity, OIDC_SIGN_IN_TTL_SECS};
use axum::extract::{Request, State};
use axum::http::{header, request::Parts, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

const FLOW_COOKIE: &str = "rewind_oidc";
/// The provider's answer is a few hundred bytes; anything much longer is not one.
const MAX_QUERY: usize = 8 * 1024;
const MAX_CODE: usize = 2048;
/// The provider's clock may differ from ours by this much (`auth_time` of a confirmation).
const CLOCK_SKEW_SECS: i64 = 60;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/oidc/start", get(start))
        .route("/auth/oidc/callback", get(callback))
}

/// `?purpose=login|confirm|link&return_to=/path`: sends the browser to the provider.
async fn start(State(state): State<AppState>, request: Request) -> Response {
    let Some(oidc) = state.oidc.clone() else {
        return (
            StatusCode::NOT_FOUND,
            "Sign-in through an identity provider is not set up.",
        )
            .into_response();
    };
    let (parts, _) = request.into_parts();
    let query = query_pairs(&parts);
    let purpose = query
        .iter()
        .find(|(k, _)| k == "purpose")
        .and_then(|(_, v)| Purpose::parse(v))
        .unwrap_or(Purpose::Login);
    let return_to = query
        .iter()
        .find(|(k, _)| k == "return_to")
        .map(|(_, v)| safe_path(v))
        .unwrap_or_else(|| "/".into());
    match begin(&state, &oidc, &parts, purpose, &return_to).await {
        Ok((url, key)) => {
            let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, url)]).into_response();
            set_cookie(
                &mut response,
                &flow_cookie(&state, &key, OIDC_SIGN_IN_TTL_SECS),
            );
            response
        }
        Err(Bounce(to)) => landing(&state, &to, None),
    }
}

/// Where the browser goes instead when a sign-in cannot go on.
struct Bounce(String);

fn bounce(purpose: Purpose, return_to: &str, refusal: OidcRefusal) -> Bounce {
    let base = match purpose {
        Purpose::Login => "/login",
        Purpose::Confirm | Purpose::Link => return_to,
    };
    let separator = if base.contains('?') { '&' } else { '?' };
    Bounce(format!(
        "{base}{separator}{OIDC_ERROR_PARAM}={}",
        refusal.code()
    ))
}

async fn begin(
    state: &AppState,
    oidc: &Oidc,
    parts: &Parts,
    purpose: Purpose,
    return_to: &str,
) -> Result<(String, String), Bounce> {
    let session_hash = match purpose {
        Purpose::Login => None,
        Purpose::Confirm => {
            let operator = signed_in(state, parts).await;
            match operator {
                Some(operator) if operator.identity_provider => {
                    app::auth::session_token(&parts.headers)
                        .map(|token| app::store::token_hash(&token))
                }
                Some(_) => return Err(bounce(purpose, return_to, OidcRefusal::OtherAccount)),
                None => return Err(Bounce("/login".into())),
            }
        }
        // Linking is sensitive: the password must have been entered within the last minutes.
        Purpose::Link => {
            let session = app::auth::session_for(state, &parts.headers)
                .await
                .ok()
                .flatten();
            let Some(session) = session else {
                return Err(Bounce("/login".into()));
            };
            let age = chrono::Utc::now() - session.password_at;
            if age.num_seconds() >= state.auth.fresh_password_secs {
                return Err(bounce(purpose, return_to, OidcRefusal::ConfirmFirst));
            }
            app::auth::session_token(&parts.headers).map(|token| app::store::token_hash(&token))
        }
    };
    let begun = oidc
        .begin(purpose)
        .await
        .map_err(|refusal| bounce(purpose, return_to, refusal))?;
    let key = app::store::random_token();
    let pending = PendingSignIn {
        csrf_state: begun.csrf_state,
        nonce: begun.nonce,
        pkce_verifier: begun.pkce_verifier,
        purpose: purpose.as_str().into(),
        session_hash,
        return_to: return_to.into(),
        created_at: chrono::Utc::now(),
    };
    if let Err(error) = state.store.start_oidc_sign_in(&key, &pending).await {
        tracing::warn!(%error, "OpenID Connect: cannot keep the sign-in");
        return Err(bounce(purpose, return_to, OidcRefusal::Unavailable));
    }
    Ok((begun.url, key))
}

async fn signed_in(state: &AppState, parts: &Parts) -> Option<Operator> {
    app::auth::operator_for(state, &parts.headers)
        .await
        .ok()
        .flatten()
}

/// The provider sends the browser back here with `code` and `state`, or with `error`.
async fn callback(State(state): State<AppState>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let Some(oidc) = state.oidc.clone() else {
        return (
            StatusCode::NOT_FOUND,
            "Sign-in through an identity provider is not set up.",
        )
            .into_response();
    };
    let address = app::auth::client_address(&parts, &state.auth);
    let (to, session) = match finish(&state, &oidc, &parts, &address).await {
        Ok(done) => done,
        Err((Bounce(to), refusal, action)) => {
            if let Some(refusal) = refusal {
                if let Err(error) = state
                    .store
                    .record_oidc_failure(action, oidc.provider_name(), &address, refusal)
                    .await
                {
                    tracing::error!(%error, "OpenID Connect: cannot audit a refused sign-in");
                }
            }
            (to, None)
        }
    };
    let mut response = landing(&state, &to, session.as_deref());
    set_cookie(&mut response, &flow_cookie(&state, "", 0));
    response
}

/// A failure to audit by itself (`Some`), or one the store audited already (`None`).
type Failure = (Bounce, Option<OidcRefusal>, &'static str);

async fn finish(
    state: &AppState,
    oidc: &Arc<Oidc>,
    parts: &Parts,
    address: &str,
) -> Result<(String, Option<String>), Failure> {
    let query = query_pairs(parts);
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    // A key is 64 hex digits; anything longer is not one of ours.
    let key = app::auth::cookie(&parts.headers, FLOW_COOKIE).filter(|key| key.len() <= 128);
    let pending = match key {
        Some(key) => state
            .store
            .take_oidc_sign_in(&key)
            .await
            .unwrap_or_else(|error| {
                tracing::error!(%error, "OpenID Connect: cannot read the sign-in in progress");
                None
            }),
        None => None,
    };
    let login_failure = |refusal| {
        (
            bounce(Purpose::Login, "/", refusal),
            Some(refusal),
            "session.login",
        )
    };
    let Some(pending) = pending else {
        return Err(login_failure(OidcRefusal::Expired));
    };
    let purpose = Purpose::parse(&pending.purpose).unwrap_or(Purpose::Login);
    let action = match purpose {
        Purpose::Login => "session.login",
        Purpose::Confirm => "session.confirm-password",
        Purpose::Link => "operator.link-identity",
    };
    let fail = |refusal| {
        (
            bounce(purpose, &pending.return_to, refusal),
            Some(refusal),
            action,
        )
    };
    if param("state").map(app::store::token_hash)
        != Some(app::store::token_hash(&pending.csrf_state))
    {
        return Err(fail(OidcRefusal::Invalid));
    }
    // RFC 9207: a provider that names itself in the answer must name the configured one (a
    // mix-up with another provider is refused).
    if param("iss").is_some_and(|iss| iss != oidc.config.issuer) {
        return Err(fail(OidcRefusal::Invalid));
    }
    if let Some(error) = param("error") {
        return Err(fail(if error == "access_denied" {
            OidcRefusal::Denied
        } else {
            OidcRefusal::ProviderError
        }));
    }
    let code = param("code")
        .filter(|c| !c.is_empty() && c.len() <= MAX_CODE)
        .ok_or_else(|| fail(OidcRefusal::Invalid))?;
    let verified = oidc
        .finish(code, &pending.nonce, &pending.pkce_verifier)
        .await
        .map_err(fail)?;
    let roles = &oidc.config.roles;
    let values = roles.values(&verified.claims);
    let summary = claim_summary(&roles.claim, &values);
    let username = app::oidc::username_hint(
        verified.preferred_username.as_deref(),
        verified.email.as_deref(),
    );
    let who = ProviderIdentity {
        provider: oidc.provider_name(),
        issuer: &verified.issuer,
        subject: &verified.subject,
        username: &username,
        display_name: verified.name.as_deref().unwrap_or_default(),
        role: roles.role_for(&values),
        claim_summary: &summary,
        client_address: address,
        authenticated_at: verified.auth_time,
    };
    let store_error = |error: app::store::Error| {
        tracing::error!(%error, "OpenID Connect: the store refused a verified sign-in");
        fail(OidcRefusal::Unavailable)
    };
    let audited = |refusal| (bounce(purpose, &pending.return_to, refusal), None, action);
    match purpose {
        Purpose::Login => {
            let token = app::store::random_token();
            let session = NewSession {
                token: &token,
                ttl_secs: state.auth.session_ttl_secs,
            };
            match state.store.oidc_sign_in(&who, session).await {
                Ok(Ok(_)) => Ok(("/".into(), Some(token))),
                Ok(Err(refusal)) => Err(audited(refusal)),
                Err(error) => Err(store_error(error)),
            }
        }
        Purpose::Confirm => {
            if !fresh(&verified, pending.created_at) {
                return Err(fail(OidcRefusal::NotFresh));
            }
            let session_hash = pending.session_hash.clone().unwrap_or_default();
            match state.store.oidc_confirm(&session_hash, &who).await {
                Ok(Ok(_)) => Ok((pending.return_to.clone(), None)),
                Ok(Err(refusal)) => Err(audited(refusal)),
                Err(error) => Err(store_error(error)),
            }
        }
        Purpose::Link => {
            let session_hash = pending.session_hash.clone().unwrap_or_default();
            match state.store.oidc_link(&session_hash, &who).await {
                Ok(Ok(_)) => Ok((pending.return_to.clone(), None)),
                Ok(Err(refusal)) => Err(audited(refusal)),
                Err(error) => Err(store_error(error)),
            }
        }
    }
}

/// A confirmation counts only when the provider signed the person in after it was asked to.
fn fresh(verified: &Verified, asked_at: chrono::DateTime<chrono::Utc>) -> bool {
    verified
        .auth_time
        .is_some_and(|at| at >= asked_at - chrono::Duration::seconds(CLOCK_SKEW_SECS))
}

/// "groups: a, b" for the audit log: at most ten values, each shortened.
fn claim_summary(claim: &str, values: &[String]) -> String {
    let shown: Vec<String> = values
        .iter()
        .take(10)
        .map(|v| v.chars().take(64).collect())
        .collect();
    let more = values.len().saturating_sub(10);
    let mut text = format!(
        "{claim}: {}",
        if shown.is_empty() {
            "none".into()
        } else {
            shown.join(", ")
        }
    );
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

/// The query's pairs, decoded; nothing when it is implausibly long.
fn query_pairs(parts: &Parts) -> Vec<(String, String)> {
    match parts.uri.query() {
        Some(query) if query.len() <= MAX_QUERY => {
            app::oidc::form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// A path on this site to return to: starts with one `/`, at most 2000 characters, no control
/// characters or backslashes; anything else is the home page.
fn safe_path(text: &str) -> String {
    let ok = text.starts_with('/')
        && !text.starts_with("//")
        && text.len() <= 2000
        && !text.chars().any(|c| c.is_control() || c == '\\')
        && !text.starts_with("/auth/oidc/");
    if ok {
        text.to_string()
    } else {
        "/".into()
    }
}

fn flow_cookie(state: &AppState, key: &str, max_age: i64) -> String {
    format!(
        "{FLOW_COOKIE}={key}; Path=/auth/oidc; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if state.auth.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    )
}

fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// The page the provider's redirect lands on: it moves on to `to` by itself. A plain redirect
/// would not do: the browser arrived from the provider's site, and a redirect keeps counting as
/// that site's navigation, so the `SameSite=Strict` session cookie would not be sent with the
/// next page; this page's own navigation is this site's.
fn landing(state: &AppState, to: &str, session_token: Option<&str>) -> Response {
    let to = escape(to);
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"0;url={to}\"><title>Rewind</title></head>\
         <body><p><a href=\"{to}\">Continue to Rewind</a></p></body></html>"
    );
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response();
    if let Some(token) = session_token {
        set_cookie(&mut response, &app::auth::session_cookie(token, state));
    }
    response
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_paths_stay_on_this_site() {
        assert_eq!(safe_path("/operators?tab=x"), "/operators?tab=x");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "/auth/oidc/start",
            "/a\nb",
        ] {
            assert_eq!(safe_path(bad), "/", "{bad:?}");
        }
        assert_eq!(safe_path(&format!("/{}", "a".repeat(3000))), "/");
    }

    #[test]
    fn claim_summaries_are_bounded() {
        let values: Vec<String> = (0..15).map(|i| format!("g{i}")).collect();
        let text = claim_summary("groups", &values);
        assert!(text.starts_with("groups: g0, g1"));
        assert!(text.ends_with("and 5 more"));
        assert_eq!(claim_summary("groups", &[]), "groups: none");
    }

    #[test]
    fn refusals_go_back_with_a_code_only() {
        assert_eq!(
            bounce(Purpose::Login, "/x", OidcRefusal::NoRole).0,
            "/login?oidc_error=no-role"
        );
        assert_eq!(
            bounce(Purpose::Confirm, "/operators?a=1", OidcRefusal::NotFresh).0,
            "/operators?a=1&oidc_error=not-fresh"
        );
    }
}
