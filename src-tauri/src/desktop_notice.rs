//! Shows a [`Notice`] as a desktop notification whose click opens the page it is about.
//!
//! Per OS (what works, and how):
//! - Linux (and the BSDs): straight through `notify-rust` on the session bus
//!   (org.freedesktop.Notifications), with a `default` action: the notification server sends
//!   `ActionInvoked(id, "default")` when the notification is clicked, and we show the window on
//!   the notice's page. tauri-plugin-notification cannot do this on Linux: its desktop side
//!   shows the notification and drops the handle, so a click never reaches the app.
//! - Windows and macOS: through tauri-plugin-notification. A click brings the app forward
//!   (the OS does that) but does not say which notice it was, so the window opens on the page
//!   it last showed. Not yet handled there: the page of the notice.
//!
//! Without a notification server (a bare X session) nothing is shown and nothing fails: the
//! tray and the window say the same.

use tauri::AppHandle;

use crate::notices::Notice;

/// The name notifications are shown under.
#[cfg(all(unix, not(target_os = "macos")))]
const APP_NAME: &str = "AnemoneSync";

#[cfg(all(unix, not(target_os = "macos")))]
pub fn show(app: &AppHandle, n: Notice) {
    let app = app.clone();
    // Showing is a blocking D-Bus call, and waiting for the click blocks until the
    // notification is clicked or closed: a thread of its own (notices are one per change of
    // state, so few).
    let spawned = std::thread::Builder::new()
        .name("notification".into())
        .spawn(move || {
            let shown = notify_rust::Notification::new()
                .appname(APP_NAME)
                .summary(&n.title)
                .body(&n.body)
                .icon("anemone-sync")
                .action("default", "Open")
                .show();
            match shown {
                Ok(handle) => handle.wait_for_action(|action| {
                    if action == "default" {
                        tracing::debug!(view = ?n.view, "notification clicked");
                        crate::window::show(&app, Some(n.view));
                    }
                }),
                Err(e) => tracing::debug!("notification not shown: {e}"),
            }
        });
    if let Err(e) = spawned {
        tracing::debug!("notification not shown: {e}");
    }
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
pub fn show(app: &AppHandle, n: Notice) {
    use tauri_plugin_notification::NotificationExt;
    if let Err(e) = app
        .notification()
        .builder()
        .title(&n.title)
        .body(&n.body)
        .show()
    {
        tracing::debug!("notification not shown: {e}");
    }
}
