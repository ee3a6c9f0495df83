//! The engine's public API as the desktop app uses it: typed progress events during a run.

use std::fs;

use anemone_sync::engine::Engine;
use anemone_sync::events::Event;
use anemone_sync::job_spec::JobSpec;
use anemone_sync::sync::SyncOptions;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_publishes_typed_progress_events() {
    let tmp = tempfile::tempdir().unwrap();
    let (local, remote) = (tmp.path().join("local"), tmp.path().join("remote"));
    fs::create_dir_all(&local).unwrap();
    fs::create_dir_all(&remote).unwrap();
    for i in 0..20 {
        fs::write(local.join(format!("f{i}.txt")), vec![b'x'; 1000 + i]).unwrap();
    }
    let engine = Engine::open(&tmp.path().join("data")).await.unwrap();
    let job = engine
        .add_job(
            JobSpec::new(
                "api",
                local.clone(),
                &format!("file://{}", remote.display()),
            ),
            None,
        )
        .await
        .unwrap();
    let mut rx = engine.subscribe();
    let report = engine.sync_job(&job, SyncOptions::default()).await;
    assert_eq!(report.counts.uploaded, 20);

    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    assert!(matches!(events.first(), Some(Event::RunStarted { job, .. }) if job == "api"));
    let done: Vec<&String> = events
        .iter()
        .filter_map(|e| match e {
            Event::FileDone { path, action, .. } if action == "uploaded" => Some(path),
            _ => None,
        })
        .collect();
    assert_eq!(done.len(), 20);
    let last_progress = events
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::Progress {
                files_done,
                files_total,
                bytes_done,
                bytes_total,
                ..
            } => Some((*files_done, *files_total, *bytes_done, *bytes_total)),
            _ => None,
        })
        .expect("a progress snapshot");
    let total: u64 = (0..20).map(|i| 1000 + i).sum();
    assert_eq!(last_progress, (20, 20, total, total));
    assert!(
        matches!(events.last(), Some(Event::RunFinished { counts, .. }) if counts.uploaded == 20)
    );
    // Events serialize for the UI with a type tag.
    let json = serde_json::to_value(&events[0]).unwrap();
    assert_eq!(json["type"], "run_started");
}

/// Regression: span guards held across awaits made tracing panic on a worker thread
/// ("tried to clone a span that already closed"), losing that file's transfer. Many parallel
/// transfers with logging on, through the real binary; every file must arrive.
#[test]
fn many_parallel_transfers_with_logging_all_arrive() {
    let tmp = tempfile::tempdir().unwrap();
    let (local, remote, data) = (
        tmp.path().join("l"),
        tmp.path().join("r"),
        tmp.path().join("d"),
    );
    fs::create_dir_all(&remote).unwrap();
    for d in 0..20 {
        fs::create_dir_all(local.join(format!("d{d}"))).unwrap();
        for i in 0..100 {
            fs::write(local.join(format!("d{d}/f{i}.txt")), format!("{d}-{i}")).unwrap();
        }
    }
    let bin = env!("CARGO_BIN_EXE_anemone-sync");
    let run = |args: &[&str]| {
        std::process::Command::new(bin)
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .env("RUST_LOG", "debug")
            .output()
            .unwrap()
    };
    let url = format!("file://{}", remote.display());
    let add = run(&[
        "job",
        "add",
        "j",
        "--local",
        local.to_str().unwrap(),
        "--remote",
        &url,
        "--parallel",
        "8",
    ]);
    assert!(add.status.success());
    let out = run(&["sync", "j", "--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked"),
        "{}",
        &stderr[stderr.find("panicked").unwrap_or(0)..][..300.min(stderr.len())]
    );
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["uploaded"], 2000);
}

