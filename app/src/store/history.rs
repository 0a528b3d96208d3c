//! Per-user history (every version, newest first), the recycle bin, and bringing one ended
//! history record back.
use super::access::ASSIGNMENT_COLUMNS;
use super::identity::{
    audit, copy_version, current_user, GRANT_COLUMNS, MAIL_MEMBER_COLUMNS, MEMBERSHIP_COLUMNS,
    OWNER_COLUMNS,
};
use super::snapshots::capture_new;
use super::temporal::{begin_op, is_current, Author, Table};
use super::{to_time, Error, Result, Store};
use crate::model::*;
use sqlx::Any;

#[derive(sqlx::FromRow)]
struct HistoryRow {
    record_id: i64,
    version_id: i64,
    valid_from: i64,
    valid_to: Option<i64>,
    changed_by: String,
    ended_by: Option<String>,
    operation_id: i64,
    subject: i64,
    scope: String,
    account: Option<i64>,
    label: String,
    start_date: Option<i64>,
    end_date: Option<i64>,
}

/// The last known name of an object (its newest version), for labels of old records.
fn last_name(table: &str, column: &str, id_expr: &str) -> String {
    format!(
        "COALESCE((SELECT n.{column} FROM {table} n WHERE n.object_id = {id_expr} \
         ORDER BY n.version_id DESC LIMIT 1), '?')"
    )
}

/// The subject columns of the attribute history: the user itself.
const NO_SCOPE: &str = "x.object_id AS subject, '' AS scope, CAST(NULL AS BIGINT) AS account";

const TEMPORAL: &str = "x.object_id AS record_id, x.version_id, x.valid_from, x.valid_to, \
    x.changed_by, x.ended_by, x.operation_id";

/// The SQL (from + where, `$1` = user) of one kind of history, its label expression, its
/// dates and its subject columns (`subject, scope, account`).
pub(super) fn history_source(kind: HistoryKind) -> (String, String, &'static str, &'static str) {
    match kind {
        HistoryKind::Attributes => (
            "users x WHERE x.object_id = $1".into(),
            "x.name || ' (' || x.first_name || ' ' || x.last_name || ', ' || x.email || ')'".into(),
            "NULL",
            NO_SCOPE,
        ),
        HistoryKind::Memberships => (
            "memberships x WHERE x.user_id = $1".into(),
            format!("'group ' || {}", last_name("groups", "name", "x.group_id")),
            "x.start_date, x.end_date",
            "x.group_id AS subject, '' AS scope, CAST(NULL AS BIGINT) AS account",
        ),
        HistoryKind::Accounts => (
            "account_owners x WHERE x.user_id = $1".into(),
            format!(
                "'account ' || {} || ' as ' || x.level",
                last_name("accounts", "name", "x.account_id")
            ),
            "NULL",
            "x.account_id AS subject, '' AS scope, CAST(NULL AS BIGINT) AS account",
        ),
        HistoryKind::Grants => (
            "grants x WHERE (x.grantee_kind = 'user' AND x.grantee_id = $1) OR \
             (x.grantee_kind = 'account' AND x.grantee_id IN \
               (SELECT o.account_id FROM account_owners o WHERE o.user_id = $1))"
                .into(),
            format!(
                "'role ' || {} || CASE WHEN x.scope = '' THEN '' ELSE ' [' || x.scope || ']' END \
                 || CASE WHEN x.grantee_kind = 'account' THEN ' on account ' || {} ELSE '' END",
                last_name("roles", "name", "x.role_id"),
                last_name("accounts", "name", "x.grantee_id")
            ),
            "x.start_date, x.end_date",
            "x.role_id AS subject, x.scope AS scope, \
             CASE WHEN x.grantee_kind = 'account' THEN x.grantee_id END AS account",
        ),
        HistoryKind::MailLists => (
            "mail_list_members x WHERE x.member_kind = 'user' AND x.member_id = $1".into(),
            format!(
                "'mail list ' || {}",
                last_name("mail_lists", "name", "x.list_id")
            ),
            "NULL",
            "x.list_id AS subject, '' AS scope, CAST(NULL AS BIGINT) AS account",
        ),
        HistoryKind::Printers => (
            "printer_assignments x WHERE x.grantee_kind = 'user' AND x.grantee_id = $1".into(),
            format!(
                "'printer ' || {}",
                last_name("printers", "name", "x.printer_id")
            ),
            "NULL",
            "x.printer_id AS subject, '' AS scope, CAST(NULL AS BIGINT) AS account",
        ),
    }
}

