//! Printer queues assigned to users and groups: part of a user's snapshots, compared and
//! restored with them, in the user's Printers history, ended and revived with the user, and
//! in the way of deleting the printer.
#![cfg(feature = "ssr")]
mod common;

use app::model::kinds::{HOSTS, NETWORKS, PRINTERS};
use app::model::*;
use app::store::{Error, Store};
use common::*;

const MIN: i64 = 60 * SEC;

fn values(values: &[&str]) -> ResourceInput {
    ResourceInput {
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

/// A network, a printer server `print01` and the printer `name` on it.
async fn printer(store: &Store, name: &str) -> i64 {
    if store
        .search_resources(&HOSTS, &DirectoryQuery::default())
        .await
        .unwrap()
        .total
        == 0
    {
        store
            .create_resource(
                &at(SEC),
                &NETWORKS,
                &values(&["dc", "", "10.20.0.0", "24", "true", "false", "", "false"]),
            )
            .await
            .unwrap();
        store
            .create_resource(
                &at(2 * SEC),
                &HOSTS,
                &values(&[
                    "print01",
                    "",
                    "10.20.0.30",
                    "dc",
                    "",
                    "",
                    "",
                    "",
                    "false",
                    "false",
                    "false",
                    "true",
                    "",
                    "",
                    "",
                    "false",
                ]),
            )
            .await
            .unwrap();
    }
    store
        .create_resource(
            &at(3 * SEC),
            &PRINTERS,
            &values(&[name, "", "print01", "LaserJet", "false"]),
        )
        .await
        .unwrap()
}

async fn printers_of(store: &Store, user: UserId) -> Vec<String> {
    store
        .current_state(user)
        .await
        .unwrap()
        .printers
        .iter()
        .map(PrinterState::title)
        .collect()
}

#[tokio::test]
async fn an_assigned_printer_is_in_the_users_snapshot_and_a_restore_brings_it_back() {
    let store = store().await;
    snapshot_settings(&store, 0, 100, true).await;
    let f = fixture(&store).await;
    let ana = store
        .create_user(&at(MIN), &user_input("ana", f.staff))
        .await
        .unwrap();
    let floor1 = printer(&store, "floor1").await;
    let assignment = store
        .assign_printer(&at(2 * MIN), floor1, AssigneeKind::User, "ANA")
        .await
        .unwrap();
    assert_eq!(printers_of(&store, ana).await, ["floor1 on print01"]);
    let with_printer = store.list_snapshots(ana).await.unwrap()[0].id;
    let snapshot = store.get_snapshot(with_printer).await.unwrap();
    assert_eq!(snapshot.state.printers[0].printer, floor1);

    store
        .unassign_printer(&at(3 * MIN), assignment)
        .await
        .unwrap();
    assert!(printers_of(&store, ana).await.is_empty());
    let now = store.current_state(ana).await.unwrap();
    let diff = diff_states(&snapshot.state, &now);
    assert_eq!(diff.printers.removed.len(), 1);

    let plan = store
        .plan_restore(
            ana,
            RestoreSource::Snapshot(with_printer),
            &RestoreSelection::everything(),
            RestoreMode::Exact,
        )
        .await
        .unwrap();
    let items: Vec<_> = plan
        .items
        .iter()
        .filter(|i| i.kind == RestoreItemKind::Printer)
        .collect();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].action, RestoreAction::Add);
    assert_eq!(items[0].description, "assign printer floor1 on print01");
    store.apply_restore(&at(4 * MIN), &plan).await.unwrap();
    assert_eq!(printers_of(&store, ana).await, ["floor1 on print01"]);

    // A selection without printers leaves them alone.
    let keep = RestoreSelection {
        printers: false,
        ..RestoreSelection::everything()
    };
    let first = store.list_snapshots(ana).await.unwrap().last().unwrap().id;
    let plan = store
        .plan_restore(
            ana,
            RestoreSource::Snapshot(first),
            &keep,
            RestoreMode::Exact,
        )
        .await
        .unwrap();
    assert!(plan
        .items
        .iter()
        .all(|i| i.kind != RestoreItemKind::Printer));
}

