//! A group rename patches its members' open snapshots a chunk at a time instead of reading
//! each member's state again: the snapshots it leaves must be exactly those a full read
//! gives, with capture's rules (in place within the delay, a new one after it, keep-N).
#![cfg(feature = "ssr")]
mod common;

use app::model::*;
use app::store::Store;
use common::*;

/// More members than one statement reads (400), so the rename works through two chunks.
const MEMBERS: usize = 410;

/// Every snapshot of `user`, newest first, with its state.
async fn snapshots(store: &Store, user: UserId) -> Vec<Snapshot> {
    let mut out = Vec::new();
    for summary in store.list_snapshots(user).await.unwrap() {
        out.push(store.get_snapshot(summary.id).await.unwrap());
    }
    out
}

async fn assert_open_snapshot_is_the_full_state(store: &Store, user: UserId) {
    let newest = snapshots(store, user).await.remove(0);
    assert_eq!(newest.valid_until, None, "user {}", user.0);
    assert_eq!(
        newest.state,
        store.current_state(user).await.unwrap(),
        "user {}",
        user.0
    );
}

/// `MEMBERS` users imported at T0 whose primary group is `group_name`.
async fn import_members(store: &Store, group_name: &str) -> Vec<UserId> {
    let mut csv = String::from("User name,First name,Last name,Primary group,Enabled\n");
    for i in 0..MEMBERS {
        csv.push_str(&format!("member{i},Member,Number {i},{group_name},yes\n"));
    }
    let outcome = store
        .import_csv(&at(0), &import_request(ImportKind::Users, csv, true))
        .await
        .unwrap();
    assert_eq!(outcome.created, MEMBERS as i64);
    let page = store
        .list_users(&UserListQuery {
            search: "member".into(),
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), MEMBERS);
    page.items.into_iter().map(|u| u.id).collect()
}

