// Shared reactive state of the window, fed by the bridge.
import * as bridge from './bridge';
import type { AppState, EngineEvent, JobView } from './bridge';
import { applyEvent, type LiveRun, type LiveState } from './lib/progress';
import { createThrottle } from './lib/throttle';
import { startView } from './lib/startView';

export type View = 'jobs' | 'progress' | 'history' | 'conflicts' | 'settings';

/** Engine events are applied here at once (cheap), and copied to `ui.live` at most ~10 times a second. */
const raw: LiveState = {};

export const ui = $state({
  view: startView() as View,
  jobs: [] as JobView[],
  jobsLoaded: false,
  jobsError: null as string | null,
  live: {} as Record<string, LiveRun>,
  app: null as AppState | null,
  conflictCount: 0,
  /** A page change waiting for the user's answer to "discard your changes?". */
  leaving: null as View | null,
});

/** Says whether the page shown has edits that leaving it would drop (the job form sets it). */
let unsaved: (() => boolean) | null = null;

export function setUnsavedCheck(check: (() => boolean) | null) {
  unsaved = check;
}

/** Shows `view`, unless the page shown has unsaved edits: then the user is asked first
 * (App.svelte's dialog answers through `answerLeave`). */
export function navigate(view: View) {
  if (view === ui.view && !unsaved?.()) return;
  if (unsaved?.()) {
    ui.leaving = view;
    return;
  }
  ui.view = view;
}

/** The answer to "discard your changes?": `discard` leaves (dropping the edits). */
export function answerLeave(discard: boolean) {
  const to = ui.leaving;
  ui.leaving = null;
  if (discard && to) {
    unsaved = null;
    leaveHandlers.forEach((h) => h());
    ui.view = to;
  }
}

/** Called when the user chose to drop the edits (the form closes itself). */
const leaveHandlers = new Set<() => void>();
export function onDiscard(h: () => void): () => void {
  leaveHandlers.add(h);
  return () => leaveHandlers.delete(h);
}

function snapshot() {
  const out: Record<string, LiveRun> = {};
  for (const [k, r] of Object.entries(raw)) {
    out[k] = { ...r, current: r.current.slice(0, 20), recent: r.recent.slice(0, 20), transfer_rates: { ...r.transfer_rates }, transfer_seen: {} };
  }
  ui.live = out;
}

const renderThrottle = createThrottle(snapshot, 100);

let refreshTimer: ReturnType<typeof setTimeout> | null = null;
/** Reloads the job list soon (coalesced), e.g. after a run finished. */
export function refreshJobsSoon() {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    void loadJobs();
    void loadConflictCount();
  }, 300);
}

export async function loadJobs() {
  try {
    ui.jobs = await bridge.listJobs();
    ui.jobsError = null;
  } catch (e) {
    ui.jobsError = bridge.toBridgeError(e).message;
  } finally {
    ui.jobsLoaded = true;
  }
}

export async function loadConflictCount() {
  try {
    ui.conflictCount = (await bridge.listConflicts()).length;
  } catch {
    /* shown on the Conflicts screen */
  }
}

function onEvent(e: EngineEvent) {
  // A job's state (paused, error, ...) is shown from the job list: reload it.
  if (e.type === 'job_state') {
    refreshJobsSoon();
    return;
  }
  applyEvent(raw, e);
  renderThrottle.poke();
  if (e.type === 'run_started' || e.type === 'run_finished') refreshJobsSoon();
}

async function loadAppState() {
  try {
    const s = await bridge.getAppState();
    // An app-state event that arrived meanwhile is newer.
    if (!ui.app && s) ui.app = s;
  } catch {
    /* shown when the next app-state event arrives */
  }
}

let started = false;
export async function start() {
  if (started) return;
  started = true;
  await Promise.all([
    bridge.onEngineEvent(onEvent).catch(() => {}),
    bridge.onAppState((s) => (ui.app = s)).catch(() => {}),
    bridge.onNavigate((n) => navigate(n.view)).catch(() => {}),
  ]);
  await Promise.all([loadJobs(), loadConflictCount(), loadAppState()]);
}
