//! "Preview changes" and "Apply now" of one role assignment rule. Applying runs over every
//! current user in batches, each batch its own transaction, so a cancelled or failed run
//! leaves every user either settled or untouched, never half-changed. The run's state lives
//! in `role_rule_runs`, so any server process can show it, refuse a second start, or pass on
//! a cancel to the process running it.
use super::filter::{bind_all, condition};
use super::identity::{audit, USER_ATTRIBUTES};
use super::role_rules::{
    apply, current_rules, names_by_id, plan, CompiledRule, RuleChange, ROLE_NAMES, USER_NAMES,
};
use super::snapshots::capture;
use super::system_jobs::{HEARTBEAT_SECS, STALE_AFTER_SECS};
use super::temporal::{begin_op, Author};
use super::{now_micros, to_time, Error, Result, Store};
use crate::model::*;
use sqlx::{Any, AnyConnection};
use tokio_util::task::AbortOnDropHandle;

/// Users settled by one transaction of "Apply now".
const APPLY_BATCH: usize = 500;

/// What an operator reads when a run stops on an error: the store's own words for a refusal,
/// otherwise a pointer to the server log (database errors are not for the console).
fn failure_text(error: &Error) -> String {
    let kept = "The users evaluated before it keep their changes.";
    match error {
        Error::Conflict(why) | Error::NotFound(why) => format!("{why} {kept}"),
        _ => format!("A batch could not be written; the server log has the details. {kept}"),
    }
}

const SEC: i64 = 1_000_000;

const RUN_COLUMNS: &str = "rule, started_at, started_by, finished_at, total, done, granted, \
     revoked, withheld, state, failure, heartbeat_at";

#[derive(sqlx::FromRow)]
struct RunRow {
    rule: i64,
    started_at: i64,
    started_by: String,
    finished_at: Option<i64>,
    total: i64,
    done: i64,
    granted: i64,
    revoked: i64,
    withheld: i64,
    state: String,
    failure: String,
    heartbeat_at: i64,
}

impl RunRow {
    fn into_model(self, now: i64) -> RuleRun {
        let stale = self.heartbeat_at < now - STALE_AFTER_SECS * SEC;
        let state = match self.state.as_str() {
            "running" | "cancelling" if stale => RuleRunState::Failed(
                "Interrupted: the server process applying the rule stopped. The users \
                 evaluated before it keep their changes."
                    .into(),
            ),
            "running" => RuleRunState::Running,
            "cancelling" => RuleRunState::Cancelling,
            "finished" => RuleRunState::Finished,
            "cancelled" => RuleRunState::Cancelled,
            _ => RuleRunState::Failed(self.failure),
        };
        RuleRun {
            rule: self.rule,
            started_at: to_time(self.started_at),
            started_by: self.started_by,
            finished_at: self.finished_at.map(to_time),
            total: self.total,
            done: self.done,
            granted: self.granted,
            revoked: self.revoked,
            withheld: self.withheld,
            state,
        }
    }
}

/// Refreshes run `id`'s heartbeat every few seconds while it lives.
fn keep_beating(store: &Store, id: i64) -> AbortOnDropHandle<()> {
    let store = store.clone();
    AbortOnDropHandle::new(tokio::spawn(async move {
        let mut every =
            tokio::time::interval(std::time::Duration::from_secs(HEARTBEAT_SECS as u64));
        loop {
            every.tick().await;
            let beat = sqlx::query("UPDATE role_rule_runs SET heartbeat_at = $1 WHERE rule = $2")
                .bind(now_micros())
                .bind(id)
                .execute(&store.pool)
                .await;
            if let Err(error) = beat {
                tracing::warn!(%error, rule = id, "cannot note a rule run's heartbeat");
            }
        }
    }))
}

async fn current_user_ids(conn: &mut AnyConnection) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> =
        sqlx::query_as("SELECT object_id FROM users WHERE valid_to IS NULL ORDER BY object_id")
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// The rule `id` as it is now, or not found.
async fn the_rule(conn: &mut AnyConnection, id: i64) -> Result<Vec<CompiledRule>> {
    let rules = current_rules(conn, Some(id)).await?;
    if rules.is_empty() {
        return Err(Error::NotFound(format!("role assignment rule {id}")));
    }
    Ok(rules)
}

/// How many current users the rule's condition selects.
async fn count_selected(conn: &mut AnyConnection, rule: i64) -> Result<i64> {
    let (text,): (String,) = sqlx::query_as(
        "SELECT condition FROM role_rules WHERE object_id = $1 AND valid_to IS NULL",
    )
    .bind(rule)
    .fetch_one(&mut *conn)
    .await?;
    let Some(c) = condition(&text, USER_ATTRIBUTES, 1)? else {
        return Ok(0);
    };
    let sql = format!(
        "SELECT COUNT(*) FROM users u WHERE u.valid_to IS NULL AND {}",
        c.sql
    );
    let (count,): (i64,) = bind_all(sqlx::query_as::<Any, (i64,)>(&sql), &c.binds)
        .fetch_one(conn)
        .await?;
    Ok(count)
}

