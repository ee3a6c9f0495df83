//! Local file-system metadata in the engine's units (nanoseconds since the Unix epoch), shared
//! by the local scanner and the plain-directory remote.

use std::fs::Metadata;
use std::time::{SystemTime, UNIX_EPOCH};

pub fn system_time_ns(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos().min(i64::MAX as u128) as i64,
        Err(e) => -(e.duration().as_nanos().min(i64::MAX as u128) as i64),
    }
}

pub fn mtime_ns(m: &Metadata) -> i64 {
    m.modified().map(system_time_ns).unwrap_or(0)
}

/// Inode change time where the OS has one (it moves on any metadata change, rename included).
#[cfg(unix)]
pub fn ctime_ns(m: &Metadata) -> Option<i64> {
    use std::os::unix::fs::MetadataExt;
    Some(m.ctime() * 1_000_000_000 + m.ctime_nsec())
}

#[cfg(not(unix))]
pub fn ctime_ns(_m: &Metadata) -> Option<i64> {
    None
}

#[cfg(unix)]
pub fn file_id(m: &Metadata) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    Some(unix_file_id(m.dev(), m.ino()))
}

/// One number for (device, inode): the inode alone repeats across file systems mounted inside
/// a job folder. The device goes into the high bits, where inode numbers rarely reach; a clash
/// would still need the same size and modification time to be taken for a move.
pub fn unix_file_id(dev: u64, ino: u64) -> u64 {
    ino ^ dev.rotate_right(20)
}

#[cfg(not(unix))]
pub fn file_id(_m: &Metadata) -> Option<u64> {
    None
}

pub fn filetime_from_ns(ns: i64) -> filetime::FileTime {
    filetime::FileTime::from_unix_time(
        ns.div_euclid(1_000_000_000),
        ns.rem_euclid(1_000_000_000) as u32,
    )
}
