//! The server's address changes mid-transfer: smbd listens on two ports, the client reaches it
//! through the fault proxy, and while a large upload, a large download and small uploads are
//! under way the proxy moves to the other port (new connections go there, the existing ones
//! are cut, as when a NAS moves to another address and the old one stops answering). The run
//! reconnects, reaches the new address and ends without an error, within the fixture's short
//! reconnect budget (3 s), and nothing is lost.

use std::time::{Duration, Instant};

use super::*;
use crate::support::fault_proxy::{Dir, FaultProxy};
use crate::support::samba::SambaServer;

/// What one address move left: the server and the proxy (still in use), the fixture, the
/// files written, and the run's exit and report.
struct Moved {
    _smb: SambaServer,
    _proxy: FaultProxy,
    f: Fixture,
    all: Files,
    code: i32,
    report: Value,
}

fn move_address_mid_transfer(case: &str) -> Moved {
    let mut rng = seeded(case);
    let smb = SambaServer::start_on_two_ports();
    let proxy = FaultProxy::start(smb.port(), rng.random());
    let (remote, mut url) = smb.folder("switch");
    url.port = Some(proxy.port());
    let mut f = Fixture::at(&smb, (remote, url), &[]);
    // What the engine leaves for the next run is logged at info: shown if an assertion fails.
    set_env(&mut f, "RUST_LOG", "anemone_sync=info");
    let mut local = small_files(&mut rng, "mine", 20, 2);
    local.insert("mine/big.bin".into(), random_bytes(&mut rng, 24 * MIB));
    let mut remote = small_files(&mut rng, "theirs", 20, 2);
    remote.insert("theirs/big.bin".into(), random_bytes(&mut rng, 24 * MIB));
    put(&f.local, &local);
    put(&f.remote, &remote);
    proxy.set_rate(Some(8 * MIB as u64));

    let t = Instant::now();
    let child = spawn_sync(&f);
    wait_for("4 MiB up and 4 MiB down", Duration::from_secs(60), || {
        proxy.forwarded(Dir::Up) > 4 * MIB as u64 && proxy.forwarded(Dir::Down) > 4 * MIB as u64
    });
    let routed_before = proxy.routed().len();
    proxy.switch_upstream(smb.second_port());
    let (code, report) = finish(child);
    let routed = proxy.routed();
    eprintln!(
        "resilience {case}: exit {code} after {:.1} s; connections before the move {routed_before}, after {}; uploaded {}, downloaded {}, left for the next run {}",
        secs(t),
        routed.len() - routed_before,
        report["uploaded"],
        report["downloaded"],
        report["skipped"],
    );
    assert!(
        routed[routed_before..]
            .iter()
            .any(|p| *p == smb.second_port()),
        "the run never reached the new address: {routed:?}"
    );
    let mut all = local;
    all.extend(remote);
    Moved {
        _smb: smb,
        _proxy: proxy,
        f,
        all,
        code,
        report,
    }
}

#[test]
fn server_address_changes_mid_transfer() {
    let m = move_address_mid_transfer("address change");
    assert_eq!(m.code, 0, "{}", m.report);
    assert_eq!(m.report["status"], "success", "{}", m.report);
    assert_eq!(m.report["errors"], serde_json::json!([]), "{}", m.report);
    // A file the run left for the next one (see the test below) is finished by it.
    let mut reports = vec![m.report];
    if reports[0]["skipped"] != 0 {
        reports.extend(sync_until_done(&m.f, 1));
    }
    assert_files(&m.f.local, &m.all);
    assert_files(&m.f.remote, &m.all);
    assert_eq!(total(&reports, "conflicts"), 0, "{reports:?}");
    assert_trash_empty(&m.f);
    m.f.assert_idle_sync();
}

/// Regression test for an engine bug the test above found (issue 15, fixed: a copy that finds
/// its name taken by the very bytes it sent is done). After a reconnect, an upload whose final
/// rename the server had carried out just before the cut (its answer lost with the connection)
/// is sent again, its rename-without-replace then finds the name taken (by itself), and the
/// file is left for the next run as having "appeared on the remote during the sync", in a run
/// reported as `success` with `skipped` 1-3 and no error. Nothing is lost (the next run finds
/// the same bytes on both sides), but the run did not complete its work and said it did.
/// Reproduced in 4 of 5 runs with ANEMONE_RESILIENCE_SEED=15699899592016725253.
#[test]
fn a_reconnect_mid_run_leaves_no_upload_for_the_next_run() {
    let m = move_address_mid_transfer("address change, strict");
    assert_eq!(m.code, 0, "{}", m.report);
    assert_eq!(m.report["skipped"], 0, "{}", m.report);
    assert_eq!(m.report["uploaded"], 21, "{}", m.report);
    assert_eq!(m.report["downloaded"], 21, "{}", m.report);
    assert_files(&m.f.local, &m.all);
    assert_files(&m.f.remote, &m.all);
}
