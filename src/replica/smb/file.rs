//! Open files: [`SmbReader`] and [`SmbWriter`].
//!
//! Both wrap the crate's `File` in an `Arc` so `read_at`/`write_at` can run concurrently (the
//! engine keeps 8-16 requests of 1 MiB in flight). Every request moves at most [`MAX_CHUNK`]
//! bytes (the crate hangs on 4-8 MiB requests) and has a deadline. `close` flushes (writers)
//! and reports the server's answer; dropping without `close` closes in the background.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use smb::{
    binrw_util::prelude::FileTime, File, FileAttributes, FileBasicInformation,
    FileEndOfFileInformation, FileStandardInformation, ReadAt,
};

use super::claim::{lost_race, stat_path, Claimed, On};
use super::convert::{join_shown, join_smb, ns_to_filetime};
use super::errors::Place;
use super::session::{deadline, SmbConn};
use crate::relpath::RelPath;
use crate::replica::{
    unshared, Chunk, FileReader, FileWriter, ReplicaErrorKind, ReplicaResult, MAX_CHUNK,
};
use crate::tree::{Entry, EntryKind};

/// What readers and writers share: the file, its connection and where it is.
struct Handle {
    file: Option<Arc<File>>,
    conn: Arc<SmbConn>,
    place: Place,
    shown: String,
    timeout: Duration,
    closed: AtomicBool,
    rt: tokio::runtime::Handle,
}

impl Handle {
    fn file(&self) -> &Arc<File> {
        self.file.as_ref().expect("file used after drop")
    }

    fn err(&self, what: &str, e: &smb::Error) -> crate::replica::ReplicaError {
        self.place.error(what, &self.shown, e)
    }

    async fn close(&self, flush: bool) -> ReplicaResult<()> {
        if self.closed.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let file = self.file();
        let flushed = if flush {
            deadline(&self.place, self.timeout, "flush", &self.shown, async {
                file.flush()
                    .await
                    .map_err(|e| self.err("flush", &smb::Error::IoError(e)))
            })
            .await
        } else {
            Ok(())
        };
        let closed = deadline(&self.place, self.timeout, "close", &self.shown, async {
            file.close().await.map_err(|e| self.err("close", &e))
        })
        .await;
        flushed?;
        closed
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // The crate closes an unclosed handle from its Drop with tokio::spawn.
        let _guard = self.rt.enter();
        self.file.take();
    }
}

fn new_handle(
    file: File,
    conn: Arc<SmbConn>,
    place: Place,
    shown: String,
    timeout: Duration,
) -> Handle {
    Handle {
        file: Some(Arc::new(file)),
        conn,
        place,
        shown,
        timeout,
        closed: AtomicBool::new(false),
        rt: tokio::runtime::Handle::current(),
    }
}

pub(crate) struct SmbReader {
    h: Handle,
    len: u64,
}

impl SmbReader {
    pub(crate) fn new(
        file: File,
        len: u64,
        conn: Arc<SmbConn>,
        place: Place,
        shown: String,
        timeout: Duration,
    ) -> SmbReader {
        SmbReader {
            h: new_handle(file, conn, place, shown, timeout),
            len,
        }
    }
}

impl SmbReader {
    /// Reads into `buf` from `offset` until it is full or the file ends; returns the bytes read.
    async fn fill(&self, offset: u64, buf: &mut [u8]) -> ReplicaResult<usize> {
        let h = &self.h;
        let mut done = 0;
        while done < buf.len() {
            let n = (buf.len() - done).min(MAX_CHUNK);
            let pos = offset + done as u64;
            let part = &mut buf[done..done + n];
            let got = deadline(&h.place, h.timeout, "read", &h.shown, async {
                h.file()
                    .read_at(part, pos)
                    .await
                    .map_err(|e| h.err("read", &e))
            })
            .await?;
            if got == 0 {
                break; // the file shrank since it was opened
            }
            done += got;
        }
        Ok(done)
    }
}

#[async_trait]
impl FileReader for SmbReader {
    fn len(&self) -> u64 {
        self.len
    }

    async fn read_at(&self, offset: u64, len: usize) -> ReplicaResult<Vec<u8>> {
        let want = len.min(self.len.saturating_sub(offset) as usize);
        let mut buf = vec![0u8; want];
        let done = self.fill(offset, &mut buf).await?;
        buf.truncate(done);
        Ok(buf)
    }

    async fn read_into(&self, offset: u64, mut buf: Chunk) -> ReplicaResult<(Chunk, usize)> {
        let want = buf.len().min(self.len.saturating_sub(offset) as usize);
        let done = self.fill(offset, &mut unshared(&mut buf)[..want]).await?;
        Ok((buf, done))
    }

    async fn close(&self) -> ReplicaResult<()> {
        self.h.close(false).await
    }
}

pub(crate) struct SmbWriter {
    h: Handle,
    /// The job's folder inside the share, to place `finish`'s final path.
    root: String,
}

impl SmbWriter {
    pub(crate) fn new(
        file: File,
        conn: Arc<SmbConn>,
        place: Place,
        shown: String,
        timeout: Duration,
        root: String,
    ) -> SmbWriter {
        SmbWriter {
            h: new_handle(file, conn, place, shown, timeout),
            root,
        }
    }

