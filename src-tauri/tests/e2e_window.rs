//! The window as a person leaves it: its size and position survive closing it and restarting
//! the app. And a measurement of what opening History costs the web process with 10,000
//! activity rows in the database.
//!
//! Needs an X display and a session bus: scripts/test-app runs it under
//! `xvfb-run ... dbus-run-session`.

#[path = "../../tests/support/samba.rs"]
#[allow(dead_code)]
mod samba;
#[allow(dead_code)]
mod support;

use std::process::Command;
use std::time::Duration;

use samba::SambaServer;
use support::app::*;
use support::procs::{comm, descendants_of};
use support::trees::wait_for_file;
use support::webdriver::App;
use support::x11::*;

#[test]
fn the_window_opens_where_and_as_big_as_it_was_left_after_a_restart() {
    let _one = one_app();
    let smb = SambaServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let NotesJob { data, .. } = notes_job(&smb, tmp.path());
    let log = data.join("app.log");

    let mut app = start_in_tray(&data, &log);
    wait_for_file(&smb.share_dir().join("Notes/n1.txt"), b"one\n", LONG);
    wait_started(&log, 1);
    show_window(&data);
    wait_until("the window to open", LONG, || windows().len() == 1);
    let id = windows().remove(0);
    std::thread::sleep(Duration::from_millis(500));
    let first = geometry(&id);
    // A new install: the size in tauri.conf.json, centred.
    assert_eq!((first.2, first.3), (1040, 720), "{first:?}");
    let want = (40, 30, 900, 640);
    move_and_resize(&id, want.0, want.1, want.2, want.3);
    wait_until("the window to move and resize", LONG, || {
        geometry(&id) == want
    });
    close_window(&id);
    wait_until("the window to close", LONG, || windows().is_empty());
    // Ended the hard way: what was kept must have been saved when the window closed.
    support::procs::kill_tree(app.id() as i32);
    let _ = app.kill();
    let _ = app.wait();

    let log = data.join("app-again.log");
    let mut again = start_in_tray(&data, &log);
    wait_started(&log, 1);
    show_window(&data);
    wait_until("the window to open after the restart", LONG, || {
        windows().len() == 1
    });
    let id = windows().remove(0);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        geometry(&id),
        want,
        "the window opens where and as big as it was left (x, y, width, height)"
    );
    screenshot_window(&id, "window-kept-size");
    support::procs::kill_tree(again.id() as i32);
    let _ = again.kill();
    let _ = again.wait();
}

/// CPU time of a process so far, in seconds (user + system, from /proc/PID/stat).
fn cpu_secs(pid: i32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
    // SAFETY: sysconf reads a constant.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    ticks as f64 / hz
}

/// What opening History costs with 10,000 activity rows (1,000 runs of 10 files): CPU seconds
/// of the WebKit web process and of the app, from the click until the first page of runs and
/// of activity is drawn, five times. A measurement printed as a table, not a check; run it
/// with `scripts/test-app --ignored --nocapture history_cpu`.
#[test]
#[ignore = "a measurement, not a check"]
fn measure_history_cpu_with_ten_thousand_activity_rows() {
    let _one = one_app();
    let smb = SambaServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let NotesJob { data, .. } = notes_job(&smb, tmp.path());
    // 1,000 finished runs of 10 uploads each, written as the engine writes them.
    let script = r#"
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
job = db.execute("SELECT id FROM jobs LIMIT 1").fetchone()[0]
now = int(time.time() * 1000)
for r in range(1000):
    t = now - (1000 - r) * 60000
    cur = db.execute("INSERT INTO runs (job_id, started_at_ms, ended_at_ms, status, uploaded, bytes_up) VALUES (?, ?, ?, 'success', 10, 10240)", (job, t, t + 800))
    rid = cur.lastrowid
    db.executemany("INSERT INTO run_files (run_id, path, action, bytes) VALUES (?, ?, 'uploaded', 1024)",
                   [(rid, f"folder{r % 17}/file-{r}-{i}.txt") for i in range(10)])
db.commit()
"#;
    let st = Command::new("python3")
        .args(["-c", script])
        .arg(data.join("anemone.db"))
        .status()
        .unwrap();
    assert!(st.success(), "seeding the history failed");

    let app = App::start(&data);
    app.wait_for(
        "the job list",
        LONG,
        "return !!document.querySelector('[data-testid=job-state]');",
    );
    let pids = app.app_pids();
    let web = *pids
        .iter()
        .find(|p| comm(**p).starts_with("WebKitWebProces"))
        .expect("a web process");
    let me = *pids
        .iter()
        .find(|p| comm(**p).starts_with("anemone-sync-ap"))
        .expect("the app");
    assert!(descendants_of(me).contains(&web) || pids.contains(&web));
    // Settings, a page of a few controls, shows what any page change costs WebKit here
    // (software rendering under Xvfb); History's own cost is the difference.
    println!("page       open   web process CPU-s   app CPU-s   wall ms");
    for i in 0..10 {
        let (tab, ready) = if i % 2 == 0 {
            (
                "#tab-history",
                "return document.querySelectorAll('[data-testid=run-row]').length === 50 && \
                 document.querySelectorAll('[data-testid=activity-item]').length > 0;",
            )
        } else {
            (
                "#tab-settings",
                "return !!document.querySelector('#panel h2');",
            )
        };
        app.click("#tab-jobs");
        std::thread::sleep(Duration::from_secs(1));
        let (w0, a0) = (cpu_secs(web), cpu_secs(me));
        let t0 = std::time::Instant::now();
        app.click(tab);
        app.wait_for("the page", LONG, ready);
        let wall = t0.elapsed();
        // What the page does right after drawing (layout, paint) counts too.
        std::thread::sleep(Duration::from_millis(500));
        println!(
            "{:<9}  {:>4}   {:>17.3}   {:>9.3}   {:>7}",
            &tab[5..],
            i / 2 + 1,
            cpu_secs(web) - w0,
            cpu_secs(me) - a0,
            wall.as_millis()
        );
    }
    drop(app);
}
