//! (h) `server bench`: reads as of instants across the last year against the same read now.
//! The history is one year long, so the instants cover recent, middle and oldest states.
use crate::bench::{median, ms, verdict};
use app::model::*;
use app::store::Store;
use chrono::{DateTime, Utc};
use std::time::{Duration, Instant};

const HOUR: i64 = 3_600_000_000;
const DAY: i64 = 24 * HOUR;

/// How far back each measured instant is, and its label.
const AGES: [(i64, &str); 5] = [
    (HOUR, "1 h"),
    (DAY, "1 d"),
    (30 * DAY, "1 month"),
    (182 * DAY, "6 months"),
    (365 * DAY, "12 months"),
];

/// One read, timed as of `t` (`None`: now).
async fn read(
    store: &Store,
    what: Read,
    user: UserId,
    t: Option<DateTime<Utc>>,
) -> Result<(), String> {
    let e = |e: app::store::Error| e.to_string();
    match what {
        Read::Tree => {
            store.group_tree(t).await.map_err(e)?;
        }
        Read::UsersPage => {
            let query = UserListQuery {
                as_of: t,
                sort: UserSort::Name,
                limit: 50,
                ..Default::default()
            };
            let page = store.list_users(&query).await.map_err(e)?;
            if page.items.is_empty() {
                return Err("the users page as of an instant was empty".into());
            }
        }
        Read::User => {
            store.get_user(user, t).await.map_err(e)?;
        }
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Read {
    Tree,
    UsersPage,
    User,
}

/// For each read, `runs` rounds per instant, each round the past read and the current read
/// one after the other (so load weighs on both); a line per read with the ratios.
pub(crate) async fn measure(
    store: &Store,
    runs: usize,
    user: UserId,
    now: i64,
) -> Result<Vec<String>, String> {
    let mut lines = Vec::new();
    for (what, label) in [
        (Read::Tree, "group tree"),
        (Read::UsersPage, "users list, first page of 50 by name"),
        (Read::User, "one user's full state"),
    ] {
        let mut cells = Vec::new();
        let mut worst: f64 = 0.0;
        let mut current_all: Vec<Duration> = Vec::new();
        for (age, name) in AGES {
            let t = DateTime::from_timestamp_micros(now - age);
            let (mut past, mut current) = (Vec::new(), Vec::new());
            for round in 0..runs + 3 {
                let started = Instant::now();
                read(store, what, user, t).await?;
                let p = started.elapsed();
                let started = Instant::now();
                read(store, what, user, None).await?;
                let c = started.elapsed();
                if round >= 3 {
                    past.push(p);
                    current.push(c);
                }
            }
            current_all.extend(current.iter().copied());
            let (past, current) = (median(past), median(current));
            let ratio = ms(past) / ms(current);
            worst = worst.max(ratio);
            cells.push(format!("{name} {:.2} ms ({ratio:.2}x)", ms(past)));
        }
        lines.push(format!(
            "(h) as of any instant, {label}: now p50 {:.2} ms; {}; worst ratio {worst:.2} \
             (target <= 2: {})",
            ms(median(current_all)),
            cells.join(", "),
            verdict(worst <= 2.0)
        ));
    }
    Ok(lines)
}
