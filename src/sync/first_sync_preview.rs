//! What each first-sync choice ([`super::first_sync::FirstSync`]) would move, counted from a
//! dry plan of both scanned sides: apart from the choice itself so the reconciler, which takes
//! the choice, does not import what imports it.

use serde::Serialize;

use crate::policy::ReconcileOptions;
use crate::tree::{BaseTree, EntryKind, LocalTree, RemoteTree, Side};

use super::first_sync::FirstSync;
use super::reconcile::{reconcile_with, Action};

/// What one choice would do, file by file (folders are not counted).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FirstSyncCounts {
    /// Files copied to the server where it has none.
    pub uploads: u64,
    /// Files copied to this computer where it has none.
    pub downloads: u64,
    /// Files on both sides whose sizes differ, replaced by the winner's version (the old one
    /// goes to the trash of its side).
    pub replaced: u64,
    /// Files only on the losing side, moved to that side's trash.
    pub deleted: u64,
    /// Files on both sides whose sizes differ, left to the job's conflict policy (merge).
    pub conflicts: u64,
    /// Files on both sides with the same size: compared byte by byte when the sync runs;
    /// identical ones are kept as they are, differing ones are replaced (or, with merge,
    /// conflicts).
    pub to_compare: u64,
    /// Bytes copied for uploads, downloads and replacements (not counting `to_compare`).
    pub bytes: u64,
    /// At most this many more bytes if every file to compare differs.
    pub compare_bytes: u64,
}

/// The counts of each choice, for the same two scanned sides.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FirstSyncPreview {
    pub merge: FirstSyncCounts,
    pub local_wins: FirstSyncCounts,
    pub remote_wins: FirstSyncCounts,
    /// Files on each side when the preview was made.
    pub local_files: u64,
    pub remote_files: u64,
}

impl FirstSyncPreview {
    pub fn of(&self, choice: FirstSync) -> &FirstSyncCounts {
        match choice {
            FirstSync::Merge => &self.merge,
            FirstSync::LocalWins => &self.local_wins,
            FirstSync::RemoteWins => &self.remote_wins,
        }
    }
}

/// Counts what each choice would do with these trees: three dry plans, nothing touched.
pub fn preview(
    local: &LocalTree,
    remote: &RemoteTree,
    base: &BaseTree,
    opts: &ReconcileOptions,
) -> FirstSyncPreview {
    let files = |n: usize| n as u64;
    FirstSyncPreview {
        merge: count(&reconcile_with(local, remote, base, opts, FirstSync::Merge)),
        local_wins: count(&reconcile_with(
            local,
            remote,
            base,
            opts,
            FirstSync::LocalWins,
        )),
        remote_wins: count(&reconcile_with(
            local,
            remote,
            base,
            opts,
            FirstSync::RemoteWins,
        )),
        local_files: files(local.values().filter(|e| e.kind == EntryKind::File).count()),
        remote_files: files(
            remote
                .values()
                .filter(|e| e.kind == EntryKind::File)
                .count(),
        ),
    }
}

