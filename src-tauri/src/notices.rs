//! Which job state changes become desktop notifications: one per change of state, never one
//! per retry (issue 16: a failing job sent "sync failed" six times a minute, because every
//! retry goes error -> syncing -> error).
//!
//! Pure: fed the jobs' state events and the time, it answers with the notice to show, if any.
//! `syncing` is a passing state and does not count as a change: a job that fails, retries and
//! fails again stays "in error" and says so once. A state is notified when a job *enters* it:
//!
//! | entered          | notice                          | click opens |
//! |------------------|---------------------------------|-------------|
//! | error            | "<job>: sync stopped" + reason  | Jobs        |
//! | conflict         | "<job>: conflicts need you"     | Conflicts   |
//! | needs you (delete guard) | "<job> needs you" + what would go | Jobs |
//! | first sync waits | "<job>: choose how to do the first sync" | Jobs |
//! | idle, after an outage longer than [`LONG_OUTAGE_MS`] | "<job> is back online" | Jobs |
//!
//! Going offline is not notified (a laptop leaving home would notify every day; the tray shows
//! it); coming back after a long outage is. A new state that needs the user (e.g. "needs you")
//! is one arm in [`notice_for`].

use std::collections::BTreeMap;

use crate::types::{JobState, View};

/// An outage at least this long is worth a "back online" notice.
pub const LONG_OUTAGE_MS: i64 = 5 * 60_000;

/// A notification to show, and the page a click on it opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub body: String,
    pub view: View,
}

/// What the policy remembers of one job.
#[derive(Clone, Copy, Debug)]
struct Settled {
    state: JobState,
    /// When the job went offline (while it is).
    offline_since_ms: Option<i64>,
}

#[derive(Default)]
pub struct NoticePolicy {
    jobs: BTreeMap<String, Settled>,
}

impl NoticePolicy {
    /// `job` published `state` (with its reason) at `now_ms`: the notice to show, if this is a
    /// change of state worth one.
    pub fn on_state(
        &mut self,
        job: &str,
        state: JobState,
        message: Option<&str>,
        now_ms: i64,
    ) -> Option<Notice> {
        if state == JobState::Syncing {
            return None;
        }
        let before = self.jobs.get(job).copied();
        if before.is_some_and(|b| b.state == state) {
            return None;
        }
        let offline_since_ms = match state {
            JobState::Offline => Some(now_ms),
            _ => None,
        };
        self.jobs.insert(
            job.to_string(),
            Settled {
                state,
                offline_since_ms,
            },
        );
        let outage_ms = before
            .and_then(|b| b.offline_since_ms)
            .map(|since| now_ms - since);
        notice_for(job, state, message, outage_ms)
    }
}

/// The notice for `job` entering `state`; `outage_ms`: how long it was offline before.
fn notice_for(
    job: &str,
    state: JobState,
    message: Option<&str>,
    outage_ms: Option<i64>,
) -> Option<Notice> {
    let n = |title: String, body: String, view| Some(Notice { title, body, view });
    match state {
        JobState::Error => n(
            format!("{job}: sync stopped"),
            message
                .map(str::to_string)
                .unwrap_or_else(|| "Open AnemoneSync to see why.".into()),
            View::Jobs,
        ),
        JobState::Conflict => n(
            format!("{job}: conflicts need you"),
            "A file changed on both sides. Click to choose which version to keep.".into(),
            View::Conflicts,
        ),
        JobState::Idle if outage_ms.is_some_and(|ms| ms >= LONG_OUTAGE_MS) => n(
            format!("{job} is back online"),
            format!(
                "The server answers again after {}; changes made meanwhile are being synced.",
                outage(outage_ms.unwrap_or_default())
            ),
            View::Jobs,
        ),
        JobState::NeedsYou => n(
            format!("{job} needs you"),
            format!(
                "{}. Nothing was deleted: click to delete them there too, restore them, or decide later.",
                message.unwrap_or("Files would be deleted")
            ),
            View::Jobs,
        ),
        JobState::FirstSync => n(
            format!("{job}: choose how to do the first sync"),
            "Both folders hold files. Click to choose: merge, this computer wins, or the server wins.".into(),
            View::Jobs,
        ),
        JobState::Idle | JobState::Offline | JobState::Paused | JobState::Syncing => None,
    }
}

/// "12 minutes", "3 hours".
fn outage(ms: i64) -> String {
    let mins = ms / 60_000;
    match mins {
        0..=1 => "a minute".to_string(),
        2..=119 => format!("{mins} minutes"),
        _ => format!("{} hours", mins / 60),
    }
}

