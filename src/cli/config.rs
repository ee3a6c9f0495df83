//! `config show | set | export | import` and `job edit`: the engine-wide settings (bandwidth
//! limits, the pause on metered connections), a job's own limits, and settings export and
//! import (`anemone_sync::settings_file`; never a password).

use std::path::Path;

use anemone_sync::engine::Engine;
use anemone_sync::limits::{format_rate, Limits};
use anemone_sync::sync::SyncError;

use super::args::ConfigCommand;
use super::job_by_name;

pub(crate) async fn run(engine: &Engine, cmd: ConfigCommand) -> Result<i32, SyncError> {
    match cmd {
        ConfigCommand::Show { json } => show(engine, json).await,
        ConfigCommand::Set { key, value } => set(engine, &key, &value).await,
        ConfigCommand::Export { file, force } => export(engine, &file, force).await,
        ConfigCommand::Import { file, replace } => import(engine, &file, replace).await,
    }
}

async fn show(engine: &Engine, json: bool) -> Result<i32, SyncError> {
    let limits = engine.global_limits().await?;
    let metered = engine.pause_on_metered().await?;
    if json {
        let v = serde_json::json!({
            "up_limit": limits.up,
            "down_limit": limits.down,
            "pause_on_metered": metered,
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return Ok(0);
    }
    println!("upload limit (all jobs):   {}", format_rate(limits.up));
    println!("download limit (all jobs): {}", format_rate(limits.down));
    let now = match anemone_sync::limits::metered::is_metered_now().await {
        Some(true) => " (the connection is metered now)",
        Some(false) => " (the connection is not metered now)",
        None if cfg!(target_os = "linux") => " (NetworkManager cannot be asked)",
        None => " (not supported on this system yet)",
    };
    println!(
        "pause on metered connections: {}{now}",
        if metered { "on" } else { "off" }
    );
    for j in engine.jobs().await? {
        let l = engine.job_limits(j.id).await?;
        if l != Limits::default() {
            println!(
                "job '{}': upload {}, download {}",
                j.name,
                format_rate(l.up),
                format_rate(l.down)
            );
        }
    }
    Ok(0)
}

async fn set(engine: &Engine, key: &str, value: &str) -> Result<i32, SyncError> {
    let bad = |e: String| SyncError::Config(format!("{key}: {e}"));
    match key {
        "up-limit" | "down-limit" => {
            let rate = anemone_sync::limits::parse_rate(value).map_err(|e| bad(e.to_string()))?;
            let mut l = engine.global_limits().await?;
            if key == "up-limit" {
                l.up = rate;
            } else {
                l.down = rate;
            }
            engine.set_global_limits(l).await?;
            println!(
                "{} limit for all jobs: {} (from the next transfer in a running `watch` or app)",
                if key == "up-limit" {
                    "upload"
                } else {
                    "download"
                },
                format_rate(rate)
            );
        }
        _ => {
            let on = match value.to_ascii_lowercase().as_str() {
                "on" | "yes" | "true" | "1" => true,
                "off" | "no" | "false" | "0" => false,
                _ => return Err(bad(format!("{value:?} is not on or off; give on or off"))),
            };
            engine.set_pause_on_metered(on).await?;
            println!(
                "pause on metered connections: {}{}",
                if on { "on" } else { "off" },
                if on && !cfg!(target_os = "linux") {
                    " (not supported on this system yet: it has no effect)"
                } else {
                    ""
                }
            );
        }
    }
    Ok(0)
}

/// `job edit NAME --up-limit R --down-limit R`: a flag left out keeps that limit.
pub(crate) async fn edit_job_limits(
    engine: &Engine,
    name: &str,
    up: Option<Option<u64>>,
    down: Option<Option<u64>>,
) -> Result<i32, SyncError> {
    let job = job_by_name(engine, name).await?;
    if up.is_none() && down.is_none() {
        return Err(SyncError::Config(
            "nothing to change; give --up-limit RATE or --down-limit RATE (off for none)".into(),
        ));
    }
    let mut l = engine.job_limits(job.id).await?;
    if let Some(u) = up {
        l.up = u;
    }
    if let Some(d) = down {
        l.down = d;
    }
    engine.set_job_limits(job.id, l).await?;
    println!(
        "job '{name}': upload {}, download {} (the limits for all jobs apply on top)",
        format_rate(l.up),
        format_rate(l.down)
    );
    Ok(0)
}

async fn export(engine: &Engine, file: &Path, force: bool) -> Result<i32, SyncError> {
    if file.exists() && !force {
        return Err(SyncError::Config(format!(
            "{} already exists; give another file name, or --force to replace it",
            file.display()
        )));
    }
    let settings = engine.export_settings().await?;
    let json = serde_json::to_string_pretty(&settings)
        .map_err(|e| SyncError::Config(format!("cannot write the settings: {e}")))?;
    // Through a temp beside it and a rename: an interrupted export never leaves half a file.
    let tmp = file.with_extension("anemone-export-tmp");
    let write = std::fs::write(&tmp, json + "\n").and_then(|_| std::fs::rename(&tmp, file));
    if let Err(e) = write {
        let _ = std::fs::remove_file(&tmp);
        return Err(SyncError::local(
            format!("cannot write {}", file.display()),
            e,
        ));
    }
    println!(
        "exported {} job{} to {} (no passwords)",
        settings.jobs.len(),
        if settings.jobs.len() == 1 { "" } else { "s" },
        file.display()
    );
    Ok(0)
}

async fn import(engine: &Engine, file: &Path, replace: bool) -> Result<i32, SyncError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| SyncError::local(format!("cannot read {}", file.display()), e))?;
    let report = match engine.import_settings(&text, replace).await {
        Ok(r) => r,
        Err(anemone_sync::settings_file::ImportError::Db(e)) => return Err(e.into()),
        Err(e) => {
            return Err(SyncError::Config(format!("{}: {e}", file.display())));
        }
    };
    for n in &report.notes {
        eprintln!("note: {n}");
    }
    for n in &report.added {
        println!("added job '{n}'");
    }
    for n in &report.replaced {
        println!("replaced job '{n}'");
    }
    for n in &report.existing {
        println!("skipped job '{n}': a job of that name exists (--replace replaces it)");
    }
    for (n, why) in &report.refused {
        eprintln!("error: job {n} not imported: {why}");
    }
    for n in &report.need_password {
        println!(
            "job '{n}' needs its password on this computer: anemone-sync job set-password '{n}' --password-stdin"
        );
    }
    if report.added.is_empty() && report.replaced.is_empty() {
        println!("no job imported");
    }
    Ok(if report.refused.is_empty() { 0 } else { 2 })
}
