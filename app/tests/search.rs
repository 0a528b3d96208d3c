//! Finding objects by name: group paths for the pickers and the console's search box.
#![cfg(feature = "ssr")]
mod common;

use app::model::*;
use common::*;

#[tokio::test]
async fn find_groups_matches_any_case_and_names_the_whole_path() {
    let store = store().await;
    let f = fixture(&store).await;
    let emea = store
        .create_group(&at(SEC), &group_input("EMEA sales", Some(f.sales)))
        .await
        .unwrap();
    let found = store.find_groups("SALES", 20).await.unwrap();
    assert_eq!(found.total, 2);
    assert_eq!(
        found.items,
        vec![
            GroupChoice {
                id: emea,
                path: "Staff › Sales › EMEA sales".into()
            },
            GroupChoice {
                id: f.sales,
                path: "Staff › Sales".into()
            },
        ]
    );
    // The limit cuts the list, not the count.
    let first = store.find_groups("sales", 1).await.unwrap();
    assert_eq!((first.items.len(), first.total), (1, 2));
    // LIKE wildcards in the text are plain characters.
    assert_eq!(store.find_groups("%", 20).await.unwrap().total, 0);
}

#[tokio::test]
async fn find_groups_leaves_out_deleted_groups_and_follows_a_move() {
    let store = store().await;
    let f = fixture(&store).await;
    let ops = store
        .create_group(&at(SEC), &group_input("Ops", None))
        .await
        .unwrap();
    let mut moved = store.get_group(f.sales, None).await.unwrap().input;
    moved.parent = Some(ops);
    store
        .update_group(&at(2 * SEC), f.sales, &moved)
        .await
        .unwrap();
    let paths = store.group_paths(&[f.sales, f.staff]).await.unwrap();
    assert_eq!(paths[0].path, "Ops › Sales");
    assert_eq!(paths[1].path, "Staff");
    store.delete_group(&at(3 * SEC), f.staff).await.unwrap();
    assert_eq!(store.find_groups("staff", 20).await.unwrap().total, 0);
    assert_eq!(store.group_paths(&[f.staff]).await.unwrap(), vec![]);
}

#[tokio::test]
async fn search_everything_finds_each_kind_and_counts_beyond_the_limit() {
    let store = store().await;
    let f = fixture(&store).await;
    for (i, name) in ["reada", "readb", "readc"].iter().enumerate() {
        store
            .create_user(&at(SEC * (i as i64 + 1)), &user_input(name, f.staff))
            .await
            .unwrap();
    }
    store
        .create_group(&at(10 * SEC), &group_input("Readers", Some(f.staff)))
        .await
        .unwrap();
    let found = store.search_everything("  READ ", 2).await.unwrap();
    assert_eq!(found.users.total, 3);
    assert_eq!(found.users.items.len(), 2);
    assert_eq!(found.groups.items[0].path, "Staff › Readers");
    assert_eq!(
        found
            .roles
            .items
            .iter()
            .map(|r| r.input.name.as_str())
            .collect::<Vec<_>>(),
        vec!["Reader"]
    );
    assert_eq!(found.accounts.total, 0);
    let nothing = store.search_everything("zzz-none", 8).await.unwrap();
    assert_eq!(
        nothing.users.total + nothing.groups.total + nothing.roles.total + nothing.accounts.total,
        0
    );
}
