//! What protects files: the mass-delete guard, an emptied folder, dry runs, the trash and its retention, temps that are ours and those that are not.

use std::fs;

use crate::support::sync::*;

#[test]
fn mass_delete_aborts_then_force_goes_ahead() {
    let f = Fixture::new("mass_delete", &[]);
    for i in 0..20 {
        write(&f.l(&format!("f{i}.txt")), format!("{i}"));
    }
    f.sync();
    for i in 0..15 {
        fs::remove_file(f.l(&format!("f{i}.txt"))).unwrap();
    }
    let out = f.sync_expect(5, &[]);
    assert_eq!(out.report()["status"], "aborted");
    assert_eq!(
        tree(&f.remote).len(),
        20,
        "nothing may be touched when the guard trips"
    );
    let out = f.sync_expect(0, &["--force"]);
    assert_eq!(out.count("deleted_remote"), 15);
    f.assert_in_sync();
}

#[test]
fn emptied_local_folder_does_not_wipe_the_share() {
    let f = Fixture::new("emptied_local", &[]);
    for i in 0..3 {
        write(&f.l(&format!("f{i}.txt")), "x");
    }
    f.sync();
    fs::remove_dir_all(&f.local).unwrap();
    let out = f.sync_expect(5, &[]);
    assert!(out.report()["message"]
        .as_str()
        .unwrap()
        .contains("missing"));
    fs::create_dir_all(&f.local).unwrap();
    f.sync_expect(5, &[]);
    assert_eq!(tree(&f.remote).len(), 3);
}

#[test]
fn dry_run_changes_nothing() {
    let f = Fixture::new("dry_run", &[]);
    write(&f.l("a.txt"), "a");
    let out = f.sync_expect(0, &["--dry-run"]);
    assert_eq!(out.count("uploaded"), 1);
    assert!(!f.r("a.txt").exists());
    f.sync();
    f.assert_in_sync();
}

#[test]
fn trash_older_than_retention_is_emptied_on_both_sides() {
    let f = Fixture::new("trash_retention", &[]);
    write(&f.l("keep.txt"), "k");
    write(
        &f.l(".anemone-trash/2020-01-01 000000/old/a.txt"),
        "old local",
    );
    write(
        &f.r(".anemone-trash/2020-01-01 000000/old/deep/b.txt"),
        "old remote",
    );
    let today = chrono::Local::now().format("%Y-%m-%d %H%M%S").to_string();
    write(
        &f.l(&format!(".anemone-trash/{today}/recent.txt")),
        "recent",
    );
    write(
        &f.r(&format!(".anemone-trash/{today}/recent.txt")),
        "recent",
    );
    f.sync();
    assert!(!f.l(".anemone-trash/2020-01-01 000000").exists());
    assert!(!f.r(".anemone-trash/2020-01-01 000000").exists());
    assert!(f.l(&format!(".anemone-trash/{today}/recent.txt")).exists());
    assert!(f.r(&format!(".anemone-trash/{today}/recent.txt")).exists());
    f.assert_in_sync();
}

