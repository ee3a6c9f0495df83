//! Sync scenarios against a real Samba server, through the `anemone-sync` binary. Each ends by
//! comparing the two trees (or, for one-way modes and pending conflicts, by stating exactly
//! what differs).

use std::fs;

use crate::support::samba::SambaServer;
use crate::support::sync::*;

#[test]
fn new_files_and_folders_both_ways_then_nothing_to_do() {
    let f = Fixture::new("new_both_ways", &[]);
    write(&f.l("notes.txt"), "local notes");
    write(&f.l("a/b/c/deep.txt"), "deep");
    fs::create_dir_all(f.l("empty-local")).unwrap();
    write(&f.r("from-server.txt"), "remote text");
    write(&f.r("photos/2024/img.jpg"), [0u8, 1, 2, 255]);
    fs::create_dir_all(f.r("empty-remote")).unwrap();
    age(&f.l("notes.txt"), 3600);
    age(&f.r("from-server.txt"), 7200);
    let out = f.sync();
    assert_eq!(out.count("uploaded"), 2);
    assert_eq!(out.count("downloaded"), 2);
    // Modification times travel with the files, both ways.
    let mtime = |p: &std::path::Path| fs::metadata(p).unwrap().modified().unwrap();
    assert_eq!(mtime(&f.l("notes.txt")), mtime(&f.r("notes.txt")));
    assert_eq!(
        mtime(&f.r("from-server.txt")),
        mtime(&f.l("from-server.txt"))
    );
    f.assert_in_sync();
    assert!(f.l("empty-remote").is_dir() && f.r("empty-local").is_dir());
    f.assert_idle_sync();
}

#[test]
fn awkward_names_empty_file_dot_folder_many_small_and_one_mib() {
    let f = Fixture::new("awkward_names", &[]);
    write(&f.l("with space.txt"), "space");
    write(&f.l("café résumé ñ.txt"), "accents");
    write(&f.l("brackets [1] (copy) {x}.txt"), "brackets");
    write(&f.l("empty.bin"), "");
    write(&f.l(".config/app.toml"), "x = 1");
    for i in 0..50 {
        write(
            &f.l(&format!("many/file-{i:02}.txt")),
            format!("small file {i}"),
        );
    }
    let big: Vec<u8> = (0..1024 * 1024).map(|i| (i * 7 % 251) as u8).collect();
    write(&f.l("big.bin"), &big);
    let deep = (0..12)
        .map(|i| format!("d{i}"))
        .collect::<Vec<_>>()
        .join("/");
    write(&f.l(&format!("{deep}/leaf.txt")), "leaf");
    let out = f.sync();
    assert_eq!(out.count("uploaded"), 57);
    assert_eq!(fs::read(f.r("big.bin")).unwrap(), big);
    assert_eq!(fs::metadata(f.r("empty.bin")).unwrap().len(), 0);
    f.assert_in_sync();
    f.assert_idle_sync();
}

#[test]
fn edits_and_deletes_propagate_each_way_and_old_versions_go_to_trash() {
    let f = Fixture::new("edits_deletes", &[]);
    write(&f.l("edit-here.txt"), "v1");
    write(&f.l("edit-there.txt"), "v1");
    write(&f.l("delete-here.txt"), "bye");
    write(&f.l("delete-there.txt"), "bye");
    write(&f.l("dir-here/x.txt"), "x");
    write(&f.l("dir-there/y.txt"), "y");
    f.sync();

    write(&f.l("edit-here.txt"), "v2 local");
    write(&f.r("edit-there.txt"), "v2 remote");
    fs::remove_file(f.l("delete-here.txt")).unwrap();
    fs::remove_file(f.r("delete-there.txt")).unwrap();
    fs::remove_dir_all(f.l("dir-here")).unwrap();
    fs::remove_dir_all(f.r("dir-there")).unwrap();
    let out = f.sync();
    assert_eq!((out.count("uploaded"), out.count("downloaded")), (1, 1));
    assert_eq!(
        (out.count("deleted_local"), out.count("deleted_remote")),
        (2, 2)
    );
    assert_eq!(read(&f.r("edit-here.txt")), "v2 local");
    assert_eq!(read(&f.l("edit-there.txt")), "v2 remote");
    assert!(!f.r("dir-here").exists() && !f.l("dir-there").exists());
    // Nothing is lost: replaced and deleted versions are in the trash of the side they left.
    assert_eq!(
        trashed(&f.remote),
        vec!["delete-here.txt", "dir-here/x.txt", "edit-here.txt"]
    );
    assert_eq!(
        trashed(&f.local),
        vec!["delete-there.txt", "dir-there/y.txt", "edit-there.txt"]
    );
    f.assert_in_sync();
    f.assert_idle_sync();
}

