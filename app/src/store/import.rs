//! CSV import of users, groups, mail domains and mail lists.
//!
//! The whole file runs inside one transaction and one operation (history shows one change),
//! each row inside its own savepoint, through the same create/update functions the console
//! uses. A row that fails rolls back to its savepoint, so every later row is checked against
//! exactly what an import would leave, and the error is the store's own. A preview runs the
//! same way and rolls everything back; an import commits only when no row failed.
use super::directory::{create_mail_list_in, update_mail_list_in};
use super::identity::{
    audit, create_group_in, create_user_in, current_group, current_user, normalise_user,
    update_group_in, update_user_in,
};
use super::spreadsheet::restore_cell;
use super::temporal::{begin_op, name_key, Author, Op};
use super::{Error, Result, Store};
use crate::error::FieldError;
use crate::model::*;
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Connection};
use std::collections::HashMap;

/// Largest accepted CSV file.
pub const IMPORT_LIMIT: usize = 16 << 20;

/// At most this many row errors are listed when an import is refused.
const LISTED_ERRORS: usize = 50;

/// One upload: the file, how its columns map to attributes (None: suggest from the header),
/// and whether to write.
#[derive(Clone, Debug)]
pub struct ImportRequest {
    pub kind: ImportKind,
    pub file: Vec<u8>,
    pub mapping: Option<Vec<Option<String>>>,
    pub apply: bool,
}

/// A parsed CSV file: the header and the data rows with the line each starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvTable {
    pub headers: Vec<String>,
    pub rows: Vec<(i64, Vec<String>)>,
}

/// The text of an upload, which must be UTF-8 (a byte-order mark is allowed and dropped).
pub fn decode_utf8(bytes: &[u8]) -> Result<&str> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Error::invalid(
            "file",
            "The file is UTF-16 text. Save it as UTF-8 (\"CSV UTF-8\") and upload it again.",
        ));
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let skipped = bytes.len() - body.len();
    std::str::from_utf8(body).map_err(|e| {
        let at = skipped + e.valid_up_to();
        let line = 1 + bytes[..at].iter().filter(|b| **b == b'\n').count();
        Error::invalid(
            "file",
            format!(
                "The file is not UTF-8 text: byte 0x{:02X} at offset {at} (line {line}) is not \
                 valid UTF-8. Save the file as UTF-8 (\"CSV UTF-8\") and upload it again.",
                bytes[at]
            ),
        )
    })
}

/// Parses CSV text with a header row. The separator is a comma, or a semicolon or tab when
/// the header has no comma but has those (spreadsheets in some locales write them). Every
/// row must have as many fields as the header; blank rows are skipped. A cell a download quoted
/// against formula injection (`'=…`) reads back as its value.
pub fn parse_csv(text: &str) -> Result<CsvTable> {
    if text.trim().is_empty() {
        return Err(Error::invalid("file", "The file is empty."));
    }
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if first_line.contains(',') {
        b','
    } else if first_line.contains(';') {
        b';'
    } else if first_line.contains('\t') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(csv_error)?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let line = record.position().map(|p| p.line() as i64).unwrap_or(0);
        // Cells a download quoted against formula injection read back as their values.
        let cells = record.iter().map(|cell| restore_cell(cell).to_string());
        rows.push((line, cells.collect()));
    }
    Ok(CsvTable { headers, rows })
}

fn csv_error(error: csv::Error) -> Error {
    let message = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => format!(
            "Line {} has {len} field{}, but the header has {expected_len}. Look for a missing \
             or extra separator, or an unclosed quote.",
            pos.as_ref().map(|p| p.line()).unwrap_or(0),
            if *len == 1 { "" } else { "s" },
        ),
        _ => format!("The file is not valid CSV: {error}"),
    };
    Error::invalid("file", message)
}

/// The cells of one data row, looked up by attribute key through the mapping.
struct Row<'a> {
    mapping: &'a [Option<String>],
    values: &'a [String],
}

