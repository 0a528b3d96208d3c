//! Who may do what in the password vault: a folder's permissions (owner, manager, SSO user,
//! browse) given to users, groups or roles reach a user directly, as a member of the group
//! or a group below it, or by holding the role (however it is held, `held_roles`), and they
//! hold for the folders below too. The highest level a user reaches wins.
use super::held_roles::{held_roles, holders_of, users_under_groups, Inclusions};
use super::id_chunks::rows_for_ids;
use super::role_rules::{names_by_id, USER_NAMES};
use super::{Result, Store};
use crate::model::{UserId, VaultAccess, VaultLevel, VaultPerson};
use sqlx::AnyConnection;
use std::collections::{HashMap, HashSet};

/// Deepest folder walk (the engine keeps the tree free of loops).
const MAX_DEPTH: usize = 1_000;

#[derive(sqlx::FromRow)]
struct Entry {
    folder_id: i64,
    grantee_kind: String,
    grantee_id: i64,
    level: String,
}

/// The current folders: id → (name, parent).
async fn folders(conn: &mut AnyConnection) -> Result<HashMap<i64, (String, Option<i64>)>> {
    let rows: Vec<(i64, String, Option<i64>)> = sqlx::query_as(
        "SELECT object_id, name, parent_id FROM vault_folders WHERE valid_to IS NULL",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, parent)| (id, (name, parent)))
        .collect())
}

async fn entries(conn: &mut AnyConnection) -> Result<Vec<Entry>> {
    Ok(sqlx::query_as(
        "SELECT folder_id, grantee_kind, grantee_id, level FROM vault_folder_access \
         WHERE valid_to IS NULL",
    )
    .fetch_all(&mut *conn)
    .await?)
}

/// `folder` and the folders above it, nearest first.
fn path_up(tree: &HashMap<i64, (String, Option<i64>)>, folder: i64) -> Vec<i64> {
    let mut path = vec![folder];
    while let Some(parent) = tree
        .get(path.last().expect("non-empty"))
        .and_then(|(_, p)| *p)
    {
        if path.contains(&parent) || path.len() > MAX_DEPTH {
            break;
        }
        path.push(parent);
    }
    path
}

