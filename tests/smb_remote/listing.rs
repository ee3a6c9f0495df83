//! The recursive listing (issue 15, fast over slow links): many folders in flight, and folders
//! the last sync saw listed ahead of being found. Whatever it is told, it must list exactly
//! what a walk one folder at a time lists.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use anemone_sync::names::TRASH_DIR;
use anemone_sync::relpath::RelPath;
use anemone_sync::replica::smb::SmbReplica;
use anemone_sync::replica::{Listing, Replica};

use super::{fresh, rp};

/// One entry as listed: path, kind, size, last-write time, change time, file id.
type Shown = (String, String, u64, i64, Option<i64>, Option<u64>);

/// Everything a listing says, in an order that does not depend on which folder answered first.
#[derive(Debug, PartialEq)]
struct Seen {
    entries: Vec<Shown>,
    rejected: BTreeSet<(String, String)>,
    skipped: BTreeSet<(String, String)>,
}

fn seen(mut l: Listing) -> Seen {
    l.sort();
    Seen {
        entries: l
            .entries
            .into_iter()
            .map(|e| {
                let kind = format!("{:?}", e.kind);
                (
                    e.path.as_str().to_string(),
                    kind,
                    e.size,
                    e.mtime_ns,
                    e.ctime_ns,
                    e.file_id,
                )
            })
            .collect(),
        rejected: l
            .rejected
            .into_iter()
            .map(|r| (r.shown, r.reason))
            .collect(),
        skipped: l
            .skipped
            .into_iter()
            .map(|(p, why)| (p.as_str().to_string(), why.to_string()))
            .collect(),
    }
}

/// The reference: one folder at a time with `list_dir`, parents before children, skipping
/// folders named `skip_dir`. Shares no code with the walk beyond turning a name into a path.
async fn one_at_a_time(remote: &SmbReplica, skip_dir: &str) -> Listing {
    let mut out = Listing::default();
    let mut todo = vec![RelPath::root()];
    while let Some(dir) = todo.pop() {
        let l = remote.list_dir(&dir).await.unwrap();
        for e in l.entries {
            if e.kind == anemone_sync::tree::EntryKind::Dir {
                if e.path.name() == skip_dir {
                    continue;
                }
                todo.push(e.path.clone());
            }
            out.entries.push(e);
        }
        out.rejected.extend(l.rejected);
        out.skipped.extend(l.skipped);
    }
    out
}

fn file(p: &Path, body: &str) {
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, body).unwrap();
}

/// Nested folders four deep, an empty one, the skipped folder at the top and deeper, names
/// that cannot be paths here (a file and a folder with a line break: Samba may show them
/// mangled), a symbolic link (Samba follows it).
fn build(dir: &Path) {
    for a in 0..6 {
        for b in 0..3 {
            file(&dir.join(format!("a{a}/b{b}/c/d/f.txt")), "deep");
            file(&dir.join(format!("a{a}/b{b}/g{a}{b}.txt")), "mid");
        }
        file(&dir.join(format!("a{a}/top.txt")), "top");
    }
    fs::create_dir_all(dir.join("a4/empty")).unwrap();
    file(&dir.join(format!("{TRASH_DIR}/run/x.txt")), "trash");
    file(
        &dir.join(format!("a0/b1/{TRASH_DIR}/run/y.txt")),
        "nested trash",
    );
    file(&dir.join("a1/line\nbreak.txt"), "bad name");
    file(&dir.join("a2/bad\ndir/inside.txt"), "under a bad name");
    std::os::unix::fs::symlink("../a0", dir.join("a3/link")).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hinted_walk_lists_exactly_what_a_walk_one_folder_at_a_time_lists() {
    let (dir, remote) = fresh("walk").await;
    build(&dir);
    let reference = seen(one_at_a_time(&remote, TRASH_DIR).await);
    let paths: BTreeSet<&str> = reference.entries.iter().map(|e| e.0.as_str()).collect();
    assert!(paths.contains("a5/b2/c/d/f.txt") && paths.contains("a4/empty"));
    assert!(!paths.iter().any(|p| p.contains(TRASH_DIR)), "{paths:#?}");

    let plain = seen(remote.list(TRASH_DIR).await.unwrap());
    assert_eq!(plain, reference, "the walk without hints");

    let folders: Vec<RelPath> = plain
        .entries
        .iter()
        .filter(|e| e.1 == "Dir")
        .map(|e| rp(&e.0))
        .collect();
    let stale = [
        "gone",
        "gone/deeper",
        "a0/b9",
        "a0/top.txt",
        "A1/B0",
        "a3/link",
        "a3/link/b0",
        TRASH_DIR,
        &format!("{TRASH_DIR}/run"),
        &format!("a0/b1/{TRASH_DIR}/run"),
    ]
    .map(rp);
    let deep_only: Vec<RelPath> = folders.iter().filter(|d| d.depth() >= 3).cloned().collect();
    let hint_sets: Vec<(&str, Vec<RelPath>)> = vec![
        ("every folder", folders.clone()),
        ("stale and wrong ones", stale.to_vec()),
        (
            "every folder and stale ones",
            [folders.clone(), stale.to_vec()].concat(),
        ),
        ("only the deepest", deep_only),
        ("in reverse", folders.iter().rev().cloned().collect()),
    ];
    for (what, hints) in hint_sets {
        let hinted = seen(remote.list_hinted(TRASH_DIR, hints).await.unwrap());
        assert_eq!(hinted, reference, "hints: {what}");
    }

    // Without a skipped name, the trash folders are listed like any other, hinted or not.
    let all = seen(one_at_a_time(&remote, "").await);
    assert_eq!(seen(remote.list("").await.unwrap()), all);
    assert_eq!(seen(remote.list_hinted("", folders).await.unwrap()), all);
}

/// A folder hinted and then deleted before the walk reaches its parent is not listed; one
/// created since the hints were made is.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hints_never_add_or_hide_a_folder() {
    let (dir, remote) = fresh("walk-changed").await;
    file(&dir.join("keep/sub/a.txt"), "a");
    file(&dir.join("old/sub/b.txt"), "b");
    let hints = vec![rp("keep"), rp("keep/sub"), rp("old"), rp("old/sub")];
    fs::remove_dir_all(dir.join("old")).unwrap();
    file(&dir.join("new/sub/c.txt"), "c");
    let hinted = seen(remote.list_hinted("", hints).await.unwrap());
    let paths: Vec<&str> = hinted.entries.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        paths,
        [
            "keep",
            "keep/sub",
            "keep/sub/a.txt",
            "new",
            "new/sub",
            "new/sub/c.txt"
        ]
    );
    assert_eq!(hinted, seen(one_at_a_time(&remote, "").await));
}
