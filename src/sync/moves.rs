//! Move and rename detection: pure, the reconciler's first step.
//!
//! A move is a synced path that is gone from one side while a path new to that side (no base
//! entry) holds the same thing:
//! - local: the same file id (inode and device) and the same size and modification time; where
//!   the OS gives no id, the same content hash (the scan hashes a new file whose size and time
//!   match a synced file that is gone: see `scan`). Folders: the same id.
//! - remote: the same SMB file id and the same size and last-write time (a rename moves the
//!   change time, so that is not compared); folders: the same id. Where the server gives no
//!   ids, a file matches only when exactly one gone file and one new file share a size (not 0)
//!   and a last-write time.
//!
//! A move found on one side is carried out on the other as one rename (a folder with all of
//! it), when the other side still holds the old path as the same kind, has nothing at the new
//! one, and the mode lets that side be written. The rest of the reconciler then works on trees
//! rewritten as if that rename were done: the other side's entries and the base entries (a
//! folder's with everything under it) sit at the new path. The ordinary rules do the rest: an
//! edit made on the other side lands at the new place; content added or deleted inside a moved
//! folder, on either side, is synced inside the new place.
//!
//! Not moves, on purpose:
//! - the other side deleted the old path: the file is new at its new place and is copied there,
//!   so it survives (a rename of something that is gone is impossible);
//! - the same path moved on both sides (to one place or two): each new place is new on its side
//!   and copied, so both places keep a copy and nothing is lost;
//! - into or out of an excluded path: the run never sees the excluded side of it, so it is a
//!   delete or a create;
//! - a new name the server cannot store, or one that clashes (by case, on a case-insensitive
//!   share) with another name there: delete and create, reported as today.
//!
//! A case-only rename (`a.txt` to `A.txt`) on a case-insensitive share is an ordinary move: the
//! share renames the file in place.

use std::collections::{BTreeMap, HashMap};

use crate::names::smb_path_problem;
use crate::policy::{Mode, ReconcileOptions};
use crate::relpath::RelPath;
use crate::tree::{BaseEntry, BaseTree, Entry, EntryKind, LocalEntry, LocalTree, RemoteTree, Side};

/// Rounds of detection at most (each finds at least one move, or ends it).
const MAX_ROUNDS: usize = 8;

/// One rename to make: `from` to `to` on `side` (the side that did not move it yet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Move {
    pub side: Side,
    pub from: RelPath,
    pub to: RelPath,
    pub kind: EntryKind,
    /// The entry at `from` on `side` as listed: the executor renames only if it still is that.
    pub expected: Entry,
    /// Whether that entry is as the last sync left it. Only then may its metadata after the
    /// rename be recorded as synced; otherwise its change must still show on the next look.
    pub unchanged: bool,
    /// Base entries of `from` and of everything under it, at their old paths (to forget)...
    pub base_before: Vec<RelPath>,
    /// ...and as they are recorded once the rename is done.
    pub base_after: Vec<BaseEntry>,
}

/// The trees as if the moves were done, and the moves.
pub struct Moved {
    pub moves: Vec<Move>,
    pub local: LocalTree,
    pub remote: RemoteTree,
    pub base: BaseTree,
}

/// Finds the moves (see the module documentation). `None` when there are none, so the common
/// case costs no copy of the trees.
pub fn find(
    local: &LocalTree,
    remote: &RemoteTree,
    base: &BaseTree,
    opts: &ReconcileOptions,
) -> Option<Moved> {
    if !might_have_moves(local, remote, base) {
        return None;
    }
    let mut t = Moved {
        moves: Vec::new(),
        local: local.clone(),
        remote: remote.clone(),
        base: base.clone(),
    };
    // Moved locally: renamed on the remote, unless download mode protects it; and the other
    // way round. Again until nothing new is found: a move on one side can reveal one on the
    // other (a folder renamed on the share, a file in it renamed here), and the next run must
    // not find what this one could have.
    for _ in 0..MAX_ROUNDS {
        let before = t.moves.len();
        if opts.mode != Mode::Download {
            for kind in [EntryKind::Dir, EntryKind::File] {
                find_local_moves(&mut t, kind, opts);
            }
        }
        if opts.mode != Mode::Upload {
            for kind in [EntryKind::Dir, EntryKind::File] {
                find_remote_moves(&mut t, kind, opts);
            }
        }
        if t.moves.len() == before {
            break;
        }
    }
    (!t.moves.is_empty()).then_some(t)
}

