//! Role assignment rules: a condition in the advanced query language grants roles to the
//! users it selects, in the same transaction as every change to them; the grants are
//! marked with the rule, cannot be revoked by hand, end with the rule, and a user restore
//! leaves them to the rule.
#![cfg(feature = "ssr")]
mod common;

use app::model::kinds::ROLE_RULES;
use app::model::*;
use app::store::{Author, Error, Store};
use common::*;

fn rule(name: &str, condition: &str, roles: &str) -> ResourceInput {
    ResourceInput {
        values: vec![name.into(), String::new(), condition.into(), roles.into()],
    }
}

/// The user's direct grants as "Role [scope] by rule" lines.
async fn grants_of(store: &Store, user: UserId) -> Vec<String> {
    store
        .list_grants(None, Some(Grantee::User(user)), None)
        .await
        .unwrap()
        .iter()
        .map(|g| {
            let by = g.rule.as_deref().unwrap_or("hand");
            if g.scope.is_empty() {
                format!("{} by {by}", g.role_name)
            } else {
                format!("{} [{}] by {by}", g.role_name, g.scope)
            }
        })
        .collect()
}

fn field_problem(error: Error) -> (String, String) {
    match error {
        Error::Invalid(p) => (p[0].field.clone(), p[0].message.clone()),
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_rule_is_checked_and_keeps_its_roles_as_they_are_named() {
    let store = store().await;
    fixture(&store).await;
    let (field, message) = field_problem(
        store
            .create_resource(
                &at(SEC),
                &ROLE_RULES,
                &rule("r", "shoeSize eq 4", "Reader@AD"),
            )
            .await
            .unwrap_err(),
    );
    assert_eq!(field, "condition");
    assert!(message.contains("shoeSize"), "{message}");
    let (field, message) = field_problem(
        store
            .create_resource(
                &at(SEC),
                &ROLE_RULES,
                &rule("r", "enabled eq true", "Nobody@AD"),
            )
            .await
            .unwrap_err(),
    );
    assert_eq!(field, "roles");
    assert!(message.contains("No role \"Nobody\""), "{message}");
    let (field, _) = field_problem(
        store
            .create_resource(
                &at(SEC),
                &ROLE_RULES,
                &rule("r", "enabled eq true", "Reader"),
            )
            .await
            .unwrap_err(),
    );
    assert_eq!(field, "roles");

    let id = store
        .create_resource(
            &at(SEC),
            &ROLE_RULES,
            &rule(
                "Staff",
                "enabled eq true",
                "reader@ad\n  WRITER@ad ; Madrid ",
            ),
        )
        .await
        .unwrap();
    let record = store
        .get_resource(&ROLE_RULES, id, None)
        .await
        .unwrap()
        .record;
    assert_eq!(record.values[3], "Reader@AD\nWriter@AD; Madrid");
}

#[tokio::test]
async fn every_user_change_grants_and_revokes_what_the_rules_say_in_its_own_transaction() {
    let store = store().await;
    let f = fixture(&store).await;
    let rule_id = store
        .create_resource(
            &at(SEC),
            &ROLE_RULES,
            &rule(
                "Internal staff",
                "userType eq \"internal\" and enabled eq true",
                "Reader@AD",
            ),
        )
        .await
        .unwrap();
    // A new user the condition selects gets the role, marked with the rule.
    let ana = store
        .create_user(&at(2 * SEC), &user_input("ana", f.staff))
        .await
        .unwrap();
    assert_eq!(grants_of(&store, ana).await, ["Reader by Internal staff"]);
    // A hand-made grant of another role stays untouched.
    store
        .grant_role(&at(3 * SEC), &user_grant(f.writer, ana))
        .await
        .unwrap();
    // The rule's grant is not revoked by hand, and says which rule owns it.
    let rule_grant = store
        .list_grants(Some(f.reader), Some(Grantee::User(ana)), None)
        .await
        .unwrap()[0]
        .id;
    let refused = store
        .revoke_grant(&at(4 * SEC), rule_grant)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::Conflict(m) if m.contains("\"Internal staff\"")),
        "{refused:?}"
    );
    // A change that leaves the condition false takes the role away; the snapshot shows it.
    let mut input = store.get_user(ana, None).await.unwrap().state.attributes;
    input.user_type = "external".into();
    store.update_user(&at(5 * SEC), ana, &input).await.unwrap();
    assert_eq!(grants_of(&store, ana).await, ["Writer by hand"]);
    let state = store.current_state(ana).await.unwrap();
    assert_eq!(state.grants.len(), 1);
    // Back inside: the rule grants it again.
    input.user_type = "internal".into();
    store.update_user(&at(6 * SEC), ana, &input).await.unwrap();
    assert_eq!(
        grants_of(&store, ana).await,
        ["Reader by Internal staff", "Writer by hand"]
    );
    let state = store.current_state(ana).await.unwrap();
    let reader = state.grants.iter().find(|g| g.role == f.reader).unwrap();
    assert_eq!(reader.rule.as_deref(), Some("Internal staff"));

    // Deleting the rule ends the grants it made, not the hand-made ones.
    store
        .delete_resources(&at(7 * SEC), &ROLE_RULES, &[rule_id])
        .await
        .unwrap();
    assert_eq!(grants_of(&store, ana).await, ["Writer by hand"]);
}

