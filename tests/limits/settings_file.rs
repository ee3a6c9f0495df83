//! Settings export and import through the CLI: a round trip gives the same jobs, no password
//! is ever written or read, a bad or hostile file changes nothing it should not.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::sync::BIN;

struct Cli {
    data: PathBuf,
}

impl Cli {
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(BIN)
            .arg("--data-dir")
            .arg(&self.data)
            .args(args)
            .env("ANEMONE_SYNC_CREDENTIAL_STORE", "file")
            .env_remove("ANEMONE_SYNC_HOME")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "{args:?}\n{out}\n{err}");
        out
    }

    fn jobs(&self) -> Value {
        serde_json::from_str(&self.ok(&["job", "list", "--json"])).unwrap()
    }
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// The jobs as compared across two installs: without their ids.
fn specs(jobs: &Value) -> Vec<Value> {
    jobs.as_array()
        .unwrap()
        .iter()
        .map(|j| {
            let mut j = j.clone();
            j.as_object_mut().unwrap().remove("id");
            j
        })
        .collect()
}

#[test]
fn export_then_import_into_a_fresh_install_gives_the_same_jobs() {
    let tmp = tempfile::tempdir().unwrap();
    let a = Cli {
        data: tmp.path().join("data-a"),
    };
    for d in ["l1", "l2", "r1", "r2"] {
        fs::create_dir_all(tmp.path().join(d)).unwrap();
    }
    a.ok(&[
        "job",
        "add",
        "docs",
        "--local",
        &s(&tmp.path().join("l1")),
        "--remote",
        &format!("file://{}", s(&tmp.path().join("r1"))),
        "--exclude",
        "*.tmp",
        "--max-delete",
        "20",
        "--trigger",
        "interval",
        "--every",
        "15",
        "--up-limit",
        "2MB",
        "--down-limit",
        "500kB",
    ]);
    a.ok(&[
        "job",
        "add",
        "photos",
        "--local",
        &s(&tmp.path().join("l2")),
        "--remote",
        "smb://me@nas.example/photos/2024",
        "--mode",
        "upload",
        "--parallel",
        "2",
    ]);
    a.ok(&["config", "set", "up-limit", "5MB"]);
    a.ok(&["config", "set", "pause-on-metered", "on"]);
    let file = tmp.path().join("settings.json");
    let out = a.ok(&["config", "export", &s(&file)]);
    assert!(out.contains("exported 2 jobs"), "{out}");
    let text = fs::read_to_string(&file).unwrap();
    assert!(!text.to_lowercase().contains("password"), "{text}");
    // Exporting over it again needs --force.
    let (code, _, err) = a.run(&["config", "export", &s(&file)]);
    assert_eq!(code, 2);
    assert!(err.contains("already exists"), "{err}");

    let b = Cli {
        data: tmp.path().join("data-b"),
    };
    let out = b.ok(&["config", "import", &s(&file)]);
    assert!(
        out.contains("added job 'docs'") && out.contains("added job 'photos'"),
        "{out}"
    );
    assert!(
        out.contains("job 'photos' needs its password on this computer"),
        "{out}"
    );
    assert_eq!(specs(&b.jobs()), specs(&a.jobs()));
    let show: Value = serde_json::from_str(&b.ok(&["config", "show", "--json"])).unwrap();
    assert_eq!(show["up_limit"], 5_000_000);
    assert_eq!(show["pause_on_metered"], true);
    // The job limits came along: the second export is the first one.
    let again = tmp.path().join("again.json");
    b.ok(&["config", "export", &s(&again)]);
    assert_eq!(fs::read_to_string(&again).unwrap(), text);

    // Importing again: the names are taken, reported and skipped; --replace replaces.
    let out = b.ok(&["config", "import", &s(&file)]);
    assert!(out.contains("skipped job 'docs'"), "{out}");
    assert!(out.contains("no job imported"), "{out}");
    let out = b.ok(&["config", "import", "--replace", &s(&file)]);
    assert!(out.contains("replaced job 'docs'"), "{out}");
    assert_eq!(specs(&b.jobs()), specs(&a.jobs()));
}

fn one_job_file(job: Value) -> String {
    serde_json::json!({
        "anemone_sync_settings": 1,
        "global": {"up_limit": null, "down_limit": null, "pause_on_metered": false},
        "jobs": [job],
    })
    .to_string()
}

