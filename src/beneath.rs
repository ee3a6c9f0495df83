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
mod imp {
    use super::*;
    use rustix::fs::{AtFlags, Mode, OFlags, RenameFlags};
    use rustix::io::Errno;
    use std::os::fd::OwnedFd;
    use std::os::unix::ffi::OsStrExt;

    fn dir_flags() -> OFlags {
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC
    }

    // The casts are no-ops on Linux x86-64 and not elsewhere (macOS's `stat` field types differ).
    #[allow(clippy::unnecessary_cast)]
    fn meta_of(st: &rustix::fs::Stat) -> Meta {
        let ft = rustix::fs::FileType::from_raw_mode(st.st_mode as _);
        let kind = match ft {
            rustix::fs::FileType::RegularFile => FileKind::File,
            rustix::fs::FileType::Directory => FileKind::Dir,
            rustix::fs::FileType::Symlink => FileKind::Symlink,
            _ => FileKind::Special,
        };
        Meta {
            kind,
            size: if kind == FileKind::File {
                st.st_size as u64
            } else {
                0
            },
            mtime_ns: (st.st_mtime as i64)
                .saturating_mul(1_000_000_000)
                .saturating_add(st.st_mtime_nsec as i64),
            ctime_ns: Some(
                (st.st_ctime as i64)
                    .saturating_mul(1_000_000_000)
                    .saturating_add(st.st_ctime_nsec as i64),
            ),
            file_id: Some(st.st_ino as u64),
        }
    }

    /// An open folder below the root.
    pub struct DirFd {
        fd: OwnedFd,
        /// Its path, for messages.
        shown: PathBuf,
    }

