//! The `debrief` binary: parse the command line, then run the chosen subcommand.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use debrief::cli::{self, ImportError, ImportKind};
use debrief::clock::SystemClock;
use debrief::config::{LearningArgs, ServeArgs};
use debrief::features::learning::import::{ACTION_COLUMNS, INCIDENT_COLUMNS};
use debrief::features::learning::quarter::Quarter;
use debrief::startup::Application;

#[derive(Parser)]
#[command(
    name = "debrief",
    version,
    about = "Incident reviews that produce learning, inside Slack."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the Slack bot (HTTP endpoints, job runner, and Socket Mode if SLACK_APP_TOKEN is set).
    Serve(Box<ServeArgs>),
    /// Run a complete scripted incident review against a built-in local Slack sandbox, and
    /// print what everyone would have seen. Needs no Slack account.
    Demo {
        /// Keep the temporary folder with the demo's database and key file.
        #[arg(long)]
        keep: bool,
    },
    /// Backfill history from a file, so that a team's first learning review is not empty.
    /// All or nothing: a file with any bad row writes nothing and names each problem.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write a quarter's learning review as Markdown, and every raw figure as JSON.
    Export {
        /// The quarter, e.g. 2026-Q3.
        #[arg(long)]
        quarter: String,
        /// The folder to write into (created if needed).
        #[arg(long, default_value = ".")]
        out: PathBuf,
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        learning: LearningArgs,
    },
    /// Print a quarter's learning review as Markdown to stdout, without Slack.
    LearningReview {
        /// The quarter, e.g. 2026-Q3.
        #[arg(long)]
        quarter: String,
        /// Also print how long loading, computing and rendering took (to stderr).
        #[arg(long)]
        timings: bool,
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        learning: LearningArgs,
    },
    /// Erase a person on request: their participant rows, message counts, opt-outs,
    /// cached profile, and every job naming them. Anonymous survey answers and
    /// observations hold no link to anyone, so there is nothing of theirs to find there.
    ForgetUser {
        /// The person's Slack member id (U… or W…, from their profile's "Copy member ID").
        user_id: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Copy everything (ids, sealed answers, the key's fingerprint) into another database,
    /// e.g. from SQLite to PostgreSQL when a team starts running several replicas. The
    /// destination must be empty; its tables are created first. The source is only read.
    MigrateTo {
        /// The destination, e.g. postgres://debrief@db.internal/debrief (its password is
        /// never printed). Give it in the environment as DEBRIEF_MIGRATE_TO instead, so
        /// that it does not show in `ps`.
        #[arg(env = "DEBRIEF_MIGRATE_TO", hide_env_values = true)]
        destination: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Delete everything a workspace left behind (after uninstalling): incidents,
    /// reviews, answers, observations, action items and their history. Without --yes it
    /// only counts what would go.
    Purge {
        /// The Slack workspace id (T…).
        #[arg(long)]
        team: String,
        /// Really delete (without it, nothing is deleted).
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

/// The database an offline command works on.
#[derive(Args)]
struct DatabaseArg {
    /// sqlite://path or postgres://…
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://debrief.db",
        hide_env_values = true
    )]
    database_url: String,
}

/// Which database and workspace an offline command works on.
#[derive(Args)]
struct Target {
    /// sqlite://path or postgres://…
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://debrief.db",
        hide_env_values = true
    )]
    database_url: String,
    /// The Slack workspace id (T…); by default the one the database holds.
    #[arg(long)]
    team: Option<String>,
    /// The anonymity key file, to count vendor survey answers already shown (default: the
    /// service's default key file, if it exists). DEBRIEF_PSEUDONYM_KEY is read too.
    #[arg(long, env = "DEBRIEF_PSEUDONYM_KEY_FILE")]
    pseudonym_key_file: Option<PathBuf>,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import incidents from a CSV or JSON file. Rows are matched by `id`: importing the
    /// same file again adds nothing, and changed rows are updated.
    #[command(after_help = INCIDENT_COLUMNS)]
    Incidents {
        /// file.csv (with a header row) or file.json (an array of objects).
        file: PathBuf,
        #[command(flatten)]
        target: Target,
    },
    /// Import action items (with their status) from a CSV or JSON file; import the
    /// incidents they belong to first.
    #[command(after_help = ACTION_COLUMNS)]
    Actions {
        /// file.csv (with a header row) or file.json (an array of objects).
        file: PathBuf,
        #[command(flatten)]
        target: Target,
    },
}

