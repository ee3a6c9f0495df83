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
//! because of a permission problem. Symbolic links and special files are hidden the same way
//! (reported as notes, not errors), and nothing is ever reached through a link: the walk goes
//! folder descriptor by folder descriptor ([`crate::beneath`]).

use std::io;
use std::path::{Path, PathBuf};

use crate::beneath::{Beneath, DirFd, FileKind, Meta};
use crate::excludes::Excludes;
use crate::names::parse_temp_name;
use crate::relpath::RelPath;
use crate::replica::RejectedName;
use crate::scope::Scope;
use crate::tree::EntryKind;
use crate::tree::{BaseTree, LocalEntry, LocalTree};

#[derive(Debug, Default)]
pub struct LocalScan {
    pub tree: LocalTree,
    /// What [`scan_local_unhashed`] found, in path order (its `tree` stays empty): a sorted
    /// list costs a third of a map's memory, which for a million files is most of a run's.
    pub listed: Vec<LocalEntry>,
    /// Paths that could not be read, with the reason; hidden from this run.
    pub unreadable: Vec<(RelPath, String)>,
    /// Names that cannot be synced (not UTF-8, or not a valid path component), shown escaped.
    pub rejected: Vec<RejectedName>,
    /// Symbolic links and special files: never followed or opened, hidden from this run (so
    /// the other side's copy of that path is left alone), reported as notes.
    pub skipped: Vec<(RelPath, &'static str)>,
    /// How many files were hashed (changed since the last sync).
    pub hashed: u64,
    /// This install's leftover temp files (see [`crate::names::parse_temp_name`]) outside
    /// excluded paths: the only temps a clean-up may remove.
    pub own_temps: Vec<RelPath>,
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

/// The job's local folder must be there and be a folder.
fn check_root(root: &Path) -> Result<(), ScanError> {
    match std::fs::metadata(root) {
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

/// A walk in progress: the folder, what the last sync recorded, the excludes, and the result.
struct Walk<'a> {
    fs: Beneath,
    base: &'a BaseTree,
    excludes: &'a Excludes,
    /// This install's id, to tell its temps (see [`LocalScan::own_temps`]).
    client_id: &'a str,
    /// Leave files unhashed and unopened: a full run's merge does that with the base at hand
    /// (`sync::merge`), so the scan needs no base.
    defer_reads: bool,
    scan: LocalScan,
}

/// Walks `root`. Blocking: call from a blocking thread.
pub fn scan_local(
    root: &Path,
    base: &BaseTree,
    excludes: &Excludes,
    client_id: &str,
) -> Result<LocalScan, ScanError> {
    let mut w = walk_root(root, base, excludes, client_id, false)?;
    w.hash_likely_moves();
    Ok(w.scan)
}

/// Checks `root` and walks it all; `defer_reads`: see [`Walk`].
fn walk_root<'a>(
    root: &Path,
    base: &'a BaseTree,
    excludes: &'a Excludes,
    client_id: &'a str,
    defer_reads: bool,
) -> Result<Walk<'a>, ScanError> {
    check_root(root)?;
    let fs = Beneath::new(root);
    let top = fs
        .open_dir(&RelPath::root())
        .map_err(|source| ScanError::Root {
            path: root.to_path_buf(),
            source,
        })?;
    let mut w = Walk {
        fs,
        base,
        excludes,
        client_id,
        defer_reads,
        scan: LocalScan::default(),
    };
    w.walk(RelPath::root(), top);
    Ok(w)
}

/// Walks `root` without the base: files are listed (in [`LocalScan::listed`], in path order)
/// with no hash and not opened, for the merge of a full run to finish (see `sync::merge`, then
/// [`hash_likely_moves`]). Blocking.
pub fn scan_local_unhashed(
    root: &Path,
    excludes: &Excludes,
    client_id: &str,
) -> Result<LocalScan, ScanError> {
    static NO_BASE: BaseTree = BaseTree::new();
    let mut w = walk_root(root, &NO_BASE, excludes, client_id, true)?;
    // The walk goes folder by folder, which is not path order: `a/b` comes before `a-b`.
    w.scan.listed.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    Ok(w.scan)
}

/// Hashes the new files of `tree` that may be a synced file of `base` moved without its id
/// showing it: same size and modification time as a synced file that is gone, and no id
/// matching that file's (a disk that gives no ids, a record older than ids, a copy then
/// delete). The reconciler then recognises the move by content (see `sync::moves`). A move
/// whose id matches needs no read: the synced hash is reused there. Returns how many files
/// were read; a file that cannot be is left unhashed (an ordinary new file).
pub fn hash_likely_moves(fs: &Beneath, base: &BaseTree, tree: &mut LocalTree) -> u64 {
    let gone: std::collections::HashMap<(u64, i64), Vec<Option<u64>>> = base
        .values()
        .filter(|b| b.kind == EntryKind::File && !tree.contains_key(&b.path))
        .fold(Default::default(), |mut m, b| {
            m.entry((b.local_size, b.local_mtime_ns))
                .or_default()
                .push(b.local_file_id);
            m
        });
    if gone.is_empty() {
        return 0;
    }
    let candidates: Vec<RelPath> = tree
        .values()
        .filter(|l| l.kind == EntryKind::File && l.hash.is_none())
        .filter(|l| match gone.get(&(l.size, l.mtime_ns)) {
            Some(ids) => l.file_id.is_none() || !ids.contains(&l.file_id),
            None => false,
        })
        .map(|l| l.path.clone())
        .collect();
    let mut hashed = 0;
    for path in candidates {
        match fs.hash_file(&path) {
            Ok(h) => {
                hashed += 1;
                if let Some(l) = tree.get_mut(&path) {
                    l.hash = Some(h);
                }
            }
            Err(e) => {
                tracing::debug!(path = %path, error = %e, "could not hash a possible move")
            }
        }
    }
    hashed
}

impl Walk<'_> {
    /// See [`hash_likely_moves`].
    fn hash_likely_moves(&mut self) {
        self.scan.hashed += hash_likely_moves(&self.fs, self.base, &mut self.scan.tree);
    }

