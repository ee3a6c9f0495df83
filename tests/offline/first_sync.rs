//! The first sync of two folders that both hold files, by the job's choice (issue 16): merge,
//! local-wins, remote-wins. Each ends with both trees compared and the trash of the losing
//! side holding every file replaced or deleted (nothing lost); the choice is spent by the first
//! complete sync; a job set to ask stops before touching anything and says what each choice
//! would move.

use std::collections::BTreeMap;

use anemone_sync::db::history::RunStatus;
use anemone_sync::sync::first_sync::{FirstSync, FirstSyncSetting};
use anemone_sync::sync::SyncOptions;

use super::Offline;
use crate::support::sync::{write, Node};

/// Local: same.txt, only-local.txt, d/differs.txt (local version), sub/local-only/a.txt.
/// Remote: same.txt, only-remote.txt, d/differs.txt (remote version, another size),
/// d/same-size.txt (differs, same size as the local one), remote-dir/b.txt.
async fn two_full_folders(choice: Option<FirstSyncSetting>) -> Offline {
    let s = Offline::new().await;
    if let Some(c) = choice {
        s.engine.set_first_sync(&s.job, c).await.unwrap();
    }
    write(&s.l("same.txt"), "identical");
    write(&s.l("only-local.txt"), "mine");
    write(&s.l("d/differs.txt"), "local version");
    write(&s.l("d/same-size.txt"), "AAAA");
    write(&s.l("sub/local-only/a.txt"), "deep local");
    s.mem.put_file("same.txt", "identical");
    s.mem.put_file("only-remote.txt", "theirs");
    s.mem.put_file("d/differs.txt", "the remote version");
    s.mem.put_file("d/same-size.txt", "BBBB");
    s.mem.put_file("remote-dir/b.txt", "deep remote");
    s
}

fn file(s: &str) -> Node {
    Node::File(s.as_bytes().to_vec())
}

fn files(t: &BTreeMap<String, Node>) -> BTreeMap<String, Node> {
    t.iter()
        .filter(|(_, n)| matches!(n, Node::File(_)))
        .map(|(k, n)| (k.clone(), n.clone()))
        .collect()
}

