//! One sync run of a job, top to bottom ([`Engine::sync_job`]): open its history entry
//! ([`history`]) -> [`gather`] the three trees (a full run reads them side by side in path
//! order, a [`merge`], keeping only the paths not [`settled`]) -> [`reconcile`] them (pure) -> the delete
//! [`guard`] -> a dry run's counts, or the [`plan`] (pure: order and totals) carried out by
//! [`execute`] (which writes each finished file through [`record`]) -> [`cleanup`] ->
//! [`report`], which also holds the typed errors and exit codes. Settling a pending conflict is
//! [`resolve`].

pub mod cleanup;
pub mod execute;
pub mod first_sync;
mod first_sync_gate;
pub mod first_sync_preview;
pub mod gather;
pub mod guard;
mod history;
pub mod local_folder;
pub mod merge;
pub mod moves;
pub mod plan;
pub mod reconcile;
pub mod record;
pub mod report;
pub mod resolve;
pub mod restore;
pub mod settled;

use std::sync::Arc;
use std::time::Instant;

use tracing::Instrument;

use crate::db::jobs::Job;
use crate::engine::Engine;
use crate::events::{Event, Phase, RunProgress, PROGRESS_INTERVAL};
use crate::policy::ReconcileOptions;
use crate::replica::dir::DirReplica;
use crate::scope::Scope;
use crate::tree::Side;
use execute::{ExecResult, Executor, RunControl};
use guard::GuardStop;
use plan::Plan;
use reconcile::reconcile_with;

pub use report::{PlannedAction, RunReport, SyncError};
pub use resolve::Keep;

use cleanup::Temps;
use gather::Gathered;

#[derive(Clone, Debug, Default)]
pub struct SyncOptions {
    pub dry_run: bool,
    pub force: bool,
    /// Only these paths (live sync); `None`: the whole tree.
    pub scope: Option<Scope>,
    /// Lets a pause or shutdown stop the run part-way (see [`RunControl`]).
    pub control: Option<RunControl>,
    /// Leave no history entry when the run found nothing to do (live sync's checks).
    pub forget_if_idle: bool,
    /// The answer "restore them from the other side" to a guard stop: every delete becomes a
    /// copy back to the side the file vanished from ([`restore`]); nothing is deleted, and a
    /// missing local folder is made again and filled.
    pub restore_missing: bool,
}

impl Engine {
    /// Syncs one job. Never panics on bad input: every failure is in the report.
    pub async fn sync_job(&self, job: &Job, opts: SyncOptions) -> RunReport {
        // A span guard must not be held across awaits on a multi-thread runtime (it panicked
        // a worker once): the future is instrumented instead.
        let span = tracing::info_span!("run", job = %job.name);
        self.sync_job_in_span(job, opts).instrument(span).await
    }

    async fn sync_job_in_span(&self, job: &Job, opts: SyncOptions) -> RunReport {
        let started = Instant::now();
        let run_id = self.open_run(job, opts.dry_run).await;
        let forget_if_idle = opts.forget_if_idle;
        let mut report = match self.sync_inner(job, opts, run_id).await {
            Ok(r) => r,
            Err(e) => RunReport::failed(job, run_id, &e),
        };
        report.duration_ms = started.elapsed().as_millis() as u64;
        self.close_run(job, &mut report, forget_if_idle).await;
        tracing::info!(
            status = report.status.as_str(),
            duration_ms = report.duration_ms,
            "run finished"
        );
        report
    }

    pub(crate) fn phase(&self, job: &Job, phase: Phase) {
        let _ = self.events.send(Event::Phase {
            job: job.name.clone(),
            phase,
        });
    }