    /// Adds everything in the open folder `dir` (at `path`), subfolders opened from it.
    fn walk(&mut self, path: RelPath, dir: DirFd) {
        let items = match dir.entries() {
            Ok(i) => i,
            Err(e) => {
                self.scan
                    .unreadable
                    .push((path, format!("cannot list the folder: {e}")));
                return;
            }
        };
        for (os_name, meta) in items {
            let Some(name) = os_name.to_str() else {
                self.scan
                    .rejected
                    .push(RejectedName::not_utf8(&path, &os_name));
                continue;
            };
            let child = match path.join(name) {
                Ok(c) => c,
                Err(e) => {
                    self.scan
                        .rejected
                        .push(RejectedName::invalid(e, "rename it"));
                    continue;
                }
            };
            if let Some((real, id)) = parse_temp_name(name) {
                // Only ours, as a regular file, and for a name that is not excluded.
                let real_ok = path
                    .join(real)
                    .is_ok_and(|r| !self.excludes.excludes_entry(&r));
                if id == self.client_id && meta.kind == FileKind::File && real_ok {
                    self.scan.own_temps.push(child);
                }
                continue;
            }
            if self.excludes.excludes_entry(&child) {
                continue;
            }
            if meta.kind == FileKind::Dir {
                match dir.child(&os_name) {
                    Ok(sub) => {
                        self.add(dir_entry(&child, &meta));
                        self.walk(child, sub);
                    }
                    Err(e) => self
                        .scan
                        .unreadable
                        .push((child, format!("cannot open the folder: {e}"))),
                }
            } else {
                self.add_entry(child, &meta);
            }
        }
    }

    /// Adds one entry the walk or a scope reached (a folder with everything under it).
    fn add_entry(&mut self, path: RelPath, meta: &Meta) {
        if let Some(why) = meta.kind.not_synced_because() {
            // Links are not followed or synced: following one could leave the folder or
            // loop; a link cannot be copied to SMB without server support. Special files
            // are never opened (reading a FIFO blocks).
            self.scan.skipped.push((path, why));
            return;
        }
        if meta.kind == FileKind::Dir {
            match self.fs.open_dir(&path) {
                Ok(d) => {
                    self.add(dir_entry(&path, meta));
                    self.walk(path, d);
                }
                Err(e) => self
                    .scan
                    .unreadable
                    .push((path, format!("cannot open the folder: {e}"))),
            }
            return;
        }
        let (size, mtime_ns) = (meta.size, meta.mtime_ns);
        if self.defer_reads {
            self.add(file_entry(path, meta, None));
            return;
        }
        let synced_before = self.base.get(&path).filter(|b| b.kind == EntryKind::File);
        let known = synced_before
            .filter(|b| b.local_meta_same(size, mtime_ns))
            .and_then(|b| b.hash);
        let hash = match (known, synced_before) {
            (Some(h), _) => Some(h),
            (None, Some(_)) => match self.fs.hash_file(&path) {
                Ok(h) => {
                    self.scan.hashed += 1;
                    Some(h)
                }
                Err(e) => {
                    self.scan
                        .unreadable
                        .push((path, format!("cannot read the file: {e}")));
                    return;
                }
            },
            // New: only check it can be opened, so an unreadable file is hidden as before.
            (None, None) => match self.fs.open_read(&path) {
                Ok(_) => None,
                Err(e) => {
                    self.scan
                        .unreadable
                        .push((path, format!("cannot read the file: {e}")));
                    return;
                }
            },
        };
        self.add(file_entry(path, meta, hash));
    }

    /// Records an entry found: in the tree, or (an unhashed scan) in the list.
    fn add(&mut self, e: LocalEntry) {
        if self.defer_reads {
            self.scan.listed.push(e);
        } else {
            self.scan.tree.insert(e.path.clone(), e);
        }
    }
}

fn file_entry(path: RelPath, meta: &Meta, hash: Option<crate::tree::Hash>) -> LocalEntry {
    LocalEntry {
        path,
        kind: EntryKind::File,
        size: meta.size,
        mtime_ns: meta.mtime_ns,
        hash,
        file_id: meta.file_id,
    }
}

