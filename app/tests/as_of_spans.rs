//! Past group trees and users lists are found by the length class of each closed version
//! (migrations 0077, 0078): versions of every length, from none at all to years, must each be
//! read exactly at the instants they began and ended, and one microsecond either side.
#![cfg(feature = "ssr")]
mod common;

use app::model::*;
use common::*;
use std::collections::BTreeMap;

/// Lengths on both sides of every class boundary (decimal length, leading digit 1 / 2-4 /
/// 5-9), from nothing to ten years.
const LENGTHS: [i64; 22] = [
    0,
    1,
    2,
    4,
    5,
    9,
    10,
    19,
    20,
    49,
    50,
    99,
    1_999,
    2_000,
    4_999_999,
    5_000_000,
    999_999_999,
    1_999_999_999_999,
    20_000_000_000_000,
    49_999_999_999_999,
    99_999_999_999_999,
    315_360_000_000_000,
];

/// The group tree, the number of users and of users named `user1…` after an instant.
type Remembered = (Vec<GroupNode>, i64, i64);

enum Event {
    Create(usize),
    Rename(usize, u32),
    Delete(usize),
    Recover(usize),
}

#[tokio::test]
async fn past_group_trees_and_user_counts_are_exact_for_versions_of_every_length() {
    let store = store().await;
    let root = store
        .create_group(&at(0), &group_input("Root", None))
        .await
        .unwrap();
    // Group k lives LENGTHS[k] in its first name, then is renamed; every third one is then
    // deleted after the next length and recovered after the one after.
    let mut events: Vec<(i64, usize, Event)> = Vec::new();
    for (k, &length) in LENGTHS.iter().enumerate() {
        let start = SEC + k as i64 * 7;
        events.push((start, k, Event::Create(k)));
        events.push((start + length, k, Event::Rename(k, 1)));
        if k % 3 == 0 {
            let next = LENGTHS[(k + 1) % LENGTHS.len()];
            let after = LENGTHS[(k + 2) % LENGTHS.len()];
            events.push((start + length + next, k, Event::Delete(k)));
            events.push((start + length + next + after, k, Event::Recover(k)));
        }
    }
    // In time order; a rename at the instant of the creation comes after it.
    events.sort_by_key(|(t, k, e)| {
        let order = match e {
            Event::Create(_) => 0,
            Event::Rename(..) => 1,
            Event::Delete(_) => 2,
            Event::Recover(_) => 3,
        };
        (*t, order, *k)
    });
    // Group k's events happen to user k as well (an edit for a rename).
    let mut ids: BTreeMap<usize, GroupId> = BTreeMap::new();
    let mut users: BTreeMap<usize, UserId> = BTreeMap::new();
    let mut remembered: Vec<(i64, Remembered)> = Vec::new();
    for (t, _, event) in &events {
        let author = at(*t);
        match event {
            Event::Create(k) => {
                let id = store
                    .create_group(&author, &group_input(&format!("G{k} v0"), Some(root)))
                    .await
                    .unwrap();
                ids.insert(*k, id);
                let user = store
                    .create_user(&author, &user_input(&format!("user{k}"), root))
                    .await
                    .unwrap();
                users.insert(*k, user);
            }
            Event::Rename(k, v) => {
                store
                    .update_group(
                        &author,
                        ids[k],
                        &group_input(&format!("G{k} v{v}"), Some(root)),
                    )
                    .await
                    .unwrap();
                let mut input = user_input(&format!("user{k}"), root);
                input.email = format!("user{k}.v{v}@example.test");
                store.update_user(&author, users[k], &input).await.unwrap();
            }
            Event::Delete(k) => {
                store.delete_group(&author, ids[k]).await.unwrap();
                store.delete_user(&author, users[k]).await.unwrap();
            }
            Event::Recover(k) => {
                store.recover_group(&author, ids[k]).await.unwrap();
                store.recover_user(&author, users[k]).await.unwrap();
            }
        }
        let state = (
            store.group_tree(None).await.unwrap(),
            user_count(&store, None, "").await,
            user_count(&store, None, "user1").await,
        );
        match remembered.last_mut() {
            Some((last, remembered)) if *last == *t => *remembered = state,
            _ => remembered.push((*t, state)),
        }
    }
    let mut probes: Vec<i64> = Vec::new();
    for (t, _) in &remembered {
        probes.extend([t - 1, *t, t + 1]);
    }
    probes.push(remembered.last().unwrap().0 + 400_000_000_000_000);
    let mut checked = 0;
    for probe in probes {
        let Some((_, expected)) = remembered.iter().rev().find(|(t, _)| *t <= probe) else {
            continue;
        };
        let (tree, users, searched) = expected;
        let got = store.group_tree(Some(time(probe))).await.unwrap();
        assert_eq!(&got, tree, "the tree at T0 + {probe} µs");
        let at = Some(time(probe));
        assert_eq!(
            user_count(&store, at, "").await,
            *users,
            "users at T0 + {probe} µs"
        );
        assert_eq!(
            user_count(&store, at, "user1").await,
            *searched,
            "users named user1* at T0 + {probe} µs"
        );
        checked += 1;
    }
    assert!(
        checked > 3 * LENGTHS.len(),
        "only {checked} instants checked"
    );
}

/// The users list's total at `as_of`, with a quick search.
async fn user_count(
    store: &app::store::Store,
    as_of: Option<chrono::DateTime<chrono::Utc>>,
    search: &str,
) -> i64 {
    store
        .list_users(&UserListQuery {
            as_of,
            search: search.into(),
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .total
}
