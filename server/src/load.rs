//! `server load`: the real server on loopback, driven over HTTP by concurrent operators for a
//! bounded time while a CSV import, a scheduled-style system backup and an Owner-approved
//! restore of that backup run in the same process; then the integrity checks: no 5xx, no
//! acknowledged write lost, every live user's open snapshot equal to the current state
//! (docs/benchmarks.md, "Load").
use app::backup::SystemBackupConfig;
use app::model::*;
use app::state::{AppState, AuthConfig};
use app::store::{Actor, Author, ImportRequest, NewOperator, Store};
use leptos::prelude::LeptosOptions;
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

mod client;
use client::{Answer, Client, Stats};

const PASSWORD: &str = "load test password";

#[derive(Clone, Debug)]
pub struct LoadOptions {
    pub seconds: u64,
    pub operators: usize,
    /// Users of the demo organisation seeded first.
    pub users: i64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            seconds: 60,
            operators: 20,
            users: 2000,
        }
    }
}

/// The printed table and every failed check (none: the run passed).
pub struct LoadReport {
    pub text: String,
    pub failures: Vec<String>,
}

impl LoadReport {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Runs the load on a fresh database: a temporary SQLite file, or the PostgreSQL database of
/// `database_url`, which must be empty (the run leaves its data there).
pub async fn run(database_url: &str, options: &LoadOptions) -> Result<LoadReport, String> {
    let postgres = database_url.starts_with("postgres:") || database_url.starts_with("postgresql:");
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let url = if postgres {
        database_url.to_string()
    } else {
        format!("sqlite://{}", dir.path().join("load.db").display())
    };
    let store = Store::connect(&url)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?
        .with_vault_keys(app::testing::test_vault_keys());
    let empty = store.identity_is_empty().await.map_err(|e| e.to_string())?
        && !store.owner_exists().await.map_err(|e| e.to_string())?;
    if !empty {
        return Err("DATABASE_URL must point at an empty database: the load run seeds it".into());
    }
    let report = run_on(store.clone(), options).await;
    store.close().await;
    report
}

/// Runs the load on `store`, which must be empty.
pub async fn run_on(store: Store, options: &LoadOptions) -> Result<LoadReport, String> {
    // reqwest builds its TLS configuration even for plain HTTP; it takes the process-wide
    // provider (already installed when a test runs this twice).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let load_before = load_average();
    let e = |e: app::store::Error| app::error::AppError::from(e).to_string();
    let started = Instant::now();
    let seeded = store
        .seed_demo(&app::store::SeedOptions::new(options.users, 40, 1))
        .await
        .map_err(e)?;
    let owner = store
        .create_owner(None, "owner", "Load Owner", PASSWORD)
        .await
        .map_err(e)?;
    let mut names = Vec::new();
    for i in 0..=options.operators {
        // The last one runs the restore.
        let username = format!("operator{i:02}");
        let new = NewOperator {
            username: username.clone(),
            display_name: String::new(),
            role: OperatorRole::Admin,
            password: PASSWORD.into(),
        };
        store.add_operator(&owner, new).await.map_err(e)?;
        names.push(username);
    }
    let restorer_name = names.pop().unwrap_or_default();
    let setup = started.elapsed();

    let backups = tempfile::tempdir().map_err(|e| e.to_string())?;
    let state = crate::app_state_with(
        LeptosOptions::builder().output_name("rewind").build(),
        store.clone(),
        AuthConfig::default(),
        SystemBackupConfig {
            dir: backups.path().to_path_buf(),
            ..Default::default()
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let base = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let router = crate::router(state.clone());
    // With the peer address, as `server serve` runs it: sign-in throttling counts by address.
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        })
        .await
    });
    // One after the other: each success gives its attempt back to the address's allowance.
    let mut signed_in = Vec::new();
    for name in &names {
        signed_in.push(Client::login(&base, name).await?);
    }

    let run_time = Duration::from_secs(options.seconds.max(5));
    // Small enough that a short run still has its restore among the operators.
    let import_size = (options.users / 5).clamp(10, 300) as usize;
    let begin = Instant::now();
    let deadline = begin + run_time;
    let mut clients = Vec::new();
    for (i, client) in signed_in.into_iter().enumerate() {
        clients.push(tokio::spawn(operate(client, i as u64, deadline)));
    }
    let background = background(
        &state,
        &owner,
        &base,
        &restorer_name,
        (begin, run_time),
        import_size,
    )
    .await;
    let mut stats = Stats::default();
    let mut acks = Vec::new();
    let mut failures = Vec::new();
    for client in clients {
        match client.await {
            Ok((client_stats, client_acks)) => {
                stats.merge(client_stats);
                acks.extend(client_acks);
            }
            Err(error) => failures.push(format!("an operator stopped: {error}")),
        }
    }
    let elapsed = begin.elapsed();
    let _ = stop.send(());
    let _ = server.await;
    let load_after = load_average();

    failures.extend(background.failures.iter().cloned());
    let totals = stats.totals();
    if totals.server_errors > 0 {
        failures.push(format!(
            "{} responses with status 5xx, e.g. {}",
            totals.server_errors,
            stats.examples.join(" | ")
        ));
    }
    if totals.other_errors > 0 {
        failures.push(format!(
            "{} requests failed without an answer or were refused unexpectedly, e.g. {}",
            totals.other_errors,
            stats.examples.join(" | ")
        ));
    }
    let durable = check_acknowledged(&store, &acks, &background).await?;
    failures.extend(durable.failures.iter().cloned());
    let snapshots = check_snapshots(&store).await?;
    failures.extend(snapshots.failures.iter().cloned());
    let imported = count_imported(&store).await?;
    // The import ran before the backup, so the restore brings back all of it.
    if background.imported && imported != import_size {
        failures.push(format!(
            "{imported} of the {import_size} imported users are live afterwards"
        ));
    }

    let backend = match store.backend() {
        app::store::Backend::Sqlite => "SQLite",
        app::store::Backend::Postgres => "PostgreSQL",
    };
    let mut out = vec![
        format!(
            "Rewind load on {backend}: {} operators for {} s against http on loopback",
            names.len(),
            run_time.as_secs()
        ),
        format!(
            "seeded {} users ({} deleted), {} groups, {} snapshots; setup {:.1} s",
            seeded.users,
            seeded.deleted_users,
            seeded.groups,
            seeded.snapshots,
            setup.as_secs_f64()
        ),
        format!("load average before: {load_before}"),
        String::new(),
    ];
    out.extend(stats.table(elapsed));
    out.push(String::new());
    out.extend(background.lines.iter().cloned());
    out.push(durable.line);
    out.push(snapshots.line);
    out.push(format!("load average after:  {load_after}"));
    out.push(if failures.is_empty() {
        "PASSED: no 5xx, no acknowledged write lost, every open snapshot is current".into()
    } else {
        format!(
            "FAILED ({} checks):\n  {}",
            failures.len(),
            failures.join("\n  ")
        )
    });
    Ok(LoadReport {
        text: out.join("\n"),
        failures,
    })
}