/// A synced path gone from a side that also has a path the base does not know.
fn might_have_moves(local: &LocalTree, remote: &RemoteTree, base: &BaseTree) -> bool {
    let gone_local = base.keys().any(|p| !local.contains_key(p));
    let gone_remote = base.keys().any(|p| !remote.contains_key(p));
    (gone_local && local.keys().any(|p| !base.contains_key(p)))
        || (gone_remote && remote.keys().any(|p| !base.contains_key(p)))
}

/// Synced paths of `kind` gone from the side whose keys `present` tells, parents first.
fn gone(base: &BaseTree, kind: EntryKind, present: impl Fn(&RelPath) -> bool) -> Vec<BaseEntry> {
    let mut v: Vec<BaseEntry> = base
        .values()
        .filter(|b| b.kind == kind && !present(&b.path))
        .cloned()
        .collect();
    v.sort_by_key(|b| b.path.depth());
    v
}

fn find_local_moves(t: &mut Moved, kind: EntryKind, opts: &ReconcileOptions) {
    let gone = gone(&t.base, kind, |p| t.local.contains_key(p));
    if gone.is_empty() {
        return;
    }
    // New local entries of this kind, by id; and (no id) files by content.
    let mut by_id: HashMap<u64, Vec<&LocalEntry>> = HashMap::new();
    let mut by_hash: HashMap<(u64, crate::tree::Hash), Vec<&LocalEntry>> = HashMap::new();
    for l in t.local.values() {
        if l.kind != kind || t.base.contains_key(&l.path) {
            continue;
        }
        if let Some(id) = l.file_id {
            by_id.entry(id).or_default().push(l);
        }
        // Hashed only where the scan saw a likely move that its id does not show.
        if let Some(h) = l.hash {
            by_hash.entry((l.size, h)).or_default().push(l);
        }
    }
    // Each gone entry's candidates, best first (by id, then by content); taken one to one,
    // and only by a move that is made (a refused one leaves its candidate to the next).
    let mut found: Vec<(BaseEntry, Vec<RelPath>)> = Vec::new();
    for b in &gone {
        let same = |l: &&LocalEntry| match kind {
            EntryKind::Dir => same_folder(
                &t.base,
                &b.path,
                &l.path,
                |p| t.remote.contains_key(p),
                |b| b.local_file_id,
                |q| t.local.get(q).and_then(|l| l.file_id),
            ),
            EntryKind::File => {
                (l.size == b.local_size && l.mtime_ns == b.local_mtime_ns)
                    || (l.hash.is_some() && l.hash == b.hash)
            }
        };
        let by_identity = b
            .local_file_id
            .and_then(|id| by_id.get(&id))
            .into_iter()
            .flatten()
            .filter(|l| same(l));
        let by_content = b
            .hash
            .and_then(|h| by_hash.get(&(b.local_size, h)))
            .into_iter()
            .flatten();
        let candidates: Vec<RelPath> = by_identity
            .chain(by_content)
            .map(|l| l.path.clone())
            .collect();
        if !candidates.is_empty() {
            found.push((b.clone(), candidates));
        }
    }
    make_moves(t, Side::Remote, found, opts);
}

/// Makes each gone entry's move to its first candidate not taken yet that can be moved to.
fn make_moves(
    t: &mut Moved,
    side: Side,
    found: Vec<(BaseEntry, Vec<RelPath>)>,
    opts: &ReconcileOptions,
) {
    let mut taken: std::collections::HashSet<RelPath> = std::collections::HashSet::new();
    for (b, candidates) in found {
        for to in candidates {
            if !taken.contains(&to) && try_move(t, side, &b, &to, opts) {
                taken.insert(to);
                break;
            }
        }
    }
}

