//! Set-based capture for a change that makes the same small edit in many users' states: a
//! group renamed shows its new name in every member's state. Every live user's open snapshot
//! holds the current state (see `snapshots`), so the new state is the open one patched: no
//! state is read again, and snapshots are read and written a chunk of users per statement
//! instead of a few statements per user. The rules are `capture`'s (identical state: nothing;
//! within the minimum delay: updated in place; otherwise closed and a new one opened, keep-N
//! applied). A user without one usable open snapshot goes through `capture`.
use super::id_chunks::{rows_for_ids, IDS_PER_QUERY};
use super::snapshots::{capture, config, encode, prune_oldest_sql};
use super::temporal::Op;
use super::user_state::sort_memberships;
use super::Result;
use crate::model::{SnapshotConfig, UserState};
use sqlx::AnyConnection;
use std::collections::HashMap;

/// The edit a change made in the state of each user it affects.
pub(crate) enum StatePatch<'a> {
    /// A group's name changed: its memberships and a primary group show the new one.
    GroupRenamed { group: i64, name: &'a str },
}

impl StatePatch<'_> {
    fn apply(&self, state: &mut UserState) {
        match self {
            Self::GroupRenamed { group, name } => {
                for membership in &mut state.memberships {
                    if membership.group.0 == *group {
                        membership.group_name = name.to_string();
                    }
                }
                sort_memberships(&mut state.memberships);
                if state.attributes.primary_group.0 == *group {
                    state.primary_group_name = name.to_string();
                }
            }
        }
    }
}

#[derive(sqlx::FromRow)]
struct OpenSnapshot {
    user_id: i64,
    id: i64,
    valid_since: i64,
    content_hash: String,
    document: String,
    /// All the user's snapshots, the open one included.
    snapshots: i64,
}

/// What capture writes for one user.
enum Write {
    InPlace {
        id: i64,
        document: String,
        hash: String,
    },
    Next {
        user: i64,
        close: Option<i64>,
        excess: i64,
        document: String,
        hash: String,
    },
}

/// `capture` for a change whose only effect on the states of `users` is `patch`.
pub(crate) async fn capture_patched(
    conn: &mut AnyConnection,
    op: &Op,
    users: &[i64],
    patch: &StatePatch<'_>,
) -> Result<()> {
    let mut users = users.to_vec();
    users.sort_unstable();
    users.dedup();
    // Role assignment rules follow every change to users; whoever they regranted has more
    // than the patch to capture.
    let regranted = super::role_rules::settle(conn, op, &users).await?;
    let config = config(conn).await?;
    let mut whole = Vec::new();
    for chunk in users.chunks(IDS_PER_QUERY) {
        super::locks::take_users(conn, chunk).await?;
        let open: Vec<OpenSnapshot> = rows_for_ids(
            conn,
            "SELECT s.user_id, s.id, s.valid_since, s.content_hash, s.document, \
               (SELECT COUNT(*) FROM user_snapshots c WHERE c.user_id = s.user_id) AS snapshots \
             FROM user_snapshots s WHERE s.user_id IN ({ids}) AND s.valid_until IS NULL",
            chunk,
        )
        .await?;
        let mut by_user: HashMap<i64, Vec<OpenSnapshot>> = HashMap::new();
        for row in open {
            by_user.entry(row.user_id).or_default().push(row);
        }
        let mut writes = Vec::new();
        for &user in chunk {
            let open = match by_user.remove(&user) {
                Some(mut rows) if rows.len() == 1 && !regranted.contains(&user) => rows.remove(0),
                _ => {
                    whole.push(user);
                    continue;
                }
            };
            match next_write(op, &config, &open, patch)? {
                Some(Some(write)) => writes.push(write),
                Some(None) => {}
                None => whole.push(user),
            }
        }
        write_all(conn, op, writes).await?;
    }
    // No usable open snapshot (none, several, another entitlements setting, unreadable), or
    // rules changed more: the whole state is read, one user after the other.
    capture(conn, op, &whole).await
}

