//! Entitlement governance: role assignment rules, which grant roles to the users a
//! condition selects and keep those grants in step with the users and the rule.
use super::{attribute, name, Dependent, ResourceKind, ValueType, DESCRIPTION};
use crate::model::resource::Rule;
use crate::model::Permission;

/// "Role assignment rules": a condition over users and the roles it gives them.
pub static ROLE_RULES: ResourceKind = ResourceKind {
    slug: "role-rules",
    table: "role_rules",
    singular: "role assignment rule",
    plural: "Role assignment rules",
    action: "role-rule",
    attributes: &[
        name("name", "Rule name", "Name"),
        DESCRIPTION,
        attribute(
            "condition",
            "condition",
            "Condition over users (advanced query, e.g. userType eq \"E\" and enabled eq true)",
            "Condition",
            ValueType::UserQuery,
        )
        .required(),
        attribute(
            "roles",
            "roles",
            "Roles to grant (one “Role@System” per line; “Role@System; scope” for a scope)",
            "Roles",
            ValueType::RoleList,
        )
        .required(),
    ],
    search_hint: "name, description, condition or role",
    dependents: &[Dependent {
        table: "grants",
        column: "rule_id",
        title: "Grants made by this rule",
        noun: "grants",
        empty: "This rule has made no grant: use “Apply now”, or wait for a user to change.",
        href: "/users/",
        columns: &[
            (
                "(SELECT u.name FROM users u WHERE u.object_id = x.grantee_id \
                 ORDER BY u.version_id DESC LIMIT 1)",
                "User",
            ),
            (
                "(SELECT r.name FROM roles r WHERE r.object_id = x.role_id \
                 ORDER BY r.version_id DESC LIMIT 1)",
                "Role",
            ),
            ("x.scope", "Scope"),
        ],
        count: Some(("grants", "Grants")),
        blocks_delete: false,
        filter: "x.grantee_kind = 'user'",
        link: "x.grantee_id",
    }],
    // Saving a rule changes no user: "Apply now" or a change to the user does. Deleting it
    // ends its grants (`store::role_rules::end_grants_of`).
    affects: None,
    rules: &[Rule::AssignsRoles {
        condition: "condition",
        roles: "roles",
    }],
    matched_by: &[],
    access: None,
    manual_entry: true,
    read: Permission::IdentityRead,
    write: Permission::IdentityWrite,
};
