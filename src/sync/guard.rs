//! The mass-delete guard: a run that would delete many of a side's files, or act on a local
//! folder that is missing or looks empty and is not the folder the job synced (an unmounted
//! disk, a folder made again: see [`super::local_folder`]), stops before touching anything.
//! The stop carries what would be deleted ([`GuardStop`]: how many, the first paths, their
//! size, on which side) so the user can decide: delete them there too (`force`), copy them
//! back (`restore_missing`, see [`super::restore`]) or decide later.
//!
//! What is not a stop: a user emptying a small folder. The percentage rule needs more than
//! [`SMALL_DELETES`] files to go, and an empty-looking local folder stops only with a sign
//! that it is not the synced one. A remote that looks empty is judged by the percentage rule
//! alone (an emptied share of many files stops; one of a few files is an edit, and the local
//! copies go to the trash).

use serde::Serialize;

use super::local_folder::LocalChange;
use crate::sync::reconcile::Action;
use crate::tree::{EntryKind, Side};

/// A run deleting at most this many files on a side is never stopped by the percentage rule:
/// deleting the last files of a folder of ten is an ordinary edit, and the trash keeps them.
pub const SMALL_DELETES: usize = 10;
/// How many of the paths that would be deleted a stop lists.
pub const SHOWN_PATHS: usize = 20;

/// Which rule stopped the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GuardReason {
    /// The local folder is not the one that was synced ([`LocalChange`]).
    LocalFolder(LocalChange),
    /// More files than the job's delete limit.
    TooMany,
    /// A first sync where the user chose a side to win, and that side is empty: it would
    /// delete everything on the other (a disk not mounted, the wrong share).
    EmptyWinner,
}

/// A run the guard stopped, with what it would have deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GuardStop {
    pub reason: GuardReason,
    /// The side whose files would be deleted (they are gone from the other one).
    pub side: Side,
    /// Files that would be deleted on `side`.
    pub count: u64,
    /// Their total size in bytes.
    pub bytes: u64,
    /// The first [`SHOWN_PATHS`] of them, in path order.
    pub paths: Vec<String>,
    /// What happened, for people, without what to do about it.
    pub what: String,
}

impl std::fmt::Display for GuardStop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}. Nothing was changed. To delete them on the {} too, run the sync again with --force; to copy them back from the {} instead, run it with --restore-missing",
            self.what,
            side_word(self.side),
            side_word(self.side.other()),
        )
    }
}

impl GuardStop {
    /// A first sync whose chosen winner is empty: `what` says so; the stop lists the deletes
    /// on the other side.
    pub fn winner_empty(actions: &[Action], winner: Side, what: String) -> GuardStop {
        let side = winner.other();
        let (count, bytes, paths) = deletes_on(actions, side);
        GuardStop {
            reason: GuardReason::EmptyWinner,
            side,
            count,
            bytes,
            paths,
            what,
        }
    }

    /// The job's state message while it waits for the user: short, for a status line.
    pub fn waiting_message(&self) -> String {
        let place = match self.side {
            Side::Local => "on this computer",
            Side::Remote => "on the server",
        };
        format!("{} would be deleted {place}", files(self.count))
    }
}

fn side_word(s: Side) -> &'static str {
    match s {
        Side::Local => "local side",
        Side::Remote => "remote",
    }
}

/// How many files each side holds (and held at the last sync), the guard's yardstick.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub local_files: usize,
    pub remote_files: usize,
    pub base_files: usize,
    /// Apply the empty-side rule. Only a full run can tell a side looks empty: a scoped run
    /// (live sync) sees just the paths the watchers named, and judges deletions against the
    /// whole job's file count instead.
    pub judge_empty_sides: bool,
    /// The local folder is not the one the job synced.
    pub local_change: Option<LocalChange>,
}

impl Totals {
    /// A scoped run's yardstick: the job's synced files, `all`.
    pub fn of_job(all: usize) -> Totals {
        Totals {
            local_files: all,
            remote_files: all,
            base_files: all,
            judge_empty_sides: false,
            local_change: None,
        }
    }
}

