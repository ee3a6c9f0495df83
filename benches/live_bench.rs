//! Live sync against one loopback Samba, through `anemone-sync watch`:
//! - propagation latency local -> remote (a local edit until its bytes are in the share) and
//!   remote -> local (an `smbclient put` until the bytes are in the local folder), p50/p95 over
//!   50 edits each, with the job's default quiet period (300 ms) unless `BENCH_QUIET_MS` says;
//! - a large file written slowly (256 MiB in 16 MiB pieces 0.3 s apart, kept open): how many
//!   uploads it cost, how many sizes the share showed under its name (1: only the whole file),
//!   and the time from its close until it was all on the share;
//! - idle CPU and memory of `watch` with 100,000 watched files (`BENCH_IDLE_FILES`) in 1,000
//!   folders, over 60 s (`BENCH_IDLE_SECS`) once it has settled (no run for 20 s): after the
//!   first sync, and after a second start over the tree already in sync.
//!
//! Prints tables; asserts nothing about speed.
//!
//! Run: `scripts/bench-live` (or `cargo bench --bench live_bench`).

#[path = "../tests/support/mod.rs"]
mod support;

use std::fs;
use std::time::{Duration, Instant};

use support::live::{history, holds, smbclient, wait_for, write_slowly, SizesSeen, Watch};
use support::samba::SambaServer;
use support::sync::{write, Fixture};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// utime + stime of a process, in seconds (from /proc).
fn cpu_of(pid: i32) -> f64 {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (ticks(11) + ticks(12)) / hz
}

/// VmRSS and VmHWM in MiB.
fn memory_of(pid: i32) -> (f64, f64) {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (kib("VmRSS:") / 1024.0, kib("VmHWM:") / 1024.0)
}

fn latency(smb: &SambaServer, quiet_ms: u64) -> (Vec<f64>, Vec<f64>) {
    let quiet = quiet_ms.to_string();
    let f = Fixture::on(smb, "latency", &["--quiet-ms", &quiet]);
    let mut w = Watch::start(&f, &[]);
    wait_for(Duration::from_secs(60), "first sync", &w, || {
        history(&f).iter().any(|r| r["status"] != "running")
    });
    let limit = Duration::from_secs(60);
    let mut up = Vec::new();
    for i in 0..50 {
        let body = format!("local edit {i}");
        let t = Instant::now();
        write(&f.l("up.txt"), &body);
        wait_for(limit, "local edit on the share", &w, || {
            holds(&f.r("up.txt"), body.as_bytes())
        });
        up.push(t.elapsed().as_secs_f64());
    }
    let src = tempfile::NamedTempFile::new().unwrap();
    let mut down = Vec::new();
    for i in 0..50 {
        let body = format!("remote edit {i}");
        fs::write(src.path(), &body).unwrap();
        smbclient(smb, &f, &format!("put {} down.txt", src.path().display()));
        let t = Instant::now();
        wait_for(limit, "remote edit in the folder", &w, || {
            holds(&f.l("down.txt"), body.as_bytes())
        });
        down.push(t.elapsed().as_secs_f64());
    }
    assert_eq!(w.terminate(limit), 0);
    up.sort_by(f64::total_cmp);
    down.sort_by(f64::total_cmp);
    (up, down)
}

