//! Reconciliation: a pure function of (local tree, remote tree, base tree) -> actions.
//!
//! No I/O happens here, which is what lets the property tests run it thousands of times.
//! Rules (see the README for the user-facing version):
//! - changed on one side only -> propagate; changed on both sides -> [`Action::Conflict`], which
//!   the executor first checks by content (same bytes: recorded as synced, nothing moves) and
//!   otherwise settles with [`settle`];
//! - an edit beats a delete: the edited side is copied back to the side that deleted;
//! - remote changes are detected by comparing the remote metadata with the metadata recorded at
//!   the last sync (size, last-write time, change time), local ones by content hash;
//! - with no base (first sync) identical files are adopted, one-sided files copied, differing
//!   files are conflicts; unless the job's first-sync choice names a winner
//!   ([`super::first_sync`]): then the losing side ends up like the winner;
//! - folders are created and removed both ways; a removed folder that still has (or gains)
//!   content on the other side is kept and recreated;
//! - names the server cannot hold are skipped with a per-file reason and nothing is touched;
//!   of local names that differ only in case, on a case-insensitive share, one is synced (the
//!   one synced before, else the one the share has, else the first in byte order) and the
//!   others are skipped the same way; a local name whose case differs from the share's name
//!   for it is skipped with that name;
//! - a path moved or renamed on one side is renamed on the other ([`super::moves`]), never
//!   deleted and copied again;
//! - upload mode never downloads or deletes locally; download mode never uploads or deletes
//!   remotely. Where two-way would delete on the side a mode protects, the mode restores the
//!   protected side's copy instead (the job mirrors its source side).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::names::smb_path_problem;
use crate::policy::{ConflictPolicy, Mode, ReconcileOptions};
use crate::relpath::RelPath;
use crate::tree::{BaseEntry, BaseTree, LocalEntry, LocalTree, RemoteTree, Side};
use crate::tree::{Entry, EntryKind};

use super::first_sync::FirstSync;
use super::moves::{self, Move};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Copy a local file to the remote. `replaces` is the remote file it overwrites, as scanned
    /// (the executor checks it is still that before replacing it); `None` when the remote has
    /// no file there.
    Upload {
        local: LocalEntry,
        replaces: Option<Entry>,
    },
    /// Copy a remote file to the local side; `replaces` as for uploads.
    Download {
        remote: Entry,
        replaces: Option<LocalEntry>,
    },
    CreateRemoteDir {
        local: LocalEntry,
    },
    CreateLocalDir {
        remote: Entry,
    },
    /// Move a local file or (empty, after its content went) folder to the trash.
    DeleteLocal {
        local: LocalEntry,
    },
    DeleteRemote {
        remote: Entry,
    },
    /// Both sides already agree: record them as synced.
    Record {
        local: LocalEntry,
        remote: Entry,
    },
    /// Gone from both sides: drop the base entry.
    Forget {
        path: RelPath,
    },
    /// Both sides changed (or first sync with a file on both sides). `same_size` says whether
    /// the contents may still be identical (the executor then compares them before settling).
    Conflict {
        local: LocalEntry,
        remote: Entry,
        same_size: bool,
    },
    /// Left untouched on both sides, reported to the user with the reason.
    Skip {
        path: RelPath,
        reason: String,
    },
    /// Rename on one side what the other side moved (see [`super::moves`]). Carried out before
    /// everything else: the other actions are planned as if it were done.
    Move(Move),
    /// First sync with a winner chosen ([`FirstSync`]): a file on both sides, never synced.
    /// The executor compares the contents when `same_size` (the same bytes are recorded as
    /// synced, nothing moves); otherwise the winner's version replaces the other one, which
    /// goes to the trash of its side.
    Overwrite {
        local: LocalEntry,
        remote: Entry,
        winner: Side,
        same_size: bool,
    },
}

impl Action {
    pub fn path(&self) -> &RelPath {
        match self {
            Action::Upload { local, .. }
            | Action::CreateRemoteDir { local }
            | Action::DeleteLocal { local }
            | Action::Record { local, .. }
            | Action::Conflict { local, .. }
            | Action::Overwrite { local, .. } => &local.path,
            Action::Download { remote, .. }
            | Action::CreateLocalDir { remote }
            | Action::DeleteRemote { remote } => &remote.path,
            Action::Forget { path } | Action::Skip { path, .. } => path,
            Action::Move(m) => &m.to,
        }
    }
}

