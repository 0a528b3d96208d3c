mod directory;
mod groups;
mod home;
mod login;
mod not_found;
mod operators;
mod setup;
mod upcoming;
mod users;

pub use directory::{
    AccountPage, AccountsPage, MailDomainPage, MailDomainsPage, MailListPage, MailListsPage,
    RolePage, RolesPage, SystemPage, SystemsPage,
};
pub use groups::GroupsPage;
pub use home::HomePage;
pub use login::LoginPage;
pub use not_found::NotFoundPage;
pub use operators::OperatorsPage;
pub use setup::SetupPage;
pub use upcoming::Upcoming;
pub use users::{
    UserBackupsTab, UserBasicsTab, UserEffectiveRolesTab, UserGroupsTab, UserPage, UserRolesTab,
    UsersPage,
};
