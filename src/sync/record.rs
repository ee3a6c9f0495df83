//! Group commit of what finished files leave in the state database.
//!
//! Every finished file changes the base tree and adds a history row. One transaction per file
//! costs two round trips to sqlx's SQLite thread and a WAL commit each, which was a large share
//! of a 10,000-file sync. With a dozen transfers in flight, files finish close together, so:
//! whoever arrives while a commit is running waits for it to end, then the next committer
//! writes everything that queued up meanwhile in one transaction. No timer, no extra latency
//! when files finish one at a time.
//!
//! A base change is reported done only after its transaction committed: a crash loses at most
//! the files still waiting (in-flight work). The next run finds those on both sides and adopts
//! them (same content) without a transfer.
//!
//! History rows (what happened to a file, per-file errors) are queued without waiting; they go
//! with the next commit, and [`Recorder::flush`] writes what is left at the end of a run.

use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::db::history::{RunErrorRow, RunFileRow};
use crate::db::state::BaseChange;
use crate::db::{Db, DbError, DbResult};

pub struct Recorder {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    job_id: i64,
    queue: Mutex<Queue>,
    /// Held by the task writing a batch.
    committing: Arc<tokio::sync::Mutex<()>>,
}

#[derive(Default)]
struct Queue {
    changes: Vec<BaseChange>,
    /// One per change, same order: told how the commit went.
    waiters: Vec<oneshot::Sender<Result<(), String>>>,
    files: Vec<RunFileRow>,
    errors: Vec<RunErrorRow>,
}

impl Recorder {
    pub fn new(db: Db, job_id: i64) -> Recorder {
        Recorder {
            inner: Arc::new(Inner {
                db,
                job_id,
                queue: Mutex::new(Queue::default()),
                committing: Arc::new(tokio::sync::Mutex::new(())),
            }),
        }
    }

    /// Records one base change; returns once it is committed.
    pub async fn change(&self, change: BaseChange) -> DbResult<()> {
        let (tx, mut rx) = oneshot::channel();
        {
            let mut q = self.inner.queue.lock().unwrap();
            q.changes.push(change);
            q.waiters.push(tx);
        }
        let guard = self.inner.committing.clone().lock_owned().await;
        // The committer before us may have taken our change along.
        let result = match rx.try_recv() {
            Ok(r) => r,
            Err(_) => {
                self.commit_in_background(guard).await;
                rx.await
                    .unwrap_or_else(|_| Err("the state database writer stopped".into()))
            }
        };
        result.map_err(DbError::Invalid)
    }

    /// Commits the queue in a task of its own, holding `guard` until done. A transfer cut
    /// mid-way (pause, shutdown) drops its future; the commit it was writing for itself and
    /// the files queued with it must not be dropped with it.
    async fn commit_in_background(&self, guard: tokio::sync::OwnedMutexGuard<()>) {
        let inner = self.inner.clone();
        let task = tokio::spawn(async move {
            inner.commit_queued().await;
            drop(guard);
        });
        let _ = task.await;
    }

    /// Records several base changes in one transaction (a move: the old paths forgotten, the
    /// new ones put); returns once they are committed.
    pub async fn change_all(&self, changes: Vec<BaseChange>) -> DbResult<()> {
        let mut waiters = Vec::with_capacity(changes.len());
        {
            let mut q = self.inner.queue.lock().unwrap();
            for c in changes {
                let (tx, rx) = oneshot::channel();
                q.changes.push(c);
                q.waiters.push(tx);
                waiters.push(rx);
            }
        }
        let guard = self.inner.committing.clone().lock_owned().await;
        // Queued together under one lock: one commit takes them all.
        let Some(last) = waiters.pop() else {
            return Ok(());
        };
        let mut last = last;
        let result = match last.try_recv() {
            Ok(r) => r,
            Err(_) => {
                self.commit_in_background(guard).await;
                last.await
                    .unwrap_or_else(|_| Err("the state database writer stopped".into()))
            }
        };
        for w in waiters {
            if let Ok(Err(e)) = w.await {
                return Err(DbError::Invalid(e));
            }
        }
        result.map_err(DbError::Invalid)
    }

    /// Queues a history row for the next commit.
    pub fn note_file(&self, row: RunFileRow) {
        self.inner.queue.lock().unwrap().files.push(row);
    }

    /// Queues a per-file error row for the next commit.
    pub fn note_error(&self, row: RunErrorRow) {
        self.inner.queue.lock().unwrap().errors.push(row);
    }

    /// Writes everything queued (history rows that no later change carried along).
    pub async fn flush(&self) {
        let guard = self.inner.committing.clone().lock_owned().await;
        self.commit_in_background(guard).await;
    }
}

