//! Remote URLs of a job.
//!
//! Accepted forms:
//! - `smb://[DOMAIN;]USER@HOST[:PORT]/SHARE[/PATH]`
//! - UNC `\\HOST\SHARE[\PATH]` (or with `/`); no user means a guest login
//! - `file:///abs/path`: a plain directory, such as a share the OS already mounted
//!
//! A password in the URL (`user:pass@`) is refused: passwords go through `--password-stdin`
//! into the credential store, never into the job table or logs.

use std::fmt;
use std::path::PathBuf;

use crate::relpath::RelPath;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmbUrl {
    pub domain: Option<String>,
    /// Empty for a guest login.
    pub user: String,
    pub host: String,
    pub port: Option<u16>,
    pub share: String,
    /// Folder inside the share that the job syncs (root of the remote side).
    pub path: RelPath,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RemoteUrl {
    Smb(SmbUrl),
    Dir(PathBuf),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid remote URL {url:?}: {reason}. Expected smb://[DOMAIN;]USER@HOST[:PORT]/SHARE[/PATH], \\\\HOST\\SHARE\\PATH or file:///absolute/path")]
pub struct UrlError {
    pub url: String,
    pub reason: String,
}

fn err(url: &str, reason: &str) -> UrlError {
    UrlError {
        url: redact(url),
        reason: reason.to_string(),
    }
}

/// Hides anything that looks like a password (`user:secret@`) before a URL goes into a message.
fn redact(url: &str) -> String {
    if let Some(rest) = url.strip_prefix("smb://") {
        if let Some(at) = rest.find('@') {
            let userinfo = &rest[..at];
            if let Some(colon) = userinfo.find(':') {
                return format!("smb://{}:***{}", &userinfo[..colon], &rest[at..]);
            }
        }
    }
    url.to_string()
}

impl RemoteUrl {
    pub fn parse(s: &str) -> Result<RemoteUrl, UrlError> {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix("file://") {
            if !rest.starts_with('/') {
                return Err(err(s, "a file URL needs an absolute path (file:///path)"));
            }
            return Ok(RemoteUrl::Dir(PathBuf::from(percent_decode(rest))));
        }
        if let Some(rest) = s.strip_prefix("smb://") {
            return parse_smb(s, rest).map(RemoteUrl::Smb);
        }
        if s.starts_with("\\\\") || s.starts_with("//") {
            return parse_unc(s).map(RemoteUrl::Smb);
        }
        Err(err(s, "unknown scheme"))
    }

    /// The same URL in canonical form (what is stored in the job table).
    pub fn canonical(&self) -> String {
        self.to_string()
    }

    /// Whether two URLs name the same folder (the login may differ: another user or domain
    /// on the same server, share and path is still the same place). Host and share compare
    /// without case, as SMB does.
    pub fn same_place(&self, other: &RemoteUrl) -> bool {
        match (self, other) {
            (RemoteUrl::Smb(a), RemoteUrl::Smb(b)) => {
                a.host.eq_ignore_ascii_case(&b.host)
                    && a.port.unwrap_or(445) == b.port.unwrap_or(445)
                    && a.share.eq_ignore_ascii_case(&b.share)
                    && a.path == b.path
            }
            (RemoteUrl::Dir(a), RemoteUrl::Dir(b)) => a == b,
            _ => false,
        }
    }
}

fn parse_smb(full: &str, rest: &str) -> Result<SmbUrl, UrlError> {
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    let (domain, user) = match userinfo {
        None => (None, String::new()),
        Some(ui) => {
            if ui.contains(':') {
                return Err(err(
                    full,
                    "do not put the password in the URL; use --password-stdin",
                ));
            }
            let ui = percent_decode(ui);
            match ui.split_once(';') {
                Some((d, u)) => (Some(d.to_string()), u.to_string()),
                None => (None, ui),
            }
        }
    };
    let (host, port) = split_host_port(full, hostport)?;
    let mut parts = path.splitn(2, '/');
    let share = percent_decode(parts.next().unwrap_or(""));
    if share.is_empty() {
        return Err(err(full, "the share name is missing"));
    }
    let sub = percent_decode(parts.next().unwrap_or(""));
    let path = RelPath::new(&sub).map_err(|_| err(full, "the folder path is not valid"))?;
    Ok(SmbUrl {
        domain,
        user,
        host,
        port,
        share,
        path,
    })
}

fn split_host_port(full: &str, hostport: &str) -> Result<(String, Option<u16>), UrlError> {
    if hostport.is_empty() {
        return Err(err(full, "the host is missing"));
    }
    // [v6]:port
    if let Some(rest) = hostport.strip_prefix('[') {
        let end = rest
            .find(']')
            .ok_or_else(|| err(full, "unclosed '[' in host"))?;
        let host = rest[..end].to_string();
        let after = &rest[end + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => Some(
                p.parse()
                    .map_err(|_| err(full, "the port is not a number"))?,
            ),
            None if after.is_empty() => None,
            None => return Err(err(full, "unexpected text after the host")),
        };
        return Ok((host, port));
    }
    match hostport.rsplit_once(':') {
        Some((h, p)) => {
            let port: u16 = p
                .parse()
                .map_err(|_| err(full, "the port is not a number between 1 and 65535"))?;
            if port == 0 || h.is_empty() {
                return Err(err(full, "the port must be between 1 and 65535"));
            }
            Ok((h.to_string(), Some(port)))
        }
        None => Ok((hostport.to_string(), None)),
    }
}

fn parse_unc(full: &str) -> Result<SmbUrl, UrlError> {
    let norm = full.replace('\\', "/");
    let rest = norm.trim_start_matches('/');
    let mut parts = rest.splitn(3, '/');
    let hostport = parts.next().unwrap_or("");
    let (host, port) = split_host_port(full, hostport)?;
    let share = parts.next().unwrap_or("").to_string();
    if share.is_empty() {
        return Err(err(full, "the share name is missing"));
    }
    let path = RelPath::new(parts.next().unwrap_or(""))
        .map_err(|_| err(full, "the folder path is not valid"))?;
    Ok(SmbUrl {
        domain: None,
        user: String::new(),
        host,
        port,
        share,
        path,
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

impl fmt::Display for SmbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("smb://")?;
        if let Some(d) = &self.domain {
            write!(f, "{d};")?;
        }
        if !self.user.is_empty() {
            write!(f, "{}@", self.user)?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(&self.host)?;
        }
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write!(f, "/{}", self.share)?;
        if !self.path.is_root() {
            write!(f, "/{}", self.path.as_str())?;
        }
        Ok(())
    }
}

impl fmt::Display for RemoteUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteUrl::Smb(u) => u.fmt(f),
            RemoteUrl::Dir(p) => write!(f, "file://{}", p.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smb(s: &str) -> SmbUrl {
        match RemoteUrl::parse(s).unwrap() {
            RemoteUrl::Smb(u) => u,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn full_smb_url() {
        let u = smb("smb://CORP;alice@nas.local:4455/home/Pictures/2024");
        assert_eq!(u.domain.as_deref(), Some("CORP"));
        assert_eq!(u.user, "alice");
        assert_eq!(u.host, "nas.local");
        assert_eq!(u.port, Some(4455));
        assert_eq!(u.share, "home");
        assert_eq!(u.path.as_str(), "Pictures/2024");
        assert_eq!(
            u.to_string(),
            "smb://CORP;alice@nas.local:4455/home/Pictures/2024"
        );
    }

    #[test]
    fn share_only_and_unc() {
        let u = smb("smb://bob@10.0.0.2/data");
        assert!(u.path.is_root());
        let u = smb(r"\\nas\media\Films\2020");
        assert_eq!((u.host.as_str(), u.share.as_str()), ("nas", "media"));
        assert_eq!(u.path.as_str(), "Films/2020");
        assert_eq!(u.user, "");
    }

    #[test]
    fn file_url() {
        assert_eq!(
            RemoteUrl::parse("file:///mnt/nas/x").unwrap(),
            RemoteUrl::Dir(PathBuf::from("/mnt/nas/x"))
        );
        assert!(RemoteUrl::parse("file://relative").is_err());
    }

    #[test]
    fn refuses_password_and_keeps_it_out_of_the_message() {
        let e = RemoteUrl::parse("smb://alice:hunter2@nas/share").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!(e.to_string().contains("--password-stdin"));
    }

    #[test]
    fn rejects_garbage() {
        assert!(RemoteUrl::parse("http://x/y").is_err());
        assert!(RemoteUrl::parse("smb://alice@nas").is_err());
        assert!(RemoteUrl::parse("smb://alice@nas:99999/s").is_err());
        assert!(RemoteUrl::parse("smb://alice@/s").is_err());
    }

    #[test]
    fn same_place_ignores_the_login_not_the_folder() {
        let p = |s: &str| RemoteUrl::parse(s).unwrap();
        let a = p("smb://alice@NAS.local/Home/Docs");
        assert!(a.same_place(&p("smb://WORK;bob@nas.local:445/home/Docs")));
        assert!(!a.same_place(&p("smb://alice@nas.local/home/Docs/sub")));
        assert!(!a.same_place(&p("smb://alice@nas.local:1445/home/Docs")));
        assert!(!a.same_place(&p("smb://alice@other/home/Docs")));
        assert!(!a.same_place(&p("file:///home/Docs")));
    }
}
