//! The temporal engine: operations, versions and as-of predicates, the same for every table.
//!
//! A change opens one operation (who, when, what), then writes versions through
//! `write_version` (close the current version, insert the new one) or `close_current`
//! (delete). Nothing else writes to the versioned tables, so "rows are only ever closed" holds
//! by construction. All versions of one operation carry its instant, so an as-of read never
//! sees half of a change.
use super::text::{check_custom, text_problem, MAX_LINE_CHARS};
use super::{now_micros, Error, Result};
use crate::model::{CustomAttribute, Operator};
use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

/// Who is changing the identity store, and (for tests, imports and seeding) when: the author
/// of one operation.
#[derive(Clone, Debug)]
pub struct Author {
    pub name: String,
    pub operator_id: Option<i64>,
    /// The instant to record instead of the clock (microseconds since the epoch). Operations
    /// never go back in time: an instant before the latest operation is moved up to it.
    pub at: Option<i64>,
}

impl Author {
    pub fn operator(operator: &Operator) -> Self {
        Self {
            name: operator.username.clone(),
            operator_id: Some(operator.id.0),
            at: None,
        }
    }

    pub fn named(name: &str) -> Self {
        Self {
            name: name.to_string(),
            operator_id: None,
            at: None,
        }
    }

    pub fn at(mut self, micros: i64) -> Self {
        self.at = Some(micros);
        self
    }
}

/// One logical change in progress (a row of `operations`).
#[derive(Clone, Debug)]
pub(crate) struct Op {
    pub id: i64,
    pub at: i64,
    pub by: String,
    pub operator_id: Option<i64>,
}

/// What a write gets while a system restore replaces the identity data.
pub const RESTORE_IN_PROGRESS: &str =
    "A restore is in progress: this change was not saved. Try again when it has finished.";

/// Refuses an identity write while a system restore runs (`Store::begin_maintenance`).
pub(crate) async fn refuse_during_restore<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
) -> Result<()> {
    let (restoring,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM system_maintenance")
        .fetch_one(executor)
        .await?;
    if restoring > 0 {
        return Err(Error::Conflict(RESTORE_IN_PROGRESS.into()));
    }
    Ok(())
}

/// Starts a logical change. Every identity write goes through here, so this is where writes
/// are refused while a system restore runs (`Store::begin_maintenance`): checked first,
/// before anything waits for the restore's locks, and never a write applied on top of the
/// restored data.
pub(crate) async fn begin_op(
    conn: &mut AnyConnection,
    author: &Author,
    kind: &str,
    summary: &str,
) -> Result<Op> {
    refuse_during_restore(&mut *conn).await?;
    let (latest,): (Option<i64>,) = sqlx::query_as("SELECT MAX(at) FROM operations")
        .fetch_one(&mut *conn)
        .await?;
    let at = author
        .at
        .unwrap_or_else(now_micros)
        .max(latest.unwrap_or(i64::MIN));
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO operations (at, operator, kind, summary) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(at)
    .bind(&author.name)
    .bind(kind)
    .bind(summary)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Op {
        id,
        at,
        by: author.name.clone(),
        operator_id: author.operator_id,
    })
}

/// The system-versioned tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Table {
    Users,
    Groups,
    Memberships,
    Systems,
    InformationSystems,
    Accounts,
    AccountOwners,
    Roles,
    RoleInheritance,
    Grants,
    MailDomains,
    MailLists,
    MailListMembers,
    PrinterAssignments,
    /// The table of a declared resource kind (`model::kinds`).
    Resource(&'static str),
}

impl Table {
    pub fn name(self) -> &'static str {
        match self {
            Self::Users => "users",
            Self::Groups => "groups",
            Self::Memberships => "memberships",
            Self::Systems => "systems",
            Self::InformationSystems => "information_systems",
            Self::Accounts => "accounts",
            Self::AccountOwners => "account_owners",
            Self::Roles => "roles",
            Self::RoleInheritance => "role_inheritance",
            Self::Grants => "grants",
            Self::MailDomains => "mail_domains",
            Self::MailLists => "mail_lists",
            Self::MailListMembers => "mail_list_members",
            Self::PrinterAssignments => "printer_assignments",
            Self::Resource(table) => table,
        }
    }
}

/// A column value of a new version.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Val {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Self {
        Self::OptInt(v)
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Self {
        Self::Int(i64::from(v))
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Self::Text(v.to_string())
    }
}
impl From<String> for Val {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}
impl From<&String> for Val {
    fn from(v: &String) -> Self {
        Self::Text(v.clone())
    }
}

