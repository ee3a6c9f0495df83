//! One-way jobs: `upload` never writes or deletes locally, `download` never remotely.

use std::fs;

use crate::support::sync::*;

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
