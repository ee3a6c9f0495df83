//! Property tests and behaviour examples for the pure reconciler.
//!
//! A small simulator applies a plan the way the executor does (see `Sim`), on worlds generated
//! from a base (what both sides held at the last sync) that each side then changed on its own:
//! edits, touches, deletions (a folder goes with its content) and new entries, including kind
//! changes, names with spaces and accents, a name SMB cannot hold (`q*r`) and a local name that
//! differs only in case (`A` beside `a`).
//!
//! Every generated world is checked in all 3 modes x 5 policies. Cases per property:
//! `PROPTEST_CASES` (default 2000).
//!
//! File contents are small integers: the hash is the integer in all 32 bytes, and the size is
//! `content % 3`, so different contents of the same size are common (remote change detection
//! must not rely on size).

use std::collections::{BTreeMap, BTreeSet};

use anemone_sync::names::{conflict_name, smb_path_problem};
use anemone_sync::reconcile::{
    reconcile, settle, Action, ConflictPolicy, Mode, ReconcileOptions, Resolution, Side,
};
use anemone_sync::relpath::RelPath;
use anemone_sync::remote::{EntryKind, RemoteEntry};
use anemone_sync::tree::{BaseEntry, BaseTree, Hash, LocalEntry, LocalTree, RemoteTree};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};

type Content = u8;

const HOST: &str = "testbox";
const MODES: [Mode; 3] = [Mode::TwoWay, Mode::Upload, Mode::Download];
const POLICIES: [ConflictPolicy; 5] = [
    ConflictPolicy::KeepBoth,
    ConflictPolicy::Newest,
    ConflictPolicy::Local,
    ConflictPolicy::Remote,
    ConflictPolicy::Ask,
];
/// Path components. Base and remote use the first three; new local entries may also use the
/// case twin of `a` and a name SMB cannot hold.
const COMPS: [&str; 5] = ["a", "b c", "é.txt", "A", "q*r"];

fn rp(s: &str) -> RelPath {
    RelPath::new(s).unwrap()
}

fn hash(c: Content) -> Hash {
    [c; 32]
}

fn size(c: Content) -> u64 {
    u64::from(c % 3)
}

fn content_of(h: &Option<Hash>) -> Content {
    h.expect("a file has a hash")[0]
}

// ---------------------------------------------------------------------------------------------
// The world: both sides, the remote contents (which the reconciler never sees) and the base.
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, Default)]
struct World {
    local: LocalTree,
    remote: RemoteTree,
    rcontent: BTreeMap<RelPath, Content>,
    base: BaseTree,
    clock: i64,
    next_id: u64,
}

impl World {
    fn tick(&mut self) -> i64 {
        self.clock += 1;
        1_000_000 + self.clock
    }

    fn lfile(path: &RelPath, c: Content, mtime: i64) -> LocalEntry {
        LocalEntry {
            path: path.clone(),
            kind: EntryKind::File,
            size: size(c),
            mtime_ns: mtime,
            hash: Some(hash(c)),
        }
    }

    fn ldir(path: &RelPath, mtime: i64) -> LocalEntry {
        LocalEntry {
            path: path.clone(),
            kind: EntryKind::Dir,
            size: 0,
            mtime_ns: mtime,
            hash: None,
        }
    }

