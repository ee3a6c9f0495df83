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
