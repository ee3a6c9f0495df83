//! Where a run meets the job's first-sync choice (see [`super::first_sync`]): which choice
//! applies, what each would move, and whether the run must stop to ask.

use crate::db::jobs::Job;
use crate::engine::Engine;
use crate::policy::ReconcileOptions;

use super::first_sync::{FirstSync, FirstSyncSetting};
use super::first_sync_preview::{preview, FirstSyncPreview};
use super::gather::Gathered;
use super::{SyncError, SyncOptions};

/// What a run does about the first sync.
pub(crate) struct FirstRun {
    /// The choice for paths never synced (merge once spent).
    pub choice: FirstSync,
    /// The job's choice is not spent yet: a run that carries out its whole plan spends it.
    pub unspent: bool,
    /// What each choice would move, for a first sync's dry run.
    pub preview: Option<FirstSyncPreview>,
}

impl Engine {
    /// The first-sync choice this run applies; stops the run (nothing touched) when the job
    /// must ask and both folders hold something. Only full runs apply a choice: a scoped run
    /// (live sync) sees a few paths, not the folders.
    pub(crate) async fn first_sync_of(
        &self,
        job: &Job,
        g: &Gathered,
        ropts: &ReconcileOptions,
        opts: &SyncOptions,
        full: bool,
    ) -> Result<FirstRun, SyncError> {
        let state = if full {
            self.db.first_sync(job.id).await?
        } else {
            None
        };
        // A job with no synced state at all is on its first sync even without a choice
        // (jobs added before choices existed): its dry run shows the counts too.
        let never_synced = g.totals.base_files == 0 && g.base_tree.is_empty();
        let both_hold_files = g.totals.local_files > 0 && g.totals.remote_files > 0;
        let wants_preview = full && (state.is_some() || never_synced) && both_hold_files;
        let counts =
            wants_preview.then(|| preview(&g.local_tree, &g.remote_tree, &g.base_tree, ropts));
        let Some(state) = state else {
            return Ok(FirstRun {
                choice: FirstSync::Merge,
                unspent: false,
                preview: counts.filter(|_| opts.dry_run),
            });
        };
        if state.setting == FirstSyncSetting::Ask && both_hold_files && !opts.dry_run {
            self.db.mark_first_sync_waiting(job.id).await?;
            return Err(SyncError::FirstSyncChoice {
                job: job.name.clone(),
                preview: Box::new(counts.unwrap_or_default()),
            });
        }
        Ok(FirstRun {
            choice: state.setting.choice(),
            unspent: true,
            preview: counts.filter(|_| opts.dry_run),
        })
    }
}

/// The job API of first-sync choices (CLI `job add --first-sync`, `job first-sync`; the app).
impl Engine {
    /// Sets the job's first-sync setting (a job added in the app without a choice: `Ask`).
    /// Refused when the job has synced already (the choice is for paths never synced, and a
    /// synced job's new files must not be deleted by it) or the choice clashes with its mode.
    pub async fn set_first_sync(
        &self,
        job: &Job,
        setting: FirstSyncSetting,
    ) -> Result<(), SyncError> {
        if let FirstSyncSetting::Chosen(c) = setting {
            if let Some(why) = c.clash_with(job.mode) {
                return Err(SyncError::Config(format!("job '{}': {why}", job.name)));
            }
        }
        let unspent = self.db.first_sync(job.id).await?.is_some();
        if !unspent && self.db.has_synced(job.id).await? {
            return Err(SyncError::Config(format!(
                "job '{}' has synced already; the first-sync choice applies only before its first sync",
                job.name
            )));
        }
        self.db.set_first_sync(job.id, setting).await?;
        Ok(())
    }

    /// What each first-sync choice would move for this job now: both sides scanned, nothing
    /// touched. `None` when it is not the job's first sync or a side holds no files (then all
    /// three choices do the same).
    pub async fn first_sync_preview(
        &self,
        job: &Job,
    ) -> Result<Option<FirstSyncPreview>, SyncError> {
        let report = self
            .sync_job(
                job,
                SyncOptions {
                    dry_run: true,
                    force: true,
                    ..SyncOptions::default()
                },
            )
            .await;
        match report.first_sync {
            Some(p) => Ok(Some(p)),
            None if report.status == crate::db::history::RunStatus::Failed => {
                Err(SyncError::Config(
                    report
                        .message
                        .unwrap_or_else(|| "the preview failed".into()),
                ))
            }
            None => Ok(None),
        }
    }
}

impl Engine {
    /// The job's unspent first-sync setting (`None` once its first sync is done).
    pub async fn first_sync_state(
        &self,
        job: &Job,
    ) -> Result<Option<crate::db::first_sync::FirstSyncState>, SyncError> {
        Ok(self.db.first_sync(job.id).await?)
    }

    /// Ids of the jobs whose first sync waits for a choice.
    pub async fn first_sync_waiting(&self) -> Result<Vec<i64>, SyncError> {
        Ok(self.db.first_sync_waiting().await?)
    }
}
