//! Finding objects by name: the group pickers' type-ahead and the console's search box.
use super::{Account, GroupId, Page, Role, UserSummary};
use serde::{Deserialize, Serialize};

/// The longest search text accepted (longer text is cut, not refused: it is only a search).
pub const MAX_SEARCH_CHARS: usize = 200;
/// The most groups a picker's type-ahead lists at once.
pub const GROUP_CHOICES_LIMIT: i64 = 20;
/// How many of each kind the search page shows before "all N".
pub const SEARCH_SECTION_LIMIT: i64 = 8;

/// A current group and its path from the root ("Staff › Sales › EMEA").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GroupChoice {
    pub id: GroupId,
    pub path: String,
}

/// What the console's search found, per kind: the first few and how many in all.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SearchResults {
    pub users: Page<UserSummary>,
    pub groups: Page<GroupChoice>,
    pub roles: Page<Role>,
    pub accounts: Page<Account>,
}

/// `text` trimmed and cut to `MAX_SEARCH_CHARS` characters.
pub fn search_text(text: &str) -> String {
    text.trim().chars().take(MAX_SEARCH_CHARS).collect()
}
