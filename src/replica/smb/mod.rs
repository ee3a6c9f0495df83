//! SMB remote: [`SmbReplica`] implements [`Replica`] over the `smb` crate (0.12.1).
//!
//! Modules:
//! - [`transport`]: our TCP transport (TCP_NODELAY, one write per message);
//! - [`session`]: connect, log in, connect to the share; one [`session::SmbConn`] per connection;
//! - [`pool`]: the connections used side by side, rotated after heavy writing, renewed together;
//! - [`notify`]: SMB2 CHANGE_NOTIFY on the job's folder, on a connection and thread of its own;
//! - [`listing`]: directory queries on a dedicated current-thread runtime (the crate's query
//!   stream deadlocks on multi-thread runtimes);
//! - [`walk`]: the recursive listing, many folders in flight, expected ones listed ahead;
//! - [`file`]: readers and writers (at most `MAX_CHUNK` per request, concurrent-safe);
//! - [`errors`]: NT status -> [`ReplicaErrorKind`], messages that name host/share/path;
//! - [`convert`]: FILETIME and path conversions.
//!
//! Workarounds for the crate's defects: see the module docs above; also we never use
//! `block_copy` (it hides errors), every request has a deadline (a hung server gives `Timeout`),
//! and `reconnect()` builds a brand-new connection (the crate cannot revive one).

mod claim;
mod convert;
mod errors;
mod file;
mod listing;
mod notify;
mod pool;
mod session;
mod transport;
mod walk;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use smb::{
    CreateDisposition, CreateOptions, FileAccessMask, FileAttributes, FileCreateArgs,
    FileDispositionInformation, FileRenameInformation, Resource, ResourceHandle,
};

use self::claim::handle_of;
use self::convert::{join_shown, join_smb};
use self::errors::{nt, Place};
use self::pool::Pool;
use self::session::{deadline, establish, SmbConn};
use crate::policy::Encryption;
use crate::relpath::RelPath;
use crate::replica::{
    ConnectionSecurity, Expect, FileReader, FileWriter, Listing, Replica, ReplicaError,
    ReplicaErrorKind, ReplicaResult,
};
use crate::tree::{Entry, EntryKind};
use crate::url::SmbUrl;

/// Connection settings.
#[derive(Clone, Debug)]
pub struct SmbOptions {
    /// Deadline for connecting and for every single request (a hung server gives `Timeout`).
    pub timeout: Duration,
    /// Folders listed at the same time by `list`, per connection. Each costs a few round trips
    /// one after another (open, query until the end, close), so over a slow link it is how many
    /// are in flight that bounds a walk's time, not the server.
    pub list_concurrency: usize,
    /// Set TCP_NODELAY and send each message in one write (our transport). `false` uses the
    /// crate's transport as published (~40 ms extra per request); only for measurements.
    pub tcp_nodelay: bool,
    /// SMB connections (sessions) used side by side for file operations. Samba serves each
    /// connection with one single-threaded smbd process, which is the bottleneck on many
    /// small files; several connections let several processes (and cores) work. The first
    /// connection is made at once, the others when first needed.
    pub connections: usize,
    /// Whether every message must be encrypted (the job's setting).
    pub encryption: Encryption,
}

impl Default for SmbOptions {
    fn default() -> Self {
        SmbOptions {
            timeout: Duration::from_secs(30),
            list_concurrency: 16,
            tcp_nodelay: true,
            connections: 4,
            encryption: Encryption::Auto,
        }
    }
}

/// A connection that has carried this many written bytes is replaced by a fresh one at the
/// next `open_write`. Each write Samba answers asynchronously leaks its credits in the `smb`
/// crate (16 for 1 MiB); Samba caps a client at 8192 credits, so a connection starves after
/// about 512 MiB of such writes in the worst case. 128 MiB keeps a wide margin and costs one
/// login (about 10 ms on a LAN) per 128 MiB written.
pub const ROTATE_AFTER_BYTES: u64 = 128 * 1024 * 1024;

/// An SMB share folder as a sync remote.
pub struct SmbReplica {
    url: SmbUrl,
    /// Kept for `reconnect()`. Never printed: `SmbReplica`'s Debug and messages omit it.
    password: String,
    opts: SmbOptions,
    place: Place,
    /// Replaced whole by `reconnect()`.
    pool: RwLock<Arc<Pool>>,
    /// Round-robin position over the pool's connections.
    next: std::sync::atomic::AtomicUsize,
    lister: listing::Lister,
}

