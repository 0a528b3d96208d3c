//! CSV downloads and the CSV import server function over HTTP, with the real router and a
//! real store on either backend (see app::testing).
mod common;
use app::model::*;
use app::state::AuthConfig;
use app::store::{Author, ImportRequest, Store};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use common::{session, Reply};

struct Fixture {
    router: Router,
    store: Store,
    /// Session cookies of an Owner and an Auditor.
    owner: String,
    auditor: String,
    staff: GroupId,
}

/// The CSV records of a download, after the byte-order mark (header first).
fn csv_records(reply: &Reply) -> Vec<Vec<String>> {
    let body = reply
        .bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .expect("byte-order mark");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

async fn fixture() -> Fixture {
    let store = app::testing::fresh_store().await;
    let router = common::router(&store, AuthConfig::default());
    let (owner, auditor) = common::owner_and_auditor(&store).await;
    let staff = store
        .create_group(
            &Author::named("tester"),
            &GroupInput {
                name: "Staff".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    Fixture {
        owner: session(&store, &owner).await,
        auditor: session(&store, &auditor).await,
        router,
        store,
        staff,
    }
}

impl Fixture {
    async fn send(&self, request: Request<Body>) -> Reply {
        common::send(&self.router, request).await
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        self.send(common::get(path, cookie)).await
    }

    /// Users from CSV text, through the store's import (fast for many rows).
    async fn import_users(&self, csv: &str) {
        let outcome = self
            .store
            .import_csv(
                &Author::named("tester"),
                &ImportRequest {
                    kind: ImportKind::Users,
                    file: csv.as_bytes().to_vec(),
                    mapping: None,
                    apply: true,
                },
            )
            .await
            .unwrap();
        assert!(outcome.applied && outcome.invalid == 0, "{outcome:?}");
    }

    async fn exports(&self) -> i64 {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = 'csv.export'")
                .fetch_one(self.store.pool())
                .await
                .unwrap();
        n
    }
}

#[tokio::test]
async fn the_users_download_streams_every_matching_user_with_rfc4180_quoting() {
    let f = fixture().await;
    let mut csv = String::from("userName,firstName,lastName,primaryGroup,comments,enabled\n");
    csv.push_str("ann,Zoë,Ærø-Łukasz,Staff,\"says \"\"hi\"\", twice\nthen leaves\",false\n");
    // More users than one chunk of the stream.
    for i in 0..520 {
        csv.push_str(&format!("u{i:03},First,Last,Staff,,true\n"));
    }
    f.import_users(&csv).await;

    let reply = f.get("/files/users.csv", Some(&f.owner)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.header(header::CONTENT_TYPE),
        "text/csv; charset=utf-8"
    );
    assert_eq!(
        reply.header(header::CONTENT_DISPOSITION),
        "attachment; filename=\"users.csv\""
    );
    let text = String::from_utf8(reply.bytes.clone()).expect("UTF-8 body");
    assert!(text.starts_with(
        "\u{feff}userName,firstName,middleName,lastName,fullName,email,userType,primaryGroup,\
         mailServer,homeServer,comments,enabled,multiSession,modified,modifiedBy,externalId,\
         department,employeeNumber,status\r\n"
    ));
    assert!(
        text.contains("\"says \"\"hi\"\", twice\nthen leaves\""),
        "quotes, comma and newline are quoted"
    );
    let records = csv_records(&reply);
    assert_eq!(records.len(), 1 + 521);
    let ann = &records[1];
    assert_eq!(
        ann[..5],
        ["ann", "Zoë", "", "Ærø-Łukasz", "Zoë Ærø-Łukasz"].map(String::from)
    );
    assert_eq!(ann[7], "Staff");
    assert_eq!(ann[10], "says \"hi\", twice\nthen leaves");
    assert_eq!(ann[11], "false");
    assert_eq!(ann[18], "Disabled");
    assert_eq!(records[521][0], "u519", "sorted by name across chunks");
    assert_eq!(f.exports().await, 1, "the download is audited");

    // Search, filter, sort and columns as the list screen passes them.
    let reply = f
        .get(
            "/files/users.csv?q=u00&filter=enabled%20eq%20true&sort=-name&columns=status,userName",
            Some(&f.auditor),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let records = csv_records(&reply);
    assert_eq!(records[0], ["status", "userName"]);
    assert_eq!(records.len(), 11);
    assert_eq!(records[1], ["Enabled", "u009"]);
    assert_eq!(records[10], ["Enabled", "u000"]);
}

#[tokio::test]
async fn downloads_need_a_session_and_refuse_bad_queries_and_columns() {
    let f = fixture().await;
    let reply = f.get("/files/users.csv", None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    for path in [
        "/files/groups.csv",
        "/files/mail-domains.csv",
        "/files/mail-lists.csv",
        "/files/groups/1/members.csv",
    ] {
        assert_eq!(
            f.get(path, None).await.status,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    let reply = f
        .get("/files/users.csv?filter=shoeSize%20eq%201", Some(&f.owner))
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("unknown attribute"), "{}", reply.body);
    let reply = f
        .get("/files/users.csv?columns=userName,shoeSize", Some(&f.owner))
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("Unknown column"), "{}", reply.body);
    let reply = f
        .get("/files/groups/999999/members.csv", Some(&f.owner))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(f.exports().await, 0, "refused downloads are not audited");
}

#[tokio::test]
async fn groups_members_mail_domains_and_mail_lists_download() {
    let f = fixture().await;
    let author = Author::named("tester");
    let sales = f
        .store
        .create_group(
            &author,
            &GroupInput {
                name: "Sales, North".into(),
                description: "Sells \"things\"".into(),
                parent: Some(f.staff),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    f.import_users("userName,firstName,primaryGroup\nann,Ann,Staff\nbob,Bob,Staff\n")
        .await;
    let reply = f.get("/files/groups.csv", Some(&f.owner)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let records = csv_records(&reply);
    assert_eq!(
        records[0][..3],
        ["name", "description", "parent"].map(String::from)
    );
    assert_eq!(records[1][..3], ["Staff", "", ""].map(String::from));
    assert_eq!(
        records[2][..3],
        ["Sales, North", "Sells \"things\"", "Staff"].map(String::from)
    );

    let reply = f
        .get(
            &format!("/files/groups/{}/members.csv", f.staff.0),
            Some(&f.owner),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.header(header::CONTENT_DISPOSITION),
        "attachment; filename=\"Staff-members.csv\""
    );
    let records = csv_records(&reply);
    assert_eq!(records.len(), 3);
    assert_eq!(records[1][..3], ["ann", "Ann", "Primary"].map(String::from));
    let reply = f
        .get(
            &format!("/files/groups/{}/members.csv", sales.0),
            Some(&f.owner),
        )
        .await;
    assert_eq!(
        reply.header(header::CONTENT_DISPOSITION),
        "attachment; filename=\"Sales--North-members.csv\""
    );

    let domain = f
        .store
        .create_mail_domain(
            &author,
            &MailDomainInput {
                code: "example.test".into(),
                description: "Main".into(),
                obsolete: false,
            },
        )
        .await
        .unwrap();
    f.store
        .create_mail_list(
            &author,
            &MailListInput {
                domain,
                name: "all".into(),
                description: "Everyone".into(),
            },
        )
        .await
        .unwrap();
    let records = csv_records(
        &f.get(
            "/files/mail-domains.csv?columns=code,obsolete",
            Some(&f.owner),
        )
        .await,
    );
    assert_eq!(records, [["code", "obsolete"], ["example.test", "false"]]);
    let records = csv_records(
        &f.get(
            "/files/mail-lists.csv?columns=address,description",
            Some(&f.owner),
        )
        .await,
    );
    assert_eq!(
        records,
        [["address", "description"], ["all@example.test", "Everyone"]]
    );
    // The list's search goes with the download: a search nothing matches, only the header.
    let records = csv_records(
        &f.get(
            "/files/mail-lists.csv?q=nobody&columns=name",
            Some(&f.owner),
        )
        .await,
    );
    assert_eq!(records, [["name"]]);
    let records = csv_records(
        &f.get(
            "/files/mail-domains.csv?q=nobody&columns=code",
            Some(&f.owner),
        )
        .await,
    );
    assert_eq!(records, [["code"]]);

    // Systems, accounts and roles download with their list's search and order.
    let mut crm = None;
    for name in ["CRM", "AD"] {
        let system = f.store.create_system(&author, name, "").await.unwrap();
        crm = crm.or(Some(system));
        f.store
            .create_role(
                &author,
                &RoleInput {
                    system,
                    name: format!("{name} reader"),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        f.store
            .create_account(
                &author,
                &AccountInput {
                    system,
                    name: format!("{}-svc", name.to_lowercase()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    let records = csv_records(
        &f.get("/files/systems.csv?sort=-name", Some(&f.auditor))
            .await,
    );
    assert_eq!(records, [["name", "description"], ["CRM", ""], ["AD", ""]]);
    let records = csv_records(
        &f.get(
            "/files/roles.csv?q=crm&columns=name,system",
            Some(&f.auditor),
        )
        .await,
    );
    assert_eq!(records, [["name", "system"], ["CRM reader", "CRM"]]);
    let records = csv_records(
        &f.get("/files/accounts.csv?columns=name,system", Some(&f.auditor))
            .await,
    );
    assert_eq!(
        records,
        [["name", "system"], ["ad-svc", "AD"], ["crm-svc", "CRM"]]
    );
    // A list narrowed to one system (`?in=`) downloads as it shows.
    let crm = crm.expect("CRM was created").0;
    let records = csv_records(
        &f.get(
            &format!("/files/accounts.csv?columns=name,system&in={crm}"),
            Some(&f.auditor),
        )
        .await,
    );
    assert_eq!(records, [["name", "system"], ["crm-svc", "CRM"]]);
    let reply = f.get("/files/accounts.csv?in=crm", Some(&f.auditor)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("is not an object id"), "{}", reply.body);
    assert_eq!(
        f.get("/files/systems.csv", None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

fn multipart(boundary: &str, fields: &[(&str, &str)]) -> String {
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!("--{boundary}\r\n"));
        if *name == "file" {
            body.push_str(
                "Content-Disposition: form-data; name=\"file\"; filename=\"users.csv\"\r\n\
                 Content-Type: text/csv\r\n\r\n",
            );
        } else {
            body.push_str(&format!(
                "Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"
            ));
        }
        body.push_str(value);
        body.push_str("\r\n");
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    body
}

#[tokio::test]
async fn the_import_server_function_takes_a_multipart_upload_and_needs_write_permission() {
    let f = fixture().await;
    let boundary = "----rewind-test-boundary";
    let post = |cookie: &str, fields: &[(&str, &str)]| {
        Request::post("/api/import_csv")
            .header(header::HOST, "localhost")
            .header(header::ORIGIN, "http://localhost")
            .header(header::ACCEPT, "application/json")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(header::COOKIE, cookie)
            .body(Body::from(multipart(boundary, fields)))
            .unwrap()
    };
    let csv = "userName,primaryGroup,email\nann,Staff,ann@example.test\n";
    let fields = [
        ("kind", "users"),
        ("mapping", r#"["userName","primaryGroup",null]"#),
        ("file", csv),
        ("apply", "true"),
    ];
    let reply = f.send(post(&f.auditor, &fields)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let reply = f.send(post("", &fields)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);

    let preview = f
        .send(post(&f.owner, &[("kind", "users"), ("file", csv)]))
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let preview: ImportOutcome = serde_json::from_slice(&preview.bytes).unwrap();
    assert_eq!((preview.applied, preview.created), (false, 1));
    assert_eq!(preview.mapping[2].as_deref(), Some("email"));

    let reply = f.send(post(&f.owner, &fields)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let done: ImportOutcome = serde_json::from_slice(&reply.bytes).unwrap();
    assert_eq!((done.applied, done.created), (true, 1));
    let page = f
        .store
        .list_users(&UserListQuery {
            search: "ann".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.items[0].email, "", "the email column was not imported");

    let reply = f
        .send(post(
            &f.owner,
            &[("kind", "users"), ("file", "userName,primaryGroup\nann\n")],
        ))
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply
            .body
            .contains("Line 2 has 1 field, but the header has 2"),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn the_segregation_of_duties_report_downloads_every_violation() {
    let f = fixture().await;
    let author = Author::named("tester");
    let system = f.store.create_system(&author, "ERP", "").await.unwrap();
    let mut roles = Vec::new();
    for name in ["Buy", "Pay"] {
        let role = RoleInput {
            system,
            name: name.into(),
            ..Default::default()
        };
        roles.push(f.store.create_role(&author, &role).await.unwrap());
    }
    let values = ["Buy or pay", "", "all", "", "high", "Buy@ERP\nPay@ERP", ""];
    f.store
        .create_resource(
            &author,
            &kinds::SOD_RULES,
            &ResourceInput {
                values: values.map(String::from).to_vec(),
            },
        )
        .await
        .unwrap();
    let ana = f
        .store
        .create_user(
            &author,
            &UserInput {
                name: "ana".into(),
                first_name: "Ana".into(),
                primary_group: f.staff,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for role in roles {
        let grant = GrantInput {
            role,
            grantee: Grantee::User(ana),
            scope: String::new(),
            start_date: None,
            end_date: None,
        };
        f.store.grant_role(&author, &grant).await.unwrap();
    }
    let records = csv_records(&f.get("/files/sod-violations.csv", Some(&f.auditor)).await);
    assert_eq!(
        records,
        [
            ["userName", "rule", "risk", "roles"],
            ["ana", "Buy or pay", "high", "Buy@ERP; Pay@ERP"]
        ]
    );
    assert_eq!(
        f.get("/files/sod-violations.csv", None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_vault_accounts_download_never_carries_a_secret() {
    let f = fixture().await;
    let author = Author::named("tester");
    let values = |v: &[&str]| ResourceInput {
        values: v.iter().map(|s| s.to_string()).collect(),
    };
    f.store
        .create_resource(
            &author,
            &kinds::VAULT_FOLDERS,
            &values(&["Servers", "", ""]),
        )
        .await
        .unwrap();
    let account = f
        .store
        .create_resource(
            &author,
            &kinds::VAULT_ACCOUNTS,
            &values(&["db-root", "Servers", "", "root", "", "", "Password"]),
        )
        .await
        .unwrap();
    f.store
        .set_vault_secret(&author, account, "not-in-any-file")
        .await
        .unwrap();
    let reply = f.get("/files/vault-accounts.csv", Some(&f.owner)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let records = csv_records(&reply);
    assert_eq!(records[1][..2], ["db-root", "Servers"].map(String::from));
    assert!(!records[0].iter().any(|h| h.contains("secret")));
    assert!(!reply.body.contains("not-in-any-file"));
}
