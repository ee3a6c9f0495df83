//! A file changed on both sides: the same bytes are simply recorded; otherwise the job's policy
//! settles it (or the user does, later, through `resolve`), and keep-both renames the loser to
//! a conflict name free on both sides before copying each version across.

use crate::names::conflict_name;
use crate::relpath::RelPath;
use crate::replica::{ReplicaError, ReplicaErrorKind};
use crate::sync::reconcile::{settle, Resolution};
use crate::tree::Entry;
use crate::tree::{BaseEntry, LocalEntry};

use super::transfer::Snapshot;
use super::{local_snapshot, Executor, Outcome, Side};

impl Executor {
    pub(super) async fn conflict(
        &self,
        local: &LocalEntry,
        remote: &Entry,
        same_size: bool,
    ) -> Result<Outcome, ReplicaError> {
        if same_size && self.record_if_same_bytes(local, remote).await? {
            return Ok(Outcome::Quiet);
        }
        let resolution = settle(
            self.job.conflict_policy,
            self.job.mode,
            local.mtime_ns,
            remote.mtime_ns,
        );
        self.counts.lock().unwrap().conflicts += if resolution == Resolution::Ask { 0 } else { 1 };
        self.apply_resolution(local, remote, resolution).await
    }

    /// A first sync's file on both sides with a winner chosen: the same bytes are recorded,
    /// otherwise the winner's version replaces the other (which goes to its side's trash).
    pub(super) async fn overwrite(
        &self,
        local: &LocalEntry,
        remote: &Entry,
        winner: Side,
        same_size: bool,
    ) -> Result<Outcome, ReplicaError> {
        if same_size && self.record_if_same_bytes(local, remote).await? {
            return Ok(Outcome::Quiet);
        }
        let resolution = match winner {
            Side::Local => Resolution::UseLocal,
            Side::Remote => Resolution::UseRemote,
        };
        self.apply_resolution(local, remote, resolution).await
    }

    /// Compares the contents of a file of the same size on both sides; the same bytes are
    /// recorded as synced (true).
    async fn record_if_same_bytes(
        &self,
        local: &LocalEntry,
        remote: &Entry,
    ) -> Result<bool, ReplicaError> {
        let path = &local.path;
        {
            let (h, _) = self
                .gate
                .retry(|| self.hash_remote(Side::Remote, path))
                .await?;
            // A file new since the last sync was not hashed by the scan.
            let local_hash = match local.hash {
                Some(h) => h,
                None => {
                    self.gate
                        .retry(|| self.hash_remote(Side::Local, path))
                        .await?
                        .0
                }
            };
            if h == local_hash {
                // Same bytes on both sides: record, transfer nothing.
                let local = LocalEntry {
                    hash: Some(local_hash),
                    ..local.clone()
                };
                self.put_base(&BaseEntry::synced(&local, remote)).await?;
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Carries out a conflict resolution (also used by `resolve`).
    pub(crate) async fn apply_resolution(
        &self,
        local: &LocalEntry,
        remote: &Entry,
        resolution: Resolution,
    ) -> Result<Outcome, ReplicaError> {
        let path = &local.path;
        match resolution {
            Resolution::Ask => {
                self.db
                    .put_conflict(
                        self.job.id,
                        path,
                        local.size,
                        local.mtime_ns,
                        remote.size,
                        remote.mtime_ns,
                    )
                    .await
                    .map_err(|e| ReplicaError::new(ReplicaErrorKind::Other, e.to_string()))?;
                Ok(Outcome::Pending)
            }
            Resolution::UseLocal => {
                self.conflict_losers.lock().unwrap().insert(path.clone());
                self.upload(local, path, Some(Snapshot::of_remote(remote)))
                    .await
            }
            Resolution::UseRemote => {
                self.conflict_losers.lock().unwrap().insert(path.clone());
                self.download(remote, path, Some(local_snapshot(local)))
                    .await
            }
            Resolution::KeepBoth { loser } => {
                let cname = self.free_conflict_name(path).await?;
                let loser_side = self.side(loser).clone();
                // The loser must still be what the scan saw before it is renamed.
                let expected = match loser {
                    Side::Local => local_snapshot(local),
                    Side::Remote => Snapshot::of_remote(remote),
                };
                let expect = |e: &Entry| expected.matches(e);
                let renamed = self
                    .gate
                    .retry(|| loser_side.rename_if(path, &cname, &expect))
                    .await?;
                if !renamed {
                    return Ok(Outcome::Deferred(format!(
                        "{path} changed on the {loser} during the sync; it will be synced on the next run"
                    )));
                }
                let mut steps = vec![Outcome::Done {
                    what: if loser == Side::Local {
                        "conflict_copy_local"
                    } else {
                        "conflict_copy_remote"
                    },
                    bytes: 0,
                    path: cname.clone(),
                }];
                let may_write_local = self.job.mode != crate::policy::Mode::Upload;
                let may_write_remote = self.job.mode != crate::policy::Mode::Download;
                match loser {
                    Side::Local => {
                        steps.push(self.download(remote, path, None).await?);
                        if may_write_remote {
                            let moved = LocalEntry {
                                path: cname.clone(),
                                ..local.clone()
                            };
                            steps.push(self.upload(&moved, &cname, None).await?);
                        }
                    }
                    Side::Remote => {
                        steps.push(self.upload(local, path, None).await?);
                        if may_write_local {
                            // A rename moves the change time; compare size and time only.
                            let moved = Entry {
                                path: cname.clone(),
                                ctime_ns: None,
                                ..remote.clone()
                            };
                            steps.push(self.download(&moved, &cname, None).await?);
                        }
                    }
                }
                Ok(Outcome::Many(steps))
            }
        }
    }

    /// A conflict-copy name free on both sides.
    async fn free_conflict_name(&self, path: &RelPath) -> Result<RelPath, ReplicaError> {
        let mut candidate = conflict_name(path, &self.host, &self.stamp)?;
        for n in 2..100 {
            let taken = self.local.stat(&candidate).await?.is_some()
                || self.remote.stat(&candidate).await?.is_some();
            if !taken {
                return Ok(candidate);
            }
            candidate = conflict_name(path, &self.host, &format!("{} {n}", self.stamp))?;
        }
        Ok(candidate)
    }
}
