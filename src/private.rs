//! Files and folders only their owner may read: the data folder (0700) and what it holds that
//! says who syncs what (the state database and its WAL, the logs, the credential file: 0600).
//! Those hold user@host, paths and history; other accounts on the machine have no business
//! reading them. On Windows the data folder lies in the user's profile, which is private
//! already; these calls do nothing there.

use std::io;
use std::path::Path;

/// Creates `dir` (and its parents) if missing and makes it 0700.
pub fn dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    set_mode(dir, 0o700)
}

/// Makes an existing file 0600, or creates it empty with 0600 (so a program that opens it
/// later, such as SQLite, keeps that mode). A missing file is created only with `create`.
pub fn file(path: &Path, create: bool) -> io::Result<()> {
    if create {
        let mut o = std::fs::OpenOptions::new();
        o.append(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        o.open(path)?;
    }
    match set_mode(path, 0o600) {
        Err(e) if e.kind() == io::ErrorKind::NotFound && !create => Ok(()),
        r => r,
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> io::Result<()> {
    Ok(())
}