#[tokio::test]
async fn a_group_rename_leaves_each_members_open_snapshot_equal_to_the_state_read_in_full() {
    let store = store().await;
    let f = fixture(&store).await;
    snapshot_settings(&store, 3600, 3, true).await;
    let alpha = store
        .create_group(&at(0), &group_input("Alpha", Some(f.staff)))
        .await
        .unwrap();
    let members = import_members(&store, "Alpha").await;
    // Secondary memberships: "Alpha" sorts before "Mid", its new name "Zulu" after it.
    let mid = store
        .create_group(&at(0), &group_input("Mid", None))
        .await
        .unwrap();
    let (plain, recent, full) = (members[0], members[1], members[2]);
    join_group(&store, &at(10 * SEC), plain, mid).await;
    let secondary = store
        .create_user(&at(0), &user_input("secondary", f.staff))
        .await
        .unwrap();
    join_group(&store, &at(10 * SEC), secondary, alpha).await;
    join_group(&store, &at(10 * SEC), secondary, mid).await;
    store
        .grant_role(&at(20 * SEC), &user_grant(f.reader, secondary))
        .await
        .unwrap();
    // `recent` changed half an hour before the rename: updated in place. `full` has keep-N's
    // three snapshots already: the new one removes its oldest.
    let edit = |name: &str, email: &str| {
        let mut input = user_input(name, alpha);
        input.first_name = "Member".into();
        input.email = email.into();
        input
    };
    let full_name = store
        .get_user(full, None)
        .await
        .unwrap()
        .state
        .attributes
        .name;
    let recent_name = store
        .get_user(recent, None)
        .await
        .unwrap()
        .state
        .attributes
        .name;
    for (hours, email) in [(1, "a@example.test"), (3, "b@example.test")] {
        store
            .update_user(&at(hours * HOUR), full, &edit(&full_name, email))
            .await
            .unwrap();
    }
    store
        .update_user(
            &at(4 * HOUR + 30 * 60 * SEC),
            recent,
            &edit(&recent_name, "r@example.test"),
        )
        .await
        .unwrap();
    let recent_before = snapshots(&store, recent).await;
    let full_before = snapshots(&store, full).await;
    let plain_before = snapshots(&store, plain).await;
    assert_eq!(
        (recent_before.len(), full_before.len(), plain_before.len()),
        (2, 3, 1)
    );

    store
        .update_group(&at(5 * HOUR), alpha, &group_input("Zulu", Some(f.staff)))
        .await
        .unwrap();

    for &user in members.iter().chain([&secondary]) {
        assert_open_snapshot_is_the_full_state(&store, user).await;
    }
    let names = |s: &Snapshot| -> Vec<String> {
        s.state
            .memberships
            .iter()
            .map(|m| m.group_name.clone())
            .collect()
    };
    let secondary_now = snapshots(&store, secondary).await.remove(0);
    assert_eq!(names(&secondary_now), ["Mid", "Zulu"]);
    assert_eq!(secondary_now.state.grants.len(), 1);

    let plain_after = snapshots(&store, plain).await;
    assert_eq!(plain_after.len(), 2);
    assert_eq!(plain_after[0].state.primary_group_name, "Zulu");
    assert_eq!(plain_after[0].valid_since, time(5 * HOUR));
    assert_eq!(plain_after[1].id, plain_before[0].id);
    assert_eq!(plain_after[1].valid_until, Some(time(5 * HOUR)));
    assert_eq!(plain_after[1].state.primary_group_name, "Alpha");

    let recent_after = snapshots(&store, recent).await;
    assert_eq!(recent_after.len(), 2);
    assert_eq!(recent_after[0].id, recent_before[0].id);
    assert_eq!(recent_after[0].state.primary_group_name, "Zulu");
    assert_eq!(recent_after[1].state, recent_before[1].state);

    let full_after = snapshots(&store, full).await;
    assert_eq!(full_after.len(), 3);
    assert_eq!(full_after[0].valid_since, time(5 * HOUR));
    assert_eq!(full_after[1].id, full_before[0].id);
    assert_eq!(full_after[2].id, full_before[1].id);

    // Renaming it back within the delay updates the new snapshots in place: no third one.
    store
        .update_group(
            &at(5 * HOUR + SEC),
            alpha,
            &group_input("Alpha", Some(f.staff)),
        )
        .await
        .unwrap();
    let plain_back = snapshots(&store, plain).await;
    assert_eq!(plain_back.len(), 2);
    assert_eq!(plain_back[0].id, plain_after[0].id);
    assert_eq!(plain_back[0].state, plain_before[0].state);
}

#[tokio::test]
async fn after_the_entitlements_setting_changed_a_group_rename_reads_each_members_state_again() {
    let store = store().await;
    let f = fixture(&store).await;
    snapshot_settings(&store, 3600, 5, true).await;
    let alpha = store
        .create_group(&at(0), &group_input("Alpha", Some(f.staff)))
        .await
        .unwrap();
    let members = import_members(&store, "Alpha").await;
    store
        .grant_role(&at(SEC), &user_grant(f.reader, members[0]))
        .await
        .unwrap();
    let with_grants = snapshots(&store, members[0]).await.remove(0);
    assert!(with_grants.state.grants_captured);
    assert_eq!(with_grants.state.grants.len(), 1);
    // The open snapshots were taken with grants; from now on states leave them out, so a
    // patched snapshot would keep a grant the state no longer shows.
    snapshot_settings(&store, 3600, 5, false).await;
    store
        .update_group(&at(2 * HOUR), alpha, &group_input("Zulu", Some(f.staff)))
        .await
        .unwrap();
    for &user in &members {
        assert_open_snapshot_is_the_full_state(&store, user).await;
    }
    let now = snapshots(&store, members[0]).await.remove(0);
    assert!(!now.state.grants_captured);
    assert!(now.state.grants.is_empty());
    assert_eq!(now.state.primary_group_name, "Zulu");
}