#[tokio::test]
async fn a_role_already_held_by_hand_is_left_to_the_hand_and_two_rules_share_one_grant() {
    let store = store().await;
    let f = fixture(&store).await;
    let ana = store
        .create_user(&at(SEC), &user_input("ana", f.staff))
        .await
        .unwrap();
    store
        .grant_role(&at(2 * SEC), &user_grant(f.reader, ana))
        .await
        .unwrap();
    for (i, name) in ["B rule", "A rule"].into_iter().enumerate() {
        store
            .create_resource(
                &at((3 + i as i64) * SEC),
                &ROLE_RULES,
                &rule(name, "enabled eq true", "Reader@AD\nWriter@AD"),
            )
            .await
            .unwrap();
    }
    let mut input = store.get_user(ana, None).await.unwrap().state.attributes;
    input.comments = "touched".into();
    store.update_user(&at(5 * SEC), ana, &input).await.unwrap();
    // Reader stays the hand's; Writer is made once, by the first rule by name.
    assert_eq!(
        grants_of(&store, ana).await,
        ["Reader by hand", "Writer by A rule"]
    );
}

#[tokio::test]
async fn a_restore_neither_removes_nor_re_adds_a_rule_made_grant() {
    let store = store().await;
    let f = fixture(&store).await;
    let ana = store
        .create_user(&at(HOUR), &user_input("ana", f.staff))
        .await
        .unwrap();
    let before_rule = store.list_snapshots(ana).await.unwrap().last().unwrap().id;
    let rule_id = store
        .create_resource(
            &at(2 * HOUR),
            &ROLE_RULES,
            &rule("Everyone", "enabled eq true", "Reader@AD"),
        )
        .await
        .unwrap();
    let mut input = store.get_user(ana, None).await.unwrap().state.attributes;
    input.comments = "now under the rule".into();
    store.update_user(&at(3 * HOUR), ana, &input).await.unwrap();
    assert_eq!(grants_of(&store, ana).await, ["Reader by Everyone"]);

    // The old snapshot has no Reader: an exact restore would revoke it, but the rule owns it.
    let plan = store
        .plan_restore(
            ana,
            RestoreSource::Snapshot(before_rule),
            &RestoreSelection::everything(),
            RestoreMode::Exact,
        )
        .await
        .unwrap();
    let grant = plan
        .items
        .iter()
        .find(|i| i.kind == RestoreItemKind::Grant)
        .expect("a grant item");
    assert_eq!(grant.action, RestoreAction::Remove);
    assert_eq!(
        grant.blocked.as_deref(),
        Some("managed by rule \"Everyone\"")
    );
    store.apply_restore(&at(4 * HOUR), &plan).await.unwrap();
    assert_eq!(grants_of(&store, ana).await, ["Reader by Everyone"]);

    // With the rule gone, a snapshot holding its grant does not bring it back by hand.
    let with_rule = store.list_snapshots(ana).await.unwrap()[0].id;
    store
        .delete_resources(&at(5 * HOUR), &ROLE_RULES, &[rule_id])
        .await
        .unwrap();
    assert!(grants_of(&store, ana).await.is_empty());
    let plan = store
        .plan_restore(
            ana,
            RestoreSource::Snapshot(with_rule),
            &RestoreSelection::everything(),
            RestoreMode::Exact,
        )
        .await
        .unwrap();
    let grant = plan
        .items
        .iter()
        .find(|i| i.kind == RestoreItemKind::Grant)
        .expect("a grant item");
    assert_eq!(grant.action, RestoreAction::Add);
    assert_eq!(
        grant.blocked.as_deref(),
        Some("managed by rule \"Everyone\"")
    );
}