/// `FROM … WHERE …` of the objects of `table` whose newest version has ended (deleted, so
/// in the recycle bin), as `x`.
pub(super) fn deleted_objects(table: &str) -> String {
    format!(
        "FROM {table} x WHERE x.valid_to IS NOT NULL AND x.version_id = \
         (SELECT MAX(y.version_id) FROM {table} y WHERE y.object_id = x.object_id)"
    )
}

fn table_of(kind: HistoryKind) -> Table {
    match kind {
        HistoryKind::Attributes => Table::Users,
        HistoryKind::Memberships => Table::Memberships,
        HistoryKind::Accounts => Table::AccountOwners,
        HistoryKind::Grants => Table::Grants,
        HistoryKind::MailLists => Table::MailListMembers,
        HistoryKind::Printers => Table::PrinterAssignments,
    }
}

impl Store {
    /// Every version of one kind of a user's records, newest first, a page at a time.
    pub async fn user_history(
        &self,
        user: UserId,
        kind: HistoryKind,
        offset: i64,
        limit: i64,
    ) -> Result<Page<HistoryEntry>> {
        let (offset, limit) = super::page_window(offset, limit);
        let (source, label, dates, subject) = history_source(kind);
        let dates = if dates == "NULL" {
            "CAST(NULL AS BIGINT) AS start_date, CAST(NULL AS BIGINT) AS end_date".to_string()
        } else {
            dates.to_string()
        };
        let mut conn = self.pool.acquire().await?;
        let (total,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {source}"))
            .bind(user.0)
            .fetch_one(&mut *conn)
            .await?;
        let rows = sqlx::query_as::<Any, HistoryRow>(&format!(
            "SELECT {TEMPORAL}, {subject}, {label} AS label, {dates} FROM {source} \
             ORDER BY x.valid_from DESC, x.version_id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(user.0)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *conn)
        .await?;
        let items = rows
            .into_iter()
            .map(|r| {
                let mut description = r.label;
                if let Some(start) = r.start_date {
                    description.push_str(&format!(" from {}", to_time(start).format("%Y-%m-%d")));
                }
                if let Some(end) = r.end_date {
                    description.push_str(&format!(" until {}", to_time(end).format("%Y-%m-%d")));
                }
                HistoryEntry {
                    kind,
                    record_id: r.record_id,
                    version_id: r.version_id,
                    subject: r.subject,
                    scope: r.scope,
                    account: r.account,
                    description,
                    since: to_time(r.valid_from),
                    until: r.valid_to.map(to_time),
                    changed_by: r.changed_by,
                    ended_by: r.ended_by,
                    operation_id: r.operation_id,
                }
            })
            .collect();
        Ok(Page {
            items,
            total,
            offset,
            limit,
        })
    }

    /// Deleted users, groups and objects of the declared kinds, most recently deleted first.
    pub async fn recycle_bin(&self) -> Result<Vec<DeletedObject>> {
        let mut out = Vec::new();
        for (kind, table) in [(DeletedKind::User, "users"), (DeletedKind::Group, "groups")] {
            let rows: Vec<(i64, String, i64, Option<String>)> = sqlx::query_as(&format!(
                "SELECT x.object_id, x.name, x.valid_to, x.ended_by {}",
                deleted_objects(table)
            ))
            .fetch_all(&self.pool)
            .await?;
            out.extend(rows.into_iter().map(|(id, name, at, by)| DeletedObject {
                kind,
                id,
                name,
                deleted_at: to_time(at),
                deleted_by: by.unwrap_or_default(),
            }));
        }
        for kind in crate::model::kinds::ALL {
            out.extend(self.deleted_resources(KindRef(kind)).await?);
        }
        out.sort_by(|a, b| b.deleted_at.cmp(&a.deleted_at).then(b.id.cmp(&a.id)));
        Ok(out)
    }

    /// Brings one ended history record (membership, account ownership, grant, mail-list
    /// membership) back as a new current version with the values it had in `version_id`.
    pub async fn restore_history_record(
        &self,
        actor: &Author,
        kind: HistoryKind,
        version_id: i64,
    ) -> Result<()> {
        let table = table_of(kind);
        let (columns, checks): (&[&'static str], Vec<(&str, Table, &str)>) = match kind {
            HistoryKind::Attributes => {
                return Err(Error::invalid(
                    "kind",
                    "Restore attributes from a snapshot instead.",
                ))
            }
            HistoryKind::Memberships => (
                &MEMBERSHIP_COLUMNS,
                vec![
                    ("group_id", Table::Groups, "group"),
                    ("user_id", Table::Users, "user"),
                ],
            ),
            HistoryKind::Accounts => (
                &OWNER_COLUMNS,
                vec![
                    ("account_id", Table::Accounts, "account"),
                    ("user_id", Table::Users, "user"),
                ],
            ),
            HistoryKind::Grants => (&GRANT_COLUMNS, vec![("role_id", Table::Roles, "role")]),
            // The member may be a user, a group, a role, a nested list or an address: checked
            // by its kind below.
            HistoryKind::MailLists => (
                &MAIL_MEMBER_COLUMNS,
                vec![("list_id", Table::MailLists, "mail list")],
            ),
            HistoryKind::Printers => (
                &ASSIGNMENT_COLUMNS,
                vec![
                    ("printer_id", Table::Resource("printers"), "printer"),
                    ("grantee_id", Table::Users, "user"),
                ],
            ),
        };
        let mut tx = self.begin_identity_write().await?;
        let row: Option<(i64,)> = sqlx::query_as(&format!(
            "SELECT object_id FROM {} WHERE version_id = $1",
            table.name()
        ))
        .bind(version_id)
        .fetch_optional(&mut *tx)
        .await?;
        let (object,) =
            row.ok_or_else(|| Error::NotFound(format!("history record {version_id}")))?;
        if is_current(&mut tx, table, object).await? {
            return Err(Error::Conflict(
                "This record is still current; nothing to restore.".into(),
            ));
        }
        for (column, target, label) in checks {
            let (id,): (i64,) = sqlx::query_as(&format!(
                "SELECT {column} FROM {} WHERE version_id = $1",
                table.name()
            ))
            .bind(version_id)
            .fetch_one(&mut *tx)
            .await?;
            if !is_current(&mut tx, target, id).await? {
                return Err(Error::Conflict(format!(
                    "The {label} of this record (#{id}) was deleted; it cannot come back."
                )));
            }
        }
        // The grantee of a grant record must exist too.
        let mut users = Vec::new();
        if kind == HistoryKind::Grants {
            let (grantee_kind, grantee): (String, i64) =
                sqlx::query_as("SELECT grantee_kind, grantee_id FROM grants WHERE version_id = $1")
                    .bind(version_id)
                    .fetch_one(&mut *tx)
                    .await?;
            let target = match grantee_kind.as_str() {
                "user" => Table::Users,
                "account" => Table::Accounts,
                _ => Table::Groups,
            };
            if !is_current(&mut tx, target, grantee).await? {
                return Err(Error::Conflict(format!(
                    "The {grantee_kind} this role was granted to (#{grantee}) was deleted."
                )));
            }
            users = super::directory::users_of_grantee(
                &mut tx,
                match grantee_kind.as_str() {
                    "user" => Grantee::User(UserId(grantee)),
                    "account" => Grantee::Account(AccountId(grantee)),
                    _ => Grantee::Group(GroupId(grantee)),
                },
            )
            .await?;
        } else if kind == HistoryKind::MailLists {
            let (member_kind, member): (String, i64) = sqlx::query_as(
                "SELECT member_kind, member_id FROM mail_list_members WHERE version_id = $1",
            )
            .bind(version_id)
            .fetch_one(&mut *tx)
            .await?;
            let target = match member_kind.as_str() {
                "user" => Some((Table::Users, "user")),
                "group" => Some((Table::Groups, "group")),
                "role" => Some((Table::Roles, "role")),
                "list" => Some((Table::MailLists, "nested mail list")),
                _ => None,
            };
            if let Some((target, label)) = target {
                if !is_current(&mut tx, target, member).await? {
                    return Err(Error::Conflict(format!(
                        "The {label} of this record (#{member}) was deleted; it cannot come back."
                    )));
                }
            }
            // Snapshots hold a user's direct list memberships only.
            if member_kind == "user" {
                users.push(member);
            }
        } else if kind == HistoryKind::Printers {
            // The history lists the user's own assignments; checked current above.
            let (user,): (i64,) =
                sqlx::query_as("SELECT grantee_id FROM printer_assignments WHERE version_id = $1")
                    .bind(version_id)
                    .fetch_one(&mut *tx)
                    .await?;
            users.push(user);
        } else {
            let (user,): (i64,) = sqlx::query_as(&format!(
                "SELECT user_id FROM {} WHERE version_id = $1",
                table.name()
            ))
            .bind(version_id)
            .fetch_one(&mut *tx)
            .await?;
            current_user(&mut tx, UserId(user)).await?;
            users.push(user);
        }
        let op = begin_op(&mut tx, actor, "history.restore", "").await?;
        copy_version(&mut tx, &op, table, columns, object, version_id).await?;
        audit(
            &mut tx,
            &op,
            "history.restore",
            &format!("{} {object}", table.name()),
            &format!("from version {version_id}"),
        )
        .await?;
        // A new snapshot even within the delay: the one before stays restorable.
        capture_new(&mut tx, &op, &users).await?;
        tx.commit().await?;
        Ok(())
    }
}
