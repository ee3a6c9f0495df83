//! A tree of 20,000 files, synced, then synced again with nothing changed: the run plans
//! nothing. Then a few changes spread over it, on both sides: the run plans exactly those.
//! Folder names sort on both sides of '/' (`d7`, `d7-x`, `d7 y`, `d7.z`, `d70`): a full run reads
//! the local scan, the listing and the synced state side by side in path order
//! (`sync::merge`), and a pairing gone wrong would show as a copy or a delete here.

use anemone_sync::sync::SyncOptions;

use super::Offline;
use crate::support::sync::write;

/// Groups of five folders (`dN`, `dN-x`, `dN y`, `dN.z`, `dN/sub`), of files each.
const GROUPS: usize = 20;
const PER_FOLDER: usize = 200;

fn folders() -> Vec<String> {
    (0..GROUPS)
        .flat_map(|i| {
            ["", "-x", " y", ".z", "/sub"]
                .into_iter()
                .map(move |s| format!("d{i}{s}"))
        })
        .collect()
}

/// What a dry run would do, as (action, path), sorted.
async fn planned(s: &Offline) -> Vec<(String, String)> {
    let r = s
        .sync_with(SyncOptions {
            dry_run: true,
            ..Default::default()
        })
        .await;
    let mut v: Vec<(String, String)> = r
        .planned
        .expect("a dry run lists its plan")
        .into_iter()
        .map(|a| (a.action.to_string(), a.path))
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_no_op_over_a_large_tree_plans_nothing_and_changes_are_found() {
    let s = Offline::new().await;
    let mut files = 0;
    for d in folders() {
        for f in 0..PER_FOLDER {
            write(&s.l(&format!("{d}/f{f}.txt")), format!("{d} {f}"));
            files += 1;
        }
    }
    assert_eq!(files, 20_000);
    let r = s.sync_ok().await;
    assert_eq!(r.counts.uploaded, 20_000);
    s.assert_in_sync();

    assert_eq!(planned(&s).await, Vec::<(String, String)>::new());
    s.assert_idle().await;

    // A few changes, next to names that sort around '/'.
    write(&s.l("d7-x/f3.txt"), "edited here");
    std::fs::remove_file(s.l("d7/sub/f4.txt")).unwrap();
    write(&s.l("d7 y/new.txt"), "new here");
    s.mem.put_file("d7.z/f5.txt", "edited there");
    assert!(s.mem.remove("d7/f6.txt"));
    s.mem.put_file("d70/there.txt", "new there");
    let want: Vec<(String, String)> = [
        ("create local folder", "d70"),
        ("delete local", "d7/f6.txt"),
        ("delete remote", "d7/sub/f4.txt"),
        ("download", "d7.z/f5.txt"),
        ("download", "d70/there.txt"),
        ("upload", "d7 y/new.txt"),
        ("upload", "d7-x/f3.txt"),
    ]
    .iter()
    .map(|(a, p)| (a.to_string(), p.to_string()))
    .collect();
    assert_eq!(planned(&s).await, want);
    let r = s.sync_ok().await;
    let c = &r.counts;
    assert_eq!(
        (c.uploaded, c.downloaded, c.deleted_local, c.deleted_remote),
        (2, 2, 1, 1),
        "{r:#?}"
    );
    s.assert_in_sync();
    s.assert_idle().await;
}
