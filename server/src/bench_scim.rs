//! (f) of `server bench`: SCIM through the real router, in-process (`oneshot`, no socket),
//! on the bench's users: creating a user as an identity provider does, and lists of 50
//! filtered and not, now and as of an instant between each user's two versions.
use crate::bench::{median, ms};
use app::model::{NewApiToken, Permission};
use app::state::AuthConfig;
use app::store::Store;
use app::ui::components::urlencode;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use chrono::{DateTime, SecondsFormat, Utc};
use leptos::prelude::LeptosOptions;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tower::ServiceExt;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// `bench_users` gives the first names by turns: every 40th user is an Anna, which makes a
/// prefix that matches many users (2,500 of 100,000) but not most.
const PREFIX: &str = "anna.";

struct Client {
    router: Router,
    token: String,
}

impl Client {
    /// The request's status, its JSON answer, and the time from the request to the last
    /// byte of the answer (reading the JSON is not timed).
    async fn send(
        &self,
        method: &str,
        uri: &str,
        body: Option<&Value>,
    ) -> Result<(StatusCode, Value, Duration), String> {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, "localhost")
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
            .header(header::CONTENT_TYPE, "application/scim+json")
            .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
            .map_err(|e| e.to_string())?;
        let started = Instant::now();
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .map_err(|e| e.to_string())?;
        let took = started.elapsed();
        let json = serde_json::from_slice(&bytes).map_err(|e| {
            format!(
                "{method} {uri} answered {status} with no JSON ({e}): {}",
                String::from_utf8_lossy(&bytes)
            )
        })?;
        Ok((status, json, took))
    }

    async fn get(&self, uri: &str) -> Result<(Value, Duration), String> {
        match self.send("GET", uri, None).await? {
            (StatusCode::OK, json, took) => Ok((json, took)),
            (status, json, _) => Err(format!("GET {uri} answered {status}: {}", short(&json))),
        }
    }

    /// `a` and `b` in turns (A, B, A, B …), 3 rounds to warm up, then `runs`: both medians
    /// and the last answer of each.
    async fn interleaved(
        &self,
        runs: usize,
        a: &str,
        b: &str,
    ) -> Result<[(Duration, Value); 2], String> {
        let (mut a_times, mut b_times) = (Vec::new(), Vec::new());
        let (mut a_last, mut b_last) = (Value::Null, Value::Null);
        for round in 0..runs + 3 {
            let (json, a_took) = self.get(a).await?;
            a_last = json;
            let (json, b_took) = self.get(b).await?;
            b_last = json;
            if round >= 3 {
                a_times.push(a_took);
                b_times.push(b_took);
            }
        }
        Ok([(median(a_times), a_last), (median(b_times), b_last)])
    }
}

/// A new hire as Microsoft Entra ID provisions one (its default mapping: the user principal
/// name as userName, the mail as the work e-mail).
fn entra_user(i: usize) -> Value {
    let upn = format!("scim.hire{i}@contoso.example");
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "externalId": format!("7f3c{i:08x}-entra"),
        "userName": upn,
        "active": true,
        "displayName": format!("Scim Hire{i}"),
        "name": {"givenName": "Scim", "familyName": format!("Hire{i}")},
        "emails": [{"primary": true, "type": "work", "value": upn}],
        ENTERPRISE: {"department": "Finance", "employeeNumber": format!("E-{i:06}")},
    })
}

/// The start of an answer, for an error message.
fn short(answer: &Value) -> String {
    answer.to_string().chars().take(600).collect()
}

fn resources(list: &Value) -> &[Value] {
    list["Resources"].as_array().map_or(&[], Vec::as_slice)
}

fn total(list: &Value) -> i64 {
    list["totalResults"].as_i64().unwrap_or(-1)
}

/// Whether every resource of the list is still the version it was created with.
fn all_unchanged(list: &Value) -> bool {
    resources(list)
        .iter()
        .all(|r| r["meta"]["lastModified"] == r["meta"]["created"])
}

