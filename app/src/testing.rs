//! Fresh, isolated databases for tests on either backend.
//!
//! With `REWIND_TEST_POSTGRES_URL` set (a URL to any database of a server the tests may create
//! databases on), every call creates a new PostgreSQL database; otherwise a new SQLite file.
use crate::store::Store;
use sqlx::Connection;

pub async fn fresh_store() -> Store {
    let name = format!("rewind_test_{:016x}", rand::random::<u64>());
    match std::env::var("REWIND_TEST_POSTGRES_URL") {
        Ok(base) if !base.is_empty() => {
            sqlx::any::install_default_drivers();
            let mut admin = sqlx::AnyConnection::connect(&base)
                .await
                .expect("connect to the test PostgreSQL server");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await
                .expect("create test database");
            admin.close().await.ok();
            let (prefix, _) = base.rsplit_once('/').expect("database URL with a path");
            Store::connect(&format!("{prefix}/{name}"))
                .await
                .expect("open test database")
                .with_vault_keys(test_vault_keys())
        }
        _ => {
            let path = std::env::temp_dir().join(format!("{name}.db"));
            Store::connect(&format!("sqlite://{}", path.display()))
                .await
                .expect("open test database")
                .with_vault_keys(test_vault_keys())
        }
    }
}

/// A vault key of the test's own, held in memory.
pub fn test_vault_keys() -> crate::store::VaultKeys {
    crate::store::VaultKeys::fixed(vec![crate::store::VaultKey::generate()])
}
