//! (i) `server bench`: bulk changes that capture a snapshot for every user they affect: a
//! rename and a move of a group with many members, a role granted to that group, a CSV
//! import of as many users, and the restore of a tenth as many users one by one (as the
//! Backups page does). Each at two sizes, to see whether the cost per user stays the same;
//! while each runs another operator reads (a user page and the users list), and the slowest
//! of those reads is reported with the process's peak memory.
use crate::bench::{ms, verdict};
use app::model::*;
use app::store::{Author, Store};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one bulk change cost.
struct Cost {
    /// The users it changed.
    users: usize,
    took: Duration,
    /// The slowest read another operator made meanwhile.
    slowest_read: Duration,
    reads: usize,
    /// Peak resident memory during the change, above the resident memory before it (MiB).
    peak_mib: f64,
}

/// Resident memory now and its peak since the last reset (KiB), from /proc (Linux only).
fn memory_kib() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// Runs `change` while a reader reads every 10 ms; its time, the slowest read, peak memory.
async fn timed<F, Fut>(
    store: &Store,
    reader: UserId,
    users: usize,
    change: F,
) -> Result<Cost, String>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    // Writing 5 resets the peak resident size (VmHWM) to the current one.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = memory_kib().map(|m| m.0).unwrap_or(0);
    let stop = Arc::new(AtomicBool::new(false));
    let reading = {
        let (store, stop) = (store.clone(), stop.clone());
        tokio::spawn(async move {
            let mut slowest = Duration::ZERO;
            let mut reads = 0;
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                store
                    .get_user(reader, None)
                    .await
                    .map_err(|e| e.to_string())?;
                store
                    .list_users(&UserListQuery {
                        limit: 50,
                        ..Default::default()
                    })
                    .await
                    .map_err(|e| e.to_string())?;
                slowest = slowest.max(started.elapsed());
                reads += 1;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Ok::<_, String>((slowest, reads))
        })
    };
    let started = Instant::now();
    let outcome = change().await;
    let took = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let (slowest_read, reads) = reading.await.map_err(|e| e.to_string())??;
    outcome?;
    let peak = memory_kib().map(|m| m.1).unwrap_or(before);
    Ok(Cost {
        users,
        took,
        slowest_read,
        reads,
        peak_mib: peak.saturating_sub(before) as f64 / 1024.0,
    })
}