    /// A freshly written remote file: new change time and file id.
    fn rfile(&mut self, path: &RelPath, c: Content, mtime: i64) -> RemoteEntry {
        self.next_id += 1;
        let e = RemoteEntry {
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

    fn rdir(&mut self, path: &RelPath, mtime: i64) -> RemoteEntry {
        self.next_id += 1;
        RemoteEntry {
            path: path.clone(),
            kind: EntryKind::Dir,
            size: 0,
            mtime_ns: mtime,
            ctime_ns: Some(self.tick()),
            file_id: Some(self.next_id),
        }
    }

    fn local_content(&self, p: &RelPath) -> Option<Content> {
        self.local
            .get(p)
            .filter(|e| e.kind == EntryKind::File)
            .map(|e| content_of(&e.hash))
    }

    fn remote_content(&self, p: &RelPath) -> Option<Content> {
        self.remote
            .get(p)
            .filter(|e| e.kind == EntryKind::File)
            .map(|_| self.rcontent[p])
    }

    fn content(&self, side: Side, p: &RelPath) -> Option<Content> {
        match side {
            Side::Local => self.local_content(p),
            Side::Remote => self.remote_content(p),
        }
    }

    fn base_content(&self, p: &RelPath) -> Option<Content> {
        self.base
            .get(p)
            .filter(|b| b.kind == EntryKind::File)
            .map(|b| content_of(&b.hash))
    }

    fn files(&self, side: Side) -> Vec<(RelPath, Content)> {
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
    fn record(&mut self, p: &RelPath) {
        let b = BaseEntry::synced(&self.local[p], &self.remote[p]);
        self.base.insert(p.clone(), b);
    }

    fn show(&self) -> String {
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

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Op {
    Edit {
        pick: usize,
        delta: u8,
        mtime: u8,
    },
    Touch {
        pick: usize,
        mtime: u8,
    },
    Delete {
        pick: usize,
    },
    Add {
        comps: Vec<usize>,
        content: Option<Content>,
        mtime: u8,
    },
}

#[derive(Clone, Debug)]
struct Spec {
    base: Vec<(Vec<usize>, Option<Content>)>,
    local_ops: Vec<Op>,
    remote_ops: Vec<Op>,
    /// First sync: the sides as generated, but no base at all.
    no_base: bool,
    check_smb_names: bool,
    remote_case_insensitive: bool,
}

fn path_of(comps: &[usize]) -> RelPath {
    let parts: Vec<&str> = comps.iter().map(|&i| COMPS[i]).collect();
    rp(&parts.join("/"))
}

fn comps_strategy() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(
        prop_oneof![18 => 0..3usize, 1 => Just(3usize), 1 => Just(4usize)],
        1..=3,
    )
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (any::<usize>(), 0..5u8, 0..4u8)
            .prop_map(|(pick, delta, mtime)| Op::Edit { pick, delta, mtime }),
        1 => (any::<usize>(), 0..4u8).prop_map(|(pick, mtime)| Op::Touch { pick, mtime }),
        2 => any::<usize>().prop_map(|pick| Op::Delete { pick }),
        3 => (comps_strategy(), prop::option::weighted(0.75, 0..6u8), 0..4u8)
            .prop_map(|(comps, content, mtime)| Op::Add { comps, content, mtime }),
    ]
}

fn spec_strategy() -> impl Strategy<Value = Spec> {
    (
        prop::collection::vec(
            (comps_strategy(), prop::option::weighted(0.75, 0..6u8)),
            0..10,
        ),
        prop::collection::vec(op_strategy(), 0..5),
        prop::collection::vec(op_strategy(), 0..5),
        prop::bool::weighted(0.15),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(base, local_ops, remote_ops, no_base, check_smb_names, remote_case_insensitive)| {
                Spec {
                    base,
                    local_ops,
                    remote_ops,
                    no_base,
                    check_smb_names,
                    remote_case_insensitive,
                }
            },
        )
}

/// Inserts a node and its missing parent folders; refuses when the path exists or an ancestor
/// is a file.
fn insert_node(nodes: &mut BTreeMap<RelPath, Option<Content>>, p: &RelPath, c: Option<Content>) {
    if nodes.contains_key(p) {
        return;
    }
    let ancestors: Vec<RelPath> = p.ancestors().collect();
    if ancestors
        .iter()
        .any(|a| matches!(nodes.get(a), Some(Some(_))))
    {
        return;
    }
    for a in ancestors {
        nodes.entry(a).or_insert(None);
    }
    nodes.insert(p.clone(), c);
}

fn build(spec: &Spec) -> World {
    let mut nodes = BTreeMap::new();
    for (comps, c) in &spec.base {
        let comps: Vec<usize> = comps.iter().map(|i| i % 3).collect();
        insert_node(&mut nodes, &path_of(&comps), *c);
    }
    let mut w = World::default();
    for (p, c) in &nodes {
        let mtime = 10 + i64::from(c.unwrap_or(0) % 2);
        let (l, r) = match c {
            Some(c) => (World::lfile(p, *c, mtime), w.rfile(p, *c, mtime)),
            None => (World::ldir(p, mtime), w.rdir(p, mtime)),
        };
        w.local.insert(p.clone(), l);
        w.remote.insert(p.clone(), r);
        w.record(p);
    }
    for op in &spec.local_ops {
        apply_op(&mut w, Side::Local, op);
    }
    for op in &spec.remote_ops {
        apply_op(&mut w, Side::Remote, op);
    }
    if spec.no_base {
        w.base.clear();
    }
    w
}

fn side_paths(w: &World, side: Side) -> Vec<RelPath> {
    match side {
        Side::Local => w.local.keys().cloned().collect(),
        Side::Remote => w.remote.keys().cloned().collect(),
    }
}

fn kind_at(w: &World, side: Side, p: &RelPath) -> Option<EntryKind> {
    match side {
        Side::Local => w.local.get(p).map(|e| e.kind),
        Side::Remote => w.remote.get(p).map(|e| e.kind),
    }
}

fn put_file(w: &mut World, side: Side, p: &RelPath, c: Content, mtime: i64) {
    match side {
        Side::Local => {
            w.local.insert(p.clone(), World::lfile(p, c, mtime));
        }
        Side::Remote => {
            let e = w.rfile(p, c, mtime);
            w.remote.insert(p.clone(), e);
        }
    }
}

fn put_dir(w: &mut World, side: Side, p: &RelPath, mtime: i64) {
    match side {
        Side::Local => {
            w.local.insert(p.clone(), World::ldir(p, mtime));
        }
        Side::Remote => {
            let e = w.rdir(p, mtime);
            w.remote.insert(p.clone(), e);
        }
    }
}

/// One independent change on one side.
fn apply_op(w: &mut World, side: Side, op: &Op) {
    match op {
        Op::Edit { pick, delta, mtime } => {
            let files = w.files(side);
            if files.is_empty() {
                return;
            }
            let (p, old) = &files[pick % files.len()];
            let new = (old + 1 + delta % 5) % 6;
            match side {
                Side::Local => put_file(w, side, p, new, 100 + i64::from(*mtime)),
                Side::Remote => {
                    // Edited in place: same file id, new size/content, new times.
                    let ctime = w.tick();
                    let e = w.remote.get_mut(p).unwrap();
                    e.size = size(new);
                    e.mtime_ns = 100 + i64::from(*mtime);
                    e.ctime_ns = Some(ctime);
                    w.rcontent.insert(p.clone(), new);
                }
            }
        }
        Op::Touch { pick, mtime } => {
            let files = w.files(side);
            if files.is_empty() {
                return;
            }
            let (p, _) = &files[pick % files.len()];
            match side {
                Side::Local => w.local.get_mut(p).unwrap().mtime_ns = 100 + i64::from(*mtime),
                Side::Remote => {
                    let ctime = w.tick();
                    let e = w.remote.get_mut(p).unwrap();
                    e.mtime_ns = 100 + i64::from(*mtime);
                    e.ctime_ns = Some(ctime);
                }
            }
        }
        Op::Delete { pick } => {
            let all = side_paths(w, side);
            if all.is_empty() {
                return;
            }
            let p = all[pick % all.len()].clone();
            for q in all.iter().filter(|q| q.starts_with(&p)) {
                match side {
                    Side::Local => {
                        w.local.remove(q);
                    }
                    Side::Remote => {
                        w.remote.remove(q);
                        w.rcontent.remove(q);
                    }
                }
            }
        }
        Op::Add {
            comps,
            content,
            mtime,
        } => {
            let comps: Vec<usize> = match side {
                Side::Local => comps.clone(),
                Side::Remote => comps.iter().map(|i| i % 3).collect(),
            };
            let p = path_of(&comps);
            let mtime = 100 + i64::from(*mtime);
            if kind_at(w, side, &p).is_some() {
                return;
            }
            let ancestors: Vec<RelPath> = p.ancestors().collect();
            if ancestors
                .iter()
                .any(|a| kind_at(w, side, a) == Some(EntryKind::File))
            {
                return;
            }
            for a in ancestors.iter().rev() {
                if kind_at(w, side, a).is_none() {
                    put_dir(w, side, a, mtime);
                }
            }
            match content {
                Some(c) => put_file(w, side, &p, *c, mtime),
                None => put_dir(w, side, &p, mtime),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The simulated executor
// ---------------------------------------------------------------------------------------------

/// What a run did besides changing the world.
#[derive(Debug, Default)]
struct Effects {
    /// Conflict copies made for each path.
    copies: BTreeMap<RelPath, Vec<RelPath>>,
    /// Versions a conflict policy chose to overwrite (they went to that side's trash).
    discarded: Vec<(Side, RelPath, Content)>,
    /// Conflicts left for the user (policy ask).
    pending: BTreeSet<RelPath>,
}

struct Sim {
    w: World,
    mode: Mode,
    policy: ConflictPolicy,
    case_insensitive: bool,
    fx: Effects,
    stamps: u32,
}

type SimResult<T = ()> = Result<T, String>;

impl Sim {
    fn may_write(&self, side: Side, what: &str) -> SimResult {
        match (self.mode, side) {
            (Mode::Upload, Side::Local) | (Mode::Download, Side::Remote) => Err(format!(
                "{:?} mode wrote on the {side:?} side: {what}",
                self.mode
            )),
            _ => Ok(()),
        }
    }

    /// A case-insensitive share holds one name per folded spelling.
    fn case_check(&self, side: Side, p: &RelPath) -> SimResult {
        if side == Side::Remote && self.case_insensitive {
            let folded = p.as_str().to_lowercase();
            if let Some(q) = self
                .w
                .remote
                .keys()
                .find(|q| *q != p && q.as_str().to_lowercase() == folded)
            {
                return Err(format!(
                    "writing {p:?} on a case-insensitive share that has {q:?}"
                ));
            }
        }
        Ok(())
    }

    /// Creates missing parent folders of `p` on `side`, recorded in the base.
    fn parents(&mut self, side: Side, p: &RelPath) -> SimResult {
        let mut ancestors: Vec<RelPath> = p.ancestors().collect();
        ancestors.reverse();
        for a in ancestors {
            match kind_at(&self.w, side, &a) {
                Some(EntryKind::Dir) => {}
                Some(EntryKind::File) => {
                    return Err(format!(
                        "writing {p:?} on the {side:?} side, where its parent {a:?} is a file"
                    ))
                }
                None => {
                    self.case_check(side, &a)?;
                    put_dir(&mut self.w, side, &a, 500);
                    if kind_at(&self.w, side.other(), &a) == Some(EntryKind::Dir) {
                        self.w.record(&a);
                    }
                }
            }
        }
        Ok(())
    }

    /// Writes a file (creating or replacing one; replacing a folder is an error).
    fn write(&mut self, side: Side, p: &RelPath, c: Content, mtime: i64) -> SimResult {
        self.may_write(side, &format!("file {p:?}"))?;
        self.parents(side, p)?;
        self.case_check(side, p)?;
        if kind_at(&self.w, side, p) == Some(EntryKind::Dir) {
            return Err(format!(
                "writing file {p:?} over a folder on the {side:?} side"
            ));
        }
        put_file(&mut self.w, side, p, c, mtime);
        Ok(())
    }

    fn expect_local(&self, p: &RelPath, e: Option<&LocalEntry>) -> SimResult {
        if self.w.local.get(p) != e {
            return Err(format!(
                "stale local entry for {p:?}: plan has {e:?}, disk has {:?}",
                self.w.local.get(p)
            ));
        }
        Ok(())
    }

    fn expect_remote(&self, p: &RelPath, e: Option<&RemoteEntry>) -> SimResult {
        if self.w.remote.get(p) != e {
            return Err(format!(
                "stale remote entry for {p:?}: plan has {e:?}, share has {:?}",
                self.w.remote.get(p)
            ));
        }
        Ok(())
    }

    fn rename(&mut self, side: Side, from: &RelPath, to: &RelPath) -> SimResult {
        self.may_write(side, &format!("rename {from:?}"))?;
        if kind_at(&self.w, side, to).is_some() {
            return Err(format!("conflict copy {to:?} exists on the {side:?} side"));
        }
        match side {
            Side::Local => {
                let mut e = self.w.local.remove(from).unwrap();
                e.path = to.clone();
                self.w.local.insert(to.clone(), e);
            }
            Side::Remote => {
                let ctime = self.w.tick();
                let mut e = self.w.remote.remove(from).unwrap();
                e.path = to.clone();
                e.ctime_ns = Some(ctime);
                self.w.remote.insert(to.clone(), e);
                let c = self.w.rcontent.remove(from).unwrap();
                self.w.rcontent.insert(to.clone(), c);
            }
        }
        Ok(())
    }

    fn apply(&mut self, plan: &[Action]) -> SimResult {
        let mut deletes = Vec::new();
        for a in plan {
            let p = a.path().clone();
            match a {
                Action::DeleteLocal { .. } | Action::DeleteRemote { .. } => deletes.push(a),
                Action::Upload { local, replaces } => {
                    self.expect_local(&p, Some(local))?;
                    self.expect_remote(&p, replaces.as_ref())?;
                    self.write(Side::Remote, &p, content_of(&local.hash), local.mtime_ns)?;
                    self.w.record(&p);
                }
                Action::Download { remote, replaces } => {
                    self.expect_remote(&p, Some(remote))?;
                    self.expect_local(&p, replaces.as_ref())?;
                    let c = self.w.rcontent[&p];
                    self.write(Side::Local, &p, c, remote.mtime_ns)?;
                    self.w.record(&p);
                }
                Action::CreateRemoteDir { local } => {
                    self.expect_local(&p, Some(local))?;
                    self.mkdir(Side::Remote, &p)?;
                }
                Action::CreateLocalDir { remote } => {
                    self.expect_remote(&p, Some(remote))?;
                    self.mkdir(Side::Local, &p)?;
                }
                Action::Record { local, remote } => {
                    self.expect_local(&p, Some(local))?;
                    self.expect_remote(&p, Some(remote))?;
                    if local.kind != remote.kind
                        || self.w.local_content(&p) != self.w.remote_content(&p)
                    {
                        return Err(format!("Record of {p:?} whose sides differ"));
                    }
                    self.w.record(&p);
                }
                Action::Forget { .. } => {
                    self.w.base.remove(&p);
                }
                Action::Skip { .. } => {}
                Action::Conflict {
                    local,
                    remote,
                    same_size,
                } => {
                    self.expect_local(&p, Some(local))?;
                    self.expect_remote(&p, Some(remote))?;
                    self.conflict(&p, local, remote, *same_size)?;
                }
            }
        }
        deletes.sort_by_key(|a| std::cmp::Reverse(a.path().depth()));
        for a in deletes {
            let p = a.path().clone();
            let side = match a {
                Action::DeleteLocal { local } => {
                    self.expect_local(&p, Some(local))?;
                    Side::Local
                }
                Action::DeleteRemote { remote } => {
                    self.expect_remote(&p, Some(remote))?;
                    Side::Remote
                }
                _ => unreachable!(),
            };
            self.may_write(side, &format!("delete {p:?}"))?;
            let has_content = side_paths(&self.w, side)
                .iter()
                .any(|q| q != &p && q.starts_with(&p));
            if has_content {
                return Err(format!(
                    "deleting folder {p:?} on the {side:?} side, which still has content"
                ));
            }
            match side {
                Side::Local => {
                    self.w.local.remove(&p);
                }
                Side::Remote => {
                    self.w.remote.remove(&p);
                    self.w.rcontent.remove(&p);
                }
            }
            self.w.base.remove(&p);
        }
        Ok(())
    }

    fn mkdir(&mut self, side: Side, p: &RelPath) -> SimResult {
        self.may_write(side, &format!("folder {p:?}"))?;
        match kind_at(&self.w, side, p) {
            Some(EntryKind::File) => {
                return Err(format!(
                    "creating folder {p:?} over a file on the {side:?} side"
                ))
            }
            Some(EntryKind::Dir) => {}
            None => {
                self.parents(side, p)?;
                self.case_check(side, p)?;
                put_dir(&mut self.w, side, p, 500);
            }
        }
        self.w.record(p);
        Ok(())
    }

    fn conflict(
        &mut self,
        p: &RelPath,
        local: &LocalEntry,
        remote: &RemoteEntry,
        same_size: bool,
    ) -> SimResult {
        if local.kind != EntryKind::File || remote.kind != EntryKind::File {
            return Err(format!("Conflict on a folder {p:?}"));
        }
        if same_size != (local.size == remote.size) {
            return Err(format!("Conflict on {p:?} with a wrong same_size"));
        }
        let cl = content_of(&local.hash);
        let cr = self.w.rcontent[p];
        if cl == cr {
            self.w.record(p);
            return Ok(());
        }
        match settle(self.policy, self.mode, local.mtime_ns, remote.mtime_ns) {
            Resolution::Ask => {
                self.fx.pending.insert(p.clone());
            }
            Resolution::UseLocal => {
                self.write(Side::Remote, p, cl, local.mtime_ns)?;
                self.fx.discarded.push((Side::Remote, p.clone(), cr));
                self.w.record(p);
            }
            Resolution::UseRemote => {
                self.write(Side::Local, p, cr, remote.mtime_ns)?;
                self.fx.discarded.push((Side::Local, p.clone(), cl));
                self.w.record(p);
            }
            Resolution::KeepBoth { loser } => {
                self.stamps += 1;
                let q = conflict_name(p, HOST, &format!("2026-01-01 {:06}", self.stamps))
                    .expect("a short name");
                let winner = loser.other();
                let (win_c, win_t, lose_c, lose_t) = match winner {
                    Side::Local => (cl, local.mtime_ns, cr, remote.mtime_ns),
                    Side::Remote => (cr, remote.mtime_ns, cl, local.mtime_ns),
                };
                self.rename(loser, p, &q)?;
                self.write(loser, p, win_c, win_t)?;
                if self.may_write(winner, "").is_ok() {
                    self.write(winner, &q, lose_c, lose_t)?;
                    self.w.record(&q);
                }
                self.w.record(p);
                self.fx.copies.entry(p.clone()).or_default().push(q);
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// One run: plan, apply, plan again
// ---------------------------------------------------------------------------------------------

/// A property checked on one run.
type Check = fn(&Run) -> Result<(), String>;

struct Run {
    opts: ReconcileOptions,
    policy: ConflictPolicy,
    pre: World,
    plan: Vec<Action>,
    post: World,
    fx: Effects,
    /// The same mode's plan on the result.
    again: Vec<Action>,
    /// A two-way plan on the result (what a one-way mode leaves behind).
    again_two_way: Vec<Action>,
}

impl Run {
    fn describe(&self) -> String {
        format!(
            "mode {:?}, policy {:?}, smb names {}, case-insensitive {}\nbefore:\n{}plan:\n{}after:\n{}plan again:\n{}",
            self.opts.mode,
            self.policy,
            self.opts.check_smb_names,
            self.opts.remote_case_insensitive,
            self.pre.show(),
            show_plan(&self.plan),
            self.post.show(),
            show_plan(&self.again),
        )
    }
}

fn show_plan(plan: &[Action]) -> String {
    plan.iter()
        .map(|a| format!("  {:?} {}\n", a.path(), action_name(a)))
        .collect()
}

fn action_name(a: &Action) -> &'static str {
    match a {
        Action::Upload { .. } => "Upload",
        Action::Download { .. } => "Download",
        Action::CreateRemoteDir { .. } => "CreateRemoteDir",
        Action::CreateLocalDir { .. } => "CreateLocalDir",
        Action::DeleteLocal { .. } => "DeleteLocal",
        Action::DeleteRemote { .. } => "DeleteRemote",
        Action::Record { .. } => "Record",
        Action::Forget { .. } => "Forget",
        Action::Conflict { .. } => "Conflict",
        Action::Skip { .. } => "Skip",
    }
}

fn options(mode: Mode, check_smb_names: bool, remote_case_insensitive: bool) -> ReconcileOptions {
    ReconcileOptions {
        mode,
        remote_case_insensitive,
        check_smb_names,
    }
}

fn run(pre: &World, opts: ReconcileOptions, policy: ConflictPolicy) -> Result<Run, String> {
    let plan = reconcile(&pre.local, &pre.remote, &pre.base, &opts);
    let mut sim = Sim {
        w: pre.clone(),
        mode: opts.mode,
        policy,
        case_insensitive: opts.remote_case_insensitive,
        fx: Effects::default(),
        stamps: 0,
    };
    let applied = sim.apply(&plan);
    let post = sim.w;
    let again = reconcile(&post.local, &post.remote, &post.base, &opts);
    let two_way = ReconcileOptions {
        mode: Mode::TwoWay,
        ..opts
    };
    let again_two_way = reconcile(&post.local, &post.remote, &post.base, &two_way);
    let r = Run {
        opts,
        policy,
        pre: pre.clone(),
        plan,
        post,
        fx: sim.fx,
        again,
        again_two_way,
    };
    match applied {
        Ok(()) => Ok(r),
        Err(e) => Err(format!("plan cannot be executed: {e}\n{}", r.describe())),
    }
}

/// Runs `check` on the world in every mode x policy.
fn for_all_modes(spec: &Spec, check: Check) -> Result<(), TestCaseError> {
    let pre = build(spec);
    for mode in MODES {
        for policy in POLICIES {
            let opts = options(mode, spec.check_smb_names, spec.remote_case_insensitive);
            let r = run(&pre, opts, policy).map_err(TestCaseError::fail)?;
            check(&r).map_err(|e| TestCaseError::fail(format!("{e}\n{}", r.describe())))?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/// Paths the first plan skipped, with everything under them on either side.
fn skipped(r: &Run) -> BTreeSet<RelPath> {
    let roots: Vec<&RelPath> = r
        .plan
        .iter()
        .filter(|a| matches!(a, Action::Skip { .. }))
        .map(|a| a.path())
        .collect();
    let mut all: BTreeSet<RelPath> = BTreeSet::new();
    for w in [&r.pre, &r.post] {
        for p in w.local.keys().chain(w.remote.keys()) {
            if roots.iter().any(|s| p.starts_with(s)) {
                all.insert(p.clone());
            }
        }
    }
    all
}

/// Every version of a file on either side before the run still exists afterwards (same path or
/// a conflict copy of it, on either side), unless it was the synced (base) version that the
/// other side has since replaced or deleted, or a conflict policy (local/remote/newest) chose
/// to overwrite it. And an edit or new file on one side, deleted on the other, is never deleted.
fn no_lost_bytes(r: &Run) -> Result<(), String> {
    for side in [Side::Local, Side::Remote] {
        for (p, c) in r.pre.files(side) {
            let mut places = vec![p.clone()];
            places.extend(r.fx.copies.get(&p).into_iter().flatten().cloned());
            let survives = places.iter().any(|q| {
                r.post.content(Side::Local, q) == Some(c)
                    || r.post.content(Side::Remote, q) == Some(c)
            });
            if survives {
                continue;
            }
            let superseded = r.pre.base_content(&p) == Some(c);
            let discarded = r.fx.discarded.contains(&(side, p.clone(), c));
            if discarded
                && !matches!(
                    r.policy,
                    ConflictPolicy::Local | ConflictPolicy::Remote | ConflictPolicy::Newest
                )
            {
                return Err(format!("policy {:?} overwrote {side:?} {p:?}", r.policy));
            }
            if !superseded && !discarded {
                return Err(format!(
                    "LOST: content {c} of {side:?} {p:?} is nowhere after the run"
                ));
            }
        }
        // Edit beats delete.
        for (p, c) in r.pre.files(side) {
            let edited = r.pre.base_content(&p) != Some(c);
            let gone_there = kind_at(&r.pre, side.other(), &p).is_none();
            if edited && gone_there && r.post.content(side, &p) != Some(c) {
                return Err(format!(
                    "edit beats delete: {side:?} {p:?} (content {c}) was new or edited and the \
                     other side had deleted it, but it is gone from {side:?}"
                ));
            }
        }
    }
    Ok(())
}

/// Running again on the result plans nothing but skips and still-pending (ask) conflicts. For
/// one-way modes, a two-way plan on the result holds only what the mode refuses to do: upload
/// mode leaves remote-only changes (downloads, local folder creations); download mode leaves
/// local-only changes (uploads, remote folder creations).
fn idempotent(r: &Run) -> Result<(), String> {
    let pending_ok = |a: &Action| {
        matches!(a, Action::Conflict { .. })
            && r.policy == ConflictPolicy::Ask
            && r.fx.pending.contains(a.path())
    };
    for a in &r.again {
        if !(matches!(a, Action::Skip { .. }) || pending_ok(a)) {
            return Err(format!(
                "not idempotent: second run plans {} {:?}",
                action_name(a),
                a.path()
            ));
        }
    }
    for a in &r.again_two_way {
        let left = match r.opts.mode {
            Mode::TwoWay => false,
            Mode::Upload => matches!(a, Action::Download { .. } | Action::CreateLocalDir { .. }),
            Mode::Download => matches!(a, Action::Upload { .. } | Action::CreateRemoteDir { .. }),
        };
        if !(left || matches!(a, Action::Skip { .. }) || pending_ok(a)) {
            return Err(format!(
                "{:?} mode left {} {:?} for a two-way run",
                r.opts.mode,
                action_name(a),
                a.path()
            ));
        }
    }
    Ok(())
}

/// Two-way with a deciding policy: both sides end with the same paths, kinds and contents,
/// except skipped paths (and what lies under them).
fn converges(r: &Run) -> Result<(), String> {
    if r.opts.mode != Mode::TwoWay || r.policy == ConflictPolicy::Ask {
        return Ok(());
    }
    let skipped = skipped(r);
    let mut paths: BTreeSet<&RelPath> = BTreeSet::new();
    paths.extend(r.post.local.keys());
    paths.extend(r.post.remote.keys());
    for p in paths {
        if skipped.contains(p) {
            continue;
        }
        let (lk, rk) = (
            kind_at(&r.post, Side::Local, p),
            kind_at(&r.post, Side::Remote, p),
        );
        if lk != rk {
            return Err(format!(
                "diverged: {p:?} is {lk:?} locally, {rk:?} remotely"
            ));
        }
        let (lc, rc) = (r.post.local_content(p), r.post.remote_content(p));
        if lc != rc {
            return Err(format!(
                "diverged: {p:?} holds {lc:?} locally, {rc:?} remotely"
            ));
        }
    }
    // The base agrees with both sides wherever it has an entry.
    for (p, b) in &r.post.base {
        if skipped.contains(p) {
            continue;
        }
        if !(b.local_unchanged(&r.post.local[p]) && b.remote_unchanged(&r.post.remote[p])) {
            return Err(format!("base entry of {p:?} does not match the sides"));
        }
    }
    Ok(())
}

/// Upload mode plans nothing that writes locally and leaves the local tree exactly as it was;
/// download mode likewise for the remote.
fn modes_protect_their_side(r: &Run) -> Result<(), String> {
    for a in &r.plan {
        let bad = match r.opts.mode {
            Mode::TwoWay => false,
            Mode::Upload => matches!(
                a,
                Action::Download { .. }
                    | Action::CreateLocalDir { .. }
                    | Action::DeleteLocal { .. }
            ),
            Mode::Download => matches!(
                a,
                Action::Upload { .. }
                    | Action::CreateRemoteDir { .. }
                    | Action::DeleteRemote { .. }
            ),
        };
        if bad {
            return Err(format!(
                "{:?} mode planned {} {:?}",
                r.opts.mode,
                action_name(a),
                a.path()
            ));
        }
    }
    match r.opts.mode {
        Mode::Upload if r.post.local != r.pre.local => {
            Err("upload mode changed the local side".into())
        }
        Mode::Download if r.post.remote != r.pre.remote || r.post.rcontent != r.pre.rcontent => {
            Err("download mode changed the remote side".into())
        }
        _ => Ok(()),
    }
}

/// The names that must be skipped, computed independently of the reconciler: names SMB cannot
/// hold (when checked), local names that differ only in case from another local name or from a
/// different remote name (on a case-insensitive share), and everything under those.
fn expected_blocked(w: &World, opts: &ReconcileOptions) -> BTreeSet<RelPath> {
    let mut roots: BTreeSet<RelPath> = BTreeSet::new();
    if opts.check_smb_names {
        roots.extend(
            w.local
                .keys()
                .filter(|p| smb_path_problem(p).is_some())
                .cloned(),
        );
    }
    if opts.remote_case_insensitive {
        let fold = |p: &RelPath| p.as_str().to_lowercase();
        for p in w.local.keys() {
            for q in w.local.keys().chain(w.remote.keys()) {
                let other_is_elsewhere = w.remote.contains_key(q) && !w.local.contains_key(q);
                let same_local_fold = w.local.contains_key(q);
                if q != p
                    && fold(p) == fold(q)
                    && (same_local_fold || (other_is_elsewhere && !w.remote.contains_key(p)))
                {
                    roots.insert(p.clone());
                    roots.insert(q.clone());
                }
            }
        }
    }
    let mut all = roots.clone();
    for p in w.local.keys().chain(w.remote.keys()) {
        if roots.iter().any(|r| p.starts_with(r)) {
            all.insert(p.clone());
        }
    }
    all
}

/// Skipped paths are left exactly as they were on both sides; every name that must be blocked
/// is skipped.
fn skipped_untouched(r: &Run) -> Result<(), String> {
    for a in &r.plan {
        if let Action::Skip { path: p, .. } = a {
            if r.pre.local.get(p) != r.post.local.get(p)
                || r.pre.remote.get(p) != r.post.remote.get(p)
                || r.pre.remote_content(p) != r.post.remote_content(p)
            {
                return Err(format!("skipped {p:?} was touched"));
            }
        }
    }
    let planned: BTreeMap<&RelPath, &Action> = r.plan.iter().map(|a| (a.path(), a)).collect();
    for p in expected_blocked(&r.pre, &r.opts) {
        if !matches!(planned.get(&p), Some(Action::Skip { .. })) {
            return Err(format!(
                "{p:?} must be skipped, the plan has {:?}",
                planned.get(&p).map(|a| action_name(a))
            ));
        }
    }
    Ok(())
}

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn prop_no_lost_bytes(spec in spec_strategy()) {
        for_all_modes(&spec, no_lost_bytes)?;
    }

    #[test]
    fn prop_idempotent(spec in spec_strategy()) {
        for_all_modes(&spec, idempotent)?;
    }

    #[test]
    fn prop_two_way_converges(spec in spec_strategy()) {
        for_all_modes(&spec, converges)?;
    }

    #[test]
    fn prop_modes_protect_their_side(spec in spec_strategy()) {
        for_all_modes(&spec, modes_protect_their_side)?;
    }

    #[test]
    fn prop_skipped_names_untouched(spec in spec_strategy()) {
        for_all_modes(&spec, skipped_untouched)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Examples
// ---------------------------------------------------------------------------------------------

/// Both sides holding `entries` (content, or `None` for a folder), recorded as synced.
fn synced(entries: &[(&str, Option<Content>)]) -> World {
    let mut nodes = BTreeMap::new();
    for (p, c) in entries {
        insert_node(&mut nodes, &rp(p), *c);
    }
    let mut w = World::default();
    for (p, c) in &nodes {
        let (l, r) = match c {
            Some(c) => (World::lfile(p, *c, 10), w.rfile(p, *c, 10)),
            None => (World::ldir(p, 10), w.rdir(p, 10)),
        };
        w.local.insert(p.clone(), l);
        w.remote.insert(p.clone(), r);
        w.record(p);
    }
    w
}

fn put(w: &mut World, side: Side, p: &str, c: Content, mtime: i64) {
    let p = rp(p);
    let ancestors: Vec<RelPath> = p.ancestors().collect();
    for a in ancestors.iter().rev() {
        if kind_at(w, side, a).is_none() {
            put_dir(w, side, a, mtime);
        }
    }
    put_file(w, side, &p, c, mtime);
}

fn remove(w: &mut World, side: Side, p: &str) {
    let p = rp(p);
    for q in side_paths(w, side).iter().filter(|q| q.starts_with(&p)) {
        match side {
            Side::Local => {
                w.local.remove(q);
            }
            Side::Remote => {
                w.remote.remove(q);
                w.rcontent.remove(q);
            }
        }
    }
}

fn two_way() -> ReconcileOptions {
    options(Mode::TwoWay, true, true)
}

/// Plans, applies and checks every property on the result.
fn sync(w: &World, opts: ReconcileOptions, policy: ConflictPolicy) -> Run {
    let r = run(w, opts, policy).unwrap_or_else(|e| panic!("{e}"));
    let checks: [Check; 5] = [
        no_lost_bytes,
        idempotent,
        converges,
        modes_protect_their_side,
        skipped_untouched,
    ];
    for check in checks {
        check(&r).unwrap_or_else(|e| panic!("{e}\n{}", r.describe()));
    }
    r
}

/// The plan as (path, action name), for compact assertions.
fn summary(plan: &[Action]) -> Vec<(String, &'static str)> {
    plan.iter()
        .map(|a| (a.path().as_str().to_string(), action_name(a)))
        .collect()
}

fn s(p: &str, a: &'static str) -> (String, &'static str) {
    (p.to_string(), a)
}

#[test]
fn edit_beats_remote_delete() {
    let mut w = synced(&[("d/f.txt", Some(1))]);
    put(&mut w, Side::Local, "d/f.txt", 4, 200);
    remove(&mut w, Side::Remote, "d");
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert!(r.plan.contains(&Action::Upload {
        local: w.local[&rp("d/f.txt")].clone(),
        replaces: None
    }));
    assert_eq!(r.post.remote_content(&rp("d/f.txt")), Some(4));
    assert_eq!(r.post.local_content(&rp("d/f.txt")), Some(4));
}

#[test]
fn edit_beats_local_delete() {
    let mut w = synced(&[("f.txt", Some(1))]);
    put(&mut w, Side::Remote, "f.txt", 4, 200);
    remove(&mut w, Side::Local, "f.txt");
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(summary(&r.plan), vec![s("f.txt", "Download")]);
    assert_eq!(r.post.local_content(&rp("f.txt")), Some(4));
}

#[test]
fn unchanged_file_deleted_on_one_side_is_deleted_on_the_other() {
    let mut w = synced(&[("f.txt", Some(1)), ("g", Some(2))]);
    remove(&mut w, Side::Remote, "f.txt");
    remove(&mut w, Side::Local, "g");
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(
        summary(&r.plan),
        vec![s("f.txt", "DeleteLocal"), s("g", "DeleteRemote")]
    );
}

#[test]
fn same_bytes_on_both_sides_transfer_nothing() {
    let mut w = synced(&[("f.txt", Some(1))]);
    put(&mut w, Side::Local, "f.txt", 4, 200);
    put(&mut w, Side::Remote, "f.txt", 4, 300);
    for policy in POLICIES {
        let r = sync(&w, two_way(), policy);
        assert!(matches!(
            r.plan.as_slice(),
            [Action::Conflict {
                same_size: true,
                ..
            }]
        ));
        // The executor compares, finds the same bytes and only records them.
        assert!(r.fx.copies.is_empty() && r.fx.discarded.is_empty() && r.fx.pending.is_empty());
        assert_eq!(r.post.local, r.pre.local);
        assert_eq!(r.post.remote, r.pre.remote);
        assert!(r.again.is_empty());
    }
}

#[test]
fn first_sync_adopts_identical_and_conflicts_differing() {
    let mut w = synced(&[("d/same.txt", Some(1)), ("d/differs", Some(2)), ("e", None)]);
    // Same size, different bytes: only the executor's comparison can tell.
    put(&mut w, Side::Remote, "d/differs", 5, 300);
    put(&mut w, Side::Local, "d/differs", 2, 200);
    w.base.clear();
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(
        summary(&r.plan),
        vec![
            s("d", "Record"),
            s("d/differs", "Conflict"),
            s("d/same.txt", "Conflict"),
            s("e", "Record"),
        ]
    );
    // Identical: adopted, nothing copied. Differing: both kept; the older (local) loses the name.
    assert_eq!(r.post.local_content(&rp("d/same.txt")), Some(1));
    assert_eq!(r.fx.copies.len(), 1);
    let copy = &r.fx.copies[&rp("d/differs")][0];
    assert!(copy.as_str().starts_with("d/differs (conflict testbox "));
    assert_eq!(r.post.local_content(copy), Some(2));
    assert_eq!(r.post.remote_content(copy), Some(2));
    assert_eq!(r.post.local_content(&rp("d/differs")), Some(5));
}

/// Regression: folder deletions were settled with the sides swapped, which panicked
/// (`no entry found for key`) on any folder deleted on one side.
#[test]
fn folder_deleted_remotely_is_deleted_locally() {
    let mut w = synced(&[("d/f.txt", Some(1)), ("d/e/g", Some(2))]);
    remove(&mut w, Side::Remote, "d");
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(
        summary(&r.plan),
        vec![
            s("d", "DeleteLocal"),
            s("d/e", "DeleteLocal"),
            s("d/e/g", "DeleteLocal"),
            s("d/f.txt", "DeleteLocal"),
        ]
    );
    assert!(r.post.local.is_empty() && r.post.remote.is_empty() && r.post.base.is_empty());
}

/// Regression for the same swap, from the other side and with content that must survive.
#[test]
fn removed_folder_with_new_remote_file_is_kept() {
    let mut w = synced(&[("d/old.txt", Some(1))]);
    remove(&mut w, Side::Local, "d");
    put(&mut w, Side::Remote, "d/new.txt", 2, 200);
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(
        summary(&r.plan),
        vec![
            s("d", "CreateLocalDir"),
            s("d/new.txt", "Download"),
            s("d/old.txt", "DeleteRemote"),
        ]
    );
    assert_eq!(r.post.local_content(&rp("d/new.txt")), Some(2));
    assert!(!r.post.remote.contains_key(&rp("d/old.txt")));
}

#[test]
fn removed_folder_with_edited_local_file_is_recreated_remotely() {
    let mut w = synced(&[("d/f.txt", Some(1)), ("d/g", Some(2))]);
    remove(&mut w, Side::Remote, "d");
    put(&mut w, Side::Local, "d/f.txt", 3, 200);
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(
        summary(&r.plan),
        vec![
            s("d", "CreateRemoteDir"),
            s("d/f.txt", "Upload"),
            s("d/g", "DeleteLocal"),
        ]
    );
}

#[test]
fn touch_only_refreshes_metadata() {
    let mut w = synced(&[("f.txt", Some(1))]);
    w.local.get_mut(&rp("f.txt")).unwrap().mtime_ns = 999;
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(summary(&r.plan), vec![s("f.txt", "Record")]);
    assert_eq!(r.post.local, r.pre.local);
    assert_eq!(r.post.remote, r.pre.remote);
    assert_eq!(r.post.base[&rp("f.txt")].local_mtime_ns, 999);
    assert!(r.again.is_empty());
}

#[test]
fn remote_change_detected_with_same_size() {
    // 1 -> 4: same size (1 byte); the last-write time was kept, only the change time moved.
    let mut w = synced(&[("f.txt", Some(1))]);
    let ctime = w.tick();
    let e = w.remote.get_mut(&rp("f.txt")).unwrap();
    assert_eq!(size(1), size(4));
    e.ctime_ns = Some(ctime);
    w.rcontent.insert(rp("f.txt"), 4);
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert_eq!(summary(&r.plan), vec![s("f.txt", "Download")]);
    assert_eq!(r.post.local_content(&rp("f.txt")), Some(4));
}

/// Regression: with a file on one side and a folder of the same name on the other, the name was
/// skipped but the folder's content was still planned (creating or uploading under a file).
#[test]
fn nothing_under_a_file_folder_clash_is_touched() {
    let mut w = synced(&[("a/x", Some(1))]);
    remove(&mut w, Side::Remote, "a");
    put(&mut w, Side::Remote, "a", 2, 200);
    put(&mut w, Side::Local, "a/x", 3, 200);
    put(&mut w, Side::Local, "a/new/y", 4, 200);
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    let kinds: Vec<&str> = r.plan.iter().map(action_name).collect();
    assert_eq!(kinds, vec!["Skip"; 4], "{}", r.describe());
    assert_eq!(r.post.local, r.pre.local);
    assert_eq!(r.post.remote, r.pre.remote);
}

#[test]
fn smb_invalid_and_case_twin_names_are_skipped() {
    let mut w = synced(&[("a/f", Some(1))]);
    put(&mut w, Side::Local, "q*r/x", 2, 200);
    put(&mut w, Side::Local, "A/g", 3, 200);
    let r = sync(&w, two_way(), ConflictPolicy::KeepBoth);
    assert!(r.plan.iter().all(|a| matches!(a, Action::Skip { .. })));
    assert_eq!(r.plan.len(), 6);
    // A case-sensitive share without the SMB name check takes all of them.
    let r = sync(
        &w,
        options(Mode::TwoWay, false, false),
        ConflictPolicy::KeepBoth,
    );
    assert_eq!(r.post.remote_content(&rp("q*r/x")), Some(2));
    assert_eq!(r.post.remote_content(&rp("A/g")), Some(3));
}

#[test]
fn upload_mode_restores_what_the_remote_deleted_and_never_downloads() {
    let mut w = synced(&[("f", Some(1)), ("d/g", Some(2))]);
    remove(&mut w, Side::Remote, "f");
    remove(&mut w, Side::Remote, "d");
    put(&mut w, Side::Remote, "new", 5, 200);
    let r = sync(
        &w,
        options(Mode::Upload, true, true),
        ConflictPolicy::KeepBoth,
    );
    assert_eq!(
        summary(&r.plan),
        vec![
            s("d", "CreateRemoteDir"),
            s("d/g", "Upload"),
            s("f", "Upload"),
        ]
    );
    assert_eq!(summary(&r.again_two_way), vec![s("new", "Download")]);
}

#[test]
fn download_mode_restores_what_the_local_side_deleted_and_never_uploads() {
    let mut w = synced(&[("f", Some(1))]);
    remove(&mut w, Side::Local, "f");
    put(&mut w, Side::Local, "new", 5, 200);
    let r = sync(
        &w,
        options(Mode::Download, true, true),
        ConflictPolicy::KeepBoth,
    );
    assert_eq!(summary(&r.plan), vec![s("f", "Download")]);
    assert_eq!(summary(&r.again_two_way), vec![s("new", "Upload")]);
}

#[test]
fn one_way_conflicts_keep_the_target_copy_beside_the_source_version() {
    let mut w = synced(&[("f.txt", Some(1))]);
    put(&mut w, Side::Local, "f.txt", 2, 200);
    put(&mut w, Side::Remote, "f.txt", 3, 300);
    let r = sync(
        &w,
        options(Mode::Upload, true, true),
        ConflictPolicy::Newest,
    );
    let copy = &r.fx.copies[&rp("f.txt")][0];
    assert_eq!(r.post.remote_content(&rp("f.txt")), Some(2));
    assert_eq!(r.post.remote_content(copy), Some(3));
    assert!(!r.post.local.contains_key(copy));
    let r = sync(
        &w,
        options(Mode::Download, true, true),
        ConflictPolicy::Newest,
    );
    let copy = &r.fx.copies[&rp("f.txt")][0];
    assert_eq!(r.post.local_content(&rp("f.txt")), Some(3));
    assert_eq!(r.post.local_content(copy), Some(2));
    assert!(!r.post.remote.contains_key(copy));
}

#[test]
fn ask_leaves_both_versions_pending() {
    let mut w = synced(&[("f.txt", Some(1))]);
    put(&mut w, Side::Local, "f.txt", 2, 200);
    put(&mut w, Side::Remote, "f.txt", 3, 300);
    let r = sync(&w, two_way(), ConflictPolicy::Ask);
    assert_eq!(r.post.local, r.pre.local);
    assert_eq!(r.post.remote, r.pre.remote);
    assert_eq!(summary(&r.again), vec![s("f.txt", "Conflict")]);
}

#[test]
fn settle_by_policy_and_mode() {
    use ConflictPolicy as P;
    use Resolution as R;
    let two = Mode::TwoWay;
    let keep = |loser| R::KeepBoth { loser };
    assert_eq!(settle(P::Newest, two, 2, 1), R::UseLocal);
    assert_eq!(settle(P::Newest, two, 1, 2), R::UseRemote);
    // A tie keeps both; the local copy gives up the name.
    assert_eq!(settle(P::Newest, two, 1, 1), keep(Side::Local));
    assert_eq!(settle(P::KeepBoth, two, 1, 2), keep(Side::Local));
    assert_eq!(settle(P::KeepBoth, two, 2, 1), keep(Side::Remote));
    assert_eq!(settle(P::Local, two, 1, 2), R::UseLocal);
    assert_eq!(settle(P::Remote, two, 2, 1), R::UseRemote);
    // One-way modes never overwrite their source side.
    assert_eq!(settle(P::Local, Mode::Download, 2, 1), keep(Side::Local));
    assert_eq!(settle(P::Newest, Mode::Download, 2, 1), keep(Side::Local));
    assert_eq!(settle(P::Remote, Mode::Download, 2, 1), R::UseRemote);
    assert_eq!(settle(P::Remote, Mode::Upload, 1, 2), keep(Side::Remote));
    assert_eq!(settle(P::Newest, Mode::Upload, 1, 2), keep(Side::Remote));
    assert_eq!(settle(P::Local, Mode::Upload, 1, 2), R::UseLocal);
    for mode in MODES {
        assert_eq!(settle(P::Ask, mode, 1, 2), R::Ask);
    }
}
