//! Reads behind the directory screens: paged, searchable lists and object details of
//! systems, accounts, roles, mail domains and mail lists, at any instant.
use super::directory::{AccountRow, RoleRow, ACCOUNT_COLUMNS, ROLE_COLUMNS};
use super::temporal::{instant, live};
use super::{to_time, Error, Result, Store};
use crate::model::*;
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, FromRow, Row};

/// Limit, offset, `LIKE` pattern, parent filter and `ORDER BY` direction of a list query.
struct Paging {
    limit: i64,
    offset: i64,
    pattern: String,
    parent: i64,
    direction: &'static str,
}

impl Paging {
    fn of(query: &DirectoryQuery) -> Self {
        Self {
            limit: if (1..=500).contains(&query.limit) {
                query.limit
            } else {
                50
            },
            offset: query.offset.max(0),
            pattern: format!("%{}%", query.search.trim().to_lowercase()),
            parent: query.parent.unwrap_or(0),
            direction: if query.descending { "DESC" } else { "ASC" },
        }
    }

    /// The `ORDER BY` expression for `alias`, whose name key column is `key`.
    fn order(&self, query: &DirectoryQuery, alias: &str, key: &str) -> String {
        let column = match query.sort {
            DirectorySort::Name => format!("{alias}.{key}"),
            DirectorySort::Modified => format!("{alias}.valid_from"),
        };
        format!("{column} {d}, {alias}.object_id {d}", d = self.direction)
    }

    fn page<T>(&self, items: Vec<T>, total: i64) -> Page<T> {
        Page {
            items,
            total,
            offset: self.offset,
            limit: self.limit,
        }
    }
}

fn full_name(first: &str, last: &str, name: &str) -> String {
    let joined = format!("{} {}", first.trim(), last.trim());
    let joined = joined.trim();
    if joined.is_empty() {
        name.to_string()
    } else {
        joined.to_string()
    }
}

/// Who wrote the version of `table` row `id` visible at `t`, and when.
async fn stamp(conn: &mut AnyConnection, table: &str, id: i64, t: i64) -> Result<Stamp> {
    let row: Option<(i64, String)> = sqlx::query_as(&format!(
        "SELECT x.valid_from, x.changed_by FROM {table} x WHERE x.object_id = $1 AND {}",
        live("x", 2)
    ))
    .bind(id)
    .bind(t)
    .fetch_optional(conn)
    .await?;
    let (at, by) = row.ok_or_else(|| Error::NotFound(format!("{table} {id}")))?;
    Ok(Stamp {
        at: to_time(at),
        by,
    })
}

fn account_of(row: &AnyRow) -> Result<Account> {
    let account = AccountRow::from_row(row)?;
    Ok(Account {
        id: AccountId(account.object_id),
        input: account.input(),
        system_name: row.try_get("system_name")?,
    })
}

