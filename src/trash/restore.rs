//! Restoring from the trash, and emptying it.
//!
//! A restore moves the file (one rename on its own side: no bytes copied, the version's time
//! kept) back to its original path, or beside it as `NAME (restored DATE).EXT` when that name
//! is taken; the next sync carries it to the other side like any new file. Folders on the way
//! that are gone are made again. The rename never replaces anything, so a file that appears at
//! the target at that very moment (the user, another computer, a run) is kept and the next free
//! name is taken.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::db::jobs::Job;
use crate::db::trash::side_str;
use crate::engine::Engine;
use crate::relpath::RelPath;
use crate::replica::{Replica, ReplicaError, ReplicaErrorKind, ReplicaResult};
use crate::tree::{EntryKind, Side};

use super::list::{run_folders, trash_is_folder};
use super::{check_original, parse_trash_path, side_name, TrashKey};

/// Where one item went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Restored {
    pub side: Side,
    pub trash_path: String,
    /// Where it was before it went to the trash.
    pub original_path: String,
    /// Where it is now: the original path, or beside it when that was taken.
    pub restored_to: String,
}

pub(crate) fn record_key(side: Side, trash_path: &str) -> String {
    format!("{}:{trash_path}", side_str(side))
}

/// `report (restored 2026-12-04).txt`, then `report (restored 2026-12-04 2).txt`, ...
fn beside_name(original: &RelPath, date: &str, n: u32) -> Option<RelPath> {
    let name = original.name();
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    let tag = if n < 2 {
        format!("restored {date}")
    } else {
        format!("restored {date} {n}")
    };
    original.with_name(&format!("{stem} ({tag}){ext}")).ok()
}

/// Makes the folders above `path` that are missing. A file where a folder should be stops
/// the restore with its name (it is never moved or replaced).
async fn make_parents(side: &dyn Replica, path: &RelPath) -> ReplicaResult<()> {
    let mut missing = Vec::new();
    for dir in path.ancestors() {
        match side.stat(&dir).await? {
            Some(e) if e.kind == EntryKind::Dir => break,
            Some(_) => {
                return Err(ReplicaError::new(
                    ReplicaErrorKind::AlreadyExists,
                    format!(
                        "{path} cannot be restored: {dir} is a file now, not a folder; rename that file and try again"
                    ),
                ))
            }
            None => missing.push(dir),
        }
    }
    for dir in missing.iter().rev() {
        side.create_dir(dir).await?;
    }
    Ok(())
}

/// The trash folders a restore left empty, up to and with the run folder: one folder
/// removal each (a folder still holding something refuses, and stops it). Only tidiness: a
/// failure is no concern, the retention clean-up removes the run folder in time.
async fn remove_emptied_folders(side: &dyn Replica, trash_path: &RelPath) {
    for dir in trash_path.ancestors() {
        if dir.depth() < 2 || side.remove_dir(&dir).await.is_err() {
            break;
        }
    }
}

