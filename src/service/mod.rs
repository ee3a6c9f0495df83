//! The sync service: keeps every enabled job in sync over time, in-process. The desktop app and
//! `anemone-sync watch` both run one. It decides *when* a job runs (manual requests, and — as
//! issue 4 lands — file-system watchers, remote change notification, intervals, schedules and
//! the periodic full rescan) and tracks each job's live state (idle, syncing, paused, offline,
//! error, conflict), which it publishes as [`Event::JobState`] on the engine's event channel.
//!
//! One worker task per job: a job never runs twice at once; requests that arrive during a run
//! are folded into one follow-up run.
//!
//! This is the contract the desktop shell (`src-tauri/`) codes against: `start`, `statuses`,
//! `sync_now`, `pause`, `resume`, `reload`, `shutdown`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::db::history::RunStatus;
use crate::db::jobs::Job;
use crate::db::now_ms;
use crate::engine::{Engine, SyncOptions};
use crate::progress::Event;

/// What a job is doing, as the tray and `status --json` show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Idle,
    Syncing,
    Paused,
    Offline,
    Error,
    Conflict,
}

/// One job's live status.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct JobStatus {
    pub job_id: i64,
    pub job: String,
    pub state: JobState,
    /// Why the job is in `error` or `offline` (written for people).
    pub message: Option<String>,
    /// When the last run that reached the server ended (ms since the epoch).
    pub last_sync_ms: Option<i64>,
    /// When the next scheduled run starts, if one is scheduled.
    pub next_sync_ms: Option<i64>,
    pub pending_conflicts: u64,
}

/// Tunables of the service.
#[derive(Clone, Debug)]
pub struct ServiceOptions {
    /// How long `shutdown` lets running transfers finish before cutting them.
    pub grace: Duration,
}

impl Default for ServiceOptions {
    fn default() -> Self {
        ServiceOptions {
            grace: Duration::from_secs(10),
        }
    }
}

struct Worker {
    /// The settings it runs with: a worker whose job changed is replaced.
    job: Job,
    status: Arc<Mutex<JobStatus>>,
    wake: Arc<Notify>,
    paused: Arc<std::sync::atomic::AtomicBool>,
    task: JoinHandle<()>,
}

struct Inner {
    engine: Arc<Engine>,
    workers: Mutex<BTreeMap<i64, Worker>>,
}

/// Handle to a running service; cheap to clone.
#[derive(Clone)]
pub struct Service {
    inner: Arc<Inner>,
    opts: ServiceOptions,
}

impl Service {
    /// Starts a worker for every enabled job. Each runs one sync at start.
    pub async fn start(engine: Arc<Engine>, opts: ServiceOptions) -> Service {
        let s = Service {
            inner: Arc::new(Inner {
                engine,
                workers: Mutex::new(BTreeMap::new()),
            }),
            opts,
        };
        s.reload().await;
        s
    }

    /// The live status of every job the service runs, in job-name order.
    pub fn statuses(&self) -> Vec<JobStatus> {
        let mut v: Vec<JobStatus> = self
            .inner
            .workers
            .lock()
            .unwrap()
            .values()
            .map(|w| w.status.lock().unwrap().clone())
            .collect();
        v.sort_by(|a, b| a.job.cmp(&b.job));
        v
    }

    /// Asks for a run of one job (by id) or of all (`None`) as soon as possible.
    pub fn sync_now(&self, job_id: Option<i64>) {
        for (_, w) in self.selected(job_id) {
            w.wake.notify_one();
        }
    }

    /// No new runs or transfers start for these jobs until `resume`.
    pub fn pause(&self, job_id: Option<i64>) {
        self.set_paused(job_id, true);
    }

    pub fn resume(&self, job_id: Option<i64>) {
        self.set_paused(job_id, false);
        self.sync_now(job_id);
    }

    /// Re-reads the jobs table: starts workers for new or re-enabled jobs, stops those of
    /// removed or disabled ones, and restarts those whose settings changed.
    pub async fn reload(&self) {
        let jobs = match self.inner.engine.db.jobs().await {
            Ok(j) => j,
            Err(e) => {
                tracing::error!("cannot read jobs: {e}");
                return;
            }
        };
        let mut workers = self.inner.workers.lock().unwrap();
        let wanted: BTreeMap<i64, Job> = jobs
            .into_iter()
            .filter(|j| j.enabled)
            .map(|j| (j.id, j))
            .collect();
        let mut was_paused = Vec::new();
        workers.retain(|id, w| {
            let keep = wanted.get(id) == Some(&w.job);
            if !keep {
                w.task.abort();
                if w.paused.load(std::sync::atomic::Ordering::SeqCst) {
                    was_paused.push(*id);
                }
            }
            keep
        });
        for (id, job) in wanted {
            if workers.contains_key(&id) {
                continue;
            }
            let w = self.spawn_worker(job);
            if was_paused.contains(&id) {
                // Edited while paused: stays paused.
                w.paused.store(true, std::sync::atomic::Ordering::SeqCst);
                w.status.lock().unwrap().state = JobState::Paused;
            }
            workers.insert(id, w);
        }
    }

