//! One sync run of a job, end to end: connect, scan both sides, reconcile, check the safety
//! guard, execute, record. Also conflict resolution and the pieces the CLI and the desktop app
//! share (opening a job's remote, the data folder).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tracing::Instrument;

use crate::beneath::Beneath;
use crate::credentials::Credentials;
use crate::db::history::{Counts, FileError, RunStatus};
use crate::db::jobs::Job;
use crate::db::{Db, DbError};
use crate::events::{Event, EventSender, Phase, RunProgress, PROGRESS_INTERVAL};
use crate::excludes::Excludes;
use crate::execute::{Executor, RunControl, Side};
use crate::guard;
use crate::names::{parse_temp_name, TRASH_DIR};
use crate::reconcile::{reconcile, Action, ReconcileOptions, Resolution};
use crate::relpath::RelPath;
use crate::remote::dir::DirRemote;
use crate::remote::smb::{SmbOptions, SmbRemote};
use crate::remote::{
    ConnectionSecurity, Encryption, EntryKind, Listing, Remote, RemoteError, RemoteErrorKind,
};
use crate::scan::{scan_local, scan_local_scope, ScanError};
use crate::scope::{list_remote_scope, Scope};
use crate::tree::{LocalEntry, RemoteTree};
use crate::url::RemoteUrl;

/// Why a run could not do its work. Each maps to a CLI exit code.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SyncError {
    /// Usage or configuration (exit 2).
    #[error("{0}")]
    Config(String),
    /// The server rejected the user name or password (wrong, expired, locked): the user must
    /// enter a new one; live sync does not retry it on a timer (exit 3).
    #[error("{0}")]
    Auth(String),
    /// Cannot use the share (no such share, access denied, encryption refused): the user must
    /// act (exit 3).
    #[error("{0}")]
    Connect(String),
    /// The server cannot be reached (down, network gone, timed out): live sync goes offline
    /// and retries by itself (exit 3).
    #[error("{0}")]
    Unreachable(String),
    /// A safety guard stopped the run before anything was touched (exit 5).
    #[error("{0}")]
    Guard(String),
}

/// Why a job cannot be stored as it is.
#[derive(Debug, thiserror::Error)]
pub enum JobCheckError {
    #[error(transparent)]
    Rule(crate::job_rules::JobProblem),
    #[error(transparent)]
    Db(DbError),
}

impl From<JobCheckError> for SyncError {
    fn from(e: JobCheckError) -> Self {
        SyncError::Config(e.to_string())
    }
}

impl From<DbError> for SyncError {
    fn from(e: DbError) -> Self {
        SyncError::Config(e.to_string())
    }
}

impl SyncError {
    pub fn exit_code(&self) -> i32 {
        match self {
            SyncError::Config(_) => 2,
            SyncError::Auth(_) | SyncError::Connect(_) | SyncError::Unreachable(_) => 3,
            SyncError::Guard(_) => 5,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct SyncOptions {
    pub dry_run: bool,
    pub force: bool,
    /// Only these paths (live sync); `None`: the whole tree.
    pub scope: Option<Scope>,
    /// Lets a pause or shutdown stop the run part-way (see [`RunControl`]).
    pub control: Option<RunControl>,
    /// Leave no history entry when the run found nothing to do (live sync's checks).
    pub forget_if_idle: bool,
}

/// The outcome of one job's run, as `sync --json` prints it.
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    pub job: String,
    pub status: RunStatus,
    #[serde(flatten)]
    pub counts: Counts,
    pub errors: Vec<FileError>,
    /// Paths left alone on purpose (symbolic links, special files), and what the run noticed
    /// (a trash folder that is not a folder): reported, not errors.
    pub notes: Vec<FileError>,
    pub duration_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip)]
    pub run_id: Option<i64>,
    #[serde(skip)]
    pub exit_code: i32,
    /// The server could not be reached, or the connection was lost for good (live sync goes
    /// offline and retries by itself).
    #[serde(skip)]
    pub unreachable: bool,
    /// The server rejected the login: live sync stops and waits for a new password.
    #[serde(skip)]
    pub auth_failed: bool,
    /// How the connection to the server was protected (SMB remotes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection: Option<ConnectionSecurity>,
    /// The plan, for `--dry-run`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned: Option<Vec<PlannedAction>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PlannedAction {
    pub path: String,
    pub action: &'static str,
}

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

