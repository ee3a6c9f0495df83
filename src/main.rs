//! `anemone-sync`: the headless CLI. The command-line contract (commands, flags, JSON fields,
//! exit codes) is relied on by scripts: change it only compatibly.
//!
//! Exit codes: 0 all succeeded; 1 some files failed; 2 usage or configuration error; 3 cannot
//! connect or authenticate; 5 aborted by a safety guard.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[path = "cli/watch.rs"]
mod watch;

use anemone_sync::db::jobs::NewJob;
use anemone_sync::engine::{self, Engine, Keep, RunReport, SyncError, SyncOptions};
use anemone_sync::events::Event;
use anemone_sync::reconcile::{ConflictPolicy, Mode};
use anemone_sync::remote::Encryption;
use anemone_sync::trigger::{LiveSettings, Schedule, TimeOfDay, Trigger};
use anemone_sync::url::RemoteUrl;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "anemone-sync",
    version,
    about = "Keep local folders in two-way sync with SMB shares"
)]
struct Cli {
    /// Folder for the database, credential file and logs (default: $ANEMONE_SYNC_HOME, else the
    /// OS data folder).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Add, list or remove sync jobs.
    Job {
        #[command(subcommand)]
        command: JobCommand,
    },
    /// Sync jobs (all enabled jobs when none is named).
    Sync {
        names: Vec<String>,
        #[arg(long, conflicts_with = "names")]
        all: bool,
        /// Show what would happen; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Go on even when the mass-delete guard would stop the run.
        #[arg(long)]
        force: bool,
        #[arg(long)]
        json: bool,
    },
    /// Jobs, their last run, pending conflicts and the credential store in use.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Pending conflicts (policy `ask`).
    Conflicts {
        name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Settle a pending conflict.
    Resolve {
        id: i64,
        #[arg(long, value_parser = ["local", "remote", "both"])]
        keep: String,
    },
    /// Past runs, newest first.
    History {
        name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Live sync in the foreground: a first sync, then every change as it happens (by each
    /// job's trigger). Ctrl-C or SIGTERM stops it cleanly.
    Watch {
        names: Vec<String>,
        #[arg(long, conflicts_with = "names")]
        all: bool,
        /// Seconds transfers in flight get to finish when stopping, before they are cut (their
        /// temps are resumed next time).
        #[arg(long, value_name = "SECS", default_value_t = 10)]
        grace: u64,
    },
}

/// When a job syncs by itself (`job add`).
#[derive(clap::Args)]
struct LiveArgs {
    /// realtime (watch both sides), interval, schedule or manual.
    #[arg(long, default_value = "realtime", value_parser = parse_trigger)]
    trigger: Trigger,
    /// `interval`: minutes between syncs.
    #[arg(long = "every", value_name = "MINUTES", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..))]
    every: u32,
    /// `schedule`: a time of day, HH:MM (repeatable).
    #[arg(long = "at", value_name = "HH:MM", value_parser = parse_time)]
    at: Vec<TimeOfDay>,
    /// `schedule`: days of the week, like mon-fri or sat,sun (default: every day).
    #[arg(long, value_name = "DAYS", value_parser = parse_days)]
    days: Option<Days>,
    /// Minutes between full rescans that back up live sync (0: none).
    #[arg(long = "rescan", value_name = "MINUTES", default_value_t = 60)]
    rescan: u32,
    /// Milliseconds of quiet that coalesce file-system events before a sync.
    #[arg(long = "quiet-ms", value_name = "MS", default_value_t = 2000)]
    quiet_ms: u32,
    /// Do not ask the server for change notification; poll it instead.
    #[arg(long)]
    no_remote_notify: bool,
    /// Seconds between remote polls when notification is off or unavailable.
    #[arg(long = "poll", value_name = "SECS", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..))]
    poll: u32,
}

#[derive(Clone)]
struct Days(Vec<anemone_sync::trigger::Day>);

impl LiveArgs {
    fn settings(&self) -> Result<LiveSettings, SyncError> {
        let live = LiveSettings {
            trigger: self.trigger,
            interval_minutes: self.every,
            schedule: Schedule {
                times: self.at.clone(),
                days: self.days.clone().map(|d| d.0).unwrap_or_default(),
            },
            rescan_minutes: self.rescan,
            quiet_ms: self.quiet_ms,
            remote_notify: !self.no_remote_notify,
            poll_secs: self.poll,
        };
        live.validate().map_err(SyncError::Config)?;
        Ok(live)
    }
}

fn parse_trigger(s: &str) -> Result<Trigger, String> {
    s.parse()
}

fn parse_time(s: &str) -> Result<TimeOfDay, String> {
    s.parse()
}

fn parse_days(s: &str) -> Result<Days, String> {
    Schedule::parse_days(s).map(Days)
}

#[derive(Subcommand)]
enum JobCommand {
    /// Add a job.
    Add {
        name: String,
        #[arg(long, value_name = "DIR")]
        local: PathBuf,
        #[arg(long, value_name = "URL")]
        remote: String,
        #[arg(long, default_value = "two-way", value_parser = parse_mode)]
        mode: Mode,
        #[arg(long, default_value = "keep-both", value_parser = parse_policy)]
        conflict: ConflictPolicy,
        #[arg(long = "exclude", value_name = "GLOB")]
        excludes: Vec<String>,
        #[arg(long = "max-delete", value_name = "PCT", default_value_t = 50, value_parser = clap::value_parser!(u32).range(0..=100))]
        max_delete: u32,
        /// Files transferred at the same time.
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
        parallel: u32,
        /// Read the SMB password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// SMB encryption: auto (as the server asks) or required (refuse a server that does
        /// not encrypt).
        #[arg(long, default_value = "auto", value_parser = parse_encryption)]
        encryption: Encryption,
        #[command(flatten)]
        live: LiveArgs,
    },
    /// Store a new password for a job's SMB login (read from the first line of standard
    /// input), after the server rejected the old one.
    SetPassword {
        name: String,
        /// Read the password from standard input (the only way; the flag says so in scripts).
        #[arg(long)]
        password_stdin: bool,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    Remove {
        name: String,
    },
}

fn parse_mode(s: &str) -> Result<Mode, String> {
    s.parse()
}

fn parse_policy(s: &str) -> Result<ConflictPolicy, String> {
    s.parse()
}

fn parse_encryption(s: &str) -> Result<Encryption, String> {
    s.parse()
}

/// The first line of standard input, without its line break.
fn password_from_stdin() -> Result<String, SyncError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| SyncError::Config(format!("cannot read the password from stdin: {e}")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Stores `password` for `url` and says where.
fn store_password(
    engine: &Engine,
    url: &anemone_sync::url::SmbUrl,
    password: &str,
) -> Result<(), SyncError> {
    let store = engine
        .credentials
        .set(url, password)
        .map_err(|e| SyncError::Config(e.to_string()))?;
    eprintln!(
        "password stored in the {}",
        match store {
            anemone_sync::credentials::StoreKind::Keyring => "OS keyring".to_string(),
            anemone_sync::credentials::StoreKind::File => engine.credentials.describe_store(),
        }
    );
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let data_dir = engine::data_dir(cli.data_dir.as_deref());
    let _log = anemone_sync::logging::init(&data_dir);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let code = rt.block_on(async move {
        match run(cli.command, &data_dir).await {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e}");
                e.exit_code()
            }
        }
    });
    ExitCode::from(code as u8)
}

async fn run(cmd: Command, data_dir: &std::path::Path) -> Result<i32, SyncError> {
    let engine = Engine::open(data_dir).await?;
    match cmd {
        Command::Job { command } => job_command(&engine, command).await,
        Command::Sync {
            names,
            all: _,
            dry_run,
            force,
            json,
        } => sync(&engine, names, dry_run, force, json).await,
        Command::Status { json } => status(&engine, json).await,
        Command::Conflicts { name, json } => conflicts(&engine, name, json).await,
        Command::Resolve { id, keep } => {
            let keep = match keep.as_str() {
                "local" => Keep::Local,
                "remote" => Keep::Remote,
                _ => Keep::Both,
            };
            let report = engine.resolve(id, keep).await?;
            for e in &report.errors {
                eprintln!("{}: {}", e.path, e.message);
            }
            if report.exit_code == 0 {
                println!("resolved conflict {id}: kept {}", keep.as_str());
            }
            Ok(report.exit_code)
        }
        Command::History { name, json } => history(&engine, name, json).await,
        Command::Watch {
            names,
            all: _,
            grace,
        } => watch::run(engine, names, Duration::from_secs(grace)).await,
    }
}

/// The jobs named, or every enabled job when none is; an error when that is none at all.
async fn selected_jobs(
    engine: &Engine,
    names: &[String],
    what: &str,
) -> Result<Vec<anemone_sync::db::jobs::Job>, SyncError> {
    let jobs: Vec<_> = if names.is_empty() {
        engine
            .db
            .jobs()
            .await?
            .into_iter()
            .filter(|j| j.enabled)
            .collect()
    } else {
        let mut v = Vec::new();
        for n in names {
            v.push(job_by_name(engine, n).await?);
        }
        v
    };
    if jobs.is_empty() {
        return Err(SyncError::Config(format!(
            "no jobs to {what}; add one with `anemone-sync job add`"
        )));
    }
    Ok(jobs)
}

async fn job_by_name(
    engine: &Engine,
    name: &str,
) -> Result<anemone_sync::db::jobs::Job, SyncError> {
    engine.db.job_by_name(name).await?.ok_or_else(|| {
        SyncError::Config(format!(
            "no job named '{name}'; see `anemone-sync job list`"
        ))
    })
}

async fn job_command(engine: &Engine, cmd: JobCommand) -> Result<i32, SyncError> {
    match cmd {
        JobCommand::Add {
            name,
            local,
            remote,
            mode,
            conflict,
            excludes,
            max_delete,
            parallel,
            password_stdin,
            encryption,
            live,
        } => {
            // Everything is checked before anything is stored: a rejected job must not have
            // replaced the stored password of that login.
            let live = live.settings()?;
            let url = RemoteUrl::parse(&remote).map_err(|e| SyncError::Config(e.to_string()))?;
            let local = absolute(&local)?;
            if local.exists() && !local.is_dir() {
                return Err(SyncError::Config(format!(
                    "local path {} is not a folder; point the job at a folder",
                    local.display()
                )));
            }
            if password_stdin && !matches!(url, RemoteUrl::Smb(_)) {
                return Err(SyncError::Config(
                    "--password-stdin is only for smb:// remotes".into(),
                ));
            }
            let mut job = NewJob::new(&name, local, &url.canonical());
            job.mode = mode;
            job.conflict_policy = conflict;
            job.excludes = excludes;
            job.max_delete_percent = max_delete;
            job.parallel = parallel;
            job.live = live;
            job.encryption = encryption;
            engine.check_job(&job, None).await?;
            if let (RemoteUrl::Smb(u), true) = (&url, password_stdin) {
                store_password(engine, u, &password_from_stdin()?)?;
            }
            let job = engine.db.add_job(&job).await?;
            println!(
                "added job '{}': {} <-> {} ({})",
                job.name,
                job.local_path.display(),
                job.remote_url,
                job.mode
            );
            Ok(0)
        }
        JobCommand::SetPassword {
            name,
            password_stdin: _,
        } => {
            let job = job_by_name(engine, &name).await?;
            let RemoteUrl::Smb(u) =
                RemoteUrl::parse(&job.remote_url).map_err(|e| SyncError::Config(e.to_string()))?
            else {
                return Err(SyncError::Config(format!(
                    "job '{name}' syncs with a folder ({}), which has no password",
                    job.remote_url
                )));
            };
            store_password(engine, &u, &password_from_stdin()?)?;
            println!(
                "new password stored for {}; a running `watch` or the app picks it up within a minute, or run `anemone-sync sync {name}`",
                anemone_sync::credentials::account(&u)
            );
            Ok(0)
        }
        JobCommand::List { json } => {
            let jobs = engine.db.jobs().await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&jobs).unwrap_or_default()
                );
            } else if jobs.is_empty() {
                println!(
                    "no jobs; add one with `anemone-sync job add NAME --local DIR --remote URL`"
                );
            } else {
                for j in jobs {
                    println!(
                        "{}\t{}\t{}\t{}\t{}{}",
                        j.name,
                        j.local_path.display(),
                        j.remote_url,
                        j.mode,
                        j.conflict_policy,
                        if j.enabled { "" } else { "\t(disabled)" }
                    );
                }
            }
            Ok(0)
        }
        JobCommand::Remove { name } => {
            let job = job_by_name(engine, &name).await?;
            engine.db.remove_job(job.id).await?;
            println!("removed job '{name}' (files on both sides are untouched)");
            Ok(0)
        }
    }
}

