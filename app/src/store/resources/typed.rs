//! Systems and mail domains through the engine, with the typed signatures the rest of the
//! store (accounts, roles, mail lists, imports, seeding) and its tests use.
use super::super::temporal::Author;
use super::super::{Result, Store};
use crate::model::kinds::{MAIL_DOMAINS, SYSTEMS};
use crate::model::*;
use chrono::{DateTime, Utc};

fn system_input(name: &str, description: &str) -> ResourceInput {
    ResourceInput {
        values: vec![name.to_string(), description.to_string()],
    }
}

fn named(record: ResourceRecord) -> NamedObject {
    let mut values = record.values.into_iter();
    NamedObject {
        id: record.id,
        name: values.next().unwrap_or_default(),
        description: values.next().unwrap_or_default(),
    }
}

fn domain_input(input: &MailDomainInput) -> ResourceInput {
    ResourceInput {
        values: vec![
            input.code.clone(),
            input.description.clone(),
            flag_text(input.obsolete),
        ],
    }
}

fn domain(record: ResourceRecord) -> MailDomain {
    MailDomain {
        id: MailDomainId(record.id),
        input: MailDomainInput {
            code: record.value(&MAIL_DOMAINS, "code").to_string(),
            description: record.value(&MAIL_DOMAINS, "description").to_string(),
            obsolete: record.flag(&MAIL_DOMAINS, "obsolete"),
        },
        list_count: record.counts.first().copied().unwrap_or(0),
    }
}

impl Store {
    pub async fn create_system(
        &self,
        actor: &Author,
        name: &str,
        description: &str,
    ) -> Result<SystemId> {
        self.create_resource(actor, &SYSTEMS, &system_input(name, description))
            .await
            .map(SystemId)
    }

    /// Renames a system; users owning its accounts or holding its roles get new snapshots.
    pub async fn update_system(
        &self,
        actor: &Author,
        id: SystemId,
        name: &str,
        description: &str,
    ) -> Result<()> {
        self.update_resource(actor, &SYSTEMS, id.0, &system_input(name, description))
            .await
    }

    /// Deletes systems in one operation, all or none. A system that still has accounts or
    /// roles is refused (they would be left without a system); delete or move them first.
    pub async fn delete_systems(&self, actor: &Author, ids: &[SystemId]) -> Result<Vec<String>> {
        let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
        self.delete_resources(actor, &SYSTEMS, &ids).await
    }

    /// Systems whose name or description contains the search text.
    pub async fn search_systems(&self, query: &DirectoryQuery) -> Result<Page<NamedObject>> {
        Ok(self.search_resources(&SYSTEMS, query).await?.map(named))
    }

    pub async fn get_system(
        &self,
        id: SystemId,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<NamedObject> {
        Ok(named(
            self.get_resource(&SYSTEMS, id.0, as_of).await?.record,
        ))
    }

    pub async fn export_systems(&self, query: &DirectoryQuery) -> Result<Vec<NamedObject>> {
        let records = self.export_resources(&SYSTEMS, query).await?;
        Ok(records.into_iter().map(named).collect())
    }

    pub async fn create_mail_domain(
        &self,
        actor: &Author,
        input: &MailDomainInput,
    ) -> Result<MailDomainId> {
        self.create_resource(actor, &MAIL_DOMAINS, &domain_input(input))
            .await
            .map(MailDomainId)
    }

    pub async fn update_mail_domain(
        &self,
        actor: &Author,
        id: MailDomainId,
        input: &MailDomainInput,
    ) -> Result<()> {
        self.update_resource(actor, &MAIL_DOMAINS, id.0, &domain_input(input))
            .await
    }

    /// Deletes mail domains in one operation, all or none. A domain that still has mail lists
    /// is refused (their addresses would lose their domain); delete or move the lists first.
    pub async fn delete_mail_domains(
        &self,
        actor: &Author,
        ids: &[MailDomainId],
    ) -> Result<Vec<String>> {
        let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
        self.delete_resources(actor, &MAIL_DOMAINS, &ids).await
    }

    /// Mail domains whose code or description contains the search text, with their list counts.
    pub async fn search_mail_domains(&self, query: &DirectoryQuery) -> Result<Page<MailDomain>> {
        Ok(self
            .search_resources(&MAIL_DOMAINS, query)
            .await?
            .map(domain))
    }
}
