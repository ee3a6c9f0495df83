//! The mass-delete guard: a side that suddenly looks empty, or a run that would delete more
//! than the job's limit, stops before anything is touched; `force` goes on.

use anemone_sync::db::history::RunStatus;
use anemone_sync::replica::faulty::Op;
use anemone_sync::sync::{RunReport, SyncOptions};

use super::Offline;
use crate::support::sync::write;

/// Stopped by the guard, before any change on either side.
fn assert_guarded(s: &Offline, r: &RunReport, says: &str) {
    assert_eq!(r.status, RunStatus::Aborted, "{r:#?}");
    assert_eq!(r.exit_code, 5);
    let msg = r.message.as_deref().unwrap_or("");
    assert!(msg.contains(says), "{msg}");
    assert!(msg.contains("--force"), "{msg}");
    for op in [
        Op::OpenWrite,
        Op::Rename,
        Op::RemoveFile,
        Op::RemoveDir,
        Op::CreateDir,
    ] {
        assert_eq!(s.remote.calls(op), 0, "{op:?} on a guarded run");
    }
    assert!(s.local_trash().is_empty() && s.remote_trash().is_empty());
}

/// `n` files synced on both sides.
async fn synced(n: usize) -> Offline {
    let s = Offline::new().await;
    for i in 0..n {
        write(&s.l(&format!("d{}/f{i}.txt", i % 3)), format!("file {i}"));
    }
    s.sync_ok().await;
    s.assert_in_sync();
    s.remote.reset_counts();
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_that_lists_empty_deletes_nothing_locally() {
    let s = synced(4).await;
    let before = s.local_tree();
    for d in ["d0", "d1", "d2"] {
        assert!(s.mem.remove(d));
    }
    let r = s.sync().await;
    assert_guarded(&s, &r, "the remote folder looks empty");
    assert_eq!(s.local_tree(), before, "local files were touched");
    // Again, the same: the guard holds on every run until the user decides.
    let r = s.sync().await;
    assert_guarded(&s, &r, "the remote folder looks empty");
    assert_eq!(s.local_tree(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_folder_that_looks_empty_deletes_nothing_remotely() {
    let s = synced(4).await;
    let before = s.remote_tree();
    for d in ["d0", "d1", "d2"] {
        std::fs::remove_dir_all(s.l(d)).unwrap();
    }
    let r = s.sync().await;
    assert_guarded(&s, &r, "the local folder looks empty");
    assert_eq!(s.remote_tree(), before, "remote files were touched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_deletes_than_the_limit_stop_and_force_goes_on() {
    let s = synced(12).await;
    let before = s.local_tree();
    // 7 of 12 (58%) deleted on the server; the job allows 50%.
    let gone: Vec<String> = (0..7).map(|i| format!("d{}/f{i}.txt", i % 3)).collect();
    for p in &gone {
        assert!(s.mem.remove(p));
    }
    let r = s.sync().await;
    assert_guarded(&s, &r, "more than the job's limit of 50%");
    assert_eq!(s.local_tree(), before, "local files were touched");

    let r = s
        .sync_with(SyncOptions {
            force: true,
            ..Default::default()
        })
        .await;
    assert_eq!(r.status, RunStatus::Success, "{r:#?}");
    assert_eq!(r.counts.deleted_local, 7);
    let mut trashed = s.local_trash();
    trashed.sort();
    let mut want = gone.clone();
    want.sort();
    assert_eq!(trashed, want, "the deleted files are in the local trash");
    s.assert_in_sync();
    s.assert_idle().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletes_within_the_limit_go_ahead() {
    let s = synced(12).await;
    for i in 0..6 {
        std::fs::remove_file(s.l(&format!("d{}/f{i}.txt", i % 3))).unwrap();
    }
    // 6 of 12 is exactly 50%: allowed.
    let r = s.sync_ok().await;
    assert_eq!(r.counts.deleted_remote, 6, "{r:#?}");
    assert_eq!(s.remote_trash().len(), 6);
    s.assert_in_sync();
}