fn absolute(p: &std::path::Path) -> Result<PathBuf, SyncError> {
    let p = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| SyncError::Config(format!("cannot read the current folder: {e}")))?
            .join(p)
    };
    Ok(std::fs::canonicalize(&p).unwrap_or(p))
}

async fn sync(
    engine: &Engine,
    names: Vec<String>,
    dry_run: bool,
    force: bool,
    json: bool,
) -> Result<i32, SyncError> {
    let jobs = selected_jobs(engine, &names, "sync").await?;
    let show_bar = !json && std::io::stderr().is_terminal();
    let mut reports = Vec::new();
    for job in &jobs {
        let bar = show_bar.then(|| progress_bar(engine, &job.name));
        let report = engine
            .sync_job(
                job,
                SyncOptions {
                    dry_run,
                    force,
                    ..SyncOptions::default()
                },
            )
            .await;
        if let Some((bar, task)) = bar {
            task.abort();
            bar.finish_and_clear();
        }
        if !json {
            print_summary(&report, dry_run);
        }
        reports.push(report);
    }
    if json {
        if reports.len() == 1 {
            println!("{}", serde_json::to_string(&reports[0]).unwrap_or_default());
        } else {
            for r in &reports {
                println!("{}", serde_json::to_string(r).unwrap_or_default());
            }
        }
    }
    Ok(worst_exit(&reports))
}

