//! Role assignment rules (`model::kinds::ROLE_RULES`): which users a rule's condition
//! selects, the grants that follow, and keeping the grants rules made (`grants.rule_id`) in
//! step. Every change to users settles them (`settle`, called by snapshot capture in the
//! change's own transaction); "Apply now" settles one rule over every user in batches.
use super::filter::{condition, Bind};
use super::id_chunks::rows_for_ids;
use super::identity::{audit, USER_ATTRIBUTES};
use super::temporal::{close_current, insert_version, name_key, new_object, Op, Table, Val};
use super::{Error, Result};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Most roles one rule grants.
pub const MAX_RULE_ROLES: usize = 100;
/// Users evaluated by one query.
const USER_BATCH: usize = 400;

/// One line of a rule's roles: the role by name on its system, and the grant's scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RoleLine {
    pub role: String,
    pub system: String,
    pub scope: String,
}

impl RoleLine {
    pub(crate) fn text(&self) -> String {
        if self.scope.is_empty() {
            format!("{}@{}", self.role, self.system)
        } else {
            format!("{}@{}; {}", self.role, self.system, self.scope)
        }
    }
}

/// Reads `Role@System` lines, each with an optional `; scope`; blank lines are skipped.
pub(crate) fn role_lines(text: &str) -> std::result::Result<Vec<RoleLine>, String> {
    let mut out: Vec<RoleLine> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (role_part, scope) = match line.split_once(';') {
            Some((role, scope)) => (role.trim(), scope.trim()),
            None => (line, ""),
        };
        let Some((role, system)) = role_part.rsplit_once('@') else {
            return Err(format!("{line:?} does not name a role as “Role@System”."));
        };
        let (role, system) = (role.trim(), system.trim());
        if role.is_empty() || system.is_empty() {
            return Err(format!("{line:?} does not name a role as “Role@System”."));
        }
        let parsed = RoleLine {
            role: role.into(),
            system: system.into(),
            scope: scope.into(),
        };
        if out.iter().any(|l| {
            name_key(&l.role) == name_key(role)
                && name_key(&l.system) == name_key(system)
                && l.scope == parsed.scope
        }) {
            return Err(format!("{line:?} is listed twice."));
        }
        out.push(parsed);
        if out.len() > MAX_RULE_ROLES {
            return Err(format!("A rule grants at most {MAX_RULE_ROLES} roles."));
        }
    }
    Ok(out)
}

/// The current roles named by `lines`: (role id, role name, system name) by the lines'
/// lower-cased `role@system`, in one query.
pub(crate) async fn find_roles(
    conn: &mut AnyConnection,
    lines: &[&RoleLine],
) -> Result<HashMap<String, (i64, String, String)>> {
    let mut keys: Vec<String> = lines.iter().map(|l| name_key(&l.role)).collect();
    keys.sort_unstable();
    keys.dedup();
    let mut out = HashMap::new();
    for chunk in keys.chunks(USER_BATCH) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT r.object_id, r.name, s.name FROM roles r JOIN systems s \
             ON s.object_id = r.system_id AND s.valid_to IS NULL \
             WHERE r.valid_to IS NULL AND r.name_key IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query_as::<Any, (i64, String, String)>(&sql);
        for key in chunk {
            query = query.bind(key.as_str());
        }
        for (id, role, system) in query.fetch_all(&mut *conn).await? {
            out.insert(line_key(&role, &system), (id, role, system));
        }
    }
    Ok(out)
}

pub(crate) fn line_key(role: &str, system: &str) -> String {
    format!("{}@{}", name_key(role), name_key(system))
}

/// `(id, name)` rows of `sql` for `ids` (`rows_for_ids`), by id.
pub(crate) async fn names_by_id(
    conn: &mut AnyConnection,
    sql: &str,
    ids: &[i64],
) -> Result<HashMap<i64, String>> {
    Ok(rows_for_ids::<(i64, String)>(conn, sql, ids)
        .await?
        .into_iter()
        .collect())
}

/// For `names_by_id`: current users by name.
pub(crate) const USER_NAMES: &str =
    "SELECT object_id, name FROM users WHERE valid_to IS NULL AND object_id IN ({ids})";