impl std::fmt::Debug for SmbReplica {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmbReplica")
            .field("url", &self.describe())
            .field("opts", &self.opts)
            .finish_non_exhaustive()
    }
}

fn place_of(url: &SmbUrl) -> Place {
    Place {
        host: url.host.clone(),
        port: url.port,
        share: url.share.clone(),
    }
}

/// Checks host, login, share and that the URL's folder exists, then disconnects.
pub async fn test_connection(url: &SmbUrl, password: &str, opts: SmbOptions) -> ReplicaResult<()> {
    let remote = SmbReplica::connect(url, password, opts).await?;
    let r = remote.check_root().await;
    remote.close_all().await;
    r
}

impl SmbReplica {
    /// Connects and logs in. The folder itself is not checked (see [`Replica::check_root`]).
    pub async fn connect(
        url: &SmbUrl,
        password: &str,
        opts: SmbOptions,
    ) -> ReplicaResult<SmbReplica> {
        let place = place_of(url);
        let conn = establish(url, password, &opts, &place).await?;
        Ok(SmbReplica {
            url: url.clone(),
            password: password.to_string(),
            pool: RwLock::new(Arc::new(Pool::new(conn, opts.connections))),
            next: std::sync::atomic::AtomicUsize::new(0),
            opts,
            place,
            lister: listing::Lister::new(),
        })
    }

    /// Folder names (one level, no files) in `path` below the remote root, sorted. Names that
    /// cannot be paths are left out.
    pub async fn list_folders(&self, path: &RelPath) -> ReplicaResult<Vec<String>> {
        let listing = Replica::list_dir(self, path).await?;
        Ok(listing
            .entries
            .into_iter()
            .filter(|e| e.kind == EntryKind::Dir)
            .map(|e| e.path.name().to_string())
            .collect())
    }

    fn smb_path(&self, rel: &RelPath) -> String {
        join_smb(self.url.path.as_str(), rel.as_str())
    }

    fn shown(&self, rel: &RelPath) -> String {
        join_shown(self.url.path.as_str(), rel.as_str())
    }

    /// Opens `rel` with a deadline.
    async fn open(
        &self,
        conn: &SmbConn,
        rel: &RelPath,
        what: &str,
        args: FileCreateArgs,
    ) -> ReplicaResult<Resource> {
        // No component holds a `\\` (SMB's separator): `RelPath` refuses it.
        let shown = self.shown(rel);
        let smb = self.smb_path(rel);
        deadline(&self.place, self.opts.timeout, what, &shown, async {
            conn.tree()
                .create(&smb, &args)
                .await
                .map_err(|e| self.place.error(what, &shown, &e))
        })
        .await
    }

    /// Closes `h` after an operation that gave `r`; the operation's error wins.
    async fn finish<T>(
        &self,
        h: &ResourceHandle,
        shown: &str,
        r: ReplicaResult<T>,
    ) -> ReplicaResult<T> {
        let c = deadline(&self.place, self.opts.timeout, "close", shown, async {
            h.close()
                .await
                .map_err(|e| self.place.error("close", shown, &e))
        })
        .await;
        let v = r?;
        c?;
        Ok(v)
    }

    async fn delete(&self, rel: &RelPath, dir: bool) -> ReplicaResult<()> {
        let conn = self.pick(false).await?;
        let what = if dir { "remove folder" } else { "remove file" };
        let options = if dir {
            CreateOptions::new().with_directory_file(true)
        } else {
            CreateOptions::new().with_non_directory_file(true)
        };
        let args = FileCreateArgs {
            disposition: CreateDisposition::Open,
            attributes: FileAttributes::new(),
            options,
            desired_access: FileAccessMask::new()
                .with_delete(true)
                .with_file_read_attributes(true)
                .with_synchronize(true),
        };
        let res = self.open(&conn, rel, what, args).await?;
        let shown = self.shown(rel);
        let h = handle_of(&res);
        let r = deadline(&self.place, self.opts.timeout, what, &shown, async {
            h.set_info(FileDispositionInformation::default())
                .await
                .map_err(|e| self.place.error(what, &shown, &e))
        })
        .await;
        self.finish(h, &shown, r).await
    }

