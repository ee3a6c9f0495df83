//! The engine against one loopback Samba, next to smbclient: a big file (1 GiB) up and down,
//! first sync of 10,000 files of 1-8 KiB in 100 folders, the no-op sync right after, a synced
//! folder of 200 MiB (400 files) renamed here and then on the share (bytes the next sync sends
//! or receives, and its time, beside smbclient's own rename), and the peak RSS of each
//! `anemone-sync` run. Prints a table; asserts nothing about speed. Then a second table: a slow
//! link (200 ms added each way by a delay proxy, `slow_link`), ours beside smbclient and rclone
//! through the same proxy.
//!
//! The big file goes each way four times, ours and smbclient's in turn (ours, smbclient, ours,
//! smbclient), and each client's best run counts: this shared VM's speed drifts by half within
//! minutes, and taking turns gives both the same drift (see `big_file`). Every run is printed
//! in brackets, so a drift shows.
//!
//! Beside each client's CPU time it prints the CPU time smbd spent serving it: on a 2-core
//! machine client and server share the cores, so a run's wall time is bounded below by
//! (client CPU + smbd CPU) / cores. A last row runs four smbclient `mput`s at once, each on a
//! quarter of the small tree: the fewest requests any client can make for those files, spread
//! over cores, which shows the floor this machine's smbd sets for the 10,000-file sync.
//!
//! Run: `scripts/bench` (or `cargo bench --bench sync_bench`). `BENCH_BIG_MIB` (default 1024)
//! sets the big file's size; `BENCH_ONLY=big|small|rename|slow` runs only that part. `BENCH_ENCRYPTION=required`
//! measures everything encrypted: our jobs with `--encryption required` and smbclient with
//! `--client-protection=encrypt` (compare with a run without it for the cost of encryption).

mod slow_link;
#[path = "../tests/support/mod.rs"]
mod support;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::samba::SambaServer;

const BIN: &str = env!("CARGO_BIN_EXE_anemone-sync");

struct Run {
    secs: f64,
    /// User + system CPU seconds of the process (steadier than wall time on a busy machine).
    cpu: f64,
    max_rss_kib: i64,
}

fn cpu_secs(u: &libc::rusage) -> f64 {
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(u.ru_utime) + tv(u.ru_stime)
}

/// CPU seconds used so far by all waited-for children.
fn children_cpu() -> f64 {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct we own.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) };
    cpu_secs(&u)
}

/// Runs the CLI and returns its wall time and peak RSS (from wait4).
fn cli(data: &Path, args: &[&str], stdin: &str) -> Run {
    let t = Instant::now();
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("ANEMONE_SYNC_CREDENTIAL_STORE", "file")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn anemone-sync");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
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
        cpu: cpu_secs(&usage),
        max_rss_kib: usage.ru_maxrss,
    }
}

/// Whether this run measures encrypted connections (`BENCH_ENCRYPTION=required`).
fn encrypted() -> bool {
    std::env::var("BENCH_ENCRYPTION").as_deref() == Ok("required")
}

/// smbclient on the test share, in folder `dir`, running `cmd`.
fn smbclient_command(srv: &SambaServer, dir: &str, cmd: &str) -> Command {
    smbclient_command_at(srv, srv.port(), dir, cmd)
}

/// [`smbclient_command`] through `port` (the slow link's proxy, say).
fn smbclient_command_at(srv: &SambaServer, port: u16, dir: &str, cmd: &str) -> Command {
    let mut c = Command::new("smbclient");
    if encrypted() {
        c.arg("--client-protection=encrypt");
    }
    c.args(["-p", &port.to_string()])
        .arg(format!("//127.0.0.1/{}", srv.share_name()))
        .arg("-U")
        .arg(format!("{}%{}", srv.user(), srv.password()))
        .args(["-D", dir, "-c", cmd]);
    c
}