/// Whether every resource of the list has been changed since it was created.
fn all_changed(list: &Value) -> bool {
    resources(list)
        .iter()
        .all(|r| r["meta"]["lastModified"] != r["meta"]["created"])
}

/// Measures (f); `users` fixture users exist, each created before `between` and changed
/// after it, and no other user existed at `between`. Answers the report's line.
pub(crate) async fn measure(
    store: &Store,
    users: i64,
    runs: usize,
    between: DateTime<Utc>,
) -> Result<String, String> {
    let e = |e: app::store::Error| e.to_string();
    let owner = store
        .create_owner(None, "bench.owner", "Bench Owner", "correct horse battery")
        .await
        .map_err(e)?;
    let token = store
        .create_api_token(
            &owner,
            &NewApiToken {
                name: "bench".into(),
                days: 1,
                permissions: vec![Permission::IdentityRead, Permission::IdentityWrite],
            },
        )
        .await
        .map_err(e)?
        .secret;
    let options = LeptosOptions::builder().output_name("rewind").build();
    let state = server::app_state(options, store.clone(), AuthConfig::default());
    let client = Client {
        router: server::router(state),
        token,
    };

    let mut creates = Vec::with_capacity(runs);
    for i in 0..runs + 3 {
        let body = entra_user(i);
        let (status, reply, took) = client.send("POST", "/scim/v2/Users", Some(&body)).await?;
        if status != StatusCode::CREATED || reply["userName"] != body["userName"] {
            return Err(format!(
                "POST /scim/v2/Users answered {status}: {}",
                short(&reply)
            ));
        }
        if i >= 3 {
            creates.push(took);
        }
    }
    let create = median(creates);

    let filter = format!(
        "&filter={}",
        urlencode(&format!("userName sw \"{PREFIX}\""))
    );
    let as_of = format!(
        "&asOf={}",
        urlencode(&between.to_rfc3339_opts(SecondsFormat::Secs, true))
    );
    let list = |filter: &str, as_of: &str| format!("/scim/v2/Users?count=50{filter}{as_of}");

    let [(filtered, now), (filtered_as_of, then)] = client
        .interleaved(runs, &list(&filter, ""), &list(&filter, &as_of))
        .await?;
    let named = |list: &Value| {
        resources(list).iter().all(|r| {
            r["userName"]
                .as_str()
                .is_some_and(|name| name.starts_with(PREFIX))
        })
    };
    let matched = total(&now);
    if resources(&now).is_empty() || !named(&now) || !all_changed(&now) {
        return Err(format!(
            "the filtered list now is not the users' second version: {}",
            short(&now)
        ));
    }
    // The same users matched then, each in its first version.
    if total(&then) != matched || resources(&then).is_empty() || !named(&then) {
        return Err(format!(
            "the filtered list as of {between} is not the same users: {}",
            short(&then)
        ));
    }
    if !all_unchanged(&then) {
        return Err(format!(
            "the filtered list as of {between} is not the first versions: {}",
            short(&then)
        ));
    }

    let [(plain, now), (plain_as_of, then)] = client
        .interleaved(runs, &list("", ""), &list("", &as_of))
        .await?;
    // Then there were the fixture's users only; since, the bench has created more.
    if resources(&now).is_empty() || total(&now) <= users {
        return Err(format!("the list now lacks users: {}", short(&now)));
    }
    if total(&then) != users || resources(&then).is_empty() || !all_unchanged(&then) {
        return Err(format!(
            "the list as of {between} is not the fixture's first versions: {}",
            short(&then)
        ));
    }

    Ok(format!(
        "(f) SCIM through the router, {users} users: create p50 {:.2} ms; \
         userName sw \"{PREFIX}\" ({matched} match), 50 a page: now p50 {:.2} ms, asOf p50 \
         {:.2} ms, ratio {:.2}; no filter, 50 a page: now p50 {:.2} ms, asOf p50 {:.2} ms, \
         ratio {:.2}",
        ms(create),
        ms(filtered),
        ms(filtered_as_of),
        ms(filtered_as_of) / ms(filtered),
        ms(plain),
        ms(plain_as_of),
        ms(plain_as_of) / ms(plain),
    ))
}
