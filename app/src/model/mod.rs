//! Types shared by the browser and the server (wire DTOs). No SQL here.
mod audit;
mod identity;
mod operator;
mod system_backup;
mod snapshot;

pub use audit::*;
pub use identity::*;
pub use operator::*;
pub use system_backup::*;
pub use snapshot::*;
