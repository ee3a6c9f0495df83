//! Carrying out a move (see [`crate::sync::moves`]): one rename on the side that has not moved
//! the file or folder yet, then the base entries of all of it moved along, in one transaction.
//!
//! The rename never replaces anything, and happens only if the old path still holds what the
//! scan saw (on the share: checked on the open file it renames): a file edited or replaced
//! since is left for the next run, which sees it afresh.
//! A crash between the rename and the base update leaves both sides holding the new path and
//! no base entry for it: the next run compares them (same content: adopted, nothing copied).

use crate::db::state::BaseChange;
use crate::replica::{ReplicaError, ReplicaErrorKind};
use crate::sync::moves::Move;
use crate::tree::{Entry, EntryKind, Side};

use super::transfer::Snapshot;
use super::{Executor, Outcome};

impl Executor {
    pub(super) async fn move_entry(&self, m: &Move) -> Result<Outcome, ReplicaError> {
        let target = self.side(m.side).clone();
        if let Some(parent) = m.to.parent() {
            self.gate
                .retry(|| self.dirs.ensure(target.as_ref(), m.side, &parent))
                .await?;
        }
        let expected = Snapshot::of_remote(&m.expected);
        let expect = |e: &Entry| match m.kind {
            EntryKind::Dir => e.kind == EntryKind::Dir,
            EntryKind::File => expected.matches(e),
        };
        match self
            .gate
            .retry(|| target.rename_if(&m.from, &m.to, &expect))
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                return Ok(Outcome::Deferred(format!(
                    "{} changed on the {} during the sync; the move to {} is left for the next run",
                    m.from, m.side, m.to
                )))
            }
            Err(e) if e.kind == ReplicaErrorKind::AlreadyExists => {
                return Ok(Outcome::Deferred(format!(
                    "{} appeared on the {} during the sync; the move of {} is left for the next run",
                    m.to, m.side, m.from
                )))
            }
            Err(e) => return Err(e),
        }
        let mut after = m.base_after.clone();
        // Our rename moved the renamed entry's times on that side. Recorded as synced only
        // when it held the synced version; otherwise its change must still show next time.
        if m.side == Side::Remote && m.unchanged && m.kind == EntryKind::File {
            if let (Some(top), Some(r)) = (after.first_mut(), self.remote.stat(&m.to).await?) {
                top.set_remote(&r);
            }
        }
        let changes: Vec<BaseChange> = m
            .base_before
            .iter()
            .cloned()
            .map(BaseChange::Forget)
            .chain(after.into_iter().map(BaseChange::Put))
            .collect();
        self.change_base(changes).await?;
        Ok(Outcome::Moved {
            side: m.side,
            from: m.from.clone(),
            to: m.to.clone(),
        })
    }
}
