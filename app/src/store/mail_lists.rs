//! Mail lists: versioned writes, members, reached users and lists.
use super::directory::{chosen, distinct, mail_member_fields, require};
use super::identity::{audit, close_where, unique_to};
use super::snapshots::{capture, users_of_list};
use super::temporal::{
    begin_op, check_name, close_current, insert_version, instant, live, name_key, new_object,
    replace_version, Author, Op, Table, Val,
};
use super::text::{check_description, check_texts, MAX_EMAIL_CHARS};
use super::{Error, Result, Store};
use crate::model::*;
use chrono::{DateTime, Utc};
use sqlx::AnyConnection;
use std::collections::{HashSet, VecDeque};

fn mail_list_fields(name: &str, input: &MailListInput) -> Vec<(&'static str, Val)> {
    vec![
        ("domain_id", input.domain.0.into()),
        ("name", name.into()),
        ("name_key", name_key(name).into()),
        ("description", (&input.description).into()),
    ]
}

/// Creates a mail list inside the caller's transaction and operation.
pub(crate) async fn create_mail_list_in(
    conn: &mut AnyConnection,
    op: &Op,
    input: &MailListInput,
) -> Result<MailListId> {
    let name = check_name("name", "The list name", &input.name)?;
    check_description(&input.description)?;
    require(conn, Table::MailDomains, input.domain.0, "mail domain").await?;
    let id = new_object(conn, Table::MailLists).await?;
    insert_version(
        conn,
        op,
        Table::MailLists,
        id,
        &mail_list_fields(&name, input),
    )
    .await
    .map_err(unique_to(format!("The mail list {name:?} already exists.")))?;
    audit(conn, op, "mail-list.create", &name, "").await?;
    Ok(MailListId(id))
}

/// Writes a new version of a mail list inside the caller's transaction and operation.
pub(crate) async fn update_mail_list_in(
    conn: &mut AnyConnection,
    op: &Op,
    id: MailListId,
    input: &MailListInput,
) -> Result<()> {
    let name = check_name("name", "The list name", &input.name)?;
    check_description(&input.description)?;
    require(conn, Table::MailLists, id.0, "mail list").await?;
    require(conn, Table::MailDomains, input.domain.0, "mail domain").await?;
    replace_version(
        conn,
        op,
        Table::MailLists,
        id.0,
        &mail_list_fields(&name, input),
    )
    .await
    .map_err(unique_to(format!("The mail list {name:?} already exists.")))?;
    audit(conn, op, "mail-list.update", &name, "").await?;
    let users = users_of_list(conn, id.0).await?;
    capture(conn, op, &users).await
}