/// Only this install's own leftover temps are ever removed. Regression (issue 12): a user's
/// file named like a temp (`*.anemone-uploading`) was deleted for good on both sides, even
/// inside an excluded folder, and another client's temp went after a day.
#[test]
fn only_our_own_leftover_temps_are_removed_and_temp_looking_user_files_are_kept() {
    let f = Fixture::new("foreign_temps", &["--exclude", "keep"]);
    write(&f.l("a.txt"), "a");
    f.sync();
    let ours = fs::read_to_string(f.data.join("install-id")).unwrap();
    let own = format!("gone.txt.{ours}.anemone-uploading");
    write(&f.r(&own), "left by an interrupted run of ours");
    let own_local = format!("gone2.txt.{ours}.anemone-downloading");
    write(&f.l(&own_local), "left by an interrupted download of ours");
    let theirs = "busy.txt.0badc0de.anemone-uploading";
    write(&f.r(theirs), "another machine is uploading this right now");
    let stale = "old.txt.0badc0de.anemone-uploading";
    write(&f.r(stale), "another machine's, two days old");
    age(&f.r(stale), 2 * 86_400);
    // A user's own files that merely look like temps: synced like any file.
    write(&f.l("notes.anemone-uploading"), "my notes");
    write(&f.r("draft.anemone-downloading"), "my draft");
    // Inside an excluded folder, even our own temp shape is left alone on both sides.
    let excluded = [
        format!("keep/x.txt.{ours}.anemone-downloading"),
        "keep/y.anemone-uploading".to_string(),
    ];
    for p in &excluded {
        write(&f.l(p), "excluded, local");
        write(&f.r(p), "excluded, remote");
    }
    let out = f.sync();
    assert_eq!(out.count("uploaded"), 1, "{}", out.stdout);
    assert_eq!(out.count("downloaded"), 1, "{}", out.stdout);
    assert!(!f.r(&own).exists(), "our leftover temp is removed");
    assert!(
        !f.l(&own_local).exists(),
        "our local leftover temp is removed"
    );
    assert_eq!(
        read(&f.r(theirs)),
        "another machine is uploading this right now"
    );
    assert_eq!(read(&f.r(stale)), "another machine's, two days old");
    assert!(!f.l("busy.txt").exists() && !f.l(theirs).exists() && !f.l(stale).exists());
    for (side, root) in [("local", &f.local), ("remote", &f.remote)] {
        for p in &excluded {
            assert_eq!(read(&root.join(p)), format!("excluded, {side}"), "{p}");
        }
    }
    assert_eq!(read(&f.r("notes.anemone-uploading")), "my notes");
    assert_eq!(read(&f.l("draft.anemone-downloading")), "my draft");
    assert_eq!(read(&f.l("notes.anemone-uploading")), "my notes");
    // Both trees match but for the excluded folder and the other client's temps.
    for p in &excluded {
        fs::remove_file(f.l(p)).unwrap();
        fs::remove_file(f.r(p)).unwrap();
    }
    fs::remove_file(f.r(theirs)).unwrap();
    fs::remove_file(f.r(stale)).unwrap();
    f.assert_in_sync();
}

/// Issue 16: the other answer to a guard stop, `sync --restore-missing NAME`, copies the files
/// that vanished here back from the share, with their bytes, and deletes nothing; the guard's
/// message names both answers and lists what would go.
#[test]
fn restore_missing_copies_back_what_the_guard_stopped() {
    let f = Fixture::new("restore_missing", &[]);
    for i in 0..20 {
        write(&f.l(&format!("f{i:02}.txt")), format!("file {i}"));
    }
    f.sync();
    let before = tree(&f.local);
    for i in 0..15 {
        fs::remove_file(f.l(&format!("f{i:02}.txt"))).unwrap();
    }
    let out = f.run(&["sync", "job"]);
    assert_eq!(out.code, 5, "{}", out.stderr);
    for says in [
        "would delete 15 files on the remote",
        "    f00.txt",
        "anemone-sync sync --force job",
        "anemone-sync sync --restore-missing job",
    ] {
        assert!(out.stderr.contains(says), "{says}: {}", out.stderr);
    }
    let out = f.sync_expect(5, &[]);
    let g = &out.report()["guard"];
    assert_eq!(
        (g["count"].as_u64(), g["side"].as_str()),
        (Some(15), Some("remote"))
    );
    assert_eq!(tree(&f.remote).len(), 20);

    let out = f.sync_expect(0, &["--restore-missing"]);
    assert_eq!(out.count("downloaded"), 15);
    assert_eq!(out.count("deleted_remote") + out.count("deleted_local"), 0);
    assert_eq!(tree(&f.local), before, "every file is back with its bytes");
    assert!(trashed(&f.local).is_empty() && trashed(&f.remote).is_empty());
    f.assert_in_sync();
}
