//! User snapshots: throttle, coalesce, dedupe, keep-N, entitlements toggle, XML, diff, restore.
#![cfg(feature = "ssr")]
mod common;

use app::model::*;
use app::store::{snapshot_from_xml, snapshot_to_xml};
use common::*;

#[tokio::test]
async fn snapshots_coalesce_within_the_delay_dedupe_identical_states_and_keep_n() {
    let store = store().await;
    let f = fixture(&store).await;
    snapshot_settings(&store, 3600, 3, true).await;
    let u = store
        .create_user(&at(0), &user_input("gina", f.staff))
        .await
        .unwrap();
    let first = store.list_snapshots(u).await.unwrap();
    assert_eq!(first.len(), 1);

    // Within the hour: the newest snapshot is updated in place, the change is not lost.
    let mut input = user_input("gina", f.staff);
    input.email = "new@example.test".into();
    store.update_user(&at(10 * SEC), u, &input).await.unwrap();
    let coalesced = store.list_snapshots(u).await.unwrap();
    assert_eq!(coalesced.len(), 1);
    assert_eq!(coalesced[0].id, first[0].id);
    assert_eq!(coalesced[0].valid_since, time(0));
    let snap = store.get_snapshot(coalesced[0].id).await.unwrap();
    assert_eq!(snap.state.attributes.email, "new@example.test");

    // A change that leaves the user's state identical writes nothing.
    let acc = owned_account(&store, &at(HOUR), &at(2 * HOUR), f.ad, "gina", u).await;
    let before = store.list_snapshots(u).await.unwrap();
    assert_eq!(before.len(), 2);
    store
        .set_account_owner(&at(4 * HOUR), acc, u, "owner")
        .await
        .unwrap();
    store
        .update_group(
            &at(5 * HOUR),
            f.sales,
            &group_input("Sales EU", Some(f.staff)),
        )
        .await
        .unwrap();
    assert_eq!(store.list_snapshots(u).await.unwrap(), before);
    // ...but a rename of her primary group is part of her state.
    store
        .update_group(&at(6 * HOUR), f.staff, &group_input("Personnel", None))
        .await
        .unwrap();
    let after_rename = store.list_snapshots(u).await.unwrap();
    assert_eq!(after_rename.len(), 3);
    assert_eq!(
        store
            .get_snapshot(after_rename[0].id)
            .await
            .unwrap()
            .state
            .primary_group_name,
        "Personnel"
    );
    // The previous newest was closed when the new one opened.
    assert_eq!(after_rename[1].valid_until, Some(time(6 * HOUR)));

    // Keep-N: a fourth snapshot removes the oldest.
    input.email = "third@example.test".into();
    store.update_user(&at(8 * HOUR), u, &input).await.unwrap();
    let kept = store.list_snapshots(u).await.unwrap();
    assert_eq!(kept.len(), 3);
    assert!(kept.iter().all(|s| s.id != first[0].id));
    assert_eq!(kept[0].valid_until, None);
    assert_eq!(kept[0].valid_since, time(8 * HOUR));
    assert_eq!(kept[1].valid_until, Some(time(8 * HOUR)));
}

#[tokio::test]
async fn keeping_one_snapshot_replaces_the_open_one_with_the_new_state() {
    let store = store().await;
    let f = fixture(&store).await;
    snapshot_settings(&store, 0, 1, true).await;
    let u = store
        .create_user(&at(0), &user_input("ivan", f.staff))
        .await
        .unwrap();
    let mut input = user_input("ivan", f.staff);
    for (step, email) in ["one@example.test", "two@example.test"].iter().enumerate() {
        input.email = (*email).into();
        let when = (step as i64 + 1) * HOUR;
        store.update_user(&at(when), u, &input).await.unwrap();
        let kept = store.list_snapshots(u).await.unwrap();
        assert_eq!(kept.len(), 1, "after {email}");
        assert_eq!(kept[0].valid_since, time(when));
        assert_eq!(kept[0].valid_until, None);
        let state = store.get_snapshot(kept[0].id).await.unwrap().state;
        assert_eq!(state.attributes.email, *email);
    }
}

