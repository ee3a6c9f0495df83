//! A run overlaps what costs round trips (issue 15, fast over slow links): many small files
//! in flight at once, and the folders of one depth created at once, parents still first. Each
//! remote call is held a moment, and the most calls held at the same time show the overlap.

use std::time::Duration;

use anemone_sync::replica::faulty::Op;

use super::Offline;
use crate::support::sync::write;

/// With the default `parallel` of 4, 100 files of 1 KiB are all in flight at once (up to 128
/// may be; before, they held 16 slots, one per quarter of a large transfer), and still all
/// arrive whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_small_files_are_in_flight_at_once() {
    let s = Offline::new().await;
    for i in 0..100 {
        write(&s.l(&format!("f{i:03}.txt")), "x".repeat(1000 + i));
    }
    s.remote
        .set_op_delay(Op::OpenWrite, Duration::from_millis(150));
    let r = s.sync_ok().await;
    assert_eq!(r.counts.uploaded, 100, "{r:#?}");
    s.assert_in_sync();
    let most = s.remote.most_at_once(Op::OpenWrite);
    assert!(
        most > 32,
        "{most} uploads opened at once, expected more than the old 16"
    );
}

/// A small file of 512 KiB holds half of a large transfer's slot, so the bytes of small files
/// in flight stay bounded: 40 such files go at most 8 at a time (4 x 32 units of 32 KiB).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bigger_small_files_take_bigger_shares() {
    let s = Offline::new().await;
    for i in 0..40 {
        write(&s.l(&format!("m{i:02}.bin")), "y".repeat(512 * 1024));
    }
    s.remote
        .set_op_delay(Op::OpenWrite, Duration::from_millis(150));
    let r = s.sync_ok().await;
    assert_eq!(r.counts.uploaded, 40, "{r:#?}");
    s.assert_in_sync();
    let most = s.remote.most_at_once(Op::OpenWrite);
    assert!(
        (2..=8).contains(&most),
        "{most} files of 512 KiB opened at once, expected at most 8"
    );
}

/// 30 new sibling folders (each with a subfolder and a file) are created on the remote side
/// by side, not one after another, and every parent exists before its child is made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sibling_folders_are_created_at_once_parents_first() {
    let s = Offline::new().await;
    for i in 0..30 {
        std::fs::create_dir_all(s.l(&format!("d{i:02}/inner"))).unwrap();
        write(&s.l(&format!("d{i:02}/inner/f.txt")), "f");
    }
    s.remote
        .set_op_delay(Op::CreateDir, Duration::from_millis(100));
    let r = s.sync_ok().await;
    assert_eq!(r.counts.uploaded, 30, "{r:#?}");
    s.assert_in_sync();
    let most = s.remote.most_at_once(Op::CreateDir);
    assert!(
        most >= 15,
        "at most {most} folders were created at once: still one after another"
    );
    // Parents first: each folder is created once (a child made before its parent would have
    // made the parent too, and the parent's own create would come again).
    assert_eq!(s.remote.calls(Op::CreateDir), 60);
    s.assert_idle().await;
}
