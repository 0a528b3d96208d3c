//! Console operators, sessions, first-run setup and login throttling.
use super::audit::{record_in, AuditRecord};
use super::login_throttle::{login_succeeded_in, Admission};
use super::{now_micros, to_time, token_hash, Error, Result, Store};
use crate::model::{Operator, OperatorId, OperatorRole, MIN_PASSWORD_LEN};
use sqlx::{Any, AnyConnection};

/// Longest user name an operator may have (longer sign-in names are refused unchecked).
pub(super) const MAX_USERNAME_CHARS: usize = 64;

#[derive(Clone, Debug)]
pub struct NewOperator {
    pub username: String,
    pub display_name: String,
    pub role: OperatorRole,
    pub password: String,
}

#[derive(sqlx::FromRow)]
pub(super) struct OperatorRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    disabled: i64,
    created_at: i64,
    last_login_at: Option<i64>,
    identity_links: i64,
    local_password: i64,
}

#[derive(sqlx::FromRow)]
struct CredentialRow {
    id: i64,
    password_hash: String,
    disabled: i64,
}

/// An operator created through the identity provider has this instead of a password hash:
/// no password verifies against it.
pub(super) const NO_PASSWORD: &str = "";

const OPERATOR_COLUMNS: &str =
    "o.id, o.username, o.display_name, o.role, o.disabled, o.created_at, o.last_login_at,
     (SELECT COUNT(*) FROM operator_identities i WHERE i.operator_id = o.id) AS identity_links,
     CAST(CASE WHEN o.password_hash = '' THEN 0 ELSE 1 END AS BIGINT) AS local_password";

impl TryFrom<OperatorRow> for Operator {
    type Error = Error;
    fn try_from(row: OperatorRow) -> Result<Self> {
        Ok(Operator {
            id: OperatorId(row.id),
            role: OperatorRole::parse(&row.role)
                .ok_or_else(|| Error::Internal(format!("unknown operator role {:?}", row.role)))?,
            username: row.username,
            display_name: row.display_name,
            disabled: row.disabled != 0,
            created_at: to_time(row.created_at),
            last_login_at: row.last_login_at.map(to_time),
            identity_provider: row.identity_links > 0,
            local_password: row.local_password != 0,
        })
    }
}

pub(super) fn username_key(username: &str) -> String {
    username.trim().to_lowercase()
}

fn validate_new_operator(new: &NewOperator) -> Result<()> {
    let mut problems = Vec::new();
    let name = new.username.trim();
    if name.is_empty() {
        problems.push(crate::error::FieldError::new(
            "username",
            "User name is required.",
        ));
    } else if name.chars().count() > MAX_USERNAME_CHARS
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        problems.push(crate::error::FieldError::new(
            "username",
            "Use at most 64 letters, digits, '.', '_', '-' or '@'.",
        ));
    }
    if new.display_name.trim().len() > 128 {
        problems.push(crate::error::FieldError::new(
            "display_name",
            "Use at most 128 characters.",
        ));
    }
    if let Err(Error::Invalid(mut fields)) = validate_password(&new.password) {
        problems.append(&mut fields);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(problems))
    }
}

pub fn validate_password(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(Error::invalid(
            "password",
            format!("Use at least {MIN_PASSWORD_LEN} characters."),
        ));
    }
    if password.len() > 1024 {
        return Err(Error::invalid("password", "Use at most 1024 characters."));
    }
    Ok(())
}

/// A hash to verify against when the user name does not exist, so timing does not reveal it.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0P2vW9bj0XJq1mB5a0vV2m1+4mB8mFh0n0mFf6Z0S8k";

pub(super) fn map_unique(error: sqlx::Error, message: &str) -> Error {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => Error::Conflict(message.into()),
        _ => Error::Database(error),
    }
}