/// Regression: `Service::reload` kept a worker running with the job's old settings after the
/// job was edited (the desktop app's Edit job), so the edit took effect only at the next start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_applies_an_edited_job() {
    use anemone_sync::service::{Service, ServiceOptions};
    use std::sync::Arc;
    use std::time::Duration;

    let tmp = tempfile::tempdir().unwrap();
    let local = tmp.path().join("local");
    let (old_remote, new_remote) = (tmp.path().join("old"), tmp.path().join("new"));
    for d in [&local, &old_remote, &new_remote] {
        fs::create_dir_all(d).unwrap();
    }
    fs::write(local.join("a.txt"), b"hello").unwrap();
    let engine = Arc::new(Engine::open(&tmp.path().join("data")).await.unwrap());
    let mut job = JobSpec::new(
        "edit",
        local.clone(),
        &format!("file://{}", old_remote.display()),
    );
    let id = engine.add_job(job.clone(), None).await.unwrap().id;
    let service = Service::start(engine.clone(), ServiceOptions::default()).await;
    let arrived = |p: std::path::PathBuf| async move {
        for _ in 0..100 {
            if fs::read(&p).ok().as_deref() == Some(b"hello".as_slice()) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    };
    assert!(arrived(old_remote.join("a.txt")).await, "first sync");

    job.remote_url = format!("file://{}", new_remote.display());
    service
        .change_job(id, engine.update_job(id, job, None))
        .await
        .unwrap();
    // A restarted worker runs at once; an old one would sync to the old folder again.
    service.sync_now(Some(id));
    assert!(
        arrived(new_remote.join("a.txt")).await,
        "the edited remote folder got no file: the worker kept the old settings"
    );
    service.shutdown().await;
}

/// Regression (issue 16): "Sync now" on a paused job did nothing and said nothing. It runs the
/// job once (the file arrives) and the job stays paused (a later file does not, not even with
/// a "sync all").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_now_on_a_paused_job_runs_it_once_and_it_stays_paused() {
    use anemone_sync::events::JobState;
    use anemone_sync::service::{Service, ServiceOptions};
    use std::sync::Arc;
    use std::time::Duration;

    let tmp = tempfile::tempdir().unwrap();
    let (local, remote) = (tmp.path().join("local"), tmp.path().join("remote"));
    for d in [&local, &remote] {
        fs::create_dir_all(d).unwrap();
    }
    let engine = Arc::new(Engine::open(&tmp.path().join("data")).await.unwrap());
    let job = JobSpec::new(
        "paused",
        local.clone(),
        &format!("file://{}", remote.display()),
    );
    let id = engine.add_job(job, None).await.unwrap().id;
    let service = Service::start(engine.clone(), ServiceOptions::default()).await;
    let state = || service.statuses()[0].state;
    let wait = |what: &'static str, f: &dyn Fn() -> bool| {
        let ok = (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(100));
            f()
        });
        assert!(ok, "{what}");
    };
    wait("the first run", &|| {
        state() == JobState::Idle && service.statuses()[0].last_sync_ms.is_some()
    });
    service.pause(Some(id));
    wait("paused", &|| state() == JobState::Paused);

    fs::write(local.join("asked.txt"), b"sync me now").unwrap();
    service.sync_now(Some(id));
    wait("the file sent by Sync now on a paused job", &|| {
        fs::read(remote.join("asked.txt")).ok().as_deref() == Some(b"sync me now".as_slice())
    });
    wait("paused again after the one run", &|| {
        state() == JobState::Paused
    });

    fs::write(local.join("later.txt"), b"not while paused").unwrap();
    // "Sync all" leaves a paused job paused: only a job asked by name runs once.
    service.sync_now(None);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        !remote.join("later.txt").exists(),
        "a paused job ran again by itself"
    );
    assert_eq!(state(), JobState::Paused);
    service.shutdown().await;
}

/// Regression: a job pointed at another remote folder kept the synced state of the old one, so
/// a file missing from the new folder looked deleted there since the last sync and the next run
/// deleted it locally. Moved, a job starts over as a first sync: nothing is deleted, and what
/// the new folder lacks is uploaded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_moved_to_another_folder_syncs_as_a_first_sync() {
    let tmp = tempfile::tempdir().unwrap();
    let local = tmp.path().join("local");
    let (old_remote, new_remote) = (tmp.path().join("old"), tmp.path().join("new"));
    for d in [&local, &old_remote, &new_remote] {
        fs::create_dir_all(d).unwrap();
    }
    fs::write(local.join("a.txt"), b"alpha").unwrap();
    fs::write(local.join("b.txt"), b"beta").unwrap();
    let engine = Engine::open(&tmp.path().join("data")).await.unwrap();
    let mut new = JobSpec::new(
        "moved",
        local.clone(),
        &format!("file://{}", old_remote.display()),
    );
    let job = engine.add_job(new.clone(), None).await.unwrap();
    let first = engine.sync_job(&job, SyncOptions::default()).await;
    assert_eq!(first.counts.uploaded, 2);
    // The new folder already holds one of the two files.
    fs::write(new_remote.join("a.txt"), b"alpha").unwrap();

    new.remote_url = format!("file://{}", new_remote.display());
    let job = engine.update_job(job.id, new, None).await.unwrap();
    let report = engine.sync_job(&job, SyncOptions::default()).await;
    assert_eq!(report.counts.deleted_local, 0, "{report:?}");
    assert_eq!(fs::read(local.join("b.txt")).unwrap(), b"beta");
    assert_eq!(fs::read(new_remote.join("b.txt")).unwrap(), b"beta");
    assert_eq!(fs::read(new_remote.join("a.txt")).unwrap(), b"alpha");
    assert_eq!(
        report.counts.uploaded, 1,
        "a.txt is the same on both sides: adopted"
    );

    // The new pair's state is recorded: the next run has nothing to do.
    let again = engine.sync_job(&job, SyncOptions::default()).await;
    assert_eq!(again.counts, Default::default());
}