fn role_of(row: &AnyRow, links: &[(i64, i64)]) -> Result<Role> {
    let r = RoleRow::from_row(row)?;
    Ok(Role {
        id: RoleId(r.object_id),
        system_name: row.try_get("system_name")?,
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
}

fn mail_list_of(row: (i64, i64, String, String, String)) -> MailListSummary {
    let (id, domain, name, description, domain_code) = row;
    MailListSummary {
        id: MailListId(id),
        input: MailListInput {
            domain: MailDomainId(domain),
            name,
            description,
        },
        domain_code,
    }
}

const MAIL_LIST_COLUMNS: &str =
    "l.object_id, l.domain_id, l.name, l.description, COALESCE(d.code, '') AS domain_code";

impl Store {
    /// Systems whose name or description contains the search text.
    pub async fn search_systems(&self, query: &DirectoryQuery) -> Result<Page<NamedObject>> {
        let p = Paging::of(query);
        let filter = format!(
            "{} AND (lower(s.name) LIKE $2 OR lower(s.description) LIKE $2)",
            live("s", 1)
        );
        let mut conn = self.pool.acquire().await?;
        let (total,): (i64,) =
            sqlx::query_as(&format!("SELECT COUNT(*) FROM systems s WHERE {filter}"))
                .bind(instant(query.as_of))
                .bind(&p.pattern)
                .fetch_one(&mut *conn)
                .await?;
        let rows: Vec<(i64, String, String)> = sqlx::query_as(&format!(
            "SELECT s.object_id, s.name, s.description FROM systems s WHERE {filter} \
             ORDER BY {} LIMIT $3 OFFSET $4",
            p.order(query, "s", "name_key")
        ))
        .bind(instant(query.as_of))
        .bind(&p.pattern)
        .bind(p.limit)
        .bind(p.offset)
        .fetch_all(&mut *conn)
        .await?;
        let items = rows
            .into_iter()
            .map(|(id, name, description)| NamedObject {
                id,
                name,
                description,
            })
            .collect();
        Ok(p.page(items, total))
    }

    pub async fn get_system(
        &self,
        id: SystemId,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<NamedObject> {
        let row: Option<(i64, String, String)> = sqlx::query_as(&format!(
            "SELECT s.object_id, s.name, s.description FROM systems s WHERE s.object_id = $1 \
             AND {}",
            live("s", 2)
        ))
        .bind(id.0)
        .bind(instant(as_of))
        .fetch_optional(&self.pool)
        .await?;
        let (id, name, description) =
            row.ok_or_else(|| Error::NotFound(format!("system {}", id.0)))?;
        Ok(NamedObject {
            id,
            name,
            description,
        })
    }

    /// Accounts whose name, login name or description contains the search text; `parent`
    /// restricts them to one system.
    pub async fn search_accounts(&self, query: &DirectoryQuery) -> Result<Page<Account>> {
        let p = Paging::of(query);
        let filter = format!(
            "{} AND ($3 = 0 OR a.system_id = $3) AND (lower(a.name) LIKE $2 \
             OR lower(a.login_name) LIKE $2 OR lower(a.description) LIKE $2)",
            live("a", 1)
        );
        let t = instant(query.as_of);
        let mut conn = self.pool.acquire().await?;
        let (total,): (i64,) =
            sqlx::query_as(&format!("SELECT COUNT(*) FROM accounts a WHERE {filter}"))
                .bind(t)
                .bind(&p.pattern)
                .bind(p.parent)
                .fetch_one(&mut *conn)
                .await?;
        let rows = sqlx::query::<Any>(&format!(
            "SELECT {ACCOUNT_COLUMNS}, COALESCE(s.name, '') AS system_name FROM accounts a \
             LEFT JOIN systems s ON s.object_id = a.system_id AND {} WHERE {filter} \
             ORDER BY {} LIMIT $4 OFFSET $5",
            live("s", 1),
            p.order(query, "a", "name_key")
        ))
        .bind(t)
        .bind(&p.pattern)
        .bind(p.parent)
        .bind(p.limit)
        .bind(p.offset)
        .fetch_all(&mut *conn)
        .await?;
        let items = rows.iter().map(account_of).collect::<Result<Vec<_>>>()?;
        Ok(p.page(items, total))
    }

    /// One account with its owners.
    pub async fn get_account(
        &self,
        id: AccountId,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<AccountDetail> {
        let t = instant(as_of);
        let mut conn = self.pool.acquire().await?;
        let row = sqlx::query::<Any>(&format!(
            "SELECT {ACCOUNT_COLUMNS}, COALESCE(s.name, '') AS system_name FROM accounts a \
             LEFT JOIN systems s ON s.object_id = a.system_id AND {} \
             WHERE a.object_id = $2 AND {}",
            live("s", 1),
            live("a", 1)
        ))
        .bind(t)
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("account {}", id.0)))?;
        let account = account_of(&row)?;
        let owners: Vec<(i64, String, String, String, String)> = sqlx::query_as(&format!(
            "SELECT u.object_id, u.name, u.first_name, u.last_name, o.level FROM account_owners o \
             JOIN users u ON u.object_id = o.user_id AND {} WHERE o.account_id = $2 AND {} \
             ORDER BY u.name_key",
            live("u", 1),
            live("o", 1)
        ))
        .bind(t)
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await?;
        Ok(AccountDetail {
            account,
            owners: owners
                .into_iter()
                .map(|(user, name, first, last, level)| AccountOwner {
                    user: UserRef {
                        id: UserId(user),
                        full_name: full_name(&first, &last, &name),
                        name,
                    },
                    level,
                })
                .collect(),
            modified: stamp(&mut conn, "accounts", id.0, t).await?,
        })
    }

    /// Roles whose name, description or category contains the search text; `parent`
    /// restricts them to one system.
    pub async fn search_roles(&self, query: &DirectoryQuery) -> Result<Page<Role>> {
        let p = Paging::of(query);
        let filter = format!(
            "{} AND ($3 = 0 OR r.system_id = $3) AND (lower(r.name) LIKE $2 \
             OR lower(r.description) LIKE $2 OR lower(r.category) LIKE $2)",
            live("r", 1)
        );
        let t = instant(query.as_of);
        let mut conn = self.pool.acquire().await?;
        let (total,): (i64,) =
            sqlx::query_as(&format!("SELECT COUNT(*) FROM roles r WHERE {filter}"))
                .bind(t)
                .bind(&p.pattern)
                .bind(p.parent)
                .fetch_one(&mut *conn)
                .await?;
        let rows = sqlx::query::<Any>(&format!(
            "SELECT {ROLE_COLUMNS}, COALESCE(s.name, '') AS system_name FROM roles r \
             LEFT JOIN systems s ON s.object_id = r.system_id AND {} WHERE {filter} \
             ORDER BY {} LIMIT $4 OFFSET $5",
            live("s", 1),
            p.order(query, "r", "name_key")
        ))
        .bind(t)
        .bind(&p.pattern)
        .bind(p.parent)
        .bind(p.limit)
        .bind(p.offset)
        .fetch_all(&mut *conn)
        .await?;
        let links: Vec<(i64, i64)> = sqlx::query_as(&format!(
            "SELECT i.role_id, i.inherited_role_id FROM role_inheritance i WHERE {}",
            live("i", 1)
        ))
        .bind(t)
        .fetch_all(&mut *conn)
        .await?;
        let items = rows
            .iter()
            .map(|row| role_of(row, &links))
            .collect::<Result<Vec<_>>>()?;
        Ok(p.page(items, total))
    }

    /// One role: its attributes, the roles it includes and is included by, and its grants.
    pub async fn get_role(&self, id: RoleId, as_of: Option<DateTime<Utc>>) -> Result<RoleDetail> {
        let t = instant(as_of);
        let mut conn = self.pool.acquire().await?;
        let row = sqlx::query::<Any>(&format!(
            "SELECT {ROLE_COLUMNS}, COALESCE(s.name, '') AS system_name, \
             COALESCE(i.name, '') AS information_system_name FROM roles r \
             LEFT JOIN systems s ON s.object_id = r.system_id AND {} \
             LEFT JOIN information_systems i ON i.object_id = r.information_system_id AND {} \
             WHERE r.object_id = $2 AND {}",
            live("s", 1),
            live("i", 1),
            live("r", 1)
        ))
        .bind(t)
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("role {}", id.0)))?;
        let links: Vec<(i64, i64)> = sqlx::query_as(&format!(
            "SELECT i.role_id, i.inherited_role_id FROM role_inheritance i WHERE {} \
             AND (i.role_id = $2 OR i.inherited_role_id = $2)",
            live("i", 1)
        ))
        .bind(t)
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await?;
        let role = role_of(&row, &links)?;
        let information_system_name: String = row.try_get("information_system_name")?;
        let related: Vec<(i64, i64, String, String)> = sqlx::query_as(&format!(
            "SELECT i.role_id, r.object_id, r.name, COALESCE(s.name, '') FROM role_inheritance i \
             JOIN roles r ON r.object_id = CASE WHEN i.role_id = $2 THEN i.inherited_role_id \
             ELSE i.role_id END AND {} \
             LEFT JOIN systems s ON s.object_id = r.system_id AND {} \
             WHERE {} AND (i.role_id = $2 OR i.inherited_role_id = $2) ORDER BY r.name_key",
            live("r", 1),
            live("s", 1),
            live("i", 1)
        ))
        .bind(t)
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await?;
        let (mut inherits, mut inherited_by) = (Vec::new(), Vec::new());
        for (from, other, name, system_name) in related {
            let reference = RoleRef {
                id: RoleId(other),
                name,
                system_name,
            };
            if from == id.0 {
                inherits.push(reference);
            } else {
                inherited_by.push(reference);
            }
        }
        let grants = self.list_grants(Some(id), None, as_of).await?;
        Ok(RoleDetail {
            role,
            information_system_name,
            inherits,
            inherited_by,
            grants,
            modified: stamp(&mut conn, "roles", id.0, t).await?,
        })
    }

    /// Mail domains whose code or description contains the search text, with their list counts.
    pub async fn search_mail_domains(&self, query: &DirectoryQuery) -> Result<Page<MailDomain>> {
        let p = Paging::of(query);
        let filter = format!(
            "{} AND (lower(d.code) LIKE $2 OR lower(d.description) LIKE $2)",
            live("d", 1)
        );
        let t = instant(query.as_of);
        let mut conn = self.pool.acquire().await?;
        let (total,): (i64,) = sqlx::query_as(&format!(
            "SELECT COUNT(*) FROM mail_domains d WHERE {filter}"
        ))
        .bind(t)
        .bind(&p.pattern)
        .fetch_one(&mut *conn)
        .await?;
        let rows: Vec<(i64, String, String, i64, i64)> = sqlx::query_as(&format!(
            "SELECT d.object_id, d.code, d.description, d.obsolete, \
             (SELECT COUNT(*) FROM mail_lists l WHERE l.domain_id = d.object_id AND {}) \
             FROM mail_domains d WHERE {filter} ORDER BY {} LIMIT $3 OFFSET $4",
            live("l", 1),
            p.order(query, "d", "code_key")
        ))
        .bind(t)
        .bind(&p.pattern)
        .bind(p.limit)
        .bind(p.offset)
        .fetch_all(&mut *conn)
        .await?;
        let items = rows
            .into_iter()
            .map(|(id, code, description, obsolete, list_count)| MailDomain {
                id: MailDomainId(id),
                input: MailDomainInput {
                    code,
                    description,
                    obsolete: obsolete != 0,
                },
                list_count,
            })
            .collect();
        Ok(p.page(items, total))
    }

    /// One mail domain and the lists in it.
    pub async fn get_mail_domain(
        &self,
        id: MailDomainId,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<MailDomainDetail> {
        let t = instant(as_of);
        let mut conn = self.pool.acquire().await?;
        let row: Option<(String, String, i64)> = sqlx::query_as(&format!(
            "SELECT d.code, d.description, d.obsolete FROM mail_domains d \
             WHERE d.object_id = $2 AND {}",
            live("d", 1)
        ))
        .bind(t)
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
        let (code, description, obsolete) =
            row.ok_or_else(|| Error::NotFound(format!("mail domain {}", id.0)))?;
        let lists: Vec<(i64, i64, String, String, String)> = sqlx::query_as(&format!(
            "SELECT {MAIL_LIST_COLUMNS} FROM mail_lists l \
             LEFT JOIN mail_domains d ON d.object_id = l.domain_id AND {} \
             WHERE l.domain_id = $2 AND {} ORDER BY l.name_key",
            live("d", 1),
            live("l", 1)
        ))
        .bind(t)
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await?;
        let lists: Vec<MailListSummary> = lists.into_iter().map(mail_list_of).collect();
        Ok(MailDomainDetail {
            domain: MailDomain {
                id,
                input: MailDomainInput {
                    code,
                    description,
                    obsolete: obsolete != 0,
                },
                list_count: lists.len() as i64,
            },
            lists,
            modified: stamp(&mut conn, "mail_domains", id.0, t).await?,
        })
    }

    /// Mail lists whose name, description or domain code contains the search text;
    /// `parent` restricts them to one domain.
    pub async fn search_mail_lists(&self, query: &DirectoryQuery) -> Result<Page<MailListSummary>> {
        let p = Paging::of(query);
        let from = format!(
            "mail_lists l LEFT JOIN mail_domains d ON d.object_id = l.domain_id AND {}",
            live("d", 1)
        );
        let filter = format!(
            "{} AND ($3 = 0 OR l.domain_id = $3) AND (lower(l.name) LIKE $2 \
             OR lower(l.description) LIKE $2 OR lower(COALESCE(d.code, '')) LIKE $2)",
            live("l", 1)
        );
        let t = instant(query.as_of);
        let mut conn = self.pool.acquire().await?;
        let (total,): (i64,) =
            sqlx::query_as(&format!("SELECT COUNT(*) FROM {from} WHERE {filter}"))
                .bind(t)
                .bind(&p.pattern)
                .bind(p.parent)
                .fetch_one(&mut *conn)
                .await?;
        let rows: Vec<(i64, i64, String, String, String)> = sqlx::query_as(&format!(
            "SELECT {MAIL_LIST_COLUMNS} FROM {from} WHERE {filter} ORDER BY {} \
             LIMIT $4 OFFSET $5",
            p.order(query, "l", "name_key")
        ))
        .bind(t)
        .bind(&p.pattern)
        .bind(p.parent)
        .bind(p.limit)
        .bind(p.offset)
        .fetch_all(&mut *conn)
        .await?;
        Ok(p.page(rows.into_iter().map(mail_list_of).collect(), total))
    }

    /// One mail list: its members by kind and the users it reaches.
    pub async fn get_mail_list(
        &self,
        id: MailListId,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<MailListDetail> {
        let t = instant(as_of);
        let mut conn = self.pool.acquire().await?;
        let row: Option<(i64, i64, String, String, String)> = sqlx::query_as(&format!(
            "SELECT {MAIL_LIST_COLUMNS} FROM mail_lists l \
             LEFT JOIN mail_domains d ON d.object_id = l.domain_id AND {} \
             WHERE l.object_id = $2 AND {}",
            live("d", 1),
            live("l", 1)
        ))
        .bind(t)
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
        let list = mail_list_of(row.ok_or_else(|| Error::NotFound(format!("mail list {}", id.0)))?);
        let members: Vec<(String, i64, String, String)> = sqlx::query_as(&format!(
            "SELECT m.member_kind, m.member_id, m.address, \
             COALESCE(u.name, l.name, g.name, r.name, '') FROM mail_list_members m \
             LEFT JOIN users u ON m.member_kind = 'user' AND u.object_id = m.member_id AND {} \
             LEFT JOIN mail_lists l ON m.member_kind = 'list' AND l.object_id = m.member_id \
             AND {} \
             LEFT JOIN groups g ON m.member_kind = 'group' AND g.object_id = m.member_id AND {} \
             LEFT JOIN roles r ON m.member_kind = 'role' AND r.object_id = m.member_id AND {} \
             WHERE m.list_id = $2 AND {} ORDER BY m.member_kind, 4, m.address",
            live("u", 1),
            live("l", 1),
            live("g", 1),
            live("r", 1),
            live("m", 1)
        ))
        .bind(t)
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await?;
        let members = members
            .into_iter()
            .map(|(kind, member, address, name)| {
                let member = match kind.as_str() {
                    "user" => MailMember::User(UserId(member)),
                    "list" => MailMember::List(MailListId(member)),
                    "group" => MailMember::Group(GroupId(member)),
                    "role" => MailMember::Role(RoleId(member)),
                    _ => MailMember::External(address.clone()),
                };
                let label = if matches!(member, MailMember::External(_)) {
                    address
                } else {
                    name
                };
                MailListMemberView { member, label }
            })
            .collect();
        let modified = stamp(&mut conn, "mail_lists", id.0, t).await?;
        drop(conn);
        let target_ids = self.mail_list_targets(id, as_of).await?;
        let mut conn = self.pool.acquire().await?;
        let mut targets = Vec::with_capacity(target_ids.len());
        for user in target_ids {
            if let Some(row) = super::identity::user_row_at(&mut conn, user.0, t).await? {
                targets.push(UserRef {
                    id: user,
                    full_name: row.input().full_name(),
                    name: row.name,
                });
            }
        }
        targets.sort_by_key(|u| u.name.to_lowercase());
        Ok(MailListDetail {
            list,
            members,
            targets,
            modified,
        })
    }
}
