//! API tokens: named bearer credentials of an operator, with a subset of the operator's
//! permissions and an expiry, for other systems (SCIM provisioning, scripts).
use super::{Operator, Permission};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Every token starts so, which tells secret scanners and people what it is.
pub const API_TOKEN_PREFIX: &str = "rwd_";
/// The longest a token lives.
pub const MAX_TOKEN_DAYS: i64 = 366;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// The first characters of the token, enough to tell it apart.
    pub prefix: String,
    pub operator: String,
    pub permissions: Vec<Permission>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    pub fn status(&self, now: DateTime<Utc>) -> &'static str {
        if self.revoked_at.is_some() {
            "revoked"
        } else if self.expires_at <= now {
            "expired"
        } else {
            "active"
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewApiToken {
    pub name: String,
    /// Days until it expires, 1 to `MAX_TOKEN_DAYS`.
    pub days: i64,
    pub permissions: Vec<Permission>,
}

/// A token just made: the only time its secret is shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedApiToken {
    pub token: ApiToken,
    pub secret: String,
}

/// Who an API request is: a live token and its operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiCaller {
    pub token_id: i64,
    pub token_name: String,
    pub operator: Operator,
    pub permissions: Vec<Permission>,
}

impl ApiCaller {
    /// The single permission check: what the operator's role may do, narrowed to the
    /// token's permissions.
    pub fn can(&self, permission: Permission) -> bool {
        self.operator.role.can(permission) && self.permissions.contains(&permission)
    }

    /// How the identity store's history names the author of a write through the API,
    /// e.g. "token okta-sync (SCIM)".
    pub fn author_name(&self, channel: &str) -> String {
        format!("token {} ({channel})", self.token_name)
    }
}
