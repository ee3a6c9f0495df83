//! Turns `smb` crate errors into classified [`ReplicaError`]s.
//!
//! NT status codes decide the kind; transport failures become `Connection`, time-outs
//! `Timeout`. Messages name the host, share and path and say what the user can do. They are
//! built only from the URL parts and the crate's error text, never from the password.

use smb::transport::TransportError;

use crate::replica::{ReplicaError, ReplicaErrorKind};

/// NT status codes we classify (MS-ERREF 2.3).
pub(crate) mod nt {
    pub const OBJECT_NAME_INVALID: u32 = 0xC000_0033;
    pub const OBJECT_NAME_NOT_FOUND: u32 = 0xC000_0034;
    pub const OBJECT_NAME_COLLISION: u32 = 0xC000_0035;
    pub const OBJECT_PATH_INVALID: u32 = 0xC000_0039;
    pub const OBJECT_PATH_NOT_FOUND: u32 = 0xC000_003A;
    pub const OBJECT_PATH_SYNTAX_BAD: u32 = 0xC000_003B;
    pub const NAME_TOO_LONG: u32 = 0xC000_0106;
    pub const NOT_A_DIRECTORY: u32 = 0xC000_0103;
    pub const DIRECTORY_NOT_EMPTY: u32 = 0xC000_0101;
    pub const ACCESS_DENIED: u32 = 0xC000_0022;
    pub const CANNOT_DELETE: u32 = 0xC000_0121;
    pub const MEDIA_WRITE_PROTECTED: u32 = 0xC000_00A2;
    pub const DISK_FULL: u32 = 0xC000_007F;
    pub const QUOTA_EXCEEDED: u32 = 0xC000_0044;
    pub const SHARING_VIOLATION: u32 = 0xC000_0043;
    pub const FILE_LOCK_CONFLICT: u32 = 0xC000_0054;
    pub const LOCK_NOT_GRANTED: u32 = 0xC000_0055;
    pub const DELETE_PENDING: u32 = 0xC000_0056;
    pub const LOGON_FAILURE: u32 = 0xC000_006D;
    pub const WRONG_PASSWORD: u32 = 0xC000_006A;
    pub const NO_SUCH_USER: u32 = 0xC000_0064;
    pub const ACCOUNT_RESTRICTION: u32 = 0xC000_006E;
    pub const PASSWORD_EXPIRED: u32 = 0xC000_0071;
    pub const ACCOUNT_DISABLED: u32 = 0xC000_0072;
    pub const ACCOUNT_LOCKED_OUT: u32 = 0xC000_0234;
    pub const BAD_NETWORK_NAME: u32 = 0xC000_00CC;
    pub const NETWORK_NAME_DELETED: u32 = 0xC000_00C9;
    pub const USER_SESSION_DELETED: u32 = 0xC000_0203;
    pub const NETWORK_SESSION_EXPIRED: u32 = 0xC000_035C;
    pub const IO_TIMEOUT: u32 = 0xC000_00B5;
    pub const NOT_IMPLEMENTED: u32 = 0xC000_0002;
    pub const INVALID_INFO_CLASS: u32 = 0xC000_0003;
    pub const INVALID_PARAMETER: u32 = 0xC000_000D;
    pub const INVALID_DEVICE_REQUEST: u32 = 0xC000_0010;
    pub const NOT_SUPPORTED: u32 = 0xC000_00BB;
}

/// Whether a hard-link request failed because the server or its file system has no hard links
/// (or refuses them: FAT gives EPERM, which Samba turns into ACCESS_DENIED), so a rename should
/// be tried instead. A rename that is really not allowed fails the same way and is reported.
pub(crate) fn link_refused(e: &smb::Error) -> bool {
    matches!(
        status_of(e),
        Some(
            nt::NOT_IMPLEMENTED
                | nt::INVALID_INFO_CLASS
                | nt::INVALID_PARAMETER
                | nt::INVALID_DEVICE_REQUEST
                | nt::NOT_SUPPORTED
                | nt::ACCESS_DENIED
        )
    )
}

