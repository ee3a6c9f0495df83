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
//! Shutdown: like pause, then after the grace period transfers in flight are cut (their temps
//! stay for the next run to resume).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use super::pending::Pending;
use super::timers::{FullWhy, RunKind, Timers};
use super::{JobState, JobStatus, ServiceOptions};
use crate::beneath::{Beneath, FileKind};
use crate::db::history::{Counts, RunStatus};
use crate::db::jobs::Job;
use crate::db::now_ms;
use crate::engine::Engine;
use crate::events::Event;
use crate::excludes::Excludes;
use crate::relpath::RelPath;
use crate::scope::Scope;
use crate::sync::execute::RunControl;
use crate::sync::report::plural;
use crate::sync::{RunReport, SyncOptions};
use crate::tree::EntryKind;
use crate::tree::Side;
use crate::trigger::Trigger;
use crate::watch::{watch_local, Change, ChangeSender, WatchGuard};

/// A scope with more roots than this is run as a full sync (one walk beats many lookups).
const MAX_SCOPE_ROOTS: usize = 5000;
/// A path whose sync failed is retried this many times in a row by live sync.
const RETRIES: u32 = 3;

#[derive(Debug)]
pub(super) enum Ctl {
    SyncNow,
    Pause,
    Resume,
    Shutdown { grace: Duration },
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
}

impl Worker {
    pub(super) fn new(
        engine: Arc<Engine>,
        job: Job,
        status: Arc<Mutex<JobStatus>>,
        ctl: mpsc::UnboundedReceiver<Ctl>,
        net: watch::Receiver<u64>,
        opts: ServiceOptions,
        paused: bool,
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
            shutting_down: false,
            timers: Timers::new(),
            outage: None,
            failure: None,
            rejected_password: None,
            heartbeat_at: Instant::now(),
            last_start: None,
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
            if !self.paused {
                if let Some(kind) = self.due(now) {
                    self.run_kind(kind).await;
                    continue;
                }
            }
            let wake = self.next_wake();
            tracing::trace!(in_ms = wake.saturating_duration_since(now).as_millis() as u64, poll = ?self.timers.poll_at.map(|t| t.saturating_duration_since(now)), "sleeping");
            tokio::select! {
                c = self.ctl.recv() => {
                    let was_paused = self.paused;
                    self.on_ctl(c);
                    if was_paused != self.paused {
                        let state = if self.paused { JobState::Paused } else { JobState::Idle };
                        self.publish(state, None).await;
                    }
                }
                Some(c) = self.local_rx.recv() => self.on_local(c),
                Some(c) = self.remote_rx.recv() => self.on_remote(c),
                Ok(()) = self.net.changed() => self.on_network_change(),
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
        self.timers
            .next_wake(self.heartbeat_at, self.paused, self.changes_ready())
    }

    fn on_ctl(&mut self, c: Option<Ctl>) {
        match c {
            Some(Ctl::SyncNow) => self.timers.sync_now(Instant::now()),
            Some(Ctl::Pause) => self.paused = true,
            Some(Ctl::Resume) => self.paused = false,
            Some(Ctl::Shutdown { .. }) | None => self.shutting_down = true,
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
            Change::Paths(paths) => self.on_paths(side, paths, now),
            Change::Names(names) => {
                self.on_paths(side, crate::watch::paths_from_names(&names), now)
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
                    self.timers.poll_at = Some(now + self.poll_period());
                }
            },
        }
    }