/// glibc gives each thread that allocates at once an arena of its own, up to eight per
/// core, and each keeps its freed memory: under a burst every worker thread grows one, and
/// RSS creeps up for minutes in a soak without any leak. One arena is enough for a
/// service whose threads mostly wait on sockets (measured: no loss of throughput at 64
/// requests in flight); set before the runtime starts its threads.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator settings; it is called before any thread of
    // ours exists, and an unsupported value is refused (returns 0), not undefined.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// glibc returns freed memory to the system only from the top of its heap; what a burst
/// freed in the middle stays resident, so RSS steps up after every stall and never comes
/// back down. Every few seconds, hand those free pages back (a walk of the free lists:
/// well under a millisecond for this service's heap).
fn return_freed_memory_periodically() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    tokio::spawn(async {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            // SAFETY: malloc_trim only releases free memory; it takes the allocator's own
            // locks and touches no memory that is in use.
            unsafe {
                libc::malloc_trim(0);
            }
        }
    });
}

fn main() -> ExitCode {
    limit_malloc_arenas();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the tokio runtime starts");
    match cli.command {
        Command::Serve(args) => runtime.block_on(serve(*args)),
        Command::Demo { keep } => runtime.block_on(demo(keep)),
        Command::Import(ImportCommand::Incidents { file, target }) => {
            runtime.block_on(import(ImportKind::Incidents, file, target))
        }
        Command::Import(ImportCommand::Actions { file, target }) => {
            runtime.block_on(import(ImportKind::Actions, file, target))
        }
        Command::Export {
            quarter,
            out,
            target,
            learning,
        } => runtime.block_on(export(quarter, out, target, learning)),
        Command::LearningReview {
            quarter,
            timings,
            target,
            learning,
        } => runtime.block_on(learning_review(quarter, timings, target, learning)),
        Command::ForgetUser { user_id, database } => {
            runtime.block_on(forget_user(user_id, database))
        }
        Command::Purge {
            team,
            yes,
            database,
        } => runtime.block_on(purge(team, yes, database)),
        Command::MigrateTo {
            destination,
            database,
        } => runtime.block_on(migrate_to(destination, database)),
    }
}

async fn purge(team: String, yes: bool, database: DatabaseArg) -> ExitCode {
    let store = match cli::open(&database.database_url).await {
        Ok(store) => store,
        Err(err) => return failed(err),
    };
    match store.purge_team(&team, !yes).await {
        Ok(purged) => {
            println!("{}", cli::purged_summary(&team, &purged, yes));
            ExitCode::SUCCESS
        }
        Err(err) => failed(err),
    }
}

async fn migrate_to(destination: String, database: DatabaseArg) -> ExitCode {
    match cli::migrate_to(&database.database_url, &destination).await {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(err) => failed(err),
    }
}

async fn forget_user(user_id: String, database: DatabaseArg) -> ExitCode {
    if let Err(problem) = cli::check_member_id(&user_id) {
        eprintln!("debrief: {problem}");
        return ExitCode::from(2);
    }
    let store = match cli::open(&database.database_url).await {
        Ok(store) => store,
        Err(err) => return failed(err),
    };
    match store.forget_user(&user_id).await {
        Ok(forgotten) => {
            println!("{}", cli::forgotten_summary(&user_id, &forgotten));
            ExitCode::SUCCESS
        }
        Err(err) => failed(err),
    }
}

/// Prints an offline command's failure in one line; the URL it names has no password.
fn failed(err: anyhow::Error) -> ExitCode {
    eprintln!("debrief: {err:#}");
    ExitCode::FAILURE
}

