//! User snapshots, their diff and restore plans (wire DTOs; the diff runs in the browser too).
use super::identity::*;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The complete state of one user: what a snapshot stores and what restore brings back.
/// Lists are sorted (memberships by group name, accounts by system and name, grants by role
/// name and scope, mail lists by address) so that equal states serialise identically.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserState {
    pub id: UserId,
    pub attributes: UserInput,
    pub primary_group_name: String,
    pub memberships: Vec<MembershipState>,
    pub accounts: Vec<AccountState>,
    /// Roles granted to the user directly (left empty when entitlements history is off).
    pub grants: Vec<GrantState>,
    pub mail_lists: Vec<MailListState>,
    /// Printer queues assigned to the user directly. Left out of the stored form while empty,
    /// so states from before printers serialise (and hash) as they did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub printers: Vec<PrinterState>,
    /// False when entitlements history was off: `grants` (and account grants) are then
    /// unknown, not empty, and restore leaves grants alone.
    pub grants_captured: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MembershipState {
    pub group: GroupId,
    pub group_name: String,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    pub comments: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccountState {
    pub account: AccountId,
    pub system: SystemId,
    pub system_name: String,
    pub name: String,
    pub login_name: String,
    pub description: String,
    pub account_type: String,
    pub status: String,
    /// The user's level on the account: owner, manager or sso.
    pub level: String,
    pub attributes: Vec<CustomAttribute>,
    /// Roles granted to the account (left empty when entitlements history is off).
    pub grants: Vec<GrantState>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GrantState {
    pub role: RoleId,
    pub role_name: String,
    pub system_name: String,
    pub scope: String,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    /// The role assignment rule that made the grant (None: granted by hand). A restore
    /// never re-adds nor removes a rule's grant: the rule decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MailListState {
    pub list: MailListId,
    pub name: String,
    pub domain: String,
}

/// A printer queue assigned to the user: the printer and the host that serves it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PrinterState {
    pub printer: i64,
    pub name: String,
    pub server: String,
}

/// One stored snapshot. `valid_until` None = the newest one of a live user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Snapshot {
    pub id: i64,
    pub user: UserId,
    pub valid_since: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    pub content_hash: String,
    pub size: i64,
    pub state: UserState,
}

/// A snapshot in a list, without its content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SnapshotSummary {
    pub id: i64,
    pub user: UserId,
    pub valid_since: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    pub content_hash: String,
    pub size: i64,
}

/// How the catalogue of all users' snapshots is sorted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum SnapshotSort {
    #[default]
    ValidSince,
    UserName,
}

impl SnapshotSort {
    /// The `sort` URL parameter of the Backups page and its CSV: `user` or `since`, `+` for
    /// ascending; newest first by default. Returns (sort, descending).
    pub fn from_param(param: &str) -> (Self, bool) {
        let descending = !param.starts_with('+');
        let sort = match param.trim_start_matches(['+', '-']) {
            "user" => Self::UserName,
            _ => Self::ValidSince,
        };
        (sort, descending)
    }
}

/// Paging and filtering of the catalogue of all users' snapshots.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SnapshotListQuery {
    /// Only this user's snapshots.
    #[serde(default)]
    pub user: Option<UserId>,
    /// Case-insensitive part of the user name.
    pub search: String,
    /// Advanced query on userName, validSince and validUntil.
    pub filter: String,
    pub sort: SnapshotSort,
    pub descending: bool,
    pub offset: i64,
    pub limit: i64,
}

/// One row of the catalogue: a snapshot and whose it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SnapshotListItem {
    pub snapshot: SnapshotSummary,
    pub user_name: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum DelayUnit {
    Minutes,
    Hours,
    Days,
}

impl DelayUnit {
    pub fn seconds(self) -> i64 {
        match self {
            Self::Minutes => 60,
            Self::Hours => 3600,
            Self::Days => 86400,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Minutes => "minutes",
            Self::Hours => "hours",
            Self::Days => "days",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Minutes, Self::Hours, Self::Days]
            .into_iter()
            .find(|unit| unit.as_str() == text)
    }
}

/// Snapshot settings. The delay is stored in seconds; `delay_unit` is how it is shown
/// (`min_delay_secs / delay_unit.seconds()` of them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SnapshotConfig {
    pub min_delay_secs: i64,
    pub delay_unit: DelayUnit,
    pub keep_count: i64,
    pub entitlements_history: bool,
}

/// One attribute that differs between two states.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AttributeChange {
    pub name: String,
    pub before: String,
    pub after: String,
}