/// The trash of a side holds these files with these bytes (by name below the run folder).
fn assert_trash(got: Vec<String>, want: &[&str]) {
    let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
    want.sort();
    let mut got = got;
    got.sort();
    assert_eq!(got, want, "trash");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_wins_makes_the_server_like_this_folder_and_trashes_what_it_replaced() {
    let s = two_full_folders(Some(FirstSyncSetting::Chosen(FirstSync::LocalWins))).await;
    let local_before = files(&s.local_tree());
    let r = s.sync_ok().await;
    // only-local.txt, a.txt, and the two that differ; same.txt is identical and stays.
    assert_eq!(r.counts.uploaded, 4, "{r:#?}");
    assert!(r.counts.deleted_remote >= 2, "{r:#?}");
    assert_eq!(r.counts.conflicts, 0);
    s.assert_in_sync();
    assert_eq!(
        files(&s.local_tree()),
        local_before,
        "this computer's files changed"
    );
    // Nothing lost: the server's own versions are in its trash; identical files were not
    // replaced.
    assert_trash(
        s.remote_trash(),
        &[
            "only-remote.txt",
            "d/differs.txt",
            "d/same-size.txt",
            "remote-dir/b.txt",
        ],
    );
    assert!(s.local_trash().is_empty(), "{:?}", s.local_trash());
    // The choice is spent: a file new on the server after the first sync comes down.
    s.mem.put_file("new-on-server.txt", "later");
    let r = s.sync_ok().await;
    assert_eq!((r.counts.downloaded, r.counts.deleted_remote), (1, 0));
    assert_eq!(s.local_tree()["new-on-server.txt"], file("later"));
    s.assert_in_sync();
    s.assert_idle().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_wins_makes_this_folder_like_the_server_and_trashes_what_it_replaced() {
    let s = two_full_folders(Some(FirstSyncSetting::Chosen(FirstSync::RemoteWins))).await;
    let remote_before = files(&s.remote_tree());
    let r = s.sync_ok().await;
    assert_eq!(r.counts.downloaded, 4, "{r:#?}");
    assert!(r.counts.deleted_local >= 2, "{r:#?}");
    s.assert_in_sync();
    assert_eq!(
        files(&s.remote_tree()),
        remote_before,
        "the server's files changed"
    );
    assert_eq!(files(&s.local_tree()), remote_before);
    assert_trash(
        s.local_trash(),
        &[
            "only-local.txt",
            "d/differs.txt",
            "d/same-size.txt",
            "sub/local-only/a.txt",
        ],
    );
    assert!(s.remote_trash().is_empty(), "{:?}", s.remote_trash());
    // Spent: a new local file goes up, nothing is deleted.
    write(&s.l("new-here.txt"), "later");
    let r = s.sync_ok().await;
    assert_eq!((r.counts.uploaded, r.counts.deleted_local), (1, 0));
    s.assert_in_sync();
    s.assert_idle().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merge_keeps_everything_and_makes_conflicts_of_what_differs() {
    let s = two_full_folders(Some(FirstSyncSetting::Chosen(FirstSync::Merge))).await;
    let r = s.sync_ok().await;
    assert_eq!(r.counts.conflicts, 2, "{r:#?}");
    assert_eq!(r.counts.deleted_local + r.counts.deleted_remote, 0);
    s.assert_in_sync();
    // Every version of every file is still there, under its name or a conflict name.
    let all: Vec<Vec<u8>> = s
        .local_tree()
        .into_values()
        .filter_map(|n| match n {
            Node::File(b) => Some(b),
            Node::Dir => None,
        })
        .collect();
    for v in [
        "identical",
        "mine",
        "theirs",
        "local version",
        "the remote version",
        "AAAA",
        "BBBB",
        "deep local",
        "deep remote",
    ] {
        assert!(all.contains(&v.as_bytes().to_vec()), "{v} lost");
    }
    s.assert_idle().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_set_to_ask_stops_and_says_what_each_choice_would_move() {
    let s = two_full_folders(Some(FirstSyncSetting::Ask)).await;
    let (local_before, remote_before) = (s.local_tree(), s.remote_tree());
    // The dry run counts each choice.
    let dry = s
        .sync_with(SyncOptions {
            dry_run: true,
            ..SyncOptions::default()
        })
        .await;
    let p = dry
        .first_sync
        .expect("a first sync's dry run has the counts");
    assert_eq!((p.local_files, p.remote_files), (5, 5));
    assert_eq!(
        (
            p.merge.uploads,
            p.merge.downloads,
            p.merge.conflicts,
            p.merge.to_compare
        ),
        (2, 2, 1, 2)
    );
    assert_eq!(
        (
            p.local_wins.uploads,
            p.local_wins.deleted,
            p.local_wins.replaced
        ),
        (2, 2, 1)
    );
    assert_eq!(
        (
            p.remote_wins.downloads,
            p.remote_wins.deleted,
            p.remote_wins.replaced
        ),
        (2, 2, 1)
    );
    assert_eq!(p.local_wins.bytes, 4 + 10 + 13); // mine, deep local, local version
                                                 // A real run stops before touching anything, and asks.
    let r = s.sync().await;
    assert_eq!(r.status, RunStatus::Aborted, "{r:#?}");
    assert_eq!(r.exit_code, 6);
    assert!(r.first_sync_waiting);
    assert_eq!(r.first_sync, Some(p));
    assert!(r.message.unwrap().contains("first-sync"));
    assert_eq!(
        (s.local_tree(), s.remote_tree()),
        (local_before, remote_before.clone())
    );
    let st = s.engine.first_sync_state(&s.job).await.unwrap().unwrap();
    assert!(st.waiting);
    assert_eq!(s.engine.first_sync_waiting().await.unwrap(), [s.job.id]);
    // The engine's preview says the same.
    assert_eq!(s.engine.first_sync_preview(&s.job).await.unwrap(), Some(p));
    // Chosen: the run goes, and the choice is spent.
    s.engine
        .set_first_sync(&s.job, FirstSyncSetting::Chosen(FirstSync::RemoteWins))
        .await
        .unwrap();
    s.sync_ok().await;
    s.assert_in_sync();
    assert_eq!(files(&s.local_tree()), files(&remote_before));
    assert_eq!(s.engine.first_sync_state(&s.job).await.unwrap(), None);
    // Once synced, a choice is refused (it would delete new files on one side).
    let e = s
        .engine
        .set_first_sync(&s.job, FirstSyncSetting::Chosen(FirstSync::LocalWins))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("has synced already"), "{e}");
    assert_eq!(s.engine.first_sync_preview(&s.job).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_set_to_ask_with_one_side_empty_just_syncs() {
    let s = Offline::new().await;
    s.engine
        .set_first_sync(&s.job, FirstSyncSetting::Ask)
        .await
        .unwrap();
    write(&s.l("a.txt"), "a");
    let r = s.sync_ok().await;
    assert_eq!(r.counts.uploaded, 1);
    s.assert_in_sync();
    assert_eq!(s.engine.first_sync_state(&s.job).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_wins_with_an_empty_local_folder_is_stopped_by_the_guard() {
    let s = Offline::new().await;
    s.engine
        .set_first_sync(&s.job, FirstSyncSetting::Chosen(FirstSync::LocalWins))
        .await
        .unwrap();
    s.mem.put_file("keep.txt", "precious");
    let r = s.sync().await;
    assert_eq!(r.status, RunStatus::Aborted, "{r:#?}");
    assert_eq!(r.exit_code, 5);
    assert!(r
        .message
        .unwrap()
        .to_lowercase()
        .contains("this computer's folder is empty"));
    assert_eq!(s.remote_tree()["keep.txt"], file("precious"));
    // The choice is not spent by a stopped run; --force goes on (to the trash).
    assert!(s.engine.first_sync_state(&s.job).await.unwrap().is_some());
    let r = s
        .sync_with(SyncOptions {
            force: true,
            ..SyncOptions::default()
        })
        .await;
    assert_eq!(r.status, RunStatus::Success, "{r:#?}");
    assert_trash(s.remote_trash(), &["keep.txt"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_choice_that_clashes_with_the_mode_is_refused() {
    let s = Offline::with(|j| j.mode = anemone_sync::policy::Mode::Upload).await;
    let e = s
        .engine
        .set_first_sync(&s.job, FirstSyncSetting::Chosen(FirstSync::RemoteWins))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("upload mode"), "{e}");
}
