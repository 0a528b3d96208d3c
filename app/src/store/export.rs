//! Reads for the CSV downloads: whole records, where the list screens show summaries.
use super::directory_views::{all_pages, search_page, ListShape};
use super::identity::{UserRow, USER_COLUMNS};
use super::temporal::{instant, live};
use super::{to_time, Result, Store};
use crate::model::*;
use sqlx::{Any, FromRow};
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

    /// Every mail domain the mail domains list shows for `query` (its search and order, all
    /// pages), with who changed it last.
    pub async fn export_mail_domains(
        &self,
        query: &DirectoryQuery,
    ) -> Result<Vec<MailDomainRecord>> {
        let kind = &crate::model::kinds::MAIL_DOMAINS;
        let records = self.export_resources(kind, query).await?;
        Ok(records
            .into_iter()
            .map(|record| MailDomainRecord {
                id: MailDomainId(record.id),
                input: MailDomainInput {
                    code: record.value(kind, "code").to_string(),
                    description: record.value(kind, "description").to_string(),
                    obsolete: record.flag(kind, "obsolete"),
                },
                modified: record.modified,
            })
            .collect())
    }

    /// Every mail list the mail lists list shows for `query` (its search and order, all
    /// pages), with who changed it last.
    pub async fn export_mail_lists(&self, query: &DirectoryQuery) -> Result<Vec<MailListRecord>> {
        let rows = all_pages(query, |q| async move {
            search_page(
                &mut *self.pool.acquire().await?,
                &ListShape::mail_lists(),
                "l.object_id, l.domain_id, COALESCE(d.code, '') AS domain, l.name, \
                 l.description, l.valid_from, l.changed_by",
                &q,
            )
            .await
        })
        .await?;
        rows.iter()
            .map(|row| {
                let (id, domain, domain_code, name, description, at, by) =
                    <(i64, i64, String, String, String, i64, String)>::from_row(row)?;
                Ok(MailListRecord {
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
                })
            })
            .collect()
    }

    /// Every account or role its list shows for `query`: all pages, as of one instant.
    pub async fn export_accounts(&self, query: &DirectoryQuery) -> Result<Vec<Account>> {
        all_pages(query, |q| async move { self.search_accounts(&q).await }).await
    }

    pub async fn export_roles(&self, query: &DirectoryQuery) -> Result<Vec<Role>> {
        all_pages(query, |q| async move { self.search_roles(&q).await }).await
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
