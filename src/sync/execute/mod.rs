//! Execution of a plan ([`crate::sync::plan`]: its order, copies before deletions) against
//! both sides, `job.parallel` transfers at a time.
//!
//! Every destructive step re-checks its target against the scan just before acting; what
//! changed meanwhile is left for the next run. What is deleted or overwritten goes to the
//! side's trash. The base tree is updated as each file finishes.
//!
//! Parts: [`transfer`] (one file, safely), `conflict` (both sides changed), `outcome` (what
//! each action came to, counted and reported), [`trash`], [`dirs`], [`crate::sync::record`] (group commit),
//! [`retry`] (backoff and reconnects), [`control`] (pause and shutdown).

mod conflict;
pub mod control;
pub mod dirs;
mod moves;
mod outcome;
pub mod retry;
mod tasks;
pub mod transfer;
pub mod trash;

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;
use tracing::Instrument;

use crate::tree::Side;

use crate::db::history::{Counts, FileError};
use crate::db::jobs::Job;
use crate::db::state::BaseChange;
use crate::db::Db;
use crate::events::{Event, EventSender, RunProgress};
use crate::relpath::RelPath;
use crate::replica::{Replica, ReplicaError, ReplicaErrorKind};
use crate::sync::plan::Plan;
use crate::sync::reconcile::{Action, Resolution};
use crate::tree::{BaseEntry, LocalEntry};
use crate::tree::{Entry, EntryKind};

use crate::sync::record::Recorder;
pub use control::RunControl;
use dirs::DirCache;
use retry::ReconnectGate;
use transfer::{CopyError, CopyRequest, Snapshot};

pub(crate) use outcome::Outcome;

/// Files below this size are "small" for scheduling (see `run_parallel`).
pub const SMALL_FILE: u64 = 1024 * 1024;
/// The units of one large transfer's slot: a small file takes one per [`UNIT_BYTES`] it
/// holds (at least one), a metadata-only action one.
const UNITS_PER_LARGE: u32 = 32;
const UNIT_BYTES: u64 = SMALL_FILE / UNITS_PER_LARGE as u64;

pub struct Executor {
    pub db: Db,
    pub job: Job,
    pub run_id: Option<i64>,
    pub local: Arc<dyn Replica>,
    pub remote: Arc<dyn Replica>,
    pub gate: ReconnectGate,
    pub dirs: DirCache,
    pub progress: Arc<RunProgress>,
    pub events: Option<EventSender>,
    /// Names trash folders and conflict copies of this run.
    pub stamp: String,
    pub host: String,
    /// This install's id, in our temp names (see `names::temp_name`).
    pub client_id: String,
    pub pipeline_depth: usize,
    /// Base changes and history rows, committed in groups (see `record`).
    recorder: Recorder,
    counts: Mutex<Counts>,
    errors: Mutex<Vec<FileError>>,
    /// Paths whose transfer failed this run (their temps are kept for resuming).
    pub failed: Mutex<BTreeSet<RelPath>>,
    /// Paths left as pending conflicts this run.
    pub pending: Mutex<BTreeSet<RelPath>>,
    /// Pause and shutdown: stop starting actions, or abandon those in flight.
    pub control: RunControl,
    /// Actions not started or abandoned because the run was stopped.
    left_by_stop: std::sync::atomic::AtomicU64,
    /// Paths whose version on one side lost a conflict this run: what they replace goes to
    /// the trash as "conflict", not "overwritten" (see `trash::Executor::note_trashed`).
    pub(crate) conflict_losers: Mutex<BTreeSet<RelPath>>,
    /// The bandwidth buckets transfers draw from (none by default; see [`crate::limits`]).
    pub throttle: crate::limits::Throttle,
}

pub struct ExecResult {
    pub counts: Counts,
    pub errors: Vec<FileError>,
    /// The connection was lost for good: the run failed.
    pub connection_lost: Option<String>,
    /// How many actions a stop (pause, shutdown) left for the next run.
    pub left_by_stop: u64,
}