/// The notice at the end of a job's first sync: what it did, in words ("First sync done: 120
/// files uploaded, 3 downloaded").
pub fn first_sync_done(job: &str, uploaded: u64, downloaded: u64, deleted: u64) -> Notice {
    let files = |n: u64| if n == 1 { "file" } else { "files" };
    let mut parts = Vec::new();
    if uploaded > 0 {
        parts.push(format!("{uploaded} {} uploaded", files(uploaded)));
    }
    if downloaded > 0 {
        let noun = if parts.is_empty() {
            format!(" {}", files(downloaded))
        } else {
            String::new()
        };
        parts.push(format!("{downloaded}{noun} downloaded"));
    }
    if deleted > 0 {
        let noun = if parts.is_empty() {
            format!(" {}", files(deleted))
        } else {
            String::new()
        };
        parts.push(format!("{deleted}{noun} deleted"));
    }
    let body = if parts.is_empty() {
        "First sync done: both sides already held the same files.".to_string()
    } else {
        format!("First sync done: {}.", parts.join(", "))
    };
    Notice {
        title: format!("{job} is in sync"),
        body,
        view: View::History,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_800_000_000_000;
    const MIN: i64 = 60_000;

    #[test]
    fn a_failing_job_that_retries_notifies_once() {
        let mut p = NoticePolicy::default();
        let mut shown = Vec::new();
        assert_eq!(p.on_state("a", JobState::Idle, None, T0), None);
        // Six retries in a minute: error, syncing, error, ...
        for i in 0..6 {
            let t = T0 + i * 10_000;
            shown.extend(p.on_state("a", JobState::Syncing, None, t));
            shown.extend(p.on_state("a", JobState::Error, Some("share not found"), t + 1));
        }
        assert_eq!(shown.len(), 1, "{shown:?}");
        assert_eq!(shown[0].title, "a: sync stopped");
        assert_eq!(shown[0].body, "share not found");
        assert_eq!(shown[0].view, View::Jobs);
        // Fixed, then failing again: a new change of state, a new notice.
        assert_eq!(p.on_state("a", JobState::Idle, None, T0 + 2 * MIN), None);
        assert!(p
            .on_state("a", JobState::Error, None, T0 + 3 * MIN)
            .is_some());
    }

    #[test]
    fn a_conflict_notice_opens_conflicts() {
        let mut p = NoticePolicy::default();
        let n = p.on_state("photos", JobState::Conflict, None, T0).unwrap();
        assert_eq!(n.view, View::Conflicts);
        assert_eq!(n.title, "photos: conflicts need you");
        assert_eq!(p.on_state("photos", JobState::Syncing, None, T0 + 1), None);
        assert_eq!(p.on_state("photos", JobState::Conflict, None, T0 + 2), None);
    }

    #[test]
    fn back_online_only_after_a_long_outage() {
        let mut p = NoticePolicy::default();
        p.on_state("a", JobState::Idle, None, T0);
        // Offline is not notified; retries while offline say nothing.
        assert_eq!(p.on_state("a", JobState::Offline, Some("x"), T0), None);
        assert_eq!(p.on_state("a", JobState::Syncing, None, T0 + MIN), None);
        assert_eq!(
            p.on_state("a", JobState::Offline, Some("x"), T0 + MIN),
            None
        );
        // A short outage: back without a word.
        assert_eq!(p.on_state("a", JobState::Idle, None, T0 + 2 * MIN), None);
        // A long one: one notice.
        p.on_state("a", JobState::Offline, None, T0 + 10 * MIN);
        p.on_state("a", JobState::Syncing, None, T0 + 15 * MIN);
        p.on_state("a", JobState::Offline, None, T0 + 15 * MIN);
        let n = p
            .on_state("a", JobState::Idle, None, T0 + 22 * MIN)
            .unwrap();
        assert_eq!(n.title, "a is back online");
        assert!(n.body.contains("12 minutes"), "{}", n.body);
        assert_eq!(p.on_state("a", JobState::Idle, None, T0 + 23 * MIN), None);
    }

    #[test]
    fn jobs_are_counted_apart_and_paused_is_quiet() {
        let mut p = NoticePolicy::default();
        assert!(p.on_state("a", JobState::Error, None, T0).is_some());
        assert!(p.on_state("b", JobState::Error, None, T0).is_some());
        assert_eq!(p.on_state("a", JobState::Paused, None, T0), None);
        assert_eq!(p.on_state("b", JobState::Error, None, T0), None);
    }

    #[test]
    fn the_first_sync_says_what_it_did() {
        let n = first_sync_done("docs", 120, 3, 0);
        assert_eq!(n.body, "First sync done: 120 files uploaded, 3 downloaded.");
        assert_eq!(n.title, "docs is in sync");
        assert_eq!(n.view, View::History);
        assert_eq!(
            first_sync_done("docs", 0, 1, 0).body,
            "First sync done: 1 file downloaded."
        );
        assert_eq!(
            first_sync_done("docs", 0, 0, 0).body,
            "First sync done: both sides already held the same files."
        );
    }
}
