//! Identity server functions over HTTP with the real router: every one refuses a missing
//! session (401), every write refuses an Auditor (403), and a full happy path works.
mod common;
use app::model::OperatorRole;
use app::state::AuthConfig;
use app::store::{NewOperator, Store};
use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::Router;
use common::{urlencode, Reply, PASSWORD};
use serde_json::{json, Value};

struct TestApp {
    router: Router,
    store: Store,
}

async fn test_app() -> TestApp {
    let store = app::testing::fresh_store().await;
    let router = common::router(&store, AuthConfig::default());
    TestApp { router, store }
}

/// How a server function takes its arguments.
#[derive(Clone, Copy)]
enum Enc {
    Json,
    Form,
}

impl TestApp {
    async fn call(&self, function: &str, enc: Enc, args: Value, cookie: Option<&str>) -> Reply {
        let (content_type, body) = match enc {
            Enc::Json => ("application/json", args.to_string()),
            Enc::Form => (
                "application/x-www-form-urlencoded",
                args.as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| {
                        let v = match v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        format!("{k}={}", urlencode(&v))
                    })
                    .collect::<Vec<_>>()
                    .join("&"),
            ),
        };
        let request = common::post(&format!("/api/{function}"), cookie)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap();
        common::send(&self.router, request).await
    }

    async fn login(&self, username: &str) -> String {
        common::login(&self.router, username, PASSWORD).await
    }

    /// An Owner ("olivia") and an Auditor ("audrey"), both signed in.
    async fn operators(&self) -> (String, String) {
        let owner = self
            .store
            .create_owner(None, "olivia", "Olivia Owner", PASSWORD)
            .await
            .unwrap();
        self.store
            .add_operator(
                &owner,
                NewOperator {
                    username: "audrey".into(),
                    display_name: "Audrey Auditor".into(),
                    role: OperatorRole::Auditor,
                    password: PASSWORD.into(),
                },
            )
            .await
            .unwrap();
        (self.login("olivia").await, self.login("audrey").await)
    }
}

fn user_input(name: &str, group: i64) -> Value {
    json!({
        "name": name, "first_name": "Ann", "middle_name": "", "last_name": "Lee",
        "user_type": "internal", "primary_group": group, "home_server": "", "profile_server": "",
        "mail_server": "", "email": format!("{name}@example.test"), "mail_aliases": "",
        "enabled": true, "multi_session": false, "comments": "", "custom": []
    })
}

fn group_input(name: &str) -> Value {
    json!({
        "name": name, "description": "", "parent": null, "group_type": "", "drive_letter": "",
        "drive_server": "", "disabled": false, "active_since": null, "active_until": null
    })
}

fn directory_query() -> Value {
    json!({"as_of": null, "search": "", "parent": null, "sort": "Name", "descending": false,
        "offset": 0, "limit": 10})
}

