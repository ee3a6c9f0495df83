//! The "restore them from the other side" answer to a guard stop: every delete the reconciler
//! planned becomes a copy back to the side the file vanished from, so the run deletes nothing
//! and ends with both sides holding every file. Pure: actions in, actions out.
//!
//! A file deleted on one side and changed on the other is already a copy of the changed one
//! (the reconciler never deletes a change); what is left here is a file gone from one side and
//! unchanged on the other, which is exactly what the guard counted.

use crate::sync::reconcile::Action;
use crate::tree::EntryKind;

/// The actions with each delete turned into a copy back (a folder into a create).
pub fn copy_back_deletes(actions: Vec<Action>) -> Vec<Action> {
    actions
        .into_iter()
        .map(|a| match a {
            Action::DeleteRemote { remote } if remote.kind == EntryKind::File => Action::Download {
                remote,
                replaces: None,
            },
            Action::DeleteRemote { remote } => Action::CreateLocalDir { remote },
            Action::DeleteLocal { local } if local.kind == EntryKind::File => Action::Upload {
                local,
                replaces: None,
            },
            Action::DeleteLocal { local } => Action::CreateRemoteDir { local },
            a => a,
        })
        .collect()
}

/// Whether any action would delete something (none may, in a restoring run).
pub fn deletes_anything(actions: &[Action]) -> bool {
    actions
        .iter()
        .any(|a| matches!(a, Action::DeleteLocal { .. } | Action::DeleteRemote { .. }))
}
