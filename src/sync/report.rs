//! What a run comes to: the report `sync --json` prints, the reasons a run could not do its
//! work (each with its exit code), and the per-file notes.

use serde::Serialize;

use crate::db::history::{Counts, FileError, RunStatus};
use crate::db::jobs::Job;
use crate::db::DbError;
use crate::policy::Encryption;
use crate::relpath::RelPath;
use crate::replica::{ConnectionSecurity, ReplicaError, ReplicaErrorKind};
use crate::sync::first_sync_preview::FirstSyncPreview;
use crate::sync::guard::GuardStop;
use crate::sync::reconcile::Action;
use crate::tree::Side;

/// Why a run (or a command around one) could not do its work, with its cause kept. The exit
/// code of each is decided here, once ([`SyncError::exit_code`]).
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// Something the user set or typed is wrong or missing: a URL, a pattern, a job or
    /// conflict that does not exist, a folder that is not one (exit 2).
    #[error("{0}")]
    Config(String),
    /// The server refused or could not be reached; the kind says which: `Auth` (the password:
    /// live sync waits for a new one), `Connection`/`Timeout` (live sync goes offline and
    /// retries), anything else (the share, a permission) (exit 3).
    #[error("{0}")]
    Remote(ReplicaError),
    /// The server was reached but cannot be used as the job asks (it would not encrypt)
    /// (exit 3).
    #[error("{0}")]
    Refused(String),
    /// The state database failed: not the user's input (exit 4).
    #[error(transparent)]
    Database(#[from] DbError),
    /// A folder on this computer cannot be used (read, created, written) (exit 4).
    #[error("{message}: {source}")]
    Local {
        message: String,
        #[source]
        source: std::io::Error,
    },
    /// A safety guard stopped the run before anything was touched (exit 5), with what it
    /// would have deleted.
    #[error("{0}")]
    Guard(GuardStop),
    /// The job's first sync found files on both sides and waits for the user to choose how to
    /// settle them; nothing was touched (exit 6). Holds what each choice would move.
    #[error("both folders hold files and this is the job's first sync: choose how to sync them (merge, this computer wins, or the server wins) in the app, or with `anemone-sync job first-sync {job} merge|local-wins|remote-wins`; nothing was changed")]
    FirstSyncChoice {
        job: String,
        /// Boxed: the other variants are small.
        preview: Box<FirstSyncPreview>,
    },
}

impl SyncError {
    /// The CLI's exit code: 2 usage or configuration, 3 cannot connect or authenticate (or the
    /// server refused), 4 a local failure (database, folder), 5 a safety guard.
    pub fn exit_code(&self) -> i32 {
        match self {
            SyncError::Config(_) => 2,
            SyncError::Remote(_) | SyncError::Refused(_) => 3,
            SyncError::Database(_) | SyncError::Local { .. } => 4,
            SyncError::Guard(_) => 5,
            SyncError::FirstSyncChoice { .. } => 6,
        }
    }

    /// The server cannot be reached: live sync goes offline and retries by itself.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, SyncError::Remote(e) if e.kind.is_connection_lost())
    }

    /// The server rejected the user name or password.
    pub fn is_auth(&self) -> bool {
        matches!(self, SyncError::Remote(e) if e.kind == ReplicaErrorKind::Auth)
    }

    /// A local failure, with what could not be done.
    pub fn local(message: impl Into<String>, source: std::io::Error) -> SyncError {
        SyncError::Local {
            message: message.into(),
            source,
        }
    }
}

impl From<ReplicaError> for SyncError {
    fn from(e: ReplicaError) -> Self {
        SyncError::Remote(e)
    }
}

