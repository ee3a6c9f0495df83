//! Live sync against a real Samba server, through `anemone-sync watch`: local changes reach the
//! share and share changes (made with smbclient, so Samba notifies like for any client) reach
//! the folder within seconds; bursts coalesce; our own writes do not echo; offline and back;
//! a clean stop mid-transfer. Each test ends by comparing the two trees.

use std::fs;
use std::time::Duration;

use crate::support::live::*;
use crate::support::samba::SambaServer;
use crate::support::sync::*;

/// The bound for a change to reach the other side.
const LIVE: Duration = Duration::from_secs(5);
/// For waits the issue sets no bound on (first sync, reconnects).
const LONG: Duration = Duration::from_secs(60);

/// Starts watching and waits for the first sync to be recorded.
fn watch_started(f: &Fixture, extra: &[&str]) -> Watch {
    let w = Watch::start(f, extra);
    wait_for(LONG, "the first sync", &w, || {
        history(f).iter().any(|r| r["status"] != "running")
    });
    w
}

#[test]
fn local_create_edit_rename_and_delete_reach_the_share_within_5_s() {
    let f = Fixture::new("live_local", &[]);
    let mut w = watch_started(&f, &[]);

    write(&f.l("notes/a.txt"), "first");
    wait_for(LIVE, "a new file on the share", &w, || {
        holds(&f.r("notes/a.txt"), b"first")
    });

    write(&f.l("notes/a.txt"), "first, then edited");
    wait_for(LIVE, "an edit on the share", &w, || {
        holds(&f.r("notes/a.txt"), b"first, then edited")
    });

    fs::rename(f.l("notes/a.txt"), f.l("notes/b.txt")).unwrap();
    wait_for(LIVE, "a rename on the share", &w, || {
        holds(&f.r("notes/b.txt"), b"first, then edited") && !f.r("notes/a.txt").exists()
    });

    fs::remove_file(f.l("notes/b.txt")).unwrap();
    wait_for(LIVE, "a delete on the share", &w, || {
        !f.r("notes/b.txt").exists()
    });
    // Deleted means moved to the share's trash, not destroyed.
    assert!(trashed(&f.remote).iter().any(|p| p.ends_with("b.txt")));

    assert_eq!(w.terminate(LONG), 0, "{}", w.output());
    f.assert_in_sync();
}

#[test]
fn a_file_put_on_the_share_appears_locally_within_5_s_by_change_notification() {
    let smb = SambaServer::shared();
    // Polling every 10 minutes: only notification can bring it within 5 s.
    let f = Fixture::new("live_notify", &["--poll", "600"]);
    let mut w = watch_started(&f, &[]);
    let src = tempfile::NamedTempFile::new().unwrap();
    fs::write(src.path(), "dropped by a colleague").unwrap();
    smbclient(
        smb,
        &f,
        &format!(
            "mkdir shared; put {} shared/report.txt",
            src.path().display()
        ),
    );
    wait_for(LIVE, "the share's new file in the local folder", &w, || {
        holds(&f.l("shared/report.txt"), b"dropped by a colleague")
    });
    assert_eq!(w.terminate(LONG), 0);
    f.assert_in_sync();
}

#[test]
fn without_notification_a_short_poll_brings_share_changes_within_5_s() {
    let smb = SambaServer::shared();
    let f = Fixture::new("live_poll", &["--no-remote-notify", "--poll", "1"]);
    let mut w = watch_started(&f, &[]);
    let src = tempfile::NamedTempFile::new().unwrap();
    fs::write(src.path(), "polled").unwrap();
    smbclient(smb, &f, &format!("put {} polled.txt", src.path().display()));
    wait_for(LIVE, "the polled file in the local folder", &w, || {
        holds(&f.l("polled.txt"), b"polled")
    });
    // A change on the share removed through smbclient is seen the same way.
    smbclient(smb, &f, "del polled.txt");
    wait_for(LIVE, "the remote delete in the local folder", &w, || {
        !f.l("polled.txt").exists()
    });
    assert_eq!(w.terminate(LONG), 0);
    f.assert_in_sync();
}