/// The three numbers of /proc/loadavg ("n/a" where there is none).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "n/a".into())
}

/// A write the server acknowledged, with when it was sent and answered.
#[derive(Clone, Debug)]
struct Ack {
    write: Write,
    sent: Instant,
    answered: Instant,
}

#[derive(Clone, Debug)]
enum Write {
    Comment { user: i64, value: String },
    Added { membership: i64 },
    Removed { membership: i64 },
}

/// One operator's loop until `deadline`: the console's everyday mix of reads and writes.
async fn operate(client: Client, seed: u64, deadline: Instant) -> (Stats, Vec<Ack>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut stats, mut acks) = (Stats::default(), Vec::new());
    let mut users: Vec<i64> = Vec::new();
    let mut groups: Vec<i64> = Vec::new();
    let mut mine: Vec<i64> = Vec::new();
    let mut total_users = 50;
    let mut counter = 0u64;
    while Instant::now() < deadline {
        counter += 1;
        let roll = if users.is_empty() {
            0
        } else if groups.is_empty() {
            95
        } else {
            rng.gen_range(0..100)
        };
        match roll {
            0..=24 => {
                let query = UserListQuery {
                    offset: rng.gen_range(0..total_users.max(1)),
                    limit: 50,
                    sort: [UserSort::Name, UserSort::FullName, UserSort::Modified]
                        [rng.gen_range(0..3)],
                    ..Default::default()
                };
                let answer = client
                    .json("list_users", &serde_json::json!({ "query": query }))
                    .await;
                stats.record("list_users", &answer);
                if let Some(page) = answer.json::<Page<UserSummary>>() {
                    total_users = (page.total - 50).max(1);
                    users.extend(page.items.iter().map(|u| u.id.0));
                    if users.len() > 500 {
                        users.drain(..250);
                    }
                }
            }
            25..=44 => {
                let id = users[rng.gen_range(0..users.len())];
                let answer = client
                    .json("get_user", &serde_json::json!({ "id": id, "as_of": null }))
                    .await;
                stats.record("get_user", &answer);
            }
            45..=64 => {
                let id = users[rng.gen_range(0..users.len())];
                let answer = client
                    .json("get_user", &serde_json::json!({ "id": id, "as_of": null }))
                    .await;
                stats.record("get_user", &answer);
                let Some(detail) = answer.json::<UserDetail>() else {
                    continue;
                };
                let mut input = detail.state.attributes;
                input.comments = format!("load {seed}-{counter}");
                let sent = Instant::now();
                let answer = client
                    .json(
                        "update_user",
                        &serde_json::json!({ "id": id, "input": input }),
                    )
                    .await;
                stats.record("update_user", &answer);
                if answer.ok() {
                    acks.push(Ack {
                        write: Write::Comment {
                            user: id,
                            value: input.comments,
                        },
                        sent,
                        answered: Instant::now(),
                    });
                }
            }
            65..=76 => {
                let input = MembershipInput {
                    user: UserId(users[rng.gen_range(0..users.len())]),
                    group: GroupId(groups[rng.gen_range(0..groups.len())]),
                    comments: format!("load {seed}-{counter}"),
                    ..Default::default()
                };
                let sent = Instant::now();
                let answer = client
                    .json("add_membership", &serde_json::json!({ "input": input }))
                    .await;
                stats.record("add_membership", &answer);
                if let (true, Some(id)) = (answer.ok(), answer.json::<MembershipId>()) {
                    mine.push(id.0);
                    acks.push(Ack {
                        write: Write::Added { membership: id.0 },
                        sent,
                        answered: Instant::now(),
                    });
                }
            }
            77..=86 if !mine.is_empty() => {
                let id = mine.swap_remove(rng.gen_range(0..mine.len()));
                let sent = Instant::now();
                let answer = client
                    .form("remove_membership", &[("id", &id.to_string())])
                    .await;
                stats.record("remove_membership", &answer);
                if answer.ok() {
                    acks.push(Ack {
                        write: Write::Removed { membership: id },
                        sent,
                        answered: Instant::now(),
                    });
                }
            }
            77..=96 => {
                let answer = client
                    .json("group_tree", &serde_json::json!({ "as_of": null }))
                    .await;
                stats.record("group_tree", &answer);
                if let Some(tree) = answer.json::<Vec<GroupNode>>() {
                    groups.clear();
                    flatten(&tree, &mut groups);
                }
            }
            _ => {
                let answer = client.get("/files/users.csv").await;
                stats.record("users.csv", &answer);
            }
        }
    }
    (stats, acks)
}

