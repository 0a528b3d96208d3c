//! A user's complete state at an instant: loading it in two queries and assembling it.
use super::identity::{UserRow, USER_COLUMNS};
use super::temporal::{live_at, parse_attributes, time};
use super::Result;
use crate::model::*;
use sqlx::{Any, AnyConnection};

#[derive(sqlx::FromRow, Clone)]
pub(crate) struct StateUserRow {
    #[sqlx(flatten)]
    user: UserRow,
    primary_group_name: String,
}

/// One row of a user's related state, read in one round trip (the snapshot capture runs
/// inside every change to a user): `part` says which list it belongs to and how the generic
/// columns read (see `load_state`).
#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct StatePartRow {
    part: String,
    a: i64,
    b: Option<i64>,
    c: Option<i64>,
    d: Option<i64>,
    t1: String,
    t2: Option<String>,
    t3: Option<String>,
    t4: Option<String>,
    t5: Option<String>,
    t6: Option<String>,
    t7: Option<String>,
    t8: Option<String>,
}

/// The complete state of a user at instant `t` (`i64::MAX` = now); None if it did not exist.
/// Grants are left out when `include_grants` is false (entitlements history off).
pub(crate) async fn load_state(
    conn: &mut AnyConnection,
    user: i64,
    t: i64,
    include_grants: bool,
) -> Result<Option<UserState>> {
    let Some(row) = sqlx::query_as::<Any, StateUserRow>(&state_user_sql(t, "", ""))
        .bind(user)
        .bind(t)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let parts =
        sqlx::query_as::<Any, StatePartRow>(&state_parts_sql(t, include_grants.then_some("")))
            .bind(user)
            .bind(t)
            .fetch_all(&mut *conn)
            .await?;
    Ok(Some(assemble_state(row, parts, include_grants)))
}

/// The user row of a state (`$1` = user, `$2` = instant `t`, unused for now): the user's
/// columns and its primary group's name, plus `extra_columns` from `extra_joins` (the
/// snapshot capture reads its bookkeeping in the same round trip).
pub(crate) fn state_user_sql(t: i64, extra_columns: &str, extra_joins: &str) -> String {
    user_sql(t, extra_columns, extra_joins, "= $1")
}

fn user_sql(t: i64, extra_columns: &str, extra_joins: &str, user_match: &str) -> String {
    let live = |alias| live_at(alias, 2, t);
    format!(
        "SELECT {USER_COLUMNS}, COALESCE(g.name, '') AS primary_group_name{extra_columns} \
         FROM users u LEFT JOIN groups g ON g.object_id = u.primary_group_id AND {}{extra_joins} \
         WHERE u.object_id {user_match} AND {}",
        live("g"),
        live("u")
    )
}

/// The SQL of a user's related state (`$1` = user, `$2` = instant `t`, unused for now):
/// memberships (m), owned accounts (a), grants (g: direct, and those of the owned accounts)
/// mail lists (l) and printers (p) in one UNION ALL, in the generic columns of StatePartRow. Grants are
/// left out with `grants` None; otherwise `grants` is an extra condition on them (e.g. a
/// configuration column of an enclosing query, as " AND c.entitlements_history <> 0").
/// Every branch starts from an index on the user, so the cost follows the user's own rows.
pub(crate) fn state_parts_sql(t: i64, grants: Option<&str>) -> String {
    parts_sql(t, grants, "= $1", Rows::One)
}

/// What the rows of `parts_sql` are for: one user at `$2`, the users of a range at `$2`
/// (with the user as `owner`), or one user at each instant of a `ts(t)` list (with the
/// instant as `owner`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rows {
    One,
    Users,
    Instants,
}

