//! Group and membership writes (versioned): create, update, delete, recover, memberships.
use super::group_depth::{check_depth, height_of};
use super::identity::{
    audit, close_where, current_group, current_user, group_fields, group_name_taken,
    last_deleted_version, membership_fields, revive_ended_by, unique_to, GroupRow, GRANT_COLUMNS,
    GROUP_COLUMNS, MAIL_MEMBER_COLUMNS, MEMBERSHIP_COLUMNS,
};
use super::identity_reads::current_membership;
use super::locks::{take, Lock};
use super::temporal::{
    check_name, close_current, insert_version, is_current, new_object, replace_version, time,
    Author, Op, Table,
};
use super::text::{check_group_texts, check_texts, MAX_TEXT_CHARS};
use super::{Error, Result, Store};
use crate::model::*;
use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

/// Walks up from `start` through current parents; returns the chain of names if `target` is
/// reached (the move would make a cycle).
async fn cycle_path(
    conn: &mut AnyConnection,
    target: i64,
    start: i64,
) -> Result<Option<Vec<String>>> {
    let mut path = Vec::new();
    let mut at = Some(start);
    let mut steps = 0;
    while let Some(id) = at {
        let row = current_group(conn, GroupId(id)).await?;
        path.push(row.name.clone());
        if id == target {
            return Ok(Some(path));
        }
        at = row.parent_id;
        steps += 1;
        if steps > 10_000 {
            return Err(Error::Internal("group tree deeper than 10000".into()));
        }
    }
    Ok(None)
}

/// Creates a group inside the caller's transaction and operation.
pub(crate) async fn create_group_in(
    conn: &mut AnyConnection,
    op: &Op,
    input: &GroupInput,
) -> Result<GroupId> {
    let mut input = input.clone();
    input.name = check_name("name", "The group name", &input.name)?;
    check_group_texts(&input)?;
    if let Some(parent) = input.parent {
        if !is_current(conn, Table::Groups, parent.0).await? {
            return Err(Error::invalid("parent", "Choose an existing parent group."));
        }
        check_depth(conn, parent.0, 1, &input.name).await?;
    }
    let id = new_object(conn, Table::Groups).await?;
    insert_version(conn, op, Table::Groups, id, &group_fields(&input))
        .await
        .map_err(unique_to(group_name_taken(&input.name)))?;
    audit(conn, op, "group.create", &input.name, "").await?;
    Ok(GroupId(id))
}

/// Updates a group inside the caller's transaction and operation; false when the input
/// changes nothing (then nothing is written).
pub(crate) async fn update_group_in(
    conn: &mut AnyConnection,
    op: &Op,
    id: GroupId,
    input: &GroupInput,
) -> Result<bool> {
    let before = current_group(conn, id).await?;
    let mut input = input.clone();
    input.name = check_name("name", "The group name", &input.name)?;
    check_group_texts(&input)?;
    if before.input() == input {
        return Ok(false);
    }
    if let Some(parent) = input.parent.filter(|p| before.parent_id != Some(p.0)) {
        if !is_current(conn, Table::Groups, parent.0).await? {
            return Err(Error::invalid("parent", "Choose an existing parent group."));
        }
        // Concurrent moves must not each pass the checks against the tree before the other.
        super::locks::take(conn, super::locks::Lock::GroupTree).await?;
        if let Some(mut path) = cycle_path(conn, id.0, parent.0).await? {
            path.reverse();
            path.push(input.name.clone());
            return Err(Error::invalid(
                "parent",
                format!(
                    "Moving {:?} under {:?} would make a cycle: {}.",
                    before.name,
                    path.get(1).cloned().unwrap_or_default(),
                    path.join(" → ")
                ),
            ));
        }
        let height = height_of(conn, id.0).await?;
        check_depth(conn, parent.0, height, &input.name).await?;
    }
    replace_version(conn, op, Table::Groups, id.0, &group_fields(&input))
        .await
        .map_err(unique_to(group_name_taken(&input.name)))?;
    audit(conn, op, "group.update", &input.name, "").await?;
    if before.name != input.name {
        let users = super::snapshots::users_of_group(conn, id.0).await?;
        let renamed = super::snapshot_patch::StatePatch::GroupRenamed {
            group: id.0,
            name: &input.name,
        };
        super::snapshot_patch::capture_patched(conn, op, &users, &renamed).await?;
    }
    Ok(true)
}

