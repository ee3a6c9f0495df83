//! Directory listing, run on a dedicated thread with its own current-thread runtime.
//!
//! The crate's directory query stream loses wake-ups (`notify_waiters` where `notify_one` is
//! needed) and deadlocks on tokio's multi-thread runtime; on a current-thread runtime it works.
//! So every directory query is shipped to the "smb-list" thread (one per `SmbReplica`), which
//! walks the tree there ([`super::walk`]), several folders at a time, and sends the complete
//! result back.
//! Other requests (reads, writes, metadata) stay on the caller's runtime.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::stream::StreamExt;
use smb::{
    CreateDisposition, CreateOptions, Directory, FileAccessMask, FileAttributes, FileCreateArgs,
    FileIdBothDirectoryInformation, Resource,
};

use super::convert::filetime_to_ns;
use super::errors::Place;
use super::session::{deadline, SmbConn};
use crate::relpath::RelPath;
use crate::replica::{Listing, ReplicaErrorKind, ReplicaResult};
use crate::tree::{Entry, EntryKind};

/// Built on the listing thread, so the future itself need not be `Send`.
type Job = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()>>> + Send>;

/// Handle to the listing thread. Dropping it ends the thread.
pub(crate) struct Lister {
    tx: Mutex<Option<tokio::sync::mpsc::UnboundedSender<Job>>>,
}

impl Lister {
    pub(crate) fn new() -> Lister {
        Lister {
            tx: Mutex::new(None),
        }
    }

    fn sender(&self) -> std::io::Result<tokio::sync::mpsc::UnboundedSender<Job>> {
        let mut guard = self.tx.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = guard.as_ref() {
            if !tx.is_closed() {
                return Ok(tx.clone());
            }
        }
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Job>();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        std::thread::Builder::new()
            .name("smb-list".into())
            .spawn(move || {
                let local = tokio::task::LocalSet::new();
                local.block_on(&rt, async move {
                    while let Some(job) = rx.recv().await {
                        tokio::task::spawn_local(job());
                    }
                });
            })?;
        *guard = Some(tx.clone());
        Ok(tx)
    }

    /// Runs `fut` on the listing thread and waits for its result.
    pub(crate) async fn run<T, F, Fut>(&self, place: &Place, make: F) -> ReplicaResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = ReplicaResult<T>> + 'static,
    {
        let lost = |detail: &str| place.make(ReplicaErrorKind::Other, "listing", "", detail);
        let tx = self
            .sender()
            .map_err(|e| lost(&format!("cannot start the listing thread: {e}")))?;
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            Box::pin(async move {
                let _ = done_tx.send(make().await);
            })
        });
        tx.send(job)
            .map_err(|_| lost("the listing thread has stopped"))?;
        done_rx
            .await
            .map_err(|_| lost("the listing thread dropped the request"))?
    }
}

/// Opens a folder for listing (and change notification), with a deadline. `NotFound` when it
/// is a file.
pub(crate) async fn open_folder(
    conn: &SmbConn,
    place: &Place,
    smb_path: &str,
    shown: &str,
    timeout: Duration,
) -> ReplicaResult<Arc<Directory>> {
    let args = FileCreateArgs {
        disposition: CreateDisposition::Open,
        attributes: FileAttributes::new(),
        options: CreateOptions::new().with_directory_file(true),
        desired_access: FileAccessMask::new()
            .with_file_read_data(true)
            .with_file_read_attributes(true)
            .with_synchronize(true),
    };
    let res = deadline(place, timeout, "open folder", shown, async {
        conn.tree()
            .create(smb_path, &args)
            .await
            .map_err(|e| place.error("open folder", shown, &e))
    })
    .await?;
    match res {
        Resource::Directory(d) => Ok(Arc::new(d)),
        _ => Err(place.make(
            ReplicaErrorKind::NotFound,
            "list folder",
            shown,
            "it is a file, not a folder",
        )),
    }
}

