//! Rewind's build tool, in place of cargo-leptos and wasm-bindgen-cli:
//!
//! ```text
//! cargo xtask build [--release | --release-wasm]   wasm + site + server into target/dist/<kind>/
//! cargo xtask serve [--release | --release-wasm]   build, then run that server
//! cargo xtask e2e   [--release-wasm] [--smoke]     build, serve a throw-away seeded database,
//!                                                  run Playwright (end2end/), stop the server
//! ```
//!
//! A build is a self-contained directory (`target/dist/debug`, `release-wasm` or `release`):
//! the server binary, `hash.txt` (the content hashes Leptos puts into the page's file names)
//! and `site/` (public files, `pkg/rewind.<hash>.{js,wasm,css}` with `.br` and `.gz` copies).
//! The server finds `site/` and `hash.txt` beside itself, so the directory can be copied to
//! another machine and started as it is.
mod site;
mod wasm;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

type Result<T = ()> = std::result::Result<T, String>;

const USAGE: &str = "usage: cargo xtask <build|serve|e2e> [--release | --release-wasm] [--smoke]
  build         build the wasm bundle, the site and the server into target/dist/<kind>/
  serve         build, then run the server (DATABASE_URL, LEPTOS_SITE_ADDR etc. pass through)
  e2e           build, serve a fresh seeded SQLite database on a random port and run the
                Playwright suite in end2end/ (E2E_GREP narrows it); --smoke runs only the
                release smoke spec
  --release       size-optimised wasm (wasm-opt) and a release server
  --release-wasm  size-optimised wasm with the debug server (quick to build)";

/// Which halves are optimised.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Debug,
    /// Optimised wasm, debug server: what `make run` serves.
    ReleaseWasm,
    Release,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Debug => "debug",
            Kind::ReleaseWasm => "release-wasm",
            Kind::Release => "release",
        }
    }
    pub fn optimised_wasm(self) -> bool {
        self != Kind::Debug
    }
}

/// Where things are: the workspace, cargo's directories and this build's output.
pub struct Paths {
    pub root: PathBuf,
    /// CARGO_TARGET_DIR, which may be shared by several checkouts: cargo's build directory.
    pub build: PathBuf,
    /// Where cargo puts this checkout's final binaries (its target directory for xtask).
    pub artifacts: PathBuf,
    pub dist: PathBuf,
}

impl Paths {
    fn new(kind: Kind) -> Paths {
        // `cargo run` names the manifest directory at run time too. Prefer that: one binary in
        // a target dir shared by two checkouts must build the checkout it was started from.
        let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        let root = manifest
            .parent()
            .expect("xtask lives in the workspace")
            .to_path_buf();
        let build = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .map(|dir| {
                if dir.is_relative() {
                    root.join(dir)
                } else {
                    dir
                }
            })
            .unwrap_or_else(|| root.join("target"));
        // In the checkout, not in a shared CARGO_TARGET_DIR: there another checkout's build
        // replaces `debug/server` (even `cargo test` links one), and checkouts must not
        // overwrite each other's sites.
        let artifacts = root.join("target").join("xtask");
        let dist = root.join("target").join("dist").join(kind.name());
        Paths {
            root,
            build,
            artifacts,
            dist,
        }
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let (mut release, mut release_wasm, mut smoke) = (false, false, false);
    for arg in args {
        match arg.as_str() {
            "--release" => release = true,
            "--release-wasm" => release_wasm = true,
            "--smoke" if command == "e2e" => smoke = true,
            _ => return usage(&format!("unknown argument {arg:?}")),
        }
    }
    let kind = match (release, release_wasm) {
        (true, _) => Kind::Release,
        (false, true) => Kind::ReleaseWasm,
        (false, false) => Kind::Debug,
    };
    let paths = Paths::new(kind);
    let outcome = match command.as_str() {
        "build" => build(kind, &paths).map(|()| ExitCode::SUCCESS),
        "serve" => build(kind, &paths).and_then(|()| serve(&paths)),
        "e2e" => build(kind, &paths).and_then(|()| e2e(&paths, smoke)),
        "" | "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => return usage(&format!("unknown command {other:?}")),
    };
    outcome.unwrap_or_else(|message| {
        eprintln!("xtask: error: {message}");
        ExitCode::FAILURE
    })
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("xtask: {problem}\n{USAGE}");
    ExitCode::from(2)
}

fn step(what: &str) {
    println!("==> xtask: {what}");
}

/// Runs a command to completion; a failure names it.
pub fn run(command: &mut Command) -> Result {
    let status = command
        .status()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed ({status})"))
    }
}

