// Generated from src-tauri/src/types.rs by `cargo test -p anemone-sync-app bindings`
// (UPDATE_BINDINGS=1 rewrites it). Do not edit by hand.

/**
 * Sync direction of a job (reconcile::Mode).
 */
export type Mode = "two-way" | "upload" | "download";

/**
 * What to do when a file changed on both sides (reconcile::ConflictPolicy).
 */
export type ConflictPolicy = "keep-both" | "newest" | "local" | "remote" | "ask";

/**
 * What starts a job's syncs (trigger::Trigger).
 */
export type Trigger = "realtime" | "interval" | "schedule" | "manual";

/**
 * When a job syncs: the part of its live settings (trigger::LiveSettings) the form shows.
 */
export type When = { trigger: Trigger, 
/**
 * `interval`: minutes between syncs.
 */
interval_minutes: number, 
/**
 * `schedule`: times of day, "HH:MM" (24 h).
 */
times: Array<string>, 
/**
 * `schedule`: days of the week, "mon" to "sun"; empty: every day.
 */
days: Array<string>, };

/**
 * What a job asks of the SMB connection's encryption (remote::Encryption).
 */
export type Encryption = "auto" | "required";

/**
 * How the live connection to the server protects what it sends (remote::ConnectionSecurity).
 */
export type ConnectionSecurity = { encrypted: boolean, signed: boolean, };

/**
 * How a run ended (db::history::RunStatus).
 */
export type RunStatus = "running" | "success" | "partial" | "failed" | "aborted" | "interrupted" | "offline";

export type Phase = "connecting" | "scanning" | "planning" | "transferring" | "finishing";

export type Direction = "up" | "down";

/**
 * What a job is doing (events::JobState).
 */
export type JobState = "idle" | "syncing" | "paused" | "offline" | "error" | "conflict" | "needs_you" | "first-sync";

/**
 * A sync job (db::jobs::Job).
 */
export type Job = { id: number, name: string, local_path: string, 
/**
 * Canonical remote URL, never with a password.
 */
remote_url: string, mode: Mode, conflict_policy: ConflictPolicy, excludes: Array<string>, max_delete_percent: number, enabled: boolean, parallel: number, trash_retention_days: number, when: When, encryption: Encryption, };

/**
 * What a run did (db::history::Counts).
 */
export type Counts = { uploaded: number, downloaded: number, deleted_local: number, deleted_remote: number, 
/**
 * Renamed here, following a move made on the share.
 */
moved_local: number, 
/**
 * Renamed on the share, following a move made here.
 */
moved_remote: number, conflicts: number, skipped: number, bytes_up: number, bytes_down: number, };

/**
 * One file a run could not sync, and why (db::history::FileError).
 */
export type FileError = { path: string, 
/**
 * A sentence for people.
 */
message: string, 
/**
 * The technical text behind it (the server's answer), for "Details"; null when the
 * message says it all.
 */
detail: string | null, };

/**
 * One run of a job (db::history::Run); the counts are flattened into it.
 */
export type Run = { id: number, job: string, started_at_ms: number, ended_at_ms: number | null, status: RunStatus, dry_run: boolean, message: string | null, errors: Array<FileError>, 
/**
 * Paths left alone on purpose (symbolic links, special files) and the like: not errors.
 */
notes: Array<FileError>, uploaded: number, downloaded: number, deleted_local: number, deleted_remote: number, 
/**
 * Renamed here, following a move made on the share.
 */
moved_local: number, 
/**
 * Renamed on the share, following a move made here.
 */
moved_remote: number, conflicts: number, skipped: number, bytes_up: number, bytes_down: number, };

/**
 * One line of the recent-activity list (db::history::Activity).
 */
export type Activity = { run_id: number, job: string, at_ms: number, path: string, 
/**
 * As in history: uploaded, downloaded, deleted_local, deleted_remote, moved_local, ...
 */
action: string, bytes: number, 
/**
 * A move's old path (`path` is the new one).
 */
moved_from: string | null, };

/**
 * A conflict waiting for the user (db::conflicts::Conflict).
 */
export type Conflict = { id: number, job: string, job_id: number, path: string, local_size: number, local_mtime_ns: number, remote_size: number, remote_mtime_ns: number, detected_at_ms: number, };

/**
 * A file being transferred (events::Transfer).
 */
export type Transfer = { path: string, direction: Direction, bytes_done: number, bytes_total: number, };