/// Items only in the new state (`added`), only in the old (`removed`), or in both with
/// different details (`changed`: before, after).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ListDiff<T> {
    pub added: Vec<T>,
    pub removed: Vec<T>,
    pub changed: Vec<(T, T)>,
}

impl<T> Default for ListDiff<T> {
    fn default() -> Self {
        Self {
            added: Vec::new(),
            removed: Vec::new(),
            changed: Vec::new(),
        }
    }
}

impl<T> ListDiff<T> {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// What changed from state `a` (older) to state `b` (newer).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StateDiff {
    pub attributes: Vec<AttributeChange>,
    pub memberships: ListDiff<MembershipState>,
    pub accounts: ListDiff<AccountState>,
    pub grants: ListDiff<GrantState>,
    pub mail_lists: ListDiff<MailListState>,
    #[serde(default)]
    pub printers: ListDiff<PrinterState>,
}

impl StateDiff {
    pub fn is_empty(&self) -> bool {
        self.attributes.is_empty()
            && self.memberships.is_empty()
            && self.accounts.is_empty()
            && self.grants.is_empty()
            && self.mail_lists.is_empty()
            && self.printers.is_empty()
    }
}

fn list_diff<T: Clone + PartialEq, K: PartialEq>(
    a: &[T],
    b: &[T],
    key: impl Fn(&T) -> K,
) -> ListDiff<T> {
    let mut diff = ListDiff::default();
    for new in b {
        match a.iter().find(|old| key(old) == key(new)) {
            None => diff.added.push(new.clone()),
            Some(old) if old != new => diff.changed.push((old.clone(), new.clone())),
            Some(_) => {}
        }
    }
    for old in a {
        if !b.iter().any(|new| key(new) == key(old)) {
            diff.removed.push(old.clone());
        }
    }
    diff
}

/// The attributes of a user as (name, display value) pairs, custom ones as `custom.NAME`.
pub fn attribute_pairs(state: &UserState) -> Vec<(String, String)> {
    let a = &state.attributes;
    let flag = |b: bool| if b { "yes" } else { "no" }.to_string();
    let mut pairs = vec![
        ("name".to_string(), a.name.clone()),
        ("first_name".into(), a.first_name.clone()),
        ("middle_name".into(), a.middle_name.clone()),
        ("last_name".into(), a.last_name.clone()),
        ("user_type".into(), a.user_type.clone()),
        (
            "primary_group".into(),
            format!("{} (#{})", state.primary_group_name, a.primary_group.0),
        ),
        ("home_server".into(), a.home_server.clone()),
        ("profile_server".into(), a.profile_server.clone()),
        ("mail_server".into(), a.mail_server.clone()),
        ("email".into(), a.email.clone()),
        ("mail_aliases".into(), a.mail_aliases.clone()),
        ("enabled".into(), flag(a.enabled)),
        ("multi_session".into(), flag(a.multi_session)),
        ("comments".into(), a.comments.clone()),
    ];
    pairs.extend(
        a.custom
            .iter()
            .map(|c| (format!("custom.{}", c.name), c.value.clone())),
    );
    pairs
}

/// The label people read for an attribute key of `attribute_pairs` ("first_name" → "First
/// name"; a custom attribute keeps its own name).
pub fn attribute_label(key: &str) -> String {
    if let Some(custom) = key.strip_prefix("custom.") {
        return format!("{custom} (custom)");
    }
    let label = match key {
        "name" => "User name",
        "first_name" => "First name",
        "middle_name" => "Middle name",
        "last_name" => "Last name",
        "user_type" => "User type",
        "primary_group" => "Primary group",
        "home_server" => "Home server",
        "profile_server" => "Profile server",
        "mail_server" => "Mail server",
        "email" => "Email",
        "mail_aliases" => "Mail aliases",
        "enabled" => "Enabled",
        "multi_session" => "Multiple sessions",
        "comments" => "Comments",
        other => other,
    };
    label.to_string()
}

/// "label: old → new" for each of `fields` (label, old, new) that differs.
fn field_changes(fields: &[(&str, String, String)]) -> Vec<String> {
    let shown = |v: &str| {
        if v.is_empty() {
            "(none)".to_string()
        } else {
            format!("{v:?}")
        }
    };
    fields
        .iter()
        .filter(|(_, old, new)| old != new)
        .map(|(label, old, new)| format!("{label}: {} → {}", shown(old), shown(new)))
        .collect()
}