impl Inner {
    /// Commits the queue in one transaction and tells each waiter. Call with `committing` held.
    async fn commit_queued(&self) {
        let q = std::mem::take(&mut *self.queue.lock().unwrap());
        if q.changes.is_empty() && q.files.is_empty() && q.errors.is_empty() {
            return;
        }
        let all = self
            .db
            .commit_batch(self.job_id, &q.changes, &q.files, &q.errors)
            .await;
        if all.is_ok() {
            for w in q.waiters {
                let _ = w.send(Ok(()));
            }
            return;
        }
        // One bad change must not fail the others: try each on its own.
        tracing::warn!(error = %all.unwrap_err(), "batched state update failed; retrying file by file");
        for (c, w) in q.changes.iter().zip(q.waiters) {
            let r = self
                .db
                .commit_batch(self.job_id, std::slice::from_ref(c), &[], &[])
                .await;
            let _ = w.send(r.map_err(|e| e.to_string()));
        }
        if let Err(e) = self
            .db
            .commit_batch(self.job_id, &[], &q.files, &q.errors)
            .await
        {
            tracing::warn!(error = %e, "could not record the run's history");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relpath::RelPath;
    use crate::tree::BaseEntry;
    use crate::tree::EntryKind;
    use std::sync::Arc;

    fn entry(path: &str, size: u64) -> BaseEntry {
        BaseEntry {
            path: RelPath::new(path).unwrap(),
            kind: EntryKind::File,
            hash: Some([7; 32]),
            local_size: size,
            local_mtime_ns: 1,
            remote_size: size,
            remote_mtime_ns: 2,
            remote_ctime_ns: Some(3),
            remote_file_id: Some(4),
            local_file_id: Some(5),
        }
    }

    async fn db_with_job() -> (tempfile::TempDir, Db, i64) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).await.unwrap();
        let local = dir.path().join("local");
        std::fs::create_dir_all(&local).unwrap();
        let job = crate::job_spec::JobSpec::new("j", local, "file:///tmp");
        let id = db.add_job(&job).await.unwrap().id;
        (dir, db, id)
    }

    /// A transfer cut while its change was being committed (its future dropped mid-write):
    /// the change is still committed. Before the commit ran in a task of its own, the queue it
    /// had taken was lost with the future.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_change_whose_caller_is_dropped_mid_commit_is_still_committed() {
        use futures::FutureExt;
        let (_dir, db, job) = db_with_job().await;
        let rec = Recorder::new(db.clone(), job);
        // Polled once: queued, then the commit started; then dropped, as a cut transfer is.
        // On a loaded machine the commit can now and then finish within that one poll, which
        // tests nothing: then again with another path, a bounded number of times.
        let mut cut = None;
        for i in 0..50 {
            let path = format!("cut/f{i}");
            if rec
                .change(BaseChange::Put(entry(&path, 5)))
                .now_or_never()
                .is_none()
            {
                cut = Some(path);
                break;
            }
        }
        let cut =
            cut.expect("the commit finished within one poll 50 times; the test needs it not to");
        rec.flush().await;
        let base = db.load_base(job).await.unwrap();
        assert_eq!(
            base.get(&RelPath::new(&cut).unwrap()),
            Some(&entry(&cut, 5))
        );
    }

    /// Many files finishing at once: every change is committed, in order per path, and the
    /// history rows queued without waiting are written by `flush`.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_changes_are_all_committed() {
        let (_dir, db, job) = db_with_job().await;
        let rec = Arc::new(Recorder::new(db.clone(), job));
        let run = db.start_run(job, false).await.unwrap();
        let mut set = tokio::task::JoinSet::new();
        for i in 0..200u64 {
            let rec = rec.clone();
            set.spawn(async move {
                let p = format!("d/f{i}");
                rec.change(BaseChange::Put(entry(&p, i))).await.unwrap();
                rec.note_file(RunFileRow {
                    run_id: run,
                    path: p.clone(),
                    action: "uploaded".into(),
                    bytes: i,
                    moved_from: None,
                });
                if i % 2 == 0 {
                    // A later change of the same path wins.
                    rec.change(BaseChange::Forget(RelPath::new(&p).unwrap()))
                        .await
                        .unwrap();
                }
            });
        }
        while let Some(r) = set.join_next().await {
            r.unwrap();
        }
        rec.flush().await;
        let base = db.load_base(job).await.unwrap();
        assert_eq!(base.len(), 100);
        assert!(base.values().all(|e| e.local_size % 2 == 1));
        assert_eq!(base[&RelPath::new("d/f7").unwrap()], entry("d/f7", 7));
        let files: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM run_files WHERE run_id = ?")
            .bind(run)
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(files, 200);
    }

    /// A move's changes (old paths forgotten, new ones put) are committed together, and the
    /// caller hears once all are in.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn changes_recorded_together_are_all_committed() {
        let (_dir, db, job) = db_with_job().await;
        let rec = Recorder::new(db.clone(), job);
        for p in ["old", "old/a", "old/b"] {
            rec.change(BaseChange::Put(entry(p, 1))).await.unwrap();
        }
        let moved = ["old", "old/a", "old/b"];
        let changes: Vec<BaseChange> = moved
            .iter()
            .map(|p| BaseChange::Forget(RelPath::new(p).unwrap()))
            .chain(
                moved
                    .iter()
                    .map(|p| BaseChange::Put(entry(&p.replacen("old", "new", 1), 1))),
            )
            .collect();
        rec.change_all(changes).await.unwrap();
        let base = db.load_base(job).await.unwrap();
        let mut keys: Vec<&str> = base.keys().map(|k| k.as_str()).collect();
        keys.sort();
        assert_eq!(keys, ["new", "new/a", "new/b"]);
        rec.change_all(Vec::new()).await.unwrap();
    }
}