#[tokio::test]
async fn entitlements_history_off_leaves_grants_out_of_snapshots() {
    let store = store().await;
    let f = fixture(&store).await;
    snapshot_settings(&store, 0, 10, false).await;
    let u = store
        .create_user(&at(0), &user_input("hank", f.staff))
        .await
        .unwrap();
    store
        .grant_role(&at(HOUR), &user_grant(f.reader, u))
        .await
        .unwrap();
    let snaps = store.list_snapshots(u).await.unwrap();
    assert_eq!(
        snaps.len(),
        1,
        "a grant alone is not a snapshot change when off"
    );
    let snap = store.get_snapshot(snaps[0].id).await.unwrap();
    assert!(snap.state.grants.is_empty());
    assert!(!snap.state.grants_captured);
    // The live view still shows the grant.
    assert_eq!(store.get_user(u, None).await.unwrap().state.grants.len(), 1);

    snapshot_settings(&store, 0, 10, true).await;
    store
        .grant_role(&at(2 * HOUR), &user_grant(f.writer, u))
        .await
        .unwrap();
    let snaps = store.list_snapshots(u).await.unwrap();
    assert_eq!(snaps.len(), 2);
    let snap = store.get_snapshot(snaps[0].id).await.unwrap();
    assert!(snap.state.grants_captured);
    let roles: Vec<_> = snap
        .state
        .grants
        .iter()
        .map(|g| g.role_name.as_str())
        .collect();
    assert_eq!(roles, ["Reader", "Writer"]);
    // A restore from the snapshot without grants reports grants as not restorable.
    let plan = store
        .plan_restore(
            u,
            RestoreSource::Snapshot(snaps[1].id),
            &RestoreSelection::everything(),
            RestoreMode::Exact,
        )
        .await
        .unwrap();
    assert!(plan
        .items
        .iter()
        .any(|i| i.kind == RestoreItemKind::Grant && i.blocked.is_some()));
    assert!(!plan
        .items
        .iter()
        .any(|i| i.action == RestoreAction::Remove && i.kind == RestoreItemKind::Grant));
}

/// The newest snapshot of `user`, which must be open.
async fn open_state(store: &app::store::Store, user: UserId) -> UserState {
    let snaps = store.list_snapshots(user).await.unwrap();
    assert_eq!(snaps[0].valid_until, None);
    store.get_snapshot(snaps[0].id).await.unwrap().state
}

#[tokio::test]
async fn an_attribute_change_captures_the_whole_current_state() {
    // An attribute change takes the rest of the state from the open snapshot: it must see
    // what other changes did since, and read everything again when that snapshot was taken
    // without entitlements.
    let store = store().await;
    let f = fixture(&store).await;
    snapshot_settings(&store, 0, 20, false).await;
    let mut input = user_input("june", f.staff);
    let u = store.create_user(&at(0), &input).await.unwrap();
    join_group(&store, &at(HOUR), u, f.sales).await;
    store
        .grant_role(&at(2 * HOUR), &user_grant(f.reader, u))
        .await
        .unwrap();
    assert!(open_state(&store, u).await.grants.is_empty());

    snapshot_settings(&store, 0, 20, true).await;
    input.email = "june.new@example.test".into();
    store.update_user(&at(3 * HOUR), u, &input).await.unwrap();
    let state = open_state(&store, u).await;
    assert_eq!(state.attributes.email, "june.new@example.test");
    assert!(state.grants_captured);
    assert_eq!(
        state.grants.len(),
        1,
        "the grant made while entitlements were off"
    );
    assert_eq!(state, store.current_state(u).await.unwrap());

    // The membership's group is renamed (its members' snapshots follow), then the user.
    let mut sales = group_input("Sales", Some(f.staff));
    sales.name = "Field Sales".into();
    store
        .update_group(&at(4 * HOUR), f.sales, &sales)
        .await
        .unwrap();
    input.comments = "renamed group".into();
    store.update_user(&at(5 * HOUR), u, &input).await.unwrap();
    let state = open_state(&store, u).await;
    assert_eq!(state.attributes.comments, "renamed group");
    assert_eq!(state.memberships[0].group_name, "Field Sales");
    assert_eq!(state, store.current_state(u).await.unwrap());
    assert_eq!(store.list_snapshots(u).await.unwrap().len(), 5);
}