/// For `names_by_id`: current roles as `Role@System`.
pub(crate) const ROLE_NAMES: &str = "SELECT r.object_id, r.name || '@' || s.name FROM roles r \
     JOIN systems s ON s.object_id = r.system_id AND s.valid_to IS NULL \
     WHERE r.valid_to IS NULL AND r.object_id IN ({ids})";

/// A roles attribute as kept: every line a current role, written as the role and its
/// system call themselves. The error names the first line that is not.
pub(crate) async fn canonical_roles(
    conn: &mut AnyConnection,
    text: &str,
) -> Result<std::result::Result<String, String>> {
    let lines = match role_lines(text) {
        Ok(lines) => lines,
        Err(problem) => return Ok(Err(problem)),
    };
    let found = find_roles(conn, &lines.iter().collect::<Vec<_>>()).await?;
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        match found.get(&line_key(&line.role, &line.system)) {
            Some((_, role, system)) => out.push(
                RoleLine {
                    role: role.clone(),
                    system: system.clone(),
                    scope: line.scope,
                }
                .text(),
            ),
            None => {
                return Ok(Err(format!(
                    "No role {:?} exists on the system {:?}.",
                    line.role, line.system
                )))
            }
        }
    }
    Ok(Ok(out.join("\n")))
}

/// A condition as the users list's advanced query reads it; the error names the token.
pub(crate) fn check_condition(text: &str) -> std::result::Result<(), String> {
    match condition(text, USER_ATTRIBUTES, 1) {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err("Write a condition, e.g. enabled eq true.".into()),
        Err(Error::Invalid(problems)) => Err(problems
            .into_iter()
            .map(|p| p.message)
            .collect::<Vec<_>>()
            .join(" ")),
        Err(other) => Err(other.to_string()),
    }
}

/// A current rule, ready to evaluate: its roles resolved to ids (lines naming a role that
/// no longer exists are left out).
#[derive(Clone, Debug)]
pub(crate) struct CompiledRule {
    pub id: i64,
    pub name: String,
    condition: String,
    /// (role id, scope).
    roles: Vec<(i64, String)>,
    /// Its stored roles no longer read (damaged data): it selects no one, and the grants it
    /// made are left as they are rather than revoked.
    broken: bool,
}

/// The current rules, by name; `only` restricts them to one.
pub(crate) async fn current_rules(
    conn: &mut AnyConnection,
    only: Option<i64>,
) -> Result<Vec<CompiledRule>> {
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT object_id, name, condition, roles FROM role_rules \
         WHERE valid_to IS NULL AND ($1 = 0 OR object_id = $1) ORDER BY name_key, object_id",
    )
    .bind(only.unwrap_or(0))
    .fetch_all(&mut *conn)
    .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let parsed: Vec<Option<Vec<RoleLine>>> = rows
        .iter()
        .map(|(_, _, _, roles)| role_lines(roles).ok())
        .collect();
    let all: Vec<&RoleLine> = parsed.iter().flatten().flatten().collect();
    let found = find_roles(conn, &all).await?;
    Ok(rows
        .into_iter()
        .zip(parsed)
        .map(|((id, name, condition, _), lines)| CompiledRule {
            id,
            name,
            condition,
            broken: lines.is_none(),
            roles: lines
                .unwrap_or_default()
                .into_iter()
                .filter_map(|l| {
                    let (role, ..) = found.get(&line_key(&l.role, &l.system))?;
                    Some((*role, l.scope))
                })
                .collect(),
        })
        .collect())
}

/// Most values one query binds (SQLite allows 32,766, PostgreSQL 65,535) and most columns
/// it returns (SQLite allows 2,000): `selected` splits the rules to stay under both.
const MAX_BINDS: usize = 30_000;
const MAX_CASES: usize = 1_000;

/// One rule's condition as a column of `selected`'s query, with the values it binds.
fn case_of(rule: &CompiledRule, first: usize) -> (String, Vec<Bind>) {
    if rule.broken {
        return ("CAST(0 AS BIGINT)".into(), Vec::new());
    }
    // A condition the store once accepted always parses; one that does not selects no one.
    match condition(&rule.condition, USER_ATTRIBUTES, first) {
        Ok(Some(c)) => (
            format!("CAST(CASE WHEN {} THEN 1 ELSE 0 END AS BIGINT)", c.sql),
            c.binds,
        ),
        _ => ("CAST(0 AS BIGINT)".into(), Vec::new()),
    }
}

