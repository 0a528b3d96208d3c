//! Vault secrets: set, reveal, put back an old one, and key rotation. A secret's versions
//! live in `vault_secrets` (see migration 0067), sealed with the vault key
//! (`vault_keys`); the account's own versions, lists, CSV files and the audit log never hold
//! it, and the operations and audit entries of a change say that it changed, not to what.
use super::identity::audit;
use super::locks::{self, Lock};
use super::temporal::{begin_op, write_version, Author, Table};
use super::vault_keys::{self, Sealed, VaultKey, VaultKeys};
use super::{to_time, AuditRecord, Error, Result, Store};
use crate::model::kinds::VAULT_ACCOUNTS;
use crate::model::{RevealedSecret, SecretVersion, MAX_SECRET_BYTES};
use sqlx::AnyConnection;
use std::sync::Arc;

const SECRETS: Table = Table::Resource("vault_secrets");

#[derive(sqlx::FromRow)]
struct SecretRow {
    version_id: i64,
    valid_from: i64,
    valid_to: Option<i64>,
    changed_by: String,
    key_id: String,
    nonce: String,
    ciphertext: String,
}

impl SecretRow {
    fn sealed(&self) -> Sealed {
        Sealed {
            key_id: self.key_id.clone(),
            nonce: self.nonce.clone(),
            ciphertext: self.ciphertext.clone(),
        }
    }
}

/// What a key rotation did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRotation {
    /// Secret versions sealed again, old ones included.
    pub resealed: usize,
    pub new_key: String,
    pub retired: Vec<String>,
}

/// The current name of vault account `account`, or NotFound.
async fn account_name(conn: &mut AnyConnection, account: i64) -> Result<String> {
    let row: Option<(String,)> = sqlx::query_as(&format!(
        "SELECT name FROM {} WHERE object_id = $1 AND valid_to IS NULL",
        VAULT_ACCOUNTS.table
    ))
    .bind(account)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|(name,)| name)
        .ok_or_else(|| Error::NotFound("vault account".into()))
}

const SECRET_COLUMNS: &str =
    "version_id, valid_from, valid_to, changed_by, key_id, nonce, ciphertext";

/// A secret version of `account`: `version`, or the current one.
async fn secret_row(
    conn: &mut AnyConnection,
    account: i64,
    version: Option<i64>,
) -> Result<SecretRow> {
    let row: Option<SecretRow> =
        match version {
            Some(version) => sqlx::query_as(
                "SELECT version_id, valid_from, valid_to, changed_by, key_id, nonce, ciphertext \
                 FROM vault_secrets WHERE object_id = $1 AND version_id = $2",
            )
            .bind(account)
            .bind(version)
            .fetch_optional(&mut *conn)
            .await?,
            None => sqlx::query_as(
                "SELECT version_id, valid_from, valid_to, changed_by, key_id, nonce, ciphertext \
                 FROM vault_secrets WHERE object_id = $1 AND valid_to IS NULL",
            )
            .bind(account)
            .fetch_optional(&mut *conn)
            .await?,
        };
    row.ok_or_else(|| match version {
        Some(_) => Error::NotFound("secret version".into()),
        None => Error::NotFound("secret (none has been set for this account)".into()),
    })
}

/// A new secret must be something, not too long, and free of NUL characters; the message
/// never repeats it.
fn check_secret(secret: &str) -> Result<()> {
    if secret.is_empty() {
        return Err(Error::invalid("secret", "Type the new secret."));
    }
    if secret.len() > MAX_SECRET_BYTES {
        return Err(Error::invalid(
            "secret",
            format!(
                "A secret is at most {} KiB; this one is longer.",
                MAX_SECRET_BYTES / 1024
            ),
        ));
    }
    if secret.contains('\0') {
        return Err(Error::invalid(
            "secret",
            "A secret cannot hold a NUL character.",
        ));
    }
    Ok(())
}

async fn put_secret(
    conn: &mut AnyConnection,
    actor: &Author,
    account: i64,
    sealed: &Sealed,
    kind: &str,
    summary: &str,
) -> Result<super::temporal::Op> {
    let op = begin_op(conn, actor, kind, summary).await?;
    write_version(
        conn,
        &op,
        SECRETS,
        account,
        &[
            ("key_id", sealed.key_id.clone().into()),
            ("nonce", sealed.nonce.clone().into()),
            ("ciphertext", sealed.ciphertext.clone().into()),
        ],
    )
    .await?;
    Ok(op)
}

