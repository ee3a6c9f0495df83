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

    /// The next connection in turn (one not made yet is made in the background, the first
    /// connection serving meanwhile). With `for_write`, a connection that carried
    /// [`ROTATE_AFTER_BYTES`] of writes is replaced by a fresh one first (readers and writers
    /// still open on it keep it alive until they close). An extra connection that cannot be
    /// made, or is being made or replaced by another caller, is not waited for: the primary
    /// one does the work.
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
        let Ok(mut slot) = pool.extra[i - 1].try_lock() else {
            // Being made or replaced (a login: four round trips over a slow link, and `list`
            // makes the missing ones in the background): the first connection takes this
            // request rather than wait.
            return Ok(pool.primary.lock().await.clone());
        };
        match &*slot {
            Slot::Made(c) if !worn(c) => return Ok(c.clone()),
            Slot::Failed => {
                drop(slot);
                return Ok(pool.primary.lock().await.clone());
            }
            Slot::NotMade => {
                // Made in the background (a login is four round trips over a slow link, which
                // made a stat at the start of a run the last to finish): this request goes on
                // the first connection rather than wait for it.
                drop(slot);
                drop(self.make_missing_in_background());
                return Ok(pool.primary.lock().await.clone());
            }
            // Worn by writes: replaced now, as the writes it is picked for must not go on it.
            Slot::Made(_) => {}
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

    /// Makes the pool's missing connections in a task of their own (side by side), sending
    /// each one made (or found made) on the returned channel, which closes when all are done.
    /// The caller need not wait for them: a `pick` of a slot still being made takes the first
    /// connection meanwhile. One that cannot be made is left out: the others do the work.
    pub(super) fn make_missing_in_background(
        &self,
    ) -> tokio::sync::mpsc::UnboundedReceiver<Arc<SmbConn>> {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let pool = self.pool();
        let (url, password, opts, place) = (
            self.url.clone(),
            self.password.clone(),
            self.opts.clone(),
            self.place.clone(),
        );
        tokio::spawn(async move {
            let pool = &pool;
            let made = (0..pool.extra.len()).map(|i| {
                let (tx, url, password, opts, place) = (tx.clone(), &url, &password, &opts, &place);
                async move {
                    let mut slot = pool.extra[i].lock().await;
                    if matches!(*slot, Slot::NotMade) {
                        *slot = match establish(url, password, opts, place).await {
                            Ok(c) => Slot::Made(Arc::new(c)),
                            Err(e) => {
                                tracing::debug!(error = %e, "extra SMB connection failed");
                                Slot::Failed
                            }
                        };
                    }
                    if let Some(c) = slot.conn() {
                        let _ = tx.send(c);
                    }
                }
            });
            futures::future::join_all(made).await;
        });
        rx
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
