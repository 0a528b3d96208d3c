//! The real router with a real store, driven over HTTP (both backends; see app::testing).
mod common;
use app::model::OperatorRole;
use app::state::AuthConfig;
use app::store::{NewOperator, Store};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use common::{form_body, Reply, PASSWORD as OWNER_PASSWORD};

struct TestApp {
    router: Router,
    store: Store,
}

async fn test_app_with(auth: AuthConfig) -> TestApp {
    let store = app::testing::fresh_store().await;
    let router = common::router(&store, auth);
    TestApp { router, store }
}

async fn test_app() -> TestApp {
    test_app_with(AuthConfig::default()).await
}

async fn with_owner(app: &TestApp) {
    app.store
        .create_owner(None, "olivia", "Olivia Owner", OWNER_PASSWORD)
        .await
        .expect("owner");
}

impl TestApp {
    async fn send(&self, request: Request<Body>) -> Reply {
        common::send(&self.router, request).await
    }

    /// A server function call as the hydrated page makes it (same-origin form POST).
    async fn call(&self, function: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Reply {
        common::call(&self.router, function, form, cookie).await
    }

    async fn call_from(
        &self,
        origin: &str,
        function: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> Reply {
        let request = Request::post(format!("/api/{function}"))
            .header(header::HOST, "localhost")
            .header(header::ORIGIN, origin)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        let request = match cookie {
            Some(cookie) => request.header(header::COOKIE, cookie),
            None => request,
        };
        self.send(request.body(Body::from(form_body(form))).unwrap())
            .await
    }

    async fn login(&self, username: &str, password: &str) -> String {
        common::login(&self.router, username, password).await
    }

    async fn operator_count(&self) -> usize {
        self.store.list_operators().await.unwrap().len()
    }
}

#[tokio::test]
async fn login_sets_a_strict_http_only_session_cookie_that_signs_the_operator_in() {
    let app = test_app().await;
    with_owner(&app).await;
    let reply = app
        .call(
            "login",
            &[("username", "OLIVIA"), ("password", OWNER_PASSWORD)],
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let set_cookie = reply
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    let cookie = reply.session_cookie().unwrap();
    let session = app.call("get_session", &[], Some(&cookie)).await;
    assert_eq!(session.status, StatusCode::OK);
    assert!(
        session.body.contains("SignedIn") && session.body.contains("olivia"),
        "{}",
        session.body
    );
}

#[tokio::test]
async fn wrong_password_is_rejected_with_a_clear_message_and_no_cookie() {
    let app = test_app().await;
    with_owner(&app).await;
    let reply = app
        .call(
            "login",
            &[("username", "olivia"), ("password", "wrong password!")],
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.body.contains("Wrong user name or password"),
        "{}",
        reply.body
    );
    assert!(reply.session_cookie().is_none());
}

#[tokio::test]
async fn repeated_failures_lock_the_login_even_for_the_right_password() {
    let app = test_app().await;
    with_owner(&app).await;
    for _ in 0..5 {
        let reply = app
            .call(
                "login",
                &[("username", "olivia"), ("password", "not the password")],
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let reply = app
        .call(
            "login",
            &[("username", "olivia"), ("password", OWNER_PASSWORD)],
            None,
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.body
    );
    assert!(reply.body.contains("Throttled"), "{}", reply.body);
    assert!(reply.session_cookie().is_none());
}

#[tokio::test]
async fn a_locked_address_does_not_keep_the_owner_out_from_another_address() {
    let app = test_app().await;
    with_owner(&app).await;
    let attempt = |peer: &'static str, password: &'static str| {
        let router = app.router.clone();
        async move {
            common::call_from_peer(
                &router,
                peer,
                "login",
                &[("username", "olivia"), ("password", password)],
                None,
            )
            .await
        }
    };
    for _ in 0..5 {
        let reply = attempt("203.0.113.66", "not the password").await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let locked = attempt("203.0.113.66", OWNER_PASSWORD).await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        locked.body
    );
    let office = attempt("198.51.100.7", OWNER_PASSWORD).await;
    assert_eq!(office.status, StatusCode::OK, "{}", office.body);
    assert!(office.session_cookie().is_some());
    let audit = app.store.list_audit(20).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.outcome == "denied" && e.details.contains("203.0.113.66")),
        "failed attempts are audited with the peer address: {audit:?}"
    );
}

#[tokio::test]
async fn forwarded_for_is_ignored_unless_the_server_is_behind_a_proxy() {
    for (behind_proxy, expected) in [(false, "198.51.100.7"), (true, "192.0.2.1")] {
        let app = test_app_with(AuthConfig {
            behind_proxy,
            ..AuthConfig::default()
        })
        .await;
        with_owner(&app).await;
        let mut request = common::post("/api/login", None)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("x-forwarded-for", "10.9.9.9, 192.0.2.1")
            .body(Body::from(form_body(&[
                ("username", "olivia"),
                ("password", "not the password"),
            ])))
            .unwrap();
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                [198, 51, 100, 7],
                40000,
            ))));
        assert_eq!(
            app.send(request).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let state = app
            .store
            .login_throttle_state(Some("olivia"), expected)
            .await
            .unwrap();
        assert_eq!(state, Some((1, None)), "behind_proxy = {behind_proxy}");
    }
}

