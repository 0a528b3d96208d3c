//! The roles users hold, for segregation of duties: granted to them, to the accounts they
//! own, to their groups (primary and secondary) and the groups above those, and the roles
//! all of those include — the same reach as a user's effective roles.
use super::id_chunks::rows_for_ids;
use super::Result;
use sqlx::{Any, AnyConnection};
use std::collections::{HashMap, HashSet};

/// Deepest walk up the group tree (the store keeps the tree shallower and free of loops).
const MAX_WALK: usize = 10_000;

/// `(a, b)` pairs of `sql` for `users` (`rows_for_ids`).
async fn pairs_of(conn: &mut AnyConnection, sql: &str, users: &[i64]) -> Result<Vec<(i64, i64)>> {
    rows_for_ids(conn, sql, users).await
}

/// Every current pair of a whole table, e.g. `(group, parent)`.
async fn all_pairs(conn: &mut AnyConnection, sql: &str) -> Result<Vec<(i64, i64)>> {
    Ok(sqlx::query_as::<Any, (i64, i64)>(sql)
        .fetch_all(&mut *conn)
        .await?)
}

/// The roles each of `users` holds now (see the module's note).
pub(crate) async fn held_roles(
    conn: &mut AnyConnection,
    users: &[i64],
) -> Result<HashMap<i64, HashSet<i64>>> {
    let mut out: HashMap<i64, HashSet<i64>> = HashMap::new();
    if users.is_empty() {
        return Ok(out);
    }
    let own = pairs_of(
        conn,
        "SELECT gr.grantee_id, gr.role_id FROM grants gr WHERE gr.grantee_kind = 'user' \
         AND gr.valid_to IS NULL AND gr.grantee_id IN ({ids}) \
         UNION ALL \
         SELECT o.user_id, gr.role_id FROM account_owners o JOIN grants gr \
         ON gr.grantee_kind = 'account' AND gr.grantee_id = o.account_id \
         AND gr.valid_to IS NULL WHERE o.valid_to IS NULL AND o.user_id IN ({ids})",
        users,
    )
    .await?;
    for (user, role) in own {
        out.entry(user).or_default().insert(role);
    }
    let memberships = pairs_of(
        conn,
        "SELECT object_id, primary_group_id FROM users WHERE valid_to IS NULL \
         AND object_id IN ({ids}) \
         UNION ALL \
         SELECT user_id, group_id FROM memberships WHERE valid_to IS NULL \
         AND user_id IN ({ids})",
        users,
    )
    .await?;
    let group_grants = all_pairs(
        conn,
        "SELECT grantee_id, role_id FROM grants WHERE grantee_kind = 'group' \
         AND valid_to IS NULL",
    )
    .await?;
    if !group_grants.is_empty() {
        let parents: HashMap<i64, i64> = all_pairs(
            conn,
            "SELECT object_id, parent_id FROM groups WHERE valid_to IS NULL \
             AND parent_id IS NOT NULL",
        )
        .await?
        .into_iter()
        .collect();
        let mut granted: HashMap<i64, Vec<i64>> = HashMap::new();
        for (group, role) in group_grants {
            granted.entry(group).or_default().push(role);
        }
        for (user, group) in memberships {
            let roles = out.entry(user).or_default();
            let mut at = Some(group);
            let mut seen = HashSet::new();
            while let Some(g) = at {
                if !seen.insert(g) || seen.len() > MAX_WALK {
                    break;
                }
                roles.extend(granted.get(&g).into_iter().flatten().copied());
                at = parents.get(&g).copied();
            }
        }
    }
    let inclusions = Inclusions::load(conn).await?;
    for roles in out.values_mut() {
        let held: Vec<i64> = roles.iter().copied().collect();
        for role in held {
            roles.extend(inclusions.closure(role));
        }
    }
    Ok(out)
}