impl Executor {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        db: Db,
        job: Job,
        run_id: Option<i64>,
        local: Arc<dyn Replica>,
        remote: Arc<dyn Replica>,
        progress: Arc<RunProgress>,
        events: Option<EventSender>,
        reconnect_budget: std::time::Duration,
        client_id: &str,
    ) -> Executor {
        let now = chrono::Local::now();
        Executor {
            gate: ReconnectGate::new(remote.clone(), reconnect_budget),
            recorder: Recorder::new(db.clone(), job.id),
            db,
            job,
            run_id,
            local,
            remote,
            dirs: DirCache::default(),
            progress,
            events,
            stamp: now.format("%Y-%m-%d %H%M%S").to_string(),
            host: gethostname::gethostname().to_string_lossy().to_string(),
            client_id: client_id.to_string(),
            pipeline_depth: 8,
            counts: Mutex::new(Counts::default()),
            errors: Mutex::new(Vec::new()),
            failed: Mutex::new(BTreeSet::new()),
            pending: Mutex::new(BTreeSet::new()),
            control: RunControl::new(),
            left_by_stop: std::sync::atomic::AtomicU64::new(0),
            conflict_losers: Mutex::new(BTreeSet::new()),
            throttle: Default::default(),
        }
    }

    /// Counts an action a stop kept from running.
    fn left(&self, n: usize) {
        self.left_by_stop.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub fn side(&self, s: Side) -> &Arc<dyn Replica> {
        match s {
            Side::Local => &self.local,
            Side::Remote => &self.remote,
        }
    }

    fn emit(&self, e: Event) {
        if let Some(tx) = &self.events {
            let _ = tx.send(e);
        }
    }

    /// Carries out the plan, stage by stage in its order (see [`crate::sync::plan`]). Skips
    /// are reported as per-file errors and counted as skipped.
    pub async fn run(self: &Arc<Self>, plan: Plan) -> ExecResult {
        let totals = plan.totals();
        self.progress
            .files_total
            .store(totals.files, Ordering::Relaxed);
        self.progress
            .bytes_total
            .store(totals.bytes, Ordering::Relaxed);
        for (path, reason) in &plan.skips {
            self.counts.lock().unwrap().skipped += 1;
            self.file_error(path, reason, None).await;
        }
        self.run_in_turn(plan.moves).await;
        self.run_creates(plan.creates).await;
        self.run_parallel(plan.copies).await;
        self.run_parallel(plan.file_deletes).await;
        self.run_in_turn(plan.dir_deletes).await;
        self.recorder.flush().await;

        let connection_lost = self.gate.is_dead().then(|| {
            format!(
                "lost the connection to {} and it did not come back; the next sync will finish the work",
                self.remote.describe()
            )
        });
        ExecResult {
            counts: self.counts.lock().unwrap().clone(),
            errors: self.errors.lock().unwrap().clone(),
            connection_lost,
            left_by_stop: self.left_by_stop.load(Ordering::Relaxed),
        }
    }

    /// Carries out the user's choice for one pending conflict.
    pub async fn resolve(
        self: &Arc<Self>,
        local: &LocalEntry,
        remote: &Entry,
        resolution: Resolution,
    ) -> ExecResult {
        let outcome = match self.apply_resolution(local, remote, resolution).await {
            Ok(o) => o,
            Err(e) => Outcome::Failed(e),
        };
        self.account(&local.path, outcome).await;
        self.recorder.flush().await;
        ExecResult {
            counts: self.counts.lock().unwrap().clone(),
            errors: self.errors.lock().unwrap().clone(),
            connection_lost: None,
            left_by_stop: 0,
        }
    }

    /// Runs actions one after another, in the given order, until a stop.
    async fn run_in_turn(&self, actions: Vec<Action>) {
        let n = actions.len();
        for (i, a) in actions.into_iter().enumerate() {
            if self.control.is_stopped() {
                self.left(n - i);
                break;
            }
            self.run_one(a).await;
        }
    }

    /// Folder creates, parents before children: all the folders of one depth at once, after
    /// those of the depth above. (A create makes missing parents too, so the order only spares
    /// requests; folders of one depth cannot need each other.) Over a slow link each create is
    /// several round trips, so a hundred folders one after another took minutes.
    async fn run_creates(self: &Arc<Self>, creates: Vec<Action>) {
        let mut by_depth: std::collections::BTreeMap<usize, Vec<Action>> = Default::default();
        for a in creates {
            by_depth.entry(a.path().depth()).or_default().push(a);
        }
        for (_, level) in by_depth {
            self.run_parallel(level).await;
        }
    }

    /// Runs actions concurrently. `job.parallel` is the number of large transfers at once. A
    /// small file (under [`SMALL_FILE`]) takes a share of a large one's slot by its size (one
    /// [`UNITS_PER_LARGE`]th per [`UNIT_BYTES`], at least one), a metadata-only action the
    /// least share: their time goes into round trips, not bandwidth, so many of them in flight
    /// hide the latency (128 files of up to 32 KiB at once with the default `parallel` of 4:
    /// each costs seven requests one after another, 2.8 s over a link with 200 ms each way),
    /// while the bytes they hold stay about one MiB per unit of `parallel`.
    async fn run_parallel(self: &Arc<Self>, actions: Vec<Action>) {
        let slots = self.job.parallel.max(1) * UNITS_PER_LARGE;
        let sem = Arc::new(Semaphore::new(slots as usize));
        let mut set = tasks::Tasks::new();
        let n = actions.len();
        for (i, a) in actions.into_iter().enumerate() {
            if self.gate.is_dead() {
                break;
            }
            if self.control.is_stopped() {
                self.left(n - i);
                break;
            }
            let size = match &a {
                Action::Upload { local, .. } => local.size,
                Action::Download { remote, .. } => remote.size,
                Action::Conflict { local, remote, .. }
                | Action::Overwrite { local, remote, .. } => local.size.max(remote.size),
                _ => 0,
            };
            let weight = units(size);
            let permit = sem
                .clone()
                .acquire_many_owned(weight)
                .await
                .expect("semaphore open");
            if self.control.is_stopped() {
                // Stopped while waiting for a slot.
                self.left(n - i);
                break;
            }
            let me = self.clone();
            set.spawn(
                async move {
                    let path = a.path().clone();
                    tokio::select! {
                        biased;
                        _ = me.control.cut_requested() => {
                            // Abandoned mid-way: its temp stays for the next run to resume.
                            me.failed.lock().unwrap().insert(path);
                            me.left(1);
                        }
                        _ = me.run_one(a) => {}
                    }
                    drop(permit);
                }
                .in_current_span(),
            );
        }
        set.finish().await;
    }

    async fn run_one(&self, action: Action) {
        let path = action.path().clone();
        let span = tracing::info_span!("transfer", path = %path);
        let outcome = self.execute(action).instrument(span).await;
        self.account(&path, outcome).await;
        self.progress.files_done.fetch_add(1, Ordering::Relaxed);
    }

    /// Returns once the change is committed.
    async fn put_base(&self, e: &BaseEntry) -> Result<(), ReplicaError> {
        self.recorder
            .change(BaseChange::Put(e.clone()))
            .await
            .map_err(|e| ReplicaError::new(ReplicaErrorKind::Other, e.to_string()))
    }

    /// Several changes in one transaction; returns once they are committed.
    async fn change_base(&self, changes: Vec<BaseChange>) -> Result<(), ReplicaError> {
        self.recorder
            .change_all(changes)
            .await
            .map_err(|e| ReplicaError::new(ReplicaErrorKind::Other, e.to_string()))
    }

    async fn forget_base(&self, path: &RelPath) -> Result<(), ReplicaError> {
        self.recorder
            .change(BaseChange::Forget(path.clone()))
            .await
            .map_err(|e| ReplicaError::new(ReplicaErrorKind::Other, e.to_string()))
    }

    async fn execute(&self, action: Action) -> Outcome {
        let res = match action {
            Action::Upload { local, replaces } => {
                self.upload(
                    &local,
                    &local.path,
                    replaces.as_ref().map(Snapshot::of_remote),
                )
                .await
            }
            Action::Download { remote, replaces } => {
                self.download(&remote, &remote.path, replaces.as_ref().map(local_snapshot))
                    .await
            }
            Action::CreateRemoteDir { local } => self.create_dir(Side::Remote, &local.path).await,
            Action::CreateLocalDir { remote } => self.create_dir(Side::Local, &remote.path).await,
            Action::DeleteLocal { local } => {
                self.delete(Side::Local, &local.path, local.kind, local_snapshot(&local))
                    .await
            }
            Action::DeleteRemote { remote } => {
                self.delete(
                    Side::Remote,
                    &remote.path,
                    remote.kind,
                    Snapshot::of_remote(&remote),
                )
                .await
            }
            Action::Record { local, remote } => self
                .put_base(&BaseEntry::synced(&local, &remote))
                .await
                .map(|_| Outcome::Quiet),
            Action::Forget { path } => self.forget_base(&path).await.map(|_| Outcome::Quiet),
            Action::Conflict {
                local,
                remote,
                same_size,
            } => self.conflict(&local, &remote, same_size).await,
            Action::Overwrite {
                local,
                remote,
                winner,
                same_size,
            } => self.overwrite(&local, &remote, winner, same_size).await,
            Action::Skip { .. } => Ok(Outcome::Quiet),
            Action::Move(m) => self.move_entry(&m).await,
        };
        match res {
            Ok(o) => o,
            Err(e) => Outcome::Failed(e),
        }
    }

    /// Copies the local file at `local.path` to `dst` on the remote.
    async fn upload(
        &self,
        local: &LocalEntry,
        dst: &RelPath,
        replaces: Option<Snapshot>,
    ) -> Result<Outcome, ReplicaError> {
        self.copy_and_record(CopyRequest {
            from: Side::Local,
            src_path: &local.path,
            dst_path: dst,
            src: local_snapshot(local),
            src_hash: local.hash,
            replaces,
        })
        .await
    }

    /// Copies the remote file at `remote.path` to `dst` on the local side.
    async fn download(
        &self,
        remote: &Entry,
        dst: &RelPath,
        replaces: Option<Snapshot>,
    ) -> Result<Outcome, ReplicaError> {
        self.copy_and_record(CopyRequest {
            from: Side::Remote,
            src_path: &remote.path,
            dst_path: dst,
            src: Snapshot::of_remote(remote),
            src_hash: None,
            replaces,
        })
        .await
    }

    /// Runs a copy (with retries) and records both sides, as they are after it, as synced.
    async fn copy_and_record(&self, req: CopyRequest<'_>) -> Result<Outcome, ReplicaError> {
        let c = match self.gate.retry(|| self.copy_retryable(&req)).await? {
            Ok(c) => c,
            Err(why) => return Ok(Outcome::Deferred(why)),
        };
        let (local_meta, remote_meta) = match req.from {
            Side::Local => (&c.src, &c.dst),
            Side::Remote => (&c.dst, &c.src),
        };
        let local_now = LocalEntry {
            path: req.dst_path.clone(),
            kind: EntryKind::File,
            size: local_meta.size,
            mtime_ns: local_meta.mtime_ns,
            hash: Some(c.hash),
            file_id: local_meta.file_id,
        };
        let remote_now = Entry {
            path: req.dst_path.clone(),
            ..remote_meta.clone()
        };
        self.put_base(&BaseEntry::synced(&local_now, &remote_now))
            .await?;
        Ok(Outcome::Done {
            what: match req.from {
                Side::Local => "uploaded",
                Side::Remote => "downloaded",
            },
            bytes: c.bytes,
            path: req.dst_path.clone(),
        })
    }

    /// A copy whose "changed since the scan" outcome is a value, so only real errors retry.
    async fn copy_retryable(
        &self,
        req: &CopyRequest<'_>,
    ) -> Result<Result<transfer::Copied, String>, ReplicaError> {
        match self.copy_file(req).await {
            Ok(c) => Ok(Ok(c)),
            Err(CopyError::Changed(why)) => Ok(Err(why)),
            Err(CopyError::Failed(e)) => Err(e),
        }
    }

    async fn create_dir(&self, side: Side, path: &RelPath) -> Result<Outcome, ReplicaError> {
        let target = self.side(side).clone();
        self.gate
            .retry(|| self.dirs.ensure(target.as_ref(), side, path))
            .await?;
        let l = self.local.stat(path).await?;
        let r = self.remote.stat(path).await?;
        if let (Some(l), Some(r)) = (l, r) {
            let local = LocalEntry {
                path: path.clone(),
                kind: EntryKind::Dir,
                size: 0,
                mtime_ns: l.mtime_ns,
                hash: None,
                file_id: l.file_id,
            };
            self.put_base(&BaseEntry::synced(&local, &r)).await?;
        }
        // Listed in history like files: a folder a sync made is something the user sees.
        Ok(Outcome::Done {
            what: match side {
                Side::Local => "folder_created_local",
                Side::Remote => "folder_created_remote",
            },
            bytes: 0,
            path: path.clone(),
        })
    }

    async fn delete(
        &self,
        side: Side,
        path: &RelPath,
        kind: EntryKind,
        expected: Snapshot,
    ) -> Result<Outcome, ReplicaError> {
        let target = self.side(side).clone();
        let what = match side {
            Side::Local => "deleted_local",
            Side::Remote => "deleted_remote",
        };
        if kind == EntryKind::Dir {
            return match self.gate.retry(|| target.remove_dir(path)).await {
                Ok(()) => {
                    self.forget_base(path).await?;
                    Ok(Outcome::Done {
                        what: match side {
                            Side::Local => "folder_deleted_local",
                            Side::Remote => "folder_deleted_remote",
                        },
                        bytes: 0,
                        path: path.clone(),
                    })
                }
                // Still holds something (a file excluded from sync, or new content): keep it.
                Err(e)
                    if matches!(
                        e.kind,
                        ReplicaErrorKind::NotEmpty | ReplicaErrorKind::NotFound
                    ) =>
                {
                    Ok(Outcome::Quiet)
                }
                Err(e) => Err(e),
            };
        }
        let expect = |e: &Entry| expected.matches(e);
        let trashed = self
            .gate
            .retry(|| {
                trash::move_to_trash(
                    target.as_ref(),
                    side,
                    &self.dirs,
                    &self.stamp,
                    path,
                    &expect,
                )
            })
            .await?;
        if let Some(t) = &trashed {
            self.note_trashed(side, t, path, crate::db::trash::TrashReason::Deleted)
                .await;
            self.forget_base(path).await?;
            return Ok(Outcome::Done {
                what,
                bytes: 0,
                path: path.clone(),
            });
        }
        // Not moved: gone already (nothing to do), or changed (left for the next run).
        match self.gate.retry(|| target.stat(path)).await? {
            None => {
                self.forget_base(path).await?;
                Ok(Outcome::Quiet)
            }
            Some(_) => Ok(Outcome::Deferred(format!(
                "{path} changed on the {side} during the sync; it will be synced on the next run"
            ))),
        }
    }
}