#[test]
fn a_thousand_files_dropped_at_once_are_coalesced_into_a_few_runs() {
    let f = Fixture::new("live_burst", &[]);
    let mut w = watch_started(&f, &[]);
    let runs_before = history(&f).len();
    for d in 0..10 {
        for i in 0..100 {
            write(
                &f.l(&format!("batch/d{d}/f{i:03}.txt")),
                format!("file {d}/{i}"),
            );
        }
    }
    wait_for(LONG, "all 1000 files on the share", &w, || {
        (0..10).all(|d| {
            fs::read_dir(f.r(&format!("batch/d{d}")))
                .map(|r| r.count() == 100)
                .unwrap_or(false)
        })
    });
    assert_eq!(w.terminate(LONG), 0);
    let runs = history(&f);
    let live_runs = runs.len() - runs_before;
    assert_eq!(total(&f, "uploaded"), 1000);
    assert!(
        live_runs <= 5,
        "1000 files took {live_runs} runs: {runs:#?}"
    );
    f.assert_in_sync();
}

/// A folder moved while watching: the watcher's rename pair (and, the other way, Samba's
/// old-name/new-name notification pair) lands in one scoped run, which renames the other side.
/// Before moves were detected this was 40 deletions of 40 files: the delete guard stopped the
/// job and it waited for `--force`.
#[test]
fn a_folder_moved_under_watch_is_renamed_on_the_other_side_without_the_delete_guard() {
    let smb = SambaServer::shared();
    let f = Fixture::new("live_move", &[]);
    for i in 0..40 {
        write(&f.l(&format!("projects/f{i:02}.txt")), format!("file {i}"));
    }
    let mut w = watch_started(&f, &[]);
    wait_for(LONG, "the first upload", &w, || {
        fs::read_dir(f.r("projects"))
            .map(|r| r.count() == 40)
            .unwrap_or(false)
    });
    let uploads = total(&f, "uploaded");

    fs::rename(f.l("projects"), f.l("projects-2025")).unwrap();
    wait_for(LIVE, "the folder renamed on the share", &w, || {
        f.r("projects-2025/f39.txt").is_file() && !f.r("projects").exists()
    });
    smbclient(smb, &f, "rename projects-2025 archive");
    wait_for(LIVE, "the folder renamed here", &w, || {
        f.l("archive/f39.txt").is_file() && !f.l("projects-2025").exists()
    });
    std::thread::sleep(Duration::from_secs(1));
    assert_ne!(live_state(&f).as_deref(), Some("error"), "{}", w.output());
    assert_eq!(w.terminate(LONG), 0, "{}", w.output());
    assert_eq!(total(&f, "uploaded"), uploads, "{:#?}", history(&f));
    assert_eq!(total(&f, "downloaded"), 0, "{:#?}", history(&f));
    assert_eq!(
        (total(&f, "moved_remote"), total(&f, "moved_local")),
        (1, 1),
        "{:#?}",
        history(&f)
    );
    assert!(trashed(&f.local).is_empty() && trashed(&f.remote).is_empty());
    f.assert_in_sync();
}

#[test]
fn a_downloaded_file_does_not_bounce_back_as_an_upload() {
    let smb = SambaServer::shared();
    let f = Fixture::new("live_echo", &["--quiet-ms", "500"]);
    let mut w = watch_started(&f, &[]);
    let src = tempfile::NamedTempFile::new().unwrap();
    fs::write(src.path(), vec![7u8; 300_000]).unwrap();
    smbclient(smb, &f, &format!("put {} photo.jpg", src.path().display()));
    wait_for(LIVE, "the download", &w, || {
        holds(&f.l("photo.jpg"), &[7u8; 300_000])
    });
    // Well past the quiet period: any echo would have run by now.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(w.terminate(LONG), 0);
    assert_eq!(total(&f, "downloaded"), 1);
    assert_eq!(total(&f, "uploaded"), 0, "{:#?}", history(&f));
    f.assert_in_sync();
}

