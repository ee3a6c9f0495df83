//! Hostile and odd input against a real Samba server (issue 12): links in the job folder, a
//! linked trash on either side, the data folder inside the job folder, a FIFO on a `file://`
//! remote, a rejected password under `watch`, required encryption. Each test checks that
//! nothing outside the job's folders changed (a sentinel tree beside them) and ends by comparing
//! the two trees.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::live::*;
use crate::support::proxy::RecordingProxy;
use crate::support::samba::SambaServer;
use crate::support::sync::*;

/// A folder outside every job folder, with files that must never change.
fn sentinel(root: &Path) -> std::collections::BTreeMap<String, Node> {
    write(&root.join("id_ed25519"), "PRIVATE KEY");
    write(&root.join("docs/keep.txt"), "keep me");
    tree(root)
}

fn notes(out: &Outcome) -> Vec<String> {
    out.report()["notes"]
        .as_array()
        .unwrap_or_else(|| panic!("no notes in {}", out.stdout))
        .iter()
        .map(|n| {
            format!(
                "{}: {}",
                n["path"].as_str().unwrap(),
                n["message"].as_str().unwrap()
            )
        })
        .collect()
}

/// Regression: a local link `link -> ~/elsewhere` beside a remote folder `link/` made
/// downloads land in `~/elsewhere`, and the next run deleted `link/` on the share.
#[test]
fn a_local_link_is_never_followed_and_the_share_keeps_its_twin() {
    let f = Fixture::new("local_link", &[]);
    let outside = f.local.parent().unwrap().join("elsewhere");
    let before = sentinel(&outside);
    symlink(&outside, f.l("link")).unwrap();
    symlink(outside.join("id_ed25519"), f.l("key-link")).unwrap();
    write(&f.r("link/from-server.txt"), "would land outside");
    write(&f.l("normal.txt"), "synced as usual");
    let out = f.sync();
    let n = notes(&out);
    assert!(
        n.iter()
            .any(|n| n.starts_with("link: not synced: symbolic link")),
        "{n:?}"
    );
    assert!(
        n.iter()
            .any(|n| n.starts_with("key-link: not synced: symbolic link")),
        "{n:?}"
    );
    assert_eq!(
        tree(&outside),
        before,
        "nothing outside the job folder changed"
    );
    assert!(
        !f.r("key-link").exists(),
        "the link's target was not uploaded"
    );
    assert_eq!(read(&f.r("normal.txt")), "synced as usual");
    // Again: the share's `link/` is left alone, not deleted.
    let out = f.sync();
    assert_eq!(out.count("deleted_remote"), 0, "{}", out.stdout);
    assert_eq!(read(&f.r("link/from-server.txt")), "would land outside");
    assert_eq!(tree(&outside), before);
    fs::remove_dir_all(f.r("link")).unwrap();
    f.assert_in_sync();
}

/// Regression: the watcher followed links (notify's default), so a file behind
/// `link -> ~/.ssh` was uploaded, deleted, uploaded again.
#[test]
fn watch_never_uploads_what_a_link_points_at() {
    let f = Fixture::new("watch_link", &["--quiet-ms", "300"]);
    let outside = f.local.parent().unwrap().join("dot-ssh");
    let before = sentinel(&outside);
    let mut w = Watch::start(&f, &[]);
    wait_for(Duration::from_secs(60), "the first sync", &w, || {
        history(&f).iter().any(|r| r["status"] != "running")
    });
    symlink(&outside, f.l("link")).unwrap();
    write(&outside.join("id_ed25519"), "PRIVATE KEY, edited");
    write(&outside.join("new-secret"), "also private");
    write(&f.l("marker.txt"), "after the link");
    wait_for(
        Duration::from_secs(10),
        "the marker on the share",
        &w,
        || holds(&f.r("marker.txt"), b"after the link"),
    );
    // One more change behind the link, and time for any run it could wake.
    write(&outside.join("id_ed25519"), "PRIVATE KEY, edited twice");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(w.terminate(Duration::from_secs(60)), 0, "{}", w.output());
    let on_share: Vec<String> = tree(&f.remote).into_keys().collect();
    assert_eq!(on_share, vec!["marker.txt"], "{}", w.output());
    let mut after = before.clone();
    after.insert(
        "id_ed25519".into(),
        Node::File(b"PRIVATE KEY, edited twice".to_vec()),
    );
    after.insert("new-secret".into(), Node::File(b"also private".to_vec()));
    assert_eq!(tree(&outside), after);
    f.assert_in_sync();
}

