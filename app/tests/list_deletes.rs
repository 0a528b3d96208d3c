//! Multi-select deletes of the directory lists: one operation, all or none, history kept,
//! and objects still in use refused by name.
#![cfg(feature = "ssr")]
mod common;

use app::model::*;
use app::store::Error;
use common::*;

fn account(system: SystemId, name: &str) -> AccountInput {
    AccountInput {
        system,
        name: name.into(),
        ..Default::default()
    }
}

fn domain(code: &str) -> MailDomainInput {
    MailDomainInput {
        code: code.into(),
        ..Default::default()
    }
}

fn everything() -> DirectoryQuery {
    DirectoryQuery {
        limit: 500,
        ..Default::default()
    }
}

#[tokio::test]
async fn deleting_several_accounts_closes_them_in_one_operation_and_keeps_history() {
    let store = store().await;
    let f = fixture(&store).await;
    let mut ids = Vec::new();
    for name in ["alpha", "bravo", "charlie"] {
        ids.push(
            store
                .create_account(&at(SEC), &account(f.ad, name))
                .await
                .unwrap(),
        );
    }
    let group = f.staff;
    let user = store
        .create_user(&at(SEC), &user_input("ann", group))
        .await
        .unwrap();
    store
        .set_account_owner(&at(2 * SEC), ids[0], user, "owner")
        .await
        .unwrap();

    let names = store
        .delete_accounts(&at(10 * SEC), &[ids[0], ids[2], ids[0]])
        .await
        .unwrap();
    assert_eq!(names, ["alpha", "charlie"]);

    let now: Vec<String> = store
        .search_accounts(&everything())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|a| a.input.name)
        .collect();
    assert_eq!(now, ["bravo"]);
    // History: just before the delete, all three were there, with the ownership.
    let before = DirectoryQuery {
        as_of: Some(time(10 * SEC - 1)),
        ..everything()
    };
    assert_eq!(store.search_accounts(&before).await.unwrap().total, 3);
    let detail = store
        .get_account(ids[0], Some(time(10 * SEC - 1)))
        .await
        .unwrap();
    assert_eq!(detail.owners.len(), 1);
    assert!(matches!(
        store.get_account(ids[0], None).await,
        Err(Error::NotFound(_))
    ));
}

#[tokio::test]
async fn a_multi_delete_with_one_missing_object_changes_nothing() {
    let store = store().await;
    let f = fixture(&store).await;
    let a = store
        .create_account(&at(SEC), &account(f.ad, "alpha"))
        .await
        .unwrap();
    let result = store
        .delete_accounts(&at(2 * SEC), &[a, AccountId(999_999)])
        .await;
    assert!(matches!(result, Err(Error::NotFound(_))), "{result:?}");
    assert!(store.get_account(a, None).await.is_ok());

    let result = store
        .delete_roles(&at(2 * SEC), &[f.reader, RoleId(999_999)])
        .await;
    assert!(matches!(result, Err(Error::NotFound(_))), "{result:?}");
    assert!(store.get_role(f.reader, None).await.is_ok());

    let result = store
        .delete_mail_lists(&at(2 * SEC), &[f.list, MailListId(999_999)])
        .await;
    assert!(matches!(result, Err(Error::NotFound(_))), "{result:?}");
    assert!(store.get_mail_list(f.list, None).await.is_ok());

    let nothing = store.delete_accounts(&at(2 * SEC), &[]).await;
    assert!(matches!(nothing, Err(Error::Invalid(_))), "{nothing:?}");
}

