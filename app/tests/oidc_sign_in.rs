//! Operators who sign in through an OpenID Connect provider: links by (issuer, subject), roles
//! from the claims at every sign-in, the one Owner, disabled operators, single-use sign-ins in
//! progress and confirmations (both backends; see app::testing).
use app::model::{OidcRefusal, Operator, OperatorRole};
use app::store::{NewOperator, NewSession, PendingSignIn, ProviderIdentity, Store};
use chrono::Utc;

const PASSWORD: &str = "correct horse battery";
const ISSUER: &str = "https://id.example.test";
const SEC: i64 = 1_000_000;

async fn store_with_owner() -> (Store, Operator) {
    let store = app::testing::fresh_store().await;
    let owner = store
        .create_owner(None, "olivia", "Olivia Owner", PASSWORD)
        .await
        .unwrap();
    (store, owner)
}

fn ada(role: Option<OperatorRole>) -> ProviderIdentity<'static> {
    ProviderIdentity {
        provider: "Test IdP",
        issuer: ISSUER,
        subject: "sub-ada",
        username: "ada.admin",
        display_name: "Ada Admin",
        role,
        claim_summary: "groups: rewind-admins",
        client_address: "198.51.100.7",
        authenticated_at: Some(Utc::now()),
    }
}

async fn sign_in(
    store: &Store,
    who: &ProviderIdentity<'_>,
) -> (Result<Operator, OidcRefusal>, String) {
    let token = app::store::random_token();
    let outcome = store
        .oidc_sign_in(
            who,
            NewSession {
                token: &token,
                ttl_secs: 3600,
            },
        )
        .await
        .unwrap();
    (outcome, token)
}

async fn count(store: &Store, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(store.pool()).await.unwrap();
    n
}

async fn audit_lines(store: &Store, action: &str) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "SELECT operator_name, outcome, details FROM audit_log WHERE action = $1 ORDER BY id",
    )
    .bind(action)
    .fetch_all(store.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn first_sign_in_creates_a_linked_operator_without_a_password_and_opens_a_session() {
    let (store, _) = store_with_owner().await;
    let (outcome, token) = sign_in(&store, &ada(Some(OperatorRole::Admin))).await;
    let operator = outcome.unwrap();
    assert_eq!(operator.username, "ada.admin");
    assert_eq!(operator.display_name, "Ada Admin");
    assert_eq!(operator.role, OperatorRole::Admin);
    assert!(operator.identity_provider);
    assert!(!operator.local_password);
    assert!(operator.last_login_at.is_some());
    let session = store.session(&token, 1800).await.unwrap().unwrap();
    assert_eq!(session.operator.id, operator.id);
    let logins = audit_lines(&store, "session.login").await;
    assert_eq!(logins.len(), 1);
    assert_eq!(logins[0].0, "ada.admin");
    assert_eq!(logins[0].1, "ok");
    assert!(logins[0]
        .2
        .contains("through Test IdP as admin (groups: rewind-admins)"));
    assert_eq!(audit_lines(&store, "operator.add").await.len(), 1);
    // No password opens it: an operator made through the provider has none.
    let refused = store
        .authenticate("ada.admin", "", "198.51.100.7")
        .await
        .unwrap_err();
    assert!(matches!(refused, app::store::Error::Invalid(_)));
}

#[tokio::test]
async fn later_sign_ins_take_the_role_from_the_claims_each_time() {
    let (store, _) = store_with_owner().await;
    let first = sign_in(&store, &ada(Some(OperatorRole::Admin)))
        .await
        .0
        .unwrap();
    let demoted = ProviderIdentity {
        username: "ada.renamed",
        claim_summary: "groups: rewind-auditors",
        ..ada(Some(OperatorRole::Auditor))
    };
    let second = sign_in(&store, &demoted).await.0.unwrap();
    assert_eq!(second.id, first.id, "linked by subject, not by name");
    assert_eq!(second.username, "ada.admin");
    assert_eq!(second.role, OperatorRole::Auditor);
    let changes = audit_lines(&store, "operator.change-role").await;
    assert_eq!(changes.len(), 1);
    assert!(
        changes[0].2.starts_with("admin -> auditor"),
        "{:?}",
        changes[0]
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM operators").await, 2);
}

#[tokio::test]
async fn a_sign_in_without_a_mapped_role_is_refused_audited_and_changes_nothing() {
    let (store, _) = store_with_owner().await;
    let (outcome, token) = sign_in(&store, &ada(None)).await;
    assert_eq!(outcome, Err(OidcRefusal::NoRole));
    assert!(store.session(&token, 1800).await.unwrap().is_none());
    assert_eq!(count(&store, "SELECT COUNT(*) FROM operators").await, 1);
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM operator_identities").await,
        0
    );
    let refused = audit_lines(&store, "session.login").await;
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].1, "denied");
    assert!(refused[0].2.contains("no-role"), "{:?}", refused[0]);

    // An operator removed from the group later is refused too, and keeps its role until then.
    let linked = sign_in(&store, &ada(Some(OperatorRole::Admin)))
        .await
        .0
        .unwrap();
    assert_eq!(
        sign_in(&store, &ada(None)).await.0,
        Err(OidcRefusal::NoRole)
    );
    let operators = store.list_operators().await.unwrap();
    let kept = operators.iter().find(|o| o.id == linked.id).unwrap();
    assert_eq!(kept.role, OperatorRole::Admin);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM sessions").await, 1);
}

