//! Applying one item of a restore plan inside the restore's transaction and operation:
//! the current row it replaces is found again, and what it needs must still exist.
use super::directory::{account_fields, insert_grant, owner_fields};
use super::identity::{normalise_user, unique_to};
use super::temporal::{
    close_current, insert_version, is_current, micros, new_object, write_version, Op, Table,
};
use super::{Error, Result};
use crate::model::*;
use sqlx::AnyConnection;

async fn find(conn: &mut AnyConnection, sql: &str, a: i64, b: i64) -> Result<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as(sql)
        .bind(a)
        .bind(b)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|(id,)| id))
}

use super::access::{assignment_fields, FIND_USER_PRINTER};

const FIND_MEMBERSHIP: &str = "SELECT object_id FROM memberships WHERE user_id = $1 \
    AND group_id = $2 AND valid_to IS NULL";
const FIND_OWNER: &str = "SELECT object_id FROM account_owners WHERE user_id = $1 \
    AND account_id = $2 AND valid_to IS NULL";
const FIND_MAIL: &str = "SELECT object_id FROM mail_list_members WHERE member_id = $1 \
    AND list_id = $2 AND member_kind = 'user' AND valid_to IS NULL";

async fn find_grant(
    conn: &mut AnyConnection,
    grantee: Grantee,
    role: RoleId,
    scope: &str,
) -> Result<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT object_id FROM grants WHERE grantee_kind = $1 AND grantee_id = $2 \
         AND role_id = $3 AND scope = $4 AND valid_to IS NULL",
    )
    .bind(grantee.kind())
    .bind(grantee.id())
    .bind(role.0)
    .bind(scope)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(id,)| id))
}

async fn apply_grant(
    conn: &mut AnyConnection,
    op: &Op,
    grantee: Grantee,
    g: &GrantState,
    action: RestoreAction,
) -> Result<()> {
    let existing = find_grant(conn, grantee, g.role, &g.scope).await?;
    let input = GrantInput {
        role: g.role,
        grantee,
        scope: g.scope.clone(),
        start_date: g.start_date,
        end_date: g.end_date,
    };
    match (action, existing) {
        (RestoreAction::Remove, Some(id)) => {
            close_current(conn, op, Table::Grants, id).await?;
        }
        (RestoreAction::Remove, None) => {}
        (_, Some(id)) => {
            write_version(
                conn,
                op,
                Table::Grants,
                id,
                &super::directory::grant_fields(&input),
            )
            .await?;
        }
        (_, None) => {
            insert_grant(conn, op, &input).await?;
        }
    }
    Ok(())
}

pub(super) async fn apply_item(
    conn: &mut AnyConnection,
    op: &Op,
    user: UserId,
    it: &RestoreItem,
) -> Result<()> {
    match &it.change {
        RestoreChange::Attributes(input) => {
            let input = normalise_user(conn, input).await?;
            write_version(
                conn,
                op,
                Table::Users,
                user.0,
                &super::identity::user_fields(&input),
            )
            .await
            .map_err(unique_to(format!(
                "the user name {:?} is taken",
                input.name
            )))?;
        }
        RestoreChange::Membership(m) => {
            let existing = find(conn, FIND_MEMBERSHIP, user.0, m.group.0).await?;
            let fields = vec![
                ("user_id", user.0.into()),
                ("group_id", m.group.0.into()),
                ("start_date", micros(m.start_date).into()),
                ("end_date", micros(m.end_date).into()),
                ("comments", (&m.comments).into()),
            ];
            match (it.action, existing) {
                (RestoreAction::Remove, Some(id)) => {
                    close_current(conn, op, Table::Memberships, id).await?;
                }
                (RestoreAction::Remove, None) => {}
                (_, Some(id)) => {
                    write_version(conn, op, Table::Memberships, id, &fields).await?;
                }
                (_, None) => {
                    if !is_current(conn, Table::Groups, m.group.0).await? {
                        return Err(Error::Conflict(format!(
                            "the group {:?} was deleted",
                            m.group_name
                        )));
                    }
                    let id = new_object(conn, Table::Memberships).await?;
                    insert_version(conn, op, Table::Memberships, id, &fields).await?;
                }
            }
        }
        RestoreChange::Account(a) => {
            let existing = find(conn, FIND_OWNER, user.0, a.account.0).await?;
            if it.action == RestoreAction::Remove {
                if let Some(id) = existing {
                    close_current(conn, op, Table::AccountOwners, id).await?;
                }
                return Ok(());
            }
            let input = AccountInput {
                system: a.system,
                name: a.name.clone(),
                login_name: a.login_name.clone(),
                description: a.description.clone(),
                account_type: a.account_type.clone(),
                status: a.status.clone(),
                attributes: a.attributes.clone(),
            };
            let live = super::directory::current_account(conn, a.account.0).await?;
            if live.as_ref() != Some(&input) {
                if live.is_none() && !is_current(conn, Table::Systems, a.system.0).await? {
                    return Err(Error::Conflict(format!(
                        "the system {:?} was deleted",
                        a.system_name
                    )));
                }
                write_version(
                    conn,
                    op,
                    Table::Accounts,
                    a.account.0,
                    &account_fields(&input),
                )
                .await
                .map_err(unique_to(format!("the account name {:?} is taken", a.name)))?;
            }
            let id = match existing {
                Some(id) => id,
                None => new_object(conn, Table::AccountOwners).await?,
            };
            write_version(
                conn,
                op,
                Table::AccountOwners,
                id,
                &owner_fields(a.account.0, user.0, &a.level),
            )
            .await?;
        }
        RestoreChange::Grant(g) => apply_grant(conn, op, Grantee::User(user), g, it.action).await?,
        RestoreChange::AccountGrant(account, g) => {
            apply_grant(conn, op, Grantee::Account(*account), g, it.action).await?
        }
        RestoreChange::MailList(l) => {
            let existing = find(conn, FIND_MAIL, user.0, l.list.0).await?;
            match (it.action, existing) {
                (RestoreAction::Remove, Some(id)) => {
                    close_current(conn, op, Table::MailListMembers, id).await?;
                }
                (RestoreAction::Remove, None) | (_, Some(_)) => {}
                (_, None) => {
                    if !is_current(conn, Table::MailLists, l.list.0).await? {
                        return Err(Error::Conflict(format!(
                            "the mail list {:?} was deleted",
                            l.name
                        )));
                    }
                    let id = new_object(conn, Table::MailListMembers).await?;
                    insert_version(
                        conn,
                        op,
                        Table::MailListMembers,
                        id,
                        &super::directory::mail_member_fields(l.list.0, &MailMember::User(user)),
                    )
                    .await?;
                }
            }
        }
        RestoreChange::Printer(p) => {
            let existing = find(conn, FIND_USER_PRINTER, user.0, p.printer).await?;
            match (it.action, existing) {
                (RestoreAction::Remove, Some(id)) => {
                    close_current(conn, op, Table::PrinterAssignments, id).await?;
                }
                (RestoreAction::Remove, None) | (_, Some(_)) => {}
                (_, None) => {
                    if !is_current(conn, Table::Resource("printers"), p.printer).await? {
                        return Err(Error::Conflict(format!(
                            "the printer {:?} was deleted",
                            p.name
                        )));
                    }
                    let id = new_object(conn, Table::PrinterAssignments).await?;
                    insert_version(
                        conn,
                        op,
                        Table::PrinterAssignments,
                        id,
                        &assignment_fields(p.printer, AssigneeKind::User, user.0),
                    )
                    .await?;
                }
            }
        }
    }
    Ok(())
}
