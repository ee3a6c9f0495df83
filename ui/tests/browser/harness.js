// Loaded into the page before the app (by the test server only, never part of dist/): stands in
// for the Tauri shell with mockIPC. Tests script it through window.__FIXTURE__ (set by an init
// script) and read back the calls from window.__CALLS__.
import { mockIPC } from '/__test/mocks.js';

const defaults = {
  list_jobs: [],
  list_conflicts: [],
  history: [],
  activity: [],
  get_settings: { start_at_login: true, notifications: true, parallel_transfers: 4, log_level: 'info' },
  pick_local_folder: '/home/me/Picked',
  browse_remote: [],
  get_limits: { up_limit: '', down_limit: '', pause_on_metered: false, metered_supported: true },
  get_job_limits: { up_limit: '', down_limit: '' },
};

window.__FIXTURE__ = window.__FIXTURE__ || {};
window.__CALLS__ = [];

mockIPC(
  async (cmd, args) => {
    window.__CALLS__.push({ cmd, args: JSON.parse(JSON.stringify(args ?? {})) });
    const responses = window.__FIXTURE__.responses || {};
    let r = responses[cmd];
    // Per-call sequences: { __seq: [a, b, ...] } answers each call with the next item (the last repeats).
    if (r && typeof r === 'object' && Array.isArray(r.__seq)) {
      const n = window.__CALLS__.filter((c) => c.cmd === cmd).length - 1;
      r = r.__seq[Math.min(n, r.__seq.length - 1)];
    }
    // Keyed by an argument: { __by: 'path', map: { '': [...], 'Projects': [...] } }.
    if (r && typeof r === 'object' && r.__by) r = r.map[String(args?.[r.__by])] ?? r.default ?? null;
    if (r && typeof r === 'object' && r.__delay) await new Promise((res) => setTimeout(res, r.__delay));
    if (r && typeof r === 'object' && r.__reject) throw r.__reject;
    if (r && typeof r === 'object' && '__value' in r) return r.__value;
    if (r !== undefined) return r;
    return cmd in defaults ? defaults[cmd] : null;
  },
  { shouldMockEvents: true },
);

/** Emits a Tauri event to the app's listeners (as the shell would). */
window.__emit = (event, payload) => window.__TAURI_INTERNALS__.invoke('plugin:event|emit', { event, payload });
