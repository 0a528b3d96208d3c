//! Sign-in throttling per (user name, address) and per address (both backends; see
//! app::testing).
use app::store::{
    Error, Store, ADDRESS_FREE_ATTEMPTS, FORGET_AFTER_SECS, MAX_LOCKOUT_SECS, PAIR_FREE_ATTEMPTS,
};
use std::time::Duration;

const PASSWORD: &str = "correct horse battery";
const ATTACKER: &str = "203.0.113.66";
const OFFICE: &str = "198.51.100.7";
const SEC: i64 = 1_000_000;

async fn store_with_owner() -> Store {
    let store = app::testing::fresh_store().await;
    store
        .create_owner(None, "olivia", "Olivia Owner", PASSWORD)
        .await
        .expect("owner");
    store
}

async fn wrong(store: &Store, username: &str, address: &str) -> Error {
    store
        .authenticate(username, "not the password", address)
        .await
        .expect_err("a wrong password never signs in")
}

/// Audit lines of sign-in attempts with this outcome.
async fn login_audit(store: &Store, outcome: &str) -> Vec<String> {
    store
        .list_audit(1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "session.login" && e.outcome == outcome)
        .map(|e| format!("{} {}", e.target, e.details))
        .collect()
}

/// Moves a throttle row's clock back, as if `secs` had passed.
async fn age_throttle(store: &Store, secs: i64) {
    sqlx::query(
        "UPDATE login_throttle SET last_attempt_at = last_attempt_at - $1,
             locked_until = locked_until - $1",
    )
    .bind(secs * SEC)
    .execute(store.pool())
    .await
    .unwrap();
}

#[tokio::test]
async fn failures_from_one_address_do_not_lock_the_owner_out_from_another() {
    let store = store_with_owner().await;
    for _ in 0..PAIR_FREE_ATTEMPTS {
        assert!(matches!(
            wrong(&store, "olivia", ATTACKER).await,
            Error::Invalid(_)
        ));
    }
    assert!(matches!(
        store.authenticate("olivia", PASSWORD, ATTACKER).await,
        Err(Error::Throttled(secs)) if secs > 0 && secs <= 30
    ));
    let owner = store
        .authenticate("olivia", PASSWORD, OFFICE)
        .await
        .expect("the Owner signs in from an address that has not been failing");
    assert_eq!(owner.username, "olivia");
    // The attacker's lock is untouched by the Owner's success elsewhere.
    let (attempts, locked_until) = store
        .login_throttle_state(Some("olivia"), ATTACKER)
        .await
        .unwrap()
        .expect("throttle row");
    assert_eq!(attempts, PAIR_FREE_ATTEMPTS);
    assert!(locked_until.is_some());
}

#[tokio::test]
async fn an_address_is_throttled_across_all_user_names() {
    let store = store_with_owner().await;
    for n in 0..ADDRESS_FREE_ATTEMPTS {
        let error = wrong(&store, &format!("guess{n}"), ATTACKER).await;
        assert!(matches!(error, Error::Invalid(_)), "attempt {n}: {error:?}");
    }
    assert!(matches!(
        wrong(&store, "olivia", ATTACKER).await,
        Error::Throttled(_)
    ));
    store
        .authenticate("olivia", PASSWORD, OFFICE)
        .await
        .expect("other addresses are not affected");
}

#[tokio::test]
async fn parallel_wrong_guesses_cannot_exceed_the_limit() {
    let store = store_with_owner().await;
    let attempts = 24;
    let tasks: Vec<_> = (0..attempts)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { wrong(&store, "olivia", ATTACKER).await })
        })
        .collect();
    let mut checked = 0;
    let mut refused = 0;
    for task in tasks {
        match task.await.unwrap() {
            Error::Invalid(_) => checked += 1,
            Error::Throttled(_) => refused += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(checked, PAIR_FREE_ATTEMPTS, "passwords checked");
    assert_eq!(refused, attempts - PAIR_FREE_ATTEMPTS);
    let (counted, locked_until) = store
        .login_throttle_state(Some("olivia"), ATTACKER)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(counted, PAIR_FREE_ATTEMPTS);
    assert!(locked_until.is_some());
    let (address_counted, _) = store
        .login_throttle_state(None, ATTACKER)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        address_counted, PAIR_FREE_ATTEMPTS,
        "only checked attempts count"
    );
    // Every checked failure has its own line; a lock's refusals are logged once, then counted.
    assert_eq!(
        login_audit(&store, "denied").await.len() as i64,
        PAIR_FREE_ATTEMPTS
    );
    assert_eq!(login_audit(&store, "throttled").await.len(), 1);
}