/// A user with awkward text everywhere, two memberships, an account with grants, a list.
async fn rich_user(store: &app::store::Store, f: &Fixture) -> UserId {
    let mut input = user_input("  ivy", f.staff);
    input.comments =
        "  leading spaces, <markup> & \"quotes\" 'apostrophes'\nline two\ttab\r\n".into();
    input.first_name = "Ívy 😀".into();
    input.custom = vec![
        CustomAttribute {
            name: "badge".into(),
            value: "  42 ".into(),
        },
        CustomAttribute {
            name: "empty".into(),
            value: String::new(),
        },
    ];
    let u = store.create_user(&at(0), &input).await.unwrap();
    for (i, g) in [f.sales, f.staff].into_iter().enumerate() {
        store
            .add_membership(
                &at(SEC),
                &MembershipInput {
                    user: u,
                    group: g,
                    start_date: Some(time(i as i64 * 1234)),
                    end_date: if i == 0 { None } else { Some(time(HOUR)) },
                    comments: format!("c{i} <&>"),
                },
            )
            .await
            .unwrap();
    }
    let acc = store
        .create_account(
            &at(2 * SEC),
            &AccountInput {
                system: f.ad,
                name: "ivy.admin".into(),
                account_type: "privileged".into(),
                attributes: vec![CustomAttribute {
                    name: "ou".into(),
                    value: "IT\nOps".into(),
                }],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    store
        .set_account_owner(&at(3 * SEC), acc, u, "manager")
        .await
        .unwrap();
    store
        .grant_role(
            &at(4 * SEC),
            &GrantInput {
                role: f.writer,
                grantee: Grantee::Account(acc),
                scope: "EU".into(),
                start_date: Some(time(5)),
                end_date: None,
            },
        )
        .await
        .unwrap();
    store
        .grant_role(&at(5 * SEC), &user_grant(f.reader, u))
        .await
        .unwrap();
    store
        .add_mail_list_member(&at(6 * SEC), f.list, &MailMember::User(u))
        .await
        .unwrap();
    u
}

#[tokio::test]
async fn snapshot_xml_is_well_formed_and_round_trips_to_the_same_snapshot() {
    let store = store().await;
    let f = fixture(&store).await;
    let u = rich_user(&store, &f).await;
    let id = store.list_snapshots(u).await.unwrap()[0].id;
    let snapshot = store.get_snapshot(id).await.unwrap();
    assert_eq!(snapshot.state.accounts[0].grants.len(), 1);
    let xml = store.snapshot_xml(id).await.unwrap();
    assert!(
        xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<user-snapshot"),
        "{xml}"
    );
    // Well-formed: a plain XML reader gets through it without error.
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut elements = 0;
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(_) | quick_xml::events::Event::Empty(_) => {
                elements += 1
            }
            _ => {}
        }
    }
    assert!(elements > 8, "{xml}");
    assert_eq!(snapshot_from_xml(&xml).unwrap(), snapshot);
    assert_eq!(
        serde_json::from_str::<Snapshot>(&serde_json::to_string(&snapshot).unwrap()).unwrap(),
        snapshot
    );

    // No size cap: a 2 MB attribute and a thousand memberships survive too.
    let mut big = snapshot.clone();
    big.state.attributes.comments = "x&<".repeat(700_000);
    big.state.memberships = (0..1000)
        .map(|i| MembershipState {
            group: GroupId(i),
            group_name: format!("g{i}"),
            ..Default::default()
        })
        .collect();
    let xml = snapshot_to_xml(&big).unwrap();
    assert!(xml.len() > 2_000_000);
    assert_eq!(snapshot_from_xml(&xml).unwrap(), big);
    assert!(snapshot_from_xml("<user-snapshot>").is_err());
}

