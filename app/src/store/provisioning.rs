//! Users created and changed by provisioning clients (SCIM): the department they send names
//! the primary group when a group is called so; otherwise a new user goes to the group
//! `PROVISIONED_GROUP`, made on first need in the same transaction.
use super::group_writes::{create_group_in, update_group_in};
use super::identity::{audit, create_user_in, current_user, membership_fields, normalise_user};
use super::temporal::{
    begin_op, close_current, insert_version, name_key, new_object, Author, Table,
};
use super::{Error, Result, Store};
use crate::model::{GroupId, GroupInput, MembershipInput, UserId, UserInput};
use sqlx::AnyConnection;

/// Where a provisioned user whose department names no group is placed.
pub const PROVISIONED_GROUP: &str = "Provisioned";

async fn group_named(conn: &mut AnyConnection, name: &str) -> Result<Option<GroupId>> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT object_id FROM groups WHERE name_key = $1 AND valid_to IS NULL")
            .bind(name_key(name))
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.map(|(id,)| GroupId(id)))
}

impl Store {
    /// Creates a provisioned user (see the module's note), in one transaction.
    pub async fn create_provisioned_user(
        &self,
        actor: &Author,
        input: &UserInput,
        department: Option<&str>,
    ) -> Result<UserId> {
        let mut tx = self.begin_identity_write().await?;
        let op = begin_op(&mut tx, actor, "user.create", input.name.trim()).await?;
        let named = match department.map(str::trim).filter(|d| !d.is_empty()) {
            Some(department) => group_named(&mut tx, department).await?,
            None => None,
        };
        let group = match named {
            Some(group) => group,
            None => match group_named(&mut tx, PROVISIONED_GROUP).await? {
                Some(group) => group,
                None => {
                    let input = GroupInput {
                        name: PROVISIONED_GROUP.into(),
                        description: "Users provisioned through SCIM whose department names no \
                                      group"
                            .into(),
                        ..Default::default()
                    };
                    create_group_in(&mut tx, &op, &input).await?
                }
            },
        };
        let input = normalise_user(
            &mut tx,
            &UserInput {
                primary_group: group,
                ..input.clone()
            },
        )
        .await?;
        let id = create_user_in(&mut tx, &op, &input).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The group a department names, if one is called so (a provisioned user moves there).
    pub async fn group_named(&self, name: &str) -> Result<Option<GroupId>> {
        let mut conn = self.pool.acquire().await?;
        group_named(&mut conn, name).await
    }
}

/// The most member changes one provisioning request may make.
pub const MAX_MEMBER_CHANGES: usize = 10_000;

/// A group as a provisioning client writes it: its attributes, and its members — the whole
/// list (`members`, replacing the secondary memberships) or users to add and remove.
#[derive(Clone, Debug, Default)]
pub struct GroupProvision {
    pub input: GroupInput,
    pub members: Option<Vec<UserId>>,
    pub add: Vec<UserId>,
    pub remove: Vec<UserId>,
}

impl Store {
    /// Creates (`id` None) or changes a group and its secondary memberships in one
    /// transaction. A member whose primary group this is stays so (no second membership);
    /// the users whose memberships change get a snapshot.
    pub async fn provision_group(
        &self,
        actor: &Author,
        id: Option<GroupId>,
        change: &GroupProvision,
    ) -> Result<GroupId> {
        let mut tx = self.begin_identity_write().await?;
        let kind = if id.is_some() {
            "group.update"
        } else {
            "group.create"
        };
        let op = begin_op(&mut tx, actor, kind, change.input.name.trim()).await?;
        let id = match id {
            Some(id) => {
                update_group_in(&mut tx, &op, id, &change.input).await?;
                id
            }
            None => create_group_in(&mut tx, &op, &change.input).await?,
        };
        let current: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT user_id, object_id FROM memberships WHERE group_id = $1 AND valid_to IS NULL",
        )
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await?;
        let mut add: Vec<UserId> = change.add.clone();
        let mut remove: Vec<UserId> = change.remove.clone();
        if let Some(members) = &change.members {
            remove.extend(
                current
                    .iter()
                    .map(|(user, _)| UserId(*user))
                    .filter(|u| !members.contains(u)),
            );
            add.extend(members.iter().copied());
        }
        if add.len() + remove.len() > MAX_MEMBER_CHANGES {
            return Err(Error::invalid(
                "members",
                format!("One request changes at most {MAX_MEMBER_CHANGES} members."),
            ));
        }
        let mut removed = std::collections::BTreeSet::new();
        let mut added = std::collections::BTreeSet::new();
        let group_name = change.input.name.trim();
        for user in remove {
            if let Some((_, membership)) = current.iter().find(|(u, _)| *u == user.0) {
                if removed.insert(user.0)
                    && close_current(&mut tx, &op, Table::Memberships, *membership).await?
                {
                    let who = format!("user {}", user.0);
                    audit(&mut tx, &op, "membership.remove", &who, group_name).await?;
                }
            }
        }
        for user in add {
            let row = current_user(&mut tx, user).await.map_err(|_| {
                Error::invalid("members", format!("No user has the id {}.", user.0))
            })?;
            let still_member =
                current.iter().any(|(u, _)| *u == user.0) && !removed.contains(&user.0);
            if row.primary_group_id == id.0 || still_member || !added.insert(user.0) {
                continue;
            }
            let membership = new_object(&mut tx, Table::Memberships).await?;
            let input = MembershipInput {
                user,
                group: id,
                start_date: None,
                end_date: None,
                comments: String::new(),
            };
            insert_version(
                &mut tx,
                &op,
                Table::Memberships,
                membership,
                &membership_fields(&input),
            )
            .await?;
            audit(&mut tx, &op, "membership.add", &row.name, group_name).await?;
        }
        let users: Vec<i64> = removed.union(&added).copied().collect();
        super::snapshots::capture(&mut tx, &op, &users).await?;
        tx.commit().await?;
        Ok(id)
    }
}
