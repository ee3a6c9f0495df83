//! `job add | set-password | list | remove`: every rule is checked (by the engine) before
//! anything, the password included, is stored.

use std::io::BufRead;
use std::path::PathBuf;

use anemone_sync::db::jobs::NewJob;
use anemone_sync::engine::Engine;
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

/// Stores `password` for `url` and says where.
pub(crate) fn store_password(
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
            .map_err(|e| SyncError::local("cannot read the current folder", e))?
            .join(p)
    };
    Ok(std::fs::canonicalize(&p).unwrap_or(p))
}
