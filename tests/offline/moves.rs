//! Moves carried out as renames, against the in-memory remote: one rename call and no byte
//! written for a folder; a rename the remote refuses or finds its target taken loses nothing and
//! the next run makes it.

use anemone_sync::db::history::RunStatus;
use anemone_sync::relpath::RelPath;
use anemone_sync::replica::faulty::{Fault, Op};
use anemone_sync::replica::{Replica, ReplicaErrorKind};

use super::Offline;
use crate::support::sync::write;

fn rp(s: &str) -> RelPath {
    RelPath::new(s).unwrap()
}

/// A synced folder of 20 files.
async fn synced_folder() -> Offline {
    let s = Offline::new().await;
    for i in 0..20 {
        write(&s.l(&format!("album/p{i:02}.jpg")), vec![i as u8; 5000]);
    }
    s.sync_ok().await;
    s.remote.reset_counts();
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_renamed_here_is_one_rename_and_no_byte_on_the_remote() {
    let s = synced_folder().await;
    std::fs::rename(s.l("album"), s.l("album 2026")).unwrap();
    let r = s.sync_ok().await;
    assert_eq!(r.counts.moved_remote, 1, "{r:#?}");
    assert_eq!((r.counts.uploaded, r.counts.deleted_remote), (0, 0));
    assert_eq!(s.remote.calls(Op::Rename), 1);
    assert_eq!(s.remote.bytes_written(), 0);
    s.assert_in_sync();
    s.assert_idle().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_renamed_on_the_remote_is_one_rename_here_and_no_byte_read() {
    let s = synced_folder().await;
    s.mem.create_dir(&rp("old")).await.unwrap();
    s.mem
        .rename(&rp("album"), &rp("old/album"), false)
        .await
        .unwrap();
    let r = s.sync_ok().await;
    assert_eq!(r.counts.moved_local, 1, "{r:#?}");
    assert_eq!((r.counts.downloaded, r.counts.deleted_local), (0, 0));
    assert_eq!(s.remote.bytes_read(), 0);
    assert!(s.l("old/album/p19.jpg").is_file() && !s.l("album").exists());
    s.assert_in_sync();
    s.assert_idle().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_rename_loses_nothing_and_the_next_run_makes_it() {
    let s = synced_folder().await;
    std::fs::rename(s.l("album"), s.l("renamed")).unwrap();
    s.remote
        .fail(Fault::new(Op::Rename, ReplicaErrorKind::AccessDenied).file("album"));
    let r = s.sync().await;
    assert_eq!(r.status, RunStatus::Partial, "{r:#?}");
    let failed: Vec<&str> = r.errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(failed, ["renamed"]);
    // Nothing deleted on the remote; nothing uploaded into the new name either (its files
    // were planned against the renamed folder, which is not there: each one fails or waits).
    assert_eq!(s.mem.read("album/p07.jpg").unwrap(), vec![7u8; 5000]);
    assert_eq!(r.counts.deleted_remote, 0, "{r:#?}");

    s.remote.heal();
    let r = s.sync_ok().await;
    assert_eq!(r.counts.moved_remote, 1, "{r:#?}");
    assert_eq!(r.counts.uploaded, 0, "{r:#?}");
    s.assert_in_sync();
    s.assert_idle().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rename_whose_target_appeared_meanwhile_is_left_for_the_next_run() {
    let s = synced_folder().await;
    write(&s.l("notes.txt"), "mine");
    s.sync_ok().await;
    std::fs::rename(s.l("notes.txt"), s.l("notes-old.txt")).unwrap();
    s.remote.fail(
        Fault::new(Op::Rename, ReplicaErrorKind::AlreadyExists)
            .file("notes.txt")
            .first(1),
    );
    let r = s.sync().await;
    assert!(r.errors.is_empty(), "{r:#?}");
    assert_eq!((r.counts.moved_remote, r.counts.skipped), (0, 1), "{r:#?}");
    assert_eq!(s.mem.read("notes.txt").unwrap(), b"mine");

    let r = s.sync_ok().await;
    assert_eq!(r.counts.moved_remote, 1, "{r:#?}");
    s.assert_in_sync();
    s.assert_idle().await;
}
