//! The mass-delete guard: a run that would delete a large share of a side, or act on a side
//! that had files and now looks empty or missing (an unmounted disk, an emptied share), stops
//! before touching anything unless the user passes `--force`.

use crate::sync::reconcile::Action;
use crate::tree::EntryKind;

/// Below this many files on a side, the percentage rule does not apply (deleting 2 of 3 files
/// is an ordinary edit, not a disaster); the empty-side rule still does.
pub const PERCENT_RULE_MIN_FILES: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct GuardViolation(pub String);

/// How many files each side holds (and held at the last sync), the guard's yardstick.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub local_files: usize,
    pub remote_files: usize,
    pub base_files: usize,
    /// Apply the empty-side rule. Only a full run can tell a side looks empty: a scoped run
    /// (live sync) sees just the paths the watchers named, and judges deletions against the
    /// whole job's file count instead.
    pub judge_empty_sides: bool,
}

impl Totals {
    /// A scoped run's yardstick: the job's synced files, `all`.
    pub fn of_job(all: usize) -> Totals {
        Totals {
            local_files: all,
            remote_files: all,
            base_files: all,
            judge_empty_sides: false,
        }
    }
}

pub fn check(
    actions: &[Action],
    totals: Totals,
    max_delete_percent: u32,
) -> Result<(), GuardViolation> {
    let Totals {
        local_files,
        remote_files,
        base_files,
        judge_empty_sides,
    } = totals;
    let del_local = actions
        .iter()
        .filter(|a| matches!(a, Action::DeleteLocal { local } if local.kind == EntryKind::File))
        .count();
    let del_remote = actions
        .iter()
        .filter(|a| matches!(a, Action::DeleteRemote { remote } if remote.kind == EntryKind::File))
        .count();
    let hint = "If that is what you want, run the sync again with --force.";
    if judge_empty_sides && base_files > 0 && local_files == 0 && del_remote > 0 {
        return Err(GuardViolation(format!(
            "the local folder looks empty but {base_files} files were synced before; this run would delete {del_remote} files on the remote. Is the disk mounted? {hint}"
        )));
    }
    if judge_empty_sides && base_files > 0 && remote_files == 0 && del_local > 0 {
        return Err(GuardViolation(format!(
            "the remote folder looks empty but {base_files} files were synced before; this run would delete {del_local} local files. Is the share emptied or a different one? {hint}"
        )));
    }
    for (side, deletes, total) in [
        ("local", del_local, local_files),
        ("remote", del_remote, remote_files),
    ] {
        if total >= PERCENT_RULE_MIN_FILES && deletes * 100 > max_delete_percent as usize * total {
            return Err(GuardViolation(format!(
                "this run would delete {deletes} of the {total} {side} files ({}%), more than the job's limit of {max_delete_percent}%. {hint}",
                deletes * 100 / total
            )));
        }
    }
    Ok(())
}