#[tokio::test]
async fn deleting_roles_ends_their_grants_and_names_them() {
    let store = store().await;
    let f = fixture(&store).await;
    let user = store
        .create_user(&at(SEC), &user_input("ann", f.staff))
        .await
        .unwrap();
    store
        .grant_role(
            &at(2 * SEC),
            &GrantInput {
                role: f.reader,
                grantee: Grantee::User(user),
                scope: String::new(),
                start_date: None,
                end_date: None,
            },
        )
        .await
        .unwrap();
    let names = store
        .delete_roles(&at(10 * SEC), &[f.reader, f.writer])
        .await
        .unwrap();
    assert_eq!(names, ["Reader", "Writer"]);
    assert_eq!(store.search_roles(&everything()).await.unwrap().total, 0);
    assert!(store
        .list_grants(None, Some(Grantee::User(user)), None)
        .await
        .unwrap()
        .is_empty());
    // The grant is still in the history.
    assert_eq!(
        store
            .list_grants(None, Some(Grantee::User(user)), Some(time(5 * SEC)))
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_system_still_holding_accounts_or_roles_is_refused_by_name_and_nothing_changes() {
    let store = store().await;
    let f = fixture(&store).await;
    let empty = store.create_system(&at(SEC), "Spare", "").await.unwrap();
    // AD has the roles Reader and Writer: the whole delete is refused, Spare stays too.
    let result = store.delete_systems(&at(2 * SEC), &[empty, f.ad]).await;
    match result {
        Err(Error::Conflict(message)) => {
            assert!(message.contains("\"AD\""), "{message}");
            assert!(message.contains("\"Reader\""), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(store.get_system(empty, None).await.is_ok());
    assert!(store.get_system(f.ad, None).await.is_ok());

    // An account keeps a system in use as well.
    let other = store.create_system(&at(SEC), "Other", "").await.unwrap();
    store
        .create_account(&at(SEC), &account(other, "svc"))
        .await
        .unwrap();
    let result = store.delete_systems(&at(2 * SEC), &[other]).await;
    assert!(
        matches!(&result, Err(Error::Conflict(m)) if m.contains("\"svc\"")),
        "{result:?}"
    );

    // A system nothing uses goes; its history stays.
    let names = store.delete_systems(&at(3 * SEC), &[empty]).await.unwrap();
    assert_eq!(names, ["Spare"]);
    assert!(matches!(
        store.get_system(empty, None).await,
        Err(Error::NotFound(_))
    ));
    assert_eq!(
        store
            .get_system(empty, Some(time(2 * SEC)))
            .await
            .unwrap()
            .name,
        "Spare"
    );
}

#[tokio::test]
async fn a_mail_domain_with_lists_is_refused_by_name_and_nothing_changes() {
    let store = store().await;
    let f = fixture(&store).await;
    let spare = store
        .create_mail_domain(&at(SEC), &domain("spare.test"))
        .await
        .unwrap();
    let result = store
        .delete_mail_domains(&at(2 * SEC), &[spare, f.domain])
        .await;
    match result {
        Err(Error::Conflict(message)) => {
            assert!(message.contains("\"example.test\""), "{message}");
            assert!(message.contains("\"all\""), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(store.get_mail_domain(spare, None).await.is_ok());

    // Once its list is deleted, the domain can go, together with the spare one.
    let lists = store
        .delete_mail_lists(&at(3 * SEC), &[f.list])
        .await
        .unwrap();
    assert_eq!(lists, ["all@example.test"]);
    let codes = store
        .delete_mail_domains(&at(4 * SEC), &[f.domain, spare])
        .await
        .unwrap();
    assert_eq!(codes, ["example.test", "spare.test"]);
    assert_eq!(
        store
            .search_mail_domains(&everything())
            .await
            .unwrap()
            .total,
        0
    );
    let past = DirectoryQuery {
        as_of: Some(time(2 * SEC)),
        ..everything()
    };
    assert_eq!(store.search_mail_domains(&past).await.unwrap().total, 2);
}

#[tokio::test]
async fn mail_exports_follow_the_list_search_and_order() {
    let store = store().await;
    let f = fixture(&store).await;
    for name in ["sales", "support", "board"] {
        store
            .create_mail_list(
                &at(SEC),
                &MailListInput {
                    domain: f.domain,
                    name: name.into(),
                    description: String::new(),
                },
            )
            .await
            .unwrap();
    }
    let query = DirectoryQuery {
        search: "S".into(),
        descending: true,
        ..Default::default()
    };
    let names: Vec<String> = store
        .export_mail_lists(&query)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.input.name)
        .collect();
    // "all" and "board" only match through the domain code example.test: all lists match "s".
    assert_eq!(names, ["support", "sales", "board", "all"]);
    let query = DirectoryQuery {
        search: "sup".into(),
        ..Default::default()
    };
    let names: Vec<String> = store
        .export_mail_lists(&query)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.input.name)
        .collect();
    assert_eq!(names, ["support"]);
    store
        .create_mail_domain(&at(SEC), &domain("other.org"))
        .await
        .unwrap();
    let codes: Vec<String> = store
        .export_mail_domains(&DirectoryQuery {
            search: "org".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.input.code)
        .collect();
    assert_eq!(codes, ["other.org"]);
}