fn flatten(nodes: &[GroupNode], into: &mut Vec<i64>) {
    for node in nodes {
        if !node.disabled {
            into.push(node.id.0);
        }
        flatten(&node.children, into);
    }
}

/// What ran beside the operators, and when the restore made earlier writes fair game.
struct Background {
    lines: Vec<String>,
    failures: Vec<String>,
    imported: bool,
    /// Writes answered before this are in the backup.
    backup_started: Option<Instant>,
    /// Writes sent after this came after the restore's commit.
    restore_done: Option<Instant>,
}

/// The import at 15 % of the run, the backup at 30 %, the restore of that backup from 45 %.
async fn background(
    state: &AppState,
    owner: &Operator,
    base: &str,
    restorer: &str,
    (begin, run_time): (Instant, Duration),
    import_size: usize,
) -> Background {
    let store = &state.store;
    let mut done = Background {
        lines: Vec::new(),
        failures: Vec::new(),
        imported: false,
        backup_started: None,
        restore_done: None,
    };
    let at = |percent: u32| begin + run_time * percent / 100;

    tokio::time::sleep_until(at(15).into()).await;
    let group = store
        .group_tree(None)
        .await
        .ok()
        .and_then(|tree| tree.first().map(|g| g.name.clone()))
        .unwrap_or_default();
    let mut csv = String::from("userName,firstName,lastName,primaryGroup\n");
    for i in 0..import_size {
        csv.push_str(&format!("loadimport{i},Load,Import {i},{group}\n"));
    }
    let started = Instant::now();
    let request = ImportRequest {
        kind: ImportKind::Users,
        file: csv.into_bytes(),
        mapping: None,
        apply: true,
    };
    match store
        .import_csv(&Author::named("load import"), &request)
        .await
    {
        Ok(outcome) if outcome.applied => {
            done.imported = true;
            done.lines.push(format!(
                "CSV import of {} users from {:.1} s: {:.2} s",
                outcome.created,
                (started - begin).as_secs_f64(),
                started.elapsed().as_secs_f64()
            ))
        }
        Ok(outcome) => done
            .failures
            .push(format!("the CSV import was not applied: {outcome:?}")),
        Err(error) => done
            .failures
            .push(format!("the CSV import failed: {error}")),
    }

    tokio::time::sleep_until(at(30).into()).await;
    let started = Instant::now();
    done.backup_started = Some(started);
    let backup = state
        .system_backup
        .run_backup(
            store,
            &Actor::scheduler(),
            BackupKind::Automatic,
            "load test",
        )
        .await;
    let backup = match backup {
        Ok(backup) => {
            done.lines.push(format!(
                "system backup (scheduled kind), {} bytes, from {:.1} s: {:.2} s",
                backup.size_bytes,
                (started - begin).as_secs_f64(),
                started.elapsed().as_secs_f64()
            ));
            backup
        }
        Err(error) => {
            done.failures
                .push(format!("the system backup failed: {error}"));
            return done;
        }
    };

    tokio::time::sleep_until(at(45).into()).await;
    if Instant::now() >= begin + run_time {
        done.failures.push(
            "the restore would start after the operators stopped: run for longer (--seconds)"
                .into(),
        );
        return done;
    }
    match restore(store, owner, base, restorer, backup.id).await {
        Ok((requested, job)) => {
            done.restore_done = Some(Instant::now());
            if job.state == JobState::Succeeded {
                done.lines.push(format!(
                    "system restore of that backup ({} rows), from {:.1} s, request to \
                     finish: {:.2} s",
                    job.rows_done,
                    (requested - begin).as_secs_f64(),
                    requested.elapsed().as_secs_f64()
                ));
            } else {
                done.failures
                    .push(format!("the system restore failed: {:?}", job.error));
            }
        }
        Err(error) => done
            .failures
            .push(format!("the system restore failed: {error}")),
    }
    done
}

