//! Demo password vault: a few folders with permissions for a group, a user and a role, and
//! shared accounts with secrets (one changed once, so its secret history has two versions).
//! Secrets are set only when a vault key is loaded.
use super::temporal::Author;
use super::{Result, Store};
use crate::model::kinds::{VAULT_ACCOUNTS, VAULT_FOLDERS};
use crate::model::{AccessInput, AssigneeKind, ResourceInput};

/// Folders, parents first: name, description, parent.
const FOLDERS: &[[&str; 3]] = &[
    [
        "Infrastructure",
        "Servers, network devices and databases",
        "",
    ],
    [
        "Databases",
        "Database administrator accounts",
        "Infrastructure",
    ],
    ["Finance systems", "Shared accounts of the finance team", ""],
];

/// Accounts: name, folder, system, login name, login URL, description, credential type.
const ACCOUNTS: &[[&str; 7]] = &[
    [
        "db-root",
        "Databases",
        "",
        "root",
        "postgres://db01.example.org",
        "Main database superuser",
        "Password",
    ],
    [
        "ad-service",
        "Infrastructure",
        "Active Directory",
        "svc-backup",
        "",
        "Backup service account",
        "Password",
    ],
    [
        "sap-batch",
        "Finance systems",
        "SAP",
        "BATCH01",
        "https://sap.example.org",
        "Night batch jobs",
        "Password",
    ],
];

impl Store {
    pub(super) async fn seed_vault(&self, author: &Author) -> Result<()> {
        for values in FOLDERS {
            let input = ResourceInput {
                values: values.map(String::from).to_vec(),
            };
            self.create_resource(author, &VAULT_FOLDERS, &input).await?;
        }
        let mut accounts = Vec::new();
        for values in ACCOUNTS {
            let input = ResourceInput {
                values: values.map(String::from).to_vec(),
            };
            accounts.push(
                self.create_resource(author, &VAULT_ACCOUNTS, &input)
                    .await?,
            );
        }
        self.seed_vault_permissions(author).await?;
        if self.vault.current_id().is_err() {
            tracing::info!("No vault key: the demo vault accounts have no secrets.");
            return Ok(());
        }
        for (index, account) in accounts.iter().enumerate() {
            self.set_vault_secret(author, *account, &format!("demo-secret-{}-v1", index + 1))
                .await?;
        }
        self.set_vault_secret(author, accounts[0], "demo-secret-1-v2")
            .await
    }

    /// The first top-level group manages Infrastructure, the first user owns Databases and
    /// the helpdesk role may use the Infrastructure accounts.
    async fn seed_vault_permissions(&self, author: &Author) -> Result<()> {
        let folder = |name: &'static str| async move {
            let (id,): (i64,) = sqlx::query_as(
                "SELECT object_id FROM vault_folders WHERE name_key = $1 AND valid_to IS NULL",
            )
            .bind(super::temporal::name_key(name))
            .fetch_one(&self.pool)
            .await?;
            Ok::<i64, super::Error>(id)
        };
        let infrastructure = folder("Infrastructure").await?;
        let databases = folder("Databases").await?;
        let group: Option<(String,)> = sqlx::query_as(
            "SELECT name FROM groups WHERE valid_to IS NULL AND parent_id IS NULL \
             ORDER BY name_key LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        let user: Option<(String,)> = sqlx::query_as(
            "SELECT name FROM users WHERE valid_to IS NULL ORDER BY name_key LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        let role: Option<(String,)> = sqlx::query_as(
            "SELECT name FROM roles WHERE valid_to IS NULL AND name = 'Helpdesk Operator' LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        let entries = [
            (
                infrastructure,
                AssigneeKind::Group,
                group.map(|(n,)| n),
                "Manager",
            ),
            (databases, AssigneeKind::User, user.map(|(n,)| n), "Owner"),
            (
                infrastructure,
                AssigneeKind::Role,
                role.map(|_| "Helpdesk Operator@Active Directory".to_string()),
                "SSO user",
            ),
        ];
        for (folder, kind, name, level) in entries {
            let Some(name) = name else { continue };
            let input = AccessInput {
                assignee: Some(kind),
                name,
                level: level.into(),
                mask: String::new(),
            };
            self.grant_access(author, &VAULT_FOLDERS, folder, &input)
                .await?;
        }
        Ok(())
    }
}
