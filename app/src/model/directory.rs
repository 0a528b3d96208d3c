//! Read models of the directory screens: paged lists and object details for systems,
//! accounts, roles, mail domains and mail lists.
use super::identity::*;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum DirectorySort {
    #[default]
    Name,
    /// The time of the current version (last change).
    Modified,
}

/// Paging, sorting and filtering of a directory list; `as_of` None = now.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DirectoryQuery {
    pub as_of: Option<DateTime<Utc>>,
    /// Case-insensitive substring of the name, description (and similar text columns).
    pub search: String,
    /// Only objects of this system (accounts, roles) or domain (mail lists); 0 or None = all.
    pub parent: Option<i64>,
    pub sort: DirectorySort,
    pub descending: bool,
    pub offset: i64,
    /// 1..=500; anything else means 50.
    pub limit: i64,
}

/// A user as shown next to the objects they are linked to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserRef {
    pub id: UserId,
    pub name: String,
    pub full_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccountOwner {
    pub user: UserRef,
    /// owner, manager or sso
    pub level: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccountDetail {
    pub account: Account,
    pub owners: Vec<AccountOwner>,
    pub modified: Stamp,
}

/// A role as referenced from another role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RoleRef {
    pub id: RoleId,
    pub name: String,
    pub system_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RoleDetail {
    pub role: Role,
    pub information_system_name: String,
    /// The roles this one includes (holders of this role also hold them).
    pub inherits: Vec<RoleRef>,
    /// The roles that include this one.
    pub inherited_by: Vec<RoleRef>,
    pub grants: Vec<GrantRecord>,
    pub modified: Stamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MailDomain {
    pub id: MailDomainId,
    pub input: MailDomainInput,
    pub list_count: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MailListSummary {
    pub id: MailListId,
    pub input: MailListInput,
    pub domain_code: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MailDomainDetail {
    pub domain: MailDomain,
    pub lists: Vec<MailListSummary>,
    pub modified: Stamp,
}

/// A current member of a mail list with a readable label (user name, list name, address...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MailListMemberView {
    pub member: MailMember,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MailListDetail {
    pub list: MailListSummary,
    pub members: Vec<MailListMemberView>,
    /// The users the list reaches (direct, through groups, roles and nested lists).
    pub targets: Vec<UserRef>,
    pub modified: Stamp,
}
