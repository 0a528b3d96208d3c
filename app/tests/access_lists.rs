//! Access lists beyond printers: an application entry's authorizations (users, groups and
//! roles, Execute or Manage) and a network's access control (a level per host-name mask),
//! checked, listed, ended, and ended and revived with the user they name.
#![cfg(feature = "ssr")]
mod common;

use app::model::kinds::{APPLICATIONS, NETWORKS};
use app::model::*;
use app::store::{Error, Store};
use common::*;

fn values(values: &[&str]) -> ResourceInput {
    ResourceInput {
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

fn input(assignee: AssigneeKind, name: &str, level: &str, mask: &str) -> AccessInput {
    AccessInput {
        assignee: Some(assignee),
        name: name.into(),
        level: level.into(),
        mask: mask.into(),
    }
}

async fn webmail(store: &Store) -> i64 {
    store
        .create_resource(
            &at(SEC),
            &APPLICATIONS,
            &values(&["Webmail", "", "false", "", "", "", "", "", "false", "false"]),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn an_application_entry_authorizes_users_groups_and_roles_at_a_level() {
    let store = store().await;
    let f = fixture(&store).await;
    let ana = store
        .create_user(&at(SEC), &user_input("ana", f.staff))
        .await
        .unwrap();
    let entry = webmail(&store).await;
    store
        .grant_access(
            &at(2 * SEC),
            &APPLICATIONS,
            entry,
            &input(AssigneeKind::User, "ana", "execute", ""),
        )
        .await
        .unwrap();
    store
        .grant_access(
            &at(3 * SEC),
            &APPLICATIONS,
            entry,
            &input(AssigneeKind::Group, "Sales", "Manage", ""),
        )
        .await
        .unwrap();
    store
        .grant_access(
            &at(4 * SEC),
            &APPLICATIONS,
            entry,
            &input(AssigneeKind::Role, "Reader@AD", "Execute", ""),
        )
        .await
        .unwrap();
    let titles: Vec<String> = store
        .access_entries(&APPLICATIONS, entry)
        .await
        .unwrap()
        .iter()
        .map(AccessEntry::title)
        .collect();
    assert_eq!(
        titles,
        [
            "User ana (Execute)",
            "Role Reader (Execute)",
            "Group Sales (Manage)"
        ]
    );
    // The page lists them as its dependents.
    let detail = store
        .get_resource(&APPLICATIONS, entry, None)
        .await
        .unwrap();
    let who: Vec<&str> = detail.dependents[1]
        .iter()
        .map(|r| r.cells[0].as_str())
        .collect();
    assert!(
        who.contains(&"User ana") && who.contains(&"Role Reader"),
        "{who:?}"
    );

    let level = store
        .grant_access(
            &at(5 * SEC),
            &APPLICATIONS,
            entry,
            &input(AssigneeKind::Group, "Staff", "Own", ""),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&level, Error::Invalid(p) if p[0].field == "level"),
        "{level:?}"
    );
    let twice = store
        .grant_access(
            &at(5 * SEC),
            &APPLICATIONS,
            entry,
            &input(AssigneeKind::User, "ANA", "Manage", ""),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&twice, Error::Conflict(m) if m.contains("user ana")),
        "{twice:?}"
    );

    // Deleting the user ends their authorization; recovering them brings it back.
    store.delete_user(&at(6 * SEC), ana).await.unwrap();
    assert_eq!(
        store
            .access_entries(&APPLICATIONS, entry)
            .await
            .unwrap()
            .len(),
        2
    );
    store.recover_user(&at(7 * SEC), ana).await.unwrap();
    assert_eq!(
        store
            .access_entries(&APPLICATIONS, entry)
            .await
            .unwrap()
            .len(),
        3
    );

    // Deleting the role ends its authorization too; the others stay.
    store.delete_role(&at(8 * SEC), f.reader).await.unwrap();
    let titles: Vec<String> = store
        .access_entries(&APPLICATIONS, entry)
        .await
        .unwrap()
        .iter()
        .map(AccessEntry::title)
        .collect();
    assert_eq!(titles, ["User ana (Execute)", "Group Sales (Manage)"]);
}

#[tokio::test]
async fn a_network_gives_levels_per_host_name_mask_and_an_entry_ends() {
    let store = store().await;
    let f = fixture(&store).await;
    store
        .create_user(&at(SEC), &user_input("ana", f.staff))
        .await
        .unwrap();
    let lan = store
        .create_resource(
            &at(SEC),
            &NETWORKS,
            &values(&["lan", "", "10.1.0.0", "16", "true", "false", "", "false"]),
        )
        .await
        .unwrap();
    let all = store
        .grant_access(
            &at(2 * SEC),
            &NETWORKS,
            lan,
            &input(AssigneeKind::User, "ana", "Query", ""),
        )
        .await
        .unwrap();
    // The same user again, for other hosts: another entry.
    store
        .grant_access(
            &at(3 * SEC),
            &NETWORKS,
            lan,
            &input(AssigneeKind::User, "ana", "administration", "PC-*"),
        )
        .await
        .unwrap();
    let bad_mask = store
        .grant_access(
            &at(4 * SEC),
            &NETWORKS,
            lan,
            &input(AssigneeKind::User, "ana", "Query", "pc 1"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&bad_mask, Error::Invalid(p) if p[0].field == "mask"),
        "{bad_mask:?}"
    );
    let nobody = store
        .grant_access(
            &at(4 * SEC),
            &NETWORKS,
            lan,
            &input(AssigneeKind::Role, "Nope", "Query", ""),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&nobody, Error::Invalid(p) if p[0].field == "name"),
        "{nobody:?}"
    );
    let titles: Vec<String> = store
        .access_entries(&NETWORKS, lan)
        .await
        .unwrap()
        .iter()
        .map(AccessEntry::title)
        .collect();
    assert_eq!(titles.len(), 2);
    assert!(
        titles.contains(&"User ana (Administration, pc-*)".to_string()),
        "{titles:?}"
    );
    store
        .revoke_access(&at(5 * SEC), &NETWORKS, all)
        .await
        .unwrap();
    assert_eq!(store.access_entries(&NETWORKS, lan).await.unwrap().len(), 1);
    let gone = store
        .revoke_access(&at(6 * SEC), &NETWORKS, all)
        .await
        .unwrap_err();
    assert!(matches!(gone, Error::NotFound(_)));
}