/// For each current user of `users`, which of `rules` select them (indexes into `rules`).
async fn selected(
    conn: &mut AnyConnection,
    rules: &[CompiledRule],
    users: &[i64],
) -> Result<HashMap<i64, Vec<usize>>> {
    let mut out: HashMap<i64, Vec<usize>> = HashMap::new();
    let mut start = 0;
    while start < rules.len() {
        // As many rules as fit one query beside a batch of user ids.
        let mut cases = Vec::new();
        let mut binds: Vec<Bind> = Vec::new();
        let mut end = start;
        while end < rules.len() && cases.len() < MAX_CASES {
            let (case, more) = case_of(&rules[end], binds.len() + 1);
            if !cases.is_empty() && binds.len() + more.len() + USER_BATCH > MAX_BINDS {
                break;
            }
            cases.push(case);
            binds.extend(more);
            end += 1;
        }
        for chunk in users.chunks(USER_BATCH) {
            let first = binds.len() + 1;
            let ids: Vec<String> = (first..first + chunk.len())
                .map(|i| format!("${i}"))
                .collect();
            let sql = format!(
                "SELECT u.object_id, {} FROM users u WHERE u.valid_to IS NULL \
                 AND u.object_id IN ({})",
                cases.join(", "),
                ids.join(", ")
            );
            let mut query = sqlx::query::<Any>(&sql);
            for bind in &binds {
                query = match bind {
                    Bind::Text(text) => query.bind(text.as_str()),
                    Bind::Int(n) => query.bind(*n),
                };
            }
            for user in chunk {
                query = query.bind(*user);
            }
            let rows: Vec<AnyRow> = query.fetch_all(&mut *conn).await?;
            for row in rows {
                let user: i64 = row.try_get(0)?;
                let chosen = out.entry(user).or_default();
                for index in start..end {
                    let hit: i64 = row.try_get(index - start + 1)?;
                    if hit != 0 {
                        chosen.push(index);
                    }
                }
            }
        }
        start = end;
    }
    Ok(out)
}

/// A current grant of a user, as `plan` weighs it.
struct HeldGrant {
    grant: i64,
    role: i64,
    scope: String,
    /// The rule that made it (None: made by hand).
    rule: Option<i64>,
}

/// A grant a rule makes or withdraws.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RuleChange {
    Grant {
        user: i64,
        role: i64,
        scope: String,
        rule: i64,
    },
    Revoke {
        user: i64,
        grant: i64,
        role: i64,
        scope: String,
        rule: i64,
    },
    /// A grant the rule would make that a forbidden segregation of duties rule (`sod`, by
    /// name) refuses: not made, and reported.
    Withheld {
        user: i64,
        role: i64,
        scope: String,
        sod: String,
    },
}

impl RuleChange {
    pub fn user(&self) -> i64 {
        match self {
            Self::Grant { user, .. } | Self::Revoke { user, .. } | Self::Withheld { user, .. } => {
                *user
            }
        }
    }

    pub fn role(&self) -> i64 {
        match self {
            Self::Grant { role, .. } | Self::Revoke { role, .. } | Self::Withheld { role, .. } => {
                *role
            }
        }
    }

    /// How many of `changes` are grants, revokes and withheld grants.
    pub fn counts(changes: &[RuleChange]) -> (i64, i64, i64) {
        changes.iter().fold((0, 0, 0), |(g, r, w), c| match c {
            Self::Grant { .. } => (g + 1, r, w),
            Self::Revoke { .. } => (g, r + 1, w),
            Self::Withheld { .. } => (g, r, w + 1),
        })
    }
}

