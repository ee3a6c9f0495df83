//! Partitions: while a large upload and a large download are under way (through the fault
//! proxy, capped so that they take a few seconds), every packet between the client and the
//! proxy is dropped by nftables for 5 s or 10 s, then the rule is removed. With the engine's
//! default timeouts the run rides it out and finishes, or the next run does; nothing is lost
//! and each file lands once. Skipped, saying why, where nftables cannot be used.

use std::time::{Duration, Instant};

use super::*;
use crate::support::fault_proxy::{Dir, FaultProxy};
use crate::support::packet_loss::PacketLoss;
use crate::support::samba::SambaServer;

fn survives_partition(secs_down: u64) {
    let case = format!("partition {secs_down} s");
    let mut rng = seeded(&case);
    let smb = SambaServer::shared();
    let proxy = FaultProxy::start(smb.port(), rng.random());
    let (remote, mut url) = smb.folder("partition");
    url.port = Some(proxy.port());
    let mut f = Fixture::at(smb, (remote, url), &[]);
    default_timeouts(&mut f);
    let mut local = small_files(&mut rng, "mine", 10, 2);
    local.insert("mine/big.bin".into(), random_bytes(&mut rng, 24 * MIB));
    let mut remote = small_files(&mut rng, "theirs", 10, 2);
    remote.insert("theirs/big.bin".into(), random_bytes(&mut rng, 24 * MIB));
    put(&f.local, &local);
    put(&f.remote, &remote);
    // Each direction of each connection at 8 MiB/s: each big file takes about 3 s.
    proxy.set_rate(Some(8 * MIB as u64));

    // The rule is tried before the run: a machine without nftables skips the case.
    match PacketLoss::on_port(proxy.port(), 100) {
        Ok(probe) => drop(probe),
        Err(why) => {
            eprintln!("resilience {case}: SKIPPED: {why}");
            return;
        }
    }
    let t = Instant::now();
    let child = spawn_sync(&f);
    wait_for("4 MiB up and 4 MiB down", Duration::from_secs(60), || {
        proxy.forwarded(Dir::Up) > 4 * MIB as u64 && proxy.forwarded(Dir::Down) > 4 * MIB as u64
    });
    let partition = PacketLoss::on_port(proxy.port(), 100).expect("the same rule as the probe");
    std::thread::sleep(Duration::from_secs(secs_down));
    drop(partition);
    let (code, first) = finish(child);
    let first_took = secs(t);
    let mut reports = vec![first];
    if code != 0 {
        reports.extend(sync_until_done(&f, 5));
    }
    eprintln!(
        "resilience {case}: first run exit {code} after {first_took:.1} s, converged in {:.1} s, {} run(s): {:?}",
        secs(t),
        reports.len(),
        statuses(&reports)
    );

    let mut all = local;
    all.extend(remote);
    assert_files(&f.local, &all);
    assert_files(&f.remote, &all);
    assert_eq!(total(&reports, "uploaded"), 11, "{reports:?}");
    assert_eq!(total(&reports, "downloaded"), 11, "{reports:?}");
    assert_eq!(total(&reports, "conflicts"), 0, "{reports:?}");
    assert_trash_empty(&f);
    proxy.heal();
    f.assert_idle_sync();
}

#[test]
fn partition_5s_during_transfers() {
    survives_partition(5);
}

#[test]
fn partition_10s_during_transfers() {
    survives_partition(10);
}