    fn on(&self) -> On<'_> {
        On {
            h: self.h.file().handle(),
            place: &self.h.place,
            shown: &self.h.shown,
            timeout: self.h.timeout,
        }
    }

    /// Sets the time, flushes, and gives the file its real name (a hard link, the temp name
    /// dropped at close; see [`super::claim`]). Returns how, and the file as it is now.
    async fn finish_open(
        &self,
        final_path: &RelPath,
        mtime_ns: i64,
    ) -> ReplicaResult<(Claimed, Entry)> {
        let h = &self.h;
        // The time and the flush go out together (one round trip, not two, on a slow link);
        // both are answered, the data durable on the server, before it takes the real name.
        let flush = deadline(&h.place, h.timeout, "flush", &h.shown, async {
            h.file()
                .flush()
                .await
                .map_err(|e| h.err("flush", &smb::Error::IoError(e)))
        });
        let (timed, flushed) = tokio::join!(self.set_mtime(mtime_ns), flush);
        timed?;
        flushed?;
        let target = join_smb(&self.root, final_path.as_str());
        let on = self.on();
        let how = on.take_name(&target, false).await?;
        // Marking the temp name for deletion and reading the file's id go out together too.
        let mark = async {
            match how {
                Claimed::Linked => on.delete_on_close().await,
                Claimed::Renamed => Ok(()),
            }
        };
        let (marked, ours) = tokio::join!(mark, on.query(final_path));
        marked?;
        Ok((how, ours?))
    }
}

/// Empties the open file.
pub(crate) async fn truncate(on: &On<'_>) -> ReplicaResult<()> {
    deadline(on.place, on.timeout, "set size", on.shown, async {
        on.h.set_info(FileEndOfFileInformation { end_of_file: 0 })
            .await
            .map_err(|e| on.place.error("set size", on.shown, &e))
    })
    .await
}

#[async_trait]
impl FileWriter for SmbWriter {
    async fn len(&self) -> ReplicaResult<u64> {
        let h = &self.h;
        let info = deadline(&h.place, h.timeout, "query size", &h.shown, async {
            h.file()
                .query_info::<FileStandardInformation>()
                .await
                .map_err(|e| h.err("query size", &e))
        })
        .await?;
        Ok(info.end_of_file)
    }

    async fn write_at(&self, offset: u64, data: Chunk) -> ReplicaResult<()> {
        let h = &self.h;
        let mut done = 0;
        while done < data.len() {
            let n = (data.len() - done).min(MAX_CHUNK);
            let pos = offset + done as u64;
            // The buffer itself when it goes whole (always, from the engine): the crate signs
            // and sends it in place. A part of it (a bigger buffer, or after a short write)
            // needs a buffer of its own.
            let part: Chunk = if done == 0 && n == data.len() {
                data.clone()
            } else {
                Chunk::from(&data[done..done + n])
            };
            let wrote = deadline(&h.place, h.timeout, "write", &h.shown, async {
                h.file()
                    .write_block_zc(part, pos, None)
                    .await
                    .map_err(|e| h.err("write", &smb::Error::IoError(e)))
            })
            .await?;
            if wrote == 0 {
                return Err(h.place.make(
                    ReplicaErrorKind::Other,
                    "write",
                    &h.shown,
                    "the server accepted 0 bytes",
                ));
            }
            done += wrote;
            h.conn
                .written
                .fetch_add(wrote as u64, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    }

    async fn set_len(&self, len: u64) -> ReplicaResult<()> {
        let h = &self.h;
        deadline(&h.place, h.timeout, "set size", &h.shown, async {
            h.file()
                .set_info(FileEndOfFileInformation { end_of_file: len })
                .await
                .map_err(|e| h.err("set size", &e))
        })
        .await
    }

    async fn set_mtime(&self, mtime_ns: i64) -> ReplicaResult<()> {
        let h = &self.h;
        let info = FileBasicInformation {
            creation_time: FileTime::ZERO,
            last_access_time: FileTime::ZERO,
            last_write_time: FileTime::from(ns_to_filetime(mtime_ns)),
            change_time: FileTime::ZERO,
            file_attributes: FileAttributes::new(),
        };
        deadline(
            &h.place,
            h.timeout,
            "set modification time",
            &h.shown,
            async {
                h.file()
                    .set_info(info)
                    .await
                    .map_err(|e| h.err("set modification time", &e))
            },
        )
        .await
    }

    async fn close(&self) -> ReplicaResult<()> {
        self.h.close(true).await
    }

    async fn finish(&self, final_path: &RelPath, mtime_ns: i64) -> ReplicaResult<Entry> {
        let done = self.finish_open(final_path, mtime_ns).await;
        // Close either way (already flushed when it succeeded), so a failed rename leaves no
        // open handle on the temp that the caller is about to remove. Closing drops the temp
        // name of a linked file.
        let closed = self.h.close(false).await;
        let (how, ours) = done?;
        closed?;
        // Read back under the real name: dropping the temp name moved the change time, which
        // the next scan compares. It must still be our file (same id); if another client
        // replaced it since, what we wrote is recorded, so the next run sees their change.
        let shown = join_shown(&self.root, final_path.as_str());
        let smb_path = join_smb(&self.root, final_path.as_str());
        let now = stat_path(
            &self.h.conn,
            &self.h.place,
            self.h.timeout,
            (final_path, &smb_path, &shown),
        )
        .await?;
        match now {
            Some(now) if now.kind == EntryKind::File && now.file_id == ours.file_id => Ok(now),
            // A plain rename (no hard links on this server) can have lost a race with another
            // client's onto the same name: ours is gone from the share, so it is not synced.
            _ if how == Claimed::Renamed => Err(lost_race(&self.h.place, &shown)),
            _ => Ok(ours),
        }
    }
}
