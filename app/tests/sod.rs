//! Segregation of duties: rules over roles (all of them, more than N, a risk matrix) with a
//! risk; a forbidden combination is refused when granted and not put back by a restore;
//! lower risks are reported per user, for a grant about to be made, and system-wide.
#![cfg(feature = "ssr")]
mod common;

use app::model::kinds::SOD_RULES;
use app::model::*;
use app::store::{Error, Store};
use common::*;

/// name, description, type, N, risk, roles, pairs.
fn sod(name: &str, sod_type: &str, n: &str, risk: &str, roles: &str, pairs: &str) -> ResourceInput {
    ResourceInput {
        values: vec![
            name.into(),
            String::new(),
            sod_type.into(),
            n.into(),
            risk.into(),
            roles.into(),
            pairs.into(),
        ],
    }
}

fn field_of(error: Error) -> String {
    match error {
        Error::Invalid(p) => format!("{}: {}", p[0].field, p[0].message),
        other => panic!("expected a field error, got {other:?}"),
    }
}

async fn refused(store: &Store, input: ResourceInput) -> String {
    field_of(
        store
            .create_resource(&at(SEC), &SOD_RULES, &input)
            .await
            .unwrap_err(),
    )
}

#[tokio::test]
async fn a_rule_needs_what_its_type_needs_and_keeps_roles_as_named() {
    let store = store().await;
    fixture(&store).await;
    let one = refused(&store, sod("r", "all", "", "high", "Reader@AD", "")).await;
    assert!(one.starts_with("roles: List at least two"), "{one}");
    let no_risk = refused(&store, sod("r", "all", "", "", "Reader@AD\nWriter@AD", "")).await;
    assert!(no_risk.starts_with("risk:"), "{no_risk}");
    let n = refused(
        &store,
        sod("r", "more than", "2", "low", "Reader@AD\nWriter@AD", ""),
    )
    .await;
    assert!(
        n.starts_with("threshold: Give N, a whole number from 1 to 1"),
        "{n}"
    );
    let empty = refused(&store, sod("r", "pairs", "", "", "", "")).await;
    assert!(
        empty.starts_with("pairs: List at least one pair"),
        "{empty}"
    );
    let shape = refused(
        &store,
        sod("r", "pairs", "", "", "", "Reader@AD Writer@AD: low"),
    )
    .await;
    assert!(
        shape.starts_with("pairs:") && shape.contains("does not read"),
        "{shape}"
    );
    let risk = refused(
        &store,
        sod("r", "pairs", "", "", "", "Reader@AD + Writer@AD: awful"),
    )
    .await;
    assert!(risk.contains("\"awful\" is not a risk"), "{risk}");
    let unknown = refused(
        &store,
        sod("r", "pairs", "", "", "", "Reader@AD + Nobody@AD: low"),
    )
    .await;
    assert!(unknown.contains("No role \"Nobody\""), "{unknown}");

    let id = store
        .create_resource(
            &at(SEC),
            &SOD_RULES,
            &sod("Matrix", "PAIRS", "", "", "", "reader@ad + WRITER@ad: HIGH"),
        )
        .await
        .unwrap();
    let values = store
        .get_resource(&SOD_RULES, id, None)
        .await
        .unwrap()
        .record
        .values;
    assert_eq!(values[2], "pairs");
    assert_eq!(values[6], "Reader@AD + Writer@AD: high");

    // Renaming a role renames it in the rule, so the rule keeps meaning it.
    let f_reader = store
        .list_roles(None)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.input.name == "Reader")
        .unwrap();
    let mut input = f_reader.input.clone();
    input.name = "Auditor".into();
    store
        .update_role(&at(2 * SEC), f_reader.id, &input)
        .await
        .unwrap();
    let values = store
        .get_resource(&SOD_RULES, id, None)
        .await
        .unwrap()
        .record
        .values;
    assert_eq!(values[6], "Auditor@AD + Writer@AD: high");
}

