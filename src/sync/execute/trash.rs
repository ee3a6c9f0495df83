//! What the engine deletes or overwrites goes to a trash folder at the root of that side:
//! `.anemone-trash/<run stamp>/<original path>`. The trash is excluded from sync and emptied of
//! runs older than the job's retention.
//!
//! Emptying deletes for good, so it is careful about what it empties: a `.anemone-trash` that
//! is not a real folder (a symbolic link, a file) is never entered (the local side and
//! `file://` remotes cannot even open it through a link, see [`crate::beneath`]), and only
//! folders named like our run stamps (`2026-11-22 031502`) are removed, so a trash that an SMB
//! server resolves to some other folder of the share (Samba follows links inside a share, and
//! a client cannot tell) loses nothing that is not an old trash run.

use std::time::SystemTime;

use crate::names::TRASH_DIR;
use crate::relpath::RelPath;
use crate::replica::{Expect, Replica, ReplicaError, ReplicaErrorKind, ReplicaResult};
use crate::tree::EntryKind;

use super::dirs::DirCache;
use super::Side;

fn trash_dir() -> RelPath {
    RelPath::new(TRASH_DIR).expect("a valid name")
}

fn too_long(path: &RelPath) -> ReplicaError {
    ReplicaError::new(
        ReplicaErrorKind::InvalidName,
        format!("{path}: its name is too long to be moved to the trash; it was left in place"),
    )
}

/// Moves `path` to the trash on that side if it still is what `expect` accepts; returns where
/// it went, or `None` (nothing moved) when it changed or went away since the scan. On the share
/// the check is made on the open file that is moved, so a version another client writes at
/// that moment is never the one put in the trash.
pub async fn move_to_trash(
    remote: &dyn Replica,
    side: Side,
    dirs: &DirCache,
    stamp: &str,
    path: &RelPath,
    expect: &Expect<'_>,
) -> ReplicaResult<Option<RelPath>> {
    let base = trash_dir().join(stamp).map_err(|_| too_long(path))?;
    let mut target = path.under(&base);
    if let Some(parent) = target.parent() {
        dirs.ensure(remote, side, &parent).await?;
    }
    for n in 2.. {
        match remote.rename_if(path, &target, expect).await {
            Ok(true) => return Ok(Some(target)),
            Ok(false) => return Ok(None),
            Err(e) if e.kind == ReplicaErrorKind::AlreadyExists && n < 100 => {
                target = path
                    .with_name(&format!("{} ({n})", path.name()))
                    .map_err(|_| too_long(path))?
                    .under(&base);
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!()
}

impl super::Executor {
    /// Records why `original` went to `trashed` on `side`, for the Trash view. A record that
    /// cannot be written costs only the reason (the file is in the trash all the same), so it
    /// does not fail the action.
    pub(super) async fn note_trashed(
        &self,
        side: Side,
        trashed: &RelPath,
        original: &RelPath,
        reason: crate::db::trash::TrashReason,
    ) {
        let rec = crate::db::trash::TrashRecord {
            side,
            trash_path: trashed.as_str().to_string(),
            original_path: original.as_str().to_string(),
            reason,
            run_id: self.run_id,
            trashed_at_ms: crate::db::now_ms(),
        };
        if let Err(e) = self.db.record_trash(self.job.id, &rec).await {
            tracing::warn!(path = %original, error = %e, "could not record why a file went to the trash");
        }
    }
}

/// Why the trash of a side was not emptied.
#[derive(Debug)]
pub enum PurgeError {
    /// `.anemone-trash` is there but is not a folder (a symbolic link, a file): left alone.
    NotAFolder(String),
    Remote(ReplicaError),
}

/// A run folder's time, from its name (the run's local time, `YYYY-MM-DD HHMMSS`); `None`
/// for any other name, which purging never touches.
pub(crate) fn stamp_time_ns(name: &str) -> Option<i64> {
    chrono::NaiveDateTime::parse_from_str(name, "%Y-%m-%d %H%M%S")
        .ok()
        .and_then(|t| t.and_local_timezone(chrono::Local).earliest())
        .and_then(|t| t.timestamp_nanos_opt())
}

/// Deletes our trash runs older than `days` on a side.
pub async fn purge(remote: &dyn Replica, days: u32) -> Result<u64, PurgeError> {
    let trash = trash_dir();
    match remote.stat(&trash).await {
        Ok(None) => return Ok(0),
        Ok(Some(e)) if e.kind == EntryKind::Dir => {}
        Ok(Some(_)) => {
            return Err(PurgeError::NotAFolder(format!(
                "{TRASH_DIR} is a file, not a folder: nothing was emptied or moved to the trash on this side; rename it"
            )))
        }
        // The local side and file:// remotes refuse to look through a link.
        Err(e) if e.kind == ReplicaErrorKind::Other => {
            return Err(PurgeError::NotAFolder(format!(
                "{TRASH_DIR} is not a real folder ({}): nothing was emptied or moved to the trash on this side; remove the link",
                e.message
            )))
        }
        Err(e) => return Err(PurgeError::Remote(e)),
    }
    let runs = match remote.list_dir(&trash).await {
        Ok(r) => r.entries,
        Err(e) if e.kind == ReplicaErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(PurgeError::Remote(e)),
    };
    let limit_ns = days as i64 * 86_400 * 1_000_000_000;
    let now_ns = crate::fsmeta::system_time_ns(SystemTime::now());
    let mut removed = 0;
    for run in runs.iter().filter(|e| e.kind == EntryKind::Dir) {
        let Some(made_ns) = stamp_time_ns(run.path.name()) else {
            continue; // not one of our run folders: not ours to delete
        };
        if now_ns - made_ns > limit_ns {
            remove_tree(remote, &run.path)
                .await
                .map_err(PurgeError::Remote)?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Deletes a folder and everything in it (only ever used inside the trash).
pub(crate) async fn remove_tree(remote: &dyn Replica, dir: &RelPath) -> ReplicaResult<()> {
    let mut stack = vec![(dir.clone(), false)];
    while let Some((d, listed)) = stack.pop() {
        if listed {
            remote.remove_dir(&d).await?;
            continue;
        }
        stack.push((d.clone(), true));
        let listing = remote.list_dir(&d).await?;
        for e in listing.entries {
            match e.kind {
                EntryKind::Dir => stack.push((e.path, false)),
                EntryKind::File => remote.remove_file(&e.path).await?,
            }
        }
        // A link in the trash is removed itself (never followed): the entry, not its target.
        for (p, _) in listing.skipped {
            remote.remove_file(&p).await?;
        }
    }
    Ok(())
}
