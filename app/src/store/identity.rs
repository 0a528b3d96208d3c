//! Users, groups and memberships: row types, shared write helpers and user writes (versioned).
//! Group and membership writes are in `group_writes`, reads in `identity_reads`, a user's
//! complete state in `user_state`.
use super::audit::{record_in, AuditRecord};
pub(crate) use super::group_writes::{create_group_in, update_group_in};
use super::temporal::{
    attributes_json, check_attributes, check_name, close_current, conflict_on_unique,
    insert_version, is_current, live, micros, name_key, new_object, parse_attributes,
    replace_version, time, Author, Op, Table, Val,
};
use super::text::check_user_texts;
pub(crate) use super::user_state::{
    assemble_state, load_state, state_parts_sql, state_user_sql, StateUserRow,
};
use super::{to_time, Error, Result, Store};
use crate::model::*;
use sqlx::{Any, AnyConnection};

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
        // name_key is the name lower-cased in Rust (Unicode): SQLite's lower() folds ASCII
        // only, so "Émile" would not match "émile" on the name itself.
        Attribute {
            name: "userName",
            sql: "u.name_key",
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
        // Custom attributes that identity providers set (SCIM's externalId and enterprise
        // extension).
        Attribute {
            name: "externalId",
            sql: "u.attributes",
            kind: Kind::Custom,
        },
        Attribute {
            name: "department",
            sql: "u.attributes",
            kind: Kind::Custom,
        },
        Attribute {
            name: "employeeNumber",
            sql: "u.attributes",
            kind: Kind::Custom,
        },
    ]
};

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
    pub external_id: String,
    pub parent_id: Option<i64>,
    pub group_type: String,
    pub drive_letter: String,
    pub drive_server: String,
    pub disabled: i64,
    pub active_since: Option<i64>,
    pub active_until: Option<i64>,
}

pub(crate) const GROUP_COLUMNS: &str = "g.object_id, g.valid_from, g.changed_by, \
    g.name, g.description, g.external_id, g.parent_id, g.group_type, g.drive_letter, \
    g.drive_server, g.disabled, g.active_since, g.active_until";

impl GroupRow {
    pub fn input(&self) -> GroupInput {
        GroupInput {
            name: self.name.clone(),
            description: self.description.clone(),
            external_id: self.external_id.clone(),
            parent: self.parent_id.map(GroupId),
            group_type: self.group_type.clone(),
            drive_letter: self.drive_letter.clone(),
            drive_server: self.drive_server.clone(),
            disabled: self.disabled != 0,
            active_since: time(self.active_since),
            active_until: time(self.active_until),
        }
    }

    pub(super) fn group(&self) -> Group {
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
        ("external_id", input.external_id.trim().into()),
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

pub(super) fn user_name_taken(name: &str) -> String {
    format!(
        "A user named {:?} already exists (names ignore case).",
        name.trim()
    )
}

pub(super) fn group_name_taken(name: &str) -> String {
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
pub(super) async fn last_deleted_version<R>(
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
pub(crate) const GRANT_COLUMNS: [&str; 7] = [
    "role_id",
    "grantee_kind",
    "grantee_id",
    "scope",
    "start_date",
    "end_date",
    "rule_id",
];
pub(crate) const OWNER_COLUMNS: [&str; 3] = ["account_id", "user_id", "level"];
pub(crate) const MAIL_MEMBER_COLUMNS: [&str; 4] =
    ["list_id", "member_kind", "member_id", "address"];

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
    super::access::close_entries_of(conn, op, AssigneeKind::User, id.0).await?;
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

    /// `delete_user`, refused when `expected` (a provisioning client's `If-Match`: the
    /// version's `valid_from`) is not the user's current version, checked under the user's
    /// lock in the delete's own transaction.
    pub async fn delete_user_expecting(
        &self,
        actor: &Author,
        id: UserId,
        expected: Option<i64>,
    ) -> Result<()> {
        self.delete_users_checked(actor, &[id], expected.map(|v| (id, v)))
            .await
            .map(|_| ())
    }

    /// Deletes several users as one operation: all of them or, on any error, none. Returns
    /// their names in the order given.
    pub async fn delete_users(&self, actor: &Author, ids: &[UserId]) -> Result<Vec<String>> {
        self.delete_users_checked(actor, ids, None).await
    }

    async fn delete_users_checked(
        &self,
        actor: &Author,
        ids: &[UserId],
        expected: Option<(UserId, i64)>,
    ) -> Result<Vec<String>> {
        if ids.is_empty() {
            return Err(Error::invalid(
                "users",
                "Choose at least one user to delete.",
            ));
        }
        let mut tx = self.begin_identity_write().await?;
        if let Some((id, version)) = expected {
            super::locks::take(&mut tx, super::locks::Lock::User(id.0)).await?;
            if current_user(&mut tx, id).await?.valid_from != version {
                return Err(Error::Conflict(super::provisioning::VERSION_CHANGED.into()));
            }
        }
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
        super::access::revive_entries_of(&mut tx, &op, AssigneeKind::User, id.0, deleted_by)
            .await?;
        audit(&mut tx, &op, "user.recover", &row.name, "").await?;
        super::snapshots::capture(&mut tx, &op, &[id.0]).await?;
        tx.commit().await?;
        Ok(())
    }
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
