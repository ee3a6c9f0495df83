//! Listing a job's trash on both sides.

use std::collections::HashMap;

use serde::Serialize;

use crate::db::jobs::Job;
use crate::db::trash::{TrashReason, TrashRecord};
use crate::engine::Engine;
use crate::relpath::RelPath;
use crate::replica::dir::DirReplica;
use crate::replica::{Replica, ReplicaError, ReplicaErrorKind, ReplicaResult};
use crate::sync::execute::trash::stamp_time_ns;
use crate::tree::{EntryKind, Side};

use super::{parse_trash_path, trash_root, TrashItem};

/// A job's trash: the files found, newest first, and what could not be looked at.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TrashListing {
    pub items: Vec<TrashItem>,
    /// A side that could not be listed (the server offline, a trash that is a link), and names
    /// in a trash refused as paths, written for people.
    pub problems: Vec<String>,
}

impl TrashListing {
    pub fn total_size(&self, side: Option<Side>) -> u64 {
        self.items
            .iter()
            .filter(|i| side.is_none_or(|s| s == i.side))
            .map(|i| i.size)
            .sum()
    }

    pub fn count(&self, side: Option<Side>) -> usize {
        self.items
            .iter()
            .filter(|i| side.is_none_or(|s| s == i.side))
            .count()
    }
}

/// Looks at a side's `.anemone-trash`: `Ok(false)` when there is none; an error naming what is
/// wrong when it is not a real folder (never entered then).
pub(crate) async fn trash_is_folder(side: &dyn Replica) -> ReplicaResult<bool> {
    match side.stat(&trash_root()).await {
        Ok(None) => Ok(false),
        Ok(Some(e)) if e.kind == EntryKind::Dir => Ok(true),
        Ok(Some(_)) => Err(ReplicaError::new(
            ReplicaErrorKind::Other,
            format!(
                "{} is a file, not a folder; rename it",
                crate::names::TRASH_DIR
            ),
        )),
        Err(e) if e.kind == ReplicaErrorKind::Other => Err(ReplicaError::new(
            ReplicaErrorKind::Other,
            format!(
                "{} is not a real folder ({}); remove the link",
                crate::names::TRASH_DIR,
                e.message
            ),
        )),
        Err(e) => Err(e),
    }
}

/// The run folders of a side's trash (named like our run stamps; anything else is not ours
/// and is left out).
pub(crate) async fn run_folders(side: &dyn Replica) -> ReplicaResult<Vec<RelPath>> {
    if !trash_is_folder(side).await? {
        return Ok(Vec::new());
    }
    let listing = match side.list_dir(&trash_root()).await {
        Ok(l) => l,
        Err(e) if e.kind == ReplicaErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    Ok(listing
        .entries
        .into_iter()
        .filter(|e| e.kind == EntryKind::Dir && stamp_time_ns(e.path.name()).is_some())
        .map(|e| e.path)
        .collect())
}

/// Every file of a side's trash, with what the database knows of it.
pub(crate) async fn list_side(
    side_replica: &dyn Replica,
    side: Side,
    records: &HashMap<String, TrashRecord>,
    problems: &mut Vec<String>,
) -> ReplicaResult<Vec<TrashItem>> {
    let mut items = Vec::new();
    let mut stack = run_folders(side_replica).await?;
    while let Some(dir) = stack.pop() {
        let listing = match side_replica.list_dir(&dir).await {
            Ok(l) => l,
            // Emptied meanwhile (another computer's clean-up).
            Err(e) if e.kind == ReplicaErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for r in &listing.rejected {
            problems.push(format!(
                "{} in the trash on {}: {}",
                r.shown,
                super::side_name(side),
                r.reason
            ));
        }
        for e in listing.entries {
            match e.kind {
                EntryKind::Dir => stack.push(e.path),
                EntryKind::File => {
                    let Ok((_, run_ms, derived)) = parse_trash_path(e.path.as_str()) else {
                        continue;
                    };
                    let rec = records.get(e.path.as_str());
                    // A recorded original path is used only if it is one a restore may write.
                    let original = rec
                        .and_then(|r| RelPath::new(&r.original_path).ok())
                        .filter(|p| super::check_original(p).is_ok())
                        .unwrap_or(derived);
                    items.push(TrashItem {
                        side,
                        trash_path: e.path.as_str().to_string(),
                        original_path: original.as_str().to_string(),
                        reason: rec.map_or(TrashReason::Unknown, |r| r.reason),
                        trashed_at_ms: rec.map_or(run_ms, |r| r.trashed_at_ms),
                        size: e.size,
                        mtime_ns: e.mtime_ns,
                        run_id: rec.and_then(|r| r.run_id),
                    });
                }
            }
        }
    }
    Ok(items)
}

impl Engine {
    /// A job's trash on both sides, newest first. A side that cannot be looked at (the server
    /// offline) is named in `problems`; the other side is listed all the same.
    pub async fn trash_list(&self, job: &Job) -> TrashListing {
        let mut out = TrashListing::default();
        let records = match self.db.trash_records(job.id).await {
            Ok(r) => r,
            Err(e) => {
                out.problems.push(format!("{e}; reasons are not shown"));
                Vec::new()
            }
        };
        for side in [Side::Local, Side::Remote] {
            let found = match self.side_replica(job, side).await {
                Ok(r) => {
                    let recs = side_records(&records, side);
                    list_side(r.as_ref(), side, &recs, &mut out.problems)
                        .await
                        .map_err(|e| e.message)
                }
                Err(e) => Err(e.to_string()),
            };
            match found {
                Ok(items) => {
                    // Records of files no longer there (emptied by the retention clean-up,
                    // removed by hand) go: the listing was complete for this side.
                    let here: std::collections::HashSet<&str> =
                        items.iter().map(|i| i.trash_path.as_str()).collect();
                    for r in records.iter().filter(|r| r.side == side) {
                        if !here.contains(r.trash_path.as_str()) {
                            let _ = self.db.forget_trash(job.id, side, &r.trash_path).await;
                        }
                    }
                    out.items.extend(items)
                }
                Err(why) => out.problems.push(format!(
                    "the trash on {} could not be listed: {why}",
                    super::side_name(side)
                )),
            }
        }
        out.items.sort_by(|a, b| {
            b.trashed_at_ms
                .cmp(&a.trashed_at_ms)
                .then_with(|| a.original_path.cmp(&b.original_path))
        });
        out
    }

    /// The replica of one side of a job.
    pub(crate) async fn side_replica(
        &self,
        job: &Job,
        side: Side,
    ) -> Result<std::sync::Arc<dyn Replica>, crate::sync::SyncError> {
        match side {
            Side::Local => Ok(std::sync::Arc::new(DirReplica::new(job.local_path.clone()))),
            Side::Remote => self.open_remote(job).await,
        }
    }
}

/// One side's records, by trash path.
fn side_records(all: &[TrashRecord], side: Side) -> HashMap<String, TrashRecord> {
    all.iter()
        .filter(|r| r.side == side)
        .map(|r| (r.trash_path.clone(), r.clone()))
        .collect()
}