/// An old trash run made to look ours by its name, and an old folder of someone else's.
fn victim(dir: &Path) -> std::collections::BTreeMap<String, Node> {
    write(&dir.join("old-photos/img.jpg"), "a photo of 60 days ago");
    age(&dir.join("old-photos/img.jpg"), 60 * 86_400);
    age(&dir.join("old-photos"), 60 * 86_400);
    tree(dir)
}

/// Regression: emptying the trash followed a `.anemone-trash` that is a link and deleted the
/// target's old folders for good. Local side: never entered, reported, nothing deleted.
#[test]
fn a_linked_local_trash_is_never_entered_or_emptied() {
    let f = Fixture::new("local_trash_link", &[]);
    let outside = f.local.parent().unwrap().join("victim");
    let before = victim(&outside);
    write(
        &outside.join("2020-01-01 000000/looks-like-a-run.txt"),
        "not ours",
    );
    let before_all = tree(&outside);
    symlink(&outside, f.l(".anemone-trash")).unwrap();
    write(&f.l("doomed.txt"), "deleted on the share next");
    write(&f.l("stays.txt"), "so the share does not look emptied");
    f.sync();
    fs::remove_file(f.r("doomed.txt")).unwrap();
    // The local delete would go to the trash, which is not a folder: refused, kept.
    let out = f.sync_expect(1, &[]);
    let n = notes(&out);
    assert!(
        n.iter()
            .any(|n| n.starts_with(".anemone-trash: ") && n.contains("not a real folder")),
        "{n:?}"
    );
    assert_eq!(read(&f.l("doomed.txt")), "deleted on the share next");
    assert_eq!(
        tree(&outside),
        before_all,
        "nothing behind the link changed"
    );
    assert!(before.contains_key("old-photos/img.jpg"));
}

/// The same on the share: Samba follows a link inside the share, and the client cannot tell.
/// Emptying removes only folders named like our run stamps, so an old folder behind a linked
/// trash is kept (before the fix it was deleted by its age).
#[test]
fn a_linked_remote_trash_loses_nothing_that_is_not_an_old_trash_run() {
    let smb = SambaServer::shared();
    let f = Fixture::new("remote_trash_link", &[]);
    let victim_dir = smb.share_dir().join(format!(
        "victim-of-{}",
        f.remote.file_name().unwrap().to_string_lossy()
    ));
    let before = victim(&victim_dir);
    symlink(&victim_dir, f.r(".anemone-trash")).unwrap();
    write(&f.l("a.txt"), "a");
    f.sync();
    f.sync();
    assert_eq!(
        tree(&victim_dir),
        before,
        "the old folder behind the link is kept"
    );
    f.assert_in_sync();
}

/// Regression: a job over a folder that holds the data folder (job folder = home, data folder
/// under it) uploaded the credential file and its key: the password could be decoded from the
/// share. Also its database writes must not make the next run find changes.
#[test]
fn the_data_folder_inside_the_job_folder_is_never_synced() {
    let smb = SambaServer::shared();
    let f = Fixture::at_with_data(
        smb,
        smb.folder("data_inside"),
        &[],
        Path::new("local/.local/share/anemone-sync"),
    );
    assert!(f.data.join("credentials").exists() && f.data.join("anemone.db").exists());
    write(&f.l("notes.txt"), "mine");
    let out = f.sync();
    assert_eq!(out.count("uploaded"), 1, "{}", out.stdout);
    let on_share = f.r(".local/share/anemone-sync");
    assert!(!on_share.exists(), "the data folder reached the share");
    f.assert_idle_sync();
    assert!(!on_share.exists());
    // Only the data folder is left out (the folders above it are the user's and synced).
    let data = ".local/share/anemone-sync";
    let local_keys: Vec<String> = tree(&f.local)
        .into_keys()
        .filter(|k| !k.starts_with(data))
        .collect();
    assert_eq!(local_keys, tree(&f.remote).into_keys().collect::<Vec<_>>());
}