/// `cargo` compiling in the (shared) build directory and putting the finished binaries into
/// this checkout's own directory (cargo's `build-dir`), so no other build can swap them.
pub fn cargo(paths: &Paths) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .current_dir(&paths.root)
        .env("CARGO_BUILD_BUILD_DIR", &paths.build)
        .env("CARGO_TARGET_DIR", &paths.artifacts);
    // `cargo run` describes xtask's own package in these; build scripts that watch them
    // (ring's watches CARGO_MANIFEST_DIR) would rebuild on every switch with plain cargo.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("CARGO_PKG_")
            || key.starts_with("CARGO_MANIFEST_")
            || matches!(
                &*key,
                "CARGO_CRATE_NAME" | "CARGO_BIN_NAME" | "CARGO_PRIMARY_PACKAGE"
            )
        {
            command.env_remove(&*key);
        }
    }
    add_rustflags(&mut command, &[]);
    command
}

/// Both halves need `--cfg erase_components`: .cargo/config.toml has it, but a RUSTFLAGS
/// variable replaces that list, and so does a wasm32 target list, which `wasm_extra` (flags
/// for the wasm32 target only) needs.
pub fn add_rustflags(command: &mut Command, wasm_extra: &[&str]) {
    let (var, mut flags) = match std::env::var("RUSTFLAGS") {
        Ok(flags) => ("RUSTFLAGS", flags),
        Err(_) if wasm_extra.is_empty() => return,
        Err(_) => {
            let var = "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS";
            (var, std::env::var(var).unwrap_or_default())
        }
    };
    if !flags.contains("erase_components") {
        flags.push_str(" --cfg erase_components");
    }
    for flag in wasm_extra {
        flags.push(' ');
        flags.push_str(flag);
    }
    command.env(var, flags.trim());
}

fn build(kind: Kind, paths: &Paths) -> Result {
    let started = Instant::now();
    std::fs::create_dir_all(&paths.dist).map_err(|e| format!("{}: {e}", paths.dist.display()))?;
    let bundle = wasm::build(kind, paths)?;
    site::write(kind, paths, &bundle)?;
    build_server(kind, paths)?;
    println!(
        "==> xtask: built {} in {:.0?}: {}",
        kind.name(),
        started.elapsed(),
        paths.dist.display()
    );
    Ok(())
}

/// `cargo build -p server`, and a hard link to the binary in the build's directory (so a
/// later build does not change the binary of a build directory that was copied or is running).
fn build_server(kind: Kind, paths: &Paths) -> Result {
    step("server");
    let mut command = cargo(paths);
    command.args(["build", "-p", "server"]);
    let profile_dir = if kind == Kind::Release {
        command.arg("--release");
        "release"
    } else {
        "debug"
    };
    run(&mut command)?;
    let built = paths.artifacts.join(profile_dir).join("server");
    let linked = paths.dist.join("server");
    let _ = std::fs::remove_file(&linked);
    std::fs::hard_link(&built, &linked)
        .or_else(|_| std::fs::copy(&built, &linked).map(|_| ()))
        .map_err(|e| {
            format!(
                "cannot put {} into {}: {e}",
                built.display(),
                linked.display()
            )
        })
}

/// Replaces this process with the built server (the caller's environment passes through).
fn serve(paths: &Paths) -> Result<ExitCode> {
    use std::os::unix::process::CommandExt;
    let server = paths.dist.join("server");
    step(&format!("starting {}", server.display()));
    let error = Command::new(&server).current_dir(&paths.root).exec();
    Err(format!("cannot start {}: {error}", server.display()))
}

/// The Playwright suite against a fresh server on a random port with a throw-away SQLite
/// database seeded with the demo organisation and its year of history.
fn e2e(paths: &Paths, smoke: bool) -> Result<ExitCode> {
    let work = std::env::temp_dir().join(format!("rewind-e2e.{}.{:x}", std::process::id(), seed()));
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let outcome = e2e_in(paths, smoke, &work);
    let _ = std::fs::remove_dir_all(&work);
    outcome
}

fn seed() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

fn free_port() -> Result<u16> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))
        .map(|a| a.port())
}

/// The OpenID provider the specs sign in through (end2end/oidc/provider.mjs, oidc-provider
/// from npm), and the server settings that point at it.
const OIDC_PROVIDER_NAME: &str = "Test IdP";

