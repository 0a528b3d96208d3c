//! Server functions: thin wrappers that authorise, call the store and map errors.
pub mod access;
pub mod audit;
pub mod auth;
pub mod directory;
pub mod governance;
pub mod groups;
pub mod history;
pub mod operators;
pub mod overview;
pub mod preferences;
pub mod resources;
pub mod search;
pub mod snapshots;
pub mod system_backup;
pub mod transfer;
pub mod users;
pub mod vault;
