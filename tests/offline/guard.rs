//! The mass-delete guard: a local folder that is missing or looks empty and is not the synced
//! one (another device, no marker), or a run that would delete more than the job's limit (and
//! more than a few files), stops before anything is touched, saying what would go; `force`
//! deletes them, `restore_missing` copies them back. Emptying a small folder is no stop.

use anemone_sync::db::history::RunStatus;
use anemone_sync::names::FOLDER_MARKER;
use anemone_sync::replica::faulty::Op;
use anemone_sync::sync::guard::{GuardReason, GuardStop};
use anemone_sync::sync::local_folder::LocalChange;
use anemone_sync::sync::{RunReport, SyncOptions};
use anemone_sync::tree::Side;

use super::Offline;
use crate::support::sync::write;

/// Stopped by the guard, before any change on either side.
fn assert_guarded(s: &Offline, r: &RunReport, says: &str) {
    assert_eq!(r.status, RunStatus::Aborted, "{r:#?}");
    assert_eq!(r.exit_code, 5);
    let msg = r.message.as_deref().unwrap_or("");
    // The run's message is a sentence (its first letter capitalised).
    assert!(msg.to_lowercase().contains(&says.to_lowercase()), "{msg}");
    assert!(msg.contains("--force"), "{msg}");
    assert!(msg.contains("--restore-missing"), "{msg}");
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
    let s = synced(12).await;
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
    let s = synced(12).await;
    let before = s.remote_tree();
    for d in ["d0", "d1", "d2"] {
        std::fs::remove_dir_all(s.l(d)).unwrap();
    }
    let r = s.sync().await;
    assert_guarded(&s, &r, "the local folder looks empty");
    assert_eq!(s.remote_tree(), before, "remote files were touched");
    let g = r.guard.expect("the stop says what would go");
    assert_eq!(
        (g.reason, g.side, g.count),
        (GuardReason::TooMany, Side::Remote, 12)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_deletes_than_the_limit_stop_and_force_goes_on() {
    let s = synced(30).await;
    let before = s.local_tree();
    // 16 of 30 (53%) deleted on the server; the job allows 50%.
    let gone: Vec<String> = (0..16).map(|i| format!("d{}/f{i}.txt", i % 3)).collect();
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
    assert_eq!(r.counts.deleted_local, 16);
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
    let s = synced(30).await;
    for i in 0..15 {
        std::fs::remove_file(s.l(&format!("d{}/f{i}.txt", i % 3))).unwrap();
    }
    // 15 of 30 is exactly 50%: allowed.
    let r = s.sync_ok().await;
    assert_eq!(r.counts.deleted_remote, 15, "{r:#?}");
    assert_eq!(s.remote_trash().len(), 15);
    s.assert_in_sync();
}

/// The stop lists what would be deleted: how many, the first paths in order, their size.
fn assert_lists(g: &GuardStop, side: Side, gone: &[String], sizes: u64) {
    assert_eq!(g.side, side);
    assert_eq!(g.count, gone.len() as u64);
    assert_eq!(g.bytes, sizes);
    let mut want = gone.to_vec();
    want.sort();
    want.truncate(20);
    assert_eq!(g.paths, want);
}

/// Issue 16: "Restore them from the other side" after files vanished locally: they come back
/// with their bytes, nothing is deleted anywhere, and the job is in sync.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_brings_back_what_vanished_locally_and_deletes_nothing() {
    let s = synced(30).await;
    let before = s.local_tree();
    let gone: Vec<String> = (0..24).map(|i| format!("d{}/f{i}.txt", i % 3)).collect();
    let mut sizes = 0;
    for p in &gone {
        sizes += std::fs::metadata(s.l(p)).unwrap().len();
        std::fs::remove_file(s.l(p)).unwrap();
    }
    let r = s.sync().await;
    assert_guarded(&s, &r, "more than the job's limit");
    assert_lists(r.guard.as_ref().unwrap(), Side::Remote, &gone, sizes);

    let r = s
        .sync_with(SyncOptions {
            restore_missing: true,
            ..Default::default()
        })
        .await;
    assert_eq!(r.status, RunStatus::Success, "{r:#?}");
    assert_eq!(r.counts.downloaded, 24, "{r:#?}");
    assert_eq!((r.counts.deleted_local, r.counts.deleted_remote), (0, 0));
    assert_eq!(s.remote.calls(Op::RemoveFile), 0);
    assert!(s.local_trash().is_empty() && s.remote_trash().is_empty());
    assert_eq!(s.local_tree(), before, "every file is back with its bytes");
    s.assert_in_sync();
    s.assert_idle().await;
}

/// The other way: files gone from the server are copied back up from this computer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_brings_back_what_vanished_on_the_remote() {
    let s = synced(30).await;
    let before = s.remote_tree();
    let gone: Vec<String> = (0..30).map(|i| format!("d{}/f{i}.txt", i % 3)).collect();
    for d in ["d0", "d1", "d2"] {
        assert!(s.mem.remove(d));
    }
    let r = s.sync().await;
    assert_guarded(&s, &r, "the remote folder looks empty");
    let sizes = gone
        .iter()
        .map(|p| std::fs::metadata(s.l(p)).unwrap().len())
        .sum();
    assert_lists(r.guard.as_ref().unwrap(), Side::Local, &gone, sizes);

    let r = s
        .sync_with(SyncOptions {
            restore_missing: true,
            ..Default::default()
        })
        .await;
    assert_eq!(r.status, RunStatus::Success, "{r:#?}");
    assert_eq!(r.counts.uploaded, 30, "{r:#?}");
    assert_eq!((r.counts.deleted_local, r.counts.deleted_remote), (0, 0));
    assert!(s.local_trash().is_empty() && s.remote_trash().is_empty());
    assert_eq!(s.remote_tree(), before);
    s.assert_in_sync();
    s.assert_idle().await;
}