#[test]
fn an_editor_style_save_propagates_once_as_an_edit() {
    let f = Fixture::new("live_editor", &["--quiet-ms", "800"]);
    write(&f.l("doc.txt"), "version 1");
    let mut w = watch_started(&f, &[]);
    let uploads_before = total(&f, "uploaded");
    // Write a temp beside the file, then rename it over the file, as editors do.
    write(&f.l(".doc.txt.swx"), "version 2, saved safely");
    fs::rename(f.l(".doc.txt.swx"), f.l("doc.txt")).unwrap();
    wait_for(LIVE, "the saved edit on the share", &w, || {
        holds(&f.r("doc.txt"), b"version 2, saved safely")
    });
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(w.terminate(LONG), 0);
    assert_eq!(
        total(&f, "uploaded") - uploads_before,
        1,
        "{:#?}",
        history(&f)
    );
    assert!(!f.r(".doc.txt.swx").exists());
    f.assert_in_sync();
}

#[test]
fn server_down_the_job_goes_offline_and_catches_up_by_itself_when_back() {
    let smb = SambaServer::start();
    let f = Fixture::on(&smb, "live_offline", &[]);
    write(&f.l("before.txt"), "synced while online");
    let w = Watch::start_env(&f, &[], &[("ANEMONE_SYNC_RETRY_MAX_SECS", "2")]);
    wait_for(LONG, "the first sync", &w, || {
        holds(&f.r("before.txt"), b"synced while online")
    });

    smb.kill();
    // Local edits while the server is away are noticed and kept for later.
    write(&f.l("before.txt"), "edited offline");
    write(&f.l("offline/new.txt"), "created offline");
    wait_for(LONG, "state offline in status --json", &w, || {
        live_state(&f).as_deref() == Some("offline")
    });
    std::thread::sleep(Duration::from_secs(4));

    smb.start_again();
    wait_for(
        LONG,
        "the offline edits on the share, with no action",
        &w,
        || {
            holds(&f.r("before.txt"), b"edited offline")
                && holds(&f.r("offline/new.txt"), b"created offline")
        },
    );
    wait_for(LONG, "state back from offline", &w, || {
        live_state(&f).as_deref() == Some("idle")
    });
    let mut w = w;
    assert_eq!(w.terminate(LONG), 0);
    let runs = history(&f);
    let outages: Vec<_> = runs.iter().filter(|r| r["status"] == "offline").collect();
    assert_eq!(outages.len(), 1, "one entry per outage: {runs:#?}");
    let msg = outages[0]["message"].as_str().unwrap();
    assert!(
        msg.starts_with("offline from ") && msg.contains(" to "),
        "{msg}"
    );
    assert!(
        !runs.iter().any(|r| r["status"] == "failed"),
        "no failed run per retry: {runs:#?}"
    );
    f.assert_in_sync();
}

/// With nothing changing anywhere, a server that goes away is noticed from the change
/// notification connection it drops, within seconds, not at the next poll (60 s by default).
#[test]
fn a_server_that_goes_away_shows_offline_within_seconds_with_no_change_anywhere() {
    let smb = SambaServer::start();
    let f = Fixture::on(&smb, "live_offline_quiet", &[]);
    write(&f.l("a.txt"), "synced");
    let w = Watch::start_env(&f, &[], &[("ANEMONE_SYNC_RETRY_MAX_SECS", "2")]);
    wait_for(LONG, "the first sync", &w, || {
        holds(&f.r("a.txt"), b"synced")
    });
    // Change notification is up once the job is idle after its first run.
    wait_for(LONG, "state idle", &w, || {
        live_state(&f).as_deref() == Some("idle")
    });
    std::thread::sleep(Duration::from_secs(2));

    smb.kill();
    let killed = std::time::Instant::now();
    wait_for(
        Duration::from_secs(15),
        "state offline with no change anywhere",
        &w,
        || live_state(&f).as_deref() == Some("offline"),
    );
    eprintln!(
        "offline shown {:.1} s after the server went away",
        killed.elapsed().as_secs_f64()
    );

    smb.start_again();
    wait_for(LONG, "state back from offline", &w, || {
        live_state(&f).as_deref() == Some("idle")
    });
    write(&f.l("b.txt"), "after the outage");
    wait_for(LIVE, "a new file on the share after the outage", &w, || {
        holds(&f.r("b.txt"), b"after the outage")
    });
    let mut w = w;
    assert_eq!(w.terminate(LONG), 0);
    f.assert_in_sync();
}

