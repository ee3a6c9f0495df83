//! The simulated executor

#[allow(unused_imports)]
use super::*;

/// What a run did besides changing the world.
#[derive(Debug, Default)]
pub(crate) struct Effects {
    /// Conflict copies made for each path.
    pub(crate) copies: BTreeMap<RelPath, Vec<RelPath>>,
    /// Versions a conflict policy chose to overwrite (they went to that side's trash).
    pub(crate) discarded: Vec<(Side, RelPath, Content)>,
    /// Conflicts left for the user (policy ask).
    pub(crate) pending: BTreeSet<RelPath>,
}

pub(crate) struct Sim {
    pub(crate) w: World,
    pub(crate) mode: Mode,
    pub(crate) policy: ConflictPolicy,
    pub(crate) case_insensitive: bool,
    pub(crate) fx: Effects,
    pub(crate) stamps: u32,
}

pub(crate) type SimResult<T = ()> = Result<T, String>;

impl Sim {
    pub(crate) fn may_write(&self, side: Side, what: &str) -> SimResult {
        match (self.mode, side) {
            (Mode::Upload, Side::Local) | (Mode::Download, Side::Remote) => Err(format!(
                "{:?} mode wrote on the {side:?} side: {what}",
                self.mode
            )),
            _ => Ok(()),
        }
    }

    /// A case-insensitive share holds one name per folded spelling.
    pub(crate) fn case_check(&self, side: Side, p: &RelPath) -> SimResult {
        if side == Side::Remote && self.case_insensitive {
            let folded = p.as_str().to_lowercase();
            if let Some(q) = self
                .w
                .remote
                .keys()
                .find(|q| *q != p && q.as_str().to_lowercase() == folded)
            {
                return Err(format!(
                    "writing {p:?} on a case-insensitive share that has {q:?}"
                ));
            }
        }
        Ok(())
    }

    /// Creates missing parent folders of `p` on `side`, recorded in the base.
    pub(crate) fn parents(&mut self, side: Side, p: &RelPath) -> SimResult {
        let mut ancestors: Vec<RelPath> = p.ancestors().collect();
        ancestors.reverse();
        for a in ancestors {
            match kind_at(&self.w, side, &a) {
                Some(EntryKind::Dir) => {}
                Some(EntryKind::File) => {
                    return Err(format!(
                        "writing {p:?} on the {side:?} side, where its parent {a:?} is a file"
                    ))
                }
                None => {
                    self.case_check(side, &a)?;
                    put_dir(&mut self.w, side, &a, 500);
                    if kind_at(&self.w, side.other(), &a) == Some(EntryKind::Dir) {
                        self.w.record(&a);
                    }
                }
            }
        }
        Ok(())
    }

    /// Writes a file (creating or replacing one; replacing a folder is an error).
    pub(crate) fn write(&mut self, side: Side, p: &RelPath, c: Content, mtime: i64) -> SimResult {
        self.may_write(side, &format!("file {p:?}"))?;
        self.parents(side, p)?;
        self.case_check(side, p)?;
        if kind_at(&self.w, side, p) == Some(EntryKind::Dir) {
            return Err(format!(
                "writing file {p:?} over a folder on the {side:?} side"
            ));
        }
        put_file(&mut self.w, side, p, c, mtime);
        Ok(())
    }

    pub(crate) fn expect_local(&self, p: &RelPath, e: Option<&LocalEntry>) -> SimResult {
        if self.w.local.get(p) != e {
            return Err(format!(
                "stale local entry for {p:?}: plan has {e:?}, disk has {:?}",
                self.w.local.get(p)
            ));
        }
        Ok(())
    }

    /// As the executor checks: a change time the plan does not know (an entry it renamed
    /// itself) is not compared.
    pub(crate) fn expect_remote(&self, p: &RelPath, e: Option<&Entry>) -> SimResult {
        let now = self.w.remote.get(p).map(|now| match e {
            Some(e) if e.ctime_ns.is_none() => Entry {
                ctime_ns: None,
                ..now.clone()
            },
            _ => now.clone(),
        });
        if now.as_ref() != e {
            return Err(format!(
                "stale remote entry for {p:?}: plan has {e:?}, share has {:?}",
                self.w.remote.get(p)
            ));
        }
        Ok(())
    }

