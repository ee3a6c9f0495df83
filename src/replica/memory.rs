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
    FileReader, FileWriter, Listing, Replica, ReplicaError, ReplicaErrorKind, ReplicaResult,
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

impl Shared {
    fn key(&self, name: &str) -> String {
        if self.case_insensitive {
            name.to_lowercase()
        } else {
            name.to_string()
        }
    }

    /// `path` as the tree compares it (case-folded where names are).
    fn key_path(&self, path: &RelPath) -> String {
        self.key(path.as_str())
    }

    /// Now, in ns since the epoch, strictly after any time handed out before.
    fn now(&self) -> i64 {
        let wall = crate::fsmeta::system_time_ns(std::time::SystemTime::now());
        let prev = self
            .clock
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| {
                Some(wall.max(last + 1))
            })
            .expect("always Some");
        wall.max(prev + 1)
    }

    fn fresh_meta(&self) -> Meta {
        let t = self.now();
        Meta {
            mtime_ns: t,
            ctime_ns: t,
            id: self.next_id.fetch_add(1, Ordering::SeqCst),
        }
    }

    /// The folder at `path`: `NotFound` when a component is missing, `Other` when one is a
    /// file.
    fn dir_mut<'a>(&self, root: &'a mut Dir, path: &RelPath) -> ReplicaResult<&'a mut Dir> {
        let mut d = root;
        for c in path.components() {
            d = match d.children.get_mut(&self.key(c)) {
                None => return Err(not_found(path)),
                Some((_, Item::File(_))) => return Err(not_a_folder(path)),
                Some((_, Item::Dir(sub))) => sub,
            };
        }
        Ok(d)
    }

    /// The folder holding `path` (which must not be the root) and the key of its name.
    fn parent_mut<'a>(
        &self,
        root: &'a mut Dir,
        path: &RelPath,
    ) -> ReplicaResult<(&'a mut Dir, String)> {
        if path.is_root() {
            return Err(err(ReplicaErrorKind::Other, path, "the root itself"));
        }
        let parent = path.parent().unwrap_or_default();
        let d = self.dir_mut(root, &parent).map_err(|e| match e.kind {
            ReplicaErrorKind::NotFound => err(
                ReplicaErrorKind::NotFound,
                path,
                "the parent folder does not exist",
            ),
            _ => e,
        })?;
        Ok((d, self.key(path.name())))
    }

    /// Renames as [`Replica::rename`] does. `expect`: the file must still be this one (a
    /// writer's `finish`, whose temp someone may have replaced meanwhile).
    fn rename(
        &self,
        from: &RelPath,
        to: &RelPath,
        replace: bool,
        expect: Option<&Inode>,
    ) -> ReplicaResult<()> {
        let mut guard = self.root.lock().unwrap();
        let root = &mut *guard;
        if to.is_root() {
            return Err(err(ReplicaErrorKind::Other, to, "the root itself"));
        }
        let from_is_dir = {
            let (d, key) = self.parent_mut(root, from)?;
            match (d.children.get(&key), expect) {
                (None, _) => return Err(not_found(from)),
                (Some((_, Item::File(f))), Some(e)) if !Arc::ptr_eq(f, e) => {
                    return Err(err(
                        ReplicaErrorKind::NotFound,
                        from,
                        "the file being written is no longer there",
                    ))
                }
                (Some((_, Item::Dir(_))), Some(_)) => return Err(is_a_folder(from)),
                (Some((_, item)), _) => matches!(item, Item::Dir(_)),
            }
        };
        let (from_key, to_key) = (self.key_path(from), self.key_path(to));
        let same = from_key == to_key;
        if from_is_dir && !same && to_key.starts_with(&format!("{from_key}/")) {
            return Err(err(
                ReplicaErrorKind::Other,
                to,
                "cannot move a folder into itself",
            ));
        }
        let (td, tkey) = self.parent_mut(root, to)?;
        match td.children.get_mut(&tkey) {
            // The same file: a case-only rename where case folds, else nothing to do.
            Some((name, _)) if same => {
                if name.as_str() != to.name() {
                    *name = to.name().to_string();
                    return Ok(());
                }
                return if replace {
                    Ok(())
                } else {
                    Err(err(ReplicaErrorKind::AlreadyExists, to, "already exists"))
                };
            }
            Some(_) if !replace => {
                return Err(err(ReplicaErrorKind::AlreadyExists, to, "already exists"))
            }
            Some((_, existing)) => match (from_is_dir, existing) {
                (false, Item::File(_)) => {}
                (true, Item::Dir(d)) if d.children.is_empty() => {}
                (true, Item::Dir(_)) => {
                    return Err(err(ReplicaErrorKind::NotEmpty, to, "folder not empty"))
                }
                (false, Item::Dir(_)) => return Err(is_a_folder(to)),
                (true, Item::File(_)) => return Err(not_a_folder(to)),
            },
            None => {}
        }
        let (d, key) = self.parent_mut(root, from)?;
        let (_, mut item) = d.children.remove(&key).expect("checked above");
        let t = self.now();
        match &mut item {
            Item::Dir(d) => d.meta.ctime_ns = t,
            Item::File(f) => f.lock().unwrap().meta.ctime_ns = t,
        }
        let (td, tkey) = self.parent_mut(root, to).expect("checked above");
        td.children.insert(tkey, (to.name().to_string(), item));
        Ok(())
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

/// An open file, read live (like an open handle on a real file); its length is the file's
/// when it was opened.
struct MemReader {
    file: Inode,
    len: u64,
}

#[async_trait]
impl FileReader for MemReader {
    fn len(&self) -> u64 {
        self.len
    }

    async fn read_at(&self, offset: u64, len: usize) -> ReplicaResult<Vec<u8>> {
        let f = self.file.lock().unwrap();
        let start = (offset as usize).min(f.bytes.len());
        let end = start.saturating_add(len.min(MAX_CHUNK)).min(f.bytes.len());
        Ok(f.bytes[start..end].to_vec())
    }

    async fn close(&self) -> ReplicaResult<()> {
        Ok(())
    }
}

/// A file open for writing, wherever it is renamed; `path` is where it was opened, which
/// `finish` renames.
struct MemWriter {
    shared: Arc<Shared>,
    file: Inode,
    path: RelPath,
}

#[async_trait]
impl FileWriter for MemWriter {
    async fn len(&self) -> ReplicaResult<u64> {
        Ok(self.file.lock().unwrap().bytes.len() as u64)
    }

    async fn write_at(&self, offset: u64, data: Vec<u8>) -> ReplicaResult<()> {
        let t = self.shared.now();
        let mut f = self.file.lock().unwrap();
        let (start, end) = (offset as usize, offset as usize + data.len());
        if f.bytes.len() < end {
            // Past the end: the gap reads as zeros, as in a sparse file.
            f.bytes.resize(end, 0);
        }
        f.bytes[start..end].copy_from_slice(&data);
        (f.meta.mtime_ns, f.meta.ctime_ns) = (t, t);
        Ok(())
    }

    async fn set_len(&self, len: u64) -> ReplicaResult<()> {
        let t = self.shared.now();
        let mut f = self.file.lock().unwrap();
        f.bytes.resize(len as usize, 0);
        (f.meta.mtime_ns, f.meta.ctime_ns) = (t, t);
        Ok(())
    }

    async fn set_mtime(&self, mtime_ns: i64) -> ReplicaResult<()> {
        let t = self.shared.now();
        let mut f = self.file.lock().unwrap();
        (f.meta.mtime_ns, f.meta.ctime_ns) = (mtime_ns, t);
        Ok(())
    }

    async fn close(&self) -> ReplicaResult<()> {
        Ok(())
    }

    async fn finish(&self, final_path: &RelPath, mtime_ns: i64) -> ReplicaResult<Entry> {
        self.set_mtime(mtime_ns).await?;
        self.shared
            .rename(&self.path, final_path, false, Some(&self.file))?;
        let f = self.file.lock().unwrap();
        Ok(file_entry(final_path.clone(), &f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> RelPath {
        RelPath::new(s).unwrap()
    }

    fn kind(r: ReplicaResult<impl Sized>) -> ReplicaErrorKind {
        match r {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.kind,
        }
    }

    #[tokio::test]
    async fn list_is_recursive_sorted_and_skips_the_named_folder() {
        let r = MemoryReplica::new();
        r.put_file("b/c.txt", "c");
        r.put_file("a.txt", "a");
        r.put_file("b/.anemone-trash/x", "x");
        r.put_file(".anemone-trash/old/y", "y");
        let l = r.list(".anemone-trash").await.unwrap();
        let paths: Vec<&str> = l.entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["a.txt", "b", "b/c.txt"]);
        let a = &l.entries[0];
        assert_eq!((a.kind, a.size), (EntryKind::File, 1));
        assert!(a.file_id.is_some() && a.ctime_ns.is_some());
        assert_eq!(l.entries[1].kind, EntryKind::Dir);
        // One level, the trash included (it is not skipped here).
        let l = r.list_dir(&p("b")).await.unwrap();
        let paths: Vec<&str> = l.entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["b/.anemone-trash", "b/c.txt"]);
        assert_eq!(
            kind(r.list_dir(&p("nope")).await),
            ReplicaErrorKind::NotFound
        );
        assert_eq!(kind(r.list_dir(&p("a.txt")).await), ReplicaErrorKind::Other);
    }

    #[tokio::test]
    async fn errors_match_a_plain_folder() {
        let r = MemoryReplica::new();
        r.put_file("d/f", "x");
        assert_eq!(r.stat(&p("nope")).await.unwrap(), None);
        assert_eq!(r.stat(&p("nope/deeper")).await.unwrap(), None);
        assert_eq!(r.stat(&p("")).await.unwrap().unwrap().kind, EntryKind::Dir);
        // Folders: created once, parent required, a file in the way.
        r.create_dir(&p("d")).await.unwrap();
        assert_eq!(
            kind(r.create_dir(&p("x/y")).await),
            ReplicaErrorKind::NotFound
        );
        assert_eq!(
            kind(r.create_dir(&p("d/f")).await),
            ReplicaErrorKind::AlreadyExists
        );
        assert_eq!(
            kind(r.remove_dir(&p("d")).await),
            ReplicaErrorKind::NotEmpty
        );
        assert_eq!(kind(r.remove_dir(&p("d/f")).await), ReplicaErrorKind::Other);
        assert_eq!(
            kind(r.remove_dir(&p("zz")).await),
            ReplicaErrorKind::NotFound
        );
        assert_eq!(kind(r.remove_file(&p("d")).await), ReplicaErrorKind::Other);
        assert_eq!(
            kind(r.remove_file(&p("zz")).await),
            ReplicaErrorKind::NotFound
        );
        assert_eq!(
            kind(r.open_read(&p("zz")).await),
            ReplicaErrorKind::NotFound
        );
        assert_eq!(kind(r.open_read(&p("d")).await), ReplicaErrorKind::Other);
        assert_eq!(
            kind(r.open_write(&p("x/y"), true).await),
            ReplicaErrorKind::NotFound
        );
        r.remove_file(&p("d/f")).await.unwrap();
        r.remove_dir(&p("d")).await.unwrap();
        assert!(r.snapshot().is_empty());
    }

    #[tokio::test]
    async fn rename_without_replace_never_clobbers() {
        let r = MemoryReplica::new();
        r.put_file("temp", "new");
        r.put_file("final", "user's file");
        let e = r.rename(&p("temp"), &p("final"), false).await.unwrap_err();
        assert_eq!(e.kind, ReplicaErrorKind::AlreadyExists);
        assert_eq!(r.read("final").unwrap(), b"user's file");
        r.rename(&p("temp"), &p("final"), true).await.unwrap();
        assert_eq!(r.read("final").unwrap(), b"new");
        assert_eq!(r.read("temp"), None);
        // Folders move with their content; never into themselves; parent required.
        r.put_file("a/b/c", "c");
        r.rename(&p("a"), &p("z"), false).await.unwrap();
        assert_eq!(r.read("z/b/c").unwrap(), b"c");
        assert_eq!(
            kind(r.rename(&p("z"), &p("z/b/in"), false).await),
            ReplicaErrorKind::Other
        );
        assert_eq!(
            kind(r.rename(&p("z"), &p("q/z"), false).await),
            ReplicaErrorKind::NotFound
        );
        assert_eq!(
            kind(r.rename(&p("gone"), &p("x"), false).await),
            ReplicaErrorKind::NotFound
        );
        r.put_file("full/x", "x");
        r.create_dir(&p("empty")).await.unwrap();
        assert_eq!(
            kind(r.rename(&p("empty"), &p("full"), true).await),
            ReplicaErrorKind::NotEmpty
        );
    }

    #[tokio::test]
    async fn a_writer_keeps_its_file_and_finish_renames_it_without_replacing() {
        let r = MemoryReplica::new();
        let w = r.open_write(&p("f.tmp"), true).await.unwrap();
        w.write_at(4, b"5678".to_vec()).await.unwrap();
        w.write_at(0, b"1234".to_vec()).await.unwrap();
        assert_eq!(w.len().await.unwrap(), 8);
        r.put_file("f", "someone else's");
        let e = w.finish(&p("f"), 1_000).await.unwrap_err();
        assert_eq!(e.kind, ReplicaErrorKind::AlreadyExists);
        assert_eq!(r.read("f").unwrap(), b"someone else's");
        r.remove("f");
        let done = w.finish(&p("f"), 1_000).await.unwrap();
        assert_eq!((done.size, done.mtime_ns), (8, 1_000));
        assert_eq!(r.read("f").unwrap(), b"12345678");
        assert_eq!(r.read("f.tmp"), None);
        let listed = r.stat(&p("f")).await.unwrap().unwrap();
        assert_eq!(listed, done);
        // Resume: an open without truncate keeps the bytes.
        let w = r.open_write(&p("f"), false).await.unwrap();
        w.set_len(2).await.unwrap();
        assert_eq!(r.read("f").unwrap(), b"12");
        let reader = r.open_read(&p("f")).await.unwrap();
        assert_eq!(reader.len(), 2);
        assert_eq!(reader.read_at(1, 10).await.unwrap(), b"2");
        assert_eq!(reader.read_at(5, 10).await.unwrap(), b"");
    }

    #[tokio::test]
    async fn every_change_moves_the_change_time() {
        let r = MemoryReplica::new();
        r.put_file("f", "abc");
        let before = r.stat(&p("f")).await.unwrap().unwrap();
        let w = r.open_write(&p("f"), false).await.unwrap();
        w.write_at(0, b"x".to_vec()).await.unwrap();
        w.set_mtime(before.mtime_ns).await.unwrap();
        let after = r.stat(&p("f")).await.unwrap().unwrap();
        // Same size and last-write time, yet the change shows.
        assert_eq!((after.size, after.mtime_ns), (before.size, before.mtime_ns));
        assert!(after.ctime_ns > before.ctime_ns);
        assert_eq!(after.file_id, before.file_id);
    }

    #[tokio::test]
    async fn case_insensitive_folds_names_and_keeps_their_case() {
        let r = MemoryReplica::case_insensitive();
        assert!(r.case_insensitive());
        r.put_file("Docs/Report.TXT", "v1");
        assert!(r.stat(&p("docs/report.txt")).await.unwrap().is_some());
        r.put_file("other", "o");
        assert_eq!(
            kind(r.rename(&p("OTHER"), &p("docs/REPORT.txt"), false).await),
            ReplicaErrorKind::AlreadyExists
        );
        // A case-only rename of the same file takes the new case.
        r.rename(&p("docs/report.txt"), &p("DOCS/REPORT.txt"), false)
            .await
            .unwrap();
        let names: Vec<String> = r.snapshot().into_keys().collect();
        assert_eq!(names, ["Docs", "Docs/REPORT.txt", "other"]);
        assert_eq!(r.read("docs/report.txt").unwrap(), b"v1");
        let cs = MemoryReplica::new();
        cs.put_file("A", "1");
        cs.put_file("a", "2");
        assert_eq!(cs.snapshot().len(), 2);
    }
}