    /// Opens a regular file for writing (`DELETE` too, so `finish` can rename it on this
    /// handle) with `disposition`.
    async fn open_file_for_writing(
        &self,
        conn: &SmbConn,
        path: &RelPath,
        disposition: CreateDisposition,
    ) -> ReplicaResult<smb::File> {
        let args = FileCreateArgs {
            disposition,
            attributes: FileAttributes::new(),
            options: CreateOptions::new().with_non_directory_file(true),
            desired_access: FileAccessMask::new()
                .with_delete(true)
                .with_file_read_data(true)
                .with_file_write_data(true)
                .with_file_read_attributes(true)
                .with_file_write_attributes(true)
                .with_synchronize(true),
        };
        match self.open(conn, path, "open for writing", args).await? {
            Resource::File(f) => Ok(f),
            other => {
                let _ = handle_of(&other).close().await;
                Err(self.place.make(
                    ReplicaErrorKind::Other,
                    "open for writing",
                    &self.shown(path),
                    "not a regular file",
                ))
            }
        }
    }

    /// Renames `from` to `to`, after checking on the open file that it is what `expect`
    /// accepts (`Ok(false)`, nothing done, when not). Without `replace`, a file takes its new
    /// name as a hard link and drops the old one (see [`claim`]): never over anything, even
    /// against another client at the same moment.
    async fn move_checked(
        &self,
        from: &RelPath,
        to: &RelPath,
        replace: bool,
        expect: Option<&Expect<'_>>,
    ) -> ReplicaResult<bool> {
        let conn = self.pick(false).await?;
        let args = FileCreateArgs {
            disposition: CreateDisposition::Open,
            attributes: FileAttributes::new(),
            options: CreateOptions::new(),
            desired_access: FileAccessMask::new()
                .with_delete(true)
                .with_file_read_attributes(true)
                .with_synchronize(true),
        };
        let target = self.smb_path(to);
        let res = self.open(&conn, from, "rename", args).await?;
        let shown = self.shown(from);
        let on = claim::On {
            h: claim::handle_of(&res),
            place: &self.place,
            shown: &shown,
            timeout: self.opts.timeout,
        };
        let moved = async {
            if replace {
                // Only ever asked for by tests; no atomicity to keep.
                deadline(&self.place, self.opts.timeout, "rename", &shown, async {
                    on.h.set_info(FileRenameInformation {
                        replace_if_exists: true.into(),
                        root_directory: 0,
                        file_name: target.as_str().into(),
                    })
                    .await
                    .map_err(|e| self.place.error("rename", &shown, &e))
                })
                .await?;
                return Ok(None);
            }
            let before = on.query(from).await?;
            if expect.is_some_and(|ok| !ok(&before)) {
                return Ok(Some((before, None)));
            }
            let case_only = from.as_str().to_lowercase() == to.as_str().to_lowercase();
            let rename_only = before.kind == EntryKind::Dir || case_only;
            let how = on.claim(&target, rename_only).await?;
            Ok(Some((before, Some(how))))
        }
        .await;
        let r = self.finish(on.h, &shown, moved).await;
        let r = r.map_err(|e| ReplicaError {
            message: format!("{} (to {})", e.message, self.shown(to)),
            ..e
        })?;
        match r {
            None => Ok(true),
            Some((_, None)) => Ok(false),
            Some((_, Some(claim::Claimed::Linked))) => Ok(true),
            Some((before, Some(claim::Claimed::Renamed))) => {
                // No hard links on this server: the rename may have raced another client's
                // onto the same name. If the name holds another file now, ours was replaced.
                self.check_holds(to, &before).await?;
                Ok(true)
            }
        }
    }

    /// After a plain rename of a file: fails with `AlreadyExists` when `path` does not hold it.
    async fn check_holds(&self, path: &RelPath, ours: &Entry) -> ReplicaResult<()> {
        if ours.kind == EntryKind::Dir || ours.file_id.is_none() {
            return Ok(());
        }
        match self.stat(path).await? {
            Some(now) if now.file_id == ours.file_id => Ok(()),
            _ => Err(claim::lost_race(&self.place, &self.shown(path))),
        }
    }
}

fn is_missing(e: &ReplicaError) -> bool {
    e.kind == ReplicaErrorKind::NotFound
}

#[async_trait]
impl Replica for SmbReplica {
    fn describe(&self) -> String {
        let mut s = String::from("smb://");
        if !self.url.user.is_empty() {
            s.push_str(&self.url.user);
            s.push('@');
        }
        s.push_str(&self.place.server());
        s.push('/');
        s.push_str(&self.url.share);
        if !self.url.path.is_root() {
            s.push('/');
            s.push_str(self.url.path.as_str());
        }
        s
    }

