//! Grants: granting and revoking roles, grant lists and a user's effective roles.
use super::directory::{grant_fields, require, role_name};
use super::identity::{audit, current_group, current_user, unique_to};
use super::snapshots::{capture, users_of_account};
use super::temporal::{
    begin_op, close_current, insert_version, instant, live, new_object, time, Author, Table,
};
use super::text::{check_texts, MAX_LINE_CHARS};
use super::{Error, Result, Store};
use crate::model::*;
use chrono::{DateTime, Utc};
use sqlx::{Any, AnyConnection};
use std::collections::{HashMap, HashSet, VecDeque};

#[derive(sqlx::FromRow)]
struct GrantListRow {
    object_id: i64,
    role_id: i64,
    role_name: String,
    system_name: String,
    grantee_kind: String,
    grantee_id: i64,
    grantee_name: String,
    scope: String,
    start_date: Option<i64>,
    end_date: Option<i64>,
    rule_name: Option<String>,
}

/// Grants a role inside an open transaction (used by `grant_role` and restore).
pub(crate) async fn insert_grant(
    conn: &mut AnyConnection,
    op: &super::temporal::Op,
    input: &GrantInput,
) -> Result<i64> {
    let role = role_name(conn, input.role.0).await?;
    match input.grantee {
        Grantee::User(u) => {
            current_user(conn, u).await?;
        }
        Grantee::Account(a) => require(conn, Table::Accounts, a.0, "account").await?,
        Grantee::Group(g) => {
            current_group(conn, g).await?;
        }
    }
    let id = new_object(conn, Table::Grants).await?;
    insert_version(conn, op, Table::Grants, id, &grant_fields(input))
        .await
        .map_err(unique_to(format!(
            "The role {role:?} is already granted there with scope {:?}.",
            input.scope.trim()
        )))?;
    Ok(id)
}

/// The users whose snapshots a grant to `grantee` affects.
pub(crate) async fn users_of_grantee(
    conn: &mut AnyConnection,
    grantee: Grantee,
) -> Result<Vec<i64>> {
    Ok(match grantee {
        Grantee::User(u) => vec![u.0],
        Grantee::Account(a) => users_of_account(conn, a.0).await?,
        // Group grants are not part of a user's own state (effective roles show them).
        Grantee::Group(_) => Vec::new(),
    })
}

impl Store {
    pub async fn grant_role(&self, actor: &Author, input: &GrantInput) -> Result<GrantId> {
        check_texts(&[("scope", &input.scope, MAX_LINE_CHARS)])?;
        let mut tx = self.begin_identity_write().await?;
        let op = begin_op(&mut tx, actor, "grant.add", "").await?;
        let id = insert_grant(&mut tx, &op, input).await?;
        audit(
            &mut tx,
            &op,
            "grant.add",
            &format!("{} {}", input.grantee.kind(), input.grantee.id()),
            &format!("role {} scope {:?}", input.role.0, input.scope),
        )
        .await?;
        let users = users_of_grantee(&mut tx, input.grantee).await?;
        super::sod::refuse_forbidden_grant(&mut tx, input.grantee, input.role.0).await?;
        capture(&mut tx, &op, &users).await?;
        tx.commit().await?;
        Ok(GrantId(id))
    }

