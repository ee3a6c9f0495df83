//! A remote held in memory: the engine's logic tested fast and deterministically, without a
//! server or a second folder (issue 13). Faithful to the [`Replica`] contract and to
//! [`super::dir::DirReplica`]'s error kinds, so a test against it says something about the
//! engine, not about a lenient fake:
//! - a missing path (or a missing parent) is `NotFound`; a rename or create onto something
//!   there is `AlreadyExists` (a rename without replace never replaces); a folder with
//!   children is `NotEmpty`; a file where a folder is needed (or the reverse) is `Other`, as
//!   the OS reports it;
//! - files are inodes: an open reader or writer keeps its file across a rename (how `finish`
//!   renames the temp it wrote) and reads or writes the live bytes;
//! - every change moves the change time, every write the last-write time, and each file and
//!   folder has a file id, as SMB reports them;
//! - names are case-sensitive by default; [`MemoryReplica::case_insensitive`] makes one that
//!   folds case like an SMB share (a name keeps the case it was created with).
//!
//! Helpers for tests put, read and remove files and snapshot the whole tree as path -> bytes.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::{
    Chunk, FileReader, FileWriter, Listing, Replica, ReplicaError, ReplicaErrorKind, ReplicaResult,
    MAX_CHUNK,
};
use crate::relpath::RelPath;
use crate::tree::{Entry, EntryKind};

/// What a snapshot holds at a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    Dir,
    File(Vec<u8>),
}

/// Metadata every file and folder carries.
#[derive(Clone, Copy, Debug)]
struct Meta {
    mtime_ns: i64,
    ctime_ns: i64,
    id: u64,
}

/// A file's content and metadata, shared by the tree and the handles open on it.
struct FileData {
    bytes: Vec<u8>,
    meta: Meta,
}

type Inode = Arc<Mutex<FileData>>;

struct Dir {
    meta: Meta,
    /// By key (the name, case-folded on a case-insensitive replica): the name as created,
    /// and what it is.
    children: BTreeMap<String, (String, Item)>,
}

enum Item {
    Dir(Dir),
    File(Inode),
}

/// The tree and its clock, shared by the replica and its open writers (which rename in
/// `finish`).
struct Shared {
    root: Mutex<Dir>,
    case_insensitive: bool,
    /// Last time handed out: times only move forward, so every change shows even when two
    /// happen within the clock's resolution.
    clock: AtomicI64,
    next_id: AtomicU64,
}

/// See the module documentation. Cloning gives another handle on the same tree.
#[derive(Clone)]
pub struct MemoryReplica {
    shared: Arc<Shared>,
}

fn err(kind: ReplicaErrorKind, path: &RelPath, what: &str) -> ReplicaError {
    ReplicaError::new(kind, format!("memory:/{path}: {what}"))
}

fn not_found(path: &RelPath) -> ReplicaError {
    err(ReplicaErrorKind::NotFound, path, "not found")
}

fn not_a_folder(path: &RelPath) -> ReplicaError {
    err(ReplicaErrorKind::Other, path, "not a folder")
}

fn is_a_folder(path: &RelPath) -> ReplicaError {
    err(ReplicaErrorKind::Other, path, "is a folder")
}

fn entry(path: RelPath, item: &Item) -> Entry {
    let (kind, size, meta) = match item {
        Item::Dir(d) => (EntryKind::Dir, 0, d.meta),
        Item::File(f) => {
            let f = f.lock().unwrap();
            (EntryKind::File, f.bytes.len() as u64, f.meta)
        }
    };
    Entry {
        path,
        kind,
        size,
        mtime_ns: meta.mtime_ns,
        ctime_ns: Some(meta.ctime_ns),
        file_id: Some(meta.id),
    }
}

fn file_entry(path: RelPath, f: &FileData) -> Entry {
    Entry {
        path,
        kind: EntryKind::File,
        size: f.bytes.len() as u64,
        mtime_ns: f.meta.mtime_ns,
        ctime_ns: Some(f.meta.ctime_ns),
        file_id: Some(f.meta.id),
    }
}

fn list_into(dir: &Dir, path: &RelPath, skip_dir: &str, recursive: bool, out: &mut Listing) {
    for (name, item) in dir.children.values() {
        if !skip_dir.is_empty() && name == skip_dir {
            continue;
        }
        // The one door a name goes through to become a path, as for any remote.
        let Some(child) = out.accept(path, name) else {
            continue;
        };
        out.entries.push(entry(child.clone(), item));
        if let (Item::Dir(sub), true) = (item, recursive) {
            list_into(sub, &child, skip_dir, true, out);
        }
    }
}

impl Default for MemoryReplica {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryReplica {
    /// An empty, case-sensitive remote (like a Linux folder).
    pub fn new() -> Self {
        Self::with_case(false)
    }

