//! What a user sets for a job ([`JobSpec`]), the ranges its numbers must lie in, and the check of
//! it on its own ([`JobSpec::validate`]): every problem at once, each tagged with the field it
//! concerns ([`JobField`], named as the app's form names it) and worded to say what to do. The
//! rules that need the other jobs or the data folder (a free name, folders no other job syncs)
//! are [`crate::job_rules`]; the CLI and the app reach both through the engine's job API
//! ([`crate::jobs`]).

use std::ops::RangeInclusive;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::policy::{ConflictPolicy, Encryption, Mode};
use crate::trigger::{LiveSettings, Trigger};
use crate::url::RemoteUrl;

/// Longest job name, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// Percent of the synced files a run may delete before the mass-delete guard stops it.
pub const MAX_DELETE_PERCENT: RangeInclusive<u32> = 0..=100;
/// Files transferred at the same time.
pub const PARALLEL: RangeInclusive<u32> = 1..=64;
/// Days a deleted or replaced file stays in the trash folder (0: purged at the next run).
pub const TRASH_RETENTION_DAYS: RangeInclusive<u32> = 0..=3650;
/// `interval` trigger: minutes between syncs (up to a week).
pub const INTERVAL_MINUTES: RangeInclusive<u32> = 1..=10_080;
/// Minutes between the full rescans that back up live sync (0: none; up to a week).
pub const RESCAN_MINUTES: RangeInclusive<u32> = 0..=10_080;
/// Milliseconds of quiet that coalesce file-system events (up to 10 minutes).
pub const QUIET_MS: RangeInclusive<u32> = 0..=600_000;
/// Seconds between remote polls (up to a day).
pub const POLL_SECS: RangeInclusive<u32> = 1..=86_400;

/// Everything a user sets for a job: what the CLI's `job add` and the app's job form produce,
/// and what the jobs table stores (with an id and an enabled flag: [`crate::db::jobs::Job`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobSpec {
    pub name: String,
    /// An absolute path; it need not exist yet (the first sync creates it).
    pub local_path: PathBuf,
    /// `smb://…` or `file:///…`, never with a password.
    pub remote_url: String,
    pub mode: Mode,
    pub conflict_policy: ConflictPolicy,
    pub excludes: Vec<String>,
    pub max_delete_percent: u32,
    pub parallel: u32,
    pub trash_retention_days: u32,
    /// When it syncs by itself (trigger, schedule, rescan, quiet period, remote notification).
    pub live: LiveSettings,
    /// SMB encryption: as the server asks, or required.
    pub encryption: Encryption,
}

impl JobSpec {
    /// A job with every setting at its default.
    pub fn new(name: &str, local_path: PathBuf, remote_url: &str) -> JobSpec {
        JobSpec {
            name: name.to_string(),
            local_path,
            remote_url: remote_url.to_string(),
            mode: Mode::TwoWay,
            conflict_policy: ConflictPolicy::KeepBoth,
            excludes: Vec::new(),
            max_delete_percent: 50,
            parallel: 4,
            trash_retention_days: 30,
            live: LiveSettings::default(),
            encryption: Encryption::Auto,
        }
    }

    /// Every problem of the spec on its own, in the form's order; empty when there is none.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut add = |field, message: String| errors.push(FieldError { field, message });
        if let Err(m) = name_problem(&self.name) {
            add(JobField::Name, m);
        }
        if let Err(m) = local_path_problem(&self.local_path) {
            add(JobField::LocalPath, m);
        }
        if let Err(e) = RemoteUrl::parse(&self.remote_url) {
            add(JobField::RemotePath, e.to_string());
        }
        for pattern in &self.excludes {
            if let Err(e) = crate::excludes::Excludes::new(std::slice::from_ref(pattern)) {
                add(
                    JobField::Excludes,
                    format!("{e}; fix the pattern or remove it"),
                );
            }
        }
        for (field, value) in [
            (JobField::MaxDeletePercent, self.max_delete_percent),
            (JobField::Parallel, self.parallel),
            (JobField::TrashRetentionDays, self.trash_retention_days),
            (JobField::RescanMinutes, self.live.rescan_minutes),
            (JobField::QuietMs, self.live.quiet_ms),
            (JobField::PollSecs, self.live.poll_secs),
        ] {
            if let Err(e) = check_range(field, value) {
                errors.push(e);
            }
        }
        match self.live.trigger {
            // The interval only counts for the interval trigger (the form hides it otherwise).
            Trigger::Interval => {
                if let Err(e) = check_range(JobField::IntervalMinutes, self.live.interval_minutes) {
                    errors.push(e);
                }
            }
            Trigger::Schedule if self.live.schedule.times.is_empty() => {
                errors.push(FieldError::new(
                    JobField::Times,
                    "a scheduled job needs at least one time of day; give one, for example 09:00",
                ))
            }
            _ => {}
        }
        errors
    }
}