fn e2e_in(paths: &Paths, smoke: bool, work: &Path) -> Result<ExitCode> {
    let addr = format!("127.0.0.1:{}", free_port()?);
    let oidc_addr = format!("127.0.0.1:{}", free_port()?);
    let redirect = format!("http://{addr}/auth/oidc/callback");
    let oidc_log = work.join("oidc-provider.log");
    let log =
        |path: &Path| std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()));
    let mut provider = Command::new("node");
    provider
        .arg("oidc/provider.mjs")
        .current_dir(paths.root.join("end2end"))
        .env(
            "OIDC_PORT",
            oidc_addr.rsplit(':').next().unwrap_or_default(),
        )
        .env("OIDC_REDIRECT_URI", &redirect)
        .stdout(log(&oidc_log)?)
        .stderr(log(&work.join("oidc-provider.err"))?);
    step(&format!("starting the test OpenID provider on {oidc_addr}"));
    let mut provider = provider
        .spawn()
        .map_err(|e| format!("cannot start the OpenID provider (node): {e}"))?;
    let outcome = wait_http(
        &oidc_addr,
        "/.well-known/openid-configuration",
        &mut provider,
        Duration::from_secs(30),
    )
    .and_then(|()| e2e_with_provider(paths, smoke, work, &addr, &oidc_addr, &redirect));
    let _ = provider.kill();
    let _ = provider.wait();
    if outcome.is_err() {
        eprintln!("(the OpenID provider's log: {})", oidc_log.display());
    }
    outcome
}

fn e2e_with_provider(
    paths: &Paths,
    smoke: bool,
    work: &Path,
    addr: &str,
    oidc_addr: &str,
    redirect: &str,
) -> Result<ExitCode> {
    let mut server = Command::new(paths.dist.join("server"));
    server
        .current_dir(&paths.root)
        .env("LEPTOS_SITE_ADDR", addr)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/rewind.db", work.display()),
        )
        // System backups made by the suite go with the database, not into the checkout's data/.
        .env("REWIND_BACKUP_DIR", work.join("backups"))
        .env("REWIND_VAULT_KEY_FILE", work.join("vault.key"))
        .env("REWIND_SETUP_TOKEN", format!("e2e-setup-{:x}", seed()))
        // The specs run against a year of seeded history; their fixtures use prefixed names.
        .env("REWIND_DEMO_DATA", "1")
        // Operators may also sign in through the test provider (its accounts' groups).
        .env("REWIND_OIDC_ISSUER", format!("http://{oidc_addr}"))
        .env("REWIND_OIDC_CLIENT_ID", "rewind-e2e")
        .env("REWIND_OIDC_CLIENT_SECRET", "e2e-client-secret-0123456789")
        .env("REWIND_OIDC_REDIRECT_URL", redirect)
        .env("REWIND_OIDC_PROVIDER_NAME", OIDC_PROVIDER_NAME)
        .env("REWIND_OIDC_SCOPES", "profile email groups")
        .env("REWIND_OIDC_ROLE_CLAIM", "groups")
        .env("REWIND_OIDC_OWNER_VALUES", "rewind-owners")
        .env("REWIND_OIDC_ADMIN_VALUES", "rewind-admins")
        .env("REWIND_OIDC_AUDITOR_VALUES", "rewind-auditors");
    let mut playwright = Command::new("npx");
    playwright
        .args(["playwright", "test"])
        .current_dir(paths.root.join("end2end"))
        .env("BASE_URL", format!("http://{addr}"));
    if smoke {
        playwright.env("E2E_SMOKE", "1");
    }
    // The specs read the setup token from the environment the server got.
    for (key, value) in server.get_envs() {
        if let Some(value) = value {
            playwright.env(key, value);
        }
    }
    step(&format!("serving a seeded throw-away database on {addr}"));
    let mut child = server
        .spawn()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let outcome =
        wait_http(addr, "/healthz", &mut child, Duration::from_secs(300)).and_then(|()| {
            step("npx playwright test");
            playwright
                .status()
                .map_err(|e| format!("cannot start npx playwright: {e}"))
        });
    let _ = child.kill();
    let _ = child.wait();
    let status = outcome?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}

/// Polls GET `path` until it answers 200 (the server's /healthz: the demo data is seeded before
/// the server listens); fails when the process exits or the time is up.
fn wait_http(addr: &str, path: &str, child: &mut std::process::Child, limit: Duration) -> Result {
    use std::io::{Read, Write};
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("{addr} stopped before answering ({status})"));
        }
        let answer = TcpStream::connect(addr).and_then(|mut stream| {
            stream.set_read_timeout(Some(Duration::from_secs(10)))?;
            write!(
                stream,
                "GET {path} HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
            )?;
            let mut head = [0u8; 12];
            stream.read_exact(&mut head)?;
            Ok(head)
        });
        if matches!(answer, Ok(head) if head.ends_with(b" 200")) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "{addr} did not answer GET {path} with 200 within {limit:?}"
            ));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}
