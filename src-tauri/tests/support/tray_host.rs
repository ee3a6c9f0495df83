//! A system tray under Xvfb: `trayer` hosts the app's tray icon (XEmbed), `xdotool` clicks it
//! and types into its menu, `import` (ImageMagick) screenshots the screen with the menu open.
//! Dropping it kills the trayer we started (by pid).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::webdriver::screenshots_dir;

pub struct TrayHost {
    trayer: Child,
}

fn xdotool(args: &[&str]) -> String {
    let out = Command::new("xdotool")
        .args(args)
        .output()
        .expect("run xdotool (apt-get install xdotool)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The trayer panel's geometry: x, y, width, height.
fn panel_geometry() -> Option<(i32, i32, i32, i32)> {
    let ids = xdotool(&["search", "--name", "^panel$"]);
    for id in ids.lines() {
        let g = xdotool(&["getwindowgeometry", "--shell", id]);
        let field = |k: &str| {
            g.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")))
                .and_then(|v| v.trim().parse::<i32>().ok())
        };
        if let (Some(x), Some(y), Some(w), Some(h)) =
            (field("X"), field("Y"), field("WIDTH"), field("HEIGHT"))
        {
            return Some((x, y, w, h));
        }
    }
    None
}

impl TrayHost {
    pub fn start() -> TrayHost {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "the tray test needs an X display (scripts/test-app runs it under xvfb-run)"
        );
        let trayer = Command::new("trayer")
            .args([
                "--edge",
                "bottom",
                "--align",
                "right",
                "--widthtype",
                "request",
                "--height",
                "32",
                "--SetDockType",
                "true",
                "--transparent",
                "false",
                "--tint",
                "0xdddddd",
                "--expand",
                "true",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start trayer (apt-get install trayer)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while panel_geometry().is_none() {
            assert!(Instant::now() < deadline, "trayer's panel did not appear");
            std::thread::sleep(Duration::from_millis(100));
        }
        TrayHost { trayer }
    }

    /// Waits for the app's icon to dock, then clicks it: its menu opens.
    pub fn open_menu(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let (x, y, w, h) = loop {
            // An empty panel is a couple of pixels wide; a docked icon makes it wider.
            if let Some(g @ (_, _, w, _)) = panel_geometry() {
                if w >= 16 {
                    break g;
                }
            }
            assert!(
                Instant::now() < deadline,
                "the app's tray icon never docked in trayer"
            );
            std::thread::sleep(Duration::from_millis(200));
        };
        let (cx, cy) = (x + w / 2, y + h / 2);
        xdotool(&["mousemove", &cx.to_string(), &cy.to_string()]);
        std::thread::sleep(Duration::from_millis(200));
        xdotool(&["click", "1"]);
        // The menu is a popup window of the app; give it time to map and grab the keyboard.
        std::thread::sleep(Duration::from_millis(800));
    }

    /// Activates the open menu's item with this mnemonic (the underlined letter).
    pub fn choose(&self, key: char) {
        xdotool(&["key", &key.to_string()]);
        std::thread::sleep(Duration::from_millis(500));
    }

    /// Closes an open menu without choosing.
    #[allow(dead_code)]
    pub fn close_menu(&self) {
        xdotool(&["key", "Escape"]);
    }

    /// The whole screen, menu included, to target/screenshots/NAME.png.
    pub fn screenshot(&self, name: &str) {
        let path = screenshots_dir().join(format!("{name}.png"));
        let st = Command::new("import")
            .args(["-window", "root"])
            .arg(&path)
            .status()
            .expect("run import (apt-get install imagemagick)");
        assert!(st.success(), "import failed");
    }
}

impl Drop for TrayHost {
    fn drop(&mut self) {
        let _ = self.trayer.kill();
        let _ = self.trayer.wait();
    }
}
