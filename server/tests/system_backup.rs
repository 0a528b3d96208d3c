//! System backups end to end, on SQLite or (with REWIND_TEST_POSTGRES_URL) PostgreSQL: the
//! archive round trip, every kind of broken file, Owner-approved restore codes, the stock `age`
//! tool, a restore killed half-way, and the permission checks of the HTTP routes.
mod common;
use app::backup::engine::{self, Progress, RestoreOptions};
use app::backup::Error as BackupError;
use app::model::{
    BackupJob, BackupKind, BackupValidation, JobState, RestoreRequest, ScheduleFrequency,
    RESTORE_CODE_TTL_SECS,
};
use app::store::{Actor, Store};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::backup::*;
use std::io::{Read, Write};
use std::path::Path;

#[tokio::test]
async fn export_then_approved_import_restores_every_table_row_for_row() {
    let app = test_app().await;
    seed(&app.store, 300).await;
    seed_identity(&app.store, &app.owner).await;
    let before = table_rows(&app.store).await;
    assert_eq!(before["bk_users"].len(), 300);
    // A tree at an instant goes through SQLite's validity R*Tree, which is derived as well.
    let instant = Some(chrono::Utc::now());
    let tree = app.store.group_tree(instant).await.unwrap();
    assert!(!tree.is_empty());
    let counts_then = app.store.object_counts().await.unwrap();
    let work = tempfile::tempdir().unwrap();
    let exported = export_file(&app, work.path()).await;
    scramble(&app.store).await;
    let author = app::store::Author::operator(&app.owner);
    let staff = app.store.group_tree(None).await.unwrap()[0].id;
    let late = app::model::UserInput {
        name: "late".into(),
        primary_group: staff,
        ..Default::default()
    };
    app.store.create_user(&author, &late).await.unwrap();
    assert!(table_rows(&app.store).await != before);
    let operators = app.store.list_operators().await.unwrap();
    let catalogue_before = app.store.list_system_backups().await.unwrap();

    let validation = app
        .state
        .system_backup
        .import(
            &app.store,
            &actor(&app.admin),
            &exported,
            Some(EXPORT_PASSWORD),
        )
        .await
        .unwrap();
    let users = validation
        .tables
        .iter()
        .find(|t| t.table == "bk_users")
        .unwrap();
    assert_eq!(users.rows, 300);
    assert_eq!(validation.total_rows, total_rows(&before));
    // What it holds in business terms: the current objects when it was taken.
    assert_eq!(validation.contents, counts_then);
    assert!(validation
        .contents
        .iter()
        .any(|c| c.label == "Users" && c.count > 0));
    // Validation alone changes nothing, not even the catalogue.
    assert!(table_rows(&app.store).await != before);
    assert_eq!(
        app.store.list_system_backups().await.unwrap(),
        catalogue_before
    );
    let backup_id = app
        .state
        .system_backup
        .import_checked(&app.store, &actor(&app.admin), &validation.upload)
        .await
        .unwrap();
    let catalogue = app.store.list_system_backups().await.unwrap();
    assert_eq!(catalogue.len(), catalogue_before.len() + 1);
    assert_eq!(catalogue[0].id, backup_id);
    assert_eq!(catalogue[0].kind, app::model::BackupKind::Imported);
    assert_eq!(catalogue[0].status, app::model::BackupStatus::Ready);
    // The same upload cannot be imported twice, and a made-up token names no file.
    for token in [
        validation.upload.as_str(),
        "../../etc/passwd",
        "0123456789abcdef0123456789abcdeg",
    ] {
        let error = app
            .state
            .system_backup
            .import_checked(&app.store, &actor(&app.admin), token)
            .await
            .unwrap_err();
        let message = app::error::AppError::from(error).to_string();
        assert!(message.contains("validate the file again"), "{message}");
    }
    assert_eq!(
        app.store.list_system_backups().await.unwrap().len(),
        catalogue_before.len() + 1
    );

    let request = app
        .state
        .system_backup
        .request_restore(&app.store, &app.admin, backup_id)
        .await
        .unwrap();
    assert_eq!(app.store.unread_inbox_count(app.owner.id).await.unwrap(), 1);
    let code = inbox_code(&app).await;
    let job = app
        .state
        .system_backup
        .confirm_restore(&app.store, &app.admin, request.id, &code)
        .await
        .unwrap();
    let done = wait_for(&app, &job).await;
    assert_eq!(done.state, JobState::Succeeded, "{:?}", done.error);
    assert_eq!(done.rows_done, total_rows(&before));

    assert_same_rows(&table_rows(&app.store).await, &before);
    assert_eq!(app.store.list_operators().await.unwrap(), operators);
    assert_eq!(app.store.group_tree(instant).await.unwrap(), tree);
    // The users search follows the restore (on SQLite its index is derived by triggers and
    // not part of the backup): the restored users are found, the one made since is not.
    let search = |term: &str| app::model::UserListQuery {
        search: term.into(),
        limit: 50,
        ..Default::default()
    };
    let found = app.store.list_users(&search("user")).await.unwrap();
    assert_eq!(found.total, 11);
    assert_eq!(found.items[0].name, "user0");
    let late_found = app.store.list_users(&search("late")).await.unwrap();
    assert_eq!(late_found.total, 0);
    // Generated ids continue after the restored ones (PostgreSQL sequences were reset).
    let (id,): (i64,) = sqlx::query_as("INSERT INTO bk_tags (label) VALUES ('next') RETURNING id")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert!(id > 3, "new id {id} collides with restored ones");
    // The identity store works on the restored data: the late user is gone, and new objects
    // get fresh ids.
    app.store.create_user(&author, &late).await.unwrap();
    let audit = app.store.list_audit(100).await.unwrap();
    for action in [
        "system-backup.export",
        "system-backup.import-validate",
        "system-backup.import",
        "system-backup.restore-request",
        "system-backup.restore-code",
        "system-backup.restore",
    ] {
        assert!(
            audit
                .iter()
                .any(|e| e.action == action && e.outcome == "ok"),
            "no {action} in the audit log"
        );
    }
}

