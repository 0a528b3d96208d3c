use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OperatorId(pub i64);

impl From<i64> for OperatorId {
    fn from(id: i64) -> Self {
        Self(id)
    }
}

/// What a console operator may do. Operators are separate from the identities Rewind manages:
/// restoring identity data never changes who can sign in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum OperatorRole {
    Owner,
    Admin,
    Auditor,
}

impl OperatorRole {
    pub const ALL: [OperatorRole; 3] = [Self::Owner, Self::Admin, Self::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Auditor => "auditor",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Owner => "Owner",
            Self::Admin => "Admin",
            Self::Auditor => "Auditor",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// The one place that decides what a role may do.
    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Self::Owner => true,
            // Revealing a vault secret and setting how long history is kept are the
            // Owner's alone (see `Permission::VaultReveal`, `Permission::RetentionConfigure`).
            Self::Admin => !matches!(permission, VaultReveal | RetentionConfigure),
            Self::Auditor => matches!(permission, IdentityRead | BackupQuery | AuditRead),
        }
    }

    pub fn permissions(self) -> Vec<Permission> {
        Permission::ALL
            .into_iter()
            .filter(|permission| self.can(*permission))
            .collect()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Permission {
    IdentityRead,
    IdentityWrite,
    BackupQuery,
    BackupConfigure,
    BackupRestore,
    SystemBackupManage,
    OperatorsManage,
    AuditRead,
    /// Creating, listing and revoking API tokens (an Admin sees and revokes their own).
    TokensManage,
    /// Seeing a vault account's secret in clear; also needs a freshly entered password, and
    /// every reveal is audited. Setting or putting back a secret is `IdentityWrite`.
    VaultReveal,
    /// Setting how long history is kept: a shorter period deletes history for good, so the
    /// Owner's alone, with a freshly entered password, and audited.
    RetentionConfigure,
}

impl Permission {
    pub const ALL: [Permission; 11] = [
        Self::IdentityRead,
        Self::IdentityWrite,
        Self::BackupQuery,
        Self::BackupConfigure,
        Self::BackupRestore,
        Self::SystemBackupManage,
        Self::OperatorsManage,
        Self::AuditRead,
        Self::TokensManage,
        Self::VaultReveal,
        Self::RetentionConfigure,
    ];

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name.trim())
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::IdentityRead => "identity:read",
            Self::IdentityWrite => "identity:write",
            Self::BackupQuery => "backup:query",
            Self::BackupConfigure => "backup:configure",
            Self::BackupRestore => "backup:restore",
            Self::SystemBackupManage => "system-backup:manage",
            Self::OperatorsManage => "operators:manage",
            Self::AuditRead => "audit:read",
            Self::TokensManage => "tokens:manage",
            Self::VaultReveal => "vault:reveal",
            Self::RetentionConfigure => "retention:configure",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Operator {
    pub id: OperatorId,
    pub username: String,
    pub display_name: String,
    pub role: OperatorRole,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
    /// Linked to an account at the identity provider (OpenID Connect): re-authentication for
    /// sensitive actions may go through the provider.
    #[serde(default)]
    pub identity_provider: bool,
    /// Has a password of its own (an operator created through the provider has none until an
    /// administrator sets one).
    #[serde(default = "yes")]
    pub local_password: bool,
}

fn yes() -> bool {
    true
}

/// What the browser needs to know about the visitor before rendering anything.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum SessionState {
    /// No Owner exists yet: the first-run page is the only thing to show.
    NeedsSetup,
    SignedOut,
    SignedIn(Operator),
}

pub const MIN_PASSWORD_LEN: usize = 10;