fn find_remote_moves(t: &mut Moved, kind: EntryKind, opts: &ReconcileOptions) {
    let gone = gone(&t.base, kind, |p| t.remote.contains_key(p));
    if gone.is_empty() {
        return;
    }
    let mut by_id: HashMap<u64, Vec<&Entry>> = HashMap::new();
    // Without ids: files by (size, last-write time), matched only one to one.
    let mut by_meta: HashMap<(u64, i64), Vec<&Entry>> = HashMap::new();
    for r in t.remote.values() {
        if r.kind != kind || t.base.contains_key(&r.path) {
            continue;
        }
        match r.file_id {
            Some(id) => by_id.entry(id).or_default().push(r),
            None if kind == EntryKind::File && r.size > 0 => {
                by_meta.entry((r.size, r.mtime_ns)).or_default().push(r)
            }
            None => {}
        }
    }
    let mut gone_by_meta: HashMap<(u64, i64), usize> = HashMap::new();
    for b in &gone {
        if b.remote_file_id.is_none() {
            *gone_by_meta
                .entry((b.remote_size, b.remote_mtime_ns))
                .or_default() += 1;
        }
    }
    let mut found: Vec<(BaseEntry, Vec<RelPath>)> = Vec::new();
    for b in &gone {
        let same = |r: &&Entry| match kind {
            EntryKind::Dir => same_folder(
                &t.base,
                &b.path,
                &r.path,
                |p| t.local.contains_key(p),
                |b| b.remote_file_id,
                |q| t.remote.get(q).and_then(|r| r.file_id),
            ),
            EntryKind::File => r.size == b.remote_size && r.mtime_ns == b.remote_mtime_ns,
        };
        let candidates: Vec<RelPath> = match b.remote_file_id {
            Some(id) => by_id
                .get(&id)
                .into_iter()
                .flatten()
                .filter(|r| same(r))
                .map(|r| r.path.clone())
                .collect(),
            None => {
                let key = (b.remote_size, b.remote_mtime_ns);
                match (by_meta.get(&key), gone_by_meta.get(&key)) {
                    (Some(v), Some(1)) if v.len() == 1 => vec![v[0].path.clone()],
                    _ => Vec::new(),
                }
            }
        };
        if !candidates.is_empty() {
            found.push((b.clone(), candidates));
        }
    }
    make_moves(t, Side::Local, found, opts);
}

/// Whether a folder found at `to` by the id the synced folder `from` had is that folder, not a
/// new one given a freed id (file systems reuse them): of the synced entries of `from` that the
/// side to be renamed still holds (what the rename would carry along), none is known by id, or
/// one is found, by id, at the same place inside `to`. Records without ids (older than them)
/// cannot tell, and are taken at their word.
fn same_folder(
    base: &BaseTree,
    from: &RelPath,
    to: &RelPath,
    still_there: impl Fn(&RelPath) -> bool,
    recorded_id: impl Fn(&BaseEntry) -> Option<u64>,
    id_now: impl Fn(&RelPath) -> Option<u64>,
) -> bool {
    let mut known = RelPath::descendants(base, from)
        .filter(|p| still_there(p))
        .filter_map(|p| recorded_id(&base[p]).map(|id| (p, id)))
        .peekable();
    if known.peek().is_none() {
        return true;
    }
    known.any(|(p, id)| id_now(&rebase(p, from, to)) == Some(id))
}

