//! A plain directory as the remote side (`file:///path`): a share the OS already mounted, and
//! the remote used by tests of pure engine logic.
//!
//! Blocking file-system calls run on tokio's blocking pool. Reads and writes use positional
//! I/O so concurrent `read_at`/`write_at` calls are safe, as the trait requires.

use std::fs::File;
use std::io::{self, ErrorKind};
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;

use super::{
    unshared, Chunk, FileReader, FileWriter, Listing, Replica, ReplicaError, ReplicaErrorKind,
    ReplicaResult,
};
use crate::beneath::{Beneath, DirFd, FileKind, Meta};
use crate::fsmeta;
use crate::relpath::RelPath;
use crate::tree::{Entry, EntryKind};

pub struct DirReplica {
    fs: Beneath,
}

impl DirReplica {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DirReplica {
            fs: Beneath::new(root),
        }
    }

    fn what(&self, p: &RelPath) -> String {
        self.fs.shown(p)
    }
}

fn map_io(e: io::Error, what: &str) -> ReplicaError {
    let kind = match e.kind() {
        ErrorKind::NotFound => ReplicaErrorKind::NotFound,
        ErrorKind::AlreadyExists => ReplicaErrorKind::AlreadyExists,
        ErrorKind::PermissionDenied => ReplicaErrorKind::AccessDenied,
        ErrorKind::DirectoryNotEmpty => ReplicaErrorKind::NotEmpty,
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => ReplicaErrorKind::DiskFull,
        ErrorKind::InvalidFilename => ReplicaErrorKind::InvalidName,
        ErrorKind::TimedOut => ReplicaErrorKind::Timeout,
        _ => ReplicaErrorKind::Other,
    };
    let hint = match kind {
        ReplicaErrorKind::DiskFull => "; the disk is full: free some space, then sync again",
        ReplicaErrorKind::AccessDenied => "; check the permissions of this file or folder",
        _ => "",
    };
    // Our own messages (a link in the way, a special file) already name the path.
    if e.kind() == ErrorKind::Other && e.get_ref().is_some() {
        return ReplicaError::new(kind, e.to_string());
    }
    ReplicaError::new(kind, format!("{what}: {e}{hint}"))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> ReplicaResult<T> + Send + 'static,
) -> ReplicaResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ReplicaError::new(ReplicaErrorKind::Other, format!("I/O task failed: {e}")))?
}

fn entry(path: RelPath, m: &Meta) -> Entry {
    Entry {
        path,
        kind: if m.kind == FileKind::Dir {
            EntryKind::Dir
        } else {
            EntryKind::File
        },
        size: m.size,
        mtime_ns: m.mtime_ns,
        ctime_ns: m.ctime_ns,
        file_id: m.file_id,
    }
}

/// Adds the entries of the open folder `dir` (at `path`) to `out`; returns the subfolders to
/// walk next. Links and special files are reported as skipped, never followed or opened.
fn list_into(
    dir: &DirFd,
    path: &RelPath,
    skip_dir: &str,
    shown: &dyn Fn(&RelPath) -> String,
    out: &mut Listing,
) -> ReplicaResult<Vec<(RelPath, std::ffi::OsString)>> {
    let items = dir.entries().map_err(|e| map_io(e, &shown(path)))?;
    let mut subdirs = Vec::new();
    for (os_name, m) in items {
        let Some(name) = os_name.to_str() else {
            out.rejected
                .push(super::RejectedName::not_utf8(path, &os_name));
            continue;
        };
        if !skip_dir.is_empty() && name == skip_dir {
            continue;
        }
        let Some(child) = out.accept(path, name) else {
            continue;
        };
        if let Some(why) = m.kind.not_synced_because() {
            out.skipped.push((child, why));
            continue;
        }
        if m.kind == FileKind::Dir {
            subdirs.push((child.clone(), os_name));
        }
        out.entries.push(entry(child, &m));
    }
    Ok(subdirs)
}

fn walk(fs: &Beneath, skip_dir: &str) -> ReplicaResult<Listing> {
    let shown = |p: &RelPath| fs.shown(p);
    let mut out = Listing::default();
    let root = fs
        .open_dir(&RelPath::root())
        .map_err(|e| map_io(e, &fs.root().display().to_string()))?;
    // Each folder is opened from its parent's descriptor, never by path.
    let mut stack: Vec<(RelPath, DirFd)> = vec![(RelPath::root(), root)];
    while let Some((path, dir)) = stack.pop() {
        for (child, os_name) in list_into(&dir, &path, skip_dir, &shown, &mut out)? {
            let sub = dir.child(&os_name).map_err(|e| map_io(e, &shown(&child)))?;
            stack.push((child, sub));
        }
    }
    out.sort();
    Ok(out)
}

