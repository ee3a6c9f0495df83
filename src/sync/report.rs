//! What a run comes to: the report `sync --json` prints, the reasons a run could not do its
//! work (each with its exit code), and the per-file notes.

use serde::Serialize;

use crate::db::history::{Counts, FileError, RunStatus};
use crate::db::jobs::Job;
use crate::db::DbError;
use crate::relpath::RelPath;
use crate::remote::{ConnectionSecurity, Encryption, RemoteError, RemoteErrorKind};

/// Why a run could not do its work. Each maps to a CLI exit code.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SyncError {
    /// Usage or configuration (exit 2).
    #[error("{0}")]
    Config(String),
    /// The server rejected the user name or password (wrong, expired, locked): the user must
    /// enter a new one; live sync does not retry it on a timer (exit 3).
    #[error("{0}")]
    Auth(String),
    /// Cannot use the share (no such share, access denied, encryption refused): the user must
    /// act (exit 3).
    #[error("{0}")]
    Connect(String),
    /// The server cannot be reached (down, network gone, timed out): live sync goes offline
    /// and retries by itself (exit 3).
    #[error("{0}")]
    Unreachable(String),
    /// A safety guard stopped the run before anything was touched (exit 5).
    #[error("{0}")]
    Guard(String),
}

/// Why a job cannot be stored as it is.
#[derive(Debug, thiserror::Error)]
pub enum JobCheckError {
    #[error(transparent)]
    Rule(crate::job_rules::JobProblem),
    #[error(transparent)]
    Db(DbError),
}

impl From<JobCheckError> for SyncError {
    fn from(e: JobCheckError) -> Self {
        SyncError::Config(e.to_string())
    }
}

impl From<DbError> for SyncError {
    fn from(e: DbError) -> Self {
        SyncError::Config(e.to_string())
    }
}

impl SyncError {
    pub fn exit_code(&self) -> i32 {
        match self {
            SyncError::Config(_) => 2,
            SyncError::Auth(_) | SyncError::Connect(_) | SyncError::Unreachable(_) => 3,
            SyncError::Guard(_) => 5,
        }
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
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
}

#[derive(Clone, Debug, Serialize)]
pub struct PlannedAction {
    pub path: String,
    pub action: &'static str,
}

/// A connect error; one caused by encryption the job requires says so.
pub(crate) fn encryption_refused(job: &Job, e: RemoteError) -> SyncError {
    let about_encryption = e.message.contains("ncryption");
    if job.encryption == Encryption::Required && about_encryption {
        return SyncError::Connect(format!(
            "the server cannot encrypt the connection, and job '{}' requires encryption; nothing was transferred. Turn on SMB encryption on the server (Samba: `server smb encrypt = required` or `desired`; SMB 3 needed), or set the job's encryption to auto ({})",
            job.name, e.message
        ));
    }
    remote_error_to_sync(e)
}

pub(crate) fn remote_error_to_sync(e: RemoteError) -> SyncError {
    match e.kind {
        RemoteErrorKind::Connection | RemoteErrorKind::Timeout => SyncError::Unreachable(e.message),
        RemoteErrorKind::Auth => SyncError::Auth(e.message),
        RemoteErrorKind::NoSuchShare | RemoteErrorKind::AccessDenied => {
            SyncError::Connect(e.message)
        }
        _ => SyncError::Config(e.message),
    }
}

/// A note for a run's history: `path` left alone on `side` ("local" or "remote"), and why.
pub(crate) fn note(path: &RelPath, why: &str, side: &str) -> FileError {
    FileError {
        path: path.as_str().to_string(),
        message: format!("{why} ({side} side)"),
    }
}

/// "1 file", "3 files".
pub fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

impl RunReport {
    /// The report of a run that could not do its work.
    pub(crate) fn failed(job: &Job, run_id: Option<i64>, e: &SyncError) -> RunReport {
        let status = if matches!(e, SyncError::Guard(_)) {
            RunStatus::Aborted
        } else {
            RunStatus::Failed
        };
        RunReport {
            job: job.name.clone(),
            status,
            counts: Counts::default(),
            errors: Vec::new(),
            notes: Vec::new(),
            duration_ms: 0,
            message: Some(e.to_string()),
            run_id,
            exit_code: e.exit_code(),
            unreachable: matches!(e, SyncError::Unreachable(_)),
            auth_failed: matches!(e, SyncError::Auth(_)),
            connection: None,
            planned: None,
        }
    }

    /// The report of a run that executed its plan: `errors` found while gathering (counted as
    /// skipped) come before the executor's own.
    pub(crate) fn of_run(
        job: &Job,
        run_id: Option<i64>,
        mut errors: Vec<FileError>,
        notes: Vec<FileError>,
        result: crate::execute::ExecResult,
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
            run_id,
            exit_code,
            planned: None,
        }
    }
}
