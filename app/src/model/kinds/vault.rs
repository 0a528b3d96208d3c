//! The password vault: a tree of folders that say who may use or manage the shared accounts
//! kept in them, and the accounts, whose secrets the store keeps encrypted beside them
//! (`Rule::KeepsSecret`).
use super::{
    attribute, name, Dependent, ResourceKind, ValueType, DESCRIPTION, GRANTEE_SQL, SYSTEMS,
};
use crate::model::resource::Rule;
use crate::model::{AccessList, AssigneeKind, Permission};

/// The folder levels, most to least: an owner manages the folder and its access list, a
/// manager manages its accounts and may see their secrets, an SSO user may use them, a
/// browser only sees that they exist.
/// (`VaultLevel::label`, in its order).
pub const VAULT_LEVELS: [&str; 4] = ["Owner", "Manager", "SSO user", "Browse"];

static FOLDER_ACCESS: AccessList = AccessList {
    table: "vault_folder_access",
    column: "folder_id",
    title: "Folder permissions",
    current: "Current permission",
    grant: "Give permission",
    granted: "Gave a permission on",
    revoke: "Remove permission",
    revoked: "Removed a permission from",
    assignees: &[AssigneeKind::User, AssigneeKind::Group, AssigneeKind::Role],
    levels: &VAULT_LEVELS,
    mask: false,
    in_snapshots: false,
};

pub static VAULT_FOLDERS: ResourceKind = ResourceKind {
    slug: "vault-folders",
    table: "vault_folders",
    singular: "vault folder",
    plural: "Vault folders",
    action: "vault-folder",
    attributes: &[
        name("name", "Folder name", "Name"),
        DESCRIPTION,
        attribute(
            "parent",
            "parent_id",
            "Parent folder",
            "Parent",
            ValueType::Reference(&VAULT_FOLDERS),
        ),
    ],
    search_hint: "name or description",
    dependents: &[
        Dependent {
            table: "vault_folders",
            column: "parent_id",
            title: "Folders in this folder",
            noun: "folders",
            empty: "No folder is in this folder.",
            href: "/vault-folders/",
            columns: &[("x.name", "Folder"), ("x.description", "Description")],
            count: None,
            blocks_delete: true,
            filter: "",
            link: "x.object_id",
        },
        Dependent {
            table: "vault_accounts",
            column: "folder_id",
            title: "Accounts in this folder",
            noun: "accounts",
            empty: "No account is kept in this folder.",
            href: "/vault-accounts/",
            columns: &[
                ("x.name", "Account"),
                ("x.login_name", "Login name"),
                ("x.description", "Description"),
            ],
            count: Some(("accounts", "Accounts")),
            blocks_delete: true,
            filter: "",
            link: "x.object_id",
        },
        Dependent {
            table: "vault_folder_access",
            column: "folder_id",
            title: "Who has permissions on this folder",
            noun: "permissions",
            empty: "Nobody has a permission on this folder.",
            href: "",
            columns: &[(GRANTEE_SQL, "Who"), ("x.level", "Permission")],
            count: None,
            blocks_delete: false,
            filter: "",
            link: "x.object_id",
        },
    ],
    affects: None,
    rules: &[Rule::NoCycle {
        parent: "parent",
        title: "Password vault",
    }],
    matched_by: &[],
    access: Some(&FOLDER_ACCESS),
    manual_entry: true,
    read: Permission::IdentityRead,
    write: Permission::IdentityWrite,
};

pub static VAULT_ACCOUNTS: ResourceKind = ResourceKind {
    slug: "vault-accounts",
    table: "vault_accounts",
    singular: "vault account",
    plural: "Vault accounts",
    action: "vault-account",
    attributes: &[
        name("name", "Account name", "Name"),
        attribute(
            "folder",
            "folder_id",
            "Vault folder",
            "Folder",
            ValueType::Reference(&VAULT_FOLDERS),
        )
        .required(),
        attribute(
            "system",
            "system_id",
            "System",
            "System",
            ValueType::Reference(&SYSTEMS),
        ),
        attribute(
            "loginName",
            "login_name",
            "Login name",
            "Login name",
            ValueType::Line,
        ),
        attribute(
            "loginUrl",
            "login_url",
            "Login URL",
            "Login URL",
            ValueType::Line,
        ),
        DESCRIPTION,
        attribute(
            "credentialType",
            "credential_type",
            "Credential type",
            "Credential",
            ValueType::Choice(&["Password", "SSH key"]),
        ),
    ],
    search_hint: "name, login name or description",
    dependents: &[],
    affects: None,
    rules: &[Rule::KeepsSecret],
    matched_by: &[],
    access: None,
    manual_entry: true,
    read: Permission::IdentityRead,
    write: Permission::IdentityWrite,
};

#[cfg(test)]
mod tests {
    #[test]
    fn the_access_list_offers_every_level_in_order() {
        let labels: Vec<&str> = crate::model::VaultLevel::ALL
            .iter()
            .map(|l| l.label())
            .collect();
        assert_eq!(labels, super::VAULT_LEVELS);
    }
}
