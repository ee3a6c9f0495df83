import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/bridge';
import { toBridgeError } from '../../src/bridge';
import { applyEvent, overall, RECENT_MAX, type LiveState } from '../../src/lib/progress';

const counts = { uploaded: 1, downloaded: 0, deleted_local: 0, deleted_remote: 0, moved_local: 0, moved_remote: 0, conflicts: 0, skipped: 0, bytes_up: 10, bytes_down: 0 };

function progress(job: string, done: number, total: number, eta: number | null = 10): EngineEvent {
  return {
    type: 'progress', job, files_done: done, files_total: 10, bytes_done: done, bytes_total: total, rate: 100, eta_secs: eta,
    current: [{ path: 'a.txt', direction: 'up', bytes_done: 1, bytes_total: 2 }],
  };
}

describe('applyEvent', () => {
  it('follows a run from start to finish', () => {
    const s: LiveState = {};
    applyEvent(s, { type: 'run_started', job: 'A', run_id: 7 });
    expect(s.A).toMatchObject({ active: true, run_id: 7, phase: 'connecting' });
    applyEvent(s, { type: 'phase', job: 'A', phase: 'transferring' });
    expect(s.A.phase).toBe('transferring');
    applyEvent(s, progress('A', 50, 200));
    expect(s.A).toMatchObject({ bytes_done: 50, bytes_total: 200, rate: 100, eta_secs: 10 });
    expect(s.A.current).toHaveLength(1);
    applyEvent(s, { type: 'file_done', job: 'A', path: 'a.txt', action: 'uploaded', bytes: 2 });
    applyEvent(s, { type: 'file_failed', job: 'A', path: 'b.txt', message: 'Access denied' });
    expect(s.A.failed).toBe(1);
    expect(s.A.recent[0]).toMatchObject({ path: 'b.txt', failed: true, message: 'Access denied' });
    applyEvent(s, { type: 'run_finished', job: 'A', run_id: 7, status: 'partial', counts });
    expect(s.A).toMatchObject({ active: false, status: 'partial', current: [], phase: null });
  });
  it('resets on a new run and bounds the recent list', () => {
    const s: LiveState = {};
    for (let i = 0; i < 500; i++) applyEvent(s, { type: 'file_done', job: 'A', path: `f${i}`, action: 'downloaded', bytes: 1 });
    expect(s.A.recent).toHaveLength(RECENT_MAX);
    expect(s.A.recent[0].path).toBe('f499');
    applyEvent(s, { type: 'run_started', job: 'A', run_id: 2 });
    expect(s.A.recent).toHaveLength(0);
  });
  it('sums active runs', () => {
    const s: LiveState = {};
    applyEvent(s, progress('A', 10, 100, 5));
    applyEvent(s, progress('B', 20, 300, 50));
    applyEvent(s, { type: 'run_finished', job: 'C', run_id: 1, status: 'success', counts });
    expect(overall(s)).toMatchObject({ active: 2, bytes_done: 30, bytes_total: 400, rate: 200, eta_secs: 50 });
  });
});

describe('per-transfer rates', () => {
  const ev = (bytes: number, path = 'big.iso'): EngineEvent => ({
    type: 'progress', job: 'A', files_done: 0, files_total: 1, bytes_done: bytes, bytes_total: 10_000, rate: 0, eta_secs: null,
    current: [{ path, direction: 'down', bytes_done: bytes, bytes_total: 10_000 }],
  });
  it('measures each transfer between events, smoothed, and forgets finished ones', () => {
    const s: LiveState = {};
    applyEvent(s, ev(0), 1000);
    expect(s.A.transfer_rates).toEqual({});
    applyEvent(s, ev(50), 1100); // too soon to tell
    expect(s.A.transfer_rates).toEqual({});
    applyEvent(s, ev(1000), 2000);
    expect(s.A.transfer_rates['big.iso']).toBe(1000);
    applyEvent(s, ev(4000), 3000);
    expect(s.A.transfer_rates['big.iso']).toBe(2000);
    applyEvent(s, ev(5, 'other.txt'), 3500);
    expect(s.A.transfer_rates).toEqual({});
    expect(Object.keys(s.A.transfer_seen)).toEqual(['other.txt']);
  });
});

describe('toBridgeError', () => {
  it('keeps typed errors and wraps the rest', () => {
    expect(toBridgeError({ kind: 'auth', message: 'Wrong password', field: 'password' })).toEqual({ kind: 'auth', message: 'Wrong password', field: 'password' });
    expect(toBridgeError({ kind: 'weird', message: 'x' })).toEqual({ kind: 'other', message: 'x' });
    expect(toBridgeError('boom')).toEqual({ kind: 'other', message: 'boom' });
  });
});
