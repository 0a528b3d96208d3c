//! The identity model: users, groups, accounts, roles, grants, mail lists (wire DTOs).
//!
//! Every object has a stable id (its `object_id` in the store) that survives renames, moves,
//! deletion and recovery. Reads take an optional `as_of` instant: `None` means "now".
use super::KindRef;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
        pub struct $name(pub i64);

        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                Self(id)
            }
        }
    )*};
}

id_type!(
    UserId,
    GroupId,
    SystemId,
    InformationSystemId,
    AccountId,
    RoleId,
    GrantId,
    MembershipId,
    MailDomainId,
    MailListId,
);

/// A free key/value pair on a user or an account.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CustomAttribute {
    pub name: String,
    pub value: String,
}

/// The editable attributes of a user (create and update take this whole).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserInput {
    pub name: String,
    pub first_name: String,
    pub middle_name: String,
    pub last_name: String,
    pub user_type: String,
    pub primary_group: GroupId,
    pub home_server: String,
    pub profile_server: String,
    pub mail_server: String,
    pub email: String,
    pub mail_aliases: String,
    pub enabled: bool,
    pub multi_session: bool,
    pub comments: String,
    /// Sorted by name; names are unique.
    pub custom: Vec<CustomAttribute>,
}

impl UserInput {
    /// "First Middle Last", skipping empty parts; the user name when all are empty.
    pub fn full_name(&self) -> String {
        let parts: Vec<&str> = [&self.first_name, &self.middle_name, &self.last_name]
            .into_iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        if parts.is_empty() {
            self.name.clone()
        } else {
            parts.join(" ")
        }
    }
}

/// Who made a version and when (creation and last modification of an object).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Stamp {
    pub at: DateTime<Utc>,
    pub by: String,
}

/// A user as listed (one row of the users table screen).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserSummary {
    pub id: UserId,
    pub name: String,
    pub full_name: String,
    pub email: String,
    pub primary_group: GroupId,
    pub primary_group_name: String,
    pub user_type: String,
    pub enabled: bool,
    pub modified: Stamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum UserSort {
    #[default]
    Name,
    FullName,
    Modified,
}

/// Paging, sorting and filtering of the users list; `as_of` None = now.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserListQuery {
    pub as_of: Option<DateTime<Utc>>,
    /// Case-insensitive substring of the user name, full name or email.
    pub search: String,
    /// Advanced query (model::query), e.g. `userName sw "ann" and enabled eq true`.
    pub filter: String,
    pub sort: UserSort,
    pub descending: bool,
    pub offset: i64,
    pub limit: i64,
}

/// Everything about one user at one instant: the snapshot content plus bookkeeping.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserDetail {
    pub state: crate::model::UserState,
    pub full_name: String,
    pub created: Stamp,
    pub modified: Stamp,
    pub as_of: Option<DateTime<Utc>>,
}

