//! What the engine deletes or overwrites goes to a trash folder at the root of that side:
//! `.anemone-trash/<run stamp>/<original path>`. The trash is excluded from sync and emptied of
//! runs older than the job's retention.

use std::path::Path;
use std::time::{Duration, SystemTime};

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

/// Deletes local trash runs older than `days`. Trash stamps sort by time; the folder's own
/// modification time is used to judge age.
pub fn purge_local(root: &Path, days: u32) -> std::io::Result<u64> {
    let trash = root.join(TRASH_DIR);
    let Ok(rd) = std::fs::read_dir(&trash) else {
        return Ok(0);
    };
    let limit = Duration::from_secs(days as u64 * 86_400);
    let mut removed = 0;
    for item in rd.flatten() {
        let Ok(meta) = item.metadata() else { continue };
        let age = meta
            .modified()
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .unwrap_or_default();
        if meta.is_dir() && age > limit {
            std::fs::remove_dir_all(item.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}