    /// An empty remote that folds case like an SMB share: `A.txt` and `a.txt` are one file.
    pub fn case_insensitive() -> Self {
        Self::with_case(true)
    }

    fn with_case(case_insensitive: bool) -> Self {
        let shared = Shared {
            root: Mutex::new(Dir {
                meta: Meta {
                    mtime_ns: 0,
                    ctime_ns: 0,
                    id: 1,
                },
                children: BTreeMap::new(),
            }),
            case_insensitive,
            clock: AtomicI64::new(0),
            next_id: AtomicU64::new(2),
        };
        let meta = shared.fresh_meta();
        shared.root.lock().unwrap().meta = meta;
        MemoryReplica {
            shared: Arc::new(shared),
        }
    }

    // ---- Helpers for tests ----

    /// Writes a file with `bytes` at `path`, creating its folders (a user's or another
    /// client's change on the server). Panics on an invalid path or a file in the way.
    pub fn put_file(&self, path: &str, bytes: impl AsRef<[u8]>) {
        let s = &self.shared;
        let path = RelPath::new(path).expect("a valid path");
        let mut root = s.root.lock().unwrap();
        let mut d = &mut *root;
        for c in path.parent().unwrap_or_default().components() {
            let key = s.key(c);
            if !d.children.contains_key(&key) {
                let dir = Dir {
                    meta: s.fresh_meta(),
                    children: BTreeMap::new(),
                };
                d.children
                    .insert(key.clone(), (c.to_string(), Item::Dir(dir)));
            }
            d = match d.children.get_mut(&key) {
                Some((_, Item::Dir(sub))) => sub,
                _ => panic!("put_file {path}: {c} is a file"),
            };
        }
        let key = s.key(path.name());
        match d.children.get(&key) {
            Some((_, Item::File(f))) => {
                let mut f = f.lock().unwrap();
                f.bytes = bytes.as_ref().to_vec();
                let t = s.now();
                (f.meta.mtime_ns, f.meta.ctime_ns) = (t, t);
            }
            Some((_, Item::Dir(_))) => panic!("put_file {path}: a folder is there"),
            None => {
                let f = FileData {
                    bytes: bytes.as_ref().to_vec(),
                    meta: s.fresh_meta(),
                };
                let item = Item::File(Arc::new(Mutex::new(f)));
                d.children.insert(key, (path.name().to_string(), item));
            }
        }
    }

    /// The bytes of the file at `path`; `None` when no file is there.
    pub fn read(&self, path: &str) -> Option<Vec<u8>> {
        let path = RelPath::new(path).ok()?;
        let s = &self.shared;
        let mut root = s.root.lock().unwrap();
        let (d, key) = s.parent_mut(&mut root, &path).ok()?;
        match d.children.get(&key) {
            Some((_, Item::File(f))) => Some(f.lock().unwrap().bytes.clone()),
            _ => None,
        }
    }

    /// Removes the file or folder at `path` with everything in it (a change on the server);
    /// whether something was there.
    pub fn remove(&self, path: &str) -> bool {
        let path = RelPath::new(path).expect("a valid path");
        let s = &self.shared;
        let mut root = s.root.lock().unwrap();
        match s.parent_mut(&mut root, &path) {
            Ok((d, key)) => d.children.remove(&key).is_some(),
            Err(_) => false,
        }
    }

