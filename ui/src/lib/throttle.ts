// Render throttling: however many events arrive, the UI is updated at most once per interval.

export interface Scheduler {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(h: unknown): void;
}

const realScheduler: Scheduler = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Calls `flush` at most once per `intervalMs` (leading and trailing edge): the first `poke`
 * after a quiet period flushes at once, later ones within the interval are coalesced into a
 * single trailing flush.
 */
export function createThrottle(flush: () => void, intervalMs = 100, sched: Scheduler = realScheduler) {
  let last = -Infinity;
  let timer: unknown = null;
  const run = () => {
    timer = null;
    last = sched.now();
    flush();
  };
  return {
    poke() {
      if (timer !== null) return;
      const wait = last + intervalMs - sched.now();
      if (wait <= 0) run();
      else timer = sched.setTimeout(run, wait);
    },
    cancel() {
      if (timer !== null) sched.clearTimeout(timer);
      timer = null;
    },
    /** Flushes now if a trailing flush is pending. */
    flushNow() {
      if (timer !== null) {
        sched.clearTimeout(timer);
        run();
      }
    },
  };
}