#[tokio::test]
async fn server_side_backup_round_trip_covers_every_discovered_table() {
    let app = test_app().await;
    seed(&app.store, 50).await;
    let before = table_rows(&app.store).await;
    let backup = app
        .state
        .system_backup
        .run_backup(
            &app.store,
            &actor(&app.owner),
            BackupKind::Manual,
            "Before year-end close",
        )
        .await
        .unwrap();
    assert_eq!(backup.label, "Before year-end close");
    assert_eq!(backup.created_by, "olivia");
    assert!(backup.size_bytes > 0);
    // Every identity table that exists is in the backup, whatever the schema has by now.
    let names: Vec<_> = backup.tables.iter().map(|t| t.table.clone()).collect();
    let mut expected: Vec<_> = before.keys().cloned().collect();
    let mut got = names.clone();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    assert!(!names.iter().any(|n| n == "operators" || n == "audit_log"));
    let pos = |t: &str| names.iter().position(|n| n == t).unwrap();
    assert!(
        pos("bk_groups") < pos("bk_users"),
        "parents first: {names:?}"
    );

    scramble(&app.store).await;
    let schema = schema_objects(&app.store).await;
    assert!(schema.iter().any(|(name, _)| name == "users_name_current"));
    let report = app
        .state
        .system_backup
        .restore_backup(
            &app.store,
            &actor(&app.owner),
            backup.id,
            &Progress::default(),
        )
        .await
        .unwrap();
    assert_eq!(report.rows, total_rows(&before));
    assert_same_rows(&table_rows(&app.store).await, &before);
    assert_eq!(schema_objects(&app.store).await, schema);
}

fn flip_byte(path: &Path, at: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[at] ^= 0x01;
    std::fs::write(path, bytes).unwrap();
}

