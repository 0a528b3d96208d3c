//! Bulk seeding at scale (`server seed --scale million`): a million users with a year of
//! history in minutes. The demo seed writes every change through the store (about a
//! millisecond a user); this one lets the database compute the rows of users, memberships
//! and grants from their index (`scale_sql.rs`) in a few large INSERT … SELECT statements, in
//! transactions of a bounded number of users.
//!
//! The rows keep the store's invariants: each object's versions follow each other without
//! overlap and every current version is unique where the store's indexes say so; every
//! version belongs to an operation at its own instant (one operation a minute, so any
//! instant of the year has changes around it) and has its change-feed lines; the search
//! index fills through its triggers; every live user has an open snapshot equal to its
//! current state. What it leaves out: accounts and mail lists of users, closed snapshots
//! (the open snapshot starts at the user's last own change), and group deletions.
use super::scale_sql::{change_log_sql, last_version_sql, Plan, LAST_CHANGE_SQL};
use super::*;
use crate::store::snapshots::encode;
use crate::store::temporal::Op;
use crate::store::user_state::current_states;
use crate::store::Backend;
use sqlx::Any;
use std::time::Instant;

const MINUTE: i64 = 60_000_000;
/// Users per transaction: bounds a transaction's journal (SQLite's WAL grows with it).
const USERS_PER_TX: i64 = 100_000;
/// Users per bulk state read when writing snapshots.
const SNAPSHOT_CHUNK: i64 = 2_000;
/// The group tree: a heap with this many roots and children per group.
const TREE_ROOTS: usize = 10;
const TREE_FANOUT: usize = 10;

pub const MAX_USERS: i64 = 10_000_000;
pub const MAX_GROUPS: i64 = 1_000_000;
pub const MAX_MEMBERSHIPS_PER_USER: i64 = 1_000;
pub const MAX_HISTORY_DAYS: i64 = 3_650;

/// What `seed_scale` generates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScaleOptions {
    pub users: i64,
    pub groups: i64,
    /// Membership versions in all (current and ended).
    pub memberships: i64,
    pub history_days: i64,
    pub seed: u64,
    /// The end of the history (the clock by default).
    pub now: i64,
}

impl ScaleOptions {
    /// Issue 21's scale: 1M users, 30k groups, 10M memberships, a year.
    pub fn million() -> Self {
        Self {
            users: 1_000_000,
            groups: 30_000,
            memberships: 10_000_000,
            history_days: 365,
            seed: 1,
            now: now_micros(),
        }
    }

    /// The same shape at 1/200 of the size, for tests and smoke runs.
    pub fn quick() -> Self {
        Self {
            users: 5_000,
            groups: 150,
            memberships: 50_000,
            ..Self::million()
        }
    }

    /// Refuses sizes the generator cannot make (or would take days to): a clear message
    /// instead of running out of memory or overflowing.
    pub fn check(&self) -> Result<()> {
        let bad = |field: &str, message: String| Err(Error::invalid(field, message));
        if !(1..=MAX_USERS).contains(&self.users) {
            return bad("users", format!("Seed between 1 and {MAX_USERS} users."));
        }
        if !(TREE_ROOTS as i64..=MAX_GROUPS).contains(&self.groups) {
            return bad(
                "groups",
                format!("Seed between {TREE_ROOTS} and {MAX_GROUPS} groups."),
            );
        }
        let per_user = (self.memberships.max(0) + self.users - 1) / self.users;
        if self.memberships < 0 || per_user > MAX_MEMBERSHIPS_PER_USER {
            return bad(
                "memberships",
                format!(
                    "Seed between 0 and {MAX_MEMBERSHIPS_PER_USER} memberships a user \
                     ({} for {} users).",
                    MAX_MEMBERSHIPS_PER_USER * self.users,
                    self.users
                ),
            );
        }
        if per_user + 1 > self.groups / 2 {
            return bad(
                "memberships",
                format!(
                    "{per_user} memberships a user need at least {} groups.",
                    (per_user + 1) * 2
                ),
            );
        }
        if !(2..=MAX_HISTORY_DAYS).contains(&self.history_days) {
            return bad(
                "history_days",
                format!("Seed between 2 and {MAX_HISTORY_DAYS} days of history."),
            );
        }
        Ok(())
    }
}

