//! Hostile backup files: a gzip bomb, a gigantic line, tar extension headers of many MB. Each
//! is checked in a child process, which reports the outcome, its peak memory (VmHWM) and the
//! time taken, so the bounds hold for the check alone. Also: temporary files a crashed server
//! left in the backup directory are removed at start-up.
use app::backup::{SystemBackupConfig, SystemBackups};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

const MIB: u64 = 1 << 20;
/// Memory the check of one file may add to the process's peak.
const PEAK_BOUND_MIB: u64 = 48;
/// A refusal comes long before a bomb is inflated (or a huge entry read) to its end.
const TIME_BOUND: Duration = Duration::from_secs(20);

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse().ok())
        .unwrap_or(0)
}

type Gz = flate2::write::GzEncoder<std::fs::File>;

fn archive(path: &Path) -> tar::Builder<Gz> {
    tar::Builder::new(flate2::write::GzEncoder::new(
        std::fs::File::create(path).unwrap(),
        flate2::Compression::fast(),
    ))
}

fn header(kind: tar::EntryType, path: &str, size: u64) -> tar::Header {
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(kind);
    header.set_path(path).unwrap();
    header.set_size(size);
    header.set_mode(0o600);
    header.set_cksum();
    header
}

/// A manifest with one table `t` of one integer column whose part has `bytes` bytes.
fn manifest(bytes: u64, sha256: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "format": "rewind-system-backup",
        "format_version": 1,
        "schema_version": 1,
        "created_at": "2025-01-31T23:59:00Z",
        "created_by": "test",
        "label": "",
        "source_backend": "sqlite",
        "tables": [{
            "name": "t",
            "path": "tables/t.jsonl",
            "columns": [{ "name": "id", "type": "integer" }],
            "rows": 1,
            "bytes": bytes,
            "sha256": sha256,
        }],
    }))
    .unwrap()
}

fn append_manifest(builder: &mut tar::Builder<Gz>, bytes: u64, sha256: &str) {
    let manifest = manifest(bytes, sha256);
    let header = header(
        tar::EntryType::Regular,
        "manifest.json",
        manifest.len() as u64,
    );
    builder.append(&header, manifest.as_slice()).unwrap();
}

/// `size` bytes of `byte`, streamed.
fn filler(byte: u8, size: u64) -> impl Read {
    std::io::repeat(byte).take(size)
}

/// A sound one-row backup followed, after the end of the archive, by 1 GiB of zeros in the
/// same gzip stream: 1 MiB on disk.
fn gzip_bomb(path: &Path) {
    let part = b"[1]\n";
    let mut builder = archive(path);
    append_manifest(
        &mut builder,
        part.len() as u64,
        &hex::encode(Sha256::digest(part)),
    );
    let header = header(tar::EntryType::Regular, "tables/t.jsonl", part.len() as u64);
    builder.append(&header, &part[..]).unwrap();
    let mut gzip = builder.into_inner().unwrap();
    std::io::copy(&mut filler(0, 1 << 30), &mut gzip).unwrap();
    gzip.finish().unwrap();
}

/// A part declared as 256 MiB holding one line without an end.
fn huge_line(path: &Path) {
    let size = 256 * MIB;
    let mut builder = archive(path);
    append_manifest(&mut builder, size, &"00".repeat(32));
    let header = header(tar::EntryType::Regular, "tables/t.jsonl", size);
    builder.append(&header, filler(b'7', size)).unwrap();
    builder.into_inner().unwrap().finish().unwrap();
}

/// A PAX extension header of 256 MiB before anything else: the `tar` crate reads those
/// whole into memory when it iterates normally.
fn pax_header(path: &Path) {
    let size = 256 * MIB;
    let mut builder = archive(path);
    let header = header(tar::EntryType::XHeader, "PaxHeaders/manifest.json", size);
    builder.append(&header, filler(b'a', size)).unwrap();
    builder.into_inner().unwrap().finish().unwrap();
}

