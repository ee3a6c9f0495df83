//! The types that cross the bridge to the web UI, and the one source of its TypeScript types
//! (`ui/src/bindings.ts`, generated in `bindings.rs` and checked by a test). Conversions from the
//! engine's types are in `convert.rs`.
//!
//! They mirror the engine's types rather than deriving `TS` on them, so the engine stays free
//! of UI concerns and a field the engine gains (a job's live-sync settings, say) does not
//! change the bridge until the UI is taught about it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Sync direction of a job (reconcile::Mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    TwoWay,
    Upload,
    Download,
}

/// What to do when a file changed on both sides (reconcile::ConflictPolicy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum ConflictPolicy {
    KeepBoth,
    Newest,
    Local,
    Remote,
    Ask,
}

/// What starts a job's syncs (trigger::Trigger).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    /// Watchers and the server's change notification: a moment after each change.
    Realtime,
    /// Every `interval_minutes`.
    Interval,
    /// At the schedule's times of day, on its days.
    Schedule,
    /// Only when asked (Sync now).
    Manual,
}

/// When a job syncs: the part of its live settings (trigger::LiveSettings) the form shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct When {
    pub trigger: Trigger,
    /// `interval`: minutes between syncs.
    pub interval_minutes: u32,
    /// `schedule`: times of day, "HH:MM" (24 h).
    pub times: Vec<String>,
    /// `schedule`: days of the week, "mon" to "sun"; empty: every day.
    pub days: Vec<String>,
}

/// What a job asks of the SMB connection's encryption (remote::Encryption).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Encryption {
    /// As the server asks.
    Auto,
    /// Every message encrypted; a server that cannot is refused.
    Required,
}

/// How the live connection to the server protects what it sends (remote::ConnectionSecurity).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ConnectionSecurity {
    pub encrypted: bool,
    pub signed: bool,
}

/// How a run ended (db::history::RunStatus).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Running,
    Success,
    Partial,
    Failed,
    Aborted,
    /// Stopped on purpose before the end (pause, quit); the next run does the rest.
    Interrupted,
    /// Not a run: a time the server could not be reached.
    Offline,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Connecting,
    Scanning,
    Planning,
    Transferring,
    Finishing,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Up,
    Down,
}

/// What a job is doing (events::JobState).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Idle,
    Syncing,
    Paused,
    Offline,
    Error,
    Conflict,
    /// The delete guard stopped a run: the job waits for the user's decision (see `NeedsYou`).
    #[serde(rename = "needs_you")]
    NeedsYou,
    /// The first sync found files on both sides and waits for the user's choice.
    #[serde(rename = "first-sync")]
    FirstSync,
}

/// A sync job (db::jobs::Job).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Job {
    pub id: i64,
    pub name: String,
    pub local_path: String,
    /// Canonical remote URL, never with a password.
    pub remote_url: String,
    pub mode: Mode,
    pub conflict_policy: ConflictPolicy,
    pub excludes: Vec<String>,
    pub max_delete_percent: u32,
    pub enabled: bool,
    pub parallel: u32,
    pub trash_retention_days: u32,
    pub when: When,
    pub encryption: Encryption,
}

/// What a run did (db::history::Counts).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct Counts {
    pub uploaded: u64,
    pub downloaded: u64,
    pub deleted_local: u64,
    pub deleted_remote: u64,
    /// Renamed here, following a move made on the share.
    pub moved_local: u64,
    /// Renamed on the share, following a move made here.
    pub moved_remote: u64,
    pub conflicts: u64,
    pub skipped: u64,
    pub bytes_up: u64,
    pub bytes_down: u64,
}

/// One file a run could not sync, and why (db::history::FileError).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct FileError {
    pub path: String,
    /// A sentence for people.
    pub message: String,
    /// The technical text behind it (the server's answer), for "Details"; null when the
    /// message says it all.
    pub detail: Option<String>,
}

/// One run of a job (db::history::Run); the counts are flattened into it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Run {
    pub id: i64,
    pub job: String,
    pub started_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    pub status: RunStatus,
    pub dry_run: bool,
    #[serde(flatten)]
    #[ts(flatten)]
    pub counts: Counts,
    pub message: Option<String>,
    pub errors: Vec<FileError>,
    /// Paths left alone on purpose (symbolic links, special files) and the like: not errors.
    pub notes: Vec<FileError>,
}

/// One line of the recent-activity list (db::history::Activity).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Activity {
    pub run_id: i64,
    pub job: String,
    pub at_ms: i64,
    pub path: String,
    /// As in history: uploaded, downloaded, deleted_local, deleted_remote, moved_local, ...
    pub action: String,
    pub bytes: u64,
    /// A move's old path (`path` is the new one).
    pub moved_from: Option<String>,
}

/// A conflict waiting for the user (db::conflicts::Conflict).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Conflict {
    pub id: i64,
    pub job: String,
    pub job_id: i64,
    pub path: String,
    pub local_size: u64,
    pub local_mtime_ns: i64,
    pub remote_size: u64,
    pub remote_mtime_ns: i64,
    pub detected_at_ms: i64,
}

