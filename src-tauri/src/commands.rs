//! The Tauri commands: exactly those of `ui/src/bridge.ts`, with its argument names. Each one
//! is a thin call into the engine, the sync service or a plugin; checking input lives in
//! `form`, error mapping in `errors`, previews in `preview`.

use std::collections::BTreeMap;
use std::sync::Arc;

use anemone_sync::replica::smb::{test_connection as smb_test, SmbReplica};
use anemone_sync::url::SmbUrl;
use tauri::{AppHandle, State};
use tauri_plugin_autostart::ManagerExt;
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

use crate::context::AppContext;
use crate::errors::{BridgeError, BridgeErrorKind, BridgeResult};
use crate::form;
use crate::types::{
    Activity, AppState, Conflict, ConflictPreview, Job, JobInput, JobState, JobView, Keep,
    ResolveResult, Run, ServerInput, Settings,
};

type Ctx<'a> = State<'a, Arc<AppContext>>;

/// Every command name, checked by a test against build.rs's permission list and bridge.ts.
#[cfg(test)]
pub const NAMES: &[&str] = &[
    "list_jobs",
    "add_job",
    "update_job",
    "remove_job",
    "set_job_enabled",
    "test_connection",
    "browse_remote",
    "pick_local_folder",
    "sync_now",
    "pause",
    "resume",
    "list_conflicts",
    "conflict_preview",
    "resolve_conflicts",
    "history",
    "activity",
    "get_settings",
    "set_settings",
    "open_log_folder",
    "open_local_folder",
    "get_app_state",
    "set_password",
    "needs_you",
    "decide",
    "trash_list",
    "trash_restore",
    "trash_empty",
    "trash_of_runs",
    "first_sync_preview",
    "choose_first_sync",
    "get_limits",
    "set_limits",
    "get_job_limits",
    "set_job_limits",
    "check_job_limits",
    "export_settings",
    "import_settings",
];

/// The handler with every command, for `tauri::Builder::invoke_handler`.
#[macro_export]
macro_rules! command_handler {
    () => {
        tauri::generate_handler![
            $crate::commands::list_jobs,
            $crate::commands::add_job,
            $crate::commands::update_job,
            $crate::commands::remove_job,
            $crate::commands::set_job_enabled,
            $crate::commands::test_connection,
            $crate::commands::browse_remote,
            $crate::commands::pick_local_folder,
            $crate::commands::sync_now,
            $crate::commands::pause,
            $crate::commands::resume,
            $crate::commands::list_conflicts,
            $crate::commands::conflict_preview,
            $crate::commands::resolve_conflicts,
            $crate::commands::history,
            $crate::commands::activity,
            $crate::commands::get_settings,
            $crate::commands::set_settings,
            $crate::commands::open_log_folder,
            $crate::commands::open_local_folder,
            $crate::commands::get_app_state,
            $crate::commands::set_password,
            $crate::guard::needs_you,
            $crate::guard::decide,
            $crate::trash::trash_list,
            $crate::trash::trash_restore,
            $crate::trash::trash_empty,
            $crate::trash::trash_of_runs,
            $crate::first_sync::first_sync_preview,
            $crate::first_sync::choose_first_sync,
            $crate::limits::get_limits,
            $crate::limits::set_limits,
            $crate::limits::get_job_limits,
            $crate::limits::set_job_limits,
            $crate::limits::check_job_limits,
            $crate::limits::export_settings,
            $crate::limits::import_settings,
        ]
    };
}

/// Every job with its live state, in name order.
pub async fn job_views(ctx: &AppContext) -> BridgeResult<Vec<JobView>> {
    let engine = &ctx.engine;
    let jobs = engine.jobs().await?;
    let statuses: BTreeMap<i64, _> = ctx
        .service
        .statuses()
        .into_iter()
        .map(|s| (s.job_id, s))
        .collect();
    let mut conflicts: BTreeMap<i64, u64> = BTreeMap::new();
    for c in engine.pending_conflicts(None).await? {
        *conflicts.entry(c.job_id).or_default() += 1;
    }
    let mut out = Vec::with_capacity(jobs.len());
    for j in &jobs {
        let status = statuses.get(&j.id);
        let pending = conflicts.get(&j.id).copied().unwrap_or(0);
        let mut state = status.map(|s| s.state.into()).unwrap_or(JobState::Idle);
        if state == JobState::Idle && pending > 0 {
            state = JobState::Conflict;
        }
        out.push(JobView {
            job: Job::from(j),
            state,
            message: status.and_then(|s| s.message.clone()),
            last_run: engine.history(Some(j.id), 1).await?.first().map(Run::from),
            next_sync_ms: status.and_then(|s| s.next_sync_ms),
            pending_conflicts: pending,
            needs_password: status.is_some_and(|s| s.needs_password),
            security: status.and_then(|s| s.security).map(Into::into),
            needs_you: status
                .and_then(|s| s.needs_you.as_ref())
                .map(crate::guard::view),
        });
    }
    Ok(out)
}

