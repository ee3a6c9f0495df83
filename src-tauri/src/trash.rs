//! The Trash view's commands and types: list a job's trash (both sides), restore items, empty
//! it, and find what a History row's run put in the trash. The engine does the work
//! (`anemone_sync::trash`); restoring and emptying run with the job's sync worker stopped
//! (`Service::change_job`), so they happen between runs, never during one, and a sync is
//! asked for afterwards to carry restored files to the other side.

use std::sync::Arc;

use anemone_sync::tree::Side;
use serde::{Deserialize, Serialize};
use tauri::State;
use ts_rs::TS;

use crate::context::AppContext;
use crate::errors::{BridgeError, BridgeResult};

type Ctx<'a> = State<'a, Arc<AppContext>>;

/// Which side of a job: this computer or the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum TrashSide {
    Local,
    Remote,
}

impl From<Side> for TrashSide {
    fn from(s: Side) -> Self {
        match s {
            Side::Local => TrashSide::Local,
            Side::Remote => TrashSide::Remote,
        }
    }
}

impl From<TrashSide> for Side {
    fn from(s: TrashSide) -> Self {
        match s {
            TrashSide::Local => Side::Local,
            TrashSide::Remote => Side::Remote,
        }
    }
}

/// Why a file is in the trash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum TrashReason {
    /// Deleted here because it was deleted on the other side.
    Deleted,
    /// Replaced by a newer version from the other side.
    Overwritten,
    /// The losing version of a conflict.
    Conflict,
    /// Put there by an older version or another computer.
    Unknown,
}

impl From<anemone_sync::db::trash::TrashReason> for TrashReason {
    fn from(r: anemone_sync::db::trash::TrashReason) -> Self {
        use anemone_sync::db::trash::TrashReason as R;
        match r {
            R::Deleted => TrashReason::Deleted,
            R::Overwritten => TrashReason::Overwritten,
            R::Conflict => TrashReason::Conflict,
            R::Unknown => TrashReason::Unknown,
        }
    }
}

/// One file in a job's trash (trash::TrashItem).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct TrashEntry {
    pub job_id: i64,
    pub side: TrashSide,
    /// Names the item for a restore: its place in that side's `.anemone-trash`.
    pub trash_path: String,
    pub original_path: String,
    pub reason: TrashReason,
    pub trashed_at_ms: i64,
    /// Bytes; 0 from `trash_of_runs` (which does not look at the trash itself).
    pub size: u64,
    /// The run that put it there (its History rows), when this install did.
    pub run_id: Option<i64>,
}

/// A job's trash on both sides, newest first, and what could not be looked at.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct TrashView {
    pub items: Vec<TrashEntry>,
    /// A side that could not be listed (the server offline), refused names; for people.
    pub problems: Vec<String>,
}

/// An item to restore.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct TrashKey {
    pub side: TrashSide,
    pub trash_path: String,
}

/// How one restore went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct RestoreResult {
    pub side: TrashSide,
    pub trash_path: String,
    pub ok: bool,
    /// Where it went (its original path, or beside it when that name was taken).
    pub restored_to: Option<String>,
    pub original_path: Option<String>,
    pub message: Option<String>,
}

/// How emptying one side went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct EmptyResult {
    pub side: TrashSide,
    pub ok: bool,
    pub message: Option<String>,
}

async fn job(ctx: &AppContext, id: i64) -> BridgeResult<anemone_sync::db::jobs::Job> {
    ctx.engine.job(id).await?.ok_or_else(|| {
        BridgeError::not_found(format!(
            "job {id} does not exist (it may have been removed); reload the list"
        ))
    })
}

fn entry(job_id: i64, i: anemone_sync::trash::TrashItem) -> TrashEntry {
    TrashEntry {
        job_id,
        side: i.side.into(),
        trash_path: i.trash_path,
        original_path: i.original_path,
        reason: i.reason.into(),
        trashed_at_ms: i.trashed_at_ms,
        size: i.size,
        run_id: i.run_id,
    }
}

#[tauri::command]
pub async fn trash_list(ctx: Ctx<'_>, job_id: i64) -> BridgeResult<TrashView> {
    let j = job(&ctx, job_id).await?;
    let l = ctx.engine.trash_list(&j).await;
    Ok(TrashView {
        items: l.items.into_iter().map(|i| entry(job_id, i)).collect(),
        problems: l.problems,
    })
}

/// Restores items between runs of the job, then asks for a sync that carries them across.
#[tauri::command]
pub async fn trash_restore(
    ctx: Ctx<'_>,
    job_id: i64,
    items: Vec<TrashKey>,
) -> BridgeResult<Vec<RestoreResult>> {
    let j = job(&ctx, job_id).await?;
    let keys: Vec<anemone_sync::trash::TrashKey> = items
        .iter()
        .map(|k| anemone_sync::trash::TrashKey {
            side: k.side.into(),
            trash_path: k.trash_path.clone(),
        })
        .collect();
    let done = ctx
        .service
        .change_job(job_id, ctx.engine.trash_restore(&j, &keys))
        .await;
    ctx.service.sync_now(Some(job_id));
    Ok(items
        .into_iter()
        .zip(done)
        .map(|(k, r)| match r {
            Ok(r) => RestoreResult {
                side: k.side,
                trash_path: k.trash_path,
                ok: true,
                restored_to: Some(r.restored_to),
                original_path: Some(r.original_path),
                message: None,
            },
            Err(m) => RestoreResult {
                side: k.side,
                trash_path: k.trash_path,
                ok: false,
                restored_to: None,
                original_path: None,
                message: Some(m),
            },
        })
        .collect())
}

/// Deletes a job's trash for good, on one side or both (`side` none), between runs.
#[tauri::command]
pub async fn trash_empty(
    ctx: Ctx<'_>,
    job_id: i64,
    side: Option<TrashSide>,
) -> BridgeResult<Vec<EmptyResult>> {
    let j = job(&ctx, job_id).await?;
    let sides: Vec<Side> = match side {
        Some(s) => vec![s.into()],
        None => vec![Side::Local, Side::Remote],
    };
    let done = ctx
        .service
        .change_job(job_id, ctx.engine.trash_empty(&j, &sides))
        .await;
    Ok(done
        .into_iter()
        .map(|(s, r)| EmptyResult {
            side: s.into(),
            ok: r.is_ok(),
            message: r.err(),
        })
        .collect())
}

/// What the given runs put in the trash (from the database only: no server round trip), for
/// the Restore action of History's rows. An item emptied since says so when restored.
#[tauri::command]
pub async fn trash_of_runs(ctx: Ctx<'_>, run_ids: Vec<i64>) -> BridgeResult<Vec<TrashEntry>> {
    let recs = ctx.engine.trash_records_of_runs(&run_ids).await?;
    Ok(recs
        .into_iter()
        .map(|(job_id, r)| TrashEntry {
            job_id,
            side: r.side.into(),
            trash_path: r.trash_path,
            original_path: r.original_path,
            reason: r.reason.into(),
            trashed_at_ms: r.trashed_at_ms,
            size: 0,
            run_id: r.run_id,
        })
        .collect())
}
