//! Users, groups and memberships: writes (versioned) and as-of reads.
use super::audit::{record_in, AuditRecord};
use super::group_depth::{check_depth, height_of};
use super::temporal::{
    attributes_json, check_attributes, check_name, close_current, conflict_on_unique,
    insert_version, instant, is_current, live, live_at, micros, name_key, new_object,
    parse_attributes, replace_version, time, Author, Op, Table, Val,
};
use super::text::{check_group_texts, check_texts, check_user_texts, MAX_TEXT_CHARS};
use super::{to_time, Backend, Error, Result, Store};
use crate::model::*;
use chrono::{DateTime, Utc};
use sqlx::{Any, AnyConnection};
use std::collections::{HashMap, HashSet};

#[derive(sqlx::FromRow, Clone)]
pub(crate) struct UserRow {
    pub object_id: i64,
    pub valid_from: i64,
    pub changed_by: String,
    pub name: String,
    pub first_name: String,
    pub middle_name: String,
    pub last_name: String,
    pub user_type: String,
    pub primary_group_id: i64,
    pub home_server: String,
    pub profile_server: String,
    pub mail_server: String,
    pub email: String,
    pub mail_aliases: String,
    pub enabled: i64,
    pub multi_session: i64,
    pub comments: String,
    pub attributes: String,
}

/// What the users list's advanced query can ask about.
pub(crate) const USER_ATTRIBUTES: &[super::filter::Attribute] = {
    use super::filter::{Attribute, Kind};
    &[
        Attribute {
            name: "userName",
            sql: "u.name",
            kind: Kind::Text,
        },
        Attribute {
            name: "firstName",
            sql: "u.first_name",
            kind: Kind::Text,
        },
        Attribute {
            name: "middleName",
            sql: "u.middle_name",
            kind: Kind::Text,
        },
        Attribute {
            name: "lastName",
            sql: "u.last_name",
            kind: Kind::Text,
        },
        Attribute {
            name: "fullName",
            sql: "(u.first_name || ' ' || u.last_name)",
            kind: Kind::Text,
        },
        Attribute {
            name: "email",
            sql: "u.email",
            kind: Kind::Text,
        },
        Attribute {
            name: "userType",
            sql: "u.user_type",
            kind: Kind::Text,
        },
        Attribute {
            name: "primaryGroup",
            sql: "(SELECT g.name FROM groups g WHERE g.object_id = u.primary_group_id \
                  AND g.valid_to IS NULL)",
            kind: Kind::Text,
        },
        Attribute {
            name: "mailServer",
            sql: "u.mail_server",
            kind: Kind::Text,
        },
        Attribute {
            name: "homeServer",
            sql: "u.home_server",
            kind: Kind::Text,
        },
        Attribute {
            name: "comments",
            sql: "u.comments",
            kind: Kind::Text,
        },
        Attribute {
            name: "enabled",
            sql: "u.enabled",
            kind: Kind::Flag,
        },
        Attribute {
            name: "multiSession",
            sql: "u.multi_session",
            kind: Kind::Flag,
        },
        Attribute {
            name: "modified",
            sql: "u.valid_from",
            kind: Kind::Time,
        },
        Attribute {
            name: "modifiedBy",
            sql: "u.changed_by",
            kind: Kind::Text,
        },
    ]
};

/// A secondary membership as group member lists read it: id, user, start, end, comments.
type SecondaryMembershipRow = (i64, i64, Option<i64>, Option<i64>, String);

pub(crate) const USER_COLUMNS: &str = "u.object_id, u.valid_from, u.changed_by, u.name, u.first_name, u.middle_name, u.last_name, u.user_type, \
    u.primary_group_id, u.home_server, u.profile_server, u.mail_server, u.email, \
    u.mail_aliases, u.enabled, u.multi_session, u.comments, u.attributes";

impl UserRow {
    pub fn input(&self) -> UserInput {
        UserInput {
            name: self.name.clone(),
            first_name: self.first_name.clone(),
            middle_name: self.middle_name.clone(),
            last_name: self.last_name.clone(),
            user_type: self.user_type.clone(),
            primary_group: GroupId(self.primary_group_id),
            home_server: self.home_server.clone(),
            profile_server: self.profile_server.clone(),
            mail_server: self.mail_server.clone(),
            email: self.email.clone(),
            mail_aliases: self.mail_aliases.clone(),
            enabled: self.enabled != 0,
            multi_session: self.multi_session != 0,
            comments: self.comments.clone(),
            custom: parse_attributes(&self.attributes),
        }
    }
}

#[derive(sqlx::FromRow, Clone)]
pub(crate) struct GroupRow {
    pub object_id: i64,
    pub valid_from: i64,
    pub changed_by: String,
    pub name: String,
    pub description: String,
    pub parent_id: Option<i64>,
    pub group_type: String,
    pub drive_letter: String,
    pub drive_server: String,
    pub disabled: i64,
    pub active_since: Option<i64>,
    pub active_until: Option<i64>,
}

pub(crate) const GROUP_COLUMNS: &str = "g.object_id, g.valid_from, g.changed_by, \
    g.name, g.description, g.parent_id, g.group_type, g.drive_letter, g.drive_server, \
    g.disabled, g.active_since, g.active_until";

impl GroupRow {
    pub fn input(&self) -> GroupInput {
        GroupInput {
            name: self.name.clone(),
            description: self.description.clone(),
            parent: self.parent_id.map(GroupId),
            group_type: self.group_type.clone(),
            drive_letter: self.drive_letter.clone(),
            drive_server: self.drive_server.clone(),
            disabled: self.disabled != 0,
            active_since: time(self.active_since),
            active_until: time(self.active_until),
        }
    }

