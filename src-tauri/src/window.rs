//! The one window, built when it opens and destroyed when it closes, so that a closed window
//! costs nothing: with no window there is no WebKit web process and no WebKit network process
//! (see `reap_webkit`), and the app keeps syncing in the tray.
//!
//! Everything that opens the window (the tray's items, a second launch, a notification click)
//! calls `show`, which raises the window if it exists or builds it again from the config entry
//! `main` (`"create": false` in tauri.conf.json: nothing is built at start). A freshly built
//! window loads the UI from scratch, which reads its state through commands; engine events
//! sent while no window exists go to no one (Tauri's `emit` keeps no queue for them).

use std::time::{Duration, Instant};

use tauri::webview::PageLoadEvent;
use tauri::{AppHandle, Emitter, Manager, WebviewWindow, WebviewWindowBuilder};

use crate::types::{Navigate, View};

pub const MAIN: &str = "main";

/// How long after the window is destroyed WebKit's own processes get to end by themselves
/// before `reap_webkit` ends them.
const REAP_AFTER: Duration = Duration::from_secs(2);

/// Shows, raises and focuses the window (building it if it is closed); with a view, the window
/// shows that screen. Safe to call from any thread.
pub fn show(app: &AppHandle, view: Option<View>) {
    if let Some(w) = app.get_webview_window(MAIN) {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
        if let Some(view) = view {
            let _ = app.emit_to(MAIN, "navigate", Navigate { view });
        }
        return;
    }
    let app2 = app.clone();
    // Built on the main thread, where `reap_webkit` also runs: the two never interleave.
    let built = app.run_on_main_thread(move || {
        if app2.get_webview_window(MAIN).is_some() {
            // Built meanwhile by another caller: just show the view.
            return show(&app2, view);
        }
        if let Err(e) = build(&app2, view) {
            tracing::error!("cannot open the window: {e}");
        }
    });
    if let Err(e) = built {
        tracing::error!("cannot open the window: {e}");
    }
}

fn build(app: &AppHandle, view: Option<View>) -> tauri::Result<WebviewWindow> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == MAIN)
        .cloned()
        .expect("tauri.conf.json has the window `main`");
    let started = Instant::now();
    let mut b = WebviewWindowBuilder::from_config(app, &config)?
        .visible(true)
        .on_page_load(move |_, p| {
            if p.event() == PageLoadEvent::Finished {
                // How long a closed window takes to come back (scripts/measure-idle reads it).
                tracing::info!(
                    ms = started.elapsed().as_millis() as u64,
                    "window built, page loaded"
                );
            }
        });
    if let Some(view) = view {
        // The page is not loaded yet, so a `navigate` event would be lost: the first screen is
        // handed over as a global the UI reads at start (ui/src/lib/startView.ts).
        let json = serde_json::to_string(&view).expect("a view serializes");
        b = b.initialization_script(format!("window.__ANEMONE_START_VIEW__ = {json};"));
    }
    let w = b.build()?;
    let _ = w.set_focus();
    Ok(w)
}

/// The window was destroyed (closed by the user): once WebKit has had a moment to end its
/// processes, ends the ones still running. The web process ends with its page, but WebKitGTK
/// keeps the network process of a web context alive for the app's lifetime (Tauri reuses the
/// context on Linux for that reason), holding ~28 MiB PSS in a tray app whose window is closed
/// most of the time. With no page left nothing uses it, and WebKit starts a new one for the
/// next page.
pub fn on_destroyed(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(REAP_AFTER).await;
        let app2 = app.clone();
        let _ = app.run_on_main_thread(move || {
            if app2.webview_windows().is_empty() {
                reap_webkit();
            }
        });
        trim_if_closed(&app).await;
    });
}

/// How long after start the app, if no window opened, gives back what starting touched.
pub const TRIM_AFTER_START: Duration = Duration::from_secs(30);

/// With no window open, gives back the pages the window's libraries left resident
/// (`working_set::trim`).
pub async fn trim_if_closed(app: &AppHandle) {
    if !app.webview_windows().is_empty() {
        return;
    }
    let started = Instant::now();
    if let Ok(advised) = tauri::async_runtime::spawn_blocking(crate::working_set::trim).await {
        tracing::debug!(
            mib = advised >> 20,
            ms = started.elapsed().as_millis() as u64,
            "no window: library pages handed back to the kernel"
        );
    }
}

/// Ends this process's WebKit children (web and network processes), by pid.
fn reap_webkit() {
    #[cfg(target_os = "linux")]
    for pid in crate::webkit_procs::children() {
        tracing::debug!(pid, "ending an idle WebKit process (no window open)");
        crate::webkit_procs::terminate(pid);
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