/// A file being transferred (events::Transfer).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Transfer {
    pub path: String,
    pub direction: Direction,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

/// An engine progress event (events::Event); the payload of `engine-event`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EngineEvent {
    RunStarted {
        job: String,
        run_id: i64,
    },
    Phase {
        job: String,
        phase: Phase,
    },
    Progress {
        job: String,
        files_done: u64,
        files_total: u64,
        bytes_done: u64,
        bytes_total: u64,
        /// Bytes per second over the run so far.
        rate: u64,
        /// Seconds left at the current rate, when it can be told.
        eta_secs: Option<u64>,
        current: Vec<Transfer>,
    },
    FileDone {
        job: String,
        path: String,
        action: String,
        bytes: u64,
    },
    FileFailed {
        job: String,
        path: String,
        message: String,
    },
    RunFinished {
        job: String,
        run_id: i64,
        status: RunStatus,
        counts: Counts,
    },
    /// A job's live state changed.
    JobState {
        job: String,
        state: JobState,
        message: Option<String>,
    },
}

/// A job as the shell reports it: the Job row plus live state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct JobView {
    #[serde(flatten)]
    #[ts(flatten)]
    pub job: Job,
    pub state: JobState,
    /// Why the job is in `error` or `offline`, written for people.
    pub message: Option<String>,
    pub last_run: Option<Run>,
    /// When the next scheduled sync starts (ms since the epoch), if one is scheduled.
    pub next_sync_ms: Option<i64>,
    pub pending_conflicts: u64,
    /// The server rejected the login: the job waits for a new password (`set_password`).
    pub needs_password: bool,
    /// How the last connection to the server was protected, once known.
    pub security: Option<ConnectionSecurity>,
    /// In `needs_you`: what the stopped run would delete, until the user decides.
    pub needs_you: Option<NeedsYou>,
}

/// The server part of the job form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ServerInput {
    pub host: String,
    /// null: the default SMB port (445).
    pub port: Option<u32>,
    pub share: String,
    pub user: String,
    pub domain: Option<String>,
    /// null: keep the stored password (edit) or none.
    pub password: Option<String>,
}

/// The job form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct JobInput {
    pub name: String,
    pub local_path: String,
    pub server: ServerInput,
    /// Folder inside the share, '' or '/'-separated, e.g. "Projects/2026".
    pub remote_path: String,
    pub mode: Mode,
    pub conflict_policy: ConflictPolicy,
    pub excludes: Vec<String>,
    pub max_delete_percent: u32,
    pub parallel: u32,
    pub when: When,
    pub encryption: Encryption,
}

/// One side of a conflicted file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Preview {
    pub size: u64,
    pub mtime_ns: i64,
    /// Start of the file when it is text.
    pub text: Option<String>,
    /// A small data: URL when the file is an image.
    pub image_data_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ConflictPreview {
    pub local: Preview,
    pub remote: Preview,
}

/// Which version of a conflicted file to keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Keep {
    Local,
    Remote,
    Both,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ResolveResult {
    pub id: i64,
    pub ok: bool,
    pub message: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
}

/// App settings (kept by the shell in `DATA_DIR/app-settings.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Settings {
    pub start_at_login: bool,
    pub notifications: bool,
    pub parallel_transfers: u32,
    pub log_level: LogLevel,
}

/// Payload of `app-state`: the overall state shown in the header and the tray.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct AppState {
    pub state: JobState,
    pub summary: String,
    /// Every job, disabled ones too: 0 is the "add a sync job" state.
    pub jobs: u32,
    /// Jobs that run (Sync all / Pause all act on these; none: the buttons are off).
    pub enabled_jobs: u32,
    /// Enabled jobs that are paused (all of them: Pause all is off, Resume all on).
    pub paused_jobs: u32,
}

/// A screen of the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum View {
    Jobs,
    Progress,
    History,
    Conflicts,
    Settings,
}

/// Payload of `navigate`: the tray asks the window to show a screen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Navigate {
    pub view: View,
}

/// A side of a job (tree::Side).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Local,
    Remote,
}

/// What a run stopped by the delete guard would have deleted (sync::guard::GuardStop). The
/// job waits in `needs_you` until the user answers with a `Decision`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct NeedsYou {
    /// The side the files would be deleted on (they are gone from the other one).
    pub side: Side,
    /// How many files.
    pub count: u64,
    /// Their total size in bytes.
    pub bytes: u64,
    /// The first of them (up to 20), in path order.
    pub paths: Vec<String>,
    /// The local folder is missing or is not the one that was synced (a disk not mounted?).
    pub folder_changed: bool,
    /// What happened, written for people.
    pub what: String,
}

/// The answer to a delete-guard stop (service::Decision).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Delete them on the other side too (one run with force; they go to that side's trash).
    DeleteOnOtherSide,
    /// Copy them back from the other side (nothing is deleted).
    RestoreMissing,
    /// Not now: the job waits and does not sync by itself.
    Later,
}