    async fn sync_inner(
        &self,
        job: &Job,
        opts: SyncOptions,
        run_id: Option<i64>,
    ) -> Result<RunReport, SyncError> {
        let excludes = self.excludes_for(job)?;
        let scope = opts.scope.clone().filter(|s| !s.is_everything());
        // Each stage's time at debug level (`RUST_LOG=anemone_sync=debug`), to see where a
        // run's time goes.
        let t0 = Instant::now();
        let mut g = self
            .gather(
                job,
                scope.as_ref(),
                &excludes,
                opts.force || opts.restore_missing,
                t0,
            )
            .await?;

        self.phase(job, Phase::Planning);
        let ropts = ReconcileOptions {
            mode: job.mode,
            remote_case_insensitive: g.remote.case_insensitive(),
            check_smb_names: true,
        };
        let first = self
            .first_sync_of(job, &g, &ropts, &opts, scope.is_none())
            .await?;
        let mut actions = reconcile_with(
            &g.local_tree,
            &g.remote_tree,
            &g.base_tree,
            &ropts,
            first.choice,
        );
        if opts.restore_missing {
            actions = restore::copy_back_deletes(actions);
            debug_assert!(!restore::deletes_anything(&actions));
        }
        // The actions hold what they need: the trees are not kept through the transfers (a
        // first sync of a million files holds a million entries in each).
        g.free_trees();
        tracing::debug!(
            ms = t0.elapsed().as_millis() as u64,
            peak_kib = crate::memory::peak_rss_kib(),
            actions = actions.len(),
            "reconciled"
        );
        // A restoring run deletes nothing: there is nothing for the guard to weigh.
        if !opts.force && !opts.restore_missing {
            match first.choice.winner() {
                // The user chose what goes: the deletes are the choice, not an accident; only
                // an empty winning side (a disk not mounted) stops the run.
                Some(winner) => guard::check_winner(winner, g.totals).map_err(|what| {
                    SyncError::Guard(GuardStop::winner_empty(&actions, winner, what))
                })?,
                None => guard::check(&actions, g.totals, job.max_delete_percent)
                    .map_err(SyncError::Guard)?,
            }
        }
        if opts.dry_run {
            let mut report = RunReport::dry_run(job, &actions, g.errors, g.notes);
            report.first_sync = first.preview;
            return Ok(report);
        }
        if scope.is_none() {
            self.remember_local_folder(job).await;
        }

        self.phase(job, Phase::Transferring);
        let plan = Plan::of(actions);
        let (exec, result) = self.execute(job, &g, run_id, opts.control, plan).await;
        tracing::debug!(
            ms = t0.elapsed().as_millis() as u64,
            peak_kib = crate::memory::peak_rss_kib(),
            "executed"
        );

        self.phase(job, Phase::Finishing);
        // The first sync's choice holds until a run has carried out its whole plan.
        if first.unspent && result.connection_lost.is_none() && result.left_by_stop == 0 {
            self.db.spend_first_sync(job.id).await?;
        }
        let mut notes = g.notes;
        // Temps and pending conflicts are judged on the whole tree: full, complete runs only.
        if result.connection_lost.is_none() && result.left_by_stop == 0 && scope.is_none() {
            let temps = Temps {
                local: &g.local_temps,
                remote: &g.remote_temps,
                remote_trash_seen: g.remote_trash_seen,
            };
            notes.extend(self.clean_up(job, &exec, &g.remote, temps).await);
            tracing::debug!(
                ms = t0.elapsed().as_millis() as u64,
                peak_kib = crate::memory::peak_rss_kib(),
                "cleaned up"
            );
        }
        self.record_findings(run_id, &g.errors, &notes).await;
        Ok(RunReport::of_run(
            job,
            run_id,
            g.errors,
            notes,
            result,
            g.remote.security(),
        ))
    }

    /// Remembers the local folder this run goes ahead with (its device, its marker, written if
    /// missing), the guard's evidence next time. A failure is logged: it only weakens the
    /// guard's empty-folder rule to the percentage rule.
    async fn remember_local_folder(&self, job: &Job) {
        let root = job.local_path.clone();
        let Ok(seen) = tokio::task::spawn_blocking(move || local_folder::remember(&root)).await
        else {
            return;
        };
        if let Err(e) = self.db.remember_local_folder(job.id, &seen).await {
            tracing::warn!(error = %e, "cannot remember the local folder");
        }
    }

    /// Carries out the plan on both sides, publishing progress while it runs.
    async fn execute(
        &self,
        job: &Job,
        g: &Gathered,
        run_id: Option<i64>,
        control: Option<RunControl>,
        plan: Plan,
    ) -> (Arc<Executor>, ExecResult) {
        let progress = Arc::new(RunProgress::new(&job.name));
        let mut exec = Executor::new(
            self.db.clone(),
            job.clone(),
            run_id,
            Arc::new(DirReplica::new(job.local_path.clone())),
            g.remote.clone(),
            progress.clone(),
            Some(self.events.clone()),
            self.reconnect_budget,
            &self.client_id,
        );
        if let Some(c) = control {
            exec.control = c;
        }
        exec.throttle = self.throttle_for(job.id).await;
        // Folders known to exist need no create.
        exec.dirs
            .mark_all(Side::Local, g.local_dirs.iter().cloned());
        exec.dirs
            .mark_all(Side::Remote, g.remote_dirs.iter().cloned());
        let exec = Arc::new(exec);
        let ticker = progress.publish_every(PROGRESS_INTERVAL, self.events.clone());
        let result = exec.run(plan).await;
        ticker.abort();
        let _ = self.events.send(progress.snapshot());
        (exec, result)
    }
}
