//! The user's timeline (every change, newest first, with what it changed and who made it),
//! comparing two instants, and restoring the user to any instant of the history.
#![cfg(feature = "ssr")]
mod common;

use app::model::*;
use app::store::{Author, Store};
use common::*;

fn by(name: &str, offset: i64) -> Author {
    Author::named(name).at(T0 + offset)
}

/// Created by tester at 0; Sales membership by alice at 1 s; Reader granted by alice at
/// 2 s; email changed by bob at 1 h; Sales membership ended by bob at 1 h + 1 s.
async fn user_with_history(store: &Store, f: &Fixture) -> UserId {
    let u = store
        .create_user(&at(0), &user_input("nora", f.staff))
        .await
        .unwrap();
    store
        .add_membership(
            &by("alice", SEC),
            &MembershipInput {
                user: u,
                group: f.sales,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    store
        .grant_role(&by("alice", 2 * SEC), &user_grant(f.reader, u))
        .await
        .unwrap();
    let mut input = store.get_user(u, None).await.unwrap().state.attributes;
    input.email = "nora@changed.example".into();
    store
        .update_user(&by("bob", HOUR), u, &input)
        .await
        .unwrap();
    let m = store.find_membership(u, f.sales).await.unwrap().unwrap();
    store
        .remove_membership(&by("bob", HOUR + SEC), m)
        .await
        .unwrap();
    u
}

fn query(user: UserId, kinds: Vec<HistoryKind>, offset: i64, limit: i64) -> TimelineQuery {
    TimelineQuery {
        user,
        kinds,
        offset,
        limit,
        before: None,
    }
}

#[tokio::test]
async fn the_timeline_lists_every_change_newest_first_with_what_and_who() {
    let store = store().await;
    let f = fixture(&store).await;
    let u = user_with_history(&store, &f).await;
    let page = store.user_timeline(&query(u, vec![], 0, 50)).await.unwrap();
    assert_eq!(page.total, 5);
    let events = &page.items;
    let times: Vec<_> = events.iter().map(|e| e.at).collect();
    assert_eq!(
        times,
        vec![
            time(HOUR + SEC),
            time(HOUR),
            time(2 * SEC),
            time(SEC),
            time(0)
        ]
    );
    let authors: Vec<_> = events.iter().map(|e| e.by.as_str()).collect();
    assert_eq!(authors, vec!["bob", "bob", "alice", "alice", "tester"]);

    // Newest: the membership ended, and nothing else.
    assert_eq!(events[0].change, TimelineChange::Changed);
    let removed: Vec<_> = events[0]
        .diff
        .memberships
        .removed
        .iter()
        .map(|m| m.group_name.as_str())
        .collect();
    assert_eq!(removed, vec!["Sales"]);
    assert!(events[0].diff.attributes.is_empty() && events[0].diff.grants.is_empty());
    // The email change, before and after.
    let email = events[1]
        .diff
        .attributes
        .iter()
        .find(|c| c.name == "email")
        .unwrap();
    assert_eq!(email.before, "nora@example.test");
    assert_eq!(email.after, "nora@changed.example");
    // The grant, then the membership, then the creation.
    assert_eq!(events[2].diff.grants.added.len(), 1);
    assert_eq!(events[3].diff.memberships.added.len(), 1);
    assert_eq!(events[4].change, TimelineChange::Created);
}

#[tokio::test]
async fn the_timeline_filters_by_kind_and_pages() {
    let store = store().await;
    let f = fixture(&store).await;
    let u = user_with_history(&store, &f).await;
    let groups = store
        .user_timeline(&query(u, vec![HistoryKind::Memberships], 0, 50))
        .await
        .unwrap();
    assert_eq!(groups.total, 2, "the membership added and ended");
    assert!(groups
        .items
        .iter()
        .all(|e| e.diff.attributes.is_empty() && e.diff.grants.is_empty()));
    assert!(groups.items.iter().all(|e| !e.diff.memberships.is_empty()));

    let first = store.user_timeline(&query(u, vec![], 0, 2)).await.unwrap();
    let second = store.user_timeline(&query(u, vec![], 2, 2)).await.unwrap();
    assert_eq!(
        (first.total, first.items.len(), second.items.len()),
        (5, 2, 2)
    );
    assert_eq!(second.items[0].at, time(2 * SEC));
    // An oversized page is cut to the bound.
    let big = store
        .user_timeline(&query(u, vec![], 0, 1_000_000))
        .await
        .unwrap();
    assert_eq!(big.limit, TIMELINE_MAX_PAGE);
}

/// Paging after the last event read: a change recorded between two pages shifts nothing,
/// where paging by offset would show the second page's first event again.
#[tokio::test]
async fn paging_after_an_event_is_not_shifted_by_newer_changes() {
    let store = store().await;
    let f = fixture(&store).await;
    let u = user_with_history(&store, &f).await;
    let first = store.user_timeline(&query(u, vec![], 0, 2)).await.unwrap();
    let last = first.items.last().unwrap();
    let mut input = store.get_user(u, None).await.unwrap().state.attributes;
    input.email = "nora@newer.example".into();
    store
        .update_user(&by("carol", 2 * HOUR), u, &input)
        .await
        .unwrap();
    let by_offset = store.user_timeline(&query(u, vec![], 2, 2)).await.unwrap();
    assert_eq!(
        by_offset.items[0].at, last.at,
        "offsets shift: the test is real"
    );
    let mut after_last = query(u, vec![], 0, 2);
    after_last.before = Some(TimelinePosition {
        instant_micros: last.at.timestamp_micros(),
        operation_id: last.operation_id,
    });
    let second = store.user_timeline(&after_last).await.unwrap();
    let times: Vec<_> = second.items.iter().map(|e| e.at).collect();
    assert_eq!(times, vec![time(2 * SEC), time(SEC)]);
}

#[tokio::test]
async fn two_instants_compare_as_the_changes_between_them() {
    let store = store().await;
    let f = fixture(&store).await;
    let u = user_with_history(&store, &f).await;
    let diff = store
        .diff_user_states(u, time(2 * SEC), Some(time(HOUR + SEC)))
        .await
        .unwrap();
    assert_eq!(diff.memberships.removed.len(), 1);
    assert_eq!(diff.attributes.len(), 1);
    assert!(diff.grants.is_empty(), "the grant is in both states");
    let since_creation = store.diff_user_states(u, time(0), None).await.unwrap();
    assert_eq!(since_creation.grants.added.len(), 1);
    assert!(
        since_creation.memberships.is_empty(),
        "added and ended since"
    );
}

#[tokio::test]
async fn restoring_to_an_instant_brings_back_the_state_of_then() {
    let store = store().await;
    let f = fixture(&store).await;
    let u = user_with_history(&store, &f).await;
    let plan = store
        .plan_restore(
            u,
            RestoreSource::Instant(time(2 * SEC)),
            &RestoreSelection::everything(),
            RestoreMode::Exact,
        )
        .await
        .unwrap();
    assert_eq!(
        plan.items.len(),
        2,
        "the email and the membership: {:?}",
        plan.items
    );
    let outcome = store.apply_restore(&at(2 * HOUR), &plan).await.unwrap();
    assert_eq!(outcome.applied, 2);
    let now = store.get_user(u, None).await.unwrap().state;
    assert_eq!(now.attributes.email, "nora@example.test");
    assert!(now.memberships.iter().any(|m| m.group == f.sales));
    // The restore is itself a change on the timeline, and can be undone from its snapshot.
    let newest = &store
        .user_timeline(&query(u, vec![], 0, 1))
        .await
        .unwrap()
        .items[0];
    assert_eq!(newest.at, time(2 * HOUR));
    assert!(outcome.undo_snapshot.is_some());
}

#[tokio::test]
async fn restoring_to_an_instant_before_the_user_or_in_the_future_is_refused() {
    let store = store().await;
    let f = fixture(&store).await;
    let u = user_with_history(&store, &f).await;
    let before = store.get_user(u, None).await.unwrap().state;
    for instant in [time(-SEC), chrono::Utc::now() + chrono::Duration::days(1)] {
        let error = store
            .plan_restore(
                u,
                RestoreSource::Instant(instant),
                &RestoreSelection::everything(),
                RestoreMode::Exact,
            )
            .await
            .unwrap_err();
        assert!(matches!(error, app::store::Error::Invalid(_)), "{error:?}");
    }
    assert_eq!(store.get_user(u, None).await.unwrap().state, before);
}

#[tokio::test]
async fn group_change_density_counts_changes_per_period_from_the_first_group() {
    let store = store().await;
    let f = fixture(&store).await;
    let before = store.group_change_density(10).await.unwrap();
    assert_eq!(before.counts.len(), 10);
    let total = |d: &ChangeDensity| d.counts.iter().sum::<i64>();
    // A rename is one change (one operation), though it ends a version and starts another.
    let mut sales = store.get_group(f.sales, None).await.unwrap().input;
    sales.name = "Sales & Marketing".into();
    store
        .update_group(&at(HOUR), f.sales, &sales)
        .await
        .unwrap();
    let after = store.group_change_density(10).await.unwrap();
    assert_eq!(total(&after), total(&before) + 1);
    assert_eq!(after.from, time(0), "from the first recorded group");
    // Bounded: an absurd request gets the maximum.
    let many = store.group_change_density(1_000_000).await.unwrap();
    assert_eq!(many.counts.len() as i64, DENSITY_MAX_BUCKETS);
    assert_eq!(total(&many), total(&after));
    // The slider maps both ways.
    let middle = after.instant_at(500, 1000);
    assert_eq!(after.position_of(middle, 1000), 500);
    assert_eq!(after.position_of(time(-HOUR), 1000), 0);
}

#[tokio::test]
async fn group_changes_name_what_happened_to_each_group_in_the_period() {
    let store = store().await;
    let f = fixture(&store).await;
    let new_group = |name: &str, parent: Option<GroupId>| GroupInput {
        name: name.into(),
        parent,
        ..Default::default()
    };
    let ops = store
        .create_group(&by("alice", HOUR), &new_group("Ops", Some(f.staff)))
        .await
        .unwrap();
    let mut input = store.get_group(ops, None).await.unwrap().input;
    input.name = "Operations".into();
    store
        .update_group(&by("bob", 2 * HOUR), ops, &input)
        .await
        .unwrap();
    input.parent = Some(f.sales);
    store
        .update_group(&by("bob", 3 * HOUR), ops, &input)
        .await
        .unwrap();
    input.description = "Runs things".into();
    store
        .update_group(&by("bob", 4 * HOUR), ops, &input)
        .await
        .unwrap();
    store
        .delete_group(&by("carol", 5 * HOUR), ops)
        .await
        .unwrap();

    let found = store
        .group_changes(time(HOUR - SEC), time(6 * HOUR))
        .await
        .unwrap();
    assert!(!found.truncated);
    let kinds: Vec<_> = found
        .changes
        .iter()
        .map(|c| (c.by.as_str(), c.kind.clone()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("carol", GroupChangeKind::Deleted),
            ("bob", GroupChangeKind::Edited),
            (
                "bob",
                GroupChangeKind::Moved {
                    from: Some("Staff".into()),
                    to: Some("Sales".into())
                }
            ),
            ("bob", GroupChangeKind::Renamed { from: "Ops".into() }),
            (
                "alice",
                GroupChangeKind::Created {
                    parent: Some("Staff".into())
                }
            ),
        ]
    );
    assert_eq!(found.changes[0].name, "Operations");
    // Only what happened inside the period.
    let middle = store
        .group_changes(time(2 * HOUR), time(3 * HOUR))
        .await
        .unwrap();
    assert_eq!(middle.changes.len(), 1);
    assert!(matches!(
        middle.changes[0].kind,
        GroupChangeKind::Moved { .. }
    ));
    // A period that ends before it starts is refused.
    assert!(store
        .group_changes(time(3 * HOUR), time(HOUR))
        .await
        .is_err());
}
