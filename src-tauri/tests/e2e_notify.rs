//! End to end: the app's desktop notifications, recorded by a stand-in notification server on
//! the session bus (tests/support/notification_server.py owns org.freedesktop.Notifications on
//! the private bus scripts/test-app starts). Issue 16: one notification per change of state,
//! never one per retry; a click opens the page the notification is about; the setting turns
//! them off.
//!
//! Run alone: `scripts/test-app e2e_notify` (or the xvfb-run line of scripts/test-app with
//! `--test e2e_notify`).

#[path = "../../tests/support/samba.rs"]
#[allow(dead_code)]
mod samba;
// Helpers for more tests than these use.
#[allow(dead_code)]
mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anemone_sync::policy::ConflictPolicy;
use samba::SambaServer;
use serde_json::{json, Value};
use support::app::*;
use support::trees::wait_for_file;
use support::webdriver::App;

/// The stand-in notification server: what it was sent, and a way to click a notification.
struct Notifications {
    child: Child,
    stdin: ChildStdin,
    seen: Arc<Mutex<Vec<Value>>>,
}

impl Notifications {
    fn start() -> Notifications {
        assert!(
            std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
            "needs a session bus: run under dbus-run-session (scripts/test-app does)"
        );
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/notification_server.py");
        let mut child = Command::new("/usr/bin/python3")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the notification server (apt-get install python3-dbus python3-gi)");
        let stdin = child.stdin.take().unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let log = seen.clone();
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                let v: Value = serde_json::from_str(&line).unwrap_or(json!({ "raw": line }));
                if v["ready"] == true {
                    let _ = ready_tx.send(());
                } else {
                    eprintln!("notification: {v}");
                    log.lock().unwrap().push(v);
                }
            }
        });
        ready_rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the notification server did not take its bus name");
        Notifications { child, stdin, seen }
    }

    fn all(&self) -> Vec<Value> {
        self.seen.lock().unwrap().clone()
    }

    /// Notifications whose title contains `s`.
    fn titled(&self, s: &str) -> Vec<Value> {
        self.all()
            .into_iter()
            .filter(|n| n["summary"].as_str().unwrap_or("").contains(s))
            .collect()
    }

    /// Clicks notification `id` (the server's ActionInvoked(id, "default")).
    fn click(&mut self, id: u64) {
        writeln!(self.stdin, "click {id}").unwrap();
        self.stdin.flush().unwrap();
    }
}

