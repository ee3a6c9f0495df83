//! A large file, pipelined: up to `depth` chunks in flight each way, hashed in order as they
//! are read, written in segments whose close flushes them, with a resume point saved as the
//! destination acknowledges a contiguous prefix (see the parent module's steps 3 and 4).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use tokio::task::{JoinHandle, JoinSet};

use super::*;

/// A chunk read from the source: its offset, its buffer and how many bytes the read filled.
type ChunkRead = Result<(u64, Chunk, usize), ReplicaError>;
/// A chunk written to the destination: its offset, and its buffer back for reuse.
type ChunkWritten = Result<(u64, Chunk), ReplicaError>;

/// What closing a finished segment came to.
struct SegmentClosed {
    /// The ranges the destination acknowledged, as (start, end).
    acked: Vec<(u64, u64)>,
    /// The buffers of its writes, for reuse.
    buffers: Vec<Chunk>,
    /// The first failure among the segment's writes and its close.
    result: Result<(), ReplicaError>,
}

/// Buffers whose writes are done, for the next reads. With at most `depth` reads and `depth`
/// writes in flight a transfer needs about `2 * depth` buffers whatever the file's size; a
/// fresh one per chunk cost more than the copy it holds (zeroed, then faulted in page by page,
/// then unmapped by the allocator: a fifth of the client's CPU on a 1 GiB upload).
#[derive(Default)]
struct Buffers {
    free: Vec<Chunk>,
}

impl Buffers {
    /// A buffer of exactly `len` bytes (a write sends its buffer whole), reused when one is free.
    fn take(&mut self, len: usize) -> Chunk {
        match self.free.pop() {
            Some(b) if b.len() == len => b,
            _ => zeroed_chunk(len),
        }
    }

    /// Keeps `buf` for a later read, unless something still holds it.
    fn give(&mut self, mut buf: Chunk) {
        if Arc::get_mut(&mut buf).is_some() {
            self.free.push(buf);
        }
    }
}

/// How often (in bytes) the resume point is saved.
const RESUME_STEP: u64 = 8 * 1024 * 1024;
/// A large file is written in segments of this size, each through its own writer. At a
/// boundary a new writer is opened and the finished segment's writes are awaited, flushed and
/// closed in the background while the next segment is written (at most one segment closes at a
/// time). Closing flushes acknowledged data to the destination's disk, so the resume point only
/// moves past a segment once its close succeeded; and a new writer lets the SMB remote move a
/// long upload onto a fresh connection (see `replica::smb::ROTATE_AFTER_BYTES`). Overlapping the
/// flush matters: waiting for it idled the pipe for the flush's whole duration every 64 MiB.
pub const SEGMENT: u64 = 64 * 1024 * 1024;

