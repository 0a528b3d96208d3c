//! Systems, information systems, accounts and roles: versioned like users; with the field
//! lists of grants and mail-list members. Grants are in `grants`, mail lists in `mail_lists`.
pub(crate) use super::grants::{insert_grant, users_of_grantee};
use super::identity::{audit, close_where, current_user, unique_to};
pub(crate) use super::mail_lists::{create_mail_list_in, update_mail_list_in};
use super::snapshots::{capture, users_of_account, users_of_role};
use super::temporal::{
    attributes_json, begin_op, check_attributes, check_name, close_current, insert_version,
    instant, is_current, live, micros, name_key, new_object, parse_attributes, replace_version,
    write_version, Author, Table, Val,
};
use super::text::{check_account_texts, check_description, check_role_texts};
use super::{Error, Result, Store};
use crate::model::*;
use chrono::{DateTime, Utc};
use sqlx::{Any, AnyConnection};
use std::collections::{HashMap, HashSet, VecDeque};

#[derive(sqlx::FromRow)]
pub(super) struct AccountRow {
    pub(super) object_id: i64,
    pub(super) system_id: i64,
    pub(super) name: String,
    pub(super) login_name: String,
    pub(super) description: String,
    pub(super) account_type: String,
    pub(super) status: String,
    pub(super) attributes: String,
}

pub(super) const ACCOUNT_COLUMNS: &str =
    "a.object_id, a.system_id, a.name, a.login_name, a.description, \
    a.account_type, a.status, a.attributes";

