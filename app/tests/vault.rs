//! The password vault: folders in a tree with permissions, accounts whose secrets are
//! sealed with the vault key, never in clear in any table, versioned (an old one can be
//! revealed and put back) and resealed by a key rotation.
#![cfg(feature = "ssr")]
mod common;

use app::backup::{BackupTables, CONSOLE_TABLES};
use app::model::kinds::{VAULT_ACCOUNTS, VAULT_FOLDERS};
use app::model::*;
use app::store::{Error, Store, VaultKey, VaultKeys};
use common::*;

fn folder(name: &str, parent: &str) -> ResourceInput {
    ResourceInput {
        values: vec![name.into(), String::new(), parent.into()],
    }
}

/// name, folder, system, login name, login URL, description, credential type.
fn account(name: &str, folder: &str) -> ResourceInput {
    ResourceInput {
        values: vec![
            name.into(),
            folder.into(),
            String::new(),
            "root".into(),
            "https://db.example.org".into(),
            String::new(),
            "Password".into(),
        ],
    }
}

/// A folder "Servers" holding the account "db-root"; its id.
async fn db_root(store: &Store) -> i64 {
    store
        .create_resource(&at(SEC), &VAULT_FOLDERS, &folder("Servers", ""))
        .await
        .unwrap();
    store
        .create_resource(&at(SEC), &VAULT_ACCOUNTS, &account("db-root", "Servers"))
        .await
        .unwrap()
}

/// Every row of every table, identity and console, as one text.
async fn all_rows(store: &Store) -> String {
    let console: Vec<&str> = CONSOLE_TABLES
        .iter()
        .copied()
        .filter(|t| *t != "_sqlx_migrations")
        .collect();
    let tables = app::backup::engine::table_rows(store, &BackupTables::with_extra(&console))
        .await
        .unwrap();
    serde_json::to_string(&tables).unwrap()
}

#[tokio::test]
async fn a_secret_is_sealed_at_rest_and_in_clear_in_no_table() {
    let store = store().await;
    let id = db_root(&store).await;
    let secret = "Tr0ub4dor&3-quite-unique";
    store
        .set_vault_secret(&at(2 * SEC), id, secret)
        .await
        .unwrap();
    let revealed = store
        .reveal_vault_secret(&at(3 * SEC), id, None)
        .await
        .unwrap();
    assert_eq!(revealed.secret.0, secret);

    let rows = all_rows(&store).await;
    assert!(!rows.contains(secret), "the secret is in clear in a table");
    assert!(rows.contains("vault_secrets"), "the dump covers the vault");
    let audit = store.list_audit(50).await.unwrap();
    let set = audit
        .iter()
        .find(|e| e.action == "vault.secret.set")
        .expect("the change is audited");
    assert_eq!(set.target, "db-root");
    let reveal = audit
        .iter()
        .find(|e| e.action == "vault.reveal")
        .expect("the reveal is audited");
    assert!(
        reveal.details.contains("current secret"),
        "{}",
        reveal.details
    );
    // The account's own versions never carry it: its CSV and history are its attributes.
    let versions = store
        .resource_history(&VAULT_ACCOUNTS, id, 0, 50)
        .await
        .unwrap();
    assert!(!versions.items.is_empty());
    assert!(versions
        .items
        .iter()
        .all(|v| !v.values.iter().any(|x| x.contains(secret))));
}

#[tokio::test]
async fn history_says_when_and_by_whom_and_an_old_secret_can_be_put_back() {
    let store = store().await;
    let id = db_root(&store).await;
    store
        .set_vault_secret(&at(2 * SEC), id, "first-one")
        .await
        .unwrap();
    let later = app::store::Author::named("someone else").at(common::T0 + 3 * SEC);
    store
        .set_vault_secret(&later, id, "second-one")
        .await
        .unwrap();

    let history = store.vault_secret_history(id).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].changed_by, "someone else");
    assert!(history[0].until.is_none() && history[1].until.is_some());
    assert_eq!(history[1].since, time(2 * SEC));
    assert!(history.iter().all(|v| v.readable));
    let old = history[1].version_id;
    assert_eq!(
        store
            .reveal_vault_secret(&at(4 * SEC), id, Some(old))
            .await
            .unwrap()
            .secret
            .0,
        "first-one"
    );

    store
        .restore_vault_secret(&at(5 * SEC), id, old)
        .await
        .unwrap();
    let current = store
        .reveal_vault_secret(&at(6 * SEC), id, None)
        .await
        .unwrap();
    assert_eq!(current.secret.0, "first-one");
    let history = store.vault_secret_history(id).await.unwrap();
    assert_eq!(history.len(), 3);
    assert!(matches!(
        store
            .restore_vault_secret(&at(7 * SEC), id, history[0].version_id)
            .await,
        Err(Error::Conflict(_))
    ));
    // A version of another account is not this account's.
    let other = store
        .create_resource(
            &at(8 * SEC),
            &VAULT_ACCOUNTS,
            &account("web-admin", "Servers"),
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .reveal_vault_secret(&at(9 * SEC), other, Some(old))
            .await,
        Err(Error::NotFound(_))
    ));
    let audit = store.list_audit(50).await.unwrap();
    assert!(audit
        .iter()
        .any(|e| e.action == "vault.secret.restore" && e.details.contains("by tester")));
}

