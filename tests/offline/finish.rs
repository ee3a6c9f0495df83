//! A transfer whose last step (`finish`: time, flush, rename of the temp to the real name)
//! fails: the real name is never given a partial or foreign file, the temp is kept to resume or
//! removed, and the next run completes the file.

use anemone_sync::db::history::RunStatus;
use anemone_sync::replica::faulty::{Fault, Op};
use anemone_sync::replica::ReplicaErrorKind;

use super::Offline;
use crate::support::sync::{read, write};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_rename_keeps_the_temp_and_the_next_run_completes() {
    let s = Offline::new().await;
    write(&s.l("new.txt"), "new content");
    write(&s.l("other.txt"), "other");
    s.remote
        .fail(Fault::new(Op::Finish, ReplicaErrorKind::AccessDenied).file("new.txt"));

    let r = s.sync().await;
    assert_eq!(r.status, RunStatus::Partial, "{r:#?}");
    let failed: Vec<&str> = r.errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(failed, ["new.txt"]);
    assert_eq!(
        s.mem.read("new.txt"),
        None,
        "the real name was given the file"
    );
    // A failed transfer's temp is kept (for resuming), complete.
    assert_eq!(
        s.mem.read(&s.temp("new.txt", true)).unwrap(),
        b"new content"
    );
    assert_eq!(s.mem.read("other.txt").unwrap(), b"other");

    s.remote.heal();
    let r = s.sync_ok().await;
    assert_eq!(r.counts.uploaded, 1, "{r:#?}");
    assert_eq!(s.mem.read("new.txt").unwrap(), b"new content");
    s.assert_in_sync();
    s.assert_idle().await;
}

/// The rename finds the name taken (someone created it meanwhile): the temp is removed and the
/// file left for the next run, which syncs it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rename_that_finds_the_name_taken_drops_the_temp() {
    let s = Offline::new().await;
    write(&s.l("new.txt"), "new content");
    s.remote.fail(
        Fault::new(Op::Finish, ReplicaErrorKind::AlreadyExists)
            .file("new.txt")
            .first(1),
    );
    let r = s.sync().await;
    assert!(r.errors.is_empty(), "{r:#?}");
    assert_eq!((r.counts.uploaded, r.counts.skipped), (0, 1), "{r:#?}");
    assert_eq!(s.mem.read("new.txt"), None);
    assert_eq!(s.mem.read(&s.temp("new.txt", true)), None, "temp left");

    let r = s.sync_ok().await;
    assert_eq!(r.counts.uploaded, 1, "{r:#?}");
    s.assert_in_sync();
}

/// A download whose local rename fails cannot be injected (the local side is a real folder),
/// but an edited file's upload can fail at the rename after the old version went to the trash:
/// the remote then holds the new bytes in the temp and the old in its trash, nothing under the
/// real name (never a partial file), and the next run puts the new version in place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_rename_over_an_edited_file_loses_nothing() {
    let s = Offline::new().await;
    write(&s.l("doc.txt"), "version 1");
    s.sync_ok().await;
    write(&s.l("doc.txt"), "version 2, longer");
    s.remote
        .fail(Fault::new(Op::Finish, ReplicaErrorKind::AccessDenied).file("doc.txt"));

    let r = s.sync().await;
    assert_eq!(r.status, RunStatus::Partial, "{r:#?}");
    // What happens today: the old version was moved to the trash before the rename, so the
    // real name is empty until the next run (another client would see a deletion then). Not
    // put back on failure: the move back changes its change time, and the next run would take
    // it for a remote edit and make a conflict.
    assert_eq!(s.mem.read("doc.txt"), None);
    assert_eq!(s.remote_trash(), ["doc.txt"]);
    let temp = s.mem.read(&s.temp("doc.txt", true));
    assert_eq!(temp.as_deref(), Some(&b"version 2, longer"[..]));
    assert_eq!(read(&s.l("doc.txt")), "version 2, longer");

    s.remote.heal();
    let r = s.sync_ok().await;
    assert_eq!(r.counts.uploaded, 1, "{r:#?}");
    assert_eq!(s.mem.read("doc.txt").unwrap(), b"version 2, longer");
    assert_eq!(s.remote_trash(), ["doc.txt"]);
    s.assert_in_sync();
    s.assert_idle().await;
}

/// `finish` of `file` is carried out, and its answer lost with the connection, once.
fn answer_lost_once(file: &str) -> Fault {
    Fault::new(Op::Finish, ReplicaErrorKind::Connection)
        .file(file)
        .first(1)
        .answer_lost()
}

/// A one-file upload, whose answer is lost once and then `then` happens, is done in this run:
/// the file holds its bytes, no temp is left, and the next run has nothing to do.
async fn a_lost_answer_then(then: Fault) {
    let s = Offline::new().await;
    write(&s.l("a.txt"), "mine");
    s.remote.fail(answer_lost_once("a.txt"));
    s.remote.fail(then);
    let r = s.sync_ok().await;
    assert_eq!((r.counts.uploaded, r.counts.skipped), (1, 0), "{r:#?}");
    assert_eq!(s.mem.read("a.txt").unwrap(), b"mine");
    assert_eq!(s.mem.read(&s.temp("a.txt", true)), None, "temp left");
    s.assert_in_sync();
    s.assert_idle().await;
}

/// The server gave the file its real name and the answer was lost with the connection: the
/// retry after the reconnect finds the name taken, by its own bytes, and the upload is done in
/// this run (it was left for the next one as having "appeared on the remote": found by the
/// resilience suite's address change).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rename_done_but_its_answer_lost_completes_the_upload_in_the_same_run() {
    let s = Offline::new().await;
    write(&s.l("a.txt"), "mine");
    write(&s.l("b.txt"), "mine too");
    for f in ["a.txt", "b.txt"] {
        s.remote.fail(answer_lost_once(f));
    }
    let r = s.sync_ok().await;
    assert_eq!((r.counts.uploaded, r.counts.skipped), (2, 0), "{r:#?}");
    assert_eq!(s.mem.read("a.txt").unwrap(), b"mine");
    assert_eq!(s.mem.read("b.txt").unwrap(), b"mine too");
    assert_eq!(s.mem.read(&s.temp("a.txt", true)), None, "temp left");
    s.assert_in_sync();
    s.assert_idle().await;
}

/// The same lost answer, and then the connection goes again while the retry checks what the
/// name holds (in CI another file's lost answer dropped it at that moment): the check could
/// not read the name, which is no reason to think another client took it. The copy is retried
/// and done in this run, not left for the next one as "appeared on the remote".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_lost_while_checking_a_taken_name_retries_the_copy() {
    a_lost_answer_then(
        Fault::new(Op::Stat, ReplicaErrorKind::Connection)
            .file("a.txt")
            .first(1),
    )
    .await;
}

/// The same lost answer, and the retry's temp cannot be removed at first (a passing error, and
/// the connection comes back at once: in CI another file's retry reconnected at that moment).
/// The removal used to be ignored, the check then found the name holding the same bytes and
/// the copy was done with its second temp left on the share. Now the copy is retried until the
/// temp is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_temp_that_cannot_be_removed_at_first_after_a_lost_answer_is_removed_in_the_same_run() {
    a_lost_answer_then(
        Fault::new(Op::RemoveFile, ReplicaErrorKind::Busy)
            .file("a.txt")
            .first(1),
    )
    .await;
}
