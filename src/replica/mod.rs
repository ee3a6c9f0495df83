//! The remote side of a job: one trait, two honest implementations and one for tests.
//!
//! - [`dir::DirReplica`]: a plain directory (`file:///...`), for shares the OS already mounted.
//! - [`smb::SmbReplica`]: an SMB2/3 share through the `smb` crate, with our own transport and
//!   workarounds for the crate's defects.
//! - [`memory::MemoryReplica`]: a tree in memory, for tests of the engine's logic without a
//!   server, and [`faulty::FaultyReplica`], which makes any remote fail on purpose.
//!
//! Contract every implementation keeps:
//! - paths are [`RelPath`]s relative to the job's remote root (the folder in the URL);
//! - `list` is recursive and complete, or fails: a partial listing would look like deletions;
//! - every name a server or folder hands over is checked where it enters, through
//!   [`Listing::accept`] (see [`RelPath`]'s rules): a name that could reach outside the job's
//!   folder (`..`, a separator, NUL, a drive) never becomes a path; it is reported in
//!   [`Listing::rejected`] and nothing is done with it on either side;
//! - symbolic links and special files are never followed or opened; a listing reports them in
//!   [`Listing::skipped`] so the run leaves that path alone on both sides;
//! - metadata is what the server reports (size, last-write time, change time, file id), so a
//!   remote change is detected by comparing it with what was recorded at the last sync;
//! - readers and writers accept concurrent `read_at`/`write_at` calls, which is how large files
//!   are pipelined; each call moves at most [`MAX_CHUNK`] bytes;
//! - errors are classified ([`ReplicaErrorKind`]) so the executor knows what to retry.

pub mod dir;
pub mod faulty;
pub mod memory;
pub mod smb;

use std::sync::Arc;

use async_trait::async_trait;

use crate::relpath::RelPath;
use crate::tree::Entry;

/// Largest single read or write. The `smb` crate hangs on 4-8 MiB requests; 1 MiB is safe and
/// still fast with several requests in flight.
pub const MAX_CHUNK: usize = 1024 * 1024;

/// Bytes of a file on their way from one side to the other, in a shared buffer. Shared because
/// the SMB writer hands the buffer itself to the `smb` crate, which takes an `Arc<[u8]>` (any
/// other type it copies first); and a large transfer gets its buffers back once they are
/// written and reads the next chunks into them, so a big file moves through a few buffers
/// rather than a fresh, zeroed, page-faulted allocation per megabyte (see
/// `sync::execute::transfer::large`).
pub type Chunk = Arc<[u8]>;

/// `buf`'s bytes to write into: in place when nobody else holds it (the usual case), else in a
/// fresh buffer of the same length that replaces it.
pub fn unshared(buf: &mut Chunk) -> &mut [u8] {
    if Arc::get_mut(buf).is_none() {
        *buf = zeroed_chunk(buf.len());
    }
    Arc::get_mut(buf).expect("a buffer just made has no other owner")
}

/// A new buffer of `len` zero bytes.
pub fn zeroed_chunk(len: usize) -> Chunk {
    std::iter::repeat_n(0u8, len).collect()
}

/// How a live connection to the server protects what it sends, as seen on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ConnectionSecurity {
    /// Every message is encrypted (SMB3 transform).
    pub encrypted: bool,
    /// Messages are signed (or encrypted, which also protects them).
    pub signed: bool,
}

/// A name a listing refused: shown escaped, with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectedName {
    /// The folder it was in and the name, control characters escaped.
    pub shown: String,
    pub reason: String,
}

impl RejectedName {
    /// A name that cannot be a path, and what the user can do about it.
    pub fn invalid(e: crate::relpath::InvalidRelPath, what_to_do: &str) -> RejectedName {
        RejectedName {
            shown: e.shown,
            reason: format!("{}; {what_to_do}", e.reason),
        }
    }

    /// A name in folder `parent` that is not UTF-8 (a local or `file://` folder).
    pub fn not_utf8(parent: &RelPath, name: &std::ffi::OsStr) -> RejectedName {
        RejectedName {
            shown: crate::relpath::escape(&parent.shown_child(&name.to_string_lossy())),
            reason: "the name is not valid UTF-8 and cannot be stored on the share; rename it"
                .into(),
        }
    }
}

