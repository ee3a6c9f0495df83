//! After a complete run that kept its connection: this install's leftover temps no run will
//! resume are removed, pending conflicts that went away are settled, and old trash is emptied
//! on both sides.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::beneath::Beneath;
use crate::db::history::FileError;
use crate::db::jobs::Job;
use crate::engine::Engine;
use crate::excludes::Excludes;
use crate::names::{parse_temp_name, TRASH_DIR};
use crate::relpath::RelPath;
use crate::replica::dir::DirReplica;
use crate::replica::Replica;
use crate::sync::execute::Executor;

use super::report::note;

/// This install's leftover temps on each side, for the clean-up.
pub(crate) struct Temps<'a> {
    pub(crate) local: &'a [RelPath],
    pub(crate) remote: &'a [RelPath],
    /// Whether the remote had something named like the trash when the run began (see
    /// `Gathered::remote_trash_seen`): without one, nothing there can be old enough to empty.
    pub(crate) remote_trash_seen: bool,
}

impl Engine {
    /// Whether `path` is a temp file this install wrote (`NAME.<our id>.anemone-…`) for a
    /// name that is not excluded: the only kind of temp a clean-up removes.
    pub(crate) fn is_own_temp(&self, path: &RelPath, excludes: &Excludes) -> bool {
        parse_temp_name(path.name()).is_some_and(|(real, id)| {
            id == self.client_id
                && !path.parent().is_some_and(|d| excludes.is_excluded(&d))
                && path
                    .with_name(real)
                    .is_ok_and(|r| !excludes.is_excluded(&r))
        })
    }

    /// After a run that kept its connection: remove our temps no run will resume, settle
    /// pending conflicts that disappeared, and empty old trash. Returns what is worth a note
    /// in the run's history (a trash folder that is not a folder).
    pub(crate) async fn clean_up(
        &self,
        job: &Job,
        exec: &Executor,
        remote: &Arc<dyn Replica>,
        temps: Temps<'_>,
    ) -> Vec<FileError> {
        let failed = exec.failed.lock().unwrap().clone();
        // Kept while a failed transfer may resume it.
        let resumable = |temp: &RelPath| {
            parse_temp_name(temp.name())
                .and_then(|(real, _)| temp.with_name(real).ok())
                .is_some_and(|real| failed.contains(&real))
        };
        for t in temps.remote.iter().filter(|t| !resumable(t)) {
            if remote.stat(t).await.ok().flatten().is_some() {
                let _ = remote.remove_file(t).await;
            }
        }
        let local_fs = Beneath::new(&job.local_path);
        for t in temps.local.iter().filter(|t| !resumable(t)) {
            let _ = local_fs.remove_file(t);
        }
        let pending: BTreeSet<RelPath> = exec.pending.lock().unwrap().clone();
        if let Ok(list) = self.db.pending_conflicts(Some(job.id)).await {
            for c in list {
                if let Ok(p) = RelPath::new(&c.path) {
                    if !pending.contains(&p) {
                        let _ = self.db.mark_conflict_resolved(job.id, &p, "gone").await;
                    }
                }
            }
        }
        let mut notes = Vec::new();
        let local_side = DirReplica::new(job.local_path.clone());
        // A trash that was not on the share when the run began holds only run folders made
        // since (this run's, or another client's just now): none is past its retention, and
        // looking costs round trips (three, 1.2 s over a link with 200 ms each way).
        let sides: &[(&dyn Replica, &str)] = if temps.remote_trash_seen {
            &[(&local_side, "local"), (remote.as_ref(), "remote")]
        } else {
            &[(&local_side, "local")]
        };
        for &(side, what) in sides {
            match crate::sync::execute::trash::purge(side, job.trash_retention_days).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(runs = n, side = what, "emptied old trash"),
                Err(crate::sync::execute::trash::PurgeError::NotAFolder(why)) => {
                    tracing::warn!(side = what, reason = %why, "the trash is not a folder; left alone");
                    notes.push(note(&RelPath::new(TRASH_DIR).expect("valid"), &why, what));
                }
                Err(crate::sync::execute::trash::PurgeError::Remote(e)) => {
                    tracing::warn!(error = %e, side = what, "could not empty old trash")
                }
            }
        }
        notes
    }
}