#[async_trait]
impl Replica for DirReplica {
    fn describe(&self) -> String {
        format!("file://{}", self.fs.root().display())
    }

    fn case_insensitive(&self) -> bool {
        cfg!(any(target_os = "windows", target_os = "macos"))
    }

    async fn check_root(&self) -> ReplicaResult<()> {
        let root = self.fs.root().to_path_buf();
        blocking(move || match std::fs::metadata(&root) {
            Ok(m) if m.is_dir() => Ok(()),
            Ok(_) => Err(ReplicaError::new(
                ReplicaErrorKind::NotFound,
                format!(
                    "{} is not a folder; point the job at a folder",
                    root.display()
                ),
            )),
            Err(e) => Err(ReplicaError::new(
                ReplicaErrorKind::NotFound,
                format!(
                    "remote folder {} is missing ({e}); is the share mounted?",
                    root.display()
                ),
            )),
        })
        .await
    }

    async fn list(&self, skip_dir: &str) -> ReplicaResult<Listing> {
        let fs = self.fs.clone();
        let skip = skip_dir.to_string();
        blocking(move || walk(&fs, &skip)).await
    }

    async fn list_dir(&self, path: &RelPath) -> ReplicaResult<Listing> {
        let fs = self.fs.clone();
        let path = path.clone();
        blocking(move || {
            let shown = |p: &RelPath| fs.shown(p);
            let dir = fs.open_dir(&path).map_err(|e| map_io(e, &shown(&path)))?;
            let mut out = Listing::default();
            list_into(&dir, &path, "", &shown, &mut out)?;
            out.sort();
            Ok(out)
        })
        .await
    }

    async fn stat(&self, path: &RelPath) -> ReplicaResult<Option<Entry>> {
        let (fs, what, path) = (self.fs.clone(), self.what(path), path.clone());
        blocking(move || match fs.metadata(&path) {
            Ok(None) => Ok(None),
            // A link or special file is never taken for a file to read, replace or delete.
            Ok(Some(m)) => match m.kind.not_synced_because() {
                Some(why) => Err(ReplicaError::new(
                    ReplicaErrorKind::Other,
                    format!("{what}: {why}; it was left alone"),
                )),
                None => Ok(Some(entry(path, &m))),
            },
            Err(e) => Err(map_io(e, &what)),
        })
        .await
    }

    async fn create_dir(&self, path: &RelPath) -> ReplicaResult<()> {
        let (fs, what, path) = (self.fs.clone(), self.what(path), path.clone());
        blocking(move || fs.create_dir(&path).map_err(|e| map_io(e, &what))).await
    }

    async fn remove_dir(&self, path: &RelPath) -> ReplicaResult<()> {
        let (fs, what, path) = (self.fs.clone(), self.what(path), path.clone());
        blocking(move || fs.remove_dir(&path).map_err(|e| map_io(e, &what))).await
    }

    async fn remove_file(&self, path: &RelPath) -> ReplicaResult<()> {
        let (fs, what, path) = (self.fs.clone(), self.what(path), path.clone());
        blocking(move || fs.remove_file(&path).map_err(|e| map_io(e, &what))).await
    }

    async fn rename(&self, from: &RelPath, to: &RelPath, replace: bool) -> ReplicaResult<()> {
        let (fs, what) = (self.fs.clone(), self.what(from));
        let (from, to) = (from.clone(), to.clone());
        blocking(move || fs.rename(&from, &to, replace).map_err(|e| map_io(e, &what))).await
    }

    async fn open_read(&self, path: &RelPath) -> ReplicaResult<Arc<dyn FileReader>> {
        let (fs, what, rel) = (self.fs.clone(), self.what(path), path.clone());
        blocking(move || {
            let f = fs.open_read(&rel).map_err(|e| map_io(e, &what))?;
            let len = f.metadata().map_err(|e| map_io(e, &what))?.len();
            Ok(Arc::new(DirFile {
                file: Arc::new(f),
                what,
                fs,
                len,
            }) as Arc<dyn FileReader>)
        })
        .await
    }