/// A fresh stable id for a new logical object.
pub(crate) async fn new_object(conn: &mut AnyConnection, table: Table) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as("INSERT INTO objects (kind) VALUES ($1) RETURNING id")
        .bind(table.name())
        .fetch_one(conn)
        .await?;
    Ok(id)
}

/// Inserts a new current version of `object_id`; the caller has closed the previous one.
pub(crate) async fn insert_version(
    conn: &mut AnyConnection,
    op: &Op,
    table: Table,
    object_id: i64,
    fields: &[(&str, Val)],
) -> Result<i64> {
    let columns: Vec<&str> = fields.iter().map(|(c, _)| *c).collect();
    let params: Vec<String> = (0..fields.len()).map(|i| format!("${}", i + 5)).collect();
    let sql = format!(
        "INSERT INTO {} (object_id, valid_from, changed_by, operation_id, {}) \
         VALUES ($1, $2, $3, $4, {}) RETURNING version_id",
        table.name(),
        columns.join(", "),
        params.join(", ")
    );
    let mut query = sqlx::query_as::<_, (i64,)>(&sql)
        .bind(object_id)
        .bind(op.at)
        .bind(&op.by)
        .bind(op.id);
    for (_, value) in fields {
        query = match value {
            Val::Int(v) => query.bind(*v),
            Val::OptInt(v) => query.bind(*v),
            Val::Text(v) => query.bind(v.clone()),
        };
    }
    let (version,) = query.fetch_one(&mut *conn).await?;
    log_change(conn, op, table, object_id, version, false).await?;
    Ok(version)
}

/// Records in `change_log` that `op` inserted (or ended) a version, for the change feed.
async fn log_change(
    conn: &mut AnyConnection,
    op: &Op,
    table: Table,
    object_id: i64,
    version_id: i64,
    ended: bool,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO change_log (operation_id, table_name, object_id, version_id, ended) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(op.id)
    .bind(table.name())
    .bind(object_id)
    .bind(version_id)
    .bind(i64::from(ended))
    .execute(conn)
    .await?;
    Ok(())
}

/// Closes the current version of `object_id` at the operation's instant; false when there
/// was none (the object is deleted or never existed).
pub(crate) async fn close_current(
    conn: &mut AnyConnection,
    op: &Op,
    table: Table,
    object_id: i64,
) -> Result<bool> {
    let ended: Option<(i64,)> = sqlx::query_as(&format!(
        "UPDATE {} SET valid_to = $1, ended_by = $2, ended_operation_id = $3 \
         WHERE object_id = $4 AND valid_to IS NULL RETURNING version_id",
        table.name()
    ))
    .bind(op.at)
    .bind(&op.by)
    .bind(op.id)
    .bind(object_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((version,)) = ended {
        log_change(conn, op, table, object_id, version, true).await?;
    }
    Ok(ended.is_some())
}

/// Writes the next version of an object: closes its current version (if any), inserts the new
/// one. Restores and owner changes use it as "put this version in force".
pub(crate) async fn write_version(
    conn: &mut AnyConnection,
    op: &Op,
    table: Table,
    object_id: i64,
    fields: &[(&str, Val)],
) -> Result<i64> {
    close_current(conn, op, table, object_id).await?;
    insert_version(conn, op, table, object_id, fields).await
}

/// An edit of an object read as current earlier in the transaction: like `write_version`, but
/// when another transaction ended that version in between (PostgreSQL, READ COMMITTED) it
/// refuses instead of writing a second current version.
pub(crate) async fn replace_version(
    conn: &mut AnyConnection,
    op: &Op,
    table: Table,
    object_id: i64,
    fields: &[(&str, Val)],
) -> Result<i64> {
    if !close_current(conn, op, table, object_id).await? {
        return Err(Error::Conflict(
            "Someone else changed or deleted this at the same moment; reload it and try again."
                .into(),
        ));
    }
    insert_version(conn, op, table, object_id, fields).await
}

/// Whether `object_id` has a current version.
pub(crate) async fn is_current(
    conn: &mut AnyConnection,
    table: Table,
    object_id: i64,
) -> Result<bool> {
    let row: Option<(i64,)> = sqlx::query_as(&format!(
        "SELECT version_id FROM {} WHERE object_id = $1 AND valid_to IS NULL",
        table.name()
    ))
    .bind(object_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.is_some())
}

/// The predicate "row `alias` was the version in force at the instant bound to `$param`".
pub(crate) fn live(alias: &str, param: usize) -> String {
    format!(
        "{alias}.valid_from <= ${param} AND ({alias}.valid_to IS NULL OR {alias}.valid_to > ${param})"
    )
}

/// `live` for a read at `t`. For now (`i64::MAX`) it says only `valid_to IS NULL`: the
/// partial `*_current` indexes answer it instead of a scan of every version, and the
/// statement names no instant, so a prepared statement keeps one generic plan (the instant
/// is still bound; both databases accept a parameter the statement does not use).
pub(crate) fn live_at(alias: &str, param: usize, t: i64) -> String {
    if t == i64::MAX {
        format!("{alias}.valid_to IS NULL")
    } else {
        live(alias, param)
    }
}

/// A `WITH` list `span_windows(class, width)`: for each length class of closed versions
/// (`span_class`, migration 0077: 3 x the decimal length of `valid_to - valid_from`, plus 0,
/// 1 or 2 for a leading digit 1, 2-4 or 5-9), the longest length the class holds. A version
/// of class c live at T began after T - width(c). Widths stop at 2^62 so `T - width` cannot
/// overflow for the instants `span_instant` lets through.
pub(crate) fn span_windows() -> String {
    let mut rows = Vec::new();
    let mut power: i64 = 1;
    for digits in 1..=19 {
        for (lead, factor) in [(0, 2), (1, 5), (2, 10)] {
            let width = power.saturating_mul(factor).min(1 << 62);
            rows.push(format!("({}, {width})", digits * 3 + lead));
        }
        power = power.saturating_mul(10);
    }
    format!("span_windows(class, width) AS (VALUES {})", rows.join(", "))
}

/// "Row `alias`, a closed version of the class of `span_windows` row `w`, was live at the
/// instant bound to `$param`": the range of one class's index entries, re-checked exactly.
pub(crate) fn live_in_span_class(alias: &str, param: usize) -> String {
    format!(
        "{alias}.span_class = w.class AND {alias}.valid_to IS NOT NULL \
         AND {alias}.valid_from > ${param} - w.width AND {alias}.valid_from <= ${param} \
         AND {alias}.valid_to > ${param}"
    )
}

/// The instant a span-class read binds: instants before 2^61 microseconds ahead of the epoch
/// read as that instant (no version begins so early), so `T - width` stays in range.
pub(crate) fn span_instant(t: i64) -> i64 {
    t.max(-(1 << 61))
}

/// The instant of an as-of read; `None` (now) reads the current versions.
pub(crate) fn instant(as_of: Option<DateTime<Utc>>) -> i64 {
    as_of.map(|t| t.timestamp_micros()).unwrap_or(i64::MAX)
}

pub(crate) fn micros(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp_micros())
}

