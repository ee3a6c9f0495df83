//! The tray icon: one icon per overall state, the summary as tooltip (and as the menu's first
//! line, since Linux trays show no tooltips), and the menu: Open, Sync now, Pause/Resume,
//! Resolve conflicts (N) when there are some, History, Settings, Quit. Each item has a mnemonic
//! (the underlined letter), so the open menu works from the keyboard.
//!
//! The menu is rebuilt only when its items change (pause state, conflict count, whether any job
//! runs); the summary line is updated in place, cut to [`MENU_LINE_MAX`] characters (a long
//! error ran the menu off the screen; the tooltip keeps the whole line).
//!
//! With no job that runs (none yet, or all disabled) the icon is the grey one, never the
//! green "up to date", Sync now and Pause are off, and the first item is "Add a sync job…".

use std::sync::{Arc, Mutex};

use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager};

use crate::context::AppContext;
use crate::types::{AppState, JobState, View};

const ID: &str = "main";
/// The longest summary line in the menu, in characters (with the ellipsis).
pub const MENU_LINE_MAX: usize = 48;

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
    menu_line(&v.app.summary).replace('&', "&&")
}

/// `s` cut to [`MENU_LINE_MAX`] characters, at a word boundary when one is near, with "…".
pub fn menu_line(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() <= MENU_LINE_MAX {
        return s.to_string();
    }
    let cut: String = s.chars().take(MENU_LINE_MAX - 1).collect();
    // Back to the last space if that keeps most of the line ("...the server", not "...the se").
    let cut = match cut.rfind(' ') {
        Some(i) if i >= MENU_LINE_MAX * 2 / 3 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([' ', ',', ':', ';', '.']))
}

/// The icon for what the tray shows: grey when no job runs at all.
fn icon_for(v: &TrayView) -> JobState {
    if v.app.enabled_jobs == 0 && v.app.state == JobState::Idle {
        JobState::Paused
    } else {
        v.app.state
    }
}

/// Whether any job runs: Sync now and Pause act on something.
fn has_jobs(v: &TrayView) -> bool {
    v.app.enabled_jobs > 0
}

fn build_menu(
    app: &AppHandle,
    v: &TrayView,
) -> tauri::Result<(Menu<tauri::Wry>, MenuItem<tauri::Wry>)> {
    let summary = MenuItem::with_id(app, "summary", summary_text(v), false, None::<&str>)?;
    let open = if v.app.jobs == 0 {
        MenuItem::with_id(app, "add_job", "&Add a sync job…", true, None::<&str>)?
    } else {
        MenuItem::with_id(app, "open", "&Open AnemoneSync", true, None::<&str>)?
    };
    let live = has_jobs(v);
    // Sync now syncs every job that is not paused: with all paused there is nothing to do.
    let sync = MenuItem::with_id(
        app,
        "sync_now",
        "&Sync now",
        live && !v.all_paused,
        None::<&str>,
    )?;
    let pause = if v.all_paused {
        MenuItem::with_id(app, "resume", "&Resume", live, None::<&str>)?
    } else {
        MenuItem::with_id(app, "pause", "&Pause", live, None::<&str>)?
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
        "open" | "add_job" => crate::window::show(app, Some(View::Jobs)),
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
            .icon(icon(icon_for(&first)))
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
        if icon_for(old) != icon_for(&v) {
            let _ = self.icon.set_icon(Some(icon(icon_for(&v))));
        }
        if old.app.summary != v.app.summary {
            let _ = self.icon.set_tooltip(Some(&v.app.summary));
        }
        if old.all_paused != v.all_paused
            || old.conflicts != v.conflicts
            || old.app.jobs != v.app.jobs
            || has_jobs(old) != has_jobs(&v)
        {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn view(state: JobState, summary: &str, jobs: u32, enabled: u32) -> TrayView {
        TrayView {
            app: AppState {
                state,
                summary: summary.into(),
                jobs,
                enabled_jobs: enabled,
                paused_jobs: 0,
            },
            all_paused: false,
            conflicts: 0,
        }
    }

    #[test]
    fn a_long_status_line_is_cut_to_a_sane_width() {
        let long = "photos failed: the server nas.example.org refused the connection on port 445; check that it is on";
        let line = menu_line(long);
        assert!(line.chars().count() <= MENU_LINE_MAX, "{line}");
        assert!(line.ends_with('…'));
        assert!(line.starts_with("photos failed: the server nas.example.org"));
        assert_eq!(
            menu_line("Up to date, synced 2 min ago"),
            "Up to date, synced 2 min ago"
        );
        // Mnemonic escaping comes after the cut.
        let v = view(JobState::Idle, "R&D is up to date", 1, 1);
        assert_eq!(summary_text(&v), "R&&D is up to date");
    }

    #[test]
    fn no_job_that_runs_is_grey_and_has_nothing_to_sync() {
        let none = view(JobState::Idle, "No sync jobs yet: add a sync job", 0, 0);
        assert_eq!(icon_for(&none), JobState::Paused);
        assert!(!has_jobs(&none));
        let disabled = view(JobState::Paused, "a is disabled: nothing syncs", 1, 0);
        assert_eq!(icon_for(&disabled), JobState::Paused);
        assert!(!has_jobs(&disabled));
        let fine = view(JobState::Idle, "Up to date", 1, 1);
        assert_eq!(icon_for(&fine), JobState::Idle);
        assert!(has_jobs(&fine));
    }
}
