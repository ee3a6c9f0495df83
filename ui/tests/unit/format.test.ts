import { describe, expect, it } from 'vitest';
import { activityLabel, formatBytes, formatDuration, plural, formatEta, formatRate, formatRelative, fraction } from '../../src/lib/format';

// The same table as the engine's `src/words/bytes.rs` (CASES): both must agree digit for digit.
const BYTE_CASES: [number, string][] = [
  [0, '0 B'],
  [1, '1 B'],
  [999, '999 B'],
  [1000, '1.0 kB'],
  [1024, '1.0 kB'],
  [1049, '1.0 kB'],
  [1050, '1.1 kB'],
  [1250, '1.3 kB'],
  [1536, '1.5 kB'],
  [9949, '9.9 kB'],
  [9950, '10 kB'],
  [10_000, '10 kB'],
  [15_500, '16 kB'],
  [999_499, '999 kB'],
  [999_500, '1.0 MB'],
  [1_000_000, '1.0 MB'],
  [1_048_576, '1.0 MB'],
  [123_456_789, '123 MB'],
  [1_073_741_824, '1.1 GB'],
  [2_500_000_000, '2.5 GB'],
  [999_999_999_999, '1.0 TB'],
  [5_000_000_000_000, '5.0 TB'],
  [1_000_000_000_000_000, '1.0 PB'],
];

describe('formatBytes', () => {
  it('matches the engine table (decimal units)', () => {
    for (const [n, want] of BYTE_CASES) expect(formatBytes(n), `${n} bytes`).toBe(want);
  });
  it('labels are true to the math: a GiB is 1.1 GB, never a binary unit', () => {
    expect(formatBytes(1024 ** 3)).toBe('1.1 GB');
    for (const [n] of BYTE_CASES) expect(formatBytes(n)).not.toMatch(/iB|KB/);
  });
  it('rejects nonsense', () => {
    expect(formatBytes(-1)).toBe('—');
    expect(formatBytes(NaN)).toBe('—');
  });
});

describe('plural and activityLabel', () => {
  it('counts right', () => {
    expect(plural(0, 'conflict')).toBe('0 conflicts');
    expect(plural(1, 'conflict')).toBe('1 conflict');
    expect(plural(2, 'conflict')).toBe('2 conflicts');
  });
  it('labels activities as sentences', () => {
    expect(activityLabel('uploaded')).toBe('Uploaded');
    expect(activityLabel('deleted_remote')).toBe('Deleted on the server');
    expect(activityLabel('deleted_local')).toBe('Deleted on this computer');
    expect(activityLabel('conflict_copy_remote')).toBe('Kept both: conflict copy');
    expect(activityLabel('folder_created_local')).toBe('Folder created on this computer');
    expect(activityLabel('something_new')).toBe('Something new');
  });
});

describe('formatRate', () => {
  it('adds /s', () => {
    expect(formatRate(2_500_000)).toBe('2.5 MB/s');
    expect(formatRate(0)).toBe('0 B/s');
  });
});

describe('formatDuration and formatEta', () => {
  it('formats durations', () => {
    expect(formatDuration(0)).toBe('under a second');
    expect(formatDuration(0.4)).toBe('under a second');
    expect(formatDuration(1)).toBe('1 s');
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(60)).toBe('1 min');
    expect(formatDuration(185)).toBe('3 min 5 s');
    expect(formatDuration(2 * 3600 + 600)).toBe('2 h 10 min');
    expect(formatDuration(3 * 86400 + 4 * 3600)).toBe('3 d 4 h');
    expect(formatDuration(null)).toBe('—');
  });
  it('formats ETA, empty when unknown', () => {
    expect(formatEta(null)).toBe('');
    expect(formatEta(2)).toBe('a few seconds left');
    expect(formatEta(185)).toBe('about 3 min 5 s left');
  });
});

describe('formatRelative and fraction', () => {
  it('tells past and future', () => {
    const now = 1_000_000_000;
    expect(formatRelative(now + 5 * 60_000, now)).toBe('in 5 min');
    expect(formatRelative(now - 3 * 60_000, now)).toBe('3 min ago');
    expect(formatRelative(now - 1000, now)).toBe('just now');
    expect(formatRelative(now + 5 * 60_000 - 2000, now)).toBe('in 5 min');
    expect(formatRelative(now + 45_000, now)).toBe('in 45 s');
    expect(formatRelative(now - 2 * 3_600_000 - 10 * 60_000 - 20_000, now)).toBe('2 h 10 min ago');
    expect(formatRelative(null, now)).toBe('—');
  });
  it('clamps fractions', () => {
    expect(fraction(5, 10)).toBe(0.5);
    expect(fraction(5, 0)).toBe(0);
    expect(fraction(20, 10)).toBe(1);
  });
});