impl Store {
    /// The store with the vault keys it seals and opens secrets with (without: none, and
    /// every secret operation says how to configure one).
    pub fn with_vault_keys(mut self, keys: VaultKeys) -> Self {
        self.vault = Arc::new(keys);
        self
    }

    /// The store with the server's vault keys (`VaultKeys::from_env`). A missing key file is
    /// created only while no secret is sealed: otherwise a wrong working directory or a typo
    /// in REWIND_VAULT_KEY_FILE would start a new key that opens none of them.
    pub async fn with_vault_keys_from_env(self) -> Result<Self> {
        if std::env::var("REWIND_VAULT_KEY").is_ok() {
            return Ok(self.with_vault_keys(VaultKeys::from_env()?));
        }
        self.with_vault_key_file(&vault_keys::key_file_path()).await
    }

    /// The store with the keys of the file at `path`, created (with a fresh key) only while
    /// no secret is sealed.
    pub async fn with_vault_key_file(self, path: &std::path::Path) -> Result<Self> {
        if !path.exists() {
            let sealed: Vec<(String,)> =
                sqlx::query_as("SELECT DISTINCT key_id FROM vault_secrets ORDER BY key_id")
                    .fetch_all(&self.pool)
                    .await?;
            if !sealed.is_empty() {
                let ids: Vec<String> = sealed.into_iter().map(|(id,)| id).collect();
                return Err(Error::Conflict(format!(
                    "The vault key file {} does not exist, but vault secrets are sealed with \
                     the keys {}: put the key file back (or point REWIND_VAULT_KEY_FILE at \
                     it). A new key would open none of them.",
                    path.display(),
                    ids.join(", ")
                )));
            }
        }
        Ok(self.with_vault_keys(VaultKeys::from_file(path)?))
    }

    pub fn vault_keys(&self) -> &VaultKeys {
        &self.vault
    }

