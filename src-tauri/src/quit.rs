//! Quit from the tray. With transfers running it asks whether to wait for them or stop now;
//! either way the sync service stops cleanly (an interrupted transfer leaves only a temp file
//! that the next run resumes or removes, never a partial file under a real name).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use anemone_sync::events::JobState;
use tauri::{AppHandle, Manager};
use tauri_plugin_dialog::{
    DialogExt, MessageDialogButtons, MessageDialogKind, MessageDialogResult,
};

use crate::context::AppContext;

const WAIT: &str = "Wait, then quit";
const STOP: &str = "Stop now";

fn syncing(ctx: &AppContext) -> usize {
    ctx.service
        .statuses()
        .iter()
        .filter(|s| s.state == JobState::Syncing)
        .count()
}

pub fn request(app: &AppHandle) {
    let ctx = app.state::<Arc<AppContext>>().inner().clone();
    if ctx.is_quitting() {
        return;
    }
    let running = syncing(&ctx);
    if running == 0 {
        finish(app.clone(), ctx, false);
        return;
    }
    let app2 = app.clone();
    app.dialog()
        .message(format!(
            "{running} job{} still transferring files. Wait for the transfers to finish, or stop \
             now? Stopping is safe: unfinished files stay as temp files that the next sync resumes.",
            if running == 1 { " is" } else { "s are" }
        ))
        .title("Quit AnemoneSync")
        .kind(MessageDialogKind::Warning)
        .buttons(MessageDialogButtons::YesNoCancelCustom(
            WAIT.into(),
            STOP.into(),
            "Cancel".into(),
        ))
        .show_with_result(move |answer| match answer {
            MessageDialogResult::Custom(s) if s == WAIT => finish(app2, ctx, true),
            MessageDialogResult::Yes => finish(app2, ctx, true),
            MessageDialogResult::Custom(s) if s == STOP => finish(app2, ctx, false),
            MessageDialogResult::No => finish(app2, ctx, false),
            _ => {}
        });
}

/// Stops the service and exits. `wait`: first let every running sync end by itself.
fn finish(app: AppHandle, ctx: Arc<AppContext>, wait: bool) {
    ctx.quitting.store(true, Ordering::SeqCst);
    if let Some(w) = app.get_webview_window(crate::window::MAIN) {
        let _ = w.hide();
    }
    tauri::async_runtime::spawn(async move {
        if wait {
            tracing::info!("quit: waiting for running syncs to finish");
            while syncing(&ctx) > 0 {
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            ctx.service.shutdown().await;
        } else {
            tracing::info!("quit: stopping now");
            ctx.service.shutdown_within(Duration::ZERO).await;
        }
        app.exit(0);
    });
}
