//! Copying one file from one side to the other, safely.
//!
//! 1. The bytes go to a temp name beside the target (`NAME.anemone-uploading` on the remote,
//!    `NAME.anemone-downloading` locally), never to the real name.
//! 2. A small file (at most [`MAX_CHUNK`]) is read whole in one call that also returns the
//!    source's metadata as read from the open file afterwards, then written in one request.
//!    That is most files of a typical tree, and it spares the per-chunk tasks and the separate
//!    stat that a large file needs.
//! 3. A large file is pipelined: up to `depth` chunks of at most [`MAX_CHUNK`] in flight each
//!    way, hashed (blake3) in order as they are read. It records how far the temp is known to be
//!    complete (a contiguous prefix the destination acknowledged); an interrupted one resumes
//!    from there when the source is unchanged.
//! 4. The source is checked against the scan (metadata, and the hash when the scan took one):
//!    a small file right after it was read (the bytes sent are then exactly what was checked), a
//!    large one after the copy. A source that changed is left for the next run.
//! 5. Just before replacing, the target is checked to still be what the scan saw; the old
//!    version goes to the trash.
//! 6. On the temp's open handle: the source's modification time is set, the data flushed, the
//!    file renamed to the real name (never over anything) and its final metadata read.

use std::sync::Arc;

use crate::db::state::TransferRecord;
use crate::events::RunProgress;
use crate::names::{DOWNLOAD_SUFFIX, UPLOAD_SUFFIX};
use crate::relpath::RelPath;
use crate::replica::{
    zeroed_chunk, Chunk, FileReader, FileWriter, ReplicaError, ReplicaErrorKind, MAX_CHUNK,
};
use crate::tree::Direction;
use crate::tree::Entry;
use crate::tree::Hash;

use super::{Executor, Side};

mod large;
use large::hash_prefix;

/// Files at least this large record their progress for resuming.
pub const RESUME_MIN_SIZE: u64 = 8 * 1024 * 1024;
/// What a file looked like at the scan: the executor refuses to act on a file that no longer
/// matches it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub size: u64,
    pub mtime_ns: i64,
    /// Compared only when known on both sides (a remote change time).
    pub ctime_ns: Option<i64>,
    /// Compared only when known on both sides (a remote file id): another file put in its
    /// place can carry the same size and times.
    pub file_id: Option<u64>,
}

impl Snapshot {
    pub fn matches(&self, e: &Entry) -> bool {
        let ctime_ok = match (self.ctime_ns, e.ctime_ns) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        let same_file = match (self.file_id, e.file_id) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        e.kind == crate::tree::EntryKind::File
            && e.size == self.size
            && e.mtime_ns == self.mtime_ns
            && ctime_ok
            && same_file
    }

    pub fn of_remote(e: &Entry) -> Snapshot {
        Snapshot {
            size: e.size,
            mtime_ns: e.mtime_ns,
            ctime_ns: e.ctime_ns,
            file_id: e.file_id,
        }
    }
}

pub struct CopyRequest<'a> {
    pub from: Side,
    pub src_path: &'a RelPath,
    pub dst_path: &'a RelPath,
    pub src: Snapshot,
    /// Content hash of the source when known (a scanned local file).
    pub src_hash: Option<Hash>,
    /// What is at `dst_path` now; `None` when nothing should be there.
    pub replaces: Option<Snapshot>,
}

pub struct Copied {
    pub hash: Hash,
    /// The source as checked after the copy.
    pub src: Entry,
    /// The destination file under its real name.
    pub dst: Entry,
    pub bytes: u64,
}

#[derive(Debug)]
pub enum CopyError {
    /// Something changed since the scan; left for the next run.
    Changed(String),
    Failed(ReplicaError),
}

impl From<ReplicaError> for CopyError {
    fn from(e: ReplicaError) -> Self {
        CopyError::Failed(e)
    }
}

pub fn temp_path(
    path: &RelPath,
    to: Side,
    client: &str,
) -> Result<RelPath, crate::relpath::InvalidRelPath> {
    let suffix = match to {
        Side::Remote => UPLOAD_SUFFIX,
        Side::Local => DOWNLOAD_SUFFIX,
    };
    path.with_name(&crate::names::temp_name(path.name(), client, suffix))
}