    /// One blocking call: open, read, then the metadata of the open file.
    async fn read_whole(&self, path: &RelPath, max: usize) -> ReplicaResult<(Vec<u8>, Entry)> {
        let (fs, what, path) = (self.fs.clone(), self.what(path), path.clone());
        blocking(move || {
            let f = fs.open_read(&path).map_err(|e| map_io(e, &what))?;
            // Sized by the file, not by `max`: most files are far smaller than a chunk.
            let len = f.metadata().map_err(|e| map_io(e, &what))?.len();
            let mut buf = vec![0u8; (len as usize).min(max).min(super::MAX_CHUNK)];
            let n = crate::localio::read_full_at(&f, &mut buf, 0).map_err(|e| map_io(e, &what))?;
            buf.truncate(n);
            let m = f.metadata().map_err(|e| map_io(e, &what))?;
            Ok((buf, entry(path, &Meta::of(&m))))
        })
        .await
    }

    async fn open_write(
        &self,
        path: &RelPath,
        truncate: bool,
    ) -> ReplicaResult<Arc<dyn FileWriter>> {
        let (fs, what, rel) = (self.fs.clone(), self.what(path), path.clone());
        blocking(move || {
            let f = fs
                .open_write(&rel, truncate)
                .map_err(|e| map_io(e, &what))?;
            Ok(Arc::new(DirWriter {
                file: DirFile {
                    file: Arc::new(f),
                    what,
                    fs,
                    len: 0,
                },
                temp: rel,
            }) as Arc<dyn FileWriter>)
        })
        .await
    }

    async fn reconnect(&self) -> ReplicaResult<()> {
        Ok(())
    }

    async fn watch(
        &self,
        tx: crate::watch::ChangeSender,
    ) -> ReplicaResult<Option<crate::watch::WatchGuard>> {
        let defaults = crate::excludes::Excludes::new(&[]).expect("default excludes");
        crate::watch::watch_local(self.fs.root(), defaults, tx)
            .map(Some)
            .map_err(|why| ReplicaError::new(ReplicaErrorKind::Other, why))
    }
}

struct DirFile {
    file: Arc<File>,
    /// The path, for messages.
    what: String,
    /// The folder, to place `finish`'s final path.
    fs: Beneath,
    len: u64,
}

/// A file being written: where it is (a temp name), to rename it in `finish`.
struct DirWriter {
    file: DirFile,
    temp: RelPath,
}

#[async_trait]
impl FileReader for DirFile {
    fn len(&self) -> u64 {
        self.len
    }

    async fn read_at(&self, offset: u64, len: usize) -> ReplicaResult<Vec<u8>> {
        let (f, what) = (self.file.clone(), self.what.clone());
        blocking(move || {
            let mut buf = vec![0u8; len.min(super::MAX_CHUNK)];
            let filled =
                crate::localio::read_full_at(&f, &mut buf, offset).map_err(|e| map_io(e, &what))?;
            buf.truncate(filled);
            Ok(buf)
        })
        .await
    }

    async fn read_into(&self, offset: u64, mut buf: Chunk) -> ReplicaResult<(Chunk, usize)> {
        let (f, what) = (self.file.clone(), self.what.clone());
        blocking(move || {
            let filled = crate::localio::read_full_at(&f, unshared(&mut buf), offset)
                .map_err(|e| map_io(e, &what))?;
            Ok((buf, filled))
        })
        .await
    }

    async fn close(&self) -> ReplicaResult<()> {
        Ok(())
    }
}

#[async_trait]
impl FileWriter for DirWriter {
    async fn len(&self) -> ReplicaResult<u64> {
        let (f, what) = (self.file.file.clone(), self.file.what.clone());
        blocking(move || Ok(f.metadata().map_err(|e| map_io(e, &what))?.len())).await
    }

    async fn write_at(&self, offset: u64, data: Chunk) -> ReplicaResult<()> {
        let (f, what) = (self.file.file.clone(), self.file.what.clone());
        blocking(move || {
            crate::localio::write_all_at(&f, &data, offset).map_err(|e| map_io(e, &what))
        })
        .await
    }

    async fn set_len(&self, len: u64) -> ReplicaResult<()> {
        let (f, what) = (self.file.file.clone(), self.file.what.clone());
        blocking(move || f.set_len(len).map_err(|e| map_io(e, &what))).await
    }

    async fn set_mtime(&self, mtime_ns: i64) -> ReplicaResult<()> {
        let (f, what) = (self.file.file.clone(), self.file.what.clone());
        blocking(move || {
            filetime::set_file_handle_times(&f, None, Some(fsmeta::filetime_from_ns(mtime_ns)))
                .map_err(|e| map_io(e, &what))
        })
        .await
    }