/// The units of a run's slots an action of `size` bytes takes (see `run_parallel`).
fn units(size: u64) -> u32 {
    if size >= SMALL_FILE {
        UNITS_PER_LARGE
    } else {
        size.div_ceil(UNIT_BYTES).max(1) as u32
    }
}

pub fn local_snapshot(l: &LocalEntry) -> Snapshot {
    Snapshot {
        size: l.size,
        mtime_ns: l.mtime_ns,
        ctime_ns: None,
        file_id: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_files_take_a_share_of_a_slot_by_size() {
        assert_eq!(units(0), 1);
        assert_eq!(units(1), 1);
        assert_eq!(units(UNIT_BYTES), 1);
        assert_eq!(units(UNIT_BYTES + 1), 2);
        assert_eq!(units(SMALL_FILE - 1), UNITS_PER_LARGE);
        assert_eq!(units(SMALL_FILE), UNITS_PER_LARGE);
        assert_eq!(units(8 * SMALL_FILE), UNITS_PER_LARGE);
        // Whatever mix of small files is in flight, their bytes stay within the units held.
        for size in [1, 4096, UNIT_BYTES, UNIT_BYTES + 1, 300_000, SMALL_FILE - 1] {
            assert!(size <= units(size) as u64 * UNIT_BYTES, "{size}");
        }
    }
}