    impl DirFd {
        /// The entries (`.` and `..` left out), each with its metadata, links not followed.
        /// An entry that vanished between the listing and its stat is left out.
        pub fn entries(&self) -> io::Result<Vec<(OsString, Meta)>> {
            let dup = rustix::io::dup(&self.fd)?;
            let mut dir = rustix::fs::Dir::read_from(&dup)?;
            let mut out = Vec::new();
            while let Some(e) = dir.read() {
                let e = e?;
                let name = e.file_name().to_bytes();
                if name == b"." || name == b".." {
                    continue;
                }
                match rustix::fs::statat(&self.fd, e.file_name(), AtFlags::SYMLINK_NOFOLLOW) {
                    Ok(st) => out.push((
                        std::ffi::OsStr::from_bytes(name).to_os_string(),
                        meta_of(&st),
                    )),
                    Err(Errno::NOENT) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Ok(out)
        }

        /// The subfolder `name`, refused when it is a link or not a folder.
        pub fn child(&self, name: &std::ffi::OsStr) -> io::Result<DirFd> {
            let shown = self.shown.join(name);
            match rustix::fs::openat(&self.fd, name, dir_flags(), Mode::empty()) {
                Ok(fd) => Ok(DirFd { fd, shown }),
                Err(Errno::LOOP) | Err(Errno::NOTDIR) => {
                    Err(link_in_the_way(&shown.display().to_string()))
                }
                Err(e) => Err(e.into()),
            }
        }
    }

    impl Beneath {
        fn open_root(&self) -> io::Result<DirFd> {
            let fd = rustix::fs::open(
                &self.root,
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
            )?;
            Ok(DirFd {
                fd,
                shown: self.root.clone(),
            })
        }

        /// Opens the folder `rel` (the root for the empty path), no link followed on the way.
        pub fn open_dir(&self, rel: &RelPath) -> io::Result<DirFd> {
            let mut d = self.open_root()?;
            for c in rel.components() {
                d = d.child(std::ffi::OsStr::new(c))?;
            }
            Ok(d)
        }

        /// The folder holding `rel` and `rel`'s last component.
        fn parent_of<'a>(&self, rel: &'a RelPath) -> io::Result<(DirFd, &'a str)> {
            let parent = rel.parent().ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "the job folder itself cannot be opened as a file",
                )
            })?;
            Ok((self.open_dir(&parent)?, rel.name()))
        }

        /// Metadata of `rel` itself (a link is reported as a link); `None` when missing,
        /// including when a folder on the way is missing.
        pub fn metadata(&self, rel: &RelPath) -> io::Result<Option<Meta>> {
            if rel.is_root() {
                let st = rustix::fs::fstat(self.open_root()?.fd)?;
                return Ok(Some(meta_of(&st)));
            }
            let (dir, name) = match self.parent_of(rel) {
                Ok(x) => x,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e),
            };
            match rustix::fs::statat(&dir.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
                Ok(st) => Ok(Some(meta_of(&st))),
                Err(Errno::NOENT) => Ok(None),
                Err(e) => Err(e.into()),
            }
        }

        fn open_file(&self, rel: &RelPath, flags: OFlags) -> io::Result<File> {
            let (dir, name) = self.parent_of(rel)?;
            let shown = self.shown(rel);
            // NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
            let fd = match rustix::fs::openat(
                &dir.fd,
                name,
                flags | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK,
                Mode::from_raw_mode(0o666),
            ) {
                Ok(fd) => fd,
                Err(Errno::LOOP) => return Err(not_regular(&shown, FileKind::Symlink)),
                Err(Errno::ISDIR) => return Err(not_regular(&shown, FileKind::Dir)),
                Err(e) => return Err(e.into()),
            };
            let kind = meta_of(&rustix::fs::fstat(&fd)?).kind;
            if kind != FileKind::File {
                return Err(not_regular(&shown, kind));
            }
            // Back to blocking I/O for the regular file.
            rustix::fs::fcntl_setfl(&fd, rustix::fs::fcntl_getfl(&fd)? - OFlags::NONBLOCK)?;
            Ok(File::from(fd))
        }

        /// Opens a regular file for reading.
        pub fn open_read(&self, rel: &RelPath) -> io::Result<File> {
            self.open_file(rel, OFlags::RDONLY)
        }

        /// Opens a regular file for reading and writing, creating it when missing.
        pub fn open_write(&self, rel: &RelPath, truncate: bool) -> io::Result<File> {
            let mut flags = OFlags::RDWR | OFlags::CREATE;
            if truncate {
                flags |= OFlags::TRUNC;
            }
            self.open_file(rel, flags)
        }

        /// Creates the folder `rel`; Ok when a folder is already there, `AlreadyExists` when
        /// something else (a file, a link) is.
        pub fn create_dir(&self, rel: &RelPath) -> io::Result<()> {
            let (dir, name) = self.parent_of(rel)?;
            match rustix::fs::mkdirat(&dir.fd, name, Mode::from_raw_mode(0o777)) {
                Ok(()) => Ok(()),
                Err(Errno::EXIST) => {
                    let st = rustix::fs::statat(&dir.fd, name, AtFlags::SYMLINK_NOFOLLOW)?;
                    if meta_of(&st).kind == FileKind::Dir {
                        Ok(())
                    } else {
                        Err(io::Error::new(
                            io::ErrorKind::AlreadyExists,
                            format!(
                                "{} exists and is not a folder (a file or a symbolic link)",
                                self.shown(rel)
                            ),
                        ))
                    }
                }
                Err(e) => Err(e.into()),
            }
        }

        pub fn remove_file(&self, rel: &RelPath) -> io::Result<()> {
            let (dir, name) = self.parent_of(rel)?;
            Ok(rustix::fs::unlinkat(&dir.fd, name, AtFlags::empty())?)
        }

        pub fn remove_dir(&self, rel: &RelPath) -> io::Result<()> {
            let (dir, name) = self.parent_of(rel)?;
            Ok(rustix::fs::unlinkat(&dir.fd, name, AtFlags::REMOVEDIR)?)
        }

        /// Renames `from` to `to`. Without `replace`, an existing `to` is `AlreadyExists` and is
        /// never replaced, atomically: a hard link (files) or `RENAME_NOREPLACE` (folders).
        pub fn rename(&self, from: &RelPath, to: &RelPath, replace: bool) -> io::Result<()> {
            let (a, an) = self.parent_of(from)?;
            let (b, bn) = self.parent_of(to)?;
            if replace {
                return Ok(rustix::fs::renameat(&a.fd, an, &b.fd, bn)?);
            }
            let exists = || {
                io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} already exists", self.shown(to)),
                )
            };
            let is_file = rustix::fs::statat(&a.fd, an, AtFlags::SYMLINK_NOFOLLOW)
                .map(|st| meta_of(&st).kind == FileKind::File)
                .unwrap_or(false);
            if is_file {
                match rustix::fs::linkat(&a.fd, an, &b.fd, bn, AtFlags::empty()) {
                    Ok(()) => return Ok(rustix::fs::unlinkat(&a.fd, an, AtFlags::empty())?),
                    Err(Errno::EXIST) => return Err(exists()),
                    Err(Errno::NOENT) => return Err(Errno::NOENT.into()),
                    Err(_) => {} // no hard links on this file system (FAT, exFAT): below
                }
            }
            #[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
            match rustix::fs::renameat_with(&a.fd, an, &b.fd, bn, RenameFlags::NOREPLACE) {
                Ok(()) => return Ok(()),
                Err(Errno::EXIST) => return Err(exists()),
                Err(Errno::NOENT) => return Err(Errno::NOENT.into()),
                Err(_) => {} // not supported by this file system: check, then rename
            }
            #[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
            let _ = RenameFlags::empty();
            if rustix::fs::statat(&b.fd, bn, AtFlags::SYMLINK_NOFOLLOW).is_ok() {
                return Err(exists());
            }
            Ok(rustix::fs::renameat(&a.fd, an, &b.fd, bn)?)
        }
    }
}

