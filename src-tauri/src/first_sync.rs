//! The first sync of two folders that both hold files: the app asks how to settle them (see
//! `anemone_sync::sync::first_sync`). A job added in the app is set to ask; when its first
//! scan finds files on both sides it waits in the `first-sync` state, and the window shows a
//! dialog with what each choice would move (`first_sync_preview`), merge preselected; the
//! choice made (`choose_first_sync`) runs the sync at once.

use std::sync::Arc;

use anemone_sync::sync::first_sync::{self as engine_fs, FirstSyncSetting};
use serde::{Deserialize, Serialize};
use tauri::State;
use ts_rs::TS;

use crate::context::AppContext;
use crate::errors::{BridgeError, BridgeResult};

type Ctx<'a> = State<'a, Arc<AppContext>>;

/// How the first sync settles files never synced (`anemone_sync::sync::first_sync::FirstSync`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum FirstSyncChoice {
    /// Copy what is missing both ways; differing files are conflicts.
    Merge,
    /// The server ends up like this computer's folder.
    LocalWins,
    /// This computer's folder ends up like the server.
    RemoteWins,
}

impl From<FirstSyncChoice> for engine_fs::FirstSync {
    fn from(c: FirstSyncChoice) -> Self {
        match c {
            FirstSyncChoice::Merge => engine_fs::FirstSync::Merge,
            FirstSyncChoice::LocalWins => engine_fs::FirstSync::LocalWins,
            FirstSyncChoice::RemoteWins => engine_fs::FirstSync::RemoteWins,
        }
    }
}

/// What one choice would do, file by file (`FirstSyncCounts`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FirstSyncCounts {
    /// Files copied to the server where it has none.
    pub uploads: u64,
    /// Files copied to this computer where it has none.
    pub downloads: u64,
    /// Files on both sides that differ, replaced by the winner's version (the old one goes to
    /// the trash of its side).
    pub replaced: u64,
    /// Files only on the losing side, moved to that side's trash.
    pub deleted: u64,
    /// Files on both sides that differ, left to the job's conflict policy.
    pub conflicts: u64,
    /// Files of the same size on both sides: compared when the sync runs; identical ones stay.
    pub to_compare: u64,
    /// Bytes to copy (not counting the files to compare).
    pub bytes: u64,
    /// At most this many more bytes if every file to compare differs.
    pub compare_bytes: u64,
}

/// The counts of each choice for a job now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FirstSyncPreview {
    pub merge: FirstSyncCounts,
    pub local_wins: FirstSyncCounts,
    pub remote_wins: FirstSyncCounts,
    pub local_files: u64,
    pub remote_files: u64,
}

impl From<&anemone_sync::sync::first_sync_preview::FirstSyncCounts> for FirstSyncCounts {
    fn from(c: &anemone_sync::sync::first_sync_preview::FirstSyncCounts) -> Self {
        FirstSyncCounts {
            uploads: c.uploads,
            downloads: c.downloads,
            replaced: c.replaced,
            deleted: c.deleted,
            conflicts: c.conflicts,
            to_compare: c.to_compare,
            bytes: c.bytes,
            compare_bytes: c.compare_bytes,
        }
    }
}

impl From<&anemone_sync::sync::first_sync_preview::FirstSyncPreview> for FirstSyncPreview {
    fn from(p: &anemone_sync::sync::first_sync_preview::FirstSyncPreview) -> Self {
        FirstSyncPreview {
            merge: (&p.merge).into(),
            local_wins: (&p.local_wins).into(),
            remote_wins: (&p.remote_wins).into(),
            local_files: p.local_files,
            remote_files: p.remote_files,
        }
    }
}

/// A job just added in the app asks before its first sync merges two folders that both hold
/// files. Set before its worker starts, so the first run sees it.
pub async fn ask_on_first_sync(
    ctx: &AppContext,
    job: &anemone_sync::db::jobs::Job,
) -> BridgeResult<()> {
    ctx.engine
        .set_first_sync(job, FirstSyncSetting::Ask)
        .await?;
    Ok(())
}

async fn job_row(ctx: &AppContext, id: i64) -> BridgeResult<anemone_sync::db::jobs::Job> {
    ctx.engine.job(id).await?.ok_or_else(|| {
        BridgeError::not_found(format!(
            "job {id} does not exist (it may have been removed); reload the list"
        ))
    })
}

/// What each choice would move for the job now (both sides scanned, nothing touched); null
/// when there is nothing to choose (not a first sync, or a side holds no files).
#[tauri::command]
pub async fn first_sync_preview(
    ctx: Ctx<'_>,
    job_id: i64,
) -> BridgeResult<Option<FirstSyncPreview>> {
    let job = job_row(&ctx, job_id).await?;
    let p = ctx.engine.first_sync_preview(&job).await?;
    Ok(p.as_ref().map(Into::into))
}

/// Sets how the job's first sync settles the two folders and runs it now.
#[tauri::command]
pub async fn choose_first_sync(
    ctx: Ctx<'_>,
    job_id: i64,
    choice: FirstSyncChoice,
) -> BridgeResult<()> {
    let job = job_row(&ctx, job_id).await?;
    ctx.engine
        .set_first_sync(&job, FirstSyncSetting::Chosen(choice.into()))
        .await?;
    ctx.service.sync_now(Some(job_id));
    Ok(())
}
