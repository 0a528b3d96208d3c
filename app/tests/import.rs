//! CSV import into the identity store (SQLite, or PostgreSQL with REWIND_TEST_POSTGRES_URL):
//! previews write nothing, imports create and update in one operation, and one bad row keeps
//! the whole file out.
mod common;
use app::model::*;
use app::store::{Error, Store};
use common::*;

async fn count(store: &Store, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(store.pool()).await.unwrap();
    n
}

async fn user_named(store: &Store, name: &str) -> Option<UserDetail> {
    let page = store
        .list_users(&UserListQuery {
            filter: format!("userName eq {name:?}"),
            ..Default::default()
        })
        .await
        .unwrap();
    match page.items.first() {
        Some(summary) => Some(store.get_user(summary.id, None).await.unwrap()),
        None => None,
    }
}

fn field_messages(error: Error) -> Vec<(String, String)> {
    match error {
        Error::Invalid(fields) => fields.into_iter().map(|f| (f.field, f.message)).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn import_creates_new_users_and_updates_existing_ones_in_one_operation() {
    let store = store().await;
    let f = fixture(&store).await;
    store
        .create_user(&at(SEC), &user_input("ann", f.staff))
        .await
        .unwrap();
    let csv = "User name,First name,Last name,Primary group,Enabled,Email\n\
               ann,Annie,Lee,sales,no,ann@example.test\n\
               bob,Bob,Stone,Staff,yes,bob@example.test\n";

    let preview = store
        .import_csv(&at(HOUR), &import_request(ImportKind::Users, csv, false))
        .await
        .unwrap();
    assert!(!preview.applied);
    assert_eq!(
        (
            preview.total,
            preview.created,
            preview.updated,
            preview.invalid
        ),
        (2, 1, 1, 0)
    );
    assert_eq!(
        preview.mapping,
        [
            "userName",
            "firstName",
            "lastName",
            "primaryGroup",
            "enabled",
            "email"
        ]
        .map(|k| Some(k.to_string()))
        .to_vec()
    );
    let actions: Vec<_> = preview.rows.iter().map(|r| (r.line, r.action)).collect();
    assert_eq!(
        actions,
        vec![
            (2, Some(ImportAction::Update)),
            (3, Some(ImportAction::Create))
        ]
    );
    assert!(
        user_named(&store, "bob").await.is_none(),
        "a preview writes"
    );
    let operations = count(&store, "SELECT COUNT(*) FROM operations").await;

    let done = store
        .import_csv(&at(HOUR), &import_request(ImportKind::Users, csv, true))
        .await
        .unwrap();
    assert!(done.applied);
    assert_eq!((done.created, done.updated), (1, 1));
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM operations").await,
        operations + 1,
        "one operation for the whole file"
    );
    let ann = user_named(&store, "ann").await.unwrap();
    assert_eq!(ann.state.attributes.first_name, "Annie");
    assert_eq!(ann.state.attributes.primary_group, f.sales);
    assert!(!ann.state.attributes.enabled);
    // Columns the file does not have keep their values.
    assert_eq!(ann.state.attributes.user_type, "internal");
    let bob = user_named(&store, "bob").await.unwrap();
    assert_eq!(bob.state.attributes.primary_group, f.staff);
    assert_eq!(bob.state.attributes.email, "bob@example.test");
    assert!(bob.state.attributes.enabled);
    assert_eq!(ann.modified.at, bob.modified.at, "one instant for the file");

    // The same file again changes nothing and writes no operation.
    let again = store
        .import_csv(&at(2 * HOUR), &import_request(ImportKind::Users, csv, true))
        .await
        .unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 2));
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM operations").await,
        operations + 1
    );
}

