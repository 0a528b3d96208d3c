mod home;
mod inbox;
mod login;
mod not_found;
mod operators;
mod setup;
mod system_backup;
mod upcoming;

pub use home::HomePage;
pub use inbox::InboxPage;
pub use login::LoginPage;
pub use not_found::NotFoundPage;
pub use operators::OperatorsPage;
pub use setup::SetupPage;
pub use system_backup::SystemBackupPage;
pub use upcoming::Upcoming;