#[tokio::test]
async fn preview_lists_what_apply_now_then_does_and_an_edit_previews_its_revokes() {
    let store = store().await;
    let f = fixture(&store).await;
    let mut users = Vec::new();
    for (i, name) in ["ana", "bo", "cy", "di"].into_iter().enumerate() {
        let mut input = user_input(name, f.staff);
        if i % 2 == 1 {
            input.user_type = "external".into();
        }
        users.push(store.create_user(&at(SEC), &input).await.unwrap());
    }
    let rule_id = store
        .create_resource(
            &at(2 * SEC),
            &ROLE_RULES,
            &rule(
                "Internal",
                "userType eq \"internal\"",
                "Reader@AD\nWriter@AD; Madrid",
            ),
        )
        .await
        .unwrap();
    // Saving a rule changes no one until it is applied (or the user changes).
    assert!(grants_of(&store, users[0]).await.is_empty());
    let preview = store.preview_role_rule(rule_id).await.unwrap();
    assert_eq!(
        (preview.selected_users, preview.grants, preview.revokes),
        (2, 4, 0)
    );
    let lines: Vec<String> = preview
        .lines
        .iter()
        .map(|l| {
            format!(
                "{} {} {} {}",
                if l.grant { "+" } else { "-" },
                l.user_name,
                l.role,
                l.scope
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            "+ ana Reader@AD ",
            "+ ana Writer@AD Madrid",
            "+ cy Reader@AD ",
            "+ cy Writer@AD Madrid"
        ]
    );

    let run = store
        .apply_role_rule(&Author::named("tester"), rule_id)
        .await
        .unwrap();
    assert_eq!(run.state, RuleRunState::Finished);
    assert_eq!(
        (run.total, run.done, run.granted, run.revoked),
        (4, 4, 4, 0)
    );
    assert_eq!(
        grants_of(&store, users[2]).await,
        ["Reader by Internal", "Writer [Madrid] by Internal"]
    );
    assert!(grants_of(&store, users[1]).await.is_empty());
    // The snapshot of a user the rule changed holds the rule's grants.
    assert_eq!(store.current_state(users[0]).await.unwrap().grants.len(), 2);
    let again = store.preview_role_rule(rule_id).await.unwrap();
    assert_eq!((again.grants, again.revokes), (0, 0));

    // Dropping Writer from the rule previews its revokes, and applying does them.
    store
        .update_resource(
            &at(3 * SEC),
            &ROLE_RULES,
            rule_id,
            &rule("Internal", "userType eq \"internal\"", "Reader@AD"),
        )
        .await
        .unwrap();
    let preview = store.preview_role_rule(rule_id).await.unwrap();
    assert_eq!((preview.grants, preview.revokes), (0, 2));
    assert!(preview
        .lines
        .iter()
        .all(|l| !l.grant && l.role == "Writer@AD"));
    let run = store
        .apply_role_rule(&Author::named("tester"), rule_id)
        .await
        .unwrap();
    assert_eq!((run.granted, run.revoked), (0, 2));
    assert_eq!(grants_of(&store, users[0]).await, ["Reader by Internal"]);
}

#[tokio::test]
async fn apply_now_runs_in_the_background_and_a_cancel_stops_it_between_batches() {
    let store = store().await;
    let f = fixture(&store).await;
    let ana = store
        .create_user(&at(SEC), &user_input("ana", f.staff))
        .await
        .unwrap();
    // Seven batches of 500 users, ana in the first: the cancel comes while they run (with
    // two, a fast machine finished both before the cancel was written).
    let mut csv = String::from("userName,firstName,lastName,primaryGroup\n");
    for i in 0..3000 {
        csv.push_str(&format!("bulk{i:04},First,Last,Staff\n"));
    }
    let imported = store
        .import_csv(&at(SEC), &import_request(ImportKind::Users, csv, true))
        .await
        .unwrap();
    assert!(imported.applied, "{imported:?}");
    let rule_id = store
        .create_resource(
            &at(2 * SEC),
            &ROLE_RULES,
            &rule("All", "enabled eq true", "Reader@AD"),
        )
        .await
        .unwrap();
    assert!(
        store.cancel_rule_run(rule_id).await.is_err(),
        "nothing runs yet"
    );
    assert!(matches!(
        store
            .start_rule_run(&Author::named("tester"), 999_999)
            .await,
        Err(Error::NotFound(_))
    ));
    let author = Author::named("tester");
    let started = store.start_rule_run(&author, rule_id).await.unwrap();
    assert!(started.running());
    // A second start while it runs is refused; the cancel lands before the last batch.
    assert!(matches!(
        store.start_rule_run(&author, rule_id).await,
        Err(Error::Conflict(_))
    ));
    store.cancel_rule_run(rule_id).await.unwrap();
    let finished = loop {
        let run = store.rule_run(rule_id).await.unwrap().unwrap();
        if !run.running() {
            break run;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    };
    assert_eq!(finished.state, RuleRunState::Cancelled);
    assert_eq!(finished.total, 3001);
    // Whole batches only, and not all of them.
    assert!(
        finished.done % 500 == 0 && finished.done < 3001,
        "{finished:?}"
    );
    let ana_granted = if finished.done == 0 {
        vec![]
    } else {
        vec!["Reader by All".to_string()]
    };
    assert_eq!(grants_of(&store, ana).await, ana_granted);

    // Started again and left alone, it finishes and grants.
    store.start_rule_run(&author, rule_id).await.unwrap();
    let finished = loop {
        let run = store.rule_run(rule_id).await.unwrap().unwrap();
        if !run.running() {
            break run;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    };
    assert_eq!(finished.state, RuleRunState::Finished);
    assert_eq!(finished.done, 3001);
    assert_eq!(grants_of(&store, ana).await, ["Reader by All"]);
}

#[tokio::test]
async fn renaming_a_role_or_its_system_keeps_the_rule_granting_it() {
    let store = store().await;
    let f = fixture(&store).await;
    let rule_id = store
        .create_resource(
            &at(SEC),
            &ROLE_RULES,
            &rule("All", "enabled eq true", "Reader@AD; Madrid\nWriter@AD"),
        )
        .await
        .unwrap();
    let ana = store
        .create_user(&at(2 * SEC), &user_input("ana", f.staff))
        .await
        .unwrap();
    assert_eq!(grants_of(&store, ana).await.len(), 2);
    let roles_text = |store: Store| async move {
        store
            .get_resource(&ROLE_RULES, rule_id, None)
            .await
            .unwrap()
            .record
            .values[3]
            .clone()
    };

    let mut reader = store.get_role(f.reader, None).await.unwrap().role.input;
    reader.name = "Readers".into();
    store
        .update_role(&at(3 * SEC), f.reader, &reader)
        .await
        .unwrap();
    assert_eq!(
        roles_text(store.clone()).await,
        "Readers@AD; Madrid\nWriter@AD"
    );
    let systems = &app::model::kinds::SYSTEMS;
    let mut ad = store
        .get_resource(systems, f.ad.0, None)
        .await
        .unwrap()
        .record
        .values;
    ad[0] = "Directory".into();
    store
        .update_resource(&at(4 * SEC), systems, f.ad.0, &ResourceInput { values: ad })
        .await
        .unwrap();
    assert_eq!(
        roles_text(store.clone()).await,
        "Readers@Directory; Madrid\nWriter@Directory"
    );
    // A later change to the user keeps both grants: the rule still names both roles.
    let mut input = store.get_user(ana, None).await.unwrap().state.attributes;
    input.comments = "changed".into();
    store.update_user(&at(5 * SEC), ana, &input).await.unwrap();
    assert_eq!(
        grants_of(&store, ana).await,
        ["Readers [Madrid] by All", "Writer by All"]
    );
}

#[tokio::test]
async fn a_rule_grants_nothing_segregation_of_duties_forbids() {
    let store = store().await;
    let f = fixture(&store).await;
    let ana = store
        .create_user(&at(SEC), &user_input("ana", f.staff))
        .await
        .unwrap();
    let bo = store
        .create_user(&at(SEC), &user_input("bo", f.staff))
        .await
        .unwrap();
    store
        .grant_role(&at(2 * SEC), &user_grant(f.reader, ana))
        .await
        .unwrap();
    store
        .create_resource(
            &at(3 * SEC),
            &app::model::kinds::SOD_RULES,
            &ResourceInput {
                values: [
                    "Read or write",
                    "",
                    "all",
                    "",
                    "forbidden",
                    "Reader@AD\nWriter@AD",
                    "",
                ]
                .map(String::from)
                .to_vec(),
            },
        )
        .await
        .unwrap();
    let rule_id = store
        .create_resource(
            &at(4 * SEC),
            &ROLE_RULES,
            &rule("Writers", "enabled eq true", "Writer@AD"),
        )
        .await
        .unwrap();
    let preview = store.preview_role_rule(rule_id).await.unwrap();
    assert_eq!(
        (preview.grants, preview.revokes, preview.withheld),
        (1, 0, 1)
    );
    let ana_line = preview.lines.iter().find(|l| l.user_name == "ana").unwrap();
    assert_eq!(ana_line.withheld_by.as_deref(), Some("Read or write"));
    let run = store
        .apply_role_rule(&Author::named("tester"), rule_id)
        .await
        .unwrap();
    assert_eq!((run.granted, run.withheld), (1, 1));
    assert_eq!(grants_of(&store, bo).await, ["Writer by Writers"]);
    // A later change to ana leaves her without Writer too.
    let mut input = store.get_user(ana, None).await.unwrap().state.attributes;
    input.comments = "changed".into();
    store.update_user(&at(5 * SEC), ana, &input).await.unwrap();
    assert_eq!(grants_of(&store, ana).await, ["Reader by hand"]);
}

#[tokio::test]
async fn apply_now_of_one_rule_keeps_a_grant_another_rule_also_gives() {
    let store = store().await;
    let f = fixture(&store).await;
    let ana = store
        .create_user(&at(SEC), &user_input("ana", f.staff))
        .await
        .unwrap();
    let b = store
        .create_resource(
            &at(2 * SEC),
            &ROLE_RULES,
            &rule("B", "enabled eq true", "Reader@AD"),
        )
        .await
        .unwrap();
    let author = Author::named("tester");
    store.apply_role_rule(&author, b).await.unwrap();
    assert_eq!(grants_of(&store, ana).await, ["Reader by B"]);
    store
        .create_resource(
            &at(3 * SEC),
            &ROLE_RULES,
            &rule("A", "enabled eq true", "Reader@AD"),
        )
        .await
        .unwrap();
    store
        .update_resource(
            &at(4 * SEC),
            &ROLE_RULES,
            b,
            &rule("B", "enabled eq true", "Writer@AD"),
        )
        .await
        .unwrap();
    let preview = store.preview_role_rule(b).await.unwrap();
    assert_eq!((preview.grants, preview.revokes), (1, 0));
    let run = store.apply_role_rule(&author, b).await.unwrap();
    assert_eq!((run.granted, run.revoked), (1, 0));
    assert_eq!(grants_of(&store, ana).await, ["Reader by B", "Writer by B"]);
}