/// The range of a numeric field, and what it is in words; `None` for a field that is not a
/// number.
pub fn range_of(field: JobField) -> Option<(RangeInclusive<u32>, &'static str)> {
    Some(match field {
        JobField::MaxDeletePercent => (
            MAX_DELETE_PERCENT,
            "the mass-delete limit (percent of the synced files)",
        ),
        JobField::Parallel => (PARALLEL, "the number of parallel transfers"),
        JobField::TrashRetentionDays => (TRASH_RETENTION_DAYS, "the days files stay in the trash"),
        JobField::IntervalMinutes => (INTERVAL_MINUTES, "the minutes between syncs"),
        JobField::RescanMinutes => (RESCAN_MINUTES, "the minutes between full rescans"),
        JobField::QuietMs => (QUIET_MS, "the quiet period (milliseconds)"),
        JobField::PollSecs => (POLL_SECS, "the seconds between remote polls"),
        _ => return None,
    })
}

/// `value` within the range of `field` (see [`range_of`]), else a sentence naming the setting,
/// its range and the value.
pub fn check_range(field: JobField, value: u32) -> Result<(), FieldError> {
    let Some((range, what)) = range_of(field) else {
        return Ok(());
    };
    if range.contains(&value) {
        return Ok(());
    }
    Err(FieldError::new(
        field,
        format!(
            "{what} must be from {} to {}, not {value}; use a number in that range",
            range.start(),
            range.end()
        ),
    ))
}

/// A job name: not blank, at most [`MAX_NAME_CHARS`] characters, no newline, tab or other
/// control character (it is printed in lists, logs and notifications), no space around it.
pub fn name_problem(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("the job name is empty; give it a name".into());
    }
    if name.chars().any(char::is_control) {
        return Err(format!(
            "the job name {name:?} has a line break, tab or other control character; use letters, digits, spaces and punctuation"
        ));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "the job name is longer than {MAX_NAME_CHARS} characters; shorten it"
        ));
    }
    if name.trim() != name {
        return Err("the job name starts or ends with a space; remove it".into());
    }
    Ok(())
}

/// The local folder: given, absolute, and a folder if it exists.
fn local_path_problem(p: &std::path::Path) -> Result<(), String> {
    if p.as_os_str().is_empty() {
        return Err("no local folder is given; choose a folder on this computer".into());
    }
    if !p.is_absolute() {
        return Err(format!(
            "the local folder {} is not a full path; give the path from the root (such as /home/me/docs)",
            p.display()
        ));
    }
    if p.exists() && !p.is_dir() {
        return Err(format!(
            "the local path {} is not a folder; point the job at a folder",
            p.display()
        ));
    }
    Ok(())
}

/// A field of a job, as the app's form names it (`snake_case`), for an error to be shown next
/// to the input it concerns. The remote URL is the form's `remote_path` (the server fields
/// build it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobField {
    Name,
    LocalPath,
    RemotePath,
    Mode,
    ConflictPolicy,
    Excludes,
    MaxDeletePercent,
    Parallel,
    TrashRetentionDays,
    Trigger,
    IntervalMinutes,
    Times,
    Days,
    RescanMinutes,
    QuietMs,
    PollSecs,
    Encryption,
    Password,
}

impl JobField {
    /// The name the form uses, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            JobField::Name => "name",
            JobField::LocalPath => "local_path",
            JobField::RemotePath => "remote_path",
            JobField::Mode => "mode",
            JobField::ConflictPolicy => "conflict_policy",
            JobField::Excludes => "excludes",
            JobField::MaxDeletePercent => "max_delete_percent",
            JobField::Parallel => "parallel",
            JobField::TrashRetentionDays => "trash_retention_days",
            JobField::Trigger => "trigger",
            JobField::IntervalMinutes => "interval_minutes",
            JobField::Times => "times",
            JobField::Days => "days",
            JobField::RescanMinutes => "rescan_minutes",
            JobField::QuietMs => "quiet_ms",
            JobField::PollSecs => "poll_secs",
            JobField::Encryption => "encryption",
            JobField::Password => "password",
        }
    }
}

impl std::fmt::Display for JobField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing wrong with a job: the field it concerns, and what to do, in words for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    pub field: JobField,
    pub message: String,
}

