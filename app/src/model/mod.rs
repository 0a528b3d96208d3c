//! Types shared by the browser and the server (wire DTOs). No SQL here.
mod audit;
mod operator;

pub use audit::*;
pub use operator::*;