fn a_job(name: &str, local: &Path, remote: &str) -> Value {
    serde_json::json!({
        "name": name, "local_path": local, "remote_url": remote, "enabled": true,
        "mode": "two-way", "conflict_policy": "keep-both", "excludes": [],
        "max_delete_percent": 50, "parallel": 4, "trash_retention_days": 30,
        "live": {"trigger": "manual", "interval_minutes": 60, "schedule": {"times": [], "days": []},
                 "rescan_minutes": 60, "quiet_ms": 2000, "remote_notify": true, "poll_secs": 60},
        "encryption": "auto", "up_limit": null, "down_limit": null,
    })
}

#[test]
fn a_password_in_the_file_is_ignored_and_said() {
    let tmp = tempfile::tempdir().unwrap();
    let cli = Cli {
        data: tmp.path().join("data"),
    };
    let mut job = a_job("nas", &tmp.path().join("l"), "smb://me@nas.example/share");
    job["password"] = "hunter2".into();
    let file = tmp.path().join("with-password.json");
    fs::write(&file, one_job_file(job)).unwrap();
    let (code, out, err) = cli.run(&["config", "import", &s(&file)]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("the file holds a password; it was ignored"),
        "{err}"
    );
    assert!(out.contains("added job 'nas'"), "{out}");
    // Nowhere in the data folder.
    for e in walk(&cli.data) {
        let bytes = fs::read(&e).unwrap_or_default();
        assert!(
            !bytes.windows(7).any(|w| w == b"hunter2"),
            "{} holds the password",
            e.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_bad_file_gets_a_clear_error_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let cli = Cli {
        data: tmp.path().join("data"),
    };
    let file = tmp.path().join("bad.json");
    fs::write(&file, "{\"anemone_sync_settings\": 1, \"jobs\": [").unwrap();
    let (code, _, err) = cli.run(&["config", "import", &s(&file)]);
    assert_eq!(code, 2);
    assert!(err.contains("is not valid JSON"), "{err}");
    fs::write(&file, "{\"jobs\": []}").unwrap();
    let (code, _, err) = cli.run(&["config", "import", &s(&file)]);
    assert_eq!(code, 2);
    assert!(err.contains("not an AnemoneSync settings file"), "{err}");
    fs::write(&file, "{\"anemone_sync_settings\": 9, \"jobs\": []}").unwrap();
    let (_, _, err) = cli.run(&["config", "import", &s(&file)]);
    assert!(err.contains("newer AnemoneSync"), "{err}");
    let (code, _, err) = cli.run(&["config", "import", &s(&tmp.path().join("missing.json"))]);
    assert_ne!(code, 0);
    assert!(err.to_lowercase().contains("cannot read"), "{err}");
    assert_eq!(cli.jobs(), serde_json::json!([]));
}

#[test]
fn a_hostile_file_cannot_add_a_job_the_form_would_refuse() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let cli = Cli { data: data.clone() };
    cli.ok(&["config", "show"]);
    let remote = format!("file://{}", s(&tmp.path().join("r")));
    let hostile = [
        // The data folder (its database) as the local folder, spelled with `..`.
        a_job("db", &tmp.path().join("x/../data"), &remote),
        // The data folder as the remote one.
        a_job(
            "db-remote",
            &tmp.path().join("l"),
            &format!("file://{}", s(&data)),
        ),
        // A relative folder.
        a_job("relative", Path::new("../../etc"), &remote),
        // A password in the URL.
        a_job("url", &tmp.path().join("l2"), "smb://me:secret@nas/share"),
        // A name with a line break, a limit below the lowest.
        a_job("two\nlines", &tmp.path().join("l3"), &remote),
        {
            let mut j = a_job("slow", &tmp.path().join("l4"), &remote);
            j["up_limit"] = 5.into();
            j
        },
        // A field we do not know.
        {
            let mut j = a_job("extra", &tmp.path().join("l5"), &remote);
            j["trash_dir"] = "/etc".into();
            j
        },
    ];
    let file = tmp.path().join("hostile.json");
    fs::write(
        &file,
        serde_json::json!({
            "anemone_sync_settings": 1,
            "jobs": hostile,
        })
        .to_string(),
    )
    .unwrap();
    let (code, out, err) = cli.run(&["config", "import", &s(&file)]);
    assert_eq!(code, 2, "{out}{err}");
    assert_eq!(cli.jobs(), serde_json::json!([]), "{out}{err}");
    for name in [
        "'db'",
        "'db-remote'",
        "'relative'",
        "'url'",
        "'slow'",
        "'extra'",
    ] {
        assert!(
            err.contains(&format!("job {name} not imported")),
            "{name}: {err}"
        );
    }
    assert!(err.contains("data folder"), "{err}");
    assert!(err.contains("unknown field `trash_dir`"), "{err}");
    assert!(out.contains("no job imported"), "{out}");
}