/// The kind for an NT status, when we know it.
pub(crate) fn kind_of_status(status: u32) -> Option<ReplicaErrorKind> {
    use ReplicaErrorKind as K;
    Some(match status {
        nt::OBJECT_NAME_NOT_FOUND | nt::OBJECT_PATH_NOT_FOUND => K::NotFound,
        nt::OBJECT_NAME_COLLISION => K::AlreadyExists,
        nt::DIRECTORY_NOT_EMPTY => K::NotEmpty,
        nt::OBJECT_NAME_INVALID
        | nt::OBJECT_PATH_INVALID
        | nt::OBJECT_PATH_SYNTAX_BAD
        | nt::NAME_TOO_LONG => K::InvalidName,
        nt::ACCESS_DENIED | nt::CANNOT_DELETE | nt::MEDIA_WRITE_PROTECTED => K::AccessDenied,
        nt::DISK_FULL | nt::QUOTA_EXCEEDED => K::DiskFull,
        nt::SHARING_VIOLATION
        | nt::FILE_LOCK_CONFLICT
        | nt::LOCK_NOT_GRANTED
        | nt::DELETE_PENDING => K::Busy,
        nt::LOGON_FAILURE
        | nt::WRONG_PASSWORD
        | nt::NO_SUCH_USER
        | nt::ACCOUNT_RESTRICTION
        | nt::PASSWORD_EXPIRED
        | nt::ACCOUNT_DISABLED
        | nt::ACCOUNT_LOCKED_OUT => K::Auth,
        nt::BAD_NETWORK_NAME => K::NoSuchShare,
        nt::NETWORK_NAME_DELETED | nt::USER_SESSION_DELETED | nt::NETWORK_SESSION_EXPIRED => {
            K::Connection
        }
        nt::IO_TIMEOUT => K::Timeout,
        _ => return None,
    })
}

/// The NT status carried by an error. File reads and writes wrap the status in an I/O error's
/// text, so as a last resort the text is searched for `0xc.......`.
pub(crate) fn status_of(e: &smb::Error) -> Option<u32> {
    match e {
        smb::Error::UnexpectedMessageStatus(s) | smb::Error::ReceivedErrorMessage(s, _) => Some(*s),
        _ => status_in_text(&e.to_string()),
    }
}

fn status_in_text(text: &str) -> Option<u32> {
    let lower = text.to_ascii_lowercase();
    let mut rest = lower.as_str();
    while let Some(i) = rest.find("0x") {
        let hex: String = rest[i + 2..]
            .chars()
            .take_while(|c| c.is_ascii_hexdigit())
            .collect();
        if hex.len() == 8 {
            if let Ok(v) = u32::from_str_radix(&hex, 16) {
                if v & 0xC000_0000 == 0xC000_0000 || v & 0x8000_0000 != 0 {
                    return Some(v);
                }
            }
        }
        rest = &rest[i + 2..];
    }
    None
}

/// Kind of a non-status failure (transport, worker, time-out).
fn kind_of_failure(e: &smb::Error) -> ReplicaErrorKind {
    use ReplicaErrorKind as K;
    match e {
        smb::Error::OperationTimeout(..) => K::Timeout,
        smb::Error::TransportError(TransportError::Timeout(_)) => K::Timeout,
        smb::Error::TransportError(TransportError::IoError(io)) | smb::Error::IoError(io) => {
            kind_of_io(io)
        }
        smb::Error::TransportError(_) | smb::Error::ConnectionStopped => K::Connection,
        smb::Error::MessageProcessingError(_) | smb::Error::Cancelled(_) => K::Connection,
        smb::Error::JoinError(_) | smb::Error::AcquireError(_) => K::Connection,
        other => {
            let t = other.to_string().to_ascii_lowercase();
            if t.contains("timed out") || t.contains("timeout") {
                K::Timeout
            } else if t.contains("worker")
                || t.contains("not connected")
                || t.contains("connection")
                || t.contains("broken pipe")
            {
                K::Connection
            } else {
                K::Other
            }
        }
    }
}

pub(crate) fn kind_of_io(io: &std::io::Error) -> ReplicaErrorKind {
    use std::io::ErrorKind as E;
    match io.kind() {
        E::TimedOut => ReplicaErrorKind::Timeout,
        // Nothing answers at the address: the server is off, the port is wrong, or no route.
        E::ConnectionRefused
        | E::AddrNotAvailable
        | E::HostUnreachable
        | E::NetworkUnreachable
        | E::NetworkDown => ReplicaErrorKind::Unreachable,
        E::ConnectionReset
        | E::ConnectionAborted
        | E::NotConnected
        | E::BrokenPipe
        | E::UnexpectedEof => ReplicaErrorKind::Connection,
        _ => {
            let t = io.to_string().to_ascii_lowercase();
            if t.contains("timed out") || t.contains("timeout") {
                ReplicaErrorKind::Timeout
            } else if t.contains("worker") || t.contains("not connected") || t.contains("stopped") {
                ReplicaErrorKind::Connection
            } else {
                ReplicaErrorKind::Other
            }
        }
    }
}