    /// Everything on this remote (trash and temps included) as path -> content, each name in
    /// the case it was created with.
    pub fn snapshot(&self) -> BTreeMap<String, Node> {
        fn walk(d: &Dir, prefix: &str, out: &mut BTreeMap<String, Node>) {
            for (name, item) in d.children.values() {
                let p = if prefix.is_empty() {
                    name.clone()
                } else {
                    format!("{prefix}/{name}")
                };
                match item {
                    Item::Dir(sub) => {
                        out.insert(p.clone(), Node::Dir);
                        walk(sub, &p, out);
                    }
                    Item::File(f) => {
                        out.insert(p, Node::File(f.lock().unwrap().bytes.clone()));
                    }
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(&self.shared.root.lock().unwrap(), "", &mut out);
        out
    }
}

#[async_trait]
impl Replica for MemoryReplica {
    fn describe(&self) -> String {
        "memory:/".into()
    }

    fn case_insensitive(&self) -> bool {
        self.shared.case_insensitive
    }

    async fn check_root(&self) -> ReplicaResult<()> {
        Ok(())
    }

    async fn list(&self, skip_dir: &str) -> ReplicaResult<Listing> {
        let root = self.shared.root.lock().unwrap();
        let mut out = Listing::default();
        list_into(&root, &RelPath::root(), skip_dir, true, &mut out);
        out.sort();
        Ok(out)
    }

    async fn list_dir(&self, path: &RelPath) -> ReplicaResult<Listing> {
        let s = &self.shared;
        let mut root = s.root.lock().unwrap();
        let d = s.dir_mut(&mut root, path)?;
        let mut out = Listing::default();
        list_into(d, path, "", false, &mut out);
        out.sort();
        Ok(out)
    }

    async fn stat(&self, path: &RelPath) -> ReplicaResult<Option<Entry>> {
        let s = &self.shared;
        let mut root = s.root.lock().unwrap();
        if path.is_root() {
            let meta = root.meta;
            return Ok(Some(Entry {
                path: path.clone(),
                kind: EntryKind::Dir,
                size: 0,
                mtime_ns: meta.mtime_ns,
                ctime_ns: Some(meta.ctime_ns),
                file_id: Some(meta.id),
            }));
        }
        match s.parent_mut(&mut root, path) {
            Ok((d, key)) => Ok(d.children.get(&key).map(|(_, i)| entry(path.clone(), i))),
            Err(e) if e.kind == ReplicaErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn create_dir(&self, path: &RelPath) -> ReplicaResult<()> {
        if path.is_root() {
            return Ok(());
        }
        let s = &self.shared;
        let mut root = s.root.lock().unwrap();
        let (d, key) = s.parent_mut(&mut root, path)?;
        match d.children.get(&key) {
            Some((_, Item::Dir(_))) => Ok(()),
            Some((_, Item::File(_))) => Err(err(
                ReplicaErrorKind::AlreadyExists,
                path,
                "exists and is not a folder",
            )),
            None => {
                let dir = Dir {
                    meta: s.fresh_meta(),
                    children: BTreeMap::new(),
                };
                d.children
                    .insert(key, (path.name().to_string(), Item::Dir(dir)));
                Ok(())
            }
        }
    }

    async fn remove_dir(&self, path: &RelPath) -> ReplicaResult<()> {
        let s = &self.shared;
        let mut root = s.root.lock().unwrap();
        let (d, key) = s.parent_mut(&mut root, path)?;
        match d.children.get(&key) {
            None => Err(not_found(path)),
            Some((_, Item::File(_))) => Err(not_a_folder(path)),
            Some((_, Item::Dir(sub))) if !sub.children.is_empty() => {
                Err(err(ReplicaErrorKind::NotEmpty, path, "folder not empty"))
            }
            Some(_) => {
                d.children.remove(&key);
                Ok(())
            }
        }
    }

    async fn remove_file(&self, path: &RelPath) -> ReplicaResult<()> {
        let s = &self.shared;
        let mut root = s.root.lock().unwrap();
        let (d, key) = s.parent_mut(&mut root, path)?;
        match d.children.get(&key) {
            None => Err(not_found(path)),
            Some((_, Item::Dir(_))) => Err(is_a_folder(path)),
            Some(_) => {
                d.children.remove(&key);
                Ok(())
            }
        }
    }

    async fn rename(&self, from: &RelPath, to: &RelPath, replace: bool) -> ReplicaResult<()> {
        self.shared.rename(from, to, replace, None)
    }

    async fn open_read(&self, path: &RelPath) -> ReplicaResult<Arc<dyn FileReader>> {
        let s = &self.shared;
        let mut root = s.root.lock().unwrap();
        let (d, key) = s.parent_mut(&mut root, path)?;
        match d.children.get(&key) {
            None => Err(not_found(path)),
            Some((_, Item::Dir(_))) => Err(is_a_folder(path)),
            Some((_, Item::File(f))) => {
                let len = f.lock().unwrap().bytes.len() as u64;
                Ok(Arc::new(MemReader {
                    file: f.clone(),
                    len,
                }))
            }
        }
    }

    async fn open_write(
        &self,
        path: &RelPath,
        truncate: bool,
    ) -> ReplicaResult<Arc<dyn FileWriter>> {
        let s = &self.shared;
        let mut root = s.root.lock().unwrap();
        let (d, key) = s.parent_mut(&mut root, path)?;
        let file = match d.children.get(&key) {
            Some((_, Item::Dir(_))) => return Err(is_a_folder(path)),
            Some((_, Item::File(f))) => {
                if truncate {
                    let mut data = f.lock().unwrap();
                    data.bytes.clear();
                    let t = s.now();
                    (data.meta.mtime_ns, data.meta.ctime_ns) = (t, t);
                }
                f.clone()
            }
            None => {
                let f = Arc::new(Mutex::new(FileData {
                    bytes: Vec::new(),
                    meta: s.fresh_meta(),
                }));
                d.children
                    .insert(key, (path.name().to_string(), Item::File(f.clone())));
                f
            }
        };
        Ok(Arc::new(MemWriter {
            shared: s.clone(),
            file,
            path: path.clone(),
        }))
    }

    async fn reconnect(&self) -> ReplicaResult<()> {
        Ok(())
    }
}

mod files;
mod tree;
use files::{MemReader, MemWriter};

#[cfg(test)]
mod tests;
