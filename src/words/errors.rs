//! One vocabulary from the engine's typed errors to words: each class of failure has one
//! sentence that says what happened and what to do, naming the server, share or path as the
//! job does. The technical text (the server's status code, the crate's message) is kept apart
//! as the detail: the CLI shows it with `--verbose`, the app behind "Details", and both log it.
//!
//! Sentences are built only from the error's class and place (host, port, share, path), never
//! from the technical text, so no protocol trace and no secret can reach them.

use serde::Serialize;

use crate::replica::{ErrorPlace, ReplicaError, ReplicaErrorKind};
use crate::sync::SyncError;

/// What went wrong, as a person would sort it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// Wrong user name or password (or the account may not log in).
    BadCredentials,
    /// The server's name does not resolve (DNS).
    HostNotFound,
    /// Nothing answers at the address: refused, no route.
    HostUnreachable,
    /// The connection dropped in the middle of the work.
    ConnectionLost,
    /// The share does not exist on the server.
    ShareNotFound,
    /// The folder (or file) does not exist on the share.
    FolderNotFound,
    /// The user may not read or write there.
    AccessDenied,
    /// The server's disk or quota is full.
    DiskFull,
    /// This computer's disk is full.
    LocalDiskFull,
    /// The server refuses a name.
    NameNotAllowed,
    /// The server did not answer in time.
    Timeout,
    /// The job requires encryption and the server cannot encrypt.
    EncryptionRequired,
    /// A file is in use on the server.
    Busy,
    /// Anything else from the server.
    Other,
}

impl ErrorClass {
    /// Every class, for tests and tables.
    pub const ALL: [ErrorClass; 14] = [
        ErrorClass::BadCredentials,
        ErrorClass::HostNotFound,
        ErrorClass::HostUnreachable,
        ErrorClass::ConnectionLost,
        ErrorClass::ShareNotFound,
        ErrorClass::FolderNotFound,
        ErrorClass::AccessDenied,
        ErrorClass::DiskFull,
        ErrorClass::LocalDiskFull,
        ErrorClass::NameNotAllowed,
        ErrorClass::Timeout,
        ErrorClass::EncryptionRequired,
        ErrorClass::Busy,
        ErrorClass::Other,
    ];

    /// The class of a remote error kind.
    pub fn of(kind: ReplicaErrorKind) -> ErrorClass {
        use ReplicaErrorKind as K;
        match kind {
            K::Auth => ErrorClass::BadCredentials,
            K::HostNotFound => ErrorClass::HostNotFound,
            K::Unreachable => ErrorClass::HostUnreachable,
            K::Connection => ErrorClass::ConnectionLost,
            K::NoSuchShare => ErrorClass::ShareNotFound,
            K::NotFound => ErrorClass::FolderNotFound,
            K::AccessDenied => ErrorClass::AccessDenied,
            K::DiskFull => ErrorClass::DiskFull,
            K::InvalidName => ErrorClass::NameNotAllowed,
            K::Timeout => ErrorClass::Timeout,
            K::EncryptionRequired => ErrorClass::EncryptionRequired,
            K::Busy => ErrorClass::Busy,
            K::AlreadyExists | K::NotEmpty | K::Other => ErrorClass::Other,
        }
    }