/// A GNU long name of 128 MiB between the manifest and the part.
fn long_name(path: &Path) {
    let size = 128 * MIB;
    let mut builder = archive(path);
    append_manifest(&mut builder, 4, &"00".repeat(32));
    let header = header(tar::EntryType::GNULongName, "././@LongLink", size);
    builder.append(&header, filler(b'n', size)).unwrap();
    builder.into_inner().unwrap().finish().unwrap();
}

/// A manifest declaring 100 GiB of data.
fn declared_too_much(path: &Path) {
    let mut builder = archive(path);
    append_manifest(&mut builder, 100 << 30, &"00".repeat(32));
    builder.into_inner().unwrap().finish().unwrap();
}

/// Not a test on its own: the child process of `hostile_files_are_refused_quickly_in_bounded_memory`.
/// Validates the file named in its environment and reports.
#[test]
#[ignore = "run by hostile_files_are_refused_quickly_in_bounded_memory"]
fn check_hostile_file_child() {
    let Ok(file) = std::env::var("REWIND_HOSTILE_FILE") else {
        return;
    };
    let before = vm_hwm_kib();
    let started = Instant::now();
    let outcome = app::backup::engine::validate(Path::new(&file), None, i64::MAX, None);
    let elapsed = started.elapsed();
    let outcome = match outcome {
        Ok(_) => "accepted".to_string(),
        Err(error) => format!("{error:?} / {error}"),
    };
    println!("HOSTILE-OUTCOME {outcome}");
    println!("HOSTILE-PEAK-KIB {before} {}", vm_hwm_kib());
    println!("HOSTILE-MILLIS {}", elapsed.as_millis());
}

struct Checked {
    outcome: String,
    peak_growth_mib: u64,
    elapsed: Duration,
}

fn check_in_child(file: &Path) -> Checked {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "check_hostile_file_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("REWIND_HOSTILE_FILE", file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let field = |name: &str| {
        stdout
            .lines()
            .find_map(|l| l.split_once(name).map(|(_, value)| value))
            .unwrap_or_else(|| panic!("no {name} in the child's output: {stdout}"))
            .trim()
            .to_string()
    };
    let peaks: Vec<u64> = field("HOSTILE-PEAK-KIB ")
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    Checked {
        outcome: field("HOSTILE-OUTCOME "),
        peak_growth_mib: peaks[1].saturating_sub(peaks[0]) / 1024,
        elapsed: Duration::from_millis(field("HOSTILE-MILLIS ").parse().unwrap()),
    }
}