/// What `rules` (every current rule) change for `users`, for every rule or `only` one. A
/// rule-made grant that no rule gives any more is revoked (with `only`, when that rule made
/// it); over every rule, so are grants of a rule that is no longer current. A role the user
/// already holds with that scope (by hand or by another rule) is left as it is, and a
/// grant two rules give belongs to the first by name.
pub(crate) async fn plan(
    conn: &mut AnyConnection,
    rules: &[CompiledRule],
    users: &[i64],
    only: Option<i64>,
) -> Result<Vec<RuleChange>> {
    let all_rules = only.is_none();
    let chosen = selected(conn, rules, users).await?;
    let considered: HashSet<i64> = rules
        .iter()
        .filter(|r| !r.broken && only.is_none_or(|id| id == r.id))
        .map(|r| r.id)
        .collect();
    let known: HashSet<i64> = rules.iter().map(|r| r.id).collect();
    let sod_rules = super::sod::current_sod_rules(conn).await?;
    let mut changes = Vec::new();
    for chunk in users.chunks(USER_BATCH) {
        let rows: Vec<(i64, i64, i64, String, Option<i64>)> = rows_for_ids(
            conn,
            "SELECT grantee_id, object_id, role_id, scope, rule_id FROM grants \
             WHERE grantee_kind = 'user' AND valid_to IS NULL AND grantee_id IN ({ids})",
            chunk,
        )
        .await?;
        let mut held: HashMap<i64, Vec<HeldGrant>> = HashMap::new();
        for (user, grant, role, scope, rule) in rows {
            held.entry(user).or_default().push(HeldGrant {
                grant,
                role,
                scope,
                rule,
            });
        }
        for user in chunk {
            let Some(rule_indexes) = chosen.get(user) else {
                continue; // deleted: its grants ended with it
            };
            // What the rules give, the first rule by name owning each (role, scope).
            let mut wanted: BTreeMap<(i64, String), i64> = BTreeMap::new();
            for index in rule_indexes {
                let rule = &rules[*index];
                for (role, scope) in &rule.roles {
                    wanted.entry((*role, scope.clone())).or_insert(rule.id);
                }
            }
            let grants = held.remove(user).unwrap_or_default();
            for held in &grants {
                let Some(rule) = held.rule else { continue };
                // The evaluated rules' own grants, and (over every rule) grants of a rule
                // that is no longer current; never those of a rule that cannot be read.
                let ours = considered.contains(&rule) || (all_rules && !known.contains(&rule));
                if ours && !wanted.contains_key(&(held.role, held.scope.clone())) {
                    changes.push(RuleChange::Revoke {
                        user: *user,
                        grant: held.grant,
                        role: held.role,
                        scope: held.scope.clone(),
                        rule,
                    });
                }
            }
            for ((role, scope), rule) in wanted {
                if !considered.contains(&rule) {
                    continue;
                }
                if !grants.iter().any(|h| h.role == role && h.scope == scope) {
                    changes.push(RuleChange::Grant {
                        user: *user,
                        role,
                        scope,
                        rule,
                    });
                }
            }
        }
    }
    if sod_rules.is_empty() {
        return Ok(changes);
    }
    withhold_forbidden(conn, &sod_rules, changes).await
}

/// Turns the grants of `changes` that would give a user a forbidden combination into
/// `Withheld`: rules grant nothing segregation of duties forbids.
async fn withhold_forbidden(
    conn: &mut AnyConnection,
    sod_rules: &[super::sod::SodRule],
    changes: Vec<RuleChange>,
) -> Result<Vec<RuleChange>> {
    let mut users: Vec<i64> = changes.iter().map(RuleChange::user).collect();
    users.sort_unstable();
    users.dedup();
    // What each user holds before the change: a role a revoke takes away may still be held
    // another way, so it still counts.
    let mut held = super::sod::held_roles(conn, &users).await?;
    let inclusions = super::held_roles::Inclusions::load(conn).await?;
    Ok(changes
        .into_iter()
        .map(|change| match change {
            RuleChange::Grant {
                user,
                role,
                scope,
                rule,
            } => {
                let roles = held.entry(user).or_default();
                let added = inclusions.closure(role);
                match super::sod::forbidden_with(sod_rules, roles, &added) {
                    Some(sod) => RuleChange::Withheld {
                        user,
                        role,
                        scope,
                        sod,
                    },
                    None => {
                        roles.extend(added);
                        RuleChange::Grant {
                            user,
                            role,
                            scope,
                            rule,
                        }
                    }
                }
            }
            other => other,
        })
        .collect())
}