fn smbclient(srv: &SambaServer, dir: &str, cmd: &str) -> Run {
    smbclient_at(srv, srv.port(), dir, cmd)
}

/// [`smbclient`] through `port`.
fn smbclient_at(srv: &SambaServer, port: u16, dir: &str, cmd: &str) -> Run {
    let t = Instant::now();
    let cpu0 = children_cpu();
    let out = smbclient_command_at(srv, port, dir, cmd)
        .output()
        .expect("run smbclient");
    assert!(
        out.status.success(),
        "smbclient {cmd}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Run {
        secs: t.elapsed().as_secs_f64(),
        cpu: children_cpu() - cpu0,
        max_rss_kib: 0,
    }
}

/// CPU seconds smbd has used so far: each of its processes' own time plus that of the
/// per-connection processes it has reaped. Read after a short pause, so that the connection
/// process of a client that just finished has exited and been reaped.
fn smbd_cpu(srv: &SambaServer) -> f64 {
    std::thread::sleep(Duration::from_millis(300));
    // SAFETY: sysconf has no preconditions.
    let tick = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let ticks: f64 = srv
        .pids()
        .iter()
        .filter_map(|p| fs::read_to_string(format!("/proc/{p}/stat")).ok())
        .map(|stat| {
            // Fields after the command name (which may hold spaces) start at field 3, the
            // state; utime, stime, cutime and cstime are fields 14-17.
            let rest = &stat[stat.rfind(')').map_or(0, |i| i + 1)..];
            let fields: Vec<&str> = rest.split_whitespace().collect();
            (11..=14)
                .filter_map(|i| fields.get(i)?.parse::<f64>().ok())
                .sum::<f64>()
        })
        .sum();
    ticks / tick
}

/// Runs `f` and returns its result with the smbd CPU seconds it cost.
fn with_smbd_cpu<T>(srv: &SambaServer, f: impl FnOnce() -> T) -> (T, f64) {
    let before = smbd_cpu(srv);
    let out = f();
    (out, smbd_cpu(srv) - before)
}

