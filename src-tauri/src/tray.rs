//! The tray icon: one icon per overall state, the summary as tooltip (and as the menu's first
//! line, since Linux trays show no tooltips), and the menu: Open, Sync now, Pause/Resume,
//! Resolve conflicts (N) when there are some, History, Settings, Quit. Each item has a mnemonic
//! (the underlined letter), so the open menu works from the keyboard.
//!
//! The menu is rebuilt only when its items change (pause state, conflict count); the summary
//! line is updated in place.

use std::sync::{Arc, Mutex};

use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager};

use crate::context::AppContext;
use crate::types::{AppState, JobState, View};

const ID: &str = "main";

fn icon(state: JobState) -> Image<'static> {
    let bytes: &'static [u8] = match state {
        JobState::Idle => include_bytes!("../../icons/tray-idle.png"),
        JobState::Syncing => include_bytes!("../../icons/tray-syncing.png"),
        JobState::Paused => include_bytes!("../../icons/tray-paused.png"),
        JobState::Offline => include_bytes!("../../icons/tray-offline.png"),
        JobState::Error => include_bytes!("../../icons/tray-error.png"),
        JobState::Conflict => include_bytes!("../../icons/tray-conflict.png"),
        // The attention icon: a decision waits, as for conflicts.
        JobState::NeedsYou => include_bytes!("../../icons/tray-conflict.png"),
        JobState::FirstSync => include_bytes!("../../icons/tray-conflict.png"),
    };
    Image::from_bytes(bytes).expect("tray icons are valid PNGs")
}

/// What the tray shows; the menu is rebuilt when it changes.
#[derive(Clone, Debug, PartialEq)]
pub struct TrayView {
    pub app: AppState,
    /// Every job is paused: the menu offers Resume.
    pub all_paused: bool,
    pub conflicts: u64,
}

pub struct Tray {
    icon: TrayIcon,
    shown: Mutex<Shown>,
}

struct Shown {
    view: TrayView,
    /// The menu's first line, updated in place: rebuilding the menu while it is open would
    /// close it under the user's pointer.
    summary: MenuItem<tauri::Wry>,
}

fn summary_text(v: &TrayView) -> String {
    // `&` marks a mnemonic (the letter keyboard users press); a literal one is doubled.
    v.app.summary.replace('&', "&&")
}

fn build_menu(
    app: &AppHandle,
    v: &TrayView,
) -> tauri::Result<(Menu<tauri::Wry>, MenuItem<tauri::Wry>)> {
    let summary = MenuItem::with_id(app, "summary", summary_text(v), false, None::<&str>)?;
    let open = MenuItem::with_id(app, "open", "&Open AnemoneSync", true, None::<&str>)?;
    let sync = MenuItem::with_id(app, "sync_now", "&Sync now", true, None::<&str>)?;
    let pause = if v.all_paused {
        MenuItem::with_id(app, "resume", "&Resume", true, None::<&str>)?
    } else {
        MenuItem::with_id(app, "pause", "&Pause", true, None::<&str>)?
    };
    let conflicts = (v.conflicts > 0)
        .then(|| {
            MenuItem::with_id(
                app,
                "conflicts",
                format!("Resolve &conflicts ({})", v.conflicts),
                true,
                None::<&str>,
            )
        })
        .transpose()?;
    let history = MenuItem::with_id(app, "history", "&History", true, None::<&str>)?;
    let settings = MenuItem::with_id(app, "settings", "Se&ttings", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "&Quit", true, None::<&str>)?;
    let sep1 = PredefinedMenuItem::separator(app)?;
    let sep2 = PredefinedMenuItem::separator(app)?;
    let mut items: Vec<&dyn tauri::menu::IsMenuItem<tauri::Wry>> =
        vec![&summary, &sep1, &open, &sync, &pause];
    if let Some(c) = &conflicts {
        items.push(c);
    }
    items.extend([
        &history as &dyn tauri::menu::IsMenuItem<tauri::Wry>,
        &settings,
        &sep2,
        &quit,
    ]);
    let menu = Menu::with_items(app, &items)?;
    Ok((menu, summary))
}

fn on_menu(app: &AppHandle, id: &str) {
    let ctx = app.state::<Arc<AppContext>>().inner().clone();
    match id {
        "open" => crate::window::show(app, Some(View::Jobs)),
        "sync_now" => ctx.service.sync_now(None),
        "pause" => ctx.service.pause(None),
        "resume" => ctx.service.resume(None),
        "conflicts" => crate::window::show(app, Some(View::Conflicts)),
        "history" => crate::window::show(app, Some(View::History)),
        "settings" => crate::window::show(app, Some(View::Settings)),
        "quit" => crate::quit::request(app),
        _ => {}
    }
}

impl Tray {
    pub fn create(app: &AppHandle, first: TrayView) -> tauri::Result<Tray> {
        let (menu, summary) = build_menu(app, &first)?;
        let icon = TrayIconBuilder::with_id(ID)
            .icon(icon(first.app.state))
            .tooltip(&first.app.summary)
            .menu(&menu)
            .show_menu_on_left_click(true)
            .on_menu_event(|app, event| on_menu(app, event.id.as_ref()))
            .build(app)?;
        Ok(Tray {
            icon,
            shown: Mutex::new(Shown {
                view: first,
                summary,
            }),
        })
    }

    /// Shows `v`, touching only what changed.
    pub fn update(&self, app: &AppHandle, v: TrayView) {
        let mut shown = self.shown.lock().unwrap();
        let old = &shown.view;
        if *old == v {
            return;
        }
        if old.app.state != v.app.state {
            let _ = self.icon.set_icon(Some(icon(v.app.state)));
        }
        if old.app.summary != v.app.summary {
            let _ = self.icon.set_tooltip(Some(&v.app.summary));
        }
        if old.all_paused != v.all_paused || old.conflicts != v.conflicts {
            match build_menu(app, &v) {
                Ok((menu, summary)) => {
                    let _ = self.icon.set_menu(Some(menu));
                    shown.summary = summary;
                }
                Err(e) => tracing::warn!("cannot rebuild the tray menu: {e}"),
            }
        } else if old.app.summary != v.app.summary {
            let _ = shown.summary.set_text(summary_text(&v));
        }
        shown.view = v;
    }
}