impl Store {
    pub async fn create_group(&self, actor: &Author, input: &GroupInput) -> Result<GroupId> {
        let mut tx = self.begin_identity_write().await?;
        let name = check_name("name", "The group name", &input.name)?;
        let op = super::temporal::begin_op(&mut tx, actor, "group.create", &name).await?;
        let id = create_group_in(&mut tx, &op, input).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Updates a group; a new parent that lies below the group is refused, naming the cycle.
    pub async fn update_group(
        &self,
        actor: &Author,
        id: GroupId,
        input: &GroupInput,
    ) -> Result<()> {
        let mut tx = self.begin_identity_write().await?;
        let name = check_name("name", "The group name", &input.name)?;
        let op = super::temporal::begin_op(&mut tx, actor, "group.update", &name).await?;
        // Nothing to change: the transaction (and its operation) rolls back.
        if update_group_in(&mut tx, &op, id, input).await? {
            tx.commit().await?;
        }
        Ok(())
    }

    /// Deletes a group without subgroups that is nobody's primary group; its memberships and
    /// grants end with it.
    pub async fn delete_group(&self, actor: &Author, id: GroupId) -> Result<()> {
        self.delete_group_expecting(actor, id, None).await
    }

    /// `delete_group`, refused when `expected` (a provisioning client's `If-Match`) is not the
    /// group's version (`group_version`), checked in the delete's own transaction.
    pub async fn delete_group_expecting(
        &self,
        actor: &Author,
        id: GroupId,
        expected: Option<i64>,
    ) -> Result<()> {
        let mut tx = self.begin_identity_write().await?;
        take(&mut tx, Lock::Group(id.0)).await?;
        let row = current_group(&mut tx, id).await?;
        if let Some(expected) = expected {
            if super::provisioning::group_version_in(&mut tx, id, i64::MAX).await? != expected {
                return Err(Error::Conflict(super::provisioning::VERSION_CHANGED.into()));
            }
        }
        let (children,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM groups WHERE parent_id = $1 AND valid_to IS NULL")
                .bind(id.0)
                .fetch_one(&mut *tx)
                .await?;
        if children > 0 {
            return Err(Error::Conflict(format!(
                "{:?} has {children} subgroup(s); move or delete them first.",
                row.name
            )));
        }
        let (primary,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM users WHERE primary_group_id = $1 AND valid_to IS NULL",
        )
        .bind(id.0)
        .fetch_one(&mut *tx)
        .await?;
        if primary > 0 {
            return Err(Error::Conflict(format!(
                "{:?} is the primary group of {primary} user(s); change it first.",
                row.name
            )));
        }
        let op = super::temporal::begin_op(&mut tx, actor, "group.delete", &row.name).await?;
        let users = super::snapshots::users_of_group(&mut tx, id.0).await?;
        close_current(&mut tx, &op, Table::Groups, id.0).await?;
        close_where(&mut tx, &op, Table::Memberships, "group_id = $1", id.0).await?;
        close_where(
            &mut tx,
            &op,
            Table::Grants,
            "grantee_kind = 'group' AND grantee_id = $1",
            id.0,
        )
        .await?;
        close_where(
            &mut tx,
            &op,
            Table::MailListMembers,
            "member_kind = 'group' AND member_id = $1",
            id.0,
        )
        .await?;
        super::access::close_entries_of(&mut tx, &op, AssigneeKind::Group, id.0).await?;
        audit(&mut tx, &op, "group.delete", &row.name, "").await?;
        super::snapshots::capture(&mut tx, &op, &users).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Brings a deleted group back with its last attributes, memberships and grants.
    pub async fn recover_group(&self, actor: &Author, id: GroupId) -> Result<()> {
        let mut tx = self.begin_identity_write().await?;
        take(&mut tx, Lock::Group(id.0)).await?;
        let (row, deleted_by): (GroupRow, i64) =
            last_deleted_version(&mut tx, GROUP_COLUMNS, Table::Groups, "g", id.0).await?;
        if let Some(parent) = row.parent_id {
            if !is_current(&mut tx, Table::Groups, parent).await? {
                return Err(Error::Conflict(format!(
                    "The parent group of {:?} was deleted; recover it first.",
                    row.name
                )));
            }
            // A deleted group had no subgroups: it spans one level.
            check_depth(&mut tx, parent, 1, &row.name).await?;
        }
        let op = super::temporal::begin_op(&mut tx, actor, "group.recover", &row.name).await?;
        insert_version(
            &mut tx,
            &op,
            Table::Groups,
            id.0,
            &group_fields(&row.input()),
        )
        .await
        .map_err(unique_to(group_name_taken(&row.name)))?;
        revive_ended_by(
            &mut tx,
            &op,
            Table::Memberships,
            &MEMBERSHIP_COLUMNS,
            "group_id = $id AND user_id IN (SELECT object_id FROM users WHERE valid_to IS NULL)",
            id.0,
            deleted_by,
        )
        .await?;
        revive_ended_by(&mut tx, &op, Table::Grants, &GRANT_COLUMNS,
            "grantee_kind = 'group' AND grantee_id = $id AND role_id IN (SELECT object_id FROM roles WHERE valid_to IS NULL)", id.0, deleted_by).await?;
        revive_ended_by(&mut tx, &op, Table::MailListMembers, &MAIL_MEMBER_COLUMNS,
            "member_kind = 'group' AND member_id = $id AND list_id IN (SELECT object_id FROM mail_lists WHERE valid_to IS NULL)", id.0, deleted_by).await?;
        super::access::revive_entries_of(&mut tx, &op, AssigneeKind::Group, id.0, deleted_by)
            .await?;
        audit(&mut tx, &op, "group.recover", &row.name, "").await?;
        let users = super::snapshots::users_of_group(&mut tx, id.0).await?;
        super::snapshots::capture(&mut tx, &op, &users).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn add_membership(
        &self,
        actor: &Author,
        input: &MembershipInput,
    ) -> Result<MembershipId> {
        check_texts(&[("comments", &input.comments, MAX_TEXT_CHARS)])?;
        let mut tx = self.begin_identity_write().await?;
        take(&mut tx, Lock::Group(input.group.0)).await?;
        let user = current_user(&mut tx, input.user).await?;
        let group = current_group(&mut tx, input.group).await?;
        let op = super::temporal::begin_op(&mut tx, actor, "membership.add", &user.name).await?;
        let id = new_object(&mut tx, Table::Memberships).await?;
        insert_version(
            &mut tx,
            &op,
            Table::Memberships,
            id,
            &membership_fields(input),
        )
        .await
        .map_err(unique_to(format!(
            "{:?} is already a member of {:?}.",
            user.name, group.name
        )))?;
        audit(&mut tx, &op, "membership.add", &user.name, &group.name).await?;
        super::snapshots::capture(&mut tx, &op, &[user.object_id]).await?;
        tx.commit().await?;
        Ok(MembershipId(id))
    }

    /// Changes the dates or comments of a membership (user and group stay).
    pub async fn update_membership(
        &self,
        actor: &Author,
        id: MembershipId,
        start_date: Option<DateTime<Utc>>,
        end_date: Option<DateTime<Utc>>,
        comments: &str,
    ) -> Result<()> {
        check_texts(&[("comments", comments, MAX_TEXT_CHARS)])?;
        let mut tx = self.begin_identity_write().await?;
        // A membership's group never changes: the lock taken after this read is its group's.
        let row = current_membership(&mut tx, id).await?;
        take(&mut tx, Lock::Group(row.group_id)).await?;
        let row = current_membership(&mut tx, id).await?;
        let op = super::temporal::begin_op(&mut tx, actor, "membership.update", "").await?;
        let input = MembershipInput {
            user: UserId(row.user_id),
            group: GroupId(row.group_id),
            start_date,
            end_date,
            comments: comments.to_string(),
        };
        replace_version(
            &mut tx,
            &op,
            Table::Memberships,
            id.0,
            &membership_fields(&input),
        )
        .await?;
        audit(
            &mut tx,
            &op,
            "membership.update",
            &format!("membership {}", id.0),
            "",
        )
        .await?;
        super::snapshots::capture(&mut tx, &op, &[row.user_id]).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets the end date of a membership (it stays on record with that end date).
    pub async fn end_membership(
        &self,
        actor: &Author,
        id: MembershipId,
        end_date: DateTime<Utc>,
    ) -> Result<()> {
        let row = {
            let mut conn = self.pool.acquire().await?;
            current_membership(&mut conn, id).await?
        };
        self.update_membership(
            actor,
            id,
            time(row.start_date),
            Some(end_date),
            &row.comments,
        )
        .await
    }

    /// Removes a membership (its last version closes; history keeps it).
    pub async fn remove_membership(&self, actor: &Author, id: MembershipId) -> Result<()> {
        let mut tx = self.begin_identity_write().await?;
        let row = current_membership(&mut tx, id).await?;
        take(&mut tx, Lock::Group(row.group_id)).await?;
        let row = current_membership(&mut tx, id).await?;
        let op = super::temporal::begin_op(&mut tx, actor, "membership.remove", "").await?;
        close_current(&mut tx, &op, Table::Memberships, id.0).await?;
        audit(
            &mut tx,
            &op,
            "membership.remove",
            &format!("membership {}", id.0),
            "",
        )
        .await?;
        super::snapshots::capture(&mut tx, &op, &[row.user_id]).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The current membership of a user in a group, if any.
    pub async fn find_membership(
        &self,
        user: UserId,
        group: GroupId,
    ) -> Result<Option<MembershipId>> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT object_id FROM memberships WHERE user_id = $1 AND group_id = $2 AND valid_to IS NULL",
        )
        .bind(user.0)
        .bind(group.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(id,)| MembershipId(id)))
    }
}
