//! What every command rejects with: a typed [`BridgeError`] whose `message` is written for
//! people (the engine's own words) and whose `kind` and `field` let the UI put it next to the
//! right control without parsing text. All mapping from engine errors to kinds is here.

use anemone_sync::db::DbError;
use anemone_sync::jobs::JobError;
use anemone_sync::replica::ReplicaError;
use anemone_sync::sync::SyncError;
use anemone_sync::words::{explain_remote, explain_sync, ErrorClass};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum BridgeErrorKind {
    /// Wrong user name or password, or the account may not use the share.
    Auth,
    /// The server cannot be reached.
    Unreachable,
    /// The share does not exist on the server.
    NoShare,
    /// A folder, job or conflict does not exist.
    NotFound,
    /// A form field is wrong; `field` names it.
    InvalidInput,
    /// Local configuration or state (data folder, database, credential store).
    Config,
    Other,
}

/// What every command rejects with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct BridgeError {
    pub kind: BridgeErrorKind,
    /// Written for people by the engine: shown as is.
    pub message: String,
    /// The input field the error is about, e.g. "host", "share", "local_path".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<String>,
    /// The technical text behind `message`: shown behind "Details", never a password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub detail: Option<String>,
}

pub type BridgeResult<T> = Result<T, BridgeError>;

impl BridgeError {
    pub fn new(kind: BridgeErrorKind, message: impl Into<String>) -> Self {
        BridgeError {
            kind,
            message: message.into(),
            field: None,
            detail: None,
        }
    }

    /// A form field is wrong.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::new(BridgeErrorKind::InvalidInput, message).on(field)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(BridgeErrorKind::NotFound, message)
    }

    pub fn other(message: impl Into<String>) -> Self {
        Self::new(BridgeErrorKind::Other, message)
    }

    /// Names the form field the error is about.
    pub fn on(mut self, field: &str) -> Self {
        self.field = Some(field.to_string());
        self
    }

    /// Keeps the technical text behind the sentence.
    pub fn with_detail(mut self, detail: Option<String>) -> Self {
        self.detail = detail;
        self
    }

    /// An error from talking to the share while testing or browsing it, in the engine's words
    /// (`anemone_sync::words`), next to the field to fix. A missing folder is about
    /// `missing_field` (the remote folder for a test, the browsed path for browsing).
    pub fn from_remote(e: ReplicaError, missing_field: &'static str) -> Self {
        let words = explain_remote(&e);
        let kind = match words.class {
            ErrorClass::BadCredentials | ErrorClass::AccessDenied => BridgeErrorKind::Auth,
            ErrorClass::ShareNotFound => BridgeErrorKind::NoShare,
            ErrorClass::HostNotFound
            | ErrorClass::HostUnreachable
            | ErrorClass::ConnectionLost
            | ErrorClass::Timeout => BridgeErrorKind::Unreachable,
            ErrorClass::FolderNotFound => BridgeErrorKind::NotFound,
            ErrorClass::NameNotAllowed => BridgeErrorKind::InvalidInput,
            _ => BridgeErrorKind::Other,
        };
        tracing::info!(kind = ?e.kind, detail = %e.message, "{}", words.sentence);
        BridgeError {
            kind,
            field: words.field(missing_field).map(str::to_string),
            message: words.sentence,
            detail: words.detail,
        }
    }
}

impl From<SyncError> for BridgeError {
    fn from(e: SyncError) -> Self {
        let words = explain_sync(&e);
        let kind = match e {
            // The server's answer keeps its kind (a wrong password, a missing share, ...).
            SyncError::Remote(r) => return BridgeError::from_remote(r, "remote_path"),
            SyncError::Config(_) | SyncError::Database(_) | SyncError::Local { .. } => {
                BridgeErrorKind::Config
            }
            SyncError::Refused(_) | SyncError::Guard(_) => BridgeErrorKind::Other,
        };
        BridgeError::new(kind, words.sentence).with_detail(words.detail)
    }
}

