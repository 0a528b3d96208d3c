//! Segregation of duties (`model::kinds::SOD_RULES`): which roles no one should hold
//! together, and with what risk. A grant that would give someone a forbidden combination is
//! refused; a restore does not put one back; lower risks are warnings and a report.
//!
//! The roles a user holds, for these rules, are their effective roles
//! (`store::held_roles`).
use super::role_rules::{
    canonical_roles, find_roles, line_key, names_by_id, role_lines, RoleLine, ROLE_NAMES,
    USER_NAMES,
};
use super::{Error, Result, Store};
use crate::model::*;
use sqlx::{Any, AnyConnection};
use std::collections::{HashMap, HashSet};

/// Most pairs one rule's risk matrix holds.
pub const MAX_SOD_PAIRS: usize = 200;

/// One line of a risk matrix: two roles and the risk of holding both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PairLine {
    pub a: RoleLine,
    pub b: RoleLine,
    pub risk: SodRisk,
}

impl PairLine {
    pub(crate) fn text(&self) -> String {
        format!(
            "{} + {}: {}",
            self.a.text(),
            self.b.text(),
            self.risk.as_str()
        )
    }
}

/// A `Role@System` without a scope.
fn role_ref(text: &str, line: &str) -> std::result::Result<RoleLine, String> {
    match role_lines(text) {
        Ok(mut roles) if roles.len() == 1 && roles[0].scope.is_empty() => Ok(roles.remove(0)),
        _ => Err(format!(
            "{line:?} does not read “Role@System + Role@System: risk”."
        )),
    }
}

/// Reads `Role@System + Role@System: risk` lines; blank lines are skipped.
pub(crate) fn pair_lines(text: &str) -> std::result::Result<Vec<PairLine>, String> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let shape = || format!("{line:?} does not read “Role@System + Role@System: risk”.");
        let (roles, risk) = line.rsplit_once(':').ok_or_else(shape)?;
        let (a, b) = roles.split_once(" + ").ok_or_else(shape)?;
        let risk = SodRisk::parse(risk).ok_or_else(|| {
            format!(
                "{:?} is not a risk; use none, low, high or forbidden.",
                risk.trim()
            )
        })?;
        out.push(PairLine {
            a: role_ref(a, line)?,
            b: role_ref(b, line)?,
            risk,
        });
        if out.len() > MAX_SOD_PAIRS {
            return Err(format!(
                "A risk matrix holds at most {MAX_SOD_PAIRS} pairs."
            ));
        }
    }
    Ok(out)
}

/// A risk matrix as kept: each role a current one, named as it calls itself.
async fn canonical_pairs(
    conn: &mut AnyConnection,
    text: &str,
) -> Result<std::result::Result<String, String>> {
    let pairs = match pair_lines(text) {
        Ok(pairs) => pairs,
        Err(problem) => return Ok(Err(problem)),
    };
    let roles: Vec<&RoleLine> = pairs.iter().flat_map(|p| [&p.a, &p.b]).collect();
    let found = find_roles(conn, &roles).await?;
    let named = |line: &RoleLine| {
        found
            .get(&line_key(&line.role, &line.system))
            .map(|(_, role, system)| RoleLine {
                role: role.clone(),
                system: system.clone(),
                scope: String::new(),
            })
            .ok_or_else(|| {
                format!(
                    "No role {:?} exists on the system {:?}.",
                    line.role, line.system
                )
            })
    };
    let mut out = Vec::with_capacity(pairs.len());
    for pair in &pairs {
        let (a, b) = match (named(&pair.a), named(&pair.b)) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(problem), _) | (_, Err(problem)) => return Ok(Err(problem)),
        };
        if a == b {
            return Ok(Err(format!("{:?} pairs a role with itself.", pair.text())));
        }
        out.push(
            PairLine {
                a,
                b,
                risk: pair.risk,
            }
            .text(),
        );
    }
    Ok(Ok(out.join("\n")))
}

/// The values of a segregation of duties rule, checked and kept in their canonical form:
/// (threshold, roles, pairs). Errors name the field.
pub(crate) async fn check_rule(
    conn: &mut AnyConnection,
    sod_type: &str,
    threshold: &str,
    risk: &str,
    roles: &str,
    pairs: &str,
) -> Result<(String, String, String)> {
    let roles = canonical_roles(conn, roles)
        .await?
        .map_err(|problem| Error::invalid("roles", problem))?;
    let pairs = canonical_pairs(conn, pairs)
        .await?
        .map_err(|problem| Error::invalid("pairs", problem))?;
    let listed = role_lines(&roles).unwrap_or_default().len();
    let needs_risk = || {
        if risk.trim().is_empty() {
            Err(Error::invalid(
                "risk",
                "Choose the risk of holding these roles together.",
            ))
        } else {
            Ok(())
        }
    };
    let threshold = match sod_type {
        "all" => {
            needs_risk()?;
            if listed < 2 {
                return Err(Error::invalid("roles", "List at least two roles."));
            }
            String::new()
        }
        "more than" => {
            needs_risk()?;
            let n = threshold
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1 && *n < listed);
            let Some(n) = n else {
                return Err(Error::invalid(
                    "threshold",
                    format!(
                        "Give N, a whole number from 1 to {} (one less than the roles listed).",
                        listed.saturating_sub(1).max(1)
                    ),
                ));
            };
            n.to_string()
        }
        _ => {
            if pairs.is_empty() {
                return Err(Error::invalid(
                    "pairs",
                    "List at least one pair of roles with its risk.",
                ));
            }
            String::new()
        }
    };
    Ok((threshold, roles, pairs))
}

