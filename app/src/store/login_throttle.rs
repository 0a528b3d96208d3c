//! Sign-in throttling. Attempts are counted per (user name, client address) and per client
//! address across all user names, so failures from one address never lock an operator out
//! from another. Each count is one atomic upsert made *before* the password is checked: parallel
//! guesses cannot slip past the limit between a read and a write.
use super::audit::{record_in, AuditRecord};
use super::{now_micros, Result, Store};
use sqlx::{Any, AnyConnection};

/// Attempts allowed for one user name from one address before it is locked.
pub const PAIR_FREE_ATTEMPTS: i64 = 5;
/// Attempts allowed from one address, whatever the user names, before the address is locked.
pub const ADDRESS_FREE_ATTEMPTS: i64 = 20;
/// The first lock; every further failure doubles it, up to the maximum.
pub const FIRST_LOCKOUT_SECS: i64 = 30;
pub const MAX_LOCKOUT_SECS: i64 = 15 * 60;
/// Counts are forgotten after this long without an attempt (measured from the end of a lock).
pub const FORGET_AFTER_SECS: i64 = 15 * 60;

/// The `username_key` of an address's row across all user names (never a valid user name).
const ANY_USER: &str = "";
const SEC: i64 = 1_000_000;

/// Whether an attempt may check its password.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Admission {
    /// `locks_for`: the lock (seconds) this attempt sets if its password is wrong.
    Admitted { locks_for: Option<i64> },
    /// `first`: the first attempt refused during this lock (the one written to the audit log).
    Refused { retry_after_secs: i64, first: bool },
}

/// Lock length after `attempts` attempts when `free` are allowed.
fn lockout_secs(attempts: i64, free: i64) -> Option<i64> {
    (attempts >= free).then(|| {
        let doublings = (attempts - free).min(20) as u32;
        (FIRST_LOCKOUT_SECS << doublings).min(MAX_LOCKOUT_SECS)
    })
}

/// The upsert that counts one attempt unless the key is locked; no row comes back when it is.
/// $1 user name key, $2 address, $3 now, $4 forget counts quiet since before this.
fn admit_sql(free: i64) -> String {
    let attempts =
        "(CASE WHEN COALESCE(login_throttle.locked_until, login_throttle.last_attempt_at) \
                    < $4 THEN 1 ELSE login_throttle.failures + 1 END)";
    let mut lock = format!("CASE WHEN {attempts} < {free} THEN NULL");
    let mut n = free;
    while let Some(secs) = lockout_secs(n, free).filter(|s| *s < MAX_LOCKOUT_SECS) {
        lock.push_str(&format!(" WHEN {attempts} = {n} THEN $3 + {}", secs * SEC));
        n += 1;
    }
    lock.push_str(&format!(" ELSE $3 + {} END", MAX_LOCKOUT_SECS * SEC));
    let first_lock = match lockout_secs(1, free) {
        Some(secs) => format!("$3 + {}", secs * SEC),
        None => "NULL".into(),
    };
    format!(
        "INSERT INTO login_throttle (username_key, client_address, failures, last_attempt_at,
                                     locked_until, refused)
         VALUES ($1, $2, 1, $3, {first_lock}, 0)
         ON CONFLICT (username_key, client_address) DO UPDATE SET
             failures = {attempts}, last_attempt_at = $3, locked_until = {lock}, refused = 0
         WHERE login_throttle.locked_until IS NULL OR login_throttle.locked_until <= $3
         RETURNING failures"
    )
}

/// Counts one attempt for the key; `None` when the key is locked (nothing is counted then).
async fn count_attempt(
    conn: &mut AnyConnection,
    username_key: &str,
    address: &str,
    free: i64,
    now: i64,
) -> Result<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as(&admit_sql(free))
        .bind(username_key)
        .bind(address)
        .bind(now)
        .bind(now - FORGET_AFTER_SECS * SEC)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|(attempts,)| attempts))
}

/// Notes a refused attempt on a locked key (atomically) and says how long the lock lasts.
async fn note_refusal(
    conn: &mut AnyConnection,
    username_key: &str,
    address: &str,
    now: i64,
) -> Result<Admission> {
    let row: Option<(i64, i64)> = sqlx::query_as(
        "UPDATE login_throttle SET refused = refused + 1
         WHERE username_key = $1 AND client_address = $2 AND locked_until > $3
         RETURNING refused, locked_until",
    )
    .bind(username_key)
    .bind(address)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        Some((refused, until)) => Admission::Refused {
            retry_after_secs: (until - now).div_euclid(SEC) + 1,
            first: refused == 1,
        },
        // The lock ended between the two statements: refuse this once, the next try is counted.
        None => Admission::Refused {
            retry_after_secs: 1,
            first: true,
        },
    })
}

