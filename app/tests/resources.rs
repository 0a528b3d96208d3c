//! The resource engine on its declared kinds (systems, mail domains): checks from the
//! declaration, versions, restore of an old version, the recycle bin and recovery, and the
//! snapshots of the users a change concerns.
#![cfg(feature = "ssr")]
mod common;

use app::model::kinds::{MAIL_DOMAINS, SYSTEMS};
use app::model::*;
use app::store::Error;
use common::*;

fn values(values: &[&str]) -> ResourceInput {
    ResourceInput {
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

#[tokio::test]
async fn an_old_version_comes_back_as_a_new_version_and_the_history_keeps_every_one() {
    let store = store().await;
    let id = store
        .create_resource(&at(SEC), &SYSTEMS, &values(&["Payroll", "salaries"]))
        .await
        .unwrap();
    store
        .update_resource(&at(2 * SEC), &SYSTEMS, id, &values(&["Payroll NG", "new"]))
        .await
        .unwrap();
    // The same values again write no version.
    store
        .update_resource(&at(3 * SEC), &SYSTEMS, id, &values(&["Payroll NG", "new"]))
        .await
        .unwrap();
    let history = store.resource_history(&SYSTEMS, id, 0, 50).await.unwrap();
    assert_eq!(history.total, 2);
    let first = &history.items[1];
    assert_eq!(first.values, ["Payroll", "salaries"]);
    assert_eq!(first.until, Some(time(2 * SEC)));

    let name = store
        .restore_resource_version(&at(4 * SEC), &SYSTEMS, id, first.version_id)
        .await
        .unwrap();
    assert_eq!(name, "Payroll");
    let now = store.get_resource(&SYSTEMS, id, None).await.unwrap().record;
    assert_eq!(now.values, ["Payroll", "salaries"]);
    let history = store.resource_history(&SYSTEMS, id, 0, 50).await.unwrap();
    assert_eq!(history.total, 3);
    assert_eq!(history.items[0].until, None);
    // As of the middle version, the object reads as it was then.
    let then = store
        .get_resource(&SYSTEMS, id, Some(time(3 * SEC)))
        .await
        .unwrap()
        .record;
    assert_eq!(then.values, ["Payroll NG", "new"]);
}

#[tokio::test]
async fn a_restore_whose_name_was_taken_since_is_refused_and_changes_nothing() {
    let store = store().await;
    let id = store
        .create_resource(&at(SEC), &SYSTEMS, &values(&["CRM", ""]))
        .await
        .unwrap();
    store
        .update_resource(&at(2 * SEC), &SYSTEMS, id, &values(&["CRM old", ""]))
        .await
        .unwrap();
    store
        .create_resource(&at(3 * SEC), &SYSTEMS, &values(&["crm", "another"]))
        .await
        .unwrap();
    let first = store
        .resource_history(&SYSTEMS, id, 0, 50)
        .await
        .unwrap()
        .items[1]
        .version_id;
    let result = store
        .restore_resource_version(&at(4 * SEC), &SYSTEMS, id, first)
        .await;
    assert!(
        matches!(&result, Err(Error::Conflict(m)) if m.contains("\"CRM\" already exists")),
        "{result:?}"
    );
    let now = store.get_resource(&SYSTEMS, id, None).await.unwrap().record;
    assert_eq!(now.name(), "CRM old");
    assert_eq!(
        store
            .resource_history(&SYSTEMS, id, 0, 50)
            .await
            .unwrap()
            .total,
        2
    );
}

#[tokio::test]
async fn a_deleted_mail_domain_is_in_the_recycle_bin_and_recovers_with_its_last_values() {
    let store = store().await;
    let id = store
        .create_resource(
            &at(SEC),
            &MAIL_DOMAINS,
            &values(&["old.example", "legacy", "yes"]),
        )
        .await
        .unwrap();
    let deleted = store
        .delete_resources(&at(2 * SEC), &MAIL_DOMAINS, &[id])
        .await
        .unwrap();
    assert_eq!(deleted, ["old.example"]);
    let bin = store.recycle_bin().await.unwrap();
    let entry = bin.iter().find(|o| o.id == id).expect("in the recycle bin");
    assert_eq!(entry.kind, DeletedKind::Resource(KindRef(&MAIL_DOMAINS)));
    assert_eq!(entry.name, "old.example");
    assert_eq!(entry.deleted_at, time(2 * SEC));

    // A system is not deleted, so there is nothing to recover.
    let system = store
        .create_resource(&at(SEC), &SYSTEMS, &values(&["AD", ""]))
        .await
        .unwrap();
    assert!(matches!(
        store.recover_resource(&at(3 * SEC), &SYSTEMS, system).await,
        Err(Error::Conflict(_))
    ));

    store
        .recover_resource(&at(3 * SEC), &MAIL_DOMAINS, id)
        .await
        .unwrap();
    let back = store
        .get_resource(&MAIL_DOMAINS, id, None)
        .await
        .unwrap()
        .record;
    assert_eq!(back.values, ["old.example", "legacy", "true"]);
    assert!(store
        .recycle_bin()
        .await
        .unwrap()
        .iter()
        .all(|o| o.id != id));
    // Between the delete and the recovery it did not exist.
    assert!(matches!(
        store
            .get_resource(&MAIL_DOMAINS, id, Some(time(2 * SEC + 1)))
            .await,
        Err(Error::NotFound(_))
    ));
}

#[tokio::test]
async fn inputs_are_checked_against_the_declaration_and_refused_whole() {
    let store = store().await;
    let cases: [(ResourceInput, &str); 4] = [
        (values(&["only a name"]), "values"),
        (values(&["  ", "no name"]), "name"),
        (values(&[&"x".repeat(201), ""]), "name"),
        (values(&["bad\u{0}name", ""]), "name"),
    ];
    for (input, field) in cases {
        match store.create_resource(&at(SEC), &SYSTEMS, &input).await {
            Err(Error::Invalid(errors)) => {
                assert!(errors.iter().any(|e| e.field == field), "{errors:?}")
            }
            other => panic!("expected a refusal of {field}, got {other:?}"),
        }
    }
    let flag = store
        .create_resource(&at(SEC), &MAIL_DOMAINS, &values(&["a.test", "", "perhaps"]))
        .await;
    assert!(
        matches!(&flag, Err(Error::Invalid(e)) if e[0].field == "obsolete"),
        "{flag:?}"
    );
    let listed = store
        .search_resources(
            &SYSTEMS,
            &DirectoryQuery {
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(listed.total, 0);
}

#[tokio::test]
async fn renaming_a_system_gives_the_owners_of_its_accounts_a_new_snapshot() {
    let store = store().await;
    let f = fixture(&store).await;
    snapshot_settings(&store, 0, 100, true).await;
    let ann = store
        .create_user(&at(SEC), &user_input("ann", f.staff))
        .await
        .unwrap();
    owned_account(&store, &at(2 * SEC), &at(2 * SEC), f.ad, "ann.ad", ann).await;
    let before = store.list_snapshots(ann).await.unwrap().len();
    store
        .update_resource(
            &at(10 * SEC),
            &SYSTEMS,
            f.ad.0,
            &values(&["Active Directory", ""]),
        )
        .await
        .unwrap();
    let after = store.list_snapshots(ann).await.unwrap();
    assert_eq!(after.len(), before + 1);
    // A system nobody's state names changes nobody's snapshots.
    let spare = store
        .create_resource(&at(SEC), &SYSTEMS, &values(&["Spare", ""]))
        .await
        .unwrap();
    store
        .update_resource(&at(11 * SEC), &SYSTEMS, spare, &values(&["Spare 2", ""]))
        .await
        .unwrap();
    assert_eq!(store.list_snapshots(ann).await.unwrap().len(), after.len());
}
