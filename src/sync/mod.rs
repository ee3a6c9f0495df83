//! One sync run of a job, top to bottom ([`Engine::sync_job`]): open its history entry
//! ([`history`]) -> [`gather`] the three trees (a full run reads them side by side in path
//! order, a [`merge`], keeping only the paths not [`settled`]) -> [`reconcile`] them (pure) -> the delete
//! [`guard`] -> a dry run's counts, or the [`plan`] (pure: order and totals) carried out by
//! [`execute`] (which writes each finished file through [`record`]) -> [`cleanup`] ->
//! [`report`], which also holds the typed errors and exit codes. Settling a pending conflict is
//! [`resolve`].

pub mod cleanup;
pub mod execute;
pub mod gather;
pub mod guard;
mod history;
pub mod merge;
pub mod moves;
pub mod plan;
pub mod reconcile;
pub mod record;
pub mod report;
pub mod resolve;
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
use plan::Plan;
use reconcile::reconcile;

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
            .gather(job, scope.as_ref(), &excludes, opts.force, t0)
            .await?;

        self.phase(job, Phase::Planning);
        let ropts = ReconcileOptions {
            mode: job.mode,
            remote_case_insensitive: g.remote.case_insensitive(),
            check_smb_names: true,
        };
        let actions = reconcile(&g.local_tree, &g.remote_tree, &g.base_tree, &ropts);
        // The actions hold what they need: the trees are not kept through the transfers (a
        // first sync of a million files holds a million entries in each).
        g.free_trees();
        tracing::debug!(
            ms = t0.elapsed().as_millis() as u64,
            peak_kib = crate::memory::peak_rss_kib(),
            actions = actions.len(),
            "reconciled"
        );
        if !opts.force {
            guard::check(&actions, g.totals, job.max_delete_percent)
                .map_err(|g| SyncError::Guard(g.0))?;
        }
        if opts.dry_run {
            return Ok(RunReport::dry_run(job, &actions, g.errors, g.notes));
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