/// Like the test above, with what the app runs on: the default SMB timeout and reconnect budget
/// (no test overrides), the default retry cap, and a second outage soon after the first one
/// ended. Issue 16: the app showed offline only after about a minute, because a change feed
/// lost again within a poll period (60 s) of the last loss waited the whole period before
/// looking, even when the first loss was an outage and not a flaky feed.
#[test]
fn a_server_that_goes_away_twice_shows_offline_within_10_s_each_time_with_app_defaults() {
    let smb = SambaServer::start();
    let mut f = Fixture::on(&smb, "live_offline_twice", &[]);
    f.env.retain(|(k, _)| {
        k != "ANEMONE_SYNC_RECONNECT_SECS" && k != "ANEMONE_SYNC_SMB_TIMEOUT_SECS"
    });
    write(&f.l("a.txt"), "synced");
    let w = Watch::start(&f, &[]);
    wait_for(LONG, "the first sync", &w, || {
        holds(&f.r("a.txt"), b"synced")
    });
    for outage in 1..=2 {
        wait_for(LONG, "state idle", &w, || {
            live_state(&f).as_deref() == Some("idle")
        });
        std::thread::sleep(Duration::from_secs(2));
        smb.kill();
        let killed = std::time::Instant::now();
        wait_for(
            Duration::from_secs(10),
            "state offline within 10 s",
            &w,
            || live_state(&f).as_deref() == Some("offline"),
        );
        eprintln!(
            "outage {outage}: offline shown {:.1} s after the server went away",
            killed.elapsed().as_secs_f64()
        );
        smb.start_again();
        // Back by itself (the network-change nudge does not fire here): the first retries
        // come within seconds.
        wait_for(LONG, "state back from offline", &w, || {
            live_state(&f).as_deref() == Some("idle")
        });
    }
    write(&f.l("b.txt"), "after the outages");
    wait_for(
        LONG,
        "a new file on the share after the outages",
        &w,
        || holds(&f.r("b.txt"), b"after the outages"),
    );
    let mut w = w;
    assert_eq!(w.terminate(LONG), 0);
    f.assert_in_sync();
}

