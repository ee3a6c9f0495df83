//! A hostile server, in process (issue 12): a remote that answers listings and change
//! notifications with names built to reach outside the job's folder (`../..`, separators, NUL
//! and other control characters, drives, names too long). It implements the engine's remote
//! trait over a real folder, offering its names through the one door every remote uses
//! ([`Listing::accept`], [`Change::Names`]). Nothing may be written, read, renamed or deleted
//! outside the job's folders (a sentinel tree beside them stays as it was), and every name is
//! reported.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anemone_sync::engine::Engine;
use anemone_sync::job_spec::JobSpec;
use anemone_sync::relpath::RelPath;
use anemone_sync::replica::dir::DirReplica;
use anemone_sync::replica::{FileReader, FileWriter, Listing, Replica, ReplicaResult};
use anemone_sync::service::{Service, ServiceOptions};
use anemone_sync::sync::SyncOptions;
use anemone_sync::tree::Entry;
use anemone_sync::watch::{Change, ChangeSender, WatchGuard};
use async_trait::async_trait;

use crate::support::sync::{assert_trees_equal, tree, write, Node};

/// Names a compromised server could send, aimed at the sentinel beside the job folder.
fn hostile_names() -> Vec<String> {
    vec![
        "../sentinel/planted.txt".into(),
        "../../sentinel".into(),
        "..".into(),
        ".".into(),
        "..\\sentinel\\planted.txt".into(),
        "sub/../../sentinel/x".into(),
        "nul\0byte.txt".into(),
        "line\nbreak.txt".into(),
        "esc\u{1b}[2J.txt".into(),
        "C:".into(),
        "C:\\Windows\\x".into(),
        "\\\\?\\C:\\x".into(),
        "\\\\server\\share".into(),
        "x".repeat(300),
    ]
}

/// A real folder served as a remote, plus hostile names in every listing of its root and of
/// `sub`, and in its change notifications. Records every path it is asked to act on.
struct HostileRemote {
    inner: DirReplica,
    calls: Mutex<Vec<String>>,
}

impl HostileRemote {
    fn note(&self, what: &str, p: &RelPath) {
        self.calls.lock().unwrap().push(format!("{what} {p}"));
    }

    fn poison(&self, dir: &RelPath, mut l: Listing) -> Listing {
        if dir.is_root() || dir.as_str() == "sub" {
            for name in hostile_names() {
                // The only way a name becomes a path: refused and recorded for these.
                assert!(l.accept(dir, &name).is_none(), "{name:?} was accepted");
            }
        }
        l
    }
}

#[async_trait]
impl Replica for HostileRemote {
    fn describe(&self) -> String {
        "smb://hostile/share".into()
    }
    fn case_insensitive(&self) -> bool {
        false
    }
    async fn check_root(&self) -> ReplicaResult<()> {
        self.inner.check_root().await
    }
    async fn list(&self, skip_dir: &str) -> ReplicaResult<Listing> {
        let l = self.inner.list(skip_dir).await?;
        let l = self.poison(&RelPath::root(), l);
        Ok(self.poison(&RelPath::new("sub").unwrap(), l))
    }
    async fn list_dir(&self, path: &RelPath) -> ReplicaResult<Listing> {
        self.note("list_dir", path);
        let l = self.inner.list_dir(path).await?;
        Ok(self.poison(path, l))
    }
    async fn stat(&self, path: &RelPath) -> ReplicaResult<Option<Entry>> {
        self.inner.stat(path).await
    }
    async fn create_dir(&self, path: &RelPath) -> ReplicaResult<()> {
        self.note("create_dir", path);
        self.inner.create_dir(path).await
    }
    async fn remove_dir(&self, path: &RelPath) -> ReplicaResult<()> {
        self.note("remove_dir", path);
        self.inner.remove_dir(path).await
    }
    async fn remove_file(&self, path: &RelPath) -> ReplicaResult<()> {
        self.note("remove_file", path);
        self.inner.remove_file(path).await
    }
    async fn rename(&self, from: &RelPath, to: &RelPath, replace: bool) -> ReplicaResult<()> {
        self.note("rename", from);
        self.inner.rename(from, to, replace).await
    }
    async fn open_read(&self, path: &RelPath) -> ReplicaResult<Arc<dyn FileReader>> {
        self.note("open_read", path);
        self.inner.open_read(path).await
    }
    async fn open_write(
        &self,
        path: &RelPath,
        truncate: bool,
    ) -> ReplicaResult<Arc<dyn FileWriter>> {
        self.note("open_write", path);
        self.inner.open_write(path, truncate).await
    }
    async fn reconnect(&self) -> ReplicaResult<()> {
        Ok(())
    }
    async fn watch(&self, tx: ChangeSender) -> ReplicaResult<Option<WatchGuard>> {
        // A burst of hostile notifications now, and again a little later.
        let send = move || {
            let _ = tx.send(Change::Names(hostile_names()));
            let _ = tx.send(Change::Names(
                hostile_names().iter().map(|n| format!("sub/{n}")).collect(),
            ));
        };
        send();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            for _ in 0..3 {
                std::thread::sleep(Duration::from_millis(500));
                if stopped.load(std::sync::atomic::Ordering::Relaxed) {
                    return;
                }
                send();
            }
        });
        Ok(Some(WatchGuard::new(move || {
            stop.store(true, std::sync::atomic::Ordering::Relaxed)
        })))
    }
}

