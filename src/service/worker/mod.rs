//! One job's worker: decides when the job runs and what each run looks at, runs it, and keeps
//! the job's live state.
//!
//! What starts a run:
//! - the first run when the service starts, "Sync now", a resume with changes waiting;
//! - `realtime`: local file-system events and remote change notifications, coalesced per
//!   path until quiet ([`Pending`]), each run scoped to the paths that changed; remote polling
//!   (a listing compared with the base) when notification is off, refused or lost;
//! - `interval` / `schedule`: a full run when due;
//! - every live trigger: a full rescan every `rescan_minutes`, and whenever a change feed
//!   overflowed or failed (never silence).
//!
//! Offline: a run that cannot reach the server puts the job `offline`, opens one "offline
//! from .. to .." history entry, and retries with a growing delay (capped) or at once when
//! the network changes; changes keep being recorded meanwhile, and the first run that gets
//! through is a full one that catches up. Other failures (the safety guard, a missing share)
//! put the job in `error` and back off the same way; a failure repeated with the same message
//! leaves no new history entry.
//!
//! A login the server rejects is not retried on a timer: on a domain, repeated attempts with
//! a wrong or expired password lock the account. The job stays in `error` ("the server
//! rejected the user name or password") with no remote watch or poll, until the stored
//! password changes (checked every `timers::PASSWORD_CHECK`, without contacting the server), the job
//! is edited, or the user asks for a sync.
//!
//! Pause: no new run or transfer starts; a run in progress finishes its transfers in flight.
//! "Sync now" on a paused job (that job, not "sync all") runs it once, and it stays paused.
//! Shutdown: like pause, then after the grace period transfers in flight are cut (their temps
//! stay for the next run to resume).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

mod runs;

use super::pending::Pending;
use super::timers::{FullWhy, RunKind, Timers};
use super::{JobState, JobStatus, ServiceOptions};
use crate::db::jobs::Job;
use crate::engine::Engine;
use crate::excludes::Excludes;
use crate::relpath::RelPath;
use crate::tree::Side;
use crate::trigger::Trigger;
use crate::watch::{watch_local, Change, ChangeSender, WatchGuard};

/// A scope with more roots than this is run as a full sync (one walk beats many lookups).
const MAX_SCOPE_ROOTS: usize = 5000;
/// A path whose sync failed is retried this many times in a row by live sync.
const RETRIES: u32 = 3;

#[derive(Debug)]
pub(super) enum Ctl {
    /// `even_paused`: a paused job runs once (the user asked for this job).
    SyncNow {
        even_paused: bool,
    },
    Pause,
    Resume,
    Shutdown {
        grace: Duration,
    },
    /// The user's answer to a guard stop.
    Decide(super::Decision),
}

/// An outage in progress: its history entry.
struct Outage {
    entry: Option<i64>,
}

pub(super) struct Worker {
    engine: Arc<Engine>,
    job: Job,
    excludes: Excludes,
    status: Arc<Mutex<JobStatus>>,
    ctl: mpsc::UnboundedReceiver<Ctl>,
    net: watch::Receiver<u64>,
    opts: ServiceOptions,

    local_tx: ChangeSender,
    local_rx: mpsc::UnboundedReceiver<Change>,
    remote_tx: ChangeSender,
    remote_rx: mpsc::UnboundedReceiver<Change>,
    local_watch: Option<WatchGuard>,
    remote_watch: Option<WatchGuard>,
    local_pending: Pending,
    remote_pending: Pending,

