//! What the console shows of a vault account's secret: never the secret itself, except in
//! the answer of a reveal.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The longest secret kept: room for a long SSH private key, not for a file.
pub const MAX_SECRET_BYTES: usize = 16 * 1024;

/// How long a revealed secret stays on screen.
pub const REVEAL_SECONDS: u32 = 30;

/// One version of an account's secret: when it was set and by whom, not what it was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SecretVersion {
    pub version_id: i64,
    pub since: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
    pub changed_by: String,
    /// Whether this installation holds the key that sealed it (a backup from another
    /// installation may carry secrets sealed with a key not copied here).
    pub readable: bool,
}

/// A secret on its way to or from the browser: serialised as its text, but its `Debug`
/// (which server function arguments and results derive) never shows it.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct SecretText(pub String);

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretText([redacted])")
    }
}

/// A secret revealed: the text, and which version it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RevealedSecret {
    pub version_id: i64,
    pub secret: SecretText,
}

/// A folder permission, highest first (so the least of several is the one that counts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum VaultLevel {
    /// Manages the folder, its permissions and its accounts; sees their secrets.
    Owner,
    /// Manages the folder's accounts and sees their secrets.
    Manager,
    /// Uses the folder's accounts (signs in with them) without seeing their secrets.
    SsoUser,
    /// Sees that the folder and its accounts exist, nothing more.
    Browse,
}

impl VaultLevel {
    pub const ALL: [VaultLevel; 4] = [Self::Owner, Self::Manager, Self::SsoUser, Self::Browse];

    /// As kept in the access list's `level` column and offered by its form.
    pub fn label(self) -> &'static str {
        match self {
            Self::Owner => "Owner",
            Self::Manager => "Manager",
            Self::SsoUser => "SSO user",
            Self::Browse => "Browse",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|level| level.label().eq_ignore_ascii_case(text.trim()))
    }

    pub fn may_see_secrets(self) -> bool {
        matches!(self, Self::Owner | Self::Manager)
    }

    pub fn may_use_accounts(self) -> bool {
        self != Self::Browse
    }

    pub fn may_manage_permissions(self) -> bool {
        self == Self::Owner
    }

    /// What the level lets its holder do, as the pages say it.
    pub fn allows(self) -> &'static str {
        match self {
            Self::Owner => "manage the folder and its permissions; see and change secrets",
            Self::Manager => "manage the accounts; see and change secrets",
            Self::SsoUser => "sign in with the accounts, without seeing their secrets",
            Self::Browse => "see that the accounts exist",
        }
    }
}

/// A folder a user reaches, at the highest level they reach it with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct VaultAccess {
    pub folder: i64,
    pub folder_name: String,
    pub level: VaultLevel,
    /// "directly", "group Staff", "role Helpdesk@AD", with ", on folder X" when the
    /// permission is given on a folder above.
    pub through: String,
}

/// A user who reaches a folder, at the highest level they reach it with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct VaultPerson {
    pub user: super::UserId,
    pub user_name: String,
    pub level: VaultLevel,
    pub through: String,
}