#[tokio::test]
async fn an_expired_session_is_refused() {
    let app = test_app_with(AuthConfig {
        session_ttl_secs: 0,
        ..AuthConfig::default()
    })
    .await;
    with_owner(&app).await;
    let cookie = app.login("olivia", OWNER_PASSWORD).await;
    let reply = app.call("list_operators", &[], Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server() {
    let app = test_app().await;
    with_owner(&app).await;
    let cookie = app.login("olivia", OWNER_PASSWORD).await;
    assert_eq!(
        app.call("list_operators", &[], Some(&cookie)).await.status,
        StatusCode::OK
    );
    let reply = app.call("logout", &[], Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let cleared = reply
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    // The old cookie no longer works even if the browser kept it.
    assert_eq!(
        app.call("list_operators", &[], Some(&cookie)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn server_functions_refuse_a_missing_session() {
    let app = test_app().await;
    with_owner(&app).await;
    let reply = app.call("list_operators", &[], None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = app
        .call(
            "add_operator",
            &[
                ("username", "mallory"),
                ("display_name", ""),
                ("role", "admin"),
                ("password", "long enough password"),
            ],
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.operator_count().await, 1);
}

#[tokio::test]
async fn an_auditor_cannot_write_and_nothing_changes() {
    let app = test_app().await;
    with_owner(&app).await;
    let owner = app.store.list_operators().await.unwrap().remove(0);
    app.store
        .add_operator(
            &owner,
            NewOperator {
                username: "audrey".into(),
                display_name: "Audrey Auditor".into(),
                role: OperatorRole::Auditor,
                password: "auditor password".into(),
            },
        )
        .await
        .unwrap();
    let cookie = app.login("audrey", "auditor password").await;
    let reply = app
        .call(
            "add_operator",
            &[
                ("username", "eve"),
                ("display_name", ""),
                ("role", "admin"),
                ("password", "long enough password"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert!(reply.body.contains("operators:manage"), "{}", reply.body);
    assert_eq!(app.operator_count().await, 2);
    // Reading what an auditor may read still works.
    assert_eq!(
        app.call("list_audit", &[("limit", "10")], Some(&cookie))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_post_from_a_foreign_origin_is_rejected() {
    let app = test_app().await;
    with_owner(&app).await;
    let cookie = app.login("olivia", OWNER_PASSWORD).await;
    let reply = app
        .call_from(
            "http://evil.example",
            "add_operator",
            &[
                ("username", "eve"),
                ("display_name", ""),
                ("role", "admin"),
                ("password", "long enough password"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.body.contains("another site"), "{}", reply.body);
    assert_eq!(app.operator_count().await, 1);
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_pages_the_script_nonce() {
    let app = test_app().await;
    with_owner(&app).await;
    let page = app.send(common::get("/login", None)).await;
    let missing = app.send(common::get("/no/such/page", None)).await;
    let function = app.call("get_session", &[], None).await;
    for reply in [&page, &missing, &function] {
        let policy = reply.header(header::CONTENT_SECURITY_POLICY);
        for part in [
            "default-src 'self'",
            "'wasm-unsafe-eval'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ] {
            assert!(policy.contains(part), "{part} missing from {policy:?}");
        }
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert_eq!(reply.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert_eq!(reply.header(header::REFERRER_POLICY), "same-origin");
        assert_eq!(reply.header(header::X_FRAME_OPTIONS), "DENY");
    }
    // The inline hydration script carries this response's nonce, and only this one.
    let policy = page.header(header::CONTENT_SECURITY_POLICY);
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a script nonce");
    assert!(nonce.len() >= 22, "{nonce}");
    assert!(
        page.body.contains(&format!("nonce=\"{nonce}\"")),
        "{}",
        page.body
    );
    assert_eq!(
        page.body.matches("<script").count(),
        page.body.matches(&format!("nonce=\"{nonce}\"")).count(),
        "every inline script carries the nonce: {}",
        page.body
    );
    let again = app.send(common::get("/login", None)).await;
    assert_ne!(again.header(header::CONTENT_SECURITY_POLICY), policy);
}

#[tokio::test]
async fn a_state_changing_request_must_say_it_comes_from_this_site() {
    let app = test_app().await;
    with_owner(&app).await;
    let cookie = app.login("olivia", OWNER_PASSWORD).await;
    let add = |name: &str, headers: &[(&str, &str)]| {
        let mut request = Request::post("/api/add_operator")
            .header(header::HOST, "localhost")
            .header(header::COOKIE, cookie.as_str())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        for (header, value) in headers {
            request = request.header(*header, *value);
        }
        request
            .body(Body::from(form_body(&[
                ("username", name),
                ("display_name", ""),
                ("role", "admin"),
                ("password", "long enough password"),
            ])))
            .unwrap()
    };
    for (headers, expected) in [
        (&[][..], StatusCode::FORBIDDEN),
        (
            &[("referer", "http://evil.example/localhost")][..],
            StatusCode::FORBIDDEN,
        ),
        (
            &[("sec-fetch-site", "same-site")][..],
            StatusCode::FORBIDDEN,
        ),
        (
            &[("sec-fetch-site", "cross-site")][..],
            StatusCode::FORBIDDEN,
        ),
        (&[("origin", "null")][..], StatusCode::FORBIDDEN),
        (
            &[("referer", "http://localhost/operators")][..],
            StatusCode::OK,
        ),
        (&[("sec-fetch-site", "same-origin")][..], StatusCode::OK),
    ] {
        let name = format!("op{}", app.operator_count().await);
        let reply = app.send(add(&name, headers)).await;
        assert_eq!(reply.status, expected, "{headers:?}: {}", reply.body);
    }
    assert_eq!(app.operator_count().await, 3);
}

#[tokio::test]
async fn first_run_requires_the_setup_token_and_creates_exactly_one_owner() {
    let app = test_app().await;
    app.store
        .replace_setup_token("the-printed-token")
        .await
        .unwrap();
    let form = |token: &'static str| {
        [
            ("setup_token", token),
            ("username", "olivia"),
            ("display_name", "Olivia"),
            ("password", OWNER_PASSWORD),
            ("password_confirm", OWNER_PASSWORD),
        ]
    };
    let reply = app.call("create_owner", &form("guessed"), None).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("setup token"), "{}", reply.body);
    assert_eq!(app.operator_count().await, 0);

    let reply = app
        .call("create_owner", &form("the-printed-token"), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.session_cookie().is_some());

    let reply = app
        .call("create_owner", &form("the-printed-token"), None)
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(app.operator_count().await, 1);
}

#[tokio::test]
async fn pages_redirect_to_setup_before_the_owner_exists_and_to_login_after() {
    let app = test_app().await;
    let page = |path: &str| {
        Request::get(path)
            .header(header::HOST, "localhost")
            .header(header::ACCEPT, "text/html")
            .body(Body::empty())
            .unwrap()
    };
    let reply = app.send(page("/users")).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    assert_eq!(reply.headers.get(header::LOCATION).unwrap(), "/setup");
    with_owner(&app).await;
    let reply = app.send(page("/users")).await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(reply.headers.get(header::LOCATION).unwrap(), "/login");
    let reply = app.send(page("/no-such-page")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.body.contains("Page not found"));
}

#[tokio::test]
async fn owner_manages_operators_but_cannot_be_disabled_or_demoted() {
    let app = test_app().await;
    with_owner(&app).await;
    let cookie = app.login("olivia", OWNER_PASSWORD).await;
    let reply = app
        .call(
            "add_operator",
            &[
                ("username", "adam"),
                ("display_name", "Adam"),
                ("role", "admin"),
                ("password", "admin password 1"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let adam: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    let adam_id = adam["id"].as_i64().unwrap().to_string();
    let owner_id = app
        .store
        .list_operators()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.username == "olivia")
        .unwrap()
        .id
        .0
        .to_string();

    let adam_cookie = app.login("adam", "admin password 1").await;
    let reply = app
        .call(
            "set_operator_disabled",
            &[("id", &owner_id), ("disabled", "true")],
            Some(&adam_cookie),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    let reply = app
        .call(
            "change_operator_role",
            &[("id", &owner_id), ("role", "auditor")],
            Some(&cookie),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);

    // Disabling Adam ends his session at once.
    let reply = app
        .call(
            "set_operator_disabled",
            &[("id", &adam_id), ("disabled", "true")],
            Some(&cookie),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        app.call("list_operators", &[], Some(&adam_cookie))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let reply = app
        .call(
            "login",
            &[("username", "adam"), ("password", "admin password 1")],
            None,
        )
        .await;
    assert!(reply.body.contains("disabled"), "{}", reply.body);
}