/// What a listing found: the entries, the names it refused, and the paths it saw but does not
/// sync (symbolic links, special files).
#[derive(Clone, Debug, Default)]
pub struct Listing {
    pub entries: Vec<Entry>,
    pub rejected: Vec<RejectedName>,
    /// Valid paths that are not synced, with the reason ("not synced: symbolic link").
    pub skipped: Vec<(RelPath, &'static str)>,
}

impl Listing {
    /// The path of `name` found in folder `parent`, or `None` (and the name recorded as
    /// rejected) when it cannot be a path: the one place a listed name becomes a path.
    pub fn accept(&mut self, parent: &RelPath, name: &str) -> Option<RelPath> {
        match parent.join(name) {
            Ok(p) => Some(p),
            Err(e) => {
                tracing::warn!(name = %e.shown, reason = e.reason, "refused a listed name");
                self.rejected.push(RejectedName::invalid(
                    e,
                    "the name was left alone on both sides: rename it on the server",
                ));
                None
            }
        }
    }

    /// Adds another listing's findings.
    pub fn extend(&mut self, other: Listing) {
        self.entries.extend(other.entries);
        self.rejected.extend(other.rejected);
        self.skipped.extend(other.skipped);
    }

    pub fn sort(&mut self) {
        self.entries.sort_by(|a, b| a.path.cmp(&b.path));
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplicaErrorKind {
    /// The path does not exist.
    NotFound,
    /// The target of a create or a rename without replace exists.
    AlreadyExists,
    /// A folder to remove is not empty.
    NotEmpty,
    /// The server refused the name (invalid characters, reserved name, too long).
    InvalidName,
    /// Permission denied on this path.
    AccessDenied,
    /// The server's disk or quota is full.
    DiskFull,
    /// The file is open elsewhere in a way that blocks us (sharing violation); retry later.
    Busy,
    /// Wrong user name or password.
    Auth,
    /// The share does not exist on the server.
    NoSuchShare,
    /// The connection dropped (or the crate's worker stopped); reconnecting may help.
    Connection,
    /// A request took too long.
    Timeout,
    /// Anything else.
    Other,
    /// The server's name could not be resolved (DNS): a typo, or no network.
    HostNotFound,
    /// Nothing answered at the server's address: connection refused, no route to the host.
    Unreachable,
    /// The job requires encryption and the server cannot encrypt.
    EncryptionRequired,
}

impl ReplicaErrorKind {
    /// Worth retrying with backoff (possibly after reconnecting).
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            Self::Busy | Self::Connection | Self::Timeout | Self::HostNotFound | Self::Unreachable
        )
    }

    /// The connection itself is gone: reconnect before retrying.
    pub fn is_connection_lost(self) -> bool {
        matches!(
            self,
            Self::Connection | Self::Timeout | Self::HostNotFound | Self::Unreachable
        )
    }
}

/// Where a remote error happened, for the sentence a person reads (`crate::words`): the
/// server and share as the job names them, and the share-relative path if any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorPlace {
    pub host: String,
    pub port: Option<u16>,
    pub share: String,
    pub path: String,
}

/// An error from the remote side. The message names the path or share and never contains a
/// password.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{message}")]
pub struct ReplicaError {
    pub kind: ReplicaErrorKind,
    /// The full technical text (the server's status, what was being done): kept as the
    /// detail behind the sentence `crate::words` makes.
    pub message: String,
    /// Server, share and path, when the remote is a share.
    pub place: Option<ErrorPlace>,
}

impl ReplicaError {
    pub fn new(kind: ReplicaErrorKind, message: impl Into<String>) -> Self {
        ReplicaError {
            kind,
            message: message.into(),
            place: None,
        }
    }

    /// Names where it happened.
    pub fn at(mut self, place: ErrorPlace) -> Self {
        self.place = Some(place);
        self
    }

    pub fn not_found(path: &RelPath) -> Self {
        Self::new(
            ReplicaErrorKind::NotFound,
            format!("{path}: not found on the remote"),
        )
    }
}

