//! The headless CLI, one file per part: [`args`] (what clap parses), [`job`] (job commands),
//! [`sync`], [`show`] (status, conflicts, history), [`output`] (what a run prints) and
//! [`watch`] (live sync in the foreground), [`config`] (engine-wide settings, export, import).
//!
//! Exit codes (decided by `SyncError::exit_code` and the run's status): 0 all succeeded; 1 some
//! files failed; 2 usage or configuration error; 3 cannot connect or authenticate, or the server
//! refused; 4 a local failure (the state database, a local folder); 5 aborted by a safety guard;
//! 6 a first sync waits for a choice (`job first-sync`).

mod args;
mod config;
mod first_sync;
mod guard;
mod job;
mod output;
mod show;
mod sync;
mod trash;
mod watch;

use std::process::ExitCode;
use std::time::Duration;

use anemone_sync::engine::{self, Engine};
use anemone_sync::sync::{Keep, SyncError};
use clap::Parser;

use args::{Cli, Command};

pub(crate) use output::human_bytes;

/// Parses the command line, runs the command, and says how it went.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    output::set_verbose(cli.verbose);
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
                output::print_error(&e);
                e.exit_code()
            }
        }
    });
    ExitCode::from(code as u8)
}

async fn run(cmd: Command, data_dir: &std::path::Path) -> Result<i32, SyncError> {
    let engine = Engine::open(data_dir).await?;
    match cmd {
        Command::Job { command } => job::run(&engine, command).await,
        Command::Sync {
            names,
            all: _,
            dry_run,
            force,
            json,
            restore_missing,
        } => {
            let how = sync::How {
                dry_run,
                force,
                restore_missing,
            };
            sync::run(&engine, names, how, json).await
        }
        Command::Status { json } => show::status(&engine, json).await,
        Command::Conflicts { name, json } => show::conflicts(&engine, name, json).await,
        Command::Resolve { id, keep } => {
            let keep = match keep.as_str() {
                "local" => Keep::Local,
                "remote" => Keep::Remote,
                _ => Keep::Both,
            };
            let report = engine.resolve(id, keep).await?;
            output::print_file_errors(&report.errors);
            if report.exit_code == 0 {
                println!("resolved conflict {id}: kept {}", keep.as_str());
            }
            Ok(report.exit_code)
        }
        Command::History { name, json } => show::history(&engine, name, json).await,
        Command::Watch {
            names,
            all: _,
            grace,
        } => watch::run(engine, names, Duration::from_secs(grace)).await,
        Command::Trash { command } => trash::run(&engine, command).await,
        Command::Config { command } => config::run(&engine, command).await,
    }
}

/// The jobs named, or every enabled job when none is; an error when that is none at all.
pub(crate) async fn selected_jobs(
    engine: &Engine,
    names: &[String],
    what: &str,
) -> Result<Vec<anemone_sync::db::jobs::Job>, SyncError> {
    let jobs: Vec<_> = if names.is_empty() {
        engine
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

pub(crate) async fn job_by_name(
    engine: &Engine,
    name: &str,
) -> Result<anemone_sync::db::jobs::Job, SyncError> {
    engine.job_by_name(name).await?.ok_or_else(|| {
        SyncError::Config(format!(
            "no job named '{name}'; see `anemone-sync job list`"
        ))
    })
}
