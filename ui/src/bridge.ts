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

// ---- Types: generated from the shell's Rust types (src-tauri/src/types.rs) into
// ./bindings.ts; a test in src-tauri fails when that file is stale. ----

import type {
  Activity,
  AppState,
  BridgeError,
  BridgeErrorKind,
  Conflict,
  ConflictPreview,
  Decision,
  EngineEvent,
  JobInput,
  JobView,
  Keep,
  Navigate,
  NeedsYou,
  ResolveResult,
  Run,
  ServerInput,
  Settings,
  FirstSyncChoice,
  FirstSyncPreview,
  LimitSettings,
  JobLimits,
  ImportResult,
} from './bindings';

import type { EmptyResult, RestoreResult, TrashEntry, TrashKey, TrashSide, TrashView } from './bindings';

export type * from './bindings';

const KINDS: BridgeErrorKind[] = ['auth', 'unreachable', 'no_share', 'not_found', 'invalid_input', 'config', 'other'];

/** Turns whatever a command rejected with into a BridgeError (a plain string becomes kind 'other'). */
export function toBridgeError(e: unknown): BridgeError {
  if (e && typeof e === 'object' && 'message' in e) {
    const o = e as { kind?: unknown; message?: unknown; field?: unknown; detail?: unknown };
    const kind = KINDS.includes(o.kind as BridgeErrorKind) ? (o.kind as BridgeErrorKind) : 'other';
    const err: BridgeError = { kind, message: String(o.message) };
    if (typeof o.field === 'string') err.field = o.field;
    if (typeof o.detail === 'string') err.detail = o.detail;
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
/** The overall state now (the window may open after the last `app-state` event). */
export const getAppState = () => call<AppState>('get_app_state');
/** Stores a new password for a job's login (after the server rejected the old one) and syncs it. */
export const setPassword = (jobId: number, password: string) =>
  call<JobView>('set_password', { jobId, password });
/** What a job stopped by the delete guard would delete; null when it is not waiting for a decision. */
export const needsYou = (jobId: number) => call<NeedsYou | null>('needs_you', { jobId });
/** The answer to a job's delete-guard stop (rejects when it no longer waits for one). */
export const decide = (jobId: number, decision: Decision) => call<void>('decide', { jobId, decision });

// Trash (src-tauri/src/trash.rs): restoring and emptying happen between the job's runs.
/** A job's trash on both sides, newest first. */
export const trashList = (jobId: number) => call<TrashView>('trash_list', { jobId });
/** Puts items back (beside the current file when the name is taken); one result per item. */
export const trashRestore = (jobId: number, items: TrashKey[]) =>
  call<RestoreResult[]>('trash_restore', { jobId, items });
/** Deletes a job's trash for good, on one side or both (side null). */
export const trashEmpty = (jobId: number, side: TrashSide | null) =>
  call<EmptyResult[]>('trash_empty', { jobId, side });
/** What these runs put in the trash (History's Restore action). */
export const trashOfRuns = (runIds: number[]) => call<TrashEntry[]>('trash_of_runs', { runIds });
/** Bandwidth limits of all jobs and the pause on metered connections (rates as typed, '' for none). */
export const getLimits = () => call<LimitSettings>('get_limits');
/** Stores them; rejects with field 'up_limit' or 'down_limit' for a rate it cannot read. */
export const setLimits = (limits: LimitSettings) => call<void>('set_limits', { limits });
/** A job's own bandwidth limits. */
export const getJobLimits = (jobId: number) => call<JobLimits>('get_job_limits', { jobId });
export const setJobLimits = (jobId: number, limits: JobLimits) => call<void>('set_job_limits', { jobId, limits });
/** Checks a job's limits as typed, storing nothing. */
export const checkJobLimits = (limits: JobLimits) => call<void>('check_job_limits', { limits });
/** Asks where to save and writes every job (no passwords); the file, or null when cancelled. */
export const exportSettings = () => call<string | null>('export_settings');
/** Asks for a file made by Export and imports its jobs; null when cancelled. */
export const importSettings = (replace: boolean) => call<ImportResult | null>('import_settings', { replace });

// ---- Events ----

/** Every engine progress event, of all jobs. */
export const onEngineEvent = (cb: (e: EngineEvent) => void): Promise<UnlistenFn> =>
  listen<EngineEvent>('engine-event', (ev) => cb(ev.payload));
/** Overall state for the header. */
export const onAppState = (cb: (s: AppState) => void): Promise<UnlistenFn> =>
  listen<AppState>('app-state', (ev) => cb(ev.payload));
/** The tray asks the window to show a screen (History, Settings, Conflicts...). */
export const onNavigate = (cb: (n: Navigate) => void): Promise<UnlistenFn> =>
  listen<Navigate>('navigate', (ev) => cb(ev.payload));

// ---- First sync of two folders that both hold files (src-tauri/src/first_sync.rs) ----

/** What each first-sync choice would move for a job now; null when there is nothing to choose. */
export const firstSyncPreview = (jobId: number) =>
  call<FirstSyncPreview | null>('first_sync_preview', { jobId });
/** Sets how the job's first sync settles both folders, and runs it. */
export const chooseFirstSync = (jobId: number, choice: FirstSyncChoice) =>
  call<void>('choose_first_sync', { jobId, choice });