#[tokio::test]
async fn broken_files_are_each_rejected_with_their_own_message_and_nothing_changes() {
    let app = test_app().await;
    // Enough data for several 64 KiB encrypted chunks.
    seed(&app.store, 8000).await;
    let work = tempfile::tempdir().unwrap();
    let exported = export_file(&app, work.path()).await;
    let size = std::fs::metadata(&exported).unwrap().len() as usize;
    assert!(
        size > 2 * 65536,
        "export of {size} bytes is too small for this test"
    );
    let backup = app
        .state
        .system_backup
        .run_backup(&app.store, &actor(&app.owner), BackupKind::Manual, "plain")
        .await
        .unwrap();
    let plain = app.state.system_backup.config().dir.clone();
    let plain = std::fs::read_dir(&plain)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".rewind.tar.gz"))
        .unwrap();
    scramble(&app.store).await;
    let digest = data_digest(&app.store).await;
    let catalogue = catalogue_size(&app).await;
    let _ = backup;

    let copy = |name: &str, from: &Path| {
        let path = work.path().join(name);
        std::fs::copy(from, &path).unwrap();
        path
    };
    let flipped = copy("flipped.age", &exported);
    flip_byte(&flipped, size / 2);
    let truncated = copy("truncated.age", &exported);
    std::fs::File::options()
        .write(true)
        .open(&truncated)
        .unwrap()
        .set_len((size / 2) as u64)
        .unwrap();
    let plain_truncated = copy("truncated.tar.gz", &plain);
    let plain_size = std::fs::metadata(&plain).unwrap().len();
    std::fs::File::options()
        .write(true)
        .open(&plain_truncated)
        .unwrap()
        .set_len(plain_size / 2)
        .unwrap();
    let not_backup = work.path().join("notes.txt");
    std::fs::write(&not_backup, "just some notes, not a backup\n".repeat(100)).unwrap();
    let other_tar = work.path().join("other.tar.gz");
    {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            std::fs::File::create(&other_tar).unwrap(),
            flate2::Compression::fast(),
        ));
        let mut header = tar::Header::new_ustar();
        header.set_size(5);
        header.set_cksum();
        builder
            .append_data(&mut header, "hello.txt", &b"hello"[..])
            .unwrap();
        builder.into_inner().unwrap().finish().unwrap();
    }
    let newer = work.path().join("newer.tar.gz");
    rewrite_manifest(&plain, &newer, |m| m["schema_version"] = 999_999.into());
    let tampered_hash = work.path().join("tampered.tar.gz");
    rewrite_manifest(&plain, &tampered_hash, |m| {
        let tables = m["tables"].as_array_mut().unwrap();
        let last = tables.last_mut().unwrap();
        last["sha256"] = "00".repeat(32).into();
    });

    type Case<'a> = (
        &'a str,
        &'a Path,
        Option<&'a str>,
        fn(&BackupError) -> bool,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            "wrong password",
            &exported,
            Some("not the password"),
            |e| matches!(e, BackupError::WrongPassword),
            "Wrong password",
        ),
        (
            "no password",
            &exported,
            None,
            |e| matches!(e, BackupError::PasswordRequired),
            "encrypted",
        ),
        (
            "flipped byte",
            &flipped,
            Some(EXPORT_PASSWORD),
            |e| matches!(e, BackupError::Tampered(_)),
            "damaged or has been altered",
        ),
        (
            "truncated",
            &truncated,
            Some(EXPORT_PASSWORD),
            |e| matches!(e, BackupError::Truncated),
            "truncated",
        ),
        (
            "truncated plain",
            &plain_truncated,
            None,
            |e| matches!(e, BackupError::Truncated),
            "truncated",
        ),
        (
            "not a backup",
            &not_backup,
            None,
            |e| matches!(e, BackupError::NotABackup),
            "not a Rewind backup",
        ),
        (
            "other tar",
            &other_tar,
            None,
            |e| matches!(e, BackupError::NotABackup),
            "not a Rewind backup",
        ),
        (
            "newer version",
            &newer,
            None,
            |e| matches!(e, BackupError::NewerVersion { .. }),
            "newer version",
        ),
        (
            "wrong hash",
            &tampered_hash,
            None,
            |e| matches!(e, BackupError::Tampered(_)),
            "damaged or has been altered",
        ),
    ];
    for (case, path, password, expected, text) in cases {
        let error = app
            .state
            .system_backup
            .import(&app.store, &actor(&app.admin), path, password)
            .await
            .expect_err(case);
        assert!(expected(&error), "{case}: got {error:?}");
        assert!(error.to_string().contains(text), "{case}: {error}");
        assert_eq!(data_digest(&app.store).await, digest, "{case}");
        assert_eq!(catalogue_size(&app).await, catalogue, "{case}");
    }

    // A restore that discovers a bad part only at the end has already replaced earlier
    // tables inside its transaction: all of it rolls back.
    let error = engine::restore(
        &app.store,
        &tampered_hash,
        RestoreOptions {
            passphrase: None,
            tables: &test_tables(),
            file_sha256: None,
        },
        engine::RestoreAudit {
            actor: &actor(&app.owner),
            target: "test",
        },
        &Progress::default(),
    )
    .await
    .expect_err("tampered restore");
    assert!(matches!(error, BackupError::Tampered(_)), "{error:?}");
    assert_eq!(data_digest(&app.store).await, digest);
    let audit = app.store.list_audit(200).await.unwrap();
    assert!(audit
        .iter()
        .any(|e| e.action == "system-backup.import-validate" && e.outcome == "rejected"));
}

