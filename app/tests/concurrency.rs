//! Many writers at once, on either backend: every write waits its turn and succeeds (SQLite
//! takes the write lock up front), and every live user's open snapshot is the current state
//! afterwards (PostgreSQL captures of the same user run one after the other).
#![cfg(feature = "ssr")]
mod common;

use app::model::*;
use app::store::Store;
use common::*;
use std::sync::Arc;

/// Every live user's newest snapshot is open and equals the state read from the tables.
async fn assert_open_snapshots_are_current(store: &Store) {
    let page = store
        .list_users(&UserListQuery {
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!page.items.is_empty());
    for user in &page.items {
        let snapshots = store.list_snapshots(user.id).await.unwrap();
        assert_eq!(snapshots[0].valid_until, None, "{}", user.name);
        let newest = store.get_snapshot(snapshots[0].id).await.unwrap();
        assert_eq!(
            newest.state,
            store.current_state(user.id).await.unwrap(),
            "open snapshot of {}",
            user.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_changes_to_overlapping_users_all_succeed_and_leave_open_snapshots_current() {
    let store = Arc::new(store().await);
    let f = fixture(&store).await;
    snapshot_settings(&store, 3600, 5, true).await;
    let mut users = Vec::new();
    for i in 0..4 {
        let input = user_input(&format!("user{i}"), f.staff);
        users.push((store.create_user(&at(SEC), &input).await.unwrap(), input));
    }
    let groups = [f.staff, f.sales];
    let roles = [f.reader, f.writer];
    let mut tasks = Vec::new();
    for task in 0..8usize {
        let store = store.clone();
        let users = users.clone();
        tasks.push(tokio::spawn(async move {
            for step in 0..6usize {
                // Overlapping: every task touches every user over its steps.
                let (user, input) = &users[(task + step) % users.len()];
                let author = app::store::Author::named(&format!("task{task}"));
                match (task + step) % 3 {
                    0 => {
                        let changed = UserInput {
                            comments: format!("task {task} step {step}"),
                            ..input.clone()
                        };
                        store.update_user(&author, *user, &changed).await.unwrap();
                    }
                    1 => {
                        let group = groups[step % 2];
                        let added = store
                            .add_membership(
                                &author,
                                &MembershipInput {
                                    user: *user,
                                    group,
                                    comments: format!("task {task}"),
                                    ..Default::default()
                                },
                            )
                            .await;
                        match added {
                            Ok(id) => store.remove_membership(&author, id).await.unwrap(),
                            // Another task holds the same membership at this moment.
                            Err(app::store::Error::Conflict(message)) => {
                                assert!(message.contains("already a member"), "{message}")
                            }
                            Err(e) => panic!("membership: {e:?}"),
                        }
                    }
                    _ => {
                        let grant = store
                            .grant_role(
                                &author,
                                &GrantInput {
                                    role: roles[step % 2],
                                    grantee: Grantee::User(*user),
                                    scope: format!("task{task}-{step}"),
                                    start_date: None,
                                    end_date: None,
                                },
                            )
                            .await
                            .unwrap();
                        if step % 2 == 0 {
                            store.revoke_grant(&author, grant).await.unwrap();
                        }
                    }
                }
            }
        }));
    }
    // A CSV import runs among them: one long write transaction.
    let importer = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut csv = String::from("userName,firstName,lastName,primaryGroup\n");
            for i in 0..300 {
                csv.push_str(&format!("imported{i},First,Last,Staff\n"));
            }
            let outcome = store
                .import_csv(&at(2 * SEC), &import_request(ImportKind::Users, csv, true))
                .await
                .unwrap();
            assert!(outcome.applied, "{outcome:?}");
        })
    };
    for task in tasks {
        task.await.expect("every write succeeds");
    }
    importer.await.expect("the import succeeds");
    assert_open_snapshots_are_current(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_opposite_group_moves_never_make_a_cycle() {
    let store = Arc::new(store().await);
    for round in 0..10 {
        let a = store
            .create_group(&at(SEC), &group_input(&format!("a{round}"), None))
            .await
            .unwrap();
        let b = store
            .create_group(&at(SEC), &group_input(&format!("b{round}"), None))
            .await
            .unwrap();
        let mover = |child: GroupId, parent: GroupId| {
            let store = store.clone();
            tokio::spawn(async move {
                let group = store.get_group(child, None).await.unwrap();
                let input = GroupInput {
                    parent: Some(parent),
                    ..group.input
                };
                store
                    .update_group(&at(2 * SEC), child, &input)
                    .await
                    .is_ok()
            })
        };
        let (one, two) = (mover(a, b), mover(b, a));
        let moved = [one.await.unwrap(), two.await.unwrap()];
        assert_eq!(moved.iter().filter(|m| **m).count(), 1, "round {round}");
        let a_parent = store.get_group(a, None).await.unwrap().input.parent;
        let b_parent = store.get_group(b, None).await.unwrap().input.parent;
        assert!(
            !(a_parent == Some(b) && b_parent == Some(a)),
            "round {round}: a cycle"
        );
    }
}
