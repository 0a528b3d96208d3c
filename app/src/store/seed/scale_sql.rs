//! The statements of the bulk generator (`scale.rs`): every user, membership and grant row is
//! computed by the database from its index, so a million users never cross the wire.
//!
//! Everything random is a pure function of an index: `mix(x, k)` is `(x + 1) * m_k mod p`
//! for a prime p and a multiplier per draw k derived from the seed, the same on both
//! databases (integer arithmetic only, every product below 2^63). Instants are minutes
//! since the start of the history; minute m belongs to operation `op_base + m`, whose
//! instant is `start + m` minutes and whose author is `author(m)`.
use super::super::Backend;

/// The modulus of `mix`: a prime below 2^31, so `(x + 1) * m` stays below 2^62 for any
/// index the bounds of `ScaleOptions` allow.
const P: i64 = 2_147_483_647;

/// The values the generator's statements share.
pub(super) struct Plan {
    pub backend: Backend,
    /// Multipliers of `mix`, one per draw.
    pub multipliers: [i64; 16],
    /// Minutes of history: minute 0 is `start`, minute `minutes` is now.
    pub minutes: i64,
    pub start: i64,
    pub op_base: i64,
    pub users: i64,
    pub groups: i64,
    pub group_base: i64,
    pub user_base: i64,
    pub membership_base: i64,
    pub grant_base: i64,
    /// Memberships per user (the last users may have fewer) and the step between a user's
    /// groups, prime to the number of groups so that a user's groups differ.
    pub per_user: i64,
    pub stride: i64,
    pub first_names: Vec<&'static str>,
    pub last_names: Vec<&'static str>,
    /// Roles granted to users directly.
    pub roles: Vec<i64>,
}

impl Plan {
    /// A pseudo-random value in `0..P` drawn from the index `x` (an SQL expression).
    pub fn mix(&self, x: &str, draw: usize) -> String {
        format!("((({x}) + 1) * {} % {P})", self.multipliers[draw])
    }