    fn case_insensitive(&self) -> bool {
        true
    }

    /// The weakest protection among the connections made (each as its last message went).
    fn security(&self) -> Option<ConnectionSecurity> {
        use self::transport::Protection;
        let weakest = self
            .pool()
            .made_now()
            .iter()
            .filter_map(|c| c.wire.as_ref().map(|w| w.last_sent()))
            .filter(|p| *p != Protection::None)
            .min_by_key(|p| match p {
                Protection::Plain => 0,
                Protection::Signed => 1,
                _ => 2,
            })?;
        Some(ConnectionSecurity {
            encrypted: weakest == Protection::Encrypted,
            signed: weakest != Protection::Plain,
        })
    }

    async fn check_root(&self) -> ReplicaResult<()> {
        match self.stat(&RelPath::root()).await? {
            Some(e) if e.kind == EntryKind::Dir => Ok(()),
            Some(_) => Err(self.place.make(
                ReplicaErrorKind::NotFound,
                "check folder",
                self.url.path.as_str(),
                "it is a file, not a folder",
            )),
            None => Err(self.place.make(
                ReplicaErrorKind::NotFound,
                "check folder",
                self.url.path.as_str(),
                "the folder does not exist",
            )),
        }
    }

    async fn list(&self, skip_dir: &str) -> ReplicaResult<Listing> {
        self.list_hinted(skip_dir, Vec::new()).await
    }

    async fn list_hinted(
        &self,
        skip_dir: &str,
        likely_dirs: Vec<RelPath>,
    ) -> ReplicaResult<Listing> {
        // Folders are spread over all connections, so several smbd processes list at once. The
        // walk starts on the connections already made; the others are made in the background
        // and join it as they come (and are there for the transfers after it).
        let first = self.primary().await;
        let mut conns = vec![first.clone()];
        conns.extend(
            self.pool()
                .made_now()
                .into_iter()
                .filter(|c| !Arc::ptr_eq(c, &first)),
        );
        let more = self.make_missing_in_background();
        let place = self.place.clone();
        let spec = walk::WalkSpec {
            root: self.url.path.as_str().to_string(),
            skip_dir: skip_dir.to_string(),
            likely_dirs,
            timeout: self.opts.timeout,
            concurrency: self.opts.list_concurrency,
        };
        self.lister
            .run(&self.place, move || walk::walk(conns, more, place, spec))
            .await
    }

    async fn list_dir(&self, path: &RelPath) -> ReplicaResult<Listing> {
        let conn = self.primary().await;
        let place = self.place.clone();
        let smb = self.smb_path(path);
        let shown = self.shown(path);
        let timeout = self.opts.timeout;
        let items = self
            .lister
            .run(&self.place, move || async move {
                listing::list_dir(&conn, &place, &smb, &shown, timeout).await
            })
            .await?;
        let mut out = Listing::default();
        for i in items {
            i.add_to(path, &mut out);
        }
        out.sort();
        Ok(out)
    }

    async fn stat(&self, path: &RelPath) -> ReplicaResult<Option<Entry>> {
        let conn = self.pick(false).await?;
        let (smb, shown) = (self.smb_path(path), self.shown(path));
        claim::stat_path(&conn, &self.place, self.opts.timeout, (path, &smb, &shown)).await
    }

    async fn create_dir(&self, path: &RelPath) -> ReplicaResult<()> {
        let conn = self.pick(false).await?;
        let args = FileCreateArgs {
            disposition: CreateDisposition::OpenIf,
            attributes: FileAttributes::new().with_directory(true),
            options: CreateOptions::new().with_directory_file(true),
            desired_access: FileAccessMask::new()
                .with_file_read_attributes(true)
                .with_synchronize(true),
        };
        let shown = self.shown(path);
        let res = match self.open(&conn, path, "create folder", args).await {
            Ok(r) => r,
            Err(e) if e.message.contains(&format!("{:#x}", nt::NOT_A_DIRECTORY)) => {
                return Err(self.place.make(
                    ReplicaErrorKind::AlreadyExists,
                    "create folder",
                    &shown,
                    "a file with that name exists",
                ))
            }
            Err(e) => return Err(e),
        };
        self.finish(handle_of(&res), &shown, Ok(())).await
    }

    async fn remove_dir(&self, path: &RelPath) -> ReplicaResult<()> {
        self.delete(path, true).await
    }

