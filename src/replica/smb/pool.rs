//! The pool of SMB connections one remote uses side by side: the first made at connect, the
//! others on first use, each replaced after carrying [`ROTATE_AFTER_BYTES`] of writes, all of
//! them replaced together by a reconnect (a new generation).

use std::sync::Arc;

use super::session::{establish, SmbConn};
use super::{SmbReplica, ROTATE_AFTER_BYTES};
use crate::replica::{Replica, ReplicaResult};

/// The connections of one generation: the first always made, the others on first use.
pub(super) struct Pool {
    primary: tokio::sync::Mutex<Arc<SmbConn>>,
    extra: Vec<tokio::sync::Mutex<Slot>>,
}

/// An extra connection of the pool.
enum Slot {
    NotMade,
    Made(Arc<SmbConn>),
    /// Could not be made (a server that limits connections per user, say). Not tried again in
    /// this generation, so no later operation waits for a connect that is bound to fail; the
    /// first connection does its share. A reconnect starts a new generation.
    Failed,
}

impl Slot {
    fn conn(&self) -> Option<Arc<SmbConn>> {
        match self {
            Slot::Made(c) => Some(c.clone()),
            _ => None,
        }
    }
}

impl Pool {
    pub(super) fn new(primary: SmbConn, size: usize) -> Pool {
        Pool {
            primary: tokio::sync::Mutex::new(Arc::new(primary)),
            extra: (1..size.max(1))
                .map(|_| tokio::sync::Mutex::new(Slot::NotMade))
                .collect(),
        }
    }

    /// The connections made so far that are not busy being replaced, without waiting.
    pub(super) fn made_now(&self) -> Vec<Arc<SmbConn>> {
        let mut v: Vec<Arc<SmbConn>> = self
            .primary
            .try_lock()
            .ok()
            .map(|c| c.clone())
            .into_iter()
            .collect();
        for slot in &self.extra {
            if let Ok(s) = slot.try_lock() {
                v.extend(s.conn());
            }
        }
        v
    }

    /// Every connection made so far.
    pub(super) async fn made(&self) -> Vec<Arc<SmbConn>> {
        let mut v = vec![self.primary.lock().await.clone()];
        for slot in &self.extra {
            v.extend(slot.lock().await.conn());
        }
        v
    }
}

impl SmbReplica {
    pub(super) fn pool(&self) -> Arc<Pool> {
        self.pool.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The first connection (listing, folder queries).
    pub(super) async fn primary(&self) -> Arc<SmbConn> {
        self.pool().primary.lock().await.clone()
    }

    /// The next connection in turn, made if it is not yet. With `for_write`, a connection
    /// that carried [`ROTATE_AFTER_BYTES`] of writes is replaced by a fresh one first (readers
    /// and writers still open on it keep it alive until they close). An extra connection
    /// that cannot be made is not an error: the primary one does the work.
    pub(super) async fn pick(&self, for_write: bool) -> ReplicaResult<Arc<SmbConn>> {
        use std::sync::atomic::Ordering;
        let pool = self.pool();
        let n = pool.extra.len() + 1;
        let i = self.next.fetch_add(1, Ordering::Relaxed) % n;
        let worn =
            |c: &SmbConn| for_write && c.written.load(Ordering::Relaxed) >= ROTATE_AFTER_BYTES;
        if i == 0 {
            let mut slot = pool.primary.lock().await;
            if worn(&slot) {
                tracing::debug!(remote = %self.describe(), "replacing a connection worn by writes");
                *slot = Arc::new(self.establish().await?);
            }
            return Ok(slot.clone());
        }
        let mut slot = pool.extra[i - 1].lock().await;
        match &*slot {
            Slot::Made(c) if !worn(c) => return Ok(c.clone()),
            Slot::Failed => {
                drop(slot);
                return Ok(pool.primary.lock().await.clone());
            }
            _ => {}
        }
        match self.establish().await {
            Ok(c) => {
                let c = Arc::new(c);
                *slot = Slot::Made(c.clone());
                Ok(c)
            }
            Err(e) => {
                tracing::debug!(error = %e, "extra SMB connection failed; using the first one");
                *slot = Slot::Failed;
                drop(slot);
                Ok(pool.primary.lock().await.clone())
            }
        }
    }

    /// Every connection of the pool, the missing ones made now (side by side). One that cannot
    /// be made is left out: the others do the work.
    pub(super) async fn all_conns(&self) -> Vec<Arc<SmbConn>> {
        let pool = self.pool();
        let extra = futures::future::join_all(pool.extra.iter().map(|slot| async move {
            let mut slot = slot.lock().await;
            if matches!(*slot, Slot::NotMade) {
                *slot = match self.establish().await {
                    Ok(c) => Slot::Made(Arc::new(c)),
                    Err(e) => {
                        tracing::debug!(error = %e, "extra SMB connection failed");
                        Slot::Failed
                    }
                };
            }
            slot.conn()
        }))
        .await;
        let mut all = vec![pool.primary.lock().await.clone()];
        all.extend(extra.into_iter().flatten());
        all
    }

    pub(super) async fn establish(&self) -> ReplicaResult<SmbConn> {
        establish(&self.url, &self.password, &self.opts, &self.place).await
    }

    /// Closes every connection made so far.
    pub(super) async fn close_all(&self) {
        for c in self.pool().made().await {
            c.close().await;
        }
    }
}
