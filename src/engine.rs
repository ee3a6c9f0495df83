//! The engine: the state database, credentials, event channel and settings that every run
//! shares, and what a job needs before any run (its rules, its excludes, its remote). A run
//! itself is [`crate::sync`]; live sync is [`crate::service`].

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::credentials::{CredentialError, Credentials, StoreKind};
use crate::db::conflicts::Conflict;
use crate::db::history::{Activity, Run};
use crate::db::jobs::Job;
use crate::db::live::LiveRow;
use crate::db::{Db, DbError};
use crate::events::EventSender;
use crate::excludes::Excludes;
use crate::names::TRASH_DIR;
use crate::policy::Encryption;
use crate::relpath::RelPath;
use crate::replica::dir::DirReplica;
use crate::replica::smb::{SmbOptions, SmbReplica};
use crate::replica::{Replica, ReplicaErrorKind};
use crate::sync::report::{encryption_refused, SyncError};
use crate::url::{RemoteUrl, SmbUrl};

/// Where AnemoneSync keeps its database, credential file and logs: `--data-dir`, else
/// `ANEMONE_SYNC_HOME`, else the OS data folder.
pub fn data_dir(cli: Option<&Path>) -> PathBuf {
    if let Some(p) = cli {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os("ANEMONE_SYNC_HOME").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("anemone-sync")
}

/// What every run shares. Its parts are the engine's own: callers outside the crate use its
/// methods (the job API in [`crate::jobs`], runs in [`crate::sync`], the reads below).
pub struct Engine {
    pub(crate) db: Db,
    pub(crate) data_dir: PathBuf,
    pub(crate) credentials: Arc<Credentials>,
    pub(crate) events: EventSender,
    /// How long a run keeps trying to reconnect before it ends as failed.
    pub(crate) reconnect_budget: Duration,
    pub(crate) smb_options: SmbOptions,
    /// This install's id (8 hex digits, kept in `DATA_DIR/install-id`), in our temp names.
    pub(crate) client_id: String,
    /// When set, the remote of a job comes from here instead of its URL (tests that stand in
    /// for a server, such as a hostile one; an embedder's own remote). `None` from it: by URL.
    pub(crate) remote_factory: Option<RemoteFactory>,
    /// The bandwidth buckets of this process (see [`crate::limits`]).
    pub(crate) buckets: Arc<crate::limits::Buckets>,
}

/// See [`Engine::set_remote_factory`].
pub type RemoteFactory = Arc<dyn Fn(&Job) -> Option<Arc<dyn Replica>> + Send + Sync>;

/// `inner` relative to `outer` when it lies inside it (or is it); both made canonical first
/// where they exist, so `..` or a link in either spelling does not hide the nesting.
pub fn path_below(inner: &Path, outer: &Path) -> Option<RelPath> {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (inner, outer) = (canon(inner), canon(outer));
    let rel = inner.strip_prefix(&outer).ok()?;
    if rel.as_os_str().is_empty() {
        return Some(RelPath::root());
    }
    RelPath::from_local(&outer, &inner)
}

/// Reads this install's id, creating it on first use.
fn install_id(data_dir: &Path) -> Result<String, SyncError> {
    let path = data_dir.join("install-id");
    if let Ok(id) = std::fs::read_to_string(&path) {
        let id = id.trim();
        if id.len() == 8 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(id.to_string());
        }
    }
    let id = format!("{:08x}", rand::random::<u32>());
    std::fs::write(&path, &id)
        .map_err(|e| SyncError::local(format!("cannot write {}", path.display()), e))?;
    Ok(id)
}