/// Regression: a FIFO on a `file://` remote was listed, then opened for reading, and the run
/// hung forever. Now it is skipped without being opened, and reported.
#[test]
fn a_fifo_on_a_folder_remote_is_skipped_without_hanging() {
    let tmp = tempfile::tempdir().unwrap();
    let (local, remote, data) = (
        tmp.path().join("local"),
        tmp.path().join("remote"),
        tmp.path().join("data"),
    );
    fs::create_dir_all(&local).unwrap();
    write(&remote.join("a.txt"), "plain file");
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        remote.join("pipe"),
        rustix::fs::Mode::from_raw_mode(0o644),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let mut child = Command::new(BIN)
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .env_remove("ANEMONE_SYNC_HOME")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("`anemone-sync {}` hung", args.join(" "));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.wait_with_output().unwrap()
    };
    let url = format!("file://{}", remote.display());
    let l = local.display().to_string();
    let out = run(&["job", "add", "fifo", "--local", &l, "--remote", &url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["sync", "fifo", "--json"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("pipe") && text.contains("special file"),
        "{text}"
    );
    assert_eq!(read(&local.join("a.txt")), "plain file");
    assert!(!local.join("pipe").exists());
    assert_trees_equal(&local, &remote);
}

/// Counts the logins smbd refused (its auth audit log).
fn refused_logins(smb: &SambaServer) -> usize {
    fs::read_dir(smb.log_dir())
        .unwrap()
        .flatten()
        .map(|e| fs::read_to_string(e.path()).unwrap_or_default())
        .map(|t| t.matches("NT_STATUS_WRONG_PASSWORD").count())
        .sum()
}

/// Regression: a wrong password was retried forever (2 s doubling up to 5 min), which locks
/// a domain account. Under `watch` the server now sees at most 3 attempts in 60 s, the job
/// says what to do, and a new password stored with `job set-password` is picked up.
#[test]
fn a_rejected_password_is_not_retried_under_watch() {
    let smb = SambaServer::start_with("   log level = 1 auth_audit:3");
    let f = Fixture::on(&smb, "wrong_password", &[]);
    let out = f.run_with_stdin(
        &["job", "set-password", "job", "--password-stdin"],
        "not-the-password\n",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    write(&f.l("waiting.txt"), "synced once the password is right");
    let before = refused_logins(&smb);
    let mut w = Watch::start(&f, &[]);
    let started = Instant::now();
    wait_for(Duration::from_secs(30), "the job in error", &w, || {
        live_state(&f).as_deref() == Some("error")
    });
    let status = f.run(&["status", "--json"]).stdout;
    assert!(
        status.contains("did not accept the user name or password"),
        "{status}"
    );
    assert!(status.contains("set-password"), "{status}");
    std::thread::sleep(Duration::from_secs(60).saturating_sub(started.elapsed()));
    let attempts = refused_logins(&smb) - before;
    assert!(
        (1..=3).contains(&attempts),
        "{attempts} refused logins in 60 s\n{}",
        w.output()
    );
    assert!(!f.r("waiting.txt").exists());
    // The right password, stored from another process: the running watch picks it up.
    let out = f.run_with_stdin(
        &["job", "set-password", "job", "--password-stdin"],
        &format!("{}\n", smb.password()),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    wait_for(Duration::from_secs(45), "the file on the share", &w, || {
        holds(&f.r("waiting.txt"), b"synced once the password is right")
    });
    assert_eq!(w.terminate(Duration::from_secs(60)), 0, "{}", w.output());
    f.assert_in_sync();
}

/// `--encryption required` against a server that cannot encrypt: refused before any file
/// moves, exit 3, and the message says it is about encryption.
#[test]
fn required_encryption_is_refused_by_a_server_without_it() {
    let smb = SambaServer::start_with("   server smb encrypt = off");
    let f = Fixture::on(&smb, "enc_off", &["--encryption", "required"]);
    write(&f.l("local.txt"), "must not leave unencrypted");
    write(&f.r("remote.txt"), "must not arrive unencrypted");
    let out = f.sync_expect(3, &[]);
    let msg = out.report()["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(msg.contains("encrypt"), "{msg}");
    assert!(!f.r("local.txt").exists() && !f.l("remote.txt").exists());
}

const MARKER_UP: &[u8] = b"CLEARTEXT-MARKER-UPLOADED-0123456789";
const MARKER_DOWN: &[u8] = b"CLEARTEXT-MARKER-DOWNLOADED-9876543210";

/// Syncs one file each way through a recording proxy; returns the proxy and the report.
fn sync_through_proxy(
    smb: &SambaServer,
    name: &str,
    extra: &[&str],
) -> (RecordingProxy, Outcome, Fixture) {
    let proxy = RecordingProxy::start(smb.port());
    let (dir, mut url) = smb.folder(name);
    url.port = Some(proxy.port());
    let f = Fixture::at(smb, (dir, url), extra);
    write(&f.l("up.bin"), MARKER_UP.repeat(2000));
    write(&f.r("down.bin"), MARKER_DOWN.repeat(2000));
    let out = f.sync();
    f.assert_in_sync();
    (proxy, out, f)
}

/// `--encryption required` against a server that requires it (and, forced by the client,
/// one that merely offers it): the files sync, and a capture of the TCP stream holds none of
/// their bytes in clear. The same files synced with `auto` on the default server do cross in
/// clear, which shows the capture would see them.
#[test]
fn required_encryption_sends_no_file_bytes_in_clear() {
    let required = SambaServer::start_with("   server smb encrypt = required");
    for (smb, name) in [
        (&required, "enc_required"),
        (SambaServer::shared(), "enc_forced"),
    ] {
        let (proxy, out, _f) = sync_through_proxy(smb, name, &["--encryption", "required"]);
        assert!(
            proxy.bytes() > 2 * 2000 * MARKER_UP.len(),
            "the files crossed the proxy"
        );
        assert!(
            !proxy.saw(MARKER_UP) && !proxy.saw(MARKER_DOWN),
            "{name}: file bytes in clear"
        );
        assert_eq!(
            out.report()["connection"]["encrypted"],
            true,
            "{}",
            out.stdout
        );
    }
    let (proxy, out, _f) = sync_through_proxy(SambaServer::shared(), "enc_auto", &[]);
    assert!(
        proxy.saw(MARKER_UP) && proxy.saw(MARKER_DOWN),
        "the control run crossed in clear"
    );
    assert_eq!(
        out.report()["connection"]["encrypted"],
        false,
        "{}",
        out.stdout
    );
    assert_eq!(out.report()["connection"]["signed"], true, "{}", out.stdout);
}

/// Regression: a `job add` refused for its name had already replaced the stored password of
/// that login; overlapping jobs and names with line breaks were accepted silently. All are
/// refused (exit 2) before anything is stored.
#[test]
fn refused_jobs_store_nothing_and_overlaps_are_refused() {
    let f = Fixture::new("job_rules", &[]);
    write(&f.l("a.txt"), "a");
    let elsewhere = |n: &str| {
        let p = f.local.parent().unwrap().join(n);
        fs::create_dir_all(&p).unwrap();
        p.display().to_string()
    };
    let add = |name: &str, local: &str, remote: &str| {
        f.run_with_stdin(
            &[
                "job",
                "add",
                name,
                "--local",
                local,
                "--remote",
                remote,
                "--password-stdin",
            ],
            "not-the-password-XYZ\n",
        )
    };
    let local = f.local.display().to_string();
    let parent = f.local.parent().unwrap().display().to_string();
    let nested_remote = format!("{}/sub", f.url);
    let long = "n".repeat(65);
    let cases: Vec<(&str, String, String, &str)> = vec![
        (
            "job",
            elsewhere("x1"),
            f.url.replace("job_rules", "job_rules_other"),
            "already exists",
        ),
        (
            "nested",
            format!("{local}/sub"),
            f.url.replace("job_rules", "elsewhere"),
            "overlaps",
        ),
        (
            "parent",
            parent,
            f.url.replace("job_rules", "elsewhere2"),
            "overlaps",
        ),
        ("remote-nested", elsewhere("x2"), nested_remote, "overlaps"),
        (
            "two\nlines",
            elsewhere("x3"),
            f.url.replace("job_rules", "e3"),
            "control character",
        ),
        (
            &long,
            elsewhere("x4"),
            f.url.replace("job_rules", "e4"),
            "longer than 64",
        ),
    ];
    for (name, local, remote, why) in &cases {
        let out = add(name, local, remote);
        assert_eq!(out.code, 2, "{name:?}: {}", out.stderr);
        assert!(out.stderr.contains(why), "{name:?}: {}", out.stderr);
    }
    let jobs: serde_json::Value =
        serde_json::from_str(&f.run(&["job", "list", "--json"]).stdout).unwrap();
    assert_eq!(jobs.as_array().unwrap().len(), 1);
    // The stored password is still the right one.
    f.sync();
    f.assert_in_sync();
}