/// What `seed_scale` wrote, and how long each phase took.
#[derive(Clone, Debug, Default)]
pub struct ScaleReport {
    pub users: i64,
    pub user_versions: i64,
    pub groups: i64,
    pub group_versions: i64,
    pub memberships: i64,
    pub current_memberships: i64,
    pub grants: i64,
    pub operations: i64,
    pub snapshots: i64,
    /// The first and last object id of the users (ids are consecutive).
    pub user_ids: (i64, i64),
    /// When the history starts (the end is `ScaleOptions::now`).
    pub start: i64,
    pub phases: Vec<(&'static str, f64)>,
}

impl std::fmt::Display for ScaleReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let phases: Vec<String> = self
            .phases
            .iter()
            .map(|(name, secs)| format!("{name} {secs:.1} s"))
            .collect();
        write!(
            f,
            "{} users ({} versions), {} groups ({} versions), {} memberships ({} current), {} \
             direct grants, {} operations, {} snapshots; {}",
            self.users,
            self.user_versions,
            self.groups,
            self.group_versions,
            self.memberships,
            self.current_memberships,
            self.grants,
            self.operations,
            self.snapshots,
            phases.join(", ")
        )
    }
}

/// A 64-bit mix of the seed and a draw number: the multipliers of `Plan::mix`.
fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A prime step between a user's groups that does not divide the number of groups.
fn stride(groups: i64) -> i64 {
    [7_919, 7_927, 104_729, 1_299_709]
        .into_iter()
        .find(|p| groups % p != 0)
        .unwrap_or(1)
}

/// The heap-shaped tree: group j (j >= TREE_ROOTS) sits below (j - TREE_ROOTS) / FANOUT.
fn heap_parent(j: usize) -> Option<usize> {
    (j >= TREE_ROOTS).then(|| (j - TREE_ROOTS) / TREE_FANOUT)
}

/// The first index and size of each level of the heap holding `count` groups.
fn levels(count: usize) -> Vec<(usize, usize)> {
    let (mut out, mut first, mut size) = (Vec::new(), 0, TREE_ROOTS);
    while first < count {
        out.push((first, size.min(count - first)));
        first += size;
        size *= TREE_FANOUT;
    }
    out
}

/// One group version, as the generator writes it.
struct GroupVersion {
    object: i64,
    from: i64,
    to: Option<i64>,
    name: String,
    parent: Option<i64>,
}