async fn job_view(ctx: &AppContext, id: i64) -> BridgeResult<JobView> {
    job_views(ctx)
        .await?
        .into_iter()
        .find(|v| v.job.id == id)
        .ok_or_else(|| BridgeError::not_found(format!("job {id} does not exist")))
}

async fn job_row(ctx: &AppContext, id: i64) -> BridgeResult<anemone_sync::db::jobs::Job> {
    ctx.engine.job(id).await?.ok_or_else(|| {
        BridgeError::not_found(format!(
            "job {id} does not exist (it may have been removed); reload the list"
        ))
    })
}

/// The password to log in with: the one typed, else the stored one, else none (guest).
async fn password_for(ctx: &AppContext, url: &SmbUrl, typed: &Option<String>) -> String {
    if let Some(p) = typed {
        return p.clone();
    }
    ctx.engine
        .stored_password(url)
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

#[tauri::command]
pub async fn list_jobs(ctx: Ctx<'_>) -> BridgeResult<Vec<JobView>> {
    job_views(&ctx).await
}

/// Creates the job (the engine checks every rule before it stores the job or its password)
/// and starts its first sync.
#[tauri::command]
pub async fn add_job(ctx: Ctx<'_>, input: JobInput) -> BridgeResult<JobView> {
    let spec = form::job_spec(&input, None)?;
    let job = ctx
        .engine
        .add_job(spec, input.server.password.as_deref())
        .await?;
    crate::first_sync::ask_on_first_sync(&ctx, &job).await?;
    ctx.service.reload().await;
    ctx.jobs_changed.notify_one();
    job_view(&ctx, job.id).await
}

#[tauri::command]
pub async fn update_job(ctx: Ctx<'_>, id: i64, input: JobInput) -> BridgeResult<JobView> {
    let old = job_row(&ctx, id).await?;
    let spec = form::job_spec(&input, Some(&old))?;
    // Checked before the job's worker is stopped: a refused edit leaves its sync alone.
    ctx.engine.check_job(&spec, Some(id)).await?;
    // With the worker stopped: a job moved to other folders starts over as a first sync, and
    // no run of its old settings may record anything after that.
    ctx.service
        .change_job(
            id,
            ctx.engine
                .update_job(id, spec, input.server.password.as_deref()),
        )
        .await?;
    ctx.jobs_changed.notify_one();
    job_view(&ctx, id).await
}

/// Deletes a job and its sync state (and its login's password when no other job uses it);
/// never its files.
#[tauri::command]
pub async fn remove_job(ctx: Ctx<'_>, id: i64) -> BridgeResult<()> {
    job_row(&ctx, id).await?;
    // With its worker stopped first, so no run of it records anything after it is gone.
    ctx.service
        .change_job(id, ctx.engine.remove_job(id))
        .await?;
    ctx.jobs_changed.notify_one();
    Ok(())
}

/// Stores a new password for a job's login (after the server rejected the old one) and asks
/// for a sync, which tries the server once with it.
#[tauri::command]
pub async fn set_password(ctx: Ctx<'_>, job_id: i64, password: String) -> BridgeResult<JobView> {
    ctx.engine.set_password(job_id, &password).await?;
    ctx.service.sync_now(Some(job_id));
    job_view(&ctx, job_id).await
}

#[tauri::command]
pub async fn set_job_enabled(ctx: Ctx<'_>, id: i64, enabled: bool) -> BridgeResult<()> {
    ctx.engine.set_job_enabled(id, enabled).await?;
    ctx.service.reload().await;
    ctx.jobs_changed.notify_one();
    Ok(())
}

#[tauri::command]
pub async fn test_connection(
    ctx: Ctx<'_>,
    server: ServerInput,
    remote_path: String,
) -> BridgeResult<()> {
    let url = form::smb_url(&server, &remote_path)?;
    let password = password_for(&ctx, &url, &server.password).await;
    smb_test(&url, &password, ctx.engine.smb_options().clone())
        .await
        .map_err(|e| BridgeError::from_remote(e, "remote_path"))
}

/// Folder names in `path` ('' = the share's root).
#[tauri::command]
pub async fn browse_remote(
    ctx: Ctx<'_>,
    server: ServerInput,
    path: String,
) -> BridgeResult<Vec<String>> {
    let root = form::smb_url(&server, "")?;
    let folder = form::remote_folder(&path, "remote_path")?;
    let password = password_for(&ctx, &root, &server.password).await;
    let remote = SmbReplica::connect(&root, &password, ctx.engine.smb_options().clone())
        .await
        .map_err(|e| BridgeError::from_remote(e, "remote_path"))?;
    let mut names = remote
        .list_folders(&folder)
        .await
        .map_err(|e| BridgeError::from_remote(e, "remote_path"))?;
    // Our own trash is not a place to sync to.
    names.retain(|n| n != anemone_sync::names::TRASH_DIR);
    Ok(names)
}

/// The native folder picker; `None` when cancelled.
#[tauri::command]
pub async fn pick_local_folder(app: AppHandle) -> BridgeResult<Option<String>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut dialog = app.dialog().file().set_title("Folder to keep in sync");
    if let Some(home) = std::env::var_os("HOME") {
        dialog = dialog.set_directory(home);
    }
    dialog.pick_folder(move |picked| {
        let _ = tx.send(picked);
    });
    let picked = rx
        .await
        .map_err(|_| BridgeError::other("the folder picker closed unexpectedly"))?;
    match picked {
        None => Ok(None),
        Some(p) => p
            .into_path()
            .map(|p| Some(p.to_string_lossy().into_owned()))
            .map_err(|e| BridgeError::other(format!("cannot use the chosen folder: {e}"))),
    }
}