#[derive(Clone, Debug)]
enum Shape {
    All(Vec<i64>),
    MoreThan(usize, Vec<i64>),
    Pairs(Vec<(i64, i64, SodRisk)>),
}

/// A current rule with its roles resolved to ids (lines naming a deleted role drop out).
#[derive(Clone, Debug)]
pub(crate) struct SodRule {
    pub id: i64,
    pub name: String,
    risk: SodRisk,
    shape: Shape,
}

impl SodRule {
    /// The risk holding `held` carries under this rule, and the roles that make it.
    fn judge(&self, held: &HashSet<i64>) -> Option<(SodRisk, Vec<i64>)> {
        let (risk, roles) = match &self.shape {
            Shape::All(roles) => (roles.iter().all(|r| held.contains(r)) && roles.len() >= 2)
                .then(|| (self.risk, roles.clone()))?,
            Shape::MoreThan(n, roles) => {
                let have: Vec<i64> = roles.iter().copied().filter(|r| held.contains(r)).collect();
                (have.len() > *n).then_some((self.risk, have))?
            }
            Shape::Pairs(pairs) => {
                let mut worst = None;
                let mut roles = Vec::new();
                for (a, b, risk) in pairs {
                    if held.contains(a) && held.contains(b) && *risk > SodRisk::None {
                        worst = worst.max(Some(*risk));
                        for r in [a, b] {
                            if !roles.contains(r) {
                                roles.push(*r);
                            }
                        }
                    }
                }
                (worst?, roles)
            }
        };
        (risk > SodRisk::None).then_some((risk, roles))
    }
}

