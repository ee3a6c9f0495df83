//! When a job's worker acts next: the decisions that depend only on the time and on what
//! happened before (a request, a failure, a rejected login, changes waiting), kept apart from
//! the worker's I/O so they are plain functions of `now`, tested without a clock.
//!
//! The order of precedence when several things are due: a rejected login blocks everything
//! but the user's own request (or a new password); an outage's backoff blocks everything until
//! it ends (then a full run catches up); then a full run asked for, a timed run, the periodic
//! rescan, a remote poll, and last the changes that are ready.

use std::time::{Duration, Instant};

/// The first wait after a failure; each failure in a row doubles it, up to the service's cap.
pub(super) const FIRST_BACKOFF: Duration = Duration::from_secs(2);
/// While a login is rejected: how often the stored password is compared with the one the
/// server refused (a local read, no login).
pub(super) const PASSWORD_CHECK: Duration = Duration::from_secs(20);
/// After the remote change feed stopped: how soon the remote is polled (see
/// [`Timers::remote_feed_lost`]).
pub(super) const FEED_LOST_POLL: Duration = Duration::from_secs(1);

/// Why a full run happens (for the log, and whether an idle run is worth a history entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FullWhy {
    Start,
    Asked,
    Timed,
    Rescan,
    FeedLost,
    Retry,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RunKind {
    Full(FullWhy),
    Scoped,
    Poll,
}

/// The worker's timers.
#[derive(Debug)]
pub(super) struct Timers {
    /// A full run wanted as soon as possible, and why.
    pub want_full: Option<FullWhy>,
    /// The next full rescan that backs up live sync.
    pub rescan_at: Option<Instant>,
    /// The next interval or scheduled run.
    pub timed_at: Option<Instant>,
    /// The next remote poll (notification off, refused or lost).
    pub poll_at: Option<Instant>,
    /// Offline or failing: nothing runs before this (then a full run).
    pub blocked_until: Option<Instant>,
    /// The wait after the next failure.
    pub backoff: Duration,
    /// The login was rejected: nothing runs until the password changes (compared at this time)
    /// or the user asks.
    pub password_check_at: Option<Instant>,
    /// When the remote change feed last stopped.
    pub feed_lost_at: Option<Instant>,
    /// The delete guard stopped a run and the user has not decided yet: nothing runs by
    /// itself (a run could delete what the user is deciding about); the user's own request
    /// (Sync now, or a decision) runs.
    pub awaiting_decision: bool,
}

impl Timers {
    /// A new worker's: a first full run at once.
    pub fn new() -> Timers {
        Timers {
            want_full: Some(FullWhy::Start),
            rescan_at: None,
            timed_at: None,
            poll_at: None,
            blocked_until: None,
            backoff: FIRST_BACKOFF,
            password_check_at: None,
            feed_lost_at: None,
            awaiting_decision: false,
        }
    }

    /// The remote change feed stopped at `now`. A feed stops most often because the server
    /// went away: the remote is polled after [`FEED_LOST_POLL`], which either reaches it (and
    /// notification starts again) or fails, and a full run then puts the job offline, within
    /// seconds rather than a whole poll period. A feed that stops again within a poll period of
    /// the last stop is polled on the period, so a server that keeps dropping it cannot make
    /// the worker list the share in a loop.
    pub fn remote_feed_lost(&mut self, now: Instant, poll_period: Duration) {
        let again = self
            .feed_lost_at
            .is_some_and(|t| now.saturating_duration_since(t) < poll_period);
        self.feed_lost_at = Some(now);
        let wait = if again {
            poll_period
        } else {
            FEED_LOST_POLL.min(poll_period)
        };
        self.poll_at = Some(now + wait);
    }