    pub(crate) fn rename(&mut self, side: Side, from: &RelPath, to: &RelPath) -> SimResult {
        self.may_write(side, &format!("rename {from:?}"))?;
        if kind_at(&self.w, side, to).is_some() {
            return Err(format!("conflict copy {to:?} exists on the {side:?} side"));
        }
        match side {
            Side::Local => {
                let mut e = self.w.local.remove(from).unwrap();
                e.path = to.clone();
                self.w.local.insert(to.clone(), e);
            }
            Side::Remote => {
                let ctime = self.w.tick();
                let mut e = self.w.remote.remove(from).unwrap();
                e.path = to.clone();
                e.ctime_ns = Some(ctime);
                self.w.remote.insert(to.clone(), e);
                let c = self.w.rcontent.remove(from).unwrap();
                self.w.rcontent.insert(to.clone(), c);
            }
        }
        Ok(())
    }

    pub(crate) fn apply(&mut self, plan: &[Action]) -> SimResult {
        let mut deletes = Vec::new();
        for a in plan {
            let p = a.path().clone();
            match a {
                Action::DeleteLocal { .. } | Action::DeleteRemote { .. } => deletes.push(a),
                Action::Upload { local, replaces } => {
                    self.expect_local(&p, Some(local))?;
                    self.expect_remote(&p, replaces.as_ref())?;
                    self.write(Side::Remote, &p, content_of(&local.hash), local.mtime_ns)?;
                    self.w.record(&p);
                }
                Action::Download { remote, replaces } => {
                    self.expect_remote(&p, Some(remote))?;
                    self.expect_local(&p, replaces.as_ref())?;
                    let c = self.w.rcontent[&p];
                    self.write(Side::Local, &p, c, remote.mtime_ns)?;
                    self.w.record(&p);
                }
                Action::CreateRemoteDir { local } => {
                    self.expect_local(&p, Some(local))?;
                    self.mkdir(Side::Remote, &p)?;
                }
                Action::CreateLocalDir { remote } => {
                    self.expect_remote(&p, Some(remote))?;
                    self.mkdir(Side::Local, &p)?;
                }
                Action::Record { local, remote } => {
                    self.expect_local(&p, Some(local))?;
                    self.expect_remote(&p, Some(remote))?;
                    if local.kind != remote.kind
                        || self.w.local_content(&p) != self.w.remote_content(&p)
                    {
                        return Err(format!("Record of {p:?} whose sides differ"));
                    }
                    self.w.record(&p);
                }
                Action::Forget { .. } => {
                    self.w.base.remove(&p);
                }
                Action::Skip { .. } => {}
                Action::Move(m) => self.rename_moved(m)?,
                Action::Conflict {
                    local,
                    remote,
                    same_size,
                } => {
                    self.expect_local(&p, Some(local))?;
                    self.expect_remote(&p, Some(remote))?;
                    self.conflict(&p, local, remote, *same_size)?;
                }
                Action::Overwrite { .. } => {
                    return Err(format!(
                        "Overwrite of {p:?}: only a first-sync choice makes one, and the simulation runs merge"
                    ));
                }
            }
        }
        deletes.sort_by_key(|a| std::cmp::Reverse(a.path().depth()));
        for a in deletes {
            let p = a.path().clone();
            let side = match a {
                Action::DeleteLocal { local } => {
                    self.expect_local(&p, Some(local))?;
                    Side::Local
                }
                Action::DeleteRemote { remote } => {
                    self.expect_remote(&p, Some(remote))?;
                    Side::Remote
                }
                _ => unreachable!(),
            };
            self.may_write(side, &format!("delete {p:?}"))?;
            let has_content = side_paths(&self.w, side)
                .iter()
                .any(|q| q != &p && q.starts_with(&p));
            if has_content {
                return Err(format!(
                    "deleting folder {p:?} on the {side:?} side, which still has content"
                ));
            }
            match side {
                Side::Local => {
                    self.w.local.remove(&p);
                }
                Side::Remote => {
                    self.w.remote.remove(&p);
                    self.w.rcontent.remove(&p);
                }
            }
            self.w.base.remove(&p);
        }
        Ok(())
    }