impl<'a> Row<'a> {
    /// The trimmed cell imported into `key`; None when no column maps to it.
    fn get(&self, key: &str) -> Option<&'a str> {
        let index = self
            .mapping
            .iter()
            .position(|k| k.as_deref() == Some(key))?;
        self.values.get(index).map(|v| v.trim())
    }

    fn text(&self, key: &str, target: &mut String) {
        if let Some(value) = self.get(key) {
            *target = value.to_string();
        }
    }

    /// An empty cell keeps the current value (or the default of a new object).
    fn flag(&self, key: &str, target: &mut bool, report: &mut RowReport) {
        match self.get(key) {
            None | Some("") => {}
            Some(value) => match parse_flag(value) {
                Some(flag) => *target = flag,
                None => report.error(
                    key,
                    format!("{value:?} is not a yes/no value; use true or false."),
                ),
            },
        }
    }

    /// An empty cell clears the date.
    fn date(&self, key: &str, target: &mut Option<DateTime<Utc>>, report: &mut RowReport) {
        match self.get(key) {
            None => {}
            Some("") => *target = None,
            Some(value) => match parse_date(value) {
                Some(at) => *target = Some(at),
                None => report.error(
                    key,
                    format!("{value:?} is not a date; use 2026-03-01 or 2026-03-01T09:30:00Z."),
                ),
            },
        }
    }
}

fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|naive| naive.and_utc())
}

/// What happened to one row.
#[derive(Default)]
struct RowReport {
    action: Option<ImportAction>,
    errors: Vec<FieldError>,
}

impl RowReport {
    fn error(&mut self, key: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(key, message));
    }

    /// An existing object is updated, others created.
    fn plan(&mut self, exists: bool) {
        self.action = Some(if exists {
            ImportAction::Update
        } else {
            ImportAction::Create
        });
    }
}

/// The rows seen so far, by identifying key, so a repeated object is caught.
type Seen = HashMap<String, i64>;

/// The identifying cell `key` of a row (`what` names it in errors); None, with the error
/// noted, when it is empty or an earlier row of the file had it (within `scope`).
fn identity<'a>(
    row: &Row<'a>,
    (key, what): (&str, &str),
    scope: &str,
    line: i64,
    seen: &mut Seen,
    report: &mut RowReport,
) -> Option<&'a str> {
    let value = row.get(key).unwrap_or_default();
    if value.is_empty() {
        report.error(key, format!("{what} is required."));
        return None;
    }
    let seen_key = format!("{}{scope}", name_key(value));
    if let Some(first) = seen.get(&seen_key) {
        report.error(key, format!("{value:?} is also on line {first}."));
        return None;
    }
    seen.insert(seen_key, line);
    Some(value)
}

/// The current object of `table` whose `column` (a lower-cased key) is `key`.
async fn find_id(
    conn: &mut AnyConnection,
    table: &str,
    column: &str,
    key: &str,
) -> Result<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as(&format!(
        "SELECT object_id FROM {table} WHERE {column} = $1 AND valid_to IS NULL"
    ))
    .bind(name_key(key))
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(id,)| id))
}