    /// The run to do at `now`, if any. `changes_ready`: when the earliest waiting changes are
    /// ready. `password_changed` is asked only when a rejected login's check is due.
    pub fn due(
        &mut self,
        now: Instant,
        changes_ready: Option<Instant>,
        password_changed: impl FnOnce() -> bool,
    ) -> Option<RunKind> {
        if self.awaiting_decision {
            return (self.want_full == Some(FullWhy::Asked))
                .then_some(RunKind::Full(FullWhy::Asked));
        }
        if let Some(check_at) = self.password_check_at {
            // Only the user's own request, or a new password, tries the server again.
            if self.want_full == Some(FullWhy::Asked) {
                return Some(RunKind::Full(FullWhy::Asked));
            }
            if now < check_at {
                return None;
            }
            if !password_changed() {
                self.password_check_at = Some(now + PASSWORD_CHECK);
                return None;
            }
            self.password_check_at = None;
            return Some(RunKind::Full(FullWhy::Retry));
        }
        if let Some(t) = self.blocked_until {
            if now < t {
                return None;
            }
            self.blocked_until = None;
            return Some(RunKind::Full(FullWhy::Retry));
        }
        if let Some(why) = self.want_full {
            return Some(RunKind::Full(why));
        }
        let at = |t: Option<Instant>| t.is_some_and(|t| t <= now);
        if at(self.timed_at) {
            return Some(RunKind::Full(FullWhy::Timed));
        }
        if at(self.rescan_at) {
            return Some(RunKind::Full(FullWhy::Rescan));
        }
        if at(self.poll_at) {
            return Some(RunKind::Poll);
        }
        if at(changes_ready) {
            return Some(RunKind::Scoped);
        }
        None
    }

    /// When to look again: the earliest of `heartbeat_at` and whatever can make a run due
    /// (while paused, only a backoff's end or a password check).
    pub fn next_wake(
        &self,
        heartbeat_at: Instant,
        paused: bool,
        changes_ready: Option<Instant>,
    ) -> Instant {
        let mut wake = heartbeat_at;
        let mut consider = |t: Option<Instant>| {
            if let Some(t) = t {
                wake = wake.min(t);
            }
        };
        if self.awaiting_decision {
            return wake;
        }
        consider(self.blocked_until);
        if self.password_check_at.is_some() {
            consider(self.password_check_at);
            return wake;
        }
        if self.blocked_until.is_none() && !paused {
            consider(self.timed_at);
            consider(self.rescan_at);
            consider(self.poll_at);
            consider(changes_ready);
        }
        wake
    }

    /// The user asks for a sync: a full run, at once even when offline.
    pub fn sync_now(&mut self, now: Instant) {
        self.want_full = Some(FullWhy::Asked);
        if self.blocked_until.is_some() {
            self.blocked_until = Some(now);
        }
    }

    /// The machine's network changed: an offline job tries at once. Returns whether it will.
    pub fn network_changed(&mut self, now: Instant) -> bool {
        if self.blocked_until.is_some() {
            self.blocked_until = Some(now);
            return true;
        }
        false
    }

    /// A run failed (offline or otherwise): nothing runs for a while; each failure in a row
    /// waits twice as long, up to `cap`.
    ///
    /// A failure also explains the last loss of the change feed (the server was away, not
    /// dropping feeds): the next loss is polled soon again, so a second outage shows as
    /// quickly as the first instead of after a whole poll period (issue 16).
    pub fn failed(&mut self, now: Instant, cap: Duration) {
        self.feed_lost_at = None;
        self.blocked_until = Some(now + self.backoff);
        self.backoff = (self.backoff * 2).min(cap.max(FIRST_BACKOFF));
    }

    /// A run got through: no more waiting, and the next failure starts the backoff over.
    pub fn got_through(&mut self) {
        self.backoff = FIRST_BACKOFF;
        self.blocked_until = None;
        self.password_check_at = None;
    }

    /// The server rejected the login: no timer, no poll (each would log in again); the stored
    /// password is compared every [`PASSWORD_CHECK`].
    pub fn login_rejected(&mut self, now: Instant) {
        self.password_check_at = Some(now + PASSWORD_CHECK);
        self.blocked_until = None;
        self.poll_at = None;
    }

    /// Whether a rejected login holds the job.
    pub fn login_is_rejected(&self) -> bool {
        self.password_check_at.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t0: Instant, secs: u64) -> Instant {
        t0 + Duration::from_secs(secs)
    }