/// A job folder and a "server" folder side by side, a sentinel folder beside both, and an
/// engine whose remote is the hostile one.
struct Setup {
    _tmp: tempfile::TempDir,
    local: PathBuf,
    server: PathBuf,
    sentinel: PathBuf,
    sentinel_before: BTreeMap<String, Node>,
    remote: Arc<HostileRemote>,
    engine: Engine,
}

async fn setup(live: bool) -> (Setup, anemone_sync::db::jobs::Job) {
    let tmp = tempfile::tempdir().unwrap();
    // The job folder is two levels down, so `../..` lands in the temp folder.
    let local = tmp.path().join("jobs/local");
    let server = tmp.path().join("jobs/server");
    let sentinel = tmp.path().join("sentinel");
    write(&sentinel.join("keep.txt"), "the sentinel");
    write(
        &tmp.path().join("jobs/sentinel/keep.txt"),
        "the near sentinel",
    );
    write(&server.join("ok.txt"), "a good file");
    write(&server.join("sub/ok2.txt"), "another good file");
    write(&local.join("mine.txt"), "a local file");
    let sentinel_before = tree(tmp.path());
    let remote = Arc::new(HostileRemote {
        inner: DirReplica::new(&server),
        calls: Mutex::new(Vec::new()),
    });
    let mut engine = Engine::open(&tmp.path().join("data")).await.unwrap();
    let given = remote.clone();
    engine.set_remote_factory(Arc::new(move |_| Some(given.clone() as Arc<dyn Replica>)));
    let mut job = JobSpec::new(
        "hostile",
        local.clone(),
        &format!("file://{}", server.display()),
    );
    job.live.quiet_ms = 100;
    if !live {
        job.live.trigger = anemone_sync::trigger::Trigger::Manual;
    }
    let job = engine.add_job(job, None).await.unwrap();
    let s = Setup {
        _tmp: tmp,
        local,
        server,
        sentinel,
        sentinel_before,
        remote,
        engine,
    };
    (s, job)
}

impl Setup {
    /// Nothing outside the two job folders changed, and nothing was asked of the remote for a
    /// path that is not one of its own.
    fn assert_nothing_outside(&self) {
        let root = self.sentinel.parent().unwrap();
        let after: BTreeMap<String, Node> = tree(root)
            .into_iter()
            .filter(|(k, _)| !inside(k, &["jobs/local", "jobs/server", "data"]))
            .collect();
        let before: BTreeMap<String, Node> = self
            .sentinel_before
            .clone()
            .into_iter()
            .filter(|(k, _)| !inside(k, &["jobs/local", "jobs/server", "data"]))
            .collect();
        assert_eq!(after, before, "something outside the job folders changed");
        for call in self.remote.calls.lock().unwrap().iter() {
            assert!(!call.contains(".."), "asked to act on {call}");
        }
    }
}

fn inside(k: &str, roots: &[&str]) -> bool {
    roots
        .iter()
        .any(|r| k == *r || k.starts_with(&format!("{r}/")))
}

fn local_and_server_match(s: &Setup) {
    assert_trees_equal(&s.local, &s.server);
    assert!(Path::new(&s.local.join("ok.txt")).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_listing_touches_nothing_outside_and_every_name_is_reported() {
    let (s, job) = setup(false).await;
    for _ in 0..2 {
        let report = s.engine.sync_job(&job, SyncOptions::default()).await;
        assert_eq!(report.exit_code, 1, "{report:?}");
        let reported: Vec<&str> = report.errors.iter().map(|e| e.path.as_str()).collect();
        for dir in ["", "sub/"] {
            for name in hostile_names() {
                let shown = anemone_sync::relpath::escape(&format!("{dir}{name}"));
                assert!(
                    reported.contains(&shown.as_str()),
                    "{shown:?} not reported in {reported:?}"
                );
            }
        }
        s.assert_nothing_outside();
    }
    // The good files went both ways.
    local_and_server_match(&s);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_change_notifications_touch_nothing_outside() {
    let (s, job) = setup(true).await;
    let engine = Arc::new(s.engine);
    let service = Service::start(
        engine.clone(),
        ServiceOptions {
            jobs: Some(vec![job.id]),
            ..ServiceOptions::default()
        },
    )
    .await;
    // The first sync, then the notifications' runs.
    tokio::time::sleep(Duration::from_secs(4)).await;
    service.shutdown().await;
    let runs = engine.history(Some(job.id), 100).await.unwrap();
    assert!(!runs.is_empty());
    let reported: Vec<&str> = runs
        .iter()
        .flat_map(|r| r.errors.iter().map(|e| e.path.as_str()))
        .collect();
    assert!(
        reported.contains(&"../sentinel/planted.txt"),
        "{reported:?}"
    );
    let s = Setup {
        engine: Engine::open(&s._tmp.path().join("data")).await.unwrap(),
        ..s
    };
    s.assert_nothing_outside();
    local_and_server_match(&s);
}