    /// A rename that follows a move, as the executor makes it: only if the old path holds
    /// what the plan saw and nothing is at the new one; missing parents made; the base entries
    /// moved along, the renamed entry's new remote times recorded when it held the synced
    /// version.
    pub(crate) fn rename_moved(&mut self, m: &Move) -> SimResult {
        let (side, from, to) = (m.side, &m.from, &m.to);
        self.may_write(side, &format!("move {from:?} to {to:?}"))?;
        let now = match side {
            Side::Local => self.w.local.get(from).map(LocalEntry::as_entry),
            Side::Remote => self.w.remote.get(from).cloned(),
        };
        if now.as_ref() != Some(&m.expected) {
            return Err(format!(
                "move of {from:?}: plan saw {:?}, {side:?} has {now:?}",
                m.expected
            ));
        }
        if kind_at(&self.w, side, to).is_some() {
            return Err(format!("move of {from:?} onto existing {to:?} on {side:?}"));
        }
        self.parents(side, to)?;
        if side == Side::Remote && self.case_insensitive {
            let folded = to.as_str().to_lowercase();
            if let Some(q) = self
                .w
                .remote
                .keys()
                .find(|q| *q != from && q.as_str().to_lowercase() == folded)
            {
                return Err(format!(
                    "move to {to:?} on a case-insensitive share that has {q:?}"
                ));
            }
        }
        move_entry(&mut self.w, side, from, to, false);
        if kind_at(&self.w, side, to).is_none() {
            return Err(format!(
                "the model could not move {from:?} to {to:?} on {side:?}"
            ));
        }
        for p in &m.base_before {
            self.w.base.remove(p);
        }
        let mut after = m.base_after.clone();
        if side == Side::Remote && m.unchanged && m.kind == EntryKind::File {
            after[0].set_remote(&self.w.remote[to]);
        }
        for b in after {
            self.w.base.insert(b.path.clone(), b);
        }
        Ok(())
    }

    pub(crate) fn mkdir(&mut self, side: Side, p: &RelPath) -> SimResult {
        self.may_write(side, &format!("folder {p:?}"))?;
        match kind_at(&self.w, side, p) {
            Some(EntryKind::File) => {
                return Err(format!(
                    "creating folder {p:?} over a file on the {side:?} side"
                ))
            }
            Some(EntryKind::Dir) => {}
            None => {
                self.parents(side, p)?;
                self.case_check(side, p)?;
                put_dir(&mut self.w, side, p, 500);
            }
        }
        self.w.record(p);
        Ok(())
    }

    pub(crate) fn conflict(
        &mut self,
        p: &RelPath,
        local: &LocalEntry,
        remote: &Entry,
        same_size: bool,
    ) -> SimResult {
        if local.kind != EntryKind::File || remote.kind != EntryKind::File {
            return Err(format!("Conflict on a folder {p:?}"));
        }
        if same_size != (local.size == remote.size) {
            return Err(format!("Conflict on {p:?} with a wrong same_size"));
        }
        let cl = content_of(&local.hash);
        let cr = self.w.rcontent[p];
        if cl == cr {
            self.w.record(p);
            return Ok(());
        }
        match settle(self.policy, self.mode, local.mtime_ns, remote.mtime_ns) {
            Resolution::Ask => {
                self.fx.pending.insert(p.clone());
            }
            Resolution::UseLocal => {
                self.write(Side::Remote, p, cl, local.mtime_ns)?;
                self.fx.discarded.push((Side::Remote, p.clone(), cr));
                self.w.record(p);
            }
            Resolution::UseRemote => {
                self.write(Side::Local, p, cr, remote.mtime_ns)?;
                self.fx.discarded.push((Side::Local, p.clone(), cl));
                self.w.record(p);
            }
            Resolution::KeepBoth { loser } => {
                self.stamps += 1;
                let q = conflict_name(p, HOST, &format!("2026-01-01 {:06}", self.stamps))
                    .expect("a short name");
                let winner = loser.other();
                let (win_c, win_t, lose_c, lose_t) = match winner {
                    Side::Local => (cl, local.mtime_ns, cr, remote.mtime_ns),
                    Side::Remote => (cr, remote.mtime_ns, cl, local.mtime_ns),
                };
                self.rename(loser, p, &q)?;
                self.write(loser, p, win_c, win_t)?;
                if self.may_write(winner, "").is_ok() {
                    self.write(winner, &q, lose_c, lose_t)?;
                    self.w.record(&q);
                }
                self.w.record(p);
                self.fx.copies.entry(p.clone()).or_default().push(q);
            }
        }
        Ok(())
    }
}
