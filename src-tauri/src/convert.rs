//! The bridge types made from the engine's: enums through the engine's `as_str` names (which
//! are also their serde names), so a value the UI does not know yet still crosses as text.

use anemone_sync::db;
use anemone_sync::events as engine_events;

use crate::types::*;

pub(crate) fn parse_str_enum<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
}

impl From<anemone_sync::policy::Mode> for Mode {
    fn from(m: anemone_sync::policy::Mode) -> Self {
        parse_str_enum(m.as_str()).unwrap_or(Mode::TwoWay)
    }
}

impl From<Mode> for anemone_sync::policy::Mode {
    fn from(m: Mode) -> Self {
        use anemone_sync::policy::Mode as M;
        match m {
            Mode::TwoWay => M::TwoWay,
            Mode::Upload => M::Upload,
            Mode::Download => M::Download,
        }
    }
}

impl From<anemone_sync::policy::ConflictPolicy> for ConflictPolicy {
    fn from(p: anemone_sync::policy::ConflictPolicy) -> Self {
        parse_str_enum(p.as_str()).unwrap_or(ConflictPolicy::KeepBoth)
    }
}

impl From<ConflictPolicy> for anemone_sync::policy::ConflictPolicy {
    fn from(p: ConflictPolicy) -> Self {
        use anemone_sync::policy::ConflictPolicy as P;
        match p {
            ConflictPolicy::KeepBoth => P::KeepBoth,
            ConflictPolicy::Newest => P::Newest,
            ConflictPolicy::Local => P::Local,
            ConflictPolicy::Remote => P::Remote,
            ConflictPolicy::Ask => P::Ask,
        }
    }
}

impl From<anemone_sync::policy::Encryption> for Encryption {
    fn from(e: anemone_sync::policy::Encryption) -> Self {
        parse_str_enum(e.as_str()).unwrap_or(Encryption::Required)
    }
}

impl From<Encryption> for anemone_sync::policy::Encryption {
    fn from(e: Encryption) -> Self {
        match e {
            Encryption::Auto => anemone_sync::policy::Encryption::Auto,
            Encryption::Required => anemone_sync::policy::Encryption::Required,
        }
    }
}

impl From<anemone_sync::replica::ConnectionSecurity> for ConnectionSecurity {
    fn from(s: anemone_sync::replica::ConnectionSecurity) -> Self {
        ConnectionSecurity {
            encrypted: s.encrypted,
            signed: s.signed,
        }
    }
}

impl From<db::history::RunStatus> for RunStatus {
    fn from(s: db::history::RunStatus) -> Self {
        // A status this shell does not know yet is shown as failed rather than as running.
        parse_str_enum(s.as_str()).unwrap_or(RunStatus::Failed)
    }
}

impl From<anemone_sync::events::JobState> for JobState {
    fn from(s: anemone_sync::events::JobState) -> Self {
        serde_json::to_value(s)
            .ok()
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or(JobState::Error)
    }
}

impl From<&db::jobs::Job> for Job {
    fn from(j: &db::jobs::Job) -> Self {
        Job {
            id: j.id,
            name: j.name.clone(),
            local_path: j.local_path.to_string_lossy().into_owned(),
            remote_url: j.remote_url.clone(),
            mode: j.mode.into(),
            conflict_policy: j.conflict_policy.into(),
            excludes: j.excludes.clone(),
            max_delete_percent: j.max_delete_percent,
            enabled: j.enabled,
            parallel: j.parallel,
            trash_retention_days: j.trash_retention_days,
            when: When::from(&j.live),
            encryption: j.encryption.into(),
        }
    }
}

impl From<&anemone_sync::trigger::LiveSettings> for When {
    fn from(l: &anemone_sync::trigger::LiveSettings) -> Self {
        When {
            trigger: parse_str_enum(l.trigger.as_str()).unwrap_or(Trigger::Realtime),
            interval_minutes: l.interval_minutes,
            times: l.schedule.times.iter().map(|t| t.to_string()).collect(),
            days: l
                .schedule
                .days
                .iter()
                .filter_map(|d| serde_json::to_value(d).ok())
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
        }
    }
}

