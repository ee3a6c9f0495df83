//! Gathering what a run decides from: connect and list the remote, load the synced state and
//! scan the local folder (both sides at once), then the three trees as the reconciler must see
//! them. Excluded paths are dropped from all three; so are paths that could not be read and
//! links and special files on either side (hidden, so nothing is done to them), which are
//! reported as errors or notes instead.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use crate::db::history::FileError;
use crate::db::jobs::Job;
use crate::engine::{check_remote_root, Engine};
use crate::events::Phase;
use crate::excludes::Excludes;
use crate::names::TRASH_DIR;
use crate::relpath::RelPath;
use crate::replica::{Listing, Replica};
use crate::scan::{scan_local, scan_local_scope, ScanError};
use crate::scope::{list_remote_scope, Scope};
use crate::tree::EntryKind;
use crate::tree::{BaseTree, LocalTree, RemoteTree};

use super::report::{note, SyncError};

/// What a run decides from.
pub(crate) struct Gathered {
    pub remote: Arc<dyn Replica>,
    pub local_tree: LocalTree,
    pub remote_tree: RemoteTree,
    pub base_tree: BaseTree,
    /// How many files the job has synced: the guards' yardstick.
    pub synced_files: usize,
    /// Per-file errors found on the way (unreadable paths, names that cannot be paths).
    pub errors: Vec<FileError>,
    /// Paths left alone on purpose (links, special files).
    pub notes: Vec<FileError>,
    /// This install's leftover temps, local and remote (see `cleanup`).
    pub local_temps: Vec<RelPath>,
    pub remote_temps: Vec<RelPath>,
    /// Whether something named like the trash was at the remote's top when the run began
    /// (true for scoped runs, which do not look).
    pub remote_trash_seen: bool,
}

/// A local folder that is not there or not a folder is the job's setting; one that cannot be
/// read is a local failure.
fn scan_error(e: ScanError) -> SyncError {
    match e {
        ScanError::Root { path, source } => SyncError::local(
            format!("cannot read local folder {}", path.display()),
            source,
        ),
        e => SyncError::Config(e.to_string()),
    }
}