/// A name we would have to make (a temp or conflict name) that cannot be a path, typically
/// because it would pass 255 bytes: that file is reported and left as it is.
impl From<crate::relpath::InvalidRelPath> for ReplicaError {
    fn from(e: crate::relpath::InvalidRelPath) -> Self {
        ReplicaError::new(
            ReplicaErrorKind::InvalidName,
            format!("{}: {}; shorten the name", e.shown, e.reason),
        )
    }
}

pub type ReplicaResult<T> = Result<T, ReplicaError>;

/// What a checked rename expects of the file it moves (see [`Replica::rename_if`]).
pub type Expect<'a> = dyn for<'e> Fn(&'e Entry) -> bool + Send + Sync + 'a;

/// A file opened for reading. `read_at` may be called concurrently.
// `len` is the remote file's length, not a container size: no `is_empty` wanted.
#[allow(clippy::len_without_is_empty)]
#[async_trait]
pub trait FileReader: Send + Sync {
    /// Size of the file when it was opened.
    fn len(&self) -> u64;
    /// Reads up to `len` (at most [`MAX_CHUNK`]) bytes at `offset`; fewer only at end of file.
    async fn read_at(&self, offset: u64, len: usize) -> ReplicaResult<Vec<u8>>;
    /// Reads `buf.len()` (at most [`MAX_CHUNK`]) bytes at `offset` into `buf` and gives it back
    /// with the number of bytes read (fewer only at end of file). Callers pass a buffer nobody
    /// else holds, so the bytes land in it in place (see [`Chunk`]). The default reads a copy
    /// through `read_at`; readers that can fill the buffer directly do.
    async fn read_into(&self, offset: u64, mut buf: Chunk) -> ReplicaResult<(Chunk, usize)> {
        let data = self.read_at(offset, buf.len()).await?;
        let n = data.len().min(buf.len());
        unshared(&mut buf)[..n].copy_from_slice(&data[..n]);
        Ok((buf, n))
    }
    async fn close(&self) -> ReplicaResult<()>;
}

/// A file opened for writing. `write_at` may be called concurrently on disjoint ranges.
// `len` is the remote file's length, not a container size: no `is_empty` wanted.
#[allow(clippy::len_without_is_empty)]
#[async_trait]
pub trait FileWriter: Send + Sync {
    /// Current length of the file (for resuming a partial upload).
    async fn len(&self) -> ReplicaResult<u64>;
    /// Takes the bytes by value: a local writer hands them to a blocking thread, the SMB writer
    /// to the wire, both without a copy.
    async fn write_at(&self, offset: u64, data: Chunk) -> ReplicaResult<()>;
    /// Truncates or extends the file to `len` bytes.
    async fn set_len(&self, len: u64) -> ReplicaResult<()>;
    /// Sets the last-write time, so the final file carries the source's time.
    async fn set_mtime(&self, mtime_ns: i64) -> ReplicaResult<()>;
    /// Flushes and closes; the data is on the server when this returns Ok.
    async fn close(&self) -> ReplicaResult<()>;

    /// Completes a transfer on the open handle: sets the last-write time, flushes, renames the
    /// file to `final_path` (`AlreadyExists` if anything is there: never replaces), closes, and
    /// returns the final file's metadata. Fewer round trips than the separate calls, which
    /// matters for many small files.
    async fn finish(&self, final_path: &RelPath, mtime_ns: i64) -> ReplicaResult<Entry>;
}

#[async_trait]
pub trait Replica: Send + Sync {
    /// A description for messages and logs (`smb://alice@nas/share/path`), never a password.
    fn describe(&self) -> String;

    /// Whether names that differ only in case refer to the same file on this remote.
    fn case_insensitive(&self) -> bool;

    /// How the connection to the server is protected, as last seen; `None` for a folder on
    /// this machine (or before anything was sent).
    fn security(&self) -> Option<ConnectionSecurity> {
        None
    }

    /// Checks the remote root is reachable and is a folder.
    async fn check_root(&self) -> ReplicaResult<()>;

    /// Recursive listing of everything under the root, folders included, the root excluded.
    /// Entries under a folder named `skip_dir` (at any depth) are not listed, nor is the folder.
    async fn list(&self, skip_dir: &str) -> ReplicaResult<Listing>;

    /// [`Replica::list`], told which folders were there at the last sync (`likely_dirs`): a
    /// remote whose listing costs round trips per level of folders may list those at once,
    /// ahead of finding them. The result is exactly `list`'s: a hint never adds, drops or
    /// changes an entry (a folder listed ahead counts only once the walk reaches it).
    async fn list_hinted(
        &self,
        skip_dir: &str,
        likely_dirs: Vec<RelPath>,
    ) -> ReplicaResult<Listing> {
        drop(likely_dirs);
        self.list(skip_dir).await
    }

    /// The entries directly inside the folder `path` (one level), sorted; `NotFound` when it
    /// is missing.
    async fn list_dir(&self, path: &RelPath) -> ReplicaResult<Listing>;

    /// Metadata of one path; `Ok(None)` when it does not exist.
    async fn stat(&self, path: &RelPath) -> ReplicaResult<Option<Entry>>;

    /// Creates a folder; Ok when it already exists. The parent must exist.
    async fn create_dir(&self, path: &RelPath) -> ReplicaResult<()>;

    /// Removes an empty folder (`NotEmpty` otherwise).
    async fn remove_dir(&self, path: &RelPath) -> ReplicaResult<()>;

    /// Removes a file.
    async fn remove_file(&self, path: &RelPath) -> ReplicaResult<()>;

    /// Renames a file or folder; with `replace` false an existing target gives `AlreadyExists`.
    /// The target's parent must exist.
    async fn rename(&self, from: &RelPath, to: &RelPath, replace: bool) -> ReplicaResult<()>;

    /// Renames `from` to `to` (never over anything: `AlreadyExists`) only if `from` is still
    /// what `expect` accepts; `Ok(false)`, nothing done, when it is not or is gone. This
    /// default looks first and renames after; the SMB remote checks on the open file it
    /// renames, so another client cannot slip a new version in between, and takes the new
    /// name atomically (see `smb::claim`).
    async fn rename_if(
        &self,
        from: &RelPath,
        to: &RelPath,
        expect: &Expect<'_>,
    ) -> ReplicaResult<bool> {
        match self.stat(from).await? {
            Some(now) if expect(&now) => {}
            _ => return Ok(false),
        }
        self.rename(from, to, false).await?;
        Ok(true)
    }

    async fn open_read(&self, path: &RelPath) -> ReplicaResult<Arc<dyn FileReader>>;

    /// Reads a whole small file: at most `max` (at most [`MAX_CHUNK`]) bytes, and the file's
    /// metadata as it was after the read, from the open file where the remote can. A file
    /// longer than `max` gives its first `max` bytes (its metadata then shows the real size).
    async fn read_whole(&self, path: &RelPath, max: usize) -> ReplicaResult<(Vec<u8>, Entry)> {
        let reader = self.open_read(path).await?;
        let want = (reader.len() as usize).min(max).min(MAX_CHUNK);
        let read = reader.read_at(0, want).await;
        let _ = reader.close().await;
        let data = read?;
        match self.stat(path).await? {
            Some(meta) => Ok((data, meta)),
            None => Err(ReplicaError::not_found(path)),
        }
    }

    /// Opens a file for writing, creating it when missing; with `truncate` an existing file is
    /// emptied, otherwise its bytes are kept (resume).
    async fn open_write(
        &self,
        path: &RelPath,
        truncate: bool,
    ) -> ReplicaResult<Arc<dyn FileWriter>>;

    /// Drops the current connection and makes a new one (after `Connection` errors).
    async fn reconnect(&self) -> ReplicaResult<()>;

    /// Starts a feed of the changes anyone makes under the root (live sync). `Ok(None)`: this
    /// remote cannot tell, so the service polls it. Dropping the guard stops the feed.
    async fn watch(
        &self,
        tx: crate::watch::ChangeSender,
    ) -> ReplicaResult<Option<crate::watch::WatchGuard>> {
        let _ = tx;
        Ok(None)
    }
}
