//! The first sync of two folders that both hold files: how paths that were never synced are
//! settled, chosen per job ([`FirstSync`]), and what each choice would move
//! ([`FirstSyncPreview`]), counted from a dry plan of both scanned sides.
//!
//! - `merge` (the default): files only on one side are copied to the other, identical files are
//!   adopted, files that differ are conflicts (settled by the job's conflict policy).
//! - `local-wins`: the server ends up like this computer's folder: files only on the server are
//!   deleted there and differing ones replaced by the local version.
//! - `remote-wins`: the reverse.
//!
//! Nothing is lost either way: every file replaced or deleted goes to the trash of its side
//! (`.anemone-trash`), as it does in any run. The choice applies to paths with no synced state
//! and only until the job's first complete sync, which spends it (a first sync that is cut off
//! keeps it, so the rest of that sync follows the same choice).

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::policy::{Mode, ReconcileOptions};
use crate::tree::{BaseTree, EntryKind, LocalTree, RemoteTree, Side};

use super::guard::Totals as GuardTotals;
use super::reconcile::{reconcile_with, Action};

/// How a job's first sync settles paths present on one or both sides and never synced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FirstSync {
    #[default]
    Merge,
    LocalWins,
    RemoteWins,
}

impl FirstSync {
    pub const ALL: [FirstSync; 3] = [
        FirstSync::Merge,
        FirstSync::LocalWins,
        FirstSync::RemoteWins,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FirstSync::Merge => "merge",
            FirstSync::LocalWins => "local-wins",
            FirstSync::RemoteWins => "remote-wins",
        }
    }

    /// The side whose content wins, if any.
    pub fn winner(self) -> Option<Side> {
        match self {
            FirstSync::Merge => None,
            FirstSync::LocalWins => Some(Side::Local),
            FirstSync::RemoteWins => Some(Side::Remote),
        }
    }

    /// Why this choice cannot go with `mode`, if it cannot: a one-way job never writes its
    /// source side, so the source side cannot lose.
    pub fn clash_with(self, mode: Mode) -> Option<String> {
        match (self, mode) {
            (FirstSync::RemoteWins, Mode::Upload) => Some(
                "remote-wins cannot go with upload mode (an upload job never changes this computer's folder); use merge or local-wins".into(),
            ),
            (FirstSync::LocalWins, Mode::Download) => Some(
                "local-wins cannot go with download mode (a download job never changes the server); use merge or remote-wins".into(),
            ),
            _ => None,
        }
    }
}

impl std::fmt::Display for FirstSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FirstSync {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "merge" => Ok(FirstSync::Merge),
            "local-wins" => Ok(FirstSync::LocalWins),
            "remote-wins" => Ok(FirstSync::RemoteWins),
            other => Err(format!(
                "unknown first-sync choice '{other}'; use merge, local-wins or remote-wins"
            )),
        }
    }
}

/// A job's first-sync setting while it is not spent: chosen, or to be asked (jobs added in the
/// app without a choice: the first sync stops and waits when both folders hold something).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FirstSyncSetting {
    Ask,
    Chosen(FirstSync),
}

impl FirstSyncSetting {
    pub fn as_str(self) -> &'static str {
        match self {
            FirstSyncSetting::Ask => "ask",
            FirstSyncSetting::Chosen(c) => c.as_str(),
        }
    }

    /// The choice to apply to this run (asking is merge once nothing needs asking: one side
    /// was empty, and then all three choices are the same).
    pub fn choice(self) -> FirstSync {
        match self {
            FirstSyncSetting::Ask => FirstSync::Merge,
            FirstSyncSetting::Chosen(c) => c,
        }
    }
}

impl FromStr for FirstSyncSetting {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ask" => Ok(FirstSyncSetting::Ask),
            other => other.parse().map(FirstSyncSetting::Chosen),
        }
    }
}

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

/// The delete guard of a first sync with a winner chosen: the deletes on the losing side are
/// what the user chose, but a winning side with no files at all is rather a disk not mounted
/// or a wrong folder, and would empty the other side.
/// `Err` says what is wrong (the run then stops with a [`super::guard::GuardStop`]).
pub fn guard_winner(winner: Side, totals: GuardTotals) -> Result<(), String> {
    let (win, lose) = match winner {
        Side::Local => (totals.local_files, totals.remote_files),
        Side::Remote => (totals.remote_files, totals.local_files),
    };
    if win > 0 || lose == 0 {
        return Ok(());
    }
    Err(match winner {
        Side::Local => format!(
            "this computer's folder is empty (is the disk mounted?), and local-wins would delete all {lose} files on the server (to its trash)"
        ),
        Side::Remote => format!(
            "the server's folder is empty (is it the right share?), and remote-wins would delete all {lose} files in this computer's folder (to its trash)"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relpath::RelPath;
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
    fn an_empty_winning_side_stops_the_first_sync() {
        let t = |local_files, remote_files| GuardTotals {
            local_files,
            remote_files,
            base_files: 0,
            judge_empty_sides: true,
            local_change: None,
        };
        assert!(guard_winner(Side::Local, t(0, 5))
            .unwrap_err()
            .contains("all 5 files on the server"));
        assert!(guard_winner(Side::Remote, t(3, 0)).is_err());
        assert!(guard_winner(Side::Local, t(1, 500)).is_ok());
        assert!(guard_winner(Side::Local, t(0, 0)).is_ok());
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