/// One directory entry as the server reported it. `name` is untrusted: it becomes a path
/// only through [`Listing::accept`] (see [`Item::add_to`]).
pub(crate) struct Item {
    pub name: String,
    pub is_dir: bool,
    /// The server marks it as a reparse point (a symbolic link or junction on its side).
    pub is_link: bool,
    pub size: u64,
    pub mtime_ns: i64,
    pub ctime_ns: Option<i64>,
    pub file_id: Option<u64>,
}

impl Item {
    /// Adds this entry of folder `parent` to `out` when its name is valid and it is not a
    /// link; returns its path when it is a folder to descend into.
    pub(crate) fn add_to(self, parent: &RelPath, out: &mut Listing) -> Option<RelPath> {
        let path = out.accept(parent, &self.name)?;
        if self.is_link {
            out.skipped.push((path, "not synced: symbolic link"));
            return None;
        }
        out.entries.push(Entry {
            path: path.clone(),
            kind: if self.is_dir {
                EntryKind::Dir
            } else {
                EntryKind::File
            },
            size: self.size,
            mtime_ns: self.mtime_ns,
            ctime_ns: self.ctime_ns,
            file_id: self.file_id,
        });
        self.is_dir.then_some(path)
    }
}

/// Lists one folder (`smb_path` is share-relative, `\`-separated). `shown` is the path for
/// messages. Runs on the listing thread only.
pub(crate) async fn list_dir(
    conn: &SmbConn,
    place: &Place,
    smb_path: &str,
    shown: &str,
    timeout: Duration,
) -> ReplicaResult<Vec<Item>> {
    let (items, dir) = list_keep_open(conn, place, smb_path, shown, timeout).await?;
    close_folder(dir, place.clone(), shown.to_string(), timeout).await?;
    Ok(items)
}

/// Lists one folder and hands back its still-open handle: a walk closes it while it lists the
/// folders below, instead of waiting a round trip for the close first. Closed here on error.
pub(crate) async fn list_keep_open(
    conn: &SmbConn,
    place: &Place,
    smb_path: &str,
    shown: &str,
    timeout: Duration,
) -> ReplicaResult<(Vec<Item>, Arc<Directory>)> {
    let dir = open_folder(conn, place, smb_path, shown, timeout).await?;
    match query_all(&dir, place, shown).await {
        Ok(items) => Ok((items, dir)),
        Err(e) => {
            let _ = close_folder(dir, place.clone(), shown.to_string(), timeout).await;
            Err(e)
        }
    }
}

pub(crate) async fn close_folder(
    dir: Arc<Directory>,
    place: Place,
    shown: String,
    timeout: Duration,
) -> ReplicaResult<()> {
    deadline(&place, timeout, "close folder", &shown, async {
        dir.close()
            .await
            .map_err(|e| place.error("close folder", &shown, &e))
    })
    .await
}

async fn query_all(dir: &Arc<Directory>, place: &Place, shown: &str) -> ReplicaResult<Vec<Item>> {
    let mut stream = Directory::query::<FileIdBothDirectoryInformation>(dir, "*")
        .await
        .map_err(|e| place.error("list folder", shown, &e))?;
    let mut items = Vec::new();
    while let Some(entry) = stream.next().await {
        let info = entry.map_err(|e| place.error("list folder", shown, &e))?;
        let name = info.file_name.to_string();
        if name.is_empty() || name == "." || name == ".." {
            continue;
        }
        let is_dir = info.file_attributes.directory();
        items.push(Item {
            name,
            is_dir,
            is_link: info.file_attributes.reparse_point(),
            size: if is_dir { 0 } else { info.end_of_file },
            mtime_ns: filetime_to_ns(*info.last_write_time),
            ctime_ns: (!info.change_time.is_zero()).then(|| filetime_to_ns(*info.change_time)),
            file_id: (info.file_id != 0).then_some(info.file_id),
        });
    }
    Ok(items)
}
