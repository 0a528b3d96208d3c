//! Types shared by the browser and the server (wire DTOs). No SQL here.
mod audit;
mod operator;
mod system_backup;

pub use audit::*;
pub use operator::*;
pub use system_backup::*;
