//! Gathering what a run decides from: connect and list the remote, load the synced state and
//! scan the local folder (both sides at once), then the three trees as the reconciler must see
//! them. Excluded paths are dropped from all three; so are paths that could not be read and
//! links and special files on either side (hidden, so nothing is done to them), which are
//! reported as errors or notes instead.
//!
//! A full run never holds the base whole: the scan lists the local folder without it, and the
//! base is streamed from the database into a [`merge`] with the scan and the listing, which
//! hashes what needs it and keeps only the paths that are not settled. A scoped run (live
//! sync) reads the little its scope covers whole.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use crate::beneath::Beneath;
use crate::db::history::FileError;
use crate::db::jobs::Job;
use crate::engine::{check_remote_root, Engine};
use crate::events::Phase;
use crate::excludes::Excludes;
use crate::names::TRASH_DIR;
use crate::relpath::RelPath;
use crate::replica::{Listing, RejectedName, Replica};
use crate::scan::{hash_likely_moves, scan_local, scan_local_scope, scan_local_unhashed};
use crate::scan::{LocalScan, ScanError};
use crate::scope::{list_remote_scope, Scope};
use crate::tree::EntryKind;
use crate::tree::{BaseTree, LocalTree, RemoteTree};

use super::guard::Totals;
use super::local_folder::{self, LocalChange};
use super::merge::{merge, Merged, Need};
use super::report::{note, SyncError};
use super::settled::CaseTwins;

/// Base entries on their way from the database to the merge, in batches: enough to keep both
/// busy and to wake the merge's thread once per batch, not per entry.
const BASE_BATCH: usize = 1024;
const BASE_BATCHES_IN_FLIGHT: usize = 4;

