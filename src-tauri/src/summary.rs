//! The one-line overall state the tray and the window header show ("Up to date, synced 2 min
//! ago", "Syncing 12 files, 34 MB/s", "3 conflicts need you"). A pure function of the jobs'
//! states, the live runs and the time, which is passed in.
//!
//! Every job counts, disabled ones too (issue 16: the state must not lie): no job at all is
//! its own state ("Add a sync job"), a disabled job is said to be disabled and never "up to
//! date", and only enabled jobs decide what the app is doing.

use anemone_sync::words::errors::first_sentence;

use crate::types::{AppState, JobState};

/// What the summary needs to know about one job.
#[derive(Clone, Debug, PartialEq)]
pub struct JobSnapshot {
    pub name: String,
    pub state: JobState,
    pub message: Option<String>,
    /// When its last run that reached the server ended.
    pub last_sync_ms: Option<i64>,
    /// A disabled job has no worker: its `state` means nothing.
    pub enabled: bool,
}

/// A run in progress, from its latest progress event.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveRun {
    pub files_done: u64,
    pub files_total: u64,
    pub rate: u64,
}

/// Which state wins when jobs differ: what is happening now, then what needs the user.
fn rank(s: JobState) -> u8 {
    match s {
        JobState::Syncing => 6,
        JobState::NeedsYou => 5,
        JobState::Error => 4,
        JobState::Conflict => 3,
        JobState::Offline => 2,
        JobState::Paused => 1,
        JobState::Idle => 0,
        // Needs the user like a conflict, and says which job.
        JobState::FirstSync => 3,
    }
}

pub fn app_state(
    jobs: &[JobSnapshot],
    live: &[LiveRun],
    pending_conflicts: u64,
    now_ms: i64,
) -> AppState {
    let enabled: Vec<&JobSnapshot> = jobs.iter().filter(|j| j.enabled).collect();
    let disabled = jobs.len() - enabled.len();
    let paused = enabled
        .iter()
        .filter(|j| j.state == JobState::Paused)
        .count();
    let out = |state, summary: String| AppState {
        state,
        summary,
        jobs: jobs.len() as u32,
        enabled_jobs: enabled.len() as u32,
        paused_jobs: paused as u32,
    };
    if jobs.is_empty() {
        return out(JobState::Idle, "No sync jobs yet: add a sync job".into());
    }
    if enabled.is_empty() && live.is_empty() && pending_conflicts == 0 {
        let summary = match jobs {
            [one] => format!("{} is disabled: nothing syncs", one.name),
            _ => format!("All {} jobs are disabled: nothing syncs", jobs.len()),
        };
        return out(JobState::Paused, summary);
    }
    let mut state = enabled
        .iter()
        .map(|j| j.state)
        .max_by_key(|s| rank(*s))
        .unwrap_or(JobState::Idle);
    // Paused only when every enabled job is; pending conflicts need the user whatever the
    // jobs say.
    if state == JobState::Paused && paused < enabled.len() {
        state = JobState::Idle;
    }
    if !live.is_empty() {
        state = JobState::Syncing;
    } else if pending_conflicts > 0 && rank(state) < rank(JobState::Conflict) {
        state = JobState::Conflict;
    }
    let first = |s: JobState| enabled.iter().find(|j| j.state == s);
    let mut summary = match state {
        JobState::Syncing => syncing(live),
        JobState::Error => match first(JobState::Error) {
            Some(j) => match &j.message {
                Some(m) => format!("{} failed: {}", j.name, first_sentence(m)),
                None => format!("{} failed", j.name),
            },
            None => "A sync failed".to_string(),
        },
        JobState::Conflict => match pending_conflicts {
            0 => "Conflicts need you".to_string(),
            1 => "1 conflict needs you".to_string(),
            n => format!("{n} conflicts need you"),
        },
        JobState::Offline => match first(JobState::Offline) {
            Some(j) => match &j.message {
                Some(m) => format!("Offline: {}", first_sentence(m)),
                None => format!("Offline: {} cannot reach its server", j.name),
            },
            None => "Offline".to_string(),
        },
        // Held by a metered connection (every job is, as it is one setting for all).
        JobState::Paused
            if jobs.iter().any(|j| {
                j.message.as_deref() == Some(anemone_sync::limits::metered::HELD_MESSAGE)
            }) =>
        {
            "Paused: metered connection".to_string()
        }
        JobState::Paused => match enabled.len() {
            1 => "Paused".to_string(),
            n => format!("All {n} jobs paused"),
        },
        JobState::NeedsYou => match first(JobState::NeedsYou) {
            Some(j) => match &j.message {
                Some(m) => format!("{} needs you: {}", j.name, first_sentence(m)),
                None => format!("{} needs you", j.name),
            },
            None => "A job needs you".to_string(),
        },
        JobState::FirstSync => match first(JobState::FirstSync) {
            Some(j) => format!("{}: choose how to do the first sync", j.name),
            None => "Choose how to do the first sync".to_string(),
        },
        JobState::Idle => {
            let last = enabled.iter().filter_map(|j| j.last_sync_ms).max();
            let mut s = match last {
                Some(t) => format!("Up to date, synced {}", ago(now_ms - t)),
                None => "Waiting for the first sync".to_string(),
            };
            if paused > 0 {
                s.push_str(&format!(" ({paused} paused)"));
            }
            s
        }
    };
    if disabled > 0 && state != JobState::Syncing {
        summary.push_str(&format!(" ({disabled} disabled)"));
    }
    out(state, summary)
}