/// A correct password: the pair starts afresh, and the address gives back the attempt it
/// counted (a success is not a failure; the address keeps any earlier failures).
pub(super) async fn login_succeeded_in(
    conn: &mut AnyConnection,
    username_key: &str,
    address: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM login_throttle WHERE username_key = $1 AND client_address = $2")
        .bind(username_key)
        .bind(address)
        .execute(&mut *conn)
        .await?;
    sqlx::query(&format!(
        "UPDATE login_throttle SET failures = failures - 1,
             locked_until = CASE WHEN failures - 1 < {ADDRESS_FREE_ATTEMPTS} THEN NULL
                                 ELSE locked_until END
         WHERE username_key = $1 AND client_address = $2 AND failures > 0"
    ))
    .bind(ANY_USER)
    .bind(address)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    /// Counts an attempt for (`username_key`, `address`) and for `address` alone, in one
    /// transaction: either both counts are taken and the password may be checked, or neither.
    pub(super) async fn admit_login(&self, username_key: &str, address: &str) -> Result<Admission> {
        let now = now_micros();
        let mut tx = self.begin_write().await?;
        let Some(pair) =
            count_attempt(&mut tx, username_key, address, PAIR_FREE_ATTEMPTS, now).await?
        else {
            tx.rollback().await?;
            let mut conn = self.pool.acquire().await?;
            return note_refusal(&mut conn, username_key, address, now).await;
        };
        let Some(any) =
            count_attempt(&mut tx, ANY_USER, address, ADDRESS_FREE_ATTEMPTS, now).await?
        else {
            tx.rollback().await?;
            let mut conn = self.pool.acquire().await?;
            return note_refusal(&mut conn, ANY_USER, address, now).await;
        };
        tx.commit().await?;
        let locks_for = [
            lockout_secs(pair, PAIR_FREE_ATTEMPTS),
            lockout_secs(any, ADDRESS_FREE_ATTEMPTS),
        ]
        .into_iter()
        .flatten()
        .max();
        Ok(Admission::Admitted { locks_for })
    }

    /// Recovery for a locked-out operator (`server unlock`): forgets the counts of the user
    /// name from every address, and/or of one address (with all its user names when no user
    /// name is given). Audited as done `by`; returns how many throttle rows were removed.
    pub async fn clear_login_throttle(
        &self,
        username: Option<&str>,
        address: Option<&str>,
        by: &str,
    ) -> Result<u64> {
        let key = username.map(super::operators::username_key);
        let mut tx = self.begin_write().await?;
        let cleared = sqlx::query(
            "DELETE FROM login_throttle
             WHERE ($1 IS NULL OR username_key = $1) AND ($2 IS NULL OR client_address = $2)",
        )
        .bind(&key)
        .bind(address)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let target = [username, address.map(|a| format!("from {a}")).as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        record_in(
            &mut tx,
            &AuditRecord {
                operator_id: None,
                operator_name: by,
                action: "session.unlock",
                target: &target,
                outcome: "ok",
                details: &format!("{cleared} sign-in throttle entries cleared"),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(cleared)
    }

    /// The throttle state of (`username`, `address`) (`username` `None`: the address row):
    /// counted attempts and the end of the lock, if any. For tests and diagnostics.
    pub async fn login_throttle_state(
        &self,
        username: Option<&str>,
        address: &str,
    ) -> Result<Option<(i64, Option<i64>)>> {
        Ok(sqlx::query_as::<Any, (i64, Option<i64>)>(
            "SELECT failures, locked_until FROM login_throttle
             WHERE username_key = $1 AND client_address = $2",
        )
        .bind(
            username
                .map(super::operators::username_key)
                .unwrap_or_default(),
        )
        .bind(address)
        .fetch_optional(&self.pool)
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_doubles_from_the_limit_up_to_the_maximum() {
        assert_eq!(lockout_secs(4, 5), None);
        assert_eq!(lockout_secs(5, 5), Some(30));
        assert_eq!(lockout_secs(6, 5), Some(60));
        assert_eq!(lockout_secs(9, 5), Some(480));
        assert_eq!(lockout_secs(10, 5), Some(MAX_LOCKOUT_SECS));
        assert_eq!(lockout_secs(500, 5), Some(MAX_LOCKOUT_SECS));
    }
}