/// The bytes are in the temp; what is known about them.
struct Sent {
    writer: Arc<dyn FileWriter>,
    hash: Hash,
    /// The source as checked against the scan.
    src: Entry,
    /// Where this run started writing (a resumed prefix was there before).
    start: u64,
}

fn direction_of(from: Side) -> Direction {
    match from {
        Side::Local => Direction::Up,
        Side::Remote => Direction::Down,
    }
}

impl Executor {
    pub async fn copy_file(&self, req: &CopyRequest<'_>) -> Result<Copied, CopyError> {
        let to = req.from.other();
        let dst_side = self.side(to);
        let temp = temp_path(req.dst_path, to, &self.client_id).map_err(ReplicaError::from)?;
        let direction = direction_of(req.from);
        let size = req.src.size;

        if let Some(parent) = req.dst_path.parent() {
            self.dirs.ensure(dst_side.as_ref(), to, &parent).await?;
        }
        let sent = if size <= MAX_CHUNK as u64 {
            self.send_small(req, &temp).await?
        } else {
            self.send_large(req, &temp).await?
        };
        let Sent {
            writer,
            hash,
            src: src_now,
            start,
        } = sent;

        if start > 0 {
            writer.set_len(size).await?;
        }

        // Replace the target only if it is still what the scan saw (checked on the share on
        // the very file that goes to the trash).
        if let Some(expected) = &req.replaces {
            let expect = |e: &Entry| expected.matches(e);
            let trashed = super::trash::move_to_trash(
                dst_side.as_ref(),
                to,
                &self.dirs,
                &self.stamp,
                req.dst_path,
                &expect,
            )
            .await?;
            if let Some(t) = &trashed {
                let why = if self.conflict_losers.lock().unwrap().contains(req.dst_path) {
                    crate::db::trash::TrashReason::Conflict
                } else {
                    crate::db::trash::TrashReason::Overwritten
                };
                self.note_trashed(to, t, req.dst_path, why).await;
            }
            if trashed.is_none() {
                let _ = writer.close().await;
                self.discard_temp(to, &temp, req.dst_path, direction).await;
                return Err(CopyError::Changed(format!(
                    "{} changed on the {} during the sync; it will be synced on the next run",
                    req.dst_path, to
                )));
            }
        }
        // Time, flush, rename (never over anything) and final metadata, on the open handle.
        let dst = match writer.finish(req.dst_path, req.src.mtime_ns).await {
            Ok(dst) => dst,
            Err(e) if e.kind == ReplicaErrorKind::AlreadyExists => {
                // The temp goes whatever the name holds. A removal that fails for a passing
                // reason fails the copy, to be retried: ignored, it left the temp behind when
                // another transfer reconnected before the check below (CI, stop 20).
                self.remove_temp(to, &temp, req.dst_path, direction).await?;
                // A retry after a reconnect can find its own first attempt there: the server
                // carried out the rename and the answer was lost with the connection. The same
                // bytes under the name: the copy is done. A check that cannot read the name
                // (the connection went again) fails the copy, to be retried, rather than
                // leave it for the next run as taken.
                if let Some(dst) = self.holds_same(to, req.dst_path, size, &hash).await? {
                    return Ok(Copied {
                        hash,
                        src: src_now,
                        dst,
                        bytes: size - start,
                    });
                }
                return Err(CopyError::Changed(format!(
                    "{} appeared on the {} during the sync; it will be synced on the next run",
                    req.dst_path, to
                )));
            }
            Err(e) => return Err(e.into()),
        };
        if size >= RESUME_MIN_SIZE {
            let _ = self
                .db
                .clear_transfer_record(self.job.id, req.dst_path, direction)
                .await;
        }
        Ok(Copied {
            hash,
            src: src_now,
            dst,
            bytes: size - start,
        })
    }