    fn on_paths(&mut self, side: Side, paths: Vec<RelPath>, now: Instant) {
        for p in paths {
            if p.is_root() {
                self.timers.want_full.get_or_insert(FullWhy::Rescan);
            } else if !self.excludes.is_excluded(&p) {
                match side {
                    Side::Local => self.local_pending.touch(p, now),
                    Side::Remote => self.remote_pending.touch(p, now),
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

    async fn run_kind(&mut self, kind: RunKind) {
        match kind {
            RunKind::Full(why) => self.full_run(why).await,
            RunKind::Scoped => self.scoped_run().await,
            RunKind::Poll => self.poll().await,
        }
    }

    async fn full_run(&mut self, why: FullWhy) {
        self.timers.want_full = None;
        if self.realtime() {
            self.start_local_watch();
            self.start_remote_watch().await;
        }
        let started = Instant::now();
        self.last_start = Some(chrono::Local::now());
        let opts = SyncOptions {
            // A look that found nothing is not history, unless the user asked for it.
            forget_if_idle: !matches!(why, FullWhy::Asked | FullWhy::Start),
            ..SyncOptions::default()
        };
        let Some(report) = self.sync(opts).await else {
            return;
        };
        let complete = report.status != RunStatus::Interrupted;
        if self.after_run(&report).await && complete {
            self.local_pending.done_all(started);
            self.remote_pending.done_all(started);
        } else if !complete {
            self.timers.want_full.get_or_insert(why);
        }
        self.schedule_after_full();
    }

    fn schedule_after_full(&mut self) {
        let now = Instant::now();
        let live = &self.job.live;
        self.timers.rescan_at = (live.is_live() && live.rescan_minutes > 0)
            .then(|| now + Duration::from_secs(live.rescan_minutes as u64 * 60));
        if self.realtime() && self.local_watch.is_none() {
            // No local watcher: scan every poll period instead.
            let soon = now + self.poll_period();
            self.timers.rescan_at = Some(self.timers.rescan_at.map_or(soon, |t| t.min(soon)));
        }
        let cnow = chrono::Local::now();
        self.timers.timed_at = live.next_timed_run(cnow, self.last_start).map(|t| {
            let wait = (t - cnow).to_std().unwrap_or_default();
            now + wait
        });
        self.status.lock().unwrap().next_sync_ms = live
            .next_timed_run(cnow, self.last_start)
            .map(|t| t.timestamp_millis());
    }

    async fn scoped_run(&mut self) {
        let now = Instant::now();
        let quiet = Duration::from_millis(self.job.live.quiet_ms as u64);
        let mut scope = Scope::new();
        let mut taken_local = Vec::new();
        for p in self.local_pending.ready(now) {
            let check = self.local_check(&p, quiet).await;
            tracing::debug!(path = %p, ?check, "local change");
            match check {
                LocalCheck::Unchanged => self.local_pending.drop_path(&p),
                LocalCheck::Moving => self.local_pending.still_moving(&p, now),
                LocalCheck::Sync => {
                    scope.add(p.clone());
                    taken_local.push(p);
                }
            }
        }
        let taken_remote = self.remote_pending.ready(now);
        for p in &taken_remote {
            scope.add(p.clone());
        }
        if scope.is_empty() {
            return;
        }
        tracing::debug!(
            roots = scope.len(),
            first = ?scope.roots().take(8).map(|r| r.as_str()).collect::<Vec<_>>(),
            "scoped run"
        );
        if scope.len() > MAX_SCOPE_ROOTS {
            return self.full_run(FullWhy::Rescan).await;
        }
        let opts = SyncOptions {
            scope: Some(scope),
            forget_if_idle: true,
            ..SyncOptions::default()
        };
        let Some(report) = self.sync(opts).await else {
            return;
        };
        if self.after_run(&report).await && report.status != RunStatus::Interrupted {
            self.local_pending.done(&taken_local, now);
            self.remote_pending.done(&taken_remote, now);
        }
    }

    /// Whether a locally reported path needs a run: not when it is exactly as last synced
    /// (our own download echoing back, or a touch that changed nothing we track), not yet when
    /// it is still being written.
    async fn local_check(&self, p: &RelPath, quiet: Duration) -> LocalCheck {
        let (fs, rel) = (Beneath::new(&self.job.local_path), p.clone());
        let meta = match tokio::task::spawn_blocking(move || fs.metadata(&rel)).await {
            Ok(Ok(Some(m))) => m,
            _ => return LocalCheck::Sync, // gone or unreadable: the run looks and says
        };
        if meta.kind == FileKind::File {
            let now = crate::fsmeta::system_time_ns(std::time::SystemTime::now());
            let age = Duration::from_nanos(now.saturating_sub(meta.mtime_ns).max(0) as u64);
            if age < quiet {
                return LocalCheck::Moving;
            }
            let (size, mtime) = (meta.size, meta.mtime_ns);
            if let Ok(Some(b)) = self.engine.db.base_entry(self.job.id, p).await {
                if b.kind == EntryKind::File && b.local_meta_same(size, mtime) {
                    return LocalCheck::Unchanged;
                }
            }
        }
        LocalCheck::Sync
    }

    async fn poll(&mut self) {
        self.timers.poll_at = None;
        tracing::debug!("polling the remote");
        match self.engine.remote_changes(&self.job).await {
            Ok(paths) => {
                let now = Instant::now();
                for p in paths {
                    self.remote_pending.add_found(p, now);
                }
                // The server answers again: try notification again.
                self.start_remote_watch().await;
                if self.remote_watch.is_none() {
                    self.timers.poll_at = Some(Instant::now() + self.poll_period());
                }
            }
            Err(e) => {
                tracing::info!(job = %self.job.name, error = %e, "polling the remote failed");
                // A full run tells offline from other trouble and records it.
                self.timers.want_full.get_or_insert(FullWhy::Retry);
            }
        }
    }

    /// Runs one sync while still listening to control messages and change feeds. `None` when
    /// the run was not started (paused meanwhile).
    async fn sync(&mut self, mut opts: SyncOptions) -> Option<RunReport> {
        if self.paused || self.shutting_down {
            return None;
        }
        let control = RunControl::new();
        opts.control = Some(control.clone());
        self.publish(JobState::Syncing, None).await;
        let (engine, job) = (self.engine.clone(), self.job.clone());
        let run = async move { engine.sync_job(&job, opts).await };
        tokio::pin!(run);
        let mut cut_at: Option<Instant> = None;
        let report = loop {
            let cut_wait = cut_at.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                r = &mut run => break r,
                c = self.ctl.recv(), if !self.shutting_down => {
                    match c {
                        Some(Ctl::Pause) => {
                            self.paused = true;
                            control.stop();
                            self.publish(JobState::Paused, None).await;
                        }
                        Some(Ctl::Resume) => self.paused = false,
                        Some(Ctl::SyncNow) => self.timers.want_full = Some(FullWhy::Asked),
                        Some(Ctl::Shutdown { grace }) => {
                            self.shutting_down = true;
                            control.stop();
                            cut_at = Some(Instant::now() + grace);
                        }
                        None => {
                            self.shutting_down = true;
                            control.stop();
                            cut_at = Some(Instant::now() + self.opts.grace);
                        }
                    }
                }
                Some(c) = self.local_rx.recv() => self.on_local(c),
                Some(c) = self.remote_rx.recv() => self.on_remote(c),
                _ = tokio::time::sleep_until(cut_wait.into()), if cut_at.is_some() => {
                    tracing::info!(job = %self.job.name, "grace period over: cutting transfers in flight");
                    control.cut();
                    cut_at = None;
                }
            }
        };
        // The run's trees and plan are freed now; hand the pages back while the job idles.
        tokio::task::spawn_blocking(crate::memory::give_back);
        Some(report)
    }

    /// Updates state, history and retry timers after a run. Returns whether the run got
    /// through (the paths it took count as dealt with).
    async fn after_run(&mut self, report: &RunReport) -> bool {
        let now = Instant::now();
        let conflicts = self
            .engine
            .db
            .pending_conflicts(Some(self.job.id))
            .await
            .map(|c| c.len() as u64)
            .unwrap_or(0);
        {
            let mut st = self.status.lock().unwrap();
            st.pending_conflicts = conflicts;
            if report.connection.is_some() {
                st.security = report.connection;
            }
        }
        let did_nothing = report.counts == Counts::default();
        if report.auth_failed {
            let why = report.message.clone().unwrap_or_default();
            self.record_failure(report, &why).await;
            tracing::warn!(job = %self.job.name, reason = %why, "login rejected: waiting for a new password, not retrying");
            self.rejected_password = self.engine.password_fingerprint(&self.job);
            // No timer, no watch, no poll: each of them would log in again.
            self.timers.login_rejected(now);
            self.remote_watch = None;
            self.status.lock().unwrap().needs_password = true;
            let msg = format!(
                "the server rejected the user name or password; enter the new password (`anemone-sync job set-password {} --password-stdin`, or Enter new password on the job in the app)",
                self.job.name
            );
            self.publish(JobState::Error, Some(msg)).await;
            return false;
        }
        self.rejected_password = None;
        self.timers.password_check_at = None;
        self.status.lock().unwrap().needs_password = false;
        if report.unreachable {
            let msg = report
                .message
                .clone()
                .unwrap_or_else(|| "the server cannot be reached".into());
            if self.outage.is_none() {
                tracing::warn!(job = %self.job.name, reason = %msg, "offline");
                let entry = self
                    .engine
                    .db
                    .begin_offline(self.job.id, now_ms(), &msg)
                    .await
                    .ok();
                self.outage = Some(Outage { entry });
            }
            // One history entry per outage, not a failed run per retry.
            if let (true, Some(id)) = (did_nothing, report.run_id) {
                let _ = self.engine.db.delete_run(id).await;
            }
            self.remote_watch = None;
            self.block(now);
            self.publish(JobState::Offline, Some(msg)).await;
            return false;
        }
        if matches!(report.status, RunStatus::Failed | RunStatus::Aborted) {
            let msg = report.message.clone().unwrap_or_default();
            self.record_failure(report, &msg).await;
            tracing::warn!(job = %self.job.name, reason = %msg, "run failed");
            self.block(now);
            self.publish(JobState::Error, Some(msg)).await;
            return false;
        }
        if let Some(o) = self.outage.take() {
            tracing::info!(job = %self.job.name, "back online");
            if let Some(id) = o.entry {
                let _ = self.engine.db.end_offline(id, "back online").await;
            }
        }
        self.failure = None;
        self.timers.got_through();
        for e in &report.errors {
            if let Ok(p) = RelPath::new(&e.path) {
                self.local_pending.failed(p, now, RETRIES);
            }
        }
        self.status.lock().unwrap().last_sync_ms = Some(now_ms());
        let (state, message) = if self.paused {
            (JobState::Paused, None)
        } else if !report.errors.is_empty() {
            (
                JobState::Error,
                Some(format!(
                    "{} could not be synced; see history",
                    plural(report.errors.len() as u64, "file")
                )),
            )
        } else if conflicts > 0 {
            (JobState::Conflict, None)
        } else {
            (JobState::Idle, None)
        };
        self.publish(state, message).await;
        true
    }

    /// Remembers a failed run's message; a run that did nothing and failed exactly as the last
    /// one leaves no new history entry.
    async fn record_failure(&mut self, report: &RunReport, msg: &str) {
        let repeat = self.failure.as_deref() == Some(msg);
        if let (true, true, Some(id)) = (report.counts == Counts::default(), repeat, report.run_id)
        {
            let _ = self.engine.db.delete_run(id).await;
        }
        self.failure = Some(msg.to_string());
    }

    /// Nothing runs for a while (offline or failing); each failure waits longer, up to the cap.
    fn block(&mut self, now: Instant) {
        self.timers.failed(now, self.opts.retry_max);
    }
}

#[derive(Debug)]
enum LocalCheck {
    Unchanged,
    Moving,
    Sync,
}

impl Worker {
    /// Publishes the job's state: in memory, as an event, and in the database for `status`.
    async fn publish(&self, state: JobState, message: Option<String>) {
        let (changed, since) = {
            let mut s = self.status.lock().unwrap();
            let changed = s.state != state || s.message != message;
            s.state = state;
            s.message = message.clone();
            (changed, now_ms())
        };
        if changed {
            let _ = self.engine.events.send(Event::JobState {
                job: self.job.name.clone(),
                state,
                message: message.clone(),
            });
        }
        let next = self.status.lock().unwrap().next_sync_ms;
        let _ = self
            .engine
            .db
            .put_live(self.job.id, state.as_str(), message.as_deref(), since, next)
            .await;
    }
}
