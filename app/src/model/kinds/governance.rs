//! Entitlement governance: role assignment rules, which grant roles to the users a
//! condition selects and keep those grants in step with the users and the rule; and
//! segregation of duties rules, which name roles no one should hold together.
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

/// The kinds of segregation of duties rule (`sod_type`).
pub const SOD_TYPES: &[&str] = &["all", "more than", "pairs"];
/// The risks a segregation of duties rule or one of its pairs carries.
pub const SOD_RISKS: &[&str] = &["none", "low", "high", "forbidden"];

/// "Segregation of duties": roles no one should hold together, with a risk.
pub static SOD_RULES: ResourceKind = ResourceKind {
    slug: "sod-rules",
    table: "sod_rules",
    singular: "segregation of duties rule",
    plural: "Segregation of duties",
    action: "sod-rule",
    attributes: &[
        name("name", "Rule name", "Name"),
        DESCRIPTION,
        attribute(
            "type",
            "sod_type",
            "Type (all: every role listed; more than: more than N of them; pairs: each pair below)",
            "Type",
            ValueType::Choice(SOD_TYPES),
        )
        .required(),
        attribute(
            "threshold",
            "threshold",
            "N (for “more than”)",
            "N",
            ValueType::Line,
        ),
        attribute(
            "risk",
            "risk",
            "Risk (for “all” and “more than”)",
            "Risk",
            ValueType::Choice(SOD_RISKS),
        ),
        attribute(
            "roles",
            "roles",
            "Roles (one “Role@System” per line)",
            "Roles",
            ValueType::RoleList,
        ),
        attribute(
            "pairs",
            "pairs",
            "Risk matrix (for “pairs”: one “Role@System + Role@System: risk” per line)",
            "Pairs",
            ValueType::RolePairs,
        ),
    ],
    search_hint: "name, description or role",
    dependents: &[],
    affects: None,
    rules: &[Rule::Segregates {
        sod_type: "type",
        threshold: "threshold",
        risk: "risk",
        roles: "roles",
        pairs: "pairs",
    }],
    matched_by: &[],
    access: None,
    manual_entry: true,
    read: Permission::IdentityRead,
    write: Permission::IdentityWrite,
};
