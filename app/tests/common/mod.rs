//! Shared fixtures for the identity store tests (SQLite, or PostgreSQL with
//! REWIND_TEST_POSTGRES_URL; see app::testing).
#![allow(dead_code)]
use app::model::*;
use app::store::{Author, ImportRequest, Store};
use chrono::{DateTime, Utc};

/// 2023-11-14T22:13:20Z: a fixed origin so tests control time.
pub const T0: i64 = 1_700_000_000_000_000;
pub const SEC: i64 = 1_000_000;
pub const HOUR: i64 = 3600 * SEC;

/// The author "tester" writing at `T0 + offset` microseconds.
pub fn at(offset: i64) -> Author {
    Author::named("tester").at(T0 + offset)
}

pub fn time(offset: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(T0 + offset).unwrap()
}

pub async fn store() -> Store {
    app::testing::fresh_store().await
}

pub fn group_input(name: &str, parent: Option<GroupId>) -> GroupInput {
    GroupInput {
        name: name.into(),
        description: format!("{name} group"),
        parent,
        ..Default::default()
    }
}

pub fn user_input(name: &str, group: GroupId) -> UserInput {
    UserInput {
        name: name.into(),
        first_name: format!("{name}-first"),
        last_name: "Tester".into(),
        user_type: "internal".into(),
        primary_group: group,
        email: format!("{name}@example.test"),
        enabled: true,
        ..Default::default()
    }
}

/// `role` granted to `user` directly: no scope, no dates.
pub fn user_grant(role: RoleId, user: UserId) -> GrantInput {
    GrantInput {
        role,
        grantee: Grantee::User(user),
        scope: String::new(),
        start_date: None,
        end_date: None,
    }
}

/// An import of `csv` as `kind`, columns named as the file's header; `apply` false only checks.
pub fn import_request(kind: ImportKind, csv: impl AsRef<[u8]>, apply: bool) -> ImportRequest {
    ImportRequest {
        kind,
        file: csv.as_ref().to_vec(),
        mapping: None,
        apply,
    }
}

/// Makes `user` a member of `group` (no dates, no comments).
pub async fn join_group(
    store: &Store,
    author: &Author,
    user: UserId,
    group: GroupId,
) -> MembershipId {
    store
        .add_membership(
            author,
            &MembershipInput {
                user,
                group,
                ..Default::default()
            },
        )
        .await
        .expect("membership")
}

/// A new account named `name` on `system`, then owned by `owner` (level owner).
pub async fn owned_account(
    store: &Store,
    created: &Author,
    owned: &Author,
    system: SystemId,
    name: &str,
    owner: UserId,
) -> AccountId {
    let account = store
        .create_account(
            created,
            &AccountInput {
                system,
                name: name.into(),
                ..Default::default()
            },
        )
        .await
        .expect("account");
    store
        .set_account_owner(owned, account, owner, "owner")
        .await
        .expect("owner");
    account
}

pub async fn snapshot_settings(store: &Store, min_delay_secs: i64, keep: i64, entitlements: bool) {
    store
        .set_snapshot_config(
            &at(0),
            &SnapshotConfig {
                min_delay_secs,
                delay_unit: DelayUnit::Minutes,
                keep_count: keep,
                entitlements_history: entitlements,
            },
        )
        .await
        .expect("snapshot settings");
}

/// A small directory: groups Staff > Sales, system AD with roles Reader/Writer, a mail list.
pub struct Fixture {
    pub staff: GroupId,
    pub sales: GroupId,
    pub ad: SystemId,
    pub reader: RoleId,
    pub writer: RoleId,
    pub domain: MailDomainId,
    pub list: MailListId,
}

pub async fn fixture(store: &Store) -> Fixture {
    let a = at(0);
    let staff = store
        .create_group(&a, &group_input("Staff", None))
        .await
        .unwrap();
    let sales = store
        .create_group(&a, &group_input("Sales", Some(staff)))
        .await
        .unwrap();
    let ad = store
        .create_system(&a, "AD", "Active Directory")
        .await
        .unwrap();
    let role = |name: &str| RoleInput {
        system: ad,
        name: name.into(),
        ..Default::default()
    };
    let reader = store.create_role(&a, &role("Reader")).await.unwrap();
    let writer = store.create_role(&a, &role("Writer")).await.unwrap();
    let domain = store
        .create_mail_domain(
            &a,
            &MailDomainInput {
                code: "example.test".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let list = store
        .create_mail_list(
            &a,
            &MailListInput {
                domain,
                name: "all".into(),
                description: "everyone".into(),
            },
        )
        .await
        .unwrap();
    Fixture {
        staff,
        sales,
        ad,
        reader,
        writer,
        domain,
        list,
    }
}
