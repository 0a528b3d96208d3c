//! The application access tree: entries under folders only, moves that would make a loop
//! refused by name, and the whole tree read as of any instant.
#![cfg(feature = "ssr")]
mod common;

use app::model::kinds::APPLICATIONS;
use app::model::*;
use app::store::{Error, Store};
use common::*;

/// An entry: name, folder or not, parent folder name ("" for the top), menu type.
fn entry(name: &str, folder: bool, parent: &str, menu_type: &str) -> ResourceInput {
    let folder = folder.to_string();
    ResourceInput {
        values: [
            name, "", &folder, parent, "", "", "", menu_type, "false", "false",
        ]
        .map(String::from)
        .to_vec(),
    }
}

async fn create(store: &Store, t: i64, input: ResourceInput) -> i64 {
    store
        .create_resource(&at(t), &APPLICATIONS, &input)
        .await
        .unwrap()
}

/// (name, depth) of every item, depth first.
fn flatten(items: &[TreeItem], depth: usize, out: &mut Vec<(String, usize)>) {
    for item in items {
        out.push((item.name.clone(), depth));
        flatten(&item.children, depth + 1, out);
    }
}

async fn tree(store: &Store, t: Option<i64>) -> Vec<(String, usize)> {
    let items = store
        .resource_tree(&APPLICATIONS, t.map(time))
        .await
        .unwrap();
    let mut out = Vec::new();
    flatten(&items, 0, &mut out);
    out
}

#[tokio::test]
async fn a_move_that_would_put_a_folder_inside_itself_is_refused_naming_the_loop() {
    let store = store().await;
    let a = create(&store, SEC, entry("A", true, "", "List")).await;
    create(&store, 2 * SEC, entry("B", true, "A", "List")).await;
    create(&store, 3 * SEC, entry("C", true, "B", "List")).await;
    let refused = store
        .update_resource(
            &at(4 * SEC),
            &APPLICATIONS,
            a,
            &entry("A", true, "C", "List"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::Conflict(m) if m.contains("A › B › C")),
        "{refused:?}"
    );
    let own = store
        .update_resource(
            &at(5 * SEC),
            &APPLICATIONS,
            a,
            &entry("A", true, "a", "List"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&own, Error::Invalid(p) if p[0].field == "parent"),
        "{own:?}"
    );
    assert_eq!(
        tree(&store, None).await,
        [("A".into(), 0), ("B".into(), 1), ("C".into(), 2)]
    );
}

#[tokio::test]
async fn entries_go_under_folders_only_and_a_folder_that_holds_entries_stays_one() {
    let store = store().await;
    let office = create(&store, SEC, entry("Office", true, "", "Icons")).await;
    create(&store, 2 * SEC, entry("Webmail", false, "Office", "")).await;
    let under_app = store
        .create_resource(
            &at(3 * SEC),
            &APPLICATIONS,
            &entry("Inbox", false, "Webmail", ""),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&under_app, Error::Invalid(p) if p[0].field == "parent"),
        "{under_app:?}"
    );
    let unfolded = store
        .update_resource(
            &at(4 * SEC),
            &APPLICATIONS,
            office,
            &entry("Office", false, "", "Icons"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&unfolded, Error::Conflict(m) if m.contains("\"Webmail\"")),
        "{unfolded:?}"
    );
    // Menu types are kept as declared, whatever the case given; others are refused.
    let id = create(&store, 5 * SEC, entry("Tools", true, "", "tree")).await;
    let values = store
        .get_resource(&APPLICATIONS, id, None)
        .await
        .unwrap()
        .record
        .values;
    assert_eq!(values[7], "Tree");
    let grid = store
        .create_resource(&at(6 * SEC), &APPLICATIONS, &entry("X", true, "", "Grid"))
        .await
        .unwrap_err();
    assert!(
        matches!(&grid, Error::Invalid(p) if p[0].field == "menuType"),
        "{grid:?}"
    );
}

#[tokio::test]
async fn the_tree_as_of_an_instant_shows_each_entry_where_it_was_then() {
    let store = store().await;
    create(&store, SEC, entry("Office", true, "", "List")).await;
    create(&store, 2 * SEC, entry("Finance", true, "", "List")).await;
    let crm = create(&store, 3 * SEC, entry("CRM", false, "Finance", "")).await;
    let old = create(&store, 4 * SEC, entry("Old tool", false, "Office", "")).await;
    store
        .update_resource(
            &at(10 * SEC),
            &APPLICATIONS,
            crm,
            &entry("CRM", false, "Office", ""),
        )
        .await
        .unwrap();
    store
        .delete_resources(&at(11 * SEC), &APPLICATIONS, &[old])
        .await
        .unwrap();
    assert_eq!(
        tree(&store, Some(5 * SEC)).await,
        [
            ("Finance".into(), 0),
            ("CRM".into(), 1),
            ("Office".into(), 0),
            ("Old tool".into(), 1)
        ]
    );
    assert_eq!(
        tree(&store, None).await,
        [
            ("Finance".into(), 0),
            ("Office".into(), 0),
            ("CRM".into(), 1)
        ]
    );
    // Before anything existed, the tree is empty.
    assert!(tree(&store, Some(0)).await.is_empty());
}
