//! Folder creation on either side, remembering which folders are known to exist so that ten
//! thousand files in a hundred folders cost a hundred creates, not ten thousand.

use std::collections::HashSet;
use std::sync::Mutex;

use crate::relpath::RelPath;
use crate::replica::{Replica, ReplicaResult};

use super::Side;

#[derive(Default)]
pub struct DirCache {
    known: Mutex<HashSet<(Side, RelPath)>>,
}

impl DirCache {
    pub fn mark(&self, side: Side, path: RelPath) {
        self.known.lock().unwrap().insert((side, path));
    }

    /// Marks folders a scan or listing found, so they are never created again.
    pub fn mark_all(&self, side: Side, paths: impl IntoIterator<Item = RelPath>) {
        let mut known = self.known.lock().unwrap();
        known.extend(paths.into_iter().map(|p| (side, p)));
    }

    fn is_known(&self, side: Side, path: &RelPath) -> bool {
        path.is_root() || self.known.lock().unwrap().contains(&(side, path.clone()))
    }

    /// Creates `path` and any missing parents on `side`.
    pub async fn ensure(
        &self,
        remote: &dyn Replica,
        side: Side,
        path: &RelPath,
    ) -> ReplicaResult<()> {
        if self.is_known(side, path) {
            return Ok(());
        }
        let mut chain: Vec<RelPath> = path.ancestors().collect();
        chain.reverse();
        chain.push(path.clone());
        for dir in chain {
            if self.is_known(side, &dir) {
                continue;
            }
            remote.create_dir(&dir).await?;
            self.mark(side, dir);
        }
        Ok(())
    }
}
