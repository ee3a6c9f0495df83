//! The handles every part of the shell shares: the in-process engine, its sync service, the
//! data folder and the app settings. Managed by Tauri as state (`State<'_, Arc<AppContext>>`).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anemone_sync::engine::Engine;
use anemone_sync::service::Service;

use crate::types::{AppState, Settings};

pub struct AppContext {
    pub engine: Arc<Engine>,
    pub service: Service,
    pub data_dir: PathBuf,
    pub settings: Mutex<Settings>,
    /// The overall state last published as `app-state` (for a window that opens later).
    pub app_state: Mutex<Option<AppState>>,
    /// Set once Quit was chosen: the tray and events stop updating, the window stays hidden.
    pub quitting: std::sync::atomic::AtomicBool,
    /// Poked when jobs are added, removed, enabled or disabled: no engine event says so, and
    /// the tray and header must not keep saying "up to date" about a job that is gone.
    pub jobs_changed: tokio::sync::Notify,
}

impl AppContext {
    pub fn settings(&self) -> Settings {
        self.settings.lock().unwrap().clone()
    }

    pub fn is_quitting(&self) -> bool {
        self.quitting.load(std::sync::atomic::Ordering::SeqCst)
    }
}