impl Executor {
    pub(super) async fn send_large(
        &self,
        req: &CopyRequest<'_>,
        temp: &RelPath,
    ) -> Result<Sent, CopyError> {
        let to = req.from.other();
        let (src_side, dst_side) = (self.side(req.from), self.side(to));
        let direction = direction_of(req.from);
        let size = req.src.size;
        let job_id = self.job.id;
        let reader = src_side.open_read(req.src_path).await?;
        if reader.len() != size {
            let _ = reader.close().await;
            return Err(CopyError::Changed(format!(
                "{} changed during the sync",
                req.src_path
            )));
        }

        // Resume an interrupted transfer of the same source, or start afresh.
        let mut start = 0;
        let mut writer: Option<Arc<dyn FileWriter>> = None;
        if size >= RESUME_MIN_SIZE {
            let rec = self
                .db
                .transfer_record(job_id, req.dst_path, direction)
                .await
                .ok()
                .flatten();
            if let Some(rec) = rec.filter(|r| {
                r.source_size == size && r.source_mtime_ns == req.src.mtime_ns && r.committed > 0
            }) {
                if let Ok(w) = dst_side.open_write(temp, false).await {
                    let have = w.len().await.unwrap_or(0);
                    if have >= rec.committed {
                        start = rec.committed;
                        tracing::info!(path = %req.dst_path, offset = start, "resuming transfer");
                    }
                    writer = Some(w);
                }
            }
        }
        let mut writer = match writer {
            Some(w) if start > 0 => w,
            Some(w) => {
                w.set_len(0).await?;
                w
            }
            None => dst_side.open_write(temp, true).await?,
        };
        if size >= RESUME_MIN_SIZE {
            let rec = TransferRecord {
                source_size: size,
                source_mtime_ns: req.src.mtime_ns,
                committed: start,
            };
            let _ = self
                .db
                .put_transfer_record(job_id, req.dst_path, direction, &rec)
                .await;
        }

        // The hash covers the whole file: a resumed prefix is hashed from the local copy.
        let mut hasher = blake3::Hasher::new();
        if start > 0 {
            let prefix_reader: Arc<dyn FileReader> = match req.from {
                Side::Local => reader.clone(),
                Side::Remote => self.side(Side::Local).open_read(temp).await?,
            };
            hash_prefix(&prefix_reader, start, &mut hasher).await?;
        }

        let path_str = req.dst_path.as_str().to_string();
        self.progress
            .transfer_started(&path_str, direction_of(req.from), size);
        self.progress.transfer_bytes(&path_str, start);
        let pumped = self
            .pump(
                &reader,
                (dst_side, temp, &mut writer),
                start,
                size,
                &mut hasher,
                req.dst_path,
                direction,
                &path_str,
            )
            .await;
        self.progress.transfer_ended(&path_str);
        let _ = reader.close().await;
        if let Err(e) = pumped {
            let _ = writer.close().await;
            // A temp on a full disk only takes the space the user needs to free; it cannot be
            // resumed before they do.
            if matches!(&e, CopyError::Failed(f) if f.kind == ReplicaErrorKind::DiskFull) {
                self.discard_temp(to, temp, req.dst_path, direction).await;
            }
            return Err(e);
        }
        let hash: Hash = *hasher.finalize().as_bytes();

        // The source must still be what we copied.
        let src_now = src_side.stat(req.src_path).await?;
        let src_same = src_now.as_ref().is_some_and(|e| req.src.matches(e));
        let hash_same = req.src_hash.is_none_or(|h| h == hash);
        if !src_same || !hash_same {
            let _ = writer.close().await;
            self.discard_temp(to, temp, req.dst_path, direction).await;
            return Err(CopyError::Changed(format!(
                "{} changed while it was being copied; it will be synced on the next run",
                req.src_path
            )));
        }
        Ok(Sent {
            writer,
            hash,
            src: src_now.expect("checked above"),
            start,
        })
    }

