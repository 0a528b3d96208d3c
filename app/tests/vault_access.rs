//! Folder permissions of the password vault reach users directly, through a group (and the
//! groups below it) and through a role however it is held, hold for the folders below, and
//! the highest level wins — seen from a user and from a folder.
#![cfg(feature = "ssr")]
mod common;

use app::model::kinds::VAULT_FOLDERS;
use app::model::*;
use app::store::Store;
use common::*;

async fn folder(store: &Store, name: &str, parent: &str) -> i64 {
    store
        .create_resource(
            &at(SEC),
            &VAULT_FOLDERS,
            &ResourceInput {
                values: vec![name.into(), String::new(), parent.into()],
            },
        )
        .await
        .unwrap()
}

async fn permit(store: &Store, folder: i64, kind: AssigneeKind, name: &str, level: &str) -> i64 {
    store
        .grant_access(
            &at(2 * SEC),
            &VAULT_FOLDERS,
            folder,
            &AccessInput {
                assignee: Some(kind),
                name: name.into(),
                level: level.into(),
                mask: String::new(),
            },
        )
        .await
        .unwrap()
}

/// (folder name, level, through) of what `user` reaches.
async fn reach(store: &Store, user: UserId) -> Vec<(String, VaultLevel, String)> {
    store
        .vault_access_of_user(user)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.folder_name, a.level, a.through))
        .collect()
}

#[tokio::test]
async fn permissions_reach_users_directly_through_groups_and_roles_and_hold_below() {
    let store = store().await;
    let f = fixture(&store).await;
    let infra = folder(&store, "Infra", "").await;
    let db = folder(&store, "DB", "Infra").await;
    // ana is in Sales, below Staff; ben and cy in Staff; dee in a group of her own.
    let ana = store
        .create_user(&at(SEC), &user_input("ana", f.sales))
        .await
        .unwrap();
    let ben = store
        .create_user(&at(SEC), &user_input("ben", f.staff))
        .await
        .unwrap();
    let cy = store
        .create_user(&at(SEC), &user_input("cy", f.staff))
        .await
        .unwrap();
    let outside = store
        .create_group(&at(SEC), &group_input("Outside", None))
        .await
        .unwrap();
    let dee = store
        .create_user(&at(SEC), &user_input("dee", outside))
        .await
        .unwrap();
    // cy holds Writer only through Bundle, which includes it.
    let bundle = store
        .create_role(
            &at(SEC),
            &RoleInput {
                system: f.ad,
                name: "Bundle".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    store
        .add_role_inheritance(&at(SEC), bundle, f.writer)
        .await
        .unwrap();
    store
        .grant_role(&at(SEC), &user_grant(bundle, cy))
        .await
        .unwrap();

    let staff_browse = permit(&store, infra, AssigneeKind::Group, "Staff", "Browse").await;
    permit(&store, db, AssigneeKind::User, "ben", "Owner").await;
    permit(&store, infra, AssigneeKind::Role, "Writer@AD", "SSO user").await;

    assert_eq!(
        reach(&store, ana).await,
        vec![
            (
                "DB".into(),
                VaultLevel::Browse,
                "group Staff, on folder Infra".into()
            ),
            ("Infra".into(), VaultLevel::Browse, "group Staff".into()),
        ]
    );
    assert_eq!(
        reach(&store, ben).await,
        vec![
            ("DB".into(), VaultLevel::Owner, "directly".into()),
            ("Infra".into(), VaultLevel::Browse, "group Staff".into()),
        ]
    );
    // The role's SSO user beats the group's Browse.
    assert_eq!(
        reach(&store, cy).await,
        vec![
            (
                "DB".into(),
                VaultLevel::SsoUser,
                "role Writer, on folder Infra".into()
            ),
            ("Infra".into(), VaultLevel::SsoUser, "role Writer".into()),
        ]
    );
    assert!(reach(&store, dee).await.is_empty());

    let people: Vec<(String, VaultLevel)> = store
        .vault_folder_people(db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.user_name, p.level))
        .collect();
    assert_eq!(
        people,
        vec![
            ("ana".into(), VaultLevel::Browse),
            ("ben".into(), VaultLevel::Owner),
            ("cy".into(), VaultLevel::SsoUser),
        ]
    );
    assert!(VaultLevel::Owner.may_see_secrets() && VaultLevel::Manager.may_see_secrets());
    assert!(!VaultLevel::SsoUser.may_see_secrets() && VaultLevel::SsoUser.may_use_accounts());
    assert!(!VaultLevel::Browse.may_use_accounts());

    // Ending the group's permission ends what it gave, and only that.
    store
        .revoke_access(&at(3 * SEC), &VAULT_FOLDERS, staff_browse)
        .await
        .unwrap();
    assert!(reach(&store, ana).await.is_empty());
    assert_eq!(
        reach(&store, ben).await,
        vec![("DB".into(), VaultLevel::Owner, "directly".into())]
    );
    // Leaving the role ends cy's reach.
    let grants = store
        .find_grant(bundle, Grantee::User(cy), "")
        .await
        .unwrap()
        .expect("cy's grant");
    store.revoke_grant(&at(4 * SEC), grants).await.unwrap();
    assert!(reach(&store, cy).await.is_empty());
}