/// Moves one file out of a side's trash to `original`, or beside it.
pub(crate) async fn restore_one(
    side: &dyn Replica,
    trash_path: &RelPath,
    original: &RelPath,
    date: &str,
) -> ReplicaResult<RelPath> {
    check_original(original)?;
    match side.stat(trash_path).await? {
        Some(e) if e.kind == EntryKind::File => {}
        Some(_) => {
            return Err(ReplicaError::new(
                ReplicaErrorKind::Other,
                format!("{trash_path} is a folder, not a file in the trash"),
            ))
        }
        None => {
            return Err(ReplicaError::new(
                ReplicaErrorKind::NotFound,
                format!("{trash_path} is no longer in the trash (emptied or restored already)"),
            ))
        }
    }
    make_parents(side, original).await?;
    let mut target = original.clone();
    for n in 1..100u32 {
        // A look first spares a failed rename (and, on the share, its round trips) in the
        // common case; the rename itself is what guarantees nothing is replaced.
        if side.stat(&target).await?.is_none() {
            match side.rename(trash_path, &target, false).await {
                Ok(()) => {
                    remove_emptied_folders(side, trash_path).await;
                    return Ok(target);
                }
                Err(e) if e.kind == ReplicaErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        target = beside_name(original, date, n).ok_or_else(|| {
            ReplicaError::new(
                ReplicaErrorKind::InvalidName,
                format!("{original}: its name is too long to restore it beside the file that took its place; restore it by hand from {trash_path}"),
            )
        })?;
    }
    Err(ReplicaError::new(
        ReplicaErrorKind::AlreadyExists,
        format!("{original}: every restored name is taken; tidy up the restored copies"),
    ))
}

impl Engine {
    /// Restores items of a job's trash, each on its own side; one failing does not stop the
    /// others. Nothing is replaced (see the module notes). The caller runs a sync afterwards
    /// to carry what came back to the other side.
    pub async fn trash_restore(
        &self,
        job: &Job,
        keys: &[TrashKey],
    ) -> Vec<Result<Restored, String>> {
        let records: BTreeMap<String, String> = self
            .db
            .trash_records(job.id)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|r| (record_key(r.side, &r.trash_path), r.original_path))
            .collect();
        let date = chrono::Local::now().format("%Y-%m-%d").to_string();
        let mut replicas: BTreeMap<&'static str, std::sync::Arc<dyn Replica>> = BTreeMap::new();
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let one = async {
                let (trash_path, _, derived) =
                    parse_trash_path(&key.trash_path).map_err(|e| e.message)?;
                let original = records
                    .get(&record_key(key.side, &key.trash_path))
                    .and_then(|p| RelPath::new(p).ok())
                    .filter(|p| check_original(p).is_ok())
                    .unwrap_or(derived);
                let name = side_str(key.side);
                let replica = match replicas.get(name) {
                    Some(r) => r.clone(),
                    None => {
                        let r = self
                            .side_replica(job, key.side)
                            .await
                            .map_err(|e| e.to_string())?;
                        replicas.insert(name, r.clone());
                        r
                    }
                };
                if !trash_is_folder(replica.as_ref())
                    .await
                    .map_err(|e| e.message)?
                {
                    return Err(format!(
                        "{} is no longer in the trash on {}",
                        key.trash_path,
                        side_name(key.side)
                    ));
                }
                let to = restore_one(replica.as_ref(), &trash_path, &original, &date)
                    .await
                    .map_err(|e| e.message)?;
                let _ = self
                    .db
                    .forget_trash(job.id, key.side, &key.trash_path)
                    .await;
                tracing::info!(job = %job.name, from = %trash_path, to = %to, side = name, "restored from the trash");
                Ok::<Restored, String>(Restored {
                    side: key.side,
                    trash_path: key.trash_path.clone(),
                    original_path: original.as_str().to_string(),
                    restored_to: to.as_str().to_string(),
                })
            };
            out.push(one.await);
        }
        out
    }

    /// Deletes for good everything in a job's trash on the given sides: only run folders
    /// named like ours are removed (see `sync::execute::trash`). Returns, per side, how many
    /// run folders went, or why that side was not emptied.
    pub async fn trash_empty(&self, job: &Job, sides: &[Side]) -> Vec<(Side, Result<u64, String>)> {
        let mut out = Vec::new();
        for &side in sides {
            let one = async {
                let replica = self
                    .side_replica(job, side)
                    .await
                    .map_err(|e| e.to_string())?;
                let runs = run_folders(replica.as_ref()).await.map_err(|e| e.message)?;
                let mut n = 0;
                for run in runs {
                    crate::sync::execute::trash::remove_tree(replica.as_ref(), &run)
                        .await
                        .map_err(|e| e.message)?;
                    let _ = self.db.forget_trash_under(job.id, side, run.as_str()).await;
                    n += 1;
                }
                tracing::info!(job = %job.name, side = side_str(side), runs = n, "emptied the trash");
                Ok::<u64, String>(n)
            };
            out.push((side, one.await));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beside_names_keep_the_extension() {
        let p = RelPath::new("docs/report.txt").unwrap();
        assert_eq!(
            beside_name(&p, "2026-12-04", 1).unwrap().as_str(),
            "docs/report (restored 2026-12-04).txt"
        );
        assert_eq!(
            beside_name(&p, "2026-12-04", 2).unwrap().as_str(),
            "docs/report (restored 2026-12-04 2).txt"
        );
        let p = RelPath::new(".bashrc").unwrap();
        assert_eq!(
            beside_name(&p, "2026-12-04", 1).unwrap().as_str(),
            ".bashrc (restored 2026-12-04)"
        );
    }
}
