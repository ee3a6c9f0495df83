//! Helpers for scenario tests: a job set up against a folder of the Samba share, driven
//! through the real `anemone-sync` binary, and tree comparisons of the two sides.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use super::samba::SambaServer;

pub const BIN: &str = env!("CARGO_BIN_EXE_anemone-sync");

/// The counts of a `sync --json` report that say a run changed something.
pub const CHANGE_COUNTS: [&str; 7] = [
    "uploaded",
    "downloaded",
    "deleted_local",
    "deleted_remote",
    "moved_local",
    "moved_remote",
    "conflicts",
];

/// A job syncing a fresh local temp folder with a fresh folder of a Samba share.
pub struct Fixture {
    _tmp: tempfile::TempDir,
    pub local: PathBuf,
    pub remote: PathBuf,
    pub data: PathBuf,
    pub url: String,
    pub password: String,
    pub env: Vec<(String, String)>,
}

pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// The `sync --json` report (one job).
    pub fn report(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|e| {
            panic!(
                "not one JSON object ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    pub fn count(&self, field: &str) -> u64 {
        self.report()[field]
            .as_u64()
            .unwrap_or_else(|| panic!("no {field} in {}", self.stdout))
    }
}

impl Fixture {
    /// A job named `job` with the given extra `job add` flags, on the shared server.
    pub fn new(name: &str, extra: &[&str]) -> Fixture {
        Self::on(SambaServer::shared(), name, extra)
    }

    pub fn on(smb: &SambaServer, name: &str, extra: &[&str]) -> Fixture {
        Self::at(smb, smb.folder(name), extra)
    }

    /// A job on a given remote folder (its path on disk and its URL).
    pub fn at(
        smb: &SambaServer,
        (remote, url): (PathBuf, anemone_sync::url::SmbUrl),
        extra: &[&str],
    ) -> Fixture {
        Self::at_with_data(smb, (remote, url), extra, Path::new("data"))
    }

    /// Like [`Fixture::at`], with the data folder at `data` (relative to the fixture's temp
    /// folder, so `local/...` puts it inside the job's local folder).
    pub fn at_with_data(
        smb: &SambaServer,
        (remote, url): (PathBuf, anemone_sync::url::SmbUrl),
        extra: &[&str],
        data: &Path,
    ) -> Fixture {
        let tmp = tempfile::tempdir().expect("tempdir");
        let local = tmp.path().join("local");
        std::fs::create_dir_all(&local).unwrap();
        let data = tmp.path().join(data);
        let f = Fixture {
            local,
            remote,
            data,
            url: url.to_string(),
            password: smb.password().to_string(),
            env: vec![
                ("ANEMONE_SYNC_CREDENTIAL_STORE".into(), "file".into()),
                ("ANEMONE_SYNC_RECONNECT_SECS".into(), "3".into()),
                ("ANEMONE_SYNC_SMB_TIMEOUT_SECS".into(), "5".into()),
            ],
            _tmp: tmp,
        };
        let local_s = f.local.display().to_string();
        let mut args = vec![
            "job",
            "add",
            "job",
            "--local",
            &local_s,
            "--remote",
            &f.url,
            "--password-stdin",
        ];
        args.extend_from_slice(extra);
        let out = f.run_with_stdin(&args, &format!("{}\n", f.password));
        assert_eq!(out.code, 0, "job add failed: {}", out.stderr);
        f
    }

    pub fn run(&self, args: &[&str]) -> Outcome {
        self.run_with_stdin(args, "")
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Outcome {
        let mut cmd = Command::new(BIN);
        cmd.arg("--data-dir").arg(&self.data).args(args);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.env_remove("ANEMONE_SYNC_HOME");
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn anemone-sync");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().expect("wait");
        Outcome {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `sync --json`, asserting the exit code.
    pub fn sync_expect(&self, code: i32, extra: &[&str]) -> Outcome {
        let mut args = vec!["sync", "job", "--json"];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        assert_eq!(
            out.code, code,
            "sync exit code\nstdout: {}\nstderr: {}",
            out.stdout, out.stderr
        );
        out
    }

    /// A successful sync.
    pub fn sync(&self) -> Outcome {
        let out = self.sync_expect(0, &[]);
        assert_eq!(out.report()["status"], "success", "{}", out.stdout);
        out
    }

    /// Syncs again and checks nothing moves.
    pub fn assert_idle_sync(&self) {
        let out = self.sync();
        for f in CHANGE_COUNTS {
            assert_eq!(
                out.count(f),
                0,
                "second sync should do nothing, but {f}: {}",
                out.stdout
            );
        }
    }

    pub fn assert_in_sync(&self) {
        assert_trees_equal(&self.local, &self.remote);
    }

    pub fn l(&self, rel: &str) -> PathBuf {
        self.local.join(rel)
    }

    pub fn r(&self, rel: &str) -> PathBuf {
        self.remote.join(rel)
    }
}

pub fn write(path: &Path, content: impl AsRef<[u8]>) {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).unwrap();
    }
    std::fs::write(path, content).unwrap();
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Sets a file's modification time to `secs_ago` seconds before now.
pub fn age(path: &Path, secs_ago: i64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    filetime::set_file_mtime(path, filetime::FileTime::from_unix_time(now - secs_ago, 0)).unwrap();
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    Dir,
    File(Vec<u8>),
}

/// Everything under `root` except the trash, symbolic links and special files (none of which
/// is synced), as path -> content.
pub fn tree(root: &Path) -> BTreeMap<String, Node> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Node>) {
        for item in std::fs::read_dir(dir).unwrap() {
            let item = item.unwrap();
            let name = item.file_name().to_string_lossy().into_owned();
            // The trash, and the marker that tells the delete guard this is the synced
            // folder (never synced itself).
            if (name == ".anemone-trash" || name == ".anemone-sync-folder") && dir == root {
                continue;
            }
            let ft = item.file_type().unwrap();
            if !ft.is_dir() && !ft.is_file() {
                continue;
            }
            let rel = item
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if item.file_type().unwrap().is_dir() {
                out.insert(rel, Node::Dir);
                walk(root, &item.path(), out);
            } else {
                out.insert(rel, Node::File(std::fs::read(item.path()).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// The two trees hold the same names and bytes, and no temp file of ours is left anywhere.
pub fn assert_trees_equal(a: &Path, b: &Path) {
    let (ta, tb) = (tree(a), tree(b));
    for t in [&ta, &tb] {
        for k in t.keys() {
            let name = k.rsplit('/').next().unwrap_or(k);
            assert!(
                !anemone_sync::names::is_temp_name(name),
                "temp file left: {k}"
            );
        }
    }
    if ta != tb {
        let only_a: Vec<_> = ta.keys().filter(|k| !tb.contains_key(*k)).collect();
        let only_b: Vec<_> = tb.keys().filter(|k| !ta.contains_key(*k)).collect();
        let differ: Vec<_> = ta
            .keys()
            .filter(|k| tb.get(*k).is_some_and(|v| Some(v) != ta.get(*k)))
            .collect();
        panic!("trees differ\nonly local: {only_a:?}\nonly remote: {only_b:?}\ndifferent content: {differ:?}");
    }
}

/// Names of files under `dir` (one level) containing `needle`.
pub fn names_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        // The delete guard's folder marker is the engine's, not a name a sync made.
        .filter(|n| n != anemone_sync::names::FOLDER_MARKER)
        .filter(|n| n.contains(needle))
        .collect();
    v.sort();
    v
}

/// Files in the trash of a side (any run), as relative paths below the run folder.
pub fn trashed(root: &Path) -> Vec<String> {
    let trash = root.join(".anemone-trash");
    let mut out = Vec::new();
    if let Ok(runs) = std::fs::read_dir(&trash) {
        for run in runs.flatten() {
            for (k, v) in tree(&run.path()) {
                if matches!(v, Node::File(_)) {
                    out.push(k);
                }
            }
        }
    }
    out.sort();
    out
}