/// Writes `changes` in the caller's operation; answers the users whose grants changed.
pub(crate) async fn apply(
    conn: &mut AnyConnection,
    op: &Op,
    rules: &[CompiledRule],
    changes: &[RuleChange],
) -> Result<HashSet<i64>> {
    let names: HashMap<i64, &str> = rules.iter().map(|r| (r.id, r.name.as_str())).collect();
    let mut users = HashSet::new();
    for change in changes {
        match change {
            RuleChange::Grant {
                user,
                role,
                scope,
                rule,
            } => {
                let id = new_object(conn, Table::Grants).await?;
                let fields: Vec<(&str, Val)> = vec![
                    ("role_id", (*role).into()),
                    ("grantee_kind", "user".into()),
                    ("grantee_id", (*user).into()),
                    ("scope", scope.into()),
                    ("start_date", None.into()),
                    ("end_date", None.into()),
                    ("rule_id", Some(*rule).into()),
                ];
                insert_version(conn, op, Table::Grants, id, &fields).await?;
                let by = names.get(rule).copied().unwrap_or_default();
                let details = format!("role {role} scope {scope:?} by rule {by:?}");
                audit(conn, op, "grant.add", &format!("user {user}"), &details).await?;
            }
            RuleChange::Withheld { .. } => continue,
            RuleChange::Revoke {
                user,
                grant,
                role,
                rule,
                ..
            } => {
                close_current(conn, op, Table::Grants, *grant).await?;
                let by = names.get(rule).copied().unwrap_or("a deleted rule");
                let details = format!("role {role} by rule {by:?}");
                audit(conn, op, "grant.revoke", &format!("user {user}"), &details).await?;
            }
        }
        users.insert(change.user());
    }
    Ok(users)
}

/// Brings the rule-made grants of `users` in step with every current rule, in the caller's
/// transaction. Answers the users whose grants changed.
pub(crate) async fn settle(
    conn: &mut AnyConnection,
    op: &Op,
    users: &[i64],
) -> Result<HashSet<i64>> {
    if users.is_empty() {
        return Ok(HashSet::new());
    }
    let rules = current_rules(conn, None).await?;
    if rules.is_empty() {
        // Without rules there is nothing to give; grants of a deleted rule ended with it.
        return Ok(HashSet::new());
    }
    lock_users(conn, users).await?;
    let changes = plan(conn, &rules, users, None).await?;
    apply(conn, op, &rules, &changes).await
}

/// Takes the locks of `users` in ascending order (as snapshot capture does), so what is read
/// about them next is not changing under this transaction (PostgreSQL).
pub(crate) async fn lock_users(conn: &mut AnyConnection, users: &[i64]) -> Result<()> {
    let mut sorted = users.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    for chunk in sorted.chunks(super::id_chunks::IDS_PER_QUERY) {
        super::locks::take_users(conn, chunk).await?;
    }
    Ok(())
}

/// Ends the grants rule `rule` made (the rule is being deleted); answers the users who held
/// them, whose snapshots change. Waits for a running "Apply now" batch of the rule first.
pub(crate) async fn end_grants_of(
    conn: &mut AnyConnection,
    op: &Op,
    rule: i64,
) -> Result<Vec<i64>> {
    super::locks::take(conn, super::locks::Lock::RoleRule(rule)).await?;
    let users: Vec<(i64,)> = sqlx::query_as(
        "SELECT DISTINCT grantee_id FROM grants WHERE rule_id = $1 AND grantee_kind = 'user' \
         AND valid_to IS NULL",
    )
    .bind(rule)
    .fetch_all(&mut *conn)
    .await?;
    super::identity::close_where(conn, op, Table::Grants, "rule_id = $1", rule).await?;
    Ok(users.into_iter().map(|(u,)| u).collect())
}

/// The rule that owns the current grant `grant`, if a rule made it.
pub(crate) async fn owner_of_grant(conn: &mut AnyConnection, grant: i64) -> Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT r.name FROM grants g JOIN role_rules r ON r.object_id = g.rule_id \
         AND r.valid_to IS NULL WHERE g.object_id = $1 AND g.valid_to IS NULL",
    )
    .bind(grant)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(name,)| name))
}