    /// Moves `[start, size)` from `reader` to the temp file with up to `depth` reads and
    /// `depth` writes in flight, hashing in order. The writer is reopened every [`SEGMENT`].
    #[allow(clippy::too_many_arguments)]
    async fn pump(
        &self,
        reader: &Arc<dyn FileReader>,
        (dst_side, temp, writer): (
            &Arc<dyn crate::replica::Replica>,
            &RelPath,
            &mut Arc<dyn FileWriter>,
        ),
        start: u64,
        size: u64,
        hasher: &mut blake3::Hasher,
        dst_path: &RelPath,
        direction: Direction,
        progress_key: &str,
    ) -> Result<(), CopyError> {
        let depth = self.pipeline_depth.max(1);
        let chunk = MAX_CHUNK as u64;
        let mut next = start;
        let mut reads: VecDeque<JoinHandle<ChunkRead>> = VecDeque::new();
        let mut writes: JoinSet<ChunkWritten> = JoinSet::new();
        let mut buffers = Buffers::default();
        // The previous segment, being flushed and closed.
        let mut closing: Option<JoinHandle<SegmentClosed>> = None;
        // The next segment's writer, opened while this segment is written: opening can take a
        // new connection and a login (10-35 ms measured on loopback), which held up the whole
        // pipe at each boundary while it waited in line.
        let open_next = |dst: Arc<dyn crate::replica::Replica>, temp: RelPath| {
            tokio::spawn(async move { dst.open_write(&temp, false).await })
        };
        let mut opening =
            (start + SEGMENT < size).then(|| open_next(dst_side.clone(), temp.clone()));
        // Contiguous prefix the destination acknowledged, for resuming.
        let mut done: BTreeMap<u64, u64> = BTreeMap::new();
        let mut watermark = start;
        let mut saved = start;
        let mut segment_end = start + SEGMENT;

        let result: Result<(), CopyError> = async {
            loop {
                while reads.len() < depth && next < size {
                    let len = chunk.min(size - next);
                    let (r, off, buf) = (reader.clone(), next, buffers.take(len as usize));
                    reads.push_back(tokio::spawn(async move {
                        let (buf, filled) = r.read_into(off, buf).await?;
                        Ok((off, buf, filled))
                    }));
                    next += len;
                }
                let Some(handle) = reads.pop_front() else {
                    break;
                };
                let (off, data, filled) = handle.await.map_err(join_error)??;
                if filled != data.len() {
                    return Err(CopyError::Changed(format!(
                        "{dst_path}: the source got shorter during the copy"
                    )));
                }
                hasher.update(&data);
                if off >= segment_end {
                    // Segment boundary: a new writer for the next segment; the finished one
                    // closes in the background once the one before it has.
                    if let Some(prev) = closing.take() {
                        settle_segment(prev, &mut done, &mut buffers).await?;
                    }
                    let next_writer = match opening.take() {
                        Some(h) => h.await.map_err(join_error)??,
                        None => dst_side.open_write(temp, false).await?,
                    };
                    if off + SEGMENT < size {
                        opening = Some(open_next(dst_side.clone(), temp.clone()));
                    }
                    let old_writer = std::mem::replace(writer, next_writer);
                    closing = Some(tokio::spawn(close_segment(
                        std::mem::take(&mut writes),
                        old_writer,
                        self.progress.clone(),
                        progress_key.to_string(),
                    )));
                    segment_end = off + SEGMENT;
                }
                while writes.len() >= depth {
                    let (o, buf) = writes
                        .join_next()
                        .await
                        .expect("non-empty")
                        .map_err(join_error)??;
                    let l = buf.len() as u64;
                    self.progress.transfer_bytes(progress_key, l);
                    done.insert(o, o + l);
                    buffers.give(buf);
                }
                // The bandwidth limit: each chunk waits for its bytes before it is written.
                self.throttle.take(direction, data.len() as u64).await;
                let w = writer.clone();
                writes.spawn(async move {
                    w.write_at(off, data.clone()).await?;
                    Ok((off, data))
                });
                while let Some(end) = done.remove(&watermark) {
                    watermark = end;
                }
                if size >= RESUME_MIN_SIZE && watermark >= saved + RESUME_STEP {
                    saved = watermark;
                    self.save_watermark(dst_path, direction, watermark).await;
                }
            }
            while let Some(res) = writes.join_next().await {
                let (o, buf) = res.map_err(join_error)??;
                let l = buf.len() as u64;
                self.progress.transfer_bytes(progress_key, l);
                done.insert(o, o + l);
            }
            if let Some(prev) = closing.take() {
                settle_segment(prev, &mut done, &mut buffers).await?;
            }
            Ok(())
        }
        .await;
        if let Some(h) = opening.take() {
            // Only left over when the copy failed: closed rather than left to a background
            // drop.
            if let Ok(Ok(w)) = h.await {
                let _ = w.close().await;
            }
        }
        if result.is_err() {
            for h in reads {
                h.abort();
            }
            // A segment that closed cleanly is on the destination's disk: keep it.
            if let Some(prev) = closing.take() {
                let _ = settle_segment(prev, &mut done, &mut buffers).await;
            }
            // Keep what the destination acknowledged, so a retry resumes from it. The writes
            // in flight are let finish (each bounded by the remote's own timeout; after a cut
            // they fail at once), and every result is looked at. They used to be aborted, and
            // collecting stopped at the first failed one: a download cut at 11 MiB of 20
            // kept no resume point at all (tests/offline/resume.rs).
            while let Some(res) = writes.join_next().await {
                if let Ok(Ok((o, buf))) = res {
                    done.insert(o, o + buf.len() as u64);
                }
            }
            while let Some(end) = done.remove(&watermark) {
                watermark = end;
            }
            if size >= RESUME_MIN_SIZE && watermark > saved {
                self.save_watermark(dst_path, direction, watermark).await;
            }
        }
        result
    }