#[tokio::test]
async fn the_provider_never_makes_a_second_owner() {
    let (store, owner) = store_with_owner().await;
    assert_eq!(
        sign_in(&store, &ada(Some(OperatorRole::Owner))).await.0,
        Err(OidcRefusal::OwnerTaken)
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM operators").await, 1);
    // Nor promotes a linked Admin.
    sign_in(&store, &ada(Some(OperatorRole::Admin)))
        .await
        .0
        .unwrap();
    assert_eq!(
        sign_in(&store, &ada(Some(OperatorRole::Owner))).await.0,
        Err(OidcRefusal::OwnerTaken)
    );
    let owners: Vec<_> = store
        .list_operators()
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.role == OperatorRole::Owner)
        .collect();
    assert_eq!(owners.len(), 1);
    assert_eq!(owners[0].id, owner.id);
}

#[tokio::test]
async fn before_setup_nobody_signs_in_through_the_provider() {
    let store = app::testing::fresh_store().await;
    assert_eq!(
        sign_in(&store, &ada(Some(OperatorRole::Admin))).await.0,
        Err(OidcRefusal::NeedsSetup)
    );
}

#[tokio::test]
async fn disabled_operators_stay_disabled() {
    let (store, owner) = store_with_owner().await;
    let ada_op = sign_in(&store, &ada(Some(OperatorRole::Admin)))
        .await
        .0
        .unwrap();
    store
        .set_operator_disabled(&owner, ada_op.id, true)
        .await
        .unwrap();
    let (outcome, token) = sign_in(&store, &ada(Some(OperatorRole::Admin))).await;
    assert_eq!(outcome, Err(OidcRefusal::Disabled));
    assert!(store.session(&token, 1800).await.unwrap().is_none());
}

