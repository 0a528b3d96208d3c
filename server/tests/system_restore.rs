//! Restores that must work beyond the happy path, on SQLite or (with REWIND_TEST_POSTGRES_URL)
//! PostgreSQL: onto a brand-new installation with other operators, from backups that carry
//! console data or lack a table, and the limits on restore approval (rate, file hash).
mod common;
use app::backup::engine::{self, ExportOptions, Progress, RestoreReport};
use app::backup::{classify, BackupTables, SystemBackupConfig, TableClass};
use app::backup::{CONSOLE_TABLES, IDENTITY_TABLES};
use app::model::{
    BackupJob, BackupKind, JobState, Operator, OperatorRole, UserId, UserInput,
    RESTORE_CODE_TTL_SECS, RESTORE_REQUESTS_PER_HOUR,
};
use app::state::{AppState, AuthConfig};
use app::store::{Actor, Author, Backend, NewOperator, Store};
use axum::http::StatusCode;
use common::backup::{rewrite_archive, seed_identity};
use common::PASSWORD;
use leptos::prelude::LeptosOptions;
use std::path::PathBuf;

const COLUMNS: &str = "users.columns";

/// One installation: its own database, backup directory and operators.
struct Installation {
    state: AppState,
    store: Store,
    owner: Operator,
    others: Vec<Operator>,
    _dir: tempfile::TempDir,
}

/// A fresh installation whose Owner is `owner`, with `others` as Admins. `skip_ids` operator
/// ids are used up first, so its operators have ids another installation's do not.
async fn installation(owner: &str, others: &[&str], skip_ids: i64) -> Installation {
    let store = app::testing::fresh_store().await;
    let dir = tempfile::tempdir().unwrap();
    let state = server::app_state_with(
        LeptosOptions::builder().output_name("rewind").build(),
        store.clone(),
        AuthConfig::default(),
        SystemBackupConfig {
            dir: dir.path().join("backups"),
            ..SystemBackupConfig::default()
        },
    );
    for i in 0..skip_ids {
        sqlx::query(
            "INSERT INTO operators (username, username_key, display_name, role, password_hash,
               created_at, updated_at) VALUES ($1, $1, '', 'admin', 'x', 0, 0)",
        )
        .bind(format!("gone{i}"))
        .execute(store.pool())
        .await
        .unwrap();
    }
    sqlx::query("DELETE FROM operators")
        .execute(store.pool())
        .await
        .unwrap();
    let owner = store.create_owner(None, owner, "", PASSWORD).await.unwrap();
    let mut added = Vec::new();
    for name in others {
        let operator = store
            .add_operator(
                &owner,
                NewOperator {
                    username: name.to_string(),
                    display_name: String::new(),
                    role: OperatorRole::Admin,
                    password: PASSWORD.into(),
                },
            )
            .await
            .unwrap();
        added.push(operator);
    }
    Installation {
        state,
        store,
        owner,
        others: added,
        _dir: dir,
    }
}

impl Installation {
    fn actor(&self) -> Actor {
        (&self.owner).into()
    }

    async fn backup_file(&self, id: i64) -> PathBuf {
        let (_, file_name) = self.store.system_backup(id).await.unwrap();
        self.state.system_backup.config().dir.join(file_name)
    }

    /// Takes a server-side backup and returns its file.
    async fn take_backup(&self) -> PathBuf {
        let backup = self
            .state
            .system_backup
            .run_backup(&self.store, &self.actor(), BackupKind::Manual, "")
            .await
            .unwrap();
        self.backup_file(backup.id).await
    }

    /// Imports `file` (as an uploaded backup) and restores it, as the Owner.
    async fn import_and_restore(&self, file: &std::path::Path) -> RestoreReport {
        let validation = self
            .state
            .system_backup
            .import(&self.store, &self.actor(), file, None)
            .await
            .unwrap();
        let backup_id = self
            .state
            .system_backup
            .import_checked(&self.store, &self.actor(), &validation.upload)
            .await
            .unwrap();
        self.state
            .system_backup
            .restore_backup(&self.store, &self.actor(), backup_id, &Progress::default())
            .await
            .unwrap()
    }

    async fn identity_rows(&self) -> common::backup::Rows {
        engine::table_rows(&self.store, &BackupTables::default())
            .await
            .unwrap()
    }

    async fn preferences(&self) -> Vec<(i64, String, String)> {
        sqlx::query_as(
            "SELECT operator_id, name, value FROM operator_preferences ORDER BY operator_id, name",
        )
        .fetch_all(self.store.pool())
        .await
        .unwrap()
    }

