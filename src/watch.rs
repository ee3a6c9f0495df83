//! Change feeds for live sync: what changed, on which side, as paths relative to the job root.
//!
//! - The local folder is watched with `notify` (inotify, FSEvents, ReadDirectoryChangesW),
//!   recursively: [`watch_local`].
//! - The remote folder is watched by the remote itself ([`crate::replica::Replica::watch`]):
//!   SMB2 CHANGE_NOTIFY on an SMB share, `notify` on a plain folder.
//!
//! A feed never goes silent on trouble: a queue overflow or a watcher error is a
//! [`Change::Rescan`] (look at everything), and a feed that stops is a [`Change::Ended`] (the
//! service falls back to polling and tries again). Dropping the [`WatchGuard`] stops a feed.

use std::path::{Path, PathBuf};

use notify::{EventKind, RecursiveMode, Watcher};

use crate::excludes::Excludes;
use crate::relpath::RelPath;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// These paths (relative to the job root; the root itself is `RelPath::root()`) changed.
    Paths(Vec<RelPath>),
    /// Data was written to these files, which may still be open for writing: they wait until
    /// closed (or left alone a while; see `service::pending`).
    Writing(Vec<RelPath>),
    /// These files were closed after writing (where the OS tells: inotify) or removed, so
    /// nothing is mid-write there.
    Closed(Vec<RelPath>),
    /// These names changed, as a remote reported them (`/`-separated, relative to the job
    /// root). Untrusted: the receiver turns them into paths with [`paths_from_names`].
    Names(Vec<String>),
    /// Changes may have been lost (overflow, watcher error): look at everything.
    Rescan(String),
    /// The feed stopped (connection lost, folder gone, notification refused).
    Ended(String),
}

pub type ChangeSender = tokio::sync::mpsc::UnboundedSender<Change>;

/// Stops its feed when dropped.
pub struct WatchGuard {
    // In a mutex so a guard can sit in a `Sync` owner (the worker's futures are shared).
    stop: std::sync::Mutex<Option<Box<dyn FnOnce() + Send>>>,
}

impl WatchGuard {
    pub fn new(stop: impl FnOnce() + Send + 'static) -> WatchGuard {
        WatchGuard {
            stop: std::sync::Mutex::new(Some(Box::new(stop))),
        }
    }
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        let stop = self
            .stop
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(stop) = stop {
            stop();
        }
    }
}

impl std::fmt::Debug for WatchGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WatchGuard")
    }
}

/// Watches `root` recursively. Paths the excludes cover (our temps, the trash, the job's
/// patterns) are dropped here, so our own temp files never wake a run.
pub fn watch_local(
    root: &Path,
    excludes: Excludes,
    tx: ChangeSender,
) -> Result<WatchGuard, String> {
    let base: PathBuf = root.to_path_buf();
    let feed = tx.clone();
    // Links are never followed: a link in the job folder (to `~/.ssh`, say) must not make its
    // target's changes look like the job's (and be uploaded).
    let config = notify::Config::default().with_follow_symlinks(false);
    let handler = move |res: notify::Result<notify::Event>| {
        let event = match res {
            Ok(e) => e,
            Err(e) => {
                let _ = feed.send(Change::Rescan(format!("file watcher error: {e}")));
                return;
            }
        };
        if event.need_rescan() {
            let _ = feed.send(Change::Rescan("the file watcher's queue overflowed".into()));
            return;
        }
        if !is_content_event(&event.kind) {
            return;
        }
        let paths: Vec<RelPath> = event
            .paths
            .iter()
            .filter_map(|p| relative(&base, p))
            .filter(|p| p.is_root() || !excludes.is_excluded(p))
            .collect();
        if !paths.is_empty() {
            let _ = feed.send(match written(&event.kind) {
                Some(true) => Change::Closed(paths),
                Some(false) => Change::Writing(paths),
                None => Change::Paths(paths),
            });
        }
    };
    let mut watcher = notify::RecommendedWatcher::new(handler, config)
        .map_err(|e| format!("cannot watch {}: {e}", root.display()))?;
    watcher
        .watch(root, RecursiveMode::Recursive)
        .map_err(|e| watch_error(root, &e))?;
    Ok(WatchGuard::new(move || drop(watcher)))
}

fn watch_error(root: &Path, e: &notify::Error) -> String {
    let limit = matches!(&e.kind, notify::ErrorKind::MaxFilesWatch);
    if limit {
        format!(
            "cannot watch {}: the system's limit of watched folders is reached; raise fs.inotify.max_user_watches (sysctl) or use the interval trigger",
            root.display()
        )
    } else {
        format!("cannot watch {}: {e}", root.display())
    }
}

/// Whether an event is about a file's data: `Some(false)` written (the file may still be
/// open), `Some(true)` closed after writing or removed; `None` anything else (names,
/// creation, attributes).
fn written(kind: &EventKind) -> Option<bool> {
    use notify::event::{AccessKind, AccessMode, ModifyKind};
    match kind {
        // Closed, or gone: nothing is mid-write there any more.
        EventKind::Access(AccessKind::Close(AccessMode::Write)) | EventKind::Remove(_) => {
            Some(true)
        }
        EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Any) => Some(false),
        _ => None,
    }
}

/// Events that may mean content, names or existence changed. Reads (open, access) are not.
fn is_content_event(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(notify::event::AccessKind::Close(notify::event::AccessMode::Write)) => {
            true
        }
        EventKind::Access(_) => false,
        _ => true,
    }
}

/// The paths a remote's change feed named. A name that cannot be a path (`..`, NUL, a drive,
/// too long: see [`RelPath`]) is never made into one: the deepest folder above it that is valid
/// stands for it (the job root at worst), so the run that follows lists that folder and reports
/// the bad name, and touches nothing for it.
pub fn paths_from_names(names: &[String]) -> Vec<RelPath> {
    names
        .iter()
        .map(|n| match RelPath::new(n) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(name = %e.shown, reason = e.reason, "a change notification named an invalid path");
                let mut valid = RelPath::root();
                for c in n.trim_matches('/').split('/') {
                    match valid.join(c) {
                        Ok(p) => valid = p,
                        Err(_) => break,
                    }
                }
                valid
            }
        })
        .collect()
}

fn relative(root: &Path, p: &Path) -> Option<RelPath> {
    if p == root {
        return Some(RelPath::root());
    }
    RelPath::from_local(root, p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_notification_names_stop_at_their_last_valid_folder() {
        let names: Vec<String> = [
            "a/b.txt",
            "../../.config/autostart/x.desktop",
            "docs/../../../etc/passwd",
            "docs/nul\0byte/x",
            "C:/Windows",
            "docs/sub/line\nbreak",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let got: Vec<String> = paths_from_names(&names)
            .iter()
            .map(|p| p.as_str().to_string())
            .collect();
        assert_eq!(got, vec!["a/b.txt", "", "docs", "docs", "", "docs/sub"]);
    }
}
