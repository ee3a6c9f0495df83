//! The recursive listing of a share folder: many folders in flight at once, and over a slow
//! link no level waiting for the one above when the last sync says what is there.
//!
//! Each folder costs round trips one after another (open, query until the server says there
//! is no more, close), so the time of a walk is those round trips times the depth of the tree
//! unless folders overlap. Two things overlap them:
//! - up to `concurrency` folders per connection are in flight, spread over the connections,
//!   and the handle of a listed folder is closed while the walk goes on (every close answered
//!   before the walk returns);
//! - folders the caller expects (those the last sync saw) are listed *ahead*, before the walk
//!   has found them. Such a listing counts only once the walk reaches that folder through its
//!   parent's listing, exactly as if it had been listed then; one never reached (deleted since,
//!   now a file, a link, or under the skipped folder) is dropped, errors included. So a hint
//!   can make a walk faster, never different.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use futures::stream::{FuturesUnordered, StreamExt};
use tokio::sync::mpsc::UnboundedReceiver;

use super::convert::{join_shown, join_smb};
use super::errors::Place;
use super::listing::{close_folder, list_keep_open, Item};
use super::session::SmbConn;
use crate::relpath::RelPath;
use crate::replica::{Listing, ReplicaResult};

/// What to walk and how.
pub(crate) struct WalkSpec {
    /// The job's folder, share-relative, `/` syntax.
    pub root: String,
    /// Folders of this name (at any depth) are neither listed nor entered.
    pub skip_dir: String,
    /// Folders likely there, listed ahead (see the module documentation).
    pub likely_dirs: Vec<RelPath>,
    pub timeout: Duration,
    /// Folders in flight per connection.
    pub concurrency: usize,
}

/// Which folders the walk has reached, and what was listed ahead of it.
#[derive(Default)]
struct Progress {
    /// Reached through a parent's listing (the root from the start).
    reached: HashSet<RelPath>,
    /// Reached, to list.
    to_list: VecDeque<RelPath>,
    /// Expected, to list ahead once nothing reached is waiting.
    ahead: VecDeque<RelPath>,
    /// Listing in flight.
    in_flight: HashSet<RelPath>,
    /// Listed ahead and not reached yet.
    early: HashMap<RelPath, ReplicaResult<Vec<Item>>>,
}

impl Progress {
    /// The next folder to list, and whether it is listed ahead of being reached.
    fn next(&mut self) -> Option<(RelPath, bool)> {
        if let Some(rel) = self.to_list.pop_front() {
            return Some((rel, false));
        }
        while let Some(rel) = self.ahead.pop_front() {
            let known = self.reached.contains(&rel)
                || self.in_flight.contains(&rel)
                || self.early.contains_key(&rel);
            if !known {
                return Some((rel, true));
            }
        }
        None
    }

    /// Takes the entries of reached folder `dir` into `out`, and reaches the folders among
    /// them: one listed ahead is taken now (or relisted, if that listing failed), one in
    /// flight when its listing comes, any other is queued.
    fn take(&mut self, dir: RelPath, items: Vec<Item>, skip_dir: &str, out: &mut Listing) {
        let mut work = vec![(dir, items)];
        while let Some((dir, items)) = work.pop() {
            for item in items {
                if item.is_dir && !skip_dir.is_empty() && item.name == skip_dir {
                    continue;
                }
                let Some(sub) = item.add_to(&dir, out) else {
                    continue;
                };
                self.reached.insert(sub.clone());
                match self.early.remove(&sub) {
                    Some(Ok(items)) => work.push((sub, items)),
                    Some(Err(_)) => self.to_list.push_back(sub),
                    None if self.in_flight.contains(&sub) => {}
                    None => self.to_list.push_back(sub),
                }
            }
        }
    }
}

/// Recursive listing below `spec.root`: complete, or the first error of a folder the walk
/// reached. It starts on `conns`; connections made meanwhile arrive on `more` and take their
/// share from then on (a login is four round trips: the walk does not wait for them). Runs on
/// the listing thread only.
pub(crate) async fn walk(
    mut conns: Vec<Arc<SmbConn>>,
    mut more: UnboundedReceiver<Arc<SmbConn>>,
    place: Place,
    spec: WalkSpec,
) -> ReplicaResult<Listing> {
    assert!(!conns.is_empty(), "a walk needs a connection");
    let WalkSpec {
        root,
        skip_dir,
        likely_dirs,
        timeout,
        concurrency,
    } = spec;
    let mut out = Listing::default();
    let mut p = Progress::default();
    p.reached.insert(RelPath::root());
    p.to_list.push_back(RelPath::root());
    p.ahead = likely_dirs.into_iter().filter(|d| !d.is_root()).collect();
    let mut running = FuturesUnordered::new();
    let mut closing = FuturesUnordered::new();
    let mut more_open = true;
    let mut turn = 0usize;
    loop {
        while running.len() < concurrency.max(1) * conns.len() {
            let Some((rel, ahead)) = p.next() else {
                break;
            };
            p.in_flight.insert(rel.clone());
            let smb = join_smb(&root, rel.as_str());
            let shown = join_shown(&root, rel.as_str());
            let conn = conns[turn % conns.len()].clone();
            turn += 1;
            let place = place.clone();
            running.push(async move {
                let r = list_keep_open(&conn, &place, &smb, &shown, timeout).await;
                (rel, ahead, shown, r)
            });
        }
        if running.is_empty() {
            break;
        }
        tokio::select! {
            Some(closed) = closing.next(), if !closing.is_empty() => closed?,
            c = more.recv(), if more_open => match c {
                Some(c) if !conns.iter().any(|have| Arc::ptr_eq(have, &c)) => conns.push(c),
                Some(_) => {}
                None => more_open = false,
            },
            Some((rel, ahead, shown, result)) = running.next() => {
                p.in_flight.remove(&rel);
                let result = result.map(|(items, dir)| {
                    closing.push(close_folder(dir, place.clone(), shown, timeout));
                    items
                });
                if !p.reached.contains(&rel) {
                    p.early.insert(rel, result);
                } else {
                    match result {
                        Ok(items) => p.take(rel, items, &skip_dir, &mut out),
                        // Listed before it was reached: list it again now that it is.
                        Err(_) if ahead => p.to_list.push_back(rel),
                        Err(e) => return Err(e),
                    }
                }
            }
        }
    }
    while let Some(closed) = closing.next().await {
        closed?;
    }
    out.sort();
    Ok(out)
}