impl Store {
    pub async fn create_mail_list(
        &self,
        actor: &Author,
        input: &MailListInput,
    ) -> Result<MailListId> {
        let name = check_name("name", "The list name", &input.name)?;
        check_description(&input.description)?;
        let mut tx = self.begin_identity_write().await?;
        let op = begin_op(&mut tx, actor, "mail-list.create", &name).await?;
        let id = create_mail_list_in(&mut tx, &op, input).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn update_mail_list(
        &self,
        actor: &Author,
        id: MailListId,
        input: &MailListInput,
    ) -> Result<()> {
        let name = check_name("name", "The list name", &input.name)?;
        check_description(&input.description)?;
        let mut tx = self.begin_identity_write().await?;
        let op = begin_op(&mut tx, actor, "mail-list.update", &name).await?;
        update_mail_list_in(&mut tx, &op, id, input).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a mail list; its memberships end with it.
    pub async fn delete_mail_list(&self, actor: &Author, id: MailListId) -> Result<()> {
        self.delete_mail_lists(actor, &[id]).await.map(|_| ())
    }

    /// Deletes mail lists in one operation, all or none; their memberships (and their
    /// membership of other lists) end with them. Returns their addresses.
    pub async fn delete_mail_lists(
        &self,
        actor: &Author,
        ids: &[MailListId],
    ) -> Result<Vec<String>> {
        let ids = chosen(
            ids,
            "mail_lists",
            "Choose at least one mail list to delete.",
        )?;
        let mut tx = self.begin_identity_write().await?;
        let mut names = Vec::with_capacity(ids.len());
        for id in &ids {
            let row: Option<(String, String)> = sqlx::query_as(
                "SELECT l.name, COALESCE(d.code, '') FROM mail_lists l \
                 LEFT JOIN mail_domains d ON d.object_id = l.domain_id AND d.valid_to IS NULL \
                 WHERE l.object_id = $1 AND l.valid_to IS NULL",
            )
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?;
            let (name, domain) =
                row.ok_or_else(|| Error::NotFound(format!("mail list {}", id.0)))?;
            names.push(format!("{name}@{domain}"));
        }
        let op = begin_op(&mut tx, actor, "mail-list.delete", &names.join(", ")).await?;
        let mut users = Vec::new();
        for id in &ids {
            users.extend(users_of_list(&mut tx, id.0).await?);
        }
        for (id, name) in ids.iter().zip(&names) {
            close_current(&mut tx, &op, Table::MailLists, id.0).await?;
            close_where(&mut tx, &op, Table::MailListMembers, "list_id = $1", id.0).await?;
            close_where(
                &mut tx,
                &op,
                Table::MailListMembers,
                "member_kind = 'list' AND member_id = $1",
                id.0,
            )
            .await?;
            audit(&mut tx, &op, "mail-list.delete", name, "").await?;
        }
        capture(&mut tx, &op, &distinct(users)).await?;
        tx.commit().await?;
        Ok(names)
    }

    pub async fn add_mail_list_member(
        &self,
        actor: &Author,
        list: MailListId,
        member: &MailMember,
    ) -> Result<i64> {
        let mut tx = self.begin_identity_write().await?;
        require(&mut tx, Table::MailLists, list.0, "mail list").await?;
        match member {
            MailMember::User(u) => require(&mut tx, Table::Users, u.0, "user").await?,
            MailMember::List(l) => require(&mut tx, Table::MailLists, l.0, "mail list").await?,
            MailMember::Group(g) => require(&mut tx, Table::Groups, g.0, "group").await?,
            MailMember::Role(r) => require(&mut tx, Table::Roles, r.0, "role").await?,
            MailMember::External(a) if !a.contains('@') => {
                return Err(Error::invalid("address", "Give an e-mail address."));
            }
            MailMember::External(a) => check_texts(&[("address", a, MAX_EMAIL_CHARS)])?,
        }
        let op = begin_op(&mut tx, actor, "mail-list.member-add", "").await?;
        let id = new_object(&mut tx, Table::MailListMembers).await?;
        insert_version(
            &mut tx,
            &op,
            Table::MailListMembers,
            id,
            &mail_member_fields(list.0, member),
        )
        .await
        .map_err(unique_to("This member is already on the list.".into()))?;
        audit(
            &mut tx,
            &op,
            "mail-list.member-add",
            &format!("mail list {}", list.0),
            &format!("{member:?}"),
        )
        .await?;
        if let MailMember::User(u) = member {
            capture(&mut tx, &op, &[u.0]).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    pub async fn remove_mail_list_member(
        &self,
        actor: &Author,
        list: MailListId,
        member: &MailMember,
    ) -> Result<()> {
        let fields = mail_member_fields(list.0, member);
        let (Val::Text(kind), Val::Int(id), Val::Text(address)) =
            (&fields[1].1, &fields[2].1, &fields[3].1)
        else {
            return Err(Error::Internal("mail member fields".into()));
        };
        let mut tx = self.begin_identity_write().await?;
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT object_id FROM mail_list_members WHERE list_id = $1 AND member_kind = $2 \
             AND member_id = $3 AND address = $4 AND valid_to IS NULL",
        )
        .bind(list.0)
        .bind(kind)
        .bind(*id)
        .bind(address)
        .fetch_optional(&mut *tx)
        .await?;
        let (object,) = row.ok_or_else(|| Error::NotFound("mail list member".into()))?;
        let op = begin_op(&mut tx, actor, "mail-list.member-remove", "").await?;
        close_current(&mut tx, &op, Table::MailListMembers, object).await?;
        audit(
            &mut tx,
            &op,
            "mail-list.member-remove",
            &format!("mail list {}", list.0),
            &format!("{member:?}"),
        )
        .await?;
        if let MailMember::User(u) = member {
            capture(&mut tx, &op, &[u.0]).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The users a mail list reaches at `as_of`: direct users, members of member groups,
    /// holders of member roles (direct grants), and the targets of nested lists.
    pub async fn mail_list_targets(
        &self,
        list: MailListId,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Vec<UserId>> {
        let t = instant(as_of);
        let mut conn = self.pool.acquire().await?;
        let mut users = HashSet::new();
        let mut queue = VecDeque::from([list.0]);
        let mut seen = HashSet::new();
        while let Some(l) = queue.pop_front() {
            if !seen.insert(l) {
                continue;
            }
            let members: Vec<(String, i64)> = sqlx::query_as(&format!(
                "SELECT m.member_kind, m.member_id FROM mail_list_members m WHERE m.list_id = $1 \
                 AND {}",
                live("m", 2)
            ))
            .bind(l)
            .bind(t)
            .fetch_all(&mut *conn)
            .await?;
            for (kind, id) in members {
                match kind.as_str() {
                    "user" => {
                        users.insert(id);
                    }
                    "list" => queue.push_back(id),
                    "group" => {
                        let rows: Vec<(i64,)> = sqlx::query_as(&format!(
                            "SELECT m.user_id FROM memberships m WHERE m.group_id = $1 AND {} \
                             UNION SELECT u.object_id FROM users u WHERE u.primary_group_id = $1 \
                             AND {}",
                            live("m", 2),
                            live("u", 2)
                        ))
                        .bind(id)
                        .bind(t)
                        .fetch_all(&mut *conn)
                        .await?;
                        users.extend(rows.into_iter().map(|(u,)| u));
                    }
                    "role" => {
                        let rows: Vec<(i64,)> = sqlx::query_as(&format!(
                            "SELECT gr.grantee_id FROM grants gr WHERE gr.role_id = $1 \
                             AND gr.grantee_kind = 'user' AND {}",
                            live("gr", 2)
                        ))
                        .bind(id)
                        .bind(t)
                        .fetch_all(&mut *conn)
                        .await?;
                        users.extend(rows.into_iter().map(|(u,)| u));
                    }
                    _ => {}
                }
            }
        }
        let mut out: Vec<UserId> = users.into_iter().map(UserId).collect();
        out.sort();
        Ok(out)
    }

    pub async fn list_mail_lists(
        &self,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Vec<(MailListId, String, String)>> {
        let t = instant(as_of);
        let rows: Vec<(i64, String, String)> = sqlx::query_as(&format!(
            "SELECT l.object_id, l.name, COALESCE(d.code, '') AS domain FROM mail_lists l \
             LEFT JOIN mail_domains d ON d.object_id = l.domain_id AND {} WHERE {} \
             ORDER BY l.name_key",
            live("d", 1),
            live("l", 1)
        ))
        .bind(t)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, domain)| (MailListId(id), name, domain))
            .collect())
    }
}
