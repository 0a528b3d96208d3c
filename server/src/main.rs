use app::state::AuthConfig;
use app::store::{ScaleOptions, SeedOptions, Store};
use clap::{Parser, Subcommand};
use leptos::prelude::{get_configuration, LeptosOptions};
use std::io::BufRead;

mod bench;
mod bench_as_of;
mod bench_bulk;
mod bench_feed;
mod bench_history_size;
mod bench_million;
mod bench_scim;

#[derive(Parser)]
#[command(
    name = "server",
    version,
    about = "Rewind: history, snapshots and restore for an identity store"
)]
struct Cli {
    /// Database URL: sqlite://path/to/file.db (default) or postgres://user@host/db.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/rewind.db",
        global = true
    )]
    database_url: String,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the console (the default).
    Serve,
    /// Create the Owner account. The password is read from REWIND_OWNER_PASSWORD or stdin.
    CreateOwner {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "")]
        display_name: String,
    },
    /// Clear the sign-in throttle: for a user name from every address (a locked-out Owner's
    /// recovery), and/or for one client address with every user name tried from it.
    Unlock {
        #[arg(long, required_unless_present = "address")]
        username: Option<String>,
        /// A client address as the audit log shows it (`203.0.113.7`, `2001:db8:1:2::/64`).
        #[arg(long)]
        address: Option<String>,
    },
    /// Fill an empty identity store with a demo organisation and a year of history, or
    /// (with --scale, --memberships or --history-days) with bulk data generated set-based.
    Seed {
        /// Users (demo: 200; bulk: the preset's).
        #[arg(long)]
        users: Option<i64>,
        /// Groups (demo: 40; bulk: the preset's).
        #[arg(long)]
        groups: Option<i64>,
        /// The same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Bulk data: `million` (1M users, 30k groups, 10M memberships, 365 days) or `quick`
        /// (1/200 of it); the other options change single sizes.
        #[arg(long, value_enum)]
        scale: Option<ScalePreset>,
        /// Bulk data: membership versions in all (current and ended).
        #[arg(long)]
        memberships: Option<i64>,
        /// Bulk data: days of history before now.
        #[arg(long)]
        history_days: Option<i64>,
    },
    /// Prune the history the retention lets go (set in the console; keeping it forever, the
    /// default, prunes nothing) now, instead of waiting for the server's daily run.
    Prune {
        /// Rows deleted per table per write transaction.
        #[arg(long, default_value_t = 2000)]
        batch: i64,
    },
    /// Seal every vault secret again with a new vault key and retire the old key from the
    /// key file (REWIND_VAULT_KEY_FILE, default data/vault.key), in one transaction.
    RotateVaultKey,
    /// Measure history reads, snapshot capture and SCIM on a fresh temporary database
    /// (SQLite, or a scratch database on the PostgreSQL server when DATABASE_URL is
    /// postgres://).
    Bench {
        /// A small scale for a smoke run.
        #[arg(long)]
        quick: bool,
        /// The shape of the fixtures' history: `irregular` (random instants per object,
        /// renames, moves, deletions and recoveries, an irregular tree) or `regular` (every
        /// group renamed at the same 20 instants, a ten-ary tree).
        #[arg(long, value_enum, default_value_t = bench::History::Irregular)]
        history: bench::History,
        /// Keep the scratch database afterwards (to look at query plans) and say where.
        #[arg(long)]
        keep: bool,
        /// Only the scale section: seed 1M users (with --quick 5,000) set-based and time
        /// the users list, search, user page, history and as-of reads (p50, p99).
        #[arg(long)]
        million: bool,
        /// With --million: this many users instead (groups and memberships in proportion).
        #[arg(long, requires = "million")]
        users: Option<i64>,
    },
    /// Serve a freshly seeded database on loopback and drive it with concurrent operators
    /// over HTTP while an import, a backup and a restore run; then check that no write was
    /// lost. A temporary SQLite file, or DATABASE_URL when it is an empty PostgreSQL database.
    Load {
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        #[arg(long, default_value_t = 20)]
        operators: usize,
        /// Users of the seeded demo organisation.
        #[arg(long, default_value_t = 2000)]
        users: i64,
    },
}