#[tokio::test]
async fn the_printers_history_lists_each_assignment_and_an_ended_one_comes_back() {
    let store = store().await;
    let f = fixture(&store).await;
    let ana = store
        .create_user(&at(MIN), &user_input("ana", f.staff))
        .await
        .unwrap();
    let floor1 = printer(&store, "floor1").await;
    let assignment = store
        .assign_printer(&at(2 * MIN), floor1, AssigneeKind::User, "ana")
        .await
        .unwrap();
    store
        .unassign_printer(&at(3 * MIN), assignment)
        .await
        .unwrap();
    let history = store
        .user_history(ana, HistoryKind::Printers, 0, 50)
        .await
        .unwrap();
    assert_eq!(history.total, 1);
    let entry = &history.items[0];
    assert_eq!(entry.description, "printer floor1");
    assert_eq!(entry.subject, floor1);
    assert!(entry.until.is_some());
    store
        .restore_history_record(&at(4 * MIN), HistoryKind::Printers, entry.version_id)
        .await
        .unwrap();
    assert_eq!(printers_of(&store, ana).await, ["floor1 on print01"]);
}

#[tokio::test]
async fn a_printer_in_use_is_not_deleted_and_a_recovered_user_gets_their_printer_back() {
    let store = store().await;
    let f = fixture(&store).await;
    let ana = store
        .create_user(&at(MIN), &user_input("ana", f.staff))
        .await
        .unwrap();
    let floor1 = printer(&store, "floor1").await;
    store
        .assign_printer(&at(2 * MIN), floor1, AssigneeKind::User, "ana")
        .await
        .unwrap();
    store
        .assign_printer(&at(3 * MIN), floor1, AssigneeKind::Group, "Staff")
        .await
        .unwrap();
    let twice = store
        .assign_printer(&at(4 * MIN), floor1, AssigneeKind::Group, "staff")
        .await
        .unwrap_err();
    assert!(
        matches!(&twice, Error::Conflict(m) if m.contains("already")),
        "{twice:?}"
    );
    let unknown = store
        .assign_printer(&at(4 * MIN), floor1, AssigneeKind::User, "nobody")
        .await
        .unwrap_err();
    assert!(matches!(&unknown, Error::Invalid(_)), "{unknown:?}");

    // The printer's page lists both; the list counts them.
    let detail = store.get_resource(&PRINTERS, floor1, None).await.unwrap();
    assert_eq!(detail.dependents[0][0].id, ana.0);
    assert_eq!(detail.dependents[0][0].cells[0], "ana");
    assert_eq!(detail.dependents[1][0].cells[0], "Staff");
    assert_eq!(detail.record.counts, [1, 1]);
    let refused = store
        .delete_resources(&at(5 * MIN), &PRINTERS, &[floor1])
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::Conflict(m) if m.contains("\"ana\"")),
        "{refused:?}"
    );

    // The user's assignment ends with the user and comes back with them.
    store.delete_user(&at(6 * MIN), ana).await.unwrap();
    assert_eq!(
        store.printer_assignments(floor1).await.unwrap().len(),
        1,
        "only the group's is left"
    );
    store.recover_user(&at(7 * MIN), ana).await.unwrap();
    assert_eq!(printers_of(&store, ana).await, ["floor1 on print01"]);
    // Group assignments are not part of a member's own state.
    assert_eq!(store.current_state(ana).await.unwrap().printers.len(), 1);
}

#[tokio::test]
async fn renaming_a_printer_gives_its_users_a_snapshot_with_the_new_name() {
    let store = store().await;
    snapshot_settings(&store, 0, 100, true).await;
    let f = fixture(&store).await;
    let ana = store
        .create_user(&at(MIN), &user_input("ana", f.staff))
        .await
        .unwrap();
    let floor1 = printer(&store, "floor1").await;
    store
        .assign_printer(&at(2 * MIN), floor1, AssigneeKind::User, "ana")
        .await
        .unwrap();
    let before = store.list_snapshots(ana).await.unwrap().len();
    store
        .update_resource(
            &at(3 * MIN),
            &PRINTERS,
            floor1,
            &values(&["first-floor", "", "print01", "LaserJet", "false"]),
        )
        .await
        .unwrap();
    let snapshots = store.list_snapshots(ana).await.unwrap();
    assert_eq!(snapshots.len(), before + 1);
    let newest = store.get_snapshot(snapshots[0].id).await.unwrap();
    assert_eq!(newest.state.printers[0].name, "first-floor");
}
