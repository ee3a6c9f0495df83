//! The part of a job's tree one run looks at. A full run looks at everything; a live-sync run
//! looks only at the paths that changed (from file-system events or remote change
//! notification): each scope root with everything below it, plus the folders above the roots as
//! single entries, so the reconciler sees every parent a decision depends on.
//!
//! Invariant that makes a scoped run safe: for every path it covers, the run sees all three
//! trees (local, remote, base) exactly as a full run would, so it makes the same decision a full
//! run would make for that path. Paths outside the scope are neither read nor touched.

use std::collections::BTreeSet;

use crate::relpath::RelPath;
use crate::replica::{Listing, Replica, ReplicaErrorKind, ReplicaResult};
use crate::tree::BaseTree;
use crate::tree::EntryKind;

/// Subtree roots; no root lies under another (adding a parent absorbs its children).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    roots: BTreeSet<RelPath>,
}

impl Scope {
    pub fn new() -> Scope {
        Scope::default()
    }

    /// The whole tree.
    pub fn everything() -> Scope {
        let mut s = Scope::new();
        s.add(RelPath::root());
        s
    }

    pub fn add(&mut self, path: RelPath) {
        if self.roots.iter().any(|r| path.starts_with(r)) {
            return;
        }
        self.roots.retain(|r| !r.starts_with(&path));
        self.roots.insert(path);
    }

    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    pub fn is_everything(&self) -> bool {
        self.roots.contains(&RelPath::root())
    }

    pub fn len(&self) -> usize {
        self.roots.len()
    }

    pub fn roots(&self) -> impl Iterator<Item = &RelPath> {
        self.roots.iter()
    }

    /// The folders above the roots (not the job root itself).
    pub fn ancestors(&self) -> BTreeSet<RelPath> {
        self.roots
            .iter()
            .flat_map(|r| r.ancestors().collect::<Vec<_>>())
            .collect()
    }

    /// Whether a run with this scope sees `path`: at or under a root, or a folder above one.
    pub fn covers(&self, path: &RelPath) -> bool {
        self.roots
            .iter()
            .any(|r| path.starts_with(r) || r.starts_with(path))
    }

    /// The base entries the scope covers.
    pub fn restrict_base(&self, base: &BaseTree) -> BaseTree {
        if self.is_everything() {
            return base.clone();
        }
        let mut out = BaseTree::new();
        for a in self.ancestors() {
            if let Some(b) = base.get(&a) {
                out.insert(a, b.clone());
            }
        }
        for r in &self.roots {
            if let Some(b) = base.get(r) {
                out.insert(r.clone(), b.clone());
            }
            for p in RelPath::descendants(base, r) {
                out.insert(p.clone(), base[p].clone());
            }
        }
        out
    }
}

/// Lists the scope on the remote: each root (recursively when it is a folder) and the folders
/// above the roots as single entries. `skip_dir` (the trash) is never entered.
pub async fn list_remote_scope(
    remote: &dyn Replica,
    scope: &Scope,
    skip_dir: &str,
) -> ReplicaResult<Listing> {
    if scope.is_everything() {
        return remote.list(skip_dir).await;
    }
    let mut out = Listing::default();
    for a in scope.ancestors() {
        if let Some(e) = remote.stat(&a).await? {
            out.entries.push(e);
        }
    }
    for root in scope.roots() {
        if root.components().next() == Some(skip_dir) {
            continue;
        }
        let Some(e) = remote.stat(root).await? else {
            continue;
        };
        let is_dir = e.kind == EntryKind::Dir;
        out.entries.push(e);
        if is_dir {
            let mut stack = vec![root.clone()];
            while let Some(dir) = stack.pop() {
                let children = match remote.list_dir(&dir).await {
                    Ok(c) => c,
                    // Removed between the stat and the listing: nothing below it now.
                    Err(e) if e.kind == ReplicaErrorKind::NotFound => continue,
                    Err(e) => return Err(e),
                };
                stack.extend(
                    children
                        .entries
                        .iter()
                        .filter(|c| c.kind == EntryKind::Dir)
                        .map(|c| c.path.clone()),
                );
                out.extend(children);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> RelPath {
        RelPath::new(s).unwrap()
    }

    #[test]
    fn a_parent_absorbs_its_children_and_siblings_stay_apart() {
        let mut s = Scope::new();
        s.add(p("a/b/c.txt"));
        s.add(p("a/b-2"));
        s.add(p("a/b"));
        s.add(p("a/b/d/e.txt"));
        assert_eq!(
            s.roots().cloned().collect::<Vec<_>>(),
            vec![p("a/b"), p("a/b-2")]
        );
        assert!(s.covers(&p("a")));
        assert!(s.covers(&p("a/b/x/y")));
        assert!(!s.covers(&p("a/c")));
        assert!(!s.covers(&p("a/b 2")));
        assert_eq!(s.ancestors().into_iter().collect::<Vec<_>>(), vec![p("a")]);
        s.add(RelPath::root());
        assert!(s.is_everything() && s.len() == 1);
    }
}