impl Engine {
    pub async fn open(data_dir: &Path) -> Result<Engine, SyncError> {
        crate::memory::keep_transfer_blocks();
        let db = Db::open(data_dir).await?;
        let budget = std::env::var("ANEMONE_SYNC_RECONNECT_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60);
        let mut smb_options = SmbOptions::default();
        if let Some(t) = std::env::var("ANEMONE_SYNC_SMB_TIMEOUT_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
        {
            smb_options.timeout = Duration::from_secs(t);
        }
        // How many SMB connections a job uses side by side (default 4); 1 for measurements.
        if let Some(n) = std::env::var("ANEMONE_SYNC_SMB_CONNECTIONS")
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
        {
            smb_options.connections = n.clamp(1, 16);
        }
        // The canonical path: it is compared with job folders to keep it out of them.
        let data_dir = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
        Ok(Engine {
            client_id: install_id(&data_dir)?,
            db,
            remote_factory: None,
            data_dir: data_dir.clone(),
            credentials: Arc::new(Credentials::new(&data_dir)),
            events: crate::events::channel().0,
            reconnect_budget: Duration::from_secs(budget),
            smb_options,
            buckets: Arc::default(),
        })
    }

    /// AnemoneSync's data folder (canonical): database, credential file, logs.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// A receiver of the engine's events (runs, progress, files done), from now on.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<crate::events::Event> {
        self.events.subscribe()
    }

    /// The options SMB connections are made with (timeouts, connections per job).
    pub fn smb_options(&self) -> &SmbOptions {
        &self.smb_options
    }

    /// Where new passwords go: the OS keyring, or the credential file.
    pub fn credential_store(&self) -> StoreKind {
        self.credentials.store_in_use()
    }

    /// A sentence for people: which credential store, and where.
    pub fn describe_credential_store(&self) -> String {
        self.credentials.describe_store()
    }

    /// The password stored for an SMB login; `None` for none (a guest login, or not stored).
    /// Runs off the async threads (a keyring call blocks).
    pub async fn stored_password(&self, url: &SmbUrl) -> Result<Option<String>, CredentialError> {
        let (creds, url) = (self.credentials.clone(), url.clone());
        tokio::task::spawn_blocking(move || creds.get(&url))
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    }

    /// Past runs, newest first (of one job, or all), at most `limit`.
    pub async fn history(&self, job_id: Option<i64>, limit: u32) -> Result<Vec<Run>, DbError> {
        self.db.runs(job_id, limit).await
    }

    /// Files synced lately, newest first (of one job, or all), at most `limit`.
    pub async fn activity(
        &self,
        job_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Activity>, DbError> {
        self.db.activity(job_id, limit).await
    }

    /// Conflicts waiting for the user (of one job, or all).
    pub async fn pending_conflicts(&self, job_id: Option<i64>) -> Result<Vec<Conflict>, DbError> {
        self.db.pending_conflicts(job_id).await
    }

    pub async fn conflict(&self, id: i64) -> Result<Option<Conflict>, DbError> {
        self.db.conflict_by_id(id).await
    }

    /// What live sync (a `watch` or the app) last recorded of each job it runs.
    pub async fn live_states(&self) -> Result<Vec<LiveRow>, DbError> {
        self.db.live_states().await
    }

    /// How many bytes of an interrupted transfer of `path` are known to have landed, which the
    /// next run resumes from (`None`: no transfer of it was interrupted).
    pub async fn resume_point(
        &self,
        job_id: i64,
        path: &RelPath,
        direction: crate::tree::Direction,
    ) -> Result<Option<u64>, DbError> {
        let rec = self.db.transfer_record(job_id, path, direction).await?;
        Ok(rec.map(|r| r.committed))
    }

    /// This install's id (8 hex digits), in our temp names.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// How long a run keeps trying to reconnect before it ends as failed.
    pub fn set_reconnect_budget(&mut self, budget: Duration) {
        self.reconnect_budget = budget;
    }

    /// Makes each job's remote come from `factory` instead of its URL (where it gives one).
    pub fn set_remote_factory(&mut self, factory: RemoteFactory) {
        self.remote_factory = Some(factory);
    }

    /// A fingerprint (blake3) of the password stored for a job's login, to notice that it
    /// changed without keeping or showing it; `None` for no password or no SMB login.
    pub fn password_fingerprint(&self, job: &Job) -> Option<[u8; 32]> {
        let Ok(RemoteUrl::Smb(u)) = RemoteUrl::parse(&job.remote_url) else {
            return None;
        };
        let pw = self.credentials.get(&u).ok().flatten()?;
        Some(*blake3::hash(pw.as_bytes()).as_bytes())
    }

    /// What a job never syncs: its patterns, the defaults, and our own data folder (database,
    /// logs, credential file) wherever it lies inside the job's local folder or a `file://`
    /// remote folder, so it is never uploaded, downloaded or deleted.
    pub fn excludes_for(&self, job: &Job) -> Result<Excludes, SyncError> {
        let mut ex = Excludes::new(&job.excludes).map_err(|e| SyncError::Config(e.to_string()))?;
        let mut roots = vec![job.local_path.clone()];
        if let Ok(RemoteUrl::Dir(p)) = RemoteUrl::parse(&job.remote_url) {
            roots.push(p);
        }
        for root in roots {
            if path_below(&root, &self.data_dir).is_some() {
                return Err(SyncError::Config(format!(
                    "the folder {} is AnemoneSync's data folder or inside it ({}); point the job at another folder",
                    root.display(),
                    self.data_dir.display()
                )));
            }
            if let Some(rel) = path_below(&self.data_dir, &root) {
                ex = ex.with_path(rel);
            }
        }
        Ok(ex)
    }

    /// Connects to a job's remote and checks its folder exists.
    pub async fn open_remote(&self, job: &Job) -> Result<Arc<dyn Replica>, SyncError> {
        let remote = self.connect_remote(job).await?;
        check_remote_root(remote.as_ref()).await?;
        Ok(remote)
    }

    /// Connects to a job's remote (and, for a job that requires encryption, checks the wire
    /// was encrypted), without looking at its folder: see [`check_remote_root`].
    pub(crate) async fn connect_remote(&self, job: &Job) -> Result<Arc<dyn Replica>, SyncError> {
        let url =
            RemoteUrl::parse(&job.remote_url).map_err(|e| SyncError::Config(e.to_string()))?;
        let given = self.remote_factory.as_ref().and_then(|f| f(job));
        let remote: Arc<dyn Replica> = match (given, url) {
            (Some(r), _) => r,
            (None, RemoteUrl::Dir(p)) => Arc::new(DirReplica::new(p)),
            (None, RemoteUrl::Smb(u)) => {
                let password = self
                    .credentials
                    .get(&u)
                    .map_err(|e| SyncError::Config(e.to_string()))?
                    .unwrap_or_default();
                let opts = SmbOptions {
                    encryption: job.encryption,
                    ..self.smb_options.clone()
                };
                let r = SmbReplica::connect(&u, &password, opts)
                    .await
                    .map_err(|e| encryption_refused(job, e))?;
                Arc::new(r)
            }
        };
        // What the wire showed, not only what the crate was asked: a required encryption that
        // did not happen stops the run before anything is asked of the share (the last message
        // sent so far is the share connect).
        if job.encryption == Encryption::Required && remote.security().is_some_and(|s| !s.encrypted)
        {
            return Err(SyncError::Refused(format!(
                "{} did not encrypt the connection, and job '{}' requires encryption; nothing was transferred. Turn on SMB encryption on the server (Samba: `server smb encrypt = required` or `desired`), or set the job's encryption to auto",
                remote.describe(),
                job.name
            )));
        }
        Ok(remote)
    }

    /// What changed on the remote since the last sync, by one full listing compared with the
    /// metadata recorded at that sync: live sync's polling when change notification is off,
    /// refused or lost. The local side is not walked.
    pub async fn remote_changes(&self, job: &Job) -> Result<Vec<RelPath>, SyncError> {
        let excludes = self.excludes_for(job)?;
        let remote = self.open_remote(job).await?;
        let base = self.db.load_base(job.id).await?;
        let listing = remote.list(TRASH_DIR).await?;
        let mut changed = Vec::new();
        let mut seen = BTreeSet::new();
        for e in &listing.entries {
            if excludes.is_excluded(&e.path) {
                continue;
            }
            seen.insert(e.path.clone());
            if !base.get(&e.path).is_some_and(|b| b.remote_unchanged(e)) {
                changed.push(e.path.clone());
            }
        }
        changed.extend(
            base.keys()
                .filter(|p| !seen.contains(*p) && !excludes.is_excluded(p))
                .cloned(),
        );
        Ok(changed)
    }
}

/// Checks the remote's folder exists and is a folder: a missing one is the job's setting.
pub(crate) async fn check_remote_root(remote: &dyn Replica) -> Result<(), SyncError> {
    remote.check_root().await.map_err(|e| match e.kind {
        ReplicaErrorKind::NotFound => SyncError::Config(format!(
            "{} ({}); create that folder on the share or fix the job's remote URL",
            e.message,
            remote.describe()
        )),
        _ => SyncError::Remote(e),
    })
}
