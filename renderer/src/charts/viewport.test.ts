import { describe, expect, it } from 'vitest';
import { fitView, MAX_ZOOM, MIN_ZOOM, READABLE_ZOOM, revealView, zoomAt } from './viewport.ts';

const canvas = { width: 1000, height: 600 };

describe('viewport', () => {
  it('fits the whole graph, centred, never above 110 %', () => {
    const v = fitView(canvas, { width: 2000, height: 500 });
    expect(v.k).toBeCloseTo(0.46, 5);
    expect(v.x).toBeCloseTo(40, 5);
    expect(v.y + 250 * v.k).toBeCloseTo(300, 5);
    expect(fitView(canvas, { width: 100, height: 50 }).k).toBe(1.1);
    // room for the labels above the graph is part of what is centred
    const labelled = fitView(canvas, { width: 400, height: 400 }, 40);
    expect(labelled.y - 40 * labelled.k + ((400 + 40) * labelled.k) / 2).toBeCloseTo(300, 5);
  });

  it('leaves a view that shows a node readably as it is', () => {
    const view = { x: -100, y: 0, k: 1 };
    expect(revealView(view, canvas, { x: 300, y: 100, width: 200, height: 46 })).toBe(view);
  });

  it('centres a node that is hidden or too small to read, zooming in no further than needed', () => {
    const overview = { x: 0, y: 0, k: 0.4 };
    const v = revealView(overview, canvas, { x: 1000, y: 200, width: 200, height: 46 });
    expect(v.k).toBe(READABLE_ZOOM);
    expect(v.x + 1100 * v.k).toBeCloseTo(500, 5);
    expect(v.y + 223 * v.k).toBeCloseTo(300, 5);
    // off screen at a large zoom: the zoom stays, the node comes to the middle
    const far = revealView({ x: 0, y: 0, k: 2 }, canvas, { x: 2000, y: 0, width: 200, height: 46 });
    expect(far.k).toBe(2);
    expect(far.x + 2100 * 2).toBeCloseTo(500, 5);
  });

  it('zooms around a point that stays put, within the limits', () => {
    const v = zoomAt({ x: 10, y: 20, k: 1 }, 2, 110, 70);
    expect(v).toEqual({ k: 2, x: -90, y: -30 });
    expect(zoomAt({ x: 0, y: 0, k: 1 }, 100, 0, 0).k).toBe(MAX_ZOOM);
    expect(zoomAt({ x: 0, y: 0, k: 1 }, 0.001, 0, 0).k).toBe(MIN_ZOOM);
  });
});
