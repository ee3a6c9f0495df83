//! The resilience suite (issue 15): the CLI against a real Samba server over a bad network,
//! made with a fault-injecting TCP proxy (`support::fault_proxy`) and packet loss from
//! nftables (`support::packet_loss`), and with the client killed mid-run. Every case ends by
//! comparing the trees on disk (names and bytes, no temp file left) with what the test wrote.
//!
//! Randomness is seeded: each case prints its seed, and `ANEMONE_RESILIENCE_SEED=N` replays
//! it. Each case prints how long it took (`--nocapture` shows it); nothing asserts on time.

mod cuts;
mod kill;
mod latency;
mod loss;
mod partition;
mod proxy_check;
mod switch;
mod two_clients;
mod versions;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use serde_json::Value;

use crate::support::sync::{tree, write, Fixture, Node};

pub const MIB: usize = 1 << 20;

/// Files as a test wrote them: relative path -> bytes.
pub type Files = BTreeMap<String, Vec<u8>>;

/// The seed of one case: `ANEMONE_RESILIENCE_SEED` when set (to replay a failure), else a
/// fresh one. Printed either way.
pub fn seeded(case: &str) -> StdRng {
    let seed = std::env::var("ANEMONE_RESILIENCE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    eprintln!("resilience {case}: seed {seed} (replay with ANEMONE_RESILIENCE_SEED={seed})");
    StdRng::seed_from_u64(seed)
}

/// `len` random bytes (incompressible, so no layer can shortcut them).
pub fn random_bytes(rng: &mut StdRng, len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    rng.fill_bytes(&mut v);
    v
}

/// `n` small files (1 byte to 8 KiB) spread over `folders` folders under `prefix`.
pub fn small_files(rng: &mut StdRng, prefix: &str, n: usize, folders: usize) -> Files {
    (0..n)
        .map(|i| {
            let len = rng.random_range(1..=8 * 1024);
            (
                format!("{prefix}/d{}/f{i}.txt", i % folders),
                random_bytes(rng, len),
            )
        })
        .collect()
}

/// Writes `files` below `root`.
pub fn put(root: &Path, files: &Files) {
    for (rel, bytes) in files {
        write(&root.join(rel), bytes);
    }
}

/// Asserts that the files under `root` (trash left out) are exactly `expected`, by name and
/// bytes, and that no temp file is left.
pub fn assert_files(root: &Path, expected: &Files) {
    let actual: Files = tree(root)
        .into_iter()
        .filter_map(|(k, v)| match v {
            Node::File(b) => Some((k, b)),
            Node::Dir => None,
        })
        .collect();
    for k in actual.keys() {
        let name = k.rsplit('/').next().unwrap_or(k);
        assert!(
            !anemone_sync::names::is_temp_name(name),
            "temp file left in {}: {k}",
            root.display()
        );
    }
    let missing: Vec<_> = expected
        .keys()
        .filter(|k| !actual.contains_key(*k))
        .collect();
    let extra: Vec<_> = actual
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .collect();
    let differ: Vec<_> = expected
        .iter()
        .filter(|(k, v)| actual.get(*k).is_some_and(|a| a != *v))
        .map(|(k, _)| k)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty() && differ.is_empty(),
        "{}: missing {missing:?}, unexpected {extra:?}, different bytes {differ:?}",
        root.display()
    );
}

/// Nothing of ours in either trash: no version was replaced or deleted.
pub fn assert_trash_empty(f: &Fixture) {
    for root in [&f.local, &f.remote] {
        let trashed = crate::support::sync::trashed(root);
        assert!(
            trashed.is_empty(),
            "trash of {}: {trashed:?}",
            root.display()
        );
    }
}

/// Uses the engine's own timeouts (30 s per request, 60 s to reconnect), not the fixture's
/// short test ones: how a user's client rides out a bad network.
pub fn default_timeouts(f: &mut Fixture) {
    f.env.retain(|(k, _)| {
        k != "ANEMONE_SYNC_RECONNECT_SECS" && k != "ANEMONE_SYNC_SMB_TIMEOUT_SECS"
    });
}

/// Sets one environment variable of the fixture's runs.
pub fn set_env(f: &mut Fixture, key: &str, value: &str) {
    f.env.retain(|(k, _)| k != key);
    f.env.push((key.into(), value.into()));
}

/// Runs `sync --json` until a run succeeds, at most `max_runs` times; every report, in order.
/// A run that cannot finish (exit 1 partial, 3 connection lost) is followed by another, as the
/// live service would; any other exit code fails the test.
pub fn sync_until_done(f: &Fixture, max_runs: usize) -> Vec<Value> {
    let mut reports = Vec::new();
    for _ in 0..max_runs {
        let out = f.run(&["sync", "job", "--json"]);
        assert!(
            [0, 1, 3].contains(&out.code),
            "sync exit {}\nstdout: {}\nstderr: {}",
            out.code,
            out.stdout,
            out.stderr
        );
        let report = out.report();
        let done = out.code == 0 && report["status"] == "success";
        reports.push(report);
        if done {
            return reports;
        }
    }
    panic!(
        "no successful run in {max_runs}; last report: {}",
        reports.last().unwrap()
    );
}

/// The sum of a count over runs.
pub fn total(reports: &[Value], field: &str) -> u64 {
    reports.iter().map(|r| r[field].as_u64().unwrap_or(0)).sum()
}

/// Each run's status, for the printed summary.
pub fn statuses(reports: &[Value]) -> Vec<String> {
    reports
        .iter()
        .map(|r| r["status"].as_str().unwrap_or("?").to_string())
        .collect()
}

/// Seconds since `t`, for the printed summaries.
pub fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// Starts `sync --json` without waiting for it (to act on the network or on the process while
/// it runs).
pub fn spawn_sync(f: &Fixture) -> std::process::Child {
    let mut cmd = std::process::Command::new(crate::support::sync::BIN);
    cmd.arg("--data-dir")
        .arg(&f.data)
        .args(["sync", "job", "--json"]);
    for (k, v) in &f.env {
        cmd.env(k, v);
    }
    cmd.env_remove("ANEMONE_SYNC_HOME")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn anemone-sync")
}

/// Waits for a spawned `sync --json`: its exit code and report. The report gets the run's
/// stderr as `"stderr"`, so that a failed assertion on it shows what the engine said.
pub fn finish(child: std::process::Child) -> (i32, Value) {
    let out = child.wait_with_output().expect("wait for anemone-sync");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut report: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("not one JSON object ({e}):\n{stdout}\nstderr:\n{stderr}"));
    report["stderr"] = Value::String(stderr.into_owned());
    (out.status.code().unwrap_or(-1), report)
}

/// Waits until `cond` holds, polling; panics after `limit` saying `what` never happened.
pub fn wait_for(what: &str, limit: std::time::Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !cond() {
        assert!(Instant::now() < deadline, "{what} never happened");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
