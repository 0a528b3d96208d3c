//! Restore planning (a preview of exact changes) and execution (one recorded operation).
use super::identity::{audit, current_user, load_state};
use super::restore_apply::apply_item;
use super::snapshots::{capture, capture_new, newest_id, snapshot_row};
use super::temporal::{begin_op, is_current, name_key, Author, Table};
use super::{Error, Result, Store};
use crate::model::*;
use sqlx::AnyConnection;

fn item(
    kind: RestoreItemKind,
    action: RestoreAction,
    description: String,
    blocked: Option<String>,
    change: RestoreChange,
) -> RestoreItem {
    RestoreItem {
        kind,
        action,
        description,
        blocked,
        selected: true,
        change,
    }
}

/// Why a deleted account cannot be re-created, if it cannot.
async fn account_blocker(conn: &mut AnyConnection, a: &AccountState) -> Result<Option<String>> {
    if is_current(conn, Table::Accounts, a.account.0).await? {
        return Ok(None);
    }
    if !is_current(conn, Table::Systems, a.system.0).await? {
        return Ok(Some(format!("the system {:?} was deleted", a.system_name)));
    }
    let taken: Option<(i64,)> = sqlx::query_as(
        "SELECT object_id FROM accounts WHERE system_id = $1 AND name_key = $2 \
         AND valid_to IS NULL AND object_id <> $3",
    )
    .bind(a.system.0)
    .bind(name_key(&a.name))
    .bind(a.account.0)
    .fetch_optional(conn)
    .await?;
    Ok(taken.map(|_| {
        format!(
            "the account name {:?} is now taken in {:?}",
            a.name, a.system_name
        )
    }))
}

async fn role_gone(conn: &mut AnyConnection, g: &GrantState) -> Result<Option<String>> {
    Ok((!is_current(conn, Table::Roles, g.role.0).await?)
        .then(|| format!("the role {:?} was deleted", g.role_name)))
}

/// A grant a role assignment rule made: a restore neither re-adds nor removes it (the rule
/// decides, in the restore's own transaction, from the restored attributes).
fn rule_managed(g: &GrantState) -> Option<String> {
    g.rule
        .as_ref()
        .map(|rule| format!("managed by rule {rule:?}"))
}

/// The same grant apart from who made it (a rule or a hand).
fn same_grant(a: &GrantState, b: &GrantState) -> bool {
    let unmarked = |g: &GrantState| GrantState {
        rule: None,
        ..g.clone()
    };
    unmarked(a) == unmarked(b)
}

fn grant_text(g: &GrantState) -> String {
    if g.scope.is_empty() {
        format!("role {} ({})", g.role_name, g.system_name)
    } else {
        format!("role {} ({}) [{}]", g.role_name, g.system_name, g.scope)
    }
}

/// Attributes in "add missing only" mode: empty fields and absent custom attributes are
/// filled from the snapshot; nothing set is overwritten.
fn fill_missing(current: &UserInput, snap: &UserInput) -> UserInput {
    let mut out = current.clone();
    let fill = |cur: &mut String, old: &String| {
        if cur.trim().is_empty() && !old.trim().is_empty() {
            *cur = old.clone();
        }
    };
    fill(&mut out.first_name, &snap.first_name);
    fill(&mut out.middle_name, &snap.middle_name);
    fill(&mut out.last_name, &snap.last_name);
    fill(&mut out.user_type, &snap.user_type);
    fill(&mut out.home_server, &snap.home_server);
    fill(&mut out.profile_server, &snap.profile_server);
    fill(&mut out.mail_server, &snap.mail_server);
    fill(&mut out.email, &snap.email);
    fill(&mut out.mail_aliases, &snap.mail_aliases);
    fill(&mut out.comments, &snap.comments);
    for c in &snap.custom {
        if !out.custom.iter().any(|o| o.name == c.name) {
            out.custom.push(c.clone());
        }
    }
    out.custom.sort();
    out
}

fn account_core(a: &AccountState) -> AccountState {
    AccountState {
        grants: Vec::new(),
        system_name: String::new(),
        ..a.clone()
    }
}

