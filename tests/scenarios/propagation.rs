//! Changes propagating both ways: new, edited and deleted files and folders, awkward names, first syncs of two full folders, large files and the connection pool.

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
    let out = f.sync_expect(1, &[]);
    let report = out.report();
    assert_eq!(report["status"], "partial");
    let errors: Vec<String> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_string())
        .collect();
    for bad in ["what?.txt", "a:b.txt", "trailing.", "CON.txt"] {
        assert!(
            errors.contains(&bad.to_string()),
            "{bad} not reported: {errors:?}"
        );
        assert!(!f.r(bad).exists());
        assert!(f.l(bad).exists(), "{bad} must be left untouched locally");
    }
    assert_eq!(read(&f.r("ok.txt")), "fine");
}

/// Local names that differ only in case (a case-sensitive local disk, a case-insensitive
/// share): one of each group is synced, the one synced before, else the first in byte order;
/// the others are reported and never touched. Folders too.
#[test]
fn of_local_names_that_differ_only_in_case_one_is_synced_and_the_others_reported() {
    let f = Fixture::new("case_twins", &[]);
    write(&f.l("notes/Todo.txt"), "synced first");
    f.sync();
    write(&f.l("notes/TODO.txt"), "came later");
    write(&f.l("Readme.txt"), "mixed");
    write(&f.l("README.txt"), "upper");
    write(&f.l("Docs/a.txt"), "in Docs");
    write(&f.l("docs/b.txt"), "in docs");
    let local_before = tree(&f.local);

    for _ in 0..2 {
        let out = f.sync_expect(1, &[]);
        let mut errors: Vec<String> = out.report()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["path"].as_str().unwrap().to_string())
            .collect();
        errors.sort();
        assert_eq!(
            errors,
            ["Readme.txt", "docs", "docs/b.txt", "notes/TODO.txt"],
            "{}",
            out.stdout
        );
        let share: Vec<(String, Node)> = tree(&f.remote).into_iter().collect();
        let file = |s: &str| Node::File(s.as_bytes().to_vec());
        assert_eq!(
            share,
            [
                ("Docs".to_string(), Node::Dir),
                ("Docs/a.txt".to_string(), file("in Docs")),
                ("README.txt".to_string(), file("upper")),
                ("notes".to_string(), Node::Dir),
                ("notes/Todo.txt".to_string(), file("synced first")),
            ]
        );
        assert_eq!(
            tree(&f.local),
            local_before,
            "local files must be left as they are"
        );
    }
    // The one synced keeps syncing.
    write(&f.l("README.txt"), "upper, edited");
    f.sync_expect(1, &[]);
    assert_eq!(read(&f.r("README.txt")), "upper, edited");
    assert_eq!(read(&f.l("Readme.txt")), "mixed");
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

/// blake3 of a whole file, to compare a large file on both sides without holding it.
fn file_hash(p: &std::path::Path) -> blake3::Hash {
    let mut h = blake3::Hasher::new();
    h.update_reader(fs::File::open(p).unwrap()).unwrap();
    h.finalize()
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

/// A file the server refuses (here a name its `veto files` rule forbids) is reported in words:
/// a sentence that names the file and says what to do, in the run's report, in History and in
/// the plain output; the server's own answer only as the detail (`--verbose`, "Details"). The
/// other files sync and the refused one stays as it was on this computer.
#[test]
fn a_file_the_server_refuses_is_reported_in_words_with_its_answer_as_the_detail() {
    let smb = SambaServer::start_with("   veto files = /*.vetoed/");
    let f = Fixture::on(&smb, "refused_file", &[]);
    write(&f.l("ok.txt"), "fine");
    write(&f.l("plan.vetoed"), "the server will not take this name");
    let out = f.sync_expect(1, &[]);
    let report = out.report();
    assert_eq!(report["status"], "partial", "{}", out.stdout);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{}", out.stdout);
    let e = &errors[0];
    assert_eq!(e["path"], "plan.vetoed");
    let sentence = e["message"].as_str().unwrap();
    let detail = e["detail"].as_str().unwrap_or_default();
    eprintln!("sentence: {sentence}\ndetail: {detail}");
    assert!(sentence.contains("\"plan.vetoed\""), "{sentence}");
    assert!(
        sentence.ends_with('.') && sentence.contains(". "),
        "{sentence}"
    );
    for raw in ["0xc0", "status", "smb://"] {
        assert!(!sentence.to_lowercase().contains(raw), "{sentence}");
    }
    assert!(
        detail.contains("0xc0"),
        "the server's answer is the detail: {detail:?}"
    );

    // History keeps both.
    let h = f.run(&["history", "job", "--json"]);
    let runs: serde_json::Value = serde_json::from_str(&h.stdout).unwrap();
    let last = &runs.as_array().unwrap()[0];
    assert_eq!(last["errors"][0]["message"], sentence);
    assert_eq!(last["errors"][0]["detail"], detail);

    // The plain output shows the sentence; the detail only with --verbose.
    let plain = f.run(&["sync", "job"]);
    assert!(plain.stderr.contains(sentence), "{}", plain.stderr);
    assert!(!plain.stderr.contains("0xc0"), "{}", plain.stderr);
    let verbose = f.run(&["-v", "sync", "job"]);
    assert!(verbose.stderr.contains("detail: "), "{}", verbose.stderr);
    assert!(verbose.stderr.contains("0xc0"), "{}", verbose.stderr);

    assert_eq!(read(&f.r("ok.txt")), "fine");
    assert!(!f.r("plan.vetoed").exists());
    assert_eq!(
        read(&f.l("plan.vetoed")),
        "the server will not take this name"
    );
}
