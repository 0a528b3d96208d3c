//! Server functions: thin wrappers that authorise, call the store and map errors.
pub mod audit;
pub mod auth;
pub mod operators;
pub mod system_backup;
