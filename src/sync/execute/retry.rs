//! Retries with exponential backoff for transient errors, and one shared reconnect for all the
//! transfer tasks of a run when the connection drops. When the server stays away past the
//! budget the gate is marked dead and every task stops: the run ends as failed, the database
//! consistent, and the next run finishes the work.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::replica::{Replica, ReplicaError, ReplicaErrorKind};

/// Attempts of one operation on transient errors (busy, timeout, connection lost).
pub const MAX_ATTEMPTS: u32 = 5;

pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250u64 << attempt.min(6)).min(Duration::from_secs(10))
}

pub struct ReconnectGate {
    remote: Arc<dyn Replica>,
    generation: AtomicU64,
    lock: tokio::sync::Mutex<()>,
    dead: AtomicBool,
    budget: Duration,
}

impl ReconnectGate {
    pub fn new(remote: Arc<dyn Replica>, budget: Duration) -> Self {
        ReconnectGate {
            remote,
            generation: AtomicU64::new(0),
            lock: tokio::sync::Mutex::new(()),
            dead: AtomicBool::new(false),
            budget,
        }
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    pub fn is_dead(&self) -> bool {
        self.dead.load(Ordering::SeqCst)
    }

    fn gone(&self) -> ReplicaError {
        ReplicaError::new(
            ReplicaErrorKind::Connection,
            format!(
                "lost the connection to {} and could not reconnect within {} s; the next sync will finish the work",
                self.remote.describe(),
                self.budget.as_secs()
            ),
        )
    }

    /// Reconnects unless another task already did since `seen` was read.
    pub async fn reconnect(&self, seen: u64) -> Result<(), ReplicaError> {
        let _held = self.lock.lock().await;
        if self.is_dead() {
            return Err(self.gone());
        }
        if self.generation() != seen {
            return Ok(());
        }
        let start = Instant::now();
        let mut attempt = 0;
        loop {
            match self.remote.reconnect().await {
                Ok(()) => {
                    self.generation.fetch_add(1, Ordering::SeqCst);
                    tracing::info!(remote = %self.remote.describe(), "reconnected");
                    return Ok(());
                }
                Err(e) => {
                    tracing::warn!(remote = %self.remote.describe(), error = %e, "reconnect failed");
                    if start.elapsed() >= self.budget {
                        self.dead.store(true, Ordering::SeqCst);
                        return Err(self.gone());
                    }
                }
            }
            attempt += 1;
            let left = self.budget.saturating_sub(start.elapsed());
            tokio::time::sleep(backoff(attempt).min(left)).await;
        }
    }

    /// Runs `op`, retrying transient failures with backoff and reconnecting when the
    /// connection is lost. Permanent errors return at once.
    pub async fn retry<T, F, Fut>(&self, mut op: F) -> Result<T, ReplicaError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ReplicaError>>,
    {
        let mut attempt = 0;
        loop {
            if self.is_dead() {
                return Err(self.gone());
            }
            let seen = self.generation();
            match op().await {
                Ok(v) => return Ok(v),
                Err(e) if e.kind.is_transient() && attempt + 1 < MAX_ATTEMPTS => {
                    attempt += 1;
                    tracing::debug!(error = %e, attempt, "transient error; retrying");
                    if e.kind.is_connection_lost() {
                        self.reconnect(seen).await?;
                    } else {
                        tokio::time::sleep(backoff(attempt)).await;
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }
}
