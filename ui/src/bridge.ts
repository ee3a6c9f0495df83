// The bridge between the web UI and the Tauri shell (src-tauri/).
//
// This module is the ONLY place in the UI that calls `invoke` or `listen`. Every command the
// shell must implement is listed here with its argument and result types. Argument names are
// camelCase, as Tauri v2 maps them onto the Rust command's snake_case parameters.
//
// Every command may reject with a `BridgeError`; the UI shows its `message` (written for people
// by the engine) next to the control named by `field` when given, and never parses it.

import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

// ---- Engine types (mirrors of src/db/*.rs, src/progress.rs, src/reconcile.rs) ----

/** reconcile::Mode (serde kebab-case). */
export type Mode = 'two-way' | 'upload' | 'download';
/** reconcile::ConflictPolicy (serde kebab-case). */
export type ConflictPolicy = 'keep-both' | 'newest' | 'local' | 'remote' | 'ask';
/** db::history::RunStatus (serde lowercase). */
export type RunStatus = 'running' | 'success' | 'partial' | 'failed' | 'aborted';
/** progress::Phase (serde lowercase). */
export type Phase = 'connecting' | 'scanning' | 'planning' | 'transferring' | 'finishing';
/** progress::Direction (serde lowercase). */
export type Direction = 'up' | 'down';

/** db::jobs::Job. */
export interface Job {
  id: number;
  name: string;
  local_path: string;
  /** Canonical remote URL, never with a password. */
  remote_url: string;
  mode: Mode;
  conflict_policy: ConflictPolicy;
  excludes: string[];
  max_delete_percent: number;
  enabled: boolean;
  parallel: number;
  trash_retention_days: number;
}

/** db::history::Counts. */
export interface Counts {
  uploaded: number;
  downloaded: number;
  deleted_local: number;
  deleted_remote: number;
  conflicts: number;
  skipped: number;
  bytes_up: number;
  bytes_down: number;
}

/** db::history::FileError. */
export interface FileError {
  path: string;
  message: string;
}

/** db::history::Run (Counts is flattened into it by serde). */
export interface Run extends Counts {
  id: number;
  job: string;
  started_at_ms: number;
  ended_at_ms: number | null;
  status: RunStatus;
  dry_run: boolean;
  message: string | null;
  errors: FileError[];
}

/** db::history::Activity: one line of the recent-activity list. */
export interface Activity {
  run_id: number;
  job: string;
  at_ms: number;
  path: string;
  /** As in history: uploaded, downloaded, deleted_local, deleted_remote, ... */
  action: string;
  bytes: number;
}

/** db::conflicts::Conflict. */
export interface Conflict {
  id: number;
  job: string;
  job_id: number;
  path: string;
  local_size: number;
  local_mtime_ns: number;
  remote_size: number;
  remote_mtime_ns: number;
  detected_at_ms: number;
}

/** progress::Transfer. */
export interface Transfer {
  path: string;
  direction: Direction;
  bytes_done: number;
  bytes_total: number;
}

/** progress::Event (serde tag "type", snake_case variants). Payload of `engine-event`. */
export type EngineEvent =
  | { type: 'run_started'; job: string; run_id: number }
  | { type: 'phase'; job: string; phase: Phase }
  | {
      type: 'progress';
      job: string;
      files_done: number;
      files_total: number;
      bytes_done: number;
      bytes_total: number;
      /** Bytes per second over the run so far. */
      rate: number;
      /** Seconds left at the current rate, when it can be told. */
      eta_secs: number | null;
      current: Transfer[];
    }
  | { type: 'file_done'; job: string; path: string; action: string; bytes: number }
  | { type: 'file_failed'; job: string; path: string; message: string }
  | { type: 'run_finished'; job: string; run_id: number; status: RunStatus; counts: Counts };

// ---- Shell types ----

export type JobState = 'idle' | 'syncing' | 'paused' | 'offline' | 'error' | 'conflict';

/** A job as the shell reports it: the Job row plus live state. */
export interface JobView extends Job {
  state: JobState;
  last_run: Run | null;
  /** When the next scheduled sync starts (ms since the epoch), if one is scheduled. */
  next_sync_ms: number | null;
  pending_conflicts: number;
}

export interface ServerInput {
  host: string;
  /** null: the default SMB port (445). */
  port: number | null;
  share: string;
  user: string;
  domain: string | null;
  /** null: keep the stored password (edit) or none. */
  password: string | null;
}

export interface JobInput {
  name: string;
  local_path: string;
  server: ServerInput;
  /** Folder inside the share, '' or '/'-separated, e.g. "Projects/2026". */
  remote_path: string;
  mode: Mode;
  conflict_policy: ConflictPolicy;
  excludes: string[];
  max_delete_percent: number;
  parallel: number;
}

export interface Preview {
  size: number;
  mtime_ns: number;
  /** Start of the file when it is text. */
  text: string | null;
  /** A small data: URL when the file is an image. */
  image_data_url: string | null;
}

