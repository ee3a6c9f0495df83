//! The Unix implementation: every operation walks from the job root one component at a time
//! with `openat(O_NOFOLLOW)` and acts relative to the parent folder's descriptor.

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
        file_id: Some(crate::fsmeta::unix_file_id(
            st.st_dev as u64,
            st.st_ino as u64,
        )),
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