/// What the store records as the file's SHA-256 (the service computes the real one).
const FILE_HASH: &str = "file-hash";

#[tokio::test]
async fn restore_codes_are_single_use_expire_and_allow_five_wrong_attempts() {
    let app = test_app().await;
    seed(&app.store, 10).await;
    let backup = app
        .state
        .system_backup
        .run_backup(&app.store, &actor(&app.owner), BackupKind::Manual, "")
        .await
        .unwrap();
    let now = app::store::now_micros();
    let digest = data_digest(&app.store).await;

    // Wrong codes: four tell how many attempts are left, the fifth voids the request, and
    // after that even the right code is refused.
    let request = app
        .store
        .create_restore_request(&app.admin, backup.id, FILE_HASH, now)
        .await
        .unwrap();
    assert_eq!(request.code.len(), 8);
    assert_eq!(inbox_code(&app).await, request.code);
    let wrong = if request.code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    for attempt in 1..=5 {
        let error = app
            .store
            .check_restore_code(&app.admin, request.request.id, wrong, now)
            .await
            .unwrap_err();
        let message = app::error::AppError::from(error).to_string();
        if attempt < 5 {
            assert!(
                message.contains(&format!("{} attempt", 5 - attempt)),
                "{message}"
            );
        } else {
            assert!(message.contains("now void"), "{message}");
        }
    }
    let sixth = app
        .store
        .check_restore_code(&app.admin, request.request.id, &request.code, now)
        .await
        .unwrap_err();
    assert!(app::error::AppError::from(sixth)
        .to_string()
        .contains("void"));

    // Expired: ten minutes later the right code no longer works.
    let request = app
        .store
        .create_restore_request(&app.admin, backup.id, FILE_HASH, now)
        .await
        .unwrap();
    let later = now + (RESTORE_CODE_TTL_SECS + 1) * 1_000_000;
    let expired = app
        .store
        .check_restore_code(&app.admin, request.request.id, &request.code, later)
        .await
        .unwrap_err();
    assert!(app::error::AppError::from(expired)
        .to_string()
        .contains("expired"));

    // Bound to the requester: the Owner cannot use the Admin's code, but needs one for their
    // own request too; a code works once.
    let request = app
        .store
        .create_restore_request(&app.admin, backup.id, FILE_HASH, now)
        .await
        .unwrap();
    let stolen = app
        .store
        .check_restore_code(&app.owner, request.request.id, &request.code, now)
        .await
        .unwrap_err();
    assert!(
        matches!(stolen, app::store::Error::Conflict(_)),
        "{stolen:?}"
    );
    // One pending request per backup: the Owner's own comes once the Admin's has expired.
    let own = app
        .store
        .create_restore_request(&app.owner, backup.id, FILE_HASH, later)
        .await
        .unwrap();
    assert_eq!(
        app.store
            .check_restore_code(&app.owner, own.request.id, &own.code, later + 1)
            .await
            .unwrap(),
        app::store::ApprovedRestore {
            backup_id: backup.id,
            file_sha256: FILE_HASH.into(),
        }
    );
    let reused = app
        .store
        .check_restore_code(&app.owner, own.request.id, &own.code, later + 2)
        .await
        .unwrap_err();
    assert!(app::error::AppError::from(reused)
        .to_string()
        .contains("already been used"));

    // Through the service: a wrong code starts nothing.
    let request = app
        .state
        .system_backup
        .request_restore(&app.store, &app.admin, backup.id)
        .await
        .unwrap();
    assert!(app
        .state
        .system_backup
        .confirm_restore(&app.store, &app.admin, request.id, wrong)
        .await
        .is_err());
    assert_eq!(data_digest(&app.store).await, digest);
    let audit = app.store.list_audit(500).await.unwrap();
    let checks = audit
        .iter()
        .filter(|e| e.action == "system-backup.restore-code")
        .count();
    assert_eq!(checks, 5 + 1 + 1 + 1 + 1 + 1 + 1);
    assert!(!audit.iter().any(|e| e.action == "system-backup.restore"));
}