async fn import_user(
    conn: &mut AnyConnection,
    op: &Op,
    row: &Row<'_>,
    line: i64,
    seen: &mut Seen,
    report: &mut RowReport,
) -> Result<()> {
    let Some(name) = identity(row, ("userName", "The user name"), "", line, seen, report) else {
        return Ok(());
    };
    let existing = find_id(conn, "users", "name_key", name).await?.map(UserId);
    let before = match existing {
        Some(id) => Some(current_user(conn, id).await?.input()),
        None => None,
    };
    report.plan(before.is_some());
    let mut input = before.clone().unwrap_or(UserInput {
        enabled: true,
        ..UserInput::default()
    });
    input.name = name.to_string();
    row.text("firstName", &mut input.first_name);
    row.text("middleName", &mut input.middle_name);
    row.text("lastName", &mut input.last_name);
    row.text("email", &mut input.email);
    row.text("userType", &mut input.user_type);
    row.text("homeServer", &mut input.home_server);
    row.text("profileServer", &mut input.profile_server);
    row.text("mailServer", &mut input.mail_server);
    row.text("mailAliases", &mut input.mail_aliases);
    row.text("comments", &mut input.comments);
    row.flag("enabled", &mut input.enabled, report);
    row.flag("multiSession", &mut input.multi_session, report);
    match row.get("primaryGroup") {
        Some(group) if !group.is_empty() => match find_id(conn, "groups", "name_key", group).await?
        {
            Some(id) => input.primary_group = GroupId(id),
            None => report.error(
                "primaryGroup",
                format!("There is no group named {group:?}."),
            ),
        },
        _ if before.is_none() => report.error("primaryGroup", "A new user needs a primary group."),
        _ => {}
    }
    if !report.errors.is_empty() {
        return Ok(());
    }
    let input = normalise_user(conn, &input).await?;
    match (existing, before) {
        (Some(_), Some(before)) if before == input => {
            report.action = Some(ImportAction::Unchanged);
        }
        (Some(id), _) => update_user_in(conn, op, id, &input, true).await?,
        _ => {
            create_user_in(conn, op, &input).await?;
        }
    }
    Ok(())
}

async fn import_group(
    conn: &mut AnyConnection,
    op: &Op,
    row: &Row<'_>,
    line: i64,
    seen: &mut Seen,
    report: &mut RowReport,
) -> Result<()> {
    let Some(name) = identity(row, ("name", "The group name"), "", line, seen, report) else {
        return Ok(());
    };
    let existing = find_id(conn, "groups", "name_key", name)
        .await?
        .map(GroupId);
    let mut input = match existing {
        Some(id) => current_group(conn, id).await?.input(),
        None => GroupInput::default(),
    };
    report.plan(existing.is_some());
    input.name = name.to_string();
    row.text("description", &mut input.description);
    row.text("groupType", &mut input.group_type);
    row.text("driveLetter", &mut input.drive_letter);
    row.text("driveServer", &mut input.drive_server);
    row.text("externalId", &mut input.external_id);
    row.flag("disabled", &mut input.disabled, report);
    row.date("activeSince", &mut input.active_since, report);
    row.date("activeUntil", &mut input.active_until, report);
    match row.get("parent") {
        None => {}
        Some("") => input.parent = None,
        Some(parent) => match find_id(conn, "groups", "name_key", parent).await? {
            Some(id) => input.parent = Some(GroupId(id)),
            None => report.error("parent", format!("There is no group named {parent:?}.")),
        },
    }
    if !report.errors.is_empty() {
        return Ok(());
    }
    match existing {
        Some(id) => {
            if !update_group_in(conn, op, id, &input).await? {
                report.action = Some(ImportAction::Unchanged);
            }
        }
        None => {
            create_group_in(conn, op, &input).await?;
        }
    }
    Ok(())
}

/// A row of a declared kind: matched by its name (ignoring case), mapped cells replace the
/// current values (an empty flag cell keeps it), unmapped attributes keep theirs.
/// The current object of `kind` whose `keys` hold `values` (lower-cased): unique attributes
/// through their `{column}_key`, others by their lower-cased text.
async fn find_matching(
    conn: &mut AnyConnection,
    kind: &ResourceKind,
    keys: &[&Attribute],
    values: &[String],
) -> Result<Option<i64>> {
    let conditions: Vec<String> = keys
        .iter()
        .enumerate()
        .map(
            |(i, a)| match a.unique || std::ptr::eq(*a, kind.name_attribute()) {
                true => format!("{}_key = ${}", a.column, i + 1),
                false => format!("lower({}) = ${}", a.column, i + 1),
            },
        )
        .collect();
    let sql = format!(
        "SELECT object_id FROM {} WHERE valid_to IS NULL AND {} ORDER BY object_id LIMIT 1",
        kind.table,
        conditions.join(" AND ")
    );
    let mut query = sqlx::query_as::<_, (i64,)>(&sql);
    for value in values {
        query = query.bind(value);
    }
    Ok(query.fetch_optional(conn).await?.map(|(id,)| id))
}

