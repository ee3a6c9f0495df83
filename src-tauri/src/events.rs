//! Engine events to the front end, in one place: every `events::Event` goes to the window as
//! `engine-event`; from them (and a slow clock, for "synced 2 min ago") the overall state is
//! computed and sent as `app-state`, shown on the tray, and turned into notifications
//! (conflicts, errors, a finished first sync).
//!
//! The overall state is recomputed when a job's state or a run changes, and at most once a
//! second while progress events stream in, so 10,000 small files cost the tray nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anemone_sync::db::history::RunStatus;
use anemone_sync::db::now_ms;
use anemone_sync::events::Event;
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_notification::NotificationExt;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::broadcast::Receiver;

use crate::context::AppContext;
use crate::summary::{app_state, JobSnapshot, LiveRun};
use crate::tray::{Tray, TrayView};
use crate::types::{AppState, EngineEvent, JobState};

/// How often the summary is refreshed with nothing happening ("synced N min ago").
const CLOCK: Duration = Duration::from_secs(30);
/// At most this often while progress streams in.
const PROGRESS_REFRESH: Duration = Duration::from_secs(1);

/// What the forwarder remembers between events.
#[derive(Default)]
struct Tracker {
    live: BTreeMap<String, LiveRun>,
    /// Jobs whose run in progress is their first.
    first_runs: BTreeSet<String>,
    last_conflicts: Option<u64>,
    last_refresh: Option<Instant>,
    shown: Option<AppState>,
}

/// The overall state now, and what the tray shows.
pub async fn current_view(ctx: &AppContext, live: &BTreeMap<String, LiveRun>) -> TrayView {
    let statuses = ctx.service.statuses();
    let jobs: Vec<JobSnapshot> = statuses
        .iter()
        .map(|s| JobSnapshot {
            name: s.job.clone(),
            state: s.state.into(),
            message: s.message.clone(),
            last_sync_ms: s.last_sync_ms,
        })
        .collect();
    let conflicts = ctx
        .engine
        .pending_conflicts(None)
        .await
        .map(|c| c.len() as u64)
        .unwrap_or(0);
    let live: Vec<LiveRun> = live.values().cloned().collect();
    let app = app_state(&jobs, &live, conflicts, now_ms());
    TrayView {
        all_paused: !jobs.is_empty() && jobs.iter().all(|j| j.state == JobState::Paused),
        conflicts,
        app,
    }
}

/// Forwards engine events until the channel closes.
pub fn spawn(app: AppHandle, ctx: Arc<AppContext>, mut rx: Receiver<Event>) {
    tauri::async_runtime::spawn(async move {
        let mut t = Tracker::default();
        let mut clock = tokio::time::interval(CLOCK);
        clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let refresh = tokio::select! {
                ev = rx.recv() => match ev {
                    Ok(ev) => on_event(&app, &ctx, &mut t, ev).await,
                    // Missed events: the state is recomputed from the service, which is the truth.
                    Err(RecvError::Lagged(_)) => true,
                    Err(RecvError::Closed) => break,
                },
                _ = clock.tick() => true,
            };
            if refresh && !ctx.is_quitting() {
                publish(&app, &ctx, &mut t).await;
            }
        }
    });
}

/// Forwards one event; says whether the overall state may have changed.
async fn on_event(app: &AppHandle, ctx: &AppContext, t: &mut Tracker, ev: Event) -> bool {
    if let Some(out) = EngineEvent::from_engine(&ev) {
        let _ = app.emit("engine-event", out);
    }
    match ev {
        Event::RunStarted { job, .. } => {
            t.live.insert(job.clone(), LiveRun::default());
            if is_first_run(ctx, &job).await {
                t.first_runs.insert(job);
            }
            true
        }
        Event::Progress {
            job,
            files_done,
            files_total,
            rate,
            ..
        } => {
            if let Some(r) = t.live.get_mut(&job) {
                *r = LiveRun {
                    files_done,
                    files_total,
                    rate,
                };
            }
            t.last_refresh
                .is_none_or(|at| at.elapsed() >= PROGRESS_REFRESH)
        }
        Event::RunFinished {
            job,
            status,
            counts,
            ..
        } => {
            t.live.remove(&job);
            let first = t.first_runs.remove(&job);
            if first && matches!(status, RunStatus::Success | RunStatus::Partial) {
                let files = counts.uploaded + counts.downloaded;
                notify(
                    app,
                    ctx,
                    &format!("{job} is in sync"),
                    &format!(
                        "First sync finished: {files} file{} copied.",
                        if files == 1 { "" } else { "s" }
                    ),
                );
            }
            true
        }
        Event::JobState {
            job,
            state,
            message,
        } => {
            if state == anemone_sync::events::JobState::NeedsYou {
                notify(
                    app,
                    ctx,
                    &format!("{job} needs you"),
                    &format!(
                        "{}. Nothing was deleted: open AnemoneSync to delete them there too, restore them, or decide later.",
                        message.as_deref().unwrap_or("Files would be deleted")
                    ),
                );
            }
            if state == anemone_sync::events::JobState::Error {
                notify(
                    app,
                    ctx,
                    &format!("{job}: sync failed"),
                    message.as_deref().unwrap_or("See History for details."),
                );
            }
            true
        }
        _ => false,
    }
}

async fn is_first_run(ctx: &AppContext, job: &str) -> bool {
    let Ok(Some(j)) = ctx.engine.job_by_name(job).await else {
        return false;
    };
    ctx.engine
        .history(Some(j.id), 2)
        .await
        .map(|runs| runs.len() == 1)
        .unwrap_or(false)
}

async fn publish(app: &AppHandle, ctx: &AppContext, t: &mut Tracker) {
    t.last_refresh = Some(Instant::now());
    let view = current_view(ctx, &t.live).await;
    if let Some(before) = t.last_conflicts {
        if view.conflicts > before {
            notify(
                app,
                ctx,
                "Conflicts need you",
                &format!(
                    "{} file{} changed on both sides. Open AnemoneSync to choose which version to keep.",
                    view.conflicts,
                    if view.conflicts == 1 { "" } else { "s" }
                ),
            );
        }
    }
    t.last_conflicts = Some(view.conflicts);
    if t.shown.as_ref() != Some(&view.app) {
        let _ = app.emit("app-state", view.app.clone());
        *ctx.app_state.lock().unwrap() = Some(view.app.clone());
        t.shown = Some(view.app.clone());
    }
    if let Some(tray) = app.try_state::<Tray>() {
        tray.update(app, view);
    }
}

fn notify(app: &AppHandle, ctx: &AppContext, title: &str, body: &str) {
    if !ctx.settings().notifications {
        return;
    }
    if let Err(e) = app.notification().builder().title(title).body(body).show() {
        // No notification service (a bare X session): the tray and window still say it.
        tracing::debug!("notification not shown: {e}");
    }
}
