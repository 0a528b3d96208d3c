//! The declared resource kinds (see `resource.rs`). Adding a simple kind is one declaration
//! here (or in a module beside), its entry in `ALL`, and the migration that creates its table.
mod applications;
mod custom;
mod governance;
mod network;
mod vault;

use super::resource::{Attribute, Dependent, ResourceKind, ValueType};
use super::Permission;
pub use applications::APPLICATIONS;
pub use custom::{CUSTOM_OBJECTS, CUSTOM_OBJECT_TYPES};
pub use governance::{ROLE_RULES, SOD_RISKS, SOD_RULES, SOD_TYPES};
pub use network::{DETECTED_BROWSERS, HOSTS, NETWORKS, PRINTERS};
pub use vault::{VAULT_ACCOUNTS, VAULT_FOLDERS, VAULT_LEVELS};

/// Every declared kind: the registry the routes, the recycle bin and backups read.
pub static ALL: &[&ResourceKind] = &[
    &SYSTEMS,
    &MAIL_DOMAINS,
    &NETWORKS,
    &HOSTS,
    &PRINTERS,
    &DETECTED_BROWSERS,
    &APPLICATIONS,
    &CUSTOM_OBJECT_TYPES,
    &CUSTOM_OBJECTS,
    &ROLE_RULES,
    &SOD_RULES,
    &VAULT_FOLDERS,
    &VAULT_ACCOUNTS,
];

/// The declared kind whose list can be narrowed to what `dependent` lists (its `list_filter`
/// is the dependent's column): a type's objects, a network's hosts.
pub fn narrowed_list_of(dependent: &Dependent) -> Option<&'static ResourceKind> {
    ALL.iter().copied().find(|kind| {
        kind.table == dependent.table
            && kind
                .list_filter()
                .is_some_and(|(_, attribute)| attribute.column == dependent.column)
    })
}

/// The name of an access entry's grantee (`x.grantee_kind`, `x.grantee_id`), with its kind.
const GRANTEE_SQL: &str = "CASE x.grantee_kind \
    WHEN 'user' THEN 'User ' || (SELECT u.name FROM users u WHERE u.object_id = x.grantee_id \
        ORDER BY u.version_id DESC LIMIT 1) \
    WHEN 'group' THEN 'Group ' || (SELECT g.name FROM groups g WHERE g.object_id = x.grantee_id \
        ORDER BY g.version_id DESC LIMIT 1) \
    ELSE 'Role ' || (SELECT r.name FROM roles r WHERE r.object_id = x.grantee_id \
        ORDER BY r.version_id DESC LIMIT 1) END";

/// An optional attribute kept in `column`.
const fn attribute(
    key: &'static str,
    column: &'static str,
    label: &'static str,
    heading: &'static str,
    value: ValueType,
) -> Attribute {
    Attribute {
        key,
        column,
        label,
        heading,
        value,
        required: false,
        unique: false,
    }
}

impl Attribute {
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    const fn unique(mut self) -> Self {
        self.unique = true;
        self
    }
}

/// The naming attribute of most kinds: a required line, unique ignoring case.
const fn name(key: &'static str, label: &'static str, heading: &'static str) -> Attribute {
    attribute(key, key, label, heading, ValueType::Line)
        .required()
        .unique()
}

const DESCRIPTION: Attribute = Attribute {
    key: "description",
    column: "description",
    label: "Description",
    heading: "Description",
    value: ValueType::Text,
    required: false,
    unique: false,
};

/// Target systems: where accounts live and roles are defined.
pub static SYSTEMS: ResourceKind = ResourceKind {
    slug: "systems",
    table: "systems",
    singular: "system",
    plural: "Systems",
    action: "systems",
    attributes: &[name("name", "System name", "Name"), DESCRIPTION],
    search_hint: "name or description",
    dependents: &[
        Dependent {
            table: "roles",
            column: "system_id",
            title: "Roles of this system",
            noun: "roles",
            empty: "No role belongs to this system.",
            href: "/roles/",
            columns: &[
                ("x.name", "Role"),
                ("x.category", "Category"),
                ("x.description", "Description"),
            ],
            count: None,
            blocks_delete: true,
            filter: "",
            link: "x.object_id",
        },
        Dependent {
            table: "accounts",
            column: "system_id",
            title: "Accounts of this system",
            noun: "accounts",
            empty: "No account is on this system.",
            href: "/accounts/",
            columns: &[
                ("x.name", "Account"),
                ("x.login_name", "Login name"),
                ("x.account_type", "Type"),
                ("x.status", "Status"),
            ],
            count: None,
            blocks_delete: true,
            filter: "",
            link: "x.object_id",
        },
    ],
    // Owners of its accounts, and holders of its roles (directly or through an account).
    affects: Some(
        "SELECT o.user_id FROM account_owners o JOIN accounts a ON a.object_id = o.account_id \
           AND a.valid_to IS NULL WHERE a.system_id = $1 AND o.valid_to IS NULL \
         UNION SELECT g.grantee_id FROM grants g JOIN roles r ON r.object_id = g.role_id \
           AND r.valid_to IS NULL WHERE r.system_id = $1 AND g.grantee_kind = 'user' \
           AND g.valid_to IS NULL \
         UNION SELECT o.user_id FROM grants g JOIN roles r ON r.object_id = g.role_id \
           AND r.valid_to IS NULL JOIN account_owners o ON o.account_id = g.grantee_id \
           AND o.valid_to IS NULL WHERE r.system_id = $1 AND g.grantee_kind = 'account' \
           AND g.valid_to IS NULL",
    ),
    rules: &[],
    matched_by: &[],
    access: None,
    manual_entry: true,
    read: Permission::IdentityRead,
    write: Permission::IdentityWrite,
};

/// Mail domains: the part after the @ of mail lists.
pub static MAIL_DOMAINS: ResourceKind = ResourceKind {
    slug: "mail-domains",
    table: "mail_domains",
    singular: "mail domain",
    plural: "Mail domains",
    action: "mail-domain",
    attributes: &[
        name("code", "Domain code", "Code"),
        DESCRIPTION,
        Attribute {
            key: "obsolete",
            column: "obsolete",
            label: "Obsolete",
            heading: "Status",
            value: ValueType::Flag {
                on: "Obsolete",
                off: "In use",
            },
            required: false,
            unique: false,
        },
    ],
    search_hint: "code or description",
    dependents: &[Dependent {
        table: "mail_lists",
        column: "domain_id",
        title: "Mail lists in this domain",
        noun: "mail lists",
        empty: "No mail list is in this domain.",
        href: "/mail-lists/",
        columns: &[
            ("x.name", "List"),
            ("x.name || '@' || p.code", "Address"),
            ("x.description", "Description"),
        ],
        count: Some(("lists", "Lists")),
        blocks_delete: true,
        filter: "",
        link: "x.object_id",
    }],
    // Direct members of its lists (their addresses name the domain).
    affects: Some(
        "SELECT m.member_id FROM mail_list_members m JOIN mail_lists l \
           ON l.object_id = m.list_id AND l.valid_to IS NULL \
         WHERE l.domain_id = $1 AND m.member_kind = 'user' AND m.valid_to IS NULL",
    ),
    rules: &[],
    matched_by: &[],
    access: None,
    manual_entry: true,
    read: Permission::IdentityRead,
    write: Permission::IdentityWrite,
};