/// The most serious outcome decides: cannot connect, then guard, then config, then failed files.
fn worst_exit(reports: &[RunReport]) -> i32 {
    for code in [3, 5, 2, 1] {
        if reports.iter().any(|r| r.exit_code == code) {
            return code;
        }
    }
    0
}

fn print_summary(r: &RunReport, dry_run: bool) {
    let c = &r.counts;
    let lead = if dry_run {
        "would sync"
    } else {
        r.status.as_str()
    };
    println!(
        "{}: {lead} - {} up ({}), {} down ({}), {} deleted here, {} deleted remotely, {} conflicts, {} skipped, {:.1} s",
        r.job,
        c.uploaded,
        human_bytes(c.bytes_up),
        c.downloaded,
        human_bytes(c.bytes_down),
        c.deleted_local,
        c.deleted_remote,
        c.conflicts,
        c.skipped,
        r.duration_ms as f64 / 1000.0
    );
    if let Some(m) = &r.message {
        if !dry_run {
            eprintln!("{}: {m}", r.job);
        }
    }
    for e in &r.errors {
        eprintln!("  {}: {}", e.path, e.message);
    }
    for n in &r.notes {
        eprintln!("  note: {}: {}", n.path, n.message);
    }
    if let Some(plan) = &r.planned {
        for p in plan {
            println!("  {} {}", p.action, p.path);
        }
    }
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn progress_bar(
    engine: &Engine,
    job: &str,
) -> (indicatif::ProgressBar, tokio::task::JoinHandle<()>) {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{prefix} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_prefix(job.to_string());
    let mut rx = engine.events.subscribe();
    let (b, job) = (bar.clone(), job.to_string());
    let task = tokio::spawn(async move {
        while let Ok(ev) = rx.recv().await {
            match ev {
                Event::Phase { job: j, phase } if j == job => {
                    b.set_message(format!("{phase:?}").to_lowercase())
                }
                Event::Progress {
                    job: j,
                    files_done,
                    files_total,
                    bytes_done,
                    bytes_total,
                    ..
                } if j == job => {
                    b.set_length(bytes_total);
                    b.set_position(bytes_done);
                    b.set_message(format!("{files_done}/{files_total} files"));
                }
                _ => {}
            }
        }
    });
    (bar, task)
}

async fn status(engine: &Engine, json: bool) -> Result<i32, SyncError> {
    let jobs = engine.db.jobs().await?;
    let live = engine.db.live_states().await?;
    let mut out = Vec::new();
    for j in &jobs {
        let state = live.iter().find(|l| l.job_id == j.id);
        let last = engine.db.runs(Some(j.id), 1).await?.into_iter().next();
        let conflicts = engine.db.pending_conflicts(Some(j.id)).await?.len();
        out.push(serde_json::json!({
            "job": j.name,
            "local": j.local_path,
            "remote": j.remote_url,
            "mode": j.mode,
            "enabled": j.enabled,
            "pending_conflicts": conflicts,
            // Set while a sync service (the app or `watch`) runs the job.
            "state": state.map(|l| l.state.clone()),
            "state_message": state.and_then(|l| l.message.clone()),
            "state_since_ms": state.map(|l| l.since_ms),
            "next_sync_ms": state.and_then(|l| l.next_sync_ms),
            "trigger": j.live.trigger,
            "last_run": last.as_ref().map(|r| serde_json::json!({
                "status": r.status, "started_at_ms": r.started_at_ms, "ended_at_ms": r.ended_at_ms,
                "message": r.message,
            })),
        }));
    }
    let store = engine.credentials.store_in_use();
    if json {
        let v = serde_json::json!({
            "data_dir": engine.data_dir,
            "credential_store": store,
            "credential_store_detail": engine.credentials.describe_store(),
            "jobs": out,
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        println!("data folder: {}", engine.data_dir.display());
        println!("passwords: {}", engine.credentials.describe_store());
        for (j, o) in jobs.iter().zip(&out) {
            let last = o["last_run"]["status"].as_str().unwrap_or("never synced");
            let live = match (o["state"].as_str(), o["state_message"].as_str()) {
                (Some(s), Some(m)) => format!(" - now {s}: {m}"),
                (Some(s), None) => format!(" - now {s}"),
                _ => String::new(),
            };
            println!(
                "{}: {} <-> {} - last run: {last}, {} pending conflicts{live}",
                j.name,
                j.local_path.display(),
                j.remote_url,
                o["pending_conflicts"]
            );
        }
    }
    Ok(0)
}

async fn conflicts(engine: &Engine, name: Option<String>, json: bool) -> Result<i32, SyncError> {
    let job_id = match &name {
        Some(n) => Some(job_by_name(engine, n).await?.id),
        None => None,
    };
    let list = engine.db.pending_conflicts(job_id).await?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&list).unwrap_or_default()
        );
    } else if list.is_empty() {
        println!("no pending conflicts");
    } else {
        for c in list {
            println!(
                "{}\t{}\t{}\tlocal {} B, remote {} B - settle with `anemone-sync resolve {} --keep local|remote|both`",
                c.id, c.job, c.path, c.local_size, c.remote_size, c.id
            );
        }
    }
    Ok(0)
}

