// Formatting of sizes, rates, durations and times for people.

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** 1536 -> "1.5 KB" (binary multiples, short unit names as file managers show them). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  if (n < 1024) return `${Math.round(n)} B`;
  let v = n;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  const digits = v < 10 ? 1 : 0;
  let s = v.toFixed(digits);
  // 1023.7 KB rounds to "1024 KB": show the next unit instead.
  if (Number(s) >= 1024 && i < UNITS.length - 1) {
    s = (v / 1024).toFixed(1);
    i++;
  }
  return `${s} ${UNITS[i]}`;
}

/** Bytes per second -> "2.4 MB/s". */
export function formatRate(bytesPerSec: number): string {
  if (!Number.isFinite(bytesPerSec) || bytesPerSec < 0) return '—';
  return `${formatBytes(bytesPerSec)}/s`;
}

/** Seconds -> "45 s", "3 min 5 s", "2 h 10 min", "3 d 4 h"; null -> "—". */
export function formatDuration(secs: number | null | undefined): string {
  if (secs == null || !Number.isFinite(secs) || secs < 0) return '—';
  const s = Math.round(secs);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** ETA in seconds -> "about 3 min left"; null -> "" (unknown). */
export function formatEta(secs: number | null | undefined): string {
  if (secs == null || !Number.isFinite(secs) || secs < 0) return '';
  if (secs < 5) return 'a few seconds left';
  return `about ${formatDuration(secs)} left`;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Epoch ms -> "2026-11-22 14:05" in local time. */
export function formatTime(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Epoch ns (file mtimes) -> "2026-11-22 14:05:09". */
export function formatMtimeNs(ns: number): string {
  const d = new Date(Math.floor(ns / 1e6));
  return `${formatTime(d.getTime())}:${pad(d.getSeconds())}`;
}

/** Relative time, e.g. "in 5 min", "3 min ago", "just now". */
export function formatRelative(ms: number | null | undefined, now: number = Date.now()): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  const diff = (ms - now) / 1000;
  if (Math.abs(diff) < 30) return diff >= 0 ? 'now' : 'just now';
  const abs = Math.abs(diff);
  // Whole minutes from a minute on (rounded, so 4 min 59 s reads "5 min").
  const txt = abs < 60 ? formatDuration(abs) : formatDuration(Math.round(abs / 60) * 60);
  return diff > 0 ? `in ${txt}` : `${txt} ago`;
}

/** 0..1 of done/total, 0 when total is unknown or 0. */
export function fraction(done: number, total: number): number {
  if (!total || total <= 0) return 0;
  return Math.max(0, Math.min(1, done / total));
}
