//! Throughput and latency of `SmbReplica` against a private loopback Samba, next to `smbclient`.
//!
//! Run: `cargo bench --bench smb_throughput` (needs smbd and smbclient; runs as root to create
//! the test user). Env: `SMB_BENCH_MIB` (default 1024) sets the file size,
//! `SMB_BENCH_IN_FLIGHT` (default 16) the requests in flight.
//! Prints two tables: 1 GiB upload/download (ours: 1 MiB chunks, 16 in flight; smbclient
//! put/get), and connect / list-10,000-files times with our TCP_NODELAY transport vs the crate's
//! transport as published.

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anemone_sync::relpath::RelPath;
use anemone_sync::replica::smb::{SmbOptions, SmbReplica};
use anemone_sync::replica::{Replica, MAX_CHUNK};
use futures::stream::{self, StreamExt, TryStreamExt};
use support::samba::SambaServer;

fn mib_s(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / (1024.0 * 1024.0) / d.as_secs_f64()
}

fn smbclient(srv: &SambaServer, cmd: &str) -> Duration {
    let t = Instant::now();
    let out = Command::new("smbclient")
        .args(["-p", &srv.port().to_string(), "//127.0.0.1/sync"])
        .arg("-U")
        .arg(format!("{}%{}", srv.user(), srv.password()))
        .args(["-c", cmd])
        .output()
        .expect("run smbclient");
    let d = t.elapsed();
    assert!(
        out.status.success(),
        "smbclient {cmd}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    d
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let mib: usize = std::env::var("SMB_BENCH_MIB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1024);
    let size = mib * 1024 * 1024;
    let in_flight: usize = std::env::var("SMB_BENCH_IN_FLIGHT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(16);
    let srv = SambaServer::start();
    let (dir, url) = srv.folder("bench");
    let local = tempfile::tempdir().unwrap();

    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut data = Vec::with_capacity(size);
    while data.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data.extend_from_slice(&x.to_le_bytes());
    }
    data.truncate(size);
    let data = Arc::new(data);
    let src = local.path().join("src.bin");
    std::fs::write(&src, &*data).unwrap();

    let nodelay = std::env::var("SMB_BENCH_NODELAY")
        .map(|v| v != "0")
        .unwrap_or(true);
    let main_opts = SmbOptions {
        tcp_nodelay: nodelay,
        ..SmbOptions::default()
    };
    let remote = SmbReplica::connect(&url, srv.password(), main_opts)
        .await
        .unwrap();
    let offsets: Vec<usize> = (0..size).step_by(MAX_CHUNK).collect();

    // Ours: upload.
    let t = Instant::now();
    let w = remote
        .open_write(&RelPath::new("ours.bin").unwrap(), true)
        .await
        .unwrap();
    let up = stream::iter(offsets.clone())
        .map(|off| {
            let (w, data) = (w.clone(), data.clone());
            async move {
                w.write_at(off as u64, data[off..(off + MAX_CHUNK).min(size)].into())
                    .await
            }
        })
        .buffer_unordered(in_flight)
        .try_collect::<Vec<()>>()
        .await;
    let up_result = match up {
        Ok(_) => w.close().await,
        Err(e) => Err(e),
    };
    let ours_up = t.elapsed();
    match &up_result {
        Err(e) => eprintln!("our upload failed after {ours_up:?}: {e}"),
        Ok(()) => assert_eq!(
            std::fs::metadata(dir.join("ours.bin")).unwrap().len(),
            size as u64
        ),
    }

    // smbclient upload; our download reads that file (so it works even if our upload failed).
    let theirs_up = smbclient(&srv, &format!("put {} bench-0/theirs.bin", src.display()));
    remote.reconnect().await.unwrap();

    // Ours: download (bytes checked against the source).
    let t = Instant::now();
    let r = remote
        .open_read(&RelPath::new("ours.bin").unwrap())
        .await
        .unwrap();
    let ok = stream::iter(offsets)
        .map(|off| {
            let (r, data) = (r.clone(), data.clone());
            async move {
                let b = r.read_at(off as u64, MAX_CHUNK).await?;
                Ok::<bool, anemone_sync::replica::ReplicaError>(b[..] == data[off..off + b.len()])
            }
        })
        .buffer_unordered(in_flight)
        .try_collect::<Vec<bool>>()
        .await
        .unwrap();
    r.close().await.unwrap();
    let ours_down = t.elapsed();
    assert!(ok.iter().all(|b| *b), "downloaded bytes differ");

    // smbclient download.
    let dst = local.path().join("dst.bin");
    let theirs_down = smbclient(&srv, &format!("get bench-0/theirs.bin {}", dst.display()));
    assert_eq!(std::fs::metadata(&dst).unwrap().len(), size as u64);

    println!();
    println!("{mib} MiB over loopback, ours = SmbReplica with {in_flight} x 1 MiB in flight");
    println!("| operation | ours MiB/s | smbclient MiB/s | ours/smbclient |");
    println!("|---|---|---|---|");
    for (op, ok, a, b) in [
        ("upload", up_result.is_ok(), ours_up, theirs_up),
        ("download", true, ours_down, theirs_down),
    ] {
        let (a, b) = (mib_s(size, a), mib_s(size, b));
        if ok {
            println!("| {op} | {a:.0} | {b:.0} | {:.2} |", a / b);
        } else {
            println!("| {op} | FAILED (Timeout, see stderr) | {b:.0} | - |");
        }
    }

    // Connect and list 10,000 files: our transport vs the crate's.
    let (many_dir, many_url) = srv.folder("many");
    for d in 0..10 {
        let sub = many_dir.join(format!("d{d}"));
        std::fs::create_dir(&sub).unwrap();
        for i in 0..1000 {
            std::fs::write(sub.join(format!("f{i:04}")), b"x").unwrap();
        }
    }
    println!();
    println!("| transport | connect ms (median of 5) | list 10,000 files ms |");
    println!("|---|---|---|");
    for nodelay in [true, false] {
        let opts = SmbOptions {
            tcp_nodelay: nodelay,
            ..SmbOptions::default()
        };
        let mut connects = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let r = SmbReplica::connect(&many_url, srv.password(), opts.clone())
                .await
                .unwrap();
            connects.push(t.elapsed());
            drop(r);
        }
        connects.sort();
        let r = SmbReplica::connect(&many_url, srv.password(), opts)
            .await
            .unwrap();
        let t = Instant::now();
        let n = r.list("").await.unwrap().entries.len();
        let list = t.elapsed();
        assert_eq!(n, 10_010);
        println!(
            "| {} | {:.1} | {:.0} |",
            if nodelay {
                "ours (TCP_NODELAY, one write per message)"
            } else {
                "crate's TcpTransport as published"
            },
            connects[2].as_secs_f64() * 1000.0,
            list.as_secs_f64() * 1000.0
        );
    }
    srv.stop();
}
