//! Operators sign in with OpenID Connect (authorization code flow with PKCE), when configured
//! by `REWIND_OIDC_*` settings. This module reads and checks the settings and maps the
//! provider's claims to a console role; `flow` talks to the provider; `store::oidc` keeps the
//! links and sign-ins in progress; the server's `/auth/oidc/*` routes tie them together.
mod flow;
mod http;

pub use flow::{Begun, Oidc, Purpose, Verified};
/// For the server's routes, which decode the provider's query themselves.
pub use openidconnect::url::form_urlencoded;

use crate::model::OperatorRole;
use serde_json::Value;

/// The path the provider sends the browser back to (`REWIND_OIDC_REDIRECT_URL` must end in it).
pub const CALLBACK_PATH: &str = "/auth/oidc/callback";
/// Longest value of one setting list, and most values per role.
const MAX_VALUES: usize = 100;
/// At most this many values of the role claim are looked at, each at most this long.
const MAX_CLAIM_VALUES: usize = 1000;
const MAX_CLAIM_VALUE_CHARS: usize = 1024;

/// The `REWIND_OIDC_*` settings, checked.
#[derive(Clone)]
pub struct OidcConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub redirect_url: String,
    /// Shown on the sign-in button: "Sign in with <name>".
    pub provider_name: String,
    /// Asked for besides `openid`.
    pub scopes: Vec<String>,
    pub roles: RoleMap,
}

impl std::fmt::Debug for OidcConfig {
    // The client secret never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "…"))
            .field("redirect_url", &self.redirect_url)
            .field("provider_name", &self.provider_name)
            .field("scopes", &self.scopes)
            .field("roles", &self.roles)
            .finish()
    }
}

/// Which values of which claim make an operator Owner, Admin or Auditor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleMap {
    /// A top-level claim (`groups`, `roles`, `https://example.org/roles`), or a dotted path into
    /// nested objects (`realm_access.roles`) when no top-level claim has that name.
    pub claim: String,
    /// Empty: nobody becomes Owner through the provider.
    pub owner: Vec<String>,
    pub admin: Vec<String>,
    pub auditor: Vec<String>,
}

/// Settings that only make sense with `REWIND_OIDC_ISSUER`.
const SETTINGS: [&str; 10] = [
    "REWIND_OIDC_CLIENT_ID",
    "REWIND_OIDC_CLIENT_SECRET",
    "REWIND_OIDC_REDIRECT_URL",
    "REWIND_OIDC_PROVIDER_NAME",
    "REWIND_OIDC_SCOPES",
    "REWIND_OIDC_ROLE_CLAIM",
    "REWIND_OIDC_OWNER_VALUES",
    "REWIND_OIDC_ADMIN_VALUES",
    "REWIND_OIDC_AUDITOR_VALUES",
    "REWIND_OIDC_ISSUER",
];

