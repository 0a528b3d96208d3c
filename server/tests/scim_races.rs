//! SCIM writes under concurrency and the matching rules identity providers rely on (both
//! backends): concurrent member additions all stay, a stale If-Match is refused however many
//! requests carry it at once, externalId is case-exact, user names match whatever their
//! alphabet, and a member through the primary group cannot be removed as if it were not.
mod common;
use app::model::{GroupId, Permission};
use axum::http::StatusCode;
use common::scim::{api, Api};
use futures_util::future::join_all;

async fn group(api: &Api, token: &str, name: &str) -> String {
    let created = api
        .send_json(
            "POST",
            "/scim/v2/Groups",
            token,
            serde_json::json!({"displayName": name}),
            None,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.json()["id"].as_str().unwrap().to_string()
}

fn add_member(user: i64) -> serde_json::Value {
    serde_json::json!({"Operations": [
        {"op": "add", "path": "members", "value": [{"value": user.to_string()}]}
    ]})
}

async fn members(api: &Api, id: &str) -> usize {
    api.store
        .group_members(GroupId(id.parse().unwrap()), None)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn concurrent_member_additions_all_stay() {
    let api = api().await;
    let token = api
        .token(
            "entra",
            &[Permission::IdentityRead, Permission::IdentityWrite],
        )
        .await;
    let id = group(&api, &token, "Team").await;
    let mut users = Vec::new();
    for n in 0..8 {
        users.push(api.user(&format!("racer{n}")).await);
    }
    let uri = format!("/scim/v2/Groups/{id}");
    let replies = join_all(
        users
            .iter()
            .map(|user| api.send_json("PATCH", &uri, &token, add_member(*user), None)),
    )
    .await;
    for reply in &replies {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    assert_eq!(members(&api, &id).await, users.len());
}

#[tokio::test]
async fn a_stale_if_match_is_refused_however_many_requests_carry_it_at_once() {
    let api = api().await;
    let token = api
        .token(
            "entra",
            &[Permission::IdentityRead, Permission::IdentityWrite],
        )
        .await;
    let id = group(&api, &token, "Team").await;
    let uri = format!("/scim/v2/Groups/{id}");
    let seen = api.get(&uri, Some(&token), None).await;
    let version = seen.header(axum::http::header::ETAG).to_string();
    let mut users = Vec::new();
    for n in 0..6 {
        users.push(api.user(&format!("stale{n}")).await);
    }
    let replies = join_all(
        users
            .iter()
            .map(|user| api.send_json("PATCH", &uri, &token, add_member(*user), Some(&version))),
    )
    .await;
    let statuses: Vec<StatusCode> = replies.iter().map(|r| r.status).collect();
    let done = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::PRECONDITION_FAILED)
        .count();
    assert_eq!((done, refused), (1, users.len() - 1), "{statuses:?}");
    assert_eq!(members(&api, &id).await, 1);
    // A DELETE with the version seen before the change is refused too, and keeps the group.
    let deleted = api
        .send_json(
            "DELETE",
            &uri,
            &token,
            serde_json::json!({}),
            Some(&version),
        )
        .await;
    assert_eq!(
        deleted.status,
        StatusCode::PRECONDITION_FAILED,
        "{}",
        deleted.body
    );
    assert_eq!(members(&api, &id).await, 1);
}

#[tokio::test]
async fn external_ids_match_exactly_and_user_names_in_any_alphabet() {
    let api = api().await;
    let token = api
        .token(
            "okta",
            &[Permission::IdentityRead, Permission::IdentityWrite],
        )
        .await;
    for (name, external) in [("émile", "00uAbC"), ("ana", "00uabc")] {
        let created = api
            .send_json(
                "POST",
                "/scim/v2/Users",
                &token,
                serde_json::json!({"userName": name, "externalId": external}),
                None,
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    }
    let find = |filter: &str| {
        let uri = format!("/scim/v2/Users?filter={}", common::urlencode(filter));
        let (api, token) = (&api, &token);
        async move { api.get(&uri, Some(token), None).await }
    };
    let names = |reply: common::Reply| -> Vec<String> {
        reply.json()["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["userName"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(find("externalId eq \"00uabc\"").await), ["ana"]);
    assert_eq!(names(find("externalId eq \"00uAbC\"").await), ["émile"]);
    assert_eq!(
        names(find("externalId eq \"00UABC\"").await),
        Vec::<String>::new()
    );
    assert_eq!(names(find("userName eq \"ÉMILE\"").await), ["émile"]);
    // Both have one.
    assert_eq!(names(find("externalId pr").await).len(), 2);
}

#[tokio::test]
async fn removing_a_member_through_the_primary_group_is_refused_and_changes_nothing() {
    let api = api().await;
    let token = api
        .token(
            "entra",
            &[Permission::IdentityRead, Permission::IdentityWrite],
        )
        .await;
    let created = api
        .send_json(
            "POST",
            "/scim/v2/Users",
            &token,
            serde_json::json!({"userName": "pia"}),
            None,
        )
        .await;
    let user = created.json()["id"].as_str().unwrap().to_string();
    let provisioned = api
        .store
        .get_user(app::model::UserId(user.parse().unwrap()), None)
        .await
        .unwrap()
        .state
        .attributes
        .primary_group;
    let uri = format!("/scim/v2/Groups/{}", provisioned.0);
    let refused = api
        .send_json(
            "PATCH",
            &uri,
            &token,
            serde_json::json!({"Operations": [
                {"op": "remove", "path": format!("members[value eq \"{user}\"]")}
            ]}),
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.body.contains("primary group"), "{}", refused.body);
    assert_eq!(members(&api, &provisioned.0.to_string()).await, 1);
}

#[tokio::test]
async fn malformed_queries_get_scim_errors_and_searches_check_the_token_first() {
    let api = api().await;
    let token = api.token("entra", &[Permission::IdentityRead]).await;
    for query in ["count=abc", "startIndex=99999999999999999999"] {
        let reply = api
            .get(&format!("/scim/v2/Users?{query}"), Some(&token), None)
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(
            reply.header(axum::http::header::CONTENT_TYPE),
            "application/scim+json"
        );
        assert_eq!(reply.json()["scimType"], "invalidValue", "{query}");
    }
    let request = axum::http::Request::post("/scim/v2/Users/.search")
        .header(axum::http::header::HOST, "localhost")
        .body(axum::body::Body::from("{not json"))
        .unwrap();
    let anonymous = common::send(&api.router, request).await;
    assert_eq!(
        anonymous.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        anonymous.body
    );
}
