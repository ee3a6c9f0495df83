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
});

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
    bridge.onNavigate((n) => (ui.view = n.view)).catch(() => {}),
  ]);
  await Promise.all([loadJobs(), loadConflictCount(), loadAppState()]);
}
