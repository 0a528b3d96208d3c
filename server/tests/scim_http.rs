//! API tokens and the SCIM read endpoints over HTTP with the real router (both backends):
//! a bearer token reads users, as of any instant; cookies never open the API and tokens
//! never open the console; permissions, revocation, expiry and throttling hold.
mod common;
use app::model::{NewApiToken, OperatorRole, Permission};
use app::store::{Author, NewOperator};
use axum::body::Body;
use axum::http::{header, StatusCode};
use common::scim::api;
use common::{Reply, PASSWORD};

#[tokio::test]
async fn a_token_reads_users_as_scim_and_as_of_a_past_instant() {
    let api = api().await;
    let token = api.token("okta", &[Permission::IdentityRead]).await;
    let id = api.user("ann.lee").await;
    let before_rename = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let mut detail = api
        .store
        .get_user(app::model::UserId(id), None)
        .await
        .unwrap();
    detail.state.attributes.name = "ann.smith".into();
    api.store
        .update_user(
            &Author::named("tester"),
            app::model::UserId(id),
            &detail.state.attributes,
        )
        .await
        .unwrap();

    let now = api
        .get(&format!("/scim/v2/Users/{id}"), Some(&token), None)
        .await;
    assert_eq!(now.status, StatusCode::OK, "{}", now.body);
    assert_eq!(now.header(header::CONTENT_TYPE), "application/scim+json");
    let user = now.json();
    assert_eq!(user["userName"], "ann.smith");
    assert_eq!(user["emails"][0]["value"], "ann.lee@example.test");
    assert_eq!(user["active"], true);
    assert!(now.header(header::ETAG).starts_with("W/\""));
    let narrow = api
        .get(
            &format!("/scim/v2/Users/{id}?attributes=userName,name.givenName"),
            Some(&token),
            None,
        )
        .await
        .json();
    assert!(narrow.get("emails").is_none());
    assert_eq!(narrow["id"].as_str(), Some(id.to_string().as_str()));
    assert_eq!(narrow["userName"], "ann.smith");

    let at = before_rename.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let then = api
        .get(
            &format!("/scim/v2/Users/{id}?asOf={}", common::urlencode(&at)),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(then.status, StatusCode::OK, "{}", then.body);
    assert_eq!(then.json()["userName"], "ann.lee");

    let filter = common::urlencode("userName eq \"ann.smith\"");
    let list = api
        .get(
            &format!("/scim/v2/Users?filter={filter}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let list = list.json();
    assert_eq!(list["totalResults"], 1);
    assert_eq!(list["Resources"][0]["id"], id.to_string());
    let bad = api
        .get("/scim/v2/Users?asOf=yesterday", Some(&token), None)
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["scimType"], "invalidValue");
    let config = api
        .get("/scim/v2/ServiceProviderConfig", Some(&token), None)
        .await;
    let config = config.json();
    assert!(config["authenticationSchemes"][0]["description"]
        .as_str()
        .unwrap()
        .contains("asOf="));
    let types = api
        .get("/scim/v2/ResourceTypes", Some(&token), None)
        .await
        .json();
    assert_eq!(types["Resources"][1]["endpoint"], "/Groups");
    let schemas = api.get("/scim/v2/Schemas", Some(&token), None).await.json();
    assert_eq!(schemas["Resources"][0]["attributes"][0]["name"], "userName");
    let user_schema = api
        .get(
            "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(user_schema.status, StatusCode::OK, "{}", user_schema.body);
    let group_type = api
        .get("/scim/v2/ResourceTypes/Group", Some(&token), None)
        .await;
    assert_eq!(group_type.json()["endpoint"], "/Groups");
    let unknown = api.get("/scim/v2/Nothing", Some(&token), None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.json()["status"], "404");
    // The token's last use is recorded.
    let tokens = api.store.list_api_tokens(&api.owner).await.unwrap();
    assert!(tokens[0].last_used_at.is_some());
}

#[tokio::test]
async fn cookies_never_open_the_api_and_tokens_never_open_the_console() {
    let api = api().await;
    let token = api.token("script", &[Permission::IdentityRead]).await;
    let by_cookie = api.get("/scim/v2/Users", None, Some(&api.cookie)).await;
    assert_eq!(
        by_cookie.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        by_cookie.body
    );
    assert!(by_cookie
        .header(header::WWW_AUTHENTICATE)
        .starts_with("Bearer"));
    // A server function of the console with the token as bearer: no session.
    let request = common::post("/api/list_api_tokens", None)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::empty())
        .unwrap();
    let console = common::send(&api.router, request).await;
    assert_eq!(console.status, StatusCode::UNAUTHORIZED, "{}", console.body);
}

#[tokio::test]
async fn a_token_does_only_what_both_it_and_its_operator_may() {
    let api = api().await;
    let audit_only = api.token("auditor-feed", &[Permission::AuditRead]).await;
    let refused = api.get("/scim/v2/Users", Some(&audit_only), None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(api
        .store
        .list_audit(20)
        .await
        .unwrap()
        .iter()
        .any(|e| e.action == "token.denied" && e.operator_name == "token auditor-feed (API)"));

    // An Admin cannot hand a token what the Admin role lacks.
    let admin = api
        .store
        .add_operator(
            &api.owner,
            NewOperator {
                username: "adam".into(),
                display_name: String::new(),
                role: OperatorRole::Admin,
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    let too_much = api
        .store
        .create_api_token(
            &admin,
            &NewApiToken {
                name: "too much".into(),
                days: 30,
                permissions: vec![Permission::VaultReveal],
            },
        )
        .await;
    assert!(
        matches!(&too_much, Err(app::store::Error::Invalid(p)) if p[0].message.contains("vault:reveal")),
        "{too_much:?}"
    );
    // The Admin sees their own tokens only; the Owner sees every one.
    api.store
        .create_api_token(
            &admin,
            &NewApiToken {
                name: "adam's".into(),
                days: 1,
                permissions: vec![Permission::IdentityRead],
            },
        )
        .await
        .unwrap();
    assert_eq!(api.store.list_api_tokens(&admin).await.unwrap().len(), 1);
    assert_eq!(
        api.store.list_api_tokens(&api.owner).await.unwrap().len(),
        2
    );
    // A disabled operator's tokens stop working.
    let adams = api
        .store
        .create_api_token(
            &admin,
            &NewApiToken {
                name: "adam's reader".into(),
                days: 1,
                permissions: vec![Permission::IdentityRead],
            },
        )
        .await
        .unwrap()
        .secret;
    assert_eq!(
        api.get("/scim/v2/Users", Some(&adams), None).await.status,
        StatusCode::OK
    );
    api.store
        .set_operator_disabled(&api.owner, admin.id, true)
        .await
        .unwrap();
    assert_eq!(
        api.get("/scim/v2/Users", Some(&adams), None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn revoked_and_expired_tokens_stop_working_and_unknown_ones_are_throttled() {
    let api = api().await;
    let token = api.token("short-lived", &[Permission::IdentityRead]).await;
    let other = api.token("other", &[Permission::IdentityRead]).await;
    assert_eq!(
        api.get("/scim/v2/Users", Some(&token), None).await.status,
        StatusCode::OK
    );
    let id = api.store.list_api_tokens(&api.owner).await.unwrap()[1].id;
    api.store.revoke_api_token(&api.owner, id).await.unwrap();
    assert_eq!(
        api.get("/scim/v2/Users", Some(&token), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    sqlx::query("UPDATE api_tokens SET expires_at = 0")
        .execute(api.store.pool())
        .await
        .unwrap();
    assert_eq!(
        api.get("/scim/v2/Users", Some(&other), None).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Guessing: refused with 429 once the address has failed too often.
    let mut statuses = Vec::new();
    for n in 0..30 {
        let guess = format!("rwd_{n:064x}");
        statuses.push(api.get("/scim/v2/Users", Some(&guess), None).await.status);
    }
    assert_eq!(statuses[0], StatusCode::UNAUTHORIZED);
    assert_eq!(*statuses.last().unwrap(), StatusCode::TOO_MANY_REQUESTS);
    assert!(api
        .store
        .list_audit(50)
        .await
        .unwrap()
        .iter()
        .any(|e| e.action == "token.auth" && e.outcome == "throttled"));
    // A live token from the same address still works: guesses cannot lock it out.
    let fresh = api.token("fresh", &[Permission::IdentityRead]).await;
    assert_eq!(
        api.get("/scim/v2/Users", Some(&fresh), None).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn scim_creates_patches_deactivates_replaces_and_deletes_with_history() {
    let api = api().await;
    let token = api
        .token(
            "entra",
            &[Permission::IdentityRead, Permission::IdentityWrite],
        )
        .await;
    let reader = api.token("reader", &[Permission::IdentityRead]).await;
    let bob = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "bob.ray",
        "name": {"givenName": "Bob", "familyName": "Ray"},
        "emails": [{"value": "bob@example.test", "type": "work", "primary": true}],
        "active": true,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "department": "Nowhere", "employeeNumber": "E-42"
        }
    });
    let refused = api
        .send_json("POST", "/scim/v2/Users", &reader, bob.clone(), None)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);

    let created = api
        .send_json("POST", "/scim/v2/Users", &token, bob.clone(), None)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let user = created.json();
    let id = user["id"].as_str().unwrap().to_string();
    assert!(created
        .header(header::LOCATION)
        .ends_with(&format!("/Users/{id}")));
    assert_eq!(user["name"]["familyName"], "Ray");
    assert_eq!(user["groups"][0]["display"], app::store::PROVISIONED_GROUP);
    assert_eq!(
        user["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["employeeNumber"],
        "E-42"
    );
    let again = api
        .send_json("POST", "/scim/v2/Users", &token, bob.clone(), None)
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert_eq!(again.json()["scimType"], "uniqueness");

    // Entra deprovisions: "Replace", "False". Disabled, not deleted.
    let version = created.header(header::ETAG).to_string();
    let before = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let deactivate = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}]
    });
    let patched = api
        .send_json(
            "PATCH",
            &format!("/scim/v2/Users/{id}"),
            &token,
            deactivate.clone(),
            Some(&version),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_eq!(patched.json()["active"], false);
    let stale = api
        .send_json(
            "PATCH",
            &format!("/scim/v2/Users/{id}"),
            &token,
            deactivate,
            Some(&version),
        )
        .await;
    assert_eq!(
        stale.status,
        StatusCode::PRECONDITION_FAILED,
        "{}",
        stale.body
    );
    let at = common::urlencode(&before.to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
    let then = api
        .get(
            &format!("/scim/v2/Users/{id}?asOf={at}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(then.json()["active"], true);
    let (author,): (String,) =
        sqlx::query_as("SELECT operator FROM operations ORDER BY id DESC LIMIT 1")
            .fetch_one(api.store.pool())
            .await
            .unwrap();
    assert_eq!(author, "token entra (SCIM)");

    // A replace without emails empties the address; Rewind's own attributes stay.
    let mut replaced = bob.clone();
    replaced.as_object_mut().unwrap().remove("emails");
    let put = api
        .send_json(
            "PUT",
            &format!("/scim/v2/Users/{id}"),
            &token,
            replaced,
            None,
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    assert!(put.json().get("emails").is_none());

    let deleted = api
        .send_json(
            "DELETE",
            &format!("/scim/v2/Users/{id}"),
            &token,
            serde_json::Value::Null,
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    assert_eq!(
        api.get(&format!("/scim/v2/Users/{id}"), Some(&token), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(api
        .store
        .recycle_bin()
        .await
        .unwrap()
        .iter()
        .any(|d| d.name == "bob.ray"));
    let bad = api
        .send_json(
            "POST",
            "/scim/v2/Users",
            &token,
            serde_json::json!({"userName": 7}),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert_eq!(bad.json()["scimType"], "invalidValue");
}

#[tokio::test]
async fn scim_groups_carry_members_and_a_parent_and_read_as_of_before_a_removal() {
    let api = api().await;
    let token = api
        .token(
            "okta",
            &[Permission::IdentityRead, Permission::IdentityWrite],
        )
        .await;
    let ann = api.user("ann.lee").await;
    let bob = api.user("bob.ray").await;
    let parent = api
        .send_json(
            "POST",
            "/scim/v2/Groups",
            &token,
            serde_json::json!({"displayName": "Sales"}),
            None,
        )
        .await;
    assert_eq!(parent.status, StatusCode::CREATED, "{}", parent.body);
    let parent_id = parent.json()["id"].as_str().unwrap().to_string();
    let created = api
        .send_json(
            "POST",
            "/scim/v2/Groups",
            &token,
            serde_json::json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Sales EU",
                "members": [{"value": ann.to_string()}, {"value": bob.to_string()}],
                "urn:rewind:scim:schemas:extension:2.0:Group": {"parent": {"value": parent_id}},
            }),
            None,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let group = created.json();
    let id = group["id"].as_str().unwrap().to_string();
    assert_eq!(group["members"].as_array().unwrap().len(), 2);
    let parent_ref = &group["urn:rewind:scim:schemas:extension:2.0:Group"]["parent"];
    assert_eq!(parent_ref["value"], parent_id.as_str());
    assert!(parent_ref["$ref"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/scim/v2/Groups/{parent_id}")));
    let before = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let removed = api
        .send_json(
            "PATCH",
            &format!("/scim/v2/Groups/{id}"),
            &token,
            serde_json::json!({"Operations": [
                {"op": "Remove", "path": format!("members[value eq \"{bob}\"]")}
            ]}),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    let members: Vec<String> = removed.json()["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(members, [ann.to_string()]);
    let at = common::urlencode(&before.to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
    let then = api
        .get(
            &format!("/scim/v2/Groups/{id}?asOf={at}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(then.json()["members"].as_array().unwrap().len(), 2);
    let found = api
        .get(
            &format!(
                "/scim/v2/Groups?filter={}&excludedAttributes=members",
                common::urlencode("displayName eq \"sales eu\"")
            ),
            Some(&token),
            None,
        )
        .await;
    let found = found.json();
    assert_eq!(found["totalResults"], 1);
    assert!(found["Resources"][0].get("members").is_none());
    // Every membership change is in the user's history, with a snapshot.
    let memberships = api
        .store
        .find_membership(
            app::model::UserId(bob),
            app::model::GroupId(id.parse().unwrap()),
        )
        .await
        .unwrap();
    assert!(memberships.is_none());
    let unknown = api
        .send_json(
            "PATCH",
            &format!("/scim/v2/Groups/{id}"),
            &token,
            serde_json::json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": "999999"}]}]}),
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.body);
    // Nothing of the refused request was kept.
    let after = api
        .get(&format!("/scim/v2/Groups/{id}"), Some(&token), None)
        .await;
    assert_eq!(after.json()["members"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn scim_searches_sorts_and_finds_users_and_groups_by_external_id() {
    let api = api().await;
    let token = api
        .token(
            "okta",
            &[Permission::IdentityRead, Permission::IdentityWrite],
        )
        .await;
    for (name, external) in [
        ("amy.c", "okta-1"),
        ("zoe.b", "okta-2"),
        ("kim.a", "Okta-3"),
    ] {
        let created = api
            .send_json(
                "POST",
                "/scim/v2/Users",
                &token,
                serde_json::json!({"userName": name, "externalId": external,
                    "name": {"givenName": "G", "familyName": name}}),
                None,
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    }
    let names = |reply: &Reply| -> Vec<String> {
        reply.json()["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["userName"].as_str().unwrap().to_string())
            .collect()
    };
    let by_external = api
        .get(
            &format!(
                "/scim/v2/Users?filter={}",
                common::urlencode("externalId eq \"okta-2\"")
            ),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(by_external.status, StatusCode::OK, "{}", by_external.body);
    assert_eq!(names(&by_external), ["zoe.b"]);
    let descending = api
        .get(
            "/scim/v2/Users?sortBy=userName&sortOrder=descending",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(names(&descending), ["zoe.b", "kim.a", "amy.c"]);
    let bad_sort = api
        .get("/scim/v2/Users?sortBy=shoeSize", Some(&token), None)
        .await;
    assert_eq!(
        bad_sort.status,
        StatusCode::BAD_REQUEST,
        "{}",
        bad_sort.body
    );
    assert_eq!(bad_sort.json()["scimType"], "invalidValue");

    // POST /.search: the same list, its parameters in the body.
    let searched = api
        .send_json(
            "POST",
            "/scim/v2/Users/.search",
            &token,
            serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                "filter": "userName sw \"k\" or externalId eq \"okta-1\"",
                "attributes": ["userName"],
                "sortBy": "userName",
                "count": 10
            }),
            None,
        )
        .await;
    assert_eq!(searched.status, StatusCode::OK, "{}", searched.body);
    assert_eq!(names(&searched), ["amy.c", "kim.a"]);
    assert!(searched.json()["Resources"][0].get("name").is_none());

    // Groups keep an externalId; removing it and the extension leaves them out.
    let group = api
        .send_json(
            "POST",
            "/scim/v2/Groups",
            &token,
            serde_json::json!({"displayName": "Okta Sales", "externalId": "00g-1",
                "urn:rewind:scim:schemas:extension:2.0:Group": {"description": "from Okta"}}),
            None,
        )
        .await;
    assert_eq!(group.status, StatusCode::CREATED, "{}", group.body);
    let id = group.json()["id"].as_str().unwrap().to_string();
    let found = api
        .send_json(
            "POST",
            "/scim/v2/Groups/.search",
            &token,
            serde_json::json!({"filter": "externalId eq \"00g-1\""}),
            None,
        )
        .await;
    assert_eq!(found.json()["totalResults"], 1, "{}", found.body);
    assert_eq!(found.json()["Resources"][0]["id"], id.as_str());
    // From the root: users then groups; a filter only one type reads finds that type only.
    let search = |filter: &str| {
        api.send_json(
            "POST",
            "/scim/v2/.search",
            &token,
            serde_json::json!({"filter": filter, "attributes": ["id"]}),
            None,
        )
    };
    let ids = |reply: &Reply| -> Vec<String> {
        reply.json()["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["meta"]["resourceType"].as_str().unwrap().to_string())
            .collect()
    };
    let everything = search("").await;
    assert_eq!(everything.status, StatusCode::OK, "{}", everything.body);
    let types = ids(&everything);
    assert_eq!(types.first().map(String::as_str), Some("User"));
    assert_eq!(types.last().map(String::as_str), Some("Group"));
    assert_eq!(ids(&search("externalId eq \"00g-1\"").await), ["Group"]);
    assert_eq!(ids(&search("userName eq \"amy.c\"").await), ["User"]);
    let unreadable = search("shoeSize eq \"9\"").await;
    assert_eq!(
        unreadable.status,
        StatusCode::BAD_REQUEST,
        "{}",
        unreadable.body
    );
    let removed = api
        .send_json(
            "PATCH",
            &format!("/scim/v2/Groups/{id}"),
            &token,
            serde_json::json!({"Operations": [
                {"op": "remove", "path": "externalId"},
                {"op": "remove", "path": "urn:rewind:scim:schemas:extension:2.0:Group"},
            ]}),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    let removed = removed.json();
    assert!(removed.get("externalId").is_none(), "{removed}");
    assert!(removed
        .get("urn:rewind:scim:schemas:extension:2.0:Group")
        .is_none());
    let group = api
        .store
        .get_group(app::model::GroupId(id.parse().unwrap()), None)
        .await
        .unwrap();
    assert_eq!(group.input.external_id, "");
    assert_eq!(group.input.description, "");

    // The group's ETag moves with a membership change alone, so a stale If-Match is refused.
    let amy = search("userName eq \"amy.c\"").await.json()["Resources"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let read = api
        .get(&format!("/scim/v2/Groups/{id}"), Some(&token), None)
        .await;
    let seen = read.header(header::ETAG).to_string();
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    let joined = api
        .send_json(
            "PATCH",
            &format!("/scim/v2/Groups/{id}"),
            &token,
            serde_json::json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": amy}]}]}),
            Some(&seen),
        )
        .await;
    assert_eq!(joined.status, StatusCode::OK, "{}", joined.body);
    assert_ne!(joined.header(header::ETAG), seen);
    assert_eq!(
        joined.json()["meta"]["version"],
        joined.header(header::ETAG)
    );
    let stale = api
        .send_json(
            "PATCH",
            &format!("/scim/v2/Groups/{id}"),
            &token,
            serde_json::json!({"Operations": [{"op": "replace", "path": "displayName", "value": "Stale"}]}),
            Some(&seen),
        )
        .await;
    assert_eq!(
        stale.status,
        StatusCode::PRECONDITION_FAILED,
        "{}",
        stale.body
    );
    let fresh = api
        .send_json(
            "PATCH",
            &format!("/scim/v2/Groups/{id}"),
            &token,
            serde_json::json!({"Operations": [{"op": "replace", "path": "displayName", "value": "Okta Sales EU"}]}),
            Some(joined.header(header::ETAG)),
        )
        .await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
}