pub(crate) fn time(micros: Option<i64>) -> Option<DateTime<Utc>> {
    micros.map(super::to_time)
}

/// A unique-index violation becomes a Conflict with a message for people.
pub(crate) fn conflict_on_unique(message: impl Into<String>) -> impl FnOnce(sqlx::Error) -> Error {
    let message = message.into();
    move |error| match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => Error::Conflict(message),
        _ => Error::Database(error),
    }
}

/// Custom attributes as stored: a JSON array sorted by name (deterministic).
pub(crate) fn attributes_json(attributes: &[CustomAttribute]) -> String {
    let mut sorted = attributes.to_vec();
    sorted.sort();
    serde_json::to_string(&sorted).unwrap_or_else(|_| "[]".into())
}

pub(crate) fn parse_attributes(json: &str) -> Vec<CustomAttribute> {
    serde_json::from_str(json).unwrap_or_default()
}

/// Lower-cased, trimmed: the key of case-insensitive uniqueness.
pub(crate) fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Trims names and rejects empty or over-long ones, and characters no text may hold.
pub(crate) fn check_name(field: &str, label: &str, name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid(field, format!("{label} is required.")));
    }
    if name.chars().count() > MAX_LINE_CHARS {
        return Err(Error::invalid(
            field,
            format!("Use at most {MAX_LINE_CHARS} characters."),
        ));
    }
    if let Some(problem) = text_problem(name, MAX_LINE_CHARS) {
        return Err(Error::invalid(field, problem));
    }
    Ok(name.to_string())
}

/// Normalises custom attributes: trimmed names, no empty or duplicate names, sorted.
pub(crate) fn check_attributes(
    field: &str,
    attributes: &[CustomAttribute],
) -> Result<Vec<CustomAttribute>> {
    check_custom(field, attributes)?;
    let mut out: Vec<CustomAttribute> = Vec::new();
    for a in attributes {
        let name = a.name.trim();
        if name.is_empty() {
            return Err(Error::invalid(field, "Attribute names are required."));
        }
        if out.iter().any(|o| o.name == name) {
            return Err(Error::invalid(
                field,
                format!("The attribute {name:?} is given twice."),
            ));
        }
        out.push(CustomAttribute {
            name: name.to_string(),
            value: a.value.clone(),
        });
    }
    out.sort();
    Ok(out)
}