    async fn create_user(&self, name: &str) -> UserId {
        let author = Author::operator(&self.owner);
        let group = self.store.group_tree(None).await.unwrap()[0].id;
        let input = UserInput {
            name: name.into(),
            primary_group: group,
            ..Default::default()
        };
        self.store.create_user(&author, &input).await.unwrap()
    }
}

/// A source with three operators (ids 1 to 3), each with column preferences, and identity
/// data with history and snapshots.
async fn source_installation() -> Installation {
    let source = installation("olivia", &["adam", "audrey"], 0).await;
    seed_identity(&source.store, &source.owner).await;
    for (i, operator) in std::iter::once(&source.owner)
        .chain(&source.others)
        .enumerate()
    {
        source
            .store
            .set_preference(operator.id, COLUMNS, &format!("name,email,{i}"))
            .await
            .unwrap();
    }
    source
}

/// Restores a backup of `source_installation` onto a new installation whose only operator,
/// its Owner, has an id after `skip_ids` unused ones; checks the identity data arrives and
/// the target's operators and preferences stay as they were.
async fn restore_onto_a_new_installation(skip_ids: i64) {
    let source = source_installation().await;
    let file = source.take_backup().await;
    let expected = source.identity_rows().await;

    let target = installation("tess", &[], skip_ids).await;
    assert_eq!(target.owner.id.0, skip_ids + 1);
    target
        .store
        .set_preference(target.owner.id, COLUMNS, "name")
        .await
        .unwrap();
    let operators = target.store.list_operators().await.unwrap();
    let preferences = target.preferences().await;

    let report = target.import_and_restore(&file).await;
    assert!(
        report.ignored_tables.is_empty() && report.missing_tables.is_empty(),
        "{:?}",
        report.notes()
    );
    assert_eq!(target.identity_rows().await, expected);
    assert_eq!(target.store.list_operators().await.unwrap(), operators);
    assert_eq!(target.preferences().await, preferences);
    // The restored store takes changes, with snapshots, under the target's own Owner.
    let user = target.create_user("after.restore").await;
    assert!(!target.store.list_snapshots(user).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_backup_restores_onto_a_new_installation_with_only_an_owner_of_id_1() {
    restore_onto_a_new_installation(0).await;
}

#[tokio::test]
async fn a_backup_restores_onto_a_new_installation_whose_operator_ids_are_higher() {
    restore_onto_a_new_installation(10).await;
}

#[tokio::test]
async fn a_backup_carries_no_console_table() {
    let source = source_installation().await;
    let backup = source
        .state
        .system_backup
        .run_backup(&source.store, &source.actor(), BackupKind::Manual, "")
        .await
        .unwrap();
    let mut names: Vec<_> = backup.tables.iter().map(|t| t.table.as_str()).collect();
    names.sort();
    // The listed identity tables and those of the declared resource kinds.
    let mut identity = IDENTITY_TABLES.to_vec();
    identity.extend(app::model::kinds::ALL.iter().map(|k| k.table));
    identity.sort();
    identity.dedup();
    assert_eq!(names, identity);
}

#[tokio::test]
async fn an_old_backup_carrying_operator_preferences_restores_and_reports_them_ignored() {
    let source = source_installation().await;
    let work = tempfile::tempdir().unwrap();
    // Written as versions before the explicit table lists did: preferences included.
    let file = work.path().join("old.rewind.tar.gz");
    engine::export(
        &source.store,
        &file,
        ExportOptions {
            created_by: "olivia",
            label: "old",
            passphrase: None,
            tables: &BackupTables::with_extra(&["operator_preferences"]),
        },
        &Progress::default(),
    )
    .await
    .unwrap();
    let expected = source.identity_rows().await;

    let target = installation("tess", &["tom"], 10).await;
    let preferences = target.preferences().await;
    let validation = target
        .state
        .system_backup
        .import(&target.store, &target.actor(), &file, None)
        .await
        .unwrap();
    assert!(validation
        .tables
        .iter()
        .any(|t| t.table == "operator_preferences"));
    // The whole approval path, so the job reports what was ignored.
    let backup_id = target
        .state
        .system_backup
        .import_checked(&target.store, &target.actor(), &validation.upload)
        .await
        .unwrap();
    let admin = &target.others[0];
    let request = target
        .state
        .system_backup
        .request_restore(&target.store, admin, backup_id)
        .await
        .unwrap();
    let code = owner_code(&target).await;
    let job = target
        .state
        .system_backup
        .confirm_restore(&target.store, admin, request.id, &code)
        .await
        .unwrap();
    let done = wait_for(&target, &job).await;
    assert_eq!(done.state, JobState::Succeeded, "{:?}", done.error);
    assert!(
        done.notes
            .iter()
            .any(|n| n.contains("operator_preferences")),
        "{:?}",
        done.notes
    );
    assert_eq!(target.identity_rows().await, expected);
    assert_eq!(target.preferences().await, preferences);
    let audit = target.store.list_audit(50).await.unwrap();
    let restore = audit
        .iter()
        .find(|e| e.action == "system-backup.restore" && e.outcome == "ok")
        .expect("restore audited");
    assert!(
        restore.details.contains("operator_preferences"),
        "{}",
        restore.details
    );
}

#[tokio::test]
async fn a_restore_on_the_same_server_keeps_the_operators_current_preferences() {
    let source = source_installation().await;
    let file = source.take_backup().await;
    source
        .store
        .set_preference(source.owner.id, COLUMNS, "email")
        .await
        .unwrap();
    let preferences = source.preferences().await;
    source.import_and_restore(&file).await;
    assert_eq!(source.preferences().await, preferences);
    assert_eq!(
        source
            .store
            .preference(source.owner.id, COLUMNS)
            .await
            .unwrap()
            .as_deref(),
        Some("email")
    );
}

#[tokio::test]
async fn every_table_of_a_migrated_database_is_either_identity_or_console() {
    for table in IDENTITY_TABLES {
        assert!(!CONSOLE_TABLES.contains(table), "{table} is in both lists");
    }
    let store = app::testing::fresh_store().await;
    let mut conn = store.pool().acquire().await.unwrap();
    let names = app::backup::schema::table_names(&mut conn, store.backend())
        .await
        .unwrap();
    let unclassified: Vec<_> = names
        .iter()
        .filter(|name| classify(name) == TableClass::Unclassified)
        .collect();
    assert!(
        unclassified.is_empty(),
        "tables in neither IDENTITY_TABLES nor CONSOLE_TABLES (app/src/backup/tables.rs): \
         {unclassified:?}"
    );
    // And the lists name no table the schema does not have.
    for table in IDENTITY_TABLES.iter().chain(CONSOLE_TABLES) {
        assert!(names.iter().any(|n| n == table), "{table} does not exist");
    }
    if store.backend() == Backend::Sqlite {
        assert!(names
            .iter()
            .any(|n| classify(n) == TableClass::Derived && n.starts_with("users_search_")));
    }
}

// ------------------------------------------------------- a backup that lacks a table

#[tokio::test]
async fn a_backup_without_snapshot_settings_restores_them_as_defaults_and_snapshots_go_on() {
    let source = source_installation().await;
    let file = source.take_backup().await;
    let work = tempfile::tempdir().unwrap();
    let older = work.path().join("older.rewind.tar.gz");
    rewrite_archive(
        &file,
        &older,
        |manifest| {
            manifest["tables"]
                .as_array_mut()
                .unwrap()
                .retain(|t| t["name"] != "snapshot_config");
        },
        |path| path != "tables/snapshot_config.jsonl",
    );
    let report = source.import_and_restore(&older).await;
    assert_eq!(report.missing_tables, ["snapshot_config"]);
    assert_eq!(report.defaulted_rows, ["snapshot_config"]);
    assert!(
        report.notes().iter().any(|n| n.contains("snapshot_config")),
        "{:?}",
        report.notes()
    );
    let config = source.store.snapshot_config().await.unwrap();
    assert_eq!((config.min_delay_secs, config.keep_count), (3600, 50));
    // Capture reads the settings on every change: a new user gets its snapshot.
    let user = source.create_user("after.restore").await;
    assert_eq!(source.store.list_snapshots(user).await.unwrap().len(), 1);
    let audit = source.store.list_audit(20).await.unwrap();
    assert!(audit
        .iter()
        .any(|e| e.action == "system-backup.restore" && e.details.contains("snapshot_config")));
}

// ------------------------------------------------------- restore approval

/// The code in the Owner's newest inbox message.
async fn owner_code(at: &Installation) -> String {
    let messages = at.store.list_inbox(at.owner.id).await.unwrap();
    messages[0]
        .body
        .split_whitespace()
        .find(|word| word.len() == 8 && word.chars().all(|c| c.is_ascii_digit()))
        .expect("an 8-digit code")
        .to_string()
}

async fn wait_for(at: &Installation, job: &BackupJob) -> BackupJob {
    for _ in 0..600 {
        let now = at
            .state
            .system_backup
            .job(&at.store, job.id)
            .await
            .unwrap()
            .unwrap();
        if now.state != JobState::Running {
            return now;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("job {} did not finish", job.id);
}

#[tokio::test]
async fn restore_requests_are_limited_per_backup_and_per_operator_an_hour() {
    let at = installation("olivia", &["adam", "alice"], 0).await;
    seed_identity(&at.store, &at.owner).await;
    let (adam, alice) = (&at.others[0], &at.others[1]);
    let backup = at
        .state
        .system_backup
        .run_backup(&at.store, &at.actor(), BackupKind::Manual, "")
        .await
        .unwrap();
    let service = &at.state.system_backup;
    service
        .request_restore(&at.store, adam, backup.id)
        .await
        .unwrap();
    let conflict = |error: app::backup::Error| match app::store::Error::from(error) {
        app::store::Error::Conflict(message) => message,
        other => panic!("expected a conflict, got {other:?}"),
    };
    // A second code right away: refused, the first one is still on its way.
    let again = service
        .request_restore(&at.store, adam, backup.id)
        .await
        .unwrap_err();
    assert!(conflict(again).contains("less than a minute ago"));
    // Another operator, same backup: one pending request at a time.
    let other = service
        .request_restore(&at.store, alice, backup.id)
        .await
        .unwrap_err();
    assert!(conflict(other).contains("adam is already waiting"));
    assert_eq!(at.store.unread_inbox_count(at.owner.id).await.unwrap(), 1);

    // Over HTTP the refusal is a 409 with the message, never an internal error.
    let router = server::router(at.state.clone());
    let cookie = common::session(&at.store, alice).await;
    let reply = common::call(
        &router,
        "request_restore",
        &[("backup_id", &backup.id.to_string())],
        Some(&cookie),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(reply.body.contains("already waiting"), "{}", reply.body);

    // A few per operator an hour, whichever backup: each request a minute after the last
    // replaces the previous one; past the limit they are refused until the hour is over.
    let now = app::store::now_micros();
    let minute = 60 * 1_000_000;
    for i in 1..RESTORE_REQUESTS_PER_HOUR {
        at.store
            .create_restore_request(adam, backup.id, "hash", now + i * 2 * minute)
            .await
            .unwrap();
    }
    let limit = now + RESTORE_REQUESTS_PER_HOUR * 2 * minute;
    let refused = at
        .store
        .create_restore_request(adam, backup.id, "hash", limit)
        .await
        .unwrap_err();
    let message = app::error::AppError::from(refused).to_string();
    assert!(message.contains("in the last hour"), "{message}");
    let inbox = at.store.unread_inbox_count(at.owner.id).await.unwrap();
    assert_eq!(inbox, RESTORE_REQUESTS_PER_HOUR);
    // An hour after the first, one more is allowed.
    let later = now + 61 * minute;
    at.store
        .create_restore_request(adam, backup.id, "hash", later)
        .await
        .unwrap();
    // And once a code has expired, another operator may ask.
    at.store
        .create_restore_request(
            alice,
            backup.id,
            "hash",
            later + (RESTORE_CODE_TTL_SECS + 1) * 1_000_000,
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_backup_file_replaced_after_the_restore_request_is_refused() {
    let at = installation("olivia", &["adam"], 0).await;
    seed_identity(&at.store, &at.owner).await;
    let chosen = at
        .state
        .system_backup
        .run_backup(&at.store, &at.actor(), BackupKind::Manual, "chosen")
        .await
        .unwrap();
    at.create_user("between.backups").await;
    let other = at.take_backup().await;
    at.create_user("after.backups").await;
    let before = at.identity_rows().await;
    let admin = &at.others[0];
    let request = at
        .state
        .system_backup
        .request_restore(&at.store, admin, chosen.id)
        .await
        .unwrap();
    // Someone with access to the backup directory swaps in another (valid) backup.
    std::fs::copy(&other, at.backup_file(chosen.id).await).unwrap();
    let code = owner_code(&at).await;
    let job = at
        .state
        .system_backup
        .confirm_restore(&at.store, admin, request.id, &code)
        .await
        .unwrap();
    let done = wait_for(&at, &job).await;
    assert_eq!(done.state, JobState::Failed);
    let error = done.error.unwrap_or_default();
    assert!(error.contains("has changed since"), "{error}");
    assert_eq!(at.identity_rows().await, before);
    let audit = at.store.list_audit(20).await.unwrap();
    assert!(audit
        .iter()
        .any(|e| e.action == "system-backup.restore" && e.outcome == "failed"));
}

// ------------------------------------------------------- the restore's maintenance window

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn while_a_restore_runs_writes_backups_and_exports_are_refused_with_a_clear_message() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{mpsc, Mutex};
    let at = installation("olivia", &["adam"], 0).await;
    seed_identity(&at.store, &at.owner).await;
    let backup = at
        .state
        .system_backup
        .run_backup(&at.store, &at.actor(), BackupKind::Manual, "")
        .await
        .unwrap();
    let expected = at.identity_rows().await;
    at.create_user("made.after.the.backup").await;

    // The restore stops after its first batch until the test lets it go on.
    let (reached, reached_rx) = mpsc::channel::<()>();
    let (release, release_rx) = mpsc::channel::<()>();
    let release_rx = Mutex::new(release_rx);
    let paused = AtomicBool::new(false);
    let progress = Progress::with_hook(move |_| {
        if !paused.swap(true, Ordering::SeqCst) {
            reached.send(()).unwrap();
            release_rx.lock().unwrap().recv().unwrap();
        }
    });
    // Read before the restore locks the tables (PostgreSQL).
    let group = at.store.group_tree(None).await.unwrap()[0].id;
    let (service, store, actor) = (at.state.system_backup.clone(), at.store.clone(), at.actor());
    let restore = tokio::spawn(async move {
        service
            .restore_backup(&store, &actor, backup.id, &progress)
            .await
    });
    tokio::task::spawn_blocking(move || {
        reached_rx.recv_timeout(std::time::Duration::from_secs(120))
    })
    .await
    .unwrap()
    .expect("the restore reached its first batch");

    // Another session's change: a clear conflict, never an internal error, and never saved
    // on top of the restored data. On PostgreSQL the restore holds the identity tables locked
    // (its indexes are rebuilt), so a change that reads them first waits for the end of the
    // restore and is then refused, or made on the restored data.
    let (store, author) = (at.store.clone(), Author::operator(&at.others[0]));
    let write = tokio::spawn(async move {
        store
            .create_user(
                &author,
                &UserInput {
                    name: "during.restore".into(),
                    primary_group: group,
                    ..Default::default()
                },
            )
            .await
    });
    let write = if at.store.backend() == Backend::Sqlite {
        let refused = write.await.unwrap().unwrap_err();
        let refused = app::error::AppError::from(refused);
        assert_eq!(refused.status_code(), StatusCode::CONFLICT);
        assert!(
            refused.to_string().contains("A restore is in progress"),
            "{refused}"
        );
        None
    } else {
        Some(write)
    };
    // Neither a backup nor an export starts, nor a second restore.
    let service = &at.state.system_backup;
    let backup_refused = service
        .run_backup(&at.store, &at.actor(), BackupKind::Manual, "")
        .await
        .unwrap_err();
    assert!(
        matches!(backup_refused, app::backup::Error::RestoreRunning),
        "{backup_refused:?}"
    );
    let export_refused = service
        .export(&at.store, &at.actor(), "long password", "long password")
        .await
        .unwrap_err();
    assert!(export_refused
        .to_string()
        .contains("A restore is in progress"));
    let second = service
        .restore_backup(&at.store, &at.actor(), backup.id, &Progress::default())
        .await
        .unwrap_err();
    assert!(matches!(second, app::backup::Error::Busy), "{second:?}");

    release.send(()).unwrap();
    restore.await.unwrap().unwrap();
    match write {
        None => assert_eq!(at.identity_rows().await, expected),
        Some(write) => match write.await.unwrap() {
            Err(refused) => {
                let refused = app::error::AppError::from(refused);
                assert_eq!(refused.status_code(), StatusCode::CONFLICT, "{refused}");
                assert_eq!(at.identity_rows().await, expected);
            }
            // Made after the restore: the user made after the backup is gone.
            Ok(_) => {
                let users = at.identity_rows().await["users"].len();
                assert_eq!(users, expected["users"].len() + 1);
            }
        },
    }
    // The window is closed: changes are taken again.
    at.create_user("after.restore").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restore_does_not_start_while_a_backup_is_being_written() {
    let at = installation("olivia", &[], 0).await;
    seed_identity(&at.store, &at.owner).await;
    let service = &at.state.system_backup;
    let first = service
        .run_backup(&at.store, &at.actor(), BackupKind::Manual, "")
        .await
        .unwrap();
    let digest = at.identity_rows().await;
    let job = service
        .start_backup(&at.store, at.actor(), BackupKind::Manual, "running")
        .await
        .unwrap();
    let refused = service
        .restore_backup(&at.store, &at.actor(), first.id, &Progress::default())
        .await
        .unwrap_err();
    assert!(
        matches!(refused, app::backup::Error::ExportRunning),
        "{refused:?}"
    );
    assert!(refused
        .to_string()
        .contains("backup or export is being written"));
    let done = wait_for(&at, &job).await;
    assert_eq!(done.state, JobState::Succeeded, "{:?}", done.error);
    assert_eq!(at.identity_rows().await, digest);
    // Once it is written, the restore may run.
    service
        .restore_backup(&at.store, &at.actor(), first.id, &Progress::default())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn backups_started_together_queue_behind_one_writer_and_all_finish() {
    let at = installation("olivia", &[], 0).await;
    seed_identity(&at.store, &at.owner).await;
    let service = &at.state.system_backup;
    let mut jobs = Vec::new();
    for i in 0..4 {
        let label = format!("queued {i}");
        jobs.push(
            service
                .start_backup(&at.store, at.actor(), BackupKind::Manual, &label)
                .await
                .unwrap(),
        );
    }
    // While they run, the console's own writes still get a connection.
    let staff = at
        .store
        .create_group(
            &Author::named("tester"),
            &app::model::GroupInput {
                name: "written-meanwhile".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut busiest = 0;
    loop {
        busiest = busiest.max(service.writers_busy());
        let mut states: Vec<JobState> = Vec::new();
        for job in &jobs {
            states.push(service.job(&at.store, job.id).await.unwrap().unwrap().state);
        }
        if states.iter().all(|s| *s != JobState::Running) {
            assert!(
                states.iter().all(|s| *s == JobState::Succeeded),
                "{states:?}"
            );
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    assert!(
        busiest <= app::backup::CONCURRENT_EXPORTS,
        "{busiest} written at once"
    );
    assert!(at.store.get_group(staff, None).await.is_ok());
}

#[tokio::test]
async fn vault_secrets_travel_sealed_and_open_where_their_key_file_is_copied() {
    use app::model::kinds::{VAULT_ACCOUNTS, VAULT_FOLDERS};
    use app::model::ResourceInput;
    use app::store::VaultKeys;
    let keys = tempfile::tempdir().unwrap();
    let source_key = keys.path().join("source.key");
    let source = installation("olivia", &[], 0).await;
    let store = source
        .store
        .clone()
        .with_vault_keys(VaultKeys::from_file(&source_key).unwrap());
    let author = Author::operator(&source.owner);
    let values = |v: &[&str]| ResourceInput {
        values: v.iter().map(|s| s.to_string()).collect(),
    };
    store
        .create_resource(&author, &VAULT_FOLDERS, &values(&["Servers", "", ""]))
        .await
        .unwrap();
    let account = store
        .create_resource(
            &author,
            &VAULT_ACCOUNTS,
            &values(&["db-root", "Servers", "", "root", "", "", "Password"]),
        )
        .await
        .unwrap();
    store
        .set_vault_secret(&author, account, "travels-sealed")
        .await
        .unwrap();
    let file = source.take_backup().await;

    let target = installation("tess", &[], 0).await;
    target.import_and_restore(&file).await;
    // The target's own key does not open it, and says which key would.
    let sealed_by = store.vault_keys().current_id().unwrap();
    let refused = target
        .store
        .reveal_vault_secret(&Author::operator(&target.owner), account, None)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains(&sealed_by), "{refused}");
    assert!(!target.store.vault_secret_history(account).await.unwrap()[0].readable);
    // With the source's key file copied over, it opens.
    let copied = keys.path().join("copied.key");
    std::fs::copy(&source_key, &copied).unwrap();
    let with_key = target
        .store
        .clone()
        .with_vault_keys(VaultKeys::from_file(&copied).unwrap());
    let revealed = with_key
        .reveal_vault_secret(&Author::operator(&target.owner), account, None)
        .await
        .unwrap();
    assert_eq!(revealed.secret.0, "travels-sealed");
}
