//! The REST API over HTTP with the real router (both backends): reads as of an instant with
//! cursors that a concurrent change cannot shift, history and differences, snapshots,
//! restore plan / apply / undo with the console's rules, the recycle bin, system backups,
//! and the permission checks and error shape of every kind of route.
mod common;
use app::model::{Permission, UserId};
use axum::http::{Method, StatusCode};
use common::api::{error_code, Api};
use serde_json::{json, Value};
use std::time::Duration;

async fn tick() {
    tokio::time::sleep(Duration::from_millis(5)).await;
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap().to_string())
        .collect()
}

fn encoded(time: chrono::DateTime<chrono::Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

#[tokio::test]
async fn a_walk_through_users_reads_one_instant_whatever_changes_meanwhile() {
    let api = Api::new().await;
    let token = api.token("reader", &[Permission::IdentityRead]).await;
    let staff = api.group("Staff", None).await;
    for name in ["ada", "bea", "cy"] {
        api.user(name, staff).await;
    }
    let first = api.get_ok("/api/v1/users?limit=2", &token).await;
    assert_eq!(names(&first), ["ada", "bea"]);
    assert_eq!(first["total"], 3);
    let next = first["next"].as_str().unwrap().to_string();
    // A user named to sort first is added between the pages: the walk does not see it, so
    // "bea" is not read twice and nothing is skipped.
    tick().await;
    api.user("aaron", staff).await;
    let second = api
        .get_ok(&format!("/api/v1/users?limit=2&cursor={next}"), &token)
        .await;
    assert_eq!(names(&second), ["cy"]);
    assert!(second["next"].is_null());
    assert_eq!(second["as_of"], first["as_of"]);
    // A new walk sees it.
    let fresh = api.get_ok("/api/v1/users?limit=10", &token).await;
    assert_eq!(names(&fresh), ["aaron", "ada", "bea", "cy"]);
    let searched = api.get_ok("/api/v1/users?q=EA", &token).await;
    assert_eq!(names(&searched), ["bea"]);
    let filtered = api
        .get_ok("/api/v1/users?filter=userName%20sw%20%22a%22", &token)
        .await;
    assert_eq!(names(&filtered), ["aaron", "ada"]);
}

#[tokio::test]
async fn users_and_groups_read_as_they_were_at_an_instant() {
    let api = Api::new().await;
    let token = api.token("reader", &[Permission::IdentityRead]).await;
    let root = api.group("Company", None).await;
    let sales = api.group("Sales", Some(root)).await;
    let dana = api.user("dana", sales).await;
    tick().await;
    let then = chrono::Utc::now();
    tick().await;
    api.set_email(dana, "dana@new.example").await;
    api.group("Support", Some(root)).await;

    let now = api
        .get_ok(&format!("/api/v1/users/{}", dana.0), &token)
        .await;
    assert_eq!(now["state"]["attributes"]["email"], "dana@new.example");
    let old = api
        .get_ok(
            &format!("/api/v1/users/{}?as_of={}", dana.0, encoded(then)),
            &token,
        )
        .await;
    assert_eq!(old["state"]["attributes"]["email"], "dana@example.test");

    let tree_then = api
        .get_ok(&format!("/api/v1/groups?as_of={}", encoded(then)), &token)
        .await;
    let children = |tree: &Value| -> Vec<String> {
        tree["roots"][0]["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(tree_then["roots"][0]["name"], "Company");
    assert_eq!(children(&tree_then), ["Sales"]);
    let tree_now = api.get_ok("/api/v1/groups", &token).await;
    assert_eq!(children(&tree_now), ["Sales", "Support"]);

    let group = api
        .get_ok(&format!("/api/v1/groups/{}", sales.0), &token)
        .await;
    assert_eq!(group["group"]["input"]["name"], "Sales");
    assert_eq!(group["members"][0]["user_name"], "dana");
    // Before the group existed there is nothing to read.
    let before = chrono::DateTime::from_timestamp(1_000_000_000, 0).unwrap();
    let reply = api
        .request(
            Method::GET,
            &format!("/api/v1/groups/{}?as_of={}", sales.0, encoded(before)),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&reply), "not_found");
}

#[tokio::test]
async fn history_pages_continue_after_the_last_event_and_diffs_compare_two_instants() {
    let api = Api::new().await;
    let token = api.token("reader", &[Permission::IdentityRead]).await;
    let staff = api.group("Staff", None).await;
    let eve = api.user("eve", staff).await;
    tick().await;
    let created = chrono::Utc::now();
    for n in 1..=4 {
        tick().await;
        api.set_email(eve, &format!("eve{n}@example.test")).await;
    }
    let uri = format!("/api/v1/users/{}/history?limit=2", eve.0);
    let first = api.get_ok(&uri, &token).await;
    assert_eq!(first["total"], 5);
    let emails = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                e["diff"]["attributes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|a| a["name"] == "email")
                    .map(|a| a["after"].as_str().unwrap().to_string())
                    .unwrap_or_default()
            })
            .collect()
    };
    assert_eq!(emails(&first), ["eve4@example.test", "eve3@example.test"]);
    // An edit between pages does not shift the next page.
    tick().await;
    api.set_email(eve, "eve5@example.test").await;
    let next = first["next"].as_str().unwrap();
    let second = api.get_ok(&format!("{uri}&cursor={next}"), &token).await;
    assert_eq!(emails(&second), ["eve2@example.test", "eve1@example.test"]);
    let only_groups = api
        .get_ok(
            &format!("/api/v1/users/{}/history?kinds=memberships", eve.0),
            &token,
        )
        .await;
    assert_eq!(only_groups["total"], 0);

    let diff = api
        .get_ok(
            &format!("/api/v1/users/{}/diff?from={}", eve.0, encoded(created)),
            &token,
        )
        .await;
    let email = diff["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "email")
        .unwrap()
        .clone();
    assert_eq!(email["before"], "eve@example.test");
    assert_eq!(email["after"], "eve5@example.test");

    for bad in [
        format!("/api/v1/users/{}/history?kinds=hats", eve.0),
        format!("/api/v1/users/{}/history?cursor=h1.x.1", eve.0),
        format!("/api/v1/users/{}/history?limit=0", eve.0),
        format!("/api/v1/users/{}/diff?from=yesterday", eve.0),
        "/api/v1/users/abc".to_string(),
    ] {
        let reply = api.request(Method::GET, &bad, Some(&token), None).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            reply.body
        );
        assert_eq!(error_code(&reply), "invalid", "{bad}");
    }
}