    /// The rows `n` of `from..to` (`$1`, `$2`) as a common table expression `s(n)`.
    pub fn series(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => {
                "s(n) AS (SELECT $1 WHERE $1 < $2 UNION ALL SELECT n + 1 FROM s WHERE n + 1 < $2)"
            }
            Backend::Postgres => "s(n) AS (SELECT generate_series($1, $2 - 1))",
        }
    }

    /// The author of the operation of minute `m` (NULL for NULL).
    pub fn author(&self, m: &str) -> String {
        let names = super::AUTHORS
            .iter()
            .enumerate()
            .map(|(i, name)| format!("WHEN {i} THEN '{name}'"))
            .collect::<Vec<_>>()
            .join(" ");
        format!(
            "CASE WHEN ({m}) IS NULL THEN NULL ELSE CASE ({m}) % {} {names} END END",
            super::AUTHORS.len()
        )
    }

    fn pick(&self, index: &str, values: &[String]) -> String {
        let whens = values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("WHEN {i} THEN {v}"))
            .collect::<Vec<_>>()
            .join(" ");
        format!("CASE {index} % {} {whens} END", values.len())
    }

    /// The minute user `u` is created: 70 % in the first month, the rest over the year
    /// (never in the last day, so every user has room for changes).
    pub fn created(&self, u: &str) -> String {
        let late = self.minutes - 1500;
        let early = late.min(30 * 1440);
        format!(
            "(60 + CASE WHEN {} % 10 < 7 THEN {} % {early} ELSE {} % {late} END)",
            self.mix(u, 1),
            self.mix(u, 2),
            self.mix(u, 2)
        )
    }

    /// Whether user `u` is deleted (one in fifty), as an SQL condition.
    pub fn deleted(u: &str) -> String {
        format!("(({u}) % 50 = 7)")
    }

    /// The minute user `u` ends: now, or three quarters of the way to now when deleted.
    pub fn ends(&self, u: &str, created: &str) -> String {
        format!(
            "CASE WHEN {} THEN {created} + ({} - {created}) * 3 / 4 ELSE {} END",
            Self::deleted(u),
            self.minutes,
            self.minutes
        )
    }

    /// The object id of user `u`'s k-th group (k = `per_user`: its primary group).
    pub fn group_of(&self, u: &str, k: &str) -> String {
        format!(
            "({} + ({} + ({k}) * {}) % {})",
            self.group_base,
            self.mix(u, 8),
            self.stride,
            self.groups
        )
    }

    /// Objects `base + n` of `kind` for the rows of the series.
    pub fn objects_sql(&self, base: i64, kind: &str) -> String {
        format!(
            "WITH RECURSIVE {} INSERT INTO objects (id, kind) SELECT {base} + n, '{kind}' FROM s",
            self.series()
        )
    }

    /// Users `$1..$2` with one to three versions each, the last closed when deleted.
    pub fn users_sql(&self) -> String {
        let first = self.pick(
            &self.mix("n", 5),
            &self
                .first_names
                .iter()
                .map(|n| format!("'{n}'"))
                .collect::<Vec<_>>(),
        );
        let last = self.pick(
            &self.mix("n", 6),
            &self
                .last_names
                .iter()
                .map(|n| format!("'{n}'"))
                .collect::<Vec<_>>(),
        );
        // Version i begins in the i-th of nv equal slices of the user's life (the first at
        // creation), in the first half of its slice: starts strictly increase and the last
        // one comes before the end.
        let begins = |i: &str| {
            format!(
                "CASE WHEN {i} = 0 THEN cu ELSE cu + {i} * slot + {} % (slot / 2) END",
                self.mix(&format!("u * 4 + {i}"), 4)
            )
        };
        format!(
            "WITH RECURSIVE {series}, \
             b AS (SELECT n AS u, {cu} AS cu, 1 + {nv} % 3 AS nv, {first} AS first_name, \
                          {last} AS last_name FROM s), \
             c AS (SELECT b.*, {ends} AS endu FROM b), \
             v(i) AS (VALUES (0), (1), (2)), \
             w AS (SELECT c.*, v.i, (c.endu - c.cu) / c.nv AS slot FROM c JOIN v ON v.i < c.nv), \
             x AS (SELECT w.*, {vf} AS vf, \
                          CASE WHEN i < nv - 1 THEN {vn} WHEN {deleted} THEN endu END AS vt, \
                          lower(first_name) || '.' || lower(last_name) || CAST(u AS TEXT) AS login \
                   FROM w) \
             INSERT INTO users (object_id, valid_from, valid_to, changed_by, operation_id, \
                 ended_by, ended_operation_id, name, name_key, first_name, middle_name, \
                 last_name, user_type, primary_group_id, home_server, profile_server, \
                 mail_server, email, mail_aliases, enabled, multi_session, comments, attributes) \
             SELECT {ub} + u, {start} + vf * 60000000, {start} + vt * 60000000, {by_from}, \
                 {op} + vf, {by_to}, {op} + vt, login, login, first_name, '', last_name, \
                 CASE WHEN {kind} % 10 = 0 THEN 'external' ELSE 'internal' END, {primary}, \
                 'fs0' || CAST(1 + u % 4 AS TEXT), 'fs0' || CAST(1 + u % 4 AS TEXT), \
                 CASE WHEN i % 2 = 0 THEN 'mx1' ELSE 'mx2' END, login || '@example.com', '', \
                 1, 0, CASE WHEN i = 0 THEN '' ELSE 'edit ' || CAST(i AS TEXT) END, \
                 '[{{\"name\":\"employee_id\",\"value\":\"E' || CAST(u + 1 AS TEXT) || '\"}}]' \
             FROM x ORDER BY u, i",
            series = self.series(),
            cu = self.created("n"),
            nv = self.mix("n", 3),
            ends = self.ends("u", "cu"),
            vf = begins("i"),
            vn = begins("(i + 1)"),
            deleted = Self::deleted("u"),
            ub = self.user_base,
            start = self.start,
            op = self.op_base,
            by_from = self.author("vf"),
            by_to = self.author("vt"),
            kind = self.mix("u", 7),
            primary = self.group_of("u", &self.per_user.to_string()),
        )
    }

    /// Memberships `$1..$2` (user n / per_user, its (n % per_user)-th group), one version
    /// each: half from the user's creation, the rest from a random later minute; three in
    /// ten end before now; all end when the user is deleted.
    pub fn memberships_sql(&self) -> String {
        format!(
            "WITH RECURSIVE {series}, \
             a AS (SELECT n, n / {per} AS u, n % {per} AS k, {kind} % 10 AS kind FROM s), \
             b AS (SELECT a.*, {cu} AS cu FROM a), \
             c AS (SELECT b.*, {ends} AS endu FROM b), \
             d AS (SELECT c.*, CASE WHEN kind < 5 THEN cu \
                               ELSE cu + {later} % ((endu - cu) / 2) END AS sf FROM c), \
             e AS (SELECT d.*, CASE WHEN kind >= 7 THEN sf + 1 + {gone} % (endu - sf - 1) \
                               WHEN {deleted} THEN endu END AS st FROM d) \
             INSERT INTO memberships (object_id, valid_from, valid_to, changed_by, \
                 operation_id, ended_by, ended_operation_id, user_id, group_id, start_date, \
                 end_date, comments) \
             SELECT {mb} + n, {start} + sf * 60000000, {start} + st * 60000000, {by_from}, \
                 {op} + sf, {by_to}, {op} + st, {ub} + u, {group}, NULL, NULL, '' \
             FROM e ORDER BY n",
            series = self.series(),
            per = self.per_user,
            kind = self.mix("n", 9),
            cu = self.created("u"),
            ends = self.ends("u", "cu"),
            later = self.mix("n", 10),
            gone = self.mix("n", 11),
            deleted = Self::deleted("u"),
            mb = self.membership_base,
            start = self.start,
            by_from = self.author("sf"),
            by_to = self.author("st"),
            op = self.op_base,
            ub = self.user_base,
            group = self.group_of("u", "k"),
        )
    }

    /// A direct role grant for one user in three among `$1..$2`, from creation to deletion.
    pub fn grants_sql(&self) -> String {
        let roles: Vec<String> = self.roles.iter().map(|r| r.to_string()).collect();
        format!(
            "WITH RECURSIVE {series}, \
             b AS (SELECT n AS u, {cu} AS cu FROM s WHERE {chosen} % 3 = 0), \
             c AS (SELECT b.*, CASE WHEN {deleted} THEN {ends} END AS st FROM b) \
             INSERT INTO grants (object_id, valid_from, valid_to, changed_by, operation_id, \
                 ended_by, ended_operation_id, role_id, grantee_kind, grantee_id, scope, \
                 start_date, end_date) \
             SELECT {gb} + u, {start} + cu * 60000000, {start} + st * 60000000, {by_from}, \
                 {op} + cu, {by_to}, {op} + st, {role}, 'user', {ub} + u, '', NULL, NULL \
             FROM c ORDER BY u",
            series = self.series(),
            cu = self.created("n"),
            chosen = self.mix("n", 12),
            deleted = Self::deleted("u"),
            ends = self.ends("u", "cu"),
            gb = self.grant_base,
            start = self.start,
            by_from = self.author("cu"),
            by_to = self.author("st"),
            op = self.op_base,
            role = self.pick(&self.mix("u", 13), &roles),
            ub = self.user_base,
        )
    }

    /// The grant objects of `grants_sql` (the same users).
    pub fn grant_objects_sql(&self) -> String {
        format!(
            "WITH RECURSIVE {} INSERT INTO objects (id, kind) \
             SELECT {} + n, 'grants' FROM s WHERE {} % 3 = 0",
            self.series(),
            self.grant_base,
            self.mix("n", 12)
        )
    }

    /// One operation a minute over the history, with feed positions from `$3` on.
    pub fn operations_sql(&self) -> String {
        format!(
            "WITH RECURSIVE {} INSERT INTO operations (id, at, operator, kind, summary, feed_seq) \
             SELECT {} + n, {} + n * 60000000, {}, 'seed.bulk', 'generated history', $3 + n \
             FROM s",
            self.series(),
            self.op_base,
            self.start,
            self.author("n"),
        )
    }
}

