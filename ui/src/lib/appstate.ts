// What the window's header shows and allows, from the shell's overall state (`app-state`) and
// the job list. The shell's summary is the truth; the job list fills in before the first
// `app-state` arrives. No job is its own state (issue 16: with no job the header said "up to
// date" and Sync all / Pause all were live).
import type { AppState, JobView } from '../bindings';

export type HeaderKind = 'loading' | 'no-jobs' | 'all-disabled' | AppState['state'];

export interface HeaderState {
  kind: HeaderKind;
  /** The colour of the dot (a `state-*` class). */
  tone: AppState['state'];
  summary: string;
  canSync: boolean;
  canPause: boolean;
  canResume: boolean;
  /** Why a disabled button is disabled (its tooltip). */
  why: string;
}

export function headerState(app: AppState | null, jobs: JobView[], jobsLoaded: boolean, anyActive: boolean): HeaderState {
  // The shell's counts when it sent them, else the job list's.
  const total = app?.jobs ?? jobs.length;
  const enabled = app?.enabled_jobs ?? jobs.filter((j) => j.enabled).length;
  const paused = app?.paused_jobs ?? jobs.filter((j) => j.enabled && j.state === 'paused').length;
  const known = app != null || jobsLoaded;
  const base = {
    // Sync all leaves paused jobs paused: with every job paused it would do nothing (a job's
    // own Sync now runs it once).
    canSync: enabled > 0 && paused < enabled,
    canPause: enabled > 0 && paused < enabled,
    canResume: paused > 0,
  };
  if (!known) return { kind: 'loading', tone: 'idle', summary: '', canSync: false, canPause: false, canResume: false, why: '' };
  if (total === 0) {
    return { kind: 'no-jobs', tone: 'paused', summary: app?.summary ?? 'No sync jobs yet: add a sync job', ...base, why: 'There is no sync job yet.' };
  }
  if (enabled === 0) {
    return { kind: 'all-disabled', tone: 'paused', summary: app?.summary ?? 'Every job is disabled: nothing syncs', ...base, why: 'Every job is disabled: enable one on Jobs.' };
  }
  const why = paused === enabled ? "Every job is paused: resume, or use a job's own Sync now to run it once." : 'No job is paused.';
  if (!app) {
    return { kind: anyActive ? 'syncing' : 'idle', tone: anyActive ? 'syncing' : 'idle', summary: anyActive ? 'Syncing' : '', ...base, why };
  }
  return { kind: app.state, tone: app.state, summary: app.summary, ...base, why };
}