async fn history(engine: &Engine, name: Option<String>, json: bool) -> Result<i32, SyncError> {
    let job_id = match &name {
        Some(n) => Some(job_by_name(engine, n).await?.id),
        None => None,
    };
    let runs = engine.db.runs(job_id, 100).await?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&runs).unwrap_or_default()
        );
    } else {
        for r in runs {
            let when = chrono::DateTime::from_timestamp_millis(r.started_at_ms)
                .map(|t| {
                    t.with_timezone(&chrono::Local)
                        .format("%Y-%m-%d %H:%M:%S")
                        .to_string()
                })
                .unwrap_or_default();
            let secs = r
                .ended_at_ms
                .map(|e| (e - r.started_at_ms) as f64 / 1000.0)
                .unwrap_or(0.0);
            println!(
                "{} {when} {} {} ({secs:.1} s): {} up, {} down, {} deleted here, {} deleted remotely, {} conflicts, {} errors, {} notes{}",
                r.id, r.job, r.status.as_str(), r.counts.uploaded, r.counts.downloaded, r.counts.deleted_local,
                r.counts.deleted_remote, r.counts.conflicts, r.errors.len(), r.notes.len(),
                r.message.map(|m| format!(" - {m}")).unwrap_or_default()
            );
        }
    }
    Ok(0)
}