impl From<JobError> for BridgeError {
    /// A refused job shows its first problem under the field it concerns (the form checks
    /// again after each fix); a job that is gone is `not_found`; a password the store would not
    /// take is about the password.
    fn from(e: JobError) -> Self {
        match e {
            JobError::Invalid(errors) => match errors.into_iter().next() {
                Some(first) => BridgeError::invalid(first.field.as_str(), sentence(&first.message)),
                None => BridgeError::other("the job was refused"),
            },
            JobError::NotFound(m) => BridgeError::not_found(m),
            JobError::Credentials(e) => {
                BridgeError::new(BridgeErrorKind::Config, e.to_string()).on("password")
            }
            JobError::Db(e) => e.into(),
        }
    }
}

impl From<DbError> for BridgeError {
    fn from(e: DbError) -> Self {
        BridgeError::new(BridgeErrorKind::Config, e.to_string())
    }
}

/// An engine message as the form shows it: a sentence, capitalised, with a full stop.
pub fn sentence(msg: &str) -> String {
    anemone_sync::words::errors::as_sentence(msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use anemone_sync::replica::ReplicaErrorKind;

    fn remote(kind: ReplicaErrorKind) -> ReplicaError {
        ReplicaError::new(kind, "what the engine said")
    }

    #[test]
    fn remote_errors_name_the_field_to_fix() {
        let cases = [
            (
                ReplicaErrorKind::Auth,
                BridgeErrorKind::Auth,
                Some("password"),
            ),
            (
                ReplicaErrorKind::NoSuchShare,
                BridgeErrorKind::NoShare,
                Some("share"),
            ),
            (
                ReplicaErrorKind::HostNotFound,
                BridgeErrorKind::Unreachable,
                Some("host"),
            ),
            (
                ReplicaErrorKind::Unreachable,
                BridgeErrorKind::Unreachable,
                Some("host"),
            ),
            (
                ReplicaErrorKind::Timeout,
                BridgeErrorKind::Unreachable,
                Some("host"),
            ),
            (
                ReplicaErrorKind::NotFound,
                BridgeErrorKind::NotFound,
                Some("remote_path"),
            ),
            (ReplicaErrorKind::DiskFull, BridgeErrorKind::Other, None),
        ];
        for (from, kind, field) in cases {
            let e = BridgeError::from_remote(remote(from), "remote_path");
            assert_eq!(e.kind, kind, "{from:?}");
            assert_eq!(e.field.as_deref(), field, "{from:?}");
            // The sentence in `message`, the engine's technical text in `detail`.
            assert_eq!(
                e.message,
                anemone_sync::words::explain_remote(&remote(from)).sentence
            );
            assert_eq!(e.detail.as_deref(), Some("what the engine said"));
        }
    }

    #[test]
    fn sync_errors_keep_the_message() {
        let e: BridgeError = SyncError::Config("no such job".into()).into();
        assert_eq!(
            (e.kind, e.message.as_str()),
            (BridgeErrorKind::Config, "No such job.")
        );
        let e: BridgeError = SyncError::Remote(remote(ReplicaErrorKind::Auth)).into();
        assert_eq!(e.kind, BridgeErrorKind::Auth);
        assert_eq!(e.field.as_deref(), Some("password"));
    }

    #[test]
    fn a_refused_job_names_its_first_field() {
        use anemone_sync::job_spec::{FieldError, JobField};
        let e: BridgeError = JobError::Invalid(vec![
            FieldError::new(JobField::MaxDeletePercent, "use a percentage from 0 to 100"),
            FieldError::new(JobField::Parallel, "x"),
        ])
        .into();
        assert_eq!(e.kind, BridgeErrorKind::InvalidInput);
        assert_eq!(e.field.as_deref(), Some("max_delete_percent"));
        assert_eq!(e.message, "Use a percentage from 0 to 100.");
        let e: BridgeError = JobError::NotFound("job 3 does not exist".into()).into();
        assert_eq!((e.kind, e.field), (BridgeErrorKind::NotFound, None));
    }

    #[test]
    fn serializes_as_the_ui_expects() {
        let v = serde_json::to_value(BridgeError::invalid("host", "Enter the server")).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"kind": "invalid_input", "message": "Enter the server", "field": "host"})
        );
        let v = serde_json::to_value(BridgeError::other("x")).unwrap();
        assert_eq!(v, serde_json::json!({"kind": "other", "message": "x"}));
    }
}