    /// Stops every worker. Runs in progress get the service's `grace` to finish.
    pub async fn shutdown(&self) {
        self.shutdown_within(self.opts.grace).await
    }

    /// Stops every worker; runs in progress get `grace` to finish their transfers, then are cut
    /// cleanly (a temp the next run resumes, never a partial file under a real name). A zero
    /// `grace` is "stop now" (the tray's Quit > Stop).
    pub async fn shutdown_within(&self, grace: Duration) {
        let tasks: Vec<JoinHandle<()>> = {
            let mut w = self.inner.workers.lock().unwrap();
            std::mem::take(&mut *w)
                .into_values()
                .map(|w| w.task)
                .collect()
        };
        for t in tasks {
            t.abort();
            let _ = tokio::time::timeout(grace, t).await;
        }
    }

    fn selected(&self, job_id: Option<i64>) -> Vec<(i64, WorkerHandle)> {
        self.inner
            .workers
            .lock()
            .unwrap()
            .iter()
            .filter(|(id, _)| job_id.is_none_or(|j| j == **id))
            .map(|(id, w)| {
                (
                    *id,
                    WorkerHandle {
                        wake: w.wake.clone(),
                        paused: w.paused.clone(),
                        status: w.status.clone(),
                    },
                )
            })
            .collect()
    }

    fn set_paused(&self, job_id: Option<i64>, paused: bool) {
        for (_, w) in self.selected(job_id) {
            w.paused.store(paused, std::sync::atomic::Ordering::SeqCst);
            let mut s = w.status.lock().unwrap();
            if paused {
                s.state = JobState::Paused;
            } else if s.state == JobState::Paused {
                s.state = JobState::Idle;
            }
            let _ = self.inner.engine.events.send(Event::JobState {
                job: s.job.clone(),
                state: s.state,
                message: s.message.clone(),
            });
        }
    }

    fn spawn_worker(&self, job: Job) -> Worker {
        let status = Arc::new(Mutex::new(JobStatus {
            job_id: job.id,
            job: job.name.clone(),
            state: JobState::Idle,
            message: None,
            last_sync_ms: None,
            next_sync_ms: None,
            pending_conflicts: 0,
        }));
        let wake = Arc::new(Notify::new());
        let paused = Arc::new(std::sync::atomic::AtomicBool::new(false));
        wake.notify_one(); // the initial sync
        let engine = self.inner.engine.clone();
        let job_settings = job.clone();
        let (st, wk, pz) = (status.clone(), wake.clone(), paused.clone());
        let task = tokio::spawn(async move {
            loop {
                wk.notified().await;
                if pz.load(std::sync::atomic::Ordering::SeqCst) {
                    continue;
                }
                set_state(&engine, &st, JobState::Syncing, None);
                let report = engine.sync_job(&job, SyncOptions::default()).await;
                let conflicts = engine
                    .db
                    .pending_conflicts(Some(job.id))
                    .await
                    .map(|c| c.len() as u64)
                    .unwrap_or(0);
                let (state, message) = match report.status {
                    RunStatus::Failed | RunStatus::Aborted => (JobState::Error, report.message),
                    _ if conflicts > 0 => (JobState::Conflict, None),
                    _ => (JobState::Idle, None),
                };
                {
                    let mut s = st.lock().unwrap();
                    s.pending_conflicts = conflicts;
                    if state != JobState::Error {
                        s.last_sync_ms = Some(now_ms());
                    }
                }
                let state = if pz.load(std::sync::atomic::Ordering::SeqCst) {
                    JobState::Paused
                } else {
                    state
                };
                set_state(&engine, &st, state, message);
            }
        });
        Worker {
            job: job_settings,
            status,
            wake,
            paused,
            task,
        }
    }
}

struct WorkerHandle {
    wake: Arc<Notify>,
    paused: Arc<std::sync::atomic::AtomicBool>,
    status: Arc<Mutex<JobStatus>>,
}

fn set_state(engine: &Engine, st: &Mutex<JobStatus>, state: JobState, message: Option<String>) {
    let mut s = st.lock().unwrap();
    s.state = state;
    s.message = message;
    let _ = engine.events.send(Event::JobState {
        job: s.job.clone(),
        state,
        message: s.message.clone(),
    });
}