impl From<&db::history::Counts> for Counts {
    fn from(c: &db::history::Counts) -> Self {
        Counts {
            uploaded: c.uploaded,
            downloaded: c.downloaded,
            deleted_local: c.deleted_local,
            deleted_remote: c.deleted_remote,
            moved_local: c.moved_local,
            moved_remote: c.moved_remote,
            conflicts: c.conflicts,
            skipped: c.skipped,
            bytes_up: c.bytes_up,
            bytes_down: c.bytes_down,
        }
    }
}

impl From<&db::history::FileError> for FileError {
    fn from(e: &db::history::FileError) -> Self {
        FileError {
            path: e.path.clone(),
            message: e.message.clone(),
            detail: e.detail.clone(),
        }
    }
}

impl From<&db::history::Run> for Run {
    fn from(r: &db::history::Run) -> Self {
        Run {
            id: r.id,
            job: r.job.clone(),
            started_at_ms: r.started_at_ms,
            ended_at_ms: r.ended_at_ms,
            status: r.status.into(),
            dry_run: r.dry_run,
            counts: (&r.counts).into(),
            message: r.message.clone(),
            errors: r.errors.iter().map(Into::into).collect(),
            notes: r.notes.iter().map(Into::into).collect(),
        }
    }
}

impl From<&db::history::Activity> for Activity {
    fn from(a: &db::history::Activity) -> Self {
        Activity {
            run_id: a.run_id,
            job: a.job.clone(),
            at_ms: a.at_ms,
            path: a.path.clone(),
            action: a.action.clone(),
            bytes: a.bytes,
            moved_from: a.moved_from.clone(),
        }
    }
}

impl From<&db::conflicts::Conflict> for Conflict {
    fn from(c: &db::conflicts::Conflict) -> Self {
        Conflict {
            id: c.id,
            job: c.job.clone(),
            job_id: c.job_id,
            path: c.path.clone(),
            local_size: c.local_size,
            local_mtime_ns: c.local_mtime_ns,
            remote_size: c.remote_size,
            remote_mtime_ns: c.remote_mtime_ns,
            detected_at_ms: c.detected_at_ms,
        }
    }
}

impl From<&engine_events::Transfer> for Transfer {
    fn from(t: &engine_events::Transfer) -> Self {
        Transfer {
            path: t.path.clone(),
            direction: match t.direction {
                anemone_sync::tree::Direction::Up => Direction::Up,
                anemone_sync::tree::Direction::Down => Direction::Down,
            },
            bytes_done: t.bytes_done,
            bytes_total: t.bytes_total,
        }
    }
}

impl From<engine_events::Phase> for Phase {
    fn from(p: engine_events::Phase) -> Self {
        match p {
            engine_events::Phase::Connecting => Phase::Connecting,
            engine_events::Phase::Scanning => Phase::Scanning,
            engine_events::Phase::Planning => Phase::Planning,
            engine_events::Phase::Transferring => Phase::Transferring,
            engine_events::Phase::Finishing => Phase::Finishing,
        }
    }
}

