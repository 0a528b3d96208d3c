//! Users: the list, and one user's page with a tab per aspect (each tab has its own URL).
mod backups;
mod detail;
mod list;

pub use backups::UserBackupsTab;
pub use detail::{UserBasicsTab, UserEffectiveRolesTab, UserGroupsTab, UserPage, UserRolesTab};
pub use list::UsersPage;