    /// The versions of an account's secret, newest first: when and by whom, never what.
    pub async fn vault_secret_history(&self, account: i64) -> Result<Vec<SecretVersion>> {
        let mut conn = self.pool.acquire().await?;
        let rows: Vec<SecretRow> = sqlx::query_as(&format!(
            "SELECT {SECRET_COLUMNS} FROM vault_secrets WHERE object_id = $1 \
             ORDER BY version_id DESC"
        ))
        .bind(account)
        .fetch_all(&mut *conn)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(SecretVersion {
                    version_id: row.version_id,
                    since: to_time(row.valid_from),
                    until: row.valid_to.map(to_time),
                    changed_by: row.changed_by,
                    readable: self.vault.has(&row.key_id)?,
                })
            })
            .collect()
    }

    /// Sets a vault account's secret: a new version, sealed with the current vault key.
    pub async fn set_vault_secret(&self, actor: &Author, account: i64, secret: &str) -> Result<()> {
        check_secret(secret)?;
        let mut tx = self.begin_identity_write().await?;
        locks::take_shared(&mut tx, Lock::VaultKey).await?;
        locks::take(&mut tx, Lock::VaultSecret(account)).await?;
        let name = account_name(&mut tx, account).await?;
        let sealed = self.vault.seal(account, secret)?;
        let summary = format!("Changed the secret of vault account {name}");
        let op = put_secret(
            &mut tx,
            actor,
            account,
            &sealed,
            "vault-account.secret",
            &summary,
        )
        .await?;
        audit(
            &mut tx,
            &op,
            "vault.secret.set",
            &name,
            "secret changed (its value is never recorded)",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Puts an old secret of an account back in force, as a new version sealed afresh.
    pub async fn restore_vault_secret(
        &self,
        actor: &Author,
        account: i64,
        version: i64,
    ) -> Result<()> {
        let mut tx = self.begin_identity_write().await?;
        locks::take_shared(&mut tx, Lock::VaultKey).await?;
        locks::take(&mut tx, Lock::VaultSecret(account)).await?;
        let name = account_name(&mut tx, account).await?;
        let old = secret_row(&mut tx, account, Some(version)).await?;
        if old.valid_to.is_none() {
            return Err(Error::Conflict(
                "That is the account's current secret already.".into(),
            ));
        }
        let secret = self.vault.open(account, &old.sealed())?;
        let sealed = self.vault.seal(account, &secret)?;
        let set = format!(
            "the secret set {} by {}",
            to_time(old.valid_from).format("%Y-%m-%d %H:%M:%S UTC"),
            old.changed_by
        );
        let summary = format!("Put back {set} on vault account {name}");
        let op = put_secret(
            &mut tx,
            actor,
            account,
            &sealed,
            "vault-account.secret-restore",
            &summary,
        )
        .await?;
        audit(
            &mut tx,
            &op,
            "vault.secret.restore",
            &name,
            &format!("put back {set}"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An account's secret in clear (`version`, or the current one). Every reveal is
    /// audited, naming the account and the version, never the secret.
    pub async fn reveal_vault_secret(
        &self,
        actor: &Author,
        account: i64,
        version: Option<i64>,
    ) -> Result<RevealedSecret> {
        let mut conn = self.pool.acquire().await?;
        let name = account_name(&mut conn, account).await?;
        let row = secret_row(&mut conn, account, version).await?;
        let secret = self.vault.open(account, &row.sealed())?;
        let which = match row.valid_to {
            None => "the current secret".to_string(),
            Some(_) => format!(
                "the secret set {} by {}",
                to_time(row.valid_from).format("%Y-%m-%d %H:%M:%S UTC"),
                row.changed_by
            ),
        };
        super::audit::record_in(
            &mut conn,
            &AuditRecord {
                operator_id: actor.operator_id,
                operator_name: &actor.name,
                action: "vault.reveal",
                target: &name,
                outcome: "ok",
                details: &format!("revealed {which}"),
            },
        )
        .await?;
        Ok(RevealedSecret {
            version_id: row.version_id,
            secret: crate::model::SecretText(secret.to_string()),
        })
    }

    /// Seals every secret version again with a new key, in one transaction, and leaves only
    /// that key in the key file. Before the transaction the file holds the new key first and
    /// the old ones after it, so a server running meanwhile (which rereads the file) seals
    /// with the new key and still opens old secrets; the transaction holds the vault key's
    /// lock exclusively, so no write seals a secret while it runs (writes that seal hold it
    /// shared; on SQLite writers run one at a time anyway).
    pub async fn rotate_vault_key(&self) -> Result<KeyRotation> {
        let path = self.vault.file().ok_or_else(|| {
            Error::Conflict(
                "The vault key comes from REWIND_VAULT_KEY: rotation rewrites the key file, so \
                 unset REWIND_VAULT_KEY and keep the key in REWIND_VAULT_KEY_FILE."
                    .into(),
            )
        })?;
        let old = self.vault.keys()?;
        let new = VaultKey::generate();
        let mut both = vec![new.clone()];
        both.extend(old.iter().cloned());
        vault_keys::write_key_file(&path, &both)?;
        let mut tx = self.begin_identity_write().await?;
        locks::take(&mut tx, Lock::VaultKey).await?;
        let rows: Vec<(i64, i64, String, String, String)> = sqlx::query_as(
            "SELECT version_id, object_id, key_id, nonce, ciphertext FROM vault_secrets \
             WHERE key_id <> $1",
        )
        .bind(new.id())
        .fetch_all(&mut *tx)
        .await?;
        let resealed = rows.len();
        for (version, account, key_id, nonce, ciphertext) in rows {
            let sealed = Sealed {
                key_id,
                nonce,
                ciphertext,
            };
            let key = old
                .iter()
                .find(|k| k.id() == sealed.key_id)
                .ok_or_else(|| {
                    Error::Conflict(format!(
                    "A secret of vault account {account} (version {version}) is sealed with the \
                     key {}, which the key file does not hold; nothing was resealed. Add that \
                     key to the file, then rotate again.",
                    sealed.key_id
                ))
                })?;
            let secret = vault_keys::open_with(key, account, &sealed).map_err(|_| {
                Error::Conflict(format!(
                    "The secret of vault account {account} (version {version}) does not open \
                     with its key: it is damaged. Nothing was resealed."
                ))
            })?;
            let fresh = vault_keys::seal_with(&new, account, &secret)?;
            sqlx::query(
                "UPDATE vault_secrets SET key_id = $1, nonce = $2, ciphertext = $3 \
                 WHERE version_id = $4",
            )
            .bind(&fresh.key_id)
            .bind(&fresh.nonce)
            .bind(&fresh.ciphertext)
            .bind(version)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        vault_keys::write_key_file(&path, std::slice::from_ref(&new))?;
        let retired: Vec<String> = old.iter().map(|k| k.id().to_string()).collect();
        self.record_audit(&AuditRecord {
            operator_id: None,
            operator_name: "command line",
            action: "vault.rotate-key",
            target: new.id(),
            outcome: "ok",
            details: &format!(
                "resealed {resealed} secret versions; retired key {}",
                retired.join(", ")
            ),
        })
        .await?;
        Ok(KeyRotation {
            resealed,
            new_key: new.id().to_string(),
            retired,
        })
    }
}