    #[test]
    fn a_new_worker_runs_a_full_sync_first_then_what_is_due_in_order() {
        let t0 = Instant::now();
        let mut t = Timers::new();
        assert_eq!(
            t.due(t0, None, || false),
            Some(RunKind::Full(FullWhy::Start))
        );
        t.want_full = None;
        assert_eq!(t.due(t0, None, || false), None);
        t.poll_at = Some(at(t0, 5));
        t.rescan_at = Some(at(t0, 5));
        t.timed_at = Some(at(t0, 5));
        let ready = Some(at(t0, 1));
        assert_eq!(t.due(at(t0, 2), ready, || false), Some(RunKind::Scoped));
        assert_eq!(
            t.due(at(t0, 5), ready, || false),
            Some(RunKind::Full(FullWhy::Timed))
        );
        t.timed_at = None;
        assert_eq!(
            t.due(at(t0, 5), ready, || false),
            Some(RunKind::Full(FullWhy::Rescan))
        );
        t.rescan_at = None;
        assert_eq!(t.due(at(t0, 5), ready, || false), Some(RunKind::Poll));
    }

    #[test]
    fn failures_back_off_doubling_to_the_cap_and_a_success_starts_over() {
        let t0 = Instant::now();
        let mut t = Timers::new();
        t.want_full = None;
        let cap = Duration::from_secs(10);
        let mut waits = Vec::new();
        let mut now = t0;
        for _ in 0..5 {
            t.failed(now, cap);
            let until = t.blocked_until.unwrap();
            waits.push((until - now).as_secs());
            // Nothing runs before the end of the wait, not even waiting changes.
            assert_eq!(
                t.due(until - Duration::from_millis(1), Some(now), || false),
                None
            );
            assert_eq!(
                t.due(until, None, || false),
                Some(RunKind::Full(FullWhy::Retry))
            );
            now = until;
        }
        assert_eq!(waits, vec![2, 4, 8, 10, 10]);
        t.got_through();
        t.failed(now, cap);
        assert_eq!((t.blocked_until.unwrap() - now).as_secs(), 2);
    }

    #[test]
    fn an_offline_job_tries_at_once_when_asked_or_when_the_network_changes() {
        let t0 = Instant::now();
        let mut t = Timers::new();
        t.want_full = None;
        t.failed(t0, Duration::from_secs(300));
        assert!(t.network_changed(at(t0, 1)));
        assert_eq!(
            t.due(at(t0, 1), None, || false),
            Some(RunKind::Full(FullWhy::Retry))
        );
        // Not blocked: a network change changes nothing.
        assert!(!t.network_changed(at(t0, 1)));
        t.failed(at(t0, 1), Duration::from_secs(300));
        t.sync_now(at(t0, 2));
        assert_eq!(
            t.due(at(t0, 2), None, || false),
            Some(RunKind::Full(FullWhy::Retry))
        );
        assert_eq!(
            t.due(at(t0, 2), None, || false),
            Some(RunKind::Full(FullWhy::Asked))
        );
    }

    #[test]
    fn a_rejected_login_waits_for_a_new_password_or_the_user_and_never_for_a_timer() {
        let t0 = Instant::now();
        let mut t = Timers::new();
        t.want_full = None;
        t.poll_at = Some(at(t0, 1));
        t.rescan_at = Some(at(t0, 1));
        t.login_rejected(t0);
        assert!(t.login_is_rejected() && t.poll_at.is_none());
        // An hour of changes, rescans and checks: the password never changed, nothing runs,
        // and the password is looked at only every PASSWORD_CHECK.
        let mut checks = 0;
        for s in 0..3600 {
            let due = t.due(at(t0, s), Some(t0), || {
                checks += 1;
                false
            });
            assert_eq!(due, None, "at {s} s");
        }
        assert_eq!(checks, 3600 / PASSWORD_CHECK.as_secs() as usize - 1);
        assert_eq!(
            t.next_wake(at(t0, 9999), false, Some(t0)),
            t.password_check_at.unwrap()
        );
        // A new password: one retry.
        let when = t.password_check_at.unwrap();
        assert_eq!(
            t.due(when, None, || true),
            Some(RunKind::Full(FullWhy::Retry))
        );
        assert!(!t.login_is_rejected());
        // The user's request goes through at once.
        t.login_rejected(t0);
        t.sync_now(t0);
        assert_eq!(
            t.due(t0, None, || false),
            Some(RunKind::Full(FullWhy::Asked))
        );
    }

