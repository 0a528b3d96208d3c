//! Users and groups written by provisioning clients (SCIM), each request one transaction that
//! reads, checks the version the client saw (`If-Match`), edits and writes. A new user goes to
//! the group `PROVISIONED_GROUP`, made on first need: an HR department is free text, and
//! letting it pick a primary group would let it place people in any group.
use super::group_writes::{create_group_in, update_group_in};
use super::identity::{
    audit, create_user_in, current_group, current_user, membership_fields, normalise_user,
    update_user_in,
};
use super::temporal::{
    begin_op, close_current, insert_version, name_key, new_object, Author, Table,
};
use super::{Error, Result, Store};
use crate::model::{GroupId, GroupInput, MembershipInput, UserId, UserInput};
use sqlx::AnyConnection;
use std::collections::{BTreeSet, HashMap, HashSet};

fn too_many_changes() -> Error {
    Error::invalid(
        "members",
        format!("One request changes at most {MAX_MEMBER_CHANGES} members."),
    )
}

/// Where provisioned users are created.
pub const PROVISIONED_GROUP: &str = "Provisioned";

/// What a write hears when the object changed since the version its client read.
pub const VERSION_CHANGED: &str = "It changed since the version given (If-Match); read it again.";

async fn group_named(conn: &mut AnyConnection, name: &str) -> Result<Option<GroupId>> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT object_id FROM groups WHERE name_key = $1 AND valid_to IS NULL")
            .bind(name_key(name))
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.map(|(id,)| GroupId(id)))
}

