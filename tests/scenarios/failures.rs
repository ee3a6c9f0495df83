//! Bad input and failures: a wrong password, a missing share, an unreachable or killed server, a full disk. Nothing is lost and the exit code says what happened.

use std::fs;

use crate::support::samba::SambaServer;
use crate::support::sync::*;

#[test]
fn wrong_password_exits_3_without_showing_it() {
    let f = Fixture::new("wrong_password", &[]);
    write(&f.l("a.txt"), "kept");
    // The password is changed for the job's account (as after a change on the server).
    let add = f.run_with_stdin(
        &["job", "set-password", "job", "--password-stdin"],
        "not-the-password-XYZ\n",
    );
    assert_eq!(add.code, 0, "{}", add.stderr);
    let out = f.sync_expect(3, &[]);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        !all.contains("not-the-password-XYZ"),
        "password leaked: {all}"
    );
    assert!(
        all.to_lowercase().contains("password"),
        "message should say what to check: {all}"
    );
    assert_eq!(read(&f.l("a.txt")), "kept");
    // The words of issue 16: one sentence, no protocol trace; the technical detail only with
    // --verbose (and in the JSON report's `detail`).
    let plain = f.run(&["sync", "job"]);
    assert_eq!(plain.code, 3);
    assert!(
        plain.stderr.contains(
            "The server 127.0.0.1 did not accept the user name or password. Check them and try again."
        ),
        "{}",
        plain.stderr
    );
    assert!(!plain.stderr.contains("0xc0"), "{}", plain.stderr);
    assert!(
        !plain.stderr.contains("Unexpected message status"),
        "{}",
        plain.stderr
    );
    let verbose = f.run(&["sync", "job", "--verbose"]);
    assert!(verbose.stderr.contains("detail:"), "{}", verbose.stderr);
    assert!(!verbose.stderr.contains("not-the-password-XYZ"));
    assert!(out.report()["detail"].as_str().is_some(), "{}", out.stdout);
    for entry in walk_files(&f.data) {
        let bytes = fs::read(&entry).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("not-the-password-XYZ"),
            "password in clear in {}",
            entry.display()
        );
    }
}

