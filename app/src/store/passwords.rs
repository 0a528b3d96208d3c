//! Password hashing (argon2id) on the blocking pool, under a concurrency cap: each hash takes
//! about 19 MiB and a core for tens of milliseconds, so a flood of sign-ins queues here instead
//! of exhausting memory. The cap lives in the `Store` (no globals), sized to the cores.
use super::{Error, Result, Store};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// One permit per available core.
pub(super) fn hashing_permits() -> Arc<Semaphore> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Arc::new(Semaphore::new(cores))
}

impl Store {
    /// The cap on concurrent password hashes (for tests and monitoring: its available permits).
    pub fn password_hashing(&self) -> &Arc<Semaphore> {
        &self.hashing
    }

    pub(super) async fn hash_password(&self, password: &str) -> Result<String> {
        let _permit = self
            .hashing
            .acquire()
            .await
            .map_err(|e| Error::Internal(format!("password hashing closed: {e}")))?;
        let password = password.to_string();
        tokio::task::spawn_blocking(move || {
            use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
            let salt = SaltString::generate(&mut OsRng);
            argon2::Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))
        })
        .await
        .map_err(|e| Error::Internal(format!("password hashing task: {e}")))?
    }

    pub(super) async fn verify_password(&self, password: &str, hash: String) -> bool {
        let Ok(_permit) = self.hashing.acquire().await else {
            return false;
        };
        let password = password.to_string();
        tokio::task::spawn_blocking(move || {
            use argon2::password_hash::{PasswordHash, PasswordVerifier};
            PasswordHash::new(&hash)
                .map(|parsed| {
                    argon2::Argon2::default()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .unwrap_or(false)
    }
}