#[tokio::test]
async fn diff_reports_attribute_changes_and_added_or_removed_items() {
    let store = store().await;
    let f = fixture(&store).await;
    snapshot_settings(&store, 60, 10, true).await;
    let u = rich_user(&store, &f).await;
    let old = store.list_snapshots(u).await.unwrap()[0].id;
    let mut input = store.get_user(u, None).await.unwrap().state.attributes;
    input.email = "changed@example.test".into();
    store.update_user(&at(HOUR), u, &input).await.unwrap();
    let m = store.find_membership(u, f.sales).await.unwrap().unwrap();
    store.remove_membership(&at(HOUR + SEC), m).await.unwrap();
    let g = store
        .find_grant(f.reader, Grantee::User(u), "")
        .await
        .unwrap()
        .unwrap();
    store.revoke_grant(&at(HOUR + 2 * SEC), g).await.unwrap();
    store
        .grant_role(&at(HOUR + 3 * SEC), &user_grant(f.writer, u))
        .await
        .unwrap();
    let kept = store.get_user(u, None).await.unwrap().state.memberships[0].clone();
    let kept_id = store.find_membership(u, kept.group).await.unwrap().unwrap();
    store
        .update_membership(
            &at(HOUR + 4 * SEC),
            kept_id,
            Some(time(2 * HOUR)),
            None,
            "moved",
        )
        .await
        .unwrap();

    let now = store.diff_snapshots(old, None).await.unwrap();
    // A membership still there but with other details is "changed", and says how.
    assert_eq!(now.memberships.changed.len(), 1);
    let (before, after) = &now.memberships.changed[0];
    assert_eq!(after.group, kept.group);
    let day = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| format!("{:?}", t.format("%Y-%m-%d").to_string()))
            .unwrap_or_else(|| "(none)".into())
    };
    assert!(
        kept.end_date.is_some(),
        "the fixture's membership has an end"
    );
    assert_eq!(
        after.changes_from(before),
        [
            format!(
                "start: {} → {}",
                day(kept.start_date),
                day(Some(time(2 * HOUR)))
            ),
            format!("end: {} → (none)", day(kept.end_date)),
            format!("comments: {:?} → \"moved\"", kept.comments),
        ]
    );
    assert_eq!(attribute_label(&now.attributes[0].name), "Email");
    assert_eq!(
        attribute_label("custom.cost centre"),
        "cost centre (custom)"
    );
    assert_eq!(now.attributes.len(), 1);
    assert_eq!(now.attributes[0].name, "email");
    assert_eq!(now.attributes[0].after, "changed@example.test");
    assert_eq!(now.memberships.removed.len(), 1);
    assert_eq!(now.memberships.removed[0].group_name, "Sales");
    assert_eq!(now.grants.removed[0].role_name, "Reader");
    assert_eq!(now.grants.added[0].role_name, "Writer");
    assert!(now.accounts.is_empty() && now.mail_lists.is_empty());
    let newest = store.list_snapshots(u).await.unwrap()[0].id;
    assert_eq!(store.diff_snapshots(old, Some(newest)).await.unwrap(), now);
    assert!(store.diff_snapshots(newest, None).await.unwrap().is_empty());
}

#[tokio::test]
async fn restore_plan_reports_a_grant_of_a_deleted_role_as_blocked_and_applies_the_rest() {
    let store = store().await;
    let f = fixture(&store).await;
    snapshot_settings(&store, 60, 10, true).await;
    let u = store
        .create_user(&at(0), &user_input("jack", f.staff))
        .await
        .unwrap();
    store
        .grant_role(&at(SEC), &user_grant(f.reader, u))
        .await
        .unwrap();
    store
        .grant_role(&at(2 * SEC), &user_grant(f.writer, u))
        .await
        .unwrap();
    let snap = store.list_snapshots(u).await.unwrap()[0].id;

    let g = store
        .find_grant(f.reader, Grantee::User(u), "")
        .await
        .unwrap()
        .unwrap();
    store.revoke_grant(&at(HOUR), g).await.unwrap();
    store.delete_role(&at(HOUR + SEC), f.writer).await.unwrap();
    assert!(store
        .get_user(u, None)
        .await
        .unwrap()
        .state
        .grants
        .is_empty());

    let plan = store
        .plan_restore(
            u,
            RestoreSource::Snapshot(snap),
            &RestoreSelection::everything(),
            RestoreMode::Exact,
        )
        .await
        .unwrap();
    let grants: Vec<_> = plan
        .items
        .iter()
        .filter(|i| i.kind == RestoreItemKind::Grant)
        .collect();
    assert_eq!(grants.len(), 2, "{plan:#?}");
    let reader = grants
        .iter()
        .find(|i| i.description.contains("Reader"))
        .unwrap();
    let writer = grants
        .iter()
        .find(|i| i.description.contains("Writer"))
        .unwrap();
    assert_eq!(reader.blocked, None);
    assert_eq!(
        writer.blocked.as_deref(),
        Some("the role \"Writer\" was deleted")
    );

    let outcome = store.apply_restore(&at(2 * HOUR), &plan).await.unwrap();
    assert_eq!((outcome.applied, outcome.blocked), (1, 1));
    assert!(outcome.summary.contains("1 blocked"), "{}", outcome.summary);
    let state = store.get_user(u, None).await.unwrap().state;
    let roles: Vec<_> = state.grants.iter().map(|g| g.role_name.as_str()).collect();
    assert_eq!(roles, ["Reader"]);
    let audit = store.list_audit(5).await.unwrap();
    assert_eq!(audit[0].action, "user.restore");
    assert!(audit[0].details.contains("Writer"), "{}", audit[0].details);
}