/// The deepest group tree accepted (a root is level 1); see `store::group_depth`.
pub const MAX_GROUP_DEPTH: i64 = 32;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GroupInput {
    pub name: String,
    pub description: String,
    /// The identity provider's id for the group (SCIM `externalId`, e.g. Entra ID's object id);
    /// empty when none. Absent in input from older clients.
    #[serde(default)]
    pub external_id: String,
    pub parent: Option<GroupId>,
    pub group_type: String,
    pub drive_letter: String,
    pub drive_server: String,
    pub disabled: bool,
    pub active_since: Option<DateTime<Utc>>,
    pub active_until: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Group {
    pub id: GroupId,
    pub input: GroupInput,
    pub modified: Stamp,
}

/// One node of the group tree; roots are the groups without parent, children sorted by name.
/// Only what the tree and the group pickers show: the full group is `get_group`'s.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GroupNode {
    pub id: GroupId,
    pub name: String,
    pub disabled: bool,
    #[cfg_attr(feature = "ssr", schema(no_recursion))]
    pub children: Vec<GroupNode>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum MemberKind {
    /// The group is the user's primary group.
    Primary,
    Secondary,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GroupMember {
    pub user: UserId,
    pub user_name: String,
    pub full_name: String,
    pub kind: MemberKind,
    /// The secondary membership record (None for the primary group).
    pub membership: Option<MembershipId>,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    pub comments: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MembershipInput {
    pub user: UserId,
    pub group: GroupId,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    pub comments: String,
}

/// A named object of the simple kinds (systems, information systems).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NamedObject {
    pub id: i64,
    pub name: String,
    pub description: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccountInput {
    pub system: SystemId,
    pub name: String,
    pub login_name: String,
    pub description: String,
    /// single, shared, privileged, unmanaged
    pub account_type: String,
    /// enabled, manually-enabled, locked, disabled, manually-disabled, removed, archived
    pub status: String,
    pub attributes: Vec<CustomAttribute>,
}

pub const ACCOUNT_TYPES: [&str; 4] = ["single", "shared", "privileged", "unmanaged"];
pub const ACCOUNT_STATUSES: [&str; 7] = [
    "enabled",
    "manually-enabled",
    "locked",
    "disabled",
    "manually-disabled",
    "removed",
    "archived",
];
/// Levels of an account owner.
pub const OWNER_LEVELS: [&str; 3] = ["owner", "manager", "sso"];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Account {
    pub id: AccountId,
    pub input: AccountInput,
    pub system_name: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RoleInput {
    pub system: SystemId,
    pub name: String,
    pub description: String,
    pub category: String,
    pub information_system: Option<InformationSystemId>,
    /// none, groups, information-systems
    pub domain_type: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Role {
    pub id: RoleId,
    pub input: RoleInput,
    pub system_name: String,
    pub inherits: Vec<RoleId>,
}

/// Who receives a role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Grantee {
    User(UserId),
    Account(AccountId),
    Group(GroupId),
}

impl Grantee {
    pub fn kind(self) -> &'static str {
        match self {
            Self::User(_) => "user",
            Self::Account(_) => "account",
            Self::Group(_) => "group",
        }
    }

    pub fn id(self) -> i64 {
        match self {
            Self::User(UserId(id)) | Self::Account(AccountId(id)) | Self::Group(GroupId(id)) => id,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GrantInput {
    pub role: RoleId,
    pub grantee: Grantee,
    pub scope: String,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
}

/// One grant as the grant lists show it: the role, who holds it, and the grant's terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GrantRecord {
    pub id: GrantId,
    pub role: RoleId,
    pub role_name: String,
    pub system_name: String,
    pub grantee: Grantee,
    pub grantee_name: String,
    pub scope: String,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    /// The role assignment rule that made the grant and manages it (None: made by hand).
    #[serde(default)]
    pub rule: Option<String>,
}

/// A role a user holds, and how: `path` reads from the user to the role, e.g.
/// `["group Sales", "group Staff", "role Reader", "role Viewer"]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EffectiveRole {
    pub role: RoleId,
    pub role_name: String,
    pub system_name: String,
    pub scope: String,
    pub path: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MailDomainInput {
    pub code: String,
    pub description: String,
    pub obsolete: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MailListInput {
    pub domain: MailDomainId,
    pub name: String,
    pub description: String,
}

/// A member of a mail list.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum MailMember {
    User(UserId),
    List(MailListId),
    Group(GroupId),
    Role(RoleId),
    External(String),
}

/// The kinds of per-user history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum HistoryKind {
    Attributes,
    Memberships,
    Accounts,
    Grants,
    MailLists,
    Printers,
}

/// One version of one record in a user's history. `until` None = still current.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    pub kind: HistoryKind,
    /// The stable id of the record (membership, grant, account ownership...).
    pub record_id: i64,
    pub version_id: i64,
    /// What the record ties the user to: the group, account, role or mail list (the user
    /// itself for attributes). Pages find a current item's record by it, not by its label.
    pub subject: i64,
    /// A grant's scope (empty otherwise).
    pub scope: String,
    /// The account a grant is made to, when the user holds the role through an account.
    pub account: Option<i64>,
    pub description: String,
    pub since: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
    pub changed_by: String,
    pub ended_by: Option<String>,
    pub operation_id: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum DeletedKind {
    User,
    Group,
    /// An object of a declared kind (`model::kinds`).
    Resource(KindRef),
}

/// An entry of the recycle bin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeletedObject {
    pub kind: DeletedKind,
    pub id: i64,
    pub name: String,
    pub deleted_at: DateTime<Utc>,
    pub deleted_by: String,
}