#[cfg(windows)]
mod imp {
    //! Path based, with every component checked first (see the module docs).
    use super::*;
    use std::fs;

    fn meta(p: &Path) -> io::Result<Meta> {
        let m = fs::symlink_metadata(p)?;
        let mut meta = Meta::of(&m);
        use std::os::windows::fs::MetadataExt;
        // FILE_ATTRIBUTE_REPARSE_POINT: junctions and other reparse points count as links.
        if m.file_attributes() & 0x400 != 0 {
            meta.kind = FileKind::Symlink;
        }
        Ok(meta)
    }

    pub struct DirFd {
        path: PathBuf,
    }

    impl DirFd {
        pub fn entries(&self) -> io::Result<Vec<(OsString, Meta)>> {
            let mut out = Vec::new();
            for item in fs::read_dir(&self.path)? {
                let item = item?;
                match meta(&item.path()) {
                    Ok(m) => out.push((item.file_name(), m)),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(out)
        }

        pub fn child(&self, name: &std::ffi::OsStr) -> io::Result<DirFd> {
            let path = self.path.join(name);
            match meta(&path)?.kind {
                FileKind::Dir => Ok(DirFd { path }),
                _ => Err(link_in_the_way(&path.display().to_string())),
            }
        }
    }

    impl Beneath {
        pub fn open_dir(&self, rel: &RelPath) -> io::Result<DirFd> {
            let mut d = DirFd {
                path: self.root.clone(),
            };
            if !fs::metadata(&d.path)?.is_dir() {
                return Err(link_in_the_way(&d.path.display().to_string()));
            }
            for c in rel.components() {
                d = d.child(std::ffi::OsStr::new(c))?;
            }
            Ok(d)
        }

        /// The checked path of `rel` (its parent folders are real folders).
        fn checked(&self, rel: &RelPath) -> io::Result<PathBuf> {
            let parent = rel.parent().unwrap_or_else(RelPath::root);
            Ok(self.open_dir(&parent)?.path.join(rel.name()))
        }

        pub fn metadata(&self, rel: &RelPath) -> io::Result<Option<Meta>> {
            let p = match self.checked(rel) {
                Ok(p) => p,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e),
            };
            match meta(&p) {
                Ok(m) => Ok(Some(m)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            }
        }

        fn open_file(&self, rel: &RelPath, opts: &fs::OpenOptions) -> io::Result<File> {
            use std::os::windows::fs::OpenOptionsExt;
            let p = self.checked(rel)?;
            let shown = self.shown(rel);
            if let Ok(m) = meta(&p) {
                if m.kind != FileKind::File {
                    return Err(not_regular(&shown, m.kind));
                }
            }
            let mut opts = opts.clone();
            // FILE_FLAG_OPEN_REPARSE_POINT: open a link itself, never its target.
            opts.custom_flags(0x0020_0000);
            let f = opts.open(&p)?;
            let m = Meta::of(&f.metadata()?);
            if m.kind != FileKind::File {
                return Err(not_regular(&shown, m.kind));
            }
            Ok(f)
        }

        pub fn open_read(&self, rel: &RelPath) -> io::Result<File> {
            self.open_file(rel, fs::OpenOptions::new().read(true))
        }

        pub fn open_write(&self, rel: &RelPath, truncate: bool) -> io::Result<File> {
            self.open_file(
                rel,
                fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(truncate),
            )
        }

        pub fn create_dir(&self, rel: &RelPath) -> io::Result<()> {
            let p = self.checked(rel)?;
            match fs::create_dir(&p) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    if meta(&p)?.kind == FileKind::Dir {
                        Ok(())
                    } else {
                        Err(io::Error::new(
                            io::ErrorKind::AlreadyExists,
                            format!("{} exists and is not a folder", p.display()),
                        ))
                    }
                }
                Err(e) => Err(e),
            }
        }

        pub fn remove_file(&self, rel: &RelPath) -> io::Result<()> {
            fs::remove_file(self.checked(rel)?)
        }

        pub fn remove_dir(&self, rel: &RelPath) -> io::Result<()> {
            fs::remove_dir(self.checked(rel)?)
        }

        pub fn rename(&self, from: &RelPath, to: &RelPath, replace: bool) -> io::Result<()> {
            let (a, b) = (self.checked(from)?, self.checked(to)?);
            if !replace {
                if meta(&b).is_ok() {
                    return Err(io::Error::new(
                        io::ErrorKind::AlreadyExists,
                        format!("{} already exists", b.display()),
                    ));
                }
                if meta(&a)?.kind == FileKind::File {
                    match fs::hard_link(&a, &b) {
                        Ok(()) => return fs::remove_file(&a),
                        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(e),
                        Err(_) => {}
                    }
                }
            }
            fs::rename(&a, &b)
        }
    }
}

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
