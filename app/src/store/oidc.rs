//! Operators who sign in through an OpenID Connect provider: their links (issuer, subject),
//! sign-ins in progress, and the rules that decide whether a verified sign-in may go on.
//!
//! The role comes from the provider's claims at every sign-in and confirmation, so a person
//! removed from the provider's group loses the role. There is exactly one Owner (created on the
//! first-run page with a password): the provider never makes a second one, and the Owner's role
//! never changes through it. The Owner signs in through the provider only after linking their
//! own account (`oidc_link`), and only while the claims map to Owner. Disabled operators stay
//! disabled.
use super::audit::{record_in, AuditRecord};
use super::operators::{fetch_operator, map_unique, username_key, NO_PASSWORD};
use super::{now_micros, to_time, token_hash, Error, Result, Store};
use crate::model::{OidcRefusal, Operator, OperatorId, OperatorRole};
use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

/// A sign-in through the provider must come back within this long.
pub const OIDC_SIGN_IN_TTL_SECS: i64 = 10 * 60;
/// Sign-ins in progress at once; more are refused until some expire (bounds the table).
const MAX_PENDING: i64 = 10_000;
const SEC: i64 = 1_000_000;

/// What the server keeps while the browser is at the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingSignIn {
    pub csrf_state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// `login`, `confirm` or `link` (`oidc::Purpose`).
    pub purpose: String,
    /// For a confirmation or a link: the SHA-256 of the signed-in operator's session.
    pub session_hash: Option<String>,
    /// A path on this site to go back to.
    pub return_to: String,
    pub created_at: DateTime<Utc>,
}

/// A person the provider vouched for, and the role their claims map to.
#[derive(Clone, Debug)]
pub struct ProviderIdentity<'a> {
    /// The provider's name as the console shows it (for the audit log).
    pub provider: &'a str,
    pub issuer: &'a str,
    pub subject: &'a str,
    /// For a new operator: a user name (made unique here) and a display name.
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Option<OperatorRole>,
    /// The role claim and its values, for the audit log ("groups: a, b").
    pub claim_summary: &'a str,
    pub client_address: &'a str,
    /// When the person last authenticated at the provider, if it said.
    pub authenticated_at: Option<DateTime<Utc>>,
}

/// A session to open for a successful sign-in.
#[derive(Clone, Copy, Debug)]
pub struct NewSession<'a> {
    pub token: &'a str,
    pub ttl_secs: i64,
}

#[derive(sqlx::FromRow)]
struct PendingRow {
    csrf_state: String,
    nonce: String,
    pkce_verifier: String,
    purpose: String,
    session_hash: Option<String>,
    return_to: String,
    created_at: i64,
}