/// How a conflict whose contents differ is settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// The local version replaces the remote one (which goes to the remote trash).
    UseLocal,
    /// The remote version replaces the local one (which goes to the local trash).
    UseRemote,
    /// The loser is renamed to a conflict name on its side; the winner takes the name on both
    /// sides; the conflict copy is copied to the other side when the mode allows.
    KeepBoth { loser: Side },
    /// Left untouched; recorded as a pending conflict until the user resolves it.
    Ask,
}

/// Settles a conflict by policy and mode. Modes protect their source side: upload mode never
/// overwrites the local copy, download mode never overwrites the remote one.
pub fn settle(
    policy: ConflictPolicy,
    mode: Mode,
    local_mtime: i64,
    remote_mtime: i64,
) -> Resolution {
    if policy == ConflictPolicy::Ask {
        return Resolution::Ask;
    }
    match mode {
        Mode::Upload => {
            return if policy == ConflictPolicy::Local {
                Resolution::UseLocal
            } else {
                Resolution::KeepBoth {
                    loser: Side::Remote,
                }
            }
        }
        Mode::Download => {
            return if policy == ConflictPolicy::Remote {
                Resolution::UseRemote
            } else {
                Resolution::KeepBoth { loser: Side::Local }
            }
        }
        Mode::TwoWay => {}
    }
    match policy {
        ConflictPolicy::Local => Resolution::UseLocal,
        ConflictPolicy::Remote => Resolution::UseRemote,
        ConflictPolicy::Newest if local_mtime > remote_mtime => Resolution::UseLocal,
        ConflictPolicy::Newest if remote_mtime > local_mtime => Resolution::UseRemote,
        // Same time (or keep-both): keep both; the older (or, on a tie, the local) copy loses
        // its name.
        _ => Resolution::KeepBoth {
            loser: if remote_mtime < local_mtime {
                Side::Remote
            } else {
                Side::Local
            },
        },
    }
}

/// The reconciler. See the module documentation for the rules.
pub fn reconcile(
    local: &LocalTree,
    remote: &RemoteTree,
    base: &BaseTree,
    opts: &ReconcileOptions,
) -> Vec<Action> {
    reconcile_with(local, remote, base, opts, FirstSync::Merge)
}

/// The reconciler, with the job's first-sync choice for paths never synced (see
/// [`super::first_sync`]); a choice that cannot go with the job's mode is merge.
pub fn reconcile_with(
    local: &LocalTree,
    remote: &RemoteTree,
    base: &BaseTree,
    opts: &ReconcileOptions,
    first: FirstSync,
) -> Vec<Action> {
    let first = if first.clash_with(opts.mode).is_some() {
        FirstSync::Merge
    } else {
        first
    };
    // Moves first: the rest is decided on the trees as if they were done.
    let moved = moves::find(local, remote, base, opts);
    let (local, remote, base) = match &moved {
        Some(m) => (&m.local, &m.remote, &m.base),
        None => (local, remote, base),
    };
    let blocked = blocked_paths(local, remote, base, opts);
    let mut paths: BTreeSet<&RelPath> = BTreeSet::new();
    paths.extend(local.keys());
    paths.extend(remote.keys());
    paths.extend(base.keys());

    let mut actions: BTreeMap<RelPath, Action> = BTreeMap::new();
    // Folders deleted on one side whose fate depends on their content: decided after all
    // files, deepest first.
    let mut dir_deletes: Vec<(RelPath, Side)> = Vec::new();

    for path in paths {
        if let Some(reason) = blocked.get(path) {
            // Only report names that exist now; a blocked name that is gone needs no message.
            if local.contains_key(path) || remote.contains_key(path) {
                actions.insert(
                    path.clone(),
                    Action::Skip {
                        path: path.clone(),
                        reason: reason.clone(),
                    },
                );
            }
            continue;
        }
        let (l, r, b) = (local.get(path), remote.get(path), base.get(path));
        if let Some(a) = decide(path, l, r, b, opts, first, &mut dir_deletes) {
            actions.insert(path.clone(), a);
        }
    }

    settle_dir_deletes(dir_deletes, local, remote, opts, &mut actions);
    apply_mode(opts.mode, &mut actions);
    let moves = moved.map(|m| m.moves).unwrap_or_default();
    moves
        .into_iter()
        .map(Action::Move)
        .chain(actions.into_values())
        .collect()
}