#[test]
fn remote_edit_with_same_size_is_detected() {
    let f = Fixture::new("same_size_edit", &[]);
    write(&f.l("a.txt"), "AAAA");
    f.sync();
    std::thread::sleep(std::time::Duration::from_millis(20));
    write(&f.r("a.txt"), "BBBB");
    let out = f.sync();
    assert_eq!(out.count("downloaded"), 1);
    assert_eq!(read(&f.l("a.txt")), "BBBB");
    f.assert_in_sync();
}

#[test]
fn upload_mode_never_writes_or_deletes_locally() {
    let f = Fixture::new("upload_mode", &["--mode", "upload"]);
    write(&f.l("mine.txt"), "local");
    write(&f.r("theirs.txt"), "remote only");
    f.sync();
    assert_eq!(read(&f.r("mine.txt")), "local");
    assert!(!f.l("theirs.txt").exists(), "upload mode downloaded a file");

    write(&f.l("mine.txt"), "local v2");
    write(&f.l("new.txt"), "new");
    fs::remove_file(f.r("mine.txt")).unwrap_or(());
    write(&f.r("theirs.txt"), "remote edit");
    f.sync();
    // The local copy is the source: a remote delete is undone by uploading again.
    assert_eq!(read(&f.r("mine.txt")), "local v2");
    assert_eq!(read(&f.r("new.txt")), "new");
    assert!(!f.l("theirs.txt").exists());
    fs::remove_file(f.l("new.txt")).unwrap();
    f.sync();
    assert!(
        !f.r("new.txt").exists(),
        "a local delete propagates in upload mode"
    );
    assert!(f.l("mine.txt").exists());
    let mut local = tree(&f.local);
    let mut remote = tree(&f.remote);
    remote.remove("theirs.txt");
    local.remove("theirs.txt");
    assert_eq!(local, remote);
}

#[test]
fn download_mode_never_writes_or_deletes_remotely() {
    let f = Fixture::new("download_mode", &["--mode", "download"]);
    write(&f.r("server.txt"), "remote");
    write(&f.l("local-only.txt"), "mine");
    f.sync();
    assert_eq!(read(&f.l("server.txt")), "remote");
    assert!(
        !f.r("local-only.txt").exists(),
        "download mode uploaded a file"
    );

    write(&f.r("server.txt"), "remote v2");
    fs::remove_file(f.l("server.txt")).unwrap();
    f.sync();
    assert_eq!(
        read(&f.l("server.txt")),
        "remote v2",
        "a local delete is undone by downloading again"
    );
    write(&f.l("server.txt"), "local edit");
    f.sync();
    assert_eq!(
        read(&f.r("server.txt")),
        "remote v2",
        "download mode must not upload an edit"
    );
    fs::remove_file(f.r("server.txt")).unwrap();
    f.sync();
    // The local edit beats the remote delete and stays; nothing goes up.
    assert_eq!(read(&f.l("server.txt")), "local edit");
    assert!(!f.r("server.txt").exists());
    assert!(!f.r("local-only.txt").exists());
}