#[tokio::test]
async fn bad_secrets_are_refused_without_repeating_them() {
    let store = store().await;
    let id = db_root(&store).await;
    let long = "x".repeat(MAX_SECRET_BYTES + 1);
    for (secret, expected) in [
        ("", "Type the new secret"),
        (long.as_str(), "at most 16 KiB"),
        ("nul\0inside", "NUL"),
    ] {
        match store.set_vault_secret(&at(2 * SEC), id, secret).await {
            Err(Error::Invalid(problems)) => {
                assert!(
                    problems[0].message.contains(expected),
                    "{}",
                    problems[0].message
                );
                assert!(secret.is_empty() || !problems[0].message.contains(secret));
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    assert!(store.vault_secret_history(id).await.unwrap().is_empty());
    assert!(matches!(
        store.set_vault_secret(&at(2 * SEC), id + 1000, "s").await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        store.reveal_vault_secret(&at(2 * SEC), id, None).await,
        Err(Error::NotFound(_))
    ));
}

#[tokio::test]
async fn a_secret_sealed_with_a_key_this_installation_lacks_names_that_key() {
    let store = store().await;
    let id = db_root(&store).await;
    store
        .set_vault_secret(&at(2 * SEC), id, "kept")
        .await
        .unwrap();
    let elsewhere = store
        .clone()
        .with_vault_keys(VaultKeys::fixed(vec![VaultKey::generate()]));
    let history = elsewhere.vault_secret_history(id).await.unwrap();
    assert!(!history[0].readable);
    let sealed_by = store.vault_keys().current_id().unwrap();
    match elsewhere.reveal_vault_secret(&at(3 * SEC), id, None).await {
        Err(Error::Conflict(message)) => assert!(message.contains(&sealed_by), "{message}"),
        other => panic!("expected a missing key, got {other:?}"),
    }
    // Without any key, a secret cannot be set either, and nothing is written.
    let keyless = store.clone().with_vault_keys(VaultKeys::none());
    assert!(matches!(
        keyless.set_vault_secret(&at(4 * SEC), id, "new").await,
        Err(Error::Conflict(m)) if m.contains("REWIND_VAULT_KEY")
    ));
    assert_eq!(store.vault_secret_history(id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn rotating_the_key_reseals_every_version_and_retires_the_old_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.key");
    let store = store()
        .await
        .with_vault_keys(VaultKeys::from_file(&path).unwrap());
    let id = db_root(&store).await;
    store
        .set_vault_secret(&at(2 * SEC), id, "old-one")
        .await
        .unwrap();
    store
        .set_vault_secret(&at(3 * SEC), id, "new-one")
        .await
        .unwrap();
    let before = std::fs::read_to_string(&path).unwrap();
    let old_key = store.vault_keys().current_id().unwrap();

    let rotation = store.rotate_vault_key().await.unwrap();
    assert_eq!(rotation.resealed, 2);
    assert_eq!(rotation.retired, vec![old_key.clone()]);
    assert_ne!(rotation.new_key, old_key);
    let after = std::fs::read_to_string(&path).unwrap();
    assert_ne!(after, before);
    // The file holds the new key alone; a fresh load of it opens every version.
    let reloaded = store
        .clone()
        .with_vault_keys(VaultKeys::from_file(&path).unwrap());
    assert_eq!(
        reloaded.vault_keys().current_id().unwrap(),
        rotation.new_key
    );
    let history = reloaded.vault_secret_history(id).await.unwrap();
    assert!(history.iter().all(|v| v.readable));
    assert_eq!(
        reloaded
            .reveal_vault_secret(&at(4 * SEC), id, Some(history[1].version_id))
            .await
            .unwrap()
            .secret
            .0,
        "old-one"
    );
    // The retired key no longer opens anything.
    let old_file = dir.path().join("old.key");
    std::fs::write(&old_file, &before).unwrap();
    let retired = store
        .clone()
        .with_vault_keys(VaultKeys::from_file(&old_file).unwrap());
    assert!(retired
        .reveal_vault_secret(&at(5 * SEC), id, None)
        .await
        .is_err());
    // Keys given whole cannot be rotated: there is no file to rewrite.
    let fixed = store
        .clone()
        .with_vault_keys(VaultKeys::fixed(vec![VaultKey::generate()]));
    assert!(matches!(
        fixed.rotate_vault_key().await,
        Err(Error::Conflict(_))
    ));
}

#[tokio::test]
async fn revealing_a_secret_is_the_owners_permission_alone() {
    assert!(OperatorRole::Owner.can(Permission::VaultReveal));
    assert!(!OperatorRole::Admin.can(Permission::VaultReveal));
    assert!(!OperatorRole::Auditor.can(Permission::VaultReveal));
    assert!(OperatorRole::Admin.can(VAULT_ACCOUNTS.write));
}

#[tokio::test]
async fn a_folder_cannot_move_under_itself() {
    let store = store().await;
    let top = store
        .create_resource(&at(SEC), &VAULT_FOLDERS, &folder("Top", ""))
        .await
        .unwrap();
    store
        .create_resource(&at(SEC), &VAULT_FOLDERS, &folder("Middle", "Top"))
        .await
        .unwrap();
    store
        .create_resource(&at(SEC), &VAULT_FOLDERS, &folder("Bottom", "Middle"))
        .await
        .unwrap();
    let refused = store
        .update_resource(&at(2 * SEC), &VAULT_FOLDERS, top, &folder("Top", "Bottom"))
        .await
        .unwrap_err();
    match refused {
        Error::Conflict(message) => assert!(message.contains("Top › Middle › Bottom"), "{message}"),
        other => panic!("expected a loop refused, got {other:?}"),
    }
}

#[tokio::test]
async fn a_deleted_account_recovers_with_its_secret_and_folders_read_as_of_a_past_instant() {
    let store = store().await;
    let folder = store
        .create_resource(&at(SEC), &VAULT_FOLDERS, &folder("Servers", ""))
        .await
        .unwrap();
    let id = store
        .create_resource(&at(SEC), &VAULT_ACCOUNTS, &account("db-root", "Servers"))
        .await
        .unwrap();
    store
        .set_vault_secret(&at(2 * SEC), id, "kept-while-deleted")
        .await
        .unwrap();
    store
        .delete_resources(&at(3 * SEC), &VAULT_ACCOUNTS, &[id])
        .await
        .unwrap();
    // A deleted account's secret is not revealed, nor changed.
    assert!(matches!(
        store.reveal_vault_secret(&at(4 * SEC), id, None).await,
        Err(Error::NotFound(_))
    ));
    assert!(store
        .recycle_bin()
        .await
        .unwrap()
        .iter()
        .any(|d| d.id == id && d.name == "db-root"));
    store
        .recover_resource(&at(5 * SEC), &VAULT_ACCOUNTS, id)
        .await
        .unwrap();
    assert_eq!(
        store
            .reveal_vault_secret(&at(6 * SEC), id, None)
            .await
            .unwrap()
            .secret
            .0,
        "kept-while-deleted"
    );

    store
        .update_resource(
            &at(7 * SEC),
            &VAULT_FOLDERS,
            folder,
            &self::folder("Hosts", ""),
        )
        .await
        .unwrap();
    let then = store
        .get_resource(&VAULT_FOLDERS, folder, Some(time(6 * SEC)))
        .await
        .unwrap();
    assert_eq!(then.record.name(), "Servers");
}

#[tokio::test]
async fn a_missing_key_file_is_not_replaced_while_secrets_are_sealed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.key");
    // No secret yet: the file is created.
    let store = store().await.with_vault_key_file(&path).await.unwrap();
    assert!(path.exists());
    let id = db_root(&store).await;
    store
        .set_vault_secret(&at(2 * SEC), id, "sealed")
        .await
        .unwrap();
    let sealed_by = store.vault_keys().current_id().unwrap();
    // The file gone (a wrong directory, an unmounted volume): refused, naming the key.
    let moved = dir.path().join("elsewhere.key");
    std::fs::rename(&path, &moved).unwrap();
    match store.clone().with_vault_key_file(&path).await {
        Err(Error::Conflict(message)) => assert!(message.contains(&sealed_by), "{message}"),
        other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
    }
    assert!(!path.exists(), "no new key file was made");
}

#[test]
fn a_secret_in_transit_never_shows_in_debug_output() {
    let revealed = RevealedSecret {
        version_id: 1,
        secret: SecretText("hunter2".into()),
    };
    let text = format!("{revealed:?}");
    assert!(
        !text.contains("hunter2") && text.contains("redacted"),
        "{text}"
    );
    assert_eq!(
        serde_json::to_string(&revealed.secret).unwrap(),
        "\"hunter2\""
    );
}