    fn group(&self) -> Group {
        Group {
            id: GroupId(self.object_id),
            input: self.input(),
            modified: Stamp {
                at: to_time(self.valid_from),
                by: self.changed_by.clone(),
            },
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MembershipRow {
    pub user_id: i64,
    pub group_id: i64,
    pub start_date: Option<i64>,
    pub comments: String,
}

pub(crate) fn user_fields(input: &UserInput) -> Vec<(&'static str, Val)> {
    vec![
        ("name", input.name.trim().into()),
        ("name_key", name_key(&input.name).into()),
        ("first_name", input.first_name.trim().into()),
        ("middle_name", input.middle_name.trim().into()),
        ("last_name", input.last_name.trim().into()),
        ("user_type", input.user_type.trim().into()),
        ("primary_group_id", input.primary_group.0.into()),
        ("home_server", (&input.home_server).into()),
        ("profile_server", (&input.profile_server).into()),
        ("mail_server", (&input.mail_server).into()),
        ("email", input.email.trim().into()),
        ("mail_aliases", (&input.mail_aliases).into()),
        ("enabled", input.enabled.into()),
        ("multi_session", input.multi_session.into()),
        ("comments", (&input.comments).into()),
        ("attributes", attributes_json(&input.custom).into()),
    ]
}

pub(crate) fn group_fields(input: &GroupInput) -> Vec<(&'static str, Val)> {
    vec![
        ("name", input.name.trim().into()),
        ("name_key", name_key(&input.name).into()),
        ("description", (&input.description).into()),
        ("parent_id", input.parent.map(|g| g.0).into()),
        ("group_type", input.group_type.trim().into()),
        ("drive_letter", input.drive_letter.trim().into()),
        ("drive_server", input.drive_server.trim().into()),
        ("disabled", input.disabled.into()),
        ("active_since", micros(input.active_since).into()),
        ("active_until", micros(input.active_until).into()),
    ]
}

pub(crate) fn membership_fields(input: &MembershipInput) -> Vec<(&'static str, Val)> {
    vec![
        ("user_id", input.user.0.into()),
        ("group_id", input.group.0.into()),
        ("start_date", micros(input.start_date).into()),
        ("end_date", micros(input.end_date).into()),
        ("comments", (&input.comments).into()),
    ]
}

pub(crate) async fn normalise_user(
    conn: &mut AnyConnection,
    input: &UserInput,
) -> Result<UserInput> {
    let mut input = input.clone();
    input.name = check_name("name", "The user name", &input.name)?;
    check_user_texts(&input)?;
    input.custom = check_attributes("custom", &input.custom)?;
    if !is_current(conn, Table::Groups, input.primary_group.0).await? {
        return Err(Error::invalid(
            "primary_group",
            "Choose an existing primary group.",
        ));
    }
    Ok(input)
}

fn user_name_taken(name: &str) -> String {
    format!(
        "A user named {:?} already exists (names ignore case).",
        name.trim()
    )
}

fn group_name_taken(name: &str) -> String {
    format!("A group named {:?} already exists.", name.trim())
}

pub(crate) async fn audit(
    conn: &mut AnyConnection,
    op: &Op,
    action: &str,
    target: &str,
    details: &str,
) -> Result<()> {
    record_in(
        conn,
        &AuditRecord {
            operator_id: op.operator_id,
            operator_name: &op.by,
            action,
            target,
            outcome: "ok",
            details,
        },
    )
    .await
}

pub(crate) async fn user_row_at(
    conn: &mut AnyConnection,
    user: i64,
    t: i64,
) -> Result<Option<UserRow>> {
    Ok(sqlx::query_as::<Any, UserRow>(&format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.object_id = $1 AND {}",
        live("u", 2)
    ))
    .bind(user)
    .bind(t)
    .fetch_optional(conn)
    .await?)
}

pub(crate) async fn current_user(conn: &mut AnyConnection, user: UserId) -> Result<UserRow> {
    user_row_at(conn, user.0, i64::MAX)
        .await?
        .ok_or_else(|| Error::NotFound(format!("user {}", user.0)))
}

pub(crate) async fn group_row_at(
    conn: &mut AnyConnection,
    group: i64,
    t: i64,
) -> Result<Option<GroupRow>> {
    Ok(sqlx::query_as::<Any, GroupRow>(&format!(
        "SELECT {GROUP_COLUMNS} FROM groups g WHERE g.object_id = $1 AND {}",
        live("g", 2)
    ))
    .bind(group)
    .bind(t)
    .fetch_optional(conn)
    .await?)
}

pub(crate) async fn current_group(conn: &mut AnyConnection, group: GroupId) -> Result<GroupRow> {
    group_row_at(conn, group.0, i64::MAX)
        .await?
        .ok_or_else(|| Error::NotFound(format!("group {}", group.0)))
}

/// The last version of an object that has no current one (for recovery).
async fn last_deleted_version<R>(
    conn: &mut AnyConnection,
    sql_columns: &str,
    table: Table,
    alias: &str,
    id: i64,
) -> Result<(R, i64)>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    if is_current(conn, table, id).await? {
        return Err(Error::Conflict(format!(
            "{} {id} is not deleted.",
            table.name()
        )));
    }
    let row: Option<R> = sqlx::query_as::<Any, R>(&format!(
        "SELECT {sql_columns} FROM {} {alias} WHERE {alias}.object_id = $1 \
         ORDER BY {alias}.version_id DESC LIMIT 1",
        table.name()
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let row = row.ok_or_else(|| Error::NotFound(format!("{} {id}", table.name())))?;
    let (ended,): (Option<i64>,) = sqlx::query_as(&format!(
        "SELECT ended_operation_id FROM {} WHERE object_id = $1 ORDER BY version_id DESC LIMIT 1",
        table.name()
    ))
    .bind(id)
    .fetch_one(conn)
    .await?;
    Ok((row, ended.unwrap_or(0)))
}

/// Closes the current rows of `table` matching `condition` (bound to `id`) and returns
/// their object ids: the dependants of a deleted object end with it, in the same operation.
pub(crate) async fn close_where(
    conn: &mut AnyConnection,
    op: &Op,
    table: Table,
    condition: &str,
    id: i64,
) -> Result<Vec<i64>> {
    let ids: Vec<(i64,)> = sqlx::query_as(&format!(
        "SELECT object_id FROM {} WHERE valid_to IS NULL AND {condition}",
        table.name()
    ))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    for (object,) in &ids {
        close_current(conn, op, table, *object).await?;
    }
    Ok(ids.into_iter().map(|(id,)| id).collect())
}

/// Re-creates, as new current versions, the rows of `table` that operation `ended_op`
/// closed and that match `condition` (bound to `id`); `keep` decides per row (e.g. only when
/// the group still exists). Returns the re-created object ids.
pub(crate) async fn revive_ended_by(
    conn: &mut AnyConnection,
    op: &Op,
    table: Table,
    columns: &[&'static str],
    condition: &str,
    id: i64,
    ended_op: i64,
) -> Result<Vec<i64>> {
    let sql = format!(
        "SELECT object_id, version_id FROM {} WHERE ended_operation_id = $1 AND {condition}",
        table.name()
    )
    .replace("$id", "$2");
    let rows: Vec<(i64, i64)> = sqlx::query_as(&sql)
        .bind(ended_op)
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    let mut revived = Vec::new();
    for (object, version) in rows {
        if is_current(conn, table, object).await? {
            continue;
        }
        copy_version(conn, op, table, columns, object, version).await?;
        revived.push(object);
    }
    Ok(revived)
}

/// Inserts a new current version of `object` with the business columns of `version`.
pub(crate) async fn copy_version(
    conn: &mut AnyConnection,
    op: &Op,
    table: Table,
    columns: &[&'static str],
    object: i64,
    version: i64,
) -> Result<()> {
    let list = columns.join(", ");
    sqlx::query(&format!(
        "INSERT INTO {t} (object_id, valid_from, changed_by, operation_id, {list}) \
         SELECT object_id, $1, $2, $3, {list} FROM {t} WHERE version_id = $4",
        t = table.name()
    ))
    .bind(op.at)
    .bind(&op.by)
    .bind(op.id)
    .bind(version)
    .execute(conn)
    .await
    .map_err(conflict_on_unique(format!(
        "{} {object} cannot come back: another current record now takes its place.",
        table.name()
    )))?;
    Ok(())
}

pub(crate) const MEMBERSHIP_COLUMNS: [&str; 5] =
    ["user_id", "group_id", "start_date", "end_date", "comments"];
pub(crate) const GRANT_COLUMNS: [&str; 6] = [
    "role_id",
    "grantee_kind",
    "grantee_id",
    "scope",
    "start_date",
    "end_date",
];
pub(crate) const OWNER_COLUMNS: [&str; 3] = ["account_id", "user_id", "level"];
pub(crate) const MAIL_MEMBER_COLUMNS: [&str; 4] =
    ["list_id", "member_kind", "member_id", "address"];

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

/// Ends a user and everything that hangs off it (it all stays in the history).
async fn close_user(conn: &mut AnyConnection, op: &Op, id: UserId) -> Result<()> {
    close_current(conn, op, Table::Users, id.0).await?;
    close_where(conn, op, Table::Memberships, "user_id = $1", id.0).await?;
    close_where(
        conn,
        op,
        Table::Grants,
        "grantee_kind = 'user' AND grantee_id = $1",
        id.0,
    )
    .await?;
    close_where(conn, op, Table::AccountOwners, "user_id = $1", id.0).await?;
    close_where(
        conn,
        op,
        Table::MailListMembers,
        "member_kind = 'user' AND member_id = $1",
        id.0,
    )
    .await?;
    super::snapshots::close_newest(conn, op, id.0).await
}

/// Creates a user inside the caller's transaction and operation (`input` as
/// `normalise_user` returns it).
pub(crate) async fn create_user_in(
    conn: &mut AnyConnection,
    op: &Op,
    input: &UserInput,
) -> Result<UserId> {
    let id = new_object(conn, Table::Users).await?;
    insert_version(conn, op, Table::Users, id, &user_fields(input))
        .await
        .map_err(unique_to(user_name_taken(&input.name)))?;
    audit(conn, op, "user.create", &input.name, "").await?;
    super::snapshots::capture(conn, op, &[id]).await?;
    Ok(UserId(id))
}

/// Writes a new version of a user inside the caller's transaction and operation (`input` as
/// `normalise_user` returns it).
pub(crate) async fn update_user_in(
    conn: &mut AnyConnection,
    op: &Op,
    id: UserId,
    input: &UserInput,
    capture: bool,
) -> Result<()> {
    // Edits of the same user wait for each other (PostgreSQL) instead of one failing.
    super::locks::take(conn, super::locks::Lock::User(id.0)).await?;
    let before = current_user(conn, id).await?;
    replace_version(conn, op, Table::Users, id.0, &user_fields(input))
        .await
        .map_err(unique_to(user_name_taken(&input.name)))?;
    let details = if before.name != input.name {
        format!("renamed from {:?}", before.name)
    } else {
        String::new()
    };
    audit(conn, op, "user.update", &input.name, &details).await?;
    if capture {
        super::snapshots::capture_attributes(conn, op, id.0).await?;
    }
    Ok(())
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
        super::snapshots::capture(conn, op, &users).await?;
    }
    Ok(true)
}

impl Store {
    pub async fn create_user(&self, actor: &Author, input: &UserInput) -> Result<UserId> {
        let mut tx = self.begin_identity_write().await?;
        let input = normalise_user(&mut tx, input).await?;
        let op = super::temporal::begin_op(&mut tx, actor, "user.create", &input.name).await?;
        let id = create_user_in(&mut tx, &op, &input).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn update_user(&self, actor: &Author, id: UserId, input: &UserInput) -> Result<()> {
        self.update_user_with(actor, id, input, true).await
    }

    /// `update_user` without the snapshot capture: only for measuring what capture costs
    /// (`server bench`); the console never writes a user change without its snapshot.
    pub async fn update_user_without_snapshot(
        &self,
        actor: &Author,
        id: UserId,
        input: &UserInput,
    ) -> Result<()> {
        self.update_user_with(actor, id, input, false).await
    }

    async fn update_user_with(
        &self,
        actor: &Author,
        id: UserId,
        input: &UserInput,
        snapshot: bool,
    ) -> Result<()> {
        let mut tx = self.begin_identity_write().await?;
        let before = current_user(&mut tx, id).await?;
        let input = normalise_user(&mut tx, input).await?;
        if before.input() == input {
            return Ok(());
        }
        let op = super::temporal::begin_op(&mut tx, actor, "user.update", &input.name).await?;
        update_user_in(&mut tx, &op, id, &input, snapshot).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a user: its version closes, and so do its memberships, direct grants, account
    /// ownerships and mail-list memberships, all in one operation so recovery can find them.
    pub async fn delete_user(&self, actor: &Author, id: UserId) -> Result<()> {
        self.delete_users(actor, &[id]).await.map(|_| ())
    }

    /// Deletes several users as one operation: all of them or, on any error, none. Returns
    /// their names in the order given.
    pub async fn delete_users(&self, actor: &Author, ids: &[UserId]) -> Result<Vec<String>> {
        if ids.is_empty() {
            return Err(Error::invalid(
                "users",
                "Choose at least one user to delete.",
            ));
        }
        let mut tx = self.begin_identity_write().await?;
        let mut names = Vec::with_capacity(ids.len());
        for id in ids {
            names.push(current_user(&mut tx, *id).await?.name);
        }
        let op =
            super::temporal::begin_op(&mut tx, actor, "user.delete", &names.join(", ")).await?;
        for (id, name) in ids.iter().zip(&names) {
            close_user(&mut tx, &op, *id).await?;
            audit(&mut tx, &op, "user.delete", name, "").await?;
        }
        tx.commit().await?;
        Ok(names)
    }

    /// Brings a deleted user back with its last attributes and the memberships, grants,
    /// account ownerships and mail lists that its deletion ended (where those still exist).
    pub async fn recover_user(&self, actor: &Author, id: UserId) -> Result<()> {
        let mut tx = self.begin_identity_write().await?;
        let (row, deleted_by): (UserRow, i64) =
            last_deleted_version(&mut tx, USER_COLUMNS, Table::Users, "u", id.0).await?;
        if !is_current(&mut tx, Table::Groups, row.primary_group_id).await? {
            return Err(Error::Conflict(format!(
                "The primary group of {:?} was deleted; recover the group first.",
                row.name
            )));
        }
        let op = super::temporal::begin_op(&mut tx, actor, "user.recover", &row.name).await?;
        insert_version(&mut tx, &op, Table::Users, id.0, &user_fields(&row.input()))
            .await
            .map_err(unique_to(user_name_taken(&row.name)))?;
        revive_ended_by(
            &mut tx,
            &op,
            Table::Memberships,
            &MEMBERSHIP_COLUMNS,
            "user_id = $id AND group_id IN (SELECT object_id FROM groups WHERE valid_to IS NULL)",
            id.0,
            deleted_by,
        )
        .await?;
        revive_ended_by(&mut tx, &op, Table::Grants, &GRANT_COLUMNS,
            "grantee_kind = 'user' AND grantee_id = $id AND role_id IN (SELECT object_id FROM roles WHERE valid_to IS NULL)", id.0, deleted_by).await?;
        revive_ended_by(&mut tx, &op, Table::AccountOwners, &OWNER_COLUMNS,
            "user_id = $id AND account_id IN (SELECT object_id FROM accounts WHERE valid_to IS NULL)", id.0, deleted_by).await?;
        revive_ended_by(&mut tx, &op, Table::MailListMembers, &MAIL_MEMBER_COLUMNS,
            "member_kind = 'user' AND member_id = $id AND list_id IN (SELECT object_id FROM mail_lists WHERE valid_to IS NULL)", id.0, deleted_by).await?;
        audit(&mut tx, &op, "user.recover", &row.name, "").await?;
        super::snapshots::capture(&mut tx, &op, &[id.0]).await?;
        tx.commit().await?;
        Ok(())
    }

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
        let mut tx = self.begin_identity_write().await?;
        let row = current_group(&mut tx, id).await?;
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
        audit(&mut tx, &op, "group.delete", &row.name, "").await?;
        super::snapshots::capture(&mut tx, &op, &users).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Brings a deleted group back with its last attributes, memberships and grants.
    pub async fn recover_group(&self, actor: &Author, id: GroupId) -> Result<()> {
        let mut tx = self.begin_identity_write().await?;
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

    /// One user with everything about them, as it was at `as_of` (now when None).
    pub async fn get_user(&self, id: UserId, as_of: Option<DateTime<Utc>>) -> Result<UserDetail> {
        let mut conn = self.pool.acquire().await?;
        let t = instant(as_of);
        let row = user_row_at(&mut conn, id.0, t).await?.ok_or_else(|| {
            Error::NotFound(match as_of {
                Some(at) => format!("user {} at {at}", id.0),
                None => format!("user {}", id.0),
            })
        })?;
        let state = load_state(&mut conn, id.0, t, true)
            .await?
            .ok_or_else(|| Error::NotFound(format!("user {}", id.0)))?;
        let (created_at, created_by): (i64, String) = sqlx::query_as(
            "SELECT valid_from, changed_by FROM users WHERE object_id = $1 ORDER BY version_id LIMIT 1",
        )
        .bind(id.0)
        .fetch_one(&mut *conn)
        .await?;
        Ok(UserDetail {
            full_name: state.attributes.full_name(),
            state,
            created: Stamp {
                at: to_time(created_at),
                by: created_by,
            },
            modified: Stamp {
                at: to_time(row.valid_from),
                by: row.changed_by,
            },
            as_of,
        })
    }

    /// A page of users as of `query.as_of`, filtered and sorted in the database.
    pub async fn list_users(&self, query: &UserListQuery) -> Result<Page<UserSummary>> {
        let t = instant(query.as_of);
        let limit = if query.limit <= 0 {
            50
        } else {
            query.limit.min(500)
        };
        let offset = query.offset.max(0);
        let search = query.search.trim().to_lowercase();
        let pattern = format!("%{search}%");
        let mut filter = live_at("u", 1, t);
        // The full-text phrase for SQLite's search index ($3), when it applies.
        let mut phrase: Option<String> = None;
        // No search: no per-row matching, so the count comes from the index alone. $2 and $3
        // are named even when unused (as always-true terms): the placeholders after them are
        // numbered from 4.
        if search.is_empty() {
            filter.push_str(" AND $2 = '%%'");
        } else {
            // name_key is the lower-cased, trimmed name. On PostgreSQL the trigram index
            // users_search_current answers these LIKEs for the current users.
            filter.push_str(
                " AND (u.name_key LIKE $2 OR lower(u.first_name || ' ' || u.last_name) LIKE $2 \
                 OR lower(u.email) LIKE $2)",
            );
            // On SQLite the FTS5 trigram index of the current users (users_search) narrows
            // the rows first: a phrase query finds every row containing the term (a superset
            // of the exact match above). It needs three characters, holds no past versions,
            // and knows no LIKE wildcards, so other searches go without it.
            if self.backend == super::Backend::Sqlite
                && t == i64::MAX
                && search.chars().count() >= 3
                && !search.contains(['%', '_'])
            {
                phrase = Some(format!("\"{}\"", search.replace('"', "\"\"")));
                filter.push_str(
                    " AND u.version_id IN \
                     (SELECT rowid FROM users_search WHERE users_search MATCH $3)",
                );
            }
        }
        if phrase.is_none() {
            filter.push_str(" AND $3 = ''");
        }
        let phrase = phrase.unwrap_or_default();
        let advanced = super::filter::condition(&query.filter, USER_ATTRIBUTES, 4)?;
        if let Some(advanced) = &advanced {
            filter = format!("{filter} AND {}", advanced.sql);
        }
        let order = match query.sort {
            UserSort::Name => "u.name_key",
            UserSort::FullName => "lower(u.first_name || ' ' || u.last_name)",
            UserSort::Modified => "u.valid_from",
        };
        let direction = if query.descending { "DESC" } else { "ASC" };
        let mut conn = self.pool.acquire().await?;
        let binds = advanced.map(|a| a.binds).unwrap_or_default();
        let after = 4 + binds.len();
        let count_sql = format!("SELECT COUNT(*) FROM users u WHERE {filter}");
        let page_sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE {filter} \
             ORDER BY {order} {direction}, u.object_id {direction} LIMIT ${after} OFFSET ${}",
            after + 1
        );
        let (total,): (i64,) = super::filter::bind_all(
            sqlx::query_as(&count_sql)
                .bind(t)
                .bind(&pattern)
                .bind(&phrase),
            &binds,
        )
        .fetch_one(&mut *conn)
        .await?;
        let rows: Vec<UserRow> = super::filter::bind_all(
            sqlx::query_as(&page_sql)
                .bind(t)
                .bind(&pattern)
                .bind(&phrase),
            &binds,
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *conn)
        .await?;
        let mut group_names: HashMap<i64, String> = HashMap::new();
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            if let std::collections::hash_map::Entry::Vacant(slot) =
                group_names.entry(row.primary_group_id)
            {
                let name = group_row_at(&mut conn, row.primary_group_id, t)
                    .await?
                    .map(|g| g.name)
                    .unwrap_or_default();
                slot.insert(name);
            }
            let input = row.input();
            items.push(UserSummary {
                id: UserId(row.object_id),
                full_name: input.full_name(),
                name: row.name,
                email: row.email,
                primary_group: GroupId(row.primary_group_id),
                primary_group_name: group_names[&row.primary_group_id].clone(),
                user_type: row.user_type.clone(),
                enabled: row.enabled != 0,
                modified: Stamp {
                    at: to_time(row.valid_from),
                    by: row.changed_by,
                },
            });
        }
        Ok(Page {
            items,
            total,
            offset,
            limit,
        })
    }

    pub async fn get_group(&self, id: GroupId, as_of: Option<DateTime<Utc>>) -> Result<Group> {
        let mut conn = self.pool.acquire().await?;
        group_row_at(&mut conn, id.0, instant(as_of))
            .await?
            .map(|row| row.group())
            .ok_or_else(|| Error::NotFound(format!("group {}", id.0)))
    }

    /// The whole group tree as it was at `as_of`: one query for the four columns the tree
    /// shows (a full `Group` per row costs most of the time with 10k groups), assembled in
    /// memory.
    pub async fn group_tree(&self, as_of: Option<DateTime<Utc>>) -> Result<Vec<GroupNode>> {
        let t = instant(as_of);
        let rows = self.group_tree_rows(t).await?;
        let present: HashSet<i64> = rows.iter().map(|r| r.0).collect();
        let mut children: HashMap<Option<i64>, Vec<(String, GroupNode)>> = HashMap::new();
        for (id, parent, name, disabled) in rows {
            // A parent missing at T (should not happen) shows its child as a root.
            let parent = parent.filter(|p| present.contains(p));
            // Cached key: lower-casing inside the comparison allocates n log n times.
            let key = name.to_lowercase();
            let node = GroupNode {
                id: GroupId(id),
                name,
                disabled: disabled != 0,
                children: Vec::new(),
            };
            children.entry(parent).or_default().push((key, node));
        }
        fn build(
            parent: Option<i64>,
            level: i64,
            children: &mut HashMap<Option<i64>, Vec<(String, GroupNode)>>,
        ) -> Vec<GroupNode> {
            let mut nodes = children.remove(&parent).unwrap_or_default();
            nodes.sort_unstable_by(|a, b| (&a.0, a.1.id).cmp(&(&b.0, b.1.id)));
            nodes
                .into_iter()
                .map(|(_, mut node)| {
                    // Writes keep the tree within the bound; data loaded from elsewhere may
                    // not be, and the recursion here and in every reader must stay bounded.
                    if level < MAX_GROUP_DEPTH {
                        node.children = build(Some(node.id.0), level + 1, children);
                    }
                    node
                })
                .collect()
        }
        let mut roots = build(None, 1, &mut children);
        // Groups deeper than the bound, or on a parent cycle (damaged data), are shown as roots
        // without subgroups rather than lost.
        let mut rest: Vec<(String, GroupNode)> = children.into_values().flatten().collect();
        rest.sort_unstable_by(|a, b| (&a.0, a.1.id).cmp(&(&b.0, b.1.id)));
        roots.extend(rest.into_iter().map(|(_, node)| node));
        Ok(roots)
    }

    /// (id, parent, name, disabled) of every group live at `t`. The database hands the rows
    /// over as four JSON arrays in one result row: the drivers' per-row cost (a few
    /// microseconds) was most of the tree's time with 10k groups. One aggregate pass fills
    /// the four arrays, so their elements line up. On SQLite a past instant goes through
    /// the validity R*Tree (migration 0052), re-checked exactly on `groups`.
    async fn group_tree_rows(&self, t: i64) -> Result<Vec<(i64, Option<i64>, String, i64)>> {
        let aggregate = match self.backend {
            Backend::Sqlite => "json_group_array",
            Backend::Postgres => "json_agg",
        };
        let source = match (self.backend, t == i64::MAX) {
            // CROSS JOIN fixes the order: with statistics the planner may otherwise scan
            // groups_tree_valid first and probe the R*Tree per row, ten times slower.
            (Backend::Sqlite, false) => format!(
                "groups_span s CROSS JOIN groups g \
                 WHERE g.version_id = s.version_id AND s.from_lo <= $1 AND s.to_hi > $1 AND {}",
                live("g", 1)
            ),
            _ => format!("groups g WHERE {}", live_at("g", 1, t)),
        };
        let (ids, parents, names, disabled): (String, String, String, String) =
            sqlx::query_as(&format!(
                "SELECT CAST(COALESCE({aggregate}(g.object_id), '[]') AS TEXT), \
                        CAST(COALESCE({aggregate}(g.parent_id), '[]') AS TEXT), \
                        CAST(COALESCE({aggregate}(g.name), '[]') AS TEXT), \
                        CAST(COALESCE({aggregate}(g.disabled), '[]') AS TEXT) \
                 FROM {source}"
            ))
            .bind(t)
            .fetch_one(&self.pool)
            .await?;
        fn parse<T: serde::de::DeserializeOwned>(json: &str) -> Result<Vec<T>> {
            serde_json::from_str(json).map_err(|e| Error::Internal(format!("group tree: {e}")))
        }
        let (ids, parents, names, disabled): (Vec<i64>, Vec<Option<i64>>, Vec<String>, Vec<i64>) = (
            parse(&ids)?,
            parse(&parents)?,
            parse(&names)?,
            parse(&disabled)?,
        );
        if [parents.len(), names.len(), disabled.len()] != [ids.len(); 3] {
            return Err(Error::Internal(
                "group tree: column arrays differ in length".into(),
            ));
        }
        Ok(ids
            .into_iter()
            .zip(parents)
            .zip(names.into_iter().zip(disabled))
            .map(|((id, parent), (name, disabled))| (id, parent, name, disabled))
            .collect())
    }

    /// Every group as it was at `as_of`, in no particular order (exports pair it with
    /// `group_tree` for the order).
    pub async fn list_groups(&self, as_of: Option<DateTime<Utc>>) -> Result<Vec<Group>> {
        let t = instant(as_of);
        let rows = sqlx::query_as::<Any, GroupRow>(&format!(
            "SELECT {GROUP_COLUMNS} FROM groups g WHERE {}",
            live_at("g", 1, t)
        ))
        .bind(t)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(GroupRow::group).collect())
    }

    /// The members of a group at `as_of`: users with it as primary group, then secondary
    /// memberships; sorted by user name.
    pub async fn group_members(
        &self,
        id: GroupId,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Vec<GroupMember>> {
        let t = instant(as_of);
        let mut conn = self.pool.acquire().await?;
        group_row_at(&mut conn, id.0, t)
            .await?
            .ok_or_else(|| Error::NotFound(format!("group {}", id.0)))?;
        let primary = sqlx::query_as::<Any, UserRow>(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.primary_group_id = $1 AND {}",
            live("u", 2)
        ))
        .bind(id.0)
        .bind(t)
        .fetch_all(&mut *conn)
        .await?;
        let mut members: Vec<GroupMember> = primary
            .into_iter()
            .map(|u| GroupMember {
                user: UserId(u.object_id),
                full_name: u.input().full_name(),
                user_name: u.name,
                kind: MemberKind::Primary,
                membership: None,
                start_date: None,
                end_date: None,
                comments: String::new(),
            })
            .collect();
        let secondary: Vec<SecondaryMembershipRow> = sqlx::query_as(&format!(
            "SELECT m.object_id, m.user_id, m.start_date, m.end_date, m.comments FROM memberships m \
             WHERE m.group_id = $1 AND {}",
            live("m", 2)
        ))
        .bind(id.0)
        .bind(t)
        .fetch_all(&mut *conn)
        .await?;
        for (membership, user, start, end, comments) in secondary {
            if let Some(u) = user_row_at(&mut conn, user, t).await? {
                members.push(GroupMember {
                    user: UserId(user),
                    full_name: u.input().full_name(),
                    user_name: u.name,
                    kind: MemberKind::Secondary,
                    membership: Some(MembershipId(membership)),
                    start_date: time(start),
                    end_date: time(end),
                    comments,
                });
            }
        }
        members.sort_by_key(|a| a.user_name.to_lowercase());
        Ok(members)
    }
}

pub(crate) async fn current_membership(
    conn: &mut AnyConnection,
    id: MembershipId,
) -> Result<MembershipRow> {
    sqlx::query_as::<Any, MembershipRow>(
        "SELECT user_id, group_id, start_date, comments FROM memberships \
         WHERE object_id = $1 AND valid_to IS NULL",
    )
    .bind(id.0)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| Error::NotFound(format!("membership {}", id.0)))
}

/// Maps a unique violation to a Conflict with `message`, passing other errors through.
pub(crate) fn unique_to(message: String) -> impl FnOnce(Error) -> Error {
    move |error| match error {
        Error::Database(sqlx::Error::Database(db)) if db.is_unique_violation() => {
            Error::Conflict(message)
        }
        other => other,
    }
}

#[derive(sqlx::FromRow, Clone)]
pub(crate) struct StateUserRow {
    #[sqlx(flatten)]
    user: UserRow,
    primary_group_name: String,
}

/// One row of a user's related state, read in one round trip (the snapshot capture runs
/// inside every change to a user): `part` says which list it belongs to and how the generic
/// columns read (see `load_state`).
#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct StatePartRow {
    part: String,
    a: i64,
    b: Option<i64>,
    c: Option<i64>,
    d: Option<i64>,
    t1: String,
    t2: Option<String>,
    t3: Option<String>,
    t4: Option<String>,
    t5: Option<String>,
    t6: Option<String>,
    t7: Option<String>,
    t8: Option<String>,
}

/// The complete state of a user at instant `t` (`i64::MAX` = now); None if it did not exist.
/// Grants are left out when `include_grants` is false (entitlements history off).
pub(crate) async fn load_state(
    conn: &mut AnyConnection,
    user: i64,
    t: i64,
    include_grants: bool,
) -> Result<Option<UserState>> {
    let Some(row) = sqlx::query_as::<Any, StateUserRow>(&state_user_sql(t, "", ""))
        .bind(user)
        .bind(t)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let parts =
        sqlx::query_as::<Any, StatePartRow>(&state_parts_sql(t, include_grants.then_some("")))
            .bind(user)
            .bind(t)
            .fetch_all(&mut *conn)
            .await?;
    Ok(Some(assemble_state(row, parts, include_grants)))
}

/// The user row of a state (`$1` = user, `$2` = instant `t`, unused for now): the user's
/// columns and its primary group's name, plus `extra_columns` from `extra_joins` (the
/// snapshot capture reads its bookkeeping in the same round trip).
pub(crate) fn state_user_sql(t: i64, extra_columns: &str, extra_joins: &str) -> String {
    let live = |alias| live_at(alias, 2, t);
    format!(
        "SELECT {USER_COLUMNS}, COALESCE(g.name, '') AS primary_group_name{extra_columns} \
         FROM users u LEFT JOIN groups g ON g.object_id = u.primary_group_id AND {}{extra_joins} \
         WHERE u.object_id = $1 AND {}",
        live("g"),
        live("u")
    )
}

/// The SQL of a user's related state (`$1` = user, `$2` = instant `t`, unused for now):
/// memberships (m), owned accounts (a), grants (g: direct, and those of the owned accounts)
/// and mail lists (l) in one UNION ALL, in the generic columns of StatePartRow. Grants are
/// left out with `grants` None; otherwise `grants` is an extra condition on them (e.g. a
/// configuration column of an enclosing query, as " AND c.entitlements_history <> 0").
/// Every branch starts from an index on the user, so the cost follows the user's own rows.
pub(crate) fn state_parts_sql(t: i64, grants: Option<&str>) -> String {
    let live = |alias| live_at(alias, 2, t);
    let grant_columns = "'g', gr.grantee_id, gr.role_id, gr.start_date, gr.end_date, \
         gr.grantee_kind, COALESCE(r.name, ''), COALESCE(s.name, ''), gr.scope, \
         NULL, NULL, NULL, NULL";
    let grant_names = format!(
        "LEFT JOIN roles r ON r.object_id = gr.role_id AND {} \
         LEFT JOIN systems s ON s.object_id = r.system_id AND {}",
        live("r"),
        live("s")
    );
    let grants_part = match grants {
        Some(condition) => format!(
            " UNION ALL \
             SELECT {grant_columns} FROM grants gr {grant_names} \
             WHERE gr.grantee_kind = 'user' AND gr.grantee_id = $1 AND {}{condition} \
             UNION ALL \
             SELECT {grant_columns} FROM account_owners o \
             JOIN grants gr ON gr.grantee_kind = 'account' AND gr.grantee_id = o.account_id \
                  AND {} {grant_names} \
             WHERE o.user_id = $1 AND {}{condition}",
            live("gr"),
            live("gr"),
            live("o")
        ),
        None => String::new(),
    };
    format!(
        "SELECT 'm' AS part, m.group_id AS a, NULL AS b, m.start_date AS c, m.end_date AS d, \
                COALESCE(g.name, '') AS t1, m.comments AS t2, NULL AS t3, NULL AS t4, \
                NULL AS t5, NULL AS t6, NULL AS t7, NULL AS t8 \
         FROM memberships m LEFT JOIN groups g ON g.object_id = m.group_id AND {} \
         WHERE m.user_id = $1 AND {} \
         UNION ALL \
         SELECT 'a', a.object_id, a.system_id, NULL, NULL, COALESCE(s.name, ''), a.name, \
                a.login_name, a.description, a.account_type, a.status, o.level, a.attributes \
         FROM account_owners o JOIN accounts a ON a.object_id = o.account_id AND {} \
         LEFT JOIN systems s ON s.object_id = a.system_id AND {} \
         WHERE o.user_id = $1 AND {} \
         UNION ALL \
         SELECT 'l', l.object_id, NULL, NULL, NULL, l.name, COALESCE(d.code, ''), \
                NULL, NULL, NULL, NULL, NULL, NULL \
         FROM mail_list_members mm JOIN mail_lists l ON l.object_id = mm.list_id AND {} \
         LEFT JOIN mail_domains d ON d.object_id = l.domain_id AND {} \
         WHERE mm.member_kind = 'user' AND mm.member_id = $1 AND {}{grants_part}",
        live("g"),
        live("m"),
        live("a"),
        live("s"),
        live("o"),
        live("l"),
        live("d"),
        live("mm"),
    )
}

/// A user's state from its user row and the rows of `state_parts_sql`.
pub(crate) fn assemble_state(
    StateUserRow {
        user: row,
        primary_group_name,
    }: StateUserRow,
    parts: Vec<StatePartRow>,
    include_grants: bool,
) -> UserState {
    let user = row.object_id;
    let text = |t: Option<String>| t.unwrap_or_default();
    let mut memberships = Vec::new();
    let mut accounts = Vec::new();
    let mut grant_rows = Vec::new();
    let mut mail_lists = Vec::new();
    for p in parts {
        match p.part.as_str() {
            "m" => memberships.push(MembershipState {
                group: GroupId(p.a),
                group_name: p.t1,
                start_date: time(p.c),
                end_date: time(p.d),
                comments: text(p.t2),
            }),
            "a" => accounts.push(AccountState {
                account: AccountId(p.a),
                system: SystemId(p.b.unwrap_or_default()),
                system_name: p.t1,
                name: text(p.t2),
                login_name: text(p.t3),
                description: text(p.t4),
                account_type: text(p.t5),
                status: text(p.t6),
                level: text(p.t7),
                attributes: parse_attributes(p.t8.as_deref().unwrap_or_default()),
                grants: Vec::new(),
            }),
            "g" => grant_rows.push(p),
            _ => mail_lists.push(MailListState {
                list: MailListId(p.a),
                name: p.t1,
                domain: text(p.t2),
            }),
        }
    }
    memberships.sort_by(|a, b| (&a.group_name, a.group).cmp(&(&b.group_name, b.group)));
    accounts.sort_by(|a, b| {
        (&a.system_name, &a.name, a.account).cmp(&(&b.system_name, &b.name, b.account))
    });
    let mut grants = Vec::new();
    for g in grant_rows {
        let state = GrantState {
            role: RoleId(g.b.unwrap_or_default()),
            role_name: text(g.t2),
            system_name: text(g.t3),
            scope: text(g.t4),
            start_date: time(g.c),
            end_date: time(g.d),
        };
        if g.t1 == "user" {
            grants.push(state);
        } else if let Some(account) = accounts.iter_mut().find(|acc| acc.account.0 == g.a) {
            account.grants.push(state);
        }
    }
    let order = |a: &GrantState, b: &GrantState| {
        (&a.role_name, &a.scope, a.role).cmp(&(&b.role_name, &b.scope, b.role))
    };
    grants.sort_by(order);
    for account in &mut accounts {
        account.grants.sort_by(order);
    }
    mail_lists.sort_by(|a, b| (&a.name, &a.domain, a.list).cmp(&(&b.name, &b.domain, b.list)));
    UserState {
        id: UserId(user),
        attributes: row.input(),
        primary_group_name,
        memberships,
        accounts,
        grants,
        mail_lists,
        grants_captured: include_grants,
    }
}