#[tokio::test]
async fn every_failed_sign_in_is_audited_with_its_address() {
    let store = store_with_owner().await;
    wrong(&store, "olivia", ATTACKER).await;
    wrong(&store, "nobody", OFFICE).await;
    let denied = login_audit(&store, "denied").await;
    assert_eq!(denied.len(), 2, "{denied:?}");
    assert!(denied
        .iter()
        .any(|l| l.starts_with("olivia") && l.contains(ATTACKER)));
    assert!(denied
        .iter()
        .any(|l| l.starts_with("nobody") && l.contains(OFFICE)));
    for _ in 1..PAIR_FREE_ATTEMPTS {
        wrong(&store, "olivia", ATTACKER).await;
    }
    assert!(matches!(
        wrong(&store, "olivia", ATTACKER).await,
        Error::Throttled(_)
    ));
    let throttled = login_audit(&store, "throttled").await;
    assert_eq!(throttled.len(), 1, "{throttled:?}");
    assert!(throttled[0].contains(ATTACKER), "{throttled:?}");
}

#[tokio::test]
async fn failures_are_forgotten_after_a_quiet_period() {
    let store = store_with_owner().await;
    for _ in 0..PAIR_FREE_ATTEMPTS - 1 {
        wrong(&store, "olivia", ATTACKER).await;
    }
    age_throttle(&store, FORGET_AFTER_SECS + 1).await;
    wrong(&store, "olivia", ATTACKER).await;
    let (attempts, locked_until) = store
        .login_throttle_state(Some("olivia"), ATTACKER)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(attempts, 1, "older failures are forgotten");
    assert_eq!(locked_until, None);
}

#[tokio::test]
async fn a_lock_expires_and_the_next_failure_doubles_it() {
    let store = store_with_owner().await;
    for _ in 0..PAIR_FREE_ATTEMPTS {
        wrong(&store, "olivia", ATTACKER).await;
    }
    age_throttle(&store, 31).await;
    assert!(matches!(
        wrong(&store, "olivia", ATTACKER).await,
        Error::Invalid(_)
    ));
    assert!(matches!(
        store.authenticate("olivia", PASSWORD, ATTACKER).await,
        Err(Error::Throttled(secs)) if secs > 30 && secs <= 60
    ));
    for _ in 0..10 {
        age_throttle(&store, MAX_LOCKOUT_SECS + 1).await;
        wrong(&store, "olivia", ATTACKER).await;
    }
    assert!(matches!(
        wrong(&store, "olivia", ATTACKER).await,
        Error::Throttled(secs) if secs <= MAX_LOCKOUT_SECS
    ));
}

#[tokio::test]
async fn unlock_clears_a_locked_owner_on_every_address() {
    let store = store_with_owner().await;
    for address in [ATTACKER, OFFICE] {
        for _ in 0..PAIR_FREE_ATTEMPTS {
            wrong(&store, "olivia", address).await;
        }
    }
    assert!(matches!(
        store.authenticate("olivia", PASSWORD, OFFICE).await,
        Err(Error::Throttled(_))
    ));
    let cleared = store
        .clear_login_throttle(Some("OLIVIA"), None, "command line")
        .await
        .unwrap();
    assert_eq!(cleared, 2);
    store
        .authenticate("olivia", PASSWORD, OFFICE)
        .await
        .expect("unlocked");
    let unlocks: Vec<_> = store
        .list_audit(10)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "session.unlock")
        .collect();
    assert_eq!(unlocks.len(), 1);
}

#[tokio::test]
async fn a_success_gives_back_the_address_attempt_it_counted() {
    let store = store_with_owner().await;
    for _ in 0..ADDRESS_FREE_ATTEMPTS + 3 {
        store
            .authenticate("olivia", PASSWORD, OFFICE)
            .await
            .expect("successes never lock an address");
    }
    assert_eq!(
        store.login_throttle_state(None, OFFICE).await.unwrap(),
        Some((0, None))
    );
}

#[tokio::test]
async fn over_long_names_are_refused_and_stored_truncated() {
    let store = store_with_owner().await;
    let long = format!("olivia{}", "x".repeat(10_000));
    wrong(&store, &long, ATTACKER).await;
    let denied = login_audit(&store, "denied").await;
    assert_eq!(denied.len(), 1);
    assert!(denied[0].len() < 200, "{}", denied[0].len());
    assert!(matches!(
        store.authenticate(&long, PASSWORD, ATTACKER).await,
        Err(Error::Invalid(_))
    ));
}

#[tokio::test]
async fn password_checks_wait_for_a_free_hashing_permit() {
    let store = store_with_owner().await;
    let cap = store.password_hashing().clone();
    let all = cap.available_permits() as u32;
    assert!(all >= 1);
    let held = cap.acquire_many(all).await.unwrap();
    let signing_in = tokio::spawn({
        let store = store.clone();
        async move { store.authenticate("olivia", PASSWORD, OFFICE).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!signing_in.is_finished(), "no permit, no hashing");
    drop(held);
    tokio::time::timeout(Duration::from_secs(30), signing_in)
        .await
        .expect("finishes once a permit is free")
        .unwrap()
        .expect("signed in");
}
