// Reducer of engine events into the live state of each job's run.
import type { Counts, EngineEvent, Phase, RunStatus, Transfer } from '../bridge';

export interface RecentFile {
  path: string;
  action: string;
  bytes: number;
  failed: boolean;
  message?: string;
}

export interface LiveRun {
  job: string;
  run_id: number | null;
  active: boolean;
  phase: Phase | null;
  files_done: number;
  files_total: number;
  bytes_done: number;
  bytes_total: number;
  rate: number;
  eta_secs: number | null;
  current: Transfer[];
  /** Bytes per second of each current transfer, measured between progress events (the engine
   *  sends only the run's overall rate). */
  transfer_rates: Record<string, number>;
  /** Where each current transfer was at the last progress event: for transfer_rates. */
  transfer_seen: Record<string, { bytes: number; at: number }>;
  failed: number;
  /** Last few files done or failed, newest first (bounded). */
  recent: RecentFile[];
  status: RunStatus | null;
  counts: Counts | null;
}

export type LiveState = Record<string, LiveRun>;

export const RECENT_MAX = 50;

export function emptyRun(job: string): LiveRun {
  return {
    job,
    run_id: null,
    active: false,
    phase: null,
    files_done: 0,
    files_total: 0,
    bytes_done: 0,
    bytes_total: 0,
    rate: 0,
    eta_secs: null,
    current: [],
    transfer_rates: {},
    transfer_seen: {},
    failed: 0,
    recent: [],
    status: null,
    counts: null,
  };
}

function pushRecent(r: LiveRun, f: RecentFile) {
  r.recent.unshift(f);
  if (r.recent.length > RECENT_MAX) r.recent.length = RECENT_MAX;
}

/**
 * Applies one event to the state, in place (cheap: called for every event, however many), and
 * returns the run it touched. Rendering reads the state on its own, throttled, schedule.
 */
export function applyEvent(state: LiveState, e: EngineEvent, now: number = Date.now()): LiveRun {
  let r = state[e.job];
  if (!r) r = state[e.job] = emptyRun(e.job);
  switch (e.type) {
    case 'run_started': {
      const fresh = emptyRun(e.job);
      fresh.run_id = e.run_id;
      fresh.active = true;
      fresh.phase = 'connecting';
      state[e.job] = fresh;
      return fresh;
    }
    case 'phase':
      r.active = true;
      r.phase = e.phase;
      break;
    case 'progress':
      r.active = true;
      r.files_done = e.files_done;
      r.files_total = e.files_total;
      r.bytes_done = e.bytes_done;
      r.bytes_total = e.bytes_total;
      r.rate = e.rate;
      r.eta_secs = e.eta_secs;
      r.current = e.current;
      {
        const seen: LiveRun['transfer_seen'] = {};
        const rates: LiveRun['transfer_rates'] = {};
        for (const t of e.current) {
          const prev = r.transfer_seen[t.path];
          const dt = prev ? (now - prev.at) / 1000 : 0;
          if (prev && dt >= 0.25) {
            const inst = Math.max(0, (t.bytes_done - prev.bytes) / dt);
            const old = r.transfer_rates[t.path];
            // Smoothed, so the number does not jump with every event.
            rates[t.path] = old === undefined ? inst : old * 0.5 + inst * 0.5;
            seen[t.path] = { bytes: t.bytes_done, at: now };
          } else {
            if (r.transfer_rates[t.path] !== undefined) rates[t.path] = r.transfer_rates[t.path];
            seen[t.path] = prev ?? { bytes: t.bytes_done, at: now };
          }
        }
        r.transfer_seen = seen;
        r.transfer_rates = rates;
      }
      break;
    case 'file_done':
      pushRecent(r, { path: e.path, action: e.action, bytes: e.bytes, failed: false });
      break;
    case 'file_failed':
      r.failed++;
      pushRecent(r, { path: e.path, action: 'failed', bytes: 0, failed: true, message: e.message });
      break;
    case 'run_finished':
      r.active = false;
      r.run_id = e.run_id;
      r.status = e.status;
      r.counts = e.counts;
      r.current = [];
      r.transfer_rates = {};
      r.transfer_seen = {};
      r.eta_secs = null;
      r.phase = null;
      break;
  }
  return r;
}

/** Totals across the active runs, for the overall bar. */
export function overall(state: LiveState) {
  let bytes_done = 0,
    bytes_total = 0,
    rate = 0,
    files_done = 0,
    files_total = 0,
    active = 0;
  let eta: number | null = null;
  for (const r of Object.values(state)) {
    if (!r.active) continue;
    active++;
    bytes_done += r.bytes_done;
    bytes_total += r.bytes_total;
    files_done += r.files_done;
    files_total += r.files_total;
    rate += r.rate;
    if (r.eta_secs != null) eta = Math.max(eta ?? 0, r.eta_secs);
  }
  return { active, bytes_done, bytes_total, files_done, files_total, rate, eta_secs: eta };
}

export const PHASE_LABEL: Record<Phase, string> = {
  connecting: 'Connecting',
  scanning: 'Scanning',
  planning: 'Planning',
  transferring: 'Transferring',
  finishing: 'Finishing',
};