    /// The job form's field a person would change to fix it; `path_field` is the one that
    /// names the folder (the remote folder when testing, the browsed path when browsing).
    pub fn field(self, path_field: &'static str) -> Option<&'static str> {
        match self {
            ErrorClass::BadCredentials => Some("password"),
            ErrorClass::HostNotFound | ErrorClass::HostUnreachable | ErrorClass::Timeout => {
                Some("host")
            }
            ErrorClass::ShareNotFound => Some("share"),
            ErrorClass::AccessDenied => Some("user"),
            ErrorClass::FolderNotFound | ErrorClass::NameNotAllowed => Some(path_field),
            ErrorClass::EncryptionRequired => Some("encryption"),
            ErrorClass::ConnectionLost
            | ErrorClass::DiskFull
            | ErrorClass::LocalDiskFull
            | ErrorClass::Busy
            | ErrorClass::Other => None,
        }
    }

    /// The sentence for this class at `place` (what is known of it).
    pub fn sentence(self, place: Option<&ErrorPlace>) -> String {
        let host = place.map(|p| p.host.as_str()).filter(|h| !h.is_empty());
        let the_server = match host {
            Some(h) => format!("The server {h}"),
            None => "The server".to_string(),
        };
        let address = match place {
            Some(p) if !p.host.is_empty() => match p.port {
                Some(port) => format!("{}:{port}", p.host),
                None => p.host.clone(),
            },
            _ => "the server".to_string(),
        };
        let share = place.map(|p| p.share.as_str()).filter(|s| !s.is_empty());
        let path = place.map(|p| p.path.as_str()).filter(|s| !s.is_empty());
        match self {
            ErrorClass::BadCredentials => format!(
                "{the_server} did not accept the user name or password. Check them and try again."
            ),
            ErrorClass::HostNotFound => match host {
                Some(h) => format!(
                    "No server called {h} could be found. Check the name, or use the server's IP address."
                ),
                None => "The server's name could not be found. Check the name, or use the server's IP address.".into(),
            },
            ErrorClass::HostUnreachable => format!(
                "Nothing answered at {address}: the connection was refused or there is no route to it. Check that the server is on and that the host and port are right."
            ),
            ErrorClass::ConnectionLost => format!(
                "The connection to {} was lost. The sync will go on when the server is back.",
                host.unwrap_or("the server")
            ),
            ErrorClass::ShareNotFound => match share {
                Some(s) => format!("{the_server} has no share called \"{s}\". Check the share name."),
                None => format!("{the_server} has no share by that name. Check the share name."),
            },
            ErrorClass::FolderNotFound => match path {
                Some(p) => format!(
                    "\"{p}\" does not exist on {}. Check the folder, or create it on the server.",
                    share.map(|s| format!("the share \"{s}\"")).unwrap_or_else(|| "the server".into())
                ),
                None => "The folder does not exist on the server. Check the folder, or create it on the server.".into(),
            },
            ErrorClass::AccessDenied => match path {
                Some(p) => format!(
                    "{the_server} refused access to \"{p}\". Check that this user may read and write there."
                ),
                None => format!(
                    "{the_server} refused access. Check that this user may read and write the share."
                ),
            },
            ErrorClass::DiskFull => format!(
                "{the_server} is out of space, or the user's quota is used up. Free some space there and sync again."
            ),
            ErrorClass::LocalDiskFull => {
                "This computer's disk is full. Free some space and sync again.".into()
            }
            ErrorClass::NameNotAllowed => match path {
                Some(p) => format!(
                    "{the_server} does not accept the name \"{p}\". Rename it on this computer."
                ),
                None => format!("{the_server} does not accept that name. Choose another one."),
            },
            ErrorClass::Timeout => format!(
                "{the_server} did not answer in time. It may be busy or the network slow; try again in a moment."
            ),
            ErrorClass::EncryptionRequired => format!(
                "{the_server} cannot encrypt the connection, and this job requires encryption. Turn on SMB encryption on the server, or set the job's encryption to Auto."
            ),
            ErrorClass::Busy => match path {
                Some(p) => format!(
                    "\"{p}\" is in use on the server. It will be synced once it is closed."
                ),
                None => "A file is in use on the server. It will be synced once it is closed.".into(),
            },
            ErrorClass::Other => format!(
                "{the_server} reported an error this app cannot explain. The details say what it answered."
            ),
        }
    }
}

/// An error as a person reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Explained {
    pub class: ErrorClass,
    /// What happened and what to do: one or two sentences, no protocol text.
    pub sentence: String,
    /// The technical text (for "Details", `--verbose` and the log), when there is more to say.
    pub detail: Option<String>,
}