/// Every identity server function with well-formed arguments, and whether it writes.
fn every_function() -> Vec<(&'static str, Enc, Value, bool)> {
    use Enc::*;
    let account = json!({"system": 1, "name": "a", "login_name": "", "description": "",
        "account_type": "", "status": "", "attributes": []});
    let role = json!({"system": 1, "name": "r", "description": "", "category": "",
        "information_system": null, "domain_type": ""});
    let grant = json!({"role": 1, "grantee": {"User": 1}, "scope": "", "start_date": null,
        "end_date": null});
    let plan = json!({"user": 1, "source": {"Snapshot": 1}, "mode": "Exact", "items": []});
    let selection = json!({"attributes": true, "memberships": true, "accounts": true,
        "grants": true, "mail_lists": true});
    vec![
        (
            "list_users",
            Json,
            json!({"query": {"as_of": null, "search": "", "filter": "", "sort": "Name",
            "descending": false, "offset": 0, "limit": 10}}),
            false,
        ),
        ("get_user", Json, json!({"id": 1, "as_of": null}), false),
        (
            "create_user",
            Json,
            json!({"input": user_input("x", 1)}),
            true,
        ),
        (
            "update_user",
            Json,
            json!({"id": 1, "input": user_input("x", 1)}),
            true,
        ),
        ("delete_user", Form, json!({"id": 1}), true),
        ("recover_user", Form, json!({"id": 1}), true),
        (
            "effective_roles",
            Json,
            json!({"id": 1, "as_of": null}),
            false,
        ),
        (
            "add_membership",
            Json,
            json!({"input": {"user": 1, "group": 1, "start_date": null,
            "end_date": null, "comments": ""}}),
            true,
        ),
        (
            "update_membership",
            Json,
            json!({"id": 1, "start_date": null, "end_date": null,
            "comments": ""}),
            true,
        ),
        (
            "end_membership",
            Json,
            json!({"id": 1, "end_date": "2024-01-01T00:00:00Z"}),
            true,
        ),
        ("remove_membership", Form, json!({"id": 1}), true),
        ("group_tree", Json, json!({"as_of": null}), false),
        ("get_group", Json, json!({"id": 1, "as_of": null}), false),
        (
            "group_members",
            Json,
            json!({"id": 1, "as_of": null}),
            false,
        ),
        (
            "create_group",
            Json,
            json!({"input": group_input("g")}),
            true,
        ),
        (
            "update_group",
            Json,
            json!({"id": 1, "input": group_input("g")}),
            true,
        ),
        ("delete_group", Form, json!({"id": 1}), true),
        ("recover_group", Form, json!({"id": 1}), true),
        ("list_systems", Json, json!({"as_of": null}), false),
        (
            "create_system",
            Form,
            json!({"name": "s", "description": ""}),
            true,
        ),
        (
            "update_resource",
            Json,
            json!({"kind": "systems", "id": 1, "input": {"values": ["s", ""]}}),
            true,
        ),
        (
            "create_resource",
            Json,
            json!({"kind": "systems", "input": {"values": ["s", ""]}}),
            true,
        ),
        (
            "list_information_systems",
            Json,
            json!({"as_of": null}),
            false,
        ),
        (
            "create_information_system",
            Form,
            json!({"name": "s", "description": ""}),
            true,
        ),
        (
            "list_accounts",
            Json,
            json!({"system": null, "as_of": null}),
            false,
        ),
        ("create_account", Json, json!({"input": account}), true),
        (
            "update_account",
            Json,
            json!({"id": 1, "input": account}),
            true,
        ),
        ("delete_account", Form, json!({"id": 1}), true),
        (
            "set_account_owner",
            Form,
            json!({"account": 1, "user": 1, "level": "owner"}),
            true,
        ),
        (
            "remove_account_owner",
            Form,
            json!({"account": 1, "user": 1}),
            true,
        ),
        ("list_roles", Json, json!({"as_of": null}), false),
        ("create_role", Json, json!({"input": role}), true),
        ("update_role", Json, json!({"id": 1, "input": role}), true),
        ("delete_role", Form, json!({"id": 1}), true),
        (
            "add_role_inheritance",
            Form,
            json!({"role": 1, "inherited": 2}),
            true,
        ),
        (
            "remove_role_inheritance",
            Form,
            json!({"role": 1, "inherited": 2}),
            true,
        ),
        ("grant_role", Json, json!({"input": grant}), true),
        ("revoke_grant", Form, json!({"id": 1}), true),
        (
            "create_mail_domain",
            Json,
            json!({"input": {"code": "d", "description": "",
            "obsolete": false}}),
            true,
        ),
        (
            "update_resource",
            Json,
            json!({"kind": "mail-domains", "id": 1, "input": {"values": ["d", "", "false"]}}),
            true,
        ),
        (
            "restore_resource_version",
            Json,
            json!({"kind": "mail-domains", "id": 1, "version_id": 1}),
            true,
        ),
        (
            "recover_resource",
            Json,
            json!({"kind": "systems", "id": 1}),
            true,
        ),
        ("list_mail_lists", Json, json!({"as_of": null}), false),
        (
            "create_mail_list",
            Json,
            json!({"input": {"domain": 1, "name": "l",
            "description": ""}}),
            true,
        ),
        (
            "update_mail_list",
            Json,
            json!({"id": 1, "input": {"domain": 1, "name": "l",
            "description": ""}}),
            true,
        ),
        ("delete_mail_list", Form, json!({"id": 1}), true),
        (
            "delete_resources",
            Json,
            json!({"kind": "systems", "ids": [1]}),
            true,
        ),
        ("delete_accounts", Json, json!({"ids": [1]}), true),
        ("delete_roles", Json, json!({"ids": [1]}), true),
        (
            "delete_resources",
            Json,
            json!({"kind": "mail-domains", "ids": [1]}),
            true,
        ),
        ("delete_mail_lists", Json, json!({"ids": [1]}), true),
        (
            "add_mail_list_member",
            Json,
            json!({"list": 1, "member": {"User": 1}}),
            true,
        ),
        (
            "remove_mail_list_member",
            Json,
            json!({"list": 1, "member": {"User": 1}}),
            true,
        ),
        (
            "mail_list_targets",
            Json,
            json!({"list": 1, "as_of": null}),
            false,
        ),
        (
            "search_resources",
            Json,
            json!({"kind": "systems", "query": directory_query()}),
            false,
        ),
        (
            "get_resource",
            Json,
            json!({"kind": "systems", "id": 1, "as_of": null}),
            false,
        ),
        (
            "resource_history",
            Json,
            json!({"kind": "systems", "id": 1, "offset": 0, "limit": 10}),
            false,
        ),
        (
            "search_accounts",
            Json,
            json!({"query": directory_query()}),
            false,
        ),
        ("get_account", Json, json!({"id": 1, "as_of": null}), false),
        (
            "search_roles",
            Json,
            json!({"query": directory_query()}),
            false,
        ),
        ("get_role", Json, json!({"id": 1, "as_of": null}), false),
        (
            "search_mail_domains",
            Json,
            json!({"query": directory_query()}),
            false,
        ),
        (
            "get_resource",
            Json,
            json!({"kind": "mail-domains", "id": 1, "as_of": null}),
            false,
        ),
        (
            "search_mail_lists",
            Json,
            json!({"query": directory_query()}),
            false,
        ),
        (
            "get_mail_list",
            Json,
            json!({"id": 1, "as_of": null}),
            false,
        ),
        (
            "user_history",
            Json,
            json!({"user": 1, "kind": "Memberships", "offset": 0,
            "limit": 10}),
            false,
        ),
        (
            "user_timeline",
            Json,
            json!({"query": {"user": 1, "kinds": [], "offset": 0, "limit": 10}}),
            false,
        ),
        (
            "diff_user_states",
            Json,
            json!({"user": 1, "from": "2024-01-01T00:00:00Z", "to": null}),
            false,
        ),
        ("recycle_bin", Form, json!({}), false),
        ("get_overview", Form, json!({}), false),
        (
            "restore_history_record",
            Json,
            json!({"kind": "Memberships", "version_id": 1}),
            true,
        ),
        ("get_snapshot_config", Form, json!({}), false),
        (
            "set_snapshot_config",
            Json,
            json!({"config": {"min_delay_secs": 60,
            "delay_unit": "minutes", "keep_count": 5, "entitlements_history": true}}),
            true,
        ),
        ("list_snapshots", Form, json!({"user": 1}), false),
        ("get_snapshot", Form, json!({"id": 1}), false),
        ("snapshot_xml", Form, json!({"id": 1}), false),
        (
            "diff_snapshots",
            Json,
            json!({"from": 1, "to": null}),
            false,
        ),
        (
            "plan_restore",
            Json,
            json!({"user": 1, "source": {"Snapshot": 1}, "selection": selection,
            "mode": "Exact"}),
            true,
        ),
        ("apply_restore", Json, json!({"plan": plan}), true),
        (
            "access_entries",
            Json,
            json!({"kind": "printers", "object": 1}),
            false,
        ),
        (
            "grant_access",
            Json,
            json!({"kind": "applications", "object": 1, "input": {"assignee": "User",
            "name": "ana", "level": "Execute", "mask": ""}}),
            true,
        ),
        (
            "revoke_access",
            Json,
            json!({"kind": "networks", "entry": 1}),
            true,
        ),
        ("preview_role_rule", Json, json!({"rule": 1}), false),
        ("apply_role_rule", Json, json!({"rule": 1}), true),
        ("role_rule_run", Json, json!({"rule": 1}), false),
        ("cancel_role_rule_run", Json, json!({"rule": 1}), true),
        ("sod_violations", Json, json!({"user": null}), false),
        ("role_sod_violations", Json, json!({"role": 1}), false),
        (
            "sod_check_grant",
            Json,
            json!({"grantee": {"User": 1}, "role": 1}),
            false,
        ),
        ("vault_secret_history", Json, json!({"account": 1}), false),
        ("vault_access_of_user", Json, json!({"user": 1}), false),
        ("vault_folder_people", Json, json!({"folder": 1}), false),
        (
            "set_vault_secret",
            Json,
            json!({"account": 1, "secret": "s3cret"}),
            true,
        ),
        (
            "restore_vault_secret",
            Json,
            json!({"account": 1, "version": 1}),
            true,
        ),
        (
            "reveal_vault_secret",
            Json,
            json!({"account": 1, "version": null}),
            true,
        ),
    ]
}

