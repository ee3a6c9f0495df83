//! A two-way sync of a small tree against the memory remote converges, then rests.

use anemone_sync::replica::faulty::Op;

use super::Offline;
use crate::support::sync::{read, write};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_way_sync_converges_and_a_second_run_does_nothing() {
    let s = Offline::new().await;
    s.mem.put_file("docs/a.txt", "remote a");
    s.mem.put_file("docs/sub/b.txt", "remote b");
    s.mem.put_file("remote-only.txt", "r");
    s.mem.put_file("shared/x.txt", "x v1");
    write(&s.l("local-only.txt"), "l");
    write(&s.l("deep/er/c.txt"), "local c");
    std::fs::create_dir_all(s.l("empty-local-dir")).unwrap();

    let r = s.sync_ok().await;
    assert_eq!((r.counts.uploaded, r.counts.downloaded), (2, 4), "{r:#?}");
    assert_eq!(r.counts.bytes_up, 1 + 7);
    s.assert_in_sync();
    assert_eq!(s.mem.read("deep/er/c.txt").unwrap(), b"local c");
    assert_eq!(read(&s.l("docs/sub/b.txt")), "remote b");
    assert!(s.remote_tree().contains_key("empty-local-dir"));
    // Each upload went to a temp, then one finish gave it its name; none was left.
    assert_eq!(s.remote.calls(Op::Finish), 2);
    assert_eq!(s.remote.calls(Op::OpenWrite), 2);

    // An edit and a delete on each side.
    write(&s.l("docs/a.txt"), "a edited locally");
    s.mem.put_file("shared/x.txt", "x v2 from the server");
    std::fs::remove_file(s.l("docs/sub/b.txt")).unwrap();
    assert!(s.mem.remove("remote-only.txt"));
    s.remote.reset_counts();

    let r = s.sync_ok().await;
    let c = &r.counts;
    assert_eq!(
        (c.uploaded, c.downloaded, c.deleted_local, c.deleted_remote),
        (1, 1, 1, 1),
        "{r:#?}"
    );
    s.assert_in_sync();
    assert_eq!(s.mem.read("docs/a.txt").unwrap(), b"a edited locally");
    assert_eq!(read(&s.l("shared/x.txt")), "x v2 from the server");
    assert!(!s.l("remote-only.txt").exists());
    assert_eq!(s.mem.read("docs/sub/b.txt"), None);
    // What was deleted or overwritten went to the trash of its side.
    assert_eq!(s.local_trash(), ["remote-only.txt", "shared/x.txt"]);
    assert_eq!(s.remote_trash(), ["docs/a.txt", "docs/sub/b.txt"]);
    // The remote delete and the replaced version: one rename to the trash each.
    assert_eq!(s.remote.calls(Op::Rename), 2);
    assert_eq!(s.remote.calls(Op::RemoveFile), 0);

    s.remote.reset_counts();
    s.assert_idle().await;
    // Resting costs one listing and no change on the remote.
    for op in [Op::OpenWrite, Op::Rename, Op::RemoveFile, Op::CreateDir] {
        assert_eq!(s.remote.calls(op), 0, "{op:?}");
    }
    s.assert_in_sync();
}