fn day(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn grant_names(grants: &[GrantState]) -> String {
    let mut names: Vec<String> = grants.iter().map(GrantState::title).collect();
    names.sort();
    names.join(", ")
}

impl MembershipState {
    /// What differs from `old`, the same membership in another state.
    pub fn changes_from(&self, old: &Self) -> Vec<String> {
        field_changes(&[
            (
                "group name",
                old.group_name.clone(),
                self.group_name.clone(),
            ),
            ("start", day(old.start_date), day(self.start_date)),
            ("end", day(old.end_date), day(self.end_date)),
            ("comments", old.comments.clone(), self.comments.clone()),
        ])
    }
}

impl AccountState {
    pub fn title(&self) -> String {
        format!("{} on {}", self.name, self.system_name)
    }

    pub fn changes_from(&self, old: &Self) -> Vec<String> {
        let attributes = |a: &[CustomAttribute]| {
            a.iter()
                .map(|c| format!("{}={}", c.name, c.value))
                .collect::<Vec<_>>()
                .join(", ")
        };
        field_changes(&[
            ("name", old.name.clone(), self.name.clone()),
            (
                "login name",
                old.login_name.clone(),
                self.login_name.clone(),
            ),
            (
                "description",
                old.description.clone(),
                self.description.clone(),
            ),
            ("type", old.account_type.clone(), self.account_type.clone()),
            ("status", old.status.clone(), self.status.clone()),
            ("level", old.level.clone(), self.level.clone()),
            (
                "attributes",
                attributes(&old.attributes),
                attributes(&self.attributes),
            ),
            ("roles", grant_names(&old.grants), grant_names(&self.grants)),
        ])
    }
}

impl GrantState {
    /// The role, its system and scope, as lists show a grant.
    pub fn title(&self) -> String {
        let scope = if self.scope.is_empty() {
            String::new()
        } else {
            format!(" [{}]", self.scope)
        };
        format!("{} ({}){scope}", self.role_name, self.system_name)
    }

    pub fn changes_from(&self, old: &Self) -> Vec<String> {
        field_changes(&[
            ("role name", old.role_name.clone(), self.role_name.clone()),
            ("system", old.system_name.clone(), self.system_name.clone()),
            ("start", day(old.start_date), day(self.start_date)),
            ("end", day(old.end_date), day(self.end_date)),
        ])
    }
}

impl MailListState {
    pub fn title(&self) -> String {
        format!("{}@{}", self.name, self.domain)
    }

    pub fn changes_from(&self, old: &Self) -> Vec<String> {
        field_changes(&[("address", old.title(), self.title())])
    }
}

impl PrinterState {
    pub fn title(&self) -> String {
        format!("{} on {}", self.name, self.server)
    }

    pub fn changes_from(&self, old: &Self) -> Vec<String> {
        field_changes(&[
            ("printer name", old.name.clone(), self.name.clone()),
            ("server", old.server.clone(), self.server.clone()),
        ])
    }
}

/// Differences between two states of a user (snapshot vs snapshot, or snapshot vs now).
pub fn diff_states(a: &UserState, b: &UserState) -> StateDiff {
    let before = attribute_pairs(a);
    let after = attribute_pairs(b);
    let mut attributes = Vec::new();
    for (name, new) in &after {
        let old = before
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        if &old != new {
            attributes.push(AttributeChange {
                name: name.clone(),
                before: old,
                after: new.clone(),
            });
        }
    }
    for (name, old) in &before {
        if !after.iter().any(|(n, _)| n == name) {
            attributes.push(AttributeChange {
                name: name.clone(),
                before: old.clone(),
                after: String::new(),
            });
        }
    }
    StateDiff {
        attributes,
        memberships: list_diff(&a.memberships, &b.memberships, |m| m.group),
        accounts: list_diff(&a.accounts, &b.accounts, |x| x.account),
        grants: list_diff(&a.grants, &b.grants, |g| (g.role, g.scope.clone())),
        mail_lists: list_diff(&a.mail_lists, &b.mail_lists, |l| l.list),
        printers: list_diff(&a.printers, &b.printers, |p| p.printer),
    }
}

/// Which parts of a snapshot to restore.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RestoreSelection {
    pub attributes: bool,
    pub memberships: bool,
    pub accounts: bool,
    pub grants: bool,
    pub mail_lists: bool,
    /// Absent from selections stored before printers: those leave printers alone.
    #[serde(default)]
    pub printers: bool,
}