fn decide(
    path: &RelPath,
    l: Option<&LocalEntry>,
    r: Option<&Entry>,
    b: Option<&BaseEntry>,
    opts: &ReconcileOptions,
    first: FirstSync,
    dir_deletes: &mut Vec<(RelPath, Side)>,
) -> Option<Action> {
    use EntryKind::*;
    let name_problem = |p: &RelPath| {
        if opts.check_smb_names {
            smb_path_problem(p)
        } else {
            None
        }
    };
    match (l, r, b) {
        (None, None, None) => None,
        (None, None, Some(_)) => Some(Action::Forget { path: path.clone() }),

        // One side only, never synced, and the other side chosen to win the first sync: the
        // losing side ends up like the winner, so this goes (to the trash).
        (Some(l), None, None) if first == FirstSync::RemoteWins => {
            Some(Action::DeleteLocal { local: l.clone() })
        }
        (None, Some(r), None) if first == FirstSync::LocalWins => {
            Some(Action::DeleteRemote { remote: r.clone() })
        }
        // One side only, never synced: copy it over.
        (Some(l), None, None) => {
            if let Some(reason) = name_problem(path) {
                return Some(Action::Skip {
                    path: path.clone(),
                    reason,
                });
            }
            Some(match l.kind {
                File => Action::Upload {
                    local: l.clone(),
                    replaces: None,
                },
                Dir => Action::CreateRemoteDir { local: l.clone() },
            })
        }
        (None, Some(r), None) => Some(match r.kind {
            File => Action::Download {
                remote: r.clone(),
                replaces: None,
            },
            Dir => Action::CreateLocalDir { remote: r.clone() },
        }),

        // On both sides.
        (Some(l), Some(r), b) => {
            if l.kind != r.kind {
                // Normally caught by `blocked_paths` (with everything under it).
                return Some(Action::Skip {
                    path: path.clone(),
                    reason: kind_clash_reason(l.kind, r.kind),
                });
            }
            if l.kind == Dir {
                // Recorded, with the folder's id as it is now (older records have none, and
                // without it a rename of the folder is not recognised).
                let recorded = b.is_some_and(|b| b.kind == Dir && b.local_file_id == l.file_id);
                return (!recorded).then(|| Action::Record {
                    local: l.clone(),
                    remote: r.clone(),
                });
            }
            if let (None, Some(winner)) = (b, first.winner()) {
                // First sync of a file on both sides, a winner chosen.
                return Some(Action::Overwrite {
                    local: l.clone(),
                    remote: r.clone(),
                    winner,
                    same_size: l.size == r.size,
                });
            }
            let Some(b) = b.filter(|b| b.kind == File) else {
                // First sync of a file present on both sides.
                return Some(Action::Conflict {
                    local: l.clone(),
                    remote: r.clone(),
                    same_size: l.size == r.size,
                });
            };
            let local_same = b.local_unchanged(l);
            let remote_same = b.remote_unchanged(r);
            match (local_same, remote_same) {
                (true, true) => {
                    // Content unchanged; refresh metadata that moved (a touch), so the next scan
                    // need not hash the file again, and a file id the record lacks (records
                    // older than move detection) or that changed (the file was replaced by a
                    // copy of itself), so a move is recognised.
                    let meta_moved =
                        !b.local_meta_same(l.size, l.mtime_ns) || b.local_file_id != l.file_id;
                    meta_moved.then(|| Action::Record {
                        local: l.clone(),
                        remote: r.clone(),
                    })
                }
                (false, true) => {
                    if let Some(reason) = name_problem(path) {
                        return Some(Action::Skip {
                            path: path.clone(),
                            reason,
                        });
                    }
                    Some(Action::Upload {
                        local: l.clone(),
                        replaces: Some(r.clone()),
                    })
                }
                (true, false) => Some(Action::Download {
                    remote: r.clone(),
                    replaces: Some(l.clone()),
                }),
                (false, false) => Some(Action::Conflict {
                    local: l.clone(),
                    remote: r.clone(),
                    same_size: l.size == r.size,
                }),
            }
        }

        // Synced before, now gone from one side.
        (Some(l), None, Some(b)) => {
            if l.kind == Dir {
                if b.kind == Dir {
                    // Gone from the remote, still here.
                    dir_deletes.push((path.clone(), Side::Remote));
                    return None;
                }
                // Was a file, now a folder here and gone there: create the folder there.
                return Some(Action::CreateRemoteDir { local: l.clone() });
            }
            if b.kind == File && b.local_unchanged(l) {
                Some(Action::DeleteLocal { local: l.clone() })
            } else {
                // Edited here, deleted there: the edit wins and goes back.
                if let Some(reason) = name_problem(path) {
                    return Some(Action::Skip {
                        path: path.clone(),
                        reason,
                    });
                }
                Some(Action::Upload {
                    local: l.clone(),
                    replaces: None,
                })
            }
        }
        (None, Some(r), Some(b)) => {
            if r.kind == Dir {
                if b.kind == Dir {
                    // Gone from here, still on the remote.
                    dir_deletes.push((path.clone(), Side::Local));
                    return None;
                }
                return Some(Action::CreateLocalDir { remote: r.clone() });
            }
            if b.kind == File && b.remote_unchanged(r) {
                Some(Action::DeleteRemote { remote: r.clone() })
            } else {
                Some(Action::Download {
                    remote: r.clone(),
                    replaces: None,
                })
            }
        }
    }
}

