//! A server whose trash holds names built to reach outside the job's folders (`../..`,
//! separators, control characters, drives), and a local `.anemone-trash` that is a link to
//! somewhere else: listing, restoring and emptying the trash never read, write or delete
//! outside the job's folders (a sentinel tree beside them stays as it was), and the names are
//! reported.

use std::path::Path;
use std::sync::Arc;

use anemone_sync::engine::Engine;
use anemone_sync::job_spec::JobSpec;
use anemone_sync::relpath::RelPath;
use anemone_sync::replica::dir::DirReplica;
use anemone_sync::replica::{FileReader, FileWriter, Listing, Replica, ReplicaResult};
use anemone_sync::sync::SyncOptions;
use anemone_sync::trash::TrashKey;
use anemone_sync::tree::{Entry, Side};
use async_trait::async_trait;

use crate::support::sync::{tree, write};

/// A run folder of today: older ones could be emptied by the sync's retention clean-up.
fn stamp() -> String {
    chrono::Local::now().format("%Y-%m-%d %H%M%S").to_string()
}

fn hostile_names() -> Vec<String> {
    vec![
        "../sentinel/planted.txt".into(),
        "../../sentinel".into(),
        "..".into(),
        ".".into(),
        "..\\..\\sentinel\\keep.txt".into(),
        "nul\0byte.txt".into(),
        "esc\u{1b}[2J.txt".into(),
        "C:\\Windows\\x".into(),
        "\\\\server\\share".into(),
        "x".repeat(300),
    ]
}

/// A real folder served as a remote, with hostile names in every listing inside its trash.
struct HostileTrash {
    inner: DirReplica,
}

#[async_trait]
impl Replica for HostileTrash {
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
        self.inner.list(skip_dir).await
    }
    async fn list_dir(&self, path: &RelPath) -> ReplicaResult<Listing> {
        let mut l = self.inner.list_dir(path).await?;
        if path.as_str().starts_with(".anemone-trash") {
            for name in hostile_names() {
                assert!(l.accept(path, &name).is_none(), "{name:?} was accepted");
            }
        }
        Ok(l)
    }
    async fn stat(&self, path: &RelPath) -> ReplicaResult<Option<Entry>> {
        self.inner.stat(path).await
    }
    async fn create_dir(&self, path: &RelPath) -> ReplicaResult<()> {
        self.inner.create_dir(path).await
    }
    async fn remove_dir(&self, path: &RelPath) -> ReplicaResult<()> {
        self.inner.remove_dir(path).await
    }
    async fn remove_file(&self, path: &RelPath) -> ReplicaResult<()> {
        self.inner.remove_file(path).await
    }
    async fn rename(&self, from: &RelPath, to: &RelPath, replace: bool) -> ReplicaResult<()> {
        self.inner.rename(from, to, replace).await
    }
    async fn open_read(&self, path: &RelPath) -> ReplicaResult<Arc<dyn FileReader>> {
        self.inner.open_read(path).await
    }
    async fn open_write(
        &self,
        path: &RelPath,
        truncate: bool,
    ) -> ReplicaResult<Arc<dyn FileWriter>> {
        self.inner.open_write(path, truncate).await
    }
    async fn reconnect(&self) -> ReplicaResult<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_names_in_the_servers_trash_and_a_linked_local_trash_are_refused() {
    let stamp = stamp();
    let tmp = tempfile::tempdir().unwrap();
    // Two levels down, so `../..` lands in the temp folder beside the sentinel.
    let local = tmp.path().join("jobs/local");
    let server = tmp.path().join("jobs/server");
    write(&tmp.path().join("sentinel/keep.txt"), "the sentinel");
    write(
        &tmp.path().join("jobs/sentinel/keep.txt"),
        "the near sentinel",
    );
    write(&local.join("mine.txt"), "a local file");
    write(
        &server.join(format!(".anemone-trash/{stamp}/docs/good.txt")),
        "a good old version",
    );
    // The local trash is a link to the sentinel: never entered.
    std::os::unix::fs::symlink(tmp.path().join("sentinel"), local.join(".anemone-trash")).unwrap();
    let sentinel = |p: &Path| tree(&p.join("sentinel"));
    let before = (sentinel(tmp.path()), sentinel(&tmp.path().join("jobs")));

    let mut engine = Engine::open(&tmp.path().join("data")).await.unwrap();
    let remote = Arc::new(HostileTrash {
        inner: DirReplica::new(&server),
    });
    engine.set_remote_factory(Arc::new(move |_| Some(remote.clone() as Arc<dyn Replica>)));
    let mut spec = JobSpec::new(
        "hostile",
        local.clone(),
        &format!("file://{}", server.display()),
    );
    spec.live.trigger = anemone_sync::trigger::Trigger::Manual;
    let job = engine.add_job(spec, None).await.unwrap();
    let _ = engine.sync_job(&job, SyncOptions::default()).await;

    let l = engine.trash_list(&job).await;
    assert_eq!(l.items.len(), 1, "{:#?}", l.items);
    assert_eq!(l.items[0].original_path, "docs/good.txt");
    assert_eq!(l.items[0].side, Side::Remote);
    // Every hostile name is reported (once per folder of the trash it was in), and the link.
    let refused = l
        .problems
        .iter()
        .filter(|p| p.contains("on the server"))
        .count();
    assert!(refused >= hostile_names().len(), "{:#?}", l.problems);
    assert!(
        l.problems
            .iter()
            .any(|p| p.contains("on this computer") && p.contains("not a real folder")),
        "{:#?}",
        l.problems
    );

    // Restoring what a hostile name would say, on either side: refused.
    for name in hostile_names() {
        for side in [Side::Local, Side::Remote] {
            for trash_path in [
                format!(".anemone-trash/{stamp}/{name}"),
                format!(".anemone-trash/{name}"),
                name.clone(),
            ] {
                let r = engine
                    .trash_restore(&job, &[TrashKey { side, trash_path }])
                    .await;
                assert!(r[0].is_err(), "{name:?} on {side:?}: {r:?}");
            }
        }
    }
    // The one good file comes back; emptying leaves the linked local trash alone.
    let r = engine
        .trash_restore(
            &job,
            &[TrashKey {
                side: Side::Remote,
                trash_path: l.items[0].trash_path.clone(),
            }],
        )
        .await;
    assert_eq!(r[0].as_ref().unwrap().restored_to, "docs/good.txt");
    let emptied = engine.trash_empty(&job, &[Side::Local, Side::Remote]).await;
    assert!(emptied[0].1.is_err(), "a linked trash is not emptied");
    assert!(emptied[1].1.is_ok(), "{emptied:?}");

    assert_eq!(
        (sentinel(tmp.path()), sentinel(&tmp.path().join("jobs"))),
        before,
        "nothing outside the job's folders changed"
    );
    let _ = engine.sync_job(&job, SyncOptions::default()).await;
    assert_eq!(
        std::fs::read_to_string(local.join("docs/good.txt")).unwrap(),
        "a good old version"
    );
}
