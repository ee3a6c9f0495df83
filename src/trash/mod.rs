//! A job's trash, browsed and restored: what runs moved to `.anemone-trash` on each side
//! (deleted, overwritten, or the losing side of a conflict), listed with its original path,
//! when, why and size; put back (to its place, or beside it when that name is taken); or
//! emptied for good.
//!
//! Works through the [`Replica`] trait, so the same code serves the local folder and the share.
//! The trash folders are the truth about what is there (another computer syncing the same share
//! puts its own runs in the share's trash); the database adds why and when for what this
//! install moved ([`crate::db::trash`]).
//!
//! Nothing a server names can make this read or write outside a job's folders: every name in a
//! listing becomes a [`RelPath`] (or is refused), a restore only ever moves a file from inside a
//! run folder of `.anemone-trash` to a path below the job's root that is not in the trash, and
//! the local side goes through [`crate::beneath`] (no symbolic link is followed). A restore
//! never replaces anything: the final rename refuses an existing name, and the next free
//! "NAME (restored DATE).EXT" is taken instead.

mod list;
mod restore;

use serde::Serialize;

use crate::db::trash::TrashReason;
use crate::names::TRASH_DIR;
use crate::relpath::RelPath;
use crate::replica::{ReplicaError, ReplicaErrorKind};
use crate::sync::execute::trash::stamp_time_ns;
use crate::tree::Side;

pub use list::TrashListing;
pub use restore::Restored;

/// One file in a job's trash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TrashItem {
    /// Which side's trash holds it (and where a restore puts it back).
    pub side: Side,
    /// Where it is now, from that side's root: `.anemone-trash/<run stamp>/<path>`. Names the
    /// item to restore.
    pub trash_path: String,
    /// Where it was (and goes back to).
    pub original_path: String,
    pub reason: TrashReason,
    /// When it went to the trash (ms since the epoch): recorded, or the run folder's time.
    pub trashed_at_ms: i64,
    pub size: u64,
    /// The version's own last-write time (kept by the move).
    pub mtime_ns: i64,
    /// The run that moved it, when this install did.
    pub run_id: Option<i64>,
}

/// Which item to restore: its side and its place in that side's trash.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, Serialize)]
pub struct TrashKey {
    pub side: Side,
    pub trash_path: String,
}

pub(crate) fn trash_root() -> RelPath {
    RelPath::new(TRASH_DIR).expect("a valid name")
}

fn refused(path: &str, why: &str) -> ReplicaError {
    ReplicaError::new(
        ReplicaErrorKind::InvalidName,
        format!("{}: {why}", crate::relpath::escape(path)),
    )
}

/// Where an item in the trash came from: `.anemone-trash/<stamp>/<rest>` gives the run folder's
/// time and `<rest>`. Anything else (outside the trash, a folder not named like one of our run
/// stamps, a path back into the trash) is refused: never something a restore may touch.
pub(crate) fn parse_trash_path(trash_path: &str) -> Result<(RelPath, i64, RelPath), ReplicaError> {
    let p = RelPath::new(trash_path).map_err(|e| refused(trash_path, e.reason))?;
    let mut parts = p.components();
    if parts.next() != Some(TRASH_DIR) {
        return Err(refused(trash_path, "not in the trash"));
    }
    let stamp = parts.next().unwrap_or_default();
    let Some(at_ns) = stamp_time_ns(stamp) else {
        return Err(refused(
            trash_path,
            "not in one of AnemoneSync's trash run folders (named like 2026-12-04 101500)",
        ));
    };
    let rest: Vec<&str> = parts.collect();
    if rest.is_empty() {
        return Err(refused(trash_path, "a trash run folder, not a file in it"));
    }
    let original = RelPath::new(&rest.join("/")).map_err(|e| refused(trash_path, e.reason))?;
    check_original(&original)?;
    Ok((p, at_ns / 1_000_000, original))
}

/// A place a restore may write to: below the root, not in the trash.
pub(crate) fn check_original(original: &RelPath) -> Result<(), ReplicaError> {
    if original.components().next() == Some(TRASH_DIR) {
        return Err(refused(
            original.as_str(),
            "would be restored into the trash itself; refused",
        ));
    }
    Ok(())
}

impl crate::engine::Engine {
    /// What the given runs put in the trash, with each one's job (the database only).
    pub async fn trash_records_of_runs(
        &self,
        run_ids: &[i64],
    ) -> Result<Vec<(i64, crate::db::trash::TrashRecord)>, crate::db::DbError> {
        self.db.trash_records_of_runs(run_ids).await
    }
}

/// The side's name in messages and the CLI.
pub fn side_name(side: Side) -> &'static str {
    match side {
        Side::Local => "this computer",
        Side::Remote => "the server",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trash_paths_outside_run_folders_are_refused() {
        for bad in [
            "report.txt",
            ".anemone-trash",
            ".anemone-trash/2026-12-04 101500",
            ".anemone-trash/not a stamp/report.txt",
            ".anemone-trash/2026-12-04 101500/.anemone-trash/x",
            "docs/.anemone-trash/2026-12-04 101500/x",
            ".anemone-trash/2026-12-04 101500/../../etc/passwd",
            "/etc/passwd",
        ] {
            assert!(parse_trash_path(bad).is_err(), "{bad} was accepted");
        }
        let (_, _, original) =
            parse_trash_path(".anemone-trash/2026-12-04 101500/docs/report.txt").unwrap();
        assert_eq!(original.as_str(), "docs/report.txt");
    }
}