/// The counts of one plan.
pub fn count(actions: &[Action]) -> FirstSyncCounts {
    let mut c = FirstSyncCounts::default();
    for a in actions {
        match a {
            Action::Upload { local, replaces } => {
                match replaces {
                    Some(_) => c.replaced += 1,
                    None => c.uploads += 1,
                }
                c.bytes += local.size;
            }
            Action::Download { remote, replaces } => {
                match replaces {
                    Some(_) => c.replaced += 1,
                    None => c.downloads += 1,
                }
                c.bytes += remote.size;
            }
            Action::DeleteLocal { local } if local.kind == EntryKind::File => c.deleted += 1,
            Action::DeleteRemote { remote } if remote.kind == EntryKind::File => c.deleted += 1,
            Action::Conflict {
                local,
                remote,
                same_size,
            } => {
                if *same_size {
                    c.to_compare += 1;
                    c.compare_bytes += local.size.max(remote.size);
                } else {
                    c.conflicts += 1;
                }
            }
            Action::Overwrite {
                local,
                remote,
                winner,
                same_size,
            } => {
                let size = match winner {
                    Side::Local => local.size,
                    Side::Remote => remote.size,
                };
                if *same_size {
                    c.to_compare += 1;
                    c.compare_bytes += size;
                } else {
                    c.replaced += 1;
                    c.bytes += size;
                }
            }
            _ => {}
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Mode;
    use crate::relpath::RelPath;
    use crate::sync::first_sync::FirstSyncSetting;
    use crate::tree::{Entry, LocalEntry};

    fn l(path: &str, size: u64) -> (RelPath, LocalEntry) {
        let p = RelPath::new(path).unwrap();
        (
            p.clone(),
            LocalEntry {
                path: p,
                kind: EntryKind::File,
                size,
                mtime_ns: 1,
                hash: None,
                file_id: None,
            },
        )
    }

    fn r(path: &str, size: u64) -> (RelPath, Entry) {
        let p = RelPath::new(path).unwrap();
        (
            p.clone(),
            Entry {
                path: p,
                kind: EntryKind::File,
                size,
                mtime_ns: 1,
                ctime_ns: None,
                file_id: None,
            },
        )
    }

    fn opts(mode: Mode) -> ReconcileOptions {
        ReconcileOptions {
            mode,
            remote_case_insensitive: false,
            check_smb_names: true,
        }
    }

    /// Local: only-here (10), same (5), differs (3). Remote: only-there (20), same (5),
    /// differs (7).
    fn sides() -> (LocalTree, RemoteTree) {
        let local = [l("only-here", 10), l("same", 5), l("differs", 3)]
            .into_iter()
            .collect();
        let remote = [r("only-there", 20), r("same", 5), r("differs", 7)]
            .into_iter()
            .collect();
        (local, remote)
    }

    #[test]
    fn each_choice_counts_what_it_would_move() {
        let (local, remote) = sides();
        let p = preview(&local, &remote, &BaseTree::new(), &opts(Mode::TwoWay));
        assert_eq!(
            p.merge,
            FirstSyncCounts {
                uploads: 1,
                downloads: 1,
                conflicts: 1,
                to_compare: 1,
                bytes: 30,
                compare_bytes: 5,
                ..Default::default()
            }
        );
        assert_eq!(
            p.local_wins,
            FirstSyncCounts {
                uploads: 1,
                replaced: 1,
                deleted: 1,
                to_compare: 1,
                bytes: 13,
                compare_bytes: 5,
                ..Default::default()
            }
        );
        assert_eq!(
            p.remote_wins,
            FirstSyncCounts {
                downloads: 1,
                replaced: 1,
                deleted: 1,
                to_compare: 1,
                bytes: 27,
                compare_bytes: 5,
                ..Default::default()
            }
        );
        assert_eq!((p.local_files, p.remote_files), (3, 3));
    }

    #[test]
    fn a_choice_that_clashes_with_the_mode_is_merge() {
        let (local, remote) = sides();
        let base = BaseTree::new();
        let up = opts(Mode::Upload);
        assert_eq!(
            reconcile_with(&local, &remote, &base, &up, FirstSync::RemoteWins),
            reconcile_with(&local, &remote, &base, &up, FirstSync::Merge)
        );
        assert!(FirstSync::RemoteWins.clash_with(Mode::Upload).is_some());
        assert!(FirstSync::LocalWins.clash_with(Mode::Upload).is_none());
        // Upload mode with local-wins mirrors: the server-only file goes to its trash.
        let c = count(&reconcile_with(
            &local,
            &remote,
            &base,
            &up,
            FirstSync::LocalWins,
        ));
        assert_eq!((c.uploads, c.deleted, c.replaced), (1, 1, 1));
    }

    #[test]
    fn choices_parse_and_print_alike() {
        for c in FirstSync::ALL {
            assert_eq!(c.as_str().parse::<FirstSync>(), Ok(c));
        }
        assert_eq!("ask".parse(), Ok(FirstSyncSetting::Ask));
        assert!("server"
            .parse::<FirstSync>()
            .unwrap_err()
            .contains("remote-wins"));
    }
}