/// A large file written slowly (pieces with pauses longer than the quiet period, the file kept
/// open) reaches the share once and complete: never a partial version under its name, never
/// sent again while it grows.
#[test]
fn a_file_written_slowly_reaches_the_share_once_and_complete() {
    let f = Fixture::new("live_slow_writer", &["--quiet-ms", "200"]);
    let mut w = watch_started(&f, &[]);
    const PIECE: usize = 8 * 1024 * 1024;
    const PIECES: usize = 8;
    let data: Vec<u8> = (0..(PIECE * PIECES) as u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    // Every size the share shows under the real name while the file is written and sent.
    let seen = SizesSeen::start(&f.r("slow.bin"));
    write_slowly(&f.l("slow.bin"), &data, PIECE, Duration::from_millis(400));
    wait_for(LONG, "the whole file on the share", &w, || {
        holds(&f.r("slow.bin"), &data)
    });
    std::thread::sleep(Duration::from_secs(1));
    let seen = seen.stop();
    assert_eq!(
        seen,
        [data.len() as u64],
        "sizes the share showed under the real name"
    );
    assert!(
        trashed(&f.remote).is_empty(),
        "no version was replaced: {:?}",
        trashed(&f.remote)
    );
    assert_eq!(w.terminate(LONG), 0);
    let uploads: u64 = history(&f)
        .iter()
        .map(|r| r["uploaded"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(uploads, 1, "uploaded once: {:#?}", history(&f));
    f.assert_in_sync();
}

#[test]
fn sigterm_during_a_64_mib_upload_exits_cleanly_and_the_next_start_completes_it() {
    let f = Fixture::new("live_sigterm", &[]);
    let big: Vec<u8> = (0..64u32 * 1024 * 1024)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    write(&f.l("big.bin"), &big);
    // No grace: the transfer in flight is cut, not finished.
    let mut w = Watch::start(&f, &["--grace", "0"]);
    wait_for(LONG, "the upload under way", &w, || {
        names_containing(&f.remote, ".anemone-uploading")
            .iter()
            .any(|n| fs::metadata(f.r(n)).is_ok_and(|m| m.len() > 0))
            || f.r("big.bin").exists()
    });
    assert_eq!(w.terminate(LONG), 0, "{}", w.output());
    // Never a partial file under the real name.
    match fs::read(f.r("big.bin")) {
        Ok(got) => assert!(got == big, "a partial big.bin under its real name"),
        // Cut mid-way: the run says so, and the rest is left for the next one.
        Err(_) => assert!(
            history(&f).iter().any(|r| r["status"] == "interrupted"),
            "{:#?}",
            history(&f)
        ),
    }

    let mut w = watch_started(&f, &[]);
    wait_for(LONG, "big.bin complete on the share", &w, || {
        fs::metadata(f.r("big.bin")).is_ok_and(|m| m.len() == big.len() as u64)
    });
    assert_eq!(w.terminate(LONG), 0);
    assert_eq!(fs::read(f.r("big.bin")).unwrap(), big);
    f.assert_in_sync();
}

/// Pause and resume through the service API, as the tray uses them (a plain-folder remote:
/// pure service logic).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_job_starts_nothing_and_catches_up_on_resume() {
    use anemone_sync::engine::Engine;
    use anemone_sync::events::JobState;
    use anemone_sync::job_spec::JobSpec;
    use anemone_sync::service::{Service, ServiceOptions};
    use std::sync::Arc;

    let tmp = tempfile::tempdir().unwrap();
    let (local, remote) = (tmp.path().join("local"), tmp.path().join("remote"));
    fs::create_dir_all(&local).unwrap();
    fs::create_dir_all(&remote).unwrap();
    let engine = Arc::new(Engine::open(&tmp.path().join("data")).await.unwrap());
    let mut job = JobSpec::new(
        "paused",
        local.clone(),
        &format!("file://{}", remote.display()),
    );
    job.live.quiet_ms = 300;
    let job = engine.add_job(job, None).await.unwrap();
    let service = Service::start(engine.clone(), ServiceOptions::default()).await;
    let wait = |what: &'static str, cond: Box<dyn Fn() -> bool + Send>| async move {
        let deadline = tokio::time::Instant::now() + LIVE;
        while !cond() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "not within 5 s: {what}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    };
    let first = engine.clone();
    let deadline = tokio::time::Instant::now() + LONG;
    while first.history(Some(job.id), 1).await.unwrap().is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "no first sync");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    service.pause(None);
    assert!(service
        .statuses()
        .iter()
        .all(|s| s.state == JobState::Paused));
    // Other processes (`status`) see it too.
    let deadline = tokio::time::Instant::now() + LIVE;
    while !engine
        .live_states()
        .await
        .unwrap()
        .iter()
        .any(|l| l.job_id == job.id && l.state == "paused")
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "paused not published"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    fs::write(local.join("while-paused.txt"), "wait for me").unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        !remote.join("while-paused.txt").exists(),
        "synced while paused"
    );

    // Edited while paused (the app's Edit job): restarted with the new settings, still paused.
    let mut edited = JobSpec::new("paused", local.clone(), &job.remote_url);
    edited.live.quiet_ms = 250;
    engine.update_job(job.id, edited, None).await.unwrap();
    service.reload().await;
    assert!(service
        .statuses()
        .iter()
        .all(|s| s.state == JobState::Paused));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        !remote.join("while-paused.txt").exists(),
        "synced while paused"
    );

    service.resume(None);
    let r = remote.clone();
    wait(
        "the change made while paused on the other side",
        Box::new(move || holds(&r.join("while-paused.txt"), b"wait for me")),
    )
    .await;
    service.shutdown().await;
    assert_trees_equal(&local, &remote);
}
