//! Bandwidth limits: the throughput a run reaches under each limit, beside the limit. Engine
//! only, a plain-folder remote (the limit, not the network, is what is measured); one large
//! file (pipelined chunks) and many small files (4 transfers at once drawing from one bucket),
//! each sized to take about 4 s at the limit. Prints a table; asserts nothing.
//!
//! Run: `cargo bench --bench limits_bench`.

use std::fs;
use std::time::Instant;

use anemone_sync::engine::Engine;
use anemone_sync::job_spec::JobSpec;
use anemone_sync::limits::{format_rate, Limits};
use anemone_sync::sync::SyncOptions;

const SECONDS_AT_LIMIT: u64 = 4;

#[derive(Clone, Copy)]
enum Shape {
    OneLarge,
    SmallFiles,
}

/// Uploads `total` bytes of `shape` under an upload limit of `limit`; throughput in bytes/s.
async fn run(limit: Option<u64>, shape: Shape, total: u64) -> f64 {
    let tmp = tempfile::tempdir().unwrap();
    let (local, remote) = (tmp.path().join("l"), tmp.path().join("r"));
    fs::create_dir_all(&local).unwrap();
    fs::create_dir_all(&remote).unwrap();
    match shape {
        Shape::OneLarge => fs::write(local.join("big.bin"), vec![7u8; total as usize]).unwrap(),
        Shape::SmallFiles => {
            let each = 100_000u64;
            for i in 0..total / each {
                fs::write(
                    local.join(format!("f{i}.bin")),
                    vec![i as u8; each as usize],
                )
                .unwrap();
            }
        }
    }
    let engine = Engine::open(&tmp.path().join("data")).await.unwrap();
    let job = engine
        .add_job(
            JobSpec::new("bench", local, &format!("file://{}", remote.display())),
            None,
        )
        .await
        .unwrap();
    engine
        .set_job_limits(
            job.id,
            Limits {
                up: limit,
                down: None,
            },
        )
        .await
        .unwrap();
    let t = Instant::now();
    let report = engine.sync_job(&job, SyncOptions::default()).await;
    let secs = t.elapsed().as_secs_f64();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    total as f64 / secs
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!("| limit | shape | bytes | throughput | of the limit |");
    println!("|---|---|---|---|---|");
    for limit in [500_000u64, 1_000_000, 2_000_000, 5_000_000, 20_000_000] {
        for (shape, name) in [
            (Shape::OneLarge, "one large file"),
            (Shape::SmallFiles, "100 kB files"),
        ] {
            let total = limit * SECONDS_AT_LIMIT;
            let got = rt.block_on(run(Some(limit), shape, total));
            println!(
                "| {} | {name} | {} MB | {} | {:.1} % |",
                format_rate(Some(limit)),
                total / 1_000_000,
                format_rate(Some(got as u64)),
                100.0 * got / limit as f64
            );
        }
    }
    let total = 80_000_000;
    let got = rt.block_on(run(None, Shape::OneLarge, total));
    println!(
        "| no limit | one large file | {} MB | {} | - |",
        total / 1_000_000,
        format_rate(Some(got as u64))
    );
}
