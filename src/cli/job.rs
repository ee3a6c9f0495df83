//! `job add | set-password | list | remove | first-sync`, through the engine's job API
//! (`anemone_sync::jobs`): every rule is checked before anything, the password included, is
//! stored; a refused job prints each problem with the flag it concerns and exits 2.

use std::io::BufRead;
use std::path::PathBuf;

use anemone_sync::credentials::StoreKind;
use anemone_sync::engine::Engine;
use anemone_sync::job_spec::{JobField, JobSpec};
use anemone_sync::jobs::JobError;
use anemone_sync::sync::first_sync::FirstSyncSetting;
use anemone_sync::sync::SyncError;
use anemone_sync::url::RemoteUrl;

use super::args::JobCommand;
use super::job_by_name;

/// The first line of standard input, without its line break.
pub(crate) fn password_from_stdin() -> Result<String, SyncError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| SyncError::Config(format!("cannot read the password from stdin: {e}")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Says where a password went.
fn say_stored(engine: &Engine, store: StoreKind) {
    eprintln!(
        "password stored in the {}",
        match store {
            StoreKind::Keyring => "OS keyring".to_string(),
            StoreKind::File => engine.describe_credential_store(),
        }
    );
}

/// The flag a field of a job comes from, to name it after the engine's message.
fn flag(field: JobField) -> Option<&'static str> {
    Some(match field {
        JobField::LocalPath => "--local",
        JobField::RemotePath => "--remote",
        JobField::Mode => "--mode",
        JobField::ConflictPolicy => "--conflict",
        JobField::Excludes => "--exclude",
        JobField::MaxDeletePercent => "--max-delete",
        JobField::Parallel => "--parallel",
        JobField::Encryption => "--encryption",
        JobField::Trigger => "--trigger",
        JobField::IntervalMinutes => "--every",
        JobField::Times => "--at",
        JobField::Days => "--days",
        JobField::RescanMinutes => "--rescan",
        JobField::QuietMs => "--quiet-ms",
        JobField::PollSecs => "--poll",
        JobField::Password => "--password-stdin",
        JobField::Name | JobField::TrashRetentionDays => return None,
    })
}

/// A job the engine refused: each problem on a line of its own, with the flag it concerns
/// (exit 2); any other failure as usual.
fn refused(e: JobError) -> Result<i32, SyncError> {
    let JobError::Invalid(errors) = e else {
        return Err(e.into());
    };
    for err in &errors {
        match flag(err.field) {
            Some(f) => eprintln!("error: {} ({f})", err.message),
            None => eprintln!("error: {}", err.message),
        }
    }
    Ok(2)
}

pub(crate) async fn run(engine: &Engine, cmd: JobCommand) -> Result<i32, SyncError> {
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
            first_sync,
            up_limit,
            down_limit,
        } => {
            if let Some(why) = first_sync.clash_with(mode) {
                eprintln!("error: {why} (--first-sync)");
                return Ok(2);
            }
            // The engine checks everything before it stores anything: a refused job must not
            // have replaced the stored password of that login.
            let mut spec = JobSpec::new(&name, absolute(&local)?, &remote);
            spec.mode = mode;
            spec.conflict_policy = conflict;
            spec.excludes = excludes;
            spec.max_delete_percent = max_delete;
            spec.parallel = parallel;
            spec.live = live.settings();
            spec.encryption = encryption;
            let password = if password_stdin {
                Some(password_from_stdin()?)
            } else {
                None
            };
            let job = match engine.add_job(spec, password.as_deref()).await {
                Ok(job) => job,
                Err(e) => return refused(e),
            };
            if password.is_some() {
                say_stored(engine, engine.credential_store());
            }
            engine
                .set_first_sync(&job, FirstSyncSetting::Chosen(first_sync))
                .await?;
            if up_limit.is_some() || down_limit.is_some() {
                let limits = anemone_sync::limits::Limits {
                    up: up_limit.and_then(|r| r.0),
                    down: down_limit.and_then(|r| r.0),
                };
                engine.set_job_limits(job.id, limits).await?;
            }
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
            // Standard input is read only for a login that has a password (the engine says
            // why a folder has none).
            let smb = match RemoteUrl::parse(&job.remote_url) {
                Ok(RemoteUrl::Smb(u)) => Some(u),
                _ => None,
            };
            let password = match &smb {
                Some(_) => password_from_stdin()?,
                None => String::new(),
            };
            let store = match engine.set_password(job.id, &password).await {
                Ok(store) => store,
                Err(e) => return refused(e),
            };
            say_stored(engine, store);
            if let Some(u) = smb {
                println!(
                    "new password stored for {}; a running `watch` or the app picks it up within a minute, or run `anemone-sync sync {name}`",
                    anemone_sync::credentials::account(&u)
                );
            }
            Ok(0)
        }
        JobCommand::List { json } => {
            let jobs = engine.jobs().await?;
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
        JobCommand::Edit {
            name,
            up_limit,
            down_limit,
        } => {
            let (up, down) = (up_limit.map(|r| r.0), down_limit.map(|r| r.0));
            super::config::edit_job_limits(engine, &name, up, down).await
        }
        JobCommand::Remove { name } => {
            let job = job_by_name(engine, &name).await?;
            engine.remove_job(job.id).await?;
            println!("removed job '{name}' (files on both sides are untouched)");
            Ok(0)
        }
        JobCommand::FirstSync { name, choice } => {
            let job = job_by_name(engine, &name).await?;
            engine
                .set_first_sync(&job, FirstSyncSetting::Chosen(choice))
                .await?;
            println!(
                "job '{name}': its first sync will {}; run `anemone-sync sync {name}` (add --dry-run to see the counts first)",
                super::first_sync::describe(choice)
            );
            Ok(0)
        }
    }
}

/// `p` from the current folder when it is relative (the engine makes it canonical).
fn absolute(p: &std::path::Path) -> Result<PathBuf, SyncError> {
    if p.is_absolute() {
        return Ok(p.to_path_buf());
    }
    Ok(std::env::current_dir()
        .map_err(|e| SyncError::local("cannot read the current folder", e))?
        .join(p))
}
