//! The world: both sides, the remote contents (which the reconciler never sees) and the base.

#[allow(unused_imports)]
use super::*;

#[derive(Clone, Debug, Default)]
pub(crate) struct World {
    pub(crate) local: LocalTree,
    pub(crate) remote: RemoteTree,
    pub(crate) rcontent: BTreeMap<RelPath, Content>,
    pub(crate) base: BaseTree,
    pub(crate) clock: i64,
    pub(crate) next_id: u64,
}

impl World {
    pub(crate) fn tick(&mut self) -> i64 {
        self.clock += 1;
        1_000_000 + self.clock
    }

    /// A new local file (a new inode: local and remote ids come from one counter, so they
    /// never match by accident).
    pub(crate) fn lfile(&mut self, path: &RelPath, c: Content, mtime: i64) -> LocalEntry {
        self.next_id += 1;
        LocalEntry {
            path: path.clone(),
            kind: EntryKind::File,
            size: size(c),
            mtime_ns: mtime,
            hash: Some(hash(c)),
            file_id: Some(self.next_id),
        }
    }

    pub(crate) fn ldir(&mut self, path: &RelPath, mtime: i64) -> LocalEntry {
        self.next_id += 1;
        LocalEntry {
            path: path.clone(),
            kind: EntryKind::Dir,
            size: 0,
            mtime_ns: mtime,
            hash: None,
            file_id: Some(self.next_id),
        }
    }

    /// A freshly written remote file: new change time and file id.
    pub(crate) fn rfile(&mut self, path: &RelPath, c: Content, mtime: i64) -> Entry {
        self.next_id += 1;
        let e = Entry {
            path: path.clone(),
            kind: EntryKind::File,
            size: size(c),
            mtime_ns: mtime,
            ctime_ns: Some(self.tick()),
            file_id: Some(self.next_id),
        };
        self.rcontent.insert(path.clone(), c);
        e
    }

    pub(crate) fn rdir(&mut self, path: &RelPath, mtime: i64) -> Entry {
        self.next_id += 1;
        Entry {
            path: path.clone(),
            kind: EntryKind::Dir,
            size: 0,
            mtime_ns: mtime,
            ctime_ns: Some(self.tick()),
            file_id: Some(self.next_id),
        }
    }

    pub(crate) fn local_content(&self, p: &RelPath) -> Option<Content> {
        self.local
            .get(p)
            .filter(|e| e.kind == EntryKind::File)
            .map(|e| content_of(&e.hash))
    }

    pub(crate) fn remote_content(&self, p: &RelPath) -> Option<Content> {
        self.remote
            .get(p)
            .filter(|e| e.kind == EntryKind::File)
            .map(|_| self.rcontent[p])
    }

    pub(crate) fn content(&self, side: Side, p: &RelPath) -> Option<Content> {
        match side {
            Side::Local => self.local_content(p),
            Side::Remote => self.remote_content(p),
        }
    }

    pub(crate) fn base_content(&self, p: &RelPath) -> Option<Content> {
        self.base
            .get(p)
            .filter(|b| b.kind == EntryKind::File)
            .map(|b| content_of(&b.hash))
    }

    pub(crate) fn files(&self, side: Side) -> Vec<(RelPath, Content)> {
        match side {
            Side::Local => self
                .local
                .values()
                .filter(|e| e.kind == EntryKind::File)
                .map(|e| (e.path.clone(), content_of(&e.hash)))
                .collect(),
            Side::Remote => self
                .remote
                .values()
                .filter(|e| e.kind == EntryKind::File)
                .map(|e| (e.path.clone(), self.rcontent[&e.path]))
                .collect(),
        }
    }

    /// Records `p` as synced, both sides holding it now (with equal content).
    pub(crate) fn record(&mut self, p: &RelPath) {
        let b = BaseEntry::synced(&self.local[p], &self.remote[p]);
        self.base.insert(p.clone(), b);
    }

    pub(crate) fn show(&self) -> String {
        let mut s = String::new();
        let mut paths: BTreeSet<&RelPath> = BTreeSet::new();
        paths.extend(self.local.keys());
        paths.extend(self.remote.keys());
        paths.extend(self.base.keys());
        let l = |e: Option<&LocalEntry>| match e {
            None => "-".to_string(),
            Some(e) if e.kind == EntryKind::Dir => "dir".into(),
            Some(e) => format!("{}@{}", content_of(&e.hash), e.mtime_ns),
        };
        for p in paths {
            let r = match self.remote.get(p) {
                None => "-".to_string(),
                Some(e) if e.kind == EntryKind::Dir => "dir".into(),
                Some(e) => format!(
                    "{}@{}/{:?}",
                    self.rcontent[p],
                    e.mtime_ns,
                    e.ctime_ns.unwrap_or(0)
                ),
            };
            let b = match self.base.get(p) {
                None => "-".to_string(),
                Some(b) if b.kind == EntryKind::Dir => "dir".into(),
                Some(b) => format!(
                    "{}@{}|{}/{:?}",
                    content_of(&b.hash),
                    b.local_mtime_ns,
                    b.remote_mtime_ns,
                    b.remote_ctime_ns.unwrap_or(0)
                ),
            };
            s += &format!(
                "  {:<22} local {:<12} remote {:<20} base {}\n",
                format!("{p:?}"),
                l(self.local.get(p)),
                r,
                b
            );
        }
        s
    }
}