async fn import_resource(
    conn: &mut AnyConnection,
    op: &Op,
    kind: &'static ResourceKind,
    row: &Row<'_>,
    line: i64,
    seen: &mut Seen,
    report: &mut RowReport,
) -> Result<()> {
    let naming = kind.name_attribute();
    let Some(name) = row.get(naming.key).filter(|v| !v.is_empty()) else {
        report.error(naming.key, format!("{} is required.", naming.label));
        return Ok(());
    };
    // The row updates the object its identifying values name (each once in the file).
    let keys = kind.match_attributes();
    let mut key_values = Vec::with_capacity(keys.len());
    for attribute in &keys {
        match row.get(attribute.key).filter(|v| !v.is_empty()) {
            Some(value) => key_values.push(name_key(value)),
            None => {
                report.error(attribute.key, format!("{} is required.", attribute.label));
                return Ok(());
            }
        }
    }
    if let Some(first) = keys.first() {
        let seen_key = key_values.join("\u{1f}");
        if let Some(earlier) = seen.get(&seen_key) {
            let given: Vec<&str> = keys.iter().filter_map(|a| row.get(a.key)).collect();
            report.error(
                first.key,
                format!("{:?} is also on line {earlier}.", given.join(" / ")),
            );
            return Ok(());
        }
        seen.insert(seen_key, line);
    }
    let existing = match keys.is_empty() {
        true => None,
        false => find_matching(conn, kind, &keys, &key_values).await?,
    };
    let before = match existing {
        Some(id) => super::resources::record_at(conn, kind, id, i64::MAX)
            .await?
            .map(|r| r.values),
        None => None,
    };
    report.plan(existing.is_some());
    let mut values = before.clone().unwrap_or_else(|| kind.blank_values());
    values[0] = name.to_string();
    for (value, attribute) in values.iter_mut().zip(kind.attributes).skip(1) {
        match attribute.value {
            ValueType::Flag { .. } => {
                let mut flag = parse_flag(value).unwrap_or(false);
                row.flag(attribute.key, &mut flag, report);
                *value = flag_text(flag);
            }
            _ => row.text(attribute.key, value),
        }
    }
    if !report.errors.is_empty() {
        return Ok(());
    }
    let input = ResourceInput { values };
    match existing {
        Some(_) if before.as_ref() == Some(&input.values) => {
            report.action = Some(ImportAction::Unchanged);
        }
        Some(id) => super::resources::update_in(conn, op, kind, id, &input).await?,
        None => {
            super::resources::create_in(conn, op, kind, &input).await?;
        }
    }
    Ok(())
}

async fn import_mail_list(
    conn: &mut AnyConnection,
    op: &Op,
    row: &Row<'_>,
    line: i64,
    seen: &mut Seen,
    report: &mut RowReport,
) -> Result<()> {
    let domain = row.get("domain").unwrap_or_default();
    if domain.is_empty() {
        report.error("domain", "The mail domain is required.");
        return Ok(());
    }
    // Lists are unique within their domain: a name may repeat across domains.
    let scope = format!("@{}", name_key(domain));
    let what = ("name", "The list name");
    let Some(name) = identity(row, what, &scope, line, seen, report) else {
        return Ok(());
    };
    let Some(domain_id) = find_id(conn, "mail_domains", "code_key", domain).await? else {
        report.error("domain", format!("There is no mail domain {domain:?}."));
        return Ok(());
    };
    let existing: Option<(i64, String, String)> = sqlx::query_as(
        "SELECT object_id, name, description FROM mail_lists \
         WHERE domain_id = $1 AND name_key = $2 AND valid_to IS NULL",
    )
    .bind(domain_id)
    .bind(name_key(name))
    .fetch_optional(&mut *conn)
    .await?;
    let before = existing
        .as_ref()
        .map(|(_, name, description)| MailListInput {
            domain: MailDomainId(domain_id),
            name: name.clone(),
            description: description.clone(),
        });
    report.plan(existing.is_some());
    let mut input = before.clone().unwrap_or(MailListInput {
        domain: MailDomainId(domain_id),
        ..MailListInput::default()
    });
    input.name = name.to_string();
    row.text("description", &mut input.description);
    match existing {
        Some(_) if before.as_ref() == Some(&input) => {
            report.action = Some(ImportAction::Unchanged);
        }
        Some((id, ..)) => update_mail_list_in(conn, op, MailListId(id), &input).await?,
        None => {
            create_mail_list_in(conn, op, &input).await?;
        }
    }
    Ok(())
}

