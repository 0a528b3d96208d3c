//! The application access tree: folders (menus) and application entry points.
use super::{attribute, name, Dependent, ResourceKind, ValueType, DESCRIPTION, SYSTEMS};
use crate::model::resource::Rule;
use crate::model::{AccessList, AssigneeKind, Permission};

/// Who may execute an entry, or manage it.
static AUTHORIZATIONS: AccessList = AccessList {
    table: "application_authorizations",
    column: "entry_id",
    title: "Authorizations",
    current: "Current authorization",
    grant: "Authorize",
    granted: "Authorized",
    revoke: "Remove authorization",
    revoked: "Removed an authorization from",
    assignees: &[AssigneeKind::User, AssigneeKind::Group, AssigneeKind::Role],
    levels: &["Execute", "Manage"],
    mask: false,
    in_snapshots: false,
};

const YES_NO: ValueType = ValueType::Flag {
    on: "Yes",
    off: "No",
};

/// Entry points in a tree of folders: where users find their applications.
pub static APPLICATIONS: ResourceKind = ResourceKind {
    slug: "applications",
    table: "application_entries",
    singular: "application entry",
    plural: "Application entries",
    action: "application",
    attributes: &[
        name("name", "Entry name", "Name"),
        DESCRIPTION,
        attribute(
            "menu",
            "menu",
            "Menu (a folder of other entries)",
            "Kind",
            ValueType::Flag {
                on: "Folder",
                off: "Application",
            },
        ),
        attribute(
            "parent",
            "parent_id",
            "Parent folder",
            "Parent",
            ValueType::Reference(&APPLICATIONS),
        ),
        attribute("code", "code", "Code", "Code", ValueType::Line),
        attribute(
            "informationSystem",
            "information_system",
            "Information system",
            "Information system",
            ValueType::Line,
        ),
        attribute(
            "system",
            "system_id",
            "System (applications)",
            "System",
            ValueType::Reference(&SYSTEMS),
        ),
        attribute(
            "menuType",
            "menu_type",
            "Menu type (folders)",
            "Menu type",
            ValueType::Choice(&["List", "Icons", "Tree"]),
        ),
        attribute(
            "publicAccess",
            "public_access",
            "Public access",
            "Public",
            YES_NO,
        ),
        attribute(
            "visibleWithoutPermission",
            "visible_without_permission",
            "Visible without permissions",
            "Visible",
            YES_NO,
        ),
    ],
    search_hint: "name, code or description",
    dependents: &[
        Dependent {
            table: "application_entries",
            column: "parent_id",
            title: "Entries in this folder",
            noun: "entries",
            empty: "Nothing is in this folder.",
            href: "/applications/",
            columns: &[
                ("x.name", "Entry"),
                (
                    "CASE WHEN x.menu <> 0 THEN 'Folder' ELSE 'Application' END",
                    "Kind",
                ),
                ("x.description", "Description"),
            ],
            count: Some(("entries", "Entries")),
            blocks_delete: true,
            filter: "",
            link: "x.object_id",
        },
        Dependent {
            table: "application_authorizations",
            column: "entry_id",
            title: "Authorized users, groups and roles",
            noun: "authorizations",
            empty: "Nobody is authorized on this entry.",
            href: "",
            columns: &[(super::GRANTEE_SQL, "Who"), ("x.level", "Level")],
            count: None,
            blocks_delete: false,
            filter: "",
            link: "x.object_id",
        },
    ],
    affects: None,
    rules: &[
        Rule::NoCycle {
            parent: "parent",
            title: "Application access tree",
        },
        Rule::ReferenceHas {
            reference: "parent",
            flag: "menu",
        },
    ],
    matched_by: &[],
    access: Some(&AUTHORIZATIONS),
    manual_entry: true,
    read: Permission::IdentityRead,
    write: Permission::IdentityWrite,
};