/// Runs `age -d` with the passphrase typed on a pseudo-terminal, as a person would.
fn age_decrypt(input: &Path, output: &Path, passphrase: &str) -> std::process::Output {
    let script = r#"
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp("age", ["age", "-d", "-o", sys.argv[2], sys.argv[1]])
buffer = b""
deadline = time.time() + 60
sent = False
status = None
while time.time() < deadline:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        chunk = b""
    if chunk:
        buffer += chunk
        if not sent and b"passphrase" in buffer.lower():
            os.write(fd, sys.argv[3].encode() + b"\n")
            sent = True
    else:
        break
_, status = os.waitpid(pid, 0)
sys.stdout.write(buffer.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
"#;
    std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(input)
        .arg(output)
        .arg(passphrase)
        .output()
        .expect("python3")
}

#[tokio::test]
async fn the_stock_age_tool_decrypts_an_export_into_the_documented_format() {
    if std::process::Command::new("age")
        .arg("--version")
        .output()
        .is_err()
    {
        // scripts/setup.sh installs Debian's `age`; say so loudly rather than pass silently.
        panic!("the `age` command is missing: apt-get install age");
    }
    let app = test_app().await;
    seed(&app.store, 100).await;
    let work = tempfile::tempdir().unwrap();
    let exported = export_file(&app, work.path()).await;
    assert!(exported.to_string_lossy().ends_with(".rewind.age"));
    let decrypted = work.path().join("backup.tar.gz");
    let output = age_decrypt(&exported, &decrypted, EXPORT_PASSWORD);
    assert!(
        output.status.success(),
        "age -d failed: {}",
        String::from_utf8_lossy(&output.stdout)
    );

    // The documented layout: manifest.json first, then tables/<name>.jsonl with the listed
    // row counts and SHA-256, each line a JSON array with one value per column.
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(
        std::fs::File::open(&decrypted).unwrap(),
    ));
    let mut entries = archive.entries().unwrap();
    let mut first = entries.next().unwrap().unwrap();
    assert_eq!(first.path().unwrap().to_str(), Some("manifest.json"));
    let manifest: serde_json::Value = serde_json::from_reader(&mut first).unwrap();
    assert_eq!(manifest["format"], "rewind-system-backup");
    assert_eq!(manifest["format_version"], 1);
    assert!(manifest["schema_version"].as_i64().unwrap() >= 50);
    assert_eq!(manifest["created_by"], "adam");
    let tables = manifest["tables"].as_array().unwrap().clone();
    let mut seen = 0;
    for (entry, table) in entries.zip(&tables) {
        let mut entry = entry.unwrap();
        assert_eq!(
            entry.path().unwrap().to_str().unwrap(),
            format!("tables/{}.jsonl", table["name"].as_str().unwrap())
        );
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        use sha2::Digest;
        assert_eq!(hex::encode(sha2::Sha256::digest(&data)), table["sha256"]);
        let lines: Vec<&[u8]> = data
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(lines.len() as i64, table["rows"].as_i64().unwrap());
        let columns = table["columns"].as_array().unwrap().len();
        for line in lines {
            let row: Vec<serde_json::Value> = serde_json::from_slice(line).unwrap();
            assert_eq!(row.len(), columns);
        }
        seen += 1;
    }
    assert_eq!(seen, tables.len());
    let users = tables.iter().find(|t| t["name"] == "bk_users").unwrap();
    assert_eq!(users["rows"], 100);

    // And the decrypted plain archive imports as well.
    app.state
        .system_backup
        .import(&app.store, &actor(&app.admin), &decrypted, None)
        .await
        .unwrap();
}

