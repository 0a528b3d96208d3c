//! Restoring one ended history record of a mail list: every kind of member comes back.
#![cfg(feature = "ssr")]
mod common;

use app::model::*;
use app::store::{Error, Store};
use common::*;

/// The version id of the last (ended) membership record of `member` on `list`.
async fn ended_member_version(store: &Store, list: MailListId, kind: &str, member: i64) -> i64 {
    let (version,): (i64,) = sqlx::query_as(
        "SELECT version_id FROM mail_list_members WHERE list_id = $1 AND member_kind = $2 \
         AND member_id = $3 AND valid_to IS NOT NULL ORDER BY version_id DESC LIMIT 1",
    )
    .bind(list.0)
    .bind(kind)
    .bind(member)
    .fetch_one(store.pool())
    .await
    .unwrap();
    version
}

async fn members(store: &Store, list: MailListId) -> Vec<MailMember> {
    let detail = store.get_mail_list(list, None).await.unwrap();
    detail.members.into_iter().map(|m| m.member).collect()
}

#[tokio::test]
async fn restoring_a_mail_list_record_brings_back_group_role_nested_list_and_user_members() {
    let store = store().await;
    let f = fixture(&store).await;
    let nested = store
        .create_mail_list(
            &at(SEC),
            &MailListInput {
                domain: f.domain,
                name: "nested".into(),
                description: String::new(),
            },
        )
        .await
        .unwrap();
    let ann = store
        .create_user(&at(SEC), &user_input("ann", f.staff))
        .await
        .unwrap();
    let cases = [
        (MailMember::Group(f.sales), "group", f.sales.0),
        (MailMember::Role(f.reader), "role", f.reader.0),
        (MailMember::List(nested), "list", nested.0),
        (MailMember::User(ann), "user", ann.0),
    ];
    for (i, (member, kind, id)) in cases.iter().enumerate() {
        let step = 10 * (i as i64 + 1) * SEC;
        store
            .add_mail_list_member(&at(step), f.list, member)
            .await
            .unwrap();
        store
            .remove_mail_list_member(&at(step + SEC), f.list, member)
            .await
            .unwrap();
        assert!(!members(&store, f.list).await.contains(member));
        let version = ended_member_version(&store, f.list, kind, *id).await;
        store
            .restore_history_record(&at(step + 2 * SEC), HistoryKind::MailLists, version)
            .await
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert!(members(&store, f.list).await.contains(member), "{kind}");
    }
    // The user's own snapshot shows the list again.
    let snapshots = store.list_snapshots(ann).await.unwrap();
    let newest = store.get_snapshot(snapshots[0].id).await.unwrap();
    assert_eq!(newest.state.mail_lists.len(), 1);
    assert_eq!(newest.state.mail_lists[0].list, f.list);
}

#[tokio::test]
async fn a_mail_list_record_whose_group_member_was_deleted_is_refused_by_name() {
    let store = store().await;
    let f = fixture(&store).await;
    let doomed = store
        .create_group(&at(SEC), &group_input("Doomed", None))
        .await
        .unwrap();
    let member = MailMember::Group(doomed);
    store
        .add_mail_list_member(&at(2 * SEC), f.list, &member)
        .await
        .unwrap();
    store
        .remove_mail_list_member(&at(3 * SEC), f.list, &member)
        .await
        .unwrap();
    store.delete_group(&at(4 * SEC), doomed).await.unwrap();
    let version = ended_member_version(&store, f.list, "group", doomed.0).await;
    let error = store
        .restore_history_record(&at(5 * SEC), HistoryKind::MailLists, version)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Conflict(m) if m.contains("group") && m.contains("deleted")),
        "{error:?}"
    );
    assert!(members(&store, f.list).await.is_empty());
}
