//! `server bench --million`: issue 21's "a million users". Seeds a scratch database with
//! `seed_scale` (1M users, 30k groups, 10M memberships, a year; `--quick`: 1/200 of it),
//! then times the console's reads on it through the store functions the server functions
//! call, each on a random user, search term or instant per sample: p50 and p99.
use crate::bench::{ms, verdict, Scratch};
use app::model::*;
use app::store::{ScaleOptions, Store};
use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

/// p50 and p99 of the samples.
fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1;
        ms(samples[i])
    };
    (at(0.50), at(0.99))
}

/// The options for `users` users (the million's proportions), or the preset.
pub fn options(quick: bool, users: Option<i64>) -> ScaleOptions {
    let base = if quick {
        ScaleOptions::quick()
    } else {
        ScaleOptions::million()
    };
    match users {
        Some(users) => ScaleOptions {
            users,
            groups: (users * 3 / 100).max(150),
            memberships: users.saturating_mul(10),
            ..base
        },
        None => base,
    }
}

/// The size of the database on disk, in MiB.
async fn size_mib(store: &Store, sqlite_file: Option<&std::path::Path>) -> f64 {
    let bytes = match sqlite_file {
        Some(path) => ["", "-wal", "-shm"]
            .iter()
            .filter_map(|suffix| {
                std::fs::metadata(format!("{}{suffix}", path.display()))
                    .ok()
                    .map(|m| m.len() as i64)
            })
            .sum(),
        None => sqlx::query_as::<_, (i64,)>("SELECT pg_database_size(current_database())")
            .fetch_one(store.pool())
            .await
            .map(|(b,)| b)
            .unwrap_or(0),
    };
    bytes as f64 / (1024.0 * 1024.0)
}

fn time(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or_default()
}

/// Seeds, measures, and returns the report.
pub async fn run(
    database_url: &str,
    quick: bool,
    users: Option<i64>,
    keep: bool,
) -> Result<String, String> {
    let options = options(quick, users);
    options.check().map_err(|e| e.to_string())?;
    let scratch = Scratch::new(database_url).await?;
    let result = measure(&scratch, &options, quick).await;
    let kept = scratch.drop_database(keep).await;
    result.map(|report| match kept {
        Some(kept) => format!("{report}\n{kept}"),
        None => report,
    })
}

