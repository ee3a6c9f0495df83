//! The app's window as the X server sees it, under Xvfb with no window manager: found by title
//! (`xwininfo`), closed as a window manager's close button does (`close_window.py`), measured,
//! and photographed (ImageMagick).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The app's window (X ids, decimal): a top-level window (a child of the root) titled
/// AnemoneSync. `xdotool search --pid` is not used: it also finds the tray icon's window, which
/// a tray host embeds and GTK names after the app, and a close request sent there takes the
/// icon away. `one_app` keeps other instances out, so the title is enough.
pub fn windows() -> Vec<String> {
    let out = Command::new("xwininfo")
        .args(["-root", "-children"])
        .output()
        .expect("run xwininfo (apt-get install x11-utils)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("\"AnemoneSync\":"))
        .filter_map(|l| l.split_whitespace().next())
        .filter_map(|hex| u64::from_str_radix(hex.trim_start_matches("0x"), 16).ok())
        .map(|id| id.to_string())
        .collect()
}

pub fn close_window(id: &str) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/close_window.py");
    let st = Command::new("/usr/bin/python3")
        .arg(script)
        .arg(id)
        .status()
        .expect("run close_window.py (apt-get install python3-xlib)");
    assert!(st.success(), "close_window.py failed");
}

/// One X window as a PNG in target/screenshots/NAME.png (ImageMagick `import`).
pub fn screenshot_window(id: &str, name: &str) -> PathBuf {
    let path = super::webdriver::screenshots_dir().join(format!("{name}.png"));
    let st = Command::new("import")
        .args(["-window", id])
        .arg(&path)
        .status()
        .expect("run import (apt-get install imagemagick)");
    assert!(st.success(), "import -window {id} failed");
    path
}

/// How many distinct colours an image has: a blank page has one or two, a page of text and
/// controls hundreds (antialiased glyphs).
pub fn colours(png: &Path) -> u64 {
    identify(png, "%k").trim().parse().unwrap()
}

/// Width times height.
pub fn pixels(png: &Path) -> u64 {
    identify(png, "%w %h")
        .split_whitespace()
        .map(|n| n.parse::<u64>().unwrap())
        .product()
}

/// What ImageMagick's `identify -format FORMAT` says of an image.
fn identify(png: &Path, format: &str) -> String {
    let out = Command::new("identify")
        .args(["-format", format])
        .arg(png)
        .output()
        .expect("run identify (imagemagick)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Pixels that differ between two images of the same size by more than 10% of a channel.
pub fn pixels_differing(a: &Path, b: &Path) -> u64 {
    let out = Command::new("compare")
        .args(["-metric", "AE", "-fuzz", "10%"])
        .arg(a)
        .arg(b)
        .arg("null:")
        .output()
        .expect("run compare (imagemagick)");
    // `compare` prints the metric on stderr and exits 1 when the images differ.
    let said = String::from_utf8_lossy(&out.stderr);
    said.split_whitespace()
        .next()
        .and_then(|n| n.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("compare said: {said}")) as u64
}

/// Where a window is and how big: x, y (of its top-left corner on the screen), width, height.
pub fn geometry(id: &str) -> (i32, i32, i32, i32) {
    let out = Command::new("xwininfo")
        .args(["-id", id])
        .output()
        .expect("run xwininfo (apt-get install x11-utils)");
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |k: &str| -> i32 {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(k))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {k} in xwininfo's answer: {text}"))
    };
    (
        field("Absolute upper-left X:"),
        field("Absolute upper-left Y:"),
        field("Width:"),
        field("Height:"),
    )
}

/// Moves and resizes a window as a user's drag would end (no window manager: the request goes
/// straight to the X server, and GTK hears of it as from a window manager).
pub fn move_and_resize(id: &str, x: i32, y: i32, w: i32, h: i32) {
    for args in [
        vec![
            "windowsize".to_string(),
            id.to_string(),
            w.to_string(),
            h.to_string(),
        ],
        vec![
            "windowmove".to_string(),
            id.to_string(),
            x.to_string(),
            y.to_string(),
        ],
    ] {
        let st = Command::new("xdotool")
            .args(&args)
            .status()
            .expect("run xdotool");
        assert!(st.success(), "xdotool {args:?} failed");
    }
}
