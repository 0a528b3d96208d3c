//! Users: the list, and one user's page with a tab per aspect (each tab has its own URL).
mod backups;
mod detail;
mod list;
mod restore;
mod timeline;

pub use backups::UserBackupsTab;
pub use detail::{
    UserAccountsTab, UserBasicsTab, UserEffectiveRolesTab, UserGroupsTab, UserMailListsTab,
    UserPage, UserRolesTab,
};
pub use list::UsersPage;
pub use timeline::UserHistoryTab;
