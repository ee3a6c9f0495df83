//! The first sync of two folders that both hold files, by the choice given to `job add
//! --first-sync` (issue 16), against the real Samba server: both trees end equal to the winning
//! side's former content, the loser's replaced and deleted files are in its trash, and the
//! choice is spent after the first sync.

use std::collections::BTreeMap;

use crate::support::sync::{assert_trees_equal, read, trashed, tree, write, Fixture, Node};

/// Both sides hold files: one the same, one only on each side, one differing in size, one
/// differing with the same size, and one in a folder only on each side.
fn fill(f: &Fixture) {
    write(&f.l("same.txt"), "identical");
    write(&f.r("same.txt"), "identical");
    write(&f.l("only-local.txt"), "mine");
    write(&f.r("only-remote.txt"), "theirs");
    write(&f.l("differs.txt"), "local version");
    write(&f.r("differs.txt"), "the remote version");
    write(&f.l("same-size.txt"), "AAAA");
    write(&f.r("same-size.txt"), "BBBB");
    write(&f.l("ldir/a.txt"), "deep local");
    write(&f.r("rdir/b.txt"), "deep remote");
}

fn files(root: &std::path::Path) -> BTreeMap<String, Node> {
    tree(root)
        .into_iter()
        .filter(|(_, n)| matches!(n, Node::File(_)))
        .collect()
}

#[test]
fn local_wins_on_samba_makes_the_share_like_this_folder_and_keeps_the_old_in_its_trash() {
    let f = Fixture::new("first_sync_local_wins", &["--first-sync", "local-wins"]);
    fill(&f);
    let before = files(&f.local);
    // The dry run shows each choice's counts and touches nothing.
    let dry = f.run(&["sync", "job", "--dry-run"]);
    assert_eq!(dry.code, 0, "{}\n{}", dry.stdout, dry.stderr);
    assert!(
        dry.stdout
            .contains("first sync: 5 files here, 5 files on the server"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains(
            "local-wins   2 up, 0 down, 1 replaced, 2 to the trash, 0 conflicts, 2 to compare"
        ),
        "{}",
        dry.stdout
    );
    assert_eq!(read(&f.r("only-remote.txt")), "theirs");
    let out = f.sync();
    assert_eq!(out.count("conflicts"), 0, "{}", out.stdout);
    f.assert_in_sync();
    assert_eq!(files(&f.remote), before);
    assert_eq!(
        trashed(&f.remote),
        [
            "differs.txt",
            "only-remote.txt",
            "rdir/b.txt",
            "same-size.txt"
        ]
    );
    assert_eq!(trashed(&f.local), Vec::<String>::new());
    // Spent: a file new on the share comes down; nothing is deleted any more.
    write(&f.r("later.txt"), "new");
    let out = f.sync();
    assert_eq!(out.count("downloaded"), 1, "{}", out.stdout);
    assert_eq!(out.count("deleted_remote"), 0);
    assert_trees_equal(&f.local, &f.remote);
    f.assert_idle_sync();
}

#[test]
fn remote_wins_on_samba_makes_this_folder_like_the_share_and_keeps_the_old_in_the_local_trash() {
    let f = Fixture::new("first_sync_remote_wins", &["--first-sync", "remote-wins"]);
    fill(&f);
    let before = files(&f.remote);
    f.sync();
    f.assert_in_sync();
    assert_eq!(files(&f.local), before);
    assert_eq!(
        trashed(&f.local),
        [
            "differs.txt",
            "ldir/a.txt",
            "only-local.txt",
            "same-size.txt"
        ]
    );
    // The trash holds the local versions' bytes.
    let trash = f.local.join(".anemone-trash");
    let run = std::fs::read_dir(&trash)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert_eq!(read(&run.join("differs.txt")), "local version");
    assert_eq!(read(&run.join("only-local.txt")), "mine");
    write(&f.l("later.txt"), "new");
    let out = f.sync();
    assert_eq!(out.count("uploaded"), 1, "{}", out.stdout);
    assert_eq!(out.count("deleted_local"), 0);
    f.assert_idle_sync();
}

#[test]
fn job_add_first_sync_takes_the_three_choices_and_refuses_others() {
    let f = Fixture::new("first_sync_cli", &["--first-sync", "merge"]);
    let local = f.local.display().to_string();
    let add = |name: &str, extra: &[&str]| {
        let mut args = vec!["job", "add", name, "--local", &local, "--remote", &f.url];
        args.extend_from_slice(extra);
        f.run(&args)
    };
    let bad = add("bogus", &["--first-sync", "server"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("remote-wins"), "{}", bad.stderr);
    let clash = add(
        "clash",
        &["--first-sync", "remote-wins", "--mode", "upload"],
    );
    assert_eq!(clash.code, 2, "{}", clash.stderr);
    assert!(clash.stderr.contains("--first-sync"), "{}", clash.stderr);
    let list = f.run(&["job", "list"]);
    assert!(
        !list.stdout.contains("clash") && !list.stdout.contains("bogus"),
        "{}",
        list.stdout
    );
    // `job first-sync` changes the choice before the first sync, not after.
    let set = f.run(&["job", "first-sync", "job", "remote-wins"]);
    assert_eq!(set.code, 0, "{}", set.stderr);
    write(&f.r("x.txt"), "x");
    f.sync();
    let late = f.run(&["job", "first-sync", "job", "local-wins"]);
    assert_eq!(late.code, 2, "{}", late.stderr);
    assert!(
        late.stderr.contains("has synced already"),
        "{}",
        late.stderr
    );
}
