//! A plain directory as the remote side (`file:///path`): a share the OS already mounted, and
//! the remote used by tests of pure engine logic.
//!
//! Blocking file-system calls run on tokio's blocking pool. Reads and writes use positional
//! I/O so concurrent `read_at`/`write_at` calls are safe, as the trait requires.

use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;

use super::{
    EntryKind, Remote, RemoteEntry, RemoteError, RemoteErrorKind, RemoteReader, RemoteResult,
    RemoteWriter,
};
use crate::fsmeta;
use crate::relpath::RelPath;

pub struct DirRemote {
    root: PathBuf,
}

impl DirRemote {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DirRemote { root: root.into() }
    }

    fn abs(&self, p: &RelPath) -> PathBuf {
        p.to_local(&self.root)
    }
}

fn map_io(e: io::Error, what: &str) -> RemoteError {
    let kind = match e.kind() {
        ErrorKind::NotFound => RemoteErrorKind::NotFound,
        ErrorKind::AlreadyExists => RemoteErrorKind::AlreadyExists,
        ErrorKind::PermissionDenied => RemoteErrorKind::AccessDenied,
        ErrorKind::DirectoryNotEmpty => RemoteErrorKind::NotEmpty,
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => RemoteErrorKind::DiskFull,
        ErrorKind::InvalidFilename => RemoteErrorKind::InvalidName,
        ErrorKind::TimedOut => RemoteErrorKind::Timeout,
        _ => RemoteErrorKind::Other,
    };
    let hint = match kind {
        RemoteErrorKind::DiskFull => "; the disk is full: free some space, then sync again",
        RemoteErrorKind::AccessDenied => "; check the permissions of this file or folder",
        _ => "",
    };
    RemoteError::new(kind, format!("{what}: {e}{hint}"))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> RemoteResult<T> + Send + 'static,
) -> RemoteResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| RemoteError::new(RemoteErrorKind::Other, format!("I/O task failed: {e}")))?
}

fn entry(path: RelPath, m: &fs::Metadata) -> RemoteEntry {
    let kind = if m.is_dir() {
        EntryKind::Dir
    } else {
        EntryKind::File
    };
    RemoteEntry {
        path,
        kind,
        size: if m.is_dir() { 0 } else { m.len() },
        mtime_ns: fsmeta::mtime_ns(m),
        ctime_ns: fsmeta::ctime_ns(m),
        file_id: fsmeta::file_id(m),
    }
}

fn walk(
    root: &Path,
    dir: &RelPath,
    skip_dir: &str,
    out: &mut Vec<RemoteEntry>,
) -> RemoteResult<()> {
    let abs = dir.to_local(root);
    let rd = fs::read_dir(&abs).map_err(|e| map_io(e, &abs.display().to_string()))?;
    for item in rd {
        let item = item.map_err(|e| map_io(e, &abs.display().to_string()))?;
        let Some(name) = item.file_name().to_str().map(str::to_string) else {
            continue; // not UTF-8: cannot be a RelPath; the scanner of a real share never sees these
        };
        if name == skip_dir {
            continue;
        }
        let m = item
            .metadata()
            .map_err(|e| map_io(e, &item.path().display().to_string()))?;
        if m.file_type().is_symlink() {
            continue;
        }
        let path = dir.join(&name);
        let e = entry(path.clone(), &m);
        out.push(e);
        if m.is_dir() {
            walk(root, &path, skip_dir, out)?;
        }
    }
    Ok(())
}

/// Renames `a` to `b` unless `b` exists, without a window in which a file created at `b` by
/// someone else could be replaced: a hard link fails atomically when the target exists. File
/// systems without hard links (FAT, exFAT) and folders fall back to check-then-rename.
fn rename_no_replace(a: &Path, b: &Path) -> RemoteResult<()> {
    let exists = || {
        RemoteError::new(
            RemoteErrorKind::AlreadyExists,
            format!("{} already exists", b.display()),
        )
    };
    let is_file = fs::symlink_metadata(a)
        .map(|m| m.is_file())
        .unwrap_or(false);
    if is_file {
        match fs::hard_link(a, b) {
            Ok(()) => {
                return fs::remove_file(a).map_err(|e| map_io(e, &a.display().to_string()));
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => return Err(exists()),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(map_io(e, &a.display().to_string()))
            }
            Err(_) => {} // no hard links here: fall back
        }
    }
    if fs::symlink_metadata(b).is_ok() {
        return Err(exists());
    }
    fs::rename(a, b).map_err(|e| map_io(e, &a.display().to_string()))
}

#[async_trait]
impl Remote for DirRemote {
    fn describe(&self) -> String {
        format!("file://{}", self.root.display())
    }

    fn case_insensitive(&self) -> bool {
        cfg!(any(target_os = "windows", target_os = "macos"))
    }

