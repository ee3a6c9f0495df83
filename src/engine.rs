//! The engine: the state database, credentials, event channel and settings that every run
//! shares, and what a job needs before any run (its rules, its excludes, its remote). A run
//! itself is [`crate::sync`]; live sync is [`crate::service`].

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::credentials::Credentials;
use crate::db::jobs::Job;
use crate::db::Db;
use crate::events::EventSender;
use crate::excludes::Excludes;
use crate::names::TRASH_DIR;
use crate::policy::Encryption;
use crate::relpath::RelPath;
use crate::replica::dir::DirReplica;
use crate::replica::smb::{SmbOptions, SmbReplica};
use crate::replica::{Replica, ReplicaErrorKind};
use crate::sync::report::{encryption_refused, JobCheckError, SyncError};
use crate::url::RemoteUrl;

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

pub struct Engine {
    pub db: Db,
    pub data_dir: PathBuf,
    pub credentials: Credentials,
    pub events: EventSender,
    /// How long a run keeps trying to reconnect before it ends as failed.
    pub reconnect_budget: Duration,
    pub smb_options: SmbOptions,
    /// This install's id (8 hex digits, kept in `DATA_DIR/install-id`), in our temp names.
    pub client_id: String,
    /// When set, the remote of a job comes from here instead of its URL (tests that stand in
    /// for a server, such as a hostile one; an embedder's own remote). `None` from it: by URL.
    pub remote_factory: Option<RemoteFactory>,
}

/// See [`Engine::remote_factory`].
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
            credentials: Credentials::new(&data_dir),
            events: crate::events::channel().0,
            reconnect_budget: Duration::from_secs(budget),
            smb_options,
        })
    }

    /// Checks a job against the rules ([`crate::job_rules`]) and the jobs already stored,
    /// before anything about it (its password included) is stored. `own_id`: the job being
    /// edited.
    pub async fn check_job(
        &self,
        job: &crate::db::jobs::NewJob,
        own_id: Option<i64>,
    ) -> Result<(), JobCheckError> {
        let others = self.db.jobs().await.map_err(JobCheckError::Db)?;
        crate::job_rules::check(job, own_id, &others, &self.data_dir).map_err(JobCheckError::Rule)
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
        remote.check_root().await.map_err(|e| match e.kind {
            ReplicaErrorKind::NotFound => SyncError::Config(format!(
                "{} ({}); create that folder on the share or fix the job's remote URL",
                e.message,
                remote.describe()
            )),
            _ => SyncError::Remote(e),
        })?;
        // What the wire showed, not only what the crate was asked: a required encryption that
        // did not happen stops the run before any file moves.
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
