use super::*;

fn p(s: &str) -> RelPath {
    RelPath::new(s).unwrap()
}

fn kind(r: ReplicaResult<impl Sized>) -> ReplicaErrorKind {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.kind,
    }
}

#[tokio::test]
async fn list_is_recursive_sorted_and_skips_the_named_folder() {
    let r = MemoryReplica::new();
    r.put_file("b/c.txt", "c");
    r.put_file("a.txt", "a");
    r.put_file("b/.anemone-trash/x", "x");
    r.put_file(".anemone-trash/old/y", "y");
    let l = r.list(".anemone-trash").await.unwrap();
    let paths: Vec<&str> = l.entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["a.txt", "b", "b/c.txt"]);
    let a = &l.entries[0];
    assert_eq!((a.kind, a.size), (EntryKind::File, 1));
    assert!(a.file_id.is_some() && a.ctime_ns.is_some());
    assert_eq!(l.entries[1].kind, EntryKind::Dir);
    // One level, the trash included (it is not skipped here).
    let l = r.list_dir(&p("b")).await.unwrap();
    let paths: Vec<&str> = l.entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["b/.anemone-trash", "b/c.txt"]);
    assert_eq!(
        kind(r.list_dir(&p("nope")).await),
        ReplicaErrorKind::NotFound
    );
    assert_eq!(kind(r.list_dir(&p("a.txt")).await), ReplicaErrorKind::Other);
}

#[tokio::test]
async fn errors_match_a_plain_folder() {
    let r = MemoryReplica::new();
    r.put_file("d/f", "x");
    assert_eq!(r.stat(&p("nope")).await.unwrap(), None);
    assert_eq!(r.stat(&p("nope/deeper")).await.unwrap(), None);
    assert_eq!(r.stat(&p("")).await.unwrap().unwrap().kind, EntryKind::Dir);
    // Folders: created once, parent required, a file in the way.
    r.create_dir(&p("d")).await.unwrap();
    assert_eq!(
        kind(r.create_dir(&p("x/y")).await),
        ReplicaErrorKind::NotFound
    );
    assert_eq!(
        kind(r.create_dir(&p("d/f")).await),
        ReplicaErrorKind::AlreadyExists
    );
    assert_eq!(
        kind(r.remove_dir(&p("d")).await),
        ReplicaErrorKind::NotEmpty
    );
    assert_eq!(kind(r.remove_dir(&p("d/f")).await), ReplicaErrorKind::Other);
    assert_eq!(
        kind(r.remove_dir(&p("zz")).await),
        ReplicaErrorKind::NotFound
    );
    assert_eq!(kind(r.remove_file(&p("d")).await), ReplicaErrorKind::Other);
    assert_eq!(
        kind(r.remove_file(&p("zz")).await),
        ReplicaErrorKind::NotFound
    );
    assert_eq!(
        kind(r.open_read(&p("zz")).await),
        ReplicaErrorKind::NotFound
    );
    assert_eq!(kind(r.open_read(&p("d")).await), ReplicaErrorKind::Other);
    assert_eq!(
        kind(r.open_write(&p("x/y"), true).await),
        ReplicaErrorKind::NotFound
    );
    r.remove_file(&p("d/f")).await.unwrap();
    r.remove_dir(&p("d")).await.unwrap();
    assert!(r.snapshot().is_empty());
}

#[tokio::test]
async fn rename_without_replace_never_clobbers() {
    let r = MemoryReplica::new();
    r.put_file("temp", "new");
    r.put_file("final", "user's file");
    let e = r.rename(&p("temp"), &p("final"), false).await.unwrap_err();
    assert_eq!(e.kind, ReplicaErrorKind::AlreadyExists);
    assert_eq!(r.read("final").unwrap(), b"user's file");
    r.rename(&p("temp"), &p("final"), true).await.unwrap();
    assert_eq!(r.read("final").unwrap(), b"new");
    assert_eq!(r.read("temp"), None);
    // Folders move with their content; never into themselves; parent required.
    r.put_file("a/b/c", "c");
    r.rename(&p("a"), &p("z"), false).await.unwrap();
    assert_eq!(r.read("z/b/c").unwrap(), b"c");
    assert_eq!(
        kind(r.rename(&p("z"), &p("z/b/in"), false).await),
        ReplicaErrorKind::Other
    );
    assert_eq!(
        kind(r.rename(&p("z"), &p("q/z"), false).await),
        ReplicaErrorKind::NotFound
    );
    assert_eq!(
        kind(r.rename(&p("gone"), &p("x"), false).await),
        ReplicaErrorKind::NotFound
    );
    r.put_file("full/x", "x");
    r.create_dir(&p("empty")).await.unwrap();
    assert_eq!(
        kind(r.rename(&p("empty"), &p("full"), true).await),
        ReplicaErrorKind::NotEmpty
    );
}

