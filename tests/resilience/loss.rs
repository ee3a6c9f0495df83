//! Packet loss: 10%, 30% and 50% of the packets to and from smbd dropped by nftables (both
//! ways: requests, answers, ACKs, the handshake). A two-way first sync of 200 small files and
//! 16 MiB (an 8 MiB file each way) converges, runs repeated as the live service would repeat
//! them, bounded; every file lands once, with its bytes, and nothing is replaced or trashed.
//! Skipped, saying why, where nftables cannot be used (no `nft`, not root).

use std::time::Instant;

use super::*;
use crate::support::packet_loss::{PacketLoss, Ways};
use crate::support::samba::SambaServer;

fn converges_under_loss(percent: u8, ways: Ways) {
    let case = format!("loss {percent}% {ways:?}");
    let mut rng = seeded(&case);
    // A private server: the rule matches its port, no other test's traffic.
    let smb = SambaServer::start();
    let mut f = Fixture::on(&smb, "loss", &[]);
    default_timeouts(&mut f);
    let mut local = small_files(&mut rng, "mine", 100, 7);
    local.insert("mine/big.bin".into(), random_bytes(&mut rng, 8 * MIB));
    let mut remote = small_files(&mut rng, "theirs", 100, 7);
    remote.insert("theirs/big.bin".into(), random_bytes(&mut rng, 8 * MIB));
    put(&f.local, &local);
    put(&f.remote, &remote);

    let loss = match PacketLoss::on_port_ways(smb.port(), percent, ways) {
        Ok(l) => l,
        Err(why) => {
            eprintln!("resilience {case}: SKIPPED: {why}");
            return;
        }
    };
    let t = Instant::now();
    let reports = sync_until_done(&f, 12);
    let took = secs(t);
    drop(loss);
    eprintln!(
        "resilience {case}: 200 files + 16 MiB converged in {took:.1} s, {} run(s): {:?}",
        reports.len(),
        statuses(&reports)
    );

    let mut all = local;
    all.extend(remote);
    assert_files(&f.local, &all);
    assert_files(&f.remote, &all);
    assert_eq!(total(&reports, "uploaded"), 101, "{reports:?}");
    assert_eq!(total(&reports, "downloaded"), 101, "{reports:?}");
    assert_eq!(total(&reports, "conflicts"), 0, "{reports:?}");
    assert_trash_empty(&f);
    f.assert_idle_sync();
}

#[test]
fn loss_10_percent_converges() {
    converges_under_loss(10, Ways::Both);
}

#[test]
fn loss_30_percent_converges() {
    converges_under_loss(30, Ways::Both);
}

#[test]
fn loss_50_percent_converges() {
    converges_under_loss(50, Ways::ToPort);
}
