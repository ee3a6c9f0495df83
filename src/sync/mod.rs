//! One sync run of a job, top to bottom: gather the three trees ([`gather`]), reconcile them
//! (`crate::sync::reconcile`, pure), check the safety guard (`crate::sync::guard`), count a dry run
//! ([`plan`]) or execute the plan (`crate::sync::execute`, which records each file as it finishes),
//! clean up ([`cleanup`]) and report ([`report`]). Settling a pending conflict is [`resolve`].

pub mod cleanup;
pub mod execute;
pub mod gather;
pub mod guard;
pub mod plan;
pub mod reconcile;
pub mod record;
pub mod report;
pub mod resolve;

use std::sync::Arc;
use std::time::Instant;

use tracing::Instrument;

use crate::db::history::{Counts, RunStatus};
use crate::db::jobs::Job;
use crate::engine::Engine;
use crate::events::{Event, Phase, RunProgress, PROGRESS_INTERVAL};
use crate::replica::dir::DirReplica;
use crate::scope::Scope;
use crate::tree::EntryKind;
use execute::{ExecResult, Executor, RunControl, Side};
use reconcile::{reconcile, Action, ReconcileOptions};

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
        let _ = self.db.close_stale_runs(job.id).await;
        let run_id = if opts.dry_run {
            None
        } else {
            self.db.start_run(job.id, false).await.ok()
        };
        if let Some(id) = run_id {
            let _ = self.events.send(Event::RunStarted {
                job: job.name.clone(),
                run_id: id,
            });
        }
        let mut report = match self.sync_inner(job, opts.clone(), run_id).await {
            Ok(r) => r,
            Err(e) => RunReport::failed(job, run_id, &e),
        };
        report.duration_ms = started.elapsed().as_millis() as u64;
        let idle = report.status == RunStatus::Success
            && report.counts == Counts::default()
            && report.errors.is_empty();
        let forget = opts.forget_if_idle && idle;
        if let Some(id) = run_id {
            if forget {
                let _ = self.db.delete_run(id).await;
                report.run_id = None;
            } else {
                let _ = self
                    .db
                    .finish_run(id, report.status, &report.counts, report.message.as_deref())
                    .await;
            }
            let _ = self.events.send(Event::RunFinished {
                job: job.name.clone(),
                run_id: id,
                status: report.status,
                counts: report.counts.clone(),
            });
        }
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
        let g = self
            .gather(job, scope.as_ref(), &excludes, opts.force, t0)
            .await?;

        self.phase(job, Phase::Planning);
        let ropts = ReconcileOptions {
            mode: job.mode,
            remote_case_insensitive: g.remote.case_insensitive(),
            check_smb_names: true,
        };
        let actions = reconcile(&g.local_tree, &g.remote_tree, &g.base_tree, &ropts);
        tracing::debug!(
            ms = t0.elapsed().as_millis() as u64,
            actions = actions.len(),
            "reconciled"
        );
        if !opts.force {
            let totals = match &scope {
                None => guard::Totals::of(&g.local_tree, &g.remote_tree, &g.base_tree),
                Some(_) => guard::Totals::of_job(g.synced_files),
            };
            guard::check(&actions, totals, job.max_delete_percent)
                .map_err(|g| SyncError::Guard(g.0))?;
        }
        if opts.dry_run {
            return Ok(plan::dry_run_report(job, &actions, g.errors, g.notes));
        }

        self.phase(job, Phase::Transferring);
        let (exec, result) = self.execute(job, &g, run_id, opts.control, actions).await;
        tracing::debug!(ms = t0.elapsed().as_millis() as u64, "executed");

        self.phase(job, Phase::Finishing);
        let mut notes = g.notes;
        // Temps and pending conflicts are judged on the whole tree: full, complete runs only.
        if result.connection_lost.is_none() && result.left_by_stop == 0 && scope.is_none() {
            let temps = Temps {
                local: &g.local_temps,
                remote: &g.remote_temps,
            };
            notes.extend(self.clean_up(job, &exec, &g.remote, temps).await);
            tracing::debug!(ms = t0.elapsed().as_millis() as u64, "cleaned up");
        }
        if let Some(id) = run_id {
            for e in &g.errors {
                let _ = self.db.record_error(id, &e.path, &e.message).await;
            }
            for n in &notes {
                let _ = self.db.record_note(id, &n.path, &n.message).await;
            }
        }
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
        actions: Vec<Action>,
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
        let exec = Arc::new(exec);
        // Folders known to exist need no create.
        for (side, dirs) in [
            (
                Side::Local,
                g.local_tree
                    .iter()
                    .filter(|(_, e)| e.kind == EntryKind::Dir)
                    .map(|(p, _)| p)
                    .collect::<Vec<_>>(),
            ),
            (
                Side::Remote,
                g.remote_tree
                    .iter()
                    .filter(|(_, e)| e.kind == EntryKind::Dir)
                    .map(|(p, _)| p)
                    .collect(),
            ),
        ] {
            for p in dirs {
                exec.dirs.mark(side, p.clone());
            }
        }
        let ticker = {
            let (progress, events) = (progress.clone(), self.events.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(PROGRESS_INTERVAL).await;
                    let _ = events.send(progress.snapshot());
                }
            })
        };
        let result = exec.run(actions).await;
        ticker.abort();
        let _ = self.events.send(progress.snapshot());
        (exec, result)
    }
}