/// A connect error; one caused by encryption the job requires says so.
fn encryption_refused(job: &Job, e: RemoteError) -> SyncError {
    let about_encryption = e.message.contains("ncryption");
    if job.encryption == Encryption::Required && about_encryption {
        return SyncError::Connect(format!(
            "the server cannot encrypt the connection, and job '{}' requires encryption; nothing was transferred. Turn on SMB encryption on the server (Samba: `server smb encrypt = required` or `desired`; SMB 3 needed), or set the job's encryption to auto ({})",
            job.name, e.message
        ));
    }
    remote_error_to_sync(e)
}

fn remote_error_to_sync(e: RemoteError) -> SyncError {
    match e.kind {
        RemoteErrorKind::Connection | RemoteErrorKind::Timeout => SyncError::Unreachable(e.message),
        RemoteErrorKind::Auth => SyncError::Auth(e.message),
        RemoteErrorKind::NoSuchShare | RemoteErrorKind::AccessDenied => {
            SyncError::Connect(e.message)
        }
        _ => SyncError::Config(e.message),
    }
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
pub type RemoteFactory = Arc<dyn Fn(&Job) -> Option<Arc<dyn Remote>> + Send + Sync>;

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
        .map_err(|e| SyncError::Config(format!("cannot write {}: {e}", path.display())))?;
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
    pub async fn open_remote(&self, job: &Job) -> Result<Arc<dyn Remote>, SyncError> {
        let url =
            RemoteUrl::parse(&job.remote_url).map_err(|e| SyncError::Config(e.to_string()))?;
        let given = self.remote_factory.as_ref().and_then(|f| f(job));
        let remote: Arc<dyn Remote> = match (given, url) {
            (Some(r), _) => r,
            (None, RemoteUrl::Dir(p)) => Arc::new(DirRemote::new(p)),
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
                let r = SmbRemote::connect(&u, &password, opts)
                    .await
                    .map_err(|e| encryption_refused(job, e))?;
                Arc::new(r)
            }
        };
        remote.check_root().await.map_err(|e| match e.kind {
            RemoteErrorKind::NotFound => SyncError::Config(format!(
                "{} ({}); create that folder on the share or fix the job's remote URL",
                e.message,
                remote.describe()
            )),
            _ => remote_error_to_sync(e),
        })?;
        // What the wire showed, not only what the crate was asked: a required encryption that
        // did not happen stops the run before any file moves.
        if job.encryption == Encryption::Required && remote.security().is_some_and(|s| !s.encrypted)
        {
            return Err(SyncError::Connect(format!(
                "{} did not encrypt the connection, and job '{}' requires encryption; nothing was transferred. Turn on SMB encryption on the server (Samba: `server smb encrypt = required` or `desired`), or set the job's encryption to auto",
                remote.describe(),
                job.name
            )));
        }
        Ok(remote)
    }

    /// Syncs one job. Never panics on bad input: every failure is in the report.
    pub async fn sync_job(&self, job: &Job, opts: SyncOptions) -> RunReport {
        // A span guard must not be held across awaits on a multi-thread runtime (it panicked
        // a worker once): the future is instrumented instead.
        let span = tracing::info_span!("run", job = %job.name);
        self.sync_job_in_span(job, opts).instrument(span).await
    }

    async fn sync_job_in_span(&self, job: &Job, opts: SyncOptions) -> RunReport {
        let started = Instant::now();
        let _ = self.db.close_stale_runs(job.id).await;
        let run_id = if opts.dry_run {
            None
        } else {
            self.db.start_run(job.id, false).await.ok()
        };
        if let Some(id) = run_id {
            let _ = self.events.send(Event::RunStarted {
                job: job.name.clone(),
                run_id: id,
            });
        }
        let mut report = match self.sync_inner(job, opts.clone(), run_id).await {
            Ok(r) => r,
            Err(e) => {
                let status = if matches!(e, SyncError::Guard(_)) {
                    RunStatus::Aborted
                } else {
                    RunStatus::Failed
                };
                RunReport {
                    job: job.name.clone(),
                    status,
                    counts: Counts::default(),
                    errors: Vec::new(),
                    notes: Vec::new(),
                    duration_ms: 0,
                    message: Some(e.to_string()),
                    run_id,
                    exit_code: e.exit_code(),
                    unreachable: matches!(e, SyncError::Unreachable(_)),
                    auth_failed: matches!(e, SyncError::Auth(_)),
                    connection: None,
                    planned: None,
                }
            }
        };
        report.duration_ms = started.elapsed().as_millis() as u64;
        let idle = report.status == RunStatus::Success
            && report.counts == Counts::default()
            && report.errors.is_empty();
        let forget = opts.forget_if_idle && idle;
        if let Some(id) = run_id {
            if forget {
                let _ = self.db.delete_run(id).await;
                report.run_id = None;
            } else {
                let _ = self
                    .db
                    .finish_run(id, report.status, &report.counts, report.message.as_deref())
                    .await;
            }
            let _ = self.events.send(Event::RunFinished {
                job: job.name.clone(),
                run_id: id,
                status: report.status,
                counts: report.counts.clone(),
            });
        }
        tracing::info!(
            status = report.status.as_str(),
            duration_ms = report.duration_ms,
            "run finished"
        );
        report
    }

    fn phase(&self, job: &Job, phase: Phase) {
        let _ = self.events.send(Event::Phase {
            job: job.name.clone(),
            phase,
        });
    }

    async fn sync_inner(
        &self,
        job: &Job,
        opts: SyncOptions,
        run_id: Option<i64>,
    ) -> Result<RunReport, SyncError> {
        let excludes = self.excludes_for(job)?;
        self.phase(job, Phase::Connecting);
        let scope = opts.scope.clone().filter(|s| !s.is_everything());
        // The remote side (connect, then list) and the local side (load the base, then scan)
        // run at the same time: neither needs the other until reconciling.
        // Each stage's time at debug level (`RUST_LOG=anemone_sync=debug`), to see where a
        // run's time goes.
        let t0 = Instant::now();
        let remote_side = async {
            let remote = self.open_remote(job).await?;
            tracing::debug!(ms = t0.elapsed().as_millis() as u64, "remote connected");
            self.phase(job, Phase::Scanning);
            let listing = match &scope {
                Some(s) => list_remote_scope(remote.as_ref(), s, TRASH_DIR).await,
                None => remote.list(TRASH_DIR).await,
            };
            tracing::debug!(ms = t0.elapsed().as_millis() as u64, "remote listed");
            Ok::<_, SyncError>((remote, listing))
        };
        let local_side = async {
            // What the run sees of the base: all of it, or what the scope covers (read by key
            // ranges, so a live run in a 100,000-file job does not load 100,000 rows). And how
            // many files the job has synced, the guards' yardstick.
            let (base, synced_files) = match &scope {
                Some(s) => (
                    self.db.load_base_scope(job.id, s).await?,
                    self.db.base_file_count(job.id).await?,
                ),
                None => {
                    let b = self.db.load_base(job.id).await?;
                    let n = b.values().filter(|e| e.kind == EntryKind::File).count();
                    (b, n)
                }
            };
            tracing::debug!(ms = t0.elapsed().as_millis() as u64, "base loaded");
            let base = Arc::new(base);
            let root = job.local_path.clone();
            let (base_for_scan, ex, sc) = (base.clone(), excludes.clone(), scope.clone());
            let client = self.client_id.clone();
            let scan = tokio::task::spawn_blocking(move || match &sc {
                Some(s) => scan_local_scope(&root, s, &base_for_scan, &ex, &client),
                None => scan_local(&root, &base_for_scan, &ex, &client),
            })
            .await;
            tracing::debug!(ms = t0.elapsed().as_millis() as u64, "local scanned");
            Ok::<_, SyncError>((base, synced_files, scan))
        };
        let (remote_side, local_side) = tokio::join!(remote_side, local_side);
        // A connection problem is reported first, as before the two sides overlapped.
        let (remote, listing) = remote_side?;
        let (base, synced_files, scan) = local_side?;
        let scan = match scan.map_err(|e| SyncError::Config(format!("local scan failed: {e}")))? {
            Ok(s) => s,
            Err(ScanError::RootMissing(p)) => {
                if synced_files > 0 && !opts.force {
                    return Err(SyncError::Guard(format!(
                        "the local folder {} is missing but {} files were synced from it before; is the disk mounted? If the folder is gone on purpose, run again with --force (the remote copies are kept in its trash if deleted)",
                        p.display(),
                        synced_files
                    )));
                }
                std::fs::create_dir_all(&p).map_err(|e| {
                    SyncError::Config(format!("cannot create local folder {}: {e}", p.display()))
                })?;
                scan_local(&p, &base, &excludes, &self.client_id)
                    .map_err(|e| SyncError::Config(e.to_string()))?
            }
            Err(e) => return Err(SyncError::Config(e.to_string())),
        };
        let Listing {
            entries: listing,
            rejected: remote_rejected,
            skipped: remote_skipped,
        } = listing.map_err(remote_error_to_sync)?;

        // This install's leftover temps from interrupted runs (not in excluded paths), removed
        // at the end unless resumed. Anything else that looks like a temp is left alone.
        let remote_temps: Vec<RelPath> = listing
            .iter()
            .filter(|e| e.kind == EntryKind::File && self.is_own_temp(&e.path, &excludes))
            .map(|e| e.path.clone())
            .collect();
        // Hidden from this run on all three trees, so nothing is done to them on either side:
        // what could not be read, and links and special files on either side.
        let hidden: BTreeSet<RelPath> = scan
            .unreadable
            .iter()
            .map(|(p, _)| p.clone())
            .chain(scan.skipped.iter().map(|(p, _)| p.clone()))
            .chain(remote_skipped.iter().map(|(p, _)| p.clone()))
            .collect();
        // A path is hidden when it or a folder above it is (a lookup per level, not a scan of
        // every hidden path for every file).
        let visible = |p: &RelPath| {
            !excludes.is_excluded(p)
                && !hidden.contains(p)
                && !p.ancestors().any(|a| hidden.contains(&a))
        };
        let remote_tree: RemoteTree = listing
            .into_iter()
            .filter(|e| visible(&e.path))
            .map(|e| (e.path.clone(), e))
            .collect();
        let mut base_tree = Arc::unwrap_or_clone(base);
        base_tree.retain(|p, _| visible(p));
        let local_tree = scan.tree;
        let mut notes: Vec<FileError> = scan
            .skipped
            .iter()
            .map(|(p, why)| note(p, why, "local"))
            .chain(
                remote_skipped
                    .iter()
                    .filter(|(p, _)| !excludes.is_excluded(p))
                    .map(|(p, why)| note(p, why, "remote")),
            )
            .collect();

        self.phase(job, Phase::Planning);
        let ropts = ReconcileOptions {
            mode: job.mode,
            remote_case_insensitive: remote.case_insensitive(),
            check_smb_names: true,
        };
        let actions = reconcile(&local_tree, &remote_tree, &base_tree, &ropts);
        tracing::debug!(
            ms = t0.elapsed().as_millis() as u64,
            actions = actions.len(),
            "reconciled"
        );
        if !opts.force {
            let totals = match &scope {
                None => guard::Totals::of(&local_tree, &remote_tree, &base_tree),
                Some(_) => guard::Totals::of_job(synced_files),
            };
            guard::check(&actions, totals, job.max_delete_percent)
                .map_err(|g| SyncError::Guard(g.0))?;
        }
        let mut pre_errors: Vec<FileError> = scan
            .unreadable
            .iter()
            .map(|(p, why)| FileError {
                path: p.as_str().to_string(),
                message: why.clone(),
            })
            .chain(
                scan.rejected
                    .iter()
                    .chain(remote_rejected.iter())
                    .map(|r| FileError {
                        path: r.shown.clone(),
                        message: r.reason.clone(),
                    }),
            )
            .collect();

        if opts.dry_run {
            return Ok(dry_run_report(job, &actions, pre_errors, notes));
        }

        self.phase(job, Phase::Transferring);
        let progress = Arc::new(RunProgress::new(&job.name));
        let mut exec = Executor::new(
            self.db.clone(),
            job.clone(),
            run_id,
            Arc::new(DirRemote::new(job.local_path.clone())),
            remote.clone(),
            progress.clone(),
            Some(self.events.clone()),
            self.reconnect_budget,
            &self.client_id,
        );
        if let Some(c) = &opts.control {
            exec.control = c.clone();
        }
        let exec = Arc::new(exec);
        for (p, e) in &local_tree {
            if e.kind == EntryKind::Dir {
                exec.dirs.mark(Side::Local, p.clone());
            }
        }
        for (p, e) in &remote_tree {
            if e.kind == EntryKind::Dir {
                exec.dirs.mark(Side::Remote, p.clone());
            }
        }
        let ticker = {
            let (progress, events) = (progress.clone(), self.events.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(PROGRESS_INTERVAL).await;
                    let _ = events.send(progress.snapshot());
                }
            })
        };
        let result = exec.run(actions).await;
        ticker.abort();
        tracing::debug!(ms = t0.elapsed().as_millis() as u64, "executed");
        let _ = self.events.send(progress.snapshot());

        self.phase(job, Phase::Finishing);
        let lost = result.connection_lost.clone();
        let stopped = result.left_by_stop > 0;
        // Temps and pending conflicts are judged on the whole tree: full, complete runs only.
        if lost.is_none() && !stopped && scope.is_none() {
            let temps = Temps {
                local: &scan.own_temps,
                remote: &remote_temps,
            };
            notes.extend(self.clean_up(job, &exec, &remote, temps).await);
            tracing::debug!(ms = t0.elapsed().as_millis() as u64, "cleaned up");
        }
        if let Some(id) = run_id {
            for e in &pre_errors {
                let _ = self.db.record_error(id, &e.path, &e.message).await;
            }
            for n in &notes {
                let _ = self.db.record_note(id, &n.path, &n.message).await;
            }
        }
        let mut counts = result.counts;
        counts.skipped += pre_errors.len() as u64;
        pre_errors.extend(result.errors);
        let errors = pre_errors;
        let (status, exit_code) = if lost.is_some() {
            (RunStatus::Failed, 3)
        } else if stopped {
            (RunStatus::Interrupted, 0)
        } else if !errors.is_empty() {
            (RunStatus::Partial, 1)
        } else {
            (RunStatus::Success, 0)
        };
        let unreachable = lost.is_some();
        let message = lost.or_else(|| {
            stopped.then(|| {
                format!(
                    "stopped before the end; {} left for the next sync",
                    plural(result.left_by_stop, "change")
                )
            })
        });
        Ok(RunReport {
            job: job.name.clone(),
            status,
            counts,
            errors,
            notes,
            duration_ms: 0,
            unreachable,
            auth_failed: false,
            connection: remote.security(),
            message,
            run_id,
            exit_code,
            planned: None,
        })
    }

    /// Whether `path` is a temp file this install wrote (`NAME.<our id>.anemone-…`) for a
    /// name that is not excluded: the only kind of temp a clean-up removes.
    fn is_own_temp(&self, path: &RelPath, excludes: &Excludes) -> bool {
        parse_temp_name(path.name()).is_some_and(|(real, id)| {
            id == self.client_id
                && !path.parent().is_some_and(|d| excludes.is_excluded(&d))
                && path
                    .with_name(real)
                    .is_ok_and(|r| !excludes.is_excluded(&r))
        })
    }

    /// After a run that kept its connection: remove our temps no run will resume, settle
    /// pending conflicts that disappeared, and empty old trash. Returns what is worth a note
    /// in the run's history (a trash folder that is not a folder).
    async fn clean_up(
        &self,
        job: &Job,
        exec: &Executor,
        remote: &Arc<dyn Remote>,
        temps: Temps<'_>,
    ) -> Vec<FileError> {
        let failed = exec.failed.lock().unwrap().clone();
        // Kept while a failed transfer may resume it.
        let resumable = |temp: &RelPath| {
            parse_temp_name(temp.name())
                .and_then(|(real, _)| temp.with_name(real).ok())
                .is_some_and(|real| failed.contains(&real))
        };
        for t in temps.remote.iter().filter(|t| !resumable(t)) {
            if remote.stat(t).await.ok().flatten().is_some() {
                let _ = remote.remove_file(t).await;
            }
        }
        let local_fs = Beneath::new(&job.local_path);
        for t in temps.local.iter().filter(|t| !resumable(t)) {
            let _ = local_fs.remove_file(t);
        }
        let pending: BTreeSet<RelPath> = exec.pending.lock().unwrap().clone();
        if let Ok(list) = self.db.pending_conflicts(Some(job.id)).await {
            for c in list {
                if let Ok(p) = RelPath::new(&c.path) {
                    if !pending.contains(&p) {
                        let _ = self.db.mark_conflict_resolved(job.id, &p, "gone").await;
                    }
                }
            }
        }
        let mut notes = Vec::new();
        let local_side = DirRemote::new(job.local_path.clone());
        for (side, what) in [
            (&local_side as &dyn Remote, "local"),
            (remote.as_ref(), "remote"),
        ] {
            match crate::execute::trash::purge(side, job.trash_retention_days).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(runs = n, side = what, "emptied old trash"),
                Err(crate::execute::trash::PurgeError::NotAFolder(why)) => {
                    tracing::warn!(side = what, reason = %why, "the trash is not a folder; left alone");
                    notes.push(note(&RelPath::new(TRASH_DIR).expect("valid"), &why, what));
                }
                Err(crate::execute::trash::PurgeError::Remote(e)) => {
                    tracing::warn!(error = %e, side = what, "could not empty old trash")
                }
            }
        }
        notes
    }

    /// What changed on the remote since the last sync, by one full listing compared with the
    /// metadata recorded at that sync: live sync's polling when change notification is off,
    /// refused or lost. The local side is not walked.
    pub async fn remote_changes(&self, job: &Job) -> Result<Vec<RelPath>, SyncError> {
        let excludes = self.excludes_for(job)?;
        let remote = self.open_remote(job).await?;
        let base = self.db.load_base(job.id).await?;
        let listing = remote.list(TRASH_DIR).await.map_err(remote_error_to_sync)?;
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

    /// Settles one pending conflict as the user chose.
    pub async fn resolve(&self, conflict_id: i64, keep: Keep) -> Result<RunReport, SyncError> {
        let started = Instant::now();
        let c = self.db.conflict_by_id(conflict_id).await?.ok_or_else(|| {
            SyncError::Config(format!(
                "no pending conflict with id {conflict_id}; see `anemone-sync conflicts`"
            ))
        })?;
        let job = self
            .db
            .job_by_id(c.job_id)
            .await?
            .ok_or_else(|| SyncError::Config("the conflict's job no longer exists".into()))?;
        let path = RelPath::new(&c.path).map_err(|e| SyncError::Config(e.to_string()))?;
        let remote = self.open_remote(&job).await?;
        let local_side = Arc::new(DirRemote::new(job.local_path.clone()));
        let l = local_side.stat(&path).await.map_err(remote_error_to_sync)?;
        let r = remote.stat(&path).await.map_err(remote_error_to_sync)?;
        let (Some(l), Some(r)) = (l, r) else {
            self.db
                .mark_conflict_resolved(job.id, &path, "gone")
                .await?;
            return Err(SyncError::Config(format!(
                "{path} is no longer on both sides; the conflict is closed, run `anemone-sync sync {}`",
                job.name
            )));
        };
        let (fs, rel) = (Beneath::new(&job.local_path), path.clone());
        let hash = tokio::task::spawn_blocking(move || fs.hash_file(&rel))
            .await
            .map_err(|e| SyncError::Config(e.to_string()))?
            .map_err(|e| SyncError::Config(format!("cannot read {path}: {e}")))?;
        let local = LocalEntry {
            path: path.clone(),
            kind: EntryKind::File,
            size: l.size,
            mtime_ns: l.mtime_ns,
            hash: Some(hash),
        };
        let resolution = match keep {
            Keep::Local => Resolution::UseLocal,
            Keep::Remote => Resolution::UseRemote,
            Keep::Both => Resolution::KeepBoth { loser: Side::Local },
        };
        let run_id = self.db.start_run(job.id, false).await.ok();
        let exec = Arc::new(Executor::new(
            self.db.clone(),
            job.clone(),
            run_id,
            local_side,
            remote,
            Arc::new(RunProgress::new(&job.name)),
            Some(self.events.clone()),
            self.reconnect_budget,
            &self.client_id,
        ));
        let result = exec.resolve(&local, &r, resolution).await;
        let ok = result.errors.is_empty();
        if ok {
            self.db
                .mark_conflict_resolved(job.id, &path, keep.as_str())
                .await?;
        }
        let status = if ok {
            RunStatus::Success
        } else {
            RunStatus::Partial
        };
        if let Some(id) = run_id {
            let _ = self
                .db
                .finish_run(
                    id,
                    status,
                    &result.counts,
                    Some(&format!("resolved {path}: keep {}", keep.as_str())),
                )
                .await;
        }
        Ok(RunReport {
            job: job.name,
            status,
            counts: result.counts,
            errors: result.errors,
            notes: Vec::new(),
            duration_ms: started.elapsed().as_millis() as u64,
            message: None,
            run_id,
            exit_code: if ok { 0 } else { 1 },
            unreachable: false,
            auth_failed: false,
            connection: None,
            planned: None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    Local,
    Remote,
    Both,
}

impl Keep {
    pub fn as_str(self) -> &'static str {
        match self {
            Keep::Local => "local",
            Keep::Remote => "remote",
            Keep::Both => "both",
        }
    }
}

/// A note for a run's history: `path` left alone on `side` ("local" or "remote"), and why.
fn note(path: &RelPath, why: &str, side: &str) -> FileError {
    FileError {
        path: path.as_str().to_string(),
        message: format!("{why} ({side} side)"),
    }
}

/// This install's leftover temps on each side, for the clean-up.
struct Temps<'a> {
    local: &'a [RelPath],
    remote: &'a [RelPath],
}

fn dry_run_report(
    job: &Job,
    actions: &[Action],
    errors: Vec<FileError>,
    notes: Vec<FileError>,
) -> RunReport {
    let mut counts = Counts::default();
    let mut planned = Vec::new();
    let mut errors = errors;
    for a in actions {
        let name = match a {
            Action::Upload { local, .. } => {
                counts.uploaded += 1;
                counts.bytes_up += local.size;
                "upload"
            }
            Action::Download { remote, .. } => {
                counts.downloaded += 1;
                counts.bytes_down += remote.size;
                "download"
            }
            Action::CreateRemoteDir { .. } => "create remote folder",
            Action::CreateLocalDir { .. } => "create local folder",
            Action::DeleteLocal { .. } => {
                counts.deleted_local += 1;
                "delete local"
            }
            Action::DeleteRemote { .. } => {
                counts.deleted_remote += 1;
                "delete remote"
            }
            Action::Conflict { .. } => {
                counts.conflicts += 1;
                "conflict"
            }
            Action::Skip { path, reason } => {
                counts.skipped += 1;
                errors.push(FileError {
                    path: path.as_str().to_string(),
                    message: reason.clone(),
                });
                "skip"
            }
            Action::Record { .. } | Action::Forget { .. } => continue,
        };
        planned.push(PlannedAction {
            path: a.path().as_str().to_string(),
            action: name,
        });
    }
    RunReport {
        job: job.name.clone(),
        status: if errors.is_empty() {
            RunStatus::Success
        } else {
            RunStatus::Partial
        },
        counts,
        exit_code: if errors.is_empty() { 0 } else { 1 },
        errors,
        notes,
        duration_ms: 0,
        message: Some("dry run: nothing was changed".into()),
        run_id: None,
        unreachable: false,
        auth_failed: false,
        connection: None,
        planned: Some(planned),
    }
}

/// "1 file", "3 files".
pub fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