/// Records the move of `b` to `to`, to be made on `side`, and rewrites the trees, when it is
/// still possible after the moves found before it.
fn try_move(
    t: &mut Moved,
    side: Side,
    b: &BaseEntry,
    to: &RelPath,
    opts: &ReconcileOptions,
) -> bool {
    let from = &b.path;
    // Still synced at its old place (an earlier folder move may have rewritten it), and the
    // new place still unknown to the base.
    if t.base.get(from) != Some(b)
        || t.base.contains_key(to)
        || RelPath::descendants(&t.base, to).next().is_some()
        || to.starts_with(from)
    {
        return false;
    }
    // Renames apply one after another, each planned on the trees the ones before it left. A
    // rename on the other side that put something at or under `from` contradicts this move
    // (whose side no longer has `from`): the earlier one would make `from` again.
    if t.moves
        .iter()
        .any(|m| m.side != side && m.to.starts_with(from))
    {
        return false;
    }
    let expected = match side {
        Side::Remote => t.remote.get(from).cloned(),
        Side::Local => t.local.get(from).map(LocalEntry::as_entry),
    };
    let Some(expected) = expected.filter(|e| e.kind == b.kind) else {
        return false;
    };
    if has_entry(t, side, to) {
        return false;
    }
    // Every folder above the new path is a folder (or missing, and then made) on the side
    // renamed: a file there is a clash the reconciler reports instead.
    let file_above = to.ancestors().any(|a| match side {
        Side::Remote => t.remote.get(&a).is_some_and(|e| e.kind == EntryKind::File),
        Side::Local => t.local.get(&a).is_some_and(|e| e.kind == EntryKind::File),
    });
    if file_above {
        return false;
    }
    if side == Side::Remote && opts.check_smb_names && smb_path_problem(to).is_some() {
        return false;
    }
    // Either way the new path must be one the share can hold beside the rest.
    if opts.remote_case_insensitive && case_clash(t, from, to) {
        return false;
    }
    let unchanged = match side {
        Side::Remote => b.remote_unchanged(&expected),
        Side::Local => t.local.get(from).is_some_and(|l| b.local_unchanged(l)),
    };
    // A share's file whose change shows only in its change time: our rename moves that time
    // too, so the change could not be told after it. Not followed as a move: the old path's
    // change is synced where it is, and the new path copied (nothing lost).
    if side == Side::Remote
        && !unchanged
        && expected.size == b.remote_size
        && expected.mtime_ns == b.remote_mtime_ns
    {
        return false;
    }
    let mut base_before: Vec<RelPath> = vec![from.clone()];
    base_before.extend(
        RelPath::descendants(&t.base, from)
            .cloned()
            .collect::<Vec<_>>(),
    );
    // Rewrite: the other side's entries and the base entries now sit under `to`.
    match side {
        Side::Remote => {
            let mut top = true;
            rewrite(&mut t.remote, from, to, |e, p| {
                e.path = p;
                // Our rename moves the change time of the entry renamed (not of what is in
                // it): not knowable before, so not compared in this run.
                if std::mem::take(&mut top) {
                    e.ctime_ns = None;
                }
            })
        }
        Side::Local => rewrite(&mut t.local, from, to, |e, p| e.path = p),
    }
    rewrite(&mut t.base, from, to, |e, p| e.path = p);
    match side {
        // Moved locally: the new local paths have not been hashed (the scan hashes only what
        // it can compare with a base entry at the same path). Where the file is the one
        // synced (same id, size and time), it holds the synced content.
        Side::Remote => {
            let moved: Vec<RelPath> = std::iter::once(to.clone())
                .chain(RelPath::descendants(&t.local, to).cloned())
                .collect();
            for p in moved {
                let (Some(l), Some(b)) = (t.local.get_mut(&p), t.base.get(&p)) else {
                    continue;
                };
                let same_file = l.file_id.is_some() && l.file_id == b.local_file_id;
                if l.kind == EntryKind::File
                    && l.hash.is_none()
                    && same_file
                    && b.local_meta_same(l.size, l.mtime_ns)
                {
                    l.hash = b.hash;
                }
            }
        }
        // Moved on the share: the rename moved the change time of the entry renamed. Size and
        // time matched, so it is the synced version (an edit that kept both would need a
        // restored time as well, and is not told apart).
        Side::Local => {
            if let (Some(bt), Some(r)) = (t.base.get_mut(to), t.remote.get(to)) {
                bt.remote_ctime_ns = r.ctime_ns;
            }
        }
    }
    let base_after: Vec<BaseEntry> = base_before
        .iter()
        .map(|p| t.base[&rebase(p, from, to)].clone())
        .collect();
    t.moves.push(Move {
        side,
        from: from.clone(),
        to: to.clone(),
        kind: b.kind,
        expected,
        unchanged,
        base_before,
        base_after,
    });
    true
}

fn has_entry(t: &Moved, side: Side, p: &RelPath) -> bool {
    match side {
        Side::Remote => t.remote.contains_key(p),
        Side::Local => t.local.contains_key(p),
    }
}

/// On a case-insensitive share: the new path is the old one or inside it once case is
/// ignored (but for a case-only rename of the entry itself); or the new path or a folder above
/// it folds to another local name (case twins, of which only one is synced) or to a different
/// name the share has (other than the old name itself, which a case-only rename replaces).
fn case_clash(t: &Moved, from: &RelPath, to: &RelPath) -> bool {
    let fold = |p: &RelPath| p.as_str().to_lowercase();
    let (f_from, f_to) = (fold(from), fold(to));
    if f_to != f_from && f_to.starts_with(&format!("{f_from}/")) {
        return true;
    }
    let mut names: Vec<RelPath> = to.ancestors().collect();
    names.push(to.clone());
    names.iter().any(|q| {
        let f = fold(q);
        let twin = |p: &RelPath| p != q && fold(p) == f;
        t.local.keys().any(twin) || t.remote.keys().any(|p| twin(p) && !(q == to && p == from))
    })
}

/// Moves the entry at `from` and everything under it to `to` in `tree`.
fn rewrite<V>(
    tree: &mut BTreeMap<RelPath, V>,
    from: &RelPath,
    to: &RelPath,
    mut set_path: impl FnMut(&mut V, RelPath),
) {
    let mut keys: Vec<RelPath> = vec![from.clone()];
    keys.extend(
        RelPath::descendants(tree, from)
            .cloned()
            .collect::<Vec<_>>(),
    );
    for k in keys {
        if let Some(mut v) = tree.remove(&k) {
            let p = rebase(&k, from, to);
            set_path(&mut v, p.clone());
            tree.insert(p, v);
        }
    }
}

/// `p`, which is `from` or below it, moved to `to`.
pub fn rebase(p: &RelPath, from: &RelPath, to: &RelPath) -> RelPath {
    if p == from {
        return to.clone();
    }
    let rest = &p.as_str()[from.as_str().len() + 1..];
    RelPath::new(rest)
        .expect("the rest of a valid path is valid")
        .under(to)
}
