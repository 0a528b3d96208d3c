//! Rewind: history, snapshots and restore for an identity store.
#![recursion_limit = "256"]

pub mod api;
pub mod error;
pub mod model;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
pub mod backup;
#[cfg(feature = "ssr")]
pub mod oidc;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod testing;

pub use ui::{shell, App};