/// Not a test on its own: the child process of the kill test. It restores the backup named
/// in its environment and freezes half-way, holding the transaction open, until killed.
#[tokio::test]
#[ignore = "run by killed_restore_leaves_the_previous_data_intact"]
async fn restore_child_that_gets_killed() {
    let (Ok(url), Ok(file)) = (
        std::env::var("REWIND_KILL_TEST_DB"),
        std::env::var("REWIND_KILL_TEST_FILE"),
    ) else {
        return;
    };
    let store = Store::connect(&url).await.unwrap();
    let progress = Progress::with_hook(|done| {
        if done >= 1000 {
            println!("RESTORE-HALF-WAY {done}");
            std::io::stdout().flush().unwrap();
            loop {
                std::thread::sleep(std::time::Duration::from_secs(60));
            }
        }
    });
    let _ = engine::restore(
        &store,
        Path::new(&file),
        RestoreOptions {
            passphrase: None,
            tables: &test_tables(),
            file_sha256: None,
        },
        engine::RestoreAudit {
            actor: &Actor::scheduler(),
            target: "kill test",
        },
        &progress,
    )
    .await;
    println!("RESTORE-FINISHED");
}

#[tokio::test]
async fn killed_restore_leaves_the_previous_data_intact() {
    let app = test_app().await;
    seed(&app.store, 4000).await;
    let backup = app
        .state
        .system_backup
        .run_backup(&app.store, &actor(&app.owner), BackupKind::Manual, "")
        .await
        .unwrap();
    let (_, file_name) = app.store.system_backup(backup.id).await.unwrap();
    let file = app.state.system_backup.config().dir.join(file_name);
    scramble(&app.store).await;
    let digest = data_digest(&app.store).await;
    let audit_before = app.store.list_audit(1000).await.unwrap().len();

    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "restore_child_that_gets_killed",
            "--ignored",
            "--nocapture",
        ])
        .env("REWIND_KILL_TEST_DB", database_url(&app.store).await)
        .env("REWIND_KILL_TEST_FILE", &file)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let reached = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|line| line.starts_with("RESTORE-HALF-WAY"))
    });
    let reached = tokio::time::timeout(std::time::Duration::from_secs(300), reached)
        .await
        .expect("the child reached the middle of the restore")
        .unwrap();
    assert!(reached, "the child never reached the middle of the restore");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    // Reopen the database as a restarted server would.
    let url = database_url(&app.store).await;
    app.store.close().await;
    let reopened = Store::connect(&url).await.unwrap();
    let mut after = String::new();
    for _ in 0..50 {
        // PostgreSQL may take a moment to notice the dead client and roll back.
        after = data_digest(&reopened).await;
        if after == digest {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(after, digest, "the half-done restore left traces");
    assert_eq!(reopened.list_audit(1000).await.unwrap().len(), audit_before);
    // The data is writable again: no lock was left behind.
    sqlx::query("INSERT INTO bk_groups (id, name, created_at) VALUES (500, 'after', 1)")
        .execute(reopened.pool())
        .await
        .unwrap();
}

#[tokio::test]
async fn the_schedule_runs_automatic_backups_and_keeps_the_last_n() {
    let app = test_app().await;
    seed(&app.store, 5).await;
    let settings = app
        .store
        .set_schedule(&actor(&app.owner), true, ScheduleFrequency::Daily, 0, 0, 2)
        .await
        .unwrap();
    assert!(settings.to_model().next_run_at.unwrap() > chrono::Utc::now());
    // Pretend the schedule was set up long ago, so a run is due.
    for _ in 0..3 {
        sqlx::query("UPDATE system_backup_schedule SET updated_at = 0, last_run_at = 0")
            .execute(app.store.pool())
            .await
            .unwrap();
        app.state
            .system_backup
            .scheduler_tick(&app.store)
            .await
            .unwrap();
    }
    let backups = app.store.list_system_backups().await.unwrap();
    let automatic: Vec<_> = backups
        .iter()
        .filter(|b| b.kind == BackupKind::Automatic)
        .collect();
    assert_eq!(automatic.len(), 2, "{backups:?}");
    assert!(automatic.iter().all(|b| b.created_by == "scheduler"));
    let files = std::fs::read_dir(&app.state.system_backup.config().dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".rewind.tar.gz")
        })
        .count();
    assert_eq!(files, 2, "pruned backups leave no files");
    // Not due again right after a run.
    let wait = app
        .state
        .system_backup
        .scheduler_tick(&app.store)
        .await
        .unwrap();
    assert!(wait.as_secs() > 0);
    assert_eq!(app.store.list_system_backups().await.unwrap().len(), 2);
}

