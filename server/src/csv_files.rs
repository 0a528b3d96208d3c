//! CSV downloads of the list screens: users (with the list's search, filter and order),
//! groups, the members of a group, systems, accounts, roles, mail domains and mail lists
//! (with their list's search and order), and the catalogue of user snapshots (the Backups
//! page's query, or one user's).
//!
//! Each route checks the session and its permission (`IdentityRead`; `BackupQuery` for
//! snapshots) itself and records an audit line. Files
//! are UTF-8 with a byte-order mark (so spreadsheets read non-ASCII names right), a header
//! row of column keys, CRLF line ends and RFC 4180 quoting. `columns=a,b` picks and orders the
//! columns. Users and snapshots stream page by page (users as of the instant of the request).
use crate::files::FileError;
use app::auth::authorize_headers;
use app::error::AppError;
use app::model::kinds;
use app::model::*;
use app::state::AppState;
use app::store::{neutralise_cell, AuditRecord, UserRecord};
// The Backups page's columns: its CSV follows what the table shows, labels included.
use app::ui::components::ListColumn;
use app::ui::pages::SnapshotColumn;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::stream::{self, StreamExt};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for kind in kinds::ALL {
        let kind: &'static ResourceKind = kind;
        router = router.route(
            &kind.csv_path(),
            get(
                move |State(state): State<AppState>,
                      headers: HeaderMap,
                      Query(params): Query<Params>| async move {
                    resources(kind, state, headers, params).await
                },
            ),
        );
    }
    router
        .route("/files/users.csv", get(users))
        .route("/files/groups.csv", get(groups))
        .route("/files/groups/{id}/members.csv", get(group_members))
        .route("/files/mail-lists.csv", get(mail_lists))
        .route("/files/accounts.csv", get(accounts))
        .route("/files/roles.csv", get(roles))
        .route("/files/snapshots.csv", get(snapshots))
}

/// Rows read from the database per chunk of a streamed download.
const ROWS_PER_CHUNK: i64 = 500;

/// The users download's columns: the users list's query attributes, then `status`.
pub const USER_CSV_COLUMNS: &[&str] = &[
    "userName",
    "firstName",
    "middleName",
    "lastName",
    "fullName",
    "email",
    "userType",
    "primaryGroup",
    "mailServer",
    "homeServer",
    "comments",
    "enabled",
    "multiSession",
    "modified",
    "modifiedBy",
    "externalId",
    "department",
    "employeeNumber",
    "status",
];

const GROUP_CSV_COLUMNS: &[&str] = &[
    "name",
    "description",
    "parent",
    "groupType",
    "driveLetter",
    "driveServer",
    "disabled",
    "activeSince",
    "activeUntil",
    // Added after the older attributes, so theirs keep their positions in the export.
    "externalId",
    "modified",
    "modifiedBy",
];

const MEMBER_CSV_COLUMNS: &[&str] = &[
    "userName",
    "fullName",
    "membership",
    "startDate",
    "endDate",
    "comments",
];

const MAIL_LIST_CSV_COLUMNS: &[&str] = &[
    "name",
    "domain",
    "address",
    "description",
    "modified",
    "modifiedBy",
];

const ACCOUNT_CSV_COLUMNS: &[&str] = &[
    "name",
    "system",
    "loginName",
    "description",
    "accountType",
    "status",
];

const ROLE_CSV_COLUMNS: &[&str] = &["name", "system", "category", "description", "domainType"];

#[derive(serde::Deserialize, Default)]
struct Params {
    #[serde(default)]
    q: String,
    #[serde(default)]
    filter: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    columns: String,
    /// Only objects within this one (`?in=`), as the narrowed list shows them.
    #[serde(default, rename = "in")]
    within: String,
}