/// The CLI's `job add` goes through the engine's job API: numbers are checked by the engine
/// (not clap), every problem is printed on its own line with the flag it concerns, the exit
/// code is 2 and nothing is stored; `job remove` removes through the same API.
#[test]
fn job_add_reports_every_problem_with_its_flag_and_stores_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (local, remote, data) = (
        tmp.path().join("l"),
        tmp.path().join("r"),
        tmp.path().join("d"),
    );
    fs::create_dir_all(&remote).unwrap();
    let bin = env!("CARGO_BIN_EXE_anemone-sync");
    let run = |args: &[&str]| {
        std::process::Command::new(bin)
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .env("ANEMONE_SYNC_CREDENTIAL_STORE", "file")
            .output()
            .unwrap()
    };
    let url = format!("file://{}", remote.display());
    let l = local.to_str().unwrap();
    let out = run(&[
        "job",
        "add",
        "j",
        "--local",
        l,
        "--remote",
        &url,
        "--parallel",
        "0",
        "--max-delete",
        "200",
        "--trigger",
        "schedule",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    assert!(lines[0].contains("from 0 to 100") && lines[0].ends_with("(--max-delete)"));
    assert!(lines[1].contains("from 1 to 64") && lines[1].ends_with("(--parallel)"));
    assert!(lines[2].contains("time of day") && lines[2].ends_with("(--at)"));
    let list = run(&["job", "list", "--json"]);
    assert_eq!(String::from_utf8_lossy(&list.stdout).trim(), "[]");

    assert!(run(&["job", "add", "j", "--local", l, "--remote", &url])
        .status
        .success());
    let out = run(&["job", "remove", "j"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = run(&["job", "list", "--json"]);
    assert_eq!(String::from_utf8_lossy(&list.stdout).trim(), "[]");
}

/// Regression (issue 16): folders a sync created or removed never appeared in History. Each
/// is now an activity row, named after the side changed, as files are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folders_created_and_removed_are_in_the_activity() {
    let tmp = tempfile::tempdir().unwrap();
    let (local, remote) = (tmp.path().join("local"), tmp.path().join("remote"));
    fs::create_dir_all(local.join("made here/inner")).unwrap();
    fs::create_dir_all(remote.join("made there")).unwrap();
    fs::write(local.join("made here/inner/a.txt"), b"a").unwrap();
    let engine = Engine::open(&tmp.path().join("data")).await.unwrap();
    let job = engine
        .add_job(
            JobSpec::new(
                "folders",
                local.clone(),
                &format!("file://{}", remote.display()),
            ),
            None,
        )
        .await
        .unwrap();
    let report = engine.sync_job(&job, SyncOptions::default()).await;
    assert_eq!(report.exit_code, 0, "{report:?}");
    assert!(remote.join("made here/inner/a.txt").is_file());
    assert!(local.join("made there").is_dir());

    // Removed on one side: removed on the other on the next run.
    fs::remove_dir(local.join("made there")).unwrap();
    let report = engine
        .sync_job(
            &job,
            SyncOptions {
                force: true,
                ..SyncOptions::default()
            },
        )
        .await;
    assert_eq!(report.exit_code, 0, "{report:?}");
    assert!(!remote.join("made there").exists());

    let rows: Vec<(String, String)> = engine
        .activity(Some(job.id), 100)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.action, a.path))
        .collect();
    for want in [
        ("folder_created_remote", "made here"),
        ("folder_created_remote", "made here/inner"),
        ("folder_created_local", "made there"),
        ("folder_deleted_remote", "made there"),
        ("uploaded", "made here/inner/a.txt"),
    ] {
        assert!(
            rows.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} missing from {rows:?}"
        );
    }
    assert_eq!(
        anemone_sync::words::activity_label("folder_deleted_remote"),
        "Folder deleted on the server"
    );
}