async fn restore_fixture(api: &Api) -> (UserId, chrono::DateTime<chrono::Utc>, String) {
    let staff = api.group("Staff", None).await;
    let projects = api.group("Projects", None).await;
    let finn = api.user("finn", staff).await;
    api.store
        .add_membership(
            &app::store::Author::named("ops"),
            &app::model::MembershipInput {
                user: finn,
                group: projects,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    tick().await;
    let good = chrono::Utc::now();
    tick().await;
    api.set_email(finn, "wrong@example.test").await;
    let membership = api
        .store
        .find_membership(finn, projects)
        .await
        .unwrap()
        .unwrap();
    api.store
        .remove_membership(&app::store::Author::named("ops"), membership)
        .await
        .unwrap();
    let token = api
        .token(
            "restorer",
            &[
                Permission::IdentityRead,
                Permission::BackupQuery,
                Permission::BackupRestore,
            ],
        )
        .await;
    (finn, good, token)
}

#[tokio::test]
async fn a_restore_is_planned_applied_and_undone_with_the_consoles_rules() {
    let api = Api::new().await;
    let (finn, good, token) = restore_fixture(&api).await;
    let plan_uri = format!("/api/v1/users/{}/restore-plan", finn.0);
    let request = json!({ "instant": encoded(good) });
    let reply = api
        .request(Method::POST, &plan_uri, Some(&token), Some(request.clone()))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let plan = reply.json();
    let items = plan["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{plan}");
    assert_eq!(
        api.get_ok(&format!("/api/v1/users/{}", finn.0), &token)
            .await["state"]["attributes"]["email"],
        "wrong@example.test",
        "planning changes nothing"
    );

    // Apply only the attributes: the membership item is left out.
    let chosen: Vec<Value> = items
        .iter()
        .map(|item| {
            let mut item = item.clone();
            item["selected"] = json!(item["kind"] == "Attributes");
            item
        })
        .collect();
    let apply_uri = format!("/api/v1/users/{}/restores", finn.0);
    let reply = api
        .request(
            Method::POST,
            &apply_uri,
            Some(&token),
            Some(json!({ "instant": encoded(good), "items": chosen })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let outcome = reply.json();
    assert_eq!(outcome["applied"], 1);
    let after = api.store.get_user(finn, None).await.unwrap();
    assert_eq!(after.state.attributes.email, "finn@example.test");
    assert_eq!(
        after.state.memberships.len(),
        0,
        "the membership was left out"
    );
    // The history says who: the token, through the API.
    let history = api
        .get_ok(&format!("/api/v1/users/{}/history?limit=1", finn.0), &token)
        .await;
    assert_eq!(history["items"][0]["by"], "token restorer (API)");

    // An item the server's plan does not hold is refused and nothing changes.
    let mut forged = items[1].clone();
    forged["change"] = json!({ "Attributes": { "name": "mallory" } });
    let reply = api
        .request(
            Method::POST,
            &apply_uri,
            Some(&token),
            Some(json!({ "instant": encoded(good), "items": [forged] })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(
        api.store
            .get_user(finn, None)
            .await
            .unwrap()
            .state
            .attributes
            .name,
        "finn"
    );

    // Undo puts back exactly what the restore replaced.
    let operation = outcome["operation_id"].as_i64().unwrap();
    let undo_uri = format!("/api/v1/users/{}/restores/{operation}/undo", finn.0);
    // Not through another user, even one changed at the restore's very instant.
    let staff = api.group("Others", None).await;
    let ivy = api.user("ivy", staff).await;
    let reply = api
        .request(
            Method::POST,
            &format!("/api/v1/users/{}/restores/{operation}/undo", ivy.0),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    let reply = api
        .request(Method::POST, &undo_uri, Some(&token), None)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let undone = api.store.get_user(finn, None).await.unwrap();
    assert_eq!(undone.state.attributes.email, "wrong@example.test");
    // Undoing it again would discard the undo: refused unless forced.
    let reply = api
        .request(Method::POST, &undo_uri, Some(&token), None)
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(
        reply.body.contains("changed after restore"),
        "{}",
        reply.body
    );
    let reply = api
        .request(
            Method::POST,
            &format!("{undo_uri}?force=true"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    // Undoing an operation that is not a restore is refused.
    let reply = api
        .request(
            Method::POST,
            &format!("/api/v1/users/{}/restores/1/undo", finn.0),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert_eq!(error_code(&reply), "conflict");
    let reply = api
        .request(
            Method::POST,
            &format!("/api/v1/users/{}/restores/999999/undo", finn.0),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
}

/// A later change to the user is not silently thrown away by an undo.
#[tokio::test]
async fn an_undo_refuses_to_discard_changes_made_after_the_restore() {
    let api = Api::new().await;
    let (finn, good, token) = restore_fixture(&api).await;
    let reply = api
        .request(
            Method::POST,
            &format!("/api/v1/users/{}/restores", finn.0),
            Some(&token),
            Some(json!({ "instant": encoded(good) })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let operation = reply.json()["operation_id"].as_i64().unwrap();
    tick().await;
    api.set_email(finn, "later@example.test").await;
    let uri = format!("/api/v1/users/{}/restores/{operation}/undo", finn.0);
    let reply = api.request(Method::POST, &uri, Some(&token), None).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    let now = api.store.get_user(finn, None).await.unwrap();
    assert_eq!(
        now.state.attributes.email, "later@example.test",
        "nothing changed"
    );
    let reply = api
        .request(
            Method::POST,
            &format!("{uri}?force=true"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let now = api.store.get_user(finn, None).await.unwrap();
    assert_eq!(now.state.attributes.email, "wrong@example.test");
    assert_eq!(now.state.memberships.len(), 0);
}

#[tokio::test]
async fn blocked_items_say_why_and_are_never_applied() {
    let api = Api::new().await;
    let (finn, good, token) = restore_fixture(&api).await;
    // The group of the removed membership is deleted: the plan says so.
    let projects = api.store.group_tree(None).await.unwrap();
    let projects = projects.iter().find(|g| g.name == "Projects").unwrap().id;
    api.store
        .delete_group(&app::store::Author::named("ops"), projects)
        .await
        .unwrap();
    let reply = api
        .request(
            Method::POST,
            &format!("/api/v1/users/{}/restore-plan", finn.0),
            Some(&token),
            Some(json!({ "instant": encoded(good), "parts": ["memberships"] })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let plan = reply.json();
    let items = plan["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{plan}");
    assert!(
        items[0]["blocked"]
            .as_str()
            .is_some_and(|why| !why.is_empty()),
        "{plan}"
    );
    let reply = api
        .request(
            Method::POST,
            &format!("/api/v1/users/{}/restores", finn.0),
            Some(&token),
            Some(json!({ "instant": encoded(good), "parts": ["memberships"] })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.json()["applied"], 0);
    assert_eq!(reply.json()["blocked"], 1);

    for bad in [
        json!({}),
        json!({ "snapshot": 1, "instant": encoded(good) }),
        json!({ "instant": encoded(good), "parts": [] }),
        json!({ "instant": encoded(good), "mode": "sideways" }),
        json!({ "instant": encoded(good), "colour": "red" }),
    ] {
        let reply = api
            .request(
                Method::POST,
                &format!("/api/v1/users/{}/restore-plan", finn.0),
                Some(&token),
                Some(bad.clone()),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            reply.body
        );
        assert_eq!(error_code(&reply), "invalid");
    }
}

#[tokio::test]
async fn snapshots_read_as_json_and_xml_and_compare() {
    let api = Api::new().await;
    let (finn, good, token) = restore_fixture(&api).await;
    // A restore always opens a new snapshot: the one before holds the wrong e-mail.
    let reply = api
        .request(
            Method::POST,
            &format!("/api/v1/users/{}/restores", finn.0),
            Some(&token),
            Some(json!({ "instant": encoded(good) })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let snapshots = api
        .get_ok(&format!("/api/v1/users/{}/snapshots", finn.0), &token)
        .await;
    let list = snapshots.as_array().unwrap();
    assert!(list.len() >= 2, "{snapshots}");
    let oldest = list.last().unwrap()["id"].as_i64().unwrap();
    let snapshot = api
        .get_ok(&format!("/api/v1/snapshots/{oldest}"), &token)
        .await;
    assert_eq!(snapshot["state"]["attributes"]["name"], "finn");
    assert_eq!(
        snapshot["state"]["attributes"]["email"],
        "wrong@example.test"
    );
    let reply = api
        .request(
            Method::GET,
            &format!("/api/v1/snapshots/{oldest}/xml"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply
        .header(axum::http::header::CONTENT_TYPE)
        .starts_with("application/xml"));
    assert!(reply.body.contains("finn"), "{}", reply.body);
    let diff = api
        .get_ok(&format!("/api/v1/snapshots/{oldest}/diff"), &token)
        .await;
    assert!(
        diff["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["name"] == "email"),
        "{diff}"
    );
    let reply = api
        .request(Method::GET, "/api/v1/snapshots/999999", Some(&token), None)
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_recycle_bin_lists_deleted_objects_and_recovers_them() {
    let api = Api::new().await;
    let token = api
        .token(
            "janitor",
            &[Permission::IdentityRead, Permission::IdentityWrite],
        )
        .await;
    let staff = api.group("Staff", None).await;
    let old = api.group("Old", None).await;
    let gus = api.user("gus", staff).await;
    api.store
        .delete_user(&app::store::Author::named("ops"), gus)
        .await
        .unwrap();
    tick().await;
    api.store
        .delete_group(&app::store::Author::named("ops"), old)
        .await
        .unwrap();
    let bin = api.get_ok("/api/v1/recycle-bin", &token).await;
    let entries: Vec<(String, i64)> = bin["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap().into(),
                d["id"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [("Old".to_string(), old.0), ("gus".to_string(), gus.0)]
    );
    let reply = api
        .request(
            Method::POST,
            &format!("/api/v1/users/{}/recover", gus.0),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    let reply = api
        .request(
            Method::POST,
            &format!("/api/v1/groups/{}/recover", old.0),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    let bin = api.get_ok("/api/v1/recycle-bin", &token).await;
    assert_eq!(bin["total"], 0);
    assert_eq!(
        api.store
            .get_user(gus, None)
            .await
            .unwrap()
            .state
            .attributes
            .name,
        "gus"
    );
    // Recovering what is not in the bin is refused.
    let reply = api
        .request(
            Method::POST,
            &format!("/api/v1/users/{}/recover", gus.0),
            Some(&token),
            None,
        )
        .await;
    assert!(reply.status.is_client_error(), "{}", reply.status);
    // A declared kind: a network deleted and recovered.
    let network = api
        .store
        .create_resource(
            &app::store::Author::named("ops"),
            &app::model::kinds::NETWORKS,
            &app::model::ResourceInput {
                values: ["lab", "", "10.9.0.0", "24", "true", "false", "", "false"]
                    .map(String::from)
                    .to_vec(),
            },
        )
        .await
        .unwrap();
    let kind = app::model::KindRef::parse("networks").unwrap();
    api.store
        .delete_resources(&app::store::Author::named("ops"), kind.0, &[network])
        .await
        .unwrap();
    let reply = api
        .request(
            Method::POST,
            &format!("/api/v1/resources/networks/{network}/recover"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    let detail = api
        .get_ok(&format!("/api/v1/resources/networks/{network}"), &token)
        .await;
    assert_eq!(detail["attributes"]["name"], "lab");
}

#[tokio::test]
async fn every_kind_of_the_directory_reads_as_of_an_instant() {
    let api = Api::new().await;
    api.store
        .seed_demo(&app::store::SeedOptions::new(20, 12, 7))
        .await
        .unwrap();
    let token = api.token("reader", &[Permission::IdentityRead]).await;
    for (list, item) in [
        ("/api/v1/accounts", "/api/v1/accounts"),
        ("/api/v1/roles", "/api/v1/roles"),
        ("/api/v1/mail-lists", "/api/v1/mail-lists"),
    ] {
        let page = api.get_ok(&format!("{list}?limit=3"), &token).await;
        let items = page["items"].as_array().unwrap();
        assert!(!items.is_empty(), "{list}: {page}");
        assert!(page["total"].as_i64().unwrap() >= items.len() as i64);
        let id = items[0]["id"].as_i64().unwrap();
        api.get_ok(&format!("{item}/{id}"), &token).await;
    }
    let kinds = api.get_ok("/api/v1/resources", &token).await;
    let slugs: Vec<&str> = kinds
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["slug"].as_str().unwrap())
        .collect();
    assert!(
        slugs.contains(&"networks") && slugs.contains(&"systems"),
        "{slugs:?}"
    );
    let mut read = 0;
    for slug in &slugs {
        let page = api
            .get_ok(&format!("/api/v1/resources/{slug}?limit=2"), &token)
            .await;
        if let Some(first) = page["items"].as_array().unwrap().first() {
            assert!(first["attributes"]
                .as_object()
                .is_some_and(|a| !a.is_empty()));
            let id = first["id"].as_i64().unwrap();
            let detail = api
                .get_ok(&format!("/api/v1/resources/{slug}/{id}"), &token)
                .await;
            assert_eq!(detail["id"], id);
            read += 1;
        }
    }
    assert!(read >= 3, "only {read} kinds had objects");
    // Before anything existed, lists are empty.
    let page = api
        .get_ok("/api/v1/roles?as_of=2001-01-01T00:00:00Z", &token)
        .await;
    assert_eq!(page["total"], 0);
    let reply = api
        .request(Method::GET, "/api/v1/resources/hats", Some(&token), None)
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&reply), "not_found");
    // Who is not signed in learns nothing, not even whether a kind exists.
    let reply = api
        .request(Method::GET, "/api/v1/resources/hats", None, None)
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn system_backups_are_started_followed_and_downloaded() {
    let api = Api::new().await;
    let token = api
        .token("backup-robot", &[Permission::SystemBackupManage])
        .await;
    let staff = api.group("Staff", None).await;
    api.user("hal", staff).await;
    let reply = api
        .request(
            Method::POST,
            "/api/v1/backups",
            Some(&token),
            Some(json!({ "label": "nightly" })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    let job = reply.json()["id"].as_i64().unwrap();
    let mut state = Value::Null;
    for _ in 0..200 {
        state = api
            .get_ok(&format!("/api/v1/backups/jobs/{job}"), &token)
            .await;
        if state["state"] != "running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(state["state"], "succeeded", "{state}");
    let backups = api.get_ok("/api/v1/backups", &token).await;
    let backup = &backups.as_array().unwrap()[0];
    assert_eq!(backup["label"], "nightly");
    assert_eq!(backup["created_by"], "token backup-robot (API)");
    let id = backup["id"].as_i64().unwrap();
    let reply = api
        .request(
            Method::GET,
            &format!("/api/v1/backups/{id}/download"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{state} {backups} {}",
        reply.body
    );
    assert_eq!(&reply.bytes[..2], &[0x1f, 0x8b], "a gzip archive");
    let reply = api
        .request(
            Method::POST,
            "/api/v1/backups",
            Some(&token),
            Some(json!({ "label": "x".repeat(201) })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    // No body: a backup without a label.
    let reply = api
        .request(Method::POST, "/api/v1/backups", Some(&token), None)
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
}

#[tokio::test]
async fn each_route_asks_for_its_own_permission() {
    let api = Api::new().await;
    let reader = api.token("reader", &[Permission::IdentityRead]).await;
    let staff = api.group("Staff", None).await;
    let ivy = api.user("ivy", staff).await;
    let user = ivy.0;
    let now = encoded(chrono::Utc::now());
    for (method, uri, body) in [
        (Method::GET, format!("/api/v1/users/{user}/snapshots"), None),
        (Method::GET, "/api/v1/snapshots/1".to_string(), None),
        (
            Method::POST,
            format!("/api/v1/users/{user}/restore-plan"),
            Some(json!({ "instant": now })),
        ),
        (
            Method::POST,
            format!("/api/v1/users/{user}/restores"),
            Some(json!({ "instant": now })),
        ),
        (Method::POST, format!("/api/v1/users/{user}/recover"), None),
        (Method::GET, "/api/v1/backups".to_string(), None),
        (Method::POST, "/api/v1/backups".to_string(), Some(json!({}))),
    ] {
        let reply = api
            .request(method.clone(), &uri, Some(&reader), body.clone())
            .await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{method} {uri}: {}",
            reply.body
        );
        assert_eq!(error_code(&reply), "forbidden");
        let reply = api.request(method.clone(), &uri, None, body).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
        assert_eq!(error_code(&reply), "unauthenticated");
    }
    // The reader reads, with a clear error for a malformed body elsewhere.
    api.get_ok(&format!("/api/v1/users/{user}"), &reader).await;
    let restorer = api.token("restorer", &[Permission::BackupRestore]).await;
    let request = axum::http::Request::post(format!("/api/v1/users/{user}/restore-plan"))
        .header(axum::http::header::HOST, "localhost")
        .header(
            axum::http::header::AUTHORIZATION,
            format!("Bearer {restorer}"),
        )
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from("{not json"))
        .unwrap();
    let reply = common::send(&api.router, request).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(error_code(&reply), "invalid");
}

#[tokio::test]
async fn every_refusal_has_the_error_shape_and_a_token_is_checked_first() {
    let api = Api::new().await;
    let token = api
        .token(
            "reader",
            &[Permission::IdentityRead, Permission::BackupRestore],
        )
        .await;
    let staff = api.group("Staff", None).await;
    let jo = api.user("jo", staff).await;
    // Without a token nothing else is looked at: not the path, the query or the body.
    for uri in [
        "/api/v1/users/abc",
        "/api/v1/users?limit=0",
        "/api/v1/no-such-route",
        "/api/v1/resources/hats",
    ] {
        let reply = api.request(Method::GET, uri, None, None).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{uri}: {}",
            reply.body
        );
        assert_eq!(error_code(&reply), "unauthenticated");
    }
    let reply = api
        .request(Method::GET, "/api/v1/no-such-route", Some(&token), None)
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&reply), "not_found");
    let reply = api
        .request(Method::DELETE, "/api/v1/users", Some(&token), None)
        .await;
    assert_eq!(
        reply.status,
        StatusCode::METHOD_NOT_ALLOWED,
        "{}",
        reply.body
    );
    assert_eq!(error_code(&reply), "method_not_allowed");
    // A body past the bound is refused before it is parsed.
    let huge = json!({ "instant": encoded(chrono::Utc::now()), "items": ["x".repeat(300_000)] });
    let reply = api
        .request(
            Method::POST,
            &format!("/api/v1/users/{}/restores", jo.0),
            Some(&token),
            Some(huge),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    assert_eq!(error_code(&reply), "too_large");
    // A kind named many times is read once.
    let many = vec!["grants"; 400].join(",");
    api.get_ok(
        &format!("/api/v1/users/{}/history?kinds={many}", jo.0),
        &token,
    )
    .await;
    // Instants to come are no state to read.
    let tomorrow = encoded(chrono::Utc::now() + chrono::Duration::days(1));
    let reply = api
        .request(
            Method::GET,
            &format!("/api/v1/users?as_of={tomorrow}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    // The document is public and served as JSON.
    let reply = api
        .request(Method::GET, "/api/openapi.json", None, None)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let document = reply.json();
    let undo = &document["paths"]["/api/v1/users/{id}/restores/{operation}/undo"]["post"];
    assert!(undo["responses"]["401"].is_object(), "{undo}");
    assert!(undo["responses"]["409"].is_object(), "{undo}");
}
