//! Several server processes on one database behave as one (README, "Running several
//! servers"): real `server` processes on one PostgreSQL database, sharing one backup directory,
//! driven over HTTP. Needs `REWIND_TEST_POSTGRES_URL` (scripts/with-postgres.sh, as `make test`
//! runs it); without it the process test says it is skipped. The scheduler's claim is also
//! proved in process, on either database.
mod bench_fill;
mod common;

use app::backup::{SystemBackupConfig, SystemBackups};
use app::model::{BackupKind, RuleRunState, ScheduleFrequency};
use app::store::{Actor, Store};
use common::backup::database_url;
use common::PASSWORD;
use reqwest::StatusCode;
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Makes the daily schedule due now: its time of day has passed since it was last changed
/// (two days ago), and it never ran.
async fn schedule_due_now(store: &Store) {
    store
        .set_schedule(&Actor::scheduler(), true, ScheduleFrequency::Daily, 0, 0, 7)
        .await
        .unwrap();
    let two_days_ago = chrono::Utc::now().timestamp_micros() - 2 * 86_400 * 1_000_000;
    sqlx::query("UPDATE system_backup_schedule SET updated_at = $1, last_run_at = NULL")
        .bind(two_days_ago)
        .execute(store.pool())
        .await
        .unwrap();
}

