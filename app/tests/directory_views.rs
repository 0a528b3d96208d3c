//! Reads behind the directory screens: searchable, sorted, paged lists and object details.
#![cfg(feature = "ssr")]
mod common;

use app::model::*;
use app::store::Error;
use common::*;

fn query(search: &str) -> DirectoryQuery {
    DirectoryQuery {
        search: search.into(),
        ..Default::default()
    }
}

fn account(system: SystemId, name: &str, description: &str) -> AccountInput {
    AccountInput {
        system,
        name: name.into(),
        description: description.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn directory_lists_search_filter_sort_and_page_in_the_store() {
    let store = store().await;
    let f = fixture(&store).await;
    let hr = store.create_system(&at(SEC), "HR", "people").await.unwrap();
    for (i, name) in ["carol", "Alice", "bob", "dave"].iter().enumerate() {
        store
            .create_account(
                &at((2 + i as i64) * SEC),
                &account(f.ad, name, "staff login"),
            )
            .await
            .unwrap();
    }
    store
        .create_account(&at(10 * SEC), &account(hr, "payroll", "shared"))
        .await
        .unwrap();

    // Search is case-insensitive over name and description; results sorted by name.
    let page = store.search_accounts(&query("STAFF")).await.unwrap();
    assert_eq!(page.total, 4);
    let names: Vec<_> = page.items.iter().map(|a| a.input.name.as_str()).collect();
    assert_eq!(names, ["Alice", "bob", "carol", "dave"]);
    assert!(page.items.iter().all(|a| a.system_name == "AD"));

    // Paging and descending order: the total counts every match, the page holds `limit`.
    let page = store
        .search_accounts(&DirectoryQuery {
            descending: true,
            offset: 1,
            limit: 2,
            ..query("")
        })
        .await
        .unwrap();
    assert_eq!(page.total, 5);
    let names: Vec<_> = page.items.iter().map(|a| a.input.name.as_str()).collect();
    assert_eq!(names, ["dave", "carol"]);

    // The parent filter keeps one system's accounts; sorting by last change puts the newest first.
    let page = store
        .search_accounts(&DirectoryQuery {
            parent: Some(hr.0),
            ..query("")
        })
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].system_name, "HR");
    let page = store
        .search_accounts(&DirectoryQuery {
            sort: DirectorySort::Modified,
            descending: true,
            ..query("")
        })
        .await
        .unwrap();
    assert_eq!(page.items[0].input.name, "payroll");

    // Roles: by category, and by system.
    store
        .create_role(
            &at(11 * SEC),
            &RoleInput {
                system: hr,
                name: "Clerk".into(),
                category: "Finance".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let page = store.search_roles(&query("finance")).await.unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].input.name, "Clerk");
    assert_eq!(page.items[0].system_name, "HR");
    let page = store
        .search_roles(&DirectoryQuery {
            parent: Some(f.ad.0),
            ..query("")
        })
        .await
        .unwrap();
    let names: Vec<_> = page.items.iter().map(|r| r.input.name.as_str()).collect();
    assert_eq!(names, ["Reader", "Writer"]);

    // Systems, mail domains (with list counts) and mail lists (searchable by domain code).
    let page = store.search_systems(&query("people")).await.unwrap();
    assert_eq!((page.total, page.items[0].name.as_str()), (1, "HR"));
    let other = store
        .create_mail_domain(
            &at(12 * SEC),
            &MailDomainInput {
                code: "old.test".into(),
                description: "retired".into(),
                obsolete: true,
            },
        )
        .await
        .unwrap();
    store
        .create_mail_list(
            &at(13 * SEC),
            &MailListInput {
                domain: other,
                name: "alumni".into(),
                description: String::new(),
            },
        )
        .await
        .unwrap();
    let page = store.search_mail_domains(&query("")).await.unwrap();
    let domains: Vec<_> = page
        .items
        .iter()
        .map(|d| (d.input.code.as_str(), d.list_count, d.input.obsolete))
        .collect();
    assert_eq!(domains, [("example.test", 1, false), ("old.test", 1, true)]);
    let page = store.search_mail_lists(&query("OLD.TEST")).await.unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].input.name, "alumni");
    assert_eq!(page.items[0].domain_code, "old.test");
    let page = store
        .search_mail_lists(&DirectoryQuery {
            parent: Some(f.domain.0),
            ..query("")
        })
        .await
        .unwrap();
    assert_eq!(page.items[0].id, f.list);

    // Lists read as of an earlier instant do not show what came later.
    let page = store
        .search_accounts(&DirectoryQuery {
            as_of: Some(time(3 * SEC)),
            ..query("")
        })
        .await
        .unwrap();
    let names: Vec<_> = page.items.iter().map(|a| a.input.name.as_str()).collect();
    assert_eq!(names, ["Alice", "carol"]);
}