impl Explained {
    /// The form field this is about (see [`ErrorClass::field`]).
    pub fn field(&self, path_field: &'static str) -> Option<&'static str> {
        self.class.field(path_field)
    }
}

/// A remote error in words.
pub fn explain_remote(e: &ReplicaError) -> Explained {
    let class = ErrorClass::of(e.kind);
    Explained {
        class,
        sentence: class.sentence(e.place.as_ref()),
        detail: Some(e.message.clone()),
    }
}

/// Why one file was not synced, in words: the class's meaning said of that file (`path`,
/// relative to the job's folders, as History lists it), naming the server when the error came
/// from a share. The error's technical text is the detail.
pub fn explain_file(path: &str, e: &ReplicaError) -> Explained {
    let class = ErrorClass::of(e.kind);
    Explained {
        class,
        sentence: file_sentence(class, path, e.place.as_ref()),
        detail: Some(e.message.clone()),
    }
}

fn file_sentence(class: ErrorClass, path: &str, place: Option<&ErrorPlace>) -> String {
    let host = place.map(|p| p.host.as_str()).filter(|h| !h.is_empty());
    let server = host.map(|h| format!("the server {h}"));
    let p = format!("\"{path}\"");
    match class {
        // Errors about the whole connection read the same for every file.
        ErrorClass::BadCredentials
        | ErrorClass::ShareNotFound
        | ErrorClass::EncryptionRequired => class.sentence(place),
        ErrorClass::HostNotFound | ErrorClass::HostUnreachable | ErrorClass::ConnectionLost => {
            format!(
                "{p} was not synced: the connection to {} was lost. It will be synced on the next run.",
                host.unwrap_or("the server")
            )
        }
        ErrorClass::Timeout => format!(
            "{p} was not synced: {} did not answer in time. It will be tried again on the next run.",
            server.as_deref().unwrap_or("the other side")
        ),
        // Also what a server answers for a name it will not store (Samba's veto rules):
        // the sentence does not claim more than the answer says.
        ErrorClass::FolderNotFound => format!(
            "{p} was not synced: {} said it or its folder does not exist. The next run tries again; if this repeats, check the name and the folder{}.",
            server.as_deref().unwrap_or("the system"),
            if host.is_some() { " on the server" } else { "" }
        ),
        ErrorClass::AccessDenied => match &server {
            Some(s) => format!(
                "{} refused access to {p}. Check that this user may read and write it there.",
                capitalised(s)
            ),
            None => format!(
                "Access to {p} was refused. Check the permissions of the file and its folder."
            ),
        },
        ErrorClass::DiskFull => match &server {
            Some(s) => format!(
                "{p} was not synced: {s} is out of space, or the user's quota is used up. Free some space there and sync again."
            ),
            None => format!("{p} was not synced: the disk is full. Free some space and sync again."),
        },
        ErrorClass::LocalDiskFull => format!(
            "{p} was not synced: this computer's disk is full. Free some space and sync again."
        ),
        ErrorClass::NameNotAllowed => match &server {
            Some(s) => format!(
                "{} does not accept the name {p}. Rename it on this computer.",
                capitalised(s)
            ),
            None => format!("The name {p} is not allowed there. Rename it."),
        },
        ErrorClass::Busy => format!(
            "{p} is in use{}. It will be synced once it is closed.",
            if host.is_some() { " on the server" } else { "" }
        ),
        ErrorClass::Other => format!(
            "{p} was not synced: {} reported an error this app cannot explain. The details say what it answered.",
            server.as_deref().unwrap_or("the system")
        ),
    }
}

/// With its first letter upper-case: "the server x" as the start of a sentence.
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A run's (or a command's) error in words. The engine's own messages (a job that does not
/// exist, a guard stop, a local folder that cannot be read) are already written for people:
/// they are kept, capitalised as sentences.
pub fn explain_sync(e: &SyncError) -> Explained {
    match e {
        SyncError::Remote(r) => explain_remote(r),
        SyncError::Refused(m) => Explained {
            class: ErrorClass::EncryptionRequired,
            sentence: ErrorClass::EncryptionRequired.sentence(None),
            detail: Some(m.clone()),
        },
        SyncError::Local { message, source }
            if source.kind() == std::io::ErrorKind::StorageFull =>
        {
            Explained {
                class: ErrorClass::LocalDiskFull,
                sentence: ErrorClass::LocalDiskFull.sentence(None),
                detail: Some(format!("{message}: {source}")),
            }
        }
        SyncError::Local { message, source } => Explained {
            class: ErrorClass::Other,
            sentence: as_sentence(message),
            detail: Some(source.to_string()),
        },
        other => Explained {
            class: ErrorClass::Other,
            sentence: as_sentence(&other.to_string()),
            detail: None,
        },
    }
}