/// The restore as an operator does it over HTTP: request, the Owner's code from the inbox, the
/// password again, confirm, then poll the job until it ends.
async fn restore(
    store: &Store,
    owner: &Operator,
    base: &str,
    restorer: &str,
    backup_id: i64,
) -> Result<(Instant, BackupJob), String> {
    let client = Client::login(base, restorer).await?;
    let started = Instant::now();
    let fail =
        |step: &str, answer: &Answer| format!("{step}: {:?} {}", answer.status, answer.text());
    let answer = client
        .form("request_restore", &[("backup_id", &backup_id.to_string())])
        .await;
    let request: RestoreRequest = answer.json().ok_or_else(|| fail("request", &answer))?;
    let inbox = store
        .list_inbox(owner.id)
        .await
        .map_err(|e| e.to_string())?;
    let code = inbox
        .first()
        .and_then(|m| {
            m.body
                .split_whitespace()
                .find(|w| w.len() == 8 && w.chars().all(|c| c.is_ascii_digit()))
        })
        .ok_or("no code in the Owner's inbox")?
        .to_string();
    let answer = client
        .form("confirm_password", &[("password", PASSWORD)])
        .await;
    if !answer.ok() {
        return Err(fail("confirm_password", &answer));
    }
    let answer = client
        .form(
            "confirm_restore",
            &[("request_id", &request.id.to_string()), ("code", &code)],
        )
        .await;
    let mut job: BackupJob = answer.json().ok_or_else(|| fail("confirm", &answer))?;
    while job.state == JobState::Running {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let answer = client
            .form("get_backup_job", &[("id", &job.id.to_string())])
            .await;
        job = answer.json().ok_or_else(|| fail("poll", &answer))?;
    }
    Ok((started, job))
}

