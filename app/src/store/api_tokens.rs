//! API tokens: created by an Owner or Admin with a subset of their own permissions, kept only
//! as a SHA-256 (a token is 256 random bits, so a fast hash is enough, as for sessions),
//! revoked or expired but never reused. A request with an unknown token counts as a failed
//! sign-in of the client address (`login_throttle`).
use super::audit::{record_in, AuditRecord};
use super::login_throttle::Admission;
use super::operators::fetch_operator;
use super::{now_micros, random_token, to_time, token_hash, Error, Result, Store};
use crate::model::{
    ApiCaller, ApiToken, CreatedApiToken, NewApiToken, Operator, OperatorRole, Permission,
    API_TOKEN_PREFIX, MAX_TOKEN_DAYS,
};

const SEC: i64 = 1_000_000;
const DAY: i64 = 86_400 * SEC;
/// `last_used_at` is written at most this often per token.
const LAST_USED_RESOLUTION_SECS: i64 = 60;
/// The throttle's user-name key for token attempts: no operator can be named so.
const TOKEN_THROTTLE_KEY: &str = "#api-token";
const MAX_NAME_CHARS: usize = 100;

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    name: String,
    prefix: String,
    operator: String,
    permissions: String,
    created_at: i64,
    expires_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl TokenRow {
    fn token(self) -> ApiToken {
        ApiToken {
            id: self.id,
            name: self.name,
            prefix: self.prefix,
            operator: self.operator,
            permissions: parse_permissions(&self.permissions),
            created_at: to_time(self.created_at),
            expires_at: to_time(self.expires_at),
            last_used_at: self.last_used_at.map(to_time),
            revoked_at: self.revoked_at.map(to_time),
        }
    }
}

fn parse_permissions(text: &str) -> Vec<Permission> {
    text.split_whitespace()
        .filter_map(Permission::parse)
        .collect()
}

const SELECT_TOKENS: &str =
    "SELECT t.id, t.name, t.prefix, o.username AS operator, t.permissions, \
     t.created_at, t.expires_at, t.last_used_at, t.revoked_at \
     FROM api_tokens t JOIN operators o ON o.id = t.operator_id";

fn check_new(actor: &Operator, input: &NewApiToken) -> Result<String> {
    let name = input.name.trim();
    let mut problems = Vec::new();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        problems.push(crate::error::FieldError::new(
            "name",
            format!("Give the token a name of 1 to {MAX_NAME_CHARS} characters, e.g. \"okta-provisioning\"."),
        ));
    }
    if !(1..=MAX_TOKEN_DAYS).contains(&input.days) {
        problems.push(crate::error::FieldError::new(
            "days",
            format!("A token expires after 1 to {MAX_TOKEN_DAYS} days."),
        ));
    }
    if input.permissions.is_empty() {
        problems.push(crate::error::FieldError::new(
            "permissions",
            "Choose at least one permission.",
        ));
    }
    if let Some(p) = input.permissions.iter().find(|p| !actor.role.can(**p)) {
        problems.push(crate::error::FieldError::new(
            "permissions",
            format!(
                "A token cannot have {}: your role ({}) does not.",
                p.name(),
                actor.role.label()
            ),
        ));
    }
    if problems.is_empty() {
        Ok(name.to_string())
    } else {
        Err(Error::Invalid(problems))
    }
}