fn two_sided_edit(name: &str, policy: &str) -> Fixture {
    let f = Fixture::new(name, &["--conflict", policy]);
    write(&f.l("doc.txt"), "base");
    f.sync();
    write(&f.l("doc.txt"), "local edit");
    write(&f.r("doc.txt"), "remote edit!");
    f
}

#[test]
fn conflict_keep_both_keeps_both_versions_on_both_sides() {
    let f = two_sided_edit("conflict_keep_both", "keep-both");
    age(&f.l("doc.txt"), 100); // the local version is older: it loses the name
    let out = f.sync();
    assert_eq!(out.count("conflicts"), 1);
    assert_eq!(read(&f.l("doc.txt")), "remote edit!");
    let copies = names_containing(&f.local, "conflict");
    assert_eq!(copies.len(), 1, "{copies:?}");
    let host = gethostname::gethostname().to_string_lossy().to_string();
    assert!(
        copies[0].starts_with("doc (conflict ")
            && copies[0].contains(&host)
            && copies[0].ends_with(".txt")
    );
    assert_eq!(read(&f.l(&copies[0])), "local edit");
    f.assert_in_sync();
    f.assert_idle_sync();
}

#[test]
fn conflict_newest_wins_and_loser_is_in_trash() {
    let f = two_sided_edit("conflict_newest", "newest");
    age(&f.r("doc.txt"), 100);
    let out = f.sync();
    assert_eq!(out.count("conflicts"), 1);
    assert_eq!(read(&f.r("doc.txt")), "local edit");
    assert_eq!(trashed(&f.remote), vec!["doc.txt"]);
    f.assert_in_sync();
}

#[test]
fn conflict_local_policy() {
    let f = two_sided_edit("conflict_local", "local");
    f.sync();
    assert_eq!(read(&f.r("doc.txt")), "local edit");
    f.assert_in_sync();
}

#[test]
fn conflict_remote_policy() {
    let f = two_sided_edit("conflict_remote", "remote");
    f.sync();
    assert_eq!(read(&f.l("doc.txt")), "remote edit!");
    assert_eq!(trashed(&f.local), vec!["doc.txt"]);
    f.assert_in_sync();
}