/// `state_parts_sql` for the users matched by `user_match` (`= $1`, `BETWEEN $1 AND $3`),
/// shaped by `rows`.
fn parts_sql(t: i64, grants: Option<&str>, user_match: &str, rows: Rows) -> String {
    let live = |alias: &str| match rows {
        Rows::Instants => format!(
            "{alias}.valid_from <= ts.t AND ({alias}.valid_to IS NULL OR {alias}.valid_to > ts.t)"
        ),
        _ => live_at(alias, 2, t),
    };
    let own = |column: &str| match rows {
        Rows::One => String::new(),
        Rows::Users => format!(", {column} AS owner"),
        Rows::Instants => ", ts.t AS owner".to_string(),
    };
    let ts = if rows == Rows::Instants {
        "ts CROSS JOIN "
    } else {
        ""
    };
    let grant_columns = |owner: String| {
        format!(
            "'g', gr.grantee_id, gr.role_id, gr.start_date, gr.end_date, \
             gr.grantee_kind, COALESCE(r.name, ''), COALESCE(s.name, ''), gr.scope, \
             (SELECT rr.name FROM role_rules rr WHERE rr.object_id = gr.rule_id \
              ORDER BY rr.version_id DESC LIMIT 1), NULL, NULL, NULL{owner}"
        )
    };
    let grant_names = format!(
        "LEFT JOIN roles r ON r.object_id = gr.role_id AND {} \
         LEFT JOIN systems s ON s.object_id = r.system_id AND {}",
        live("r"),
        live("s")
    );
    let grants_part = match grants {
        Some(condition) => format!(
            " UNION ALL \
             SELECT {} FROM {ts}grants gr {grant_names} \
             WHERE gr.grantee_kind = 'user' AND gr.grantee_id {user_match} AND {}{condition} \
             UNION ALL \
             SELECT {} FROM {ts}account_owners o \
             JOIN grants gr ON gr.grantee_kind = 'account' AND gr.grantee_id = o.account_id \
                  AND {} {grant_names} \
             WHERE o.user_id {user_match} AND {}{condition}",
            grant_columns(own("gr.grantee_id")),
            live("gr"),
            grant_columns(own("o.user_id")),
            live("gr"),
            live("o")
        ),
        None => String::new(),
    };
    format!(
        "SELECT 'm' AS part, m.group_id AS a, NULL AS b, m.start_date AS c, m.end_date AS d, \
                COALESCE(g.name, '') AS t1, m.comments AS t2, NULL AS t3, NULL AS t4, \
                NULL AS t5, NULL AS t6, NULL AS t7, NULL AS t8{} \
         FROM {ts}memberships m LEFT JOIN groups g ON g.object_id = m.group_id AND {} \
         WHERE m.user_id {user_match} AND {} \
         UNION ALL \
         SELECT 'a', a.object_id, a.system_id, NULL, NULL, COALESCE(s.name, ''), a.name, \
                a.login_name, a.description, a.account_type, a.status, o.level, a.attributes{} \
         FROM {ts}account_owners o JOIN accounts a ON a.object_id = o.account_id AND {} \
         LEFT JOIN systems s ON s.object_id = a.system_id AND {} \
         WHERE o.user_id {user_match} AND {} \
         UNION ALL \
         SELECT 'l', l.object_id, NULL, NULL, NULL, l.name, COALESCE(d.code, ''), \
                NULL, NULL, NULL, NULL, NULL, NULL{} \
         FROM {ts}mail_list_members mm JOIN mail_lists l ON l.object_id = mm.list_id AND {} \
         LEFT JOIN mail_domains d ON d.object_id = l.domain_id AND {} \
         WHERE mm.member_kind = 'user' AND mm.member_id {user_match} AND {} \
         UNION ALL \
         SELECT 'p', pa.printer_id, NULL, NULL, NULL, p.name, COALESCE(h.name, ''), \
                NULL, NULL, NULL, NULL, NULL, NULL{} \
         FROM {ts}printer_assignments pa JOIN printers p ON p.object_id = pa.printer_id AND {} \
         LEFT JOIN hosts h ON h.object_id = p.server_id AND {} \
         WHERE pa.grantee_kind = 'user' AND pa.grantee_id {user_match} AND {}{grants_part}",
        own("m.user_id"),
        live("g"),
        live("m"),
        own("o.user_id"),
        live("a"),
        live("s"),
        live("o"),
        own("mm.member_id"),
        live("l"),
        live("d"),
        live("mm"),
        own("pa.grantee_id"),
        live("p"),
        live("h"),
        live("pa"),
    )
}

