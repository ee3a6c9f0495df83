//! Scanning the local folder: a walk that skips excluded paths and symlinks, and hashes (blake3)
//! only files that were synced before and whose size or modification time moved since.
//!
//! A file with no base entry is not hashed here: nothing to compare it with yet. Its hash is
//! taken where it is needed, as it is uploaded (the copy hashes what it sends) or when a
//! same-size file on the other side must be compared. That saves reading every new file twice
//! (measured on a 1 GiB first upload: one full blake3 pass less of our process's CPU).
//!
//! A folder or file that cannot be read is not treated as gone: it is reported in `unreadable`
//! and the engine hides that path on all three trees for this run, so nothing is deleted
//! because of a permission problem.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::excludes::Excludes;
use crate::fsmeta;
use crate::relpath::RelPath;
use crate::remote::EntryKind;
use crate::scope::Scope;
use crate::tree::{BaseTree, Hash, LocalEntry, LocalTree};

#[derive(Debug, Default)]
pub struct LocalScan {
    pub tree: LocalTree,
    /// Paths that could not be read, with the reason; hidden from this run.
    pub unreadable: Vec<(RelPath, String)>,
    /// Names that are not valid UTF-8 or otherwise cannot be synced (full local paths).
    pub unsupported: Vec<(PathBuf, String)>,
    /// How many files were hashed (changed since the last sync).
    pub hashed: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("local folder {0} does not exist")]
    RootMissing(PathBuf),
    #[error("local path {0} is not a folder; point the job at a folder")]
    RootNotDir(PathBuf),
    #[error("cannot read local folder {path}: {source}")]
    Root { path: PathBuf, source: io::Error },
}

pub fn hash_file(path: &Path) -> io::Result<Hash> {
    let mut f = File::open(path)?;
    let mut h = blake3::Hasher::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(*h.finalize().as_bytes())
}

/// The job's local folder must be there and be a folder.
fn check_root(root: &Path) -> Result<(), ScanError> {
    match fs::metadata(root) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(ScanError::RootNotDir(root.to_path_buf())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            Err(ScanError::RootMissing(root.to_path_buf()))
        }
        Err(source) => Err(ScanError::Root {
            path: root.to_path_buf(),
            source,
        }),
    }
}

/// Walks `root`. Blocking: call from a blocking thread.
pub fn scan_local(
    root: &Path,
    base: &BaseTree,
    excludes: &Excludes,
) -> Result<LocalScan, ScanError> {
    check_root(root)?;
    let mut scan = LocalScan::default();
    let top = fs::read_dir(root).map_err(|source| ScanError::Root {
        path: root.to_path_buf(),
        source,
    })?;
    walk(RelPath::root(), top, base, excludes, &mut scan);
    Ok(scan)
}

fn walk(dir: RelPath, rd: fs::ReadDir, base: &BaseTree, excludes: &Excludes, scan: &mut LocalScan) {
    for item in rd {
        let item = match item {
            Ok(i) => i,
            Err(e) => {
                scan.unreadable
                    .push((dir.clone(), format!("cannot list the folder: {e}")));
                return;
            }
        };
        let os_name = item.file_name();
        let Some(name) = os_name.to_str() else {
            scan.unsupported.push((
                item.path(),
                "the name is not valid UTF-8 and cannot be stored on the share; rename it".into(),
            ));
            continue;
        };
        let path = dir.join(name);
        if excludes.excludes_entry(&path) {
            continue;
        }
        let ft = match item.file_type() {
            Ok(t) => t,
            Err(e) => {
                scan.unreadable.push((path, e.to_string()));
                continue;
            }
        };
        if ft.is_symlink() {
            // Symlinks are not followed or synced: following them could leave the folder or
            // loop; copying them is not possible on SMB without server support.
            continue;
        }
        let meta = match item.metadata() {
            Ok(m) => m,
            Err(e) => {
                scan.unreadable.push((path, e.to_string()));
                continue;
            }
        };
        add_entry(path, &item.path(), &meta, base, excludes, scan);
    }
}

/// Adds one file or folder (a folder with everything under it) that the walk reached.
fn add_entry(
    path: RelPath,
    abs: &Path,
    meta: &fs::Metadata,
    base: &BaseTree,
    excludes: &Excludes,
    scan: &mut LocalScan,
) {
    if meta.is_dir() {
        match fs::read_dir(abs) {
            Ok(sub) => {
                scan.tree.insert(path.clone(), dir_entry(&path, meta));
                walk(path, sub, base, excludes, scan);
            }
            Err(e) => scan
                .unreadable
                .push((path, format!("cannot open the folder: {e}"))),
        }
        return;
    }
    if !meta.is_file() {
        return; // sockets, fifos, devices
    }
    let size = meta.len();
    let mtime_ns = fsmeta::mtime_ns(meta);
    let synced_before = base.get(&path).filter(|b| b.kind == EntryKind::File);
    let known = synced_before
        .filter(|b| b.local_meta_same(size, mtime_ns))
        .and_then(|b| b.hash);
    let hash = match (known, synced_before) {
        (Some(h), _) => Some(h),
        (None, Some(_)) => match hash_file(abs) {
            Ok(h) => {
                scan.hashed += 1;
                Some(h)
            }
            Err(e) => {
                scan.unreadable
                    .push((path, format!("cannot read the file: {e}")));
                return;
            }
        },
        // New: only check it can be opened, so an unreadable file is hidden as before.
        (None, None) => match File::open(abs) {
            Ok(_) => None,
            Err(e) => {
                scan.unreadable
                    .push((path, format!("cannot read the file: {e}")));
                return;
            }
        },
    };
    scan.tree.insert(
        path.clone(),
        LocalEntry {
            path,
            kind: EntryKind::File,
            size,
            mtime_ns,
            hash,
        },
    );
}

/// Scans only the scope's subtrees (and, as single entries, the folders above them): live
/// sync's view of the paths that changed. Blocking: call from a blocking thread.
pub fn scan_local_scope(
    root: &Path,
    scope: &Scope,
    base: &BaseTree,
    excludes: &Excludes,
) -> Result<LocalScan, ScanError> {
    check_root(root)?;
    let mut scan = LocalScan::default();
    for dir in scope.ancestors() {
        if excludes.is_excluded(&dir) {
            continue;
        }
        match fs::symlink_metadata(dir.to_local(root)) {
            Ok(m) if m.is_dir() => {
                scan.tree.insert(dir.clone(), dir_entry(&dir, &m));
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => scan.unreadable.push((dir, e.to_string())),
        }
    }
    for path in scope.roots() {
        if path.is_root() {
            // The whole folder: the same as a full scan.
            let full = scan_local(root, base, excludes)?;
            return Ok(full);
        }
        if excludes.is_excluded(path) {
            continue;
        }
        let abs = path.to_local(root);
        match fs::symlink_metadata(&abs) {
            Ok(m) if m.file_type().is_symlink() => {}
            Ok(m) => add_entry(path.clone(), &abs, &m, base, excludes, &mut scan),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => scan.unreadable.push((path.clone(), e.to_string())),
        }
    }
    Ok(scan)
}

fn dir_entry(path: &RelPath, meta: &fs::Metadata) -> LocalEntry {
    LocalEntry {
        path: path.clone(),
        kind: EntryKind::Dir,
        size: 0,
        mtime_ns: fsmeta::mtime_ns(meta),
        hash: None,
    }
}
