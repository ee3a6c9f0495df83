//! The three trees of a full run read side by side in path order, as a merge: the local scan,
//! the remote listing and the base (streamed from the state database), one path at a time.
//! Each local file gets its hash here, where its base entry is at hand (the base's when the
//! file's size and time are as recorded, else read from disk through `read`); paths hidden
//! from the run are dropped; and the paths the run has nothing to decide about
//! ([`super::settled`]) are counted and dropped, so the trees the reconciler gets hold only
//! what changed. The base is never held whole.
//!
//! All three inputs must be in [`RelPath`]'s order: the byte order of the whole path, which is
//! a `BTreeMap`'s, a sorted listing's and SQLite's `ORDER BY path` (binary collation). It is
//! not the order of a walk that sorts each folder's names: `a-b` sorts before `a/b` (`-` is
//! below `/`). An input out of order would pair the wrong entries (a synced file would look
//! deleted on one side), so it fails the merge instead.

use std::iter::Peekable;

use crate::relpath::RelPath;
use crate::tree::{BaseEntry, BaseTree, Entry, EntryKind, Hash, LocalEntry, LocalTree, RemoteTree};

use super::guard::Totals;
use super::settled::{is_settled, CaseTwins};

/// What the merge needs read from a local file the base cannot vouch for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// A synced file whose size or time moved: its content's hash.
    Hash,
    /// A new file: only that it can be opened (an unreadable file is hidden, not copied).
    Open,
}

/// The trees the reconciler gets, and what the merge counted on the way.
#[derive(Debug, Default)]
pub struct Merged {
    pub local: LocalTree,
    pub remote: RemoteTree,
    pub base: BaseTree,
    /// Files on each side and in the base, settled ones included: the guard's yardstick.
    pub totals: Totals,
    /// Every folder each side has (settled ones included): they need no create.
    pub local_dirs: Vec<RelPath>,
    pub remote_dirs: Vec<RelPath>,
    /// Local files that could not be read, with the reason: hidden from the run.
    pub unreadable: Vec<(RelPath, String)>,
    /// How many files were hashed.
    pub hashed: u64,
}

/// An input in path order (checked by the merge as it reads).
struct Ordered<I: Iterator> {
    it: Peekable<I>,
    name: &'static str,
}

impl<T, I: Iterator<Item = T>> Ordered<I> {
    fn new(it: I, name: &'static str) -> Self {
        Ordered {
            it: it.peekable(),
            name,
        }
    }

    /// The next item when its path is `at`. Items repeating a path are replaced by the last
    /// one (as a map built from them would hold).
    fn take(&mut self, at: &RelPath, path: impl Fn(&T) -> &RelPath) -> Option<T> {
        let mut taken = None;
        while self.it.peek().is_some_and(|x| path(x) == at) {
            taken = self.it.next();
        }
        taken
    }

    /// The path of the next item and, when it does not come after `prev` (the path the merge
    /// took last), why that is an error.
    fn head<'a>(
        &'a mut self,
        prev: Option<&RelPath>,
        path: impl Fn(&T) -> &RelPath,
    ) -> Result<Option<&'a RelPath>, String>
    where
        T: 'a,
    {
        let name = self.name;
        match (self.it.peek().map(path), prev) {
            (Some(p), Some(last)) if p <= last => Err(format!(
                "the {name} came out of path order ('{p}' after '{last}'); nothing was done"
            )),
            (h, _) => Ok(h),
        }
    }
}

/// Merges the three sides (see the module documentation). `visible`: whether a remote or
/// base entry takes part in the run (not excluded, not hidden); local entries all do, the scan
/// having left the rest out. `read` reads a local file (I/O: the merge itself decides nothing
/// from disk). `twins`: see [`CaseTwins`] (empty when the share tells case apart).
pub fn merge(
    local: impl Iterator<Item = LocalEntry>,
    remote: impl Iterator<Item = Entry>,
    base: impl Iterator<Item = BaseEntry>,
    visible: impl Fn(&RelPath) -> bool,
    mut read: impl FnMut(&RelPath, Need) -> Result<Option<Hash>, String>,
    twins: &CaseTwins,
) -> Result<Merged, String> {
    let mut out = Merged::default();
    out.totals.judge_empty_sides = true;
    let mut local = Ordered::new(local, "local scan");
    let mut remote = Ordered::new(remote, "remote listing");
    let mut base = Ordered::new(base, "synced state");
    // The path taken last: every input's next must come after it. Kept in one buffer, not
    // cloned per path (a million allocations in a big run).
    let mut path = RelPath::root();
    let mut started = false;
    loop {
        let prev = started.then_some(&path);
        let heads = [
            local.head(prev, |e: &LocalEntry| &e.path)?,
            remote.head(prev, |e: &Entry| &e.path)?,
            base.head(prev, |e: &BaseEntry| &e.path)?,
        ];
        let Some(next) = heads.into_iter().flatten().min() else {
            break;
        };
        path.clone_from(next);
        started = true;
        let l = local.take(&path, |e| &e.path);
        let r = remote.take(&path, |e| &e.path);
        let b = base.take(&path, |e| &e.path);
        one_path(&path, l, r, b, &visible, &mut read, twins, &mut out);
    }
    Ok(out)
}