impl Drop for Notifications {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn selected_tab(app: &App) -> String {
    app.js(
        "const t = document.querySelector('[role=tab][aria-selected=true]'); return t ? t.id : null;",
        json!([]),
    )
    .as_str()
    .unwrap_or_default()
    .to_string()
}

#[test]
fn one_notification_per_change_of_state_and_a_click_opens_its_page() {
    let _one = one_app();
    let mut notes = Notifications::start();
    // Retries every 2 s, so a minute of failing is a dozen retries.
    std::env::set_var("ANEMONE_SYNC_RETRY_MAX_SECS", "2");
    let smb = SambaServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let local = tmp.path().join("Docs");
    std::fs::create_dir_all(&local).unwrap();
    std::fs::write(local.join("a.txt"), "first\n").unwrap();
    std::fs::write(local.join("b.txt"), "second\n").unwrap();
    let remote = smb.share_dir().join("Notify");
    std::fs::create_dir_all(&remote).unwrap();
    seed_job(&data, &smb, "Docs", "Notify", &local, ConflictPolicy::Ask);

    let app = App::start(&data);
    // The first sync: one notice that says what it did.
    wait_until("the first sync's notice", LONG, || {
        !notes.titled("Docs is in sync").is_empty()
    });
    let first = notes.titled("Docs is in sync")[0].clone();
    assert_eq!(first["body"], "First sync done: 2 files uploaded.");
    assert_eq!(first["app_name"], "AnemoneSync");
    assert!(remote.join("a.txt").exists() && remote.join("b.txt").exists());

    // The job's folder on the share goes away: the job fails, and retries every 2 s.
    let aside = remote.with_file_name("notify-aside");
    std::fs::rename(&remote, &aside).unwrap();
    app.click_button("Sync all jobs now");
    wait_until("the failure's notice", LONG, || {
        !notes.titled("Docs: sync stopped").is_empty()
    });
    // Twenty seconds of retries (about eight): still one notice.
    std::thread::sleep(Duration::from_secs(20));
    let stopped = notes.titled("Docs: sync stopped");
    assert_eq!(
        stopped.len(),
        1,
        "one notice per change of state: {stopped:#?}"
    );
    assert!(
        stopped[0]["body"]
            .as_str()
            .unwrap()
            .contains("create that folder"),
        "the notice says why: {}",
        stopped[0]
    );
    assert_eq!(stopped[0]["actions"], json!(["default", "Open"]));

    // Back: no notice for that; failing again is a new change of state: one more.
    std::fs::rename(&aside, &remote).unwrap();
    app.click_button("Sync all jobs now");
    app.wait_for(
        "the job back to idle",
        LONG,
        "const s = document.querySelector('[data-testid=job-state]'); return s && s.textContent.trim() === 'idle';",
    );
    std::fs::rename(&remote, &aside).unwrap();
    app.click_button("Sync all jobs now");
    wait_until("the second failure's notice", LONG, || {
        notes.titled("Docs: sync stopped").len() == 2
    });
    std::thread::sleep(Duration::from_secs(8));
    assert_eq!(notes.titled("Docs: sync stopped").len(), 2);
    std::fs::rename(&aside, &remote).unwrap();
    app.click_button("Sync all jobs now");
    app.wait_for(
        "the job back to idle",
        LONG,
        "const s = document.querySelector('[data-testid=job-state]'); return s && s.textContent.trim() === 'idle';",
    );

    // A conflict (policy: ask): one notice, and clicking it opens Conflicts.
    std::fs::write(local.join("a.txt"), "edited here\n").unwrap();
    std::fs::write(remote.join("a.txt"), "edited on the server, longer\n").unwrap();
    app.click("#tab-settings");
    app.click_button("Sync all jobs now");
    wait_until("the conflict's notice", LONG, || {
        !notes.titled("Docs: conflicts need you").is_empty()
    });
    let conflict = notes.titled("Docs: conflicts need you")[0].clone();
    assert_eq!(selected_tab(&app), "tab-settings");
    notes.click(conflict["id"].as_u64().unwrap());
    app.wait_for(
        "the Conflicts page opened by the click",
        LONG,
        "const t = document.querySelector('[role=tab][aria-selected=true]'); return t && t.id === 'tab-conflicts';",
    );
    app.wait_for(
        "the conflict listed",
        LONG,
        "return document.body.innerText.includes('a.txt');",
    );
    app.screenshot("e2e-notification-click-opens-conflicts");

    // Notifications off in Settings: a new failure is not notified.
    app.click("#tab-settings");
    app.wait_for(
        "the settings form",
        LONG,
        "return !!document.querySelector('#s-notif');",
    );
    app.js(
        "const c = document.querySelector('#s-notif'); if (c.checked) c.click(); return c.checked;",
        json!([]),
    );
    app.click_button("Save settings");
    app.wait_for(
        "the settings saved",
        LONG,
        "return document.body.innerText.includes('Saved.');",
    );
    let before = notes.all().len();
    std::fs::rename(&remote, &aside).unwrap();
    app.click("#tab-jobs");
    app.click_button("Sync all jobs now");
    app.wait_for(
        "the job in error",
        LONG,
        "const s = document.querySelector('[data-testid=job-state]'); return s && s.textContent.trim() === 'error';",
    );
    std::thread::sleep(Duration::from_secs(6));
    assert_eq!(
        notes.all().len(),
        before,
        "notifications are off: {:#?}",
        &notes.all()[before..]
    );
    std::fs::rename(&aside, &remote).unwrap();

    // Every notice so far, in order: what a user saw.
    let titles: Vec<String> = notes
        .all()
        .iter()
        .map(|n| n["summary"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        titles,
        [
            "Docs is in sync",
            "Docs: sync stopped",
            "Docs: sync stopped",
            "Docs: conflicts need you"
        ]
    );
    drop(app);
}

/// The app notices a server that goes away within 10 s, twice in a row, with nothing changing
/// anywhere (issue 16: offline showed only after 64 s: the second loss of the change feed
/// within a poll period waited the whole period). Going offline is not notified; the header
/// says it.
#[test]
fn the_app_shows_offline_within_10_s_of_the_server_going_away_each_time() {
    let _one = one_app();
    let notes = Notifications::start();
    std::env::remove_var("ANEMONE_SYNC_RETRY_MAX_SECS");
    let smb = SambaServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let local = tmp.path().join("Live");
    std::fs::create_dir_all(&local).unwrap();
    std::fs::write(local.join("a.txt"), "live\n").unwrap();
    let remote = smb.share_dir().join("Live");
    std::fs::create_dir_all(&remote).unwrap();
    // A job as the app's form makes it: syncs on every change (watchers and change
    // notification), the default poll period.
    rt().block_on(async {
        let engine = anemone_sync::engine::Engine::open(&data).await.unwrap();
        let url = anemone_sync::url::RemoteUrl::Smb(smb.url("Live")).canonical();
        let job = anemone_sync::job_spec::JobSpec::new("Live", local.clone(), &url);
        assert!(matches!(
            job.live.trigger,
            anemone_sync::trigger::Trigger::Realtime
        ));
        engine.add_job(job, Some(smb.password())).await.unwrap();
    });
    let app = App::start(&data);
    let header_says = |word: &str| {
        format!(
            "const h = document.querySelector('[data-testid=app-state]'); return !!h && h.getAttribute('data-state') === {};",
            json!(word)
        )
    };
    wait_for_file(&remote.join("a.txt"), b"live\n", LONG);
    for outage in 1..=2 {
        app.wait_for("the header up to date", LONG, &header_says("idle"));
        // Change notification is up once the job is idle after its run.
        std::thread::sleep(Duration::from_secs(3));
        smb.kill();
        let killed = std::time::Instant::now();
        app.wait_for(
            "the header to say offline within 10 s",
            Duration::from_secs(10),
            &header_says("offline"),
        );
        eprintln!(
            "outage {outage}: the app showed offline {:.1} s after the server went away",
            killed.elapsed().as_secs_f64()
        );
        if outage == 1 {
            app.screenshot("e2e-offline");
        }
        smb.start_again();
        // Back by itself (the retries after a short outage come within seconds).
        app.wait_for("the header back from offline", LONG, &header_says("idle"));
    }
    assert!(
        notes
            .all()
            .iter()
            .all(|n| n["summary"] != "Live: sync stopped"),
        "a short outage is not an error: {:#?}",
        notes.all()
    );
    std::fs::write(local.join("b.txt"), "after\n").unwrap();
    wait_for_file(&remote.join("b.txt"), b"after\n", LONG);
    drop(app);
}