#[tokio::test]
async fn a_forbidden_combination_is_refused_naming_the_rule_for_that_user_only() {
    let store = store().await;
    let f = fixture(&store).await;
    store
        .create_resource(
            &at(SEC),
            &SOD_RULES,
            &sod(
                "Read or write",
                "all",
                "",
                "forbidden",
                "Reader@AD\nWriter@AD",
                "",
            ),
        )
        .await
        .unwrap();
    let ana = store
        .create_user(&at(2 * SEC), &user_input("ana", f.staff))
        .await
        .unwrap();
    let bo = store
        .create_user(&at(2 * SEC), &user_input("bo", f.staff))
        .await
        .unwrap();
    store
        .grant_role(&at(3 * SEC), &user_grant(f.reader, ana))
        .await
        .unwrap();
    let error = store
        .grant_role(&at(4 * SEC), &user_grant(f.writer, ana))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Conflict(m)
            if m.contains("“Read or write”") && m.contains("ana") && m.contains("Writer@AD")),
        "{error:?}"
    );
    // Nothing of the refused grant stays.
    let held: Vec<String> = store
        .list_grants(None, Some(Grantee::User(ana)), None)
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.role_name)
        .collect();
    assert_eq!(held, ["Reader"]);
    // Another user without Reader may hold Writer.
    store
        .grant_role(&at(5 * SEC), &user_grant(f.writer, bo))
        .await
        .unwrap();
    // The grant dialog's check says the same before granting.
    let warning = store
        .sod_check_grant(Grantee::User(ana), f.writer)
        .await
        .unwrap();
    assert_eq!(warning.len(), 1);
    assert_eq!(warning[0].risk, SodRisk::Forbidden);
}

#[tokio::test]
async fn lower_risks_are_warnings_per_user_and_in_the_report() {
    let store = store().await;
    let f = fixture(&store).await;
    store
        .create_resource(
            &at(SEC),
            &SOD_RULES,
            &sod("Pair", "pairs", "", "", "", "Reader@AD + Writer@AD: low"),
        )
        .await
        .unwrap();
    store
        .create_resource(
            &at(SEC),
            &SOD_RULES,
            &sod(
                "Two of two",
                "more than",
                "1",
                "high",
                "Reader@AD\nWriter@AD",
                "",
            ),
        )
        .await
        .unwrap();
    let ana = store
        .create_user(&at(2 * SEC), &user_input("ana", f.staff))
        .await
        .unwrap();
    let bo = store
        .create_user(&at(2 * SEC), &user_input("bo", f.staff))
        .await
        .unwrap();
    for (user, role) in [(ana, f.reader), (ana, f.writer), (bo, f.reader)] {
        store
            .grant_role(&at(3 * SEC), &user_grant(role, user))
            .await
            .unwrap();
    }
    let texts = |found: Vec<SodViolation>| -> Vec<String> {
        found
            .iter()
            .map(|v| format!("{} {}", v.user_name, v.text()))
            .collect()
    };
    assert_eq!(
        texts(store.sod_violations(Some(ana)).await.unwrap()),
        [
            "ana low risk (rule “Pair”): Reader@AD, Writer@AD",
            "ana high risk (rule “Two of two”): Reader@AD, Writer@AD"
        ]
    );
    assert!(store.sod_violations(Some(bo)).await.unwrap().is_empty());
    assert_eq!(store.sod_violations(None).await.unwrap().len(), 2);
    // Granting Writer to bo would warn of both; nothing is refused.
    let warning = store
        .sod_check_grant(Grantee::User(bo), f.writer)
        .await
        .unwrap();
    assert_eq!(warning.len(), 2);
    store
        .grant_role(&at(4 * SEC), &user_grant(f.writer, bo))
        .await
        .unwrap();
    assert_eq!(store.sod_violations(None).await.unwrap().len(), 4);
}

#[tokio::test]
async fn a_restore_does_not_put_back_a_grant_a_forbidden_rule_now_refuses() {
    let store = store().await;
    let f = fixture(&store).await;
    let ana = store
        .create_user(&at(HOUR), &user_input("ana", f.staff))
        .await
        .unwrap();
    let writer = store
        .grant_role(&at(2 * HOUR), &user_grant(f.writer, ana))
        .await
        .unwrap();
    let with_writer = store.list_snapshots(ana).await.unwrap()[0].id;
    store.revoke_grant(&at(3 * HOUR), writer).await.unwrap();
    store
        .grant_role(&at(4 * HOUR), &user_grant(f.reader, ana))
        .await
        .unwrap();
    store
        .create_resource(
            &at(5 * HOUR),
            &SOD_RULES,
            &sod(
                "Read or write",
                "all",
                "",
                "forbidden",
                "Reader@AD\nWriter@AD",
                "",
            ),
        )
        .await
        .unwrap();
    let plan = |mode| {
        let store = store.clone();
        async move {
            store
                .plan_restore(
                    ana,
                    RestoreSource::Snapshot(with_writer),
                    &RestoreSelection::everything(),
                    mode,
                )
                .await
                .unwrap()
        }
    };
    // Adding back only what is missing would leave Reader and Writer together: blocked.
    let add_missing = plan(RestoreMode::AddMissing).await;
    let item = add_missing
        .items
        .iter()
        .find(|i| i.kind == RestoreItemKind::Grant && i.action == RestoreAction::Add)
        .expect("the Writer grant");
    assert_eq!(
        item.blocked.as_deref(),
        Some("forbidden by the segregation of duties rule \"Read or write\"")
    );
    store
        .apply_restore(&at(6 * HOUR), &add_missing)
        .await
        .unwrap();
    let held: Vec<String> = store
        .list_grants(None, Some(Grantee::User(ana)), None)
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.role_name)
        .collect();
    assert_eq!(held, ["Reader"]);
    // An exact restore also revokes Reader, so Writer may come back.
    let exact = plan(RestoreMode::Exact).await;
    let item = exact
        .items
        .iter()
        .find(|i| i.kind == RestoreItemKind::Grant && i.action == RestoreAction::Add)
        .expect("the Writer grant");
    assert_eq!(item.blocked, None);
}