fn syncing(live: &[LiveRun]) -> String {
    let left: u64 = live
        .iter()
        .map(|r| r.files_total.saturating_sub(r.files_done))
        .sum();
    let rate: u64 = live.iter().map(|r| r.rate).sum();
    let mut s = match left {
        0 => "Syncing".to_string(),
        1 => "Syncing 1 file".to_string(),
        n => format!("Syncing {n} files"),
    };
    if left > 0 && rate > 0 {
        s.push_str(&format!(", {}/s", bytes(rate)));
    }
    s
}

/// "just now", "2 min ago", "3 h ago", "4 days ago".
pub fn ago(ms: i64) -> String {
    let mins = ms.max(0) / 60_000;
    match mins {
        0 => "just now".to_string(),
        1..=59 => format!("{mins} min ago"),
        60..=1439 => format!("{} h ago", mins / 60),
        _ => match mins / 1440 {
            1 => "1 day ago".to_string(),
            d => format!("{d} days ago"),
        },
    }
}

/// Decimal units, as file managers show sizes and rates: "34 MB", "1.5 GB". The one byte
/// formatter of the engine (`anemone_sync::words`), so tray, CLI and window agree.
pub fn bytes(n: u64) -> String {
    anemone_sync::words::format_bytes(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    fn job(name: &str, state: JobState, last_min_ago: Option<i64>) -> JobSnapshot {
        JobSnapshot {
            name: name.into(),
            state,
            message: None,
            last_sync_ms: last_min_ago.map(|m| NOW - m * 60_000),
            enabled: true,
        }
    }

    fn disabled(mut j: JobSnapshot) -> JobSnapshot {
        j.enabled = false;
        j
    }

    fn summary(jobs: &[JobSnapshot], live: &[LiveRun], conflicts: u64) -> (JobState, String) {
        let s = app_state(jobs, live, conflicts, NOW);
        (s.state, s.summary)
    }

    #[test]
    fn up_to_date_says_when_it_last_synced() {
        let jobs = [
            job("a", JobState::Idle, Some(5)),
            job("b", JobState::Idle, Some(2)),
        ];
        assert_eq!(
            summary(&jobs, &[], 0),
            (JobState::Idle, "Up to date, synced 2 min ago".into())
        );
        let jobs = [job("a", JobState::Idle, Some(0))];
        assert_eq!(summary(&jobs, &[], 0).1, "Up to date, synced just now");
        let jobs = [job("a", JobState::Idle, None)];
        assert_eq!(summary(&jobs, &[], 0).1, "Waiting for the first sync");
        assert_eq!(summary(&[], &[], 0).1, "No sync jobs yet: add a sync job");
    }

    #[test]
    fn syncing_counts_files_left_and_the_rate() {
        let jobs = [
            job("a", JobState::Syncing, None),
            job("b", JobState::Idle, Some(1)),
        ];
        let live = [
            LiveRun {
                files_done: 8,
                files_total: 15,
                rate: 30_000_000,
            },
            LiveRun {
                files_done: 0,
                files_total: 5,
                rate: 4_000_000,
            },
        ];
        assert_eq!(
            summary(&jobs, &live, 0),
            (JobState::Syncing, "Syncing 12 files, 34 MB/s".into())
        );
        assert_eq!(summary(&jobs, &[LiveRun::default()], 0).1, "Syncing");
    }

    #[test]
    fn conflicts_need_the_user() {
        let jobs = [
            job("a", JobState::Idle, Some(1)),
            job("b", JobState::Conflict, Some(1)),
        ];
        assert_eq!(
            summary(&jobs, &[], 3),
            (JobState::Conflict, "3 conflicts need you".into())
        );
        // Counted from the database even when the job's state has not caught up yet.
        let jobs = [job("a", JobState::Idle, Some(1))];
        assert_eq!(
            summary(&jobs, &[], 1),
            (JobState::Conflict, "1 conflict needs you".into())
        );
    }

    #[test]
    fn an_error_names_the_job_and_why() {
        let mut j = job("photos", JobState::Error, None);
        j.message = Some("wrong password for alice on nas".into());
        let jobs = [job("a", JobState::Conflict, Some(1)), j];
        assert_eq!(
            summary(&jobs, &[], 2),
            (
                JobState::Error,
                "photos failed: wrong password for alice on nas".into()
            )
        );
    }

    #[test]
    fn paused_only_when_every_job_is() {
        let jobs = [
            job("a", JobState::Paused, Some(1)),
            job("b", JobState::Paused, None),
        ];
        assert_eq!(
            summary(&jobs, &[], 0),
            (JobState::Paused, "All 2 jobs paused".into())
        );
        let jobs = [
            job("a", JobState::Paused, Some(1)),
            job("b", JobState::Idle, Some(3)),
        ];
        assert_eq!(
            summary(&jobs, &[], 0),
            (
                JobState::Idle,
                "Up to date, synced 1 min ago (1 paused)".into()
            )
        );
    }

    /// Regression (issue 16): the header cut a job's error at 120 characters, mid-sentence.
    #[test]
    fn an_error_reads_as_its_first_sentence_in_full() {
        let mut j = job("docs", JobState::Error, Some(10));
        j.message = Some(
            "The server nas.local did not accept the user name or password for the share that holds all of this job's files. Check them and try again.".into(),
        );
        let (_, s) = summary(&[j], &[], 0);
        assert_eq!(
            s,
            "docs failed: The server nas.local did not accept the user name or password for the share that holds all of this job's files."
        );
    }

    #[test]
    fn a_guard_stop_needs_the_user_before_anything_else_but_a_run() {
        let mut j = job("photos", JobState::NeedsYou, Some(5));
        j.message = Some("24 files would be deleted on the server".into());
        let mut e = job("docs", JobState::Error, None);
        e.message = Some("disk full".into());
        assert_eq!(
            summary(&[e, j.clone()], &[], 3),
            (
                JobState::NeedsYou,
                "photos needs you: 24 files would be deleted on the server".into()
            )
        );
        let busy = job("b", JobState::Syncing, None);
        assert_eq!(summary(&[busy, j], &[], 0).0, JobState::Syncing);
    }

    #[test]
    fn offline_says_why() {
        let mut j = job("a", JobState::Offline, Some(10));
        j.message = Some("cannot reach nas.local".into());
        assert_eq!(
            summary(&[j], &[], 0),
            (JobState::Offline, "Offline: cannot reach nas.local".into())
        );
    }

    #[test]
    fn times_and_sizes_read_naturally() {
        assert_eq!(ago(59_000), "just now");
        assert_eq!(ago(61_000), "1 min ago");
        assert_eq!(ago(3 * 3_600_000), "3 h ago");
        assert_eq!(ago(49 * 3_600_000), "2 days ago");
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1_500_000_000), "1.5 GB");
        assert_eq!(bytes(34_000_000), "34 MB");
    }

    #[test]
    fn no_jobs_is_its_own_state_not_up_to_date() {
        let s = app_state(&[], &[], 0, NOW);
        assert_eq!(s.state, JobState::Idle);
        assert_eq!(s.summary, "No sync jobs yet: add a sync job");
        assert_eq!((s.jobs, s.enabled_jobs, s.paused_jobs), (0, 0, 0));
        assert!(!s.summary.contains("Up to date"));
    }

    #[test]
    fn a_disabled_job_is_said_to_be_disabled_never_up_to_date() {
        // The only job, disabled right after a sync: its worker's last state means nothing.
        let only = [disabled(job("photos", JobState::Idle, Some(0)))];
        let s = app_state(&only, &[], 0, NOW);
        assert_eq!(
            (s.state, s.summary.as_str()),
            (JobState::Paused, "photos is disabled: nothing syncs")
        );
        assert_eq!((s.jobs, s.enabled_jobs), (1, 0));
        let two = [
            disabled(job("a", JobState::Idle, Some(0))),
            disabled(job("b", JobState::Error, None)),
        ];
        assert_eq!(
            summary(&two, &[], 0),
            (
                JobState::Paused,
                "All 2 jobs are disabled: nothing syncs".into()
            )
        );
        // Next to an enabled job: the state is the enabled job's, and the disabled one is
        // mentioned; its stale error does not count.
        let mixed = [
            job("a", JobState::Idle, Some(2)),
            disabled(job("b", JobState::Error, None)),
        ];
        assert_eq!(
            summary(&mixed, &[], 0),
            (
                JobState::Idle,
                "Up to date, synced 2 min ago (1 disabled)".into()
            )
        );
    }

    #[test]
    fn paused_says_it_once_and_counts_jobs() {
        let one = [job("a", JobState::Paused, Some(1))];
        let s = app_state(&one, &[], 0, NOW);
        assert_eq!((s.state, s.summary.as_str()), (JobState::Paused, "Paused"));
        assert_eq!(s.paused_jobs, 1);
        let two = [
            job("a", JobState::Paused, Some(1)),
            job("b", JobState::Paused, None),
        ];
        assert_eq!(
            summary(&two, &[], 0),
            (JobState::Paused, "All 2 jobs paused".into())
        );
    }

    #[test]
    fn offline_then_back_online_leaves_no_trace_of_offline() {
        let mut j = job("a", JobState::Offline, Some(10));
        j.message = Some("cannot reach nas.local".into());
        assert_eq!(summary(&[j], &[], 0).0, JobState::Offline);
        // Back: the job's state is the truth, not the outage.
        let back = [job("a", JobState::Idle, Some(0))];
        let s = summary(&back, &[], 0);
        assert_eq!(s, (JobState::Idle, "Up to date, synced just now".into()));
        assert!(!s.1.to_lowercase().contains("offline"));
    }
}