/// The files a run would delete on `side`: how many, their size, the first paths.
fn deletes_on(actions: &[Action], side: Side) -> (u64, u64, Vec<String>) {
    let mut files: Vec<(&str, u64)> = actions
        .iter()
        .filter_map(|a| match (a, side) {
            (Action::DeleteLocal { local }, Side::Local) if local.kind == EntryKind::File => {
                Some((local.path.as_str(), local.size))
            }
            (Action::DeleteRemote { remote }, Side::Remote) if remote.kind == EntryKind::File => {
                Some((remote.path.as_str(), remote.size))
            }
            _ => None,
        })
        .collect();
    files.sort_unstable();
    let bytes: u64 = files.iter().map(|(_, s)| s).sum();
    let paths = files
        .iter()
        .take(SHOWN_PATHS)
        .map(|(p, _)| p.to_string())
        .collect();
    (files.len() as u64, bytes, paths)
}

pub fn check(actions: &[Action], totals: Totals, max_delete_percent: u32) -> Result<(), GuardStop> {
    let Totals {
        local_files,
        remote_files,
        base_files,
        judge_empty_sides,
        local_change,
    } = totals;
    let stop = |reason, side, what: &dyn Fn(u64) -> String| {
        let (count, bytes, paths) = deletes_on(actions, side);
        Err(GuardStop {
            reason,
            side,
            count,
            bytes,
            paths,
            what: what(count),
        })
    };
    if local_change == Some(LocalChange::Missing) && base_files > 0 {
        return stop(
            GuardReason::LocalFolder(LocalChange::Missing),
            Side::Remote,
            &|n| {
                format!("the local folder is missing but {base_files} files were synced from it before; is the disk mounted? This run would delete {} on the remote", files(n))
            },
        );
    }
    let (del_local, _, _) = deletes_on(actions, Side::Local);
    let (del_remote, _, _) = deletes_on(actions, Side::Remote);
    if let Some(change) = local_change {
        if judge_empty_sides && base_files > 0 && local_files == 0 && del_remote > 0 {
            let why = match change {
                LocalChange::DeviceChanged => "is on another disk than when it was synced",
                _ => "has lost its .anemone-sync-folder marker",
            };
            return stop(GuardReason::LocalFolder(change), Side::Remote, &|n| {
                format!("the local folder looks empty and {why} ({base_files} files were synced before); is the disk mounted? This run would delete {} on the remote", files(n))
            });
        }
    }
    for (side, deletes, total) in [
        (Side::Local, del_local as usize, local_files),
        (Side::Remote, del_remote as usize, remote_files),
    ] {
        if deletes > SMALL_DELETES && deletes * 100 > max_delete_percent as usize * total {
            let emptied = match side {
                Side::Local => remote_files == 0,
                Side::Remote => local_files == 0,
            };
            let other = side_word(side.other());
            return stop(GuardReason::TooMany, side, &|n| {
                let head = if emptied && judge_empty_sides {
                    format!(
                        "the {} folder looks empty; ",
                        if side == Side::Local {
                            "remote"
                        } else {
                            "local"
                        }
                    )
                } else {
                    String::new()
                };
                format!(
                    "{head}this run would delete {n} of the {total} files on the {} ({}%), more than the job's limit of {max_delete_percent}%, because they are gone from the {other}",
                    side_word(side),
                    n as usize * 100 / total.max(1),
                )
            });
        }
    }
    Ok(())
}

/// "1 file", "20 files" (the report's own `plural` lives above the guard: no import back).
fn files(n: u64) -> String {
    crate::words::plural(n, "file")
}

/// The delete guard of a first sync with a winner chosen: the deletes on the losing side are
/// what the user chose, but a winning side with no files at all is rather a disk not mounted
/// or a wrong folder, and would empty the other side.
/// `Err` says what is wrong (the run then stops with a [`GuardStop`]).
pub fn check_winner(winner: Side, totals: Totals) -> Result<(), String> {
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
mod winner_tests {
    use super::*;

    #[test]
    fn an_empty_winning_side_stops_the_first_sync() {
        let t = |local_files, remote_files| Totals {
            local_files,
            remote_files,
            base_files: 0,
            judge_empty_sides: true,
            local_change: None,
        };
        assert!(check_winner(Side::Local, t(0, 5))
            .unwrap_err()
            .contains("all 5 files on the server"));
        assert!(check_winner(Side::Remote, t(3, 0)).is_err());
        assert!(check_winner(Side::Local, t(1, 500)).is_ok());
        assert!(check_winner(Side::Local, t(0, 0)).is_ok());
    }
}