/// A folder deleted on `gone_side` is deleted on the other side only when nothing under it
/// survives there; otherwise it is recreated on `gone_side` (its surviving content comes back
/// with it).
fn settle_dir_deletes(
    mut dir_deletes: Vec<(RelPath, Side)>,
    local: &LocalTree,
    remote: &RemoteTree,
    opts: &ReconcileOptions,
    actions: &mut BTreeMap<RelPath, Action>,
) {
    // Deepest first, so an inner folder's fate is known when its parent is judged.
    dir_deletes.sort_by_key(|(p, _)| std::cmp::Reverse(p.depth()));
    for (path, gone_side) in dir_deletes {
        let kept_side = gone_side.other();
        let survives = |p: &RelPath| -> bool {
            match actions.get(p) {
                Some(Action::DeleteLocal { .. }) => kept_side != Side::Local,
                Some(Action::DeleteRemote { .. }) => kept_side != Side::Remote,
                _ => true,
            }
        };
        let descendants: Vec<&RelPath> = match kept_side {
            Side::Local => RelPath::descendants(local, &path).collect(),
            Side::Remote => RelPath::descendants(remote, &path).collect(),
        };
        let anything_survives = descendants.iter().any(|p| survives(p));
        let action = match (kept_side, anything_survives) {
            (Side::Local, false) => Action::DeleteLocal {
                local: local[&path].clone(),
            },
            (Side::Remote, false) => Action::DeleteRemote {
                remote: remote[&path].clone(),
            },
            (Side::Local, true) => {
                if opts.check_smb_names {
                    if let Some(reason) = smb_path_problem(&path) {
                        actions.insert(
                            path.clone(),
                            Action::Skip {
                                path: path.clone(),
                                reason,
                            },
                        );
                        continue;
                    }
                }
                Action::CreateRemoteDir {
                    local: local[&path].clone(),
                }
            }
            (Side::Remote, true) => Action::CreateLocalDir {
                remote: remote[&path].clone(),
            },
        };
        actions.insert(path, action);
    }
}

/// Modes protect a side: upload never writes or deletes locally, download never writes or
/// deletes remotely. An action that would touch the protected side is turned into one that
/// restores the source side's copy on the other side, or dropped.
fn apply_mode(mode: Mode, actions: &mut BTreeMap<RelPath, Action>) {
    if mode == Mode::TwoWay {
        return;
    }
    let mut dropped = Vec::new();
    for (path, action) in actions.iter_mut() {
        let replacement = match (mode, &*action) {
            // Upload mode: nothing is written or deleted locally.
            // A remote edit or a remote-only file stays on the remote and is not brought down.
            (Mode::Upload, Action::Download { .. }) => None,
            (Mode::Upload, Action::CreateLocalDir { .. }) => None,
            (Mode::Upload, Action::DeleteLocal { local }) => Some(match local.kind {
                // Deleted on the remote: the local copy is the source, upload it again.
                EntryKind::File => Action::Upload {
                    local: local.clone(),
                    replaces: None,
                },
                EntryKind::Dir => Action::CreateRemoteDir {
                    local: local.clone(),
                },
            }),
            // Download mode: nothing is written or deleted remotely.
            (Mode::Download, Action::Upload { .. }) => None,
            (Mode::Download, Action::CreateRemoteDir { .. }) => None,
            (Mode::Download, Action::DeleteRemote { remote }) => Some(match remote.kind {
                EntryKind::File => Action::Download {
                    remote: remote.clone(),
                    replaces: None,
                },
                EntryKind::Dir => Action::CreateLocalDir {
                    remote: remote.clone(),
                },
            }),
            _ => continue,
        };
        match replacement {
            Some(a) => *action = a,
            None => dropped.push(path.clone()),
        }
    }
    for p in dropped {
        actions.remove(&p);
    }
}

