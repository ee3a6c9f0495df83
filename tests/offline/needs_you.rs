//! The sync service's side of a delete-guard stop (issue 16): the job goes to `needs_you` with
//! what would be deleted, does not run by itself while it waits ("decide later" keeps every
//! file), and the user's answer runs once. A plain-directory remote: this is service logic.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anemone_sync::engine::Engine;
use anemone_sync::events::JobState;
use anemone_sync::job_spec::JobSpec;
use anemone_sync::service::{Decision, JobStatus, Service, ServiceOptions};
use anemone_sync::tree::Side;

use crate::support::sync::{tree, write};

async fn wait_for(what: &str, service: &Service, f: impl Fn(&JobStatus) -> bool) -> JobStatus {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(s) = service.statuses().into_iter().find(|s| f(s)) {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {:#?}",
            service.statuses()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn count(root: &Path) -> usize {
    tree(root)
        .values()
        .filter(|n| matches!(n, crate::support::sync::Node::File(_)))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guard_stop_waits_for_the_user_and_restore_brings_the_files_back() {
    let tmp = tempfile::tempdir().unwrap();
    let (local, remote) = (tmp.path().join("local"), tmp.path().join("remote"));
    std::fs::create_dir_all(&remote).unwrap();
    for i in 0..30 {
        write(
            &local.join(format!("d{}/f{i}.txt", i % 3)),
            format!("file {i}"),
        );
    }
    let engine = Arc::new(Engine::open(&tmp.path().join("data")).await.unwrap());
    let mut spec = JobSpec::new("nv", local.clone(), &format!("file://{}", remote.display()));
    spec.live.trigger = anemone_sync::trigger::Trigger::Manual;
    let id = engine.add_job(spec, None).await.unwrap().id;
    let service = Service::start(engine.clone(), ServiceOptions::default()).await;
    wait_for("the first sync", &service, |s| {
        s.state == JobState::Idle && s.last_sync_ms.is_some()
    })
    .await;
    let before = tree(&local);
    assert_eq!(tree(&remote), before);

    for i in 0..20 {
        std::fs::remove_file(local.join(format!("d{}/f{i}.txt", i % 3))).unwrap();
    }
    service.sync_now(Some(id));
    let s = wait_for("needs you", &service, |s| s.state == JobState::NeedsYou).await;
    let g = s.needs_you.expect("what would be deleted");
    assert_eq!((g.count, g.side), (20, Side::Remote));
    assert_eq!(
        s.message.as_deref(),
        Some("20 files would be deleted on the server")
    );
    assert_eq!(tree(&remote), before);

    // Decide later, and Sync now asks again: nothing is deleted, the job still waits.
    service.decide(id, Decision::Later);
    service.sync_now(Some(id));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let s = wait_for("still needs you", &service, |s| {
        s.state == JobState::NeedsYou
    })
    .await;
    assert!(s.needs_you.is_some());
    assert_eq!(tree(&remote), before, "deciding later deleted files");
    assert_eq!(count(&local), 10);

    service.decide(id, Decision::RestoreMissing);
    wait_for("in sync again", &service, |s| {
        s.state == JobState::Idle && s.needs_you.is_none()
    })
    .await;
    assert_eq!(tree(&local), before, "the files are back with their bytes");
    assert_eq!(tree(&remote), before);
    assert!(!remote.join(".anemone-trash").exists());
    service.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_them_on_the_other_side_too_runs_once_with_force() {
    let tmp = tempfile::tempdir().unwrap();
    let (local, remote) = (tmp.path().join("local"), tmp.path().join("remote"));
    std::fs::create_dir_all(&remote).unwrap();
    for i in 0..30 {
        write(&local.join(format!("f{i:02}.txt")), format!("file {i}"));
    }
    let engine = Arc::new(Engine::open(&tmp.path().join("data")).await.unwrap());
    let mut spec = JobSpec::new("nv", local.clone(), &format!("file://{}", remote.display()));
    spec.live.trigger = anemone_sync::trigger::Trigger::Manual;
    let id = engine.add_job(spec, None).await.unwrap().id;
    let service = Service::start(engine.clone(), ServiceOptions::default()).await;
    wait_for("the first sync", &service, |s| {
        s.state == JobState::Idle && s.last_sync_ms.is_some()
    })
    .await;
    // A decision for a job that is not waiting for one is ignored.
    service.decide(id, Decision::DeleteOnOtherSide);
    for i in 0..25 {
        std::fs::remove_file(local.join(format!("f{i:02}.txt"))).unwrap();
    }
    service.sync_now(Some(id));
    wait_for("needs you", &service, |s| s.state == JobState::NeedsYou).await;
    assert_eq!(count(&remote), 30, "a stale answer forced the run");

    service.decide(id, Decision::DeleteOnOtherSide);
    wait_for("in sync again", &service, |s| {
        s.state == JobState::Idle && s.needs_you.is_none()
    })
    .await;
    assert_eq!(tree(&local), tree(&remote));
    assert_eq!(count(&remote), 5);
    assert_eq!(crate::support::sync::trashed(&remote).len(), 25);
    service.shutdown().await;
}
