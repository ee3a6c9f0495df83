//! The one window: shown from the tray, hidden (not closed) when the user closes it, so the app
//! keeps syncing in the tray.

use tauri::{AppHandle, Emitter, Manager};

use crate::types::{Navigate, View};

pub const MAIN: &str = "main";

/// Shows, raises and focuses the window; with a view, asks the UI to switch to it.
pub fn show(app: &AppHandle, view: Option<View>) {
    let Some(w) = app.get_webview_window(MAIN) else {
        tracing::warn!("the main window is gone");
        return;
    };
    let _ = w.unminimize();
    let _ = w.show();
    let _ = w.set_focus();
    if let Some(view) = view {
        let _ = app.emit_to(MAIN, "navigate", Navigate { view });
    }
}
