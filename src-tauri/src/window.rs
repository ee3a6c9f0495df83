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

/// What is kept of the window across restarts: size, position, maximized; not whether it is
/// shown (the app starts in the tray) nor decorations.
pub const KEPT_STATE: tauri_plugin_window_state::StateFlags =
    tauri_plugin_window_state::StateFlags::SIZE
        .union(tauri_plugin_window_state::StateFlags::POSITION)
        .union(tauri_plugin_window_state::StateFlags::MAXIMIZED);

/// Saves the window's size and position now (the plugin saves at exit too, but a session that
/// ends with the app killed never gets there): called when the window is hidden.
pub fn keep_state(app: &AppHandle) {
    use tauri_plugin_window_state::AppHandleExt;
    if let Err(e) = app.save_window_state(KEPT_STATE) {
        tracing::debug!("cannot save the window's size and position: {e}");
    }
}