/// The change-feed lines of the versions of `table` with ids above `$1`: one for each
/// version written, one for each closed.
pub(super) fn change_log_sql(table: &str) -> String {
    format!(
        "INSERT INTO change_log (operation_id, table_name, object_id, version_id, ended) \
         SELECT operation_id, '{table}', object_id, version_id, 0 FROM {table} \
         WHERE version_id > $1 \
         UNION ALL \
         SELECT ended_operation_id, '{table}', object_id, version_id, 1 FROM {table} \
         WHERE version_id > $1 AND valid_to IS NOT NULL"
    )
}

/// The largest version id of `table` (0 when empty).
pub(super) fn last_version_sql(table: &str) -> String {
    format!("SELECT CAST(COALESCE(MAX(version_id), 0) AS BIGINT) FROM {table}")
}

/// For the users `$1..=$2`: the instant of the last change to their own rows (user
/// versions, memberships and direct grants begun or ended).
pub(super) const LAST_CHANGE_SQL: &str = "\
    SELECT x.u, CAST(MAX(x.t) AS BIGINT) FROM ( \
      SELECT object_id AS u, valid_from AS t FROM users WHERE object_id BETWEEN $1 AND $2 \
      UNION ALL SELECT user_id, valid_from FROM memberships WHERE user_id BETWEEN $1 AND $2 \
      UNION ALL SELECT user_id, valid_to FROM memberships \
                WHERE user_id BETWEEN $1 AND $2 AND valid_to IS NOT NULL \
      UNION ALL SELECT grantee_id, valid_from FROM grants \
                WHERE grantee_kind = 'user' AND grantee_id BETWEEN $1 AND $2) x \
    GROUP BY x.u";
