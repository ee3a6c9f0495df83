//! The sync service: keeps every enabled job in sync over time, in-process. The desktop app and
//! `anemone-sync watch` both run one. It decides *when* a job runs (manual requests,
//! file-system watchers, remote change notification or polling, intervals, schedules and the
//! periodic full rescan; see [`worker`]) and tracks each job's live state (idle, syncing,
//! paused, offline, error, conflict), which it publishes as [`Event::JobState`] on the engine's
//! event channel and in the `job_live` table (so `status` in another process shows it).
//!
//! One worker task per job: a job never runs twice at once; requests that arrive during a run
//! are folded into one follow-up run.
//!
//! This is the contract the desktop shell (`src-tauri/`) codes against: `start`, `statuses`,
//! `sync_now`, `pause`, `resume`, `reload`, `change_job`, `shutdown`.

mod decision;
mod network;
mod pending;
mod timers;
mod worker;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::db::jobs::Job;
use crate::engine::Engine;
#[allow(unused_imports)]
use crate::events::{Event, JobState};
use worker::{Ctl, Worker};

pub use decision::Decision;

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
    /// The server rejected the login: the job waits for a new password (it does not retry
    /// the old one on a timer).
    pub needs_password: bool,
    /// How the last run's connection to the server was protected (SMB jobs).
    pub security: Option<crate::replica::ConnectionSecurity>,
    /// In `needs_you`: what the guarded run would have deleted, until the user decides
    /// ([`Service::decide`]). After a restart the first run finds it again.
    pub needs_you: Option<crate::sync::guard::GuardStop>,
}

/// Tunables of the service.
#[derive(Clone, Debug)]
pub struct ServiceOptions {
    /// How long `shutdown` lets running transfers finish before cutting them.
    pub grace: Duration,
    /// The longest wait between two attempts of an offline or failing job
    /// (`ANEMONE_SYNC_RETRY_MAX_SECS`, default 5 minutes).
    pub retry_max: Duration,
    /// Run only these jobs (by id); `None`: every enabled job.
    pub jobs: Option<Vec<i64>>,
}

impl Default for ServiceOptions {
    fn default() -> Self {
        let retry_max = std::env::var("ANEMONE_SYNC_RETRY_MAX_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(300);
        ServiceOptions {
            grace: Duration::from_secs(10),
            retry_max: Duration::from_secs(retry_max),
            jobs: None,
        }
    }
}

struct WorkerHandle {
    job: Job,
    status: Arc<Mutex<JobStatus>>,
    ctl: mpsc::UnboundedSender<Ctl>,
    task: JoinHandle<()>,
}

struct Inner {
    engine: Arc<Engine>,
    workers: Mutex<BTreeMap<i64, WorkerHandle>>,
    net: watch::Receiver<u64>,
    net_task: JoinHandle<()>,
    /// `true` while a metered connection holds every job (see [`crate::limits::metered`]).
    metered: watch::Receiver<bool>,
    metered_task: JoinHandle<()>,
    /// Held by `reload` and `change_job`: one change of the worker set at a time, so no reload
    /// restarts a job's worker while that job is being changed.
    changing: tokio::sync::Mutex<()>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.net_task.abort();
        self.metered_task.abort();
        for w in self.workers.get_mut().unwrap().values() {
            w.task.abort();
        }
    }
}

/// Handle to a running service; cheap to clone.
#[derive(Clone)]
pub struct Service {
    inner: Arc<Inner>,
    opts: ServiceOptions,
}

