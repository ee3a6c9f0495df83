//! Tests of the engine's own logic without Samba (issue 13): a job whose remote is a
//! [`MemoryReplica`] behind a [`FaultyReplica`], run through the real engine (gather,
//! reconcile, guard, execute, clean-up) on a real local folder. Fast and deterministic; what
//! depends on a real server stays in the Samba scenarios.
//!
//! - [`execute`]: a two-way sync converges, and a second run does nothing;
//! - [`retry`]: transient errors are retried, permanent ones stay per-file, a dropped
//!   connection that comes back costs nothing;
//! - [`resume`]: cut transfers leave no partial file under a real name and resume;
//! - [`guard`]: the mass-delete guard stops a run before it touches anything;
//! - [`finish`]: a failed final rename leaves the real name alone;
//! - [`large`]: a no-op over 20,000 files plans nothing, and changes spread over it are found.

mod execute;
mod finish;
mod first_sync;
mod guard;
mod large;
mod moves;
mod needs_you;
mod overlap;
mod resume;
mod retry;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anemone_sync::db::history::RunStatus;
use anemone_sync::db::jobs::Job;
use anemone_sync::engine::Engine;
use anemone_sync::job_spec::JobSpec;
use anemone_sync::names::{is_temp_name, TRASH_DIR};
use anemone_sync::replica::faulty::FaultyReplica;
use anemone_sync::replica::memory::{self, MemoryReplica};
use anemone_sync::replica::Replica;
use anemone_sync::sync::{RunReport, SyncOptions};

use crate::support::sync::{tree, Node};

/// A job syncing a temp folder with a memory remote that can be made to fail.
pub struct Offline {
    _tmp: tempfile::TempDir,
    pub local: PathBuf,
    /// The remote's content, to change or inspect it behind the engine's back.
    pub mem: MemoryReplica,
    /// What the engine talks to: `mem` with faults.
    pub remote: Arc<FaultyReplica>,
    pub engine: Engine,
    pub job: Job,
}

impl Offline {
    pub async fn new() -> Offline {
        Self::with(|_| {}).await
    }

    /// With the job's settings changed by `edit` before it is stored.
    pub async fn with(edit: impl FnOnce(&mut JobSpec)) -> Offline {
        let tmp = tempfile::tempdir().unwrap();
        let local = tmp.path().join("local");
        std::fs::create_dir_all(&local).unwrap();
        // The job's URL must name a folder; the remote itself comes from the factory.
        let placeholder = tmp.path().join("unused-remote");
        std::fs::create_dir_all(&placeholder).unwrap();
        let mem = MemoryReplica::new();
        let remote = Arc::new(FaultyReplica::new(Arc::new(mem.clone())));
        let mut engine = Engine::open(&tmp.path().join("data")).await.unwrap();
        // Short, so a run whose server stays away ends quickly.
        engine.set_reconnect_budget(Duration::from_millis(300));
        let given = remote.clone();
        engine.set_remote_factory(Arc::new(move |_| Some(given.clone() as Arc<dyn Replica>)));
        let mut new = JobSpec::new(
            "offline",
            local.clone(),
            &format!("file://{}", placeholder.display()),
        );
        new.live.trigger = anemone_sync::trigger::Trigger::Manual;
        edit(&mut new);
        let job = engine.add_job(new, None).await.unwrap();
        Offline {
            _tmp: tmp,
            local,
            mem,
            remote,
            engine,
            job,
        }
    }

    pub async fn sync(&self) -> RunReport {
        self.sync_with(SyncOptions::default()).await
    }

    pub async fn sync_with(&self, opts: SyncOptions) -> RunReport {
        self.engine.sync_job(&self.job, opts).await
    }

    /// A run that must succeed.
    pub async fn sync_ok(&self) -> RunReport {
        let r = self.sync().await;
        assert_eq!(r.status, RunStatus::Success, "{r:#?}");
        assert_eq!(r.exit_code, 0);
        r
    }

    /// A run that must find nothing to do.
    pub async fn assert_idle(&self) {
        let r = self.sync_ok().await;
        assert_eq!(
            r.counts,
            Default::default(),
            "second run did something: {r:#?}"
        );
        assert!(r.errors.is_empty(), "{r:#?}");
    }

    pub fn l(&self, rel: &str) -> PathBuf {
        self.local.join(rel)
    }

    /// The local folder without its trash.
    pub fn local_tree(&self) -> BTreeMap<String, Node> {
        tree(&self.local)
    }

    /// The remote without its trash.
    pub fn remote_tree(&self) -> BTreeMap<String, Node> {
        remote_tree(&self.mem)
    }

    /// Both sides hold the same names and bytes, and no temp file is left on either.
    pub fn assert_in_sync(&self) {
        let (l, r) = (self.local_tree(), self.remote_tree());
        for k in l.keys().chain(r.keys()) {
            let name = k.rsplit('/').next().unwrap_or(k);
            assert!(!is_temp_name(name), "temp file left: {k}");
        }
        assert_eq!(l, r, "local and remote differ");
    }

    /// Files in the trash of the local side, below their run folder.
    pub fn local_trash(&self) -> Vec<String> {
        crate::support::sync::trashed(&self.local)
    }

    /// Files in the trash of the remote, below their run folder.
    pub fn remote_trash(&self) -> Vec<String> {
        self.mem
            .snapshot()
            .into_iter()
            .filter(|(_, n)| matches!(n, memory::Node::File(_)))
            .filter_map(|(k, _)| {
                let rest = k.strip_prefix(&format!("{TRASH_DIR}/"))?;
                Some(rest.split_once('/')?.1.to_string())
            })
            .collect()
    }

    /// The temp name this install gives `path` (on the remote for an upload, locally for a
    /// download).
    pub fn temp(&self, path: &str, upload: bool) -> String {
        let suffix = if upload {
            anemone_sync::names::UPLOAD_SUFFIX
        } else {
            anemone_sync::names::DOWNLOAD_SUFFIX
        };
        let (dir, name) = match path.rsplit_once('/') {
            Some((d, n)) => (format!("{d}/"), n),
            None => (String::new(), path),
        };
        format!(
            "{dir}{}",
            anemone_sync::names::temp_name(name, self.engine.client_id(), suffix)
        )
    }
}

/// A memory remote's tree as the test support compares trees: the trash left out.
pub fn remote_tree(mem: &MemoryReplica) -> BTreeMap<String, Node> {
    mem.snapshot()
        .into_iter()
        .filter(|(k, _)| k != TRASH_DIR && !k.starts_with(&format!("{TRASH_DIR}/")))
        .map(|(k, n)| {
            let n = match n {
                memory::Node::Dir => Node::Dir,
                memory::Node::File(b) => Node::File(b),
            };
            (k, n)
        })
        .collect()
}

/// `n` bytes that differ from one offset to the next and from one `seed` to another, so a
/// misplaced or missing chunk shows.
pub fn bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

pub const MIB: usize = 1024 * 1024;
