mod groups;
mod home;
mod import;
mod login;
mod not_found;
mod operators;
mod setup;
mod upcoming;
mod users;

pub use groups::GroupsPage;
pub use home::HomePage;
pub use import::ImportPage;
pub use login::LoginPage;
pub use not_found::NotFoundPage;
pub use operators::OperatorsPage;
pub use setup::SetupPage;
pub use upcoming::Upcoming;
pub use users::{
    UserBackupsTab, UserBasicsTab, UserEffectiveRolesTab, UserGroupsTab, UserPage, UserRolesTab,
    UsersPage,
};