/// The requested columns (all when none are named), refusing unknown keys.
fn pick_columns(text: &str, known: &[&'static str]) -> Result<Vec<&'static str>, AppError> {
    pick_named_columns("columns", text, known)
}

/// `pick_columns` for the query parameter `field`.
fn pick_named_columns(
    field: &str,
    text: &str,
    known: &[&'static str],
) -> Result<Vec<&'static str>, AppError> {
    let asked: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    if asked.is_empty() {
        return Ok(known.to_vec());
    }
    asked
        .into_iter()
        .map(|column| {
            known
                .iter()
                .find(|k| k.eq_ignore_ascii_case(column))
                .copied()
                .ok_or_else(|| {
                    AppError::invalid(
                        field,
                        format!("Unknown column {column:?}; use {}.", known.join(", ")),
                    )
                })
        })
        .collect()
}

/// The sort parameter of the users list: `name`, `full_name` or `modified`, `-` for descending.
fn parse_sort(text: &str) -> (UserSort, bool) {
    let sort = match text.trim_start_matches('-') {
        "full_name" => UserSort::FullName,
        "modified" => UserSort::Modified,
        _ => UserSort::Name,
    };
    (sort, text.starts_with('-'))
}

/// The directory list query of `?q=&sort=&in=` (`name` or `modified`, `-` for descending),
/// as the list screens send it.
fn directory_query(params: &Params) -> Result<DirectoryQuery, AppError> {
    let within = match params.within.trim() {
        "" => None,
        text => Some(
            text.parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| AppError::invalid("in", format!("{text:?} is not an object id.")))?,
        ),
    };
    Ok(DirectoryQuery {
        as_of: Some(Utc::now()),
        search: params.q.clone(),
        parent: within,
        sort: match params.sort.trim_start_matches('-') {
            "modified" => DirectorySort::Modified,
            _ => DirectorySort::Name,
        },
        descending: params.sort.starts_with('-'),
        ..DirectoryQuery::default()
    })
}

/// CSV records as bytes; a cell a spreadsheet would run as a formula is quoted
/// (`app::store::neutralise_cell`), and the import reads it back unquoted.
pub(crate) fn encode<I, R>(records: I) -> std::io::Result<Vec<u8>>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = String>,
{
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for record in records {
        let cells: Vec<String> = record.into_iter().collect();
        writer.write_record(cells.iter().map(|cell| neutralise_cell(cell).into_owned()))?;
    }
    writer.into_inner().map_err(|e| e.into_error())
}

/// The first bytes of every download: the byte-order mark and the header row.
pub(crate) fn header_chunk(columns: &[&str]) -> std::io::Result<Vec<u8>> {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(encode([columns.iter().map(|c| c.to_string())])?);
    Ok(bytes)
}

pub(crate) fn csv_response(name: &str, body: Body) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A whole (small) download built in memory.
/// A whole CSV file `name` of `columns` and `rows`, as a download.
pub(crate) fn csv_file(
    name: &str,
    columns: &[&str],
    rows: Vec<Vec<String>>,
) -> Result<Response, FileError> {
    let mut bytes = header_chunk(columns).map_err(internal)?;
    bytes.extend(encode(rows).map_err(internal)?);
    Ok(csv_response(name, Body::from(bytes)))
}

fn internal(error: std::io::Error) -> AppError {
    AppError::internal(format!("csv: {error}"))
}

/// Records who downloaded what (after the checks, before the first byte).
pub(crate) async fn audit_export(
    state: &AppState,
    operator: &Operator,
    file: &str,
    details: &str,
) -> Result<(), AppError> {
    state
        .store
        .record_audit(&AuditRecord {
            operator_id: Some(operator.id.0),
            operator_name: &operator.username,
            action: "csv.export",
            target: file,
            outcome: "ok",
            details,
        })
        .await?;
    Ok(())
}

pub(crate) fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn optional_time(at: Option<DateTime<Utc>>) -> String {
    at.map(time).unwrap_or_default()
}

fn flag(value: bool) -> String {
    value.to_string()
}

fn user_cell(column: &str, record: &UserRecord) -> String {
    let (summary, input) = (&record.summary, &record.input);
    match column {
        "userName" => input.name.clone(),
        "firstName" => input.first_name.clone(),
        "middleName" => input.middle_name.clone(),
        "lastName" => input.last_name.clone(),
        "fullName" => summary.full_name.clone(),
        "email" => input.email.clone(),
        "userType" => input.user_type.clone(),
        "primaryGroup" => summary.primary_group_name.clone(),
        "mailServer" => input.mail_server.clone(),
        "homeServer" => input.home_server.clone(),
        "comments" => input.comments.clone(),
        "enabled" => flag(input.enabled),
        "multiSession" => flag(input.multi_session),
        "modified" => time(summary.modified.at),
        "modifiedBy" => summary.modified.by.clone(),
        "status" => if input.enabled { "Enabled" } else { "Disabled" }.into(),
        custom => input
            .custom
            .iter()
            .find(|c| c.name == custom)
            .map(|c| c.value.clone())
            .unwrap_or_default(),
    }
}

fn encode_users(page: &Page<UserRecord>, columns: &[&str]) -> std::io::Result<Vec<u8>> {
    encode(page.items.iter().map(|record| {
        columns
            .iter()
            .map(|column| user_cell(column, record))
            .collect::<Vec<_>>()
    }))
}

/// GET /files/users.csv?q=&filter=&sort=&columns=: every user the users list would show.
async fn users(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Result<Response, FileError> {
    let operator = authorize_headers(&state, &headers, Permission::IdentityRead).await?;
    let columns = pick_columns(&params.columns, USER_CSV_COLUMNS)?;
    let details = format!("q={:?} filter={:?}", params.q, params.filter);
    let (sort, descending) = parse_sort(&params.sort);
    let query = UserListQuery {
        as_of: Some(Utc::now()),
        search: params.q,
        filter: params.filter,
        sort,
        descending,
        offset: 0,
        limit: ROWS_PER_CHUNK,
    };
    // The first page before any byte: a bad filter is a 422, not a broken download.
    let first = state.store.export_users(&query).await?;
    audit_export(&state, &operator, "users.csv", &details).await?;
    let store = state.store.clone();
    let body = paged_body(
        header_chunk(&columns).map_err(internal)?,
        first,
        move |offset| {
            let (store, mut query) = (store.clone(), query.clone());
            query.offset = offset;
            async move { store.export_users(&query).await }
        },
        move |page| encode_users(page, &columns),
    );
    Ok(csv_response("users.csv", body))
}

/// A download's body: `head`, the first page (read before answering, so that a bad query is
/// an error status rather than a broken file), then each further page as it is read.
pub(crate) fn paged_body<T, F, Fut>(
    head: Vec<u8>,
    first: Page<T>,
    fetch: F,
    encode: impl Fn(&Page<T>) -> std::io::Result<Vec<u8>> + Send + Sync + 'static,
) -> Body
where
    T: Send + Sync + 'static,
    F: Fn(i64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = app::store::Result<Page<T>>> + Send + 'static,
{
    let mut start = head;
    let offset = first.items.len() as i64;
    let more = offset < first.total && !first.items.is_empty();
    let first_chunk = encode(&first).map(|bytes| {
        start.extend(bytes);
        start
    });
    let encode = std::sync::Arc::new(encode);
    let rest = stream::unfold((offset, more), move |(offset, more)| {
        let (page, encode) = (fetch(offset), encode.clone());
        async move {
            if !more {
                return None;
            }
            let chunk = match page.await {
                Ok(page) if page.items.is_empty() => return None,
                Ok(page) => encode(&page).map(|bytes| (bytes, offset + page.items.len() as i64)),
                Err(error) => {
                    tracing::error!(%error, "CSV download failed");
                    Err(std::io::Error::other("the rows could not be read"))
                }
            };
            Some(match chunk {
                Ok((bytes, next)) => (Ok(bytes), (next, true)),
                Err(error) => (Err(error), (offset, false)),
            })
        }
    });
    Body::from_stream(stream::iter([first_chunk]).chain(rest))
}

/// GET /files/groups.csv: every current group, parents before their children.
async fn groups(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Result<Response, FileError> {
    let operator = authorize_headers(&state, &headers, Permission::IdentityRead).await?;
    let columns = pick_columns(&params.columns, GROUP_CSV_COLUMNS)?;
    audit_export(&state, &operator, "groups.csv", "").await?;
    // The tree gives the order (parents first); the full groups give the columns.
    let roots = state.store.group_tree(None).await?;
    let groups: HashMap<GroupId, Group> = state
        .store
        .list_groups(None)
        .await?
        .into_iter()
        .map(|g| (g.id, g))
        .collect();
    fn visit(
        nodes: &[GroupNode],
        groups: &HashMap<GroupId, Group>,
        parent: &str,
        columns: &[&str],
        out: &mut Vec<Vec<String>>,
    ) {
        for node in nodes {
            // Both reads see committed states; a group created in between has no row yet.
            let Some(group) = groups.get(&node.id) else {
                continue;
            };
            let input = &group.input;
            out.push(
                columns
                    .iter()
                    .map(|column| match *column {
                        "name" => input.name.clone(),
                        "description" => input.description.clone(),
                        "parent" => parent.to_string(),
                        "groupType" => input.group_type.clone(),
                        "driveLetter" => input.drive_letter.clone(),
                        "driveServer" => input.drive_server.clone(),
                        "disabled" => flag(input.disabled),
                        "activeSince" => optional_time(input.active_since),
                        "activeUntil" => optional_time(input.active_until),
                        "externalId" => input.external_id.clone(),
                        "modified" => time(group.modified.at),
                        "modifiedBy" => group.modified.by.clone(),
                        _ => String::new(),
                    })
                    .collect(),
            );
            visit(&node.children, groups, &input.name, columns, out);
        }
    }
    let mut rows = Vec::new();
    visit(&roots, &groups, "", &columns, &mut rows);
    csv_file("groups.csv", &columns, rows)
}

/// GET /files/groups/{id}/members.csv: the current members of one group.
async fn group_members(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(params): Query<Params>,
) -> Result<Response, FileError> {
    let operator = authorize_headers(&state, &headers, Permission::IdentityRead).await?;
    let columns = pick_columns(&params.columns, MEMBER_CSV_COLUMNS)?;
    let group = state.store.get_group(GroupId(id), None).await?;
    let name = format!("{}-members.csv", file_stem(&group.input.name));
    audit_export(&state, &operator, &name, &format!("group {id}")).await?;
    let members = state.store.group_members(GroupId(id), None).await?;
    let rows = members
        .into_iter()
        .map(|member| {
            columns
                .iter()
                .map(|column| match *column {
                    "userName" => member.user_name.clone(),
                    "fullName" => member.full_name.clone(),
                    "membership" => match member.kind {
                        MemberKind::Primary => "Primary".into(),
                        MemberKind::Secondary => "Secondary".into(),
                    },
                    "startDate" => optional_time(member.start_date),
                    "endDate" => optional_time(member.end_date),
                    "comments" => member.comments.clone(),
                    _ => String::new(),
                })
                .collect()
        })
        .collect();
    csv_file(&name, &columns, rows)
}

/// A name made safe for a file name and a header value.
fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let stem = stem.trim_matches(['-', '.']);
    if stem.is_empty() {
        "group".into()
    } else {
        stem.into()
    }
}

/// A directory list's download: session and permission, the asked columns, an audit line,
/// then one record per object that `read` finds for the list's query.
async fn directory_csv<T, F, Fut>(
    state: &AppState,
    headers: &HeaderMap,
    params: &Params,
    file: &str,
    known: &[&'static str],
    read: F,
    cell: impl Fn(&T, &str) -> String,
) -> Result<Response, FileError>
where
    F: FnOnce(DirectoryQuery) -> Fut,
    Fut: std::future::Future<Output = app::store::Result<Vec<T>>>,
{
    let operator = authorize_headers(state, headers, Permission::IdentityRead).await?;
    let columns = pick_columns(&params.columns, known)?;
    let details = format!(
        "q={:?} sort={:?} in={:?}",
        params.q, params.sort, params.within
    );
    audit_export(state, &operator, file, &details).await?;
    let rows = read(directory_query(params)?)
        .await?
        .iter()
        .map(|item| columns.iter().map(|column| cell(item, column)).collect())
        .collect();
    csv_file(file, &columns, rows)
}

/// GET /files/<kind>.csv?q=&sort=&columns=: what the list of a declared kind shows.
async fn resources(
    kind: &'static ResourceKind,
    state: AppState,
    headers: HeaderMap,
    mut params: Params,
) -> Result<Response, FileError> {
    if params.columns.trim().is_empty() {
        // The list's default view; `modified` and `modifiedBy` when asked for.
        params.columns = kind.list_keys().join(",");
    }
    let store = state.store.clone();
    let read = |query: DirectoryQuery| async move { store.export_resources(kind, &query).await };
    let file = format!("{}.csv", kind.slug);
    let known = kind.csv_columns();
    directory_csv(
        &state,
        &headers,
        &params,
        &file,
        &known,
        read,
        move |record, column| resource_cell(kind, record, column),
    )
    .await
}

/// One cell of a declared kind's CSV file.
fn resource_cell(kind: &ResourceKind, record: &ResourceRecord, column: &str) -> String {
    match column {
        "modified" => time(record.modified.at),
        "modifiedBy" => record.modified.by.clone(),
        _ => {
            if let Some((index, _)) = kind.attribute(column) {
                return record.values.get(index).cloned().unwrap_or_default();
            }
            kind.counted()
                .position(|d| d.count.is_some_and(|(key, _)| key == column))
                .and_then(|i| record.counts.get(i))
                .map(i64::to_string)
                .unwrap_or_default()
        }
    }
}

/// GET /files/mail-lists.csv?q=&sort=&columns=: the lists the mail lists list shows.
async fn mail_lists(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Result<Response, FileError> {
    let store = state.store.clone();
    let read = |query: DirectoryQuery| async move { store.export_mail_lists(&query).await };
    directory_csv(
        &state,
        &headers,
        &params,
        "mail-lists.csv",
        MAIL_LIST_CSV_COLUMNS,
        read,
        |list, column| match column {
            "name" => list.input.name.clone(),
            "domain" => list.domain_code.clone(),
            "address" => format!("{}@{}", list.input.name, list.domain_code),
            "description" => list.input.description.clone(),
            "modified" => time(list.modified.at),
            "modifiedBy" => list.modified.by.clone(),
            _ => String::new(),
        },
    )
    .await
}

/// GET /files/accounts.csv?q=&sort=&columns=: the accounts the accounts list shows.
async fn accounts(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Result<Response, FileError> {
    let store = state.store.clone();
    let read = |query: DirectoryQuery| async move { store.export_accounts(&query).await };
    directory_csv(
        &state,
        &headers,
        &params,
        "accounts.csv",
        ACCOUNT_CSV_COLUMNS,
        read,
        |account, column| match column {
            "name" => account.input.name.clone(),
            "system" => account.system_name.clone(),
            "loginName" => account.input.login_name.clone(),
            "description" => account.input.description.clone(),
            "accountType" => account.input.account_type.clone(),
            "status" => account.input.status.clone(),
            _ => String::new(),
        },
    )
    .await
}

/// GET /files/roles.csv?q=&sort=&columns=: the roles the roles list shows.
async fn roles(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Result<Response, FileError> {
    let store = state.store.clone();
    let read = |query: DirectoryQuery| async move { store.export_roles(&query).await };
    directory_csv(
        &state,
        &headers,
        &params,
        "roles.csv",
        ROLE_CSV_COLUMNS,
        read,
        |role, column| match column {
            "name" => role.input.name.clone(),
            "system" => role.system_name.clone(),
            "category" => role.input.category.clone(),
            "description" => role.input.description.clone(),
            "domainType" => role.input.domain_type.clone(),
            _ => String::new(),
        },
    )
    .await
}

const SNAPSHOT_CSV_COLUMNS: &[&str] = &["snapshot", "user", "valid_since", "valid_until", "size"];

#[derive(serde::Deserialize, Default)]
struct SnapshotParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    filter: String,
    #[serde(default)]
    sort: String,
    user: Option<i64>,
    /// The Backups page's View (`userName,validSince,…`): those columns, in that order, with
    /// the headers the table shows. Without it, the documented `SNAPSHOT_CSV_COLUMNS`.
    #[serde(default)]
    view: String,
}

/// The columns of a snapshots download: the documented format, or the page's View.
#[derive(Clone)]
enum SnapshotCsv {
    Documented,
    View(Vec<SnapshotColumn>),
}

impl SnapshotCsv {
    fn from_view(view: &str) -> Result<Self, AppError> {
        if view.split(',').all(|key| key.trim().is_empty()) {
            return Ok(Self::Documented);
        }
        let keys: Vec<&'static str> = SnapshotColumn::ALL.iter().map(|c| c.key()).collect();
        let picked = pick_named_columns("view", view, &keys)?;
        Ok(Self::View(
            picked
                .into_iter()
                .filter_map(|key| SnapshotColumn::ALL.iter().copied().find(|c| c.key() == key))
                .collect(),
        ))
    }

    fn header(&self) -> Vec<&'static str> {
        match self {
            Self::Documented => SNAPSHOT_CSV_COLUMNS.to_vec(),
            Self::View(columns) => columns.iter().map(|c| c.label()).collect(),
        }
    }

    fn row(&self, item: &SnapshotListItem) -> Vec<String> {
        let snapshot = &item.snapshot;
        match self {
            Self::Documented => vec![
                snapshot.id.to_string(),
                item.user_name.clone(),
                time(snapshot.valid_since),
                optional_time(snapshot.valid_until),
                snapshot.size.to_string(),
            ],
            Self::View(columns) => columns
                .iter()
                .map(|column| match column {
                    SnapshotColumn::UserName => item.user_name.clone(),
                    SnapshotColumn::ValidSince => time(snapshot.valid_since),
                    SnapshotColumn::ValidUntil => optional_time(snapshot.valid_until),
                    SnapshotColumn::Size => snapshot.size.to_string(),
                    SnapshotColumn::Xml => format!("/files/snapshots/{}.xml", snapshot.id),
                })
                .collect(),
        }
    }
}

/// GET /files/snapshots.csv?q=&filter=&sort=[&user=ID]: the snapshots the Backups page shows
/// for that query (every page), or one user's.
async fn snapshots(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<SnapshotParams>,
) -> Result<Response, FileError> {
    let operator = authorize_headers(&state, &headers, Permission::BackupQuery).await?;
    let shape = SnapshotCsv::from_view(&params.view)?;
    let (sort, descending) = SnapshotSort::from_param(&params.sort);
    let query = SnapshotListQuery {
        user: params.user.map(UserId),
        search: params.q,
        filter: params.filter,
        sort,
        descending,
        offset: 0,
        limit: ROWS_PER_CHUNK,
    };
    let name = match query.user {
        Some(user) => format!("snapshots-user-{}.csv", user.0),
        None => "snapshots.csv".into(),
    };
    let details = format!("q={:?} filter={:?}", query.search, query.filter);
    let first = state.store.list_all_snapshots(&query).await?;
    audit_export(&state, &operator, &name, &details).await?;
    let store = state.store.clone();
    let body = paged_body(
        header_chunk(&shape.header()).map_err(internal)?,
        first,
        move |offset| {
            let (store, mut query) = (store.clone(), query.clone());
            query.offset = offset;
            async move { store.list_all_snapshots(&query).await }
        },
        move |page| encode(page.items.iter().map(|item| shape.row(item))),
    );
    Ok(csv_response(&name, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_queryable_user_attribute_is_a_csv_column() {
        for name in app::store::user_query_attributes() {
            assert!(USER_CSV_COLUMNS.contains(&name), "{name} is not a column");
        }
        assert_eq!(
            USER_CSV_COLUMNS.len(),
            app::store::user_query_attributes().len() + 1
        );
    }

    #[test]
    fn unknown_columns_are_refused_and_known_ones_keep_the_order_asked() {
        assert_eq!(
            pick_columns("email, USERNAME", USER_CSV_COLUMNS).unwrap(),
            vec!["email", "userName"]
        );
        assert!(matches!(
            pick_columns("email,shoeSize", USER_CSV_COLUMNS),
            Err(AppError::Validation(_))
        ));
    }
}
