//! What every end-to-end test file shares: one app at a time, a runtime for the engine calls,
//! a job seeded the way the app would create it, and waiting with a deadline.
//!
//! An end-to-end test file starts with
//! `#[path = "../../tests/support/samba.rs"] mod samba; mod support;` and `use support::app::*;`.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anemone_sync::engine::Engine;
use anemone_sync::job_spec::JobSpec;
use anemone_sync::policy::ConflictPolicy;
use anemone_sync::url::RemoteUrl;

use crate::samba::SambaServer;

pub const LONG: Duration = Duration::from_secs(90);

/// One app at a time, whatever the test runner's thread count.
pub fn one_app() -> MutexGuard<'static, ()> {
    static ONE: Mutex<()> = Mutex::new(());
    let g = ONE.lock().unwrap_or_else(|p| p.into_inner());
    // The app and these tests read the same credential file.
    std::env::set_var("ANEMONE_SYNC_CREDENTIAL_STORE", "file");
    g
}

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Creates a job the way the app would have (password in the credential file), before the app
/// starts. Its trigger is `manual`: only the app's own Sync now / Sync all (and the first sync
/// at start) run it, so a test can tell what a button did from what the watchers did.
pub fn seed_job(
    data: &Path,
    smb: &SambaServer,
    name: &str,
    folder: &str,
    local: &Path,
    policy: ConflictPolicy,
) {
    rt().block_on(async {
        let engine = Engine::open(data).await.unwrap();
        let url = smb.url(folder);
        let mut job = JobSpec::new(name, local.to_path_buf(), &RemoteUrl::Smb(url).canonical());
        job.conflict_policy = policy;
        job.live.trigger = anemone_sync::trigger::Trigger::Manual;
        engine.add_job(job, Some(smb.password())).await.unwrap();
    });
}

/// A job "Notes" between `tmp`/Notes (holding n1.txt, "one\n") and the share's folder Notes,
/// seeded in `tmp`/data (see [`seed_job`]); the app is not started.
pub struct NotesJob {
    pub data: std::path::PathBuf,
    pub local: std::path::PathBuf,
    pub remote: std::path::PathBuf,
}

pub fn notes_job(smb: &SambaServer, tmp: &Path) -> NotesJob {
    let data = tmp.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let local = tmp.join("Notes");
    std::fs::create_dir_all(&local).unwrap();
    std::fs::write(local.join("n1.txt"), "one\n").unwrap();
    let remote = smb.share_dir().join("Notes");
    std::fs::create_dir_all(&remote).unwrap();
    seed_job(
        &data,
        smb,
        "Notes",
        "Notes",
        &local,
        ConflictPolicy::KeepBoth,
    );
    NotesJob {
        data,
        local,
        remote,
    }
}

/// Finished runs recorded for all jobs, read from the app's database.
pub fn finished_runs(data: &Path) -> usize {
    rt().block_on(async {
        let db = anemone_sync::db::Db::open(data).await.unwrap();
        db.runs(None, 1000)
            .await
            .unwrap()
            .iter()
            .filter(|r| r.ended_at_ms.is_some())
            .count()
    })
}

pub fn wait_until(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !f() {
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// The app started directly, not under tauri-driver (whose WebDriver session dies with the web
/// process, which closing the window ends): it starts in the tray, logging to `log`.
pub fn start_in_tray(data: &Path, log: &Path) -> std::process::Child {
    std::process::Command::new(crate::support::webdriver::app_binary())
        .env("ANEMONE_SYNC_HOME", data)
        .env("XDG_CONFIG_HOME", config_home(data))
        .env("RUST_LOG", "info,sqlx=warn,smb=warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::from(
            std::fs::File::create(log).unwrap(),
        ))
        .spawn()
        .expect("start the app")
}

/// Waits until the app started with `start_in_tray` logging to `log` is up (its `n`th start
/// in that log): a second launch before that would find no app to hand over to and become
/// the app itself.
pub fn wait_started(log: &Path, n: usize) {
    wait_until("the app to start", LONG, || {
        std::fs::read_to_string(log)
            .unwrap_or_default()
            .matches("AnemoneSync app started")
            .count()
            >= n
    });
}

/// The config folder the app under test gets (`XDG_CONFIG_HOME`), beside its data folder: what
/// Tauri keeps there (the window's size and position) stays with the test, not in the
/// machine's ~/.config where the next test's app would read it.
pub fn config_home(data: &Path) -> std::path::PathBuf {
    let dir = data.with_file_name(format!(
        "{}-config",
        data.file_name().unwrap().to_string_lossy()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A second launch with `--show`: the running app opens its window, and the launch ends.
pub fn show_window(data: &Path) {
    let mut second = std::process::Command::new(crate::support::webdriver::app_binary())
        .arg("--show")
        .env("ANEMONE_SYNC_HOME", data)
        .env("XDG_CONFIG_HOME", config_home(data))
        .spawn()
        .unwrap();
    let deadline = Instant::now() + LONG;
    loop {
        if let Some(st) = second.try_wait().unwrap() {
            assert!(st.success(), "a second launch with --show: {st}");
            return;
        }
        if Instant::now() > deadline {
            let _ = second.kill();
            panic!("a second launch with --show did not hand over to the running app");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The times the app logged for building the window until its page finished loading (ms).
pub fn page_loads(log: &Path) -> Vec<u64> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("window built, page loaded"))
        .filter_map(|l| l.rsplit("ms=").next()?.trim().parse().ok())
        .collect()
}
