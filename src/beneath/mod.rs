//! File-system operations below a folder that never follow a symbolic link: the only way the
//! engine touches a job's local folder and a `file://` remote.
//!
//! Why: a symlink inside a job folder (`link -> ~/elsewhere`, or a `.anemone-trash` that points
//! somewhere else) must never make a download land, an upload read, a folder appear or a
//! delete happen outside the job's folders. Checking a path with `symlink_metadata` first and
//! then opening it by path leaves a window in which a component can be swapped for a link, so
//! on Unix every operation walks from the root one component at a time with `openat(...,
//! O_NOFOLLOW | O_DIRECTORY)` and acts on the last component relative to its parent's
//! descriptor (`openat`, `mkdirat`, `unlinkat`, `renameat`, `linkat`, `fstatat` with
//! `AT_SYMLINK_NOFOLLOW`). A link anywhere on the way is an error naming it.
//!
//! The root itself is opened normally: it is the folder the user chose (which may well be
//! reached through a link, such as `~/Sync -> /data/sync`).
//!
//! Files are opened with `O_NONBLOCK` and must turn out to be regular files, so a FIFO, socket
//! or device is never read from (opening a FIFO for reading blocks until a writer comes).
//!
//! On Windows the same checks are made component by component with `symlink_metadata` before
//! each operation (reparse points count as links): there is a small window between check and
//! use, see the README's known limits.

use std::ffi::OsString;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use crate::relpath::RelPath;

/// What a directory entry is, without following it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    File,
    Dir,
    Symlink,
    /// FIFO, socket, device.
    Special,
}

impl FileKind {
    /// Why an entry of this kind is not synced (`None` for files and folders).
    pub fn not_synced_because(self) -> Option<&'static str> {
        match self {
            FileKind::Symlink => Some("not synced: symbolic link"),
            FileKind::Special => Some("not synced: special file (FIFO, socket or device)"),
            FileKind::File | FileKind::Dir => None,
        }
    }
}

/// Metadata of an entry, not followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meta {
    pub kind: FileKind,
    pub size: u64,
    pub mtime_ns: i64,
    pub ctime_ns: Option<i64>,
    pub file_id: Option<u64>,
}

impl Meta {
    pub fn of(m: &std::fs::Metadata) -> Meta {
        let ft = m.file_type();
        let kind = if ft.is_symlink() {
            FileKind::Symlink
        } else if ft.is_dir() {
            FileKind::Dir
        } else if ft.is_file() {
            FileKind::File
        } else {
            FileKind::Special
        };
        Meta {
            kind,
            size: if kind == FileKind::File { m.len() } else { 0 },
            mtime_ns: crate::fsmeta::mtime_ns(m),
            ctime_ns: crate::fsmeta::ctime_ns(m),
            file_id: crate::fsmeta::file_id(m),
        }
    }
}

/// The error for a link (or a non-folder) where a folder of the path was expected.
fn link_in_the_way(shown: &str) -> io::Error {
    io::Error::other(format!(
        "{shown} is a symbolic link or not a folder; AnemoneSync does not follow symbolic links"
    ))
}

fn not_regular(shown: &str, kind: FileKind) -> io::Error {
    let what = match kind {
        FileKind::Symlink => "a symbolic link",
        FileKind::Dir => "a folder",
        _ => "a special file (FIFO, socket or device)",
    };
    io::Error::other(format!(
        "{shown} is {what}, not a regular file; it is not synced"
    ))
}

/// A folder, and every operation below it without following links.
#[derive(Clone, Debug)]
pub struct Beneath {
    root: PathBuf,
}

