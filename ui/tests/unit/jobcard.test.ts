import { describe, expect, it } from 'vitest';
import { lastSyncText, nextSyncText, syncNowHint } from '../../src/lib/jobcard';
import type { JobView } from '../../src/bindings';

const time = (ms: number) => `t${ms}`;
const rel = (ms: number) => `r${ms}`;

function j(extra: Partial<JobView> & Record<string, unknown> = {}): JobView {
  return {
    id: 1,
    name: 'Docs',
    local_path: '/l',
    remote_url: 'smb://h/s',
    mode: 'two-way',
    conflict_policy: 'keep-both',
    excludes: [],
    max_delete_percent: 50,
    enabled: true,
    parallel: 4,
    trash_retention_days: 30,
    when: { trigger: 'realtime', interval_minutes: 60, times: [], days: [] },
    encryption: 'auto',
    state: 'idle',
    message: null,
    last_run: null,
    next_sync_ms: null,
    pending_conflicts: 0,
    needs_password: false,
    security: null,
    ...extra,
  } as JobView;
}

const outage = { id: 1, job: 'Docs', started_at_ms: 100, ended_at_ms: 200, status: 'offline' } as unknown as JobView['last_run'];

describe('job card words', () => {
  it('an outage entry says offline only while the job is', () => {
    expect(lastSyncText(j({ state: 'offline', last_run: { ...outage!, ended_at_ms: null } }), time)).toBe('Offline since t100');
    expect(lastSyncText(j({ state: 'idle', last_run: outage }), time)).toBe('Back online since t200');
    expect(lastSyncText(j(), time)).toBe('Last sync: never');
  });

  it('next sync says how the job syncs, never "not scheduled" for a live job', () => {
    expect(nextSyncText(j(), rel)).toBe('Syncs on every change');
    expect(nextSyncText(j({ enabled: false }), rel)).toBe('Disabled: does not sync');
    expect(nextSyncText(j({ state: 'paused' }), rel)).toBe('Paused: syncs when resumed');
    expect(nextSyncText(j({ when: { trigger: 'manual', interval_minutes: 0, times: [], days: [] } }), rel)).toBe('Syncs when you press Sync now');
    expect(nextSyncText(j({ when: { trigger: 'interval', interval_minutes: 5, times: [], days: [] }, next_sync_ms: 9 }), rel)).toBe('Next sync: r9');
  });

  it('Sync now says what it does', () => {
    expect(syncNowHint(j({ state: 'paused' }))).toMatch(/stays paused/);
    expect(syncNowHint(j({ enabled: false }))).toMatch(/enable it/);
  });
});
