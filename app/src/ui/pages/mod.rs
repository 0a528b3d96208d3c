mod api_reference;
mod api_tokens;
mod audit;
mod backups;
mod directory;
mod groups;
mod home;
mod import;
mod inbox;
mod login;
mod not_found;
mod operators;
mod profile;
mod recycle_bin;
mod search;
mod setup;
mod system_backup;
pub(crate) mod users;

pub use api_reference::ApiReferencePage;
pub use api_tokens::ApiTokensPage;
pub use audit::{AuditLink, AuditPage, AuditTable};
pub use backups::{BackupsPage, SnapshotColumn};
pub use directory::{
    AccountPage, AccountsPage, MailListPage, MailListsPage, ResourceListPage, ResourcePage,
    ResourceTreePage, RolePage, RolesPage, SodReportPage,
};
pub use groups::GroupsPage;
pub use home::HomePage;
pub use import::{ImportPage, ResourceImportPage};
pub use inbox::InboxPage;
pub use login::LoginPage;
pub use not_found::NotFoundPage;
pub use operators::OperatorsPage;
pub use profile::ProfilePage;
pub use recycle_bin::RecycleBinPage;
pub use search::{SearchBox, SearchPage};
pub use setup::SetupPage;
pub use system_backup::SystemBackupPage;
pub use users::{
    UserAccountsTab, UserBackupsTab, UserBasicsTab, UserEffectiveRolesTab, UserGroupsTab,
    UserHistoryTab, UserMailListsTab, UserPage, UserRolesTab, UsersPage,
};
