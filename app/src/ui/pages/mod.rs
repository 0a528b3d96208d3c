mod home;
mod login;
mod not_found;
mod operators;
mod setup;
mod upcoming;

pub use home::HomePage;
pub use login::LoginPage;
pub use not_found::NotFoundPage;
pub use operators::OperatorsPage;
pub use setup::SetupPage;
pub use upcoming::Upcoming;