/// Four smbclient processes at once, each `mput`ting a quarter of the small tree's folders.
fn smbclient_parallel(srv: &SambaServer, dir: &str, local: &Path) -> Run {
    let mut folders: Vec<String> = fs::read_dir(local)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let per = folders.len().div_ceil(4);
    let t = Instant::now();
    let cpu0 = children_cpu();
    let children: Vec<_> = folders
        .chunks(per)
        .map(|part| {
            let cmd = format!(
                "lcd {}; prompt OFF; recurse ON; mput {}",
                local.display(),
                part.join(" ")
            );
            smbclient_command(srv, dir, &cmd)
                // It reports every file on stderr; the exit status and the file count afterwards
                // tell whether it worked.
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("run smbclient")
        })
        .collect();
    for mut c in children {
        assert!(
            c.wait().unwrap().success(),
            "parallel smbclient mput failed"
        );
    }
    Run {
        secs: t.elapsed().as_secs_f64(),
        cpu: children_cpu() - cpu0,
        max_rss_kib: 0,
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

fn write_big(path: &Path, mib: usize) {
    let mut f = std::io::BufWriter::new(fs::File::create(path).unwrap());
    let mut block = vec![0u8; 1024 * 1024];
    let mut x: u64 = 0x9E3779B97F4A7C15;
    for _ in 0..mib {
        for b in block.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        f.write_all(&block).unwrap();
    }
}

fn small_tree(root: &Path) {
    let mut x: u64 = 42;
    for d in 0..100 {
        let dir = root.join(format!("dir{d:03}"));
        fs::create_dir_all(&dir).unwrap();
        for i in 0..100 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let size = 1024 + (x >> 33) as usize % (7 * 1024);
            fs::write(
                dir.join(format!("f{i:03}.txt")),
                vec![b'a' + (i % 26) as u8; size],
            )
            .unwrap();
        }
    }
}

/// One line of the table: a measure, ours and smbclient's.
struct Row {
    measure: &'static str,
    ours: String,
    theirs: String,
    ratio: String,
    /// Client CPU seconds: ours, smbclient's.
    cpu: (f64, f64),
    /// smbd CPU seconds serving ours, serving smbclient.
    smbd: (f64, f64),
}

/// Rounds of each big-file measurement: the best of two (see [`big_file`]).
const BIG_ROUNDS: usize = 2;

/// One measured transfer: the client's run and the smbd CPU seconds it cost.
struct Measured {
    run: Run,
    smbd: f64,
}

/// Writes dirty pages out, so that no run pays for the previous one's writeback.
fn settle() {
    let _ = Command::new("sync").status();
}

fn assert_size(path: &Path, bytes: u64) {
    let got = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    assert_eq!(got, bytes, "{} holds the whole file", path.display());
}

/// The big file's row for one direction: the best of our runs next to the best of smbclient's,
/// with every run's speed in brackets (in the order they ran).
fn best_row(measure: &'static str, mib: f64, ours: &[Measured], theirs: &[Measured]) -> Row {
    let best = |v: &[Measured]| -> usize {
        (0..v.len())
            .min_by(|&a, &b| v[a].run.secs.total_cmp(&v[b].run.secs))
            .expect("at least one run")
    };
    let speeds = |v: &[Measured]| -> String {
        v.iter()
            .map(|m| format!("{:.0}", mib / m.run.secs))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (o, t) = (&ours[best(ours)], &theirs[best(theirs)]);
    Row {
        measure,
        ours: format!("{:.0} ({})", mib / o.run.secs, speeds(ours)),
        theirs: format!("{:.0} ({})", mib / t.run.secs, speeds(theirs)),
        ratio: format!("{:.2}", t.run.secs / o.run.secs),
        cpu: (o.run.cpu, t.run.cpu),
        smbd: (o.smbd, t.smbd),
    }
}

/// The big file up and down, ours and smbclient's runs alternating (ours, smbclient, ours,
/// smbclient, each way), best of [`BIG_ROUNDS`]: this VM's speed drifts within minutes, and
/// taking turns gives both clients the same drift. Every run starts alike: ours is a new job's
/// first sync (the upload hashes the file as it sends it; the download writes it durably, as
/// every sync does), its target holds no copy yet, and the copy the run before made is deleted
/// just before it (then dirty pages are written out). That last point matters here: on this VM
/// a page the kernel has not used for a few seconds goes back to the host, and filling fresh
/// ones cost smbd 4 CPU-s per GiB where pages freed a moment ago cost 0.4; a run that followed
/// a deletion and one that did not differed sixfold, whoever the client. So an unmeasured put
/// comes first, for the first measured run to follow a deletion too. One copy at a time is kept
/// (the disk may be small). Returns the two rows and our peak RSS.
fn big_file(
    srv: &SambaServer,
    tmp: &Path,
    big_mib: usize,
    add_job: &dyn Fn(&Path, &str, &Path, &str),
) -> (Vec<Row>, i64) {
    let bytes = big_mib as u64 * 1024 * 1024;
    let mib = big_mib as f64;
    let mut peak = 0i64;
    let src = tmp.join("big-src");
    fs::create_dir_all(&src).unwrap();
    write_big(&src.join("big.bin"), big_mib);
    let folder_name = |dir: &Path| dir.file_name().unwrap().to_string_lossy().into_owned();
    let put = |dir: &Path| {
        smbclient(
            srv,
            &folder_name(dir),
            &format!("lcd {}; put big.bin", src.display()),
        )
    };
    // smbclient's uploads go here; its last is what the downloads read.
    let (source, url) = srv.folder("big-down");
    settle();
    put(&source);
    let mut last = source.join("big.bin");

    let (mut up_ours, mut up_theirs) = (Vec::new(), Vec::new());
    for round in 0..BIG_ROUNDS {
        let (remote, url) = srv.folder("big-up");
        let data = tmp.join(format!("data-big-up-{round}"));
        add_job(&data, "big", &src, &url.to_string());
        fs::remove_file(&last).unwrap();
        settle();
        let (run, smbd) = with_smbd_cpu(srv, || cli(&data, &["sync", "big"], ""));
        last = remote.join("big.bin");
        assert_size(&last, bytes);
        peak = peak.max(run.max_rss_kib);
        up_ours.push(Measured { run, smbd });

        fs::remove_file(&last).unwrap();
        settle();
        let (run, smbd) = with_smbd_cpu(srv, || put(&source));
        last = source.join("big.bin");
        assert_size(&last, bytes);
        up_theirs.push(Measured { run, smbd });
    }

    // The source goes just before the first download, as a copy does before each later one.
    let mut last = src.join("big.bin");
    let (mut down_ours, mut down_theirs) = (Vec::new(), Vec::new());
    for round in 0..BIG_ROUNDS {
        let local = tmp.join(format!("big-down-{round}"));
        fs::create_dir_all(&local).unwrap();
        let data = tmp.join(format!("data-big-down-{round}"));
        add_job(&data, "big", &local, &url.to_string());
        fs::remove_file(&last).unwrap();
        settle();
        let (run, smbd) = with_smbd_cpu(srv, || cli(&data, &["sync", "big"], ""));
        last = local.join("big.bin");
        assert_size(&last, bytes);
        peak = peak.max(run.max_rss_kib);
        down_ours.push(Measured { run, smbd });

        let local = tmp.join(format!("big-down-client-{round}"));
        fs::create_dir_all(&local).unwrap();
        fs::remove_file(&last).unwrap();
        settle();
        let (run, smbd) = with_smbd_cpu(srv, || {
            smbclient(
                srv,
                &folder_name(&source),
                &format!("lcd {}; get big.bin", local.display()),
            )
        });
        last = local.join("big.bin");
        assert_size(&last, bytes);
        down_theirs.push(Measured { run, smbd });
    }
    fs::remove_file(&last).unwrap();
    drop(fs::remove_dir_all(&source));
    let rows = vec![
        best_row(
            "upload 1 file, best of 2 (MiB/s; each run in brackets)",
            mib,
            &up_ours,
            &up_theirs,
        ),
        best_row(
            "download 1 file, best of 2 (MiB/s; each run in brackets)",
            mib,
            &down_ours,
            &down_theirs,
        ),
    ];
    (rows, peak)
}

fn main() {
    let big_mib: usize = std::env::var("BENCH_BIG_MIB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1024);
    // `big`, `small` or `rename` runs only that part (handy under a profiler).
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let srv = SambaServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let mut rows: Vec<Row> = Vec::new();
    let mut peak = 0i64;
    let pw = format!("{}\n", srv.password());
    let encryption = if encrypted() { "required" } else { "auto" };
    let add_job = |data: &Path, name: &str, local: &Path, url: &str| {
        cli(
            data,
            &[
                "job",
                "add",
                name,
                "--local",
                local.to_str().unwrap(),
                "--remote",
                url,
                "--password-stdin",
                "--encryption",
                encryption,
            ],
            &pw,
        );
    };

    // 1. Big file up and down, ours and smbclient's in turn.
    if only.is_empty() || only == "big" {
        let (big_rows, big_peak) = big_file(&srv, tmp.path(), big_mib, &add_job);
        rows.extend(big_rows);
        peak = peak.max(big_peak);
    }

    // 2. 10,000 small files in 100 folders: first sync, then the no-op sync.
    if only.is_empty() || only == "small" {
        let (_remote_small, url) = srv.folder("small");
        let local = tmp.path().join("small");
        small_tree(&local);
        let data = tmp.path().join("data-small");
        add_job(&data, "small", &local, &url.to_string());
        let _ = Command::new("sync").status();
        let (first, first_smbd) = with_smbd_cpu(&srv, || cli(&data, &["sync", "small"], ""));
        peak = peak.max(first.max_rss_kib);
        let (noop, noop_smbd) = with_smbd_cpu(&srv, || cli(&data, &["sync", "small"], ""));
        peak = peak.max(noop.max_rss_kib);
        let (client_dir, _) = srv.folder("small-client");
        let client_dir = client_dir
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let (cm, cm_smbd) = with_smbd_cpu(&srv, || {
            smbclient(
                &srv,
                &client_dir,
                &format!("lcd {}; prompt OFF; recurse ON; mput *", local.display()),
            )
        });
        let (cl, cl_smbd) = with_smbd_cpu(&srv, || smbclient(&srv, &client_dir, "recurse ON; ls"));
        let (par_dir, _) = srv.folder("small-client-x4");
        let par_name = par_dir.file_name().unwrap().to_string_lossy().into_owned();
        let (cp, cp_smbd) = with_smbd_cpu(&srv, || smbclient_parallel(&srv, &par_name, &local));
        assert_eq!(
            count_files(&par_dir),
            10_000,
            "parallel mput copied every file"
        );
        rows.push(Row {
            measure: "first sync 10,000 files (s)",
            ours: format!("{:.2}", first.secs),
            theirs: format!("{:.2} (mput)", cm.secs),
            ratio: format!("{:.2}", cm.secs / first.secs),
            cpu: (first.cpu, cm.cpu),
            smbd: (first_smbd, cm_smbd),
        });
        rows.push(Row {
            measure: "no-op sync after it (s)",
            ours: format!("{:.2}", noop.secs),
            theirs: format!("{:.2} (recursive ls)", cl.secs),
            ratio: format!("{:.2}", cl.secs / noop.secs),
            cpu: (noop.cpu, cl.cpu),
            smbd: (noop_smbd, cl_smbd),
        });
        rows.push(Row {
            measure: "10,000 files, smbclient x4 at once (s)",
            ours: "-".into(),
            theirs: format!("{:.2} (4 mput)", cp.secs),
            ratio: format!("{:.2}", cp.secs / first.secs),
            cpu: (0.0, cp.cpu),
            smbd: (0.0, cp_smbd),
        });
    }

    // 3. A synced folder of 200 MiB renamed, here then on the share: what the next sync sends.
    if only.is_empty() || only == "rename" {
        rename_rows(&srv, tmp.path(), &add_job, &mut rows);
    }

    // 4. The slow link: 200 ms each way, through a delay proxy (its own table, printed last).
    let slow = only.is_empty() || only == "slow";

    // `BENCH_ONLY=slow` has no row here: only the slow-link table is printed.
    if !rows.is_empty() {
        println!("\n| measure | anemone-sync | smbclient | smbclient time / ours | CPU s ours | CPU s smbclient | smbd CPU s for ours | smbd CPU s for smbclient |");
        println!("|---|---|---|---|---|---|---|---|");
        for r in rows {
            println!(
                "| {} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
                r.measure, r.ours, r.theirs, r.ratio, r.cpu.0, r.cpu.1, r.smbd.0, r.smbd.1
            );
        }
        println!(
            "| peak RSS of a sync (MiB) | {:.0} | - | - | - | - | - | - |",
            peak as f64 / 1024.0
        );
        println!(
            "\nencryption: {} (ours `--encryption {encryption}`{})",
            if encrypted() {
                "every message encrypted"
            } else {
                "as the server asks (signed, not encrypted)"
            },
            if encrypted() {
                ", smbclient `--client-protection=encrypt`"
            } else {
                ""
            }
        );
        println!("big file: {big_mib} MiB, each way ours, smbclient, ours, smbclient; the best run of each counts (all runs in brackets, in order), and its CPU figures are shown. Ours is a new job's first sync: the upload hashes the file as it sends it and makes it durable on the server (flush) before renaming it into place; the download does the same locally; smbclient's put and get do neither. Client CPU is user + system of the client process(es); smbd CPU is what the server's processes used meanwhile. On the x4 row the ratio is the four mputs' time over our first sync's.");
    }
    if slow {
        slow_link::run(&srv, tmp.path(), &add_job);
    }
}

/// `sync NAME --json`: its wall time, the report's `bytes_up`/`bytes_down` and its CPU time.
fn sync_json(data: &Path, name: &str) -> (Run, u64, u64) {
    let t = Instant::now();
    let cpu0 = children_cpu();
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(["sync", name, "--json"])
        .env("ANEMONE_SYNC_CREDENTIAL_STORE", "file")
        .output()
        .expect("run anemone-sync");
    let run = Run {
        secs: t.elapsed().as_secs_f64(),
        cpu: children_cpu() - cpu0,
        max_rss_kib: 0,
    };
    assert!(
        out.status.success(),
        "sync {name}: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON report");
    let n = |k: &str| v[k].as_u64().unwrap_or(0);
    (run, n("bytes_up"), n("bytes_down"))
}

/// 400 files of 512 KiB in 8 folders, synced; the folder renamed locally, synced (bytes sent),
/// then renamed on the share, synced (bytes received). smbclient's column is its own `rename`
/// of the folder on the share: the least any client can do.
fn rename_rows(
    srv: &SambaServer,
    tmp: &Path,
    add_job: &dyn Fn(&Path, &str, &Path, &str),
    rows: &mut Vec<Row>,
) {
    let (remote_dir, url) = srv.folder("rename");
    let dir = remote_dir
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let local = tmp.join("rename");
    for i in 0..400u32 {
        let d = local.join(format!("photos/sub{}", i % 8));
        fs::create_dir_all(&d).unwrap();
        fs::write(
            d.join(format!("p{i:03}.bin")),
            vec![(i % 251) as u8; 512 * 1024],
        )
        .unwrap();
    }
    let data = tmp.join("data-rename");
    add_job(&data, "rename", &local, &url.to_string());
    // Its first sync: what a rename cost when it was a delete and a new upload.
    let first = cli(&data, &["sync", "rename"], "");
    let _ = Command::new("sync").status();
    rows.push(Row {
        measure: "first sync of that folder (a rename's cost before moves), s",
        ours: format!("{:.2}", first.secs),
        theirs: "-".into(),
        ratio: "-".into(),
        cpu: (first.cpu, 0.0),
        smbd: (0.0, 0.0),
    });

    fs::rename(local.join("photos"), local.join("photos 2024")).unwrap();
    let ((here, sent, _), here_smbd) = with_smbd_cpu(srv, || sync_json(&data, "rename"));
    let (theirs, theirs_smbd) = with_smbd_cpu(srv, || {
        smbclient(srv, &dir, "rename \"photos 2024\" archive")
    });
    rows.push(Row {
        measure: "rename folder of 200 MiB here: bytes sent, s",
        ours: format!("{sent} B, {:.2} s", here.secs),
        theirs: format!("{:.2} s (rename)", theirs.secs),
        ratio: format!("{:.2}", theirs.secs / here.secs),
        cpu: (here.cpu, theirs.cpu),
        smbd: (here_smbd, theirs_smbd),
    });
    // smbclient's rename is the move made on the share: the next sync follows it here.
    let ((there, _, received), there_smbd) = with_smbd_cpu(srv, || sync_json(&data, "rename"));
    assert!(
        local.join("archive/sub0/p000.bin").is_file(),
        "the share's rename came here"
    );
    rows.push(Row {
        measure: "rename folder of 200 MiB on the share: bytes received, s",
        ours: format!("{received} B, {:.2} s", there.secs),
        theirs: "-".into(),
        ratio: "-".into(),
        cpu: (there.cpu, 0.0),
        smbd: (there_smbd, 0.0),
    });
    drop(fs::remove_dir_all(&local));
}