/// A user's state from its user row and the rows of `state_parts_sql`.
/// The order of a state's memberships: by group name, then group.
pub(crate) fn sort_memberships(memberships: &mut [MembershipState]) {
    memberships.sort_by(|a, b| (&a.group_name, a.group).cmp(&(&b.group_name, b.group)));
}

pub(crate) fn assemble_state(
    StateUserRow {
        user: row,
        primary_group_name,
    }: StateUserRow,
    parts: Vec<StatePartRow>,
    include_grants: bool,
) -> UserState {
    let user = row.object_id;
    let text = |t: Option<String>| t.unwrap_or_default();
    let mut memberships = Vec::new();
    let mut accounts = Vec::new();
    let mut grant_rows = Vec::new();
    let mut mail_lists = Vec::new();
    let mut printers = Vec::new();
    for p in parts {
        match p.part.as_str() {
            "m" => memberships.push(MembershipState {
                group: GroupId(p.a),
                group_name: p.t1,
                start_date: time(p.c),
                end_date: time(p.d),
                comments: text(p.t2),
            }),
            "a" => accounts.push(AccountState {
                account: AccountId(p.a),
                system: SystemId(p.b.unwrap_or_default()),
                system_name: p.t1,
                name: text(p.t2),
                login_name: text(p.t3),
                description: text(p.t4),
                account_type: text(p.t5),
                status: text(p.t6),
                level: text(p.t7),
                attributes: parse_attributes(p.t8.as_deref().unwrap_or_default()),
                grants: Vec::new(),
            }),
            "g" => grant_rows.push(p),
            "p" => printers.push(PrinterState {
                printer: p.a,
                name: p.t1,
                server: text(p.t2),
            }),
            _ => mail_lists.push(MailListState {
                list: MailListId(p.a),
                name: p.t1,
                domain: text(p.t2),
            }),
        }
    }
    sort_memberships(&mut memberships);
    accounts.sort_by(|a, b| {
        (&a.system_name, &a.name, a.account).cmp(&(&b.system_name, &b.name, b.account))
    });
    let mut grants = Vec::new();
    for g in grant_rows {
        let state = GrantState {
            role: RoleId(g.b.unwrap_or_default()),
            role_name: text(g.t2),
            system_name: text(g.t3),
            scope: text(g.t4),
            start_date: time(g.c),
            end_date: time(g.d),
            rule: g.t5.filter(|name| !name.is_empty()),
        };
        if g.t1 == "user" {
            grants.push(state);
        } else if let Some(account) = accounts.iter_mut().find(|acc| acc.account.0 == g.a) {
            account.grants.push(state);
        }
    }
    let order = |a: &GrantState, b: &GrantState| {
        (&a.role_name, &a.scope, a.role).cmp(&(&b.role_name, &b.scope, b.role))
    };
    grants.sort_by(order);
    for account in &mut accounts {
        account.grants.sort_by(order);
    }
    mail_lists.sort_by(|a, b| (&a.name, &a.domain, a.list).cmp(&(&b.name, &b.domain, b.list)));
    printers.sort_by(|a, b| (&a.name, a.printer).cmp(&(&b.name, b.printer)));
    UserState {
        id: UserId(user),
        attributes: row.input(),
        primary_group_name,
        memberships,
        accounts,
        grants,
        mail_lists,
        printers,
        grants_captured: include_grants,
    }
}

/// A row of `state_parts_sql` with the user it belongs to (bulk reads of many users).
#[derive(sqlx::FromRow)]
struct OwnedPartRow {
    owner: i64,
    #[sqlx(flatten)]
    part: StatePartRow,
}

