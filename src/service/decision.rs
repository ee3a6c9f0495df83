//! The user's answer to a delete-guard stop (a job in `needs_you`): one of three, each a
//! single request to the job's worker.

use serde::{Deserialize, Serialize};

/// What to do with the files a guarded run would have deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// They were deleted on purpose: delete them on the other side too (one run with
    /// `force`; deleted files go to that side's trash).
    DeleteOnOtherSide,
    /// Copy them back from the other side to where they vanished (one run with
    /// `restore_missing`, which deletes nothing).
    RestoreMissing,
    /// Not now: the job stays in `needs_you` and does not run by itself, so nothing is
    /// deleted meanwhile; Sync now looks again (and asks again if nothing changed).
    Later,
}
