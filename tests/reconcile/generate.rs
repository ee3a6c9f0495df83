//! Generation

#[allow(unused_imports)]
use super::*;

#[derive(Clone, Debug)]
pub(crate) enum Op {
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
    /// Moves a file or folder (with its content) to a new path, as a rename does: same ids,
    /// contents and times (a remote rename moves the change time).
    Move {
        pick: usize,
        comps: Vec<usize>,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct Spec {
    pub(crate) base: Vec<(Vec<usize>, Option<Content>)>,
    pub(crate) local_ops: Vec<Op>,
    pub(crate) remote_ops: Vec<Op>,
    /// First sync: the sides as generated, but no base at all.
    pub(crate) no_base: bool,
    pub(crate) check_smb_names: bool,
    pub(crate) remote_case_insensitive: bool,
}

pub(crate) fn path_of(comps: &[usize]) -> RelPath {
    let parts: Vec<&str> = comps.iter().map(|&i| COMPS[i]).collect();
    rp(&parts.join("/"))
}

pub(crate) fn comps_strategy() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(
        prop_oneof![18 => 0..3usize, 1 => Just(3usize), 1 => Just(4usize)],
        1..=3,
    )
}

pub(crate) fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (any::<usize>(), 0..5u8, 0..4u8)
            .prop_map(|(pick, delta, mtime)| Op::Edit { pick, delta, mtime }),
        1 => (any::<usize>(), 0..4u8).prop_map(|(pick, mtime)| Op::Touch { pick, mtime }),
        2 => any::<usize>().prop_map(|pick| Op::Delete { pick }),
        3 => (comps_strategy(), prop::option::weighted(0.75, 0..6u8), 0..4u8)
            .prop_map(|(comps, content, mtime)| Op::Add { comps, content, mtime }),
        3 => (any::<usize>(), comps_strategy()).prop_map(|(pick, comps)| Op::Move { pick, comps }),
    ]
}

pub(crate) fn spec_strategy() -> impl Strategy<Value = Spec> {
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
pub(crate) fn insert_node(
    nodes: &mut BTreeMap<RelPath, Option<Content>>,
    p: &RelPath,
    c: Option<Content>,
) {
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

pub(crate) fn build(spec: &Spec) -> World {
    let mut nodes = BTreeMap::new();
    for (comps, c) in &spec.base {
        let comps: Vec<usize> = comps.iter().map(|i| i % 3).collect();
        insert_node(&mut nodes, &path_of(&comps), *c);
    }
    let mut w = World::default();
    for (p, c) in &nodes {
        let mtime = 10 + i64::from(c.unwrap_or(0) % 2);
        let (l, r) = match c {
            Some(c) => (w.lfile(p, *c, mtime), w.rfile(p, *c, mtime)),
            None => (w.ldir(p, mtime), w.rdir(p, mtime)),
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

pub(crate) fn side_paths(w: &World, side: Side) -> Vec<RelPath> {
    match side {
        Side::Local => w.local.keys().cloned().collect(),
        Side::Remote => w.remote.keys().cloned().collect(),
    }
}

pub(crate) fn kind_at(w: &World, side: Side, p: &RelPath) -> Option<EntryKind> {
    match side {
        Side::Local => w.local.get(p).map(|e| e.kind),
        Side::Remote => w.remote.get(p).map(|e| e.kind),
    }
}

pub(crate) fn put_file(w: &mut World, side: Side, p: &RelPath, c: Content, mtime: i64) {
    match side {
        Side::Local => {
            let e = w.lfile(p, c, mtime);
            w.local.insert(p.clone(), e);
        }
        Side::Remote => {
            let e = w.rfile(p, c, mtime);
            w.remote.insert(p.clone(), e);
        }
    }
}

pub(crate) fn put_dir(w: &mut World, side: Side, p: &RelPath, mtime: i64) {
    match side {
        Side::Local => {
            let e = w.ldir(p, mtime);
            w.local.insert(p.clone(), e);
        }
        Side::Remote => {
            let e = w.rdir(p, mtime);
            w.remote.insert(p.clone(), e);
        }
    }
}

/// One independent change on one side.
pub(crate) fn apply_op(w: &mut World, side: Side, op: &Op) {
    match op {
        Op::Edit { pick, delta, mtime } => {
            let files = w.files(side);
            if files.is_empty() {
                return;
            }
            let (p, old) = &files[pick % files.len()];
            let new = (old + 1 + delta % 5) % 6;
            match side {
                Side::Local => {
                    // Edited in place: the same file (id).
                    let id = w.local[p].file_id;
                    put_file(w, side, p, new, 100 + i64::from(*mtime));
                    w.local.get_mut(p).unwrap().file_id = id;
                }
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
        Op::Move { pick, comps } => {
            let all = side_paths(w, side);
            if all.is_empty() {
                return;
            }
            let from = all[pick % all.len()].clone();
            // The share gets no name it cannot hold, and (like remote additions) no case twin.
            let comps: Vec<usize> = match side {
                Side::Local => comps.clone(),
                Side::Remote => comps.iter().map(|i| i % 3).collect(),
            };
            move_entry(w, side, &from, &path_of(&comps), true);
        }
    }
}

/// Renames `from` (with everything under it) to `to` on `side`, making missing parents of
/// `to`. Does nothing where a rename could not be made: `to` exists or is inside `from`, a
/// parent is a file; with `no_twins`, on the share, also where a name would then differ only in
/// case from another (the generated share holds no such pair).
pub(crate) fn move_entry(w: &mut World, side: Side, from: &RelPath, to: &RelPath, no_twins: bool) {
    if kind_at(w, side, to).is_some() || to.starts_with(from) {
        return;
    }
    let ancestors: Vec<RelPath> = to.ancestors().collect();
    if ancestors
        .iter()
        .any(|a| kind_at(w, side, a) == Some(EntryKind::File))
    {
        return;
    }
    let moved: Vec<RelPath> = side_paths(w, side)
        .into_iter()
        .filter(|p| p.starts_with(from))
        .collect();
    let new_path = |p: &RelPath| anemone_sync::sync::moves::rebase(p, from, to);
    if side == Side::Remote && no_twins {
        let mut names: Vec<RelPath> = side_paths(w, side)
            .into_iter()
            .filter(|p| !p.starts_with(from))
            .chain(moved.iter().map(new_path))
            .chain(ancestors.iter().cloned())
            .collect();
        names.sort();
        names.dedup();
        let mut folded: BTreeSet<String> = BTreeSet::new();
        if !names
            .iter()
            .all(|p| folded.insert(p.as_str().to_lowercase()))
        {
            return;
        }
    }
    let mtime = 200;
    for a in ancestors.iter().rev() {
        if kind_at(w, side, a).is_none() {
            put_dir(w, side, a, mtime);
        }
    }
    match side {
        Side::Local => {
            for p in &moved {
                let mut e = w.local.remove(p).unwrap();
                e.path = new_path(p);
                w.local.insert(e.path.clone(), e);
            }
        }
        Side::Remote => {
            let ctime = w.tick();
            for p in &moved {
                let mut e = w.remote.remove(p).unwrap();
                e.path = new_path(p);
                if p == from {
                    e.ctime_ns = Some(ctime);
                }
                if let Some(c) = w.rcontent.remove(p) {
                    w.rcontent.insert(e.path.clone(), c);
                }
                w.remote.insert(e.path.clone(), e);
            }
        }
    }
}
