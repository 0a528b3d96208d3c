//! Sensitive operations need the operator's password entered within the last few minutes
//! (both backends; see app::testing).
mod common;
use app::state::AuthConfig;
use app::store::Store;
use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::Router;
use common::{call, form_body, PASSWORD};

async fn app_with_owner() -> (Router, Store, String) {
    let store = app::testing::fresh_store().await;
    store
        .create_owner(None, "olivia", "Olivia Owner", PASSWORD)
        .await
        .unwrap();
    let router = common::router(&store, AuthConfig::default());
    let cookie = common::login(&router, "olivia", PASSWORD).await;
    (router, store, cookie)
}

const STALE: i64 = 5 * 60 + 1;

fn new_admin(name: &str) -> Vec<(&str, &str)> {
    vec![
        ("username", name),
        ("display_name", ""),
        ("role", "admin"),
        ("password", "long enough password"),
    ]
}

#[tokio::test]
async fn managing_operators_needs_a_password_entered_in_the_last_minutes() {
    let (router, store, cookie) = app_with_owner().await;
    let fresh = call(&router, "add_operator", &new_admin("ada"), Some(&cookie)).await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);

    common::age_password_entry(&store, &cookie, STALE).await;
    let stale = call(&router, "add_operator", &new_admin("bob"), Some(&cookie)).await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN, "{}", stale.body);
    assert!(
        stale.body.contains("PasswordConfirmationRequired"),
        "{}",
        stale.body
    );
    // Reading is not sensitive; the session itself is still good.
    assert_eq!(
        call(&router, "list_operators", &[], Some(&cookie))
            .await
            .status,
        StatusCode::OK
    );

    let wrong = call(
        &router,
        "confirm_password",
        &[("password", "not the password")],
        Some(&cookie),
    )
    .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.body
    );
    let right = call(
        &router,
        "confirm_password",
        &[("password", PASSWORD)],
        Some(&cookie),
    )
    .await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.body);
    let again = call(&router, "add_operator", &new_admin("bob"), Some(&cookie)).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(store.list_operators().await.unwrap().len(), 3);
}

#[tokio::test]
async fn confirm_password_needs_a_session() {
    let (router, _, _) = app_with_owner().await;
    let reply = call(&router, "confirm_password", &[("password", PASSWORD)], None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
}

#[tokio::test]
async fn approving_a_restore_needs_a_fresh_password_before_the_code_is_checked() {
    let (router, store, cookie) = app_with_owner().await;
    common::age_password_entry(&store, &cookie, STALE).await;
    let reply = call(
        &router,
        "confirm_restore",
        &[("request_id", "1"), ("code", "000000")],
        Some(&cookie),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert!(
        reply.body.contains("PasswordConfirmationRequired"),
        "{}",
        reply.body
    );
}

async fn export(router: &Router, cookie: &str, current_password: Option<&str>) -> common::Reply {
    let mut form = vec![
        ("password", "export pass 123"),
        ("password_confirm", "export pass 123"),
    ];
    if let Some(current) = current_password {
        form.push(("current_password", current));
    }
    common::send(
        router,
        common::post("/files/system-backups/export", Some(cookie))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form_body(&form)))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn exporting_a_backup_needs_a_fresh_password_which_the_form_can_carry() {
    let (router, store, cookie) = app_with_owner().await;
    common::age_password_entry(&store, &cookie, STALE).await;
    let stale = export(&router, &cookie, None).await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN, "{}", stale.body);
    assert!(
        stale.body.contains("PasswordConfirmationRequired"),
        "{}",
        stale.body
    );
    let wrong = export(&router, &cookie, Some("not the password")).await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.body
    );
    let right = export(&router, &cookie, Some(PASSWORD)).await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.body);
    assert!(right.bytes.starts_with(b"age-encryption.org/v1"));
}

#[tokio::test]
async fn an_idle_session_is_refused_over_http() {
    let store = app::testing::fresh_store().await;
    store
        .create_owner(None, "olivia", "Olivia Owner", PASSWORD)
        .await
        .unwrap();
    let router = common::router(
        &store,
        AuthConfig {
            session_idle_secs: 60,
            ..AuthConfig::default()
        },
    );
    let cookie = common::login(&router, "olivia", PASSWORD).await;
    assert_eq!(
        call(&router, "list_operators", &[], Some(&cookie))
            .await
            .status,
        StatusCode::OK
    );
    let token = cookie.trim_start_matches("rewind_session=");
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - $1 WHERE token_hash = $2")
        .bind(61 * 1_000_000_i64)
        .bind(app::store::token_hash(token))
        .execute(store.pool())
        .await
        .unwrap();
    let reply = call(&router, "list_operators", &[], Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
}

async fn reveal(router: &Router, cookie: &str, account: i64) -> common::Reply {
    common::send(
        router,
        common::post("/api/reveal_vault_secret", Some(cookie))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                serde_json::json!({"account": account, "version": null}).to_string(),
            ))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn revealing_a_vault_secret_needs_the_owner_and_a_fresh_password() {
    use app::model::kinds::{VAULT_ACCOUNTS, VAULT_FOLDERS};
    use app::model::{OperatorRole, ResourceInput};
    let (router, store, cookie) = app_with_owner().await;
    let author = app::store::Author::named("tester");
    let values = |v: &[&str]| ResourceInput {
        values: v.iter().map(|s| s.to_string()).collect(),
    };
    store
        .create_resource(&author, &VAULT_FOLDERS, &values(&["Servers", "", ""]))
        .await
        .unwrap();
    let account = store
        .create_resource(
            &author,
            &VAULT_ACCOUNTS,
            &values(&["db-root", "Servers", "", "root", "", "", "Password"]),
        )
        .await
        .unwrap();
    store
        .set_vault_secret(&author, account, "revealed-over-http")
        .await
        .unwrap();

    let fresh = reveal(&router, &cookie, account).await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
    assert!(fresh.body.contains("revealed-over-http"), "{}", fresh.body);

    common::age_password_entry(&store, &cookie, STALE).await;
    let stale = reveal(&router, &cookie, account).await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN, "{}", stale.body);
    assert!(
        stale.body.contains("PasswordConfirmationRequired") && !stale.body.contains("revealed"),
        "{}",
        stale.body
    );

    // An Admin, however freshly signed in, may set secrets but not reveal them.
    let owner = &store.list_operators().await.unwrap()[0];
    store
        .add_operator(
            owner,
            app::store::NewOperator {
                username: "adam".into(),
                display_name: String::new(),
                role: OperatorRole::Admin,
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    let admin = common::login(&router, "adam", PASSWORD).await;
    let refused = reveal(&router, &admin, account).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(refused.body.contains("vault:reveal"), "{}", refused.body);
    let reveals: Vec<(String, String)> = store
        .list_audit(100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "vault.reveal")
        .map(|e| (e.operator_name, e.outcome))
        .collect();
    // Newest first: the Admin's refusal, the stale one's, then the one reveal.
    assert_eq!(
        reveals,
        [("adam", "denied"), ("olivia", "denied"), ("olivia", "ok")]
            .map(|(who, outcome)| (who.to_string(), outcome.to_string()))
    );
}