/// A store error of one row as row errors on the attributes it concerns; database and internal
/// errors stop the import.
fn row_errors(kind: ImportKind, error: Error) -> Result<Vec<FieldError>> {
    let key = kind
        .attributes()
        .iter()
        .find(|a| a.identifies)
        .map(|a| a.key)
        .unwrap_or("name");
    let attribute = |field: &str| -> String {
        match (kind, field) {
            (ImportKind::Users, "name") => "userName".into(),
            (ImportKind::Users, "primary_group") => "primaryGroup".into(),
            (_, field) if kind.attribute(field).is_some() => field.into(),
            _ => key.into(),
        }
    };
    match error {
        Error::Invalid(fields) => Ok(fields
            .into_iter()
            .map(|f| FieldError::new(attribute(&f.field), f.message))
            .collect()),
        Error::Conflict(message) => Ok(vec![FieldError::new(key, message)]),
        Error::NotFound(what) => Ok(vec![FieldError::new(key, format!("Not found: {what}."))]),
        other => Err(other),
    }
}

/// The row errors of a refused import, by line ("line 4": "Primary group: There is no...").
fn refusal(outcome: &ImportOutcome) -> Vec<FieldError> {
    let label = |key: &str| {
        outcome
            .kind
            .attribute(key)
            .map(|a| a.label)
            .unwrap_or(key)
            .to_string()
    };
    let mut errors: Vec<FieldError> = outcome
        .rows
        .iter()
        .flat_map(|row| {
            row.errors.iter().map(move |e| {
                FieldError::new(
                    format!("line {}", row.line),
                    format!("{}: {}", label(&e.field), e.message),
                )
            })
        })
        .take(LISTED_ERRORS)
        .collect();
    let listed: std::collections::HashSet<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    let more = outcome.invalid - listed.len() as i64;
    if more > 0 {
        errors.push(FieldError::new(
            "file",
            format!("{more} more rows have errors; preview the file to see them all."),
        ));
    }
    errors.insert(
        0,
        FieldError::new(
            "file",
            format!(
                "Nothing was imported: {} of {} rows have errors.",
                outcome.invalid, outcome.total
            ),
        ),
    );
    errors
}

fn operation_kind(kind: ImportKind) -> String {
    let prefix = match kind {
        ImportKind::Users => "user",
        ImportKind::Groups => "group",
        ImportKind::MailLists => "mail-list",
        ImportKind::Resource(kind) => kind.0.action,
    };
    format!("{prefix}.import")
}