#[test]
fn conflict_ask_leaves_both_untouched_until_resolved() {
    let f = two_sided_edit("conflict_ask", "ask");
    let out = f.sync();
    assert_eq!(out.count("conflicts"), 1);
    assert_eq!(read(&f.l("doc.txt")), "local edit");
    assert_eq!(read(&f.r("doc.txt")), "remote edit!");
    // Still pending on the next run, and listed once.
    f.sync();
    let list = f.run(&["conflicts", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let id = list[0]["id"].as_i64().unwrap().to_string();
    assert_eq!(list[0]["path"], "doc.txt");
    let res = f.run(&["resolve", &id, "--keep", "remote"]);
    assert_eq!(res.code, 0, "{}", res.stderr);
    assert_eq!(read(&f.l("doc.txt")), "remote edit!");
    assert_eq!(trashed(&f.local), vec!["doc.txt"]);
    let list = f.run(&["conflicts", "--json"]);
    assert_eq!(list.stdout.trim(), "[]");
    f.assert_in_sync();
    f.assert_idle_sync();
}

#[test]
fn conflict_ask_resolved_keep_both() {
    let f = two_sided_edit("conflict_ask_both", "ask");
    f.sync();
    let list = f.run(&["conflicts", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    let id = list[0]["id"].as_i64().unwrap().to_string();
    assert_eq!(f.run(&["resolve", &id, "--keep", "both"]).code, 0);
    assert_eq!(read(&f.l("doc.txt")), "remote edit!");
    let copies = names_containing(&f.remote, "conflict");
    assert_eq!(copies.len(), 1);
    assert_eq!(read(&f.r(&copies[0])), "local edit");
    f.assert_in_sync();
    f.assert_idle_sync();
}

#[test]
fn same_bytes_on_both_sides_transfer_nothing() {
    let f = Fixture::new("same_bytes", &[]);
    write(&f.l("x.txt"), "v1");
    f.sync();
    write(&f.l("x.txt"), "same new bytes");
    write(&f.r("x.txt"), "same new bytes");
    let out = f.sync();
    assert_eq!(out.count("conflicts"), 0);
    assert_eq!(out.count("uploaded") + out.count("downloaded"), 0);
    f.assert_in_sync();
    f.assert_idle_sync();
}

#[test]
fn edit_beats_remote_delete() {
    let f = Fixture::new("edit_beats_remote_delete", &[]);
    write(&f.l("keep.txt"), "v1");
    f.sync();
    write(&f.l("keep.txt"), "edited locally");
    fs::remove_file(f.r("keep.txt")).unwrap();
    let out = f.sync();
    assert_eq!(out.count("uploaded"), 1);
    assert_eq!(read(&f.r("keep.txt")), "edited locally");
    f.assert_in_sync();
}

#[test]
fn edit_beats_local_delete() {
    let f = Fixture::new("edit_beats_local_delete", &[]);
    write(&f.l("keep.txt"), "v1");
    f.sync();
    fs::remove_file(f.l("keep.txt")).unwrap();
    write(&f.r("keep.txt"), "edited remotely");
    let out = f.sync();
    assert_eq!(out.count("downloaded"), 1);
    assert_eq!(read(&f.l("keep.txt")), "edited remotely");
    f.assert_in_sync();
}

#[test]
fn removed_folder_that_gained_files_on_the_other_side_is_kept() {
    let f = Fixture::new("removed_folder_kept", &[]);
    // Another file keeps the local side from looking emptied (that would trip the guard).
    write(&f.l("other.txt"), "stays");
    write(&f.l("proj/old.txt"), "old");
    f.sync();
    fs::remove_dir_all(f.l("proj")).unwrap();
    write(&f.r("proj/new.txt"), "added on the server meanwhile");
    f.sync();
    assert_eq!(read(&f.l("proj/new.txt")), "added on the server meanwhile");
    assert!(!f.r("proj/old.txt").exists());
    f.assert_in_sync();
}

#[test]
fn first_sync_merges_two_non_empty_folders() {
    let f = Fixture::new("first_sync_merge", &[]);
    write(&f.l("same.txt"), "identical");
    write(&f.r("same.txt"), "identical");
    write(&f.l("only-local.txt"), "l");
    write(&f.r("only-remote.txt"), "r");
    write(&f.l("differs.txt"), "local version");
    write(&f.r("differs.txt"), "remote version");
    let out = f.sync();
    assert_eq!(
        out.count("uploaded"),
        2,
        "only-local + the conflict copy: {}",
        out.stdout
    );
    assert_eq!(out.count("conflicts"), 1);
    let copies = names_containing(&f.local, "conflict");
    assert_eq!(copies.len(), 1);
    f.assert_in_sync();
    f.assert_idle_sync();
}

#[test]
fn names_the_server_cannot_store_are_skipped_with_an_error() {
    let f = Fixture::new("bad_names", &[]);
    write(&f.l("ok.txt"), "fine");
    write(&f.l("what?.txt"), "bad");
    write(&f.l("a:b.txt"), "bad");
    write(&f.l("trailing."), "bad");
    write(&f.l("CON.txt"), "bad");
    write(&f.l("Report.doc"), "upper");
    write(&f.l("report.doc"), "lower");
    let out = f.sync_expect(1, &[]);
    let report = out.report();
    assert_eq!(report["status"], "partial");
    let errors: Vec<String> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_string())
        .collect();
    for bad in [
        "what?.txt",
        "a:b.txt",
        "trailing.",
        "CON.txt",
        "Report.doc",
        "report.doc",
    ] {
        assert!(
            errors.contains(&bad.to_string()),
            "{bad} not reported: {errors:?}"
        );
        assert!(!f.r(bad).exists());
        assert!(f.l(bad).exists(), "{bad} must be left untouched locally");
    }
    assert_eq!(read(&f.r("ok.txt")), "fine");
}

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
fn wrong_password_exits_3_without_showing_it() {
    let f = Fixture::new("wrong_password", &[]);
    write(&f.l("a.txt"), "kept");
    // The password is changed for the job's account (as after a change on the server).
    let add = f.run_with_stdin(
        &["job", "set-password", "job", "--password-stdin"],
        "not-the-password-XYZ\n",
    );
    assert_eq!(add.code, 0, "{}", add.stderr);
    let out = f.sync_expect(3, &[]);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        !all.contains("not-the-password-XYZ"),
        "password leaked: {all}"
    );
    assert!(
        all.to_lowercase().contains("password"),
        "message should say what to check: {all}"
    );
    assert_eq!(read(&f.l("a.txt")), "kept");
    for entry in walk_files(&f.data) {
        let bytes = fs::read(&entry).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("not-the-password-XYZ"),
            "password in clear in {}",
            entry.display()
        );
    }
}

/// blake3 of a whole file, to compare a large file on both sides without holding it.
fn file_hash(p: &std::path::Path) -> blake3::Hash {
    let mut h = blake3::Hasher::new();
    h.update_reader(fs::File::open(p).unwrap()).unwrap();
    h.finalize()
}

fn walk_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap().flatten() {
        if e.file_type().unwrap().is_dir() {
            out.extend(walk_files(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn missing_share_and_unreachable_host_exit_3() {
    let f = Fixture::new("missing_share", &[]);
    let smb = SambaServer::shared();
    let bad_share = format!(
        "smb://{}@127.0.0.1:{}/no-such-share",
        smb.user(),
        smb.port()
    );
    // Each job on a folder of its own (two jobs on one folder are refused).
    let other_local = |n: &str| {
        let p = f.local.parent().unwrap().join(n);
        fs::create_dir_all(&p).unwrap();
        p.to_str().unwrap().to_string()
    };
    let add = f.run_with_stdin(
        &[
            "job",
            "add",
            "s",
            "--local",
            &other_local("s"),
            "--remote",
            &bad_share,
            "--password-stdin",
        ],
        &format!("{}\n", smb.password()),
    );
    assert_eq!(add.code, 0);
    let out = f.run(&["sync", "s", "--json"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.report()["message"]
            .as_str()
            .unwrap()
            .contains("no-such-share"),
        "{}",
        out.stdout
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = format!("smb://u@127.0.0.1:{port}/share");
    assert_eq!(
        f.run(&[
            "job",
            "add",
            "d",
            "--local",
            &other_local("d"),
            "--remote",
            &dead
        ])
        .code,
        0
    );
    let out = f.run(&["sync", "d", "--json"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
}

#[test]
fn bad_input_is_refused_with_exit_2() {
    let f = Fixture::new("bad_input", &[]);
    let file = f.l("not-a-folder");
    write(&file, "x");
    let out = f.run(&[
        "job",
        "add",
        "x",
        "--local",
        file.to_str().unwrap(),
        "--remote",
        "file:///tmp",
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("not a folder"), "{}", out.stderr);
    let out = f.run(&[
        "job",
        "add",
        "y",
        "--local",
        "/tmp",
        "--remote",
        "http://nas/share",
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("smb://"), "{}", out.stderr);
    let out = f.run(&["sync", "no-such-job"]);
    assert_eq!(out.code, 2);
}

#[test]
fn server_down_at_start_exits_3_and_loses_nothing() {
    let smb = SambaServer::start();
    let f = Fixture::on(&smb, "server_down", &[]);
    write(&f.l("a.txt"), "precious");
    f.sync();
    write(&f.l("a.txt"), "precious v2");
    smb.stop();
    let out = f.sync_expect(3, &[]);
    assert_eq!(out.report()["status"], "failed");
    assert_eq!(read(&f.l("a.txt")), "precious v2");
    smb.start_again();
    f.sync();
    assert_eq!(read(&f.r("a.txt")), "precious v2");
    f.assert_in_sync();
}

#[test]
fn smbd_killed_during_a_large_upload_then_next_sync_completes() {
    let smb = SambaServer::start();
    let f = Fixture::on(&smb, "killed_upload", &[]);
    let big: Vec<u8> = (0..64u32 * 1024 * 1024)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    write(&f.l("big.bin"), &big);
    write(&f.l("small.txt"), "small");
    let mut cmd = std::process::Command::new(BIN);
    cmd.arg("--data-dir")
        .arg(&f.data)
        .args(["sync", "job", "--json"]);
    for (k, v) in &f.env {
        cmd.env(k, v);
    }
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Kill the server once the upload is under way (the temp file exists and is growing).
    let temp_size = || {
        names_containing(&f.remote, ".anemone-uploading")
            .iter()
            .filter(|n| n.starts_with("big.bin."))
            .filter_map(|n| fs::metadata(f.r(n)).ok())
            .map(|m| m.len())
            .max()
            .unwrap_or(0)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while temp_size() < 4 * 1024 * 1024 {
        assert!(std::time::Instant::now() < deadline, "upload never started");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    smb.kill();
    let out = child.wait_with_output().unwrap();
    let code = out.status.code().unwrap();
    assert_ne!(
        code,
        0,
        "a run that lost its server cannot succeed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    // No partial file under the real name.
    if f.r("big.bin").exists() {
        assert_eq!(
            fs::read(f.r("big.bin")).unwrap(),
            big,
            "partial file at the final name"
        );
    }
    smb.start_again();
    let out = f.sync();
    assert!(out.count("uploaded") >= 1);
    assert_eq!(fs::read(f.r("big.bin")).unwrap(), big);
    f.assert_in_sync();
    f.assert_idle_sync();
}

#[test]
fn history_records_runs_and_errors() {
    let f = Fixture::new("history", &[]);
    write(&f.l("a.txt"), "a");
    f.sync();
    write(&f.l("bad|name.txt"), "x");
    f.sync_expect(1, &[]);
    let h = f.run(&["history", "job", "--json"]);
    let runs: serde_json::Value = serde_json::from_str(&h.stdout).unwrap();
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["status"], "partial");
    assert_eq!(runs[0]["errors"][0]["path"], "bad|name.txt");
    assert_eq!(runs[1]["status"], "success");
    assert_eq!(runs[1]["uploaded"], 1);
    let st = f.run(&["status", "--json"]);
    let st: serde_json::Value = serde_json::from_str(&st.stdout).unwrap();
    assert_eq!(st["credential_store"], "file");
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

/// Regression: the `smb` crate drops credits Samba grants to writes it answers asynchronously,
/// so one connection stalled somewhere past 128-512 MiB of uploads. Uploads now move to a fresh
/// connection every 128 MiB written.
#[test]
fn large_upload_past_the_credit_leak_completes() {
    let f = Fixture::new("large_upload", &[]);
    let mib = 640u64;
    {
        use std::io::Write;
        let mut out = std::io::BufWriter::new(fs::File::create(f.l("huge.bin")).unwrap());
        let mut block = vec![0u8; 1024 * 1024];
        for i in 0..mib {
            for (j, b) in block.iter_mut().enumerate() {
                *b = (i as usize * 31 + j * 7 % 251) as u8;
            }
            out.write_all(&block).unwrap();
        }
    }
    let out = f.sync();
    assert_eq!(out.count("bytes_up"), mib * 1024 * 1024);
    assert_eq!(file_hash(&f.l("huge.bin")), file_hash(&f.r("huge.bin")));
    fs::remove_file(f.r("huge.bin")).unwrap();
    fs::remove_file(f.l("huge.bin")).unwrap();
    f.assert_in_sync();
}

/// A download of several segments: each segment's local writer is flushed and closed while
/// the next is written; the file must come out whole and byte-exact.
#[test]
fn download_of_several_segments_is_byte_exact() {
    let f = Fixture::new("download_segments", &[]);
    let len = 2 * 64 * 1024 * 1024 + 12345;
    {
        use std::io::Write;
        let mut out = std::io::BufWriter::new(fs::File::create(f.r("seg.bin")).unwrap());
        let mut x: u64 = 0x2545F4914F6CDD1D;
        let mut left = len;
        let mut block = vec![0u8; 1024 * 1024];
        while left > 0 {
            let n = left.min(block.len());
            for b in block[..n].iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
            out.write_all(&block[..n]).unwrap();
            left -= n;
        }
    }
    let out = f.sync();
    assert_eq!(out.count("bytes_down"), len as u64);
    assert_eq!(file_hash(&f.r("seg.bin")), file_hash(&f.l("seg.bin")));
    f.assert_in_sync();
}

/// A server that admits fewer connections than the job's pool (4): the extra connections are
/// refused at tree connect, and the connections it did admit do all the work, both ways.
#[test]
fn a_server_refusing_extra_connections_still_syncs_everything() {
    use crate::support::samba::FEW_CONNECTIONS_MAX;
    let smb = SambaServer::shared();
    let f = Fixture::at(smb, smb.few_connections_folder("few_conns"), &[]);
    for d in 0..6 {
        for i in 0..8 {
            write(&f.l(&format!("up{d}/f{i}.txt")), format!("local {d} {i}"));
        }
        write(&f.r(&format!("down{d}/g.txt")), format!("remote {d}"));
    }
    let out = f.sync();
    assert_eq!(out.count("uploaded"), 48);
    assert_eq!(out.count("downloaded"), 6);
    f.assert_in_sync();
    let again = f.sync();
    assert_eq!(again.count("uploaded") + again.count("downloaded"), 0);
    // The test is only worth something if the server did refuse connections.
    let log = fs::read_dir(smb.log_dir())
        .unwrap()
        .flatten()
        .filter_map(|e| fs::read_to_string(e.path()).ok())
        .collect::<String>();
    assert!(
        log.contains(&format!("Max connections ({FEW_CONNECTIONS_MAX}) exceeded")),
        "smbd never refused a connection"
    );
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

/// A small tmpfs as the local folder (needs root, as the Samba harness does).
struct TinyDisk {
    path: std::path::PathBuf,
}

impl TinyDisk {
    fn mount(path: &std::path::Path, size: &str) -> TinyDisk {
        fs::create_dir_all(path).unwrap();
        let st = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .status()
            .expect("run mount");
        assert!(st.success(), "mounting a tmpfs needs root");
        TinyDisk {
            path: path.to_path_buf(),
        }
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.path)
            .status();
    }
}

#[test]
fn full_local_disk_is_reported_and_loses_nothing() {
    let f = Fixture::new("full_disk", &[]);
    let _disk = TinyDisk::mount(&f.local, "2m");
    write(&f.l("mine.txt"), "local file");
    write(&f.r("small.txt"), "fits");
    f.sync();
    let big: Vec<u8> = (0..3 * 1024 * 1024).map(|i| (i % 253) as u8).collect();
    write(&f.r("big.bin"), &big);
    write(&f.l("mine.txt"), "edited while the disk is full");
    let out = f.sync_expect(1, &[]);
    let report = out.report();
    assert_eq!(report["status"], "partial");
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["path"], "big.bin");
    let msg = errors[0]["message"].as_str().unwrap();
    assert!(msg.contains("free some space"), "{msg}");
    // The rest went through, nothing was lost, and no partial temp holds the space.
    assert_eq!(read(&f.r("mine.txt")), "edited while the disk is full");
    assert_eq!(fs::read(f.r("big.bin")).unwrap(), big);
    assert!(!f.l("big.bin").exists());
    assert!(names_containing(&f.local, "anemone").is_empty());
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
