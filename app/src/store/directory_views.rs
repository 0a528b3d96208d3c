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

/// What every directory list shares: one table under `alias` (with the tables joined in
/// `from`), a case-insensitive substring search over the `search` expressions, an optional
/// `parent` column, and an order by the `key` column or by last change. In the SQL, `$1` is
/// the instant, `$2` the pattern and `$3` the parent (when there is one).
pub(super) struct ListShape {
    pub(super) from: String,
    pub(super) alias: &'static str,
    pub(super) key: String,
    pub(super) search: Vec<String>,
    pub(super) parent: Option<&'static str>,
}

impl ListShape {
    fn filter(&self) -> String {
        let mut filter = live(self.alias, 1);
        if let Some(column) = self.parent {
            filter.push_str(&format!(" AND ($3 = 0 OR {}.{column} = $3)", self.alias));
        }
        let search: Vec<String> = self
            .search
            .iter()
            .map(|e| format!("lower({e}) LIKE $2"))
            .collect();
        filter.push_str(&format!(" AND ({})", search.join(" OR ")));
        filter
    }

    pub(super) fn accounts() -> Self {
        Self {
            from: format!(
                "accounts a LEFT JOIN systems s ON s.object_id = a.system_id AND {}",
                live("s", 1)
            ),
            alias: "a",
            key: "name_key".into(),
            search: ["a.name", "a.login_name", "a.description"]
                .map(String::from)
                .to_vec(),
            parent: Some("system_id"),
        }
    }

    pub(super) fn roles() -> Self {
        Self {
            from: format!(
                "roles r LEFT JOIN systems s ON s.object_id = r.system_id AND {}",
                live("s", 1)
            ),
            alias: "r",
            key: "name_key".into(),
            search: ["r.name", "r.description", "r.category"]
                .map(String::from)
                .to_vec(),
            parent: Some("system_id"),
        }
    }

    pub(super) fn mail_lists() -> Self {
        Self {
            from: format!(
                "mail_lists l LEFT JOIN mail_domains d ON d.object_id = l.domain_id AND {}",
                live("d", 1)
            ),
            alias: "l",
            key: "name_key".into(),
            search: ["l.name", "l.description", "COALESCE(d.code, '')"]
                .map(String::from)
                .to_vec(),
            parent: Some("domain_id"),
        }
    }
}

/// One page of a directory list: the rows of `columns` (which may use `$1`, the instant) and
/// the count of every match, both under the same filter.
pub(super) async fn search_page(
    conn: &mut AnyConnection,
    shape: &ListShape,
    columns: &str,
    query: &DirectoryQuery,
) -> Result<Page<AnyRow>> {
    let p = Paging::of(query);
    let filter = shape.filter();
    let t = instant(query.as_of);
    let count_sql = format!("SELECT COUNT(*) FROM {} WHERE {filter}", shape.from);
    let mut count = sqlx::query_as::<Any, (i64,)>(&count_sql)
        .bind(t)
        .bind(&p.pattern);
    let next = if shape.parent.is_some() {
        count = count.bind(p.parent);
        4
    } else {
        3
    };
    let (total,) = count.fetch_one(&mut *conn).await?;
    let sql = format!(
        "SELECT {columns} FROM {} WHERE {filter} ORDER BY {} LIMIT ${next} OFFSET ${}",
        shape.from,
        p.order(query, shape.alias, &shape.key),
        next + 1
    );
    let mut rows = sqlx::query::<Any>(&sql).bind(t).bind(&p.pattern);
    if shape.parent.is_some() {
        rows = rows.bind(p.parent);
    }
    let rows = rows
        .bind(p.limit)
        .bind(p.offset)
        .fetch_all(&mut *conn)
        .await?;
    Ok(p.page(rows, total))
}

/// Every match of a directory query, page after page, all read as of one instant.
pub(super) async fn all_pages<T, F, Fut>(query: &DirectoryQuery, mut search: F) -> Result<Vec<T>>
where
    F: FnMut(DirectoryQuery) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>>>,
{
    let mut query = DirectoryQuery {
        as_of: Some(query.as_of.unwrap_or_else(Utc::now)),
        offset: 0,
        limit: 500,
        ..query.clone()
    };
    let mut out = Vec::new();
    loop {
        let page = search(query.clone()).await?;
        let done = page.items.is_empty() || query.offset + page.items.len() as i64 >= page.total;
        query.offset += page.items.len() as i64;
        out.extend(page.items);
        if done {
            return Ok(out);
        }
    }
}

impl<T> Page<T> {
    /// The same page with its items converted.
    pub(super) fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            offset: self.offset,
            limit: self.limit,
        }
    }

    /// The same page with its items converted.
    pub(super) fn try_map<U>(self, f: impl FnMut(&T) -> Result<U>) -> Result<Page<U>> {
        Ok(Page {
            items: self.items.iter().map(f).collect::<Result<Vec<_>>>()?,
            total: self.total,
            offset: self.offset,
            limit: self.limit,
        })
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
    /// Accounts whose name, login name or description contains the search text; `parent`
    /// restricts them to one system.
    pub async fn search_accounts(&self, query: &DirectoryQuery) -> Result<Page<Account>> {
        let mut conn = self.pool.acquire().await?;
        search_page(
            &mut conn,
            &ListShape::accounts(),
            &format!("{ACCOUNT_COLUMNS}, COALESCE(s.name, '') AS system_name"),
            query,
        )
        .await?
        .try_map(account_of)
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
        let mut conn = self.pool.acquire().await?;
        let page = search_page(
            &mut conn,
            &ListShape::roles(),
            &format!("{ROLE_COLUMNS}, COALESCE(s.name, '') AS system_name"),
            query,
        )
        .await?;
        let links: Vec<(i64, i64)> = sqlx::query_as(&format!(
            "SELECT i.role_id, i.inherited_role_id FROM role_inheritance i WHERE {}",
            live("i", 1)
        ))
        .bind(instant(query.as_of))
        .fetch_all(&mut *conn)
        .await?;
        page.try_map(|row| role_of(row, &links))
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
        let mut conn = self.pool.acquire().await?;
        search_page(
            &mut conn,
            &ListShape::mail_lists(),
            MAIL_LIST_COLUMNS,
            query,
        )
        .await?
        .try_map(|row| Ok(mail_list_of(FromRow::from_row(row)?)))
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