    async fn save_watermark(&self, dst_path: &RelPath, direction: Direction, committed: u64) {
        if let Ok(Some(mut rec)) = self
            .db
            .transfer_record(self.job.id, dst_path, direction)
            .await
        {
            rec.committed = committed;
            let _ = self
                .db
                .put_transfer_record(self.job.id, dst_path, direction, &rec)
                .await;
        }
    }
}

/// Hashes `[0, len)` of `reader`, several chunks in flight.
pub(super) async fn hash_prefix(
    reader: &Arc<dyn FileReader>,
    len: u64,
    hasher: &mut blake3::Hasher,
) -> Result<(), ReplicaError> {
    let chunk = MAX_CHUNK as u64;
    let mut reads = VecDeque::new();
    let mut next = 0;
    loop {
        while reads.len() < 8 && next < len {
            let n = chunk.min(len - next);
            let (r, off) = (reader.clone(), next);
            reads.push_back(tokio::spawn(
                async move { r.read_at(off, n as usize).await },
            ));
            next += n;
        }
        let Some(h) = reads.pop_front() else { break };
        let data = h
            .await
            .map_err(|e| ReplicaError::new(ReplicaErrorKind::Other, e.to_string()))??;
        if data.is_empty() {
            for h in reads {
                h.abort();
            }
            return Err(ReplicaError::new(
                ReplicaErrorKind::Other,
                "file shorter than expected",
            ));
        }
        hasher.update(&data);
    }
    Ok(())
}

/// Awaits a finished segment's writes, reports their progress, then closes (and so flushes)
/// its writer.
async fn close_segment(
    mut writes: JoinSet<ChunkWritten>,
    writer: Arc<dyn FileWriter>,
    progress: Arc<RunProgress>,
    progress_key: String,
) -> SegmentClosed {
    let mut acked = Vec::new();
    let mut buffers = Vec::new();
    let mut result = Ok(());
    while let Some(res) = writes.join_next().await {
        match res.map_err(task_error).and_then(|written| written) {
            Ok((o, buf)) => {
                let l = buf.len() as u64;
                progress.transfer_bytes(&progress_key, l);
                acked.push((o, o + l));
                buffers.push(buf);
            }
            Err(e) if result.is_ok() => result = Err(e),
            Err(_) => {}
        }
    }
    let closed = writer.close().await;
    if result.is_ok() {
        result = closed;
    }
    SegmentClosed {
        acked,
        buffers,
        result,
    }
}

/// Waits for a segment to close; only then do its acknowledged ranges count towards the
/// resume point.
async fn settle_segment(
    closing: JoinHandle<SegmentClosed>,
    done: &mut BTreeMap<u64, u64>,
    buffers: &mut Buffers,
) -> Result<(), CopyError> {
    let closed = closing.await.map_err(join_error)?;
    for buf in closed.buffers {
        buffers.give(buf);
    }
    closed.result?;
    for (start, end) in closed.acked {
        done.insert(start, end);
    }
    Ok(())
}

fn task_error(e: tokio::task::JoinError) -> ReplicaError {
    ReplicaError::new(
        ReplicaErrorKind::Other,
        format!("transfer task failed: {e}"),
    )
}

fn join_error(e: tokio::task::JoinError) -> CopyError {
    CopyError::Failed(task_error(e))
}
