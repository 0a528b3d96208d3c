//! Types shared by the browser and the server (wire DTOs). No SQL here.
mod access;
mod audit;
mod directory;
mod identity;
pub mod kinds;
mod operator;
mod overview;
mod query;
mod resource;
mod search;
mod snapshot;
mod system_backup;
mod timeline;
mod transfer;

pub use access::*;
pub use audit::*;
pub use directory::*;
pub use identity::*;
pub use operator::*;
pub use overview::*;
pub use query::*;
pub use resource::*;
pub use search::*;
pub use snapshot::*;
pub use system_backup::*;
pub use timeline::*;
pub use transfer::*;