impl Store {
    /// Fills an empty identity store with `options`' users, groups and memberships and a
    /// history of `options.history_days` (see the module docs).
    pub async fn seed_scale(&self, options: &ScaleOptions) -> Result<ScaleReport> {
        options.check()?;
        if !self.identity_is_empty().await? {
            return Err(Error::Conflict(
                "The identity store already holds data; bulk data is only seeded into an \
                 empty one (use a new database)."
                    .into(),
            ));
        }
        let mut report = ScaleReport::default();
        let mut clock = Instant::now();
        let mut phase = |report: &mut ScaleReport, name: &'static str| {
            report.phases.push((name, clock.elapsed().as_secs_f64()));
            clock = Instant::now();
        };
        let minutes = options.history_days * 1440;
        let start = options.now - minutes * MINUTE;
        report.start = start;
        // Systems, roles and mail lists through the store, in the history's first minutes.
        let dir = self
            .seed_directory(&|m: i64| Author::named("hr-sync").at(start + m * MINUTE / 10))
            .await?;
        let mut conn = self.pool.acquire().await?;
        let (objects,): (i64,) =
            sqlx::query_as("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM objects")
                .fetch_one(&mut *conn)
                .await?;
        let (operations,): (i64,) =
            sqlx::query_as("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM operations")
                .fetch_one(&mut *conn)
                .await?;
        drop(conn);
        let per_user = (options.memberships + options.users - 1) / options.users;
        let group_base = objects + 1;
        let user_base = group_base + options.groups;
        let membership_base = user_base + options.users;
        let grant_base = membership_base + per_user * options.users;
        let ascii = |names: &[&'static str]| -> Vec<&'static str> {
            names
                .iter()
                .copied()
                .filter(|n| n.chars().all(|c| c.is_ascii_alphabetic()))
                .collect()
        };
        let plan = Plan {
            backend: self.backend,
            multipliers: std::array::from_fn(|k| {
                (splitmix(options.seed.wrapping_mul(64).wrapping_add(k as u64)) % 2_000_000_000)
                    as i64
                    + 2
            }),
            minutes,
            start,
            op_base: operations + 1,
            users: options.users,
            groups: options.groups,
            group_base,
            user_base,
            membership_base,
            grant_base,
            per_user,
            stride: stride(options.groups),
            first_names: ascii(&FIRST_NAMES),
            last_names: ascii(&LAST_NAMES),
            roles: DIRECT_ROLES.iter().map(|r| dir.roles[*r].0).collect(),
        };
        phase(&mut report, "directory");

        let mut tx = self.begin_scale_write().await?;
        let (feed,): (i64,) = sqlx::query_as("SELECT last FROM change_feed_counter WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(&plan.operations_sql())
            .bind(0i64)
            .bind(minutes)
            .bind(feed + 1)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE change_feed_counter SET last = $1 WHERE id = 1")
            .bind(feed + minutes)
            .execute(&mut *tx)
            .await?;
        report.operations = minutes;
        let groups = self.bulk_groups(&mut tx, &plan, &dir, options.seed).await?;
        report.groups = options.groups;
        report.group_versions = groups as i64;
        tx.commit().await?;
        phase(&mut report, "operations and groups");

        let mut lo = 0;
        while lo < options.users {
            let hi = (lo + USERS_PER_TX).min(options.users);
            let mut tx = self.begin_scale_write().await?;
            let users_before = last_version(&mut tx, "users").await?;
            run(&mut tx, &plan.objects_sql(user_base, "users"), lo, hi).await?;
            run(&mut tx, &plan.users_sql(), lo, hi).await?;
            run(&mut tx, &change_log_sql("users"), users_before, 0).await?;
            sqlx::query(
                "INSERT INTO audit_log (at, operator_id, operator_name, action, target, \
                     outcome, details) \
                 SELECT u.valid_from, NULL, u.changed_by, 'user.create', u.name, 'ok', '' \
                 FROM users u WHERE u.version_id > $1 AND u.comments = ''",
            )
            .bind(users_before)
            .execute(&mut *tx)
            .await?;
            let (m_lo, m_hi) = (lo * per_user, (hi * per_user).min(options.memberships));
            if m_lo < m_hi {
                let before = last_version(&mut tx, "memberships").await?;
                run(
                    &mut tx,
                    &plan.objects_sql(membership_base, "memberships"),
                    m_lo,
                    m_hi,
                )
                .await?;
                run(&mut tx, &plan.memberships_sql(), m_lo, m_hi).await?;
                run(&mut tx, &change_log_sql("memberships"), before, 0).await?;
            }
            let before = last_version(&mut tx, "grants").await?;
            run(&mut tx, &plan.grant_objects_sql(), lo, hi).await?;
            run(&mut tx, &plan.grants_sql(), lo, hi).await?;
            run(&mut tx, &change_log_sql("grants"), before, 0).await?;
            tx.commit().await?;
            lo = hi;
        }
        phase(&mut report, "users, memberships and grants");

        if self.backend == Backend::Postgres {
            // Ids were given explicitly: the identity columns continue after them.
            for table in ["objects", "operations"] {
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                     (SELECT MAX(id) FROM {table}))"
                ))
                .execute(&self.pool)
                .await?;
            }
        }
        report.snapshots = self.bulk_snapshots(&plan).await?;
        phase(&mut report, "snapshots");
        sqlx::query("ANALYZE").execute(&self.pool).await?;
        phase(&mut report, "analyze");

        let count = |sql: &'static str| async move {
            let row: sqlx::Result<(i64,)> = sqlx::query_as(sql).fetch_one(&self.pool).await;
            row.map(|(n,)| n).map_err(Error::from)
        };
        report.users = options.users;
        report.user_versions = count("SELECT COUNT(*) FROM users").await?;
        report.memberships = count("SELECT COUNT(*) FROM memberships").await?;
        report.current_memberships =
            count("SELECT COUNT(*) FROM memberships WHERE valid_to IS NULL").await?;
        report.grants = count("SELECT COUNT(*) FROM grants WHERE grantee_kind = 'user'").await?;
        report.user_ids = (user_base, user_base + options.users - 1);
        Ok(report)
    }

    /// A write transaction; on SQLite with a page cache large enough for the index pages
    /// ten million rows touch (this connection keeps it: seeding is a process of its own).
    async fn begin_scale_write(&self) -> Result<sqlx::Transaction<'static, Any>> {
        let mut tx = self.begin_identity_write().await?;
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA cache_size = -1000000")
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    /// The group tree and a year of renames and moves, computed here (30k groups are few)
    /// and written in multi-row INSERTs; each root department gets two roles.
    async fn bulk_groups(
        &self,
        conn: &mut AnyConnection,
        plan: &Plan,
        dir: &Directory,
        seed: u64,
    ) -> Result<usize> {
        let mut rng = StdRng::seed_from_u64(seed);
        let count = plan.groups as usize;
        let levels = levels(count);
        let level_of = |j: usize| {
            levels
                .iter()
                .rposition(|(first, _)| *first <= j)
                .unwrap_or(0)
        };
        let mut versions: Vec<GroupVersion> = Vec::new();
        let mut root_of: Vec<usize> = Vec::with_capacity(count);
        let object = |j: usize| plan.group_base + j as i64;
        for j in 0..count {
            let root = heap_parent(j).map(|p| root_of[p]).unwrap_or(j);
            root_of.push(root);
            let base = format!("{} {j}", ROOTS[root % ROOTS.len()]);
            let n = rng.gen_range(1..=4i64);
            let slot = (plan.minutes - 120) / n;
            // Created in the first minute; later versions in the first half of their slice.
            let mut from = 1;
            let mut parent = heap_parent(j);
            for i in 0..n {
                let to = (i + 1 < n).then(|| 60 + (i + 1) * slot + rng.gen_range(0..slot / 2));
                versions.push(GroupVersion {
                    object: object(j),
                    from,
                    to,
                    name: if i == 0 {
                        base.clone()
                    } else {
                        format!("{base} rev {i}")
                    },
                    parent: parent.map(object),
                });
                // One change in five is a move to another group of the parent's level:
                // the depth of the subtree stays, no cycle can form.
                let level = level_of(j);
                if level >= 2 && rng.gen_range(0..5) == 0 {
                    let (first, size) = levels[level - 1];
                    parent = Some(first + rng.gen_range(0..size));
                }
                if let Some(to) = to {
                    from = to;
                }
            }
        }
        for chunk in (0..count).collect::<Vec<_>>().chunks(5_000) {
            let sql = format!(
                "INSERT INTO objects (id, kind) VALUES {}",
                placeholders(chunk.len(), 2)
            );
            let mut query = sqlx::query(&sql);
            for j in chunk {
                query = query.bind(object(*j)).bind("groups");
            }
            query.execute(&mut *conn).await?;
        }
        let at = |m: i64| plan.start + m * MINUTE;
        let author = |m: i64| AUTHORS[(m % AUTHORS.len() as i64) as usize];
        for chunk in versions.chunks(1_500) {
            let sql = format!(
                "INSERT INTO groups (object_id, valid_from, valid_to, changed_by, operation_id, \
                 ended_by, ended_operation_id, name, name_key, description, parent_id, \
                 group_type, drive_letter, drive_server, disabled) VALUES {}",
                placeholders(chunk.len(), 15)
            );
            let mut query = sqlx::query(&sql);
            for v in chunk {
                query = query
                    .bind(v.object)
                    .bind(at(v.from))
                    .bind(v.to.map(at))
                    .bind(author(v.from))
                    .bind(plan.op_base + v.from)
                    .bind(v.to.map(author))
                    .bind(v.to.map(|m| plan.op_base + m))
                    .bind(v.name.clone())
                    .bind(v.name.to_lowercase())
                    .bind(format!("{} department", v.name))
                    .bind(v.parent)
                    .bind("organisation")
                    .bind("")
                    .bind("")
                    .bind(0i64);
            }
            query.execute(&mut *conn).await?;
        }
        run(conn, &change_log_sql("groups"), 0, 0).await?;
        // Group grants as the demo gives departments: every root gets the basics, in the
        // operation of minute 2 (ids after the users' grants).
        let op = Op {
            id: plan.op_base + 2,
            at: at(2),
            by: author(2).to_string(),
            operator_id: None,
        };
        let mut id = plan.grant_base + plan.users;
        for j in 0..TREE_ROOTS.min(count) {
            for role in ["Domain User", "Workspace User"] {
                sqlx::query("INSERT INTO objects (id, kind) VALUES ($1, 'grants')")
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                let input = GrantInput {
                    role: dir.roles[role],
                    grantee: Grantee::Group(GroupId(object(j))),
                    scope: String::new(),
                    start_date: None,
                    end_date: None,
                };
                insert_version(conn, &op, Table::Grants, id, &grant_fields(&input)).await?;
                id += 1;
            }
        }
        Ok(versions.len())
    }

    /// Every live user's open snapshot, equal to its current state (read in bulk, encoded
    /// as capture encodes it), from the user's last own change on.
    async fn bulk_snapshots(&self, plan: &Plan) -> Result<i64> {
        let mut written = 0;
        let mut lo = plan.user_base;
        let last = plan.user_base + plan.users - 1;
        while lo <= last {
            let hi = (lo + SNAPSHOT_CHUNK - 1).min(last);
            let mut tx = self.begin_write().await?;
            let states = current_states(&mut tx, lo, hi).await?;
            let changes: Vec<(i64, i64)> = sqlx::query_as(LAST_CHANGE_SQL)
                .bind(lo)
                .bind(hi)
                .fetch_all(&mut *tx)
                .await?;
            let changes: std::collections::HashMap<i64, i64> = changes.into_iter().collect();
            let mut rows = Vec::with_capacity(states.len());
            for state in &states {
                let since = changes.get(&state.id.0).copied().unwrap_or(plan.start);
                let (document, hash) = encode(state)?;
                rows.push((state.id.0, since, document, hash));
            }
            if !rows.is_empty() {
                let sql = format!(
                    "INSERT INTO user_snapshots (user_id, valid_since, valid_until, document, \
                     size, content_hash, operation_id, updated_at) VALUES {}",
                    placeholders(rows.len(), 8)
                );
                let mut query = sqlx::query(&sql);
                for (user, since, document, hash) in &rows {
                    query = query
                        .bind(*user)
                        .bind(*since)
                        .bind(None::<i64>)
                        .bind(document.clone())
                        .bind(document.len() as i64)
                        .bind(hash.clone())
                        .bind(plan.op_base + (since - plan.start) / MINUTE)
                        .bind(*since);
                }
                query.execute(&mut *tx).await?;
            }
            tx.commit().await?;
            written += rows.len() as i64;
            lo = hi + 1;
        }
        Ok(written)
    }
}

/// `($1, …, $cols), (…)` for `rows` rows: the VALUES of a multi-row INSERT.
fn placeholders(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let row: Vec<String> = (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
            format!("({})", row.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs a generator statement over the rows `from..to` (`$1`, `$2`).
async fn run(conn: &mut AnyConnection, sql: &str, from: i64, to: i64) -> Result<u64> {
    let sql_uses_to = sql.contains("$2");
    let mut query = sqlx::query(sql).bind(from);
    if sql_uses_to {
        query = query.bind(to);
    }
    Ok(query.execute(conn).await?.rows_affected())
}

async fn last_version(conn: &mut AnyConnection, table: &str) -> Result<i64> {
    let (last,): (i64,) = sqlx::query_as(&last_version_sql(table))
        .fetch_one(conn)
        .await?;
    Ok(last)
}
