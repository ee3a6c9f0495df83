//! The reconciler's actions put in the order they are carried out, with the run's totals:
//! pure, nothing is touched. (What a dry run reports is [`super::report::RunReport::dry_run`].)
//!
//! Order: renames that follow moves (in the reconciler's order), folders to create (parents first), then copies, conflicts and records (in parallel),
//! then file deletions, then folder deletions (deepest first). Copies come before deletions so
//! an interrupted run never holds fewer copies of a file than before it started; a folder is
//! removed only after what was in it.

use crate::relpath::RelPath;
use crate::sync::reconcile::Action;
use crate::tree::EntryKind;

/// The actions of one run, by stage.
#[derive(Debug, Default)]
pub struct Plan {
    /// Renames following moves made on the other side, one after another, before anything
    /// else: every other action was planned as if they were done.
    pub moves: Vec<Action>,
    /// Folders to create, parents before children.
    pub creates: Vec<Action>,
    /// Uploads, downloads, conflicts, and base records and forgets: run side by side.
    pub copies: Vec<Action>,
    /// Files to delete (to the trash), after every copy.
    pub file_deletes: Vec<Action>,
    /// Folders to delete, deepest first, after every file deletion.
    pub dir_deletes: Vec<Action>,
    /// Paths the reconciler would not touch, and why: reported as per-file errors.
    pub skips: Vec<(RelPath, String)>,
}

/// What a run will do, for its progress: actions that count as a file done, and bytes to move.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub files: u64,
    pub bytes: u64,
}

impl Plan {
    pub fn of(actions: Vec<Action>) -> Plan {
        let mut plan = Plan::default();
        for a in actions {
            match a {
                Action::CreateLocalDir { .. } | Action::CreateRemoteDir { .. } => {
                    plan.creates.push(a)
                }
                Action::DeleteLocal { ref local } if local.kind == EntryKind::Dir => {
                    plan.dir_deletes.push(a)
                }
                Action::DeleteRemote { ref remote } if remote.kind == EntryKind::Dir => {
                    plan.dir_deletes.push(a)
                }
                Action::DeleteLocal { .. } | Action::DeleteRemote { .. } => {
                    plan.file_deletes.push(a)
                }
                Action::Skip { path, reason } => plan.skips.push((path, reason)),
                Action::Move(_) => plan.moves.push(a),
                _ => plan.copies.push(a),
            }
        }
        // Paths sort parents first; a stable sort keeps the reconciler's order otherwise.
        plan.creates.sort_by(|a, b| a.path().cmp(b.path()));
        plan.dir_deletes
            .sort_by_key(|a| std::cmp::Reverse(a.path().depth()));
        plan
    }

    /// Files counts every move, create, transfer, conflict and delete (records and forgets are
    /// bookkeeping and not shown); bytes are those of uploads and downloads.
    pub fn totals(&self) -> Totals {
        let transfers = self
            .copies
            .iter()
            .filter(|a| {
                matches!(
                    a,
                    Action::Upload { .. }
                        | Action::Download { .. }
                        | Action::Conflict { .. }
                        | Action::Overwrite { .. }
                )
            })
            .count();
        let bytes = self
            .copies
            .iter()
            .map(|a| match a {
                Action::Upload { local, .. } => local.size,
                Action::Download { remote, .. } => remote.size,
                _ => 0,
            })
            .sum();
        Totals {
            files: (self.moves.len()
                + self.creates.len()
                + transfers
                + self.file_deletes.len()
                + self.dir_deletes.len()) as u64,
            bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::{Entry, LocalEntry};

    fn p(s: &str) -> RelPath {
        RelPath::new(s).unwrap()
    }

    fn local(path: &str, kind: EntryKind, size: u64) -> LocalEntry {
        LocalEntry {
            path: p(path),
            kind,
            size,
            mtime_ns: 1,
            hash: None,
            file_id: None,
        }
    }

    fn remote(path: &str, kind: EntryKind, size: u64) -> Entry {
        Entry {
            path: p(path),
            kind,
            size,
            mtime_ns: 1,
            ctime_ns: None,
            file_id: None,
        }
    }

    fn paths(actions: &[Action]) -> Vec<&str> {
        actions.iter().map(|a| a.path().as_str()).collect()
    }

    #[test]
    fn folders_are_created_parents_first_and_deleted_deepest_first() {
        let plan = Plan::of(vec![
            Action::DeleteLocal {
                local: local("a", EntryKind::Dir, 0),
            },
            Action::CreateRemoteDir {
                local: local("x/y/z", EntryKind::Dir, 0),
            },
            Action::DeleteRemote {
                remote: remote("a/b/c", EntryKind::Dir, 0),
            },
            Action::CreateLocalDir {
                remote: remote("x", EntryKind::Dir, 0),
            },
            Action::DeleteLocal {
                local: local("a/b", EntryKind::Dir, 0),
            },
            Action::CreateRemoteDir {
                local: local("x/y", EntryKind::Dir, 0),
            },
        ]);
        assert_eq!(paths(&plan.creates), ["x", "x/y", "x/y/z"]);
        assert_eq!(paths(&plan.dir_deletes), ["a/b/c", "a/b", "a"]);
        assert!(plan.copies.is_empty() && plan.file_deletes.is_empty());
    }

    #[test]
    fn copies_and_file_deletes_are_apart_and_skips_are_kept_with_their_reason() {
        let plan = Plan::of(vec![
            Action::DeleteRemote {
                remote: remote("gone.txt", EntryKind::File, 5),
            },
            Action::Upload {
                local: local("up.bin", EntryKind::File, 10),
                replaces: None,
            },
            Action::Skip {
                path: p("bad:name"),
                reason: "the share cannot store ':'".into(),
            },
            Action::Download {
                remote: remote("down.bin", EntryKind::File, 7),
                replaces: None,
            },
            Action::DeleteLocal {
                local: local("old.txt", EntryKind::File, 3),
            },
        ]);
        assert_eq!(paths(&plan.copies), ["up.bin", "down.bin"]);
        assert_eq!(paths(&plan.file_deletes), ["gone.txt", "old.txt"]);
        assert_eq!(
            plan.skips,
            [(p("bad:name"), "the share cannot store ':'".to_string())]
        );
        assert_eq!(
            plan.totals(),
            Totals {
                files: 4,
                bytes: 17
            }
        );
    }

    #[test]
    fn records_and_forgets_are_neither_files_nor_bytes_to_show() {
        let plan = Plan::of(vec![
            Action::Record {
                local: local("same.txt", EntryKind::File, 4),
                remote: remote("same.txt", EntryKind::File, 4),
            },
            Action::Forget {
                path: p("both-gone.txt"),
            },
            Action::CreateLocalDir {
                remote: remote("d", EntryKind::Dir, 0),
            },
        ]);
        assert_eq!(plan.copies.len(), 2);
        assert_eq!(plan.totals(), Totals { files: 1, bytes: 0 });
    }
}