#[tokio::test]
async fn a_bad_row_makes_the_import_write_nothing_and_each_error_is_named() {
    let store = store().await;
    fixture(&store).await;
    let csv = "userName,primaryGroup,enabled\n\
               good,Staff,true\n\
               lost,Nowhere,true\n\
               odd,Staff,maybe\n\
               orphan,,true\n\
               GOOD,Staff,false\n";
    let preview = store
        .import_csv(&at(HOUR), &import_request(ImportKind::Users, csv, false))
        .await
        .unwrap();
    assert_eq!((preview.created, preview.invalid), (1, 4));
    let errors: Vec<(i64, Vec<(String, String)>)> = preview
        .rows
        .iter()
        .map(|r| {
            (
                r.line,
                r.errors
                    .iter()
                    .map(|e| (e.field.clone(), e.message.clone()))
                    .collect(),
            )
        })
        .collect();
    let message = |line: i64| errors.iter().find(|(l, _)| *l == line).unwrap().1.clone();
    assert!(message(2).is_empty());
    assert_eq!(message(3)[0].0, "primaryGroup");
    assert!(message(3)[0].1.contains("no group named \"Nowhere\""));
    assert_eq!(message(4)[0].0, "enabled");
    assert!(message(4)[0].1.contains("\"maybe\" is not a yes/no value"));
    assert!(message(5)[0].1.contains("needs a primary group"));
    assert_eq!(message(6)[0].0, "userName");
    assert!(message(6)[0].1.contains("also on line 2"));

    let operations = count(&store, "SELECT COUNT(*) FROM operations").await;
    let refused = store
        .import_csv(&at(HOUR), &import_request(ImportKind::Users, csv, true))
        .await
        .unwrap_err();
    let fields = field_messages(refused);
    assert!(fields[0].1.contains("Nothing was imported: 4 of 5 rows"));
    assert!(fields
        .iter()
        .any(|(field, message)| field == "line 3" && message.contains("Primary group:")));
    assert!(user_named(&store, "good").await.is_none());
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM operations").await,
        operations
    );
}

#[tokio::test]
async fn groups_import_in_file_order_so_later_rows_see_earlier_ones() {
    let store = store().await;
    fixture(&store).await;
    // Team is created under Staff, Sub under Team; moving Staff under Sub would be a cycle.
    let csv = "name,parent,activeSince,disabled\n\
               Team,Staff,2026-03-01,\n\
               Sub,team,,no\n\
               Staff,Sub,,\n\
               Stray,Nobody,soon,\n";
    let preview = store
        .import_csv(&at(HOUR), &import_request(ImportKind::Groups, csv, false))
        .await
        .unwrap();
    assert_eq!((preview.created, preview.invalid), (2, 2));
    let errors = |line: i64| {
        preview
            .rows
            .iter()
            .find(|r| r.line == line)
            .unwrap()
            .errors
            .clone()
    };
    assert_eq!(errors(4)[0].field, "parent");
    assert!(errors(4)[0].message.contains("would make a cycle"));
    let stray: Vec<String> = errors(5).into_iter().map(|e| e.field).collect();
    assert_eq!(stray, ["activeSince", "parent"]);

    let fixed = "name,parent,activeSince\nTeam,Staff,2026-03-01\nSub,team,\n";
    let done = store
        .import_csv(&at(HOUR), &import_request(ImportKind::Groups, fixed, true))
        .await
        .unwrap();
    assert_eq!(done.created, 2);
    let tree = store.group_tree(None).await.unwrap();
    let staff = tree.iter().find(|n| n.name == "Staff").unwrap();
    let team = staff.children.iter().find(|n| n.name == "Team").unwrap();
    let team_group = store.get_group(team.id, None).await.unwrap();
    assert_eq!(
        team_group.input.active_since.unwrap().to_rfc3339(),
        "2026-03-01T00:00:00+00:00"
    );
    assert_eq!(team.children[0].name, "Sub");
}

