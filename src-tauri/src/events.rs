//! Engine events to the front end, in one place: every `events::Event` goes to the window as
//! `engine-event`; from them (and a slow clock, for "synced 2 min ago") the overall state is
//! computed and sent as `app-state`, shown on the tray; job state changes become notifications
//! through [`NoticePolicy`] (one per change of state, never per retry), shown by `desktop_notice`
//! (a click opens the page the notice is about).
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
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::broadcast::Receiver;

use crate::context::AppContext;
use crate::notices::{Notice, NoticePolicy};
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
    notices: NoticePolicy,
    last_refresh: Option<Instant>,
    shown: Option<AppState>,
}

/// The overall state now, and what the tray shows.
pub async fn current_view(ctx: &AppContext, live: &BTreeMap<String, LiveRun>) -> TrayView {
    let statuses = ctx.service.statuses();
    let mut jobs: Vec<JobSnapshot> = statuses
        .iter()
        .map(|s| JobSnapshot {
            name: s.job.clone(),
            state: s.state.into(),
            message: s.message.clone(),
            last_sync_ms: s.last_sync_ms,
            enabled: true,
        })
        .collect();
    // Disabled jobs have no worker, so no status: they come from the database.
    for j in ctx.engine.jobs().await.unwrap_or_default() {
        if !j.enabled && !jobs.iter().any(|s| s.name == j.name) {
            jobs.push(JobSnapshot {
                name: j.name,
                state: JobState::Paused,
                message: None,
                last_sync_ms: None,
                enabled: false,
            });
        }
    }
    let conflicts = ctx
        .engine
        .pending_conflicts(None)
        .await
        .map(|c| c.len() as u64)
        .unwrap_or(0);
    let live: Vec<LiveRun> = live.values().cloned().collect();
    let app = app_state(&jobs, &live, conflicts, now_ms());
    TrayView {
        all_paused: app.enabled_jobs > 0 && app.paused_jobs == app.enabled_jobs,
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
                _ = ctx.jobs_changed.notified() => true,
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
                let deleted = counts.deleted_local + counts.deleted_remote;
                let n = crate::notices::first_sync_done(
                    &job,
                    counts.uploaded,
                    counts.downloaded,
                    deleted,
                );
                notify(app, ctx, n);
            }
            true
        }
        Event::JobState {
            job,
            state,
            message,
        } => {
            if let Some(n) = t
                .notices
                .on_state(&job, state.into(), message.as_deref(), now_ms())
            {
                notify(app, ctx, n);
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
    if t.shown.as_ref() != Some(&view.app) {
        let _ = app.emit("app-state", view.app.clone());
        *ctx.app_state.lock().unwrap() = Some(view.app.clone());
        t.shown = Some(view.app.clone());
    }
    if let Some(tray) = app.try_state::<Tray>() {
        tray.update(app, view);
    }
}

/// Shows a notice unless the user turned notifications off (Settings).
fn notify(app: &AppHandle, ctx: &AppContext, n: Notice) {
    if !ctx.settings().notifications {
        tracing::debug!(title = %n.title, "notifications are off: not shown");
        return;
    }
    crate::desktop_notice::show(app, n);
}