impl Store {
    /// Keeps a sign-in in progress under the SHA-256 of the browser's cookie key.
    pub async fn start_oidc_sign_in(&self, key: &str, pending: &PendingSignIn) -> Result<()> {
        let now = now_micros();
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM oidc_logins WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM oidc_logins")
            .fetch_one(&mut *tx)
            .await?;
        if count >= MAX_PENDING {
            return Err(Error::Conflict(
                "Too many sign-ins through the identity provider are in progress; try again in \
                 a few minutes."
                    .into(),
            ));
        }
        sqlx::query(
            "INSERT INTO oidc_logins (key_hash, csrf_state, nonce, pkce_verifier, purpose,
                                      session_hash, return_to, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(token_hash(key))
        .bind(&pending.csrf_state)
        .bind(&pending.nonce)
        .bind(&pending.pkce_verifier)
        .bind(&pending.purpose)
        .bind(&pending.session_hash)
        .bind(&pending.return_to)
        .bind(pending.created_at.timestamp_micros())
        .bind(now + OIDC_SIGN_IN_TTL_SECS * SEC)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The sign-in in progress for this cookie key, removed as it is read (a key works once);
    /// `None` when there is none or it expired.
    pub async fn take_oidc_sign_in(&self, key: &str) -> Result<Option<PendingSignIn>> {
        let mut tx = self.begin_write().await?;
        let found = sqlx::query_as::<_, PendingRow>(
            "DELETE FROM oidc_logins WHERE key_hash = $1 AND expires_at > $2
             RETURNING csrf_state, nonce, pkce_verifier, purpose, session_hash, return_to,
                       created_at",
        )
        .bind(token_hash(key))
        .bind(now_micros())
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(found.map(|row| PendingSignIn {
            csrf_state: row.csrf_state,
            nonce: row.nonce,
            pkce_verifier: row.pkce_verifier,
            purpose: row.purpose,
            session_hash: row.session_hash,
            return_to: row.return_to,
            created_at: to_time(row.created_at),
        }))
    }

    /// A verified sign-in: finds the operator linked to (issuer, subject) or creates one, sets
    /// its role from the claims, and opens the session, in one transaction. A refusal changes
    /// nothing and is written to the audit log.
    pub async fn oidc_sign_in(
        &self,
        who: &ProviderIdentity<'_>,
        session: NewSession<'_>,
    ) -> Result<Result<Operator, OidcRefusal>> {
        let mut tx = self.begin_write().await?;
        let operator = match operator_for_identity(&mut tx, who, None).await? {
            Ok(operator) => operator,
            Err((refusal, name)) => {
                drop(tx);
                self.audit_refusal(who, "session.login", &name, refusal)
                    .await?;
                return Ok(Err(refusal));
            }
        };
        let now = now_micros();
        sqlx::query("UPDATE operators SET last_login_at = $1 WHERE id = $2")
            .bind(now)
            .bind(operator.id.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, operator_id, created_at, expires_at, last_seen_at,
                                   password_at)
             VALUES ($1, $2, $3, $4, $3, $5)",
        )
        .bind(token_hash(session.token))
        .bind(operator.id.0)
        .bind(now)
        .bind(now + session.ttl_secs * SEC)
        .bind(authenticated_micros(who.authenticated_at, now))
        .execute(&mut *tx)
        .await?;
        record_in(
            &mut tx,
            &AuditRecord {
                operator_id: Some(operator.id.0),
                operator_name: &operator.username,
                action: "session.login",
                target: &operator.username,
                outcome: "ok",
                details: &format!(
                    "from {} through {} as {} ({})",
                    who.client_address,
                    who.provider,
                    operator.role.as_str(),
                    who.claim_summary
                ),
            },
        )
        .await?;
        let operator = fetch_operator(&mut tx, operator.id).await?;
        tx.commit().await?;
        Ok(Ok(operator))
    }

    /// A verified re-authentication of the signed-in operator (the session with this hash):
    /// the provider's account must be the one linked to that operator and its claims must still
    /// give a role; the session then counts as freshly confirmed from `authenticated_at`,
    /// exactly as after `confirm_password`.
    pub async fn oidc_confirm(
        &self,
        session_hash: &str,
        who: &ProviderIdentity<'_>,
    ) -> Result<Result<Operator, OidcRefusal>> {
        let mut tx = self.begin_write().await?;
        let Some(session_operator) = session_operator(&mut tx, session_hash).await? else {
            drop(tx);
            self.audit_refusal(
                who,
                "session.confirm-password",
                who.username,
                OidcRefusal::Expired,
            )
            .await?;
            return Ok(Err(OidcRefusal::Expired));
        };
        let operator =
            match operator_for_identity(&mut tx, who, Some(OperatorId(session_operator))).await? {
                Ok(operator) => operator,
                Err((refusal, name)) => {
                    drop(tx);
                    self.audit_refusal(who, "session.confirm-password", &name, refusal)
                        .await?;
                    return Ok(Err(refusal));
                }
            };
        let now = now_micros();
        sqlx::query("UPDATE sessions SET password_at = $1 WHERE token_hash = $2")
            .bind(authenticated_micros(who.authenticated_at, now))
            .bind(session_hash)
            .execute(&mut *tx)
            .await?;
        record_in(
            &mut tx,
            &AuditRecord {
                operator_id: Some(operator.id.0),
                operator_name: &operator.username,
                action: "session.confirm-password",
                target: &operator.username,
                outcome: "ok",
                details: &format!("from {} through {}", who.client_address, who.provider),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(operator))
    }

    /// A verified sign-in that links the signed-in operator (the session with this hash) to
    /// the provider's account, so they may sign in through it from now on. Refused, audited and
    /// changing nothing when the account is linked to an operator already or the operator has
    /// a link. The role is not touched: it comes from the claims at the next sign-in, and the
    /// Owner signs in through the provider only while the claims map to Owner.
    pub async fn oidc_link(
        &self,
        session_hash: &str,
        who: &ProviderIdentity<'_>,
    ) -> Result<Result<Operator, OidcRefusal>> {
        const ACTION: &str = "operator.link-identity";
        let mut tx = self.begin_write().await?;
        let Some(operator_id) = session_operator(&mut tx, session_hash).await? else {
            drop(tx);
            self.audit_refusal(who, ACTION, who.username, OidcRefusal::Expired)
                .await?;
            return Ok(Err(OidcRefusal::Expired));
        };
        let operator = fetch_operator(&mut tx, OperatorId(operator_id)).await?;
        let taken: Option<(i64,)> = sqlx::query_as(
            "SELECT operator_id FROM operator_identities
             WHERE (issuer = $1 AND subject = $2) OR operator_id = $3",
        )
        .bind(who.issuer)
        .bind(who.subject)
        .bind(operator_id)
        .fetch_optional(&mut *tx)
        .await?;
        let refusal = match taken {
            _ if operator.disabled => Some(OidcRefusal::Disabled),
            Some((owner_of_link,)) if owner_of_link == operator_id => {
                Some(OidcRefusal::AlreadyLinked)
            }
            Some(_) => Some(OidcRefusal::LinkTaken),
            None => None,
        };
        if let Some(refusal) = refusal {
            drop(tx);
            self.audit_refusal(who, ACTION, &operator.username, refusal)
                .await?;
            return Ok(Err(refusal));
        }
        sqlx::query(
            "INSERT INTO operator_identities (issuer, subject, operator_id, created_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(who.issuer)
        .bind(who.subject)
        .bind(operator_id)
        .bind(now_micros())
        .execute(&mut *tx)
        .await
        .map_err(|e| map_unique(e, OidcRefusal::LinkTaken.message()))?;
        record_in(
            &mut tx,
            &AuditRecord {
                operator_id: Some(operator_id),
                operator_name: &operator.username,
                action: ACTION,
                target: &operator.username,
                outcome: "ok",
                details: &format!(
                    "from {} through {} (subject {}; {})",
                    who.client_address, who.provider, who.subject, who.claim_summary
                ),
            },
        )
        .await?;
        let operator = fetch_operator(&mut tx, operator.id).await?;
        tx.commit().await?;
        Ok(Ok(operator))
    }

    /// Removes the operator's own link to the provider. An operator without a password of
    /// their own keeps it (they could not sign in any more); the Owner always has one.
    pub async fn unlink_identity(&self, operator: &Operator, provider: &str) -> Result<Operator> {
        let mut tx = self.begin_write().await?;
        let current = fetch_operator(&mut tx, operator.id).await?;
        if !current.local_password {
            return Err(Error::Conflict(
                "You have no password of your own, so the identity provider is your only way \
                 to sign in; ask an administrator to set a password first."
                    .into(),
            ));
        }
        let removed = sqlx::query("DELETE FROM operator_identities WHERE operator_id = $1")
            .bind(operator.id.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed == 0 {
            return Err(Error::Conflict(
                "Your operator account is not linked to an identity provider account.".into(),
            ));
        }
        record_in(
            &mut tx,
            &AuditRecord {
                operator_id: Some(operator.id.0),
                operator_name: &current.username,
                action: "operator.unlink-identity",
                target: &current.username,
                outcome: "ok",
                details: &format!("from {provider}"),
            },
        )
        .await?;
        let current = fetch_operator(&mut tx, operator.id).await?;
        tx.commit().await?;
        Ok(current)
    }

    /// A sign-in through the provider that failed before anyone was identified (cancelled at
    /// the provider, expired, not verifiable): written to the audit log.
    pub async fn record_oidc_failure(
        &self,
        action: &str,
        provider: &str,
        client_address: &str,
        refusal: OidcRefusal,
    ) -> Result<()> {
        self.record_audit(&AuditRecord {
            operator_id: None,
            operator_name: provider,
            action,
            target: provider,
            outcome: "denied",
            details: &format!(
                "from {client_address} through {provider}: {}",
                refusal.code()
            ),
        })
        .await
    }

    async fn audit_refusal(
        &self,
        who: &ProviderIdentity<'_>,
        action: &str,
        name: &str,
        refusal: OidcRefusal,
    ) -> Result<()> {
        self.record_audit(&AuditRecord {
            operator_id: None,
            operator_name: name,
            action,
            target: name,
            outcome: "denied",
            details: &format!(
                "from {} through {} (subject {}): {}; {}",
                who.client_address,
                who.provider,
                who.subject.chars().take(255).collect::<String>(),
                refusal.code(),
                who.claim_summary
            ),
        })
        .await
    }
}

/// The password time a session gets: when the person authenticated at the provider (never
/// later than now); without it the sign-in does not count as a fresh authentication.
fn authenticated_micros(at: Option<DateTime<Utc>>, now: i64) -> i64 {
    at.map_or(0, |at| at.timestamp_micros().min(now))
}

/// The operator for this identity under the rules above; on refusal, the refusal and the name
/// to audit it under. `must_be`: a confirmation's signed-in operator.
async fn operator_for_identity(
    conn: &mut AnyConnection,
    who: &ProviderIdentity<'_>,
    must_be: Option<OperatorId>,
) -> Result<std::result::Result<Operator, (OidcRefusal, String)>> {
    let refuse = |refusal: OidcRefusal, name: &str| Ok(Err((refusal, name.to_string())));
    let (owners,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM operators WHERE role = 'owner'")
        .fetch_one(&mut *conn)
        .await?;
    if owners == 0 {
        return refuse(OidcRefusal::NeedsSetup, who.username);
    }
    let linked: Option<(i64,)> = sqlx::query_as(
        "SELECT operator_id FROM operator_identities WHERE issuer = $1 AND subject = $2",
    )
    .bind(who.issuer)
    .bind(who.subject)
    .fetch_optional(&mut *conn)
    .await?;
    let existing = match linked {
        Some((id,)) => Some(fetch_operator(conn, id).await?),
        None => None,
    };
    let name = existing
        .as_ref()
        .map_or(who.username.to_string(), |o| o.username.clone());
    if let Some(expected) = must_be {
        if existing.as_ref().map(|o| o.id) != Some(expected) {
            return refuse(OidcRefusal::OtherAccount, &name);
        }
    }
    // A linked Owner stays Owner: without the Owner value in the claims, no sign-in at all.
    let owner = existing
        .as_ref()
        .is_some_and(|o| o.role == OperatorRole::Owner);
    if owner && who.role != Some(OperatorRole::Owner) {
        return refuse(OidcRefusal::OwnerNotMapped, &name);
    }
    let Some(role) = who.role else {
        return refuse(OidcRefusal::NoRole, &name);
    };
    let Some(operator) = existing else {
        if role == OperatorRole::Owner {
            // The Owner exists (checked above) and is not this person.
            return refuse(OidcRefusal::OwnerTaken, &name);
        }
        return Ok(Ok(create_linked_operator(conn, who, role).await?));
    };
    if operator.disabled {
        return refuse(OidcRefusal::Disabled, &name);
    }
    match (operator.role, role) {
        (OperatorRole::Owner, OperatorRole::Owner) => Ok(Ok(operator)),
        (OperatorRole::Owner, _) => refuse(OidcRefusal::OwnerNotMapped, &name),
        (_, OperatorRole::Owner) => refuse(OidcRefusal::OwnerTaken, &name),
        (old, new) if old == new => Ok(Ok(operator)),
        (old, new) => {
            sqlx::query("UPDATE operators SET role = $1, updated_at = $2 WHERE id = $3")
                .bind(new.as_str())
                .bind(now_micros())
                .bind(operator.id.0)
                .execute(&mut *conn)
                .await?;
            record_in(
                conn,
                &AuditRecord {
                    operator_id: None,
                    operator_name: who.provider,
                    action: "operator.change-role",
                    target: &operator.username,
                    outcome: "ok",
                    details: &format!(
                        "{} -> {} ({})",
                        old.as_str(),
                        new.as_str(),
                        who.claim_summary
                    ),
                },
            )
            .await?;
            Ok(Ok(fetch_operator(conn, operator.id).await?))
        }
    }
}

/// A first sign-in: a new operator without a password, linked to (issuer, subject), named
/// after the provider's user name (`-2`, `-3`… when taken).
async fn create_linked_operator(
    conn: &mut AnyConnection,
    who: &ProviderIdentity<'_>,
    role: OperatorRole,
) -> Result<Operator> {
    let mut username = None;
    for n in 1..=100 {
        let candidate = if n == 1 {
            who.username.to_string()
        } else {
            format!("{}-{n}", who.username)
        };
        let (taken,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM operators WHERE username_key = $1")
                .bind(username_key(&candidate))
                .fetch_one(&mut *conn)
                .await?;
        if taken == 0 {
            username = Some(candidate);
            break;
        }
    }
    let username = username.ok_or_else(|| {
        Error::Conflict(format!(
            "No free operator name like {:?}; rename some operators.",
            who.username
        ))
    })?;
    let display_name: String = match who.display_name.trim() {
        "" => username.clone(),
        name => name.chars().take(128).collect(),
    };
    let now = now_micros();
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO operators (username, username_key, display_name, role, password_hash,
                                disabled, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 0, $6, $6) RETURNING id",
    )
    .bind(&username)
    .bind(username_key(&username))
    .bind(&display_name)
    .bind(role.as_str())
    .bind(NO_PASSWORD)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| {
        map_unique(
            e,
            &format!("An operator named {username:?} already exists."),
        )
    })?;
    sqlx::query(
        "INSERT INTO operator_identities (issuer, subject, operator_id, created_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(who.issuer)
    .bind(who.subject)
    .bind(id)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(|e| map_unique(e, "This identity provider account is linked already."))?;
    record_in(
        conn,
        &AuditRecord {
            operator_id: None,
            operator_name: who.provider,
            action: "operator.add",
            target: &username,
            outcome: "ok",
            details: &format!(
                "{} on first sign-in through {} ({})",
                role.as_str(),
                who.provider,
                who.claim_summary
            ),
        },
    )
    .await?;
    fetch_operator(conn, id).await
}

/// The operator of the live session with this token hash (None when it ended or expired).
async fn session_operator(conn: &mut AnyConnection, session_hash: &str) -> Result<Option<i64>> {
    let session: Option<(i64,)> = sqlx::query_as(
        "SELECT operator_id FROM sessions WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(session_hash)
    .bind(now_micros())
    .fetch_optional(conn)
    .await?;
    Ok(session.map(|(id,)| id))
}
