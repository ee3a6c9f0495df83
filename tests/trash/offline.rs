//! The trash engine against the memory remote: list both sides with why, restore to the
//! original place (folders made again) or beside a file that took the name, empty one side or
//! both, and the next sync carries a restored file across. Each ends comparing both trees.

use anemone_sync::db::trash::TrashReason;
use anemone_sync::policy::ConflictPolicy;
use anemone_sync::trash::{TrashItem, TrashKey};
use anemone_sync::tree::Side;

use crate::offline::Offline;
use crate::support::sync::{read, tree, write, Node};

fn key(i: &TrashItem) -> TrashKey {
    TrashKey {
        side: i.side,
        trash_path: i.trash_path.clone(),
    }
}

fn today() -> String {
    chrono::Local::now().format("%Y-%m-%d").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_file_is_listed_and_restored_to_its_place_with_its_folders() {
    let s = Offline::new().await;
    write(&s.l("docs/deep/report.txt"), "report v1");
    write(&s.l("keep.txt"), "keep");
    s.sync_ok().await;
    // The user removes the whole folder here: the share's copy goes to the share's trash.
    std::fs::remove_dir_all(s.l("docs")).unwrap();
    let r = s.sync_ok().await;
    assert_eq!(r.counts.deleted_remote, 1, "{r:#?}");
    assert!(s.mem.read("docs/deep/report.txt").is_none());

    let l = s.engine.trash_list(&s.job).await;
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    assert_eq!(l.items.len(), 1, "{:#?}", l.items);
    let item = &l.items[0];
    assert_eq!(item.side, Side::Remote);
    assert_eq!(item.original_path, "docs/deep/report.txt");
    assert_eq!(item.reason, TrashReason::Deleted);
    assert_eq!(item.size, "report v1".len() as u64);
    assert!(item.run_id.is_some());
    assert!(item.trash_path.starts_with(".anemone-trash/"));

    let done = s.engine.trash_restore(&s.job, &[key(item)]).await;
    let done = done[0].as_ref().expect("restored");
    assert_eq!(done.restored_to, "docs/deep/report.txt");
    assert_eq!(
        s.mem.read("docs/deep/report.txt").unwrap(),
        b"report v1",
        "back on the share with its bytes"
    );
    assert!(s.engine.trash_list(&s.job).await.items.is_empty());

    // The next sync brings it back here too.
    let r = s.sync_ok().await;
    assert_eq!(r.counts.downloaded, 1, "{r:#?}");
    assert_eq!(read(&s.l("docs/deep/report.txt")), "report v1");
    s.assert_in_sync();
    s.assert_idle().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overwritten_version_is_restored_beside_the_current_one() {
    let s = Offline::new().await;
    write(&s.l("notes.txt"), "old words");
    s.sync_ok().await;
    s.mem.put_file("notes.txt", "new words from the server");
    s.sync_ok().await;
    let l = s.engine.trash_list(&s.job).await;
    assert_eq!(l.items.len(), 1, "{:#?}", l.items);
    let item = l.items[0].clone();
    assert_eq!(
        (item.side, item.reason, item.original_path.as_str()),
        (Side::Local, TrashReason::Overwritten, "notes.txt")
    );

    let done = s.engine.trash_restore(&s.job, &[key(&item)]).await;
    let beside = format!("notes (restored {}).txt", today());
    assert_eq!(done[0].as_ref().unwrap().restored_to, beside);
    // Never over anything: the current version is untouched, the old one is beside it.
    assert_eq!(read(&s.l("notes.txt")), "new words from the server");
    assert_eq!(read(&s.l(&beside)), "old words");

    // A name taken twice: the next free one.
    s.mem.put_file("notes.txt", "third version");
    s.sync_ok().await;
    let l = s.engine.trash_list(&s.job).await;
    let item = l
        .items
        .iter()
        .find(|i| i.original_path == "notes.txt")
        .unwrap();
    let done = s.engine.trash_restore(&s.job, &[key(item)]).await;
    let second = format!("notes (restored {} 2).txt", today());
    assert_eq!(done[0].as_ref().unwrap().restored_to, second);
    assert_eq!(read(&s.l(&second)), "new words from the server");

    s.sync_ok().await;
    s.assert_in_sync();
    assert_eq!(s.mem.read(&beside).unwrap(), b"old words");
    assert_eq!(s.mem.read("notes.txt").unwrap(), b"third version");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_losing_side_of_a_conflict_is_listed_as_conflict() {
    let s = Offline::with(|j| j.conflict_policy = ConflictPolicy::Remote).await;
    write(&s.l("plan.txt"), "v1");
    s.sync_ok().await;
    write(&s.l("plan.txt"), "local edit, loses");
    s.mem.put_file("plan.txt", "remote edit, wins");
    s.sync_ok().await;
    let l = s.engine.trash_list(&s.job).await;
    assert_eq!(l.items.len(), 1, "{:#?}", l.items);
    assert_eq!(l.items[0].reason, TrashReason::Conflict);
    assert_eq!(l.items[0].side, Side::Local);
    let done = s.engine.trash_restore(&s.job, &[key(&l.items[0])]).await;
    let to = done[0].as_ref().unwrap().restored_to.clone();
    assert_eq!(read(&s.l(&to)), "local edit, loses");
    s.sync_ok().await;
    s.assert_in_sync();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_sides_are_listed_and_emptied_one_side_or_both() {
    let s = Offline::new().await;
    write(&s.l("a.txt"), "a");
    write(&s.l("b.txt"), "b");
    s.sync_ok().await;
    std::fs::remove_file(s.l("a.txt")).unwrap(); // goes to the share's trash
    assert!(s.mem.remove("b.txt")); // goes to this computer's trash
    s.sync_ok().await;
    // Not one of our run folders: never listed, never emptied.
    write(&s.l(".anemone-trash/my notes/keep.txt"), "mine");
    s.mem.put_file(".anemone-trash/other/keep.txt", "theirs");

    let l = s.engine.trash_list(&s.job).await;
    let mut seen: Vec<(Side, String)> = l
        .items
        .iter()
        .map(|i| (i.side, i.original_path.clone()))
        .collect();
    seen.sort_by_key(|(s, p)| (format!("{s:?}"), p.clone()));
    assert_eq!(
        seen,
        [
            (Side::Local, "b.txt".to_string()),
            (Side::Remote, "a.txt".to_string())
        ]
    );

    let r = s.engine.trash_empty(&s.job, &[Side::Local]).await;
    assert_eq!(r[0].1, Ok(1));
    let l = s.engine.trash_list(&s.job).await;
    assert_eq!(l.items.len(), 1);
    assert_eq!(l.items[0].side, Side::Remote);

    let r = s
        .engine
        .trash_empty(&s.job, &[Side::Local, Side::Remote])
        .await;
    assert!(r.iter().all(|(_, r)| r.is_ok()), "{r:?}");
    assert!(s.engine.trash_list(&s.job).await.items.is_empty());
    assert_eq!(read(&s.l(".anemone-trash/my notes/keep.txt")), "mine");
    assert_eq!(
        s.mem.read(".anemone-trash/other/keep.txt").unwrap(),
        b"theirs"
    );
    let trash_left: Vec<String> = s
        .mem
        .snapshot()
        .into_keys()
        .filter(|k| k.starts_with(".anemone-trash/"))
        .collect();
    assert_eq!(
        trash_left,
        [".anemone-trash/other", ".anemone-trash/other/keep.txt"]
    );
    s.sync_ok().await;
    s.assert_in_sync();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_where_a_folder_should_be_stops_that_restore_and_nothing_is_replaced() {
    let s = Offline::new().await;
    write(&s.l("docs/a.txt"), "a");
    write(&s.l("keep.txt"), "keep"); // not an emptied side: the guard lets the delete go
    s.sync_ok().await;
    std::fs::remove_dir_all(s.l("docs")).unwrap();
    s.sync_ok().await;
    // Now a file named like the folder.
    write(&s.l("docs"), "a file now");
    s.sync_ok().await;
    let l = s.engine.trash_list(&s.job).await;
    let item = l
        .items
        .iter()
        .find(|i| i.original_path == "docs/a.txt")
        .unwrap();
    let done = s.engine.trash_restore(&s.job, &[key(item)]).await;
    let err = done[0].as_ref().unwrap_err();
    assert!(err.contains("docs is a file now"), "{err}");
    assert_eq!(s.mem.read("docs").unwrap(), b"a file now");
    assert_eq!(
        s.engine.trash_list(&s.job).await.items.len(),
        1,
        "still in the trash"
    );
    s.assert_in_sync();
    assert_eq!(
        tree(&s.local).get("docs"),
        Some(&Node::File(b"a file now".to_vec()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_refuses_paths_outside_the_trash() {
    let s = Offline::new().await;
    write(&s.l("a.txt"), "a");
    s.sync_ok().await;
    let before = (s.local_tree(), s.remote_tree());
    for bad in [
        "a.txt",
        "../outside.txt",
        ".anemone-trash/../a.txt",
        ".anemone-trash/2026-12-04 101500/../../a.txt",
        ".anemone-trash/2026-12-04 101500/.anemone-trash/x",
        ".anemone-trash/not-a-run/a.txt",
    ] {
        for side in [Side::Local, Side::Remote] {
            let r = s
                .engine
                .trash_restore(
                    &s.job,
                    &[TrashKey {
                        side,
                        trash_path: bad.into(),
                    }],
                )
                .await;
            assert!(r[0].is_err(), "{bad} on {side:?} was accepted: {r:?}");
        }
    }
    assert_eq!((s.local_tree(), s.remote_tree()), before);
}
