//! A closed window costs nothing: closing the window destroys it and every WebKit process the
//! app started ends, while the engine and the tray go on; Open in the tray builds the window
//! again and its UI works.
//!
//! The app runs under tauri-driver (so the page can be read), but the window is closed the way
//! a user does it: a close request from the window system (WM_DELETE_WINDOW, sent by
//! tests/support/close_window.py; WebDriver's own "close window" would end the session). The
//! rebuilt window is a new browsing context of the same WebDriver session, found by its handle.
//!
//! Needs an X display and a session bus: scripts/test-app runs it under
//! `xvfb-run ... dbus-run-session`.

#[path = "../../tests/support/samba.rs"]
#[allow(dead_code)]
mod samba;
#[allow(dead_code)]
mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use anemone_sync::policy::ConflictPolicy;
use samba::SambaServer;
use support::app::*;
use support::procs::{children_of, comm};
use support::tray_host::TrayHost;
use support::trees::wait_for_file;
use support::webdriver::App;

/// The app's process among what tauri-driver started.
fn app_pid(app: &App) -> i32 {
    let mut found = None;
    wait_until("the app's process", LONG, || {
        found = app
            .app_pids()
            .into_iter()
            .find(|p| comm(*p).starts_with("anemone-sync-ap"));
        found.is_some()
    });
    found.unwrap()
}

/// The WebKit processes (web, network) the app started, by command name.
fn webkit_children(pid: i32) -> Vec<String> {
    children_of(pid)
        .into_iter()
        .map(comm)
        .filter(|c| c.starts_with("WebKit"))
        .collect()
}

/// The app's top-level windows (X ids), by its pid and title.
fn windows(pid: i32) -> Vec<String> {
    let out = Command::new("xdotool")
        .args([
            "search",
            "--onlyvisible",
            "--pid",
            &pid.to_string(),
            "--name",
            "^AnemoneSync$",
        ])
        .output()
        .expect("run xdotool");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn close_window(id: &str) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/close_window.py");
    let st = Command::new("/usr/bin/python3")
        .arg(script)
        .arg(id)
        .status()
        .expect("run close_window.py (apt-get install python3-xlib)");
    assert!(st.success(), "close_window.py failed");
}

#[test]
#[ignore = "does not pass yet: the close request sent under Xvfb (no window manager) does not close the window within 90 s; issue 16 part 11 is open"]
fn a_closed_window_holds_no_webkit_process_and_opens_again_from_the_tray() {
    let _one = one_app();
    let tray = TrayHost::start();
    let smb = SambaServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let local = tmp.path().join("Notes");
    std::fs::create_dir_all(&local).unwrap();
    std::fs::write(local.join("n1.txt"), "one\n").unwrap();
    let remote = smb.share_dir().join("Notes");
    std::fs::create_dir_all(&remote).unwrap();
    seed_job(
        &data,
        &smb,
        "Notes",
        "Notes",
        &local,
        ConflictPolicy::KeepBoth,
    );

    let app = App::start(&data);
    let pid = app_pid(&app);
    wait_for_file(&remote.join("n1.txt"), b"one\n", LONG);
    app.wait_for(
        "the job list",
        LONG,
        "return !!document.querySelector('[data-testid=job-state]');",
    );
    let open = webkit_children(pid);
    assert!(
        open.iter().any(|c| c.starts_with("WebKitWebProces")),
        "with the window open the app has a WebKit web process (children: {open:?})"
    );

    // Close the window as a user does: it goes, and with it every WebKit process.
    let first = app.window_handle();
    let ids = windows(pid);
    // Without a window manager GTK's window can show as more than one top-level X window of
    // that name (the frame and the client); the close request goes to each, as a window
    // manager's would reach the one that takes it.
    assert!(!ids.is_empty(), "the window is open");
    for id in &ids {
        close_window(id);
    }
    wait_until("the window to be gone", LONG, || windows(pid).is_empty());
    wait_until("no WebKit process left", LONG, || {
        webkit_children(pid).is_empty()
    });

    // No window: the engine and the tray go on. A new file, Sync now from the tray: it arrives.
    let before = finished_runs(&data);
    std::fs::write(local.join("n2.txt"), "two\n").unwrap();
    tray.open_menu();
    tray.choose('s'); // Sync now
    wait_for_file(&remote.join("n2.txt"), b"two\n", LONG);
    wait_until("a run from Sync now", LONG, || {
        finished_runs(&data) > before
    });
    assert!(
        webkit_children(pid).is_empty(),
        "a sync with no window started a WebKit process"
    );

    // Open from the tray: the window is built again and its UI shows the job, idle.
    let opened = Instant::now();
    tray.open_menu();
    tray.choose('o'); // Open AnemoneSync
    wait_until("the window to open again", LONG, || {
        !windows(pid).is_empty()
    });
    let handle = app.wait_for_new_window(&first, LONG);
    app.switch_to_window(&handle);
    app.wait_for(
        "the job list in the new window",
        LONG,
        "const s = document.querySelector('[data-testid=job-state]'); return s && s.textContent.trim() === 'idle';",
    );
    eprintln!(
        "window open again, job list shown {:.2} s after the tray click (menu waits included)",
        opened.elapsed().as_secs_f64()
    );
    let text = app.text();
    assert!(text.contains("Notes"), "the job list shows the job: {text}");
    app.screenshot("idle-window-reopened");
    std::thread::sleep(Duration::from_millis(200));
    drop(app);
}

/// What the app holds with one job of 200 small files in sync: `scripts/measure-idle` on the
/// app started directly (no WebDriver), first before any window opened, then with the window
/// open and after it closed. A measurement printed as a table, not a check; run it with
/// `scripts/test-app --ignored --nocapture measure_idle`
/// (`ANEMONE_MEASURE_SECS`, default 60, per state).
#[test]
#[ignore = "a measurement of a few minutes, not a check"]
fn measure_idle_memory_with_a_200_file_job() {
    let _one = one_app();
    let _tray = TrayHost::start();
    let smb = SambaServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let local = tmp.path().join("Docs");
    std::fs::create_dir_all(&local).unwrap();
    for i in 0..200 {
        let dir = local.join(format!("d{}", i / 50));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(format!("f{i}.txt")),
            vec![b'a' + (i % 26) as u8; 1024 + i * 16],
        )
        .unwrap();
    }
    let remote = smb.share_dir().join("Docs");
    std::fs::create_dir_all(&remote).unwrap();
    seed_job(
        &data,
        &smb,
        "Docs",
        "Docs",
        &local,
        ConflictPolicy::KeepBoth,
    );

    let mut app = Command::new(support::webdriver::app_binary())
        .env("ANEMONE_SYNC_HOME", &data)
        .env("ANEMONE_SYNC_CREDENTIAL_STORE", "file")
        .spawn()
        .expect("start the app");
    let pid = app.id() as i32;
    wait_until("the first sync", LONG, || finished_runs(&data) >= 1);
    assert_eq!(
        support::trees::files(&remote).len(),
        200,
        "the first sync copied 200 files"
    );
    std::thread::sleep(Duration::from_secs(10));
    let secs = std::env::var("ANEMONE_MEASURE_SECS").unwrap_or_else(|_| "60".into());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/measure-idle");
    let before = Command::new(script)
        .args([&pid.to_string(), &secs])
        .status()
        .unwrap();
    let both = Command::new(script)
        .args(["--both", &pid.to_string(), &secs])
        .status()
        .unwrap();
    support::procs::kill_tree(pid);
    let _ = app.kill();
    let _ = app.wait();
    assert!(before.success() && both.success(), "measure-idle failed");
}
