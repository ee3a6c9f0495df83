//! Two clients taking one new name at the same moment (issue 15, part 0). Samba's rename
//! without replace checks the name and then renames, which replaces: across two connections in
//! lockstep both renames succeeded for 5-30% of the names, and the first file was gone. These
//! tests race two separate connections name by name and check that exactly one client gets each
//! name, that the name holds that client's bytes, and that the other is told (`AlreadyExists`).

use std::sync::Arc;

use anemone_sync::replica::smb::SmbReplica;
use anemone_sync::replica::{Replica, ReplicaErrorKind};
use anemone_sync::tree::Entry;
use tokio::sync::Barrier;

use super::*;
use crate::support::samba::SambaServer;

const NAMES: usize = 150;

async fn two_clients(name: &str) -> (std::path::PathBuf, Arc<SmbReplica>, Arc<SmbReplica>) {
    let srv = SambaServer::shared();
    let (dir, url) = srv.folder(name);
    let connect = || SmbReplica::connect(&url, srv.password(), opts());
    let (a, b) = tokio::join!(connect(), connect());
    (dir, Arc::new(a.unwrap()), Arc::new(b.unwrap()))
}

/// Each client uploads its own bytes to `f<i>` for every i, through a temp of its own, and the
/// two finish each name at the same moment.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_uploads_of_one_new_name_never_both_succeed() {
    let (dir, a, b) = two_clients("claim-upload").await;
    let barrier = Arc::new(Barrier::new(2));
    let client = |remote: Arc<SmbReplica>, who: &'static str| {
        let barrier = barrier.clone();
        tokio::spawn(async move {
            let mut won = Vec::new();
            for i in 0..NAMES {
                let temp = rp(&format!("f{i}.{who}.anemone-uploading"));
                let w = remote.open_write(&temp, true).await.unwrap();
                w.write_at(0, format!("{who} {i}").into_bytes().into())
                    .await
                    .unwrap();
                barrier.wait().await;
                match w
                    .finish(&rp(&format!("f{i}")), 1_700_000_000_000_000_000)
                    .await
                {
                    Ok(e) => won.push((i, Ok(e))),
                    Err(e) if e.kind == ReplicaErrorKind::AlreadyExists => {
                        let _ = remote.remove_file(&temp).await;
                    }
                    // Not a panic: the other client would wait at the barrier for ever.
                    Err(e) => won.push((i, Err(format!("{who} f{i}: {e}")))),
                }
            }
            won
        })
    };
    let (wa, wb) = tokio::join!(client(a.clone(), "a"), client(b.clone(), "b"));
    let unwrap = |won: Vec<(usize, Result<Entry, String>)>| -> Vec<(usize, Entry)> {
        won.into_iter()
            .map(|(i, r)| (i, r.unwrap_or_else(|e| panic!("{e}"))))
            .collect()
    };
    let (wa, wb) = (unwrap(wa.unwrap()), unwrap(wb.unwrap()));
    let mut winner = vec![None; NAMES];
    for (who, won) in [("a", &wa), ("b", &wb)] {
        for (i, _) in won {
            assert!(
                winner[*i].is_none(),
                "both clients were told they wrote f{i}; the share keeps only one"
            );
            winner[*i] = Some(who);
        }
    }
    for (i, w) in winner.iter().enumerate() {
        let who = w.unwrap_or_else(|| panic!("neither client wrote f{i}"));
        assert_eq!(
            std::fs::read_to_string(dir.join(format!("f{i}"))).unwrap(),
            format!("{who} {i}")
        );
    }
    // What `finish` returned is what a later look at the share sees (its change time too,
    // which the next scan compares), and no temp name is left.
    for (i, e) in wa.iter().chain(wb.iter()) {
        let now = a.stat(&rp(&format!("f{i}"))).await.unwrap().unwrap();
        assert_eq!(&now, e, "f{i}");
    }
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), NAMES, "{names:?}");
    assert!(names.iter().all(|n| !n.contains("anemone")), "{names:?}");
    for i in 0..NAMES {
        let nlink = std::os::unix::fs::MetadataExt::nlink(
            &std::fs::metadata(dir.join(format!("f{i}"))).unwrap(),
        );
        assert_eq!(nlink, 1, "f{i} still has its temp name as a second link");
    }
}