/// Issue 16 regression: deleting the last file of a small synced folder stopped the job as
/// "the local folder looks empty". It is an edit: the file goes to the remote trash.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emptying_a_small_folder_syncs_without_a_stop() {
    let s = synced(1).await;
    std::fs::remove_file(s.l("d0/f0.txt")).unwrap();
    let r = s.sync_ok().await;
    assert_eq!(r.counts.deleted_remote, 1, "{r:#?}");
    assert_eq!(s.remote_trash(), vec!["d0/f0.txt".to_string()]);
    s.assert_in_sync();

    // All ten files of a folder of ten, on the server this time.
    let s = synced(10).await;
    for d in ["d0", "d1", "d2"] {
        assert!(s.mem.remove(d));
    }
    let r = s.sync_ok().await;
    assert_eq!(r.counts.deleted_local, 10, "{r:#?}");
    assert_eq!(s.local_trash().len(), 10);
    s.assert_in_sync();
}

/// The marker that tells the synced folder apart is at its root, and never synced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_folder_marker_stays_local() {
    let s = synced(2).await;
    assert!(s.l(FOLDER_MARKER).is_file());
    assert!(s.mem.snapshot().keys().all(|k| !k.contains(FOLDER_MARKER)));
    s.assert_idle().await;
}

/// A local folder that vanished (an unmounted disk whose mount point went too) stops the job,
/// even with a few files; restoring makes it again and fills it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vanished_local_folder_stops_and_restore_fills_it_again() {
    let s = synced(4).await;
    let before = s.remote_tree();
    std::fs::remove_dir_all(&s.local).unwrap();
    let r = s.sync().await;
    assert_guarded(&s, &r, "the local folder is missing");
    let g = r.guard.unwrap();
    assert_eq!(g.reason, GuardReason::LocalFolder(LocalChange::Missing));
    assert_eq!((g.side, g.count), (Side::Remote, 4));
    assert!(
        !s.local.exists(),
        "the folder was made again before anyone decided"
    );
    assert_eq!(s.remote_tree(), before);

    let r = s
        .sync_with(SyncOptions {
            restore_missing: true,
            ..Default::default()
        })
        .await;
    assert_eq!(r.status, RunStatus::Success, "{r:#?}");
    assert_eq!(r.counts.downloaded, 4);
    assert_eq!(s.local_tree(), before);
    s.assert_in_sync();
    s.assert_idle().await;
}

/// An emptied folder without its marker (made again, or a different folder at that path)
/// stops, even with a few files; force deletes them on the remote (into its trash).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_folder_without_its_marker_stops_and_force_goes_on() {
    let s = synced(4).await;
    let before = s.remote_tree();
    std::fs::remove_dir_all(&s.local).unwrap();
    std::fs::create_dir(&s.local).unwrap();
    let r = s.sync().await;
    assert_guarded(&s, &r, "lost its .anemone-sync-folder marker");
    assert_eq!(
        r.guard.unwrap().reason,
        GuardReason::LocalFolder(LocalChange::MarkerGone)
    );
    assert_eq!(s.remote_tree(), before);

    let r = s
        .sync_with(SyncOptions {
            force: true,
            ..Default::default()
        })
        .await;
    assert_eq!(r.status, RunStatus::Success, "{r:#?}");
    assert_eq!(r.counts.deleted_remote, 4);
    assert_eq!(s.remote_trash().len(), 4);
    s.assert_in_sync();
    // The folder is remembered with its new marker: no stop next time.
    assert!(s.l(FOLDER_MARKER).is_file());
    s.assert_idle().await;
}

/// An empty-looking folder on another device than when synced (the mount point of a disk that
/// is not mounted) stops, even with its marker copied there; the same folder with its files
/// on a renumbered device does not.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_folder_on_another_device_stops() {
    let s = synced(4).await;
    let before = s.remote_tree();
    // The device number the job remembers is not this folder's: as if the disk it was on
    // were unmounted and this were the mount point below it.
    shift_remembered_device(&s).await;
    let r = s.sync().await;
    assert_eq!(
        r.status,
        RunStatus::Success,
        "files still there: no stop {r:#?}"
    );
    shift_remembered_device(&s).await;
    for d in ["d0", "d1", "d2"] {
        std::fs::remove_dir_all(s.l(d)).unwrap();
    }
    let r = s.sync().await;
    assert_guarded(&s, &r, "is on another disk");
    assert_eq!(
        r.guard.unwrap().reason,
        GuardReason::LocalFolder(LocalChange::DeviceChanged)
    );
    assert_eq!(s.remote_tree(), before);
}

/// "Decide later": runs keep stopping (nothing deleted, nothing copied) until the user
/// answers; the files stay on the side that still has them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deciding_later_keeps_every_file() {
    let s = synced(30).await;
    let before = s.remote_tree();
    for i in 0..20 {
        std::fs::remove_file(s.l(&format!("d{}/f{i}.txt", i % 3))).unwrap();
    }
    let left = s.local_tree();
    for _ in 0..3 {
        let r = s.sync().await;
        assert_guarded(&s, &r, "more than the job's limit");
    }
    assert_eq!(s.remote_tree(), before);
    assert_eq!(s.local_tree(), left);
}

/// Moves the device number the job remembers for its local folder by one.
#[cfg(unix)]
async fn shift_remembered_device(s: &super::Offline) {
    let db = s.local.parent().unwrap().join("data").join("anemone.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.display()))
        .await
        .unwrap();
    let n = sqlx::query("UPDATE local_folders SET device = device + 1 WHERE job_id = ?")
        .bind(s.job.id)
        .execute(&pool)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(n, 1, "the job remembers its folder");
    pool.close().await;
}