/// The outcome of one job's run, as `sync --json` prints it.
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    pub job: String,
    pub status: RunStatus,
    #[serde(flatten)]
    pub counts: Counts,
    pub errors: Vec<FileError>,
    /// Paths left alone on purpose (symbolic links, special files), and what the run noticed
    /// (a trash folder that is not a folder): reported, not errors.
    pub notes: Vec<FileError>,
    pub duration_ms: u64,
    /// Why the run could not do its work, in words (`crate::words`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The technical text behind `message` (the server's status, the crate's error), for
    /// `--verbose`, the app's "Details" and the log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip)]
    pub run_id: Option<i64>,
    #[serde(skip)]
    pub exit_code: i32,
    /// The server could not be reached, or the connection was lost for good (live sync goes
    /// offline and retries by itself).
    #[serde(skip)]
    pub unreachable: bool,
    /// The server rejected the login: live sync stops and waits for a new password.
    #[serde(skip)]
    pub auth_failed: bool,
    /// How the connection to the server was protected (SMB remotes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection: Option<ConnectionSecurity>,
    /// The plan, for `--dry-run`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned: Option<Vec<PlannedAction>>,
    /// The delete guard stopped the run: what it would have deleted, for the user to decide.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guard: Option<GuardStop>,
    /// A first sync's dry run, or a first sync waiting for a choice: what each choice would
    /// move.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_sync: Option<FirstSyncPreview>,
    /// The first sync stopped to ask how to settle two folders that both hold files.
    #[serde(skip)]
    pub first_sync_waiting: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct PlannedAction {
    pub path: String,
    pub action: &'static str,
    /// A move's old path (`path` is the new one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// A connect error; one caused by encryption the job requires says so.
pub(crate) fn encryption_refused(job: &Job, e: ReplicaError) -> SyncError {
    let about_encryption = e.message.contains("ncryption");
    if job.encryption == Encryption::Required && about_encryption {
        return SyncError::Refused(format!(
            "the server cannot encrypt the connection, and job '{}' requires encryption; nothing was transferred. Turn on SMB encryption on the server (Samba: `server smb encrypt = required` or `desired`; SMB 3 needed), or set the job's encryption to auto ({})",
            job.name, e.message
        ));
    }
    SyncError::Remote(e)
}

/// A note for a run's history: `path` left alone on `side` ("local" or "remote"), and why.
pub(crate) fn note(path: &RelPath, why: &str, side: &str) -> FileError {
    FileError::new(path.as_str(), format!("{why} ({side} side)"))
}

/// "1 file", "3 files" (one rule for every count, in `crate::words`).
pub use crate::words::plural;

impl RunReport {
    /// The report of a run that could not do its work.
    /// What a dry run reports: the counts the run would have, each action by name, and the skips
    /// as per-file errors.
    pub(crate) fn dry_run(
        job: &Job,
        actions: &[Action],
        errors: Vec<FileError>,
        notes: Vec<FileError>,
    ) -> RunReport {
        let mut counts = Counts::default();
        let mut planned = Vec::new();
        let mut errors = errors;
        for a in actions {
            let name = match a {
                Action::Upload { local, .. } => {
                    counts.uploaded += 1;
                    counts.bytes_up += local.size;
                    "upload"
                }
                Action::Download { remote, .. } => {
                    counts.downloaded += 1;
                    counts.bytes_down += remote.size;
                    "download"
                }
                Action::CreateRemoteDir { .. } => "create remote folder",
                Action::CreateLocalDir { .. } => "create local folder",
                Action::DeleteLocal { .. } => {
                    counts.deleted_local += 1;
                    "delete local"
                }
                Action::DeleteRemote { .. } => {
                    counts.deleted_remote += 1;
                    "delete remote"
                }
                Action::Conflict { .. } => {
                    counts.conflicts += 1;
                    "conflict"
                }
                // A copy only where the sizes differ; one of the same size is compared first
                // and may well be identical (a first sync's preview, `first_sync`, counts those
                // apart).
                Action::Overwrite {
                    local,
                    remote,
                    winner,
                    same_size,
                } => match (winner, same_size) {
                    (Side::Local, false) => {
                        counts.uploaded += 1;
                        counts.bytes_up += local.size;
                        "replace remote"
                    }
                    (Side::Remote, false) => {
                        counts.downloaded += 1;
                        counts.bytes_down += remote.size;
                        "replace local"
                    }
                    (Side::Local, true) => "compare, replace remote if different",
                    (Side::Remote, true) => "compare, replace local if different",
                },
                Action::Skip { path, reason } => {
                    counts.skipped += 1;
                    errors.push(FileError::new(path.as_str(), reason.clone()));
                    "skip"
                }
                Action::Move(m) => match m.side {
                    Side::Local => {
                        counts.moved_local += 1;
                        "move local"
                    }
                    Side::Remote => {
                        counts.moved_remote += 1;
                        "move remote"
                    }
                },
                Action::Record { .. } | Action::Forget { .. } => continue,
            };
            planned.push(PlannedAction {
                path: a.path().as_str().to_string(),
                action: name,
                from: match a {
                    Action::Move(m) => Some(m.from.as_str().to_string()),
                    _ => None,
                },
            });
        }
        RunReport {
            job: job.name.clone(),
            status: if errors.is_empty() {
                RunStatus::Success
            } else {
                RunStatus::Partial
            },
            counts,
            exit_code: if errors.is_empty() { 0 } else { 1 },
            errors,
            notes,
            duration_ms: 0,
            message: Some("dry run: nothing was changed".into()),
            detail: None,
            run_id: None,
            unreachable: false,
            auth_failed: false,
            connection: None,
            planned: Some(planned),
            guard: None,
            first_sync: None,
            first_sync_waiting: false,
        }
    }

    pub(crate) fn failed(job: &Job, run_id: Option<i64>, e: &SyncError) -> RunReport {
        let status = if matches!(e, SyncError::Guard(_) | SyncError::FirstSyncChoice { .. }) {
            RunStatus::Aborted
        } else {
            RunStatus::Failed
        };
        let words = crate::words::explain_sync(e);
        RunReport {
            job: job.name.clone(),
            status,
            counts: Counts::default(),
            errors: Vec::new(),
            notes: Vec::new(),
            duration_ms: 0,
            message: Some(words.sentence),
            detail: words.detail,
            run_id,
            exit_code: e.exit_code(),
            unreachable: e.is_unreachable(),
            auth_failed: e.is_auth(),
            connection: None,
            planned: None,
            guard: match e {
                SyncError::Guard(g) => Some(g.clone()),
                _ => None,
            },
            first_sync: match e {
                SyncError::FirstSyncChoice { preview, .. } => Some(**preview),
                _ => None,
            },
            first_sync_waiting: matches!(e, SyncError::FirstSyncChoice { .. }),
        }
    }

    /// The report of a run that executed its plan: `errors` found while gathering (counted as
    /// skipped) come before the executor's own.
    pub(crate) fn of_run(
        job: &Job,
        run_id: Option<i64>,
        mut errors: Vec<FileError>,
        notes: Vec<FileError>,
        result: crate::sync::execute::ExecResult,
        connection: Option<ConnectionSecurity>,
    ) -> RunReport {
        let lost = result.connection_lost;
        let stopped = result.left_by_stop > 0;
        let mut counts = result.counts;
        counts.skipped += errors.len() as u64;
        errors.extend(result.errors);
        let (status, exit_code) = if lost.is_some() {
            (RunStatus::Failed, 3)
        } else if stopped {
            (RunStatus::Interrupted, 0)
        } else if !errors.is_empty() {
            (RunStatus::Partial, 1)
        } else {
            (RunStatus::Success, 0)
        };
        let unreachable = lost.is_some();
        let message = lost.or_else(|| {
            stopped.then(|| {
                format!(
                    "stopped before the end; {} left for the next sync",
                    plural(result.left_by_stop, "change")
                )
            })
        });
        RunReport {
            job: job.name.clone(),
            status,
            counts,
            errors,
            notes,
            duration_ms: 0,
            unreachable,
            auth_failed: false,
            connection,
            message,
            detail: None,
            run_id,
            exit_code,
            planned: None,
            guard: None,
            first_sync: None,
            first_sync_waiting: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exit code of each class of failure, decided in one place. Regression (issue 13): a
    /// database failure was a configuration error and exited 2 ("usage error").
    #[test]
    fn each_failure_class_has_its_exit_code() {
        let remote = |kind| SyncError::Remote(ReplicaError::new(kind, "m"));
        let io = || std::io::Error::other("disk");
        let db = DbError::Invalid("x".into());
        let cases = [
            (SyncError::Config("bad URL".into()), 2),
            (remote(ReplicaErrorKind::Auth), 3),
            (remote(ReplicaErrorKind::Connection), 3),
            (remote(ReplicaErrorKind::NoSuchShare), 3),
            (SyncError::Refused("no encryption".into()), 3),
            (SyncError::Database(db), 4),
            (SyncError::local("cannot read", io()), 4),
            (
                SyncError::Guard(crate::sync::guard::GuardStop {
                    reason: crate::sync::guard::GuardReason::TooMany,
                    side: crate::tree::Side::Remote,
                    count: 11,
                    bytes: 0,
                    paths: Vec::new(),
                    what: "too many deletes".into(),
                }),
                5,
            ),
        ];
        for (e, code) in cases {
            assert_eq!(e.exit_code(), code, "{e:?}");
        }
        assert!(remote(ReplicaErrorKind::Timeout).is_unreachable());
        assert!(!remote(ReplicaErrorKind::Auth).is_unreachable());
        assert!(remote(ReplicaErrorKind::Auth).is_auth());
        assert!(!SyncError::Refused("x".into()).is_auth());
        // The cause is kept, and the message says what could not be done.
        let e = SyncError::local("cannot create local folder /x", io());
        assert_eq!(e.to_string(), "cannot create local folder /x: disk");
        assert!(std::error::Error::source(&e).is_some());
    }
}
