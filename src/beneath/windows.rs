//! The Windows implementation: path based, with every component checked first (see the
//! module docs).

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
