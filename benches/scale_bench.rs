//! A big job on a local remote (`file://`, no server): a tree of 100,000 small files (100 per
//! folder) synced to an empty folder, then the no-op sync right after it. For each run: its
//! time, its peak RSS (from wait4), and each stage's end as the run logs it at debug level
//! (time since the run started, and the peak RSS by then): the remote listed and the local
//! folder scanned (side by side), the base streamed in and merged with both, the plan made, the
//! plan carried out. Prints a table; asserts nothing about speed or memory.
//!
//! Run: `scripts/bench` (or `cargo bench --bench scale_bench`). `BENCH_SCALE=1000000` measures
//! a million files instead (the first sync writes a million files: several minutes).

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const BIN: &str = env!("CARGO_BIN_EXE_anemone-sync");

/// The stages a run logs at debug level, in order, with the column each goes in.
const STAGES: [(&str, &str); 5] = [
    ("remote listed", "remote listed"),
    ("local scanned", "local scanned"),
    ("merged", "base merged"),
    ("reconciled", "planned"),
    ("executed", "executed"),
];

/// One run: wall time, peak RSS, and per stage (ms since the run started, peak KiB by then).
struct Run {
    secs: f64,
    max_rss_kib: i64,
    stages: Vec<Option<(u64, u64)>>,
}

/// `key=<digits>` in a log line.
fn field(line: &str, key: &str) -> Option<u64> {
    let at = line.find(&format!(" {key}="))? + key.len() + 2;
    let digits: String = line[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

fn cli(data: &Path, args: &[&str]) -> Run {
    let t = Instant::now();
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("ANEMONE_SYNC_CREDENTIAL_STORE", "file")
        .env("RUST_LOG", "anemone_sync=debug")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn anemone-sync");
    let mut stages = vec![None; STAGES.len()];
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        for (i, (msg, _)) in STAGES.iter().enumerate() {
            if line.contains(&format!(": {msg} ")) || line.ends_with(&format!(": {msg}")) {
                if let (Some(ms), Some(kib)) = (field(&line, "ms"), field(&line, "peak_kib")) {
                    stages[i] = Some((ms, kib));
                }
            }
        }
    }
    let pid = child.id() as i32;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child with valid pointers.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "anemone-sync {args:?} failed (status {status})"
    );
    std::mem::forget(child);
    Run {
        secs: t.elapsed().as_secs_f64(),
        max_rss_kib: usage.ru_maxrss,
        stages,
    }
}

/// `files` files of a few bytes, 100 per folder, 100 folders per top folder.
fn make_tree(root: &Path, files: usize) {
    for i in 0..files {
        let dir = root.join(format!("d{:03}/s{:03}", i / 10_000, (i / 100) % 100));
        if i % 100 == 0 {
            fs::create_dir_all(&dir).unwrap();
        }
        let mut f = fs::File::create(dir.join(format!("file-{i:07}.txt"))).unwrap();
        writeln!(f, "content {i}").unwrap();
    }
}

fn count_files(dir: &Path) -> usize {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                count_files(&e.path())
            } else {
                1
            }
        })
        .sum()
}

fn main() {
    let files: usize = std::env::var("BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let tmp = tempfile::tempdir().unwrap();
    let (local, remote, data) = (
        tmp.path().join("local"),
        tmp.path().join("remote"),
        tmp.path().join("data"),
    );
    make_tree(&local, files);
    fs::create_dir_all(&remote).unwrap();
    let url = format!("file://{}", remote.display());
    cli(
        &data,
        &[
            "job",
            "add",
            "big",
            "--local",
            local.to_str().unwrap(),
            "--remote",
            &url,
        ],
    );
    let _ = Command::new("sync").status();
    let first = cli(&data, &["sync", "big"]);
    assert_eq!(
        count_files(&remote),
        files,
        "the first sync copied every file"
    );
    let _ = Command::new("sync").status();
    let noop = cli(&data, &["sync", "big"]);

    let mib = |kib: u64| kib as f64 / 1024.0;
    print!("\n| {files} files, file:// remote | time s | peak RSS MiB |");
    for (_, col) in STAGES {
        print!(" {col}: s, peak MiB |");
    }
    println!();
    println!("|---|---|---|{}", "---|".repeat(STAGES.len()));
    for (name, r) in [("first sync", &first), ("no-op sync", &noop)] {
        print!(
            "| {name} | {:.2} | {:.0} |",
            r.secs,
            mib(r.max_rss_kib as u64)
        );
        for s in &r.stages {
            match s {
                Some((ms, kib)) => print!(" {:.2}, {:.0} |", *ms as f64 / 1000.0, mib(*kib)),
                None => print!(" - |"),
            }
        }
        println!();
    }
    println!("\nStage columns: when the stage ended (seconds since the run started) and the run's peak RSS by then. The remote is listed while the local folder is scanned; the synced state is streamed into the merge after both.");
}