    async fn close(&self) -> ReplicaResult<()> {
        let (f, what) = (self.file.file.clone(), self.file.what.clone());
        blocking(move || f.sync_all().map_err(|e| map_io(e, &what))).await
    }

    async fn finish(&self, final_path: &RelPath, mtime_ns: i64) -> ReplicaResult<Entry> {
        let (f, what, fs) = (
            self.file.file.clone(),
            self.file.what.clone(),
            self.file.fs.clone(),
        );
        let (temp, final_path) = (self.temp.clone(), final_path.clone());
        blocking(move || {
            filetime::set_file_handle_times(&f, None, Some(fsmeta::filetime_from_ns(mtime_ns)))
                .map_err(|e| map_io(e, &what))?;
            // Durable before it takes the real name: a crash never leaves an empty file there.
            f.sync_all().map_err(|e| map_io(e, &what))?;
            fs.rename(&temp, &final_path, false)
                .map_err(|e| map_io(e, &what))?;
            // The metadata of the file we wrote (the open handle), not of whatever the name
            // holds now.
            let m = f.metadata().map_err(|e| map_io(e, &what))?;
            Ok(entry(final_path, &Meta::of(&m)))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// A plain folder (a `file://` remote, or the local side) with names no server should send
    /// and things that are not files: the listing takes the files and folders, refuses the
    /// names, skips the link and the FIFO without opening them.
    #[cfg(unix)]
    #[tokio::test]
    async fn listing_refuses_bad_names_and_skips_links_and_fifos() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("r");
        fs::create_dir_all(root.join("sub")).unwrap();
        fs::write(root.join("ok.txt"), "ok").unwrap();
        fs::write(root.join("sub/back\\slash"), "x").unwrap();
        fs::write(root.join("new\nline"), "x").unwrap();
        std::os::unix::fs::symlink(tmp.path(), root.join("link")).unwrap();
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            root.join("sub/pipe"),
            rustix::fs::Mode::from_raw_mode(0o644),
        )
        .unwrap();
        let r = DirReplica::new(&root);
        let l = tokio::time::timeout(std::time::Duration::from_secs(10), r.list(""))
            .await
            .expect("listing a FIFO must not block")
            .unwrap();
        let paths: Vec<&str> = l.entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, vec!["ok.txt", "sub"]);
        let mut rejected: Vec<&str> = l.rejected.iter().map(|r| r.shown.as_str()).collect();
        rejected.sort();
        assert_eq!(rejected, vec!["new\\nline", "sub/back\\\\slash"]);
        let mut skipped: Vec<(&str, &str)> =
            l.skipped.iter().map(|(p, w)| (p.as_str(), *w)).collect();
        skipped.sort();
        assert_eq!(
            skipped,
            vec![
                ("link", "not synced: symbolic link"),
                (
                    "sub/pipe",
                    "not synced: special file (FIFO, socket or device)"
                )
            ]
        );
        // Reading the FIFO or through the link is refused at once.
        let pipe = RelPath::new("sub/pipe").unwrap();
        assert!(r.open_read(&pipe).await.is_err());
        assert!(r.read_whole(&pipe, 10).await.is_err());
        assert!(r.stat(&pipe).await.is_err());
        assert!(r.list_dir(&RelPath::new("link").unwrap()).await.is_err());
    }

    #[tokio::test]
    async fn rename_without_replace_never_clobbers() {
        let dir = tempfile::tempdir().unwrap();
        let r = DirReplica::new(dir.path());
        fs::write(dir.path().join("temp"), "new").unwrap();
        fs::write(dir.path().join("final"), "user's file").unwrap();
        let (a, b) = (
            RelPath::new("temp").unwrap(),
            RelPath::new("final").unwrap(),
        );
        let e = r.rename(&a, &b, false).await.unwrap_err();
        assert_eq!(e.kind, ReplicaErrorKind::AlreadyExists);
        assert_eq!(
            fs::read_to_string(dir.path().join("final")).unwrap(),
            "user's file"
        );
        fs::remove_file(dir.path().join("final")).unwrap();
        r.rename(&a, &b, false).await.unwrap();
        assert_eq!(fs::read_to_string(dir.path().join("final")).unwrap(), "new");
        assert!(!dir.path().join("temp").exists());
    }
}