/// The bulk changes on `size` members taken from `users` (from `first` on).
async fn changes_of(
    store: &Store,
    users: &[UserId],
    size: usize,
    parent: GroupId,
    reader: UserId,
) -> Result<Vec<(&'static str, Cost)>, String> {
    let e = |e: app::store::Error| e.to_string();
    let a = Author::named("bench");
    let members = &users[..size];
    let name = format!("Bulk {size}");
    let group = store
        .create_group(&a, &group_input(&name, Some(parent)))
        .await
        .map_err(e)?;
    store.bench_memberships(group, members).await.map_err(e)?;
    let before_changes = app::store::now_micros();
    let other = store
        .create_group(&a, &group_input(&format!("{name} elsewhere"), None))
        .await
        .map_err(e)?;
    let system = store
        .create_system(&a, &format!("{name} system"), "")
        .await
        .map_err(e)?;
    let role = store
        .create_role(
            &a,
            &RoleInput {
                system,
                name: format!("{name} role"),
                ..Default::default()
            },
        )
        .await
        .map_err(e)?;
    let mut costs = Vec::new();
    let renamed = format!("{name} renamed");
    let rename = group_input(&renamed, Some(parent));
    let cost = timed(store, reader, size, || async {
        store.update_group(&a, group, &rename).await.map_err(e)
    })
    .await?;
    costs.push(("rename of a group", cost));
    let moved = group_input(&renamed, Some(other));
    let cost = timed(store, reader, size, || async {
        store.update_group(&a, group, &moved).await.map_err(e)
    })
    .await?;
    costs.push((
        "move of the group (a snapshot names groups, not their place: none taken)",
        cost,
    ));
    let grant = GrantInput {
        role,
        grantee: Grantee::Group(group),
        scope: String::new(),
        start_date: None,
        end_date: None,
    };
    let cost = timed(store, reader, size, || async {
        store.grant_role(&a, &grant).await.map(|_| ()).map_err(e)
    })
    .await?;
    costs.push((
        "role granted to the group (group grants are the group's: no snapshot)",
        cost,
    ));
    let mut csv = String::from("User name,First name,Last name,Primary group,Enabled,Email\n");
    for i in 0..size {
        csv.push_str(&format!(
            "bulk{size}.{i},Bulk,User {i},{renamed},yes,bulk{size}.{i}@example.com\n"
        ));
    }
    let request = app::store::ImportRequest {
        kind: ImportKind::Users,
        file: csv.into_bytes(),
        mapping: None,
        apply: true,
    };
    let cost = timed(store, reader, size, || async {
        let outcome = store.import_csv(&a, &request).await.map_err(e)?;
        if outcome.created != size as i64 {
            return Err(format!("the import created {} users", outcome.created));
        }
        Ok(())
    })
    .await?;
    costs.push(("CSV import of new users", cost));
    // The Backups page restores the chosen users one after the other, each planned and
    // applied on its own: here a tenth of the members, back to before their membership.
    let restored = &members[..size / 10];
    let cost = timed(store, reader, restored.len(), || async {
        let source = RestoreSource::Instant(
            chrono::DateTime::from_timestamp_micros(before_changes - 1).unwrap_or_default(),
        );
        for &user in restored {
            let plan = store
                .plan_restore(
                    user,
                    source,
                    &RestoreSelection::everything(),
                    RestoreMode::Exact,
                )
                .await
                .map_err(e)?;
            store.apply_restore(&a, &plan).await.map_err(e)?;
        }
        Ok(())
    })
    .await?;
    costs.push((
        "restore of a tenth of the members, one user at a time",
        cost,
    ));
    Ok(costs)
}

fn group_input(name: &str, parent: Option<GroupId>) -> GroupInput {
    GroupInput {
        name: name.into(),
        parent,
        group_type: "organisation".into(),
        ..Default::default()
    }
}

/// Both sizes; a line per change.
pub(crate) async fn measure(
    store: &Store,
    users: &[UserId],
    large: usize,
    parent: GroupId,
) -> Result<Vec<String>, String> {
    let small = large / 10;
    if users.len() < large + small + 1 {
        return Err("not enough users for the bulk changes".into());
    }
    let reader = users[large + small];
    let at_small = changes_of(store, &users[large..], small, parent, reader).await?;
    let at_large = changes_of(store, users, large, parent, reader).await?;
    let sqlite = store.backend() == app::store::Backend::Sqlite;
    let mut lines = Vec::new();
    for ((what, s), (_, l)) in at_small.iter().zip(&at_large) {
        let (per_small, per_large) = (ms(s.took) / s.users as f64, ms(l.took) / l.users as f64);
        let group_change = what.contains("group");
        let target = if group_change && sqlite {
            format!(
                "{large} under 2 s on SQLite: {}; ",
                verdict(l.took < Duration::from_secs(2))
            )
        } else {
            String::new()
        };
        lines.push(format!(
            "(i) bulk, {what}: {} users {:.0} ms, {} users {:.0} ms ({:.2} ms a user, ratio \
             to the smaller {:.2}); peak memory +{:.0} MiB; other reads while it ran: {} \
             reads, slowest {:.0} ms (target: {target}reads < 100 ms: {})",
            s.users,
            ms(s.took),
            l.users,
            ms(l.took),
            per_large,
            per_large / per_small,
            l.peak_mib,
            l.reads,
            ms(l.slowest_read),
            verdict(l.slowest_read < Duration::from_millis(100))
        ));
    }
    Ok(lines)
}
