//! The worker's runs: a full run, a scoped run of the paths that changed, a poll of the remote;
//! what a run's report does to the job (offline, error, a rejected login, back online), and
//! publishing the job's live state.

use std::time::{Duration, Instant};

use super::{Ctl, Outage, Worker, MAX_SCOPE_ROOTS, RETRIES};
use crate::beneath::{Beneath, FileKind};
use crate::db::history::{Counts, RunStatus};
use crate::db::now_ms;
use crate::events::Event;
use crate::relpath::RelPath;
use crate::scope::Scope;
use crate::service::timers::{FullWhy, RunKind};
use crate::service::{Decision, JobState};
use crate::sync::execute::RunControl;
use crate::sync::guard::GuardStop;
use crate::sync::report::plural;
use crate::sync::{RunReport, SyncOptions};
use crate::tree::EntryKind;

impl Worker {
    pub(super) async fn run_kind(&mut self, kind: RunKind) {
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
        // The user's answer to a guard stop, carried out by this run only.
        let answer = self.answer.take();
        let opts = SyncOptions {
            // A look that found nothing is not history, unless the user asked for it.
            forget_if_idle: !matches!(why, FullWhy::Asked | FullWhy::Start),
            force: answer == Some(Decision::DeleteOnOtherSide),
            restore_missing: answer == Some(Decision::RestoreMissing),
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
        if report.guard.is_some() {
            // A scoped run sees only the paths the watchers named: a folder moved here shows
            // as its old paths gone while the new name is still settling. The whole tree
            // decides whether the user is needed: a full run now (its own guard stop, if any,
            // is the one that asks).
            tracing::debug!(job = %self.job.name, "scoped run stopped by the delete guard: a full run decides");
            self.timers.want_full = Some(FullWhy::Rescan);
            return;
        }
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
        let once = std::mem::take(&mut self.run_once);
        if (self.paused && !once) || self.shutting_down {
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
                        Some(Ctl::SyncNow { .. }) => self.timers.want_full = Some(FullWhy::Asked),
                        // A run is going: the job is not waiting for an answer (ignored).
                        Some(Ctl::Decide(d)) => self.on_decision(d),
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
            tracing::warn!(job = %self.job.name, reason = %why, detail = report.detail.as_deref().unwrap_or(""), "login rejected: waiting for a new password, not retrying");
            self.rejected_password = self.engine.password_fingerprint(&self.job);
            // No timer, no watch, no poll: each of them would log in again.
            self.timers.login_rejected(now);
            self.remote_watch = None;
            self.status.lock().unwrap().needs_password = true;
            let msg = format!(
                "The server did not accept the user name or password. Enter the new password (Enter new password on the job in the app, or `anemone-sync job set-password {} --password-stdin`).",
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
                tracing::warn!(job = %self.job.name, reason = %msg, detail = report.detail.as_deref().unwrap_or(""), "offline");
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
        if let Some(stop) = &report.guard {
            self.await_decision(report, stop).await;
            return false;
        }
        if report.first_sync_waiting {
            // Not a failure: the job waits for the user's choice (the app asks; `job
            // first-sync` on the command line). Timers and changes run it again, which asks
            // again; the choice, once made, runs it at once (see `first_sync_chosen`).
            let msg = report.message.clone().unwrap_or_default();
            self.record_failure(report, &msg).await;
            tracing::info!(job = %self.job.name, "first sync waits for a choice");
            self.block(now);
            self.publish(JobState::FirstSync, Some(msg)).await;
            return false;
        }
        if matches!(report.status, RunStatus::Failed | RunStatus::Aborted) {
            let msg = report.message.clone().unwrap_or_default();
            self.record_failure(report, &msg).await;
            tracing::warn!(job = %self.job.name, reason = %msg, detail = report.detail.as_deref().unwrap_or(""), "run failed");
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
        self.timers.awaiting_decision = false;
        self.status.lock().unwrap().needs_you = None;
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

    /// The delete guard stopped the run: the job waits in `needs_you`, with what would be
    /// deleted, and runs again only when the user answers or asks (see `Timers::due`).
    async fn await_decision(&mut self, report: &RunReport, stop: &GuardStop) {
        let msg = stop.waiting_message();
        self.record_failure(report, &msg).await;
        tracing::warn!(job = %self.job.name, reason = %stop.what, files = stop.count, "delete guard: waiting for the user");
        self.timers.awaiting_decision = true;
        self.timers.blocked_until = None;
        self.status.lock().unwrap().needs_you = Some(stop.clone());
        self.publish(JobState::NeedsYou, Some(msg)).await;
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
    pub(super) async fn publish(&self, state: JobState, message: Option<String>) {
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