impl Service {
    /// Starts a worker for every enabled job (or those in `opts.jobs`). Each runs one sync at
    /// start, then syncs as its trigger says.
    pub async fn start(engine: Arc<Engine>, opts: ServiceOptions) -> Service {
        let (net, net_task) = network::monitor();
        let (metered, metered_task) = crate::limits::metered::monitor(engine.clone()).await;
        let s = Service {
            inner: Arc::new(Inner {
                metered,
                metered_task,
                engine,
                workers: Mutex::new(BTreeMap::new()),
                net,
                net_task,
                changing: tokio::sync::Mutex::new(()),
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

    /// Asks for a full run of one job (by id) or of all (`None`) as soon as possible; an
    /// offline job tries to reconnect at once. One paused job asked by id runs once and stays
    /// paused; paused jobs are left alone by a sync of all.
    pub fn sync_now(&self, job_id: Option<i64>) {
        // Asked for one job, a paused job runs once; "sync all" leaves paused jobs paused (a
        // pause of everything is not undone by a sync of everything).
        self.send(job_id, || Ctl::SyncNow {
            even_paused: job_id.is_some(),
        });
    }

    /// No new runs or transfers start for these jobs until `resume`; transfers in flight
    /// finish. Changes keep being recorded.
    pub fn pause(&self, job_id: Option<i64>) {
        self.send(job_id, || Ctl::Pause);
        for w in self.selected_status(job_id) {
            self.set_shown_state(&w, JobState::Paused);
        }
    }

    /// Lets paused jobs run again; what changed meanwhile syncs at once.
    pub fn resume(&self, job_id: Option<i64>) {
        self.send(job_id, || Ctl::Resume);
        for w in self.selected_status(job_id) {
            if w.lock().unwrap().state == JobState::Paused {
                self.set_shown_state(&w, JobState::Idle);
            }
        }
    }

    /// The user's answer to a delete-guard stop of job `job_id` (see [`Decision`]). Does
    /// nothing for a job that is not waiting for one.
    pub fn decide(&self, job_id: i64, decision: Decision) {
        self.send(Some(job_id), || Ctl::Decide(decision));
    }

    /// Re-reads the jobs table: starts workers for new or re-enabled jobs, stops those of
    /// removed or disabled ones, and restarts those whose settings changed.
    pub async fn reload(&self) {
        let _one = self.inner.changing.lock().await;
        self.reload_keeping_paused(Vec::new()).await
    }

    /// Runs `change` (an edit of job `job_id` in the database) with that job's worker stopped,
    /// then reloads. A run with the old settings cannot record anything after the change: a
    /// job moved to other folders forgets its old synced state (`Db::update_job`), and a late
    /// write of the old run would bring it back. A paused job stays paused.
    pub async fn change_job<T>(
        &self,
        job_id: i64,
        change: impl std::future::Future<Output = T>,
    ) -> T {
        let _one = self.inner.changing.lock().await;
        let old = self.inner.workers.lock().unwrap().remove(&job_id);
        let mut was_paused = Vec::new();
        if let Some(w) = old {
            if w.status.lock().unwrap().state == JobState::Paused {
                was_paused.push(job_id);
            }
            self.stop_workers(vec![w], self.opts.grace).await;
        }
        let out = change.await;
        self.reload_keeping_paused(was_paused).await;
        out
    }

    async fn reload_keeping_paused(&self, mut was_paused: Vec<i64>) {
        let jobs = match self.inner.engine.db.jobs().await {
            Ok(j) => j,
            Err(e) => {
                tracing::error!("cannot read jobs: {e}");
                return;
            }
        };
        let wanted: BTreeMap<i64, Job> = jobs
            .into_iter()
            .filter(|j| j.enabled)
            .filter(|j| {
                self.opts
                    .jobs
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&j.id))
            })
            .map(|j| (j.id, j))
            .collect();
        let stale: Vec<WorkerHandle> = {
            let mut workers = self.inner.workers.lock().unwrap();
            let ids: Vec<i64> = workers
                .iter()
                .filter(|(id, w)| wanted.get(id) != Some(&w.job))
                .map(|(id, _)| *id)
                .collect();
            ids.into_iter()
                .filter_map(|id| workers.remove(&id))
                .collect()
        };
        // A job edited while paused stays paused.
        was_paused.extend(
            stale
                .iter()
                .filter(|w| w.status.lock().unwrap().state == JobState::Paused)
                .map(|w| w.job.id),
        );
        self.stop_workers(stale, self.opts.grace).await;
        let mut workers = self.inner.workers.lock().unwrap();
        for (id, job) in wanted {
            workers
                .entry(id)
                .or_insert_with(|| self.spawn_worker(job, was_paused.contains(&id)));
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
        let all: Vec<WorkerHandle> = {
            let mut w = self.inner.workers.lock().unwrap();
            std::mem::take(&mut *w).into_values().collect()
        };
        self.stop_workers(all, grace).await;
        self.inner.net_task.abort();
        self.inner.metered_task.abort();
    }

    async fn stop_workers(&self, workers: Vec<WorkerHandle>, grace: Duration) {
        for w in &workers {
            let _ = w.ctl.send(Ctl::Shutdown { grace });
        }
        for w in workers {
            // After the grace period transfers are cut; recording what finished takes a moment.
            let mut task = w.task;
            if tokio::time::timeout(grace + Duration::from_secs(10), &mut task)
                .await
                .is_err()
            {
                tracing::warn!(job = %w.job.name, "worker did not stop in time; aborting it");
                task.abort();
            }
        }
    }

    fn send(&self, job_id: Option<i64>, msg: impl Fn() -> Ctl) {
        for w in self.inner.workers.lock().unwrap().values() {
            if job_id.is_none_or(|id| id == w.job.id) {
                let _ = w.ctl.send(msg());
            }
        }
    }

    fn selected_status(&self, job_id: Option<i64>) -> Vec<Arc<Mutex<JobStatus>>> {
        self.inner
            .workers
            .lock()
            .unwrap()
            .values()
            .filter(|w| job_id.is_none_or(|id| id == w.job.id))
            .map(|w| w.status.clone())
            .collect()
    }

    /// Shows a state at once (the worker confirms it when it next publishes).
    fn set_shown_state(&self, st: &Mutex<JobStatus>, state: JobState) {
        let mut s = st.lock().unwrap();
        if s.state == state {
            return;
        }
        s.state = state;
        let _ = self.inner.engine.events.send(Event::JobState {
            job: s.job.clone(),
            state,
            message: s.message.clone(),
        });
    }

    fn spawn_worker(&self, job: Job, paused: bool) -> WorkerHandle {
        let status = Arc::new(Mutex::new(JobStatus {
            job_id: job.id,
            job: job.name.clone(),
            state: if paused {
                JobState::Paused
            } else {
                JobState::Idle
            },
            message: None,
            last_sync_ms: None,
            next_sync_ms: None,
            needs_password: false,
            security: None,
            pending_conflicts: 0,
            needs_you: None,
        }));
        let (ctl, rx) = mpsc::unbounded_channel();
        let worker = Worker::new(
            self.inner.engine.clone(),
            job.clone(),
            status.clone(),
            rx,
            self.inner.net.clone(),
            self.opts.clone(),
            paused,
            self.inner.metered.clone(),
        );
        let span = tracing::info_span!("job", job = %job.name);
        let task = tokio::spawn(tracing::Instrument::instrument(worker.run(), span));
        WorkerHandle {
            job,
            status,
            ctl,
            task,
        }
    }
}
