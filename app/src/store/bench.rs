//! Bulk fixtures for `server bench`: long histories written through the temporal engine
//! (the same tables and versions as normal writes), many changes per transaction. They
//! skip validation, audit lines and snapshots: only the read paths are measured on them.
use super::identity::{current_user, group_fields, membership_fields, user_fields};
use super::seed::{FIRST_NAMES, LAST_NAMES};
use super::temporal::{begin_op, insert_version, new_object, write_version, Author, Table};
use super::{Result, Store};
use crate::model::*;

const DAY: i64 = 86_400_000_000;

impl Store {
    /// `groups` groups in a tree (ten children per parent, four or five levels), each renamed
    /// until it has `versions` versions: round k writes every group at `from + k * step`.
    pub async fn bench_group_history(
        &self,
        groups: i64,
        versions: i64,
        from: i64,
        step: i64,
    ) -> Result<Vec<GroupId>> {
        let input = |i: usize, k: i64, ids: &[GroupId]| GroupInput {
            name: format!("Group {i} rev {k}"),
            description: format!("benchmark group {i}"),
            parent: (i >= 10).then(|| ids[(i - 10) / 10]),
            group_type: "organisation".into(),
            ..Default::default()
        };
        let mut ids: Vec<GroupId> = Vec::with_capacity(groups as usize);
        for k in 0..versions.max(1) {
            let mut tx = self.begin_identity_write().await?;
            let author = Author::named("bench").at(from + k * step);
            let op = begin_op(&mut tx, &author, "bench.groups", "").await?;
            for i in 0..groups as usize {
                let fields = group_fields(&input(i, k, &ids));
                if k == 0 {
                    let id = new_object(&mut tx, Table::Groups).await?;
                    insert_version(&mut tx, &op, Table::Groups, id, &fields).await?;
                    ids.push(GroupId(id));
                } else {
                    write_version(&mut tx, &op, Table::Groups, ids[i].0, &fields).await?;
                }
            }
            tx.commit().await?;
        }
        Ok(ids)
    }

    /// Gives `user` `versions` more attribute versions (its comments change), one operation
    /// each, at `from + k * step`.
    pub async fn bench_user_history(
        &self,
        user: UserId,
        versions: i64,
        from: i64,
        step: i64,
    ) -> Result<()> {
        let mut tx = self.begin_identity_write().await?;
        let mut input = current_user(&mut tx, user).await?.input();
        for k in 0..versions {
            let op = begin_op(
                &mut tx,
                &Author::named("bench").at(from + k * step),
                "user.update",
                &input.name,
            )
            .await?;
            input.comments = format!("revision {k}");
            write_version(&mut tx, &op, Table::Users, user.0, &user_fields(&input)).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// `count` users in `group`, imported at `at` and each edited a day later (two versions
    /// per user), a thousand per operation. Every import comes before the first edit: an
    /// operation never goes back in time (`begin_op`), so an import after an edit would be
    /// moved to the edit's instant and no user but the first thousand would have existed
    /// between the two.
    pub async fn bench_users(&self, count: i64, group: GroupId, at: i64) -> Result<Vec<UserId>> {
        let person = |i: i64| person(i, group);
        let people: Vec<i64> = (0..count).collect();
        let mut ids = Vec::with_capacity(people.len());
        for chunk in people.chunks(1000) {
            let mut tx = self.begin_identity_write().await?;
            let created =
                begin_op(&mut tx, &Author::named("bench").at(at), "user.import", "").await?;
            for &i in chunk {
                let id = new_object(&mut tx, Table::Users).await?;
                insert_version(
                    &mut tx,
                    &created,
                    Table::Users,
                    id,
                    &user_fields(&person(i)),
                )
                .await?;
                ids.push(id);
            }
            tx.commit().await?;
        }
        for (chunk, ids) in people.chunks(1000).zip(ids.chunks(1000)) {
            let mut tx = self.begin_identity_write().await?;
            let edited = begin_op(
                &mut tx,
                &Author::named("bench").at(at + DAY),
                "user.update",
                "",
            )
            .await?;
            for (&i, &id) in chunk.iter().zip(ids) {
                let mut input = person(i);
                input.mail_server = "mx1".into();
                write_version(&mut tx, &edited, Table::Users, id, &user_fields(&input)).await?;
            }
            tx.commit().await?;
        }
        Ok(ids.into_iter().map(UserId).collect())
    }
}

impl Store {
    /// Makes `users` members of `group` now, a thousand per operation, each member's
    /// snapshot captured as the console's membership edits do: a real member has an open
    /// snapshot when a bulk change of the group comes.
    pub async fn bench_memberships(&self, group: GroupId, users: &[UserId]) -> Result<()> {
        for chunk in users.chunks(1000) {
            let mut tx = self.begin_identity_write().await?;
            let op = begin_op(&mut tx, &Author::named("bench"), "membership.import", "").await?;
            for &user in chunk {
                let input = MembershipInput {
                    user,
                    group,
                    ..Default::default()
                };
                let id = new_object(&mut tx, Table::Memberships).await?;
                insert_version(
                    &mut tx,
                    &op,
                    Table::Memberships,
                    id,
                    &membership_fields(&input),
                )
                .await?;
            }
            let members: Vec<i64> = chunk.iter().map(|u| u.0).collect();
            super::snapshots::capture(&mut tx, &op, &members).await?;
            tx.commit().await?;
        }
        Ok(())
    }
}

/// The `i`th benchmark user, in `group`.
pub(super) fn person(i: i64, group: GroupId) -> UserInput {
    let first = FIRST_NAMES[(i as usize * 7) % FIRST_NAMES.len()];
    let last = LAST_NAMES[(i as usize * 13 / 3) % LAST_NAMES.len()];
    let name = format!("{}.{}{i}", first.to_lowercase(), last.to_lowercase());
    UserInput {
        email: format!("{name}@example.com"),
        name,
        first_name: first.into(),
        last_name: last.into(),
        user_type: "internal".into(),
        primary_group: group,
        enabled: true,
        ..Default::default()
    }
}