async fn insert_operator(conn: &mut AnyConnection, new: &NewOperator, hash: &str) -> Result<i64> {
    let now = now_micros();
    let display_name = if new.display_name.trim().is_empty() {
        new.username.trim()
    } else {
        new.display_name.trim()
    };
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO operators (username, username_key, display_name, role, password_hash,
                                disabled, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 0, $6, $6) RETURNING id",
    )
    .bind(new.username.trim())
    .bind(username_key(&new.username))
    .bind(display_name)
    .bind(new.role.as_str())
    .bind(hash)
    .bind(now)
    .fetch_one(conn)
    .await
    .map_err(|e| {
        map_unique(
            e,
            &format!(
                "An operator named {:?} already exists.",
                new.username.trim()
            ),
        )
    })?;
    Ok(id)
}

async fn count_owners<'e>(executor: impl sqlx::Executor<'e, Database = sqlx::Any>) -> Result<i64> {
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM operators WHERE role = 'owner'")
        .fetch_one(executor)
        .await?;
    Ok(count)
}

impl Store {
    pub async fn owner_exists(&self) -> Result<bool> {
        Ok(count_owners(&self.pool).await? > 0)
    }

    /// Replaces any earlier first-run token; only the newest printed one works.
    pub async fn replace_setup_token(&self, token: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM setup_tokens")
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO setup_tokens (token_hash, created_at) VALUES ($1, $2)")
            .bind(token_hash(token))
            .bind(now_micros())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates the Owner. With `setup_token` (the web first-run page) the token must match the
    /// one printed in the server log; the CLI passes `None`.
    pub async fn create_owner(
        &self,
        setup_token: Option<&str>,
        username: &str,
        display_name: &str,
        password: &str,
    ) -> Result<Operator> {
        let new = NewOperator {
            username: username.into(),
            display_name: display_name.into(),
            role: OperatorRole::Owner,
            password: password.into(),
        };
        validate_new_operator(&new)?;
        let hash = self.hash_password(&new.password).await?;
        let mut tx = self.begin_write().await?;
        if count_owners(&mut *tx).await? > 0 {
            return Err(Error::Conflict("The Owner account already exists.".into()));
        }
        if let Some(token) = setup_token {
            let (matches,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM setup_tokens WHERE token_hash = $1")
                    .bind(token_hash(token.trim()))
                    .fetch_one(&mut *tx)
                    .await?;
            if matches == 0 {
                return Err(Error::invalid(
                    "setup_token",
                    "This setup token is not valid; use the newest one printed in the server log.",
                ));
            }
        }
        let id = insert_operator(&mut tx, &new, &hash).await?;
        sqlx::query("DELETE FROM setup_tokens")
            .execute(&mut *tx)
            .await?;
        record_in(
            &mut tx,
            &AuditRecord {
                operator_id: Some(id),
                operator_name: new.username.trim(),
                action: "operator.create-owner",
                target: new.username.trim(),
                outcome: "ok",
                details: if setup_token.is_some() {
                    "first-run page"
                } else {
                    "command line"
                },
            },
        )
        .await?;
        let operator = fetch_operator(&mut tx, id).await?;
        tx.commit().await?;
        Ok(operator)
    }

    /// Checks a user name and password from `client_address`, applying the sign-in throttle
    /// (see `login_throttle`). Every failed or refused attempt is written to the audit log.
    pub async fn authenticate(
        &self,
        username: &str,
        password: &str,
        client_address: &str,
    ) -> Result<Operator> {
        self.check_password(username, password, client_address, None)
            .await
    }

    /// `authenticate` for a sign-in, or (`confirming` = the session's token hash) to confirm a
    /// signed-in operator's password, which then counts as freshly entered for that session.
    /// Both go through the same throttle, so a stolen session cannot guess the password.
    pub(super) async fn check_password(
        &self,
        username: &str,
        password: &str,
        client_address: &str,
        confirming: Option<&str>,
    ) -> Result<Operator> {
        let action = if confirming.is_some() {
            "session.confirm-password"
        } else {
            "session.login"
        };
        // Bounded: whatever a visitor sends, at most this much of it is stored.
        let name: String = username.trim().chars().take(MAX_USERNAME_CHARS).collect();
        let address: String = client_address.chars().take(64).collect();
        let key = username_key(&name);
        let plausible =
            username.trim().chars().count() <= MAX_USERNAME_CHARS && password.len() <= 1024;
        let from = format!("from {address}");
        let locks_for = match self.admit_login(&key, &address).await? {
            Admission::Admitted { locks_for } => locks_for,
            Admission::Refused {
                retry_after_secs,
                first,
            } => {
                if first {
                    self.record_audit(&AuditRecord {
                        operator_id: None,
                        operator_name: &name,
                        action,
                        target: &name,
                        outcome: "throttled",
                        details: &format!(
                            "{from}: too many failed sign-ins, locked for {retry_after_secs} s \
                             (further refusals during this lock are counted, not logged)"
                        ),
                    })
                    .await?;
                }
                return Err(Error::Throttled(retry_after_secs));
            }
        };
        let credentials = if plausible {
            sqlx::query_as::<Any, CredentialRow>(
                "SELECT id, password_hash, disabled FROM operators WHERE username_key = $1",
            )
            .bind(&key)
            .fetch_optional(&self.pool)
            .await?
        } else {
            None
        };
        let hash = credentials
            .as_ref()
            .map(|c| c.password_hash.clone())
            .unwrap_or_else(|| DUMMY_HASH.to_string());
        let password_ok = plausible && self.verify_password(password, hash).await;
        match credentials {
            Some(c) if password_ok && c.disabled == 0 => {
                let mut tx = self.begin_write().await?;
                login_succeeded_in(&mut tx, &key, &address).await?;
                match confirming {
                    Some(token_hash) => {
                        sqlx::query("UPDATE sessions SET password_at = $1 WHERE token_hash = $2")
                            .bind(now_micros())
                            .bind(token_hash)
                    }
                    None => sqlx::query("UPDATE operators SET last_login_at = $1 WHERE id = $2")
                        .bind(now_micros())
                        .bind(c.id),
                }
                .execute(&mut *tx)
                .await?;
                let operator = fetch_operator(&mut tx, c.id).await?;
                record_in(
                    &mut tx,
                    &AuditRecord {
                        operator_id: Some(c.id),
                        operator_name: &operator.username,
                        action,
                        target: &operator.username,
                        outcome: "ok",
                        details: &from,
                    },
                )
                .await?;
                tx.commit().await?;
                Ok(operator)
            }
            found => {
                let disabled = matches!(&found, Some(c) if password_ok && c.disabled != 0);
                let reason = if disabled {
                    "operator disabled"
                } else {
                    "wrong user name or password"
                };
                let lock = locks_for
                    .map(|secs| format!("; locked for {secs} s"))
                    .unwrap_or_default();
                self.record_audit(&AuditRecord {
                    operator_id: found.as_ref().map(|c| c.id),
                    operator_name: &name,
                    action,
                    target: &name,
                    outcome: "denied",
                    details: &format!("{from}: {reason}{lock}"),
                })
                .await?;
                Err(Error::invalid(
                    "password",
                    if disabled {
                        "This operator account is disabled."
                    } else {
                        "Wrong user name or password."
                    },
                ))
            }
        }
    }

    pub async fn list_operators(&self) -> Result<Vec<Operator>> {
        let rows = sqlx::query_as::<Any, OperatorRow>(&format!(
            "SELECT {OPERATOR_COLUMNS} FROM operators o ORDER BY o.username_key"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Operator::try_from).collect()
    }

    pub async fn add_operator(&self, actor: &Operator, new: NewOperator) -> Result<Operator> {
        validate_new_operator(&new)?;
        if new.role == OperatorRole::Owner {
            return Err(Error::invalid(
                "role",
                "There is exactly one Owner; choose Admin or Auditor.",
            ));
        }
        let hash = self.hash_password(&new.password).await?;
        let mut tx = self.begin_write().await?;
        let id = insert_operator(&mut tx, &new, &hash).await?;
        record_in(
            &mut tx,
            &AuditRecord {
                operator_id: Some(actor.id.0),
                operator_name: &actor.username,
                action: "operator.add",
                target: new.username.trim(),
                outcome: "ok",
                details: new.role.as_str(),
            },
        )
        .await?;
        let operator = fetch_operator(&mut tx, id).await?;
        tx.commit().await?;
        Ok(operator)
    }

    /// Disabling also ends the operator's sessions.
    pub async fn set_operator_disabled(
        &self,
        actor: &Operator,
        id: OperatorId,
        disabled: bool,
    ) -> Result<Operator> {
        let mut tx = self.begin_write().await?;
        let target = fetch_operator(&mut tx, id).await?;
        guard_change(actor, &target)?;
        if target.role == OperatorRole::Owner && disabled {
            return Err(Error::Conflict("The Owner cannot be disabled.".into()));
        }
        if target.id == actor.id && disabled {
            return Err(Error::Conflict(
                "You cannot disable your own account.".into(),
            ));
        }
        sqlx::query("UPDATE operators SET disabled = $1, updated_at = $2 WHERE id = $3")
            .bind(i64::from(disabled))
            .bind(now_micros())
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE operator_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
        }
        record_in(
            &mut tx,
            &AuditRecord {
                operator_id: Some(actor.id.0),
                operator_name: &actor.username,
                action: if disabled {
                    "operator.disable"
                } else {
                    "operator.enable"
                },
                target: &target.username,
                outcome: "ok",
                details: "",
            },
        )
        .await?;
        let operator = fetch_operator(&mut tx, id).await?;
        tx.commit().await?;
        Ok(operator)
    }

    pub async fn change_operator_role(
        &self,
        actor: &Operator,
        id: OperatorId,
        role: OperatorRole,
    ) -> Result<Operator> {
        if role == OperatorRole::Owner {
            return Err(Error::invalid(
                "role",
                "There is exactly one Owner; choose Admin or Auditor.",
            ));
        }
        let mut tx = self.begin_write().await?;
        let target = fetch_operator(&mut tx, id).await?;
        guard_change(actor, &target)?;
        if target.role == OperatorRole::Owner {
            return Err(Error::Conflict(
                "The Owner's role cannot be changed.".into(),
            ));
        }
        sqlx::query("UPDATE operators SET role = $1, updated_at = $2 WHERE id = $3")
            .bind(role.as_str())
            .bind(now_micros())
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        record_in(
            &mut tx,
            &AuditRecord {
                operator_id: Some(actor.id.0),
                operator_name: &actor.username,
                action: "operator.change-role",
                target: &target.username,
                outcome: "ok",
                details: &format!("{} -> {}", target.role.as_str(), role.as_str()),
            },
        )
        .await?;
        let operator = fetch_operator(&mut tx, id).await?;
        tx.commit().await?;
        Ok(operator)
    }

    /// Sets a new password and ends the operator's sessions.
    pub async fn reset_operator_password(
        &self,
        actor: &Operator,
        id: OperatorId,
        password: &str,
    ) -> Result<()> {
        validate_password(password)?;
        let hash = self.hash_password(password).await?;
        let mut tx = self.begin_write().await?;
        let target = fetch_operator(&mut tx, id).await?;
        guard_change(actor, &target)?;
        sqlx::query("UPDATE operators SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(&hash)
            .bind(now_micros())
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE operator_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM login_throttle WHERE username_key = $1")
            .bind(username_key(&target.username))
            .execute(&mut *tx)
            .await?;
        record_in(
            &mut tx,
            &AuditRecord {
                operator_id: Some(actor.id.0),
                operator_name: &actor.username,
                action: "operator.reset-password",
                target: &target.username,
                outcome: "ok",
                details: "",
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Only the Owner may change the Owner's account.
fn guard_change(actor: &Operator, target: &Operator) -> Result<()> {
    if target.role == OperatorRole::Owner && actor.role != OperatorRole::Owner {
        return Err(Error::Conflict(
            "Only the Owner can change the Owner's account.".into(),
        ));
    }
    Ok(())
}

pub(super) async fn fetch_operator(
    conn: &mut AnyConnection,
    id: impl Into<OperatorId>,
) -> Result<Operator> {
    let OperatorId(id) = id.into();
    let row = sqlx::query_as::<Any, OperatorRow>(&format!(
        "SELECT {OPERATOR_COLUMNS} FROM operators o WHERE o.id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.ok_or_else(|| Error::NotFound(format!("operator {id}")))?
        .try_into()
}
