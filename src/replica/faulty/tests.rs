use super::*;
use crate::replica::memory::MemoryReplica;

fn p(s: &str) -> RelPath {
    RelPath::new(s).unwrap()
}

fn setup() -> (MemoryReplica, FaultyReplica) {
    let mem = MemoryReplica::new();
    let f = FaultyReplica::new(Arc::new(mem.clone()));
    (mem, f)
}

#[tokio::test]
async fn nth_call_on_one_file_fails_with_the_chosen_kind() {
    let (mem, f) = setup();
    mem.put_file("a", "a");
    mem.put_file("b", "b");
    f.fail(
        Fault::new(Op::Stat, ReplicaErrorKind::Busy)
            .file("a")
            .nth(2),
    );
    assert!(f.stat(&p("a")).await.unwrap().is_some());
    assert!(f.stat(&p("b")).await.unwrap().is_some());
    let e = f.stat(&p("a")).await.unwrap_err();
    assert_eq!(e.kind, ReplicaErrorKind::Busy);
    assert!(f.stat(&p("a")).await.is_ok());
    assert_eq!(f.calls(Op::Stat), 4);
    // A temp name of the file matches too; a permanent rule fails every time.
    f.fail(Fault::new(Op::OpenWrite, ReplicaErrorKind::AccessDenied).file("d/x.txt"));
    mem.put_file("d/keep", "");
    for _ in 0..2 {
        let e = f
            .open_write(&p("d/x.txt.0badcafe.anemone-uploading"), true)
            .await
            .err()
            .unwrap();
        assert_eq!(e.kind, ReplicaErrorKind::AccessDenied);
    }
    assert!(f.open_write(&p("d/y.txt"), true).await.is_ok());
    assert!(!f.is_down());
}

#[tokio::test]
async fn a_cut_lands_the_bytes_before_the_mark_and_kills_old_handles() {
    let (mem, f) = setup();
    f.cut_after_written(5);
    f.fail_reconnects(1);
    let w = f.open_write(&p("t"), true).await.unwrap();
    w.write_at(0, b"abc".as_slice().into()).await.unwrap();
    let e = w.write_at(3, b"defg".as_slice().into()).await.unwrap_err();
    assert_eq!(e.kind, ReplicaErrorKind::Connection);
    assert_eq!(mem.read("t").unwrap(), b"abcde");
    assert_eq!(f.bytes_written(), 5);
    // Down until a reconnect succeeds; the first one is refused.
    assert!(f.is_down());
    assert_eq!(
        f.stat(&p("t")).await.unwrap_err().kind,
        ReplicaErrorKind::Connection
    );
    assert!(f.reconnect().await.is_err());
    f.reconnect().await.unwrap();
    assert!(f.stat(&p("t")).await.unwrap().is_some());
    // The writer of the lost connection stays dead; a new one works.
    assert!(w.write_at(5, b"x".as_slice().into()).await.is_err());
    let w = f.open_write(&p("t"), false).await.unwrap();
    w.write_at(5, b"fg".as_slice().into()).await.unwrap();
    assert_eq!(mem.read("t").unwrap(), b"abcdefg");
    assert_eq!(f.calls(Op::Reconnect), 2);
}

#[tokio::test]
async fn a_read_cut_fails_the_read_that_crosses_it() {
    let (mem, f) = setup();
    mem.put_file("big", vec![7u8; 100]);
    f.cut_after_read(150);
    let r = f.open_read(&p("big")).await.unwrap();
    assert_eq!(r.read_at(0, 100).await.unwrap().len(), 100);
    assert!(r.read_at(0, 100).await.is_err());
    assert_eq!(f.bytes_read(), 100);
    f.heal();
    assert_eq!(f.read_whole(&p("big"), 1000).await.unwrap().0.len(), 100);
    assert_eq!(f.bytes_read(), 200);
}

#[tokio::test]
async fn a_connection_fault_drops_the_connection_and_delays_apply() {
    let (mem, f) = setup();
    mem.put_file("a", "a");
    f.fail(Fault::new(Op::List, ReplicaErrorKind::Timeout).first(1));
    assert_eq!(
        f.list("").await.unwrap_err().kind,
        ReplicaErrorKind::Timeout
    );
    assert!(f.is_down());
    f.reconnect().await.unwrap();
    assert_eq!(f.list("").await.unwrap().entries.len(), 1);
    f.set_op_delay(Op::Stat, Duration::from_millis(50));
    let t = std::time::Instant::now();
    f.stat(&p("a")).await.unwrap();
    f.list("").await.unwrap();
    let took = t.elapsed();
    assert!(took >= Duration::from_millis(50), "{took:?}");
}