/// Every current segregation of duties rule, by name.
pub(crate) async fn current_sod_rules(conn: &mut AnyConnection) -> Result<Vec<SodRule>> {
    let rows: Vec<(i64, String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT object_id, name, sod_type, threshold, risk, roles, pairs FROM sod_rules \
         WHERE valid_to IS NULL ORDER BY name_key, object_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let parsed: Vec<(Vec<RoleLine>, Vec<PairLine>)> = rows
        .iter()
        .map(|row| {
            (
                role_lines(&row.5).unwrap_or_default(),
                pair_lines(&row.6).unwrap_or_default(),
            )
        })
        .collect();
    let all: Vec<&RoleLine> = parsed
        .iter()
        .flat_map(|(roles, pairs)| roles.iter().chain(pairs.iter().flat_map(|p| [&p.a, &p.b])))
        .collect();
    let found = find_roles(conn, &all).await?;
    let id = |line: &RoleLine| {
        found
            .get(&line_key(&line.role, &line.system))
            .map(|(id, ..)| *id)
    };
    Ok(rows
        .into_iter()
        .zip(parsed)
        .map(
            |((rule, name, sod_type, threshold, risk, _, _), (roles, pairs))| {
                let ids: Vec<i64> = roles.iter().filter_map(id).collect();
                let shape = match sod_type.as_str() {
                    // A rule naming a role that is gone can no longer be broken by "all".
                    "all" if ids.len() == roles.len() => Shape::All(ids),
                    "all" => Shape::Pairs(Vec::new()),
                    "more than" => Shape::MoreThan(threshold.parse().unwrap_or(usize::MAX), ids),
                    _ => Shape::Pairs(
                        pairs
                            .iter()
                            .filter_map(|p| Some((id(&p.a)?, id(&p.b)?, p.risk)))
                            .collect(),
                    ),
                };
                SodRule {
                    id: rule,
                    name,
                    risk: SodRisk::parse(&risk).unwrap_or(SodRisk::None),
                    shape,
                }
            },
        )
        .collect())
}

pub(crate) use super::held_roles::held_roles;

/// The violations of `rules` by the users of `held`, named, by user then rule.
async fn named_violations(
    conn: &mut AnyConnection,
    rules: &[SodRule],
    held: &HashMap<i64, HashSet<i64>>,
) -> Result<Vec<SodViolation>> {
    let mut found = Vec::new();
    for (user, roles) in held {
        for rule in rules {
            if let Some((risk, involved)) = rule.judge(roles) {
                found.push((*user, rule, risk, involved));
            }
        }
    }
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let mut role_ids: Vec<i64> = found.iter().flat_map(|f| f.3.iter().copied()).collect();
    role_ids.sort_unstable();
    role_ids.dedup();
    let roles = names_by_id(conn, ROLE_NAMES, &role_ids).await?;
    let mut user_ids: Vec<i64> = found.iter().map(|f| f.0).collect();
    user_ids.sort_unstable();
    user_ids.dedup();
    let users = names_by_id(conn, USER_NAMES, &user_ids).await?;
    let mut out: Vec<SodViolation> = found
        .into_iter()
        .map(|(user, rule, risk, involved)| SodViolation {
            user: UserId(user),
            user_name: users.get(&user).cloned().unwrap_or_default(),
            rule: rule.id,
            rule_name: rule.name.clone(),
            risk,
            roles: involved
                .iter()
                .filter_map(|r| roles.get(r).cloned())
                .collect(),
        })
        .collect();
    out.sort_by(|a, b| (&a.user_name, &a.rule_name).cmp(&(&b.user_name, &b.rule_name)));
    Ok(out)
}

/// The current violations of `users` (every user with roles when None).
pub(crate) async fn violations(
    conn: &mut AnyConnection,
    users: Option<&[i64]>,
) -> Result<Vec<SodViolation>> {
    let rules = current_sod_rules(conn).await?;
    if rules.is_empty() {
        return Ok(Vec::new());
    }
    let users: Vec<i64> = match users {
        Some(users) => users.to_vec(),
        None => sqlx::query_as::<Any, (i64,)>(
            "SELECT object_id FROM users WHERE valid_to IS NULL ORDER BY object_id",
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|(u,)| u)
        .collect(),
    };
    let held = held_roles(conn, &users).await?;
    named_violations(conn, &rules, &held).await
}

/// Refuses the change in progress when it leaves one of `users` holding a forbidden
/// combination that includes one of the `granted` roles (or a role one of them includes):
/// the error names the rule, the user and the roles. A combination held from before (from
/// before the rule) does not block unrelated grants.
pub(crate) async fn refuse_forbidden(
    conn: &mut AnyConnection,
    users: &[i64],
    granted: &[i64],
) -> Result<()> {
    let rules = current_sod_rules(conn).await?;
    if rules.is_empty() {
        return Ok(());
    }
    refuse_under(conn, &rules, users, granted).await
}

/// `refuse_forbidden` for a grant of `role` to `grantee`, weighing everyone it reaches.
pub(crate) async fn refuse_forbidden_grant(
    conn: &mut AnyConnection,
    grantee: Grantee,
    role: i64,
) -> Result<()> {
    let rules = current_sod_rules(conn).await?;
    if rules.is_empty() {
        return Ok(());
    }
    let users = reached_by(conn, grantee).await?;
    refuse_under(conn, &rules, &users, &[role]).await
}

/// `refuse_forbidden` for `user` taking on the roles granted to `account`.
pub(crate) async fn refuse_account_roles(
    conn: &mut AnyConnection,
    user: i64,
    account: i64,
) -> Result<()> {
    let roles: Vec<(i64,)> = sqlx::query_as(
        "SELECT role_id FROM grants WHERE grantee_kind = 'account' AND grantee_id = $1 \
         AND valid_to IS NULL",
    )
    .bind(account)
    .fetch_all(&mut *conn)
    .await?;
    let roles: Vec<i64> = roles.into_iter().map(|(role,)| role).collect();
    refuse_forbidden(conn, &[user], &roles).await
}

/// `refuse_forbidden` for `role` now including `inherited`: everyone who holds `role`, or a
/// role including it, takes on `inherited` and the roles it includes.
pub(crate) async fn refuse_inheritance(
    conn: &mut AnyConnection,
    role: i64,
    inherited: i64,
) -> Result<()> {
    let rules = current_sod_rules(conn).await?;
    if rules.is_empty() {
        return Ok(());
    }
    let including = super::held_roles::Inclusions::load(conn)
        .await?
        .including(role);
    let users = super::held_roles::holders_of(conn, &including).await?;
    refuse_under(conn, &rules, &users, &[inherited]).await
}

/// The current users a grant to `grantee` reaches: the user, an account's owners, or a
/// group's members and those of every group below it.
async fn reached_by(conn: &mut AnyConnection, grantee: Grantee) -> Result<Vec<i64>> {
    match grantee {
        Grantee::Group(group) => super::held_roles::users_under_groups(conn, &[group.0]).await,
        _ => super::grants::users_of_grantee(conn, grantee).await,
    }
}

/// The check of `refuse_forbidden` under `rules`. The users' locks are taken first, so two
/// changes to one user check one after the other, each seeing the other's roles.
async fn refuse_under(
    conn: &mut AnyConnection,
    rules: &[SodRule],
    users: &[i64],
    granted: &[i64],
) -> Result<()> {
    if granted.is_empty() {
        return Ok(());
    }
    super::role_rules::lock_users(conn, users).await?;
    let inclusions = super::held_roles::Inclusions::load(conn).await?;
    let added: Vec<i64> = granted
        .iter()
        .flat_map(|r| inclusions.closure(*r))
        .collect();
    let held = held_roles(conn, users).await?;
    let breaking: HashMap<i64, HashSet<i64>> = held
        .into_iter()
        .filter(|(_, roles)| {
            rules.iter().any(|rule| {
                matches!(rule.judge(roles),
                    Some((SodRisk::Forbidden, involved)) if involved.iter().any(|r| added.contains(r)))
            })
        })
        .collect();
    if breaking.is_empty() {
        return Ok(());
    }
    let found = named_violations(conn, rules, &breaking).await?;
    match found.iter().find(|v| v.risk == SodRisk::Forbidden) {
        Some(v) => Err(Error::Conflict(format!(
            "Refused by the segregation of duties rule “{}”: {} may not hold {} together.",
            v.rule_name,
            v.user_name,
            v.roles.join(" and ")
        ))),
        None => Ok(()),
    }
}

/// The forbidden rule that holding `added` (a role and those it includes) on top of `held`
/// would break, by name.
pub(crate) fn forbidden_with(
    rules: &[SodRule],
    held: &HashSet<i64>,
    added: &[i64],
) -> Option<String> {
    if added.iter().all(|r| held.contains(r)) {
        return None;
    }
    let mut more = held.clone();
    more.extend(added.iter().copied());
    rules.iter().find_map(|rule| match rule.judge(&more) {
        Some((SodRisk::Forbidden, roles)) if roles.iter().any(|r| added.contains(r)) => {
            Some(rule.name.clone())
        }
        _ => None,
    })
}

impl Store {
    /// Current segregation of duties violations: of one user, or of everyone (the report),
    /// by user name then rule.
    pub async fn sod_violations(&self, user: Option<UserId>) -> Result<Vec<SodViolation>> {
        let mut conn = self.pool.acquire().await?;
        let users = user.map(|u| vec![u.0]);
        violations(&mut conn, users.as_deref()).await
    }

    /// Current violations that involve `role` (the role page's warning).
    pub async fn sod_violations_with_role(&self, role: RoleId) -> Result<Vec<SodViolation>> {
        let mut conn = self.pool.acquire().await?;
        let holders: Vec<(i64,)> = sqlx::query_as(
            "SELECT grantee_id FROM grants WHERE role_id = $1 AND grantee_kind = 'user' \
             AND valid_to IS NULL \
             UNION SELECT o.user_id FROM account_owners o JOIN grants gr \
             ON gr.grantee_kind = 'account' AND gr.grantee_id = o.account_id \
             AND gr.valid_to IS NULL WHERE gr.role_id = $1 AND o.valid_to IS NULL",
        )
        .bind(role.0)
        .fetch_all(&mut *conn)
        .await?;
        let holders: Vec<i64> = holders.into_iter().map(|(u,)| u).collect();
        let Some(name) = names_by_id(&mut conn, ROLE_NAMES, &[role.0])
            .await?
            .remove(&role.0)
        else {
            return Ok(Vec::new());
        };
        Ok(violations(&mut conn, Some(&holders))
            .await?
            .into_iter()
            .filter(|v| v.roles.contains(&name))
            .collect())
    }

    /// What granting `role` to `grantee` would make its users hold against the rules (the
    /// grant dialog's warning): the violations that involve the role.
    pub async fn sod_check_grant(
        &self,
        grantee: Grantee,
        role: RoleId,
    ) -> Result<Vec<SodViolation>> {
        let mut conn = self.pool.acquire().await?;
        let rules = current_sod_rules(&mut conn).await?;
        if rules.is_empty() {
            return Ok(Vec::new());
        }
        let users = reached_by(&mut conn, grantee).await?;
        let added = super::held_roles::Inclusions::load(&mut conn)
            .await?
            .closure(role.0);
        let mut held = held_roles(&mut conn, &users).await?;
        for user in &users {
            held.entry(*user).or_default().extend(added.iter().copied());
        }
        let found = named_violations(&mut conn, &rules, &held).await?;
        let names: Vec<String> = names_by_id(&mut conn, ROLE_NAMES, &added)
            .await?
            .into_values()
            .collect();
        Ok(found
            .into_iter()
            .filter(|v| v.roles.iter().any(|r| names.contains(r)))
            .collect())
    }
}