impl Store {
    /// Creates a provisioned user in `PROVISIONED_GROUP` (see the module's note).
    pub async fn create_provisioned_user(
        &self,
        actor: &Author,
        input: &UserInput,
    ) -> Result<UserId> {
        let mut tx = self.begin_identity_write().await?;
        let op = begin_op(&mut tx, actor, "user.create", input.name.trim()).await?;
        let group = match group_named(&mut tx, PROVISIONED_GROUP).await? {
            Some(group) => group,
            None => {
                let input = GroupInput {
                    name: PROVISIONED_GROUP.into(),
                    description: "Users created through SCIM".into(),
                    ..Default::default()
                };
                create_group_in(&mut tx, &op, &input).await?
            }
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

    /// Edits a user in one transaction: reads it, refuses when `expected` (the version the
    /// client saw, `valid_from` micros) is not the current one, applies `edit`, writes.
    pub async fn provision_user<E: From<Error>>(
        &self,
        actor: &Author,
        id: UserId,
        expected: Option<i64>,
        edit: impl FnOnce(&mut UserInput) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let mut tx = self.begin_identity_write().await?;
        super::locks::take(&mut tx, super::locks::Lock::User(id.0)).await?;
        let before = current_user(&mut tx, id).await?;
        if expected.is_some_and(|v| v != before.valid_from) {
            return Err(Error::Conflict(VERSION_CHANGED.into()).into());
        }
        let mut input = before.input();
        edit(&mut input)?;
        let input = normalise_user(&mut tx, &input).await?;
        if before.input() == input {
            return Ok(());
        }
        let op = begin_op(&mut tx, actor, "user.update", &input.name).await?;
        update_user_in(&mut tx, &op, id, &input, true).await?;
        tx.commit().await.map_err(Error::from)?;
        Ok(())
    }
}

/// A group's version as provisioning clients see it (`meta.version`, `If-Match`): the instant
/// of its last change or of the last change to its secondary memberships, whichever is later,
/// at instant `t` (microseconds; `i64::MAX` for now). 0 for a group that did not exist then.
pub(crate) async fn group_version_in(conn: &mut AnyConnection, id: GroupId, t: i64) -> Result<i64> {
    let (version,): (Option<i64>,) = sqlx::query_as(
        "SELECT MAX(v) FROM ( \
           SELECT MAX(valid_from) AS v FROM groups WHERE object_id = $1 AND valid_from <= $2 \
           UNION ALL \
           SELECT MAX(valid_from) AS v FROM memberships WHERE group_id = $1 AND valid_from <= $2 \
           UNION ALL \
           SELECT MAX(valid_to) AS v FROM memberships WHERE group_id = $1 AND valid_to <= $2 \
         ) AS changes",
    )
    .bind(id.0)
    .bind(t)
    .fetch_one(&mut *conn)
    .await?;
    Ok(version.unwrap_or(0))
}

impl Store {
    /// A group's version at `as_of` (None for now): see `group_version_in`.
    pub async fn group_version(
        &self,
        id: GroupId,
        as_of: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<i64> {
        let mut conn = self.pool.acquire().await?;
        group_version_in(&mut conn, id, super::temporal::instant(as_of)).await
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
    /// transaction. For a change the group's lock is taken first, then the group and its
    /// current secondary members are read, the version the client saw (`expected`, see
    /// `group_version`) is checked, and `edit` makes the change from what was read — so two
    /// provisioning requests, or one and a console membership edit, never undo each other.
    /// A member whose primary group this is stays so (no second membership); the users whose
    /// memberships change get a snapshot.
    pub async fn provision_group<E: From<Error>>(
        &self,
        actor: &Author,
        id: Option<GroupId>,
        expected: Option<i64>,
        edit: impl FnOnce(&mut GroupInput, &[UserId]) -> std::result::Result<GroupProvision, E>,
    ) -> std::result::Result<GroupId, E> {
        let mut tx = self.begin_identity_write().await?;
        let (mut input, current_members) = match id {
            Some(id) => {
                super::locks::take(&mut tx, super::locks::Lock::Group(id.0)).await?;
                let row = current_group(&mut tx, id).await?;
                if let Some(expected) = expected {
                    if group_version_in(&mut tx, id, i64::MAX).await? != expected {
                        return Err(Error::Conflict(VERSION_CHANGED.into()).into());
                    }
                }
                let members: Vec<(i64,)> = sqlx::query_as(
                    "SELECT user_id FROM memberships WHERE group_id = $1 AND valid_to IS NULL \
                     ORDER BY object_id",
                )
                .bind(id.0)
                .fetch_all(&mut *tx)
                .await
                .map_err(Error::from)?;
                let members: Vec<UserId> = members.into_iter().map(|(u,)| UserId(u)).collect();
                (row.input(), members)
            }
            None => (GroupInput::default(), Vec::new()),
        };
        let change = edit(&mut input, &current_members)?;
        Ok(self.write_provisioned_group(tx, actor, id, &change).await?)
    }

    async fn write_provisioned_group(
        &self,
        mut tx: sqlx::Transaction<'static, sqlx::Any>,
        actor: &Author,
        id: Option<GroupId>,
        change: &GroupProvision,
    ) -> Result<GroupId> {
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
        let members: HashMap<i64, i64> = current.into_iter().collect();
        let mut add: Vec<UserId> = change.add.clone();
        let mut remove: Vec<UserId> = change.remove.clone();
        if let Some(wanted) = &change.members {
            let wanted: HashSet<i64> = wanted.iter().map(|u| u.0).collect();
            remove.extend(
                members
                    .keys()
                    .filter(|u| !wanted.contains(u))
                    .map(|u| UserId(*u)),
            );
            add.extend(
                wanted
                    .iter()
                    .filter(|u| !members.contains_key(u))
                    .map(|u| UserId(*u)),
            );
        }
        // Removing a member whose primary group this is cannot be done here: say so rather
        // than answer as if it were done.
        for user in &change.remove {
            if members.contains_key(&user.0) {
                continue;
            }
            if let Ok(row) = current_user(&mut tx, *user).await {
                if row.primary_group_id == id.0 {
                    return Err(Error::invalid(
                        "members",
                        format!(
                            "{:?} belongs to this group as its primary group: change the \
                             user's primary group instead.",
                            row.name
                        ),
                    ));
                }
            }
        }
        let mut removed = BTreeSet::new();
        let mut added = BTreeSet::new();
        let group_name = change.input.name.trim();
        for user in remove {
            let Some(membership) = members.get(&user.0) else {
                continue;
            };
            if removed.len() + added.len() >= MAX_MEMBER_CHANGES {
                return Err(too_many_changes());
            }
            if removed.insert(user.0)
                && close_current(&mut tx, &op, Table::Memberships, *membership).await?
            {
                let who = format!("user {}", user.0);
                audit(&mut tx, &op, "membership.remove", &who, group_name).await?;
            }
        }
        for user in add {
            let still_member = members.contains_key(&user.0) && !removed.contains(&user.0);
            if still_member || added.contains(&user.0) {
                continue;
            }
            if removed.len() + added.len() >= MAX_MEMBER_CHANGES {
                return Err(too_many_changes());
            }
            let row = current_user(&mut tx, user).await.map_err(|_| {
                Error::invalid("members", format!("No user has the id {}.", user.0))
            })?;
            if row.primary_group_id == id.0 {
                continue;
            }
            added.insert(user.0);
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
