//! File operations on a share: bytes, times, names, renames, removal, listing.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anemone_sync::relpath::RelPath;
use anemone_sync::replica::smb::SmbReplica;
use anemone_sync::replica::{Replica, ReplicaErrorKind, MAX_CHUNK};
use anemone_sync::tree::EntryKind;
use futures::stream::{self, StreamExt, TryStreamExt};

use super::*;
use crate::support::samba::SambaServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn create_folder_list_and_stat() {
    let (dir, remote) = fresh("basic").await;
    remote.check_root().await.unwrap();
    remote.create_dir(&rp("a")).await.unwrap();
    remote.create_dir(&rp("a")).await.unwrap(); // exists: Ok
    remote.create_dir(&rp("a/b")).await.unwrap();
    put(&remote, "a/f.txt", b"hello").await;
    assert!(dir.join("a/b").is_dir());
    assert_eq!(std::fs::read(dir.join("a/f.txt")).unwrap(), b"hello");

    let list = remote.list("").await.unwrap().entries;
    let paths: Vec<(&str, EntryKind, u64)> = list
        .iter()
        .map(|e| (e.path.as_str(), e.kind, e.size))
        .collect();
    assert_eq!(
        paths,
        vec![
            ("a", EntryKind::Dir, 0),
            ("a/b", EntryKind::Dir, 0),
            ("a/f.txt", EntryKind::File, 5)
        ]
    );
    let f = list.iter().find(|e| e.path.as_str() == "a/f.txt").unwrap();
    assert_eq!(f.mtime_ns / 100, disk_mtime_ns(&dir.join("a/f.txt")) / 100);
    assert!(f.file_id.is_some());
    assert!(f.ctime_ns.is_some());

    let st = remote.stat(&rp("a/f.txt")).await.unwrap().unwrap();
    assert_eq!(
        (st.kind, st.size, st.mtime_ns),
        (EntryKind::File, 5, f.mtime_ns)
    );
    assert_eq!(st.file_id, f.file_id);
    let st = remote.stat(&rp("a")).await.unwrap().unwrap();
    assert_eq!(st.kind, EntryKind::Dir);
    assert!(remote.stat(&rp("missing")).await.unwrap().is_none());
    assert!(remote.stat(&rp("missing/deeper")).await.unwrap().is_none());

    // A file where a folder is wanted.
    let e = remote.create_dir(&rp("a/f.txt")).await.unwrap_err();
    assert_eq!(e.kind, ReplicaErrorKind::AlreadyExists, "{e}");

    assert_eq!(
        remote.list_folders(&RelPath::root()).await.unwrap(),
        vec!["a"]
    );
    assert_eq!(remote.list_folders(&rp("a")).await.unwrap(), vec!["b"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn big_file_pipelined_round_trip_is_byte_exact() {
    let (dir, remote) = fresh("big").await;
    let size = 64 * 1024 * 1024 + 12345; // not a multiple of the chunk
    let data = Arc::new(pseudo_random(size, 0xA11CE));
    let w = remote.open_write(&rp("big.bin"), true).await.unwrap();
    let offsets: Vec<usize> = (0..size).step_by(MAX_CHUNK).collect();
    stream::iter(offsets.clone())
        .map(|off| {
            let w = w.clone();
            let data = data.clone();
            async move {
                let end = (off + MAX_CHUNK).min(data.len());
                w.write_at(off as u64, data[off..end].into()).await
            }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<()>>()
        .await
        .unwrap();
    assert_eq!(w.len().await.unwrap(), size as u64);
    w.close().await.unwrap();
    let on_disk = std::fs::read(dir.join("big.bin")).unwrap();
    assert!(
        on_disk == *data,
        "bytes on the server differ from what was written"
    );

    let r = remote.open_read(&rp("big.bin")).await.unwrap();
    assert_eq!(r.len(), size as u64);
    let mut chunks: Vec<(usize, Vec<u8>)> = stream::iter(offsets)
        .map(|off| {
            let r = r.clone();
            async move { r.read_at(off as u64, MAX_CHUNK).await.map(|b| (off, b)) }
        })
        .buffer_unordered(16)
        .try_collect()
        .await
        .unwrap();
    r.close().await.unwrap();
    chunks.sort_by_key(|c| c.0);
    let back: Vec<u8> = chunks.into_iter().flat_map(|c| c.1).collect();
    assert!(back == *data, "bytes read back differ");
    // A read past the end is short, not an error.
    let r = remote.open_read(&rp("big.bin")).await.unwrap();
    assert_eq!(
        r.read_at(size as u64 - 10, MAX_CHUNK).await.unwrap().len(),
        10
    );
    assert!(r.read_at(size as u64, 100).await.unwrap().is_empty());
    r.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writer_resume_set_len_and_empty_file() {
    let (dir, remote) = fresh("resume").await;
    put(&remote, "f", b"0123456789").await;
    let w = remote.open_write(&rp("f"), false).await.unwrap();
    assert_eq!(
        w.len().await.unwrap(),
        10,
        "open without truncate keeps the bytes"
    );
    w.write_at(10, b"abc".as_slice().into()).await.unwrap();
    w.set_len(12).await.unwrap();
    w.close().await.unwrap();
    w.close().await.unwrap(); // idempotent
    assert_eq!(std::fs::read(dir.join("f")).unwrap(), b"0123456789ab");
    let w = remote.open_write(&rp("f"), true).await.unwrap();
    assert_eq!(w.len().await.unwrap(), 0, "truncate empties the file");
    w.close().await.unwrap();
    assert_eq!(std::fs::read(dir.join("f")).unwrap(), b"");
    assert_eq!(get(&remote, "f").await, b"");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn set_mtime_is_visible_in_stat_and_on_disk() {
    let (dir, remote) = fresh("mtime").await;
    let t: i64 = 1_234_567_890_123_456_700; // 2009-02-13, 100 ns resolution
    let w = remote.open_write(&rp("old.txt"), true).await.unwrap();
    w.write_at(0, b"data".as_slice().into()).await.unwrap();
    w.set_mtime(t).await.unwrap();
    w.close().await.unwrap();
    let st = remote.stat(&rp("old.txt")).await.unwrap().unwrap();
    assert_eq!(st.mtime_ns, t);
    assert_eq!(disk_mtime_ns(&dir.join("old.txt")), t);
    let listed = remote.list("").await.unwrap().entries;
    assert_eq!(listed[0].mtime_ns, t);

    // Writes after set_mtime on the same handle do not move the time again.
    let w = remote.open_write(&rp("sticky.txt"), true).await.unwrap();
    w.set_mtime(t).await.unwrap();
    w.write_at(0, b"later".as_slice().into()).await.unwrap();
    w.close().await.unwrap();
    let st = remote.stat(&rp("sticky.txt")).await.unwrap().unwrap();
    assert_eq!((st.mtime_ns, st.size), (t, 5));
    let _ = SystemTime::now();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rename_with_and_without_replace() {
    let (dir, remote) = fresh("rename").await;
    put(&remote, "a.txt", b"A").await;
    put(&remote, "c.txt", b"C").await;
    remote
        .rename(&rp("a.txt"), &rp("b.txt"), false)
        .await
        .unwrap();
    assert!(!dir.join("a.txt").exists());
    assert_eq!(std::fs::read(dir.join("b.txt")).unwrap(), b"A");

    let e = remote
        .rename(&rp("b.txt"), &rp("c.txt"), false)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ReplicaErrorKind::AlreadyExists, "{e}");
    assert!(
        e.message.contains("b.txt") && e.message.contains("c.txt"),
        "{e}"
    );
    assert_eq!(std::fs::read(dir.join("b.txt")).unwrap(), b"A");
    assert_eq!(std::fs::read(dir.join("c.txt")).unwrap(), b"C");

    remote
        .rename(&rp("b.txt"), &rp("c.txt"), true)
        .await
        .unwrap();
    assert!(!dir.join("b.txt").exists());
    assert_eq!(std::fs::read(dir.join("c.txt")).unwrap(), b"A");

    // Folders, into another folder.
    remote.create_dir(&rp("d1")).await.unwrap();
    remote.create_dir(&rp("d2")).await.unwrap();
    put(&remote, "d1/x", b"x").await;
    remote
        .rename(&rp("d1"), &rp("d2/moved"), false)
        .await
        .unwrap();
    assert_eq!(std::fs::read(dir.join("d2/moved/x")).unwrap(), b"x");

    let e = remote
        .rename(&rp("nope"), &rp("z"), false)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ReplicaErrorKind::NotFound, "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn remove_files_and_folders() {
    let (dir, remote) = fresh("remove").await;
    remote.create_dir(&rp("full")).await.unwrap();
    put(&remote, "full/f", b"1").await;
    let e = remote.remove_dir(&rp("full")).await.unwrap_err();
    assert_eq!(e.kind, ReplicaErrorKind::NotEmpty, "{e}");
    assert!(dir.join("full/f").exists());
    remote.remove_file(&rp("full/f")).await.unwrap();
    assert!(!dir.join("full/f").exists());
    remote.remove_dir(&rp("full")).await.unwrap();
    assert!(!dir.join("full").exists());
    let e = remote.remove_file(&rp("gone")).await.unwrap_err();
    assert_eq!(e.kind, ReplicaErrorKind::NotFound, "{e}");
    let e = remote.remove_dir(&rp("gone")).await.unwrap_err();
    assert_eq!(e.kind, ReplicaErrorKind::NotFound, "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn names_with_spaces_accents_and_brackets() {
    let (dir, remote) = fresh("names").await;
    let names = [
        "with space.txt",
        "accentué été ñ.txt",
        "[brackets] (round) {curly}.txt",
        "日本語.txt",
        "emoji 🎉.txt",
        "semi;colon, comma & plus+.txt",
    ];
    remote.create_dir(&rp("dossier é [1]")).await.unwrap();
    for n in names {
        put(&remote, &format!("dossier é [1]/{n}"), n.as_bytes()).await;
        assert_eq!(
            std::fs::read(dir.join("dossier é [1]").join(n)).unwrap(),
            n.as_bytes(),
            "{n}"
        );
    }
    let listed = listed_paths(&remote, "").await;
    for n in names {
        assert!(
            listed.contains(&format!("dossier é [1]/{n}")),
            "{n} missing from {listed:?}"
        );
        assert_eq!(
            get(&remote, &format!("dossier é [1]/{n}")).await,
            n.as_bytes()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn invalid_names_give_invalid_name() {
    let (dir, remote) = fresh("invalid").await;
    // What Samba 4.17 refuses over SMB2 (names it would have to mangle or that are wildcards).
    // A backslash (SMB's separator) or a drive-like `a:` cannot even be a path (they could
    // address another file), so they never reach the server.
    for never in ["back\\slash", "a:b"] {
        assert!(RelPath::new(never).is_err(), "{never:?}");
    }
    for bad in ["ab:c", "star*", "what?", "pipe|x", "lt<", "gt>", "quote\"x"] {
        let r = remote.open_write(&rp(bad), true).await;
        let e = match r {
            Ok(w) => {
                w.close().await.unwrap();
                panic!(
                    "{bad:?} was accepted: {:?}",
                    std::fs::read_dir(&dir).unwrap().count()
                );
            }
            Err(e) => e,
        };
        assert_eq!(e.kind, ReplicaErrorKind::InvalidName, "{bad:?}: {e}");
        let e = remote.create_dir(&rp(bad)).await.unwrap_err();
        assert_eq!(e.kind, ReplicaErrorKind::InvalidName, "{bad:?}: {e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lists_ten_thousand_files_on_a_multi_thread_runtime() {
    let (dir, remote) = fresh("many").await;
    for d in 0..10 {
        let sub = dir.join(format!("d{d}"));
        std::fs::create_dir(&sub).unwrap();
        for i in 0..1000 {
            std::fs::write(sub.join(format!("file-{i:05}.txt")), b"x").unwrap();
        }
    }
    let listed = tokio::time::timeout(Duration::from_secs(120), remote.list(""))
        .await
        .expect("listing hung (the crate's multi-thread deadlock?)")
        .unwrap()
        .entries;
    let files = listed.iter().filter(|e| e.kind == EntryKind::File).count();
    let dirs = listed.iter().filter(|e| e.kind == EntryKind::Dir).count();
    assert_eq!((files, dirs), (10_000, 10));
    assert!(listed
        .iter()
        .all(|e| e.kind == EntryKind::Dir || e.size == 1));
    // And again (handles and listing thread reused).
    let again = tokio::time::timeout(Duration::from_secs(120), remote.list(""))
        .await
        .expect("second listing hung")
        .unwrap()
        .entries;
    assert_eq!(again, listed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn skip_dir_is_not_listed() {
    let (dir, remote) = fresh("skip").await;
    std::fs::create_dir_all(dir.join(".anemone-tmp/inner")).unwrap();
    std::fs::write(dir.join(".anemone-tmp/part"), b"p").unwrap();
    std::fs::create_dir_all(dir.join("sub/.anemone-tmp")).unwrap();
    std::fs::write(dir.join("sub/.anemone-tmp/q"), b"q").unwrap();
    std::fs::write(dir.join("sub/keep"), b"k").unwrap();
    let listed = listed_paths(&remote, ".anemone-tmp").await;
    assert_eq!(listed, vec!["sub", "sub/keep"]);
    let all = remote.list("").await.unwrap().entries;
    assert_eq!(all.len(), 7);
}

/// What Samba 4.17 does with names Windows reserves: it accepts them and stores them as they
/// are (the engine, not the remote, decides whether to sync them).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn windows_reserved_names_are_stored_as_is_by_samba() {
    let (dir, remote) = fresh("reserved").await;
    for n in ["CON", "aux", "COM1", "nul.txt", "trail.", "trail ", " lead"] {
        put(&remote, n, b"r").await;
        assert_eq!(std::fs::read(dir.join(n)).unwrap(), b"r", "{n:?}");
    }
}

/// Files in flight at once go over several connections (Samba serves each with its own smbd
/// process, so more than one core works on many small files), and every byte arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_files_spread_over_several_connections() {
    let srv = SambaServer::start();
    let (dir, url) = srv.folder("spread");
    let remote = std::sync::Arc::new(
        SmbReplica::connect(&url, srv.password(), opts())
            .await
            .unwrap(),
    );
    let before = srv.pids().len();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..32 {
        let remote = remote.clone();
        set.spawn(async move {
            let name = format!("f{i:02}");
            put(&remote, &name, name.repeat(100).as_bytes()).await;
        });
    }
    while let Some(r) = set.join_next().await {
        r.unwrap();
    }
    let after = srv.pids().len();
    assert!(
        after >= before + 3,
        "32 files in flight used {} new smbd processes (expected 3 more connections)",
        after - before
    );
    for i in 0..32 {
        let name = format!("f{i:02}");
        assert_eq!(
            std::fs::read(dir.join(&name)).unwrap(),
            name.repeat(100).as_bytes()
        );
    }
    let mut listed = listed_paths(&remote, "").await;
    listed.sort();
    assert_eq!(
        listed,
        (0..32).map(|i| format!("f{i:02}")).collect::<Vec<_>>()
    );
}