    #[test]
    fn a_job_waiting_for_a_decision_runs_only_when_asked() {
        let t0 = Instant::now();
        let mut t = Timers::new();
        t.want_full = Some(FullWhy::Timed);
        t.rescan_at = Some(at(t0, 1));
        t.poll_at = Some(at(t0, 1));
        t.awaiting_decision = true;
        let later = at(t0, 100);
        assert_eq!(t.due(later, Some(at(t0, 1)), || true), None);
        assert_eq!(t.next_wake(later, false, Some(at(t0, 1))), later);
        t.sync_now(later);
        assert_eq!(
            t.due(later, None, || true),
            Some(RunKind::Full(FullWhy::Asked))
        );
    }

    #[test]
    fn next_wake_is_the_earliest_thing_that_can_make_a_run_due() {
        let t0 = Instant::now();
        let mut t = Timers::new();
        t.want_full = None;
        t.rescan_at = Some(at(t0, 30));
        t.poll_at = Some(at(t0, 20));
        let heartbeat = at(t0, 60);
        assert_eq!(t.next_wake(heartbeat, false, Some(at(t0, 10))), at(t0, 10));
        assert_eq!(t.next_wake(heartbeat, false, None), at(t0, 20));
        // Paused: only the heartbeat.
        assert_eq!(t.next_wake(heartbeat, true, Some(at(t0, 10))), heartbeat);
        // Blocked: the end of the wait, nothing before it.
        t.blocked_until = Some(at(t0, 45));
        assert_eq!(t.next_wake(heartbeat, false, Some(at(t0, 10))), at(t0, 45));
    }

    #[test]
    fn a_lost_feed_is_polled_at_once_but_not_in_a_loop() {
        let t0 = Instant::now();
        let period = Duration::from_secs(60);
        let mut t = Timers::new();
        t.want_full = None;
        t.remote_feed_lost(t0, period);
        assert_eq!(t.poll_at, Some(t0 + FEED_LOST_POLL));
        assert_eq!(t.due(at(t0, 1), None, || false), Some(RunKind::Poll));
        // Lost again soon after (a server that drops every feed): the normal period.
        t.remote_feed_lost(at(t0, 2), period);
        assert_eq!(t.poll_at, Some(at(t0, 62)));
        assert_eq!(t.due(at(t0, 30), None, || false), None);
        // Lost after a feed that lasted: soon again.
        t.remote_feed_lost(at(t0, 200), period);
        assert_eq!(t.poll_at, Some(at(t0, 200) + FEED_LOST_POLL));
        // A poll period shorter than the pause keeps its own.
        let mut t = Timers::new();
        t.remote_feed_lost(t0, Duration::from_millis(500));
        assert_eq!(t.poll_at, Some(t0 + Duration::from_millis(500)));
    }

    #[test]
    fn a_feed_lost_again_after_an_outage_is_polled_at_once() {
        let t0 = Instant::now();
        let period = Duration::from_secs(60);
        let mut t = Timers::new();
        t.want_full = None;
        // The server goes away: feed lost, the poll fails, the job goes offline.
        t.remote_feed_lost(t0, period);
        t.failed(at(t0, 2), Duration::from_secs(300));
        // Back a few seconds later; the feed starts again and is lost again (a second outage)
        // well within the poll period of the first loss: polled at once, not in a minute.
        t.got_through();
        t.remote_feed_lost(at(t0, 20), period);
        assert_eq!(t.poll_at, Some(at(t0, 20) + FEED_LOST_POLL));
    }
}