struct Check {
    line: String,
    failures: Vec<String>,
}

/// Every acknowledged write must be in the tables' history, except those the restore may have
/// rewound: answered after the backup began and sent before the restore had finished.
async fn check_acknowledged(
    store: &Store,
    acks: &[Ack],
    background: &Background,
) -> Result<Check, String> {
    let e = |e: sqlx::Error| e.to_string();
    let comments: HashSet<(i64, String)> = sqlx::query_as::<_, (i64, String)>(
        "SELECT object_id, comments FROM users WHERE comments LIKE 'load %'",
    )
    .fetch_all(store.pool())
    .await
    .map_err(e)?
    .into_iter()
    .collect();
    let mut memberships: HashMap<i64, bool> = HashMap::new();
    let rows =
        sqlx::query_as::<_, (i64, Option<i64>)>("SELECT object_id, valid_to FROM memberships")
            .fetch_all(store.pool())
            .await
            .map_err(e)?;
    for (id, valid_to) in rows {
        *memberships.entry(id).or_default() |= valid_to.is_none();
    }
    let (mut checked, mut rewindable, mut lost) = (0, 0, Vec::new());
    for ack in acks {
        let before_backup = background.backup_started.is_some_and(|t| ack.answered < t);
        let after_restore = background.restore_done.is_some_and(|t| ack.sent > t);
        let no_restore = background.restore_done.is_none();
        if !(before_backup || after_restore || no_restore) {
            rewindable += 1;
            continue;
        }
        checked += 1;
        let kept = match &ack.write {
            Write::Comment { user, value } => comments.contains(&(*user, value.clone())),
            Write::Added { membership } => memberships.contains_key(membership),
            Write::Removed { membership } => memberships.get(membership) == Some(&false),
        };
        if !kept {
            lost.push(format!("{:?}", ack.write));
        }
    }
    let line = format!(
        "acknowledged writes: {} in all, {checked} checked against history, {} lost; {rewindable} \
         fell between the backup and the end of the restore (may be rewound)",
        acks.len(),
        lost.len()
    );
    let failures = if lost.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "{} acknowledged writes lost, e.g. {}",
            lost.len(),
            lost.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
        )]
    };
    Ok(Check { line, failures })
}

/// Every live user's newest snapshot is open and equals the state read from the tables.
async fn check_snapshots(store: &Store) -> Result<Check, String> {
    let e = |e: app::store::Error| e.to_string();
    let (mut users, mut offset, mut wrong) = (0, 0, Vec::new());
    loop {
        let page = store
            .list_users(&UserListQuery {
                offset,
                limit: 500,
                ..Default::default()
            })
            .await
            .map_err(e)?;
        for user in &page.items {
            users += 1;
            let snapshots = store.list_snapshots(user.id).await.map_err(e)?;
            let current = match snapshots.first() {
                Some(newest) if newest.valid_until.is_none() => {
                    store.get_snapshot(newest.id).await.map_err(e)?.state
                        == store.current_state(user.id).await.map_err(e)?
                }
                _ => false,
            };
            if !current {
                wrong.push(user.name.clone());
            }
        }
        offset += page.items.len() as i64;
        if page.items.is_empty() || offset >= page.total {
            break;
        }
    }
    let line = format!(
        "open snapshots: {users} live users, {} not equal to the current state",
        wrong.len()
    );
    let failures = if wrong.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "{} open snapshots differ from the current state, e.g. {}",
            wrong.len(),
            wrong.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
        )]
    };
    Ok(Check { line, failures })
}

/// How many of the imported users are live now (all, or none when the restore rewound them).
async fn count_imported(store: &Store) -> Result<usize, String> {
    let query = UserListQuery {
        search: "loadimport".into(),
        limit: 1,
        ..Default::default()
    };
    let page = store.list_users(&query).await.map_err(|e| e.to_string())?;
    Ok(page.total as usize)
}
