//! Connections cut at random byte offsets during a large upload and a large download: five
//! runs in a row are each cut at a random point of the transfer (every connection dropped,
//! and reconnects refused, so the run gives up), then a clean run finishes the file. No run
//! leaves a partial file under the real name, and the clean run resumes: it moves fewer bytes
//! than the file holds (in its report, and as counted by the proxy).

use std::time::Instant;

use super::*;
use crate::support::fault_proxy::{Dir, FaultProxy};
use crate::support::samba::SambaServer;

/// The file: well above the engine's resume size (8 MiB), and larger than five cuts' worth.
const SIZE: usize = 40 * MIB;
/// Each run is cut within this many bytes of its traffic in the file's direction.
const CUT_WITHIN: u64 = 6 * MIB as u64;

fn cut_five_times_then_resume(dir: Dir) {
    let case = format!("cuts {dir:?}");
    let mut rng = seeded(&case);
    let smb = SambaServer::shared();
    let proxy = FaultProxy::start(smb.port(), rng.random());
    let (remote, mut url) = smb.folder("cuts");
    url.port = Some(proxy.port());
    let mut f = Fixture::at(smb, (remote, url), &[]);
    // Reconnects are refused after each cut: give up after 1 s instead of 3.
    set_env(&mut f, "ANEMONE_SYNC_RECONNECT_SECS", "1");
    let data = random_bytes(&mut rng, SIZE);
    let (source, target) = match dir {
        Dir::Up => (f.l("big.bin"), f.r("big.bin")),
        Dir::Down => (f.r("big.bin"), f.l("big.bin")),
    };
    write(&source, &data);

    let t = Instant::now();
    let mut offsets = Vec::new();
    for _ in 0..5 {
        // From 256 KiB: the login and the listing come first, then the file.
        let k = rng.random_range(256 * 1024..CUT_WITHIN);
        offsets.push(k);
        proxy.heal();
        proxy.cut_after_and_refuse(dir, k);
        let cuts = proxy.cuts();
        let out = f.run(&["sync", "job", "--json"]);
        assert_eq!(
            proxy.cuts(),
            cuts + 1,
            "the run was not cut: {}",
            out.stdout
        );
        assert_eq!(out.code, 3, "a cut run: {}\n{}", out.stdout, out.stderr);
        assert!(
            !target.exists(),
            "a partial file under the real name after a cut at {k}"
        );
    }
    proxy.heal();
    let before = proxy.forwarded(dir);
    let out = f.sync();
    let moved = proxy.forwarded(dir) - before;
    let field = match dir {
        Dir::Up => "bytes_up",
        Dir::Down => "bytes_down",
    };
    let reported = out.count(field);
    eprintln!(
        "resilience {case}: cut at {offsets:?}; the clean run moved {reported} file bytes ({moved} on the wire) of {SIZE}; {:.1} s in all",
        secs(t)
    );

    assert_eq!(std::fs::read(&target).unwrap(), data);
    assert!(reported < SIZE as u64, "no resume: {}", out.stdout);
    assert!(moved < SIZE as u64, "no resume: {moved} bytes crossed");
    f.assert_in_sync();
    assert_trash_empty(&f);
    f.assert_idle_sync();
}

#[test]
fn cuts_during_a_large_upload_then_resume() {
    cut_five_times_then_resume(Dir::Up);
}

#[test]
fn cuts_during_a_large_download_then_resume() {
    cut_five_times_then_resume(Dir::Down);
}