#[tokio::test]
async fn a_restore_can_be_undone_by_restoring_the_pre_restore_snapshot() {
    let store = store().await;
    let f = fixture(&store).await;
    snapshot_settings(&store, 60, 10, true).await;
    let u = store
        .create_user(&at(0), &user_input("kim", f.staff))
        .await
        .unwrap();
    join_group(&store, &at(SEC), u, f.sales).await;
    let state_a = store.get_user(u, None).await.unwrap().state;
    let snap_a = store.list_snapshots(u).await.unwrap()[0].id;

    // State B: other attributes, no membership, a mail list.
    let mut input = state_a.attributes.clone();
    input.last_name = "Changed".into();
    input.custom = vec![CustomAttribute {
        name: "k".into(),
        value: "v".into(),
    }];
    store.update_user(&at(HOUR), u, &input).await.unwrap();
    let m = store.find_membership(u, f.sales).await.unwrap().unwrap();
    store.remove_membership(&at(HOUR + SEC), m).await.unwrap();
    store
        .add_mail_list_member(&at(HOUR + 2 * SEC), f.list, &MailMember::User(u))
        .await
        .unwrap();
    let state_b = store.get_user(u, None).await.unwrap().state;
    let snap_b = store.list_snapshots(u).await.unwrap()[0].id;

    // "Add missing only" brings the membership back but keeps B's additions.
    let plan = store
        .plan_restore(
            u,
            RestoreSource::Snapshot(snap_a),
            &RestoreSelection::everything(),
            RestoreMode::AddMissing,
        )
        .await
        .unwrap();
    assert!(
        plan.items.iter().all(|i| i.action != RestoreAction::Remove),
        "{plan:#?}"
    );

    let plan = store
        .plan_restore(
            u,
            RestoreSource::Snapshot(snap_a),
            &RestoreSelection::everything(),
            RestoreMode::Exact,
        )
        .await
        .unwrap();
    assert!(plan.items.iter().all(|i| i.blocked.is_none()), "{plan:#?}");
    store.apply_restore(&at(3 * HOUR), &plan).await.unwrap();
    assert_eq!(store.get_user(u, None).await.unwrap().state, state_a);
    // The restore is a recorded change with its own snapshot; B's snapshot is still there.
    let snaps = store.list_snapshots(u).await.unwrap();
    assert_eq!(snaps[0].valid_since, time(3 * HOUR));
    assert!(snaps.iter().any(|s| s.id == snap_b));

    let undo = store
        .plan_restore(
            u,
            RestoreSource::Snapshot(snap_b),
            &RestoreSelection::everything(),
            RestoreMode::Exact,
        )
        .await
        .unwrap();
    store.apply_restore(&at(5 * HOUR), &undo).await.unwrap();
    assert_eq!(store.get_user(u, None).await.unwrap().state, state_b);
    // And the history shows every step.
    let history = store
        .user_history(u, HistoryKind::Memberships, 0, 10)
        .await
        .unwrap();
    assert_eq!(history.total, 2);
}

#[tokio::test]
async fn the_snapshot_catalogue_lists_every_user_filtered_and_sorted() {
    let store = store().await;
    let f = fixture(&store).await;
    snapshot_settings(&store, 0, 10, true).await;
    let ivy = store
        .create_user(&at(HOUR), &user_input("ivy", f.staff))
        .await
        .unwrap();
    let jon = store
        .create_user(&at(2 * HOUR), &user_input("jon", f.staff))
        .await
        .unwrap();
    store
        .update_user(&at(3 * HOUR), ivy, &{
            let mut input = user_input("ivy", f.staff);
            input.email = "ivy@new.test".into();
            input
        })
        .await
        .unwrap();
    store.delete_user(&at(4 * HOUR), jon).await.unwrap();

    let all = store
        .list_all_snapshots(&SnapshotListQuery {
            descending: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let rows: Vec<(&str, bool)> = all
        .items
        .iter()
        .map(|i| (i.user_name.as_str(), i.snapshot.valid_until.is_none()))
        .collect();
    // Newest first; a deleted user's snapshots keep its name and are all closed.
    assert_eq!(rows, [("ivy", true), ("jon", false), ("ivy", false)]);

    let ivy_only = store
        .list_all_snapshots(&SnapshotListQuery {
            search: "IV".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ivy_only.total, 2);
    let before = store
        .list_all_snapshots(&SnapshotListQuery {
            filter: format!(
                r#"userName eq "ivy" and validSince lt "{}""#,
                time(3 * HOUR).to_rfc3339()
            ),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(before.items.len(), 1);
    assert_eq!(before.items[0].snapshot.valid_since, time(HOUR));
    assert!(store
        .list_all_snapshots(&SnapshotListQuery {
            filter: "validSince gt 3".into(),
            ..Default::default()
        })
        .await
        .is_err());
}