impl Store {
    /// The exact list of changes that would bring `user` back to `source` (a snapshot or
    /// an instant of the history), as a preview. Items that cannot be applied are included
    /// with `blocked` set to the reason.
    pub async fn plan_restore(
        &self,
        user: UserId,
        source: RestoreSource,
        selection: &RestoreSelection,
        mode: RestoreMode,
    ) -> Result<RestorePlan> {
        let mut conn = self.pool.acquire().await?;
        plan_in(&mut conn, user, source, selection, mode).await
    }

    /// Applies a plan as one recorded operation: new versions, a new snapshot and an audit
    /// line with the plan summary. The sent plan is not trusted: the restore is planned again
    /// from its user, snapshot, selection and mode in the same transaction, and only fresh
    /// items that match an item the operator left selected (and saw unblocked) are applied.
    /// An item that is not part of the fresh plan is refused; one that became impossible
    /// since the preview fails the whole restore. Nothing is ever half-applied.
    pub async fn apply_restore(
        &self,
        actor: &Author,
        sent: &RestorePlan,
    ) -> Result<RestoreOutcome> {
        let mut tx = self.begin_identity_write().await?;
        let fresh = plan_in(&mut tx, sent.user, sent.source, &sent.selection, sent.mode).await?;
        let plan = follow_choices(fresh, sent)?;
        let outcome = apply_planned(&mut tx, actor, &plan).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Plans the restore and applies every applicable item of the plan, in one transaction
    /// (for callers that restore without a preview, such as scripts).
    pub async fn apply_restore_as_planned(
        &self,
        actor: &Author,
        user: UserId,
        source: RestoreSource,
        selection: &RestoreSelection,
        mode: RestoreMode,
    ) -> Result<RestoreOutcome> {
        let mut tx = self.begin_identity_write().await?;
        let plan = plan_in(&mut tx, user, source, selection, mode).await?;
        let outcome = apply_planned(&mut tx, actor, &plan).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Undoes restore `operation` of `user`: brings the user back exactly to the state that
    /// restore replaced, as one new recorded restore. Unless `force`, refused when the user
    /// changed after it (undoing would discard those changes too, and an undone restore is
    /// such a change). Checked, planned and applied in one transaction.
    pub async fn undo_restore(
        &self,
        actor: &Author,
        user: UserId,
        operation: i64,
        force: bool,
    ) -> Result<RestoreOutcome> {
        let mut tx = self.begin_identity_write().await?;
        let point: Option<(i64, i64)> = sqlx::query_as(
            "SELECT user_id, snapshot_id FROM restore_undo_points WHERE operation_id = $1",
        )
        .bind(operation)
        .fetch_optional(&mut *tx)
        .await?;
        let snapshot = match point {
            Some((restored, snapshot)) if restored == user.0 => snapshot,
            Some(_) => {
                return Err(Error::Conflict(format!(
                    "restore {operation} restored another user, not user {}",
                    user.0
                )))
            }
            None => return Err(no_undo_point(&mut tx, operation).await?),
        };
        if !force {
            let latest = super::timeline::latest_operation(&mut tx, user).await?;
            if latest != Some(operation) {
                return Err(Error::Conflict(format!(
                    "user {} changed after restore {operation} (latest change: operation {}); \
                     undoing it would discard that too. Undo with force to do so anyway.",
                    user.0,
                    latest.unwrap_or_default()
                )));
            }
        }
        let source = RestoreSource::Snapshot(snapshot);
        let everything = RestoreSelection::everything();
        let plan = plan_in(&mut tx, user, source, &everything, RestoreMode::Exact)
            .await
            .map_err(|e| match e {
                Error::NotFound(_) => Error::Conflict(format!(
                    "the state user {} had before restore {operation} is no longer kept \
                     (its snapshot was pruned)",
                    user.0
                )),
                other => other,
            })?;
        let outcome = apply_planned(&mut tx, actor, &plan).await?;
        tx.commit().await?;
        Ok(outcome)
    }
}

/// Why `operation` has no undo point: it does not exist, is no restore of a user, or
/// changed nothing.
async fn no_undo_point(conn: &mut AnyConnection, operation: i64) -> Result<Error> {
    let kind: Option<(String,)> = sqlx::query_as("SELECT kind FROM operations WHERE id = $1")
        .bind(operation)
        .fetch_optional(conn)
        .await?;
    Ok(match kind {
        None => Error::NotFound(format!("operation {operation}")),
        Some((kind,)) if kind == "user.restore" => Error::Conflict(format!(
            "restore {operation} changed nothing: there is nothing to undo"
        )),
        Some((kind,)) => Error::Conflict(format!(
            "operation {operation} is a {kind}, not a restore of a user"
        )),
    })
}

/// Applies a plan checked against a fresh one, as one recorded operation: new versions, a new
/// snapshot, an audit line with the plan summary, and the undo point.
async fn apply_planned(
    tx: &mut AnyConnection,
    actor: &Author,
    plan: &RestorePlan,
) -> Result<RestoreOutcome> {
    let user = current_user(tx, plan.user).await?;
    let summary = plan.summary();
    let op = begin_op(tx, actor, "user.restore", &summary).await?;
    // The newest snapshot must hold the state being replaced: it is what "undo" restores.
    capture(tx, &op, &[plan.user.0]).await?;
    let undo_snapshot = newest_id(tx, plan.user.0).await?;
    let mut applied = 0;
    for it in plan
        .items
        .iter()
        .filter(|i| i.selected && i.blocked.is_none())
    {
        apply_item(tx, &op, plan.user, it)
            .await
            .map_err(|e| match e {
                Error::Conflict(why) | Error::NotFound(why) => {
                    Error::Conflict(format!("{}: {why}", it.description))
                }
                other => other,
            })?;
        applied += 1;
    }
    // What the restore gave back must not add up to a forbidden combination, whichever
    // items the operator left out (each was weighed alone in the preview).
    let added: Vec<i64> = plan
        .items
        .iter()
        .filter(|i| i.selected && i.blocked.is_none() && i.action != RestoreAction::Remove)
        .flat_map(|i| match &i.change {
            RestoreChange::Grant(g) | RestoreChange::AccountGrant(_, g) => vec![g.role.0],
            RestoreChange::Account(a) => a.grants.iter().map(|g| g.role.0).collect(),
            _ => Vec::new(),
        })
        .collect();
    super::sod::refuse_forbidden(tx, &[plan.user.0], &added).await?;
    audit(tx, &op, "user.restore", &user.name, &summary).await?;
    capture_new(tx, &op, &[plan.user.0]).await?;
    if let (Some(snapshot), true) = (undo_snapshot, applied > 0) {
        sqlx::query(
            "INSERT INTO restore_undo_points (operation_id, user_id, snapshot_id) \
             VALUES ($1, $2, $3)",
        )
        .bind(op.id)
        .bind(plan.user.0)
        .bind(snapshot)
        .execute(&mut *tx)
        .await?;
    }
    let blocked = plan.items.iter().filter(|i| i.blocked.is_some()).count() as i64;
    Ok(RestoreOutcome {
        applied,
        blocked,
        operation_id: op.id,
        summary,
        undo_snapshot,
    })
}

/// Whether two plan items make the same change (descriptions are derived, so not compared).
fn same_change(a: &RestoreItem, b: &RestoreItem) -> bool {
    a.kind == b.kind && a.action == b.action && a.change == b.change
}

/// The fresh plan with the operator's choices from the sent one: an item is selected when
/// the operator selected the same change and saw it applicable.
fn follow_choices(mut fresh: RestorePlan, sent: &RestorePlan) -> Result<RestorePlan> {
    // Each sent item is matched against every fresh one: more than the fresh plan holds
    // cannot all be part of it, and would only make the matching costly.
    if sent.items.len() > fresh.items.len() {
        return Err(Error::invalid(
            "plan",
            format!(
                "The plan sent has {} items; this restore would now make {} changes. Nothing \
                 was changed. Preview the restore again.",
                sent.items.len(),
                fresh.items.len()
            ),
        ));
    }
    if let Some((n, item)) = sent
        .items
        .iter()
        .enumerate()
        .find(|(_, i)| !fresh.items.iter().any(|f| same_change(f, i)))
    {
        return Err(Error::invalid(
            "plan",
            format!(
                "Item {} ({:?}) is not a change this restore would make now; nothing was \
                 changed. Preview the restore again.",
                n + 1,
                item.description
            ),
        ));
    }
    for f in &mut fresh.items {
        f.selected = sent
            .items
            .iter()
            .any(|i| same_change(i, f) && i.selected && i.blocked.is_none());
        if let (true, Some(why)) = (f.selected, &f.blocked) {
            return Err(Error::Conflict(format!(
                "{}: {why} (since the preview); nothing was changed.",
                f.description
            )));
        }
    }
    Ok(fresh)
}

/// The state a restore goes back to: the snapshot's, or the one recorded at the instant.
async fn source_state(
    conn: &mut AnyConnection,
    user: UserId,
    source: RestoreSource,
) -> Result<UserState> {
    match source {
        RestoreSource::Snapshot(snapshot) => {
            let snap = snapshot_row(&mut *conn, snapshot).await?.snapshot()?;
            if snap.user != user {
                return Err(Error::invalid(
                    "snapshot",
                    "This snapshot belongs to another user.",
                ));
            }
            Ok(snap.state)
        }
        RestoreSource::Instant(at) => {
            if at > chrono::Utc::now() {
                return Err(Error::invalid("at", "The instant is in the future."));
            }
            load_state(&mut *conn, user.0, at.timestamp_micros(), true)
                .await?
                .ok_or_else(|| Error::invalid("at", "The user did not exist at that instant."))
        }
    }
}

/// The restore plan for `user` from `source` (see `Store::plan_restore`).
async fn plan_in(
    conn: &mut AnyConnection,
    user: UserId,
    source: RestoreSource,
    selection: &RestoreSelection,
    mode: RestoreMode,
) -> Result<RestorePlan> {
    let old = source_state(&mut *conn, user, source).await?;
    let Some(now) = load_state(&mut *conn, user.0, i64::MAX, true).await? else {
        return Err(Error::Conflict(
            "The user is deleted; recover the user first, then restore.".into(),
        ));
    };
    let old = &old;
    let exact = mode == RestoreMode::Exact;
    let mut items = Vec::new();

    if selection.attributes {
        let mut target = if exact {
            old.attributes.clone()
        } else {
            fill_missing(&now.attributes, &old.attributes)
        };
        if target.primary_group != now.attributes.primary_group
            && !is_current(&mut *conn, Table::Groups, target.primary_group.0).await?
        {
            items.push(item(
                RestoreItemKind::Attributes,
                RestoreAction::Update,
                format!("set the primary group back to {}", old.primary_group_name),
                Some(format!(
                    "the group {:?} was deleted",
                    old.primary_group_name
                )),
                RestoreChange::Attributes(target.clone()),
            ));
            target.primary_group = now.attributes.primary_group;
        }
        if target != now.attributes {
            let mut probe = now.clone();
            probe.attributes = target.clone();
            if target.primary_group == old.attributes.primary_group {
                probe.primary_group_name = old.primary_group_name.clone();
            }
            let changes: Vec<String> = diff_states(&now, &probe)
                .attributes
                .into_iter()
                .map(|c| {
                    format!(
                        "{}: {:?} → {:?}",
                        attribute_label(&c.name),
                        c.before,
                        c.after
                    )
                })
                .collect();
            let taken: Option<(i64,)> = sqlx::query_as(
                "SELECT object_id FROM users WHERE name_key = $1 AND valid_to IS NULL \
                     AND object_id <> $2",
            )
            .bind(name_key(&target.name))
            .bind(user.0)
            .fetch_optional(&mut *conn)
            .await?;
            items.push(item(
                RestoreItemKind::Attributes,
                RestoreAction::Update,
                format!("change attributes: {}", changes.join("; ")),
                taken.map(|_| format!("the user name {:?} is now taken", target.name)),
                RestoreChange::Attributes(target),
            ));
        }
    }

    if selection.memberships {
        for m in &old.memberships {
            match now.memberships.iter().find(|c| c.group == m.group) {
                None => {
                    let blocked = (!is_current(&mut *conn, Table::Groups, m.group.0).await?)
                        .then(|| format!("the group {:?} was deleted", m.group_name));
                    items.push(item(
                        RestoreItemKind::Membership,
                        RestoreAction::Add,
                        format!("add membership of group {}", m.group_name),
                        blocked,
                        RestoreChange::Membership(m.clone()),
                    ));
                }
                Some(c)
                    if exact
                        && (c.start_date, c.end_date, &c.comments)
                            != (m.start_date, m.end_date, &m.comments) =>
                {
                    items.push(item(
                        RestoreItemKind::Membership,
                        RestoreAction::Update,
                        format!("reset dates and comments of membership in {}", c.group_name),
                        None,
                        RestoreChange::Membership(m.clone()),
                    ));
                }
                Some(_) => {}
            }
        }
        if exact {
            for c in &now.memberships {
                if !old.memberships.iter().any(|m| m.group == c.group) {
                    items.push(item(
                        RestoreItemKind::Membership,
                        RestoreAction::Remove,
                        format!("remove membership of group {}", c.group_name),
                        None,
                        RestoreChange::Membership(c.clone()),
                    ));
                }
            }
        }
    }

    let mut blocked_accounts = Vec::new();
    if selection.accounts {
        for a in &old.accounts {
            let label = format!("account {} in {}", a.name, a.system_name);
            match now.accounts.iter().find(|c| c.account == a.account) {
                None => {
                    let blocked = account_blocker(&mut *conn, a).await?;
                    let live = is_current(&mut *conn, Table::Accounts, a.account.0).await?;
                    if blocked.is_some() {
                        blocked_accounts.push(a.account);
                    }
                    items.push(item(
                        RestoreItemKind::Account,
                        RestoreAction::Add,
                        if live {
                            format!("make the user {} of {label}", a.level)
                        } else {
                            format!("re-create {label} (deleted) owned as {}", a.level)
                        },
                        blocked,
                        RestoreChange::Account(account_core(a)),
                    ));
                }
                Some(c) if exact && account_core(c) != account_core(a) => {
                    let blocked = if c.name != a.name {
                        account_blocker(
                            &mut *conn,
                            &AccountState {
                                account: AccountId(-1),
                                ..a.clone()
                            },
                        )
                        .await?
                    } else {
                        None
                    };
                    items.push(item(
                        RestoreItemKind::Account,
                        RestoreAction::Update,
                        format!("reset {label} to its snapshot attributes"),
                        blocked,
                        RestoreChange::Account(account_core(a)),
                    ));
                }
                Some(_) => {}
            }
        }
        if exact {
            for c in &now.accounts {
                if !old.accounts.iter().any(|a| a.account == c.account) {
                    items.push(item(
                        RestoreItemKind::Account,
                        RestoreAction::Remove,
                        format!("end ownership of account {} in {}", c.name, c.system_name),
                        None,
                        RestoreChange::Account(account_core(c)),
                    ));
                }
            }
        }
    }

    if selection.grants && !old.grants_captured {
        items.push(item(
            RestoreItemKind::Grant,
            RestoreAction::Add,
            "role grants".into(),
            Some("this snapshot was taken with entitlements history off".into()),
            RestoreChange::Grant(GrantState::default()),
        ));
    } else if selection.grants {
        let key = |g: &GrantState| (g.role, g.scope.clone());
        // What the user holds as the grants are put back, for segregation of duties.
        let sod_rules = super::sod::current_sod_rules(&mut *conn).await?;
        let inclusions = super::held_roles::Inclusions::load(&mut *conn).await?;
        let mut held = super::sod::held_roles(&mut *conn, &[user.0])
            .await?
            .remove(&user.0)
            .unwrap_or_default();
        if exact {
            // What an exact restore revokes is not held after it.
            for c in now
                .grants
                .iter()
                .filter(|c| !old.grants.iter().any(|g| key(g) == key(c)))
            {
                if c.rule.is_none() {
                    held.remove(&c.role.0);
                }
            }
        }
        for g in &old.grants {
            match now.grants.iter().find(|c| key(c) == key(g)) {
                None => {
                    let mut blocked = role_gone(&mut *conn, g).await?;
                    if blocked.is_none() {
                        blocked = rule_managed(g);
                    }
                    let added = inclusions.closure(g.role.0);
                    if blocked.is_none() {
                        blocked =
                            super::sod::forbidden_with(&sod_rules, &held, &added).map(|rule| {
                                format!("forbidden by the segregation of duties rule {rule:?}")
                            });
                    }
                    if blocked.is_none() {
                        held.extend(added);
                    }
                    items.push(item(
                        RestoreItemKind::Grant,
                        RestoreAction::Add,
                        format!("grant {}", grant_text(g)),
                        blocked,
                        RestoreChange::Grant(g.clone()),
                    ));
                }
                Some(c) if exact && !same_grant(c, g) => items.push(item(
                    RestoreItemKind::Grant,
                    RestoreAction::Update,
                    format!("reset dates of {}", grant_text(g)),
                    rule_managed(c),
                    RestoreChange::Grant(g.clone()),
                )),
                Some(_) => {}
            }
        }
        if exact {
            for c in &now.grants {
                if !old.grants.iter().any(|g| key(g) == key(c)) {
                    items.push(item(
                        RestoreItemKind::Grant,
                        RestoreAction::Remove,
                        format!("revoke {}", grant_text(c)),
                        rule_managed(c),
                        RestoreChange::Grant(c.clone()),
                    ));
                }
            }
        }
        // Grants of the snapshot's accounts (only where the account is or comes back).
        for a in &old.accounts {
            let current = now.accounts.iter().find(|c| c.account == a.account);
            let account_back = current.is_some() || selection.accounts;
            for g in &a.grants {
                if current.is_some_and(|c| {
                    c.grants
                        .iter()
                        .any(|x| key(x) == key(g) && (!exact || x == g))
                }) {
                    continue;
                }
                let present = current.is_some_and(|c| c.grants.iter().any(|x| key(x) == key(g)));
                let mut blocked = role_gone(&mut *conn, g).await?;
                if blocked.is_none() && blocked_accounts.contains(&a.account) {
                    blocked = Some(format!("the account {:?} cannot be restored", a.name));
                }
                if blocked.is_none() && !account_back {
                    blocked = Some(format!(
                        "the account {:?} is not owned now and accounts are not selected",
                        a.name
                    ));
                }
                items.push(item(
                    RestoreItemKind::AccountGrant,
                    if present {
                        RestoreAction::Update
                    } else {
                        RestoreAction::Add
                    },
                    format!("grant {} to account {}", grant_text(g), a.name),
                    blocked,
                    RestoreChange::AccountGrant(a.account, g.clone()),
                ));
            }
            if exact {
                if let Some(c) = current {
                    for x in &c.grants {
                        if !a.grants.iter().any(|g| key(g) == key(x)) {
                            items.push(item(
                                RestoreItemKind::AccountGrant,
                                RestoreAction::Remove,
                                format!("revoke {} from account {}", grant_text(x), c.name),
                                None,
                                RestoreChange::AccountGrant(c.account, x.clone()),
                            ));
                        }
                    }
                }
            }
        }
    }

    if selection.mail_lists {
        for l in &old.mail_lists {
            if !now.mail_lists.iter().any(|c| c.list == l.list) {
                let blocked = (!is_current(&mut *conn, Table::MailLists, l.list.0).await?)
                    .then(|| format!("the mail list {:?} was deleted", l.name));
                items.push(item(
                    RestoreItemKind::MailList,
                    RestoreAction::Add,
                    format!("add to mail list {}@{}", l.name, l.domain),
                    blocked,
                    RestoreChange::MailList(l.clone()),
                ));
            }
        }
        if exact {
            for c in &now.mail_lists {
                if !old.mail_lists.iter().any(|l| l.list == c.list) {
                    items.push(item(
                        RestoreItemKind::MailList,
                        RestoreAction::Remove,
                        format!("remove from mail list {}@{}", c.name, c.domain),
                        None,
                        RestoreChange::MailList(c.clone()),
                    ));
                }
            }
        }
    }
    if selection.printers {
        for p in &old.printers {
            if !now.printers.iter().any(|c| c.printer == p.printer) {
                let blocked = (!is_current(&mut *conn, Table::Resource("printers"), p.printer)
                    .await?)
                    .then(|| format!("the printer {:?} was deleted", p.name));
                items.push(item(
                    RestoreItemKind::Printer,
                    RestoreAction::Add,
                    format!("assign printer {}", p.title()),
                    blocked,
                    RestoreChange::Printer(p.clone()),
                ));
            }
        }
        if exact {
            for c in &now.printers {
                if !old.printers.iter().any(|p| p.printer == c.printer) {
                    items.push(item(
                        RestoreItemKind::Printer,
                        RestoreAction::Remove,
                        format!("unassign printer {}", c.title()),
                        None,
                        RestoreChange::Printer(c.clone()),
                    ));
                }
            }
        }
    }
    Ok(RestorePlan {
        user,
        source,
        mode,
        items,
        selection: selection.clone(),
    })
}
