//! The three trees the reconciler compares: what is on disk now, what is on the remote now, and
//! what both sides looked like when a path was last synced (the base, from the state database),
//! and the words for their entries (kind, side, which way a file travels), which every layer above
//! shares.

use std::collections::BTreeMap;
use std::fmt;

use crate::relpath::RelPath;

/// A file or a folder (links and special files are never entries).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    File,
    Dir,
}

/// Metadata of one remote entry as the server reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub path: RelPath,
    pub kind: EntryKind,
    /// Bytes; 0 for folders.
    pub size: u64,
    /// Last-write time, nanoseconds since the Unix epoch (SMB has 100 ns resolution).
    pub mtime_ns: i64,
    /// Change time (metadata change), when the server gives one.
    pub ctime_ns: Option<i64>,
    /// Server file id, when the server gives one.
    pub file_id: Option<u64>,
}

impl fmt::Display for EntryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EntryKind::File => "file",
            EntryKind::Dir => "folder",
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Local,
    Remote,
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Local => Side::Remote,
            Side::Remote => Side::Local,
        }
    }
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Side::Local => "local side",
            Side::Remote => "remote",
        })
    }
}

pub type Hash = [u8; 32];

/// Which way a file travels: up to the remote, or down to the local folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }
}

/// A local file or folder as scanned. `hash` is set for files (blake3 of the content).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalEntry {
    pub path: RelPath,
    pub kind: EntryKind,
    pub size: u64,
    pub mtime_ns: i64,
    pub hash: Option<Hash>,
    /// The file system's id of the file or folder (inode and device), where the OS gives one:
    /// it survives a rename, which is how a local move is recognised.
    pub file_id: Option<u64>,
}

impl LocalEntry {
    /// The same metadata in the shape of a listed entry (with no change time), to compare with
    /// what a side shows later.
    pub fn as_entry(&self) -> Entry {
        Entry {
            path: self.path.clone(),
            kind: self.kind,
            size: self.size,
            mtime_ns: self.mtime_ns,
            ctime_ns: None,
            file_id: self.file_id,
        }
    }
}

/// The state of a path when it was last synced: both sides held the same content then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseEntry {
    pub path: RelPath,
    pub kind: EntryKind,
    pub hash: Option<Hash>,
    pub local_size: u64,
    pub local_mtime_ns: i64,
    pub remote_size: u64,
    pub remote_mtime_ns: i64,
    pub remote_ctime_ns: Option<i64>,
    pub remote_file_id: Option<u64>,
    /// The local file id at the last sync (see [`LocalEntry::file_id`]).
    pub local_file_id: Option<u64>,
}

impl BaseEntry {
    /// The base entry that records `local` and `remote` as in sync.
    pub fn synced(local: &LocalEntry, remote: &Entry) -> BaseEntry {
        BaseEntry {
            path: local.path.clone(),
            kind: local.kind,
            hash: local.hash,
            local_size: local.size,
            local_mtime_ns: local.mtime_ns,
            remote_size: remote.size,
            remote_mtime_ns: remote.mtime_ns,
            remote_ctime_ns: remote.ctime_ns,
            remote_file_id: remote.file_id,
            local_file_id: local.file_id,
        }
    }

    /// Records `r` as the remote's synced metadata (after a rename of ours moved its times).
    pub fn set_remote(&mut self, r: &Entry) {
        self.remote_size = r.size;
        self.remote_mtime_ns = r.mtime_ns;
        self.remote_ctime_ns = r.ctime_ns;
        self.remote_file_id = r.file_id;
    }

    /// The same entry at another path (a move).
    pub fn moved_to(&self, path: RelPath) -> BaseEntry {
        BaseEntry {
            path,
            ..self.clone()
        }
    }

    /// Whether the remote entry is as it was at the last sync. Compares every piece of metadata
    /// the server gave both times, never size alone: an edit that keeps the size still moves the
    /// last-write or change time, and a replaced file has another file id.
    pub fn remote_unchanged(&self, r: &Entry) -> bool {
        if self.kind != r.kind {
            return false;
        }
        if self.kind == EntryKind::Dir {
            return true;
        }
        let ctime_same = match (self.remote_ctime_ns, r.ctime_ns) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        // Another file put in its place is a change even with the same size and times: the
        // server's file system keeps times to its clock's tick (a few ms on Linux), so two
        // clients' versions written and renamed at once can carry the very same times.
        let same_file = match (self.remote_file_id, r.file_id) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        self.remote_size == r.size && self.remote_mtime_ns == r.mtime_ns && ctime_same && same_file
    }

    /// Whether the local entry holds the content it had at the last sync.
    pub fn local_unchanged(&self, l: &LocalEntry) -> bool {
        if self.kind != l.kind {
            return false;
        }
        self.kind == EntryKind::Dir || (self.hash.is_some() && self.hash == l.hash)
    }

    /// Whether the local metadata is exactly what was recorded (so the content need not be
    /// hashed again).
    pub fn local_meta_same(&self, size: u64, mtime_ns: i64) -> bool {
        self.local_size == size && self.local_mtime_ns == mtime_ns
    }
}

pub type LocalTree = BTreeMap<RelPath, LocalEntry>;
pub type RemoteTree = BTreeMap<RelPath, Entry>;
pub type BaseTree = BTreeMap<RelPath, BaseEntry>;

pub fn hex(h: &Hash) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}
