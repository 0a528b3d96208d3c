//! Signing in through an OpenID Connect provider: why a sign-in or a confirmation was refused.
//! The server sends the browser back with only the code (`?oidc_error=no-role`), never text from
//! the request, and the page words it.
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum OidcRefusal {
    /// The provider said no, or the person cancelled there (`error=access_denied`).
    Denied,
    /// The provider answered with another error.
    ProviderError,
    /// No sign-in was in progress in this browser, it took too long, or it was used already.
    Expired,
    /// The answer did not match the sign-in this browser started (state), or the ID token did
    /// not verify (signature, issuer, audience, nonce, expiry).
    Invalid,
    /// The provider could not be reached or answered something unusable.
    Unavailable,
    /// No value of the role claim maps to a console role.
    NoRole,
    /// The claims map to Owner, but the console has its one Owner already.
    OwnerTaken,
    /// The operator linked to this account is the Owner, and the claims do not map to Owner.
    OwnerNotMapped,
    /// The operator linked to this account is disabled.
    Disabled,
    /// A confirmation came back for another account than the signed-in operator's.
    OtherAccount,
    /// A confirmation the provider did not show as a fresh sign-in (`auth_time`).
    NotFresh,
    /// The console has no Owner yet: it is set up with the first-run page.
    NeedsSetup,
    /// Linking needs the operator's password entered within the last few minutes.
    ConfirmFirst,
    /// The provider's account is linked to another operator already.
    LinkTaken,
    /// The signed-in operator is linked to a provider account already.
    AlreadyLinked,
}

impl OidcRefusal {
    pub const ALL: [OidcRefusal; 15] = [
        Self::Denied,
        Self::ProviderError,
        Self::Expired,
        Self::Invalid,
        Self::Unavailable,
        Self::NoRole,
        Self::OwnerTaken,
        Self::OwnerNotMapped,
        Self::Disabled,
        Self::OtherAccount,
        Self::NotFresh,
        Self::NeedsSetup,
        Self::ConfirmFirst,
        Self::LinkTaken,
        Self::AlreadyLinked,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Denied => "denied",
            Self::ProviderError => "provider-error",
            Self::Expired => "expired",
            Self::Invalid => "invalid",
            Self::Unavailable => "unavailable",
            Self::NoRole => "no-role",
            Self::OwnerTaken => "owner-taken",
            Self::OwnerNotMapped => "owner-not-mapped",
            Self::Disabled => "disabled",
            Self::OtherAccount => "other-account",
            Self::NotFresh => "not-fresh",
            Self::NeedsSetup => "needs-setup",
            Self::ConfirmFirst => "confirm-first",
            Self::LinkTaken => "link-taken",
            Self::AlreadyLinked => "already-linked",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// What the operator reads on the sign-in page (or where a confirmation was started).
    pub fn message(self) -> &'static str {
        match self {
            Self::Denied => {
                "The identity provider did not sign you in (the sign-in was cancelled or refused \
                 there)."
            }
            Self::ProviderError => {
                "The identity provider answered with an error; try again, or ask its \
                 administrator."
            }
            Self::Expired => {
                "The sign-in took too long or was already used; start it again from this page."
            }
            Self::Invalid => {
                "The identity provider's answer could not be verified for this browser; start \
                 the sign-in again."
            }
            Self::Unavailable => "The identity provider cannot be reached; try again later.",
            Self::NoRole => {
                "Your account at the identity provider is in no group (or role) that gives access \
                 to Rewind, so you were not signed in. Ask an administrator to add you to one."
            }
            Self::OwnerTaken => {
                "Your account at the identity provider would make you Owner, but Rewind has \
                 exactly one Owner already; you were not signed in. Ask an administrator to give \
                 you an Admin or Auditor group instead."
            }
            Self::OwnerNotMapped => {
                "This account is linked to Rewind's Owner, but the identity provider does not \
                 put it in a group that maps to Owner, so you were not signed in; sign in with \
                 the Owner's password instead."
            }
            Self::Disabled => "This operator account is disabled.",
            Self::OtherAccount => {
                "You confirmed as another account at the identity provider than the one signed in \
                 here; nothing was confirmed."
            }
            Self::NotFresh => {
                "The identity provider did not ask you to sign in again, so nothing was \
                 confirmed; try again."
            }
            Self::NeedsSetup => "Rewind has no Owner yet: create it on the first-run page.",
            Self::ConfirmFirst => {
                "Linking needs your password entered within the last few minutes; enter it \
                 again and link once more. Nothing was linked."
            }
            Self::LinkTaken => {
                "That account at the identity provider is linked to another operator already; \
                 nothing was linked."
            }
            Self::AlreadyLinked => {
                "Your operator account is linked to an identity provider account already; unlink \
                 it first. Nothing was linked."
            }
        }
    }
}

/// The query parameter that carries a refusal's code back to a page.
pub const OIDC_ERROR_PARAM: &str = "oidc_error";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_codes_round_trip_and_unknown_codes_are_ignored() {
        for refusal in OidcRefusal::ALL {
            assert_eq!(OidcRefusal::parse(refusal.code()), Some(refusal));
        }
        assert_eq!(OidcRefusal::parse("<script>"), None);
    }
}
