//! Retries: a transient error is retried until the file lands, a permanent one is that file's
//! error alone, and a connection that drops and comes back costs the run nothing.

use std::time::Duration;

use anemone_sync::db::history::RunStatus;
use anemone_sync::replica::faulty::{Fault, Op};
use anemone_sync::replica::ReplicaErrorKind;

use super::{bytes, Offline, MIB};
use crate::support::sync::{read, write};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_file_is_retried_and_lands() {
    let s = Offline::new().await;
    for name in ["a.txt", "b.txt", "c.txt"] {
        write(&s.l(name), format!("content of {name}"));
    }
    s.remote.fail(
        Fault::new(Op::Write, ReplicaErrorKind::Busy)
            .file("b.txt")
            .first(2),
    );
    let r = s.sync_ok().await;
    assert_eq!(r.counts.uploaded, 3, "{r:#?}");
    assert!(r.errors.is_empty());
    assert_eq!(s.mem.read("b.txt").unwrap(), b"content of b.txt");
    // One write each for a and c; three for b (two refused, then the one that landed).
    assert_eq!(s.remote.calls(Op::Write), 5);
    assert_eq!(s.remote.calls(Op::Finish), 3);
    s.assert_in_sync();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_error_stays_with_its_file_and_the_rest_syncs() {
    let s = Offline::new().await;
    for name in ["a.txt", "b.txt", "c.txt"] {
        write(&s.l(name), format!("content of {name}"));
    }
    s.mem.put_file("from-server.txt", "down");
    s.remote
        .fail(Fault::new(Op::OpenWrite, ReplicaErrorKind::AccessDenied).file("b.txt"));

    let r = s.sync().await;
    assert_eq!(r.status, RunStatus::Partial, "{r:#?}");
    assert_eq!(r.exit_code, 1);
    assert_eq!((r.counts.uploaded, r.counts.downloaded), (2, 1), "{r:#?}");
    let failed: Vec<&str> = r.errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(failed, ["b.txt"]);
    // Permanent: tried once, not retried.
    assert_eq!(s.remote.calls(Op::OpenWrite), 3);
    // Nothing lost: b is still local, and nothing of it (no temp) on the remote.
    assert_eq!(read(&s.l("b.txt")), "content of b.txt");
    assert_eq!(read(&s.l("from-server.txt")), "down");
    let remote: Vec<String> = s.remote_tree().into_keys().collect();
    assert_eq!(remote, ["a.txt", "c.txt", "from-server.txt"]);

    // Once the server allows it, the next run finishes the work.
    s.remote.heal();
    let r = s.sync_ok().await;
    assert_eq!(r.counts.uploaded, 1, "{r:#?}");
    s.assert_in_sync();
    s.assert_idle().await;
}

/// A connection that drops in the middle of a large upload and comes back (after one refused
/// reconnect): the run reconnects and finishes in one go.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_that_comes_back_costs_the_run_nothing() {
    let mut s = Offline::new().await;
    s.engine.set_reconnect_budget(Duration::from_secs(10));
    let big = bytes(3 * MIB, 1);
    write(&s.l("big.bin"), &big);
    for i in 0..10 {
        write(&s.l(&format!("small/{i}.txt")), format!("small {i}"));
    }
    s.mem.put_file("down.bin", bytes(2 * MIB, 2));
    s.remote.cut_after_written(2 * MIB as u64 + 1000);
    s.remote.fail_reconnects(1);

    let r = s.sync_ok().await;
    assert_eq!((r.counts.uploaded, r.counts.downloaded), (11, 1), "{r:#?}");
    assert!(
        s.remote.calls(Op::Reconnect) >= 2,
        "one refused, one that worked"
    );
    assert!(!s.remote.is_down());
    assert_eq!(s.mem.read("big.bin").unwrap(), big);
    s.assert_in_sync();
    s.assert_idle().await;
}