impl RestoreSelection {
    pub fn everything() -> Self {
        Self {
            attributes: true,
            memberships: true,
            accounts: true,
            grants: true,
            mail_lists: true,
            printers: true,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum RestoreMode {
    /// Make the user exactly like the snapshot (adds, updates and removes).
    Exact,
    /// Only add back what is missing; nothing is removed or overwritten.
    AddMissing,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum RestoreItemKind {
    Attributes,
    Membership,
    Account,
    Grant,
    AccountGrant,
    MailList,
    Printer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum RestoreAction {
    Add,
    Update,
    Remove,
}

/// The data a restore item applies (all taken from the snapshot or the current state).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum RestoreChange {
    Attributes(UserInput),
    Membership(MembershipState),
    /// Ownership of the account with the snapshot's attributes (re-creating a deleted one).
    Account(AccountState),
    Grant(GrantState),
    AccountGrant(AccountId, GrantState),
    MailList(MailListState),
    Printer(PrinterState),
}

/// One line of a restore preview. A `blocked` item cannot be applied (the reason says why);
/// `selected` lets the operator leave an item out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RestoreItem {
    pub kind: RestoreItemKind,
    pub action: RestoreAction,
    pub description: String,
    pub blocked: Option<String>,
    pub selected: bool,
    pub change: RestoreChange,
}

/// What a restore brings a user back to: a stored snapshot, or the state the history
/// records at an instant ("Restore to here" on the timeline), which needs no snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum RestoreSource {
    Snapshot(i64),
    Instant(DateTime<Utc>),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RestorePlan {
    pub user: UserId,
    pub source: RestoreSource,
    pub mode: RestoreMode,
    pub items: Vec<RestoreItem>,
    /// What the plan was made for: applying plans again from (user, snapshot, selection,
    /// mode) and follows only the operator's choices of `selected` items.
    #[serde(default = "RestoreSelection::everything")]
    pub selection: RestoreSelection,
}

impl RestorePlan {
    /// "3 to apply, 1 blocked: grant of role X (role deleted)".
    pub fn summary(&self) -> String {
        let applied = self
            .items
            .iter()
            .filter(|i| i.selected && i.blocked.is_none())
            .count();
        let blocked: Vec<String> = self
            .items
            .iter()
            .filter_map(|i| {
                i.blocked
                    .as_ref()
                    .map(|why| format!("{} ({why})", i.description))
            })
            .collect();
        let skipped = self
            .items
            .iter()
            .filter(|i| !i.selected && i.blocked.is_none())
            .count();
        let source = match self.source {
            RestoreSource::Snapshot(id) => format!("snapshot #{id}"),
            RestoreSource::Instant(at) => format!("state at {}", at.to_rfc3339()),
        };
        let mut text = format!("{source} ({:?}): {applied} to apply", self.mode);
        if skipped > 0 {
            text.push_str(&format!(", {skipped} left out by the operator"));
        }
        if !blocked.is_empty() {
            text.push_str(&format!(
                ", {} blocked: {}",
                blocked.len(),
                blocked.join("; ")
            ));
        }
        text
    }
}

impl RestoreOutcome {
    /// What the restore did, for the operator: "2 changes restored", "1 change restored; 1
    /// could not be (see the preview)", "Nothing needed restoring".
    pub fn in_words(&self) -> String {
        let mut text = match self.applied {
            0 => "Nothing needed restoring".to_string(),
            1 => "1 change restored".to_string(),
            n => format!("{n} changes restored"),
        };
        if self.blocked > 0 {
            text.push_str(&format!(
                "; {} could not be (see the preview)",
                self.blocked
            ));
        }
        text
    }
}

/// What `apply_restore` did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RestoreOutcome {
    pub applied: i64,
    pub blocked: i64,
    pub operation_id: i64,
    pub summary: String,
    /// The snapshot of the user just before this restore: restoring it undoes the restore.
    #[serde(default)]
    pub undo_snapshot: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::RestoreOutcome;

    fn outcome(applied: i64, blocked: i64) -> RestoreOutcome {
        RestoreOutcome {
            applied,
            blocked,
            operation_id: 1,
            summary: String::new(),
            undo_snapshot: None,
        }
    }

    #[test]
    fn a_restore_outcome_is_said_in_words() {
        assert_eq!(outcome(0, 0).in_words(), "Nothing needed restoring");
        assert_eq!(outcome(1, 0).in_words(), "1 change restored");
        assert_eq!(
            outcome(3, 2).in_words(),
            "3 changes restored; 2 could not be (see the preview)"
        );
    }
}