fn check_job_running(ctx: &AppContext, job_id: Option<i64>) -> BridgeResult<()> {
    if let Some(id) = job_id {
        if !ctx.service.statuses().iter().any(|s| s.job_id == id) {
            return Err(BridgeError::invalid(
                "job",
                "This job is disabled: enable it first.",
            ));
        }
    }
    Ok(())
}

#[tauri::command]
pub async fn sync_now(ctx: Ctx<'_>, job_id: Option<i64>) -> BridgeResult<()> {
    check_job_running(&ctx, job_id)?;
    ctx.service.sync_now(job_id);
    Ok(())
}

#[tauri::command]
pub async fn pause(ctx: Ctx<'_>, job_id: Option<i64>) -> BridgeResult<()> {
    check_job_running(&ctx, job_id)?;
    ctx.service.pause(job_id);
    Ok(())
}

#[tauri::command]
pub async fn resume(ctx: Ctx<'_>, job_id: Option<i64>) -> BridgeResult<()> {
    check_job_running(&ctx, job_id)?;
    ctx.service.resume(job_id);
    Ok(())
}

#[tauri::command]
pub async fn list_conflicts(ctx: Ctx<'_>) -> BridgeResult<Vec<Conflict>> {
    Ok(ctx
        .engine
        .pending_conflicts(None)
        .await?
        .iter()
        .map(Conflict::from)
        .collect())
}

#[tauri::command]
pub async fn conflict_preview(ctx: Ctx<'_>, id: i64) -> BridgeResult<ConflictPreview> {
    crate::preview::conflict_preview(&ctx.engine, id).await
}