#[tokio::test]
async fn a_writer_keeps_its_file_and_finish_renames_it_without_replacing() {
    let r = MemoryReplica::new();
    let w = r.open_write(&p("f.tmp"), true).await.unwrap();
    w.write_at(4, b"5678".as_slice().into()).await.unwrap();
    w.write_at(0, b"1234".as_slice().into()).await.unwrap();
    assert_eq!(w.len().await.unwrap(), 8);
    r.put_file("f", "someone else's");
    let e = w.finish(&p("f"), 1_000).await.unwrap_err();
    assert_eq!(e.kind, ReplicaErrorKind::AlreadyExists);
    assert_eq!(r.read("f").unwrap(), b"someone else's");
    r.remove("f");
    let done = w.finish(&p("f"), 1_000).await.unwrap();
    assert_eq!((done.size, done.mtime_ns), (8, 1_000));
    assert_eq!(r.read("f").unwrap(), b"12345678");
    assert_eq!(r.read("f.tmp"), None);
    let listed = r.stat(&p("f")).await.unwrap().unwrap();
    assert_eq!(listed, done);
    // Resume: an open without truncate keeps the bytes.
    let w = r.open_write(&p("f"), false).await.unwrap();
    w.set_len(2).await.unwrap();
    assert_eq!(r.read("f").unwrap(), b"12");
    let reader = r.open_read(&p("f")).await.unwrap();
    assert_eq!(reader.len(), 2);
    assert_eq!(reader.read_at(1, 10).await.unwrap(), b"2");
    assert_eq!(reader.read_at(5, 10).await.unwrap(), b"");
}

#[tokio::test]
async fn every_change_moves_the_change_time() {
    let r = MemoryReplica::new();
    r.put_file("f", "abc");
    let before = r.stat(&p("f")).await.unwrap().unwrap();
    let w = r.open_write(&p("f"), false).await.unwrap();
    w.write_at(0, b"x".as_slice().into()).await.unwrap();
    w.set_mtime(before.mtime_ns).await.unwrap();
    let after = r.stat(&p("f")).await.unwrap().unwrap();
    // Same size and last-write time, yet the change shows.
    assert_eq!((after.size, after.mtime_ns), (before.size, before.mtime_ns));
    assert!(after.ctime_ns > before.ctime_ns);
    assert_eq!(after.file_id, before.file_id);
}

#[tokio::test]
async fn case_insensitive_folds_names_and_keeps_their_case() {
    let r = MemoryReplica::case_insensitive();
    assert!(r.case_insensitive());
    r.put_file("Docs/Report.TXT", "v1");
    assert!(r.stat(&p("docs/report.txt")).await.unwrap().is_some());
    r.put_file("other", "o");
    assert_eq!(
        kind(r.rename(&p("OTHER"), &p("docs/REPORT.txt"), false).await),
        ReplicaErrorKind::AlreadyExists
    );
    // A case-only rename of the same file takes the new case.
    r.rename(&p("docs/report.txt"), &p("DOCS/REPORT.txt"), false)
        .await
        .unwrap();
    let names: Vec<String> = r.snapshot().into_keys().collect();
    assert_eq!(names, ["Docs", "Docs/REPORT.txt", "other"]);
    assert_eq!(r.read("docs/report.txt").unwrap(), b"v1");
    let cs = MemoryReplica::new();
    cs.put_file("A", "1");
    cs.put_file("a", "2");
    assert_eq!(cs.snapshot().len(), 2);
}