impl Store {
    /// A new token of `actor`; its secret is in the answer and nowhere else.
    pub async fn create_api_token(
        &self,
        actor: &Operator,
        input: &NewApiToken,
    ) -> Result<CreatedApiToken> {
        let name = check_new(actor, input)?;
        let secret = format!("{API_TOKEN_PREFIX}{}", random_token());
        let prefix: String = secret.chars().take(API_TOKEN_PREFIX.len() + 6).collect();
        let mut permissions: Vec<Permission> = input.permissions.clone();
        permissions.sort_by_key(|p| Permission::ALL.iter().position(|q| q == p));
        permissions.dedup();
        let names: Vec<&str> = permissions.iter().map(|p| p.name()).collect();
        let now = now_micros();
        let mut tx = self.begin_write().await?;
        let inserted: std::result::Result<(i64,), sqlx::Error> = sqlx::query_as(
            "INSERT INTO api_tokens (name, name_key, token_hash, prefix, operator_id, \
             permissions, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             RETURNING id",
        )
        .bind(&name)
        .bind(name.to_lowercase())
        .bind(token_hash(&secret))
        .bind(&prefix)
        .bind(actor.id.0)
        .bind(names.join(" "))
        .bind(now)
        .bind(now + input.days * DAY)
        .fetch_one(&mut *tx)
        .await;
        let (id,) = inserted.map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => Error::invalid(
                "name",
                format!("A token named {name:?} exists already (revoked ones keep their name)."),
            ),
            _ => Error::Database(e),
        })?;
        record_in(
            &mut tx,
            &AuditRecord {
                operator_id: Some(actor.id.0),
                operator_name: &actor.username,
                action: "token.create",
                target: &name,
                outcome: "ok",
                details: &format!(
                    "permissions {}; expires in {} days",
                    names.join(", "),
                    input.days
                ),
            },
        )
        .await?;
        let row: TokenRow = sqlx::query_as(&format!("{SELECT_TOKENS} WHERE t.id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(CreatedApiToken {
            token: row.token(),
            secret,
        })
    }

    /// The tokens `actor` may see: every token for the Owner, their own for others.
    pub async fn list_api_tokens(&self, actor: &Operator) -> Result<Vec<ApiToken>> {
        let rows: Vec<TokenRow> = sqlx::query_as(&format!(
            "{SELECT_TOKENS} WHERE $1 = 1 OR t.operator_id = $2 ORDER BY t.id DESC"
        ))
        .bind(i64::from(actor.role == OperatorRole::Owner))
        .bind(actor.id.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(TokenRow::token).collect())
    }

    /// Revokes a token: the Owner any, others their own. It never works again.
    pub async fn revoke_api_token(&self, actor: &Operator, id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let row: Option<(String, i64, Option<i64>)> =
            sqlx::query_as("SELECT name, operator_id, revoked_at FROM api_tokens WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let (name, owner, revoked) = match row {
            Some(row) if actor.role == OperatorRole::Owner || row.1 == actor.id.0 => row,
            _ => return Err(Error::NotFound("API token".into())),
        };
        if revoked.is_some() {
            return Err(Error::Conflict(format!(
                "The token {name:?} is revoked already."
            )));
        }
        sqlx::query("UPDATE api_tokens SET revoked_at = $1, revoked_by = $2 WHERE id = $3")
            .bind(now_micros())
            .bind(&actor.username)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        record_in(
            &mut tx,
            &AuditRecord {
                operator_id: Some(actor.id.0),
                operator_name: &actor.username,
                action: "token.revoke",
                target: &name,
                outcome: "ok",
                details: &format!("token of operator #{owner}"),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The caller behind a bearer token from `address`: None for a token that is unknown,
    /// revoked, expired or whose operator is disabled. Each such attempt is counted by the
    /// sign-in throttle, and once the address is locked they get `Throttled`; a live token is
    /// looked up first, so guesses from an address never lock out the tokens used there.
    pub async fn api_caller(&self, token: &str, address: &str) -> Result<Option<ApiCaller>> {
        let plausible = token.len() <= 128 && token.starts_with(API_TOKEN_PREFIX);
        let now = now_micros();
        let row: Option<(i64, String, i64, String, i64, Option<i64>)> = if plausible {
            sqlx::query_as(
                "SELECT t.id, t.name, t.operator_id, t.permissions, t.expires_at, t.last_used_at \
                 FROM api_tokens t JOIN operators o ON o.id = t.operator_id \
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND o.disabled = 0",
            )
            .bind(token_hash(token))
            .fetch_optional(&self.pool)
            .await?
        } else {
            None
        };
        let Some((id, name, operator_id, permissions, _, last_used)) = row.filter(|r| r.4 > now)
        else {
            let address: String = address.chars().take(64).collect();
            if let Admission::Refused {
                retry_after_secs,
                first,
            } = self.admit_login(TOKEN_THROTTLE_KEY, &address).await?
            {
                if first {
                    self.record_audit(&AuditRecord {
                        operator_id: None,
                        operator_name: "",
                        action: "token.auth",
                        target: &address,
                        outcome: "throttled",
                        details: &format!(
                            "too many unknown API tokens from {address}; locked for \
                             {retry_after_secs} s"
                        ),
                    })
                    .await?;
                }
                return Err(Error::Throttled(retry_after_secs));
            }
            return Ok(None);
        };
        if last_used.is_none_or(|t| t < now - LAST_USED_RESOLUTION_SECS * SEC) {
            // Bookkeeping only: a busy database must not fail the request it belongs to.
            let noted = sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&self.pool)
                .await;
            if let Err(error) = noted {
                tracing::warn!("could not note the use of API token {id}: {error}");
            }
        }
        let mut conn = self.pool.acquire().await?;
        Ok(Some(ApiCaller {
            token_id: id,
            token_name: name,
            operator: fetch_operator(&mut conn, operator_id).await?,
            permissions: parse_permissions(&permissions),
        }))
    }
}