impl AccountRow {
    pub(super) fn input(&self) -> AccountInput {
        AccountInput {
            system: SystemId(self.system_id),
            name: self.name.clone(),
            login_name: self.login_name.clone(),
            description: self.description.clone(),
            account_type: self.account_type.clone(),
            status: self.status.clone(),
            attributes: parse_attributes(&self.attributes),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct RoleRow {
    pub(super) object_id: i64,
    pub(super) system_id: i64,
    pub(super) name: String,
    pub(super) description: String,
    pub(super) category: String,
    pub(super) information_system_id: Option<i64>,
    pub(super) domain_type: String,
}

pub(super) const ROLE_COLUMNS: &str =
    "r.object_id, r.system_id, r.name, r.description, r.category, \
    r.information_system_id, r.domain_type";

pub(crate) fn account_fields(input: &AccountInput) -> Vec<(&'static str, Val)> {
    vec![
        ("system_id", input.system.0.into()),
        ("name", input.name.trim().into()),
        ("name_key", name_key(&input.name).into()),
        ("login_name", input.login_name.trim().into()),
        ("description", (&input.description).into()),
        ("account_type", (&input.account_type).into()),
        ("status", (&input.status).into()),
        ("attributes", attributes_json(&input.attributes).into()),
    ]
}

fn role_fields(input: &RoleInput) -> Vec<(&'static str, Val)> {
    vec![
        ("system_id", input.system.0.into()),
        ("name", input.name.trim().into()),
        ("name_key", name_key(&input.name).into()),
        ("description", (&input.description).into()),
        ("category", input.category.trim().into()),
        (
            "information_system_id",
            input.information_system.map(|i| i.0).into(),
        ),
        ("domain_type", (&input.domain_type).into()),
    ]
}

pub(crate) fn grant_fields(input: &GrantInput) -> Vec<(&'static str, Val)> {
    vec![
        ("role_id", input.role.0.into()),
        ("grantee_kind", input.grantee.kind().into()),
        ("grantee_id", input.grantee.id().into()),
        ("scope", input.scope.trim().into()),
        ("start_date", micros(input.start_date).into()),
        ("end_date", micros(input.end_date).into()),
    ]
}

pub(crate) fn owner_fields(account: i64, user: i64, level: &str) -> Vec<(&'static str, Val)> {
    vec![
        ("account_id", account.into()),
        ("user_id", user.into()),
        ("level", level.into()),
    ]
}

pub(crate) fn mail_member_fields(list: i64, member: &MailMember) -> Vec<(&'static str, Val)> {
    let (kind, id, address) = match member {
        MailMember::User(u) => ("user", u.0, String::new()),
        MailMember::List(l) => ("list", l.0, String::new()),
        MailMember::Group(g) => ("group", g.0, String::new()),
        MailMember::Role(r) => ("role", r.0, String::new()),
        MailMember::External(a) => ("external", 0, a.trim().to_lowercase()),
    };
    vec![
        ("list_id", list.into()),
        ("member_kind", kind.into()),
        ("member_id", id.into()),
        ("address", address.into()),
    ]
}

pub(super) async fn require(
    conn: &mut AnyConnection,
    table: Table,
    id: i64,
    what: &str,
) -> Result<()> {
    if is_current(conn, table, id).await? {
        Ok(())
    } else {
        Err(Error::NotFound(format!("{what} {id}")))
    }
}

pub(crate) async fn current_account(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<AccountInput>> {
    let row = sqlx::query_as::<Any, AccountRow>(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.object_id = $1 AND a.valid_to IS NULL"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| r.input()))
}

/// The ids of a multi-select delete, each once and in the order given; none is refused.
pub(super) fn chosen<T: Copy + PartialEq>(ids: &[T], field: &str, message: &str) -> Result<Vec<T>> {
    let mut out: Vec<T> = Vec::with_capacity(ids.len());
    for id in ids {
        if !out.contains(id) {
            out.push(*id);
        }
    }
    if out.is_empty() {
        return Err(Error::invalid(field, message));
    }
    Ok(out)
}

/// Users to capture once each.
pub(super) fn distinct(mut users: Vec<i64>) -> Vec<i64> {
    users.sort_unstable();
    users.dedup();
    users
}

pub(super) async fn role_name(conn: &mut AnyConnection, role: i64) -> Result<String> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT name FROM roles WHERE object_id = $1 AND valid_to IS NULL")
            .bind(role)
            .fetch_optional(conn)
            .await?;
    row.map(|(n,)| n)
        .ok_or_else(|| Error::NotFound(format!("role {role}")))
}

impl Store {
    /// Creates a system (`Table::Systems`) or an information system.
    async fn create_named(
        &self,
        actor: &Author,
        table: Table,
        label: &str,
        name: &str,
        description: &str,
    ) -> Result<i64> {
        let name = check_name("name", label, name)?;
        check_description(description)?;
        let mut tx = self.begin_identity_write().await?;
        let op = begin_op(&mut tx, actor, &format!("{}.create", table.name()), &name).await?;
        let id = new_object(&mut tx, table).await?;
        insert_version(
            &mut tx,
            &op,
            table,
            id,
            &[
                ("name", name.as_str().into()),
                ("name_key", name_key(&name).into()),
                ("description", description.into()),
            ],
        )
        .await
        .map_err(unique_to(format!("{label} {name:?} already exists.")))?;
        audit(&mut tx, &op, &format!("{}.create", table.name()), &name, "").await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn list_named(
        &self,
        table: Table,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Vec<NamedObject>> {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(&format!(
            "SELECT x.object_id, x.name, x.description FROM {} x WHERE {} ORDER BY x.name_key",
            table.name(),
            live("x", 1)
        ))
        .bind(instant(as_of))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, description)| NamedObject {
                id,
                name,
                description,
            })
            .collect())
    }

    pub async fn list_systems(&self, as_of: Option<DateTime<Utc>>) -> Result<Vec<NamedObject>> {
        self.list_named(Table::Systems, as_of).await
    }

    pub async fn create_information_system(
        &self,
        actor: &Author,
        name: &str,
        description: &str,
    ) -> Result<InformationSystemId> {
        self.create_named(
            actor,
            Table::InformationSystems,
            "The information system",
            name,
            description,
        )
        .await
        .map(InformationSystemId)
    }

    pub async fn list_information_systems(
        &self,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Vec<NamedObject>> {
        self.list_named(Table::InformationSystems, as_of).await
    }

    fn check_account(input: &AccountInput) -> Result<AccountInput> {
        let mut input = input.clone();
        input.name = check_name("name", "The account name", &input.name)?;
        check_account_texts(&input)?;
        if input.login_name.trim().is_empty() {
            input.login_name = input.name.clone();
        }
        if input.account_type.is_empty() {
            input.account_type = "single".into();
        }
        if input.status.is_empty() {
            input.status = "enabled".into();
        }
        if !ACCOUNT_TYPES.contains(&input.account_type.as_str()) {
            return Err(Error::invalid(
                "account_type",
                format!("Use one of {}.", ACCOUNT_TYPES.join(", ")),
            ));
        }
        if !ACCOUNT_STATUSES.contains(&input.status.as_str()) {
            return Err(Error::invalid(
                "status",
                format!("Use one of {}.", ACCOUNT_STATUSES.join(", ")),
            ));
        }
        input.attributes = check_attributes("attributes", &input.attributes)?;
        Ok(input)
    }

    pub async fn create_account(&self, actor: &Author, input: &AccountInput) -> Result<AccountId> {
        let input = Self::check_account(input)?;
        let mut tx = self.begin_identity_write().await?;
        require(&mut tx, Table::Systems, input.system.0, "system").await?;
        let op = begin_op(&mut tx, actor, "account.create", &input.name).await?;
        let id = new_object(&mut tx, Table::Accounts).await?;
        insert_version(&mut tx, &op, Table::Accounts, id, &account_fields(&input))
            .await
            .map_err(unique_to(format!(
                "An account named {:?} already exists in this system.",
                input.name
            )))?;
        audit(&mut tx, &op, "account.create", &input.name, "").await?;
        tx.commit().await?;
        Ok(AccountId(id))
    }

    pub async fn update_account(
        &self,
        actor: &Author,
        id: AccountId,
        input: &AccountInput,
    ) -> Result<()> {
        let input = Self::check_account(input)?;
        let mut tx = self.begin_identity_write().await?;
        let before = current_account(&mut tx, id.0)
            .await?
            .ok_or_else(|| Error::NotFound(format!("account {}", id.0)))?;
        if before == input {
            return Ok(());
        }
        require(&mut tx, Table::Systems, input.system.0, "system").await?;
        let op = begin_op(&mut tx, actor, "account.update", &input.name).await?;
        replace_version(&mut tx, &op, Table::Accounts, id.0, &account_fields(&input))
            .await
            .map_err(unique_to(format!(
                "An account named {:?} already exists in this system.",
                input.name
            )))?;
        audit(&mut tx, &op, "account.update", &input.name, "").await?;
        let users = users_of_account(&mut tx, id.0).await?;
        capture(&mut tx, &op, &users).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes an account; its ownerships and grants end with it.
    pub async fn delete_account(&self, actor: &Author, id: AccountId) -> Result<()> {
        self.delete_accounts(actor, &[id]).await.map(|_| ())
    }

    /// Deletes accounts in one operation, all or none; their ownerships and grants end with
    /// them. Returns their names.
    pub async fn delete_accounts(&self, actor: &Author, ids: &[AccountId]) -> Result<Vec<String>> {
        let ids = chosen(ids, "accounts", "Choose at least one account to delete.")?;
        let mut tx = self.begin_identity_write().await?;
        let mut names = Vec::with_capacity(ids.len());
        for id in &ids {
            let account = current_account(&mut tx, id.0)
                .await?
                .ok_or_else(|| Error::NotFound(format!("account {}", id.0)))?;
            names.push(account.name);
        }
        let op = begin_op(&mut tx, actor, "account.delete", &names.join(", ")).await?;
        // Who is affected, read before anything closes (inheritance links go with roles).
        let mut users = Vec::new();
        for id in &ids {
            users.extend(users_of_account(&mut tx, id.0).await?);
        }
        for (id, name) in ids.iter().zip(&names) {
            close_current(&mut tx, &op, Table::Accounts, id.0).await?;
            close_where(&mut tx, &op, Table::AccountOwners, "account_id = $1", id.0).await?;
            close_where(
                &mut tx,
                &op,
                Table::Grants,
                "grantee_kind = 'account' AND grantee_id = $1",
                id.0,
            )
            .await?;
            audit(&mut tx, &op, "account.delete", name, "").await?;
        }
        capture(&mut tx, &op, &distinct(users)).await?;
        tx.commit().await?;
        Ok(names)
    }

    pub async fn list_accounts(
        &self,
        system: Option<SystemId>,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Vec<Account>> {
        let rows = sqlx::query_as::<Any, AccountRow>(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE {} AND ($2 = 0 OR a.system_id = $2) \
             ORDER BY a.name_key, a.object_id",
            live("a", 1)
        ))
        .bind(instant(as_of))
        .bind(system.map(|s| s.0).unwrap_or(0))
        .fetch_all(&self.pool)
        .await?;
        let systems: HashMap<i64, String> = self
            .list_systems(as_of)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        Ok(rows
            .into_iter()
            .map(|r| Account {
                id: AccountId(r.object_id),
                system_name: systems.get(&r.system_id).cloned().unwrap_or_default(),
                input: r.input(),
            })
            .collect())
    }

    /// Makes `user` an owner of `account` at `level` (owner, manager, sso); re-setting
    /// changes the level.
    pub async fn set_account_owner(
        &self,
        actor: &Author,
        account: AccountId,
        user: UserId,
        level: &str,
    ) -> Result<()> {
        if !OWNER_LEVELS.contains(&level) {
            return Err(Error::invalid(
                "level",
                format!("Use one of {}.", OWNER_LEVELS.join(", ")),
            ));
        }
        let mut tx = self.begin_identity_write().await?;
        let acc = current_account(&mut tx, account.0)
            .await?
            .ok_or_else(|| Error::NotFound(format!("account {}", account.0)))?;
        let owner = current_user(&mut tx, user).await?;
        let op = begin_op(&mut tx, actor, "account.owner", &acc.name).await?;
        let existing: Option<(i64,)> = sqlx::query_as(
            "SELECT object_id FROM account_owners WHERE account_id = $1 AND user_id = $2 \
             AND valid_to IS NULL",
        )
        .bind(account.0)
        .bind(user.0)
        .fetch_optional(&mut *tx)
        .await?;
        let object = match existing {
            Some((id,)) => id,
            None => new_object(&mut tx, Table::AccountOwners).await?,
        };
        write_version(
            &mut tx,
            &op,
            Table::AccountOwners,
            object,
            &owner_fields(account.0, user.0, level),
        )
        .await?;
        audit(
            &mut tx,
            &op,
            "account.owner",
            &acc.name,
            &format!("{} as {level}", owner.name),
        )
        .await?;
        // The account's roles become the owner's: segregation of duties weighs them.
        super::sod::refuse_account_roles(&mut tx, user.0, account.0).await?;
        capture(&mut tx, &op, &[user.0]).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn remove_account_owner(
        &self,
        actor: &Author,
        account: AccountId,
        user: UserId,
    ) -> Result<()> {
        let mut tx = self.begin_identity_write().await?;
        let op = begin_op(&mut tx, actor, "account.owner-remove", "").await?;
        let closed = close_where(
            &mut tx,
            &op,
            Table::AccountOwners,
            &format!("account_id = $1 AND user_id = {}", user.0),
            account.0,
        )
        .await?;
        if closed.is_empty() {
            return Err(Error::NotFound(format!(
                "ownership of account {} by user {}",
                account.0, user.0
            )));
        }
        audit(
            &mut tx,
            &op,
            "account.owner-remove",
            &format!("account {}", account.0),
            &format!("user {}", user.0),
        )
        .await?;
        capture(&mut tx, &op, &[user.0]).await?;
        tx.commit().await?;
        Ok(())
    }

    fn check_role(input: &RoleInput) -> Result<RoleInput> {
        let mut input = input.clone();
        input.name = check_name("name", "The role name", &input.name)?;
        check_role_texts(&input)?;
        if input.domain_type.is_empty() {
            input.domain_type = "none".into();
        }
        if !["none", "groups", "information-systems"].contains(&input.domain_type.as_str()) {
            return Err(Error::invalid(
                "domain_type",
                "Use none, groups or information-systems.",
            ));
        }
        Ok(input)
    }

    pub async fn create_role(&self, actor: &Author, input: &RoleInput) -> Result<RoleId> {
        let input = Self::check_role(input)?;
        let mut tx = self.begin_identity_write().await?;
        require(&mut tx, Table::Systems, input.system.0, "system").await?;
        let op = begin_op(&mut tx, actor, "role.create", &input.name).await?;
        let id = new_object(&mut tx, Table::Roles).await?;
        insert_version(&mut tx, &op, Table::Roles, id, &role_fields(&input))
            .await
            .map_err(unique_to(format!(
                "A role named {:?} already exists in this system.",
                input.name
            )))?;
        audit(&mut tx, &op, "role.create", &input.name, "").await?;
        tx.commit().await?;
        Ok(RoleId(id))
    }

    pub async fn update_role(&self, actor: &Author, id: RoleId, input: &RoleInput) -> Result<()> {
        let input = Self::check_role(input)?;
        let mut tx = self.begin_identity_write().await?;
        role_name(&mut tx, id.0).await?;
        require(&mut tx, Table::Systems, input.system.0, "system").await?;
        let op = begin_op(&mut tx, actor, "role.update", &input.name).await?;
        let before = super::rule_renames::role_line(&mut tx, id.0).await?;
        replace_version(&mut tx, &op, Table::Roles, id.0, &role_fields(&input))
            .await
            .map_err(unique_to(format!(
                "A role named {:?} already exists in this system.",
                input.name
            )))?;
        let after = super::rule_renames::role_line(&mut tx, id.0).await?;
        if let (Some(before), Some(after)) = (before, after) {
            super::rule_renames::follow_role(&mut tx, &op, &before, &after).await?;
        }
        audit(&mut tx, &op, "role.update", &input.name, "").await?;
        let users = users_of_role(&mut tx, id.0).await?;
        capture(&mut tx, &op, &users).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a role; its grants and inheritance links end with it.
    pub async fn delete_role(&self, actor: &Author, id: RoleId) -> Result<()> {
        self.delete_roles(actor, &[id]).await.map(|_| ())
    }

    /// Deletes roles in one operation, all or none; their grants, inheritance links and mail
    /// list memberships end with them. Returns their names.
    pub async fn delete_roles(&self, actor: &Author, ids: &[RoleId]) -> Result<Vec<String>> {
        let ids = chosen(ids, "roles", "Choose at least one role to delete.")?;
        let mut tx = self.begin_identity_write().await?;
        let mut names = Vec::with_capacity(ids.len());
        for id in &ids {
            names.push(role_name(&mut tx, id.0).await?);
        }
        let op = begin_op(&mut tx, actor, "role.delete", &names.join(", ")).await?;
        // Who is affected, read before anything closes (inheritance links go with roles).
        let mut users = Vec::new();
        for id in &ids {
            users.extend(users_of_role(&mut tx, id.0).await?);
        }
        for (id, name) in ids.iter().zip(&names) {
            close_current(&mut tx, &op, Table::Roles, id.0).await?;
            close_where(&mut tx, &op, Table::Grants, "role_id = $1", id.0).await?;
            close_where(
                &mut tx,
                &op,
                Table::RoleInheritance,
                "(role_id = $1 OR inherited_role_id = $1)",
                id.0,
            )
            .await?;
            close_where(
                &mut tx,
                &op,
                Table::MailListMembers,
                "member_kind = 'role' AND member_id = $1",
                id.0,
            )
            .await?;
            super::access::close_entries_of(&mut tx, &op, AssigneeKind::Role, id.0).await?;
            audit(&mut tx, &op, "role.delete", name, "").await?;
        }
        capture(&mut tx, &op, &distinct(users)).await?;
        tx.commit().await?;
        Ok(names)
    }

    pub async fn list_roles(&self, as_of: Option<DateTime<Utc>>) -> Result<Vec<Role>> {
        let t = instant(as_of);
        let rows = sqlx::query_as::<Any, RoleRow>(&format!(
            "SELECT {ROLE_COLUMNS} FROM roles r WHERE {} ORDER BY r.name_key, r.object_id",
            live("r", 1)
        ))
        .bind(t)
        .fetch_all(&self.pool)
        .await?;
        let links: Vec<(i64, i64)> = sqlx::query_as(&format!(
            "SELECT i.role_id, i.inherited_role_id FROM role_inheritance i WHERE {}",
            live("i", 1)
        ))
        .bind(t)
        .fetch_all(&self.pool)
        .await?;
        let systems: HashMap<i64, String> = self
            .list_systems(as_of)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        Ok(rows
            .into_iter()
            .map(|r| Role {
                id: RoleId(r.object_id),
                system_name: systems.get(&r.system_id).cloned().unwrap_or_default(),
                inherits: links
                    .iter()
                    .filter(|(role, _)| *role == r.object_id)
                    .map(|(_, inherited)| RoleId(*inherited))
                    .collect(),
                input: RoleInput {
                    system: SystemId(r.system_id),
                    name: r.name,
                    description: r.description,
                    category: r.category,
                    information_system: r.information_system_id.map(InformationSystemId),
                    domain_type: r.domain_type,
                },
            })
            .collect())
    }

    /// Holders of `role` also hold `inherited`. Cycles are refused.
    pub async fn add_role_inheritance(
        &self,
        actor: &Author,
        role: RoleId,
        inherited: RoleId,
    ) -> Result<()> {
        let mut tx = self.begin_identity_write().await?;
        super::locks::take(&mut tx, super::locks::Lock::RoleInheritance).await?;
        let name = role_name(&mut tx, role.0).await?;
        let other = role_name(&mut tx, inherited.0).await?;
        // Would `inherited` (transitively) reach `role`?
        let mut queue = VecDeque::from([inherited.0]);
        let mut seen = HashSet::new();
        while let Some(at) = queue.pop_front() {
            if at == role.0 {
                return Err(Error::invalid(
                    "inherited",
                    format!("{other:?} already includes {name:?}: this would make a cycle."),
                ));
            }
            if seen.insert(at) {
                let next: Vec<(i64,)> = sqlx::query_as(
                    "SELECT inherited_role_id FROM role_inheritance WHERE role_id = $1 \
                     AND valid_to IS NULL",
                )
                .bind(at)
                .fetch_all(&mut *tx)
                .await?;
                queue.extend(next.into_iter().map(|(id,)| id));
            }
        }
        let op = begin_op(&mut tx, actor, "role.inherit", &name).await?;
        let id = new_object(&mut tx, Table::RoleInheritance).await?;
        insert_version(
            &mut tx,
            &op,
            Table::RoleInheritance,
            id,
            &[
                ("role_id", role.0.into()),
                ("inherited_role_id", inherited.0.into()),
            ],
        )
        .await
        .map_err(unique_to(format!("{name:?} already includes {other:?}.")))?;
        super::sod::refuse_inheritance(&mut tx, role.0, inherited.0).await?;
        audit(&mut tx, &op, "role.inherit", &name, &other).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn remove_role_inheritance(
        &self,
        actor: &Author,
        role: RoleId,
        inherited: RoleId,
    ) -> Result<()> {
        let mut tx = self.begin_identity_write().await?;
        let op = begin_op(&mut tx, actor, "role.uninherit", "").await?;
        let closed = close_where(
            &mut tx,
            &op,
            Table::RoleInheritance,
            &format!("role_id = $1 AND inherited_role_id = {}", inherited.0),
            role.0,
        )
        .await?;
        if closed.is_empty() {
            return Err(Error::NotFound("role inheritance".into()));
        }
        audit(
            &mut tx,
            &op,
            "role.uninherit",
            &format!("role {}", role.0),
            &format!("role {}", inherited.0),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