/**
 * An engine progress event (events::Event); the payload of `engine-event`.
 */
export type EngineEvent = { "type": "run_started", job: string, run_id: number, } | { "type": "phase", job: string, phase: Phase, } | { "type": "progress", job: string, files_done: number, files_total: number, bytes_done: number, bytes_total: number, 
/**
 * Bytes per second over the run so far.
 */
rate: number, 
/**
 * Seconds left at the current rate, when it can be told.
 */
eta_secs: number | null, current: Array<Transfer>, } | { "type": "file_done", job: string, path: string, action: string, bytes: number, } | { "type": "file_failed", job: string, path: string, message: string, } | { "type": "run_finished", job: string, run_id: number, status: RunStatus, counts: Counts, } | { "type": "job_state", job: string, state: JobState, message: string | null, };

/**
 * A job as the shell reports it: the Job row plus live state.
 */
export type JobView = { state: JobState, 
/**
 * Why the job is in `error` or `offline`, written for people.
 */
message: string | null, last_run: Run | null, 
/**
 * When the next scheduled sync starts (ms since the epoch), if one is scheduled.
 */
next_sync_ms: number | null, pending_conflicts: number, 
/**
 * The server rejected the login: the job waits for a new password (`set_password`).
 */
needs_password: boolean, 
/**
 * How the last connection to the server was protected, once known.
 */
security: ConnectionSecurity | null, 
/**
 * In `needs_you`: what the stopped run would delete, until the user decides.
 */
needs_you: NeedsYou | null, id: number, name: string, local_path: string, 
/**
 * Canonical remote URL, never with a password.
 */
remote_url: string, mode: Mode, conflict_policy: ConflictPolicy, excludes: Array<string>, max_delete_percent: number, enabled: boolean, parallel: number, trash_retention_days: number, when: When, encryption: Encryption, };

/**
 * The server part of the job form.
 */
export type ServerInput = { host: string, 
/**
 * null: the default SMB port (445).
 */
port: number | null, share: string, user: string, domain: string | null, 
/**
 * null: keep the stored password (edit) or none.
 */
password: string | null, };

/**
 * The job form.
 */
export type JobInput = { name: string, local_path: string, server: ServerInput, 
/**
 * Folder inside the share, '' or '/'-separated, e.g. "Projects/2026".
 */
remote_path: string, mode: Mode, conflict_policy: ConflictPolicy, excludes: Array<string>, max_delete_percent: number, parallel: number, when: When, encryption: Encryption, };

/**
 * One side of a conflicted file.
 */
export type Preview = { size: number, mtime_ns: number, 
/**
 * Start of the file when it is text.
 */
text: string | null, 
/**
 * A small data: URL when the file is an image.
 */
image_data_url: string | null, };

export type ConflictPreview = { local: Preview, remote: Preview, };

/**
 * Which version of a conflicted file to keep.
 */
export type Keep = "local" | "remote" | "both";

export type ResolveResult = { id: number, ok: boolean, message: string | null, };

export type LogLevel = "error" | "warn" | "info" | "debug";

/**
 * App settings (kept by the shell in `DATA_DIR/app-settings.json`).
 */
export type Settings = { start_at_login: boolean, notifications: boolean, parallel_transfers: number, log_level: LogLevel, };

/**
 * Payload of `app-state`: the overall state shown in the header and the tray.
 */
export type AppState = { state: JobState, summary: string, 
/**
 * Every job, disabled ones too: 0 is the "add a sync job" state.
 */
jobs: number, 
/**
 * Jobs that run (Sync all / Pause all act on these; none: the buttons are off).
 */
enabled_jobs: number, 
/**
 * Enabled jobs that are paused (all of them: Pause all is off, Resume all on).
 */
paused_jobs: number, };

/**
 * A screen of the window.
 */
export type View = "jobs" | "progress" | "history" | "conflicts" | "settings";

/**
 * Payload of `navigate`: the tray asks the window to show a screen.
 */
export type Navigate = { view: View, };

export type BridgeErrorKind = "auth" | "unreachable" | "no_share" | "not_found" | "invalid_input" | "config" | "other";

/**
 * What every command rejects with.
 */
export type BridgeError = { kind: BridgeErrorKind, 
/**
 * Written for people by the engine: shown as is.
 */
message: string, 
/**
 * The input field the error is about, e.g. "host", "share", "local_path".
 */
field?: string, 
/**
 * The technical text behind `message`: shown behind "Details", never a password.
 */
detail?: string, };

