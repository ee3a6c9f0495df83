//! The in-memory tree's operations, each done under the one lock so it is atomic like a
//! server's.

use super::*;

impl Shared {
    pub(super) fn key(&self, name: &str) -> String {
        if self.case_insensitive {
            name.to_lowercase()
        } else {
            name.to_string()
        }
    }

    /// `path` as the tree compares it (case-folded where names are).
    pub(super) fn key_path(&self, path: &RelPath) -> String {
        self.key(path.as_str())
    }

    /// Now, in ns since the epoch, strictly after any time handed out before.
    pub(super) fn now(&self) -> i64 {
        let wall = crate::fsmeta::system_time_ns(std::time::SystemTime::now());
        let prev = self
            .clock
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| {
                Some(wall.max(last + 1))
            })
            .expect("always Some");
        wall.max(prev + 1)
    }

    pub(super) fn fresh_meta(&self) -> Meta {
        let t = self.now();
        Meta {
            mtime_ns: t,
            ctime_ns: t,
            id: self.next_id.fetch_add(1, Ordering::SeqCst),
        }
    }

    /// The folder at `path`: `NotFound` when a component is missing, `Other` when one is a
    /// file.
    pub(super) fn dir_mut<'a>(
        &self,
        root: &'a mut Dir,
        path: &RelPath,
    ) -> ReplicaResult<&'a mut Dir> {
        let mut d = root;
        for c in path.components() {
            d = match d.children.get_mut(&self.key(c)) {
                None => return Err(not_found(path)),
                Some((_, Item::File(_))) => return Err(not_a_folder(path)),
                Some((_, Item::Dir(sub))) => sub,
            };
        }
        Ok(d)
    }

    /// The folder holding `path` (which must not be the root) and the key of its name.
    pub(super) fn parent_mut<'a>(
        &self,
        root: &'a mut Dir,
        path: &RelPath,
    ) -> ReplicaResult<(&'a mut Dir, String)> {
        if path.is_root() {
            return Err(err(ReplicaErrorKind::Other, path, "the root itself"));
        }
        let parent = path.parent().unwrap_or_default();
        let d = self.dir_mut(root, &parent).map_err(|e| match e.kind {
            ReplicaErrorKind::NotFound => err(
                ReplicaErrorKind::NotFound,
                path,
                "the parent folder does not exist",
            ),
            _ => e,
        })?;
        Ok((d, self.key(path.name())))
    }

    /// Renames as [`Replica::rename`] does. `expect`: the file must still be this one (a
    /// writer's `finish`, whose temp someone may have replaced meanwhile).
    pub(super) fn rename(
        &self,
        from: &RelPath,
        to: &RelPath,
        replace: bool,
        expect: Option<&Inode>,
    ) -> ReplicaResult<()> {
        let mut guard = self.root.lock().unwrap();
        let root = &mut *guard;
        if to.is_root() {
            return Err(err(ReplicaErrorKind::Other, to, "the root itself"));
        }
        let from_is_dir = {
            let (d, key) = self.parent_mut(root, from)?;
            match (d.children.get(&key), expect) {
                (None, _) => return Err(not_found(from)),
                (Some((_, Item::File(f))), Some(e)) if !Arc::ptr_eq(f, e) => {
                    return Err(err(
                        ReplicaErrorKind::NotFound,
                        from,
                        "the file being written is no longer there",
                    ))
                }
                (Some((_, Item::Dir(_))), Some(_)) => return Err(is_a_folder(from)),
                (Some((_, item)), _) => matches!(item, Item::Dir(_)),
            }
        };
        let (from_key, to_key) = (self.key_path(from), self.key_path(to));
        let same = from_key == to_key;
        if from_is_dir && !same && to_key.starts_with(&format!("{from_key}/")) {
            return Err(err(
                ReplicaErrorKind::Other,
                to,
                "cannot move a folder into itself",
            ));
        }
        let (td, tkey) = self.parent_mut(root, to)?;
        match td.children.get_mut(&tkey) {
            // The same file: a case-only rename where case folds, else nothing to do.
            Some((name, _)) if same => {
                if name.as_str() != to.name() {
                    *name = to.name().to_string();
                    return Ok(());
                }
                return if replace {
                    Ok(())
                } else {
                    Err(err(ReplicaErrorKind::AlreadyExists, to, "already exists"))
                };
            }
            Some(_) if !replace => {
                return Err(err(ReplicaErrorKind::AlreadyExists, to, "already exists"))
            }
            Some((_, existing)) => match (from_is_dir, existing) {
                (false, Item::File(_)) => {}
                (true, Item::Dir(d)) if d.children.is_empty() => {}
                (true, Item::Dir(_)) => {
                    return Err(err(ReplicaErrorKind::NotEmpty, to, "folder not empty"))
                }
                (false, Item::Dir(_)) => return Err(is_a_folder(to)),
                (true, Item::File(_)) => return Err(not_a_folder(to)),
            },
            None => {}
        }
        let (d, key) = self.parent_mut(root, from)?;
        let (_, mut item) = d.children.remove(&key).expect("checked above");
        let t = self.now();
        match &mut item {
            Item::Dir(d) => d.meta.ctime_ns = t,
            Item::File(f) => f.lock().unwrap().meta.ctime_ns = t,
        }
        let (td, tkey) = self.parent_mut(root, to).expect("checked above");
        td.children.insert(tkey, (to.name().to_string(), item));
        Ok(())
    }
}
