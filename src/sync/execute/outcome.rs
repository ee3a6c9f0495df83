//! What happened to each action, and how it is counted, reported (per-file errors, progress
//! events) and noted for history.

use crate::db::history::{FileError, RunErrorRow, RunFileRow};
use crate::events::Event;
use crate::relpath::RelPath;
use crate::replica::ReplicaError;
use crate::tree::Side;

use super::Executor;

/// What happened to one action.
pub(crate) enum Outcome {
    /// Done; `what` names it for history (uploaded, downloaded, deleted_local, ...).
    Done {
        what: &'static str,
        bytes: u64,
        path: RelPath,
    },
    /// Renamed on `side` to follow a move on the other side.
    Moved {
        side: Side,
        from: RelPath,
        to: RelPath,
    },
    /// Several steps done (a keep-both conflict).
    Many(Vec<Outcome>),
    /// Nothing to report (records, forgets).
    Quiet,
    /// A conflict waits for the user.
    Pending,
    /// Left for the next run (changed since the scan).
    Deferred(String),
    Failed(ReplicaError),
}

impl Executor {
    pub(super) async fn account(&self, path: &RelPath, outcome: Outcome) {
        match outcome {
            Outcome::Done { what, bytes, path } => {
                {
                    let mut c = self.counts.lock().unwrap();
                    match what {
                        "uploaded" => {
                            c.uploaded += 1;
                            c.bytes_up += bytes;
                        }
                        "downloaded" => {
                            c.downloaded += 1;
                            c.bytes_down += bytes;
                        }
                        "deleted_local" => c.deleted_local += 1,
                        "deleted_remote" => c.deleted_remote += 1,
                        _ => {}
                    }
                }
                self.note_file(&path, what, bytes);
                self.emit(Event::FileDone {
                    job: self.job.name.clone(),
                    path: path.as_str().to_string(),
                    action: what.to_string(),
                    bytes,
                });
            }
            Outcome::Moved { side, from, to } => {
                // Named after the side renamed, as deletes are: moved_local renamed a local
                // path to follow a move made on the share.
                let what = match side {
                    Side::Local => "moved_local",
                    Side::Remote => "moved_remote",
                };
                {
                    let mut c = self.counts.lock().unwrap();
                    match side {
                        Side::Local => c.moved_local += 1,
                        Side::Remote => c.moved_remote += 1,
                    }
                }
                if let Some(run_id) = self.run_id {
                    self.recorder.note_file(RunFileRow {
                        run_id,
                        path: to.as_str().to_string(),
                        action: what.to_string(),
                        bytes: 0,
                        moved_from: Some(from.as_str().to_string()),
                    });
                }
                self.emit(Event::FileDone {
                    job: self.job.name.clone(),
                    path: to.as_str().to_string(),
                    action: what.to_string(),
                    bytes: 0,
                });
            }
            Outcome::Many(list) => {
                for o in list {
                    Box::pin(self.account(path, o)).await;
                }
            }
            Outcome::Quiet => {}
            Outcome::Pending => {
                self.pending.lock().unwrap().insert(path.clone());
                self.counts.lock().unwrap().conflicts += 1;
                self.note_file(path, "conflict_pending", 0);
            }
            Outcome::Deferred(why) => {
                tracing::info!(path = %path, reason = %why, "left for the next run");
                self.counts.lock().unwrap().skipped += 1;
            }
            Outcome::Failed(e) => {
                self.failed.lock().unwrap().insert(path.clone());
                // The sentence a person reads goes to the report, History and the app; the
                // server's own answer is kept as its detail.
                let said = crate::words::explain_file(path.as_str(), &e);
                self.file_error(path, &said.sentence, said.detail.as_deref())
                    .await;
            }
        }
    }

    pub(super) async fn file_error(&self, path: &RelPath, message: &str, detail: Option<&str>) {
        // At info: the log file keeps it with its detail, while a terminal shows the run's
        // own list of errors (the sentence only; the detail with --verbose).
        match detail {
            Some(d) => {
                tracing::info!(path = %path, error = %message, detail = %d, "file not synced")
            }
            None => tracing::info!(path = %path, error = %message, "file not synced"),
        }
        self.errors.lock().unwrap().push(FileError {
            path: path.as_str().to_string(),
            message: message.to_string(),
            detail: detail.map(str::to_string),
        });
        if let Some(run_id) = self.run_id {
            self.recorder.note_error(RunErrorRow {
                run_id,
                path: path.as_str().to_string(),
                message: message.to_string(),
                detail: detail.map(str::to_string),
            });
        }
        self.emit(Event::FileFailed {
            job: self.job.name.clone(),
            path: path.as_str().to_string(),
            message: message.to_string(),
        });
    }

    /// History of this run (written with the next group commit).
    fn note_file(&self, path: &RelPath, what: &str, bytes: u64) {
        if let Some(run_id) = self.run_id {
            self.recorder.note_file(RunFileRow {
                run_id,
                path: path.as_str().to_string(),
                action: what.to_string(),
                bytes,
                moved_from: None,
            });
        }
    }
}
