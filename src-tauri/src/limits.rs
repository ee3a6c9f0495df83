//! Settings of issue 16 part 8, over the engine (`anemone_sync::limits`,
//! `anemone_sync::settings_file`): the bandwidth limits (all jobs, and one job's own), the
//! pause on metered connections, and settings export and import through a native file dialog.
//! Rates travel as the text a user types ("2MB", "500 kB/s", empty for none); the engine's
//! parser checks them and its sentence goes under the field.

use std::sync::Arc;

use anemone_sync::limits::{format_rate, parse_rate, Limits};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;
use ts_rs::TS;

use crate::context::AppContext;
use crate::errors::{BridgeError, BridgeErrorKind, BridgeResult};

type Ctx<'a> = State<'a, Arc<AppContext>>;

/// The limits and the metered pause as Settings shows them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct LimitSettings {
    /// Upload limit of all jobs together, as typed ("2 MB"); empty: no limit.
    pub up_limit: String,
    pub down_limit: String,
    pub pause_on_metered: bool,
    /// Whether this system can tell a metered connection (Linux with NetworkManager today).
    pub metered_supported: bool,
}

/// A job's own limits, as the job form shows them; empty: none.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct JobLimits {
    pub up_limit: String,
    pub down_limit: String,
}

/// What an import did, in lines for people.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ImportResult {
    /// One line per job (added, replaced, skipped, refused) and per note.
    pub lines: Vec<String>,
    /// Whether any job was added or replaced.
    pub changed: bool,
}

/// "2 MB" for a rate, empty for none.
fn shown(rate: Option<u64>) -> String {
    match rate {
        None => String::new(),
        Some(_) => format_rate(rate).trim_end_matches("/s").to_string(),
    }
}

/// A rate typed in `field`, or the engine's sentence under that field.
fn typed(field: &str, text: &str) -> BridgeResult<Option<u64>> {
    parse_rate(text).map_err(|e| BridgeError::invalid(field, crate::errors::sentence(&e.0)))
}

#[tauri::command]
pub async fn get_limits(ctx: Ctx<'_>) -> BridgeResult<LimitSettings> {
    let l = ctx.engine.global_limits().await?;
    Ok(LimitSettings {
        up_limit: shown(l.up),
        down_limit: shown(l.down),
        pause_on_metered: ctx.engine.pause_on_metered().await?,
        metered_supported: cfg!(target_os = "linux"),
    })
}

#[tauri::command]
pub async fn set_limits(ctx: Ctx<'_>, limits: LimitSettings) -> BridgeResult<()> {
    let l = Limits {
        up: typed("up_limit", &limits.up_limit)?,
        down: typed("down_limit", &limits.down_limit)?,
    };
    ctx.engine.set_global_limits(l).await?;
    ctx.engine
        .set_pause_on_metered(limits.pause_on_metered)
        .await?;
    Ok(())
}

#[tauri::command]
pub async fn get_job_limits(ctx: Ctx<'_>, job_id: i64) -> BridgeResult<JobLimits> {
    let l = ctx.engine.job_limits(job_id).await?;
    Ok(JobLimits {
        up_limit: shown(l.up),
        down_limit: shown(l.down),
    })
}

#[tauri::command]
pub async fn set_job_limits(ctx: Ctx<'_>, job_id: i64, limits: JobLimits) -> BridgeResult<()> {
    let l = Limits {
        up: typed("up_limit", &limits.up_limit)?,
        down: typed("down_limit", &limits.down_limit)?,
    };
    Ok(ctx.engine.set_job_limits(job_id, l).await?)
}

/// Checks a job's limits as typed, storing nothing (the form checks them before it saves
/// the job, so a bad limit does not leave a job saved without it).
#[tauri::command]
pub async fn check_job_limits(limits: JobLimits) -> BridgeResult<()> {
    typed("up_limit", &limits.up_limit)?;
    typed("down_limit", &limits.down_limit)?;
    Ok(())
}

