//! The versioned identity store: uniqueness, tree rules, delete/recover, as-of reads, history.
#![cfg(feature = "ssr")]
mod common;

use app::model::*;
use app::store::{Error, MAX_LINE_CHARS};
use common::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;

#[tokio::test]
async fn user_names_are_unique_ignoring_case_among_current_users_only() {
    let store = store().await;
    let f = fixture(&store).await;
    let alice = store
        .create_user(&at(SEC), &user_input("Alice", f.staff))
        .await
        .unwrap();
    let err = store
        .create_user(&at(2 * SEC), &user_input("aLiCe", f.staff))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Conflict(ref m) if m.contains("already exists")),
        "{err:?}"
    );
    let bob = store
        .create_user(&at(3 * SEC), &user_input("bob", f.staff))
        .await
        .unwrap();
    let err = store
        .update_user(&at(4 * SEC), bob, &user_input("ALICE", f.staff))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    // Once Alice is deleted the name is free again; her old versions do not block it.
    store.delete_user(&at(5 * SEC), alice).await.unwrap();
    store
        .create_user(&at(6 * SEC), &user_input("alice", f.staff))
        .await
        .unwrap();
    // ...and now recovering the old Alice is a clear conflict, not a crash.
    let err = store.recover_user(&at(7 * SEC), alice).await.unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    // Group names too.
    let err = store
        .create_group(&at(8 * SEC), &group_input("STAFF", None))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
}