impl Engine {
    /// Gathers the trees of a run over `scope` (`None`: everything). `force` lets a missing
    /// local folder be made again. `t0`: when the run started, for the stage times logged at
    /// debug level.
    pub(crate) async fn gather(
        &self,
        job: &Job,
        scope: Option<&Scope>,
        excludes: &Excludes,
        force: bool,
        t0: Instant,
    ) -> Result<Gathered, SyncError> {
        self.phase(job, Phase::Connecting);
        let scope = scope.cloned();
        // The folders the last sync saw, from the base as soon as it is loaded: a full listing
        // may list them ahead (see `Replica::list_hinted`). Only if they are there by the time
        // the remote is connected (over a slow link, always): the listing never waits for them.
        let likely_dirs: std::sync::Mutex<Option<Vec<RelPath>>> = Default::default();
        // The remote side (connect, then list) and the local side (load the base, then scan)
        // run at the same time: neither needs the other until reconciling.
        let remote_side = async {
            let remote = self.connect_remote(job).await?;
            tracing::debug!(ms = t0.elapsed().as_millis() as u64, "remote connected");
            let likely = likely_dirs.lock().unwrap().take().unwrap_or_default();
            self.phase(job, Phase::Scanning);
            // The folder check and the listing, which only reads, go out together: over a slow
            // link each is round trips one after another. The check's verdict still comes
            // first (a missing folder is the job's setting, whatever the listing says).
            let listing = async {
                match &scope {
                    Some(s) => list_remote_scope(remote.as_ref(), s, TRASH_DIR).await,
                    None => remote.list_hinted(TRASH_DIR, likely).await,
                }
            };
            // Whether the trash is there, for the clean-up of a full run (see `Temps`); read
            // alongside, at no cost in time. An error counts as there: the clean-up looks.
            let trash = async {
                match &scope {
                    Some(_) => true,
                    None => {
                        let trash = RelPath::new(TRASH_DIR).expect("a valid name");
                        !matches!(remote.stat(&trash).await, Ok(None))
                    }
                }
            };
            let (checked, listing, trash_seen) =
                tokio::join!(check_remote_root(remote.as_ref()), listing, trash);
            checked?;
            tracing::debug!(ms = t0.elapsed().as_millis() as u64, "remote listed");
            Ok::<_, SyncError>((remote, listing, trash_seen))
        };
        let local_side = async {
            // What the run sees of the base: all of it, or what the scope covers (read by key
            // ranges, so a live run in a 100,000-file job does not load 100,000 rows). And how
            // many files the job has synced, the guards' yardstick.
            let (base, synced_files) = match &scope {
                Some(s) => (
                    self.db.load_base_scope(job.id, s).await?,
                    self.db.base_file_count(job.id).await?,
                ),
                None => {
                    let b = self.db.load_base(job.id).await?;
                    let n = b.values().filter(|e| e.kind == EntryKind::File).count();
                    let dirs = b.values().filter(|e| e.kind == EntryKind::Dir);
                    *likely_dirs.lock().unwrap() = Some(dirs.map(|e| e.path.clone()).collect());
                    (b, n)
                }
            };
            tracing::debug!(ms = t0.elapsed().as_millis() as u64, "base loaded");
            let base = Arc::new(base);
            let root = job.local_path.clone();
            let (base_for_scan, ex, sc) = (base.clone(), excludes.clone(), scope.clone());
            let client = self.client_id.clone();
            let scan = tokio::task::spawn_blocking(move || match &sc {
                Some(s) => scan_local_scope(&root, s, &base_for_scan, &ex, &client),
                None => scan_local(&root, &base_for_scan, &ex, &client),
            })
            .await;
            tracing::debug!(ms = t0.elapsed().as_millis() as u64, "local scanned");
            Ok::<_, SyncError>((base, synced_files, scan))
        };
        let (remote_side, local_side) = tokio::join!(remote_side, local_side);
        // A connection problem is reported first, as before the two sides overlapped.
        let (remote, listing, remote_trash_seen) = remote_side?;
        let (base, synced_files, scan) = local_side?;
        let scan = match scan
            .map_err(|e| SyncError::local("the local scan failed", std::io::Error::other(e)))?
        {
            Ok(s) => s,
            Err(ScanError::RootMissing(p)) => {
                if synced_files > 0 && !force {
                    return Err(SyncError::Guard(format!(
                        "the local folder {} is missing but {} files were synced from it before; is the disk mounted? If the folder is gone on purpose, run again with --force (the remote copies are kept in its trash if deleted)",
                        p.display(),
                        synced_files
                    )));
                }
                std::fs::create_dir_all(&p).map_err(|e| {
                    SyncError::local(format!("cannot create local folder {}", p.display()), e)
                })?;
                scan_local(&p, &base, excludes, &self.client_id).map_err(scan_error)?
            }
            Err(e) => return Err(scan_error(e)),
        };
        let Listing {
            entries: listing,
            rejected: remote_rejected,
            skipped: remote_skipped,
        } = listing?;

        // This install's leftover temps from interrupted runs (not in excluded paths), removed
        // at the end unless resumed. Anything else that looks like a temp is left alone.
        let remote_temps: Vec<RelPath> = listing
            .iter()
            .filter(|e| e.kind == EntryKind::File && self.is_own_temp(&e.path, excludes))
            .map(|e| e.path.clone())
            .collect();
        // Hidden from this run on all three trees, so nothing is done to them on either side:
        // what could not be read, and links and special files on either side.
        let hidden: BTreeSet<RelPath> = scan
            .unreadable
            .iter()
            .map(|(p, _)| p.clone())
            .chain(scan.skipped.iter().map(|(p, _)| p.clone()))
            .chain(remote_skipped.iter().map(|(p, _)| p.clone()))
            .collect();
        // A path is hidden when it or a folder above it is (a lookup per level, not a scan of
        // every hidden path for every file).
        let visible = |p: &RelPath| {
            !excludes.is_excluded(p)
                && !hidden.contains(p)
                && !p.ancestors().any(|a| hidden.contains(&a))
        };
        let remote_tree: RemoteTree = listing
            .into_iter()
            .filter(|e| visible(&e.path))
            .map(|e| (e.path.clone(), e))
            .collect();
        let mut base_tree = Arc::unwrap_or_clone(base);
        base_tree.retain(|p, _| visible(p));
        let local_tree = scan.tree;
        let notes: Vec<FileError> = scan
            .skipped
            .iter()
            .map(|(p, why)| note(p, why, "local"))
            .chain(
                remote_skipped
                    .iter()
                    .filter(|(p, _)| !excludes.is_excluded(p))
                    .map(|(p, why)| note(p, why, "remote")),
            )
            .collect();

        let errors: Vec<FileError> = scan
            .unreadable
            .iter()
            .map(|(p, why)| FileError {
                path: p.as_str().to_string(),
                message: why.clone(),
            })
            .chain(
                scan.rejected
                    .iter()
                    .chain(remote_rejected.iter())
                    .map(|r| FileError {
                        path: r.shown.clone(),
                        message: r.reason.clone(),
                    }),
            )
            .collect();

        Ok(Gathered {
            remote,
            local_tree,
            remote_tree,
            base_tree,
            synced_files,
            errors,
            notes,
            local_temps: scan.own_temps,
            remote_temps,
            remote_trash_seen,
        })
    }
}