#[tokio::test]
async fn a_combination_held_from_before_the_rule_does_not_block_other_grants() {
    let store = store().await;
    let f = fixture(&store).await;
    let ana = store
        .create_user(&at(SEC), &user_input("ana", f.staff))
        .await
        .unwrap();
    for role in [f.reader, f.writer] {
        store
            .grant_role(&at(2 * SEC), &user_grant(role, ana))
            .await
            .unwrap();
    }
    store
        .create_resource(
            &at(3 * SEC),
            &SOD_RULES,
            &sod(
                "Read or write",
                "all",
                "",
                "forbidden",
                "Reader@AD\nWriter@AD",
                "",
            ),
        )
        .await
        .unwrap();
    // The report shows the violation the rule found.
    let found = store.sod_violations(None).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].risk, SodRisk::Forbidden);
    // A role the rule does not name is still granted.
    let other = store
        .create_role(
            &at(4 * SEC),
            &RoleInput {
                system: f.ad,
                name: "Viewer".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    store
        .grant_role(&at(5 * SEC), &user_grant(other, ana))
        .await
        .unwrap();
}

/// A role `name` on the fixture's system AD.
async fn role(store: &Store, system: SystemId, name: &str) -> RoleId {
    store
        .create_role(
            &at(SEC),
            &RoleInput {
                system,
                name: name.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
}

async fn forbid_reader_with_writer(store: &Store) {
    store
        .create_resource(
            &at(2 * SEC),
            &SOD_RULES,
            &sod(
                "Read or write",
                "all",
                "",
                "forbidden",
                "Reader@AD\nWriter@AD",
                "",
            ),
        )
        .await
        .unwrap();
}

fn refused_by_rule(result: app::store::Result<impl std::fmt::Debug>) {
    match result {
        Err(Error::Conflict(m)) => assert!(m.contains("“Read or write”"), "{m}"),
        other => panic!("expected a refusal by the rule, got {other:?}"),
    }
}

#[tokio::test]
async fn roles_held_through_a_group_an_included_role_or_an_owned_account_count() {
    let store = store().await;
    let f = fixture(&store).await;
    let ana = store
        .create_user(&at(SEC), &user_input("ana", f.staff))
        .await
        .unwrap();
    store
        .grant_role(&at(SEC), &user_grant(f.reader, ana))
        .await
        .unwrap();
    forbid_reader_with_writer(&store).await;

    // Writer granted to ana's group reaches her.
    let to_group = GrantInput {
        grantee: Grantee::Group(f.staff),
        ..user_grant(f.writer, ana)
    };
    refused_by_rule(store.grant_role(&at(3 * SEC), &to_group).await);
    // A role that includes Writer.
    let bundle = role(&store, f.ad, "Bundle").await;
    store
        .add_role_inheritance(&at(3 * SEC), bundle, f.writer)
        .await
        .unwrap();
    refused_by_rule(
        store
            .grant_role(&at(4 * SEC), &user_grant(bundle, ana))
            .await,
    );
    assert!(
        store
            .sod_check_grant(Grantee::User(ana), bundle)
            .await
            .unwrap()[0]
            .risk
            == SodRisk::Forbidden
    );
    // An account holding Writer cannot be given to her.
    let account = store
        .create_account(
            &at(4 * SEC),
            &AccountInput {
                system: f.ad,
                name: "ana-admin".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let to_account = GrantInput {
        grantee: Grantee::Account(account),
        ..user_grant(f.writer, ana)
    };
    store.grant_role(&at(5 * SEC), &to_account).await.unwrap();
    refused_by_rule(
        store
            .set_account_owner(&at(6 * SEC), account, ana, "owner")
            .await,
    );
    assert!(store.sod_violations(None).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_restore_that_leaves_a_forbidden_pair_once_its_revoke_is_left_out_is_refused() {
    let store = store().await;
    let f = fixture(&store).await;
    let ana = store
        .create_user(&at(HOUR), &user_input("ana", f.staff))
        .await
        .unwrap();
    let writer = store
        .grant_role(&at(2 * HOUR), &user_grant(f.writer, ana))
        .await
        .unwrap();
    let with_writer = store.list_snapshots(ana).await.unwrap()[0].id;
    store.revoke_grant(&at(3 * HOUR), writer).await.unwrap();
    store
        .grant_role(&at(4 * HOUR), &user_grant(f.reader, ana))
        .await
        .unwrap();
    forbid_reader_with_writer(&store).await;
    let mut plan = store
        .plan_restore(
            ana,
            RestoreSource::Snapshot(with_writer),
            &RestoreSelection::everything(),
            RestoreMode::Exact,
        )
        .await
        .unwrap();
    // The operator keeps "grant Writer" and leaves out "revoke Reader".
    for item in &mut plan.items {
        if item.kind == RestoreItemKind::Grant && item.action == RestoreAction::Remove {
            item.selected = false;
        }
    }
    refused_by_rule(store.apply_restore(&at(6 * HOUR), &plan).await);
    let held: Vec<String> = store
        .list_grants(None, Some(Grantee::User(ana)), None)
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.role_name)
        .collect();
    assert_eq!(held, ["Reader"], "nothing of the refused restore stays");
}

#[tokio::test]
async fn a_rename_a_rule_could_not_read_back_is_refused_and_a_deleted_role_loosens_all() {
    let store = store().await;
    let f = fixture(&store).await;
    let viewer = role(&store, f.ad, "Viewer").await;
    store
        .create_resource(
            &at(2 * SEC),
            &SOD_RULES,
            &sod(
                "Three",
                "all",
                "",
                "forbidden",
                "Reader@AD\nWriter@AD\nViewer@AD",
                "",
            ),
        )
        .await
        .unwrap();
    let mut reader = store.get_role(f.reader, None).await.unwrap().role.input;
    reader.name = "Read; only".into();
    let error = store
        .update_role(&at(3 * SEC), f.reader, &reader)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Conflict(m) if m.contains("would not read back")),
        "{error:?}"
    );
    assert_eq!(
        store
            .get_role(f.reader, None)
            .await
            .unwrap()
            .role
            .input
            .name,
        "Reader"
    );

    // With Viewer gone, "all three" can no longer be held: Reader and Writer together pass.
    store.delete_role(&at(4 * SEC), viewer).await.unwrap();
    let ana = store
        .create_user(&at(5 * SEC), &user_input("ana", f.staff))
        .await
        .unwrap();
    store
        .grant_role(&at(6 * SEC), &user_grant(f.reader, ana))
        .await
        .unwrap();
    store
        .grant_role(&at(7 * SEC), &user_grant(f.writer, ana))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_role_inclusion_that_gives_holders_a_forbidden_pair_is_refused() {
    let store = store().await;
    let f = fixture(&store).await;
    let ana = store
        .create_user(&at(SEC), &user_input("ana", f.staff))
        .await
        .unwrap();
    store
        .grant_role(&at(SEC), &user_grant(f.reader, ana))
        .await
        .unwrap();
    // Bundle reaches ana through an account she owns that holds Outer, which includes it.
    let bundle = role(&store, f.ad, "Bundle").await;
    let outer = role(&store, f.ad, "Outer").await;
    store
        .add_role_inheritance(&at(SEC), outer, bundle)
        .await
        .unwrap();
    let account = store
        .create_account(
            &at(SEC),
            &AccountInput {
                system: f.ad,
                name: "ana-admin".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let to_account = GrantInput {
        grantee: Grantee::Account(account),
        ..user_grant(outer, ana)
    };
    let account_grant = store.grant_role(&at(SEC), &to_account).await.unwrap();
    store
        .set_account_owner(&at(SEC), account, ana, "owner")
        .await
        .unwrap();
    // Group reaches ana as a member of staff.
    let group_role = role(&store, f.ad, "Staff tools").await;
    let to_group = GrantInput {
        grantee: Grantee::Group(f.staff),
        ..user_grant(group_role, ana)
    };
    store.grant_role(&at(SEC), &to_group).await.unwrap();
    forbid_reader_with_writer(&store).await;

    refused_by_rule(
        store
            .add_role_inheritance(&at(3 * SEC), bundle, f.writer)
            .await,
    );
    refused_by_rule(
        store
            .add_role_inheritance(&at(3 * SEC), group_role, f.writer)
            .await,
    );
    // Nothing was kept, and a role nobody holds may include Writer.
    assert!(store.sod_violations(None).await.unwrap().is_empty());
    let spare = role(&store, f.ad, "Spare").await;
    store
        .add_role_inheritance(&at(4 * SEC), spare, f.writer)
        .await
        .unwrap();
    // Once the account no longer holds Outer, Bundle may include Writer.
    store
        .revoke_grant(&at(5 * SEC), account_grant)
        .await
        .unwrap();
    store
        .add_role_inheritance(&at(6 * SEC), bundle, f.writer)
        .await
        .unwrap();
}
