//! Typed events, published on a broadcast channel that the CLI's progress bar and the desktop
//! app subscribe to: a run's phases, progress and files, and each job's live state (set by the
//! sync service). The engine emits a `Progress` snapshot at most every
//! [`PROGRESS_INTERVAL`], so ten thousand small files do not flood subscribers.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::broadcast;

use crate::db::history::{Counts, RunStatus};
use crate::tree::Direction;

pub const PROGRESS_INTERVAL: Duration = Duration::from_millis(200);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Connecting,
    Scanning,
    Planning,
    Transferring,
    Finishing,
}

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
    /// The delete guard stopped a run: the job waits for the user to decide what happens to
    /// the files that would be deleted (`Service::decide`), and does not run by itself.
    #[serde(rename = "needs_you")]
    NeedsYou,
    /// The first sync found files on both sides and waits for the user's choice (merge, this
    /// computer wins, the server wins); nothing was touched.
    #[serde(rename = "first-sync")]
    FirstSync,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Idle => "idle",
            JobState::Syncing => "syncing",
            JobState::Paused => "paused",
            JobState::Offline => "offline",
            JobState::Error => "error",
            JobState::Conflict => "conflict",
            JobState::NeedsYou => "needs_you",
            JobState::FirstSync => "first-sync",
        }
    }
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Transfer {
    pub path: String,
    pub direction: Direction,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    RunStarted {
        job: String,
        run_id: i64,
    },
    Phase {
        job: String,
        phase: Phase,
    },
    Progress {
        job: String,
        files_done: u64,
        files_total: u64,
        bytes_done: u64,
        bytes_total: u64,
        /// Bytes per second over the run so far.
        rate: u64,
        /// Seconds left at the current rate, when it can be told.
        eta_secs: Option<u64>,
        current: Vec<Transfer>,
    },
    /// One file finished (`action` as in history: uploaded, downloaded, deleted_local, ...).
    FileDone {
        job: String,
        path: String,
        action: String,
        bytes: u64,
    },
    FileFailed {
        job: String,
        path: String,
        message: String,
    },
    RunFinished {
        job: String,
        run_id: i64,
        status: RunStatus,
        counts: Counts,
    },
    /// A job's live state changed (published by the sync service).
    JobState {
        job: String,
        state: JobState,
        message: Option<String>,
    },
}

pub type EventSender = broadcast::Sender<Event>;

pub fn channel() -> (EventSender, broadcast::Receiver<Event>) {
    broadcast::channel(1024)
}

/// Live counters of one run, shared by the transfer tasks.
pub struct RunProgress {
    pub job: String,
    started: Instant,
    pub files_total: AtomicU64,
    pub files_done: AtomicU64,
    pub bytes_total: AtomicU64,
    pub bytes_done: AtomicU64,
    current: Mutex<BTreeMap<String, Transfer>>,
}

impl RunProgress {
    pub fn new(job: &str) -> Self {
        RunProgress {
            job: job.to_string(),
            started: Instant::now(),
            files_total: AtomicU64::new(0),
            files_done: AtomicU64::new(0),
            bytes_total: AtomicU64::new(0),
            bytes_done: AtomicU64::new(0),
            current: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn transfer_started(&self, path: &str, direction: Direction, total: u64) {
        let t = Transfer {
            path: path.to_string(),
            direction,
            bytes_done: 0,
            bytes_total: total,
        };
        self.current.lock().unwrap().insert(path.to_string(), t);
    }

    pub fn transfer_bytes(&self, path: &str, n: u64) {
        self.bytes_done.fetch_add(n, Ordering::Relaxed);
        if let Some(t) = self.current.lock().unwrap().get_mut(path) {
            t.bytes_done += n;
        }
    }

    pub fn transfer_ended(&self, path: &str) {
        self.current.lock().unwrap().remove(path);
    }

    /// Sends a snapshot every `interval` until the returned task is aborted.
    pub fn publish_every(
        self: &Arc<Self>,
        interval: std::time::Duration,
        events: EventSender,
    ) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(interval).await;
                let _ = events.send(me.snapshot());
            }
        })
    }

    pub fn snapshot(&self) -> Event {
        let bytes_done = self.bytes_done.load(Ordering::Relaxed);
        let bytes_total = self.bytes_total.load(Ordering::Relaxed);
        let secs = self.started.elapsed().as_secs_f64();
        let rate = if secs > 0.0 {
            (bytes_done as f64 / secs) as u64
        } else {
            0
        };
        let eta_secs =
            (rate > 0 && bytes_total >= bytes_done).then(|| (bytes_total - bytes_done) / rate);
        Event::Progress {
            job: self.job.clone(),
            files_done: self.files_done.load(Ordering::Relaxed),
            files_total: self.files_total.load(Ordering::Relaxed),
            bytes_done,
            bytes_total,
            rate,
            eta_secs,
            current: self.current.lock().unwrap().values().cloned().collect(),
        }
    }
}