impl FieldError {
    pub fn new(field: JobField, message: impl Into<String>) -> FieldError {
        FieldError {
            field,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> JobSpec {
        JobSpec::new(
            "docs",
            PathBuf::from("/home/me/docs"),
            "smb://u@nas/share/docs",
        )
    }

    fn fields(s: &JobSpec) -> Vec<JobField> {
        s.validate().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn the_defaults_are_valid() {
        assert_eq!(spec().validate(), vec![]);
    }

    #[test]
    fn names() {
        for ok in [
            "photos",
            "Fotos 2026 (NAS)",
            "ドキュメント",
            &"x".repeat(64),
        ] {
            assert_eq!(name_problem(ok), Ok(()), "{ok:?}");
        }
        for bad in [
            "",
            "   ",
            "two\nlines",
            "tab\there",
            "bell\u{7}",
            "esc\u{1b}[31m",
            " leading",
            "trailing ",
            &"x".repeat(65),
        ] {
            let s = JobSpec {
                name: bad.to_string(),
                ..spec()
            };
            assert_eq!(fields(&s), [JobField::Name], "{bad:?}");
        }
    }

    /// Each setting's problem is tagged with that setting's field, and says what to do.
    #[test]
    fn each_error_names_its_field() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        let schedule = |s: &mut JobSpec| {
            s.live.trigger = Trigger::Schedule;
        };
        let interval = |s: &mut JobSpec| {
            s.live.trigger = Trigger::Interval;
            s.live.interval_minutes = 0;
        };
        type Change = Box<dyn Fn(&mut JobSpec)>;
        let cases: Vec<(Change, JobField)> = vec![
            (Box::new(|s| s.name = "a\tb".into()), JobField::Name),
            (Box::new(|s| s.local_path = "".into()), JobField::LocalPath),
            (
                Box::new(|s| s.local_path = "rel/dir".into()),
                JobField::LocalPath,
            ),
            (
                Box::new(move |s| s.local_path = file.clone()),
                JobField::LocalPath,
            ),
            (
                Box::new(|s| s.remote_url = "http://nas/share".into()),
                JobField::RemotePath,
            ),
            (
                Box::new(|s| s.excludes = vec!["ok".into(), "[".into()]),
                JobField::Excludes,
            ),
            (
                Box::new(|s| s.max_delete_percent = 101),
                JobField::MaxDeletePercent,
            ),
            (Box::new(|s| s.parallel = 0), JobField::Parallel),
            (Box::new(|s| s.parallel = 65), JobField::Parallel),
            (
                Box::new(|s| s.trash_retention_days = 100_000),
                JobField::TrashRetentionDays,
            ),
            (Box::new(interval), JobField::IntervalMinutes),
            (Box::new(schedule), JobField::Times),
            (
                Box::new(|s| s.live.rescan_minutes = 20_000),
                JobField::RescanMinutes,
            ),
            (Box::new(|s| s.live.quiet_ms = 700_000), JobField::QuietMs),
            (Box::new(|s| s.live.poll_secs = 0), JobField::PollSecs),
        ];
        for (change, field) in cases {
            let mut s = spec();
            change(&mut s);
            let errors = s.validate();
            assert_eq!(errors.len(), 1, "{field}: {errors:?}");
            assert_eq!(errors[0].field, field, "{errors:?}");
            assert!(
                errors[0].message.contains(';'),
                "says what to do: {errors:?}"
            );
        }
        // The interval counts only for the interval trigger.
        let mut s = spec();
        s.live.interval_minutes = 0;
        assert_eq!(s.validate(), vec![]);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut s = spec();
        s.name = String::new();
        s.parallel = 0;
        s.max_delete_percent = 200;
        s.excludes = vec!["[".into(), "{a".into()];
        s.live.poll_secs = 0;
        assert_eq!(
            fields(&s),
            [
                JobField::Name,
                JobField::Excludes,
                JobField::Excludes,
                JobField::MaxDeletePercent,
                JobField::Parallel,
                JobField::PollSecs,
            ]
        );
        let parallel = &s.validate()[4];
        assert_eq!(
            parallel.message,
            "the number of parallel transfers must be from 1 to 64, not 0; use a number in that range"
        );
    }

    #[test]
    fn fields_serialise_as_the_form_names_them() {
        for f in [
            JobField::LocalPath,
            JobField::RemotePath,
            JobField::MaxDeletePercent,
            JobField::IntervalMinutes,
            JobField::PollSecs,
        ] {
            assert_eq!(
                serde_json::to_value(f).unwrap(),
                serde_json::json!(f.as_str())
            );
        }
        let e = FieldError::new(JobField::Parallel, "x");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"field": "parallel", "message": "x"})
        );
    }
}