#[tokio::test]
async fn details_show_owners_inherited_roles_grantees_members_and_recipients() {
    let store = store().await;
    let f = fixture(&store).await;
    let ann = store
        .create_user(&at(SEC), &user_input("ann", f.staff))
        .await
        .unwrap();
    let ben = store
        .create_user(&at(SEC), &user_input("ben", f.sales))
        .await
        .unwrap();
    let svc = store
        .create_account(&at(2 * SEC), &account(f.ad, "svc", "service"))
        .await
        .unwrap();
    store
        .set_account_owner(&at(3 * SEC), svc, ann, "manager")
        .await
        .unwrap();

    let detail = store.get_account(svc, None).await.unwrap();
    assert_eq!(detail.account.input.name, "svc");
    assert_eq!(detail.account.system_name, "AD");
    assert_eq!(detail.owners.len(), 1);
    assert_eq!(detail.owners[0].user.name, "ann");
    assert_eq!(detail.owners[0].user.full_name, "ann-first Tester");
    assert_eq!(detail.owners[0].level, "manager");
    let before = store.get_account(svc, Some(time(2 * SEC))).await.unwrap();
    assert!(before.owners.is_empty());

    // Writer includes Reader; Writer is granted to a user, an account and a group.
    store
        .add_role_inheritance(&at(4 * SEC), f.writer, f.reader)
        .await
        .unwrap();
    for (i, grantee) in [
        Grantee::User(ann),
        Grantee::Account(svc),
        Grantee::Group(f.sales),
    ]
    .into_iter()
    .enumerate()
    {
        store
            .grant_role(
                &at((5 + i as i64) * SEC),
                &GrantInput {
                    role: f.writer,
                    grantee,
                    scope: "EU".into(),
                    start_date: Some(time(0)),
                    end_date: None,
                },
            )
            .await
            .unwrap();
    }
    let writer = store.get_role(f.writer, None).await.unwrap();
    assert_eq!(writer.role.system_name, "AD");
    assert_eq!(
        writer
            .inherits
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>(),
        ["Reader"]
    );
    assert!(writer.inherited_by.is_empty());
    let grantees: Vec<_> = writer
        .grants
        .iter()
        .map(|g| (g.grantee.kind(), g.grantee_name.as_str(), g.scope.as_str()))
        .collect();
    assert_eq!(
        grantees,
        [
            ("account", "svc", "EU"),
            ("group", "Sales", "EU"),
            ("user", "ann", "EU")
        ]
    );
    assert_eq!(writer.grants[0].start_date, Some(time(0)));
    let reader = store.get_role(f.reader, None).await.unwrap();
    assert_eq!(reader.inherited_by[0].id, f.writer);
    assert!(reader.grants.is_empty());

    // A list with an external address, a user and a group: members by kind, recipients.
    store
        .add_mail_list_member(
            &at(10 * SEC),
            f.list,
            &MailMember::External("Partner@Example.org".into()),
        )
        .await
        .unwrap();
    store
        .add_mail_list_member(&at(11 * SEC), f.list, &MailMember::User(ann))
        .await
        .unwrap();
    store
        .add_mail_list_member(&at(12 * SEC), f.list, &MailMember::Group(f.sales))
        .await
        .unwrap();
    let list = store.get_mail_list(f.list, None).await.unwrap();
    assert_eq!(list.list.domain_code, "example.test");
    let members: Vec<_> = list
        .members
        .iter()
        .map(|m| (m.member.clone(), m.label.as_str()))
        .collect();
    assert_eq!(
        members,
        [
            (
                MailMember::External("partner@example.org".into()),
                "partner@example.org"
            ),
            (MailMember::Group(f.sales), "Sales"),
            (MailMember::User(ann), "ann"),
        ]
    );
    let recipients: Vec<_> = list.targets.iter().map(|u| u.id).collect();
    assert_eq!(recipients, [ann, ben]);
    let earlier = store
        .get_mail_list(f.list, Some(time(10 * SEC)))
        .await
        .unwrap();
    assert_eq!(earlier.members.len(), 1);
    assert!(earlier.targets.is_empty());

    let domain = store.get_mail_domain(f.domain, None).await.unwrap();
    assert_eq!(domain.domain.input.code, "example.test");
    assert_eq!(domain.lists.len(), 1);
    assert_eq!(domain.lists[0].input.name, "all");
    let system = store.get_system(f.ad, None).await.unwrap();
    assert_eq!(system.name, "AD");
}

#[tokio::test]
async fn details_of_missing_or_deleted_objects_are_not_found() {
    let store = store().await;
    let f = fixture(&store).await;
    store.delete_role(&at(SEC), f.reader).await.unwrap();
    let err = store.get_role(f.reader, None).await.unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    // ...but it is still there as of before the deletion.
    assert_eq!(
        store
            .get_role(f.reader, Some(time(0)))
            .await
            .unwrap()
            .role
            .input
            .name,
        "Reader"
    );
    assert!(matches!(
        store.get_account(AccountId(999_999), None).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        store.get_mail_list(MailListId(999_999), None).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        store.get_mail_domain(MailDomainId(999_999), None).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        store.get_system(SystemId(999_999), None).await,
        Err(Error::NotFound(_))
    ));
}