#[tokio::test]
async fn backups_over_http_export_import_and_restore_with_the_owner_code() {
    let app = test_app().await;
    seed(&app.store, 40).await;
    let before = table_rows(&app.store).await;
    let admin = app.login("adam").await;

    let exported = app.export(Some(&admin)).await;
    assert_eq!(exported.status, StatusCode::OK, "{}", exported.body);
    let disposition = exported.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap();
    assert!(disposition.contains(".rewind.age"), "{disposition}");
    assert!(exported.bytes.starts_with(b"age-encryption.org/v1\n"));
    scramble(&app.store).await;

    let wrong = app.import(Some(&admin), &exported.bytes, "nope").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("Wrong password"), "{}", wrong.body);
    let imported = app
        .import(Some(&admin), &exported.bytes, EXPORT_PASSWORD)
        .await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    let validation: BackupValidation = serde_json::from_slice(&imported.bytes).unwrap();
    assert_eq!(validation.total_rows, total_rows(&before));
    let reply = app
        .call(
            "import_checked_backup",
            &[("upload", &validation.upload)],
            Some(&admin),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let backup_id: i64 = reply.body.trim().parse().unwrap();

    let reply = app
        .call(
            "request_restore",
            &[("backup_id", &backup_id.to_string())],
            Some(&admin),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let request: RestoreRequest = serde_json::from_slice(&reply.bytes).unwrap();
    let owner = app.login("olivia").await;
    let badge = app.call("count_unread_inbox", &[], Some(&owner)).await;
    assert_eq!(badge.body, "1");
    let code = inbox_code(&app).await;
    let reply = app
        .call(
            "confirm_restore",
            &[("request_id", &request.id.to_string()), ("code", &code)],
            Some(&admin),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let job: BackupJob = serde_json::from_slice(&reply.bytes).unwrap();
    let mut finished = None;
    for _ in 0..600 {
        let reply = app
            .call(
                "get_backup_job",
                &[("id", &job.id.to_string())],
                Some(&admin),
            )
            .await;
        let now: BackupJob = serde_json::from_slice(&reply.bytes).unwrap();
        if now.state != JobState::Running {
            finished = Some(now);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let finished = finished.expect("restore finished");
    assert_eq!(finished.state, JobState::Succeeded, "{:?}", finished.error);
    assert_eq!(finished.percent(), 100);
    assert_same_rows(&table_rows(&app.store).await, &before);

    // A server-side backup, created in the background, listed, downloaded and deleted.
    let reply = app
        .call(
            "create_system_backup",
            &[("label", "nightly")],
            Some(&admin),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let job: BackupJob = serde_json::from_slice(&reply.bytes).unwrap();
    let done = wait_for(&app, &job).await;
    assert_eq!(done.state, JobState::Succeeded, "{:?}", done.error);
    let list = app.call("list_system_backups", &[], Some(&admin)).await;
    assert!(list.body.contains("nightly"), "{}", list.body);
    let download = app
        .send(
            Request::get(format!("/files/system-backups/{}", job.backup_id))
                .header(header::COOKIE, &admin)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(download.status, StatusCode::OK);
    assert!(download.bytes.starts_with(&[0x1f, 0x8b]));
    let reply = app
        .call(
            "delete_system_backup",
            &[("id", &job.backup_id.to_string())],
            Some(&admin),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(!app
        .call("list_system_backups", &[], Some(&admin))
        .await
        .body
        .contains("nightly"));
}

#[tokio::test]
async fn backup_routes_and_functions_refuse_a_missing_session_and_an_auditor() {
    let app = test_app().await;
    seed(&app.store, 5).await;
    let backup = app
        .state
        .system_backup
        .run_backup(&app.store, &actor(&app.owner), BackupKind::Manual, "")
        .await
        .unwrap();
    let auditor = app.login("audrey").await;
    let digest = data_digest(&app.store).await;
    for (cookie, status) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some(auditor.as_str()), StatusCode::FORBIDDEN),
    ] {
        let download = app
            .send({
                let mut request = Request::get(format!("/files/system-backups/{}", backup.id));
                if let Some(cookie) = cookie {
                    request = request.header(header::COOKIE, cookie);
                }
                request.body(Body::empty()).unwrap()
            })
            .await;
        assert_eq!(download.status, status, "download");
        assert_eq!(app.export(cookie).await.status, status, "export");
        assert_eq!(
            app.import(cookie, b"whatever", "x").await.status,
            status,
            "import"
        );
        for (function, form) in [
            ("list_system_backups", vec![]),
            ("create_system_backup", vec![("label", "x")]),
            ("get_backup_job", vec![("id", "1")]),
            ("delete_system_backup", vec![("id", "1")]),
            ("get_backup_schedule", vec![]),
            (
                "set_backup_schedule",
                vec![
                    ("enabled", "true"),
                    ("frequency", "daily"),
                    ("weekday", "0"),
                    ("time", "02:00"),
                    ("keep_last", "3"),
                ],
            ),
            ("request_restore", vec![("backup_id", "1")]),
            (
                "import_checked_backup",
                vec![("upload", "0123456789abcdef0123456789abcdef")],
            ),
            (
                "confirm_restore",
                vec![("request_id", "1"), ("code", "12345678")],
            ),
            ("list_inbox", vec![]),
            ("count_unread_inbox", vec![]),
            ("mark_inbox_read", vec![("id", "1")]),
        ] {
            let reply = app.call(function, &form, cookie).await;
            assert_eq!(reply.status, status, "{function}: {}", reply.body);
        }
    }
    assert_eq!(app.store.list_system_backups().await.unwrap().len(), 1);
    assert_eq!(data_digest(&app.store).await, digest);
}