async fn import(kind: ImportKind, file: PathBuf, target: Target) -> ExitCode {
    let store = match cli::open(&target.database_url).await {
        Ok(store) => store,
        Err(err) => return failed(err),
    };
    let team = match cli::team(&store, target.team.as_deref()).await {
        Ok(team) => team,
        Err(err) => return failed(err),
    };
    let now = jiff::Timestamp::now();
    match cli::import(&store, &team, kind, &file, now).await {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(ImportError::Rows(rows)) => {
            for row in &rows {
                eprintln!("{}: {row}", file.display());
            }
            eprintln!("debrief: {} problem(s); nothing was imported.", rows.len());
            ExitCode::FAILURE
        }
        Err(ImportError::Other(err)) => failed(err),
    }
}

/// The parts every report command needs: the quarter, settings, store and workspace.
async fn report_inputs(
    quarter: &str,
    target: &Target,
    learning: LearningArgs,
) -> Result<
    (
        Quarter,
        debrief::config::LearningConfig,
        debrief::store::Store,
        String,
        Option<debrief::pseudonym::PseudonymKey>,
    ),
    ExitCode,
> {
    let quarter: Quarter = quarter.parse().map_err(|err| {
        eprintln!("debrief: --quarter: {err}");
        ExitCode::from(2)
    })?;
    let config = learning.into_config().map_err(|err| {
        eprintln!("debrief: {err}");
        ExitCode::from(2)
    })?;
    let inline_key = std::env::var("DEBRIEF_PSEUDONYM_KEY")
        .ok()
        .filter(|v| !v.is_empty());
    let key = cli::existing_key(
        inline_key.as_deref(),
        target.pseudonym_key_file.as_deref(),
        debrief::config::config_home_from_environment().as_deref(),
    )
    .map_err(failed)?;
    if key.is_none() {
        eprintln!(
            "debrief: no anonymity key found, so vendor survey tallies are left out (set DEBRIEF_PSEUDONYM_KEY_FILE)"
        );
    }
    let store = cli::open(&target.database_url).await.map_err(failed)?;
    let team = cli::team(&store, target.team.as_deref())
        .await
        .map_err(failed)?;
    Ok((quarter, config, store, team, key))
}

async fn export(quarter: String, out: PathBuf, target: Target, learning: LearningArgs) -> ExitCode {
    let (quarter, config, store, team, key) = match report_inputs(&quarter, &target, learning).await
    {
        Ok(inputs) => inputs,
        Err(code) => return code,
    };
    match cli::export(
        &store,
        key.as_ref(),
        &config,
        &team,
        quarter,
        &out,
        jiff::Timestamp::now(),
    )
    .await
    {
        Ok(paths) => {
            for path in paths {
                println!("wrote {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(err) => failed(err),
    }
}

async fn learning_review(
    quarter: String,
    timings: bool,
    target: Target,
    learning: LearningArgs,
) -> ExitCode {
    let (quarter, config, store, team, key) = match report_inputs(&quarter, &target, learning).await
    {
        Ok(inputs) => inputs,
        Err(code) => return code,
    };
    match cli::learning_review(
        &store,
        key.as_ref(),
        &config,
        &team,
        quarter,
        jiff::Timestamp::now(),
    )
    .await
    {
        Ok((markdown, spent)) => {
            print!("{markdown}");
            if timings {
                eprintln!(
                    "timings: load {:.1} ms, compute {:.1} ms, render {:.1} ms",
                    spent.load.as_secs_f64() * 1e3,
                    spent.compute.as_secs_f64() * 1e3,
                    spent.render.as_secs_f64() * 1e3
                );
            }
            ExitCode::SUCCESS
        }
        Err(err) => failed(err),
    }
}

async fn demo(keep: bool) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match debrief::demo::run(debrief::demo::DemoOptions { keep }, &mut stdout).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("debrief demo: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> ExitCode {
    let config = match args.with_environment().into_config() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("debrief: {err}");
            return ExitCode::from(2);
        }
    };
    debrief::telemetry::init(config.log_format);
    let app = match Application::build(config, Arc::new(SystemClock)).await {
        Ok(app) => app,
        Err(err) => {
            eprintln!("debrief: {err:#}");
            return ExitCode::from(2);
        }
    };
    tracing::info!(address = %app.local_addr(), "debrief is listening");
    return_freed_memory_periodically();
    match app.run_until(shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("debrief: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM (what container runtimes send).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