impl Beneath {
    pub fn new(root: impl Into<PathBuf>) -> Beneath {
        Beneath { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where `rel` is, for messages (never used to open anything).
    pub fn shown(&self, rel: &RelPath) -> String {
        rel.to_local(&self.root).display().to_string()
    }

    /// Reads a whole file into a hasher: blake3 of its content, not following links.
    pub fn hash_file(&self, rel: &RelPath) -> io::Result<crate::tree::Hash> {
        use std::io::Read;
        let mut f = self.open_read(rel)?;
        let mut h = blake3::Hasher::new();
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        Ok(*h.finalize().as_bytes())
    }
}

#[cfg(unix)]
mod unix;
#[cfg(unix)]
use unix as imp;
#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows as imp;

pub use imp::DirFd;

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn p(s: &str) -> RelPath {
        RelPath::new(s).unwrap()
    }

    /// A job folder with a link to a folder outside it and a sentinel file there.
    fn setup() -> (tempfile::TempDir, Beneath, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("job");
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(root.join("real")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("secret"), "secret").unwrap();
        symlink(&outside, root.join("link")).unwrap();
        symlink(outside.join("secret"), root.join("file-link")).unwrap();
        (tmp, Beneath::new(&root), outside)
    }

    #[test]
    fn no_operation_goes_through_a_link() {
        let (_tmp, b, outside) = setup();
        assert!(b.open_read(&p("link/secret")).is_err());
        assert!(b.open_read(&p("file-link")).is_err());
        assert!(b.hash_file(&p("file-link")).is_err());
        assert!(b.open_write(&p("link/new"), true).is_err());
        assert!(b.open_write(&p("file-link"), true).is_err());
        assert!(b.create_dir(&p("link/dir")).is_err());
        assert!(b.create_dir(&p("link")).is_err(), "a link is not a folder");
        assert!(b.remove_file(&p("link/secret")).is_err());
        assert!(b.rename(&p("link/secret"), &p("real/x"), false).is_err());
        assert!(b.rename(&p("real"), &p("link/real"), false).is_err());
        assert!(b.open_dir(&p("link")).is_err());
        assert_eq!(
            b.metadata(&p("link")).unwrap().unwrap().kind,
            FileKind::Symlink
        );
        assert!(b.metadata(&p("link/secret")).is_err());
        // Nothing outside changed.
        let names: Vec<_> = std::fs::read_dir(&outside)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![OsString::from("secret")]);
        assert_eq!(
            std::fs::read_to_string(outside.join("secret")).unwrap(),
            "secret"
        );
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let (_tmp, b, _outside) = setup();
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            b.root().join("pipe"),
            rustix::fs::Mode::from_raw_mode(0o644),
        )
        .unwrap();
        let e = b.open_read(&p("pipe")).unwrap_err();
        assert!(e.to_string().contains("special file"), "{e}");
        assert!(b.open_write(&p("pipe"), false).is_err());
        let kinds: Vec<_> = b
            .open_dir(&RelPath::root())
            .unwrap()
            .entries()
            .unwrap()
            .into_iter()
            .map(|(n, m)| (n.to_string_lossy().into_owned(), m.kind))
            .collect();
        assert!(kinds.contains(&("pipe".into(), FileKind::Special)));
        assert!(kinds.contains(&("link".into(), FileKind::Symlink)));
        assert!(kinds.contains(&("real".into(), FileKind::Dir)));
    }

    #[test]
    fn ordinary_operations_work() {
        let (_tmp, b, _outside) = setup();
        b.create_dir(&p("real/sub")).unwrap();
        b.create_dir(&p("real/sub")).unwrap();
        {
            use std::io::Write;
            let mut f = b.open_write(&p("real/sub/a.txt"), true).unwrap();
            f.write_all(b"hello").unwrap();
        }
        assert_eq!(
            b.hash_file(&p("real/sub/a.txt")).unwrap(),
            *blake3::hash(b"hello").as_bytes()
        );
        std::fs::write(b.root().join("real/b.txt"), "b").unwrap();
        let e = b
            .rename(&p("real/sub/a.txt"), &p("real/b.txt"), false)
            .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        b.rename(&p("real/sub/a.txt"), &p("real/c.txt"), false)
            .unwrap();
        assert_eq!(b.metadata(&p("real/c.txt")).unwrap().unwrap().size, 5);
        b.rename(&p("real/sub"), &p("real/sub2"), false).unwrap();
        b.remove_dir(&p("real/sub2")).unwrap();
        b.remove_file(&p("real/c.txt")).unwrap();
        assert_eq!(b.metadata(&p("real/c.txt")).unwrap(), None);
        assert_eq!(b.metadata(&p("missing/x")).unwrap(), None);
    }
}
