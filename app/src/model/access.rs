//! Access lists of declared kinds: who an object is given to (a printer's queue assigned to
//! users and groups, an application entry's authorizations, a network's access control),
//! each entry versioned like any identity row.
use serde::{Deserialize, Serialize};

/// Who an entry gives the object to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum AssigneeKind {
    User,
    Group,
    Role,
}

impl AssigneeKind {
    pub const ALL: [AssigneeKind; 3] = [Self::User, Self::Group, Self::Role];

    /// As kept in the `grantee_kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Group => "group",
            Self::Role => "role",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::User => "User",
            Self::Group => "Group",
            Self::Role => "Role",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// The access list of a kind: its table (`column` names the object, then `grantee_kind`,
/// `grantee_id`, and `level` / `mask` when the list has them) and how the page words it.
#[derive(Debug)]
pub struct AccessList {
    pub table: &'static str,
    pub column: &'static str,
    /// The panel's heading: "Assign this printer".
    pub title: &'static str,
    /// The label of the current entries' choice: "Current assignment".
    pub current: &'static str,
    /// Buttons and what the flash says: "Assign" / "Assigned", "Unassign" / "Unassigned".
    pub grant: &'static str,
    pub granted: &'static str,
    pub revoke: &'static str,
    pub revoked: &'static str,
    pub assignees: &'static [AssigneeKind],
    /// The access levels an entry chooses from (none: the list has no level).
    pub levels: &'static [&'static str],
    /// Entries carry a host-name mask (`*` and `?` wildcards; empty: every host).
    pub mask: bool,
    /// A user's own entries are part of their snapshots (printers).
    pub in_snapshots: bool,
}

impl AccessList {
    /// "User or group name", "User, group or role name".
    pub fn name_label(&self) -> String {
        let labels: Vec<String> = self
            .assignees
            .iter()
            .enumerate()
            .map(|(i, k)| match i {
                0 => k.label().to_string(),
                _ => k.label().to_lowercase(),
            })
            .collect();
        match labels.split_last() {
            Some((last, rest)) if !rest.is_empty() => {
                format!("{} or {last} name", rest.join(", "))
            }
            _ => format!("{} name", labels.join("")),
        }
    }
}

/// A new entry: to whom (by name; a role may be `Role@System`), at which level, for which
/// hosts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccessInput {
    pub assignee: Option<AssigneeKind>,
    pub name: String,
    pub level: String,
    pub mask: String,
}

/// A current entry of an access list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccessEntry {
    pub id: i64,
    pub kind: AssigneeKind,
    pub assignee: i64,
    pub name: String,
    pub level: String,
    pub mask: String,
}

impl AccessEntry {
    /// "User ana", "Group Sales (Manage)", "Role Admin (Query, pc-*)".
    pub fn title(&self) -> String {
        let details: Vec<&str> = [self.level.as_str(), self.mask.as_str()]
            .into_iter()
            .filter(|d| !d.is_empty())
            .collect();
        match details.is_empty() {
            true => format!("{} {}", self.kind.label(), self.name),
            false => format!(
                "{} {} ({})",
                self.kind.label(),
                self.name,
                details.join(", ")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_field_says_who_can_be_chosen() {
        let list = |assignees| AccessList {
            table: "",
            column: "",
            title: "",
            current: "",
            grant: "",
            granted: "",
            revoke: "",
            revoked: "",
            assignees,
            levels: &[],
            mask: false,
            in_snapshots: false,
        };
        use AssigneeKind::*;
        assert_eq!(list(&[User, Group]).name_label(), "User or group name");
        assert_eq!(
            list(&[User, Group, Role]).name_label(),
            "User, group or role name"
        );
        assert_eq!(list(&[User]).name_label(), "User name");
    }
}
