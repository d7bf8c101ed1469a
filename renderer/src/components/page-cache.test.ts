import { describe, expect, it } from 'vitest';
import { cachePage } from './page-cache.ts';

describe('page cache', () => {
  it('keeps at most the limit, dropping the pages used longest ago', () => {
    let pages = new Map<number, string>();
    for (let p = 0; p < 6; p++) pages = cachePage(pages, p, `rows ${p}`, { first: p, last: p }, 4);
    expect([...pages.keys()]).toEqual([2, 3, 4, 5]);
    expect(pages.get(5)).toBe('rows 5');
  });

  it('counts pages in view as used, and never drops them', () => {
    let pages = new Map<number, string>();
    for (let p = 0; p < 4; p++) pages = cachePage(pages, p, `rows ${p}`, { first: p, last: p }, 4);
    // back at the top: page 0 is in view when page 9 arrives, so page 1 goes instead
    pages = cachePage(pages, 9, 'rows 9', { first: 0, last: 0 }, 4);
    expect([...pages.keys()].sort((a, b) => a - b)).toEqual([0, 2, 3, 9]);
    // a view wider than the limit keeps what it shows
    pages = cachePage(pages, 1, 'rows 1', { first: 0, last: 3 }, 2);
    expect([...pages.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3]);
  });

  it('replaces a page fetched again', () => {
    const pages = cachePage(new Map([[0, 'old']]), 0, 'new', { first: 0, last: 0 }, 4);
    expect([...pages]).toEqual([[0, 'new']]);
  });

  it('holds a bounded number of pages while scrolling through ten million rows', () => {
    let pages = new Map<number, number>();
    for (let p = 0; p < 50_000; p += 7) pages = cachePage(pages, p, p, { first: p, last: p + 1 });
    expect(pages.size).toBeLessThanOrEqual(25);
    expect(pages.has(49_999 - (49_999 % 7))).toBe(true);
  });
});