    async fn check_root(&self) -> RemoteResult<()> {
        let root = self.root.clone();
        blocking(move || match fs::metadata(&root) {
            Ok(m) if m.is_dir() => Ok(()),
            Ok(_) => Err(RemoteError::new(
                RemoteErrorKind::NotFound,
                format!(
                    "{} is not a folder; point the job at a folder",
                    root.display()
                ),
            )),
            Err(e) => Err(RemoteError::new(
                RemoteErrorKind::NotFound,
                format!(
                    "remote folder {} is missing ({e}); is the share mounted?",
                    root.display()
                ),
            )),
        })
        .await
    }

    async fn list(&self, skip_dir: &str) -> RemoteResult<Vec<RemoteEntry>> {
        let root = self.root.clone();
        let skip = skip_dir.to_string();
        blocking(move || {
            let mut out = Vec::new();
            walk(&root, &RelPath::root(), &skip, &mut out)?;
            Ok(out)
        })
        .await
    }

    async fn list_dir(&self, path: &RelPath) -> RemoteResult<Vec<RemoteEntry>> {
        let abs = self.abs(path);
        let path = path.clone();
        blocking(move || {
            let rd = fs::read_dir(&abs).map_err(|e| map_io(e, &abs.display().to_string()))?;
            let mut out = Vec::new();
            for item in rd.flatten() {
                let Some(name) = item.file_name().to_str().map(str::to_string) else {
                    continue;
                };
                if let Ok(m) = item.metadata() {
                    out.push(entry(path.join(&name), &m));
                }
            }
            out.sort_by(|a, b| a.path.cmp(&b.path));
            Ok(out)
        })
        .await
    }

    async fn stat(&self, path: &RelPath) -> RemoteResult<Option<RemoteEntry>> {
        let abs = self.abs(path);
        let path = path.clone();
        blocking(move || match fs::symlink_metadata(&abs) {
            Ok(m) => Ok(Some(entry(path, &m))),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(map_io(e, &abs.display().to_string())),
        })
        .await
    }

    async fn create_dir(&self, path: &RelPath) -> RemoteResult<()> {
        let abs = self.abs(path);
        blocking(move || match fs::create_dir(&abs) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::AlreadyExists && abs.is_dir() => Ok(()),
            Err(e) => Err(map_io(e, &abs.display().to_string())),
        })
        .await
    }

    async fn remove_dir(&self, path: &RelPath) -> RemoteResult<()> {
        let abs = self.abs(path);
        blocking(move || fs::remove_dir(&abs).map_err(|e| map_io(e, &abs.display().to_string())))
            .await
    }

    async fn remove_file(&self, path: &RelPath) -> RemoteResult<()> {
        let abs = self.abs(path);
        blocking(move || fs::remove_file(&abs).map_err(|e| map_io(e, &abs.display().to_string())))
            .await
    }

    async fn rename(&self, from: &RelPath, to: &RelPath, replace: bool) -> RemoteResult<()> {
        let (a, b) = (self.abs(from), self.abs(to));
        blocking(move || {
            if replace {
                return fs::rename(&a, &b).map_err(|e| map_io(e, &a.display().to_string()));
            }
            rename_no_replace(&a, &b)
        })
        .await
    }

    async fn open_read(&self, path: &RelPath) -> RemoteResult<Arc<dyn RemoteReader>> {
        let abs = self.abs(path);
        let root = self.root.clone();
        blocking(move || {
            let f = File::open(&abs).map_err(|e| map_io(e, &abs.display().to_string()))?;
            let len = f
                .metadata()
                .map_err(|e| map_io(e, &abs.display().to_string()))?
                .len();
            Ok(Arc::new(DirFile {
                file: Arc::new(f),
                path: abs,
                root,
                len,
            }) as Arc<dyn RemoteReader>)
        })
        .await
    }

    /// One blocking call: open, read, then the metadata of the open file.
    async fn read_whole(&self, path: &RelPath, max: usize) -> RemoteResult<(Vec<u8>, RemoteEntry)> {
        let abs = self.abs(path);
        let path = path.clone();
        blocking(move || {
            let what = || abs.display().to_string();
            let f = File::open(&abs).map_err(|e| map_io(e, &what()))?;
            // Sized by the file, not by `max`: most files are far smaller than a chunk.
            let len = f.metadata().map_err(|e| map_io(e, &what()))?.len();
            let mut buf = vec![0u8; (len as usize).min(max).min(super::MAX_CHUNK)];
            let n =
                crate::localio::read_full_at(&f, &mut buf, 0).map_err(|e| map_io(e, &what()))?;
            buf.truncate(n);
            let m = f.metadata().map_err(|e| map_io(e, &what()))?;
            Ok((buf, entry(path, &m)))
        })
        .await
    }

    async fn open_write(
        &self,
        path: &RelPath,
        truncate: bool,
    ) -> RemoteResult<Arc<dyn RemoteWriter>> {
        let abs = self.abs(path);
        let root = self.root.clone();
        blocking(move || {
            let f = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(truncate)
                .open(&abs)
                .map_err(|e| map_io(e, &abs.display().to_string()))?;
            Ok(Arc::new(DirFile {
                file: Arc::new(f),
                path: abs,
                root,
                len: 0,
            }) as Arc<dyn RemoteWriter>)
        })
        .await
    }

    async fn reconnect(&self) -> RemoteResult<()> {
        Ok(())
    }

    async fn watch(
        &self,
        tx: crate::watch::ChangeSender,
    ) -> RemoteResult<Option<crate::watch::WatchGuard>> {
        let defaults = crate::excludes::Excludes::new(&[]).expect("default excludes");
        crate::watch::watch_local(&self.root, defaults, tx)
            .map(Some)
            .map_err(|why| RemoteError::new(RemoteErrorKind::Other, why))
    }
}

