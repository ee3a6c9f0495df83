//! A run's entry in the history: opened before the run starts, closed with its report (or
//! forgotten when a live check found nothing to do), the per-file findings of the gathering
//! stage, and the events that announce the run's start and end.

use crate::db::history::{Counts, FileError, RunStatus};
use crate::db::jobs::Job;
use crate::engine::Engine;
use crate::events::Event;

use super::report::RunReport;

impl Engine {
    /// Opens the run's history entry (none for a dry run) and announces it. Runs a crash left
    /// open are closed first.
    pub(super) async fn open_run(&self, job: &Job, dry_run: bool) -> Option<i64> {
        let _ = self.db.close_stale_runs(job.id).await;
        if dry_run {
            return None;
        }
        let id = self.db.start_run(job.id, false).await.ok()?;
        let _ = self.events.send(Event::RunStarted {
            job: job.name.clone(),
            run_id: id,
        });
        Some(id)
    }

    /// Stores what gathering found (paths that could not be read or named, paths left alone
    /// on purpose); the executor stores its own per-file errors as it goes.
    pub(super) async fn record_findings(
        &self,
        run_id: Option<i64>,
        errors: &[FileError],
        notes: &[FileError],
    ) {
        let Some(id) = run_id else { return };
        for e in errors {
            let _ = self.db.record_error(id, e).await;
        }
        for n in notes {
            let _ = self.db.record_note(id, &n.path, &n.message).await;
        }
    }

    /// Closes the run's entry with its report and announces the end. With `forget_if_idle`, a
    /// run that did nothing and found nothing leaves no entry.
    pub(super) async fn close_run(&self, job: &Job, report: &mut RunReport, forget_if_idle: bool) {
        let Some(id) = report.run_id else { return };
        let idle = report.status == RunStatus::Success
            && report.counts == Counts::default()
            && report.errors.is_empty();
        if forget_if_idle && idle {
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
}