/// One path's entries: hashed, counted, and kept unless settled.
#[allow(clippy::too_many_arguments)]
fn one_path(
    path: &RelPath,
    mut l: Option<LocalEntry>,
    r: Option<Entry>,
    b: Option<BaseEntry>,
    visible: &impl Fn(&RelPath) -> bool,
    read: &mut impl FnMut(&RelPath, Need) -> Result<Option<Hash>, String>,
    twins: &CaseTwins,
    out: &mut Merged,
) {
    if let Some(le) = l.as_mut().filter(|l| l.kind == EntryKind::File) {
        // As the scan did: the synced hash where size and time are as recorded, else read.
        let synced = b.as_ref().filter(|b| b.kind == EntryKind::File);
        let known = synced
            .filter(|b| b.local_meta_same(le.size, le.mtime_ns))
            .and_then(|b| b.hash);
        let got = match (known, synced) {
            (Some(h), _) => Ok(Some(h)),
            (None, Some(_)) => read(path, Need::Hash).inspect(|_| out.hashed += 1),
            (None, None) => read(path, Need::Open).map(|_| None),
        };
        match got {
            Ok(h) => le.hash = h,
            Err(why) => {
                // Hidden on all three, as an unreadable path always was.
                out.unreadable
                    .push((path.clone(), format!("cannot read the file: {why}")));
                return;
            }
        }
    }
    let shown = (r.is_some() || b.is_some()) && visible(path);
    let (r, b) = (r.filter(|_| shown), b.filter(|_| shown));
    let is_file = |k: EntryKind| usize::from(k == EntryKind::File);
    if let Some(l) = &l {
        out.totals.local_files += is_file(l.kind);
        if l.kind == EntryKind::Dir {
            out.local_dirs.push(path.clone());
        }
    }
    if let Some(r) = &r {
        out.totals.remote_files += is_file(r.kind);
        if r.kind == EntryKind::Dir {
            out.remote_dirs.push(path.clone());
        }
    }
    if let Some(b) = &b {
        out.totals.base_files += is_file(b.kind);
    }
    if let (Some(l), Some(r), Some(b)) = (&l, &r, &b) {
        if is_settled(l, r, b) && !twins.touches(path) {
            return;
        }
    }
    if let Some(l) = l {
        out.local.insert(path.clone(), l);
    }
    if let Some(r) = r {
        out.remote.insert(path.clone(), r);
    }
    if let Some(b) = b {
        out.base.insert(path.clone(), b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> RelPath {
        RelPath::new(s).unwrap()
    }

    fn local(path: &str, kind: EntryKind) -> LocalEntry {
        LocalEntry {
            path: p(path),
            kind,
            size: 1,
            mtime_ns: 1,
            hash: None,
            file_id: Some(1),
        }
    }

    fn remote(path: &str, kind: EntryKind) -> Entry {
        Entry {
            path: p(path),
            kind,
            size: 1,
            mtime_ns: 1,
            ctime_ns: None,
            file_id: Some(2),
        }
    }

    fn base(path: &str, kind: EntryKind) -> BaseEntry {
        BaseEntry::synced(
            &LocalEntry {
                hash: (kind == EntryKind::File).then_some([9; 32]),
                ..local(path, kind)
            },
            &remote(path, kind),
        )
    }

    fn sorted(mut v: Vec<&'static str>) -> Vec<&'static str> {
        v.sort_by_key(|a| p(a));
        v
    }

    /// Paths whose characters sort around '/': the byte order of whole paths, which every
    /// input must follow, puts `a-b`, `a.b` and `a b` before `a/…`, unlike a folder-by-folder
    /// walk. Every synced path here is settled, so a pairing gone wrong would leave entries.
    #[test]
    fn paths_that_sort_around_the_separator_pair_up() {
        let files = [
            "a/b", "a-b", "a.b", "a b", "a0", "a/b-c", "a/b/c", "ab", "é", "z",
        ];
        let order = sorted(files.to_vec());
        // Byte order: ' ' < '-' < '.' < '/' < '0' < 'b' < 'é' (0xC3...).
        assert_eq!(
            order,
            ["a b", "a-b", "a.b", "a/b", "a/b-c", "a/b/c", "a0", "ab", "z", "é"]
        );
        let m = merge(
            order.iter().map(|s| local(s, EntryKind::File)),
            order.iter().map(|s| remote(s, EntryKind::File)),
            order.iter().map(|s| base(s, EntryKind::File)),
            |_| true,
            |_, _| panic!("nothing needs reading"),
            &CaseTwins::default(),
        )
        .unwrap();
        assert!(m.local.is_empty() && m.remote.is_empty() && m.base.is_empty());
        assert_eq!(m.totals.local_files, files.len());
        assert_eq!(m.totals.remote_files, files.len());
        assert_eq!(m.totals.base_files, files.len());
    }

    /// A folder-by-folder walk order (`a/b` before `a-b`) fed as if it were path order is
    /// refused, not merged into wrong pairs.
    #[test]
    fn an_input_out_of_path_order_fails_the_merge() {
        let walk_order = ["a/b", "a-b"];
        let err = merge(
            walk_order.iter().map(|s| local(s, EntryKind::File)),
            std::iter::empty(),
            std::iter::empty(),
            |_| true,
            |_, _| Ok(None),
            &CaseTwins::default(),
        )
        .unwrap_err();
        assert!(err.contains("out of path order"), "{err}");
    }

    /// Changed, new, gone and hidden paths are kept (or dropped when hidden) with their
    /// entries; settled ones are counted and dropped; hashes come from the base or a read.
    #[test]
    fn only_what_changed_reaches_the_reconciler() {
        let mut touched = local("touched", EntryKind::File);
        touched.mtime_ns = 5;
        let locals = vec![
            local("d", EntryKind::Dir),
            local("d/same", EntryKind::File),
            local("new", EntryKind::File),
            touched,
            LocalEntry {
                mtime_ns: 7,
                ..local("unreadable", EntryKind::File)
            },
        ];
        let remotes = vec![
            remote("d", EntryKind::Dir),
            remote("d/same", EntryKind::File),
            remote("hidden", EntryKind::File),
            remote("touched", EntryKind::File),
            remote("unreadable", EntryKind::File),
        ];
        let bases = vec![
            base("d", EntryKind::Dir),
            base("d/same", EntryKind::File),
            base("gone-here", EntryKind::File),
            base("hidden", EntryKind::File),
            base("touched", EntryKind::File),
            base("unreadable", EntryKind::File),
        ];
        let mut reads = Vec::new();
        let m = merge(
            locals.into_iter(),
            remotes.into_iter(),
            bases.into_iter(),
            |p| p.as_str() != "hidden",
            |p, need| {
                reads.push((p.as_str().to_string(), need));
                match p.as_str() {
                    "unreadable" => Err("denied".into()),
                    _ => Ok((need == Need::Hash).then_some([9; 32])),
                }
            },
            &CaseTwins::default(),
        )
        .unwrap();
        let keys = |v: Vec<&RelPath>| v.iter().map(|p| p.as_str().to_string()).collect::<Vec<_>>();
        assert_eq!(keys(m.local.keys().collect()), ["new", "touched"]);
        assert_eq!(keys(m.remote.keys().collect()), ["touched"]);
        assert_eq!(keys(m.base.keys().collect()), ["gone-here", "touched"]);
        assert_eq!(m.local[&p("touched")].hash, Some([9; 32]), "read again");
        assert_eq!(
            reads,
            [
                ("new".to_string(), Need::Open),
                ("touched".to_string(), Need::Hash),
                ("unreadable".to_string(), Need::Hash),
            ]
        );
        assert_eq!(m.hashed, 1);
        assert_eq!(m.unreadable.len(), 1);
        assert_eq!(keys(m.local_dirs.iter().collect()), ["d"]);
        assert_eq!(keys(m.remote_dirs.iter().collect()), ["d"]);
        // Counted before dropping: settled files count, hidden and unreadable ones do not.
        assert_eq!(
            (
                m.totals.local_files,
                m.totals.remote_files,
                m.totals.base_files
            ),
            (3, 2, 3)
        );
    }
}