/// Preview lines for `changes`, with user and role names, ordered by user name.
async fn preview_lines(
    conn: &mut AnyConnection,
    changes: &[RuleChange],
) -> Result<Vec<RuleChangeLine>> {
    let user_ids: Vec<i64> = changes.iter().map(RuleChange::user).collect();
    let users = names_by_id(conn, USER_NAMES, &user_ids).await?;
    let role_ids: Vec<i64> = changes.iter().map(RuleChange::role).collect();
    let roles = names_by_id(conn, ROLE_NAMES, &role_ids).await?;
    let mut lines: Vec<RuleChangeLine> = changes
        .iter()
        .map(|c| {
            let (user, role, scope, grant, withheld) = match c {
                RuleChange::Grant {
                    user, role, scope, ..
                } => (*user, *role, scope, true, None),
                RuleChange::Revoke {
                    user, role, scope, ..
                } => (*user, *role, scope, false, None),
                RuleChange::Withheld {
                    user,
                    role,
                    scope,
                    sod,
                } => (*user, *role, scope, true, Some(sod.clone())),
            };
            RuleChangeLine {
                user: UserId(user),
                user_name: users.get(&user).cloned().unwrap_or_default(),
                role: roles.get(&role).cloned().unwrap_or_default(),
                scope: scope.clone(),
                grant,
                withheld_by: withheld,
            }
        })
        .collect();
    lines.sort_by(|a, b| (&a.user_name, &a.role).cmp(&(&b.user_name, &b.role)));
    Ok(lines)
}

impl Store {
    /// What applying rule `id` now would grant and revoke, without changing anything.
    pub async fn preview_role_rule(&self, id: i64) -> Result<RulePreview> {
        let mut conn = self.pool.acquire().await?;
        the_rule(&mut conn, id).await?;
        // Every rule weighs in: a grant another rule also gives is not revoked.
        let rules = current_rules(&mut conn, None).await?;
        let users = current_user_ids(&mut conn).await?;
        let changes = plan(&mut conn, &rules, &users, Some(id)).await?;
        let (grants, revokes, withheld) = RuleChange::counts(&changes);
        Ok(RulePreview {
            selected_users: count_selected(&mut conn, id).await?,
            grants,
            revokes,
            withheld,
            // Named and listed: the changes of the first users (by id), by user name.
            lines: preview_lines(&mut conn, &changes[..changes.len().min(RULE_PREVIEW_LINES)])
                .await?,
        })
    }

