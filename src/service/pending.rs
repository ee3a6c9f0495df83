//! Changes waiting for a run: the paths file-system events and remote notifications named,
//! coalesced until the folder has been quiet for the job's quiet period.
//!
//! A file written to and not closed since (a writer that pauses between pieces keeps it open)
//! waits until it is closed, or has been left alone for [`OPEN_WRITER_QUIET`]: the quiet period
//! can then be short (sync within a second of a save) without ever sending half a file.
//!
//! A path is ready when the folder has been quiet for `quiet` (no event at all), so a burst of
//! changes (a thousand files dropped at once, a checkout) becomes one run. In a folder that is
//! never quiet, a path that has itself been quiet for `quiet` is ready after [`MAX_BATCH`]. Taking the ready paths for a run does
//! not forget them: they are forgotten only when the run that took them ends, and only if no
//! newer event named them meanwhile (a change during a run is synced by the next one).
//! Time is passed in, so the rules are testable.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::relpath::RelPath;

/// A file still changing after this long is synced anyway (the copy itself re-checks the
/// source and leaves it for later if it moves during the transfer).
pub const MAX_WAIT: Duration = Duration::from_secs(300);
/// In a folder that never goes quiet, a quiet path waits at most this long for the others.
pub const MAX_BATCH: Duration = Duration::from_secs(10);
/// A file written to and not closed since waits until it is closed, or until nothing has
/// happened to it for this long (a file an application keeps open; platforms that do not
/// report closing).
pub const OPEN_WRITER_QUIET: Duration = Duration::from_secs(2);

#[derive(Clone, Copy, Debug)]
struct Entry {
    first: Instant,
    last: Instant,
    /// Not before this (a retry after an error waits).
    not_before: Option<Instant>,
    /// How many runs failed on it in a row.
    failures: u32,
    /// Written to, and not closed since.
    writing: bool,
}

#[derive(Debug)]
pub struct Pending {
    quiet: Duration,
    paths: BTreeMap<RelPath, Entry>,
    /// The newest event of all.
    newest: Option<Instant>,
}