/**
 * A side of a job (tree::Side).
 */
export type Side = "local" | "remote";

/**
 * What a run stopped by the delete guard would have deleted (sync::guard::GuardStop). The
 * job waits in `needs_you` until the user answers with a `Decision`.
 */
export type NeedsYou = { 
/**
 * The side the files would be deleted on (they are gone from the other one).
 */
side: Side, 
/**
 * How many files.
 */
count: number, 
/**
 * Their total size in bytes.
 */
bytes: number, 
/**
 * The first of them (up to 20), in path order.
 */
paths: Array<string>, 
/**
 * The local folder is missing or is not the one that was synced (a disk not mounted?).
 */
folder_changed: boolean, 
/**
 * What happened, written for people.
 */
what: string, };

/**
 * The answer to a delete-guard stop (service::Decision).
 */
export type Decision = "delete_on_other_side" | "restore_missing" | "later";

/**
 * Which side of a job: this computer or the server.
 */
export type TrashSide = "local" | "remote";

/**
 * Why a file is in the trash.
 */
export type TrashReason = "deleted" | "overwritten" | "conflict" | "unknown";

/**
 * One file in a job's trash (trash::TrashItem).
 */
export type TrashEntry = { job_id: number, side: TrashSide, 
/**
 * Names the item for a restore: its place in that side's `.anemone-trash`.
 */
trash_path: string, original_path: string, reason: TrashReason, trashed_at_ms: number, 
/**
 * Bytes; 0 from `trash_of_runs` (which does not look at the trash itself).
 */
size: number, 
/**
 * The run that put it there (its History rows), when this install did.
 */
run_id: number | null, };

/**
 * A job's trash on both sides, newest first, and what could not be looked at.
 */
export type TrashView = { items: Array<TrashEntry>, 
/**
 * A side that could not be listed (the server offline), refused names; for people.
 */
problems: Array<string>, };

/**
 * An item to restore.
 */
export type TrashKey = { side: TrashSide, trash_path: string, };

/**
 * How one restore went.
 */
export type RestoreResult = { side: TrashSide, trash_path: string, ok: boolean, 
/**
 * Where it went (its original path, or beside it when that name was taken).
 */
restored_to: string | null, original_path: string | null, message: string | null, };

/**
 * How emptying one side went.
 */
export type EmptyResult = { side: TrashSide, ok: boolean, message: string | null, };

/**
 * How the first sync settles files never synced (`anemone_sync::sync::first_sync::FirstSync`).
 */
export type FirstSyncChoice = "merge" | "local-wins" | "remote-wins";

/**
 * What one choice would do, file by file (`FirstSyncCounts`).
 */
export type FirstSyncCounts = { 
/**
 * Files copied to the server where it has none.
 */
uploads: number, 
/**
 * Files copied to this computer where it has none.
 */
downloads: number, 
/**
 * Files on both sides that differ, replaced by the winner's version (the old one goes to
 * the trash of its side).
 */
replaced: number, 
/**
 * Files only on the losing side, moved to that side's trash.
 */
deleted: number, 
/**
 * Files on both sides that differ, left to the job's conflict policy.
 */
conflicts: number, 
/**
 * Files of the same size on both sides: compared when the sync runs; identical ones stay.
 */
to_compare: number, 
/**
 * Bytes to copy (not counting the files to compare).
 */
bytes: number, 
/**
 * At most this many more bytes if every file to compare differs.
 */
compare_bytes: number, };

/**
 * The counts of each choice for a job now.
 */
export type FirstSyncPreview = { merge: FirstSyncCounts, local_wins: FirstSyncCounts, remote_wins: FirstSyncCounts, local_files: number, remote_files: number, };

/**
 * The limits and the metered pause as Settings shows them.
 */
export type LimitSettings = { 
/**
 * Upload limit of all jobs together, as typed ("2 MB"); empty: no limit.
 */
up_limit: string, down_limit: string, pause_on_metered: boolean, 
/**
 * Whether this system can tell a metered connection (Linux with NetworkManager today).
 */
metered_supported: boolean, };

/**
 * A job's own limits, as the job form shows them; empty: none.
 */
export type JobLimits = { up_limit: string, down_limit: string, };

/**
 * What an import did, in lines for people.
 */
export type ImportResult = { 
/**
 * One line per job (added, replaced, skipped, refused) and per note.
 */
lines: Array<string>, 
/**
 * Whether any job was added or replaced.
 */
changed: boolean, };