    /// A file of at most one chunk: read whole (with its metadata as of after the read),
    /// checked against the scan, then written to the temp in one request.
    async fn send_small(&self, req: &CopyRequest<'_>, temp: &RelPath) -> Result<Sent, CopyError> {
        let to = req.from.other();
        let (data, src_now) = self
            .side(req.from)
            .read_whole(req.src_path, MAX_CHUNK)
            .await?;
        let hash: Hash = *blake3::hash(&data).as_bytes();
        if data.len() as u64 != req.src.size
            || !req.src.matches(&src_now)
            || req.src_hash.is_some_and(|h| h != hash)
        {
            return Err(CopyError::Changed(format!(
                "{} changed during the sync; it will be synced on the next run",
                req.src_path
            )));
        }
        let writer = self.side(to).open_write(temp, true).await?;
        let path_str = req.dst_path.as_str();
        self.progress
            .transfer_started(path_str, direction_of(req.from), req.src.size);
        let written = if data.is_empty() {
            Ok(())
        } else {
            self.throttle
                .take(direction_of(req.from), data.len() as u64)
                .await;
            writer.write_at(0, data.into()).await
        };
        if written.is_ok() {
            self.progress.transfer_bytes(path_str, req.src.size);
        }
        self.progress.transfer_ended(path_str);
        if let Err(e) = written {
            let _ = writer.close().await;
            // Nothing to resume in a small file; a partial temp on a full disk only takes the
            // space the user needs to free.
            if e.kind == ReplicaErrorKind::DiskFull {
                self.discard_temp(to, temp, req.dst_path, direction_of(req.from))
                    .await;
            }
            return Err(e.into());
        }
        Ok(Sent {
            writer,
            hash,
            src: src_now,
            start: 0,
        })
    }

    /// A file of several chunks: pipelined, resumable, checked against the scan afterwards.
    async fn discard_temp(
        &self,
        side: Side,
        temp: &RelPath,
        dst_path: &RelPath,
        direction: Direction,
    ) {
        let _ = self.remove_temp(side, temp, dst_path, direction).await;
    }

    /// Removes a temp and forgets its resume record; `Err` only when the removal failed for a
    /// passing reason (the connection, a busy file), which a retry can get past. A temp that
    /// is already gone, or cannot be removed for a lasting reason, is left to the cleanup of
    /// stale temps.
    async fn remove_temp(
        &self,
        side: Side,
        temp: &RelPath,
        dst_path: &RelPath,
        direction: Direction,
    ) -> Result<(), ReplicaError> {
        let removed = self.side(side).remove_file(temp).await;
        let _ = self
            .db
            .clear_transfer_record(self.job.id, dst_path, direction)
            .await;
        match removed {
            Err(e) if e.kind.is_transient() => Err(e),
            _ => Ok(()),
        }
    }

    /// The file at `path` on `side` when it holds exactly `size` bytes hashing to `hash`;
    /// `Ok(None)` when it holds something else, nothing, or cannot be read for a lasting
    /// reason; `Err` when the connection failed under the check (worth retrying).
    async fn holds_same(
        &self,
        side: Side,
        path: &RelPath,
        size: u64,
        hash: &Hash,
    ) -> Result<Option<Entry>, ReplicaError> {
        let transient_or_none = |e: ReplicaError| {
            if e.kind.is_transient() {
                Err(e)
            } else {
                Ok(None)
            }
        };
        let there = match self.side(side).stat(path).await {
            Ok(Some(there)) => there,
            Ok(None) => return Ok(None),
            Err(e) => return transient_or_none(e),
        };
        if there.kind != crate::tree::EntryKind::File || there.size != size {
            return Ok(None);
        }
        let (h, len) = match self.hash_remote(side, path).await {
            Ok(found) => found,
            Err(e) => return transient_or_none(e),
        };
        Ok((len == size && &h == hash).then_some(there))
    }

    /// Reads a whole file and returns its hash (to compare contents on both sides).
    pub async fn hash_remote(
        &self,
        side: Side,
        path: &RelPath,
    ) -> Result<(Hash, u64), ReplicaError> {
        let reader = self.side(side).open_read(path).await?;
        let len = reader.len();
        let mut hasher = blake3::Hasher::new();
        let r = hash_prefix(&reader, len, &mut hasher).await;
        let _ = reader.close().await;
        r?;
        Ok((*hasher.finalize().as_bytes(), len))
    }
}