/// Classifies an `smb` error.
pub(crate) fn kind_of(e: &smb::Error) -> ReplicaErrorKind {
    match status_of(e).and_then(kind_of_status) {
        Some(k) => k,
        None => kind_of_failure(e),
    }
}

/// Where an operation happened, for messages: `smb://host[:port]/share/path`.
#[derive(Clone, Debug)]
pub(crate) struct Place {
    pub host: String,
    pub port: Option<u16>,
    pub share: String,
}

impl Place {
    pub(crate) fn server(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        }
    }

    /// `smb://host/share/path` for a share-relative path in `/` syntax.
    pub(crate) fn url(&self, path: &str) -> String {
        if path.is_empty() {
            format!("smb://{}/{}", self.server(), self.share)
        } else {
            format!("smb://{}/{}/{}", self.server(), self.share, path)
        }
    }

    /// What the user can do about an error of this kind.
    fn advice(&self, kind: ReplicaErrorKind) -> String {
        use ReplicaErrorKind as K;
        match kind {
            K::Auth => "check the user name and password".into(),
            K::NoSuchShare => format!("check the share name on {}", self.host),
            K::Connection => "is the server on? check host and port; reconnecting may help".into(),
            K::Timeout => "the server did not answer in time; is it overloaded or hung?".into(),
            K::NotFound => "it may have been moved or deleted on the server".into(),
            K::AlreadyExists => "something with that name already exists".into(),
            K::NotEmpty => "the folder still contains files".into(),
            K::InvalidName => "the server does not accept this name; rename it".into(),
            K::AccessDenied => "check the user's permissions on the share".into(),
            K::DiskFull => "free space or raise the quota on the server".into(),
            K::Busy => "the file is in use on the server; will retry later".into(),
            K::Other => "see the log for details".into(),
            K::HostNotFound => format!("check the server name {}", self.host),
            K::Unreachable => "is the server on? check host and port".into(),
            K::EncryptionRequired => {
                "turn on SMB encryption on the server, or set the job's encryption to auto".into()
            }
        }
    }

    /// Builds the error for `what` (e.g. "open for reading") on `path`.
    pub(crate) fn error(&self, what: &str, path: &str, e: &smb::Error) -> ReplicaError {
        let kind = kind_of(e);
        self.make(kind, what, path, &e.to_string())
    }

    pub(crate) fn make(
        &self,
        kind: ReplicaErrorKind,
        what: &str,
        path: &str,
        detail: &str,
    ) -> ReplicaError {
        let msg = format!(
            "{}: {what} failed: {detail}; {}",
            self.url(path),
            self.advice(kind)
        );
        ReplicaError::new(kind, msg).at(self.at(path))
    }

    /// This place with a share-relative `path`, for an error's sentence.
    pub(crate) fn at(&self, path: &str) -> crate::replica::ErrorPlace {
        crate::replica::ErrorPlace {
            host: self.host.clone(),
            port: self.port,
            share: self.share.clone(),
            path: path.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_status_in_io_text() {
        assert_eq!(
            status_in_text("Server returned an error message with status: 0xc000007f."),
            Some(nt::DISK_FULL)
        );
        assert_eq!(
            status_in_text("Unexpected message status: Access Denied (0xc0000022)."),
            Some(nt::ACCESS_DENIED)
        );
        assert_eq!(status_in_text("read 0x10 bytes"), None);
    }

    #[test]
    fn maps_statuses() {
        assert_eq!(
            kind_of_status(nt::LOGON_FAILURE),
            Some(ReplicaErrorKind::Auth)
        );
        assert_eq!(
            kind_of_status(nt::BAD_NETWORK_NAME),
            Some(ReplicaErrorKind::NoSuchShare)
        );
        assert_eq!(
            kind_of_status(nt::OBJECT_PATH_NOT_FOUND),
            Some(ReplicaErrorKind::NotFound)
        );
        assert_eq!(
            kind_of_status(nt::DIRECTORY_NOT_EMPTY),
            Some(ReplicaErrorKind::NotEmpty)
        );
        let e = smb::Error::MessageProcessingError("Failed to send message to worker!".into());
        assert_eq!(kind_of(&e), ReplicaErrorKind::Connection);
    }
}