struct DirFile {
    file: Arc<File>,
    path: PathBuf,
    /// The remote root, to place `finish`'s final path.
    root: PathBuf,
    len: u64,
}

impl DirFile {
    fn what(&self) -> String {
        self.path.display().to_string()
    }
}

#[async_trait]
impl RemoteReader for DirFile {
    fn len(&self) -> u64 {
        self.len
    }

    async fn read_at(&self, offset: u64, len: usize) -> RemoteResult<Vec<u8>> {
        let (f, what) = (self.file.clone(), self.what());
        blocking(move || {
            let mut buf = vec![0u8; len.min(super::MAX_CHUNK)];
            let filled =
                crate::localio::read_full_at(&f, &mut buf, offset).map_err(|e| map_io(e, &what))?;
            buf.truncate(filled);
            Ok(buf)
        })
        .await
    }

    async fn close(&self) -> RemoteResult<()> {
        Ok(())
    }
}

#[async_trait]
impl RemoteWriter for DirFile {
    async fn len(&self) -> RemoteResult<u64> {
        let (f, what) = (self.file.clone(), self.what());
        blocking(move || Ok(f.metadata().map_err(|e| map_io(e, &what))?.len())).await
    }

    async fn write_at(&self, offset: u64, data: Vec<u8>) -> RemoteResult<()> {
        let (f, what) = (self.file.clone(), self.what());
        blocking(move || {
            crate::localio::write_all_at(&f, &data, offset).map_err(|e| map_io(e, &what))
        })
        .await
    }

    async fn set_len(&self, len: u64) -> RemoteResult<()> {
        let (f, what) = (self.file.clone(), self.what());
        blocking(move || f.set_len(len).map_err(|e| map_io(e, &what))).await
    }

    async fn set_mtime(&self, mtime_ns: i64) -> RemoteResult<()> {
        let (f, what) = (self.file.clone(), self.what());
        blocking(move || {
            filetime::set_file_handle_times(&f, None, Some(fsmeta::filetime_from_ns(mtime_ns)))
                .map_err(|e| map_io(e, &what))
        })
        .await
    }

    async fn close(&self) -> RemoteResult<()> {
        let (f, what) = (self.file.clone(), self.what());
        blocking(move || f.sync_all().map_err(|e| map_io(e, &what))).await
    }

    async fn finish(&self, final_path: &RelPath, mtime_ns: i64) -> RemoteResult<RemoteEntry> {
        let (f, what, temp) = (self.file.clone(), self.what(), self.path.clone());
        let target = final_path.to_local(&self.root);
        let final_path = final_path.clone();
        blocking(move || {
            filetime::set_file_handle_times(&f, None, Some(fsmeta::filetime_from_ns(mtime_ns)))
                .map_err(|e| map_io(e, &what))?;
            // Durable before it takes the real name: a crash never leaves an empty file there.
            f.sync_all().map_err(|e| map_io(e, &what))?;
            rename_no_replace(&temp, &target)?;
            let m = fs::metadata(&target).map_err(|e| map_io(e, &target.display().to_string()))?;
            Ok(entry(final_path, &m))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn rename_without_replace_never_clobbers() {
        let dir = tempfile::tempdir().unwrap();
        let r = DirRemote::new(dir.path());
        fs::write(dir.path().join("temp"), "new").unwrap();
        fs::write(dir.path().join("final"), "user's file").unwrap();
        let (a, b) = (
            RelPath::new("temp").unwrap(),
            RelPath::new("final").unwrap(),
        );
        let e = r.rename(&a, &b, false).await.unwrap_err();
        assert_eq!(e.kind, RemoteErrorKind::AlreadyExists);
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
