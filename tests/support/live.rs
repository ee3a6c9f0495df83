//! Live-sync helpers: `anemone-sync watch` as a child process of a [`Fixture`], waiting for
//! conditions with deadlines (a hang fails the test, it never freezes CI), and changes made on
//! the share through smbclient (so Samba emits change notifications as for any client).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::samba::SambaServer;
use super::sync::{Fixture, BIN};

/// A running `anemone-sync watch`; its output lines are collected. Stopped (SIGTERM) on drop.
pub struct Watch {
    child: Option<Child>,
    pub lines: Arc<Mutex<Vec<String>>>,
}

impl Watch {
    pub fn start(f: &Fixture, extra: &[&str]) -> Watch {
        Self::start_env(f, extra, &[])
    }

    pub fn start_env(f: &Fixture, extra: &[&str], env: &[(&str, &str)]) -> Watch {
        let mut cmd = Command::new(BIN);
        cmd.arg("--data-dir").arg(&f.data).arg("watch").args(extra);
        for (k, v) in &f.env {
            cmd.env(k, v);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.env_remove("ANEMONE_SYNC_HOME");
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn anemone-sync watch");
        let lines = Arc::new(Mutex::new(Vec::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    lines.lock().unwrap().push(line);
                }
            });
        }
        Watch {
            child: Some(child),
            lines,
        }
    }

    pub fn output(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    pub fn pid(&self) -> i32 {
        self.child.as_ref().unwrap().id() as i32
    }

    /// SIGTERM, then the exit code (within `within`).
    pub fn terminate(&mut self, within: Duration) -> i32 {
        let mut child = self.child.take().expect("running");
        unsafe {
            libc::kill(child.id() as i32, libc::SIGTERM);
        }
        let deadline = Instant::now() + within;
        loop {
            if let Some(st) = child.try_wait().unwrap() {
                return st.code().unwrap_or(-1);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "watch did not exit within {within:?} of SIGTERM\n{}",
                    self.output()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            unsafe {
                libc::kill(c.id() as i32, libc::SIGTERM);
            }
            let deadline = Instant::now() + Duration::from_secs(20);
            while c.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Waits until `cond` holds; panics with `what` (and the watch output) after `limit`.
/// Returns how long it took.
pub fn wait_for(
    limit: Duration,
    what: &str,
    w: &Watch,
    mut cond: impl FnMut() -> bool,
) -> Duration {
    let start = Instant::now();
    loop {
        if cond() {
            return start.elapsed();
        }
        if start.elapsed() > limit {
            panic!(
                "not within {limit:?}: {what}\nwatch output:\n{}",
                w.output()
            );
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Whether `path` exists with exactly `content`.
pub fn holds(path: &Path, content: &[u8]) -> bool {
    std::fs::read(path).is_ok_and(|c| c == content)
}

/// The job's live state as `status --json` reports it (None when no service runs it).
pub fn live_state(f: &Fixture) -> Option<String> {
    let out = f.run(&["status", "--json"]);
    let v: Value = serde_json::from_str(&out.stdout).ok()?;
    v["jobs"][0]["state"].as_str().map(str::to_string)
}

/// `history --json` of the job.
pub fn history(f: &Fixture) -> Vec<Value> {
    let out = f.run(&["history", "--json"]);
    serde_json::from_str::<Vec<Value>>(&out.stdout)
        .unwrap_or_else(|e| panic!("history --json: {e}\n{}", out.stdout))
}

/// Sum of one count over the job's history.
pub fn total(f: &Fixture, field: &str) -> u64 {
    history(f)
        .iter()
        .map(|r| r[field].as_u64().unwrap_or(0))
        .sum()
}

/// Runs smbclient commands in the fixture's folder on the share.
pub fn smbclient(smb: &SambaServer, f: &Fixture, commands: &str) {
    let folder = f.remote.file_name().unwrap().to_string_lossy().into_owned();
    let out = Command::new("smbclient")
        .arg(format!("//127.0.0.1/{}", smb.share_name()))
        .args(["-p", &smb.port().to_string()])
        .args(["-U", &format!("{}%{}", smb.user(), smb.password())])
        .args(["-D", &folder])
        .args(["-c", commands])
        .output()
        .expect("run smbclient");
    assert!(
        out.status.success(),
        "smbclient {commands}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every size a file shows while something else happens: looked at every 20 ms on a thread of
/// its own until [`SizesSeen::stop`] (a file under its real name must only ever be whole).
pub struct SizesSeen {
    sizes: Arc<Mutex<std::collections::BTreeSet<u64>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    looker: std::thread::JoinHandle<()>,
}

impl SizesSeen {
    pub fn start(path: &Path) -> SizesSeen {
        use std::sync::atomic::{AtomicBool, Ordering};
        let sizes = Arc::new(Mutex::new(std::collections::BTreeSet::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let looker = {
            let (sizes, stop, path) = (sizes.clone(), stop.clone(), path.to_path_buf());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if let Ok(m) = std::fs::metadata(&path) {
                        sizes.lock().unwrap().insert(m.len());
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
        };
        SizesSeen {
            sizes,
            stop,
            looker,
        }
    }

    /// The distinct sizes seen, smallest first.
    pub fn stop(self) -> Vec<u64> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.looker.join().unwrap();
        let sizes = self.sizes.lock().unwrap();
        sizes.iter().copied().collect()
    }
}

/// Writes `data` to a new file at `path` in pieces of `piece` bytes, `pause` after each, the file
/// kept open until the end (a slow writer: a download, a recording).
pub fn write_slowly(path: &Path, data: &[u8], piece: usize, pause: Duration) {
    use std::io::Write;
    let mut file = std::fs::File::create(path).unwrap();
    for p in data.chunks(piece) {
        file.write_all(p).unwrap();
        file.flush().unwrap();
        std::thread::sleep(pause);
    }
}