impl Store {
    /// Checks (preview) or imports (`request.apply`) a CSV file; see the module docs. An import
    /// with any row error writes nothing and fails with the errors by line.
    pub async fn import_csv(
        &self,
        actor: &Author,
        request: &ImportRequest,
    ) -> Result<ImportOutcome> {
        let kind = request.kind;
        if request.file.len() > IMPORT_LIMIT {
            return Err(Error::invalid(
                "file",
                format!("The file is larger than {} MB.", IMPORT_LIMIT >> 20),
            ));
        }
        let table = parse_csv(decode_utf8(&request.file)?)?;
        let mapping = match &request.mapping {
            None => kind.suggest_mapping(&table.headers),
            Some(mapping) if mapping.len() == table.headers.len() => mapping.clone(),
            Some(mapping) => {
                return Err(Error::invalid(
                    "mapping",
                    format!(
                        "The mapping has {} columns but the file has {}.",
                        mapping.len(),
                        table.headers.len()
                    ),
                ))
            }
        };
        let mut outcome = ImportOutcome {
            kind,
            applied: false,
            columns: table.headers.clone(),
            mapping_problems: kind.mapping_problems(&mapping),
            mapping,
            rows: Vec::new(),
            total: table.rows.len() as i64,
            created: 0,
            updated: 0,
            unchanged: 0,
            invalid: 0,
        };
        if !outcome.mapping_problems.is_empty() {
            if request.apply {
                return Err(Error::Invalid(
                    outcome
                        .mapping_problems
                        .iter()
                        .map(|p| FieldError::new("mapping", p.clone()))
                        .collect(),
                ));
            }
            outcome.rows = table
                .rows
                .iter()
                .take(PREVIEW_ROWS)
                .map(|(line, values)| ImportRow {
                    line: *line,
                    values: values.clone(),
                    action: None,
                    errors: Vec::new(),
                })
                .collect();
            return Ok(outcome);
        }

        let mut tx = self.begin_identity_write().await?;
        let summary = format!("CSV import of {} rows", table.rows.len());
        let op = begin_op(&mut tx, actor, &operation_kind(kind), &summary).await?;
        let mut seen = Seen::new();
        let mut later_errors = 0;
        for (index, (line, values)) in table.rows.iter().enumerate() {
            let row = Row {
                mapping: &outcome.mapping,
                values,
            };
            let mut report = RowReport::default();
            // A savepoint: a failed row leaves no trace, even half-written.
            let mut savepoint = Connection::begin(&mut *tx).await?;
            let result = match kind {
                ImportKind::Users => {
                    import_user(&mut savepoint, &op, &row, *line, &mut seen, &mut report).await
                }
                ImportKind::Groups => {
                    import_group(&mut savepoint, &op, &row, *line, &mut seen, &mut report).await
                }
                ImportKind::Resource(kind) => {
                    import_resource(
                        &mut savepoint,
                        &op,
                        kind.0,
                        &row,
                        *line,
                        &mut seen,
                        &mut report,
                    )
                    .await
                }
                ImportKind::MailLists => {
                    import_mail_list(&mut savepoint, &op, &row, *line, &mut seen, &mut report).await
                }
            };
            match result {
                Ok(()) if report.errors.is_empty() => savepoint.commit().await?,
                Ok(()) => savepoint.rollback().await?,
                Err(error) => {
                    savepoint.rollback().await?;
                    report.errors.extend(row_errors(kind, error)?);
                }
            }
            if !report.errors.is_empty() {
                outcome.invalid += 1;
            } else {
                match report.action {
                    Some(ImportAction::Create) => outcome.created += 1,
                    Some(ImportAction::Update) => outcome.updated += 1,
                    Some(ImportAction::Unchanged) | None => outcome.unchanged += 1,
                }
            }
            let shown = if index < PREVIEW_ROWS {
                true
            } else if !report.errors.is_empty() && later_errors < PREVIEW_ROWS {
                later_errors += 1;
                true
            } else {
                false
            };
            if shown {
                outcome.rows.push(ImportRow {
                    line: *line,
                    values: values.clone(),
                    action: report.action,
                    errors: report.errors,
                });
            }
        }

        if !request.apply {
            tx.rollback().await?;
            return Ok(outcome);
        }
        if outcome.invalid > 0 {
            tx.rollback().await?;
            return Err(Error::Invalid(refusal(&outcome)));
        }
        if outcome.created + outcome.updated == 0 {
            // Nothing to write: no empty operation in the history.
            tx.rollback().await?;
            outcome.applied = true;
            return Ok(outcome);
        }
        let summary = format!(
            "CSV import: {} created, {} updated",
            outcome.created, outcome.updated
        );
        sqlx::query("UPDATE operations SET summary = $1 WHERE id = $2")
            .bind(&summary)
            .bind(op.id)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            &op,
            &operation_kind(kind),
            kind.key(),
            &format!(
                "{} rows: {} created, {} updated, {} unchanged",
                outcome.total, outcome.created, outcome.updated, outcome.unchanged
            ),
        )
        .await?;
        tx.commit().await?;
        outcome.applied = true;
        Ok(outcome)
    }
}