/// The current users a grant to one of `groups` reaches: their members (primary or
/// secondary) and those of every group below them.
pub(crate) async fn users_under_groups(
    conn: &mut AnyConnection,
    groups: &[i64],
) -> Result<Vec<i64>> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let children = all_pairs(
        conn,
        "SELECT parent_id, object_id FROM groups WHERE valid_to IS NULL \
         AND parent_id IS NOT NULL",
    )
    .await?;
    let mut below: HashMap<i64, Vec<i64>> = HashMap::new();
    for (parent, child) in children {
        below.entry(parent).or_default().push(child);
    }
    let mut seen: HashSet<i64> = groups.iter().copied().collect();
    let mut groups: Vec<i64> = seen.iter().copied().collect();
    let mut next = 0;
    while next < groups.len() && groups.len() <= MAX_WALK {
        for child in below.get(&groups[next]).into_iter().flatten() {
            if seen.insert(*child) {
                groups.push(*child);
            }
        }
        next += 1;
    }
    let members = pairs_of(
        conn,
        "SELECT object_id, object_id FROM users WHERE valid_to IS NULL \
         AND primary_group_id IN ({ids}) \
         UNION \
         SELECT m.user_id, m.user_id FROM memberships m JOIN users u \
         ON u.object_id = m.user_id AND u.valid_to IS NULL \
         WHERE m.valid_to IS NULL AND m.group_id IN ({ids})",
        &groups,
    )
    .await?;
    let mut users: Vec<i64> = members.into_iter().map(|(user, _)| user).collect();
    users.sort_unstable();
    users.dedup();
    Ok(users)
}

/// The current users who hold one of `roles` without inclusions: granted to them, to an
/// account they own, or to a group they are in or below.
pub(crate) async fn holders_of(conn: &mut AnyConnection, roles: &[i64]) -> Result<Vec<i64>> {
    let grantees: Vec<(String, i64)> = rows_for_ids(
        conn,
        "SELECT grantee_kind, grantee_id FROM grants WHERE valid_to IS NULL \
         AND role_id IN ({ids})",
        roles,
    )
    .await?;
    let of_kind = |kind: &str| -> Vec<i64> {
        grantees
            .iter()
            .filter(|(k, _)| k == kind)
            .map(|(_, id)| *id)
            .collect()
    };
    let mut users = of_kind("user");
    let owners = pairs_of(
        conn,
        "SELECT o.user_id, o.user_id FROM account_owners o WHERE o.valid_to IS NULL \
         AND o.account_id IN ({ids})",
        &of_kind("account"),
    )
    .await?;
    users.extend(owners.into_iter().map(|(user, _)| user));
    users.extend(users_under_groups(conn, &of_kind("group")).await?);
    users.sort_unstable();
    users.dedup();
    Ok(users)
}

/// Which roles include which (role inheritance), read once for many closures.
pub(crate) struct Inclusions(HashMap<i64, Vec<i64>>);

impl Inclusions {
    pub(crate) async fn load(conn: &mut AnyConnection) -> Result<Self> {
        let mut includes: HashMap<i64, Vec<i64>> = HashMap::new();
        for (role, inherited) in all_pairs(
            conn,
            "SELECT role_id, inherited_role_id FROM role_inheritance WHERE valid_to IS NULL",
        )
        .await?
        {
            includes.entry(role).or_default().push(inherited);
        }
        Ok(Self(includes))
    }

    /// `role` and every role it includes, directly or further down.
    pub(crate) fn closure(&self, role: i64) -> Vec<i64> {
        let mut out = vec![role];
        let mut next = 0;
        while next < out.len() {
            for inherited in self.0.get(&out[next]).into_iter().flatten() {
                if !out.contains(inherited) {
                    out.push(*inherited);
                }
            }
            next += 1;
        }
        out
    }

    /// Every role whose closure holds `role`: `role` itself and the roles including it.
    pub(crate) fn including(&self, role: i64) -> Vec<i64> {
        let mut out = vec![role];
        let mut next = 0;
        while next < out.len() {
            for (including, included) in &self.0 {
                if included.contains(&out[next]) && !out.contains(including) {
                    out.push(*including);
                }
            }
            next += 1;
        }
        out
    }
}