fn walk_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap().flatten() {
        if e.file_type().unwrap().is_dir() {
            out.extend(walk_files(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn missing_share_and_unreachable_host_exit_3() {
    let f = Fixture::new("missing_share", &[]);
    let smb = SambaServer::shared();
    let bad_share = format!(
        "smb://{}@127.0.0.1:{}/no-such-share",
        smb.user(),
        smb.port()
    );
    // Each job on a folder of its own (two jobs on one folder are refused).
    let other_local = |n: &str| {
        let p = f.local.parent().unwrap().join(n);
        fs::create_dir_all(&p).unwrap();
        p.to_str().unwrap().to_string()
    };
    let add = f.run_with_stdin(
        &[
            "job",
            "add",
            "s",
            "--local",
            &other_local("s"),
            "--remote",
            &bad_share,
            "--password-stdin",
        ],
        &format!("{}\n", smb.password()),
    );
    assert_eq!(add.code, 0);
    let out = f.run(&["sync", "s", "--json"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.report()["message"]
            .as_str()
            .unwrap()
            .contains("no-such-share"),
        "{}",
        out.stdout
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = format!("smb://u@127.0.0.1:{port}/share");
    assert_eq!(
        f.run(&[
            "job",
            "add",
            "d",
            "--local",
            &other_local("d"),
            "--remote",
            &dead
        ])
        .code,
        0
    );
    let out = f.run(&["sync", "d", "--json"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
}

#[test]
fn bad_input_is_refused_with_exit_2() {
    let f = Fixture::new("bad_input", &[]);
    let file = f.l("not-a-folder");
    write(&file, "x");
    let out = f.run(&[
        "job",
        "add",
        "x",
        "--local",
        file.to_str().unwrap(),
        "--remote",
        "file:///tmp",
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("not a folder"), "{}", out.stderr);
    let out = f.run(&[
        "job",
        "add",
        "y",
        "--local",
        "/tmp",
        "--remote",
        "http://nas/share",
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("smb://"), "{}", out.stderr);
    let out = f.run(&["sync", "no-such-job"]);
    assert_eq!(out.code, 2);
}

#[test]
fn server_down_at_start_exits_3_and_loses_nothing() {
    let smb = SambaServer::start();
    let f = Fixture::on(&smb, "server_down", &[]);
    write(&f.l("a.txt"), "precious");
    f.sync();
    write(&f.l("a.txt"), "precious v2");
    smb.stop();
    let out = f.sync_expect(3, &[]);
    assert_eq!(out.report()["status"], "failed");
    assert_eq!(read(&f.l("a.txt")), "precious v2");
    smb.start_again();
    f.sync();
    assert_eq!(read(&f.r("a.txt")), "precious v2");
    f.assert_in_sync();
}

#[test]
fn smbd_killed_during_a_large_upload_then_next_sync_completes() {
    let smb = SambaServer::start();
    let f = Fixture::on(&smb, "killed_upload", &[]);
    let big: Vec<u8> = (0..64u32 * 1024 * 1024)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    write(&f.l("big.bin"), &big);
    write(&f.l("small.txt"), "small");
    let mut cmd = std::process::Command::new(BIN);
    cmd.arg("--data-dir")
        .arg(&f.data)
        .args(["sync", "job", "--json"]);
    for (k, v) in &f.env {
        cmd.env(k, v);
    }
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Kill the server once the upload is under way (the temp file exists and is growing).
    let temp_size = || {
        names_containing(&f.remote, ".anemone-uploading")
            .iter()
            .filter(|n| n.starts_with("big.bin."))
            .filter_map(|n| fs::metadata(f.r(n)).ok())
            .map(|m| m.len())
            .max()
            .unwrap_or(0)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while temp_size() < 4 * 1024 * 1024 {
        assert!(std::time::Instant::now() < deadline, "upload never started");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    smb.kill();
    let out = child.wait_with_output().unwrap();
    let code = out.status.code().unwrap();
    assert_ne!(
        code,
        0,
        "a run that lost its server cannot succeed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    // No partial file under the real name.
    if f.r("big.bin").exists() {
        assert_eq!(
            fs::read(f.r("big.bin")).unwrap(),
            big,
            "partial file at the final name"
        );
    }
    smb.start_again();
    let out = f.sync();
    assert!(out.count("uploaded") >= 1);
    assert_eq!(fs::read(f.r("big.bin")).unwrap(), big);
    f.assert_in_sync();
    f.assert_idle_sync();
}

/// A small tmpfs as the local folder (needs root, as the Samba harness does).
struct TinyDisk {
    path: std::path::PathBuf,
}

impl TinyDisk {
    fn mount(path: &std::path::Path, size: &str) -> TinyDisk {
        fs::create_dir_all(path).unwrap();
        let st = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .status()
            .expect("run mount");
        assert!(st.success(), "mounting a tmpfs needs root");
        TinyDisk {
            path: path.to_path_buf(),
        }
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.path)
            .status();
    }
}

#[test]
fn full_local_disk_is_reported_and_loses_nothing() {
    let f = Fixture::new("full_disk", &[]);
    let _disk = TinyDisk::mount(&f.local, "2m");
    write(&f.l("mine.txt"), "local file");
    write(&f.r("small.txt"), "fits");
    f.sync();
    let big: Vec<u8> = (0..3 * 1024 * 1024).map(|i| (i % 253) as u8).collect();
    write(&f.r("big.bin"), &big);
    write(&f.l("mine.txt"), "edited while the disk is full");
    let out = f.sync_expect(1, &[]);
    let report = out.report();
    assert_eq!(report["status"], "partial");
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["path"], "big.bin");
    let msg = errors[0]["message"].as_str().unwrap();
    assert!(msg.to_lowercase().contains("free some space"), "{msg}");
    // The rest went through, nothing was lost, and no partial temp holds the space.
    assert_eq!(read(&f.r("mine.txt")), "edited while the disk is full");
    assert_eq!(fs::read(f.r("big.bin")).unwrap(), big);
    assert!(!f.l("big.bin").exists());
    assert!(names_containing(&f.local, "anemone").is_empty());
}

/// A state database that cannot be read is a local failure (exit 4), not a usage error (2),
/// and says it is the database. Regression (issue 13): it exited 2.
#[test]
fn a_damaged_database_exits_4_and_names_the_database() {
    let f = Fixture::new("damaged_db", &[]);
    write(&f.l("a.txt"), "kept");
    f.sync();
    for side in ["anemone.db-wal", "anemone.db-shm"] {
        let _ = fs::remove_file(f.data.join(side));
    }
    fs::write(f.data.join("anemone.db"), vec![0x5a; 8192]).unwrap();
    let out = f.run(&["status"]);
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert!(out.stderr.contains("database"), "{}", out.stderr);
    assert_eq!(read(&f.l("a.txt")), "kept");
}
