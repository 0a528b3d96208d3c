//! Operators link their own account to the OpenID Connect provider: the Owner then signs in
//! through it as Owner only while the claims map to Owner; a provider account links one
//! operator; unlinking keeps the password (both backends; see app::testing).
use app::model::{OidcRefusal, Operator, OperatorRole};
use app::store::{NewOperator, NewSession, ProviderIdentity, Store};
use chrono::Utc;

const PASSWORD: &str = "correct horse battery";
const ISSUER: &str = "https://id.example.test";

async fn store_with_owner() -> (Store, Operator) {
    let store = app::testing::fresh_store().await;
    let owner = store
        .create_owner(None, "olivia", "Olivia Owner", PASSWORD)
        .await
        .unwrap();
    (store, owner)
}

fn account(subject: &'static str, role: Option<OperatorRole>) -> ProviderIdentity<'static> {
    ProviderIdentity {
        provider: "Test IdP",
        issuer: ISSUER,
        subject,
        username: "olivia.owner",
        display_name: "Olivia at the IdP",
        role,
        claim_summary: "groups: rewind-owners",
        client_address: "198.51.100.7",
        authenticated_at: Some(Utc::now()),
    }
}

/// A password session of `operator`, and its hash (what a link is bound to).
async fn session_of(store: &Store, operator: &Operator) -> String {
    let token = app::store::random_token();
    store
        .create_session(operator.id, &token, 3600)
        .await
        .unwrap();
    app::store::token_hash(&token)
}

async fn sign_in(store: &Store, who: &ProviderIdentity<'_>) -> Result<Operator, OidcRefusal> {
    let token = app::store::random_token();
    store
        .oidc_sign_in(
            who,
            NewSession {
                token: &token,
                ttl_secs: 3600,
            },
        )
        .await
        .unwrap()
}

async fn count(store: &Store, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(store.pool()).await.unwrap();
    n
}

async fn audit_outcomes(store: &Store, action: &str) -> Vec<(String, String)> {
    sqlx::query_as("SELECT outcome, details FROM audit_log WHERE action = $1 ORDER BY id")
        .bind(action)
        .fetch_all(store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_linked_owner_signs_in_as_owner_only_with_owner_claims() {
    let (store, owner) = store_with_owner().await;
    let hash = session_of(&store, &owner).await;
    // Links whatever the claims say now: the role is checked at every sign-in.
    let linked = store
        .oidc_link(&hash, &account("sub-olivia", Some(OperatorRole::Admin)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(linked.id, owner.id);
    assert!(linked.identity_provider);
    assert!(linked.local_password);
    assert_eq!(linked.role, OperatorRole::Owner);
    let lines = audit_outcomes(&store, "operator.link-identity").await;
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].0, "ok");
    assert!(lines[0].1.contains("through Test IdP (subject sub-olivia"));

    let signed_in = sign_in(&store, &account("sub-olivia", Some(OperatorRole::Owner)))
        .await
        .unwrap();
    assert_eq!(signed_in.id, owner.id);
    assert_eq!(signed_in.role, OperatorRole::Owner);
    assert_eq!(signed_in.username, "olivia");

    for role in [Some(OperatorRole::Admin), Some(OperatorRole::Auditor), None] {
        assert_eq!(
            sign_in(&store, &account("sub-olivia", role)).await,
            Err(OidcRefusal::OwnerNotMapped),
            "{role:?}"
        );
    }
    // Never demoted, and the refusals are audited.
    let after = store.list_operators().await.unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].role, OperatorRole::Owner);
    let logins = audit_outcomes(&store, "session.login").await;
    let denied: Vec<_> = logins.iter().filter(|l| l.0 == "denied").collect();
    assert_eq!(denied.len(), 3);
    assert!(denied.iter().all(|l| l.1.contains("owner-not-mapped")));
    // The password keeps working.
    store
        .authenticate("olivia", PASSWORD, "198.51.100.7")
        .await
        .unwrap();
}

#[tokio::test]
async fn a_provider_account_links_one_operator_and_an_operator_one_account() {
    let (store, owner) = store_with_owner().await;
    let admin = store
        .add_operator(
            &owner,
            NewOperator {
                username: "adam".into(),
                display_name: "Adam".into(),
                role: OperatorRole::Admin,
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    let admin_hash = session_of(&store, &admin).await;
    let owner_hash = session_of(&store, &owner).await;
    store
        .oidc_link(&admin_hash, &account("sub-adam", Some(OperatorRole::Admin)))
        .await
        .unwrap()
        .unwrap();
    // The Owner cannot take Adam's provider account…
    assert_eq!(
        store
            .oidc_link(&owner_hash, &account("sub-adam", Some(OperatorRole::Owner)))
            .await
            .unwrap(),
        Err(OidcRefusal::LinkTaken)
    );
    // …nor an account someone signed in with first (it made its own operator).
    sign_in(&store, &account("sub-new", Some(OperatorRole::Auditor)))
        .await
        .unwrap();
    assert_eq!(
        store
            .oidc_link(&owner_hash, &account("sub-new", Some(OperatorRole::Owner)))
            .await
            .unwrap(),
        Err(OidcRefusal::LinkTaken)
    );
    // Adam has a link already.
    assert_eq!(
        store
            .oidc_link(
                &admin_hash,
                &account("sub-adam-2", Some(OperatorRole::Admin))
            )
            .await
            .unwrap(),
        Err(OidcRefusal::AlreadyLinked)
    );
    assert!(!store
        .list_operators()
        .await
        .unwrap()
        .iter()
        .any(|o| o.id == owner.id && o.identity_provider));
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM operator_identities").await,
        2
    );
    let outcomes: Vec<String> = audit_outcomes(&store, "operator.link-identity")
        .await
        .into_iter()
        .map(|l| l.0)
        .collect();
    assert_eq!(outcomes, ["ok", "denied", "denied", "denied"]);
    // A session that ended links nothing.
    sqlx::query("DELETE FROM sessions")
        .execute(store.pool())
        .await
        .unwrap();
    assert_eq!(
        store
            .oidc_link(
                &owner_hash,
                &account("sub-olivia", Some(OperatorRole::Owner))
            )
            .await
            .unwrap(),
        Err(OidcRefusal::Expired)
    );
}

#[tokio::test]
async fn a_linked_admin_keeps_taking_the_role_from_the_claims_and_never_becomes_owner() {
    let (store, owner) = store_with_owner().await;
    let admin = store
        .add_operator(
            &owner,
            NewOperator {
                username: "adam".into(),
                display_name: "Adam".into(),
                role: OperatorRole::Admin,
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    let hash = session_of(&store, &admin).await;
    store
        .oidc_link(&hash, &account("sub-adam", None))
        .await
        .unwrap()
        .unwrap();
    let auditor = sign_in(&store, &account("sub-adam", Some(OperatorRole::Auditor)))
        .await
        .unwrap();
    assert_eq!(auditor.id, admin.id);
    assert_eq!(auditor.role, OperatorRole::Auditor);
    assert_eq!(
        sign_in(&store, &account("sub-adam", Some(OperatorRole::Owner))).await,
        Err(OidcRefusal::OwnerTaken)
    );
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM operators WHERE role = 'owner'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn unlinking_removes_the_link_and_keeps_the_password() {
    let (store, owner) = store_with_owner().await;
    let hash = session_of(&store, &owner).await;
    store
        .oidc_link(&hash, &account("sub-olivia", Some(OperatorRole::Owner)))
        .await
        .unwrap()
        .unwrap();
    let unlinked = store.unlink_identity(&owner, "Test IdP").await.unwrap();
    assert!(!unlinked.identity_provider);
    assert!(unlinked.local_password);
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM operator_identities").await,
        0
    );
    let lines = audit_outcomes(&store, "operator.unlink-identity").await;
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].0, "ok");
    // Twice is refused and changes nothing.
    assert!(matches!(
        store.unlink_identity(&owner, "Test IdP").await,
        Err(app::store::Error::Conflict(_))
    ));
    // The provider account no longer signs in as the Owner: it is someone else now, and Owner
    // claims for someone else are refused.
    assert_eq!(
        sign_in(&store, &account("sub-olivia", Some(OperatorRole::Owner))).await,
        Err(OidcRefusal::OwnerTaken)
    );
    // An operator the provider created has no password: unlinking would lock them out.
    let created = sign_in(&store, &account("sub-ada", Some(OperatorRole::Admin)))
        .await
        .unwrap();
    assert!(matches!(
        store.unlink_identity(&created, "Test IdP").await,
        Err(app::store::Error::Conflict(_))
    ));
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM operator_identities").await,
        1
    );
    store
        .authenticate("olivia", PASSWORD, "198.51.100.7")
        .await
        .unwrap();
}

#[tokio::test]
async fn a_link_in_progress_is_kept_bound_to_its_session() {
    let (store, owner) = store_with_owner().await;
    let hash = session_of(&store, &owner).await;
    let pending = app::store::PendingSignIn {
        csrf_state: "state".into(),
        nonce: "nonce".into(),
        pkce_verifier: "verifier".into(),
        purpose: "link".into(),
        session_hash: Some(hash.clone()),
        return_to: "/profile".into(),
        created_at: Utc::now(),
    };
    store.start_oidc_sign_in("key-1", &pending).await.unwrap();
    let taken = store.take_oidc_sign_in("key-1").await.unwrap().unwrap();
    assert_eq!(taken.purpose, "link");
    assert_eq!(taken.session_hash, Some(hash));
    // The table still refuses purposes nobody handles.
    let bogus = app::store::PendingSignIn {
        purpose: "bogus".into(),
        ..pending
    };
    assert!(store.start_oidc_sign_in("key-2", &bogus).await.is_err());
}
