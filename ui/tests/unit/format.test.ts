import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatEta, formatRate, formatRelative, fraction } from '../../src/lib/format';

describe('formatBytes', () => {
  it('formats small and large sizes', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KB');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(10 * 1024 * 1024)).toBe('10 MB');
    expect(formatBytes(5.25 * 1024 ** 3)).toBe('5.3 GB');
    expect(formatBytes(1024 ** 5 * 3)).toBe('3.0 PB');
  });
  it('never shows 1024 of a unit', () => {
    expect(formatBytes(1024 * 1024 - 1)).toBe('1.0 MB');
  });
  it('rejects nonsense', () => {
    expect(formatBytes(-1)).toBe('—');
    expect(formatBytes(NaN)).toBe('—');
  });
});

describe('formatRate', () => {
  it('adds /s', () => {
    expect(formatRate(2.5 * 1024 * 1024)).toBe('2.5 MB/s');
    expect(formatRate(0)).toBe('0 B/s');
  });
});

describe('formatDuration and formatEta', () => {
  it('formats durations', () => {
    expect(formatDuration(0)).toBe('0 s');
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