    pub async fn revoke_grant(&self, actor: &Author, id: GrantId) -> Result<()> {
        let mut tx = self.begin_identity_write().await?;
        let row: Option<(String, i64, i64)> = sqlx::query_as(
            "SELECT grantee_kind, grantee_id, role_id FROM grants WHERE object_id = $1 \
             AND valid_to IS NULL",
        )
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?;
        let (kind, grantee, role) =
            row.ok_or_else(|| Error::NotFound(format!("grant {}", id.0)))?;
        if let Some(rule) = super::role_rules::owner_of_grant(&mut tx, id.0).await? {
            return Err(Error::Conflict(format!(
                "This grant is managed by the role assignment rule {rule:?}: change the rule \
                 or the user's attributes instead."
            )));
        }
        let grantee = match kind.as_str() {
            "user" => Grantee::User(UserId(grantee)),
            "account" => Grantee::Account(AccountId(grantee)),
            _ => Grantee::Group(GroupId(grantee)),
        };
        let op = begin_op(&mut tx, actor, "grant.revoke", "").await?;
        close_current(&mut tx, &op, Table::Grants, id.0).await?;
        audit(
            &mut tx,
            &op,
            "grant.revoke",
            &format!("{} {}", grantee.kind(), grantee.id()),
            &format!("role {role}"),
        )
        .await?;
        let users = users_of_grantee(&mut tx, grantee).await?;
        capture(&mut tx, &op, &users).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Grants live at `as_of`, of one role and/or to one grantee, sorted by role then grantee.
    pub async fn list_grants(
        &self,
        role: Option<RoleId>,
        grantee: Option<Grantee>,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Vec<GrantRecord>> {
        let mut filter = live("gr", 1);
        let mut next = 2;
        if role.is_some() {
            filter.push_str(&format!(" AND gr.role_id = ${next}"));
            next += 1;
        }
        if grantee.is_some() {
            filter.push_str(&format!(
                " AND gr.grantee_kind = ${next} AND gr.grantee_id = ${}",
                next + 1
            ));
        }
        let sql = format!(
            "SELECT gr.object_id, gr.role_id, COALESCE(r.name, '') AS role_name, \
                    COALESCE(s.name, '') AS system_name, gr.grantee_kind, gr.grantee_id, \
                    COALESCE(u.name, a.name, g.name, '') AS grantee_name, gr.scope, \
                    gr.start_date, gr.end_date, rr.name AS rule_name \
             FROM grants gr \
             LEFT JOIN role_rules rr ON rr.object_id = gr.rule_id AND {} \
             LEFT JOIN roles r ON r.object_id = gr.role_id AND {} \
             LEFT JOIN systems s ON s.object_id = r.system_id AND {} \
             LEFT JOIN users u ON gr.grantee_kind = 'user' AND u.object_id = gr.grantee_id AND {} \
             LEFT JOIN accounts a ON gr.grantee_kind = 'account' \
                  AND a.object_id = gr.grantee_id AND {} \
             LEFT JOIN groups g ON gr.grantee_kind = 'group' AND g.object_id = gr.grantee_id \
                  AND {} \
             WHERE {filter} \
             ORDER BY role_name, gr.grantee_kind, grantee_name, gr.scope, gr.object_id",
            live("rr", 1),
            live("r", 1),
            live("s", 1),
            live("u", 1),
            live("a", 1),
            live("g", 1),
        );
        let mut query = sqlx::query_as::<Any, GrantListRow>(&sql).bind(instant(as_of));
        if let Some(role) = role {
            query = query.bind(role.0);
        }
        if let Some(grantee) = grantee {
            query = query.bind(grantee.kind()).bind(grantee.id());
        }
        let rows = query.fetch_all(&self.pool).await?;
        Ok(rows
            .into_iter()
            .map(|row| GrantRecord {
                id: GrantId(row.object_id),
                role: RoleId(row.role_id),
                role_name: row.role_name,
                system_name: row.system_name,
                grantee: match row.grantee_kind.as_str() {
                    "user" => Grantee::User(UserId(row.grantee_id)),
                    "account" => Grantee::Account(AccountId(row.grantee_id)),
                    _ => Grantee::Group(GroupId(row.grantee_id)),
                },
                grantee_name: row.grantee_name,
                scope: row.scope,
                start_date: time(row.start_date),
                end_date: time(row.end_date),
                rule: row.rule_name,
            })
            .collect())
    }

    /// The current grant of `role` to `grantee` with `scope`, if any.
    pub async fn find_grant(
        &self,
        role: RoleId,
        grantee: Grantee,
        scope: &str,
    ) -> Result<Option<GrantId>> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT object_id FROM grants WHERE role_id = $1 AND grantee_kind = $2 \
             AND grantee_id = $3 AND scope = $4 AND valid_to IS NULL",
        )
        .bind(role.0)
        .bind(grantee.kind())
        .bind(grantee.id())
        .bind(scope.trim())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(id,)| GrantId(id)))
    }

    /// Every role a user holds at `as_of`: granted directly, to an owned account, to one of
    /// the user's groups or an ancestor of it, and the roles those include, each with the path.
    pub async fn effective_roles(
        &self,
        user: UserId,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Vec<EffectiveRole>> {
        let t = instant(as_of);
        let mut conn = self.pool.acquire().await?;
        let row = super::identity::user_row_at(&mut conn, user.0, t)
            .await?
            .ok_or_else(|| Error::NotFound(format!("user {}", user.0)))?;
        // Starting points: (grantee kind, id, path so far).
        let mut sources: Vec<(&str, i64, Vec<String>)> = vec![("user", user.0, vec![])];
        let accounts: Vec<(i64, String)> = sqlx::query_as(&format!(
            "SELECT a.object_id, a.name FROM account_owners o JOIN accounts a \
             ON a.object_id = o.account_id AND {} WHERE o.user_id = $1 AND {}",
            live("a", 2),
            live("o", 2)
        ))
        .bind(user.0)
        .bind(t)
        .fetch_all(&mut *conn)
        .await?;
        for (id, name) in accounts {
            sources.push(("account", id, vec![format!("account {name}")]));
        }
        let mut groups: Vec<i64> = vec![row.primary_group_id];
        let secondary: Vec<(i64,)> = sqlx::query_as(&format!(
            "SELECT m.group_id FROM memberships m WHERE m.user_id = $1 AND {}",
            live("m", 2)
        ))
        .bind(user.0)
        .bind(t)
        .fetch_all(&mut *conn)
        .await?;
        groups.extend(secondary.into_iter().map(|(g,)| g));
        let mut seen_groups = HashSet::new();
        for group in groups {
            let mut path = Vec::new();
            let mut at = Some(group);
            while let Some(id) = at {
                let Some(g) = super::identity::group_row_at(&mut conn, id, t).await? else {
                    break;
                };
                path.push(format!("group {}", g.name));
                if seen_groups.insert(id) {
                    sources.push(("group", id, path.clone()));
                }
                at = g.parent_id;
                if path.len() > 10_000 {
                    break;
                }
            }
        }
        let roles: HashMap<i64, (String, String)> = self
            .list_roles(as_of)
            .await?
            .into_iter()
            .map(|r| (r.id.0, (r.input.name, r.system_name)))
            .collect();
        let links: Vec<(i64, i64)> = sqlx::query_as(&format!(
            "SELECT i.role_id, i.inherited_role_id FROM role_inheritance i WHERE {}",
            live("i", 1)
        ))
        .bind(t)
        .fetch_all(&mut *conn)
        .await?;
        let mut out: Vec<EffectiveRole> = Vec::new();
        for (kind, id, path) in sources {
            let grants: Vec<(i64, String)> = sqlx::query_as(&format!(
                "SELECT gr.role_id, gr.scope FROM grants gr WHERE gr.grantee_kind = $1 \
                 AND gr.grantee_id = $2 AND {}",
                live("gr", 3)
            ))
            .bind(kind)
            .bind(id)
            .bind(t)
            .fetch_all(&mut *conn)
            .await?;
            for (role, scope) in grants {
                // Breadth-first through inherited roles, never visiting a role twice per grant.
                let mut queue = VecDeque::from([(role, path.clone())]);
                let mut visited = HashSet::new();
                while let Some((r, mut p)) = queue.pop_front() {
                    if !visited.insert(r) {
                        continue;
                    }
                    let Some((name, system)) = roles.get(&r) else {
                        continue;
                    };
                    p.push(format!("role {name}"));
                    if !out.iter().any(|e| e.role.0 == r && e.scope == scope) {
                        out.push(EffectiveRole {
                            role: RoleId(r),
                            role_name: name.clone(),
                            system_name: system.clone(),
                            scope: scope.clone(),
                            path: p.clone(),
                        });
                    }
                    for (_, inherited) in links.iter().filter(|(from, _)| *from == r) {
                        queue.push_back((*inherited, p.clone()));
                    }
                }
            }
        }
        out.sort_by(|a, b| (&a.role_name, &a.scope).cmp(&(&b.role_name, &b.scope)));
        Ok(out)
    }
}