#[tokio::test]
async fn moving_a_group_under_its_own_descendant_is_rejected_naming_the_cycle() {
    let store = store().await;
    let a = store
        .create_group(&at(0), &group_input("A", None))
        .await
        .unwrap();
    let b = store
        .create_group(&at(SEC), &group_input("B", Some(a)))
        .await
        .unwrap();
    let c = store
        .create_group(&at(2 * SEC), &group_input("C", Some(b)))
        .await
        .unwrap();
    let err = store
        .update_group(&at(3 * SEC), a, &group_input("A", Some(c)))
        .await
        .unwrap_err();
    match err {
        Error::Invalid(fields) => {
            assert_eq!(fields[0].field, "parent");
            assert!(
                fields[0].message.contains("A → B → C → A"),
                "{}",
                fields[0].message
            );
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    let err = store
        .update_group(&at(4 * SEC), a, &group_input("A", Some(a)))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    // A legal move still works, and the old tree stays readable.
    store
        .update_group(&at(5 * SEC), c, &group_input("C", Some(a)))
        .await
        .unwrap();
    let before = store.group_tree(Some(time(4 * SEC))).await.unwrap();
    assert_eq!(before[0].children[0].children[0].name, "C");
    let after = store.group_tree(None).await.unwrap();
    let names: Vec<_> = after[0].children.iter().map(|n| n.name.clone()).collect();
    assert_eq!(names, ["B", "C"]);
}

#[tokio::test]
async fn a_group_external_id_is_versioned_and_an_over_long_one_is_refused_changing_nothing() {
    let store = store().await;
    let group = store
        .create_group(
            &at(SEC),
            &GroupInput {
                external_id: "8d9f0a".into(),
                ..group_input("Sales", None)
            },
        )
        .await
        .unwrap();
    let mut input = store.get_group(group, None).await.unwrap().input;
    input.external_id = "  5b2c17  ".into();
    store
        .update_group(&at(2 * SEC), group, &input)
        .await
        .unwrap();
    let external_id = |as_of: Option<i64>| {
        let store = store.clone();
        async move {
            let group = store.get_group(group, as_of.map(time)).await.unwrap();
            (group.input.external_id, group.modified.at)
        }
    };
    assert_eq!(external_id(Some(SEC)).await, ("8d9f0a".into(), time(SEC)));
    // Stored trimmed, like the group's other one-line fields.
    assert_eq!(
        external_id(Some(2 * SEC)).await,
        ("5b2c17".into(), time(2 * SEC))
    );

    let too_long = "x".repeat(MAX_LINE_CHARS + 1);
    let refused = |err: Error| match err {
        Error::Invalid(fields) => {
            assert_eq!(fields.len(), 1, "{fields:?}");
            assert_eq!(fields[0].field, "external_id");
            assert_eq!(
                fields[0].message,
                format!(
                    "Use at most {MAX_LINE_CHARS} characters (this has {}).",
                    MAX_LINE_CHARS + 1
                )
            );
        }
        other => panic!("expected a validation error, got {other:?}"),
    };
    input.external_id = too_long.clone();
    refused(
        store
            .update_group(&at(3 * SEC), group, &input)
            .await
            .unwrap_err(),
    );
    let created = GroupInput {
        external_id: too_long,
        ..group_input("Support", None)
    };
    refused(
        store
            .create_group(&at(4 * SEC), &created)
            .await
            .unwrap_err(),
    );
    // No new version, and no group made.
    assert_eq!(external_id(None).await, ("5b2c17".into(), time(2 * SEC)));
    assert_eq!(external_id(Some(SEC)).await, ("8d9f0a".into(), time(SEC)));
    let names: Vec<_> = store
        .list_groups(None)
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.input.name)
        .collect();
    assert_eq!(names, ["Sales"]);
}

#[tokio::test]
async fn deleting_a_user_keeps_history_and_recovery_restores_the_last_state() {
    let store = store().await;
    let f = fixture(&store).await;
    let u = store
        .create_user(&at(SEC), &user_input("carol", f.staff))
        .await
        .unwrap();
    store
        .add_membership(
            &at(2 * SEC),
            &MembershipInput {
                user: u,
                group: f.sales,
                comments: "project".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    store
        .grant_role(&at(3 * SEC), &user_grant(f.reader, u))
        .await
        .unwrap();
    store
        .add_mail_list_member(&at(4 * SEC), f.list, &MailMember::User(u))
        .await
        .unwrap();
    owned_account(&store, &at(5 * SEC), &at(6 * SEC), f.ad, "carol.ad", u).await;
    let before = store.get_user(u, None).await.unwrap().state;
    assert_eq!(before.memberships.len(), 1);
    assert_eq!(before.grants.len(), 1);
    assert_eq!(before.accounts.len(), 1);
    assert_eq!(before.mail_lists.len(), 1);

    store.delete_user(&at(10 * SEC), u).await.unwrap();
    assert!(matches!(
        store.get_user(u, None).await,
        Err(Error::NotFound(_))
    ));
    let old = store.get_user(u, Some(time(9 * SEC))).await.unwrap();
    assert_eq!(old.state, before);
    let bin = store.recycle_bin().await.unwrap();
    assert_eq!(bin.len(), 1);
    assert_eq!(
        (bin[0].kind, bin[0].id, bin[0].name.as_str()),
        (DeletedKind::User, u.0, "carol")
    );
    assert_eq!(
        (bin[0].deleted_at, bin[0].deleted_by.as_str()),
        (time(10 * SEC), "tester")
    );

    store.recover_user(&at(20 * SEC), u).await.unwrap();
    let after = store.get_user(u, None).await.unwrap();
    assert_eq!(after.state, before);
    assert_eq!(after.created.at, time(SEC));
    assert!(store.recycle_bin().await.unwrap().is_empty());
    // Still gone in between.
    assert!(store.get_user(u, Some(time(15 * SEC))).await.is_err());
}

#[tokio::test]
async fn deleting_a_group_is_refused_while_in_use_and_recovery_brings_memberships_back() {
    let store = store().await;
    let f = fixture(&store).await;
    let u = store
        .create_user(&at(SEC), &user_input("dave", f.staff))
        .await
        .unwrap();
    let err = store.delete_group(&at(2 * SEC), f.staff).await.unwrap_err();
    assert!(
        matches!(err, Error::Conflict(ref m) if m.contains("subgroup")),
        "{err:?}"
    );
    join_group(&store, &at(3 * SEC), u, f.sales).await;
    store.delete_group(&at(4 * SEC), f.sales).await.unwrap();
    assert!(store
        .get_user(u, None)
        .await
        .unwrap()
        .state
        .memberships
        .is_empty());
    let err = store.delete_group(&at(5 * SEC), f.staff).await.unwrap_err();
    assert!(
        matches!(err, Error::Conflict(ref m) if m.contains("primary group")),
        "{err:?}"
    );
    let bin = store.recycle_bin().await.unwrap();
    assert_eq!(
        (bin[0].kind, bin[0].name.as_str()),
        (DeletedKind::Group, "Sales")
    );
    store.recover_group(&at(6 * SEC), f.sales).await.unwrap();
    let members = store.group_members(f.sales, None).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].user_name, "dave");
    assert_eq!(
        store.get_group(f.sales, None).await.unwrap().input.parent,
        Some(f.staff)
    );
}

/// What one user looked like after each step, for the property test.
type Remembered = Vec<(i64, BTreeMap<i64, Option<UserState>>, Vec<GroupNode>)>;

#[tokio::test]
async fn as_of_reads_return_exactly_the_state_remembered_at_every_instant() {
    let store = store().await;
    let mut rng = StdRng::seed_from_u64(0x5eed_2024);
    let f = fixture(&store).await;
    let groups = [f.staff, f.sales];
    let mut extra_groups = Vec::new();
    let mut users: Vec<UserId> = Vec::new();
    let mut t = 10 * SEC;
    let mut remembered: Remembered = Vec::new();
    for step in 0..70 {
        t += rng.gen_range(1..120) * SEC;
        let author = at(t);
        let choice = rng.gen_range(0..10);
        let outcome = match choice {
            0 | 1 if users.len() < 6 => store
                .create_user(
                    &author,
                    &user_input(&format!("user{step}"), groups[rng.gen_range(0..2)]),
                )
                .await
                .map(|id| users.push(id)),
            2 if !users.is_empty() => {
                let u = users[rng.gen_range(0..users.len())];
                let mut input = store.get_user(u, None).await.map(|d| d.state.attributes);
                if let Ok(input) = &mut input {
                    input.email = format!("e{step}@example.test");
                    input.enabled = rng.gen();
                    input.custom = vec![CustomAttribute {
                        name: "step".into(),
                        value: step.to_string(),
                    }];
                }
                match input {
                    Ok(input) => store.update_user(&author, u, &input).await,
                    Err(e) => Err(e),
                }
            }
            3 if !users.is_empty() => {
                let u = users[rng.gen_range(0..users.len())];
                if rng.gen_bool(0.5) {
                    store.delete_user(&author, u).await
                } else {
                    store.recover_user(&author, u).await
                }
            }
            4 | 5 if !users.is_empty() => {
                let u = users[rng.gen_range(0..users.len())];
                let g = if !extra_groups.is_empty() && rng.gen_bool(0.5) {
                    extra_groups[rng.gen_range(0..extra_groups.len())]
                } else {
                    groups[rng.gen_range(0..2)]
                };
                match store.find_membership(u, g).await.unwrap() {
                    Some(m) if rng.gen_bool(0.5) => store.remove_membership(&author, m).await,
                    Some(m) => store.end_membership(&author, m, time(t + HOUR)).await,
                    None => store
                        .add_membership(
                            &author,
                            &MembershipInput {
                                user: u,
                                group: g,
                                comments: format!("step {step}"),
                                ..Default::default()
                            },
                        )
                        .await
                        .map(|_| ()),
                }
            }
            6 => store
                .create_group(
                    &author,
                    &group_input(&format!("G{step}"), Some(groups[rng.gen_range(0..2)])),
                )
                .await
                .map(|g| extra_groups.push(g)),
            7 if !extra_groups.is_empty() => {
                let g = extra_groups[rng.gen_range(0..extra_groups.len())];
                let parent = if rng.gen_bool(0.3) {
                    None
                } else {
                    Some(groups[rng.gen_range(0..2)])
                };
                store
                    .update_group(&author, g, &group_input(&format!("G{step}"), parent))
                    .await
            }
            8 if !users.is_empty() => {
                let u = users[rng.gen_range(0..users.len())];
                let role = if rng.gen_bool(0.5) {
                    f.reader
                } else {
                    f.writer
                };
                match store.find_grant(role, Grantee::User(u), "").await.unwrap() {
                    Some(g) => store.revoke_grant(&author, g).await,
                    None => store
                        .grant_role(
                            &author,
                            &GrantInput {
                                role,
                                grantee: Grantee::User(u),
                                scope: String::new(),
                                start_date: None,
                                end_date: None,
                            },
                        )
                        .await
                        .map(|_| ()),
                }
            }
            9 if !extra_groups.is_empty() => {
                let g = extra_groups.swap_remove(rng.gen_range(0..extra_groups.len()));
                store.delete_group(&author, g).await
            }
            _ => Ok(()),
        };
        // Refusals (deleted user, name clash...) are fine; they must change nothing.
        if let Err(e) = &outcome {
            assert!(
                matches!(
                    e,
                    Error::Conflict(_) | Error::NotFound(_) | Error::Invalid(_)
                ),
                "step {step}: {e:?}"
            );
        }
        let mut states = BTreeMap::new();
        for u in &users {
            let state = store.get_user(*u, None).await.ok().map(|d| d.state);
            // A live user's open snapshot is the current state (attribute-only changes
            // take the rest of the state from it).
            if let Some(state) = &state {
                let newest = &store.list_snapshots(*u).await.unwrap()[0];
                assert_eq!(newest.valid_until, None, "step {step}");
                let open = store.get_snapshot(newest.id).await.unwrap().state;
                assert_eq!(&open, state, "user {} after step {step}", u.0);
            }
            states.insert(u.0, state);
        }
        remembered.push((t, states, store.group_tree(None).await.unwrap()));
    }
    assert!(users.len() >= 3, "the seed should create users");
    // Probe each step's instant, just before the next step, and random instants between.
    let mut probes: Vec<i64> = Vec::new();
    for w in remembered.windows(2) {
        probes.push(w[0].0);
        probes.push(w[1].0 - 1);
        probes.push(rng.gen_range(w[0].0..w[1].0));
    }
    for probe in probes {
        let (_, expected, tree) = remembered
            .iter()
            .rev()
            .find(|(t, _, _)| *t <= probe)
            .unwrap();
        for (user, state) in expected {
            let got = store
                .get_user(UserId(*user), Some(time(probe)))
                .await
                .ok()
                .map(|d| d.state);
            assert_eq!(&got, state, "user {user} at +{}s", probe / SEC);
        }
        assert_eq!(&store.group_tree(Some(time(probe))).await.unwrap(), tree);
        let live = expected.values().filter(|s| s.is_some()).count() as i64;
        let listed = store
            .list_users(&UserListQuery {
                as_of: Some(time(probe)),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(listed.total, live, "users listed at +{}s", probe / SEC);
    }
}

#[tokio::test]
async fn user_history_lists_every_version_newest_first_in_pages() {
    let store = store().await;
    let f = fixture(&store).await;
    let u = store
        .create_user(&at(SEC), &user_input("erin", f.staff))
        .await
        .unwrap();
    let m = join_group(&store, &at(2 * SEC), u, f.sales).await;
    for i in 0..4 {
        store
            .update_membership(&at((3 + i) * SEC), m, None, None, &format!("v{i}"))
            .await
            .unwrap();
    }
    store.remove_membership(&at(10 * SEC), m).await.unwrap();
    let page = store
        .user_history(u, HistoryKind::Memberships, 0, 2)
        .await
        .unwrap();
    assert_eq!(page.total, 5);
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.items[0].since, time(6 * SEC));
    assert_eq!(page.items[0].until, Some(time(10 * SEC)));
    assert_eq!(page.items[0].ended_by.as_deref(), Some("tester"));
    assert!(
        page.items[0].description.contains("Sales"),
        "{}",
        page.items[0].description
    );
    let last = store
        .user_history(u, HistoryKind::Memberships, 4, 2)
        .await
        .unwrap();
    assert_eq!(last.items.len(), 1);
    assert_eq!(last.items[0].since, time(2 * SEC));

    // Bring the ended membership back from its history record.
    let version = page.items[0].version_id;
    store
        .restore_history_record(&at(11 * SEC), HistoryKind::Memberships, version)
        .await
        .unwrap();
    let state = store.get_user(u, None).await.unwrap().state;
    assert_eq!(state.memberships[0].comments, "v3");
    let err = store
        .restore_history_record(&at(12 * SEC), HistoryKind::Memberships, version)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    let attrs = store
        .user_history(u, HistoryKind::Attributes, 0, 10)
        .await
        .unwrap();
    assert_eq!(attrs.total, 1);
}

#[tokio::test]
async fn history_records_name_their_group_role_scope_and_account() {
    // Pages find the record of a current item by these, so a dated membership or a role of
    // the same name in another system still finds the right one.
    let store = store().await;
    let f = fixture(&store).await;
    let u = store
        .create_user(&at(SEC), &user_input("fay", f.staff))
        .await
        .unwrap();
    store
        .add_membership(
            &at(2 * SEC),
            &MembershipInput {
                user: u,
                group: f.sales,
                start_date: Some(time(HOUR)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut scoped = GrantInput {
        role: f.reader,
        grantee: Grantee::User(u),
        scope: "EU".into(),
        start_date: Some(time(HOUR)),
        end_date: None,
    };
    store.grant_role(&at(3 * SEC), &scoped).await.unwrap();
    let acc = owned_account(&store, &at(4 * SEC), &at(5 * SEC), f.ad, "fay.ad", u).await;
    scoped.grantee = Grantee::Account(acc);
    scoped.scope = String::new();
    store.grant_role(&at(6 * SEC), &scoped).await.unwrap();

    let history = |kind| store.user_history(u, kind, 0, 10);
    let memberships = history(HistoryKind::Memberships).await.unwrap().items;
    assert_eq!(memberships[0].subject, f.sales.0);
    assert!(
        memberships[0].description.contains(" from "),
        "{}",
        memberships[0].description
    );
    let grants = history(HistoryKind::Grants).await.unwrap().items;
    let keys: Vec<_> = grants
        .iter()
        .map(|g| (g.subject, g.scope.as_str(), g.account))
        .collect();
    assert_eq!(
        keys,
        [(f.reader.0, "", Some(acc.0)), (f.reader.0, "EU", None)]
    );
    let accounts = history(HistoryKind::Accounts).await.unwrap().items;
    assert_eq!((accounts[0].subject, accounts[0].account), (acc.0, None));
    let attributes = history(HistoryKind::Attributes).await.unwrap().items;
    assert_eq!(attributes[0].subject, u.0);
}

#[tokio::test]
async fn effective_roles_come_through_groups_ancestors_accounts_and_inheritance() {
    let store = store().await;
    let f = fixture(&store).await;
    let u = store
        .create_user(&at(SEC), &user_input("fay", f.sales))
        .await
        .unwrap();
    let grant = |role, grantee| GrantInput {
        role,
        grantee,
        scope: String::new(),
        start_date: None,
        end_date: None,
    };
    store
        .grant_role(&at(2 * SEC), &grant(f.writer, Grantee::Group(f.staff)))
        .await
        .unwrap();
    store
        .add_role_inheritance(&at(3 * SEC), f.writer, f.reader)
        .await
        .unwrap();
    let err = store
        .add_role_inheritance(&at(4 * SEC), f.reader, f.writer)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    let roles = store.effective_roles(u, None).await.unwrap();
    let paths: Vec<(String, Vec<String>)> = roles
        .iter()
        .map(|r| (r.role_name.clone(), r.path.clone()))
        .collect();
    assert_eq!(
        paths,
        [
            (
                "Reader".to_string(),
                vec![
                    "group Sales".to_string(),
                    "group Staff".into(),
                    "role Writer".into(),
                    "role Reader".into()
                ]
            ),
            (
                "Writer".to_string(),
                vec![
                    "group Sales".to_string(),
                    "group Staff".into(),
                    "role Writer".into()
                ]
            ),
        ]
    );
    // Before the grant there was nothing.
    assert!(store
        .effective_roles(u, Some(time(SEC)))
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn grant_lists_filter_by_role_and_grantee_and_read_the_past() {
    let store = store().await;
    let f = fixture(&store).await;
    let u = store
        .create_user(&at(SEC), &user_input("gil", f.sales))
        .await
        .unwrap();
    let grant = |role, grantee, scope: &str| GrantInput {
        role,
        grantee,
        scope: scope.into(),
        start_date: None,
        end_date: None,
    };
    let to_group = store
        .grant_role(&at(2 * SEC), &grant(f.writer, Grantee::Group(f.staff), ""))
        .await
        .unwrap();
    store
        .grant_role(&at(3 * SEC), &grant(f.writer, Grantee::User(u), "EU"))
        .await
        .unwrap();
    store
        .grant_role(&at(4 * SEC), &grant(f.reader, Grantee::User(u), ""))
        .await
        .unwrap();
    store.revoke_grant(&at(5 * SEC), to_group).await.unwrap();

    let of_writer = store.list_grants(Some(f.writer), None, None).await.unwrap();
    let names: Vec<(&str, &str)> = of_writer
        .iter()
        .map(|g| (g.grantee_name.as_str(), g.scope.as_str()))
        .collect();
    assert_eq!(names, [("gil", "EU")]);

    let of_user = store
        .list_grants(None, Some(Grantee::User(u)), None)
        .await
        .unwrap();
    let roles: Vec<&str> = of_user.iter().map(|g| g.role_name.as_str()).collect();
    assert_eq!(roles, ["Reader", "Writer"]);

    // Before the revocation the group still held Writer, under the group's name.
    let then = store
        .list_grants(
            Some(f.writer),
            Some(Grantee::Group(f.staff)),
            Some(time(4 * SEC)),
        )
        .await
        .unwrap();
    assert_eq!(then.len(), 1);
    assert_eq!(then[0].id, to_group);
    assert_eq!(then[0].grantee_name, "Staff");
}

#[tokio::test]
async fn the_users_list_answers_advanced_queries_and_rejects_bad_ones_at_the_token() {
    let store = store().await;
    let f = fixture(&store).await;
    for (name, group, enabled) in [
        ("ann", f.sales, true),
        ("anna", f.staff, false),
        ("bob", f.sales, true),
        ("dan_x", f.staff, true),
    ] {
        let mut input = user_input(name, group);
        input.enabled = enabled;
        store.create_user(&at(SEC), &input).await.unwrap();
    }
    let names = |query: &str| {
        let store = store.clone();
        let query = UserListQuery {
            filter: query.into(),
            limit: 50,
            ..Default::default()
        };
        async move {
            let page = store.list_users(&query).await.unwrap();
            assert_eq!(page.total as usize, page.items.len());
            page.items.into_iter().map(|u| u.name).collect::<Vec<_>>()
        }
    };
    assert_eq!(
        names(r#"userName sw "AN" and enabled eq true"#).await,
        ["ann"]
    );
    assert_eq!(
        names(r#"primaryGroup eq "sales" or not (enabled eq true)"#).await,
        ["ann", "anna", "bob"]
    );
    // LIKE wildcards in values are literal.
    assert_eq!(names(r#"userName co "_""#).await, ["dan_x"]);
    assert_eq!(
        names(r#"email ew "@example.test" and userName ne "bob""#)
            .await
            .len(),
        3
    );
    assert!(names(r#"modified gt "2999-01-01""#).await.is_empty());

    let err = store
        .list_users(&UserListQuery {
            filter: r#"userName eq "ann" and shoeSize gt 3"#.into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    let Error::Invalid(fields) = err else {
        panic!("{err:?}")
    };
    assert!(
        fields[0]
            .message
            .starts_with("At column 23 near \"shoeSize\""),
        "{}",
        fields[0].message
    );
}

#[tokio::test]
async fn operator_preferences_are_kept_per_operator() {
    let store = store().await;
    let owner = store
        .create_owner(None, "olivia", "Olivia", "owner password 1")
        .await
        .unwrap();
    assert_eq!(
        store.preference(owner.id, "users.columns").await.unwrap(),
        None
    );
    store
        .set_preference(owner.id, "users.columns", "email,userName")
        .await
        .unwrap();
    store
        .set_preference(owner.id, "users.columns", "userName,email")
        .await
        .unwrap();
    assert_eq!(
        store
            .preference(owner.id, "users.columns")
            .await
            .unwrap()
            .as_deref(),
        Some("userName,email")
    );
    assert!(matches!(
        store.set_preference(owner.id, "bad name!", "x").await,
        Err(Error::Invalid(_))
    ));
}

#[tokio::test]
async fn deleting_several_users_is_all_or_nothing() {
    let store = store().await;
    let f = fixture(&store).await;
    let ann = store
        .create_user(&at(SEC), &user_input("ann", f.sales))
        .await
        .unwrap();
    let bob = store
        .create_user(&at(SEC), &user_input("bob", f.sales))
        .await
        .unwrap();
    let err = store
        .delete_users(&at(2 * SEC), &[ann, UserId(999_999)])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    assert!(
        store.get_user(ann, None).await.is_ok(),
        "nothing was deleted"
    );
    let names = store.delete_users(&at(3 * SEC), &[bob, ann]).await.unwrap();
    assert_eq!(names, ["bob", "ann"]);
    assert!(store.get_user(ann, None).await.is_err());
    assert_eq!(store.recycle_bin().await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_users_search_matches_substrings_of_name_full_name_and_email_now_and_in_the_past() {
    let store = store().await;
    let f = fixture(&store).await;
    // (user name, first name, last name, e-mail)
    let people = [
        (
            "anna.schmidt",
            "Anna",
            "Schmidt",
            "anna.schmidt@example.test",
        ),
        ("bob", "Joanna", "Smith", "bob@example.test"),
        ("carl", "Carl", "Hannah", "carl@example.test"),
        ("dora", "Dora", "Lee", "Dora.ANNABEL@example.test"),
        ("eve", "Eve", "Stone", "eve@example.test"),
        // "er xav" spans the name and the first name, which no single field contains.
        ("xavier", "Xavier", "Q", "xq@example.test"),
        ("zed", "Zoe", "Young", "zed@example.test"),
        ("hanna.x", "Hanna", "X", "hx@example.test"),
    ];
    let mut ids = BTreeMap::new();
    for (name, first, last, email) in people {
        let mut input = user_input(name, f.staff);
        input.first_name = first.into();
        input.last_name = last.into();
        input.email = email.into();
        ids.insert(name, store.create_user(&at(SEC), &input).await.unwrap());
    }
    // zed becomes zanna, hanna.x is deleted, then recovered; eve is deleted for good.
    let mut zed = store
        .get_user(ids["zed"], None)
        .await
        .unwrap()
        .state
        .attributes;
    zed.name = "zanna".into();
    zed.email = "zanna@example.test".into();
    store
        .update_user(&at(2 * SEC), ids["zed"], &zed)
        .await
        .unwrap();
    store
        .delete_user(&at(3 * SEC), ids["hanna.x"])
        .await
        .unwrap();
    store.delete_user(&at(3 * SEC), ids["eve"]).await.unwrap();
    store
        .recover_user(&at(4 * SEC), ids["hanna.x"])
        .await
        .unwrap();

    let search = |term: &'static str, as_of: Option<i64>| {
        let store = store.clone();
        async move {
            let page = store
                .list_users(&UserListQuery {
                    search: term.into(),
                    as_of: as_of.map(time),
                    limit: 50,
                    ..Default::default()
                })
                .await
                .unwrap();
            assert_eq!(page.total as usize, page.items.len(), "{term}");
            page.items.into_iter().map(|u| u.name).collect::<Vec<_>>()
        }
    };
    // What `LIKE '%term%'` on each field finds, case-insensitively, among the users live then.
    let expected = |term: &str, live: &[(&str, &str, &str, &str)]| {
        let term = term.trim().to_lowercase();
        let mut names: Vec<String> = live
            .iter()
            .filter(|(name, first, last, email)| {
                name.to_lowercase().contains(&term)
                    || format!("{first} {last}").to_lowercase().contains(&term)
                    || email.to_lowercase().contains(&term)
            })
            .map(|p| p.0.to_string())
            .collect();
        names.sort();
        names
    };
    let mut now: Vec<_> = people.iter().copied().filter(|p| p.0 != "eve").collect();
    for p in &mut now {
        if p.0 == "zed" {
            (p.0, p.3) = ("zanna", "zanna@example.test");
        }
    }
    let before_deletes = people.to_vec();
    let at_three: Vec<_> = now.iter().copied().filter(|p| p.0 != "hanna.x").collect();
    for term in [
        "anna", "ANNA", " Anna ", "an", "na sch", "@example", "er xav", "zed", "zan", "ann",
        "hanna", "eve", "x",
    ] {
        assert_eq!(
            search(term, None).await,
            expected(term, &now),
            "now: {term}"
        );
        assert_eq!(
            search(term, Some(SEC)).await,
            expected(term, &before_deletes),
            "as of the start: {term}"
        );
        assert_eq!(
            search(term, Some(3 * SEC)).await,
            expected(term, &at_three),
            "between delete and recover: {term}"
        );
    }
    // The cases the reference must get right for the comparison to mean anything.
    assert_eq!(
        search("anna", None).await,
        ["anna.schmidt", "bob", "carl", "dora", "hanna.x", "zanna"]
    );
    assert!(search("er xav", None).await.is_empty());
    assert_eq!(search("zed", Some(SEC)).await, ["zed"]);
    assert!(search("zed", None).await.is_empty());
}
