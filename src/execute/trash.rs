//! What the engine deletes or overwrites goes to a trash folder at the root of that side:
//! `.anemone-trash/<run stamp>/<original path>`. The trash is excluded from sync and emptied of
//! runs older than the job's retention.

use std::time::SystemTime;

use crate::names::TRASH_DIR;
use crate::relpath::RelPath;
use crate::remote::{Remote, RemoteErrorKind, RemoteResult};

use super::dirs::DirCache;
use super::Side;

/// Moves `path` to the trash on that side; returns where it went.
pub async fn move_to_trash(
    remote: &dyn Remote,
    side: Side,
    dirs: &DirCache,
    stamp: &str,
    path: &RelPath,
) -> RemoteResult<RelPath> {
    let base = RelPath::new(TRASH_DIR).expect("valid").join(stamp);
    let mut target = RelPath::new(&format!("{}/{}", base.as_str(), path.as_str())).expect("valid");
    if let Some(parent) = target.parent() {
        dirs.ensure(remote, side, &parent).await?;
    }
    for n in 2.. {
        match remote.rename(path, &target, false).await {
            Ok(()) => return Ok(target),
            Err(e) if e.kind == RemoteErrorKind::AlreadyExists && n < 100 => {
                target = path_with_suffix(&base, path, n);
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!()
}

fn path_with_suffix(base: &RelPath, path: &RelPath, n: u32) -> RelPath {
    RelPath::new(&format!("{}/{} ({n})", base.as_str(), path.as_str())).expect("valid")
}

/// Deletes trash runs older than `days` on any side. A run folder's age comes from its name
/// (the run's local time, `YYYY-MM-DD HHMMSS`), or its modification time when the name is not
/// one of ours.
pub async fn purge(remote: &dyn Remote, days: u32) -> RemoteResult<u64> {
    let trash = RelPath::new(TRASH_DIR).expect("valid");
    let runs = match remote.list_dir(&trash).await {
        Ok(r) => r,
        Err(e) if e.kind == RemoteErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let limit_ns = days as i64 * 86_400 * 1_000_000_000;
    let now_ns = crate::fsmeta::system_time_ns(SystemTime::now());
    let mut removed = 0;
    for run in runs
        .iter()
        .filter(|e| e.kind == crate::remote::EntryKind::Dir)
    {
        let made_ns = chrono::NaiveDateTime::parse_from_str(run.path.name(), "%Y-%m-%d %H%M%S")
            .ok()
            .and_then(|t| t.and_local_timezone(chrono::Local).single())
            .and_then(|t| t.timestamp_nanos_opt())
            .unwrap_or(run.mtime_ns);
        if now_ns - made_ns > limit_ns {
            remove_tree(remote, &run.path).await?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Deletes a folder and everything in it (only ever used inside the trash).
async fn remove_tree(remote: &dyn Remote, dir: &RelPath) -> RemoteResult<()> {
    let mut stack = vec![(dir.clone(), false)];
    while let Some((d, listed)) = stack.pop() {
        if listed {
            remote.remove_dir(&d).await?;
            continue;
        }
        stack.push((d.clone(), true));
        for e in remote.list_dir(&d).await? {
            match e.kind {
                crate::remote::EntryKind::Dir => stack.push((e.path, false)),
                crate::remote::EntryKind::File => remote.remove_file(&e.path).await?,
            }
        }
    }
    Ok(())
}