export interface ConflictPreview {
  local: Preview;
  remote: Preview;
}

export type Keep = 'local' | 'remote' | 'both';

export interface ResolveResult {
  id: number;
  ok: boolean;
  message: string | null;
}

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface Settings {
  start_at_login: boolean;
  notifications: boolean;
  parallel_transfers: number;
  log_level: LogLevel;
}

/** Payload of `app-state`: the overall state shown in the header. */
export interface AppState {
  state: JobState;
  summary: string;
}

export type BridgeErrorKind =
  | 'auth'
  | 'unreachable'
  | 'no_share'
  | 'not_found'
  | 'invalid_input'
  | 'config'
  | 'other';

/** What every command rejects with. */
export interface BridgeError {
  kind: BridgeErrorKind;
  /** Written for people by the engine: shown as is. */
  message: string;
  /** The input field the error is about, e.g. "host", "share", "local_path". */
  field?: string;
}

const KINDS: BridgeErrorKind[] = ['auth', 'unreachable', 'no_share', 'not_found', 'invalid_input', 'config', 'other'];

/** Turns whatever a command rejected with into a BridgeError (a plain string becomes kind 'other'). */
export function toBridgeError(e: unknown): BridgeError {
  if (e && typeof e === 'object' && 'message' in e) {
    const o = e as { kind?: unknown; message?: unknown; field?: unknown };
    const kind = KINDS.includes(o.kind as BridgeErrorKind) ? (o.kind as BridgeErrorKind) : 'other';
    const err: BridgeError = { kind, message: String(o.message) };
    if (typeof o.field === 'string') err.field = o.field;
    return err;
  }
  return { kind: 'other', message: typeof e === 'string' ? e : String(e) };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toBridgeError(e);
  }
}

// ---- Commands ----

/** All jobs with their live state. */
export const listJobs = () => call<JobView[]>('list_jobs');
/** Creates a job (stores the password in the OS keyring); rejects with field set on bad input. */
export const addJob = (input: JobInput) => call<JobView>('add_job', { input });
/** Replaces a job's settings. */
export const updateJob = (id: number, input: JobInput) => call<JobView>('update_job', { id, input });
/** Deletes a job (never its files). */
export const removeJob = (id: number) => call<void>('remove_job', { id });
/** Enables or disables scheduled syncs of a job. */
export const setJobEnabled = (id: number, enabled: boolean) => call<void>('set_job_enabled', { id, enabled });
/** Connects and opens remotePath on the share; resolves null when all is well. */
export const testConnection = (server: ServerInput, remotePath: string) =>
  call<null>('test_connection', { server, remotePath });
/** Names of the folders in `path` ('' = share root) on the share. */
export const browseRemote = (server: ServerInput, path: string) => call<string[]>('browse_remote', { server, path });
/** The native folder picker; null when cancelled. */
export const pickLocalFolder = () => call<string | null>('pick_local_folder');
/** Starts a sync of one job now, or of all jobs when jobId is null. */
export const syncNow = (jobId: number | null) => call<void>('sync_now', { jobId });
/** Pauses one job, or all when jobId is null. */
export const pause = (jobId: number | null) => call<void>('pause', { jobId });
/** Resumes one job, or all when jobId is null. */
export const resume = (jobId: number | null) => call<void>('resume', { jobId });
/** Pending conflicts of all jobs. */
export const listConflicts = () => call<Conflict[]>('list_conflicts');
/** Both versions of a conflicted file, with a text or image preview when the shell can make one. */
export const conflictPreview = (id: number) => call<ConflictPreview>('conflict_preview', { id });
/** Resolves conflicts; one result per id (a failure of one does not stop the others). */
export const resolveConflicts = (ids: number[], keep: Keep) =>
  call<ResolveResult[]>('resolve_conflicts', { ids, keep });
/** Latest runs, newest first, of one job or all. */
export const history = (jobId: number | null, limit: number) => call<Run[]>('history', { jobId, limit });
/** Latest file actions, newest first, of one job or all. */
export const activity = (jobId: number | null, limit: number) => call<Activity[]>('activity', { jobId, limit });
export const getSettings = () => call<Settings>('get_settings');
export const setSettings = (settings: Settings) => call<void>('set_settings', { settings });
/** Opens the folder holding the log files in the file manager. */
export const openLogFolder = () => call<void>('open_log_folder');
/** Opens a job's local folder in the file manager. */
export const openLocalFolder = (jobId: number) => call<void>('open_local_folder', { jobId });

// ---- Events ----

/** Every engine progress event, of all jobs. */
export const onEngineEvent = (cb: (e: EngineEvent) => void): Promise<UnlistenFn> =>
  listen<EngineEvent>('engine-event', (ev) => cb(ev.payload));
/** Overall state for the header. */
export const onAppState = (cb: (s: AppState) => void): Promise<UnlistenFn> =>
  listen<AppState>('app-state', (ev) => cb(ev.payload));
