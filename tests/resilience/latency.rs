//! Slow links: 100 ms and 500 ms added each way, and a jitter of 100-500 ms each way (per
//! chunk, order kept), through the fault proxy. With the fixture's short timeouts (5 s per
//! request, 3 s to reconnect) the sessions must stay up: every run uses at most the pool's
//! connections (a reconnect would open more), converges in one run, and applies nothing twice:
//! each file is uploaded or downloaded exactly once, no conflict copy, nothing trashed, and the
//! next run (still over the slow link) has nothing to do.

use std::time::{Duration, Instant};

use super::*;
use crate::support::fault_proxy::FaultProxy;
use crate::support::samba::SambaServer;

/// The engine's default pool size: the most connections one run opens when none is lost.
const POOL: u64 = 4;

fn converges_over_slow_link(case: &str, delay_ms: u64, jitter_ms: u64, files_each_way: usize) {
    let mut rng = seeded(case);
    let smb = SambaServer::shared();
    let proxy = FaultProxy::start(smb.port(), rng.random());
    let (remote, mut url) = smb.folder("latency");
    url.port = Some(proxy.port());
    let f = Fixture::at(smb, (remote, url), &[]);
    let mut local = small_files(&mut rng, "mine", files_each_way, 2);
    local.insert("mine/one.bin".into(), random_bytes(&mut rng, MIB));
    let mut remote = small_files(&mut rng, "theirs", files_each_way, 2);
    remote.insert("theirs/one.bin".into(), random_bytes(&mut rng, MIB));
    put(&f.local, &local);
    put(&f.remote, &remote);

    proxy.set_delay_both(
        Duration::from_millis(delay_ms),
        Duration::from_millis(jitter_ms),
    );
    let before = proxy.accepted();
    let t = Instant::now();
    let out = f.sync();
    let first = secs(t);
    let connections = proxy.accepted() - before;
    let before = proxy.accepted();
    let t = Instant::now();
    f.assert_idle_sync();
    let noop = secs(t);
    let connections_noop = proxy.accepted() - before;
    eprintln!(
        "resilience {case}: {} files and 2 MiB: first sync {first:.1} s ({connections} connections), no-op {noop:.1} s ({connections_noop})",
        2 * files_each_way
    );

    assert!(
        connections <= POOL && connections_noop <= POOL,
        "a run reconnected: {connections} and {connections_noop} connections for a pool of {POOL}"
    );
    assert_eq!(out.count("uploaded"), local.len() as u64, "{}", out.stdout);
    assert_eq!(
        out.count("downloaded"),
        remote.len() as u64,
        "{}",
        out.stdout
    );
    assert_eq!(out.count("conflicts"), 0, "{}", out.stdout);
    let mut all = local;
    all.extend(remote);
    assert_files(&f.local, &all);
    assert_files(&f.remote, &all);
    assert_trash_empty(&f);
}

#[test]
fn delay_100ms_each_way() {
    converges_over_slow_link("delay 100 ms", 100, 0, 20);
}

#[test]
fn delay_500ms_each_way() {
    converges_over_slow_link("delay 500 ms", 500, 0, 4);
}

#[test]
fn jitter_100_to_500ms_each_way() {
    converges_over_slow_link("jitter 100-500 ms", 100, 400, 8);
}
