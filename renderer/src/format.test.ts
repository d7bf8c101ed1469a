import { afterEach, describe, expect, it, vi } from 'vitest';
import { cellText, fmtAgo, fmtBytes, fmtCompact, fmtCompactMoney, fmtInt, fmtMoney, fmtMoney2, fmtPct, fmtSeconds, fmtTime } from './format.ts';

describe('formatting', () => {
  it('shows missing numbers as a dash', () => {
    for (const f of [fmtInt, fmtMoney, fmtMoney2, fmtPct, fmtSeconds]) {
      expect(f(null)).toBe('—');
      expect(f(undefined)).toBe('—');
    }
    expect(fmtTime(null)).toBe('—');
    expect(fmtAgo(undefined)).toBe('—');
  });

  it('formats counts, money and shares', () => {
    expect(fmtInt(10_000_000)).toBe('10,000,000');
    expect(fmtInt(0)).toBe('0');
    expect(fmtMoney(1234.56)).toBe('$1,235');
    expect(fmtMoney(-20)).toBe('-$20');
    expect(fmtMoney2(1234.5)).toBe('$1,234.50');
    expect(fmtCompactMoney(2_345_678)).toBe('$2.3M');
    expect(fmtCompact(1500)).toBe('1.5K');
    expect(fmtPct(0.1234)).toBe('12.3%');
    expect(fmtPct(0.5, 0)).toBe('50%');
    expect(fmtPct(0)).toBe('0.0%');
  });

  it('formats durations in the unit that fits, carrying over when rounding reaches the next', () => {
    expect(fmtSeconds(0)).toBe('0 ms');
    expect(fmtSeconds(0.0424)).toBe('42 ms');
    expect(fmtSeconds(0.9996)).toBe('1.0 s');
    expect(fmtSeconds(1)).toBe('1.0 s');
    expect(fmtSeconds(42.54)).toBe('42.5 s');
    expect(fmtSeconds(59.97)).toBe('1m 0s');
    expect(fmtSeconds(61)).toBe('1m 1s');
    expect(fmtSeconds(119.6)).toBe('2m 0s');
    expect(fmtSeconds(3725)).toBe('62m 5s');
  });

  it('formats sizes in binary units', () => {
    expect(fmtBytes(0)).toBe('0 B');
    expect(fmtBytes(1023)).toBe('1023 B');
    expect(fmtBytes(1536)).toBe('1.5 KB');
    expect(fmtBytes(50 * 1024 * 1024)).toBe('50 MB');
    expect(fmtBytes(3 * 1024 ** 5)).toBe('3072 TB');
  });

  it('formats times, and shows what it cannot read as given', () => {
    expect(fmtTime('2025-03-04T05:06:07Z')).toMatch(/^Mar \d{1,2}, \d{2}:\d{2}:07$/);
    expect(fmtTime('not a time')).toBe('not a time');
  });

  describe('ago', () => {
    afterEach(() => {
      vi.useRealTimers();
    });
    it('says how long ago, in the largest whole unit', () => {
      vi.useFakeTimers();
      vi.setSystemTime(new Date('2025-01-10T12:00:00Z'));
      expect(fmtAgo('2025-01-10T11:59:30Z')).toBe('just now');
      expect(fmtAgo('2025-01-10T11:15:00Z')).toBe('45 min ago');
      expect(fmtAgo('2025-01-10T07:00:00Z')).toBe('5 h ago');
      expect(fmtAgo('2025-01-07T12:00:00Z')).toBe('3 d ago');
      expect(fmtAgo('yesterday')).toBe('yesterday');
    });
  });

  it('shows cell values as text, NULL for none', () => {
    expect(cellText(null)).toBe('NULL');
    expect(cellText(undefined)).toBe('NULL');
    expect(cellText(12.5)).toBe('12.5');
    expect(cellText(false)).toBe('false');
    expect(cellText({ a: [1, 2] })).toBe('{"a":[1,2]}');
  });
});