/// Scans only the scope's subtrees (and, as single entries, the folders above them): live
/// sync's view of the paths that changed. Blocking: call from a blocking thread.
pub fn scan_local_scope(
    root: &Path,
    scope: &Scope,
    base: &BaseTree,
    excludes: &Excludes,
    client_id: &str,
) -> Result<LocalScan, ScanError> {
    check_root(root)?;
    if scope.is_everything() {
        return scan_local(root, base, excludes, client_id);
    }
    let mut w = Walk {
        fs: Beneath::new(root),
        base,
        excludes,
        client_id,
        defer_reads: false,
        scan: LocalScan::default(),
    };
    for dir in scope.ancestors() {
        if excludes.is_excluded(&dir) {
            continue;
        }
        match w.fs.metadata(&dir) {
            Ok(Some(m)) if m.kind == FileKind::Dir => {
                w.scan.tree.insert(dir.clone(), dir_entry(&dir, &m));
            }
            Ok(Some(m)) => {
                if let Some(why) = m.kind.not_synced_because() {
                    w.scan.skipped.push((dir, why));
                }
            }
            Ok(None) => {}
            Err(e) => w.scan.unreadable.push((dir, e.to_string())),
        }
    }
    for path in scope.roots() {
        if excludes.is_excluded(path) {
            continue;
        }
        match w.fs.metadata(path) {
            Ok(Some(m)) => w.add_entry(path.clone(), &m),
            Ok(None) => {}
            Err(e) => w.scan.unreadable.push((path.clone(), e.to_string())),
        }
    }
    w.hash_likely_moves();
    Ok(w.scan)
}

fn dir_entry(path: &RelPath, meta: &Meta) -> LocalEntry {
    LocalEntry {
        path: path.clone(),
        kind: EntryKind::Dir,
        size: 0,
        mtime_ns: meta.mtime_ns,
        hash: None,
        file_id: meta.file_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::BaseEntry;

    /// The base entry of a synced file that is gone from `old`, as this scan saw `seen` (its
    /// metadata and, when `with_id`, its file id).
    fn gone_entry(
        old: &str,
        seen: &LocalEntry,
        hash: crate::tree::Hash,
        with_id: bool,
    ) -> BaseEntry {
        BaseEntry {
            path: RelPath::new(old).unwrap(),
            kind: EntryKind::File,
            hash: Some(hash),
            local_size: seen.size,
            local_mtime_ns: seen.mtime_ns,
            remote_size: seen.size,
            remote_mtime_ns: seen.mtime_ns,
            remote_ctime_ns: None,
            remote_file_id: None,
            local_file_id: if with_id { seen.file_id } else { None },
        }
    }

    /// An unhashed scan lists in path order, the order the merge reads the base and the
    /// listing in, not in walk order: `a-b` and `a.b` (below '/') come before `a/…`.
    #[test]
    fn an_unhashed_scan_lists_in_path_order() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["a/b/f", "a-b/f", "a.b", "a/c", "a b/f", "a0"] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, f).unwrap();
        }
        let ex = Excludes::new(&[]).unwrap();
        let scan = scan_local_unhashed(dir.path(), &ex, "c").unwrap();
        let got: Vec<&str> = scan.listed.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            got,
            ["a", "a b", "a b/f", "a-b", "a-b/f", "a.b", "a/b", "a/b/f", "a/c", "a0"]
        );
        assert!(scan.tree.is_empty());
        assert!(scan.listed.iter().all(|e| e.hash.is_none()));
    }

    /// A new file is hashed only when it may be a synced file moved without its id showing it;
    /// with the id recorded, the move needs no read (the reconciler reuses the synced hash).
    #[test]
    fn a_new_file_is_hashed_only_when_it_may_be_a_gone_file_moved() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("moved.txt"), "synced content").unwrap();
        std::fs::write(dir.path().join("other.txt"), "something else, new").unwrap();
        let ex = Excludes::new(&[]).unwrap();
        let plain = scan_local(dir.path(), &BaseTree::new(), &ex, "c").unwrap();
        let seen = plain.tree[&RelPath::new("moved.txt").unwrap()].clone();
        assert!(seen.hash.is_none() && seen.file_id.is_some());
        let hash = *blake3::hash(b"synced content").as_bytes();

        // A record without an id (older than ids, or an OS without them): hashed.
        let mut base = BaseTree::new();
        let b = gone_entry("was-here.txt", &seen, hash, false);
        base.insert(b.path.clone(), b);
        let scan = scan_local(dir.path(), &base, &ex, "c").unwrap();
        assert_eq!(scan.tree[&seen.path].hash, Some(hash));
        assert_eq!(scan.hashed, 1, "only the possible move is read");
        assert!(scan.tree[&RelPath::new("other.txt").unwrap()]
            .hash
            .is_none());

        // The same id recorded: not read.
        let mut base = BaseTree::new();
        let b = gone_entry("was-here.txt", &seen, hash, true);
        base.insert(b.path.clone(), b);
        let scan = scan_local(dir.path(), &base, &ex, "c").unwrap();
        assert_eq!(scan.hashed, 0);
        assert!(scan.tree[&seen.path].hash.is_none());
    }
}