impl EngineEvent {
    /// The bridge form of an engine event; `None` for a kind of event the UI does not know.
    pub fn from_engine(e: &engine_events::Event) -> Option<EngineEvent> {
        use engine_events::Event as E;
        #[allow(unreachable_patterns)] // events the engine may gain before the UI knows them
        Some(match e {
            E::RunStarted { job, run_id } => EngineEvent::RunStarted {
                job: job.clone(),
                run_id: *run_id,
            },
            E::Phase { job, phase } => EngineEvent::Phase {
                job: job.clone(),
                phase: (*phase).into(),
            },
            E::Progress {
                job,
                files_done,
                files_total,
                bytes_done,
                bytes_total,
                rate,
                eta_secs,
                current,
            } => EngineEvent::Progress {
                job: job.clone(),
                files_done: *files_done,
                files_total: *files_total,
                bytes_done: *bytes_done,
                bytes_total: *bytes_total,
                rate: *rate,
                eta_secs: *eta_secs,
                current: current.iter().map(Into::into).collect(),
            },
            E::FileDone {
                job,
                path,
                action,
                bytes,
            } => EngineEvent::FileDone {
                job: job.clone(),
                path: path.clone(),
                action: action.clone(),
                bytes: *bytes,
            },
            E::FileFailed { job, path, message } => EngineEvent::FileFailed {
                job: job.clone(),
                path: path.clone(),
                message: message.clone(),
            },
            E::RunFinished {
                job,
                run_id,
                status,
                counts,
            } => EngineEvent::RunFinished {
                job: job.clone(),
                run_id: *run_id,
                status: (*status).into(),
                counts: counts.into(),
            },
            E::JobState {
                job,
                state,
                message,
            } => EngineEvent::JobState {
                job: job.clone(),
                state: (*state).into(),
                message: message.clone(),
            },
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mirror must serialize exactly like the engine's own type for every kind of event,
    /// or the UI would read fields that are not there.
    #[test]
    fn engine_events_cross_unchanged() {
        use anemone_sync::db::history::{Counts as C, RunStatus as S};
        let events = vec![
            engine_events::Event::RunStarted {
                job: "a".into(),
                run_id: 7,
            },
            engine_events::Event::Phase {
                job: "a".into(),
                phase: engine_events::Phase::Scanning,
            },
            engine_events::Event::Progress {
                job: "a".into(),
                files_done: 1,
                files_total: 2,
                bytes_done: 3,
                bytes_total: 4,
                rate: 5,
                eta_secs: Some(6),
                current: vec![engine_events::Transfer {
                    path: "x/y".into(),
                    direction: anemone_sync::tree::Direction::Down,
                    bytes_done: 1,
                    bytes_total: 9,
                }],
            },
            engine_events::Event::FileDone {
                job: "a".into(),
                path: "p".into(),
                action: "uploaded".into(),
                bytes: 3,
            },
            engine_events::Event::FileFailed {
                job: "a".into(),
                path: "p".into(),
                message: "m".into(),
            },
            engine_events::Event::RunFinished {
                job: "a".into(),
                run_id: 7,
                status: S::Partial,
                counts: C {
                    uploaded: 1,
                    bytes_up: 2,
                    ..C::default()
                },
            },
            engine_events::Event::JobState {
                job: "a".into(),
                state: anemone_sync::events::JobState::Paused,
                message: None,
            },
        ];
        for e in events {
            let mirrored = EngineEvent::from_engine(&e).expect("known event");
            assert_eq!(
                serde_json::to_value(&mirrored).unwrap(),
                serde_json::to_value(&e).unwrap()
            );
        }
    }

    #[test]
    fn enums_keep_the_engine_names() {
        use anemone_sync::policy::{ConflictPolicy as P, Mode as M};
        for m in [M::TwoWay, M::Upload, M::Download] {
            let mine: Mode = m.into();
            assert_eq!(serde_json::to_value(mine).unwrap(), m.as_str());
            assert_eq!(M::from(mine), m);
        }
        for p in [P::KeepBoth, P::Newest, P::Local, P::Remote, P::Ask] {
            let mine: ConflictPolicy = p.into();
            assert_eq!(serde_json::to_value(mine).unwrap(), p.as_str());
            assert_eq!(P::from(mine), p);
        }
        use anemone_sync::trigger::Trigger as T;
        for t in [T::Realtime, T::Interval, T::Schedule, T::Manual] {
            let mine: Trigger = parse_str_enum(t.as_str()).expect("mirrored");
            assert_eq!(serde_json::to_value(mine).unwrap(), t.as_str());
        }
        use anemone_sync::db::history::RunStatus as S;
        for s in [S::Running, S::Success, S::Partial, S::Failed, S::Aborted] {
            let mine: RunStatus = s.into();
            assert_eq!(serde_json::to_value(mine).unwrap(), s.as_str());
        }
    }
}
