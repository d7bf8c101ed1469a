import { describe, expect, it } from 'vitest';
import { MAX_SCROLL_HEIGHT, scrollScale, scrollTopFor, visibleRows } from './useScaledRows.ts';

const ROW = 28;
const BODY = 560; // 20 rows

describe('scroll scaling', () => {
  it('is 1:1 below the cap', () => {
    const g = { count: 1000, rowHeight: ROW, body: BODY };
    expect(scrollScale(g)).toEqual({ height: 28_000, scale: 1 });
    const rows = visibleRows(g, 280, 2);
    expect(rows[0]).toEqual({ index: 8, top: 224 });
    expect(rows.at(-1)).toEqual({ index: 32, top: 896 });
    expect(scrollTopFor(g, 280, 15)).toBeNull();
    expect(scrollTopFor(g, 280, 3)).toBe(84);
    expect(scrollTopFor(g, 280, 40)).toBe(41 * ROW - BODY);
  });

  it('compresses ten million rows into the capped height and still reaches both ends', () => {
    const g = { count: 10_000_000, rowHeight: ROW, body: BODY };
    const { height, scale } = scrollScale(g);
    expect(height).toBe(MAX_SCROLL_HEIGHT);
    expect(scale).toBeCloseTo((10_000_000 * ROW - BODY) / (MAX_SCROLL_HEIGHT - BODY), 9);
    // the top shows the first rows, drawn from the top of the content
    expect(visibleRows(g, 0, 0).slice(0, 2)).toEqual([{ index: 0, top: 0 }, { index: 1, top: 28 }]);
    // the last scroll position shows the last row, ending at the bottom of the viewport
    const end = MAX_SCROLL_HEIGHT - BODY;
    const last = visibleRows(g, end, 0).at(-1)!;
    expect(last.index).toBe(9_999_999);
    expect(last.top + ROW).toBeCloseTo(end + BODY, 6);
    // halfway down the scroll range is halfway through the rows; drawn rows sit 28px apart in view
    const mid = visibleRows(g, end / 2, 0);
    expect(mid[0]!.index).toBeGreaterThan(4_999_000);
    expect(mid[0]!.index).toBeLessThan(5_001_000);
    expect(mid[1]!.top - mid[0]!.top).toBeCloseTo(ROW, 6);
    expect(mid[0]!.top).toBeLessThanOrEqual(end / 2);
    expect(mid[0]!.top).toBeGreaterThan(end / 2 - ROW);
  });

  it('scrolls to a row far down in scaled units', () => {
    const g = { count: 10_000_000, rowHeight: ROW, body: BODY };
    const target = scrollTopFor(g, 0, 7_654_321)!;
    const rows = visibleRows(g, target, 0);
    const row = rows.find((r) => r.index === 7_654_321)!;
    expect(row.top - target).toBeGreaterThanOrEqual(-0.001);
    expect(row.top - target + ROW).toBeLessThanOrEqual(BODY + 0.001);
    expect(scrollTopFor(g, target, 7_654_321)).toBeNull();
  });

  it('draws nothing for no rows', () => {
    expect(visibleRows({ count: 0, rowHeight: ROW, body: BODY }, 0, 10)).toEqual([]);
  });
});