/// What a slowly written large file costs: a file of `pieces` x `piece_mib` MiB written with
/// `pause` between pieces, kept open until the end. Returns the uploads history counts, the
/// distinct sizes the share showed under the real name (1: only the whole file), and the seconds
/// from the close until the whole file was on the share.
fn slow_writer(
    smb: &SambaServer,
    quiet_ms: u64,
    piece_mib: usize,
    pieces: usize,
    pause: Duration,
) -> (u64, usize, f64) {
    let quiet = quiet_ms.to_string();
    let f = Fixture::on(smb, "slow_writer", &["--quiet-ms", &quiet]);
    let mut w = Watch::start(&f, &[]);
    let limit = Duration::from_secs(120);
    wait_for(limit, "first sync", &w, || {
        history(&f).iter().any(|r| r["status"] != "running")
    });
    let piece: Vec<u8> = (0..(piece_mib << 20) as u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    let total = (piece.len() * pieces) as u64;
    let sizes = SizesSeen::start(&f.r("slow.bin"));
    write_slowly(&f.l("slow.bin"), &piece.repeat(pieces), piece.len(), pause);
    let closed = Instant::now();
    wait_for(limit, "the whole file on the share", &w, || {
        fs::metadata(f.r("slow.bin")).is_ok_and(|m| m.len() == total)
    });
    let after_close = closed.elapsed().as_secs_f64();
    std::thread::sleep(Duration::from_secs(2));
    let seen = sizes.stop().len();
    assert_eq!(w.terminate(limit), 0);
    let uploads = history(&f)
        .iter()
        .map(|r| r["uploaded"].as_u64().unwrap_or(0))
        .sum();
    (uploads, seen, after_close)
}

fn main() {
    let quiet_ms = env_num(
        "BENCH_QUIET_MS",
        anemone_sync::trigger::DEFAULT_QUIET_MS as u64,
    );
    let idle_files = env_num("BENCH_IDLE_FILES", 100_000) as usize;
    let idle_secs = env_num("BENCH_IDLE_SECS", 60);
    let smb = SambaServer::start();

    println!("live sync latency, quiet period {quiet_ms} ms, 50 edits each way (seconds)");
    let (up, down) = latency(&smb, quiet_ms);
    println!("| direction | p50 | p95 | max |");
    println!("|---|---|---|---|");
    for (name, v) in [("local -> remote", &up), ("remote -> local", &down)] {
        println!(
            "| {name} | {:.2} | {:.2} | {:.2} |",
            percentile(v, 0.5),
            percentile(v, 0.95),
            v[v.len() - 1]
        );
    }

    let (piece_mib, pieces, pause) = (16, 16, Duration::from_millis(300));
    println!();
    println!(
        "a file written slowly: {} MiB in {piece_mib} MiB pieces, {} ms apart, kept open until the end; quiet period {quiet_ms} ms",
        piece_mib * pieces,
        pause.as_millis()
    );
    let (uploads, seen, after_close) = slow_writer(&smb, quiet_ms, piece_mib, pieces, pause);
    println!("| uploads | sizes the share showed under its name | seconds from close to all of it on the share |");
    println!("|---|---|---|");
    println!("| {uploads} | {seen} | {after_close:.2} |");

    let f = Fixture::on(&smb, "idle", &[]);
    let dirs = 1000;
    for i in 0..idle_files {
        write(
            &f.l(&format!("d{:04}/f{i:06}.txt", i % dirs)),
            format!("idle file {i}"),
        );
    }
    println!();
    println!("`watch` idle with {idle_files} files in {dirs} folders, measured over {idle_secs} s once no run has started for 20 s");
    println!("| start | settled after (s) | runs while measured | idle CPU (% of one core) | RSS (MiB) | peak RSS (MiB) |");
    println!("|---|---|---|---|---|---|");
    // First start: the first sync uploads everything. Second start: the tree is in sync, which
    // is what a running app sees day to day.
    for start in ["first sync", "already in sync"] {
        let runs_before = history(&f).len();
        let t = Instant::now();
        let mut w = Watch::start(&f, &[]);
        wait_for(Duration::from_secs(3600), "the start's sync", &w, || {
            history(&f).len() > runs_before && history(&f).iter().all(|r| r["status"] != "running")
        });
        // Settled: no run started (or is running) for 20 s; notifications of our own uploads
        // may cause a follow-up run first.
        let mut seen = history(&f).len();
        let mut quiet_since = Instant::now();
        while quiet_since.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_secs(1));
            let h = history(&f);
            if h.len() != seen || h.iter().any(|r| r["status"] == "running") {
                seen = h.len();
                quiet_since = Instant::now();
            }
        }
        let settled = t.elapsed().as_secs_f64() - 20.0;
        let pid = w.pid();
        let cpu0 = cpu_of(pid);
        let t0 = Instant::now();
        std::thread::sleep(Duration::from_secs(idle_secs));
        let cpu = cpu_of(pid) - cpu0;
        let wall = t0.elapsed().as_secs_f64();
        let (rss, hwm) = memory_of(pid);
        let runs = history(&f).len() - seen;
        assert_eq!(w.terminate(Duration::from_secs(60)), 0);
        println!(
            "| {start} | {settled:.1} | {runs} | {:.2} | {rss:.1} | {hwm:.1} |",
            cpu / wall * 100.0
        );
    }
}
