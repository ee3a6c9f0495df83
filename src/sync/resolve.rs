//! Settling one pending conflict as the user chose (`resolve`, the app's conflict dialog).

use std::sync::Arc;
use std::time::Instant;

use crate::beneath::Beneath;
use crate::db::history::RunStatus;
use crate::engine::Engine;
use crate::events::RunProgress;
use crate::relpath::RelPath;
use crate::replica::dir::DirReplica;
use crate::replica::Replica;
use crate::sync::execute::Executor;
use crate::sync::reconcile::Resolution;
use crate::tree::EntryKind;
use crate::tree::LocalEntry;
use crate::tree::Side;

use super::report::{RunReport, SyncError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    Local,
    Remote,
    Both,
}

impl Keep {
    pub fn as_str(self) -> &'static str {
        match self {
            Keep::Local => "local",
            Keep::Remote => "remote",
            Keep::Both => "both",
        }
    }
}

impl Engine {
    /// Settles one pending conflict as the user chose.
    pub async fn resolve(&self, conflict_id: i64, keep: Keep) -> Result<RunReport, SyncError> {
        let started = Instant::now();
        let c = self.db.conflict_by_id(conflict_id).await?.ok_or_else(|| {
            SyncError::Config(format!(
                "no pending conflict with id {conflict_id}; see `anemone-sync conflicts`"
            ))
        })?;
        let job = self
            .db
            .job_by_id(c.job_id)
            .await?
            .ok_or_else(|| SyncError::Config("the conflict's job no longer exists".into()))?;
        let path = RelPath::new(&c.path).map_err(|e| SyncError::Config(e.to_string()))?;
        let remote = self.open_remote(&job).await?;
        let local_side = Arc::new(DirReplica::new(job.local_path.clone()));
        let l = local_side.stat(&path).await.map_err(|e| {
            SyncError::local(
                format!("cannot look at the local copy of {path}"),
                std::io::Error::other(e.message),
            )
        })?;
        let r = remote.stat(&path).await?;
        let (Some(l), Some(r)) = (l, r) else {
            self.db
                .mark_conflict_resolved(job.id, &path, "gone")
                .await?;
            return Err(SyncError::Config(format!(
                "{path} is no longer on both sides; the conflict is closed, run `anemone-sync sync {}`",
                job.name
            )));
        };
        let (fs, rel) = (Beneath::new(&job.local_path), path.clone());
        let hash = tokio::task::spawn_blocking(move || fs.hash_file(&rel))
            .await
            .map_err(|e| {
                SyncError::local("reading the local copy failed", std::io::Error::other(e))
            })?
            .map_err(|e| SyncError::local(format!("cannot read {path}"), e))?;
        let local = LocalEntry {
            path: path.clone(),
            kind: EntryKind::File,
            size: l.size,
            mtime_ns: l.mtime_ns,
            hash: Some(hash),
            file_id: l.file_id,
        };
        let resolution = match keep {
            Keep::Local => Resolution::UseLocal,
            Keep::Remote => Resolution::UseRemote,
            Keep::Both => Resolution::KeepBoth { loser: Side::Local },
        };
        let run_id = self.db.start_run(job.id, false).await.ok();
        let exec = Arc::new(Executor::new(
            self.db.clone(),
            job.clone(),
            run_id,
            local_side,
            remote,
            Arc::new(RunProgress::new(&job.name)),
            Some(self.events.clone()),
            self.reconnect_budget,
            &self.client_id,
        ));
        let result = exec.resolve(&local, &r, resolution).await;
        let ok = result.errors.is_empty();
        if ok {
            self.db
                .mark_conflict_resolved(job.id, &path, keep.as_str())
                .await?;
        }
        let status = if ok {
            RunStatus::Success
        } else {
            RunStatus::Partial
        };
        if let Some(id) = run_id {
            let _ = self
                .db
                .finish_run(
                    id,
                    status,
                    &result.counts,
                    Some(&format!("resolved {path}: keep {}", keep.as_str())),
                )
                .await;
        }
        Ok(RunReport {
            job: job.name,
            status,
            counts: result.counts,
            errors: result.errors,
            notes: Vec::new(),
            duration_ms: started.elapsed().as_millis() as u64,
            message: None,
            detail: None,
            run_id,
            exit_code: if ok { 0 } else { 1 },
            unreachable: false,
            auth_failed: false,
            connection: None,
            planned: None,
            guard: None,
            first_sync: None,
            first_sync_waiting: false,
        })
    }
}
