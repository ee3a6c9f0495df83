//! The delete guard's decision in the app: what a job in `needs_you` would delete, and the
//! user's answer. Two thin commands over the sync service, which keeps the stop and carries
//! out the answer (`Service::decide`).

use std::sync::Arc;

use anemone_sync::sync::guard::{GuardReason, GuardStop};
use tauri::State;

use crate::context::AppContext;
use crate::errors::{BridgeError, BridgeResult};
use crate::types::{Decision, NeedsYou, Side};

type Ctx<'a> = State<'a, Arc<AppContext>>;

/// The stop as the bridge shows it.
pub fn view(g: &GuardStop) -> NeedsYou {
    NeedsYou {
        side: match g.side {
            anemone_sync::tree::Side::Local => Side::Local,
            anemone_sync::tree::Side::Remote => Side::Remote,
        },
        count: g.count,
        bytes: g.bytes,
        paths: g.paths.clone(),
        folder_changed: matches!(g.reason, GuardReason::LocalFolder(_)),
        what: crate::errors::sentence(&g.what),
    }
}

/// What job `job_id`'s stopped run would delete; null when it is not waiting for a decision.
#[tauri::command]
pub async fn needs_you(ctx: Ctx<'_>, job_id: i64) -> BridgeResult<Option<NeedsYou>> {
    Ok(ctx
        .service
        .statuses()
        .into_iter()
        .find(|s| s.job_id == job_id)
        .and_then(|s| s.needs_you.as_ref().map(view)))
}

/// The user's answer to job `job_id`'s guard stop.
#[tauri::command]
pub async fn decide(ctx: Ctx<'_>, job_id: i64, decision: Decision) -> BridgeResult<()> {
    let waiting = ctx
        .service
        .statuses()
        .iter()
        .any(|s| s.job_id == job_id && s.needs_you.is_some());
    if !waiting {
        return Err(BridgeError::not_found(
            "This job is no longer waiting for a decision: nothing was changed.",
        ));
    }
    ctx.service.decide(
        job_id,
        match decision {
            Decision::DeleteOnOtherSide => anemone_sync::service::Decision::DeleteOnOtherSide,
            Decision::RestoreMissing => anemone_sync::service::Decision::RestoreMissing,
            Decision::Later => anemone_sync::service::Decision::Later,
        },
    );
    Ok(())
}