    paused: bool,
    /// "Sync now" on a paused job: one full run, then paused again (issue 16: the button did
    /// nothing and said nothing).
    run_once: bool,
    shutting_down: bool,
    /// When the next run is due, and what kind (pure: see `timers`).
    timers: Timers,
    outage: Option<Outage>,
    /// The message of the last failed run, so a repeat leaves no new history entry.
    failure: Option<String>,
    /// The fingerprint of the password the server rejected (while `timers` holds the job for
    /// it): compared, never shown or stored.
    rejected_password: Option<[u8; 32]>,
    heartbeat_at: Instant,
    last_start: Option<chrono::DateTime<chrono::Local>>,
    /// The answer the next full run carries out (delete on the other side, or restore).
    answer: Option<super::Decision>,
    /// `true` while a metered connection holds the job: no run starts (like a pause the user
    /// did not ask for, shown as "paused: metered connection").
    metered: watch::Receiver<bool>,
    /// "Sync now" while a metered connection holds the job: that one run goes ahead (the user
    /// asked for it by hand).
    sync_now_held: bool,
}

impl Worker {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        engine: Arc<Engine>,
        job: Job,
        status: Arc<Mutex<JobStatus>>,
        ctl: mpsc::UnboundedReceiver<Ctl>,
        net: watch::Receiver<u64>,
        opts: ServiceOptions,
        paused: bool,
        metered: watch::Receiver<bool>,
    ) -> Worker {
        let (local_tx, local_rx) = mpsc::unbounded_channel();
        let (remote_tx, remote_rx) = mpsc::unbounded_channel();
        let quiet = Duration::from_millis(job.live.quiet_ms as u64);
        // The job's own excludes and our data folder: the watcher drops their events (our
        // database writes inside a job folder must not wake a run).
        let excludes = engine
            .excludes_for(&job)
            .unwrap_or_else(|_| Excludes::new(&[]).expect("default excludes"));
        Worker {
            engine,
            excludes,
            status,
            ctl,
            net,
            opts,
            local_tx,
            local_rx,
            remote_tx,
            remote_rx,
            local_watch: None,
            remote_watch: None,
            local_pending: Pending::new(quiet),
            remote_pending: Pending::new(quiet),
            paused,
            run_once: false,
            shutting_down: false,
            timers: Timers::new(),
            outage: None,
            failure: None,
            rejected_password: None,
            heartbeat_at: Instant::now(),
            last_start: None,
            answer: None,
            metered,
            sync_now_held: false,
            job,
        }
    }

    fn realtime(&self) -> bool {
        self.job.live.trigger == Trigger::Realtime
    }

    pub(super) async fn run(mut self) {
        let first = if self.paused {
            JobState::Paused
        } else {
            JobState::Idle
        };
        self.publish(first, None).await;
        if self.realtime() {
            self.start_local_watch();
        }
        loop {
            if self.shutting_down {
                break;
            }
            let now = Instant::now();
            if now >= self.heartbeat_at {
                let _ = self.engine.db.live_heartbeat(&[self.job.id]).await;
                self.heartbeat_at =
                    now + Duration::from_millis(crate::db::live::HEARTBEAT_MS as u64);
            }
            let held = self.show_metered_hold().await;
            if !self.paused && (!held || self.sync_now_held) {
                self.sync_now_held = false;
                if let Some(kind) = self.due(now) {
                    self.run_kind(kind).await;
                    continue;
                }
            } else if self.run_once {
                // `sync` takes the flag: the one run goes through the pause.
                self.run_kind(RunKind::Full(FullWhy::Asked)).await;
                self.run_once = false;
                continue;
            }
            let wake = self.next_wake();
            tracing::trace!(in_ms = wake.saturating_duration_since(now).as_millis() as u64, poll = ?self.timers.poll_at.map(|t| t.saturating_duration_since(now)), "sleeping");
            tokio::select! {
                c = self.ctl.recv() => {
                    let was_paused = self.paused;
                    self.on_ctl(c);
                    if was_paused != self.paused {
                        let (state, message) = self.resting_state();
                        self.publish(state, message).await;
                    }
                }
                Some(c) = self.local_rx.recv() => self.on_local(c),
                Some(c) = self.remote_rx.recv() => self.on_remote(c),
                Ok(()) = self.net.changed() => self.on_network_change(),
                Ok(()) = self.metered.changed() => {}
                _ = tokio::time::sleep_until(wake.into()) => {}
            }
        }
        self.local_watch = None;
        self.remote_watch = None;
        let _ = self.engine.db.clear_live(self.job.id).await;
    }

    /// The run to do now, if any.
    fn due(&mut self, now: Instant) -> Option<RunKind> {
        let ready = self.changes_ready();
        let (engine, job, refused) = (&self.engine, &self.job, self.rejected_password);
        let kind = self
            .timers
            .due(now, ready, || engine.password_fingerprint(job) != refused);
        if matches!(kind, Some(RunKind::Full(FullWhy::Retry)))
            && self.rejected_password.take().is_some()
        {
            tracing::info!(job = %self.job.name, "a new password was stored: trying again");
        }
        kind
    }

    /// When the earliest waiting changes, of either side, are ready.
    fn changes_ready(&self) -> Option<Instant> {
        [
            self.local_pending.next_ready(),
            self.remote_pending.next_ready(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn next_wake(&self) -> Instant {
        let held = self.paused || *self.metered.borrow();
        let wake = self
            .timers
            .next_wake(self.heartbeat_at, held, self.changes_ready());
        if held {
            // Nothing can run: a retry time already past (an offline job whose network
            // changed, as it does when a metered hotspot comes up) must not spin the loop.
            wake.max(Instant::now() + Duration::from_secs(1))
        } else {
            wake
        }
    }

    /// Whether a metered connection holds the job, shown in its state when it changes: held,
    /// "paused: metered connection"; released, idle (a pause the user asked for stays shown).
    async fn show_metered_hold(&mut self) -> bool {
        let held = *self.metered.borrow_and_update();
        let (state, message) = {
            let s = self.status.lock().unwrap();
            (s.state, s.message.clone())
        };
        let shown = state == JobState::Paused
            && message.as_deref() == Some(crate::limits::metered::HELD_MESSAGE);
        if held && !shown && !self.paused {
            self.publish(
                JobState::Paused,
                Some(crate::limits::metered::HELD_MESSAGE.to_string()),
            )
            .await;
        } else if !held && shown && !self.paused {
            self.publish(JobState::Idle, None).await;
        }
        held
    }

    fn on_ctl(&mut self, c: Option<Ctl>) {
        match c {
            Some(Ctl::SyncNow { even_paused }) => {
                self.timers.sync_now(Instant::now());
                self.run_once = self.paused && even_paused;
                self.sync_now_held = *self.metered.borrow();
            }
            Some(Ctl::Pause) => self.paused = true,
            Some(Ctl::Resume) => {
                self.paused = false;
                self.run_once = false;
            }
            Some(Ctl::Shutdown { .. }) | None => self.shutting_down = true,
            Some(Ctl::Decide(d)) => self.on_decision(d),
        }
    }

    /// The user answered a guard stop. Only a job waiting for one takes an answer: a stale
    /// click (the job went on meanwhile) must not force a later run.
    fn on_decision(&mut self, d: super::Decision) {
        if !self.timers.awaiting_decision {
            tracing::info!(job = %self.job.name, decision = ?d, "no guard stop to answer; ignored");
            return;
        }
        tracing::info!(job = %self.job.name, decision = ?d, "guard stop answered");
        match d {
            super::Decision::Later => {}
            d => {
                self.answer = Some(d);
                self.timers.sync_now(Instant::now());
            }
        }
    }

    /// The state of a job that is not running: paused, waiting for a decision, or idle.
    fn resting_state(&self) -> (JobState, Option<String>) {
        if self.paused {
            (JobState::Paused, None)
        } else if self.timers.awaiting_decision {
            let st = self.status.lock().unwrap();
            (JobState::NeedsYou, st.message.clone())
        } else {
            (JobState::Idle, None)
        }
    }

    fn on_network_change(&mut self) {
        if self.timers.network_changed(Instant::now()) {
            tracing::info!(job = %self.job.name, "network changed: retrying now");
        }
    }

    fn on_local(&mut self, c: Change) {
        self.on_change(Side::Local, c);
    }

    fn on_remote(&mut self, c: Change) {
        self.on_change(Side::Remote, c);
    }

    /// Records what a change feed reported.
    fn on_change(&mut self, side: Side, c: Change) {
        let now = Instant::now();
        match c {
            Change::Paths(paths) => self.on_paths(side, paths, now, None),
            Change::Writing(paths) => self.on_paths(side, paths, now, Some(true)),
            Change::Closed(paths) => self.on_paths(side, paths, now, Some(false)),
            Change::Names(names) => {
                self.on_paths(side, crate::watch::paths_from_names(&names), now, None)
            }
            Change::Rescan(why) => {
                tracing::info!(job = %self.job.name, %side, reason = %why, "full rescan");
                self.timers.want_full.get_or_insert(FullWhy::Rescan);
            }
            Change::Ended(why) => match side {
                Side::Local => {
                    tracing::warn!(job = %self.job.name, reason = %why, "local watcher stopped");
                    self.local_watch = None;
                    self.timers.want_full.get_or_insert(FullWhy::FeedLost);
                }
                Side::Remote => {
                    tracing::info!(job = %self.job.name, reason = %why, "remote change notification stopped; polling");
                    self.remote_watch = None;
                    self.timers.remote_feed_lost(now, self.poll_period());
                }
            },
        }
    }

    /// `writing`: see [`Pending::touch_as`].
    fn on_paths(&mut self, side: Side, paths: Vec<RelPath>, now: Instant, writing: Option<bool>) {
        for p in paths {
            if p.is_root() {
                self.timers.want_full.get_or_insert(FullWhy::Rescan);
            } else if !self.excludes.is_excluded(&p) {
                match side {
                    Side::Local => self.local_pending.touch_as(p, now, writing),
                    Side::Remote => self.remote_pending.touch_as(p, now, writing),
                }
            }
        }
    }

    fn poll_period(&self) -> Duration {
        Duration::from_secs(self.job.live.poll_secs.max(1) as u64)
    }

    fn start_local_watch(&mut self) {
        if self.local_watch.is_some() {
            return;
        }
        match watch_local(
            &self.job.local_path,
            self.excludes.clone(),
            self.local_tx.clone(),
        ) {
            Ok(g) => self.local_watch = Some(g),
            Err(why) => {
                // No watcher (folder missing, watch limit): full runs every poll period keep
                // the job in sync anyway.
                tracing::warn!(job = %self.job.name, reason = %why, "cannot watch the local folder; scanning it every poll period");
            }
        }
    }

    /// Starts remote change notification if wanted and possible, else schedules polling.
    async fn start_remote_watch(&mut self) {
        if !self.realtime() || self.remote_watch.is_some() || self.timers.login_is_rejected() {
            return;
        }
        if !self.job.live.remote_notify {
            self.timers
                .poll_at
                .get_or_insert(Instant::now() + self.poll_period());
            return;
        }
        let remote = match self.engine.open_remote(&self.job).await {
            Ok(r) => r,
            Err(_) => {
                // The run that follows reports why.
                self.timers
                    .poll_at
                    .get_or_insert(Instant::now() + self.poll_period());
                return;
            }
        };
        match remote.watch(self.remote_tx.clone()).await {
            Ok(Some(g)) => {
                self.remote_watch = Some(g);
                self.timers.poll_at = None;
            }
            Ok(None) => {
                self.timers
                    .poll_at
                    .get_or_insert(Instant::now() + self.poll_period());
            }
            Err(e) => {
                tracing::info!(job = %self.job.name, reason = %e, "the server refused change notification; polling");
                self.timers
                    .poll_at
                    .get_or_insert(Instant::now() + self.poll_period());
            }
        }
    }
}
