// Formatting of sizes, rates, durations and times for people.

const UNITS = ['kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/**
 * Sizes in decimal units (1 kB = 1000 B), the same rules as the engine's
 * `src/words/bytes.rs` (tested with the same table): "999 B", "1.5 kB", "10 kB", "1.0 MB".
 * One decimal under 10 of a unit, none from 10 on; a value that rounds to 1000 of a unit is
 * shown in the next. Rounding is half up on the exact integer (BigInt), as in Rust.
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  const b = BigInt(Math.round(n));
  if (b < 1000n) return `${b} B`;
  let unit = 0;
  let div = 1000n;
  while (b >= div * 1000n && unit < UNITS.length - 1) {
    div *= 1000n;
    unit++;
  }
  const tenths = (b * 10n + div / 2n) / div;
  if (tenths < 100n) return `${tenths / 10n}.${tenths % 10n} ${UNITS[unit]}`;
  const whole = (b + div / 2n) / div;
  if (whole >= 1000n && unit < UNITS.length - 1) {
    const d = div * 1000n;
    const t = (b * 10n + d / 2n) / d;
    return `${t / 10n}.${t % 10n} ${UNITS[unit + 1]}`;
  }
  return `${whole} ${UNITS[unit]}`;
}

/** "1 conflict", "2 conflicts" (regular nouns), as the engine's `words::plural`. */
export function plural(n: number, what: string): string {
  return n === 1 ? `1 ${what}` : `${n} ${what}s`;
}

/** Action codes the engine records, as sentences (`src/words/activity.rs` has the same list). */
const ACTIVITY_LABELS: Record<string, string> = {
  uploaded: 'Uploaded',
  downloaded: 'Downloaded',
  deleted_local: 'Deleted on this computer',
  deleted_remote: 'Deleted on the server',
  moved_local: 'Moved on this computer',
  moved_remote: 'Moved on the server',
  conflict_pending: 'Conflict: waiting for your choice',
  conflict_copy_local: 'Kept both: conflict copy',
  conflict_copy_remote: 'Kept both: conflict copy',
  folder_created_local: 'Folder created on this computer',
  folder_created_remote: 'Folder created on the server',
  folder_deleted_local: 'Folder deleted on this computer',
  folder_deleted_remote: 'Folder deleted on the server',
  failed: 'Failed',
};

/** The label of an action code; an unknown one reads as its words. */
export function activityLabel(action: string): string {
  const known = ACTIVITY_LABELS[action];
  if (known) return known;
  const words = action.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Bytes per second -> "2.4 MB/s". */
export function formatRate(bytesPerSec: number): string {
  if (!Number.isFinite(bytesPerSec) || bytesPerSec < 0) return '—';
  return `${formatBytes(bytesPerSec)}/s`;
}

/** Seconds -> "under a second", "45 s", "3 min 5 s", "2 h 10 min", "3 d 4 h"; null -> "—". */
export function formatDuration(secs: number | null | undefined): string {
  if (secs == null || !Number.isFinite(secs) || secs < 0) return '—';
  if (secs < 1) return 'under a second';
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
