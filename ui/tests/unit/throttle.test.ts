import { describe, expect, it } from 'vitest';
import { createThrottle, type Scheduler } from '../../src/lib/throttle';

/** A fake clock: timers fire only when advanced. */
function fakeClock() {
  let t = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let next = 1;
  const sched: Scheduler = {
    now: () => t,
    setTimeout: (fn, ms) => {
      const id = next++;
      timers.push({ at: t + ms, fn, id });
      return id;
    },
    clearTimeout: (id) => {
      timers = timers.filter((x) => x.id !== id);
    },
  };
  const advance = (ms: number) => {
    const end = t + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const due = timers[0];
      if (!due || due.at > end) break;
      timers.shift();
      t = due.at;
      due.fn();
    }
    t = end;
  };
  return { sched, advance };
}

describe('createThrottle', () => {
  it('flushes at once after a quiet period, then at most once per interval', () => {
    const c = fakeClock();
    let n = 0;
    const th = createThrottle(() => n++, 100, c.sched);
    th.poke();
    expect(n).toBe(1);
    for (let i = 0; i < 1000; i++) th.poke();
    expect(n).toBe(1);
    c.advance(100);
    expect(n).toBe(2);
    c.advance(1000);
    expect(n).toBe(2);
  });
  it('keeps to ~10 flushes a second under a flood of 10,000 events', () => {
    const c = fakeClock();
    let n = 0;
    const th = createThrottle(() => n++, 100, c.sched);
    // 10,000 events spread over 2 seconds.
    for (let i = 0; i < 10_000; i++) {
      th.poke();
      c.advance(0.2);
    }
    c.advance(200);
    expect(n).toBeGreaterThanOrEqual(19);
    expect(n).toBeLessThanOrEqual(22);
  });
  it('flushNow and cancel', () => {
    const c = fakeClock();
    let n = 0;
    const th = createThrottle(() => n++, 100, c.sched);
    th.poke();
    th.poke();
    th.flushNow();
    expect(n).toBe(2);
    th.poke();
    th.cancel();
    c.advance(500);
    expect(n).toBe(2);
  });
});