/// The first sentence of a message (up to its first ". "), whole: what a one-line status
/// shows, never cut in the middle. A message of one sentence is returned as it is.
pub fn first_sentence(msg: &str) -> &str {
    match msg.find(". ") {
        Some(i) => &msg[..=i],
        None => msg,
    }
}

/// Capitalised, ending with a full stop.
pub fn as_sentence(msg: &str) -> String {
    let mut out = capitalised(msg);
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of remote error, for the tests that must cover them all.
    const ALL_KINDS: [ReplicaErrorKind; 15] = {
        use ReplicaErrorKind as K;
        [
            K::NotFound,
            K::AlreadyExists,
            K::NotEmpty,
            K::InvalidName,
            K::AccessDenied,
            K::DiskFull,
            K::Busy,
            K::Auth,
            K::NoSuchShare,
            K::Connection,
            K::Timeout,
            K::Other,
            K::HostNotFound,
            K::Unreachable,
            K::EncryptionRequired,
        ]
    };

    fn place() -> ErrorPlace {
        ErrorPlace {
            host: "nas.local".into(),
            port: Some(4455),
            share: "files".into(),
            path: "Documents/a.txt".into(),
        }
    }

    /// Every class has its own sentence, with and without a place, that names the server when
    /// known and says what to do (a second sentence or clause after the first).
    #[test]
    fn every_class_has_a_sentence() {
        let p = place();
        let mut seen = std::collections::HashSet::new();
        for class in ErrorClass::ALL {
            for at in [Some(&p), None] {
                let s = class.sentence(at);
                assert!(s.len() > 20, "{class:?}: {s}");
                assert!(s.ends_with('.'), "{class:?}: {s}");
                assert!(s.chars().next().unwrap().is_uppercase() || s.starts_with('"'));
                assert!(
                    s.matches(". ").count() + s.matches("; ").count() + s.matches(": ").count()
                        >= 1,
                    "{class:?} says what happened and what to do: {s}"
                );
            }
            assert!(
                seen.insert(class.sentence(Some(&p))),
                "{class:?} repeats another class"
            );
        }
        // Every remote kind lands on a class.
        for k in ALL_KINDS {
            let _ = ErrorClass::of(k).sentence(None);
        }
    }

    #[test]
    fn sentences_name_the_server_and_the_share() {
        let p = place();
        assert_eq!(
            ErrorClass::BadCredentials.sentence(Some(&p)),
            "The server nas.local did not accept the user name or password. Check them and try again."
        );
        assert!(ErrorClass::HostNotFound
            .sentence(Some(&p))
            .contains("nas.local"));
        assert!(ErrorClass::HostUnreachable
            .sentence(Some(&p))
            .contains("nas.local:4455"));
        assert!(ErrorClass::ShareNotFound
            .sentence(Some(&p))
            .contains("\"files\""));
    }

    /// The technical text goes to the detail only: no status codes, no crate messages, and
    /// no password (the sentence is never built from the message).
    #[test]
    fn sentences_hold_no_protocol_text_and_no_password() {
        let secret = "Hunter2-secret";
        let raw = format!(
            "smb://nas.local/files: login as \"alice\" failed: Unexpected message status: Logon Failure (0xc000006d).; password {secret}"
        );
        for k in ALL_KINDS {
            let e = ReplicaError::new(k, raw.clone()).at(place());
            let w = explain_remote(&e);
            let lower = w.sentence.to_lowercase();
            for bad in [
                "0xc0",
                "unexpected message status",
                "status",
                "smb://",
                "failed to",
                secret.to_lowercase().as_str(),
            ] {
                assert!(!lower.contains(bad), "{k:?}: {:?} in {}", bad, w.sentence);
            }
            assert_eq!(w.detail.as_deref(), Some(raw.as_str()));
        }
    }

    /// Every class has a sentence for one file: it names the file (or is about the whole
    /// connection), says what to do, and holds no protocol text; the raw text is the detail.
    #[test]
    fn every_class_has_a_sentence_for_one_file() {
        let raw = "STATUS_OBJECT_NAME_INVALID (0xc0000033) smb://nas.local/files";
        let mut seen = std::collections::HashSet::new();
        for k in ALL_KINDS {
            for at in [Some(place()), None] {
                let mut e = ReplicaError::new(k, raw);
                if let Some(p) = at.clone() {
                    e = e.at(p);
                }
                let w = explain_file("reports/q3.txt", &e);
                let s = &w.sentence;
                let whole_connection = matches!(
                    w.class,
                    ErrorClass::BadCredentials
                        | ErrorClass::ShareNotFound
                        | ErrorClass::EncryptionRequired
                );
                assert!(
                    whole_connection || s.contains("\"reports/q3.txt\""),
                    "{k:?}: {s}"
                );
                assert!(
                    s.ends_with('.') && s.matches(". ").count() >= 1,
                    "{k:?}: {s}"
                );
                let lower = s.to_lowercase();
                assert!(!lower.contains("0xc0") && !lower.contains("smb://"), "{s}");
                assert_eq!(w.detail.as_deref(), Some(raw));
                if at.is_some() {
                    seen.insert(s.clone());
                }
            }
        }
        // Kinds of one class share a sentence and the classes do not, except the three that
        // mean the connection went (not found, unreachable, lost), which read as one.
        let classes: std::collections::HashSet<_> =
            ALL_KINDS.iter().map(|k| ErrorClass::of(*k)).collect();
        assert_eq!(seen.len(), classes.len() - 2, "{seen:#?}");
    }

    #[test]
    fn a_file_sentence_names_the_server_when_a_share_answered() {
        let e = ReplicaError::new(ReplicaErrorKind::InvalidName, "raw").at(place());
        assert_eq!(
            explain_file("a:b.txt", &e).sentence,
            "The server nas.local does not accept the name \"a:b.txt\". Rename it on this computer."
        );
        let e = ReplicaError::new(ReplicaErrorKind::AccessDenied, "raw");
        assert_eq!(
            explain_file("a.txt", &e).sentence,
            "Access to \"a.txt\" was refused. Check the permissions of the file and its folder."
        );
    }

    #[test]
    fn sync_errors_in_words() {
        let w = explain_sync(&SyncError::Config(
            "no job named 'x'; see `job list`".into(),
        ));
        assert_eq!(w.sentence, "No job named 'x'; see `job list`.");
        assert_eq!(w.detail, None);
        let w = explain_sync(&SyncError::Refused("could not encrypt".into()));
        assert_eq!(w.class, ErrorClass::EncryptionRequired);
        let w = explain_sync(&SyncError::local(
            "cannot write /home/me/Docs/a",
            std::io::Error::from(std::io::ErrorKind::StorageFull),
        ));
        assert_eq!(w.class, ErrorClass::LocalDiskFull);
        let w = explain_sync(&SyncError::Remote(
            ReplicaError::new(ReplicaErrorKind::Auth, "raw").at(place()),
        ));
        assert_eq!(w.class, ErrorClass::BadCredentials);
        assert_eq!(w.field("remote_path"), Some("password"));
    }
}