impl Pending {
    pub fn new(quiet: Duration) -> Pending {
        Pending {
            quiet,
            paths: BTreeMap::new(),
            newest: None,
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// An event named `path` at `now`.
    #[cfg(test)]
    pub fn touch(&mut self, path: RelPath, now: Instant) {
        self.touch_as(path, now, None);
    }

    /// An event named `path` at `now`; `writing`: `Some(true)` data was written to it (it may
    /// still be open), `Some(false)` it was closed after writing, `None` neither.
    pub fn touch_as(&mut self, path: RelPath, now: Instant, writing: Option<bool>) {
        self.newest = Some(self.newest.map_or(now, |n| n.max(now)));
        let e = self.paths.entry(path).or_insert(Entry {
            first: now,
            last: now,
            not_before: None,
            failures: 0,
            writing: false,
        });
        e.last = now;
        if let Some(w) = writing {
            e.writing = w;
        }
    }

    /// A path found changed by a look rather than an event (a poll): ready at once, and a path
    /// already waiting keeps its own timing (a poll that finds it again is not a new event).
    pub fn add_found(&mut self, path: RelPath, now: Instant) {
        let settled = now.checked_sub(self.quiet).unwrap_or(now);
        self.paths.entry(path).or_insert(Entry {
            first: settled,
            last: settled,
            not_before: None,
            failures: 0,
            writing: false,
        });
    }

    /// When the earliest waiting path becomes ready (None: nothing waits).
    pub fn next_ready(&self) -> Option<Instant> {
        self.paths.values().map(|e| self.ready_at(e)).min()
    }

    fn ready_at(&self, e: &Entry) -> Instant {
        let own_quiet = e.last + self.quiet;
        let folder_quiet = self.newest.map_or(own_quiet, |n| n + self.quiet);
        let batch_end = e.first + MAX_BATCH.max(self.quiet);
        let mut quiet_end = own_quiet.max(folder_quiet.min(batch_end));
        if e.writing {
            // Maybe mid-write (a writer that pauses keeps it open): wait for the close, or
            // for the file to be left alone a while. Never upload half a file.
            quiet_end = quiet_end.max(e.last + OPEN_WRITER_QUIET);
        }
        let quiet_end = quiet_end.min(e.first + MAX_WAIT.max(self.quiet));
        match e.not_before {
            Some(t) => quiet_end.max(t),
            None => quiet_end,
        }
    }

    /// The paths ready at `now` (quiet long enough, not waiting for a retry).
    pub fn ready(&self, now: Instant) -> Vec<RelPath> {
        self.paths
            .iter()
            .filter(|(_, e)| self.ready_at(e) <= now)
            .map(|(p, _)| p.clone())
            .collect()
    }

    /// The path is still being written (seen moving at `now`): wait another quiet period.
    pub fn still_moving(&mut self, path: &RelPath, now: Instant) {
        if let Some(e) = self.paths.get_mut(path) {
            e.last = now;
        }
    }

    /// Drops a path that turned out to need nothing (our own write, an unchanged file).
    pub fn drop_path(&mut self, path: &RelPath) {
        self.paths.remove(path);
    }

    /// A run that started at `started` dealt with `taken`: forget them unless an event named
    /// them after the run started.
    pub fn done(&mut self, taken: &[RelPath], started: Instant) {
        for p in taken {
            if self.paths.get(p).is_some_and(|e| e.last < started) {
                self.paths.remove(p);
            }
        }
    }

    /// A full run that started at `started` saw everything: forget what it covered.
    pub fn done_all(&mut self, started: Instant) {
        self.paths.retain(|_, e| e.last >= started);
    }

    /// A path the run could not sync: retry after a growing delay, at most `max_tries` times in
    /// a row (then the periodic full rescan picks it up).
    pub fn failed(&mut self, path: RelPath, now: Instant, max_tries: u32) {
        let e = self.paths.entry(path.clone()).or_insert(Entry {
            first: now,
            last: now,
            not_before: None,
            failures: 0,
            writing: false,
        });
        e.failures += 1;
        if e.failures > max_tries {
            self.paths.remove(&path);
            return;
        }
        let delay = Duration::from_secs(30) * 4u32.pow(e.failures - 1);
        e.first = now;
        e.last = now;
        e.not_before = Some(now + delay);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> RelPath {
        RelPath::new(s).unwrap()
    }

    #[test]
    fn events_coalesce_until_the_folder_is_quiet() {
        let t0 = Instant::now();
        let q = Duration::from_secs(2);
        let mut pend = Pending::new(q);
        pend.touch(p("a.txt"), t0);
        pend.touch(p("a.txt"), t0 + Duration::from_millis(1500));
        pend.touch(p("b.txt"), t0 + Duration::from_millis(100));
        // b.txt is quiet, but the folder is not: both go together once it is.
        assert!(pend.ready(t0 + Duration::from_millis(2200)).is_empty());
        assert_eq!(pend.next_ready(), Some(t0 + Duration::from_millis(3500)));
        assert_eq!(
            pend.ready(t0 + Duration::from_millis(3500)),
            vec![p("a.txt"), p("b.txt")]
        );
    }

    #[test]
    fn in_a_folder_that_never_goes_quiet_a_quiet_path_waits_at_most_max_batch() {
        let t0 = Instant::now();
        let mut pend = Pending::new(Duration::from_secs(2));
        pend.touch(p("done.txt"), t0);
        let mut t = t0;
        while t < t0 + MAX_BATCH + Duration::from_secs(3) {
            pend.touch(p("busy.log"), t);
            t += Duration::from_millis(500);
        }
        assert_eq!(pend.ready(t0 + MAX_BATCH), vec![p("done.txt")]);
    }

    #[test]
    fn a_change_during_the_run_is_kept_for_the_next_one() {
        let t0 = Instant::now();
        let mut pend = Pending::new(Duration::from_secs(1));
        pend.touch(p("a"), t0);
        pend.touch(p("b"), t0);
        let started = t0 + Duration::from_secs(2);
        let taken = pend.ready(started);
        pend.touch(p("a"), started + Duration::from_millis(10));
        pend.done(&taken, started);
        assert_eq!(pend.len(), 1);
        assert!(pend.ready(started + Duration::from_secs(2)) == vec![p("a")]);
    }

    #[test]
    fn a_file_that_never_stops_moving_is_synced_after_max_wait() {
        let t0 = Instant::now();
        let mut pend = Pending::new(Duration::from_secs(2));
        let mut t = t0;
        while t < t0 + MAX_WAIT + Duration::from_secs(5) {
            pend.touch(p("log.txt"), t);
            t += Duration::from_secs(1);
        }
        assert_eq!(pend.ready(t), vec![p("log.txt")]);
    }

    #[test]
    fn a_poll_that_finds_a_path_again_does_not_hold_it_back() {
        let t0 = Instant::now();
        let mut pend = Pending::new(Duration::from_secs(2));
        pend.add_found(p("polled.txt"), t0);
        assert_eq!(pend.ready(t0), vec![p("polled.txt")]);
        pend.add_found(p("polled.txt"), t0 + Duration::from_secs(1));
        assert_eq!(
            pend.ready(t0 + Duration::from_secs(1)),
            vec![p("polled.txt")]
        );
    }

    #[test]
    fn failed_paths_retry_later_then_give_up() {
        let t0 = Instant::now();
        let mut pend = Pending::new(Duration::from_secs(1));
        pend.failed(p("locked.docx"), t0, 2);
        assert!(pend.ready(t0 + Duration::from_secs(10)).is_empty());
        assert_eq!(
            pend.ready(t0 + Duration::from_secs(31)),
            vec![p("locked.docx")]
        );
        pend.failed(p("locked.docx"), t0, 2);
        assert!(pend.ready(t0 + Duration::from_secs(100)).is_empty());
        pend.failed(p("locked.docx"), t0, 2);
        assert!(pend.is_empty());
    }

    #[test]
    fn a_file_open_for_writing_waits_for_its_close_and_no_longer() {
        let t0 = Instant::now();
        let ms = |n: u64| t0 + Duration::from_millis(n);
        let mut pend = Pending::new(Duration::from_millis(300));
        // Written in pieces with pauses longer than the quiet period, the file kept open.
        for i in 0..5 {
            pend.touch_as(p("big.bin"), ms(i * 600), Some(true));
            assert!(pend.ready(ms(i * 600 + 500)).is_empty(), "piece {i}");
        }
        // Closed: ready one quiet period later.
        pend.touch_as(p("big.bin"), ms(2500), Some(false));
        assert!(pend.ready(ms(2700)).is_empty());
        assert_eq!(pend.ready(ms(2800)), vec![p("big.bin")]);

        // Created and closed (a copy, an editor's save): just the quiet period.
        let mut pend = Pending::new(Duration::from_millis(300));
        pend.touch_as(p("saved.txt"), t0, None);
        pend.touch_as(p("saved.txt"), ms(1), Some(true));
        pend.touch_as(p("saved.txt"), ms(2), Some(false));
        assert_eq!(pend.next_ready(), Some(ms(302)));

        // Kept open and left alone (a platform that reports no close, an application that
        // holds the file): synced after OPEN_WRITER_QUIET.
        let mut pend = Pending::new(Duration::from_millis(300));
        pend.touch_as(p("held.db"), t0, Some(true));
        assert!(pend
            .ready(t0 + OPEN_WRITER_QUIET - Duration::from_millis(1))
            .is_empty());
        assert_eq!(pend.ready(t0 + OPEN_WRITER_QUIET), vec![p("held.db")]);
        // A rename or attribute event does not end the wait; a removal does.
        let mut pend = Pending::new(Duration::from_millis(300));
        pend.touch_as(p("x"), t0, Some(true));
        pend.touch_as(p("x"), ms(10), None);
        assert!(pend.ready(ms(1000)).is_empty());
        pend.touch_as(p("x"), ms(20), Some(false));
        assert_eq!(pend.ready(ms(320)), vec![p("x")]);
    }
}
