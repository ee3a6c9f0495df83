//! `anemone-sync watch`: the sync service in the foreground. Logs one line per change set and
//! per state change (offline, back online, error, paused). SIGINT or SIGTERM stops it: change
//! feeds stop, transfers in flight get the grace period to finish and are then cut cleanly, and
//! the process exits 0 with the database consistent.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anemone_sync::db::history::{Counts, RunStatus};
use anemone_sync::engine::Engine;
use anemone_sync::events::Event;
use anemone_sync::events::JobState;
use anemone_sync::service::{Service, ServiceOptions};
use anemone_sync::sync::SyncError;

use super::{human_bytes, selected_jobs};

pub async fn run(engine: Engine, names: Vec<String>, grace: Duration) -> Result<i32, SyncError> {
    let jobs = selected_jobs(&engine, &names, "watch").await?;
    let engine = Arc::new(engine);
    let events = engine.subscribe();
    let logger = tokio::spawn(log_events(events));
    let opts = ServiceOptions {
        grace,
        jobs: Some(jobs.iter().map(|j| j.id).collect()),
        ..ServiceOptions::default()
    };
    let names: Vec<&str> = jobs.iter().map(|j| j.name.as_str()).collect();
    println!("watching {} (Ctrl-C to stop)", names.join(", "));
    let service = Service::start(engine.clone(), opts).await;
    let why = stop_signal().await;
    println!(
        "{why}: stopping; transfers in flight get {} s to finish",
        grace.as_secs()
    );
    service.shutdown().await;
    // Let the last events reach the log.
    tokio::time::sleep(Duration::from_millis(50)).await;
    logger.abort();
    println!("stopped");
    Ok(0)
}

#[cfg(unix)]
async fn stop_signal() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return "interrupted";
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "interrupted",
        _ = term.recv() => "terminated",
    }
}

#[cfg(not(unix))]
async fn stop_signal() -> &'static str {
    let _ = tokio::signal::ctrl_c().await;
    "interrupted"
}

async fn log_events(mut rx: tokio::sync::broadcast::Receiver<Event>) {
    let mut started: HashMap<i64, Instant> = HashMap::new();
    let mut states: HashMap<String, JobState> = HashMap::new();
    loop {
        let ev = match rx.recv().await {
            Ok(e) => e,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(_) => return,
        };
        match ev {
            Event::RunStarted { run_id, .. } => {
                started.insert(run_id, Instant::now());
            }
            Event::RunFinished {
                job,
                run_id,
                status,
                counts,
            } => {
                let took = started
                    .remove(&run_id)
                    .map(|t| t.elapsed().as_millis() as u64)
                    .unwrap_or(0);
                if counts != Counts::default() || status != RunStatus::Success {
                    println!(
                        "{job}: {} in {}",
                        change_set(status, &counts),
                        anemone_sync::words::format_duration_ms(took)
                    );
                }
            }
            Event::JobState {
                job,
                state,
                message,
            } => {
                let before = states.insert(job.clone(), state);
                let line = match (before, state) {
                    (Some(JobState::Offline), JobState::Idle | JobState::Conflict) => {
                        Some("back online".to_string())
                    }
                    (b, s) if b == Some(s) => None,
                    (
                        _,
                        JobState::Offline | JobState::Error | JobState::Paused | JobState::NeedsYou,
                    ) => Some(match &message {
                        Some(m) => format!("{}: {m}", s_name(state)),
                        None => s_name(state).to_string(),
                    }),
                    (Some(JobState::Paused), JobState::Idle) => Some("resumed".to_string()),
                    _ => None,
                };
                if let Some(l) = line {
                    println!("{job}: {l}");
                }
            }
            _ => {}
        }
    }
}

fn s_name(s: JobState) -> &'static str {
    s.as_str()
}

/// "2 up (1.2 MB), 1 down (3 B), 1 deleted here": only what happened.
fn change_set(status: RunStatus, c: &Counts) -> String {
    let mut parts = Vec::new();
    if c.uploaded > 0 {
        parts.push(format!("{} up ({})", c.uploaded, human_bytes(c.bytes_up)));
    }
    if c.downloaded > 0 {
        parts.push(format!(
            "{} down ({})",
            c.downloaded,
            human_bytes(c.bytes_down)
        ));
    }
    if c.deleted_local > 0 {
        parts.push(format!("{} deleted here", c.deleted_local));
    }
    if c.deleted_remote > 0 {
        parts.push(format!("{} deleted remotely", c.deleted_remote));
    }
    if c.moved_local > 0 {
        parts.push(format!("{} moved here", c.moved_local));
    }
    if c.moved_remote > 0 {
        parts.push(format!("{} moved remotely", c.moved_remote));
    }
    if c.conflicts > 0 {
        parts.push(anemone_sync::words::plural(c.conflicts, "conflict"));
    }
    if c.skipped > 0 {
        parts.push(format!("{} skipped", c.skipped));
    }
    if parts.is_empty() {
        parts.push("nothing changed".into());
    }
    format!("{} - {}", status.as_str(), parts.join(", "))
}
