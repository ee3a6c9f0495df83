//! kill -9 of the CLI at random moments over a mixed workload: 40 times, random edits on both
//! sides before each run (a large file written, then up to three of create, append, rewrite,
//! rename, delete), then the run is started and killed with SIGKILL: every other time after a
//! random 0-1 s (start-up, scan, database writes), else at a random byte of its first MiB of
//! traffic (transfers are capped at 16 MiB/s by the fault proxy, so these land in the middle of
//! large files). Then clean runs until one succeeds, and the checks: both trees the same (names and bytes, no temp file), every
//! file whole, and every version a user wrote still in the live trees, at its name or in a
//! conflict copy, except those a user deleted or rewrote on purpose (see `versions`).

use std::time::{Duration, Instant};

use super::versions::Versions;
use super::*;
use crate::support::fault_proxy::{Dir, FaultProxy};
use crate::support::samba::SambaServer;

const ITERATIONS: usize = 40;

/// One of the two sides, at random: its folder on disk and its name in the versions.
fn side<'a>(rng: &mut StdRng, f: &'a Fixture) -> (&'a std::path::Path, &'static str) {
    if rng.random_bool(0.5) {
        (&f.local, "local")
    } else {
        (&f.remote, "remote")
    }
}

#[test]
fn kill_9_at_random_moments_loses_no_version() {
    let case = "kill -9";
    let mut rng = seeded(case);
    let smb = SambaServer::shared();
    let proxy = FaultProxy::start(smb.port(), rng.random());
    let (remote, mut url) = smb.folder("kill");
    url.port = Some(proxy.port());
    let f = Fixture::at(smb, (remote, url), &[]);
    proxy.set_rate(Some(16 * MIB as u64));
    let mut v = Versions::new(rng.random(), MIB..6 * MIB);
    for i in 0..12 {
        v.create_text(&f.local, "local", &format!("a/l{i}.txt"));
        v.create_text(&f.remote, "remote", &format!("c/r{i}.txt"));
    }
    v.write_big(&f.local, "local", "big-l.bin");
    v.write_big(&f.remote, "remote", "big-r.bin");

    let t = Instant::now();
    let (mut killed, mut finished) = (0, 0);
    for i in 0..ITERATIONS {
        // A large file written on one side each time: every run has a transfer to cut.
        let (root, place) = side(&mut rng, &f);
        let big = format!("big{}.bin", rng.random_range(0..3));
        v.write_big(root, place, &big);
        eprintln!("resilience {case}: {i}: {place}: write {big}");
        for _ in 0..rng.random_range(0..=3) {
            let (root, place) = side(&mut rng, &f);
            let did = v.random_edit(root, place);
            eprintln!("resilience {case}: {i}: {did}");
        }
        let mut child = spawn_sync(&f);
        // Half the kills at a random moment (start-up, scan, database), half at a random
        // byte of the run's traffic (in the middle of transfers).
        let moved = || proxy.forwarded(Dir::Up) + proxy.forwarded(Dir::Down);
        let (at, bytes) = if i % 2 == 0 {
            let ms = rng.random_range(0..1000);
            (Instant::now() + Duration::from_millis(ms), u64::MAX)
        } else {
            let k = rng.random_range(0..MIB as u64);
            (Instant::now() + Duration::from_secs(60), moved() + k)
        };
        while Instant::now() < at && moved() < bytes && child.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_millis(2));
        }
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            killed += 1;
        } else {
            finished += 1;
        }
        child.wait().unwrap();
    }
    proxy.heal();
    let reports = sync_until_done(&f, 5);
    eprintln!(
        "resilience {case}: {ITERATIONS} runs ({killed} killed, {finished} ended before the kill), {} versions written, converged in {} run(s): {:?}; {:.1} s in all",
        v.written(),
        reports.len(),
        statuses(&reports),
        secs(t)
    );

    // Not a test of kills unless kills landed: those at a byte of the traffic always do.
    assert!(killed >= ITERATIONS / 2, "only {killed} runs were killed");
    f.assert_in_sync();
    v.assert_all_present(&f.local, &[&f.local, &f.remote]);
    f.assert_idle_sync();
}
