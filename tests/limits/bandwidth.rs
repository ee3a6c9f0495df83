//! Bandwidth limits slow transfers to them. The elapsed time is only checked as a lower bound
//! (a limited run cannot be faster than its limit allows): the figures of throughput against
//! the limit are in `benches/limits_bench.rs`.

use std::fs;
use std::time::{Duration, Instant};

use anemone_sync::engine::Engine;
use anemone_sync::job_spec::JobSpec;
use anemone_sync::limits::Limits;
use anemone_sync::sync::SyncOptions;

use crate::support::sync::{assert_trees_equal, Fixture};

/// Bytes no two runs write alike, so a copy that drops or repeats a chunk is seen.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[0] ^ seed)
        .collect()
}

async fn dir_job(tmp: &std::path::Path, name: &str) -> (Engine, anemone_sync::db::jobs::Job) {
    let (local, remote) = (tmp.join("local"), tmp.join("remote"));
    fs::create_dir_all(&local).unwrap();
    fs::create_dir_all(&remote).unwrap();
    let engine = Engine::open(&tmp.join("data")).await.unwrap();
    let job = engine
        .add_job(
            JobSpec::new(name, local, &format!("file://{}", remote.display())),
            None,
        )
        .await
        .unwrap();
    (engine, job)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_global_upload_limit_slows_a_large_file_to_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (engine, job) = dir_job(tmp.path(), "limited").await;
    let data = pattern(3_000_000, 1);
    fs::write(job.local_path.join("big.bin"), &data).unwrap();
    engine
        .set_global_limits(Limits {
            up: Some(1_000_000),
            down: None,
        })
        .await
        .unwrap();
    let t = Instant::now();
    let report = engine.sync_job(&job, SyncOptions::default()).await;
    let elapsed = t.elapsed();
    assert_eq!(report.counts.uploaded, 1, "{:?}", report.errors);
    let remote = tmp.path().join("remote");
    assert_eq!(fs::read(remote.join("big.bin")).unwrap(), data);
    // 3 MB at 1 MB/s, a quarter second of burst: at least 2.75 s.
    assert!(elapsed >= Duration::from_secs(2), "took {elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_download_limit_covers_many_small_files_together() {
    let tmp = tempfile::tempdir().unwrap();
    let (engine, job) = dir_job(tmp.path(), "small").await;
    let remote = tmp.path().join("remote");
    for i in 0..30u8 {
        fs::write(remote.join(format!("f{i}.bin")), pattern(100_000, i)).unwrap();
    }
    engine
        .set_job_limits(
            job.id,
            Limits {
                up: None,
                down: Some(1_000_000),
            },
        )
        .await
        .unwrap();
    let t = Instant::now();
    let report = engine.sync_job(&job, SyncOptions::default()).await;
    let elapsed = t.elapsed();
    assert_eq!(report.counts.downloaded, 30, "{:?}", report.errors);
    assert_trees_equal(&job.local_path, &remote);
    // 4 files in parallel draw from one bucket: 3 MB at 1 MB/s in all.
    assert!(elapsed >= Duration::from_secs(2), "took {elapsed:?}");

    // Without the limit the same bytes are not held back (the bucket is per job: another job
    // is not slowed by this one's limit).
    let other_tmp = tempfile::tempdir().unwrap();
    let (engine2, job2) = dir_job(other_tmp.path(), "free").await;
    for i in 0..30u8 {
        fs::write(
            other_tmp.path().join("remote").join(format!("f{i}.bin")),
            pattern(100_000, i),
        )
        .unwrap();
    }
    let t = Instant::now();
    let report = engine2.sync_job(&job2, SyncOptions::default()).await;
    assert_eq!(report.counts.downloaded, 30);
    assert!(t.elapsed() < elapsed, "{:?} vs {elapsed:?}", t.elapsed());
}

/// The same limit against the real Samba server, through the CLI (`job add --up-limit`).
#[test]
fn an_upload_limit_holds_against_samba() {
    let f = Fixture::new("limit-up", &["--up-limit", "1MB"]);
    let data = pattern(3_000_000, 7);
    fs::write(f.l("big.bin"), &data).unwrap();
    let t = Instant::now();
    let out = f.sync();
    let elapsed = t.elapsed();
    assert_eq!(out.count("uploaded"), 1);
    assert_eq!(fs::read(f.r("big.bin")).unwrap(), data);
    assert!(elapsed >= Duration::from_secs(2), "took {elapsed:?}");
    f.assert_in_sync();
}

#[test]
fn bad_limits_are_refused_with_a_sentence() {
    let f = Fixture::new("limit-bad", &[]);
    let out = f.run(&["job", "edit", "job", "--up-limit", "fast"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("is not a rate"), "{}", out.stderr);
    let out = f.run(&["config", "set", "down-limit", "16Mbit"]);
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("in bits"), "{}", out.stderr);
    // A good one is stored and shown.
    let out = f.run(&["config", "set", "down-limit", "2MB/s"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = f.run(&["config", "show", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["down_limit"], 2_000_000);
    assert_eq!(v["up_limit"], serde_json::Value::Null);
}
