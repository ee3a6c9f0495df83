//! AnemoneSync desktop app: a tray icon and one window over the sync engine, which runs
//! in-process on Tauri's tokio runtime. Thin by design: commands in `commands`, engine events
//! to front-end events in `events`, the tray in `tray`, quitting in `quit`.
//!
//! `--show` opens the window at start (it opens anyway on first run, when there is no job).

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

#[cfg(test)]
mod bindings;
mod commands;
mod context;
mod convert;
mod desktop_notice;
mod errors;
mod events;
mod first_sync;
mod form;
mod guard;
mod limits;
mod notices;
mod preview;
mod quit;
mod settings;
mod summary;
mod trash;
mod tray;
mod types;
#[cfg(target_os = "linux")]
mod webkit_procs;
mod window;
mod working_set;

use std::sync::{Arc, Mutex};

use anemone_sync::engine::{self, Engine};
use anemone_sync::service::{Service, ServiceOptions};
use tauri::{Manager, RunEvent, WindowEvent};

use crate::context::AppContext;

fn main() {
    let show = std::env::args().any(|a| a == "--show");
    let data_dir = engine::data_dir(None);
    let settings = settings::load(&data_dir);
    if std::env::var_os("RUST_LOG").is_none() {
        // Before any thread starts (the log level is read once, at start).
        std::env::set_var("RUST_LOG", settings.log_level.filter());
    }
    let _log = anemone_sync::logging::init(&data_dir);

    let app = tauri::Builder::default()
        // First: a second launch must find the first one before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            window::show(app, None);
        }))
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            None,
        ))
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(window::KEPT_STATE)
                .build(),
        )
        .invoke_handler(command_handler!())
        .on_window_event(|w, e| {
            // Closing the window destroys it (the app lives on in the tray, and a closed window
            // costs no memory): `window::show` builds it again. Its size and position are saved
            // first, for the next window and the next start.
            if let WindowEvent::CloseRequested { .. } = e {
                if w.label() == window::MAIN {
                    window::keep_state(w.app_handle());
                }
            }
            if let WindowEvent::Destroyed = e {
                if w.label() == window::MAIN {
                    window::on_destroyed(w.app_handle());
                }
            }
        })
        .setup(move |app| {
            let handle = app.handle().clone();
            let (ctx, rx, no_jobs) = tauri::async_runtime::block_on(async {
                let engine = Arc::new(Engine::open(&data_dir).await?);
                // Subscribed before the service starts, so the first run's events are seen.
                let rx = engine.subscribe();
                let no_jobs = engine.jobs().await?.is_empty();
                let service = Service::start(engine.clone(), ServiceOptions::default()).await;
                let ctx = Arc::new(AppContext {
                    engine,
                    service,
                    data_dir: data_dir.clone(),
                    settings: Mutex::new(settings),
                    app_state: Mutex::new(None),
                    quitting: Default::default(),
                    jobs_changed: Default::default(),
                });
                Ok::<_, anemone_sync::sync::SyncError>((ctx, rx, no_jobs))
            })?;
            app.manage(ctx.clone());
            let first =
                tauri::async_runtime::block_on(events::current_view(&ctx, &Default::default()));
            app.manage(tray::Tray::create(&handle, first)?);
            events::spawn(handle.clone(), ctx, rx);
            if show || no_jobs {
                window::show(&handle, None);
            }
            // Started in the tray: once the start has settled, give back what it touched.
            let h = handle.clone();
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep(window::TRIM_AFTER_START).await;
                window::trim_if_closed(&h).await;
            });
            tracing::info!(data_dir = %data_dir.display(), "AnemoneSync app started");
            Ok(())
        })
        .build(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("AnemoneSync cannot start: {e}");
            std::process::exit(1);
        });
    app.run(|_app, event| {
        // The last window closing is not a reason to quit: only the tray's Quit is.
        if let RunEvent::ExitRequested {
            code: None, api, ..
        } = event
        {
            api.prevent_exit();
        }
    });
}
