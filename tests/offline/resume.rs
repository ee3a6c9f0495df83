//! Cut transfers: the server goes away mid-file and stays away past the reconnect budget, so
//! the run ends as failed. No partial file may appear under the real name; the next run
//! finishes the file, and resumes it where the engine keeps a resume point (files of at least
//! `RESUME_MIN_SIZE`, 8 MiB): it then moves only the rest.

use anemone_sync::db::history::RunStatus;
use anemone_sync::relpath::RelPath;
use anemone_sync::sync::execute::transfer::RESUME_MIN_SIZE;
use anemone_sync::tree::Direction;

use super::{bytes, Offline, MIB};
use crate::support::sync::write;

/// The run after the cut: failed, connection lost, nothing finished.
fn assert_cut_run(r: &anemone_sync::sync::RunReport) {
    assert_eq!(r.status, RunStatus::Failed, "{r:#?}");
    assert_eq!(r.exit_code, 3);
    assert!(r.unreachable);
    assert!(
        r.message
            .as_deref()
            .unwrap_or("")
            .contains("lost the connection"),
        "{r:#?}"
    );
}

async fn committed(s: &Offline, path: &str, dir: Direction) -> u64 {
    s.engine
        .resume_point(s.job.id, &RelPath::new(path).unwrap(), dir)
        .await
        .unwrap()
        .unwrap_or(0)
}

/// How much of `data`'s start `temp` holds, in whole chunks (what a transfer moves at once).
fn landed_prefix(temp: &[u8], data: &[u8]) -> u64 {
    let chunks = temp.chunks(MIB).zip(data.chunks(MIB));
    let whole = chunks.take_while(|(t, d)| t.len() == MIB && t == d).count();
    (whole * MIB) as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_upload_resumes_and_sends_only_the_rest() {
    let s = Offline::new().await;
    let size = 20 * MIB;
    assert!(size as u64 >= RESUME_MIN_SIZE);
    let data = bytes(size, 3);
    write(&s.l("big.bin"), &data);
    s.remote.cut_after_written(13 * MIB as u64 + MIB as u64 / 2);
    s.remote.fail_reconnects(u64::MAX);

    assert_cut_run(&s.sync().await);
    assert_eq!(
        s.mem.read("big.bin"),
        None,
        "a partial file under the real name"
    );
    let temp = s
        .mem
        .read(&s.temp("big.bin", true))
        .expect("the temp is kept to resume");
    let done = committed(&s, "big.bin", Direction::Up).await;
    // The resume point is all that landed in order, no less (and never more).
    assert!(done > 0);
    assert_eq!(done, landed_prefix(&temp, &data));

    s.remote.heal();
    s.remote.reset_counts();
    let r = s.sync_ok().await;
    assert_eq!(r.counts.uploaded, 1);
    // Only the rest crossed the wire.
    assert_eq!(s.remote.bytes_written(), size as u64 - done);
    assert_eq!(r.counts.bytes_up, size as u64 - done);
    assert_eq!(s.mem.read("big.bin").unwrap(), data);
    assert_eq!(
        committed(&s, "big.bin", Direction::Up).await,
        0,
        "record cleared"
    );
    s.assert_in_sync();
    s.assert_idle().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_download_resumes_from_the_local_temp() {
    let s = Offline::new().await;
    let size = 20 * MIB;
    let data = bytes(size, 4);
    s.mem.put_file("dir/big.bin", &data);
    s.remote.cut_after_read(11 * MIB as u64 + 12345);
    s.remote.fail_reconnects(u64::MAX);

    assert_cut_run(&s.sync().await);
    assert!(
        !s.l("dir/big.bin").exists(),
        "a partial file under the real name"
    );
    let temp = std::fs::read(s.l(&s.temp("dir/big.bin", false))).expect("the local temp is kept");
    let done = committed(&s, "dir/big.bin", Direction::Down).await;
    // Regression: the writes in flight were aborted and their results dropped, so this kept
    // no resume point at all (0) or a few MiB of the 11 that had landed.
    assert!(done > 0);
    assert_eq!(done, landed_prefix(&temp, &data));

    s.remote.heal();
    s.remote.reset_counts();
    let r = s.sync_ok().await;
    assert_eq!(r.counts.downloaded, 1);
    // Only the rest was read from the server (the prefix is hashed from the local temp).
    assert_eq!(s.remote.bytes_read(), size as u64 - done);
    assert_eq!(r.counts.bytes_down, size as u64 - done);
    assert_eq!(std::fs::read(s.l("dir/big.bin")).unwrap(), data);
    s.assert_in_sync();
    s.assert_idle().await;
}

/// Below `RESUME_MIN_SIZE` no resume point is kept: after a cut the next run sends the whole
/// file again (over the kept temp, truncated), and leaves no temp behind. Both ways of sending:
/// a file of several chunks (pipelined) and one read whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_file_below_the_resume_size_is_sent_again_from_the_start() {
    let s = Offline::new().await;
    for (name, size, seed) in [("big.bin", 3 * MIB, 5), ("small.bin", 600 * 1024, 6)] {
        let data = bytes(size, seed);
        write(&s.l(name), &data);
        s.remote.cut_after_written(size as u64 / 2);
        s.remote.fail_reconnects(u64::MAX);

        assert_cut_run(&s.sync().await);
        assert_eq!(
            s.mem.read(name),
            None,
            "a partial {name} under its real name"
        );
        let temp = s.mem.read(&s.temp(name, true)).expect("the temp is kept");
        // Part of it, maybe with holes (concurrent chunks land in any order).
        assert!(!temp.is_empty() && temp != data, "{name}");

        s.remote.heal();
        s.remote.reset_counts();
        let r = s.sync_ok().await;
        assert_eq!(r.counts.uploaded, 1, "{r:#?}");
        assert_eq!(
            s.remote.bytes_written(),
            size as u64,
            "{name}: not sent whole"
        );
        assert_eq!(r.counts.bytes_up, size as u64);
        assert_eq!(s.mem.read(name).unwrap(), data);
        s.assert_in_sync();
    }
}
