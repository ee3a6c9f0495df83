//! What a dry run would do, counted from the plan without touching anything.

use crate::db::history::{Counts, FileError, RunStatus};
use crate::db::jobs::Job;
use crate::sync::reconcile::Action;

use super::report::{PlannedAction, RunReport};

pub(crate) fn dry_run_report(
    job: &Job,
    actions: &[Action],
    errors: Vec<FileError>,
    notes: Vec<FileError>,
) -> RunReport {
    let mut counts = Counts::default();
    let mut planned = Vec::new();
    let mut errors = errors;
    for a in actions {
        let name = match a {
            Action::Upload { local, .. } => {
                counts.uploaded += 1;
                counts.bytes_up += local.size;
                "upload"
            }
            Action::Download { remote, .. } => {
                counts.downloaded += 1;
                counts.bytes_down += remote.size;
                "download"
            }
            Action::CreateRemoteDir { .. } => "create remote folder",
            Action::CreateLocalDir { .. } => "create local folder",
            Action::DeleteLocal { .. } => {
                counts.deleted_local += 1;
                "delete local"
            }
            Action::DeleteRemote { .. } => {
                counts.deleted_remote += 1;
                "delete remote"
            }
            Action::Conflict { .. } => {
                counts.conflicts += 1;
                "conflict"
            }
            Action::Skip { path, reason } => {
                counts.skipped += 1;
                errors.push(FileError {
                    path: path.as_str().to_string(),
                    message: reason.clone(),
                });
                "skip"
            }
            Action::Record { .. } | Action::Forget { .. } => continue,
        };
        planned.push(PlannedAction {
            path: a.path().as_str().to_string(),
            action: name,
        });
    }
    RunReport {
        job: job.name.clone(),
        status: if errors.is_empty() {
            RunStatus::Success
        } else {
            RunStatus::Partial
        },
        counts,
        exit_code: if errors.is_empty() { 0 } else { 1 },
        errors,
        notes,
        duration_ms: 0,
        message: Some("dry run: nothing was changed".into()),
        run_id: None,
        unreachable: false,
        auth_failed: false,
        connection: None,
        planned: Some(planned),
    }
}
