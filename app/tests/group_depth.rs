//! The group tree's depth bound (model::MAX_GROUP_DEPTH): creates, moves, recoveries and CSV
//! imports that would go deeper are refused by name and change nothing; a tree loaded deeper
//! from elsewhere is still read without unbounded recursion.
#![cfg(feature = "ssr")]
mod common;

use app::model::*;
use app::store::{Error, ImportRequest, Store};
use common::*;

/// A chain of `n` groups, each under the one before; returns them root first.
async fn chain(store: &Store, prefix: &str, n: i64, under: Option<GroupId>) -> Vec<GroupId> {
    let mut ids = Vec::new();
    let mut parent = under;
    for i in 0..n {
        let id = store
            .create_group(&at(SEC), &group_input(&format!("{prefix}{i}"), parent))
            .await
            .unwrap_or_else(|e| panic!("level {}: {e:?}", i + 1));
        ids.push(id);
        parent = Some(id);
    }
    ids
}

fn depth_message(error: &Error) -> String {
    match error {
        Error::Invalid(fields) if fields[0].field == "parent" => fields[0].message.clone(),
        other => panic!("expected a depth error, got {other:?}"),
    }
}

async fn group_count(store: &Store) -> usize {
    store.list_groups(None).await.unwrap().len()
}

#[tokio::test]
async fn a_group_below_the_deepest_level_is_refused_by_name_and_nothing_is_created() {
    let store = store().await;
    let ids = chain(&store, "level", MAX_GROUP_DEPTH, None).await;
    let before = group_count(&store).await;
    let error = store
        .create_group(&at(2 * SEC), &group_input("too-deep", ids.last().copied()))
        .await
        .unwrap_err();
    let message = depth_message(&error);
    assert!(message.contains("\"too-deep\""), "{message}");
    assert!(
        message.contains(&format!("level {}", MAX_GROUP_DEPTH + 1)),
        "{message}"
    );
    assert_eq!(group_count(&store).await, before);
}

#[tokio::test]
async fn moving_a_subtree_under_a_deep_group_counts_the_levels_below_it() {
    let store = store().await;
    let deep = chain(&store, "deep", MAX_GROUP_DEPTH - 2, None).await;
    let branch = chain(&store, "branch", 3, None).await;
    // Three levels under level 30 would reach 33; two would reach 32.
    let root = store.get_group(branch[0], None).await.unwrap();
    let moved = GroupInput {
        parent: deep.last().copied(),
        ..root.input.clone()
    };
    let error = store
        .update_group(&at(2 * SEC), branch[0], &moved)
        .await
        .unwrap_err();
    let message = depth_message(&error);
    assert!(message.contains("the 2 levels below it"), "{message}");
    assert_eq!(
        store.get_group(branch[0], None).await.unwrap().input.parent,
        None
    );

    let middle = store.get_group(branch[1], None).await.unwrap();
    store
        .update_group(
            &at(3 * SEC),
            branch[1],
            &GroupInput {
                parent: deep.last().copied(),
                ..middle.input.clone()
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_csv_import_of_a_chain_deeper_than_the_bound_is_refused_whole() {
    let store = store().await;
    let mut csv = String::from("name,parent\n");
    for i in 0..(MAX_GROUP_DEPTH + 5) {
        let parent = if i == 0 {
            String::new()
        } else {
            format!("g{}", i - 1)
        };
        csv.push_str(&format!("g{i},{parent}\n"));
    }
    let error = store
        .import_csv(
            &at(SEC),
            &ImportRequest {
                kind: ImportKind::Groups,
                file: csv.into_bytes(),
                mapping: None,
                apply: true,
            },
        )
        .await
        .unwrap_err();
    let Error::Invalid(fields) = &error else {
        panic!("{error:?}");
    };
    let deepest = format!("line {}", MAX_GROUP_DEPTH + 2);
    let row = fields
        .iter()
        .find(|f| f.field == deepest)
        .expect("the first row too deep");
    assert!(
        row.message.contains("at most 32 levels deep"),
        "{}",
        row.message
    );
    assert_eq!(group_count(&store).await, 0, "all or nothing");
}

/// `n` root groups re-linked into a chain by SQL, bypassing the store's checks, as a
/// hand-made backup could bring them; `cycle` also puts the first under the last.
async fn damaged_chain(store: &Store, prefix: &str, n: i64, cycle: bool) -> Vec<GroupId> {
    let ids = {
        let mut ids = Vec::new();
        for i in 0..n {
            let input = group_input(&format!("{prefix}{i}"), None);
            ids.push(store.create_group(&at(SEC), &input).await.unwrap());
        }
        ids
    };
    let mut links: Vec<(GroupId, GroupId)> = ids.windows(2).map(|w| (w[1], w[0])).collect();
    if cycle {
        links.push((ids[0], *ids.last().unwrap()));
    }
    for (child, parent) in links {
        sqlx::query("UPDATE groups SET parent_id = $1 WHERE object_id = $2 AND valid_to IS NULL")
            .bind(parent.0)
            .bind(child.0)
            .execute(store.pool())
            .await
            .unwrap();
    }
    ids
}

#[tokio::test]
async fn a_tree_deeper_than_the_bound_loaded_from_elsewhere_is_read_bounded_with_every_group() {
    let store = store().await;
    let deep = damaged_chain(&store, "d", 3 * MAX_GROUP_DEPTH, false).await;
    let cycle = damaged_chain(&store, "c", 3, true).await;
    let tree = store.group_tree(None).await.unwrap();
    fn walk(nodes: &[GroupNode], level: i64, seen: &mut Vec<GroupId>, deepest: &mut i64) {
        for node in nodes {
            seen.push(node.id);
            *deepest = (*deepest).max(level);
            walk(&node.children, level + 1, seen, deepest);
        }
    }
    let (mut seen, mut deepest) = (Vec::new(), 0);
    walk(&tree, 1, &mut seen, &mut deepest);
    assert_eq!(deepest, MAX_GROUP_DEPTH);
    let mut expected: Vec<GroupId> = deep.iter().chain(&cycle).copied().collect();
    expected.sort();
    seen.sort();
    assert_eq!(seen, expected, "every group appears exactly once");

    // Writes measure such a tree without looping: nothing more goes below it.
    let error = store
        .create_group(&at(2 * SEC), &group_input("more", deep.last().copied()))
        .await
        .unwrap_err();
    depth_message(&error);
    let error = store
        .create_group(&at(2 * SEC), &group_input("in-cycle", Some(cycle[1])))
        .await
        .unwrap_err();
    depth_message(&error);
}
