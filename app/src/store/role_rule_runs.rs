//! "Preview changes" and "Apply now" of one role assignment rule. Applying runs over every
//! current user in batches, each batch its own transaction, so a cancelled or failed run
//! leaves every user either settled or untouched, never half-changed.
use super::filter::{bind_all, condition};
use super::identity::{audit, USER_ATTRIBUTES};
use super::role_rules::{
    apply, current_rules, names_by_id, plan, CompiledRule, RuleChange, ROLE_NAMES, USER_NAMES,
};
use super::snapshots::capture;
use super::temporal::{begin_op, Author};
use super::{Error, Result, Store};
use crate::model::*;
use chrono::Utc;
use sqlx::{Any, AnyConnection};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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

/// The latest run of each rule, shared by the requests that start, follow and cancel it.
pub(crate) type RuleRuns = Arc<Mutex<HashMap<i64, RuleRun>>>;

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

    /// The latest "Apply now" of rule `id`, if one ran since the server started.
    pub fn rule_run(&self, id: i64) -> Option<RuleRun> {
        self.rule_runs.lock().ok()?.get(&id).cloned()
    }

    fn update_run(&self, id: i64, change: impl FnOnce(&mut RuleRun)) {
        if let Ok(mut runs) = self.rule_runs.lock() {
            if let Some(run) = runs.get_mut(&id) {
                change(run);
            }
        }
    }

    /// Asks the running "Apply now" of rule `id` to stop after its current batch.
    pub fn cancel_rule_run(&self, id: i64) -> Result<RuleRun> {
        let mut runs = self
            .rule_runs
            .lock()
            .map_err(|_| Error::Internal("rule runs unavailable".into()))?;
        match runs.get_mut(&id) {
            Some(run) if run.running() => {
                run.state = RuleRunState::Cancelling;
                Ok(run.clone())
            }
            _ => Err(Error::Conflict(
                "This rule is not being applied; nothing to cancel.".into(),
            )),
        }
    }

    /// Starts "Apply now" of rule `id` in the background and answers at once; follow it
    /// with `rule_run`. Refused while the rule is already being applied.
    pub async fn start_rule_run(&self, actor: &Author, id: i64) -> Result<RuleRun> {
        // Claimed before anything is awaited, so two starts never both run.
        let run = self.begin_run(actor, id)?;
        let known = match self.pool.acquire().await {
            Ok(mut conn) => the_rule(&mut conn, id).await.map(|_| ()),
            Err(error) => Err(error.into()),
        };
        if let Err(error) = known {
            if let Ok(mut runs) = self.rule_runs.lock() {
                runs.remove(&id);
            }
            return Err(error);
        }
        let store = self.clone();
        let actor = actor.clone();
        tokio::spawn(async move {
            if let Err(error) = store.run_rule(&actor, id).await {
                tracing::warn!("applying role assignment rule {id} failed: {error}");
                store.update_run(id, |run| {
                    run.state = RuleRunState::Failed(failure_text(&error));
                    run.finished_at = Some(Utc::now());
                });
            }
        });
        Ok(run)
    }

    fn begin_run(&self, actor: &Author, id: i64) -> Result<RuleRun> {
        let mut runs = self
            .rule_runs
            .lock()
            .map_err(|_| Error::Internal("rule runs unavailable".into()))?;
        if runs.get(&id).is_some_and(RuleRun::running) {
            return Err(Error::Conflict(
                "This rule is already being applied; wait for it or cancel it.".into(),
            ));
        }
        let run = RuleRun {
            rule: id,
            started_at: Utc::now(),
            started_by: actor.name.clone(),
            finished_at: None,
            total: 0,
            done: 0,
            granted: 0,
            revoked: 0,
            withheld: 0,
            state: RuleRunState::Running,
        };
        runs.insert(id, run.clone());
        Ok(run)
    }

    /// "Apply now" of rule `id`, waiting for the end (demo data, benchmarks, tests).
    pub async fn apply_role_rule(&self, actor: &Author, id: i64) -> Result<RuleRun> {
        self.begin_run(actor, id)?;
        if let Err(error) = self.run_rule(actor, id).await {
            self.update_run(id, |run| {
                run.state = RuleRunState::Failed(failure_text(&error));
                run.finished_at = Some(Utc::now());
            });
            return Err(error);
        }
        self.rule_run(id)
            .ok_or_else(|| Error::Internal("the run vanished".into()))
    }

    async fn run_rule(&self, actor: &Author, id: i64) -> Result<()> {
        let users = {
            let mut conn = self.pool.acquire().await?;
            current_user_ids(&mut conn).await?
        };
        self.update_run(id, |run| run.total = users.len() as i64);
        for batch in users.chunks(APPLY_BATCH) {
            if self
                .rule_run(id)
                .is_some_and(|run| run.state == RuleRunState::Cancelling)
            {
                self.update_run(id, |run| {
                    run.state = RuleRunState::Cancelled;
                    run.finished_at = Some(Utc::now());
                });
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
                tx.commit().await?;
            }
            self.update_run(id, |run| {
                run.done += batch.len() as i64;
                run.granted += granted;
                run.revoked += revoked;
                run.withheld += withheld;
            });
        }
        self.update_run(id, |run| {
            run.state = RuleRunState::Finished;
            run.finished_at = Some(Utc::now());
        });
        Ok(())
    }
}