/// What to write for `open` patched: None when the open snapshot cannot be patched,
/// Some(None) when the state did not change.
fn next_write(
    op: &Op,
    config: &SnapshotConfig,
    open: &OpenSnapshot,
    patch: &StatePatch<'_>,
) -> Result<Option<Option<Write>>> {
    let Ok(mut state) = serde_json::from_str::<UserState>(&open.document) else {
        return Ok(None);
    };
    if state.grants_captured != config.entitlements_history {
        return Ok(None);
    }
    patch.apply(&mut state);
    let (document, hash) = encode(&state)?;
    if hash == open.content_hash {
        return Ok(Some(None));
    }
    if op.at - open.valid_since < config.min_delay_secs * 1_000_000 {
        return Ok(Some(Some(Write::InPlace {
            id: open.id,
            document,
            hash,
        })));
    }
    // As in `capture`: the oldest beyond keep-N (counting the new one) go; when the open
    // snapshot is among them it is deleted rather than closed.
    let excess = (open.snapshots + 1 - config.keep_count.max(1)).max(0);
    Ok(Some(Some(Write::Next {
        user: state.id.0,
        close: (excess < open.snapshots).then_some(open.id),
        excess,
        document,
        hash,
    })))
}

/// Writes of one chunk: in-place updates in one statement, then the closes, the removals
/// beyond keep-N (one user at a time: rare) and the new snapshots in one statement each.
async fn write_all(conn: &mut AnyConnection, op: &Op, writes: Vec<Write>) -> Result<()> {
    let mut in_place = Vec::new();
    let mut closes = Vec::new();
    let mut prunes = Vec::new();
    let mut inserts = Vec::new();
    for write in writes {
        match write {
            Write::InPlace { id, document, hash } => in_place.push((id, document, hash)),
            Write::Next {
                user,
                close,
                excess,
                document,
                hash,
            } => {
                closes.extend(close);
                if excess > 0 {
                    prunes.push((user, excess));
                }
                inserts.push((user, document, hash));
            }
        }
    }
    update_in_place(conn, op, &in_place).await?;
    if !closes.is_empty() {
        let ids: Vec<String> = closes.iter().map(i64::to_string).collect();
        sqlx::query(&format!(
            "UPDATE user_snapshots SET valid_until = $1 WHERE id IN ({})",
            ids.join(", ")
        ))
        .bind(op.at)
        .execute(&mut *conn)
        .await?;
    }
    for (user, excess) in prunes {
        sqlx::query(&prune_oldest_sql("$2"))
            .bind(user)
            .bind(excess)
            .execute(&mut *conn)
            .await?;
    }
    insert_new(conn, op, &inserts).await
}

/// One statement for all the in-place updates: the new documents as a derived table joined
/// on the snapshot's id (`UPDATE … FROM`, SQLite 3.33 and PostgreSQL).
async fn update_in_place(
    conn: &mut AnyConnection,
    op: &Op,
    rows: &[(i64, String, String)],
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let values = document_values(rows, |id, document, size, hash| {
        format!("({id}, CAST({document} AS TEXT), {size}, CAST({hash} AS TEXT))")
    });
    // SQLite names a VALUES table's columns column1…; PostgreSQL is given the same names.
    let names = if conn.backend_name() == "PostgreSQL" {
        "(column1, column2, column3, column4)"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE user_snapshots SET document = v.column2, size = v.column3, \
           content_hash = v.column4, operation_id = $1, updated_at = $2 \
         FROM (VALUES {values}) AS v{names} WHERE user_snapshots.id = v.column1"
    );
    execute_with_documents(conn, &sql, [op.id, op.at], rows).await
}

async fn insert_new(
    conn: &mut AnyConnection,
    op: &Op,
    rows: &[(i64, String, String)],
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let values = document_values(rows, |user, document, size, hash| {
        format!("({user}, $1, NULL, {document}, {size}, {hash}, $2, $1)")
    });
    let sql = format!(
        "INSERT INTO user_snapshots (user_id, valid_since, valid_until, document, size, \
           content_hash, operation_id, updated_at) VALUES {values}"
    );
    execute_with_documents(conn, &sql, [op.at, op.id], rows).await
}

/// The `VALUES` rows of `rows` (key, document, hash), each written by `row` from its key, the
/// placeholders of its document and hash (after the statement's own $1 and $2) and the
/// document's length.
fn document_values(
    rows: &[(i64, String, String)],
    row: impl Fn(i64, String, usize, String) -> String,
) -> String {
    rows.iter()
        .enumerate()
        .map(|(i, (key, document, _))| {
            row(
                *key,
                format!("${}", 2 * i + 3),
                document.len(),
                format!("${}", 2 * i + 4),
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `sql` with `first` as $1 and $2, then each row's document and hash.
async fn execute_with_documents(
    conn: &mut AnyConnection,
    sql: &str,
    first: [i64; 2],
    rows: &[(i64, String, String)],
) -> Result<()> {
    let mut query = sqlx::query(sql).bind(first[0]).bind(first[1]);
    for (_, document, hash) in rows {
        query = query.bind(document).bind(hash);
    }
    query.execute(conn).await?;
    Ok(())
}