/// Two clients move two different files onto one new name at the same moment (a move or a
/// conflict copy): one move happens, the other file stays where it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_renames_onto_one_new_name_never_both_succeed() {
    let (dir, a, b) = two_clients("claim-rename").await;
    for i in 0..NAMES {
        std::fs::write(dir.join(format!("a{i}")), format!("a {i}")).unwrap();
        std::fs::write(dir.join(format!("b{i}")), format!("b {i}")).unwrap();
    }
    let barrier = Arc::new(Barrier::new(2));
    let client = |remote: Arc<SmbReplica>, who: &'static str| {
        let barrier = barrier.clone();
        tokio::spawn(async move {
            let (mut moved, mut errors) = (Vec::new(), Vec::new());
            for i in 0..NAMES {
                barrier.wait().await;
                let any = |_: &Entry| true;
                match remote
                    .rename_if(&rp(&format!("{who}{i}")), &rp(&format!("t{i}")), &any)
                    .await
                {
                    Ok(true) => moved.push(i),
                    Ok(false) => errors.push(format!("{who}{i} was there")),
                    Err(e) if e.kind == ReplicaErrorKind::AlreadyExists => {}
                    // Not a panic: the other client would wait at the barrier for ever.
                    Err(e) => errors.push(format!("{who}{i}: {e}")),
                }
            }
            assert!(errors.is_empty(), "{errors:?}");
            moved
        })
    };
    let (ma, mb) = tokio::join!(client(a, "a"), client(b, "b"));
    let (ma, mb) = (ma.unwrap(), mb.unwrap());
    for i in 0..NAMES {
        let (by_a, by_b) = (ma.contains(&i), mb.contains(&i));
        assert!(by_a != by_b, "t{i}: moved by a: {by_a}, by b: {by_b}");
        let (mover, stayer) = if by_a { ("a", "b") } else { ("b", "a") };
        // Every file is still somewhere: the mover's at the new name, the other's in place.
        assert_eq!(
            std::fs::read_to_string(dir.join(format!("t{i}"))).unwrap(),
            format!("{mover} {i}")
        );
        assert!(!dir.join(format!("{mover}{i}")).exists());
        assert_eq!(
            std::fs::read_to_string(dir.join(format!("{stayer}{i}"))).unwrap(),
            format!("{stayer} {i}")
        );
    }
}

/// A checked rename looks at the file it moves: one that is not what the caller expects (edited
/// since the scan) stays where it is, and a missing one is not an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_checked_rename_leaves_a_changed_or_missing_file_alone() {
    let (dir, remote) = fresh("claim-checked").await;
    std::fs::write(dir.join("x"), "12345").unwrap();
    let five = |e: &Entry| e.size == 5;
    let six = |e: &Entry| e.size == 6;
    assert!(!remote.rename_if(&rp("x"), &rp("y"), &six).await.unwrap());
    assert_eq!(std::fs::read_to_string(dir.join("x")).unwrap(), "12345");
    assert!(!dir.join("y").exists());
    assert!(remote.rename_if(&rp("x"), &rp("y"), &five).await.unwrap());
    assert_eq!(std::fs::read_to_string(dir.join("y")).unwrap(), "12345");
    assert!(!dir.join("x").exists());
    assert!(!remote.rename_if(&rp("x"), &rp("z"), &five).await.unwrap());
    // Folders move too (renamed: a folder cannot be hard linked), with what is inside.
    std::fs::create_dir_all(dir.join("d/e")).unwrap();
    std::fs::write(dir.join("d/e/f"), "in").unwrap();
    let any = |_: &Entry| true;
    assert!(remote.rename_if(&rp("d"), &rp("d2"), &any).await.unwrap());
    assert_eq!(std::fs::read_to_string(dir.join("d2/e/f")).unwrap(), "in");
    // Never over anything.
    std::fs::write(dir.join("w"), "w").unwrap();
    let e = remote
        .rename_if(&rp("y"), &rp("w"), &any)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ReplicaErrorKind::AlreadyExists);
    assert_eq!(std::fs::read_to_string(dir.join("w")).unwrap(), "w");
    assert_eq!(std::fs::read_to_string(dir.join("y")).unwrap(), "12345");
}

/// A temp left as a second name of a real file (a crash between an upload's hard link and its
/// close) is never written through: the file keeps its bytes, and the upload goes to a file of
/// its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_temp_that_is_another_files_second_name_is_not_written_through() {
    let (dir, remote) = fresh("claim-linked-temp").await;
    std::fs::write(dir.join("real.txt"), "the user's bytes").unwrap();
    std::fs::hard_link(
        dir.join("real.txt"),
        dir.join("real.txt.x.anemone-uploading"),
    )
    .unwrap();
    // A fresh upload (truncates) and a resumed one (keeps bytes) through that temp name.
    for truncate in [true, false] {
        let w = remote
            .open_write(&rp("real.txt.x.anemone-uploading"), truncate)
            .await
            .unwrap();
        assert_eq!(w.len().await.unwrap(), 0, "truncate {truncate}");
        w.write_at(0, b"new".to_vec().into()).await.unwrap();
        w.close().await.unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("real.txt")).unwrap(),
            "the user's bytes",
            "truncate {truncate}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("real.txt.x.anemone-uploading")).unwrap(),
            "new"
        );
        std::fs::remove_file(dir.join("real.txt.x.anemone-uploading")).unwrap();
        std::fs::hard_link(
            dir.join("real.txt"),
            dir.join("real.txt.x.anemone-uploading"),
        )
        .unwrap();
    }
}
