//! Reads for the CSV downloads: whole records, where the list screens show summaries.
use super::identity::{UserRow, USER_COLUMNS};
use super::temporal::{instant, live};
use super::{to_time, Result, Store};
use crate::model::*;
use sqlx::Any;
use std::collections::HashMap;

/// A user as downloaded: the list row and every editable attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    pub summary: UserSummary,
    pub input: UserInput,
}

/// A mail domain or mail list as downloaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailDomainRecord {
    pub id: MailDomainId,
    pub input: MailDomainInput,
    pub modified: Stamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailListRecord {
    pub id: MailListId,
    pub input: MailListInput,
    pub domain_code: String,
    pub modified: Stamp,
}

impl Store {
    /// One page of the users list (same search, filter and order as `list_users`) with every
    /// attribute of each user. Give `query.as_of` a fixed instant so that consecutive pages
    /// read one consistent state.
    pub async fn export_users(&self, query: &UserListQuery) -> Result<Page<UserRecord>> {
        let page = self.list_users(query).await?;
        let t = instant(query.as_of);
        let mut rows: HashMap<i64, UserRow> = HashMap::new();
        if !page.items.is_empty() {
            let placeholders: Vec<String> = (0..page.items.len())
                .map(|i| format!("${}", i + 2))
                .collect();
            let sql = format!(
                "SELECT {USER_COLUMNS} FROM users u WHERE {} AND u.object_id IN ({})",
                live("u", 1),
                placeholders.join(", ")
            );
            let mut select = sqlx::query_as::<Any, UserRow>(&sql).bind(t);
            for user in &page.items {
                select = select.bind(user.id.0);
            }
            for row in select.fetch_all(&self.pool).await? {
                rows.insert(row.object_id, row);
            }
        }
        let items = page
            .items
            .into_iter()
            .filter_map(|summary| {
                let input = rows.get(&summary.id.0)?.input();
                Some(UserRecord { summary, input })
            })
            .collect();
        Ok(Page {
            items,
            total: page.total,
            offset: page.offset,
            limit: page.limit,
        })
    }

    /// Every current mail domain, by code.
    pub async fn export_mail_domains(&self) -> Result<Vec<MailDomainRecord>> {
        let rows: Vec<(i64, String, String, i64, i64, String)> = sqlx::query_as(&format!(
            "SELECT d.object_id, d.code, d.description, d.obsolete, d.valid_from, d.changed_by \
             FROM mail_domains d WHERE {} ORDER BY d.code_key",
            live("d", 1)
        ))
        .bind(i64::MAX)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, code, description, obsolete, at, by)| MailDomainRecord {
                    id: MailDomainId(id),
                    input: MailDomainInput {
                        code,
                        description,
                        obsolete: obsolete != 0,
                    },
                    modified: Stamp {
                        at: to_time(at),
                        by,
                    },
                },
            )
            .collect())
    }

    /// Every current mail list, by domain and name.
    pub async fn export_mail_lists(&self) -> Result<Vec<MailListRecord>> {
        let rows: Vec<(i64, i64, String, String, String, i64, String)> = sqlx::query_as(&format!(
            "SELECT l.object_id, l.domain_id, COALESCE(d.code, '') AS domain, l.name, \
                    l.description, l.valid_from, l.changed_by \
             FROM mail_lists l LEFT JOIN mail_domains d ON d.object_id = l.domain_id AND {} \
             WHERE {} ORDER BY d.code_key, l.name_key",
            live("d", 1),
            live("l", 1)
        ))
        .bind(i64::MAX)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, domain, domain_code, name, description, at, by)| MailListRecord {
                    id: MailListId(id),
                    input: MailListInput {
                        domain: MailDomainId(domain),
                        name,
                        description,
                    },
                    domain_code,
                    modified: Stamp {
                        at: to_time(at),
                        by,
                    },
                },
            )
            .collect())
    }
}

/// The attribute names of the users list's advanced query, which the CSV download also uses
/// as column keys.
pub fn user_query_attributes() -> Vec<&'static str> {
    super::identity::USER_ATTRIBUTES
        .iter()
        .map(|a| a.name)
        .collect()
}