fn kind_clash_reason(local: EntryKind, remote: EntryKind) -> String {
    format!(
        "a {local} here and a {remote} on the other side have the same name; rename one of them"
    )
}

/// Paths that must not be touched, with the reason: a file on one side where the other has a
/// folder, names the server cannot store, and names that differ only in case where the share
/// cannot tell them apart. A blocked folder blocks everything under it (for a file/folder
/// clash, nothing under the folder side could be placed on the file side).
fn blocked_paths(
    local: &LocalTree,
    remote: &RemoteTree,
    base: &BaseTree,
    opts: &ReconcileOptions,
) -> HashMap<RelPath, String> {
    let mut roots: HashMap<RelPath, String> = HashMap::new();
    for (p, l) in local {
        if let Some(r) = remote.get(p) {
            if l.kind != r.kind {
                roots.insert(p.clone(), kind_clash_reason(l.kind, r.kind));
            }
        }
    }
    if opts.remote_case_insensitive {
        let mut by_folded: HashMap<String, Vec<&RelPath>> = HashMap::new();
        for p in local.keys() {
            by_folded
                .entry(p.as_str().to_lowercase())
                .or_default()
                .push(p);
        }
        // Local names that differ only in case (a case-sensitive local disk has room for
        // both): the share holds one of them, so one keeps being synced (backed up) and the
        // others are reported and left alone on both sides. The one synced before and still on
        // the share; else the one the share has under that exact name; else a new one; the
        // first in byte order among equals. Shallow groups first, so a name inside a folder
        // twin that is left alone is not the one picked.
        let mut groups: Vec<Vec<&RelPath>> =
            by_folded.into_values().filter(|g| g.len() > 1).collect();
        groups.sort_by_key(|g| g[0].depth());
        for mut group in groups {
            group.sort();
            let free: Vec<&RelPath> = group
                .iter()
                .copied()
                .filter(|p| !p.ancestors().any(|a| roots.contains_key(&a)))
                .collect();
            let chosen = free.iter().copied().min_by_key(|p| {
                let (synced, shared) = (base.contains_key(*p), remote.contains_key(*p));
                // Synced and still on the share; on the share; new here; synced but gone
                // from the share (it is about to be deleted here, so another one is kept).
                let rank = match (synced, shared) {
                    (true, true) => 0,
                    (false, true) => 1,
                    (false, false) => 2,
                    (true, false) => 3,
                };
                (rank, *p)
            });
            for p in group.iter().filter(|p| Some(**p) != chosen) {
                let reason = match chosen {
                    Some(c) => format!(
                        "differs only in case from '{c}', which is the one synced: the share cannot hold both names; rename this one to sync it too"
                    ),
                    None => "differs only in case from another name here, and the share cannot hold both names; rename one of them".to_string(),
                };
                roots.insert((*p).clone(), reason);
            }
        }
        let remote_folded: HashMap<String, &RelPath> = remote
            .keys()
            .map(|p| (p.as_str().to_lowercase(), p))
            .collect();
        for p in local.keys() {
            if remote.contains_key(p) {
                continue;
            }
            if let Some(rp) = remote_folded.get(&p.as_str().to_lowercase()) {
                if local.contains_key(*rp) {
                    continue;
                }
                let why = format!(
                    "the share has '{}', which differs only in case; rename one so the names match",
                    rp.as_str()
                );
                roots.insert(p.clone(), why.clone());
                roots.insert((*rp).clone(), why);
            }
        }
    }
    if roots.is_empty() {
        return roots;
    }
    // Extend to descendants.
    let mut all = roots.clone();
    for p in local.keys().chain(remote.keys()) {
        if all.contains_key(p) {
            continue;
        }
        if let Some(reason) = p.ancestors().find_map(|a| roots.get(&a)) {
            all.insert(
                p.clone(),
                format!("inside a folder that is skipped: {reason}"),
            );
        }
    }
    all
}