#[tokio::test]
async fn new_operators_get_a_free_name_and_a_spoofed_name_links_nobody() {
    let (store, owner) = store_with_owner().await;
    let local = store
        .add_operator(
            &owner,
            NewOperator {
                username: "ada.admin".into(),
                display_name: "Local Ada".into(),
                role: OperatorRole::Auditor,
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    let linked = sign_in(&store, &ada(Some(OperatorRole::Admin)))
        .await
        .0
        .unwrap();
    assert_ne!(linked.id, local.id);
    assert_eq!(linked.username, "ada.admin-2");
    // Another account at the provider calling itself ada.admin is another operator.
    let other = ProviderIdentity {
        subject: "sub-mallory",
        ..ada(Some(OperatorRole::Auditor))
    };
    let mallory = sign_in(&store, &other).await.0.unwrap();
    assert_eq!(mallory.username, "ada.admin-3");
    assert_eq!(mallory.role, OperatorRole::Auditor);
    // And an account of another issuer with the same subject, too.
    let elsewhere = ProviderIdentity {
        issuer: "https://other.example.test",
        ..ada(Some(OperatorRole::Auditor))
    };
    let third = sign_in(&store, &elsewhere).await.0.unwrap();
    assert!(![local.id, linked.id, mallory.id].contains(&third.id));
}

#[tokio::test]
async fn sign_ins_in_progress_are_single_use_and_expire() {
    let (store, _) = store_with_owner().await;
    let pending = PendingSignIn {
        csrf_state: "state".into(),
        nonce: "nonce".into(),
        pkce_verifier: "verifier".into(),
        purpose: "login".into(),
        session_hash: None,
        return_to: "/".into(),
        created_at: Utc::now(),
    };
    store.start_oidc_sign_in("key-1", &pending).await.unwrap();
    assert!(store.take_oidc_sign_in("key-2").await.unwrap().is_none());
    let taken = store.take_oidc_sign_in("key-1").await.unwrap().unwrap();
    assert_eq!(taken.nonce, "nonce");
    assert_eq!(taken.pkce_verifier, "verifier");
    assert!(store.take_oidc_sign_in("key-1").await.unwrap().is_none());

    store.start_oidc_sign_in("key-3", &pending).await.unwrap();
    sqlx::query("UPDATE oidc_logins SET expires_at = expires_at - $1")
        .bind(app::store::OIDC_SIGN_IN_TTL_SECS * SEC)
        .execute(store.pool())
        .await
        .unwrap();
    assert!(store.take_oidc_sign_in("key-3").await.unwrap().is_none());
    store.purge_stale(1800).await.unwrap();
    assert_eq!(count(&store, "SELECT COUNT(*) FROM oidc_logins").await, 0);
}

#[tokio::test]
async fn a_sign_in_counts_as_fresh_only_from_the_providers_auth_time() {
    let (store, _) = store_with_owner().await;
    let unknown = ProviderIdentity {
        authenticated_at: None,
        ..ada(Some(OperatorRole::Admin))
    };
    let (_, token) = sign_in(&store, &unknown).await;
    let session = store.session(&token, 1800).await.unwrap().unwrap();
    assert_eq!(session.password_at.timestamp(), 0);
    let (_, token) = sign_in(&store, &ada(Some(OperatorRole::Admin))).await;
    let session = store.session(&token, 1800).await.unwrap().unwrap();
    assert!((Utc::now() - session.password_at).num_seconds() < 5);
}

#[tokio::test]
async fn a_confirmation_through_the_provider_freshens_only_its_operators_session() {
    let (store, _) = store_with_owner().await;
    let stale = ProviderIdentity {
        authenticated_at: None,
        ..ada(Some(OperatorRole::Admin))
    };
    let (operator, token) = sign_in(&store, &stale).await;
    let operator = operator.unwrap();
    let hash = app::store::token_hash(&token);

    let other = ProviderIdentity {
        subject: "sub-otto",
        ..ada(Some(OperatorRole::Admin))
    };
    assert_eq!(
        store.oidc_confirm(&hash, &other).await.unwrap(),
        Err(OidcRefusal::OtherAccount)
    );
    assert_eq!(
        store.oidc_confirm(&hash, &ada(None)).await.unwrap(),
        Err(OidcRefusal::NoRole)
    );
    let session = store.session(&token, 1800).await.unwrap().unwrap();
    assert_eq!(session.password_at.timestamp(), 0);

    let confirmed = store
        .oidc_confirm(&hash, &ada(Some(OperatorRole::Admin)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(confirmed.id, operator.id);
    let session = store.session(&token, 1800).await.unwrap().unwrap();
    assert!((Utc::now() - session.password_at).num_seconds() < 5);
    let lines = audit_lines(&store, "session.confirm-password").await;
    let outcomes: Vec<&str> = lines.iter().map(|l| l.1.as_str()).collect();
    assert_eq!(outcomes, ["denied", "denied", "ok"]);
    assert!(lines[2].2.contains("through Test IdP"));

    // A session that ended cannot be confirmed.
    store.delete_session(&token).await.unwrap();
    assert_eq!(
        store
            .oidc_confirm(&hash, &ada(Some(OperatorRole::Admin)))
            .await
            .unwrap(),
        Err(OidcRefusal::Expired)
    );
}
