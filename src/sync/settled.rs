//! Paths a run has nothing to decide about: on both sides and in the base, of one kind, and
//! unchanged on both sides since the last sync, metadata and ids included. The reconciler
//! would plan nothing for such a path, and no other path's decision looks at it (see
//! [`CaseTwins`] for the one exception, names that differ only in case), so a run leaves them
//! out of the trees it holds: a no-op run over a million files then holds almost nothing.
//!
//! Pure. The property tests check that the reconciler plans the same with and without them
//! ([`drop_settled`]).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash as _, Hasher};

use crate::relpath::RelPath;
use crate::tree::{BaseEntry, BaseTree, Entry, EntryKind, LocalEntry, LocalTree, RemoteTree};

/// Whether the reconciler plans nothing for a path with these three entries: the same kind on
/// all three, and each side exactly as the base recorded it (for a local file: its content by
/// hash, and its size, time and id, which a touch or a copy-over-itself would refresh).
pub fn is_settled(l: &LocalEntry, r: &Entry, b: &BaseEntry) -> bool {
    if l.kind != r.kind || l.kind != b.kind || b.local_file_id != l.file_id {
        return false;
    }
    match l.kind {
        EntryKind::Dir => true,
        EntryKind::File => {
            b.local_unchanged(l) && b.remote_unchanged(r) && b.local_meta_same(l.size, l.mtime_ns)
        }
    }
}

/// On a share that does not tell case apart, the reconciler compares names case-folded across
/// the whole tree (one of several local names that differ only in case is synced, a move is
/// refused onto a name that clashes with another): a settled path can decide another path's
/// fate there. Those paths are kept: every path whose folded name, or a folder above it whose
/// folded name, belongs to more than one path of either side. Folded names are kept as 64-bit
/// hashes, not strings (a million paths would cost their whole text again); a collision of two
/// hashes only keeps a few more paths than needed.
#[derive(Debug, Default)]
pub struct CaseTwins {
    /// Hashes of folded names shared by two or more different paths.
    shared: std::collections::HashSet<u64>,
}

fn hash_of(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

impl CaseTwins {
    /// The twins among `paths` (every path of both sides; a path on both sides may come twice).
    pub fn of<'a>(paths: impl Iterator<Item = &'a RelPath>) -> CaseTwins {
        // Folded hash -> the exact hash of the first path seen with it, and whether another
        // path was seen with it too.
        let mut seen: HashMap<u64, (u64, bool)> = HashMap::new();
        for p in paths {
            let exact = hash_of(p.as_str());
            let e = seen
                .entry(hash_of(&p.as_str().to_lowercase()))
                .or_insert((exact, false));
            if e.0 != exact {
                e.1 = true;
            }
        }
        CaseTwins {
            shared: seen
                .into_iter()
                .filter(|(_, (_, shared))| *shared)
                .map(|(folded, _)| folded)
                .collect(),
        }
    }

    /// Whether `p` or a folder above it shares its folded name with another path.
    pub fn touches(&self, p: &RelPath) -> bool {
        if self.shared.is_empty() {
            return false;
        }
        let folded = p.as_str().to_lowercase();
        let shared = |s: &str| self.shared.contains(&hash_of(s));
        shared(&folded) || folded.match_indices('/').any(|(i, _)| shared(&folded[..i]))
    }
}

/// Removes the settled paths from all three trees (kept where [`CaseTwins`] says so, when
/// `case_insensitive`). What a run's merge does as it reads the trees; here for whole trees, so
/// tests can compare the reconciler's plans with and without them.
pub fn drop_settled(
    local: &mut LocalTree,
    remote: &mut RemoteTree,
    base: &mut BaseTree,
    case_insensitive: bool,
) {
    let twins = if case_insensitive {
        CaseTwins::of(local.keys().chain(remote.keys()))
    } else {
        CaseTwins::default()
    };
    let settled: Vec<RelPath> = local
        .iter()
        .filter(|(p, l)| match (remote.get(*p), base.get(*p)) {
            (Some(r), Some(b)) => is_settled(l, r, b) && !twins.touches(p),
            _ => false,
        })
        .map(|(p, _)| p.clone())
        .collect();
    for p in settled {
        local.remove(&p);
        remote.remove(&p);
        base.remove(&p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> RelPath {
        RelPath::new(s).unwrap()
    }

    #[test]
    fn twins_are_found_by_folded_name_and_reach_below_a_twin_folder() {
        let paths = [p("Docs"), p("docs"), p("docs/a.txt"), p("x/B.txt"), p("x")];
        // A path listed on both sides counts once.
        let twins = CaseTwins::of(paths.iter().chain([p("x/B.txt")].iter()));
        assert!(twins.touches(&p("Docs")));
        assert!(twins.touches(&p("docs")));
        assert!(twins.touches(&p("docs/a.txt")), "below a twin folder");
        assert!(twins.touches(&p("DOCS/new")));
        assert!(!twins.touches(&p("x/B.txt")));
        assert!(!twins.touches(&p("x")));
        assert!(!CaseTwins::default().touches(&p("Docs")));
    }
}
