//! `anemone-sync trash list | restore | empty` against the real Samba server: what a sync
//! deleted or overwrote on either side is listed, comes back with its bytes (beside the current
//! file when the name is taken), and the next sync carries it across; emptying asks first.
//! Each ends comparing both trees.

use std::fs;

use serde_json::Value;

use crate::support::sync::*;

fn list(f: &Fixture) -> Value {
    let out = f.run(&["trash", "list", "job", "--json"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().unwrap().clone()
}

#[test]
fn trash_on_the_share_is_listed_restored_and_synced_back() {
    let f = Fixture::new("trash_restore", &[]);
    write(&f.l("docs/deep/report.txt"), "the report, v1");
    write(&f.l("notes.txt"), "old notes");
    f.sync();
    // Deleted here: the share's copy goes to the share's trash, its folders removed.
    fs::remove_dir_all(f.l("docs")).unwrap();
    // Changed on the share: the local copy goes to this computer's trash.
    write(&f.r("notes.txt"), "new notes from the server");
    f.sync();
    assert!(!f.r("docs").exists());

    let v = list(&f);
    let mut got: Vec<(String, String, String, u64)> = items(&v)
        .iter()
        .map(|i| {
            (
                i["side"].as_str().unwrap().to_string(),
                i["reason"].as_str().unwrap().to_string(),
                i["original_path"].as_str().unwrap().to_string(),
                i["size"].as_u64().unwrap(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("local".into(), "overwritten".into(), "notes.txt".into(), 9),
            (
                "remote".into(),
                "deleted".into(),
                "docs/deep/report.txt".into(),
                14
            ),
        ]
    );
    let human = f.run(&["trash", "list", "job"]);
    assert!(
        human.stdout.contains("2 files in the trash"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("docs/deep/report.txt"),
        "{}",
        human.stdout
    );

    let out = f.run(&[
        "trash",
        "restore",
        "job",
        "docs/deep/report.txt",
        "notes.txt",
    ]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    let beside = format!("notes (restored {today}).txt");
    assert!(out.stdout.contains(&beside), "{}", out.stdout);
    // Back where it was on the share, folders made again; the old notes beside the new.
    assert_eq!(read(&f.r("docs/deep/report.txt")), "the report, v1");
    assert_eq!(read(&f.l("notes.txt")), "new notes from the server");
    assert_eq!(read(&f.l(&beside)), "old notes");
    assert!(items(&list(&f)).is_empty());

    f.sync();
    f.assert_in_sync();
    assert_eq!(read(&f.l("docs/deep/report.txt")), "the report, v1");
    assert_eq!(read(&f.r(&beside)), "old notes");
    f.assert_idle_sync();

    // Something not in the trash: a clear error, exit 2.
    let out = f.run(&["trash", "restore", "job", "nothing/here.txt"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("not in the trash"), "{}", out.stderr);
}

#[test]
fn trash_empty_asks_then_deletes_only_our_run_folders() {
    let f = Fixture::new("trash_empty", &[]);
    write(&f.l("a.txt"), "a");
    write(&f.l("b.txt"), "b");
    f.sync();
    fs::remove_file(f.l("a.txt")).unwrap();
    fs::remove_file(f.r("b.txt")).unwrap();
    f.sync();
    write(&f.r(".anemone-trash/not ours/keep.txt"), "keep");

    // Without --yes and no terminal to ask on: refused, nothing deleted.
    let out = f.run(&["trash", "empty", "job"]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("on the server: 1 file"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("--yes"), "{}", out.stderr);
    assert_eq!(items(&list(&f)).len(), 2);

    let out = f.run(&["trash", "empty", "job", "--side", "remote", "--yes"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let left = items(&list(&f));
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["side"], "local");

    let out = f.run(&["trash", "empty", "job", "--yes"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(items(&list(&f)).is_empty());
    assert_eq!(trashed(&f.local), Vec::<String>::new());
    assert_eq!(read(&f.r(".anemone-trash/not ours/keep.txt")), "keep");
    f.sync();
    f.assert_in_sync();
}