async fn automatic_backups(store: &Store) -> Vec<app::model::SystemBackup> {
    let mut backups = store.list_system_backups().await.unwrap();
    backups.retain(|b| b.kind == BackupKind::Automatic);
    backups
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_schedulers_due_at_once_take_one_backup() {
    let store = app::testing::fresh_store().await;
    schedule_due_now(&store).await;
    let dir = tempfile::tempdir().unwrap();
    // Two services as two processes have them: their own in-process locks, one database.
    let service = || {
        Arc::new(SystemBackups::new(SystemBackupConfig {
            dir: dir.path().to_path_buf(),
            ..SystemBackupConfig::default()
        }))
    };
    let (a, b) = (service(), service());
    let (ticked_a, ticked_b) = tokio::join!(a.scheduler_tick(&store), b.scheduler_tick(&store));
    ticked_a.unwrap();
    ticked_b.unwrap();
    assert_eq!(automatic_backups(&store).await.len(), 1);
    // The run is recorded: neither finds it due again.
    a.scheduler_tick(&store).await.unwrap();
    b.scheduler_tick(&store).await.unwrap();
    assert_eq!(automatic_backups(&store).await.len(), 1);
}

#[tokio::test]
async fn only_backups_whose_writer_stopped_beating_are_marked_interrupted() {
    use app::model::BackupStatus::{Failed, Running};
    let store = app::testing::fresh_store().await;
    let dir = tempfile::tempdir().unwrap();
    let service = SystemBackups::new(SystemBackupConfig {
        dir: dir.path().to_path_buf(),
        ..SystemBackupConfig::default()
    });
    let mut ids = Vec::new();
    for label in ["fresh", "silent", "beating"] {
        let id = store
            .insert_system_backup(&Actor::scheduler(), BackupKind::Manual, label, label)
            .await
            .unwrap();
        ids.push(id);
    }
    let (fresh, silent, beating) = (ids[0], ids[1], ids[2]);
    // Started two minutes ago; one beat since, the other not.
    sqlx::query("UPDATE system_backups SET created_at = created_at - 120000000 WHERE id <> $1")
        .bind(fresh)
        .execute(store.pool())
        .await
        .unwrap();
    store.touch_system_backup(beating).await.unwrap();
    let status = async |id| store.system_backup(id).await.unwrap().0.status;
    service.recover_interrupted(&store, false).await.unwrap();
    let postgres = store.backend() == app::store::Backend::Postgres;
    // On PostgreSQL another live process may be writing them: only the silent one stopped.
    // SQLite has one process, and what runs while it runs is its own.
    let silent_now = if postgres { Failed } else { Running };
    assert_eq!(
        (
            status(fresh).await,
            status(silent).await,
            status(beating).await
        ),
        (Running, silent_now, Running)
    );
    // A SQLite server starting takes everything running for interrupted.
    service.recover_interrupted(&store, true).await.unwrap();
    let left = if postgres { Running } else { Failed };
    assert_eq!((status(fresh).await, status(beating).await), (left, left));
}

/// Says a PostgreSQL-only test is skipped, past the test harness's capture: a skip must be
/// seen, not pass silently. True when it is.
fn skipped_without_postgres(test: &str) -> bool {
    if std::env::var("REWIND_TEST_POSTGRES_URL").is_ok_and(|url| !url.is_empty()) {
        return false;
    }
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: it needs PostgreSQL (REWIND_TEST_POSTGRES_URL). Run it with \
         scripts/with-postgres.sh, as make test does."
    );
    true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rule_run_on_one_process_is_seen_refused_and_cancelled_through_another() {
    if skipped_without_postgres(
        "a_rule_run_on_one_process_is_seen_refused_and_cancelled_through_another",
    ) {
        return;
    }
    let store = app::testing::fresh_store().await;
    // Another process: its own connection pool and memory, the same database.
    let other = Store::connect(&database_url(&store).await).await.unwrap();
    // Three batches of "Apply now" (500 users each).
    bench_fill::seed(&store, bench_fill::Sizes::new(1200, 0), "rule runs").await;
    let author = app::store::Author::named("olivia");
    let system = store
        .create_system(&author, "Rule roles", "")
        .await
        .unwrap();
    store
        .create_role(
            &author,
            &app::model::RoleInput {
                system,
                name: "Staff".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let rule = store
        .create_resource(
            &author,
            &app::model::kinds::ROLE_RULES,
            &app::model::ResourceInput {
                values: vec![
                    "Internal staff".into(),
                    String::new(),
                    r#"userType eq "internal" and enabled eq true"#.into(),
                    "Staff@Rule roles".into(),
                ],
            },
        )
        .await
        .unwrap();
    // The first batch waits to write its grants until this transaction ends.
    let mut held = store.pool().begin().await.unwrap();
    sqlx::query("LOCK TABLE grants IN SHARE MODE")
        .execute(&mut *held)
        .await
        .unwrap();
    let started = store.start_rule_run(&author, rule).await.unwrap();
    assert!(started.running());
    let seen = other.rule_run(rule).await.unwrap().expect("the run");
    assert_eq!(seen.state, RuleRunState::Running);
    let refused = other.start_rule_run(&author, rule).await.unwrap_err();
    assert!(
        refused.to_string().contains("already being applied"),
        "{refused}"
    );
    let cancelling = other.cancel_rule_run(rule).await.unwrap();
    assert_eq!(cancelling.state, RuleRunState::Cancelling);
    held.rollback().await.unwrap();
    let run = loop {
        let run = store.rule_run(rule).await.unwrap().unwrap();
        if !run.running() {
            break run;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // The batch under way when the cancel came finished; the next never started.
    assert_eq!(run.state, RuleRunState::Cancelled, "{run:?}");
    assert_eq!((run.total, run.done), (1200, 500));
    other.close().await;
    store.close().await;
}

/// One `server serve` process on the shared database and backup directory.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(work: &Path, database_url: &str, vault_key: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_server"))
            .arg("serve")
            .current_dir(work)
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_OUTPUT_NAME", "rewind")
            .env("REWIND_BACKUP_DIR", work.join("shared-backups"))
            .env("REWIND_VAULT_KEY", vault_key)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the server binary");
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    async fn wait_until_healthy(&mut self) {
        let started = Instant::now();
        loop {
            if let Ok(reply) = reqwest::get(format!("{}/healthz", self.base)).await {
                if reply.status() == StatusCode::OK {
                    return;
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the server at {} exited: {status}", self.base);
            }
            assert!(started.elapsed() < Duration::from_secs(30), "no answer");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Like a process that crashes or is killed by the system: no shutdown of any kind.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A signed-in operator's calls, to whichever server is named.
struct Operator {
    http: reqwest::Client,
    cookie: String,
}

struct Reply {
    status: StatusCode,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl Operator {
    async fn sign_in(server: &Server, username: &str) -> Self {
        let http = reqwest::Client::new();
        let reply = http
            .post(format!("{}/api/login", server.base))
            .header(reqwest::header::ORIGIN, &server.base)
            .form(&[("username", username), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        let cookie = reply
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("rewind_session=") && !v.starts_with("rewind_session=;"))
            .and_then(|v| v.split(';').next())
            .map(str::to_string)
            .unwrap_or_else(|| panic!("{username} could not sign in: {}", reply.status()));
        Self { http, cookie }
    }

    /// A server function, as the hydrated console calls it.
    async fn call(&self, server: &Server, function: &str, form: &[(&str, &str)]) -> Reply {
        let reply = self
            .http
            .post(format!("{}/api/{function}", server.base))
            .header(reqwest::header::ORIGIN, &server.base)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::COOKIE, &self.cookie)
            .form(form)
            .send()
            .await
            .unwrap();
        Reply {
            status: reply.status(),
            body: reply.bytes().await.unwrap().to_vec(),
        }
    }

    async fn ok(&self, server: &Server, function: &str, form: &[(&str, &str)]) -> Value {
        let reply = self.call(server, function, form).await;
        assert_eq!(reply.status, StatusCode::OK, "{function}: {}", reply.text());
        reply.json()
    }

    async fn get(&self, server: &Server, path: &str) -> Reply {
        let reply = self
            .http
            .get(format!("{}{path}", server.base))
            .header(reqwest::header::COOKIE, &self.cookie)
            .send()
            .await
            .unwrap();
        Reply {
            status: reply.status(),
            body: reply.bytes().await.unwrap().to_vec(),
        }
    }

    /// Polls a job on `server` until it is no longer running.
    async fn wait_for_job(&self, server: &Server, id: i64) -> Value {
        let started = Instant::now();
        loop {
            let job = self
                .ok(server, "get_backup_job", &[("id", &id.to_string())])
                .await;
            if job["state"] != "running" {
                return job;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "{job}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Asks for a restore of `backup` on `server`; the code is read from the Owner's inbox on
    /// `inbox_on`.
    async fn request_restore(
        &self,
        server: &Server,
        inbox_on: &Server,
        backup: i64,
    ) -> (i64, String) {
        let request = self
            .ok(
                server,
                "request_restore",
                &[("backup_id", &backup.to_string())],
            )
            .await;
        let id = request["id"].as_i64().unwrap();
        let inbox = self.ok(inbox_on, "list_inbox", &[]).await;
        let message = inbox
            .as_array()
            .unwrap()
            .iter()
            .find(|m| {
                let body = m["body"].as_str().unwrap();
                body.contains(&format!("backup #{backup} "))
                    || body.contains(&format!("backup #{backup} of"))
            })
            .unwrap_or_else(|| panic!("no code for backup {backup} in {inbox}"));
        let code = message["body"]
            .as_str()
            .unwrap()
            .split(|c: char| !c.is_ascii_digit())
            .find(|word| word.len() == 8)
            .expect("an 8-digit code")
            .to_string();
        (id, code)
    }
}

async fn wait_until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "waited for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn maintenance_open(store: &Store) -> bool {
    let (open,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM system_maintenance")
        .fetch_one(store.pool())
        .await
        .unwrap();
    open > 0
}

/// Keeps the restore from finishing (PostgreSQL): it waits for every identity table's
/// exclusive lock, and this transaction holds a share of one until it ends.
async fn hold_a_restore(store: &Store) -> sqlx::Transaction<'static, sqlx::Any> {
    let mut tx = store.pool().begin().await.unwrap();
    sqlx::query("LOCK TABLE users IN ACCESS SHARE MODE")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_server_processes_on_one_postgresql_database_behave_as_one() {
    if skipped_without_postgres("two_server_processes_on_one_postgresql_database_behave_as_one") {
        return;
    }
    // reqwest takes the process-wide TLS provider, even for plain HTTP.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let store = app::testing::fresh_store().await;
    let url = database_url(&store).await;
    store
        .create_owner(None, "olivia", "Olivia Owner", PASSWORD)
        .await
        .unwrap();
    // Due before either process starts: both find it due at their first look.
    schedule_due_now(&store).await;
    let work = tempfile::tempdir().unwrap();
    let vault_key = format!(
        "{:032x}{:032x}",
        rand::random::<u128>(),
        rand::random::<u128>()
    );
    let (mut a, mut b) = (
        Server::start(work.path(), &url, &vault_key),
        Server::start(work.path(), &url, &vault_key),
    );
    a.wait_until_healthy().await;
    b.wait_until_healthy().await;

    // A session from signing in on A is valid on B.
    let owner = Operator::sign_in(&a, "olivia").await;
    owner.ok(&b, "list_system_backups", &[]).await;

    // The scheduled backup ran once, though both processes found it due.
    wait_until("the scheduled backup", async || {
        automatic_backups(&store)
            .await
            .iter()
            .any(|b| b.status == app::model::BackupStatus::Ready)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let automatic = automatic_backups(&store).await;
    assert_eq!(automatic.len(), 1, "{automatic:?}");
    let automatic = automatic[0].id;

    // A backup started on A is followed and downloaded on B.
    let job = owner
        .ok(&a, "create_system_backup", &[("label", "made on A")])
        .await;
    let job = owner.wait_for_job(&b, job["id"].as_i64().unwrap()).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    let manual = job["backup_id"].as_i64().unwrap();
    let download = owner
        .get(&b, &format!("/files/system-backups/{manual}"))
        .await;
    assert_eq!(download.status, StatusCode::OK, "{}", download.text());
    let (listed, _) = store.system_backup(manual).await.unwrap();
    assert_eq!(download.body.len() as i64, listed.size_bytes);
    assert_eq!(&download.body[..2], &[0x1f, 0x8b], "a gzip archive");

    // A restore requested on A is approved on B, and runs there.
    let held = hold_a_restore(&store).await;
    let (first, code) = owner.request_restore(&a, &b, manual).await;
    let restore = owner
        .ok(
            &b,
            "confirm_restore",
            &[("request_id", &first.to_string()), ("code", &code)],
        )
        .await;
    let restore = restore["id"].as_i64().unwrap();
    wait_until("the maintenance window", async || {
        maintenance_open(&store).await
    })
    .await;
    // While it runs on B, a second restore through A is refused, its code not spent; so is
    // a backup.
    let (second, second_code) = owner.request_restore(&b, &a, automatic).await;
    let refused = owner
        .call(
            &a,
            "confirm_restore",
            &[("request_id", &second.to_string()), ("code", &second_code)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
    assert!(
        refused.text().contains("Another restore"),
        "{}",
        refused.text()
    );
    let refused = owner
        .call(&a, "create_system_backup", &[("label", "during")])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
    // A process starting meanwhile leaves the live restore's maintenance window open.
    let mut c = Server::start(work.path(), &url, &vault_key);
    c.wait_until_healthy().await;
    assert!(maintenance_open(&store).await);
    let running = owner
        .ok(&a, "get_backup_job", &[("id", &restore.to_string())])
        .await;
    assert_eq!(running["state"], "running", "{running}");
    held.rollback().await.unwrap();
    let done = owner.wait_for_job(&a, restore).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert!(!maintenance_open(&store).await);

    // A restore whose process is killed leaves its window behind; the next process to start
    // clears it, since no live restore holds it.
    let held = hold_a_restore(&store).await;
    owner
        .ok(
            &c,
            "confirm_restore",
            &[("request_id", &second.to_string()), ("code", &second_code)],
        )
        .await;
    wait_until("the maintenance window", async || {
        maintenance_open(&store).await
    })
    .await;
    c.kill();
    wait_until(
        "PostgreSQL to end the killed process's sessions",
        async || {
            let (held,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
             WHERE l.locktype = 'advisory' AND d.datname = current_database()",
            )
            .fetch_one(store.pool())
            .await
            .unwrap();
            held == 0
        },
    )
    .await;
    assert!(maintenance_open(&store).await);
    let mut d = Server::start(work.path(), &url, &vault_key);
    d.wait_until_healthy().await;
    assert!(!maintenance_open(&store).await);
    held.rollback().await.unwrap();
    drop((a, b, d));
    store.close().await;
}