    /// The latest "Apply now" of rule `id`, whichever server process runs or ran it.
    pub async fn rule_run(&self, id: i64) -> Result<Option<RuleRun>> {
        let row = sqlx::query_as::<Any, RunRow>(&format!(
            "SELECT {RUN_COLUMNS} FROM role_rule_runs WHERE rule = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| row.into_model(now_micros())))
    }

    /// Asks the running "Apply now" of rule `id` to stop after its current batch; the process
    /// running it, whichever it is, reads the request before its next batch.
    pub async fn cancel_rule_run(&self, id: i64) -> Result<RuleRun> {
        let asked = sqlx::query(
            "UPDATE role_rule_runs SET state = 'cancelling'
             WHERE rule = $1 AND state = 'running' AND heartbeat_at >= $2",
        )
        .bind(id)
        .bind(now_micros() - STALE_AFTER_SECS * SEC)
        .execute(&self.pool)
        .await?
        .rows_affected();
        match self.rule_run(id).await? {
            Some(run) if asked == 1 => Ok(run),
            _ => Err(Error::Conflict(
                "This rule is not being applied; nothing to cancel.".into(),
            )),
        }
    }

    /// Starts "Apply now" of rule `id` in the background and answers at once; follow it
    /// with `rule_run`. Refused while the rule is already being applied.
    pub async fn start_rule_run(&self, actor: &Author, id: i64) -> Result<RuleRun> {
        {
            let mut conn = self.pool.acquire().await?;
            the_rule(&mut conn, id).await?;
        }
        let run = self.begin_run(actor, id).await?;
        let store = self.clone();
        let actor = actor.clone();
        tokio::spawn(async move {
            if let Err(error) = store.run_rule(&actor, id).await {
                tracing::warn!("applying role assignment rule {id} failed: {error}");
                store
                    .end_run(id, RuleRunState::Failed(failure_text(&error)))
                    .await;
            }
        });
        Ok(run)
    }

    /// Claims the run of rule `id` for this process: one statement, so that two starts,
    /// in one process or two, never both run. A run whose process died (its heartbeat
    /// stopped) is no obstacle.
    async fn begin_run(&self, actor: &Author, id: i64) -> Result<RuleRun> {
        let now = now_micros();
        let claimed = sqlx::query(
            "INSERT INTO role_rule_runs (rule, started_at, started_by, state, heartbeat_at)
             VALUES ($1, $2, $3, 'running', $2)
             ON CONFLICT (rule) DO UPDATE SET started_at = $2, started_by = $3,
               finished_at = NULL, total = 0, done = 0, granted = 0, revoked = 0,
               withheld = 0, state = 'running', failure = '', heartbeat_at = $2
             WHERE role_rule_runs.state NOT IN ('running', 'cancelling')
               OR role_rule_runs.heartbeat_at < $4",
        )
        .bind(id)
        .bind(now)
        .bind(&actor.name)
        .bind(now - STALE_AFTER_SECS * SEC)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if claimed != 1 {
            return Err(Error::Conflict(
                "This rule is already being applied; wait for it or cancel it.".into(),
            ));
        }
        self.rule_run(id)
            .await?
            .ok_or_else(|| Error::Internal("the run vanished".into()))
    }

    /// Records how a run ended. A failure to record it is logged: the run's heartbeat stops
    /// anyway, so it reads as interrupted a minute later.
    async fn end_run(&self, id: i64, state: RuleRunState) {
        let (state, failure) = match state {
            RuleRunState::Failed(why) => ("failed", why),
            RuleRunState::Cancelled => ("cancelled", String::new()),
            _ => ("finished", String::new()),
        };
        let ended = sqlx::query(
            "UPDATE role_rule_runs SET state = $1, failure = $2, finished_at = $3,
               heartbeat_at = $3
             WHERE rule = $4",
        )
        .bind(state)
        .bind(failure)
        .bind(now_micros())
        .bind(id)
        .execute(&self.pool)
        .await;
        if let Err(error) = ended {
            tracing::error!(%error, rule = id, "cannot record the end of a rule run");
        }
    }

    /// "Apply now" of rule `id`, waiting for the end (demo data, benchmarks, tests).
    pub async fn apply_role_rule(&self, actor: &Author, id: i64) -> Result<RuleRun> {
        self.begin_run(actor, id).await?;
        if let Err(error) = self.run_rule(actor, id).await {
            self.end_run(id, RuleRunState::Failed(failure_text(&error)))
                .await;
            return Err(error);
        }
        self.rule_run(id)
            .await?
            .ok_or_else(|| Error::Internal("the run vanished".into()))
    }

    async fn run_rule(&self, actor: &Author, id: i64) -> Result<()> {
        let users = {
            let mut conn = self.pool.acquire().await?;
            current_user_ids(&mut conn).await?
        };
        sqlx::query("UPDATE role_rule_runs SET total = $1 WHERE rule = $2")
            .bind(users.len() as i64)
            .bind(id)
            .execute(&self.pool)
            .await?;
        // A batch may take longer than a heartbeat; the beat goes on between and during them.
        let _beating = keep_beating(self, id);
        for batch in users.chunks(APPLY_BATCH) {
            let (state,): (String,) =
                sqlx::query_as("SELECT state FROM role_rule_runs WHERE rule = $1")
                    .bind(id)
                    .fetch_one(&self.pool)
                    .await?;
            if state == "cancelling" {
                self.end_run(id, RuleRunState::Cancelled).await;
                return Ok(());
            }
            let mut tx = self.begin_identity_write().await?;
            // The rule as it is now (an edit during the run applies from the next batch), and
            // its users, held until this batch commits.
            super::locks::take(&mut tx, super::locks::Lock::RoleRule(id)).await?;
            let name = the_rule(&mut tx, id).await?.remove(0).name;
            super::role_rules::lock_users(&mut tx, batch).await?;
            let rules = current_rules(&mut tx, None).await?;
            let changes = plan(&mut tx, &rules, batch, Some(id)).await?;
            let (granted, revoked, withheld) = RuleChange::counts(&changes);
            if granted + revoked > 0 {
                let op = begin_op(&mut tx, actor, "role-rule.apply", &name).await?;
                let changed: Vec<i64> = apply(&mut tx, &op, &rules, &changes)
                    .await?
                    .into_iter()
                    .collect();
                capture(&mut tx, &op, &changed).await?;
                let details = format!(
                    "{granted} granted, {revoked} revoked, {withheld} withheld by segregation \
                     of duties"
                );
                audit(&mut tx, &op, "role-rule.apply", &name, &details).await?;
            }
            // Counted in the batch's own transaction: the progress shown is what committed.
            sqlx::query(
                "UPDATE role_rule_runs SET done = done + $1, granted = granted + $2,
                   revoked = revoked + $3, withheld = withheld + $4, heartbeat_at = $5
                 WHERE rule = $6",
            )
            .bind(batch.len() as i64)
            .bind(granted)
            .bind(revoked)
            .bind(withheld)
            .bind(now_micros())
            .bind(id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        self.end_run(id, RuleRunState::Finished).await;
        Ok(())
    }
}