/// The name of whom an entry gives the permission to, as the page says it.
async fn grantee_label(conn: &mut AnyConnection, entry: &Entry) -> Result<String> {
    let (table, label) = match entry.grantee_kind.as_str() {
        "user" => return Ok("directly".into()),
        "group" => ("groups", "group"),
        _ => ("roles", "role"),
    };
    let row: Option<(String,)> = sqlx::query_as(&format!(
        "SELECT name FROM {table} WHERE object_id = $1 ORDER BY version_id DESC LIMIT 1"
    ))
    .bind(entry.grantee_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(format!(
        "{label} {}",
        row.map(|(n,)| n)
            .unwrap_or_else(|| format!("#{}", entry.grantee_id))
    ))
}

/// How a permission reaches someone: `label`, and the folder it is given on when that is
/// above the one read (`depth` > 0).
fn through(
    label: &str,
    tree: &HashMap<i64, (String, Option<i64>)>,
    entry: &Entry,
    depth: usize,
) -> String {
    match depth {
        0 => label.to_string(),
        _ => format!(
            "{label}, on folder {}",
            tree.get(&entry.folder_id)
                .map(|(n, _)| n.as_str())
                .unwrap_or("?")
        ),
    }
}

/// The better of two grants of a folder: the higher level, the nearer folder on a tie.
fn better(a: &(VaultLevel, usize, String), b: &(VaultLevel, usize, String)) -> bool {
    (a.0, a.1) < (b.0, b.1)
}

impl Store {
    /// Every folder `user` reaches, with the highest level and how it is reached.
    pub async fn vault_access_of_user(&self, user: UserId) -> Result<Vec<VaultAccess>> {
        let mut conn = self.pool.acquire().await?;
        let tree = folders(&mut conn).await?;
        let entries = entries(&mut conn).await?;
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let groups = groups_of(&mut conn, user.0).await?;
        let roles = held_roles(&mut conn, &[user.0])
            .await?
            .remove(&user.0)
            .unwrap_or_default();
        let mut reaching: Vec<&Entry> = Vec::new();
        for entry in &entries {
            let reaches = match entry.grantee_kind.as_str() {
                "user" => entry.grantee_id == user.0,
                "group" => groups.contains(&entry.grantee_id),
                _ => roles.contains(&entry.grantee_id),
            };
            if reaches {
                reaching.push(entry);
            }
        }
        let mut labels = HashMap::new();
        for entry in &reaching {
            let label = grantee_label(&mut conn, entry).await?;
            labels.insert((entry.grantee_kind.clone(), entry.grantee_id), label);
        }
        let mut out = Vec::new();
        for (folder, (name, _)) in &tree {
            let path = path_up(&tree, *folder);
            let mut best: Option<(VaultLevel, usize, String)> = None;
            for entry in &reaching {
                let Some(depth) = path.iter().position(|f| *f == entry.folder_id) else {
                    continue;
                };
                let Some(level) = VaultLevel::parse(&entry.level) else {
                    continue;
                };
                let label = &labels[&(entry.grantee_kind.clone(), entry.grantee_id)];
                let through = through(label, &tree, entry, depth);
                let candidate = (level, depth, through);
                if best.as_ref().is_none_or(|b| better(&candidate, b)) {
                    best = Some(candidate);
                }
            }
            if let Some((level, _, through)) = best {
                out.push(VaultAccess {
                    folder: *folder,
                    folder_name: name.clone(),
                    level,
                    through,
                });
            }
        }
        out.sort_by(|a, b| {
            a.folder_name
                .to_lowercase()
                .cmp(&b.folder_name.to_lowercase())
        });
        Ok(out)
    }

    /// Everyone who reaches `folder`, with their highest level and how, by user name.
    pub async fn vault_folder_people(&self, folder: i64) -> Result<Vec<VaultPerson>> {
        let mut conn = self.pool.acquire().await?;
        let tree = folders(&mut conn).await?;
        if !tree.contains_key(&folder) {
            return Err(super::Error::NotFound("vault folder".into()));
        }
        let path = path_up(&tree, folder);
        let entries: Vec<Entry> = entries(&mut conn)
            .await?
            .into_iter()
            .filter(|e| path.contains(&e.folder_id))
            .collect();
        let inclusions = Inclusions::load(&mut conn).await?;
        let mut best: HashMap<i64, (VaultLevel, usize, String)> = HashMap::new();
        for entry in &entries {
            let Some(level) = VaultLevel::parse(&entry.level) else {
                continue;
            };
            let depth = path.iter().position(|f| *f == entry.folder_id).unwrap_or(0);
            let users = match entry.grantee_kind.as_str() {
                "user" => vec![entry.grantee_id],
                "group" => users_under_groups(&mut conn, &[entry.grantee_id]).await?,
                _ => holders_of(&mut conn, &inclusions.including(entry.grantee_id)).await?,
            };
            let label = grantee_label(&mut conn, entry).await?;
            let through = through(&label, &tree, entry, depth);
            let candidate = (level, depth, through);
            for user in users {
                if best.get(&user).is_none_or(|b| better(&candidate, b)) {
                    best.insert(user, candidate.clone());
                }
            }
        }
        let ids: Vec<i64> = best.keys().copied().collect();
        let names = names_by_id(&mut conn, USER_NAMES, &ids).await?;
        let mut out: Vec<VaultPerson> = best
            .into_iter()
            .filter_map(|(user, (level, _, through))| {
                names.get(&user).map(|name| VaultPerson {
                    user: UserId(user),
                    user_name: name.clone(),
                    level,
                    through,
                })
            })
            .collect();
        out.sort_by_key(|p| p.user_name.to_lowercase());
        Ok(out)
    }
}

/// The groups `user` is in (primary and secondary) and every group above them.
async fn groups_of(conn: &mut AnyConnection, user: i64) -> Result<HashSet<i64>> {
    let direct: Vec<(i64, i64)> = rows_for_ids(
        conn,
        "SELECT object_id, primary_group_id FROM users WHERE valid_to IS NULL \
         AND object_id IN ({ids}) \
         UNION ALL SELECT user_id, group_id FROM memberships WHERE valid_to IS NULL \
         AND user_id IN ({ids})",
        &[user],
    )
    .await?;
    let parents: HashMap<i64, i64> = sqlx::query_as::<_, (i64, i64)>(
        "SELECT object_id, parent_id FROM groups WHERE valid_to IS NULL \
         AND parent_id IS NOT NULL",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();
    let mut out = HashSet::new();
    for (_, group) in direct {
        let mut at = Some(group);
        while let Some(g) = at {
            if !out.insert(g) || out.len() > 100_000 {
                break;
            }
            at = parents.get(&g).copied();
        }
    }
    Ok(out)
}
