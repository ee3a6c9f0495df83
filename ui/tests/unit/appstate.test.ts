import { describe, expect, it } from 'vitest';
import { headerState } from '../../src/lib/appstate';
import type { AppState, JobView } from '../../src/bindings';

const app = (state: AppState['state'], summary: string, jobs: number, enabled: number, paused: number): AppState => ({
  state,
  summary,
  jobs,
  enabled_jobs: enabled,
  paused_jobs: paused,
});

describe('headerState', () => {
  it('no jobs is its own state and nothing can be synced or paused', () => {
    const h = headerState(app('idle', 'No sync jobs yet: add a sync job', 0, 0, 0), [], true, false);
    expect(h.kind).toBe('no-jobs');
    expect([h.canSync, h.canPause, h.canResume]).toEqual([false, false, false]);
    expect(h.summary).not.toMatch(/up to date/i);
    // Before the first app-state: from the (empty) job list.
    expect(headerState(null, [], true, false).kind).toBe('no-jobs');
  });

  it('every job disabled: says so and the buttons are off', () => {
    const h = headerState(app('paused', 'Docs is disabled: nothing syncs', 1, 0, 0), [], true, false);
    expect(h.kind).toBe('all-disabled');
    expect(h.canSync).toBe(false);
    expect(h.why).toMatch(/enable/);
  });

  it('all paused: Resume all only; some paused: all three', () => {
    const all = headerState(app('paused', 'All 2 jobs paused', 2, 2, 2), [], true, false);
    expect([all.canSync, all.canPause, all.canResume]).toEqual([false, false, true]);
    expect(all.why).toMatch(/Sync now/);
    const some = headerState(app('idle', 'Up to date, synced 1 min ago (1 paused)', 2, 2, 1), [], true, false);
    expect([some.canSync, some.canPause, some.canResume]).toEqual([true, true, true]);
    const none = headerState(app('idle', 'Up to date', 2, 2, 0), [], true, false);
    expect([none.canSync, none.canPause, none.canResume]).toEqual([true, true, false]);
  });

  it('before anything is known the header is empty, not "up to date"', () => {
    const h = headerState(null, [] as JobView[], false, false);
    expect(h.kind).toBe('loading');
    expect(h.summary).toBe('');
  });
});