/// The bulk seed's presets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ScalePreset {
    Million,
    Quick,
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    if let Err(message) = run(cli).await {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    if let Some(Command::Bench {
        quick,
        keep,
        million: true,
        users,
        ..
    }) = cli.command
    {
        println!(
            "{}",
            bench_million::run(&cli.database_url, quick, users, keep).await?
        );
        return Ok(());
    }
    if let Some(Command::Bench {
        quick,
        history,
        keep,
        ..
    }) = cli.command
    {
        // Never on the configured database: a scratch one is made and removed.
        println!(
            "{}",
            bench::run(&cli.database_url, quick, history, keep).await?
        );
        return Ok(());
    }
    if let Some(Command::Load {
        seconds,
        operators,
        users,
    }) = cli.command
    {
        let options = server::load::LoadOptions {
            seconds,
            operators,
            users,
        };
        let report = server::load::run(&cli.database_url, &options).await?;
        println!("{}", report.text);
        return match report.failures.len() {
            0 => Ok(()),
            n => Err(format!("{n} load checks failed")),
        };
    }
    let store = Store::connect(&cli.database_url)
        .await
        .map_err(|e| format!("cannot open {}: {e}", cli.database_url))?;
    // Only what seals or opens vault secrets needs the vault key.
    let store = match cli.command {
        None | Some(Command::Serve | Command::Seed { .. } | Command::RotateVaultKey) => store
            .with_vault_keys_from_env()
            .await
            .map_err(|e| format!("cannot load the vault key: {e}"))?,
        _ => store,
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(store).await,
        Command::CreateOwner {
            username,
            display_name,
        } => {
            let password = match std::env::var("REWIND_OWNER_PASSWORD") {
                Ok(password) => password,
                Err(_) => {
                    eprintln!("Password for {username}:");
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .map_err(|e| e.to_string())?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            let owner = store
                .create_owner(None, &username, &display_name, &password)
                .await
                .map_err(|e| app::error::AppError::from(e).to_string())?;
            println!("Created the Owner account {:?}.", owner.username);
            Ok(())
        }
        Command::Unlock { username, address } => {
            let cleared = store
                .clear_login_throttle(username.as_deref(), address.as_deref(), "command line")
                .await
                .map_err(|e| app::error::AppError::from(e).to_string())?;
            let target = [username.as_deref(), address.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" from ");
            println!("Cleared the sign-in throttle for {target} ({cleared} entries).");
            Ok(())
        }
        Command::Seed {
            users,
            groups,
            seed,
            scale: None,
            memberships: None,
            history_days: None,
        } => {
            let options = SeedOptions::new(users.unwrap_or(200), groups.unwrap_or(40), seed);
            seed_demo(&store, &options).await
        }
        Command::Seed {
            users,
            groups,
            seed,
            scale,
            memberships,
            history_days,
        } => {
            let base = match scale {
                Some(ScalePreset::Quick) => ScaleOptions::quick(),
                _ => ScaleOptions::million(),
            };
            let options = ScaleOptions {
                users: users.unwrap_or(base.users),
                groups: groups.unwrap_or(base.groups),
                memberships: memberships.unwrap_or(base.memberships),
                history_days: history_days.unwrap_or(base.history_days),
                seed,
                ..base
            };
            let started = std::time::Instant::now();
            let report = store
                .seed_scale(&options)
                .await
                .map_err(|e| app::error::AppError::from(e).to_string())?;
            println!(
                "Seeded {report} in {:.1} s.",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::RotateVaultKey => {
            let rotation = store
                .rotate_vault_key()
                .await
                .map_err(|e| format!("the vault key was not rotated: {e}"))?;
            println!(
                "Resealed {} secret versions with the new vault key {}; retired {}. Backups \
                 taken before now hold secrets sealed with the retired key: their secrets open \
                 only where that key is in the key file.",
                rotation.resealed,
                rotation.new_key,
                rotation.retired.join(", ")
            );
            Ok(())
        }
        Command::Prune { batch } => {
            if batch < 1 {
                return Err("--batch is at least 1".into());
            }
            let retention = store.history_retention().await.map_err(|e| e.to_string())?;
            let options = app::store::PruneOptions {
                batch,
                ..Default::default()
            };
            let summary = store
                .prune_history(chrono::Utc::now(), &options)
                .await
                .map_err(|e| format!("pruning stopped: {e}"))?;
            match summary.cutoff {
                None => println!("History is kept forever: nothing to prune."),
                Some(cutoff) => println!(
                    "Kept {} of history: pruned what ended before {cutoff}: {} ({} batches).",
                    app::model::describe_retention(retention.keep_months),
                    summary.describe(),
                    summary.batches
                ),
            }
            Ok(())
        }
        Command::Bench { .. } | Command::Load { .. } => Ok(()),
    }
}

async fn seed_demo(store: &Store, options: &SeedOptions) -> Result<(), String> {
    let started = std::time::Instant::now();
    let report = store
        .seed_demo(options)
        .await
        .map_err(|e| app::error::AppError::from(e).to_string())?;
    println!(
        "Seeded {} users ({} deleted) and {} groups ({} deleted): {} operations, {} snapshots \
         in {:.1} s.",
        report.users,
        report.deleted_users,
        report.groups,
        report.deleted_groups,
        report.operations,
        report.snapshots,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn serve(store: Store) -> Result<(), String> {
    let leptos_options = leptos_options()?;
    let addr = leptos_options.site_addr;
    // `make run` asks for demo data; only a new, empty identity store receives it.
    if std::env::var("REWIND_DEMO_DATA").is_ok_and(|v| v == "1")
        && store.identity_is_empty().await.map_err(|e| e.to_string())?
    {
        tracing::info!("Seeding demo data (200 users, 40 groups, a year of history)...");
        seed_demo(&store, &SeedOptions::new(200, 40, 1)).await?;
    }
    if !store.owner_exists().await.map_err(|e| e.to_string())? {
        // Whoever can read the server log may create the Owner; nobody else can.
        let token = std::env::var("REWIND_SETUP_TOKEN")
            .ok()
            .filter(|t| !t.is_empty())
            .unwrap_or_else(app::store::random_token);
        store
            .replace_setup_token(&token)
            .await
            .map_err(|e| e.to_string())?;
        tracing::warn!(
            "No Owner account yet. Create it at http://{addr}/setup?token={token} \
             (or run `server create-owner --username NAME`)."
        );
    }
    let idle_minutes = match std::env::var("REWIND_SESSION_IDLE_MINUTES") {
        Ok(value) => value
            .parse::<i64>()
            .ok()
            .filter(|m| *m > 0)
            .ok_or_else(|| {
                format!("REWIND_SESSION_IDLE_MINUTES: not a number of minutes: {value:?}")
            })?,
        Err(_) => AuthConfig::default().session_idle_secs / 60,
    };
    let auth = AuthConfig {
        session_idle_secs: idle_minutes * 60,
        secure_cookies: std::env::var("REWIND_SECURE_COOKIES").is_ok_and(|v| v == "1"),
        behind_proxy: std::env::var("REWIND_BEHIND_PROXY").is_ok_and(|v| v == "1"),
        ..AuthConfig::default()
    };
    let backups = app::backup::SystemBackupConfig::from_env();
    tracing::info!("System backups are kept in {}", backups.dir.display());
    let mut state = server::app_state_with(leptos_options, store, auth, backups);
    if let Some(config) = app::oidc::OidcConfig::from_env()? {
        tracing::info!(
            "Operators may sign in through {} ({}), returning to {}",
            config.provider_name,
            config.issuer,
            config.redirect_url
        );
        state.oidc = Some(std::sync::Arc::new(app::oidc::Oidc::new(config)?));
    }
    // Before anything can start an upload, import, export or restore here: what a stopped
    // process left (never what another live process on the same database is doing).
    state
        .system_backup
        .recover_interrupted(&state.store, true)
        .await
        .map_err(|e| format!("cannot clean up after a previous run: {e}"))?;
    tokio::spawn(
        state
            .system_backup
            .clone()
            .run_scheduler(state.store.clone()),
    );
    tokio::spawn(purge_periodically(
        state.store.clone(),
        state.auth.session_idle_secs,
    ));
    tokio::spawn(prune_history_daily(state.store.clone()));
    let router = server::router(state);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    tracing::info!("Rewind listening on http://{addr}");
    // The peer address counts sign-in attempts (see app::auth::client_address).
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|e| e.to_string())
}

/// Leptos's settings from `LEPTOS_*` variables. A build from `cargo xtask build` is a
/// directory holding this binary, `site/` and `hash.txt`: unless told otherwise, the server
/// serves the `site/` beside it and uses the hashed file names `hash.txt` lists, so that
/// directory runs anywhere as it is.
fn leptos_options() -> Result<LeptosOptions, String> {
    let mut options = get_configuration(None)
        .map(|conf| conf.leptos_options)
        .unwrap_or_else(|_| LeptosOptions::builder().output_name("rewind").build());
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(std::path::Path::to_path_buf))
        .unwrap_or_default();
    let unset = |name: &str| std::env::var_os(name).is_none();
    let site = beside.join("site");
    if unset("LEPTOS_SITE_ROOT") && site.is_dir() {
        options.site_root = site.to_string_lossy().into();
    }
    // Leptos reads the file (relative to this binary) on every page.
    let hash_file = beside.join(&*options.hash_file);
    if unset("LEPTOS_HASH_FILES") {
        options.hash_files = hash_file.is_file();
    } else if options.hash_files && !hash_file.is_file() {
        return Err(format!(
            "LEPTOS_HASH_FILES is set but there is no hash file {}",
            hash_file.display()
        ));
    }
    tracing::info!(
        "Serving the site in {} ({})",
        options.site_root,
        if options.hash_files {
            "content-hashed names"
        } else {
            "plain names"
        }
    );
    Ok(options)
}

/// Expired and idle sessions, forgotten sign-in counts and stale restore requests would
/// otherwise pile up; they are removed every ten minutes.
async fn purge_periodically(store: Store, session_idle_secs: i64) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(10 * 60));
    loop {
        every.tick().await;
        match store.purge_stale(session_idle_secs).await {
            Ok(report) if report != app::store::PurgeReport::default() => {
                tracing::info!(?report, "purged expired rows")
            }
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "purging expired rows"),
        }
    }
}

/// History older than the retention goes once a day (the retention counts in months), the
/// first time ten minutes after start-up so that it never competes with the start itself.
/// Each run deletes in short batches: writers wait at most one batch.
async fn prune_history_daily(store: Store) {
    let start = tokio::time::Instant::now() + std::time::Duration::from_secs(10 * 60);
    let mut every = tokio::time::interval_at(start, std::time::Duration::from_secs(24 * 3600));
    loop {
        every.tick().await;
        let started = std::time::Instant::now();
        match store
            .prune_history(chrono::Utc::now(), &app::store::PruneOptions::default())
            .await
        {
            Ok(summary) if !summary.is_empty() => tracing::info!(
                cutoff = ?summary.cutoff,
                versions = summary.versions,
                snapshots = summary.snapshots,
                undo_points = summary.undo_points,
                feed_records = summary.feed_records,
                operations = summary.operations,
                batches = summary.batches,
                seconds = started.elapsed().as_secs_f64(),
                "pruned history older than the retention"
            ),
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "pruning history"),
        }
    }
}