/// The current states (with grants) of the live users whose ids lie in `from..=to`, in id
/// order: the same statements as `load_state`, for a range of users at once. Bulk seeding
/// writes every user's open snapshot from these.
pub(crate) async fn current_states(
    conn: &mut AnyConnection,
    from: i64,
    to: i64,
) -> Result<Vec<UserState>> {
    let t = i64::MAX;
    let range = "BETWEEN $1 AND $3";
    let users = sqlx::query_as::<Any, StateUserRow>(&format!(
        "{} ORDER BY u.object_id",
        user_sql(t, "", "", range)
    ))
    .bind(from)
    .bind(t)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    let rows = sqlx::query_as::<Any, OwnedPartRow>(&parts_sql(t, Some(""), range, Rows::Users))
        .bind(from)
        .bind(t)
        .bind(to)
        .fetch_all(&mut *conn)
        .await?;
    let mut parts: std::collections::HashMap<i64, Vec<StatePartRow>> =
        std::collections::HashMap::new();
    for row in rows {
        parts.entry(row.owner).or_default().push(row.part);
    }
    Ok(users
        .into_iter()
        .map(|user| {
            let own = parts.remove(&user.user.object_id).unwrap_or_default();
            assemble_state(user, own, true)
        })
        .collect())
}

/// A user row of `states_at`, with the instant it was read at.
#[derive(sqlx::FromRow)]
struct InstantUserRow {
    at: i64,
    #[sqlx(flatten)]
    row: StateUserRow,
}

/// The states (with grants) of one user at each of `instants` (None where it did not
/// exist), in two statements for all of them: a page of the user's timeline compares the
/// state before and after each of its operations.
pub(crate) async fn states_at(
    conn: &mut AnyConnection,
    user: i64,
    instants: &[i64],
) -> Result<Vec<Option<UserState>>> {
    let requested = instants;
    let mut instants = instants.to_vec();
    instants.sort_unstable();
    instants.dedup();
    if instants.is_empty() {
        return Ok(Vec::new());
    }
    let values: Vec<String> = (0..instants.len())
        .map(|i| format!("(CAST(${} AS BIGINT))", i + 3))
        .collect();
    let with = format!("WITH ts(t) AS (VALUES {}) ", values.join(", "));
    let live = |alias: &str| {
        format!(
            "{alias}.valid_from <= ts.t AND ({alias}.valid_to IS NULL OR {alias}.valid_to > ts.t)"
        )
    };
    let users_sql = format!(
        "{with}SELECT ts.t AS at, {USER_COLUMNS}, COALESCE(g.name, '') AS primary_group_name \
         FROM ts CROSS JOIN users u \
         LEFT JOIN groups g ON g.object_id = u.primary_group_id AND {} \
         WHERE u.object_id = $1 AND {}",
        live("g"),
        live("u")
    );
    let parts_sql = format!(
        "{with}{}",
        parts_sql(i64::MAX, Some(""), "= $1", Rows::Instants)
    );
    let mut users = sqlx::query_as::<Any, InstantUserRow>(&users_sql)
        .bind(user)
        .bind(0i64);
    for &t in &instants {
        users = users.bind(t);
    }
    let users = users.fetch_all(&mut *conn).await?;
    let mut parts = sqlx::query_as::<Any, OwnedPartRow>(&parts_sql)
        .bind(user)
        .bind(0i64);
    for &t in &instants {
        parts = parts.bind(t);
    }
    let mut by_instant: std::collections::HashMap<i64, Vec<StatePartRow>> =
        std::collections::HashMap::new();
    for row in parts.fetch_all(&mut *conn).await? {
        by_instant.entry(row.owner).or_default().push(row.part);
    }
    let rows: std::collections::HashMap<i64, StateUserRow> =
        users.into_iter().map(|r| (r.at, r.row)).collect();
    let states: std::collections::HashMap<i64, UserState> = rows
        .into_iter()
        .map(|(t, row)| {
            let own = by_instant.remove(&t).unwrap_or_default();
            (t, assemble_state(row, own, true))
        })
        .collect();
    Ok(requested.iter().map(|t| states.get(t).cloned()).collect())
}