#[test]
fn hostile_files_are_refused_quickly_in_bounded_memory() {
    let work = tempfile::tempdir().unwrap();
    type Case = (&'static str, fn(&Path), &'static str, &'static str);
    let cases: [Case; 5] = [
        (
            "gzip bomb after the archive",
            gzip_bomb,
            "Oversized",
            "more data than its manifest declares",
        ),
        (
            "huge line",
            huge_line,
            "Oversized",
            "a line longer than 16 MiB",
        ),
        (
            "PAX header",
            pax_header,
            "NotABackup",
            "not a Rewind backup",
        ),
        ("GNU long name", long_name, "Tampered", "not a plain file"),
        (
            "declared too much",
            declared_too_much,
            "Oversized",
            "more than the 64 GiB",
        ),
    ];
    for (case, make, kind, text) in cases {
        let file = work.path().join("hostile.tar.gz");
        make(&file);
        let checked = check_in_child(&file);
        println!(
            "{case}: {} MiB on disk, refused in {:?}, peak +{} MiB: {}",
            std::fs::metadata(&file).unwrap().len() / MIB,
            checked.elapsed,
            checked.peak_growth_mib,
            checked.outcome
        );
        assert!(
            checked.outcome.starts_with(kind) && checked.outcome.contains(text),
            "{case}: {}",
            checked.outcome
        );
        assert!(
            checked.peak_growth_mib < PEAK_BOUND_MIB,
            "{case}: the check grew the peak memory by {} MiB",
            checked.peak_growth_mib
        );
        assert!(
            checked.elapsed < TIME_BOUND,
            "{case}: took {:?}",
            checked.elapsed
        );
    }
}

#[test]
fn temporary_files_left_in_the_backup_directory_are_removed_at_start_up() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("backups");
    std::fs::create_dir_all(dir.join(".parts-x1y2/deeper")).unwrap();
    std::fs::write(dir.join(".parts-x1y2/deeper/0.jsonl"), "[1]\n").unwrap();
    let orphans = [".upload-a1b2", ".import-c3d4", ".export-e5f6"];
    let kept = ["rewind-20250131-235900-0badcafe.rewind.tar.gz", "notes.txt"];
    for name in orphans.iter().chain(&kept) {
        std::fs::File::create(dir.join(name))
            .unwrap()
            .write_all(b"data")
            .unwrap();
    }
    let service = SystemBackups::new(SystemBackupConfig {
        dir: dir.clone(),
        ..SystemBackupConfig::default()
    });
    // In a directory shared with other live servers, files still changing are theirs.
    let hour = std::time::Duration::from_secs(3600);
    assert_eq!(service.remove_orphaned_files(hour), 0);
    assert_eq!(service.remove_orphaned_files(std::time::Duration::ZERO), 4);
    let mut left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    let mut expected = kept.map(str::to_owned).to_vec();
    expected.sort();
    assert_eq!(left, expected);
    // A directory that does not exist yet is no error.
    let fresh = SystemBackups::new(SystemBackupConfig {
        dir: work.path().join("not-yet"),
        ..SystemBackupConfig::default()
    });
    assert_eq!(fresh.remove_orphaned_files(std::time::Duration::ZERO), 0);
}

/// A sound one-row backup (the gzip bomb's beginning, without the bomb).
fn sound_archive(path: &Path) -> Vec<u8> {
    let part = b"[1]\n";
    let mut builder = archive(path);
    append_manifest(
        &mut builder,
        part.len() as u64,
        &hex::encode(Sha256::digest(part)),
    );
    let header = header(tar::EntryType::Regular, "tables/t.jsonl", part.len() as u64);
    builder.append(&header, &part[..]).unwrap();
    builder.into_inner().unwrap().finish().unwrap();
    std::fs::read(path).unwrap()
}

/// The reader's answer for `bytes`: never a panic; a refusal is one of the messages a user can
/// act on, never an internal error.
fn check_bytes(dir: &Path, bytes: &[u8]) -> Result<(), String> {
    let path = dir.join("candidate.tar.gz");
    std::fs::write(&path, bytes).unwrap();
    match app::backup::engine::validate(&path, None, i64::MAX, None) {
        Ok(_) => Ok(()),
        Err(
            error @ (app::backup::Error::Internal(_)
            | app::backup::Error::Io(_)
            | app::backup::Error::Store(_)),
        ) => Err(format!("not a user-facing refusal: {error:?}")),
        Err(_) => Ok(()),
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Damaged copies of a sound backup (bytes changed, cut short) and arbitrary bytes: the
    /// reader accepts them or refuses them with a user-facing message, and never panics.
    #[test]
    fn damaged_and_random_files_get_a_clear_answer(
        flips in proptest::collection::vec((proptest::prelude::any::<usize>(), proptest::prelude::any::<u8>()), 0..8),
        cut in proptest::prelude::any::<usize>(),
        random in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = sound_archive(&dir.path().join("sound.tar.gz"));
        for (at, value) in flips {
            let len = bytes.len();
            bytes[at % len] = value;
        }
        let keep = cut % (bytes.len() + 1);
        let damaged = &bytes[..keep.max(bytes.len() / 2)];
        proptest::prop_assert_eq!(check_bytes(dir.path(), damaged), Ok(()));
        proptest::prop_assert_eq!(check_bytes(dir.path(), &random), Ok(()));
    }
}
