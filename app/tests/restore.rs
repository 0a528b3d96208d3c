//! Restore hardening: the server plans again and follows only the operator's choices; a
//! restore always keeps the snapshot it replaced, so it can be undone.
#![cfg(feature = "ssr")]
mod common;

use app::model::*;
use app::store::Store;
use common::*;

/// A user whose first snapshot (returned) has a membership of Sales and the Reader role,
/// then, two hours later, a new email, no membership and the Writer role instead.
async fn changed_user(store: &Store, f: &Fixture) -> (UserId, i64) {
    let u = store
        .create_user(&at(0), &user_input("lena", f.staff))
        .await
        .unwrap();
    store
        .add_membership(
            &at(SEC),
            &MembershipInput {
                user: u,
                group: f.sales,
                comments: "since day one".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    store
        .grant_role(&at(2 * SEC), &user_grant(f.reader, u))
        .await
        .unwrap();
    let first = store.list_snapshots(u).await.unwrap()[0].id;
    let mut input = store.get_user(u, None).await.unwrap().state.attributes;
    input.email = "lena@new.example".into();
    store.update_user(&at(2 * HOUR), u, &input).await.unwrap();
    let m = store.find_membership(u, f.sales).await.unwrap().unwrap();
    store
        .remove_membership(&at(2 * HOUR + SEC), m)
        .await
        .unwrap();
    let g = store
        .find_grant(f.reader, Grantee::User(u), "")
        .await
        .unwrap()
        .unwrap();
    store
        .revoke_grant(&at(2 * HOUR + 2 * SEC), g)
        .await
        .unwrap();
    store
        .grant_role(&at(2 * HOUR + 3 * SEC), &user_grant(f.writer, u))
        .await
        .unwrap();
    (u, first)
}

async fn restore_count(store: &Store) -> usize {
    store
        .list_audit(100)
        .await
        .unwrap()
        .iter()
        .filter(|a| a.action == "user.restore")
        .count()
}

#[tokio::test]
async fn apply_restore_refuses_a_tampered_plan_and_changes_nothing() {
    let store = store().await;
    let f = fixture(&store).await;
    let (u, first) = changed_user(&store, &f).await;
    let plan = store
        .plan_restore(
            u,
            RestoreSource::Snapshot(first),
            &RestoreSelection::everything(),
            RestoreMode::Exact,
        )
        .await
        .unwrap();
    let before = store.get_user(u, None).await.unwrap().state;
    let snapshots = store.list_snapshots(u).await.unwrap();

    // A membership of another group than the snapshot had.
    let mut other_group = plan.clone();
    let item = other_group
        .items
        .iter_mut()
        .find(|i| i.kind == RestoreItemKind::Membership)
        .unwrap();
    if let RestoreChange::Membership(m) = &mut item.change {
        m.group = f.staff;
    }
    // Attributes the snapshot never had.
    let mut other_name = plan.clone();
    for item in &mut other_name.items {
        if let RestoreChange::Attributes(input) = &mut item.change {
            input.name = "mallory".into();
            input.comments = "planted".into();
        }
    }
    // An extra grant, described innocently.
    let mut extra = plan.clone();
    extra.items.push(RestoreItem {
        kind: RestoreItemKind::Grant,
        action: RestoreAction::Add,
        description: "reset dates".into(),
        blocked: None,
        selected: true,
        change: RestoreChange::Grant(GrantState {
            role: f.writer,
            scope: "everything".into(),
            ..Default::default()
        }),
    });
    for (n, tampered) in [other_group, other_name, extra].into_iter().enumerate() {
        let error = store
            .apply_restore(&at(3 * HOUR + n as i64 * SEC), &tampered)
            .await
            .unwrap_err();
        let app::store::Error::Invalid(fields) = &error else {
            panic!("{error:?}");
        };
        assert_eq!(fields[0].field, "plan");
        assert!(
            fields[0].message.contains("Preview the restore again"),
            "{error:?}"
        );
        assert_eq!(
            app::error::AppError::from(error).status_code(),
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    assert_eq!(store.get_user(u, None).await.unwrap().state, before);
    assert_eq!(store.list_snapshots(u).await.unwrap(), snapshots);
    assert_eq!(restore_count(&store).await, 0);

    // A plan without its selection (an older client) is planned again for everything.
    let mut json = serde_json::to_value(&plan).unwrap();
    json.as_object_mut().unwrap().remove("selection");
    let old_client: RestorePlan = serde_json::from_value(json).unwrap();
    store
        .apply_restore(&at(4 * HOUR), &old_client)
        .await
        .unwrap();
    let state = store.get_user(u, None).await.unwrap().state;
    assert_eq!(state.memberships[0].group, f.sales);
}

#[tokio::test]
async fn apply_restore_leaves_unselected_and_omitted_items_untouched() {
    let store = store().await;
    let f = fixture(&store).await;
    let (u, first) = changed_user(&store, &f).await;
    let mut plan = store
        .plan_restore(
            u,
            RestoreSource::Snapshot(first),
            &RestoreSelection::everything(),
            RestoreMode::Exact,
        )
        .await
        .unwrap();
    let kinds: Vec<_> = plan.items.iter().map(|i| (i.kind, i.action)).collect();
    assert!(kinds.contains(&(RestoreItemKind::Attributes, RestoreAction::Update)));
    assert!(kinds.contains(&(RestoreItemKind::Membership, RestoreAction::Add)));
    // The operator keeps the Writer role (unselects its revoke) and drops the membership
    // line from the plan altogether.
    for item in &mut plan.items {
        if item.kind == RestoreItemKind::Grant && item.action == RestoreAction::Remove {
            item.selected = false;
        }
    }
    plan.items.retain(|i| i.kind != RestoreItemKind::Membership);
    let outcome = store.apply_restore(&at(3 * HOUR), &plan).await.unwrap();
    assert_eq!(outcome.applied, 2, "{}", outcome.summary);
    assert!(
        outcome.summary.contains("2 left out by the operator"),
        "{}",
        outcome.summary
    );

    let state = store.get_user(u, None).await.unwrap().state;
    assert_eq!(state.attributes.email, "lena@example.test");
    let roles: Vec<_> = state.grants.iter().map(|g| g.role_name.as_str()).collect();
    assert_eq!(roles, ["Reader", "Writer"]);
    assert!(state.memberships.is_empty());
}

#[tokio::test]
async fn undo_brings_back_the_exact_state_a_restore_replaced_even_within_the_delay() {
    let store = store().await;
    let f = fixture(&store).await;
    snapshot_settings(&store, 3600, 10, true).await;
    let (u, first) = changed_user(&store, &f).await;
    // More changes within the hour: they update the newest snapshot in place.
    let account = owned_account(
        &store,
        &at(2 * HOUR + 10 * SEC),
        &at(2 * HOUR + 11 * SEC),
        f.ad,
        "lena",
        u,
    )
    .await;
    store
        .grant_role(
            &at(2 * HOUR + 12 * SEC),
            &GrantInput {
                role: f.reader,
                grantee: Grantee::Account(account),
                scope: "EU".into(),
                start_date: Some(time(0)),
                end_date: None,
            },
        )
        .await
        .unwrap();
    store
        .add_mail_list_member(&at(2 * HOUR + 13 * SEC), f.list, &MailMember::User(u))
        .await
        .unwrap();
    let before = store.get_user(u, None).await.unwrap().state;
    let newest = store.list_snapshots(u).await.unwrap()[0].id;

    let plan = store
        .plan_restore(
            u,
            RestoreSource::Snapshot(first),
            &RestoreSelection::everything(),
            RestoreMode::Exact,
        )
        .await
        .unwrap();
    let outcome = store
        .apply_restore(&at(2 * HOUR + 20 * SEC), &plan)
        .await
        .unwrap();
    // The restore opened a new snapshot; the one it replaced is intact and names it.
    assert_eq!(outcome.undo_snapshot, Some(newest));
    let snapshots = store.list_snapshots(u).await.unwrap();
    assert_ne!(snapshots[0].id, newest);
    assert_eq!(snapshots[1].id, newest);
    assert_eq!(snapshots[1].valid_until, Some(time(2 * HOUR + 20 * SEC)));
    assert_eq!(store.get_snapshot(newest).await.unwrap().state, before);
    let restored = store.get_user(u, None).await.unwrap().state;
    assert_ne!(restored, before);
    assert_eq!(restored.attributes.email, "lena@example.test");

    // Undo: restore the pre-restore snapshot, again within the delay.
    let undo = store
        .plan_restore(
            u,
            RestoreSource::Snapshot(outcome.undo_snapshot.unwrap()),
            &RestoreSelection::everything(),
            RestoreMode::Exact,
        )
        .await
        .unwrap();
    let undone = store
        .apply_restore(&at(2 * HOUR + 30 * SEC), &undo)
        .await
        .unwrap();
    assert_eq!(store.get_user(u, None).await.unwrap().state, before);
    assert_eq!(undone.undo_snapshot, Some(snapshots[0].id));
    // Redo works the same way: the restored state was kept too.
    assert_eq!(
        store.get_snapshot(snapshots[0].id).await.unwrap().state,
        restored
    );
    assert_eq!(
        store.list_snapshots(u).await.unwrap().len(),
        snapshots.len() + 1
    );
}

#[tokio::test]
async fn restoring_a_history_record_opens_a_new_snapshot_within_the_delay() {
    let store = store().await;
    let f = fixture(&store).await;
    snapshot_settings(&store, 3600, 1, true).await;
    let (u, _) = changed_user(&store, &f).await;
    let before = store.list_snapshots(u).await.unwrap();
    assert_eq!(before.len(), 1);
    let history = store
        .user_history(u, HistoryKind::Memberships, 0, 10)
        .await
        .unwrap();
    let ended = history.items.iter().find(|h| h.until.is_some()).unwrap();
    store
        .restore_history_record(
            &at(2 * HOUR + 10 * SEC),
            HistoryKind::Memberships,
            ended.version_id,
        )
        .await
        .unwrap();
    // Keep-1 still spares the snapshot before the restore.
    let after = store.list_snapshots(u).await.unwrap();
    assert_eq!(after.len(), 2);
    assert_eq!(after[1].id, before[0].id);
    assert!(store
        .get_snapshot(before[0].id)
        .await
        .unwrap()
        .state
        .memberships
        .is_empty());
    assert_eq!(
        store
            .get_snapshot(after[0].id)
            .await
            .unwrap()
            .state
            .memberships[0]
            .group,
        f.sales
    );
}
