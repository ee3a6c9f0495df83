//! The one-line overall state the tray and the window header show ("Up to date, synced 2 min
//! ago", "Syncing 12 files, 34 MB/s", "3 conflicts need you"). A pure function of the jobs'
//! states, the live runs and the time, which is passed in.

use crate::types::{AppState, JobState};

/// What the summary needs to know about one job.
#[derive(Clone, Debug, PartialEq)]
pub struct JobSnapshot {
    pub name: String,
    pub state: JobState,
    pub message: Option<String>,
    /// When its last run that reached the server ended.
    pub last_sync_ms: Option<i64>,
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
        JobState::Syncing => 5,
        JobState::Error => 4,
        JobState::Conflict => 3,
        JobState::Offline => 2,
        JobState::Paused => 1,
        JobState::Idle => 0,
    }
}

pub fn app_state(
    jobs: &[JobSnapshot],
    live: &[LiveRun],
    pending_conflicts: u64,
    now_ms: i64,
) -> AppState {
    if jobs.is_empty() {
        return AppState {
            state: JobState::Idle,
            summary: "No sync jobs yet: add one".into(),
        };
    }
    let mut state = jobs
        .iter()
        .map(|j| j.state)
        .max_by_key(|s| rank(*s))
        .unwrap_or(JobState::Idle);
    // Paused only when every job is; pending conflicts need the user whatever the jobs say.
    if state == JobState::Paused && jobs.iter().any(|j| j.state != JobState::Paused) {
        state = JobState::Idle;
    }
    if !live.is_empty() {
        state = JobState::Syncing;
    } else if pending_conflicts > 0 && rank(state) < rank(JobState::Conflict) {
        state = JobState::Conflict;
    }
    let first = |s: JobState| jobs.iter().find(|j| j.state == s);
    let summary = match state {
        JobState::Syncing => syncing(live),
        JobState::Error => {
            let j = first(JobState::Error).expect("a job in error");
            match &j.message {
                Some(m) => format!("{} failed: {}", j.name, shorten(m, 120)),
                None => format!("{} failed", j.name),
            }
        }
        JobState::Conflict => match pending_conflicts {
            0 => "Conflicts need you".to_string(),
            1 => "1 conflict needs you".to_string(),
            n => format!("{n} conflicts need you"),
        },
        JobState::Offline => {
            let j = first(JobState::Offline).expect("a job offline");
            match &j.message {
                Some(m) => format!("Offline: {}", shorten(m, 120)),
                None => format!("Offline: {} cannot reach its server", j.name),
            }
        }
        // Held by a metered connection (every job is, as it is one setting for all).
        JobState::Paused
            if jobs.iter().any(|j| {
                j.message.as_deref() == Some(anemone_sync::limits::metered::HELD_MESSAGE)
            }) =>
        {
            "Paused: metered connection".to_string()
        }
        JobState::Paused => "Paused".to_string(),
        JobState::Idle => {
            let last = jobs.iter().filter_map(|j| j.last_sync_ms).max();
            let paused = jobs.iter().filter(|j| j.state == JobState::Paused).count();
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
    AppState { state, summary }
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

/// Decimal units, as file managers show sizes and rates: "34 MB", "1.5 GB".
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1000.0 && i < UNITS.len() - 1 {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else if v < 10.0 {
        format!("{v:.1} {}", UNITS[i])
    } else {
        format!("{v:.0} {}", UNITS[i])
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max - 1).collect();
    format!("{cut}…")
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
        }
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
        assert_eq!(summary(&[], &[], 0).1, "No sync jobs yet: add one");
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
        assert_eq!(summary(&jobs, &[], 0), (JobState::Paused, "Paused".into()));
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
}