impl OidcConfig {
    /// The settings from the environment: `Ok(None)` when OpenID Connect is not configured.
    pub fn from_env() -> Result<Option<Self>, String> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// The settings from `var` (the environment, or a test's map). Every problem is named.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, String> {
        let get = |name: &str| {
            var(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let Some(issuer) = get("REWIND_OIDC_ISSUER") else {
            if let Some(stray) = SETTINGS.iter().find(|name| get(name).is_some()) {
                return Err(format!(
                    "{stray} is set but REWIND_OIDC_ISSUER is not: set the issuer to sign in \
                     with OpenID Connect, or unset {stray}"
                ));
            }
            return Ok(None);
        };
        // Kept exactly as given: ID tokens must name the issuer in the same spelling.
        check_url("REWIND_OIDC_ISSUER", &issuer)?;
        let client_id = get("REWIND_OIDC_CLIENT_ID")
            .ok_or("REWIND_OIDC_CLIENT_ID is required with REWIND_OIDC_ISSUER")?;
        if client_id.chars().count() > 255 {
            return Err("REWIND_OIDC_CLIENT_ID: at most 255 characters".into());
        }
        let client_secret = get("REWIND_OIDC_CLIENT_SECRET");
        let redirect_url = match (get("REWIND_OIDC_REDIRECT_URL"), get("REWIND_PUBLIC_URL")) {
            (Some(url), _) => url,
            (None, Some(public)) => format!("{}{CALLBACK_PATH}", public.trim_end_matches('/')),
            (None, None) => {
                return Err(
                    "REWIND_OIDC_REDIRECT_URL (or REWIND_PUBLIC_URL, from which \
                            …/auth/oidc/callback is derived) is required with REWIND_OIDC_ISSUER"
                        .into(),
                )
            }
        };
        check_url("REWIND_OIDC_REDIRECT_URL", &redirect_url)?;
        if !redirect_url.ends_with(CALLBACK_PATH) {
            return Err(format!(
                "REWIND_OIDC_REDIRECT_URL must end in {CALLBACK_PATH} (the route that answers the \
                 provider): {redirect_url:?}"
            ));
        }
        let provider_name = get("REWIND_OIDC_PROVIDER_NAME").unwrap_or_else(|| "SSO".into());
        if provider_name.chars().count() > 60 {
            return Err("REWIND_OIDC_PROVIDER_NAME: at most 60 characters".into());
        }
        let scopes = match get("REWIND_OIDC_SCOPES") {
            Some(text) => list("REWIND_OIDC_SCOPES", &text.replace(' ', ","))?,
            None => vec!["profile".into(), "email".into()],
        };
        let scopes = scopes.into_iter().filter(|s| s != "openid").collect();
        let roles = RoleMap {
            claim: get("REWIND_OIDC_ROLE_CLAIM").unwrap_or_else(|| "groups".into()),
            owner: optional_list(&get, "REWIND_OIDC_OWNER_VALUES")?,
            admin: optional_list(&get, "REWIND_OIDC_ADMIN_VALUES")?,
            auditor: optional_list(&get, "REWIND_OIDC_AUDITOR_VALUES")?,
        };
        if roles.claim.chars().count() > 200 || roles.claim.chars().any(char::is_whitespace) {
            return Err(format!(
                "REWIND_OIDC_ROLE_CLAIM: a claim name of at most 200 characters without spaces, \
                 not {:?}",
                roles.claim
            ));
        }
        if roles.owner.is_empty() && roles.admin.is_empty() && roles.auditor.is_empty() {
            return Err(
                "none of REWIND_OIDC_OWNER_VALUES, REWIND_OIDC_ADMIN_VALUES and \
                        REWIND_OIDC_AUDITOR_VALUES is set: nobody could sign in"
                    .into(),
            );
        }
        let named = [
            ("REWIND_OIDC_OWNER_VALUES", &roles.owner),
            ("REWIND_OIDC_ADMIN_VALUES", &roles.admin),
            ("REWIND_OIDC_AUDITOR_VALUES", &roles.auditor),
        ];
        for (i, (first, values)) in named.iter().enumerate() {
            for (second, others) in &named[i + 1..] {
                if let Some(both) = values.iter().find(|v| others.contains(v)) {
                    return Err(format!(
                        "{both:?} is in both {first} and {second}: a value maps to one role"
                    ));
                }
            }
        }
        Ok(Some(Self {
            issuer,
            client_id,
            client_secret,
            redirect_url,
            provider_name,
            scopes,
            roles,
        }))
    }
}

/// An absolute http(s) URL; plain http only on loopback (a provider on this machine, tests).
fn check_url(setting: &str, text: &str) -> Result<(), String> {
    let url = openidconnect::url::Url::parse(text)
        .map_err(|e| format!("{setting}: not a URL ({e}): {text:?}"))?;
    let loopback = match url.host() {
        Some(openidconnect::url::Host::Domain(name)) => name == "localhost",
        Some(openidconnect::url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(openidconnect::url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(format!(
            "{setting}: use https (plain http only on loopback addresses): {text:?}"
        )),
        _ => Err(format!("{setting}: an http or https URL, not {text:?}")),
    }
    .and_then(|()| {
        if url.query().is_some() || url.fragment().is_some() {
            Err(format!("{setting}: no query or fragment: {text:?}"))
        } else {
            Ok(())
        }
    })
}

fn list(setting: &str, text: &str) -> Result<Vec<String>, String> {
    let values: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect();
    if values.len() > MAX_VALUES {
        return Err(format!("{setting}: at most {MAX_VALUES} values"));
    }
    if let Some(long) = values.iter().find(|v| v.chars().count() > 256) {
        return Err(format!(
            "{setting}: a value longer than 256 characters: {long:?}"
        ));
    }
    Ok(values)
}

fn optional_list(
    get: &impl Fn(&str) -> Option<String>,
    setting: &str,
) -> Result<Vec<String>, String> {
    get(setting).map_or(Ok(Vec::new()), |text| list(setting, &text))
}

impl RoleMap {
    /// The values of the role claim in these claims (ID token and userinfo merged): a list of
    /// strings or one string; anything else counts as none. Bounded.
    pub fn values(&self, claims: &serde_json::Map<String, Value>) -> Vec<String> {
        let found = claims.get(&self.claim).or_else(|| {
            let mut parts = self.claim.split('.');
            let first = claims.get(parts.next()?)?;
            parts.try_fold(first, |value, part| value.get(part))
        });
        let strings: Vec<&str> = match found {
            Some(Value::String(one)) => vec![one.as_str()],
            Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        strings
            .into_iter()
            .take(MAX_CLAIM_VALUES)
            .filter(|v| v.chars().count() <= MAX_CLAIM_VALUE_CHARS)
            .map(str::to_string)
            .collect()
    }

    /// The highest role any of `values` maps to (Owner, then Admin, then Auditor).
    pub fn role_for(&self, values: &[String]) -> Option<OperatorRole> {
        let any = |mapped: &[String]| values.iter().any(|v| mapped.contains(v));
        if any(&self.owner) {
            Some(OperatorRole::Owner)
        } else if any(&self.admin) {
            Some(OperatorRole::Admin)
        } else if any(&self.auditor) {
            Some(OperatorRole::Auditor)
        } else {
            None
        }
    }
}

/// A user name for a new operator from the provider's `preferred_username` or e-mail address:
/// the characters operator names allow, at most 56 of them (the store adds `-2`, `-3`… when it
/// is taken).
pub fn username_hint(preferred_username: Option<&str>, email: Option<&str>) -> String {
    let source = preferred_username
        .filter(|s| !s.trim().is_empty())
        .or(email)
        .unwrap_or("sso-user");
    let name: String = source
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@') {
                c
            } else {
                '-'
            }
        })
        .take(56)
        .collect();
    let name = name.trim_matches(['-', '.']).to_string();
    if name.is_empty() {
        "sso-user".into()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const BASE: [(&str, &str); 4] = [
        ("REWIND_OIDC_ISSUER", "https://id.example.org/realms/main/"),
        ("REWIND_OIDC_CLIENT_ID", "rewind"),
        ("REWIND_OIDC_CLIENT_SECRET", "s3cret"),
        ("REWIND_PUBLIC_URL", "https://rewind.example.org/"),
    ];

    fn with(extra: &[(&str, &str)]) -> Result<Option<OidcConfig>, String> {
        let mut pairs = BASE.to_vec();
        pairs.extend_from_slice(extra);
        OidcConfig::from_vars(vars(&pairs))
    }

    #[test]
    fn unset_issuer_means_no_oidc_and_stray_settings_are_named() {
        assert!(OidcConfig::from_vars(vars(&[])).unwrap().is_none());
        let error = OidcConfig::from_vars(vars(&[("REWIND_OIDC_CLIENT_ID", "x")])).unwrap_err();
        assert!(error.contains("REWIND_OIDC_CLIENT_ID is set but REWIND_OIDC_ISSUER is not"));
    }

    #[test]
    fn settings_derive_the_redirect_url_and_default_claim_and_scopes() {
        let config = with(&[("REWIND_OIDC_ADMIN_VALUES", "rewind-admins, ops ,")])
            .unwrap()
            .unwrap();
        assert_eq!(config.issuer, "https://id.example.org/realms/main/");
        assert_eq!(
            config.redirect_url,
            "https://rewind.example.org/auth/oidc/callback"
        );
        assert_eq!(config.roles.claim, "groups");
        assert_eq!(config.roles.admin, ["rewind-admins", "ops"]);
        assert!(config.roles.owner.is_empty());
        assert_eq!(config.scopes, ["profile", "email"]);
        assert!(!format!("{config:?}").contains("s3cret"));
    }

    #[test]
    fn bad_settings_are_refused_by_name() {
        let cases: [(&[(&str, &str)], &str); 6] = [
            (&[], "nobody could sign in"),
            (
                &[
                    ("REWIND_OIDC_ADMIN_VALUES", "a,b"),
                    ("REWIND_OIDC_AUDITOR_VALUES", "b"),
                ],
                "\"b\" is in both REWIND_OIDC_ADMIN_VALUES and REWIND_OIDC_AUDITOR_VALUES",
            ),
            (
                &[
                    ("REWIND_OIDC_ADMIN_VALUES", "a"),
                    ("REWIND_OIDC_ISSUER", "http://id.example.org"),
                ],
                "REWIND_OIDC_ISSUER: use https",
            ),
            (
                &[
                    ("REWIND_OIDC_ADMIN_VALUES", "a"),
                    ("REWIND_OIDC_REDIRECT_URL", "https://rewind.example.org/cb"),
                ],
                "must end in /auth/oidc/callback",
            ),
            (
                &[
                    ("REWIND_OIDC_ADMIN_VALUES", "a"),
                    ("REWIND_OIDC_ISSUER", "not a url"),
                ],
                "REWIND_OIDC_ISSUER: not a URL",
            ),
            (
                &[
                    ("REWIND_OIDC_ADMIN_VALUES", "a"),
                    ("REWIND_OIDC_ROLE_CLAIM", "two words"),
                ],
                "REWIND_OIDC_ROLE_CLAIM",
            ),
        ];
        for (extra, expected) in cases {
            let error = with(extra).unwrap_err();
            assert!(error.contains(expected), "{error:?} lacks {expected:?}");
        }
        let no_redirect = OidcConfig::from_vars(vars(&[
            ("REWIND_OIDC_ISSUER", "https://id.example.org"),
            ("REWIND_OIDC_CLIENT_ID", "rewind"),
            ("REWIND_OIDC_ADMIN_VALUES", "a"),
        ]))
        .unwrap_err();
        assert!(no_redirect.contains("REWIND_OIDC_REDIRECT_URL"));
    }

    #[test]
    fn plain_http_is_allowed_on_loopback_only() {
        let config = with(&[
            ("REWIND_OIDC_ISSUER", "http://127.0.0.1:4000"),
            (
                "REWIND_OIDC_REDIRECT_URL",
                "http://localhost:3000/auth/oidc/callback",
            ),
            ("REWIND_OIDC_AUDITOR_VALUES", "x"),
        ]);
        assert!(config.unwrap().is_some());
    }

    fn map() -> RoleMap {
        RoleMap {
            claim: "groups".into(),
            owner: vec![],
            admin: vec!["rewind-admins".into()],
            auditor: vec!["rewind-auditors".into()],
        }
    }

    fn claims(value: Value) -> serde_json::Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn claims_map_to_the_highest_role_and_owner_only_when_configured() {
        let roles = map();
        let both = roles.values(&claims(serde_json::json!({
            "groups": ["staff", "rewind-auditors", "rewind-admins"]
        })));
        assert_eq!(roles.role_for(&both), Some(OperatorRole::Admin));
        let one = roles.values(&claims(serde_json::json!({ "groups": "rewind-auditors" })));
        assert_eq!(roles.role_for(&one), Some(OperatorRole::Auditor));
        let none = roles.values(&claims(serde_json::json!({ "groups": ["staff", 7, null] })));
        assert_eq!(none, ["staff"]);
        assert_eq!(roles.role_for(&none), None);
        assert_eq!(roles.role_for(&[]), None);
        assert_eq!(roles.role_for(&["Rewind-Admins".into()]), None);
        // No owner values: whoever carries any value never becomes Owner.
        let owner_values = ["owners".to_string()];
        assert_eq!(roles.role_for(&owner_values), None);
        let with_owner = RoleMap {
            owner: vec!["owners".into()],
            ..map()
        };
        assert_eq!(
            with_owner.role_for(&["rewind-admins".into(), "owners".into()]),
            Some(OperatorRole::Owner)
        );
    }

    #[test]
    fn nested_and_namespaced_claims_are_found() {
        let roles = RoleMap {
            claim: "realm_access.roles".into(),
            ..map()
        };
        let values = roles.values(&claims(serde_json::json!({
            "realm_access": { "roles": ["rewind-admins"] }
        })));
        assert_eq!(roles.role_for(&values), Some(OperatorRole::Admin));
        let namespaced = RoleMap {
            claim: "https://example.org/roles".into(),
            ..map()
        };
        let values = namespaced.values(&claims(serde_json::json!({
            "https://example.org/roles": ["rewind-auditors"]
        })));
        assert_eq!(namespaced.role_for(&values), Some(OperatorRole::Auditor));
    }

    #[test]
    fn claim_values_are_bounded() {
        let many: Vec<String> = (0..5000).map(|i| format!("g{i}")).collect();
        let long = "x".repeat(5000);
        let values = map().values(&claims(serde_json::json!({ "groups": many })));
        assert_eq!(values.len(), MAX_CLAIM_VALUES);
        assert!(map()
            .values(&claims(serde_json::json!({ "groups": [long] })))
            .is_empty());
    }

    #[test]
    fn usernames_come_from_preferred_username_or_email() {
        assert_eq!(
            username_hint(Some("ann.smith"), Some("a@x.org")),
            "ann.smith"
        );
        assert_eq!(
            username_hint(None, Some("ann@example.org")),
            "ann@example.org"
        );
        assert_eq!(username_hint(Some("  "), None), "sso-user");
        assert_eq!(username_hint(Some("Ann Smith/IT"), None), "Ann-Smith-IT");
        assert_eq!(username_hint(Some("<>"), None), "sso-user");
        assert_eq!(username_hint(Some(&"a".repeat(100)), None).len(), 56);
    }
}