/// Resolves each conflict in turn; one failing does not stop the others.
#[tauri::command]
pub async fn resolve_conflicts(
    ctx: Ctx<'_>,
    ids: Vec<i64>,
    keep: Keep,
) -> BridgeResult<Vec<ResolveResult>> {
    let keep = match keep {
        Keep::Local => anemone_sync::sync::Keep::Local,
        Keep::Remote => anemone_sync::sync::Keep::Remote,
        Keep::Both => anemone_sync::sync::Keep::Both,
    };
    let mut out = Vec::with_capacity(ids.len());
    let mut jobs = Vec::new();
    for id in ids {
        if let Ok(Some(c)) = ctx.engine.conflict(id).await {
            jobs.push(c.job_id);
        }
        let r = match ctx.engine.resolve(id, keep).await {
            Ok(report) if report.errors.is_empty() => ResolveResult {
                id,
                ok: true,
                message: None,
            },
            Ok(report) => ResolveResult {
                id,
                ok: false,
                message: Some(
                    report
                        .errors
                        .iter()
                        .map(|e| format!("{}: {}", e.path, e.message))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            },
            Err(e) => ResolveResult {
                id,
                ok: false,
                message: Some(e.to_string()),
            },
        };
        out.push(r);
    }
    // A run of each job brings its state (and the tray) up to date.
    jobs.sort_unstable();
    jobs.dedup();
    for j in jobs {
        ctx.service.sync_now(Some(j));
    }
    Ok(out)
}

#[tauri::command]
pub async fn history(ctx: Ctx<'_>, job_id: Option<i64>, limit: u32) -> BridgeResult<Vec<Run>> {
    Ok(ctx
        .engine
        .history(job_id, limit.min(10_000))
        .await?
        .iter()
        .map(Run::from)
        .collect())
}

#[tauri::command]
pub async fn activity(
    ctx: Ctx<'_>,
    job_id: Option<i64>,
    limit: u32,
) -> BridgeResult<Vec<Activity>> {
    Ok(ctx
        .engine
        .activity(job_id, limit.min(10_000))
        .await?
        .iter()
        .map(Activity::from)
        .collect())
}

#[tauri::command]
pub async fn get_settings(app: AppHandle, ctx: Ctx<'_>) -> BridgeResult<Settings> {
    let mut s = ctx.settings();
    // The OS autostart entry is the truth (the user may have removed it by hand).
    if let Ok(on) = app.autolaunch().is_enabled() {
        s.start_at_login = on;
    }
    Ok(s)
}

#[tauri::command]
pub async fn set_settings(app: AppHandle, ctx: Ctx<'_>, settings: Settings) -> BridgeResult<()> {
    crate::settings::check(&settings)?;
    let autostart = app.autolaunch();
    if autostart.is_enabled().ok() != Some(settings.start_at_login) {
        let r = if settings.start_at_login {
            autostart.enable()
        } else {
            autostart.disable()
        };
        r.map_err(|e| {
            BridgeError::new(
                BridgeErrorKind::Config,
                format!("cannot change start at login: {e}"),
            )
            .on("start_at_login")
        })?;
    }
    let before = ctx.settings.lock().unwrap().parallel_transfers;
    crate::settings::save(&ctx.data_dir, &settings)?;
    let parallel = settings.parallel_transfers;
    *ctx.settings.lock().unwrap() = settings;
    if parallel != before {
        // "Parallel transfers (all jobs)": every job takes the new figure (a job's own field
        // can differ again after), and new jobs start with it. Workers restart with it; a run
        // in progress finishes first (the service's grace, then a clean cut).
        ctx.engine.set_all_jobs_parallel(parallel).await?;
        ctx.service.reload().await;
    }
    Ok(())
}

fn open_folder(app: &AppHandle, dir: &std::path::Path) -> BridgeResult<()> {
    if !dir.is_dir() {
        return Err(BridgeError::not_found(format!(
            "The folder {} does not exist yet. It is made by the first sync.",
            dir.display()
        )));
    }
    // The launcher's own error (a command line and an exit status) goes behind "Details".
    app.opener()
        .open_path(dir.to_string_lossy(), None::<&str>)
        .map_err(|e| {
            tracing::warn!(folder = %dir.display(), error = %e, "could not open a folder");
            BridgeError::other(format!(
                "No file manager could open {}. Open it yourself, or install a file manager.",
                dir.display()
            ))
            .with_detail(Some(e.to_string()))
        })
}

#[tauri::command]
pub async fn open_log_folder(app: AppHandle, ctx: Ctx<'_>) -> BridgeResult<()> {
    open_folder(&app, &ctx.data_dir.join("logs"))
}

#[tauri::command]
pub async fn open_local_folder(app: AppHandle, ctx: Ctx<'_>, job_id: i64) -> BridgeResult<()> {
    let job = job_row(&ctx, job_id).await?;
    open_folder(&app, &job.local_path)
}

/// The overall state, for a window that opened after the last `app-state` event.
#[tauri::command]
pub async fn get_app_state(ctx: Ctx<'_>) -> BridgeResult<AppState> {
    if let Some(s) = ctx.app_state.lock().unwrap().clone() {
        return Ok(s);
    }
    Ok(crate::events::current_view(&ctx, &Default::default())
        .await
        .app)
}

#[cfg(test)]
mod tests {
    #[test]
    fn build_rs_grants_every_command() {
        let build = include_str!("../build.rs");
        for name in super::NAMES {
            assert!(
                build.contains(&format!("\"{name}\"")),
                "{name} missing in build.rs"
            );
        }
        let bridge = include_str!("../../ui/src/bridge.ts");
        for name in super::NAMES {
            assert!(
                bridge.contains(&format!("'{name}'")),
                "{name} is not called by ui/src/bridge.ts"
            );
        }
    }
}