#[tokio::test]
async fn mail_domains_and_lists_import_and_lists_need_a_known_domain() {
    let store = store().await;
    fixture(&store).await;
    let domains = "code,description,obsolete\nexample.test,Main,false\nexample.org,Other,true\n";
    let done = store
        .import_csv(
            &at(HOUR),
            &import_request(
                ImportKind::Resource(KindRef(&kinds::MAIL_DOMAINS)),
                domains,
                true,
            ),
        )
        .await
        .unwrap();
    assert_eq!((done.created, done.updated), (1, 1));

    let lists =
        "name,domain,description\nall,EXAMPLE.TEST,Everyone\nnews,example.org,\nx,nowhere.test,\n";
    let preview = store
        .import_csv(
            &at(HOUR),
            &import_request(ImportKind::MailLists, lists, false),
        )
        .await
        .unwrap();
    assert_eq!(
        (preview.created, preview.updated, preview.invalid),
        (1, 1, 1)
    );
    assert!(preview.rows[2].errors[0]
        .message
        .contains("no mail domain \"nowhere.test\""));
    let fixed = "name,domain,description\nall,EXAMPLE.TEST,Everyone\nnews,example.org,\n";
    store
        .import_csv(
            &at(HOUR),
            &import_request(ImportKind::MailLists, fixed, true),
        )
        .await
        .unwrap();
    let exported = store
        .export_mail_lists(&DirectoryQuery::default())
        .await
        .unwrap();
    let names: Vec<(String, String, String)> = exported
        .into_iter()
        .map(|l| (l.domain_code, l.input.name, l.input.description))
        .collect();
    assert_eq!(
        names,
        // In the mail lists list's order: by name.
        [
            ("example.test", "all", "Everyone"),
            ("example.org", "news", "")
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );
    let exported = store
        .export_mail_domains(&DirectoryQuery::default())
        .await
        .unwrap();
    assert!(exported
        .iter()
        .any(|d| d.input.code == "example.org" && d.input.obsolete));
}

#[tokio::test]
async fn a_chosen_mapping_skips_columns_and_a_mapping_without_the_name_is_refused() {
    let store = store().await;
    let f = fixture(&store).await;
    store
        .create_user(&at(SEC), &user_input("ann", f.staff))
        .await
        .unwrap();
    let csv = "login,email,comments\nann,new@example.test,imported\n";
    // Suggested: nothing holds the user name, so rows are not checked yet.
    let preview = store
        .import_csv(&at(HOUR), &import_request(ImportKind::Users, csv, false))
        .await
        .unwrap();
    assert_eq!(
        preview.mapping,
        vec![None, Some("email".into()), Some("comments".into())]
    );
    assert!(preview.mapping_problems[0].contains("user name"));
    assert_eq!(preview.rows[0].action, None);
    assert!(store
        .import_csv(&at(HOUR), &import_request(ImportKind::Users, csv, true))
        .await
        .is_err());

    let mut chosen = import_request(ImportKind::Users, csv, true);
    chosen.mapping = Some(vec![Some("userName".into()), None, Some("comments".into())]);
    let done = store.import_csv(&at(HOUR), &chosen).await.unwrap();
    assert_eq!(done.updated, 1);
    let ann = user_named(&store, "ann").await.unwrap();
    assert_eq!(ann.state.attributes.comments, "imported");
    assert_eq!(ann.state.attributes.email, "ann@example.test", "skipped");
}

#[tokio::test]
async fn files_that_are_not_utf8_or_have_ragged_rows_are_refused_with_where() {
    let store = store().await;
    fixture(&store).await;
    let latin1 = b"userName,primaryGroup\nann,Staff\nJos\xE9,Staff\n";
    let error = store
        .import_csv(&at(HOUR), &import_request(ImportKind::Users, latin1, false))
        .await
        .unwrap_err();
    let fields = field_messages(error);
    assert_eq!(fields[0].0, "file");
    assert!(
        fields[0]
            .1
            .contains("byte 0xE9 at offset 35 (line 3) is not valid UTF-8"),
        "{fields:?}"
    );

    let utf16 = [0xFF, 0xFE, b'u', 0];
    let error = store
        .import_csv(&at(HOUR), &import_request(ImportKind::Users, utf16, false))
        .await
        .unwrap_err();
    assert!(field_messages(error)[0].1.contains("UTF-16"));

    let ragged = "userName,primaryGroup\nann,Staff\n\"bob\nsmith\",Staff\ncarl\n";
    let error = store
        .import_csv(&at(HOUR), &import_request(ImportKind::Users, ragged, false))
        .await
        .unwrap_err();
    let fields = field_messages(error);
    assert!(
        fields[0]
            .1
            .starts_with("Line 5 has 1 field, but the header has 2."),
        "{fields:?}"
    );

    // A byte-order mark, CRLF line ends, quoted commas and non-ASCII text are fine.
    let excel = "\u{feff}userName,primaryGroup,comments\r\nzoë,Staff,\"a, \"\"b\"\"\"\r\n";
    let done = store
        .import_csv(&at(HOUR), &import_request(ImportKind::Users, excel, true))
        .await
        .unwrap();
    assert_eq!(done.created, 1);
    let zoe = user_named(&store, "zoë").await.unwrap();
    assert_eq!(zoe.state.attributes.comments, "a, \"b\"");
}
