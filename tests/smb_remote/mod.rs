//! `SmbReplica` against a real Samba server: what users care about (their bytes, times, names,
//! and clear errors), plus the `smb` crate's defects we work around (listing on a multi-thread
//! runtime, reconnect after a server restart, time-outs on a hung server). File operations are
//! in `files`, connecting and losing the connection in `connection`; the helpers are here.

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use anemone_sync::relpath::RelPath;
use anemone_sync::replica::smb::{SmbOptions, SmbReplica};
use anemone_sync::replica::{Replica, MAX_CHUNK};

use crate::support::samba::SambaServer;

mod claims;
mod connection;
mod files;
mod listing;

pub(super) fn rp(s: &str) -> RelPath {
    RelPath::new(s).unwrap()
}

pub(super) fn opts() -> SmbOptions {
    SmbOptions {
        timeout: Duration::from_secs(20),
        ..SmbOptions::default()
    }
}

/// A remote on a fresh folder of the shared server, and that folder on disk.
pub(super) async fn fresh(name: &str) -> (std::path::PathBuf, SmbReplica) {
    let srv = SambaServer::shared();
    let (dir, url) = srv.folder(name);
    let remote = SmbReplica::connect(&url, srv.password(), opts())
        .await
        .unwrap();
    (dir, remote)
}

pub(super) fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut v = Vec::with_capacity(len + 8);
    while v.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.truncate(len);
    v
}

pub(super) async fn put(remote: &SmbReplica, path: &str, data: &[u8]) {
    let w = remote.open_write(&rp(path), true).await.unwrap();
    if !data.is_empty() {
        w.write_at(0, data.into()).await.unwrap();
    }
    w.close().await.unwrap();
}

/// The paths `list(skip_dir)` returns, in its order.
pub(super) async fn listed_paths(remote: &SmbReplica, skip_dir: &str) -> Vec<String> {
    remote
        .list(skip_dir)
        .await
        .unwrap()
        .entries
        .into_iter()
        .map(|e| e.path.as_str().to_string())
        .collect()
}

pub(super) async fn get(remote: &SmbReplica, path: &str) -> Vec<u8> {
    let r = remote.open_read(&rp(path)).await.unwrap();
    let mut out = Vec::new();
    let mut off = 0u64;
    while off < r.len() {
        let chunk = r.read_at(off, MAX_CHUNK).await.unwrap();
        assert!(!chunk.is_empty());
        off += chunk.len() as u64;
        out.extend_from_slice(&chunk);
    }
    r.close().await.unwrap();
    out
}

pub(super) fn disk_mtime_ns(p: &Path) -> i64 {
    let m = std::fs::metadata(p).unwrap().modified().unwrap();
    m.duration_since(UNIX_EPOCH).unwrap().as_nanos() as i64
}