/// Asks where to save; writes every job (no passwords). `None` when cancelled, else the file.
#[tauri::command]
pub async fn export_settings(app: AppHandle, ctx: Ctx<'_>) -> BridgeResult<Option<String>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Export AnemoneSync jobs")
        .set_file_name("anemone-sync-jobs.json")
        .add_filter("JSON", &["json"])
        .save_file(move |p| {
            let _ = tx.send(p);
        });
    let Some(path) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    let path = path
        .into_path()
        .map_err(|e| BridgeError::other(format!("cannot use the chosen file: {e}")))?;
    let settings = ctx.engine.export_settings().await?;
    let json =
        serde_json::to_string_pretty(&settings).map_err(|e| BridgeError::other(e.to_string()))?;
    // The dialog asked before replacing a file; written through a temp and a rename.
    let tmp = path.with_extension("anemone-export-tmp");
    std::fs::write(&tmp, json + "\n")
        .and_then(|_| std::fs::rename(&tmp, &path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            BridgeError::new(
                BridgeErrorKind::Config,
                format!("Cannot write {}: {e}.", path.display()),
            )
        })?;
    Ok(Some(path.display().to_string()))
}

/// Asks for a file made by Export and imports its jobs (a taken name is skipped unless
/// `replace`); the service picks the new jobs up. `None` when cancelled.
#[tauri::command]
pub async fn import_settings(
    app: AppHandle,
    ctx: Ctx<'_>,
    replace: bool,
) -> BridgeResult<Option<ImportResult>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Import AnemoneSync jobs")
        .add_filter("JSON", &["json"])
        .pick_file(move |p| {
            let _ = tx.send(p);
        });
    let Some(path) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    let path = path
        .into_path()
        .map_err(|e| BridgeError::other(format!("cannot use the chosen file: {e}")))?;
    let text = std::fs::read_to_string(&path).map_err(|e| {
        BridgeError::new(
            BridgeErrorKind::Config,
            format!("Cannot read {}: {e}.", path.display()),
        )
    })?;
    let report = ctx
        .engine
        .import_settings(&text, replace)
        .await
        .map_err(|e| {
            BridgeError::new(
                BridgeErrorKind::Config,
                crate::errors::sentence(&e.to_string()),
            )
        })?;
    let changed = !report.added.is_empty() || !report.replaced.is_empty();
    if changed {
        ctx.service.reload().await;
    }
    Ok(Some(ImportResult {
        lines: import_lines(&report),
        changed,
    }))
}

/// The report in lines for people (the app's words; the CLI prints its own).
pub fn import_lines(r: &anemone_sync::settings_file::ImportReport) -> Vec<String> {
    let mut lines: Vec<String> = r.notes.iter().map(|n| crate::errors::sentence(n)).collect();
    lines.extend(r.added.iter().map(|n| format!("Added “{n}”.")));
    lines.extend(r.replaced.iter().map(|n| format!("Replaced “{n}”.")));
    lines.extend(
        r.existing
            .iter()
            .map(|n| format!("Skipped “{n}”: a job of that name exists.")),
    );
    lines.extend(
        r.refused
            .iter()
            .map(|(n, why)| format!("Not imported: {n}: {why}.")),
    );
    lines.extend(
        r.need_password.iter().map(|n| {
            format!("“{n}” needs its password on this computer: edit the job to enter it.")
        }),
    );
    if r.added.is_empty() && r.replaced.is_empty() {
        lines.push("No job was imported.".into());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_show_as_typed_back() {
        assert_eq!(shown(Some(2_000_000)), "2 MB");
        assert_eq!(shown(None), "");
        assert_eq!(
            parse_rate(&shown(Some(1_500_000))).unwrap(),
            Some(1_500_000)
        );
    }

    #[test]
    fn a_bad_rate_names_its_field() {
        let e = typed("down_limit", "fast").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("down_limit"));
        assert!(e.message.contains("is not a rate"), "{}", e.message);
    }
}