#[tokio::test]
async fn every_identity_function_refuses_a_missing_session() {
    let app = test_app().await;
    app.operators().await;
    for (function, enc, args, _) in every_function() {
        let reply = app.call(function, enc, args, None).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{function}: {}",
            reply.body
        );
    }
}

#[tokio::test]
async fn an_auditor_may_read_but_every_write_is_forbidden() {
    let app = test_app().await;
    let (_, auditor) = app.operators().await;
    for (function, enc, args, writes) in every_function() {
        let reply = app.call(function, enc, args, Some(&auditor)).await;
        if writes {
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{function}: {}",
                reply.body
            );
        } else {
            // Reads pass the permission check (404s are fine: the database is empty).
            assert!(
                matches!(reply.status, StatusCode::OK | StatusCode::NOT_FOUND),
                "{function}: {} {}",
                reply.status,
                reply.body
            );
        }
    }
    assert_eq!(
        app.store
            .list_users(&Default::default())
            .await
            .unwrap()
            .total,
        0
    );
}

#[tokio::test]
async fn an_owner_creates_a_user_reads_it_back_and_restores_a_snapshot() {
    let app = test_app().await;
    let (owner, _) = app.operators().await;
    // No delay between snapshots, so the update below gets its own.
    let config = json!({"config": {"min_delay_secs": 0, "delay_unit": "minutes",
        "keep_count": 10, "entitlements_history": true}});
    let reply = app
        .call("set_snapshot_config", Enc::Json, config, Some(&owner))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = app
        .call(
            "create_group",
            Enc::Json,
            json!({"input": group_input("Staff")}),
            Some(&owner),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let group = reply.json().as_i64().unwrap();
    let reply = app
        .call(
            "create_user",
            Enc::Json,
            json!({"input": user_input("ann", group)}),
            Some(&owner),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let user = reply.json().as_i64().unwrap();

    // Case-insensitive uniqueness surfaces as 409 with a readable message.
    let reply = app
        .call(
            "create_user",
            Enc::Json,
            json!({"input": user_input("ANN", group)}),
            Some(&owner),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(reply.body.contains("already exists"), "{}", reply.body);

    let reply = app
        .call(
            "get_user",
            Enc::Json,
            json!({"id": user, "as_of": null}),
            Some(&owner),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let detail = reply.json();
    assert_eq!(detail["state"]["attributes"]["name"], "ann");
    assert_eq!(detail["state"]["primary_group_name"], "Staff");
    assert_eq!(detail["created"]["by"], "olivia");

    let reply = app
        .call(
            "list_snapshots",
            Enc::Form,
            json!({"user": user}),
            Some(&owner),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let snapshot = reply.json()[0]["id"].as_i64().unwrap();
    let reply = app
        .call(
            "snapshot_xml",
            Enc::Form,
            json!({"id": snapshot}),
            Some(&owner),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let xml: String = serde_json::from_str(&reply.body).unwrap();
    assert!(xml.contains("<user-snapshot"), "{xml}");

    let mut changed = user_input("ann", group);
    changed["email"] = json!("changed@example.test");
    let reply = app
        .call(
            "update_user",
            Enc::Json,
            json!({"id": user, "input": changed}),
            Some(&owner),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let selection = json!({"attributes": true, "memberships": true, "accounts": true,
        "grants": true, "mail_lists": true});
    let reply = app
        .call(
            "plan_restore",
            Enc::Json,
            json!({"user": user, "source": {"Snapshot": snapshot}, "selection": selection, "mode": "Exact"}),
            Some(&owner),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let plan = reply.json();
    assert_eq!(plan["items"].as_array().unwrap().len(), 1, "{plan}");
    let reply = app
        .call(
            "apply_restore",
            Enc::Json,
            json!({"plan": plan}),
            Some(&owner),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["applied"], 1);
    let reply = app
        .call(
            "get_user",
            Enc::Json,
            json!({"id": user, "as_of": null}),
            Some(&owner),
        )
        .await;
    assert_eq!(
        reply.json()["state"]["attributes"]["email"],
        "ann@example.test"
    );
}

#[tokio::test]
async fn an_owner_builds_a_mail_list_and_finds_it_through_the_directory_reads() {
    let app = test_app().await;
    let (owner, _) = app.operators().await;
    let call = |function: &'static str, args: Value| {
        let owner = owner.clone();
        let app = &app;
        async move {
            let reply = app.call(function, Enc::Json, args, Some(&owner)).await;
            assert_eq!(reply.status, StatusCode::OK, "{function}: {}", reply.body);
            reply.json()
        }
    };
    let domain = call(
        "create_mail_domain",
        json!({"input": {"code": "example.test", "description": "", "obsolete": false}}),
    )
    .await;
    let list = call(
        "create_mail_list",
        json!({"input": {"domain": domain, "name": "partners", "description": "outside"}}),
    )
    .await;
    call(
        "add_mail_list_member",
        json!({"list": list, "member": {"External": "ann@partner.test"}}),
    )
    .await;

    let page = call(
        "search_mail_lists",
        json!({"query": {"search": "PART", "parent": domain, "limit": 10, "offset": 0,
            "as_of": null, "sort": "Name", "descending": false}}),
    )
    .await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["input"]["name"], "partners");
    assert_eq!(page["items"][0]["domain_code"], "example.test");
    let detail = call("get_mail_list", json!({"id": list, "as_of": null})).await;
    assert_eq!(
        detail["members"][0]["member"]["External"],
        "ann@partner.test"
    );
    let domains = call("search_mail_domains", json!({"query": directory_query()})).await;
    assert_eq!(domains["items"][0]["list_count"], 1);
    let missing = app
        .call(
            "get_mail_list",
            Enc::Json,
            json!({"id": 999_999, "as_of": null}),
            Some(&owner),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.body);
}
