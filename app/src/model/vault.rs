//! What the console shows of a vault account's secret: never the secret itself, except in
//! the answer of a reveal.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The longest secret kept: room for a long SSH private key, not for a file.
pub const MAX_SECRET_BYTES: usize = 16 * 1024;

/// How long a revealed secret stays on screen.
pub const REVEAL_SECONDS: u32 = 30;

/// One version of an account's secret: when it was set and by whom, not what it was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretVersion {
    pub version_id: i64,
    pub since: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
    pub changed_by: String,
    /// Whether this installation holds the key that sealed it (a backup from another
    /// installation may carry secrets sealed with a key not copied here).
    pub readable: bool,
}

/// A secret revealed: the text, and which version it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevealedSecret {
    pub version_id: i64,
    pub secret: String,
}