async fn measure(scratch: &Scratch, options: &ScaleOptions, quick: bool) -> Result<String, String> {
    let store = &scratch.store;
    let e = |e: app::store::Error| e.to_string();
    let backend = match store.backend() {
        app::store::Backend::Sqlite => "SQLite",
        app::store::Backend::Postgres => "PostgreSQL",
    };
    let mut out = vec![format!(
        "Rewind at scale on {backend}: {} users, {} groups, {} memberships, {} days",
        options.users, options.groups, options.memberships, options.history_days
    )];
    let started = Instant::now();
    let report = store.seed_scale(options).await.map_err(e)?;
    let seeded = started.elapsed();
    out.push(format!("seeded in {:.1} s: {report}", seeded.as_secs_f64()));
    // As after bulk writes in service: planner statistics, and on PostgreSQL the
    // visibility map autovacuum would set (index-only scans skip the heap only then).
    if store.backend() == app::store::Backend::Postgres {
        let started = Instant::now();
        sqlx::query("VACUUM ANALYZE")
            .execute(store.pool())
            .await
            .map_err(|e| e.to_string())?;
        out.push(format!(
            "VACUUM ANALYZE {:.1} s",
            started.elapsed().as_secs_f64()
        ));
    }
    out.push(format!(
        "database size {:.0} MiB",
        size_mib(store, scratch.sqlite_file().as_deref()).await
    ));

    let runs = if quick { 40 } else { 300 };
    let mut rng = StdRng::seed_from_u64(21);
    let (first, last) = report.user_ids;
    let now = options.now;
    // Live users with their creation instant, for as-of reads within their life.
    let mut live: Vec<(UserId, i64)> = Vec::with_capacity(runs);
    while live.len() < runs {
        let id = UserId(rng.gen_range(first..=last));
        match store.get_user(id, None).await {
            Ok(user) => live.push((id, user.created.at.timestamp_micros())),
            Err(app::store::Error::NotFound(_)) => continue,
            Err(error) => return Err(error.to_string()),
        }
    }
    // Search terms: first names, last names, one user's whole login, digits.
    let mut terms: Vec<String> = Vec::with_capacity(runs);
    for (i, (id, _)) in live.iter().enumerate() {
        let user = store.get_user(*id, None).await.map_err(e)?;
        let a = &user.state.attributes;
        terms.push(match i % 4 {
            0 => a.first_name.to_lowercase(),
            1 => a.last_name.to_lowercase(),
            2 => a.name.clone(),
            _ => format!("{}", rng.gen_range(100..1000)),
        });
    }

    let mut table = Vec::new();
    let mut line = |label: &str, samples: Vec<Duration>, target: Option<f64>| {
        let (p50, p99) = percentiles(samples);
        let verdict = target
            .map(|t| format!(" (target p99 < {t} ms: {})", verdict(p99 < t)))
            .unwrap_or_default();
        table.push(format!(
            "{label}: p50 {p50:.2} ms, p99 {p99:.2} ms{verdict}"
        ));
    };
    let mut timed = Vec::with_capacity(runs);
    let list = |search: String| UserListQuery {
        search,
        sort: UserSort::Name,
        limit: 50,
        ..Default::default()
    };
    for i in 0..runs + 3 {
        let t = Instant::now();
        let page = store.list_users(&list(String::new())).await.map_err(e)?;
        if i >= 3 {
            timed.push(t.elapsed());
        }
        if page.items.is_empty() || page.total < options.users / 2 {
            return Err(format!("the users list shows {} users in all", page.total));
        }
    }
    line(
        "users list, first page and total",
        std::mem::take(&mut timed),
        Some(100.0),
    );
    for i in 0..runs + 3 {
        let term = terms[i % runs].clone();
        let t = Instant::now();
        let page = store.list_users(&list(term.clone())).await.map_err(e)?;
        if i >= 3 {
            timed.push(t.elapsed());
        }
        if i % 4 == 2 && page.total != 1 {
            return Err(format!("the search {term:?} found {} users", page.total));
        }
    }
    line(
        "users search, first page and total",
        std::mem::take(&mut timed),
        Some(100.0),
    );
    for i in 0..runs + 3 {
        let (id, _) = live[i % runs];
        let t = Instant::now();
        store.get_user(id, None).await.map_err(e)?;
        if i >= 3 {
            timed.push(t.elapsed());
        }
    }
    line(
        "user page (get_user)",
        std::mem::take(&mut timed),
        Some(50.0),
    );
    let mut events = 0;
    for i in 0..runs + 3 {
        let (id, _) = live[i % runs];
        let query = TimelineQuery {
            user: id,
            kinds: Vec::new(),
            offset: 0,
            limit: 25,
            before: None,
        };
        let t = Instant::now();
        let page = store.user_timeline(&query).await.map_err(e)?;
        if i >= 3 {
            timed.push(t.elapsed());
            events += page.items.len();
        }
    }
    line(
        &format!(
            "history tab first page (timeline, {:.1} events a page)",
            events as f64 / runs as f64
        ),
        std::mem::take(&mut timed),
        Some(10.0),
    );
    for i in 0..runs + 3 {
        let (id, _) = live[i % runs];
        let t = Instant::now();
        store
            .user_history(id, HistoryKind::Memberships, 0, 50)
            .await
            .map_err(e)?;
        if i >= 3 {
            timed.push(t.elapsed());
        }
    }
    line(
        "memberships history first page (50)",
        std::mem::take(&mut timed),
        Some(10.0),
    );
    for i in 0..runs + 3 {
        let (id, created) = live[i % runs];
        let at = time(rng.gen_range(created..now));
        let t = Instant::now();
        store.get_user(id, Some(at)).await.map_err(e)?;
        if i >= 3 {
            timed.push(t.elapsed());
        }
    }
    line(
        "user as of a random instant",
        std::mem::take(&mut timed),
        Some(50.0),
    );
    let mut groups = 0;
    for i in 0..runs + 3 {
        let at = time(rng.gen_range(report.start + 3_600_000_000..now));
        let t = Instant::now();
        let tree = store.group_tree(Some(at)).await.map_err(e)?;
        if i >= 3 {
            timed.push(t.elapsed());
            groups = groups.max(count_nodes(&tree));
        }
    }
    if groups as i64 != options.groups {
        return Err(format!(
            "the group tree as of an instant holds {groups} groups, not {}",
            options.groups
        ));
    }
    line(
        &format!("group tree as of a random instant ({groups} groups)"),
        std::mem::take(&mut timed),
        None,
    );
    out.extend(table);
    out.push(format!(
        "{runs} samples each; total {:.0} s",
        started.elapsed().as_secs_f64()
    ));
    Ok(out.join("\n"))
}

fn count_nodes(nodes: &[GroupNode]) -> usize {
    nodes.iter().map(|n| 1 + count_nodes(&n.children)).sum()
}
