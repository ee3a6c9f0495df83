//! Token buckets: the bytes a direction may move per second.
//!
//! A transfer asks for the bytes of a chunk before writing it ([`Throttle::take`]). The bucket
//! refills at the rate and holds at most a quarter second of it, so a burst after a quiet
//! spell stays short. A request larger than what is there is granted at once and leaves the
//! bucket in debt: the caller sleeps until the debt is paid, and so does the next caller after
//! it. Concurrent transfers of a direction thus share the rate between them, whatever their
//! chunk sizes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::tree::Direction;

use super::Limits;

/// The most a bucket holds, in seconds of its rate.
const BURST_SECS: f64 = 0.25;

pub struct TokenBucket {
    /// Bytes per second; 0: no limit.
    rate: AtomicU64,
    state: Mutex<State>,
}

struct State {
    /// Bytes that may go now; negative: the debt of requests already granted.
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    pub fn new(rate: Option<u64>) -> TokenBucket {
        let r = rate.unwrap_or(0);
        TokenBucket {
            rate: AtomicU64::new(r),
            state: Mutex::new(State {
                tokens: r as f64 * BURST_SECS,
                last: Instant::now(),
            }),
        }
    }

    pub fn rate(&self) -> Option<u64> {
        Some(self.rate.load(Ordering::Relaxed)).filter(|r| *r > 0)
    }

    /// Changes the rate; transfers waiting on the bucket keep the wait they were given, the
    /// next chunk gets the new rate.
    pub fn set_rate(&self, rate: Option<u64>) {
        let r = rate.unwrap_or(0);
        if self.rate.swap(r, Ordering::Relaxed) != r {
            let mut s = self.state.lock().unwrap();
            s.tokens = s.tokens.min(r as f64 * BURST_SECS);
            s.last = Instant::now();
        }
    }

    /// Grants `n` bytes as of `now` and says how long the caller must wait before sending them.
    pub fn reserve(&self, n: u64, now: Instant) -> Duration {
        let rate = self.rate.load(Ordering::Relaxed);
        if rate == 0 {
            return Duration::ZERO;
        }
        let rate = rate as f64;
        let mut s = self.state.lock().unwrap();
        let elapsed = now.saturating_duration_since(s.last).as_secs_f64();
        s.last = s.last.max(now);
        s.tokens = (s.tokens + elapsed * rate).min(rate * BURST_SECS);
        s.tokens -= n as f64;
        if s.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-s.tokens / rate)
        }
    }
}

/// A job's upload and download buckets.
type UpDown = (Arc<TokenBucket>, Arc<TokenBucket>);

/// The buckets of one process: a global one per direction and one per job and direction.
pub struct Buckets {
    up: Arc<TokenBucket>,
    down: Arc<TokenBucket>,
    jobs: Mutex<HashMap<i64, UpDown>>,
}

impl Default for Buckets {
    fn default() -> Self {
        Buckets {
            up: Arc::new(TokenBucket::new(None)),
            down: Arc::new(TokenBucket::new(None)),
            jobs: Mutex::new(HashMap::new()),
        }
    }
}

impl Buckets {
    pub fn set_global(&self, l: Limits) {
        self.up.set_rate(l.up);
        self.down.set_rate(l.down);
    }

    pub fn global(&self) -> Limits {
        Limits {
            up: self.up.rate(),
            down: self.down.rate(),
        }
    }

    /// Sets a job's own limits (its buckets are made on first use).
    pub fn set_job(&self, job_id: i64, l: Limits) {
        let (up, down) = self.job(job_id);
        up.set_rate(l.up);
        down.set_rate(l.down);
    }

    fn job(&self, job_id: i64) -> UpDown {
        self.jobs
            .lock()
            .unwrap()
            .entry(job_id)
            .or_insert_with(|| {
                (
                    Arc::new(TokenBucket::new(None)),
                    Arc::new(TokenBucket::new(None)),
                )
            })
            .clone()
    }

    /// What a run of `job_id` draws from: its own buckets and the global ones.
    pub fn throttle(&self, job_id: i64) -> Throttle {
        let (up, down) = self.job(job_id);
        Throttle {
            up: vec![up, self.up.clone()],
            down: vec![down, self.down.clone()],
        }
    }
}

/// The buckets one run's transfers draw from, per direction. The default draws from none.
#[derive(Clone, Default)]
pub struct Throttle {
    up: Vec<Arc<TokenBucket>>,
    down: Vec<Arc<TokenBucket>>,
}

impl Throttle {
    /// Waits until `n` bytes may go in `direction` under every bucket of it.
    pub async fn take(&self, direction: Direction, n: u64) {
        let buckets = match direction {
            Direction::Up => &self.up,
            Direction::Down => &self.down,
        };
        let now = Instant::now();
        let wait = buckets
            .iter()
            .map(|b| b.reserve(n, now))
            .max()
            .unwrap_or_default();
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_limit_never_waits() {
        let b = TokenBucket::new(None);
        assert_eq!(b.reserve(u64::MAX / 2, Instant::now()), Duration::ZERO);
    }

    #[test]
    fn debt_is_paid_at_the_rate() {
        let b = TokenBucket::new(Some(1_000_000));
        let t = Instant::now();
        // A quarter second of burst is there; the rest of 3 MB waits 2.75 s in all.
        let mut waited = Duration::ZERO;
        for _ in 0..3 {
            waited = b.reserve(1_000_000, t);
        }
        assert!((waited.as_secs_f64() - 2.75).abs() < 1e-6, "{waited:?}");
        // Time passing pays debt back.
        let later = b.reserve(0, t + Duration::from_secs(2));
        assert!((later.as_secs_f64() - 0.75).abs() < 1e-6, "{later:?}");
    }

    #[test]
    fn a_quiet_spell_refills_only_up_to_the_burst() {
        let b = TokenBucket::new(Some(1_000_000));
        let t = Instant::now() + Duration::from_secs(100);
        assert_eq!(b.reserve(250_000, t), Duration::ZERO);
        assert!(b.reserve(250_000, t) > Duration::from_millis(249));
    }

    #[test]
    fn a_job_waits_for_the_tighter_of_its_own_and_the_global_limit() {
        let buckets = Buckets::default();
        buckets.set_global(Limits {
            up: Some(1_000_000),
            down: None,
        });
        buckets.set_job(
            7,
            Limits {
                up: Some(4_000_000),
                down: Some(100_000),
            },
        );
        let th = buckets.throttle(7);
        let t = Instant::now();
        let up = th.up.iter().map(|b| b.reserve(2_000_000, t)).max().unwrap();
        assert!(up > Duration::from_millis(1700), "global binds: {up:?}");
        let down = th.down.iter().map(|b| b.reserve(200_000, t)).max().unwrap();
        assert!(down > Duration::from_millis(1700), "job binds: {down:?}");
        // Another job shares the global bucket, not the first job's.
        let other = buckets.throttle(8);
        let d = other
            .down
            .iter()
            .map(|b| b.reserve(200_000, t))
            .max()
            .unwrap();
        assert_eq!(d, Duration::ZERO);
    }
}