    async fn remove_file(&self, path: &RelPath) -> ReplicaResult<()> {
        self.delete(path, false).await
    }

    async fn rename(&self, from: &RelPath, to: &RelPath, replace: bool) -> ReplicaResult<()> {
        self.move_checked(from, to, replace, None).await.map(|_| ())
    }

    async fn rename_if(
        &self,
        from: &RelPath,
        to: &RelPath,
        expect: &Expect<'_>,
    ) -> ReplicaResult<bool> {
        match self.move_checked(from, to, false, Some(expect)).await {
            Err(e) if is_missing(&e) => Ok(false),
            r => r,
        }
    }

    async fn open_read(&self, path: &RelPath) -> ReplicaResult<Arc<dyn FileReader>> {
        let conn = self.pick(false).await?;
        let args = FileCreateArgs {
            disposition: CreateDisposition::Open,
            attributes: FileAttributes::new(),
            options: CreateOptions::new().with_non_directory_file(true),
            desired_access: FileAccessMask::new()
                .with_file_read_data(true)
                .with_file_read_attributes(true)
                .with_synchronize(true),
        };
        let shown = self.shown(path);
        match self.open(&conn, path, "open for reading", args).await? {
            Resource::File(f) => {
                let len = smb::GetLen::get_len(&f)
                    .await
                    .map_err(|e| self.place.error("open for reading", &shown, &e))?;
                Ok(Arc::new(file::SmbReader::new(
                    f,
                    len,
                    conn,
                    self.place.clone(),
                    shown,
                    self.opts.timeout,
                )))
            }
            other => {
                let _ = handle_of(&other).close().await;
                Err(self.place.make(
                    ReplicaErrorKind::Other,
                    "open for reading",
                    &shown,
                    "not a regular file",
                ))
            }
        }
    }

    async fn open_write(
        &self,
        path: &RelPath,
        truncate: bool,
    ) -> ReplicaResult<Arc<dyn FileWriter>> {
        let conn = self.pick(true).await?;
        let shown = self.shown(path);
        // A temp must be a file of its own. One that is also another name of a file (a crash
        // between `finish`'s hard link and its close left both names) would carry our writes,
        // and a truncation, into that file: its temp name is dropped and a new file made.
        let mut fresh = truncate;
        for _ in 0..3 {
            let disposition = if fresh {
                CreateDisposition::Create
            } else {
                CreateDisposition::OpenIf
            };
            let file = match self.open_file_for_writing(&conn, path, disposition).await {
                Err(e) if fresh && e.kind == ReplicaErrorKind::AlreadyExists => {
                    fresh = false;
                    continue;
                }
                r => r?,
            };
            let on = claim::On {
                h: file.handle(),
                place: &self.place,
                shown: &shown,
                timeout: self.opts.timeout,
            };
            if !fresh {
                let checked = async {
                    if on.links().await? > 1 {
                        on.delete_on_close().await?;
                        return Ok(false);
                    }
                    if truncate {
                        file::truncate(&on).await?;
                    }
                    Ok(true)
                }
                .await;
                match checked {
                    Ok(true) => {}
                    Ok(false) => {
                        on.close().await?;
                        fresh = true;
                        continue;
                    }
                    Err(e) => {
                        let _ = on.close().await;
                        return Err(e);
                    }
                }
            }
            return Ok(Arc::new(file::SmbWriter::new(
                file,
                conn,
                self.place.clone(),
                shown,
                self.opts.timeout,
                self.url.path.as_str().to_string(),
            )));
        }
        Err(self.place.make(
            ReplicaErrorKind::Busy,
            "open for writing",
            &shown,
            "the temp file keeps reappearing as a link to another file",
        ))
    }

    async fn reconnect(&self) -> ReplicaResult<()> {
        let fresh = Pool::new(self.establish().await?, self.opts.connections);
        let old = {
            let mut guard = self.pool.write().unwrap_or_else(|p| p.into_inner());
            std::mem::replace(&mut *guard, Arc::new(fresh))
        };
        // Open readers/writers keep the old connections alive until they are dropped.
        for c in old.made().await {
            c.close().await;
        }
        Ok(())
    }

    async fn watch(
        &self,
        tx: crate::watch::ChangeSender,
    ) -> ReplicaResult<Option<crate::watch::WatchGuard>> {
        notify::start(
            self.url.clone(),
            self.password.clone(),
            self.opts.clone(),
            self.place.clone(),
            tx,
        )
        .await
        .map(Some)
    }
}
