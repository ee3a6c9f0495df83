//! kill -9 of the CLI at random moments over a mixed workload: 24 times, random edits on both
//! sides before each run (create, append, rewrite a large file, rename, delete), then the run
//! is started and killed with SIGKILL after a random 0-1.5 s (transfers are capped at 16 MiB/s
//! by the fault proxy, so kills land in the middle of large files too). Then clean runs until
//! one succeeds, and the checks: both trees the same (names and bytes, no temp file), every
//! file whole, and every version a user wrote still in the live trees, at its name or in a
//! conflict copy, except those a user deleted or rewrote on purpose (see `versions`).

use std::time::{Duration, Instant};

use super::versions::Versions;
use super::*;
use crate::support::fault_proxy::FaultProxy;
use crate::support::samba::SambaServer;

const ITERATIONS: usize = 24;

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
        for _ in 0..rng.random_range(1..=4) {
            let (root, place) = if rng.random_bool(0.5) {
                (&f.local, "local")
            } else {
                (&f.remote, "remote")
            };
            let did = v.random_edit(root, place);
            eprintln!("resilience {case}: {i}: {did}");
        }
        let mut child = spawn_sync(&f);
        let at = Instant::now() + Duration::from_millis(rng.random_range(0..1500));
        while Instant::now() < at && child.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_millis(5));
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

    f.assert_in_sync();
    v.assert_all_present(&f.local, &[&f.local, &f.remote]);
    f.assert_idle_sync();
}
