// The words of a job card's "last sync" and "next sync" lines, and the Sync now hint: they must
// not lie (issue 16): no "(offline)" once the server is back, no "not scheduled" on a job that
// syncs on every change, and a disabled job says so.
import type { JobView } from '../bindings';

export function lastSyncText(j: JobView, time: (ms: number) => string): string {
  const r = j.last_run;
  if (!r) return 'Last sync: never';
  if (r.status === 'offline') {
    // An outage entry, not a sync: it says "offline" only while the job still is.
    if (j.state === 'offline') return `Offline since ${time(r.started_at_ms)}`;
    return r.ended_at_ms != null ? `Back online since ${time(r.ended_at_ms)}` : 'Back online';
  }
  return `Last sync: ${time(r.ended_at_ms ?? r.started_at_ms)} (${r.status})`;
}

export function nextSyncText(j: JobView, relative: (ms: number) => string): string {
  if (!j.enabled) return 'Disabled: does not sync';
  if (j.state === 'paused') return 'Paused: syncs when resumed';
  switch (j.when.trigger) {
    case 'realtime':
      return 'Syncs on every change';
    case 'manual':
      return 'Syncs when you press Sync now';
    default:
      return j.next_sync_ms != null ? `Next sync: ${relative(j.next_sync_ms)}` : 'Next sync: not scheduled';
  }
}

/** What Sync now does for this job (its tooltip and accessible description). */
export function syncNowHint(j: JobView): string {
  if (!j.enabled) return 'The job is disabled: enable it to sync.';
  if (j.state === 'paused') return 'Runs one sync now; the job stays paused.';
  return 'Runs a full sync now.';
}