/// What a run decides from.
pub(crate) struct Gathered {
    pub remote: Arc<dyn Replica>,
    pub local_tree: LocalTree,
    pub remote_tree: RemoteTree,
    pub base_tree: BaseTree,
    /// The guard's yardstick: the files each side holds, settled ones included.
    pub totals: Totals,
    /// Every folder each side has (the trees hold only those not settled): no create needed.
    pub local_dirs: Vec<RelPath>,
    pub remote_dirs: Vec<RelPath>,
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

impl Gathered {
    /// Drops the three trees once the plan is made from them.
    pub fn free_trees(&mut self) {
        self.local_tree = LocalTree::new();
        self.remote_tree = RemoteTree::new();
        self.base_tree = BaseTree::new();
    }
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

/// Paths hidden from the run on all three trees, so nothing is done to them on either side:
/// what could not be read, and links and special files on either side.
fn hidden_paths(scan: &LocalScan, remote_skipped: &[(RelPath, &'static str)]) -> BTreeSet<RelPath> {
    scan.unreadable
        .iter()
        .map(|(p, _)| p.clone())
        .chain(scan.skipped.iter().map(|(p, _)| p.clone()))
        .chain(remote_skipped.iter().map(|(p, _)| p.clone()))
        .collect()
}

/// Whether `p` takes part in the run: not excluded, and neither it nor a folder above it
/// hidden (a lookup per level, not a scan of every hidden path for every file).
fn is_visible(p: &RelPath, excludes: &Excludes, hidden: &BTreeSet<RelPath>) -> bool {
    !excludes.is_excluded(p) && !hidden.contains(p) && !p.ancestors().any(|a| hidden.contains(&a))
}

/// Links and special files left alone, on either side, as notes.
fn notes_of(
    scan: &LocalScan,
    remote_skipped: &[(RelPath, &'static str)],
    excludes: &Excludes,
) -> Vec<FileError> {
    scan.skipped
        .iter()
        .map(|(p, why)| note(p, why, "local"))
        .chain(
            remote_skipped
                .iter()
                .filter(|(p, _)| !excludes.is_excluded(p))
                .map(|(p, why)| note(p, why, "remote")),
        )
        .collect()
}

/// Paths that could not be read and names that cannot be paths, as per-file errors.
fn errors_of(
    unreadable: &[(RelPath, String)],
    rejected: &[RejectedName],
    remote_rejected: &[RejectedName],
) -> Vec<FileError> {
    unreadable
        .iter()
        .map(|(p, why)| FileError::new(p.as_str(), why.clone()))
        .chain(
            rejected
                .iter()
                .chain(remote_rejected)
                .map(|r| FileError::new(r.shown.clone(), r.reason.clone())),
        )
        .collect()
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
        match scope {
            None => self.gather_all(job, excludes, force, t0).await,
            Some(s) => self.gather_scope(job, s, excludes, force, t0).await,
        }
    }

    /// A missing local folder: made again when nothing was synced from it (or with `force`),
    /// else left missing (`false`) for the guard to stop the run with what it would delete.
    fn remake_root(
        &self,
        p: &std::path::Path,
        synced_files: usize,
        force: bool,
    ) -> Result<bool, SyncError> {
        if synced_files > 0 && !force {
            return Ok(false);
        }
        std::fs::create_dir_all(p).map_err(|e| {
            SyncError::local(format!("cannot create local folder {}", p.display()), e)
        })?;
        Ok(true)
    }

    /// A full run: the scan and the listing, then the base streamed into the merge with them.
    async fn gather_all(
        &self,
        job: &Job,
        excludes: &Excludes,
        force: bool,
        t0: Instant,
    ) -> Result<Gathered, SyncError> {
        self.phase(job, Phase::Connecting);
        // The folders the last sync saw, read from the base first thing: the listing may list
        // them ahead (see `Replica::list_hinted`), if they are there by the time the remote is
        // connected (over a slow link, always); it never waits for them.
        let likely_dirs: std::sync::Mutex<Option<Vec<RelPath>>> = Default::default();
        let remote_side = async {
            let remote = self.connect_remote(job).await?;
            tracing::debug!(
                ms = t0.elapsed().as_millis() as u64,
                peak_kib = crate::memory::peak_rss_kib(),
                "remote connected"
            );
            let likely = likely_dirs.lock().unwrap().take().unwrap_or_default();
            self.phase(job, Phase::Scanning);
            // The folder check, the listing (which only reads) and a look for the trash go out
            // together: over a slow link each is round trips one after another. The check's
            // verdict still comes first (a missing folder is the job's setting). The trash is
            // looked for so the clean-up can skip it when there is none (an error counts as
            // there: the clean-up looks).
            let trash = async {
                let trash = RelPath::new(TRASH_DIR).expect("a valid name");
                !matches!(remote.stat(&trash).await, Ok(None))
            };
            let (checked, listing, trash_seen) = tokio::join!(
                check_remote_root(remote.as_ref()),
                remote.list_hinted(TRASH_DIR, likely),
                trash
            );
            checked?;
            tracing::debug!(
                ms = t0.elapsed().as_millis() as u64,
                peak_kib = crate::memory::peak_rss_kib(),
                "remote listed"
            );
            Ok::<_, SyncError>((remote, listing, trash_seen))
        };
        let local_side = async {
            *likely_dirs.lock().unwrap() = Some(self.db.base_dirs(job.id).await?);
            let synced_files = self.db.base_file_count(job.id).await?;
            let (root, ex) = (job.local_path.clone(), excludes.clone());
            let client = self.client_id.clone();
            let scan =
                tokio::task::spawn_blocking(move || scan_local_unhashed(&root, &ex, &client)).await;
            tracing::debug!(
                ms = t0.elapsed().as_millis() as u64,
                peak_kib = crate::memory::peak_rss_kib(),
                "local scanned"
            );
            Ok::<_, SyncError>((synced_files, scan))
        };
        let (remote_side, local_side) = tokio::join!(remote_side, local_side);
        let (remote, listing, remote_trash_seen) = remote_side?;
        let (synced_files, scan) = local_side?;
        let mut local_change = None;
        let mut scan = match scan
            .map_err(|e| SyncError::local("the local scan failed", std::io::Error::other(e)))?
        {
            Ok(s) => {
                let remembered = self.db.local_folder(job.id).await?;
                local_change = local_folder::changed(&job.local_path, remembered.as_ref());
                s
            }
            Err(ScanError::RootMissing(p)) => {
                if self.remake_root(&p, synced_files, force)? {
                    scan_local_unhashed(&p, excludes, &self.client_id).map_err(scan_error)?
                } else {
                    local_change = Some(LocalChange::Missing);
                    LocalScan::default()
                }
            }
            Err(e) => return Err(scan_error(e)),
        };
        let Listing {
            entries: listing,
            rejected: remote_rejected,
            skipped: remote_skipped,
        } = listing?;

        let remote_temps: Vec<RelPath> = listing
            .iter()
            .filter(|e| e.kind == EntryKind::File && self.is_own_temp(&e.path, excludes))
            .map(|e| e.path.clone())
            .collect();
        let hidden = hidden_paths(&scan, &remote_skipped);
        let notes = notes_of(&scan, &remote_skipped, excludes);
        let twins = if remote.case_insensitive() {
            CaseTwins::of(
                (scan.listed.iter().map(|e| &e.path)).chain(listing.iter().map(|e| &e.path)),
            )
        } else {
            CaseTwins::default()
        };

        let (tx, mut rx) = tokio::sync::mpsc::channel(BASE_BATCHES_IN_FLIGHT);
        let db = self.db.clone();
        let job_id = job.id;
        let streamer = tokio::spawn(async move { db.send_base(job_id, BASE_BATCH, tx).await });
        let local = std::mem::take(&mut scan.listed);
        let fs = Beneath::new(job.local_path.clone());
        let ex = excludes.clone();
        let merged = tokio::task::spawn_blocking(move || {
            let base = std::iter::from_fn(move || rx.blocking_recv()).flatten();
            let read = |p: &RelPath, need: Need| match need {
                Need::Hash => fs.hash_file(p).map(Some).map_err(|e| e.to_string()),
                Need::Open => fs.open_read(p).map(|_| None).map_err(|e| e.to_string()),
            };
            let visible = |p: &RelPath| is_visible(p, &ex, &hidden);
            let mut m = merge(
                local.into_iter(),
                listing.into_iter(),
                base,
                visible,
                read,
                &twins,
            )?;
            m.hashed += hash_likely_moves(&fs, &m.base, &mut m.local);
            Ok::<Merged, String>(m)
        })
        .await;
        // The whole base must have come: a synced file missing from it would look new.
        match streamer.await {
            Ok(r) => r?,
            Err(e) => {
                return Err(SyncError::local(
                    "reading the synced state failed",
                    std::io::Error::other(e),
                ))
            }
        }
        let m = merged
            .map_err(std::io::Error::other)
            .and_then(|r| r.map_err(std::io::Error::other))
            .map_err(|e| SyncError::local("the run's trees could not be merged", e))?;
        tracing::debug!(
            ms = t0.elapsed().as_millis() as u64,
            peak_kib = crate::memory::peak_rss_kib(),
            kept = m.local.len() + m.remote.len() + m.base.len(),
            hashed = m.hashed,
            "merged"
        );
        let unreadable: Vec<(RelPath, String)> = scan
            .unreadable
            .iter()
            .cloned()
            .chain(m.unreadable)
            .collect();
        let errors = errors_of(&unreadable, &scan.rejected, &remote_rejected);
        Ok(Gathered {
            remote,
            local_tree: m.local,
            remote_tree: m.remote,
            base_tree: m.base,
            totals: Totals {
                local_change,
                ..m.totals
            },
            local_dirs: m.local_dirs,
            remote_dirs: m.remote_dirs,
            errors,
            notes,
            local_temps: scan.own_temps,
            remote_temps,
            remote_trash_seen,
        })
    }

    /// A run over a scope (live sync): the few entries it covers, read whole.
    async fn gather_scope(
        &self,
        job: &Job,
        scope: &Scope,
        excludes: &Excludes,
        force: bool,
        t0: Instant,
    ) -> Result<Gathered, SyncError> {
        self.phase(job, Phase::Connecting);
        // The remote side (connect, then list) and the local side (load the base, then scan)
        // run at the same time: neither needs the other until reconciling.
        let remote_side = async {
            let remote = self.connect_remote(job).await?;
            tracing::debug!(
                ms = t0.elapsed().as_millis() as u64,
                peak_kib = crate::memory::peak_rss_kib(),
                "remote connected"
            );
            self.phase(job, Phase::Scanning);
            // The folder check and the listing, which only reads, go out together: over a slow
            // link each is round trips one after another. The check's verdict still comes
            // first (a missing folder is the job's setting, whatever the listing says).
            let (checked, listing) = tokio::join!(
                check_remote_root(remote.as_ref()),
                list_remote_scope(remote.as_ref(), scope, TRASH_DIR)
            );
            checked?;
            tracing::debug!(
                ms = t0.elapsed().as_millis() as u64,
                peak_kib = crate::memory::peak_rss_kib(),
                "remote listed"
            );
            Ok::<_, SyncError>((remote, listing))
        };
        let local_side = async {
            // What the scope covers of the base (read by key ranges, so a live run in a
            // 100,000-file job does not load 100,000 rows), and how many files the job has
            // synced, the guards' yardstick.
            let base = self.db.load_base_scope(job.id, scope).await?;
            let synced_files = self.db.base_file_count(job.id).await?;
            tracing::debug!(
                ms = t0.elapsed().as_millis() as u64,
                peak_kib = crate::memory::peak_rss_kib(),
                "base loaded"
            );
            let base = Arc::new(base);
            let root = job.local_path.clone();
            let (base_for_scan, ex, sc) = (base.clone(), excludes.clone(), scope.clone());
            let client = self.client_id.clone();
            let scan = tokio::task::spawn_blocking(move || {
                scan_local_scope(&root, &sc, &base_for_scan, &ex, &client)
            })
            .await;
            tracing::debug!(
                ms = t0.elapsed().as_millis() as u64,
                peak_kib = crate::memory::peak_rss_kib(),
                "local scanned"
            );
            Ok::<_, SyncError>((base, synced_files, scan))
        };
        let (remote_side, local_side) = tokio::join!(remote_side, local_side);
        // A connection problem is reported first, as before the two sides overlapped.
        let (remote, listing) = remote_side?;
        let (base, synced_files, scan) = local_side?;
        let mut local_change = None;
        let scan = match scan
            .map_err(|e| SyncError::local("the local scan failed", std::io::Error::other(e)))?
        {
            Ok(s) => s,
            Err(ScanError::RootMissing(p)) => {
                if self.remake_root(&p, synced_files, force)? {
                    scan_local(&p, &base, excludes, &self.client_id).map_err(scan_error)?
                } else {
                    local_change = Some(LocalChange::Missing);
                    LocalScan::default()
                }
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
        let hidden = hidden_paths(&scan, &remote_skipped);
        let visible = |p: &RelPath| is_visible(p, excludes, &hidden);
        let remote_tree: RemoteTree = listing
            .into_iter()
            .filter(|e| visible(&e.path))
            .map(|e| (e.path.clone(), e))
            .collect();
        let mut base_tree = Arc::unwrap_or_clone(base);
        base_tree.retain(|p, _| visible(p));
        let notes = notes_of(&scan, &remote_skipped, excludes);
        let errors = errors_of(&scan.unreadable, &scan.rejected, &remote_rejected);
        let local_tree = scan.tree;
        let totals = Totals {
            local_change,
            ..Totals::of_job(synced_files)
        };
        let dirs = |it: &mut dyn Iterator<Item = (&RelPath, EntryKind)>| -> Vec<RelPath> {
            it.filter(|(_, k)| *k == EntryKind::Dir)
                .map(|(p, _)| p.clone())
                .collect()
        };
        let local_dirs = dirs(&mut local_tree.iter().map(|(p, e)| (p, e.kind)));
        let remote_dirs = dirs(&mut remote_tree.iter().map(|(p, e)| (p, e.kind)));

        Ok(Gathered {
            remote,
            local_tree,
            remote_tree,
            base_tree,
            totals,
            local_dirs,
            remote_dirs,
            errors,
            notes,
            local_temps: scan.own_temps,
            remote_temps,
            // A scoped run does not look; the clean-up then does.
            remote_trash_seen: true,
        })
    }
}
