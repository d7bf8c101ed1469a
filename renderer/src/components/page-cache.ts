// The grid's pages held in memory: a bounded cache in least-recently-used order, where pages in
// view count as used whenever a page arrives, so scrolling through millions of rows keeps only the
// pages around the viewport (a page scrolled back to is fetched again).

/** Pages kept: 25 of 200 rows, far more than a viewport shows. */
const MAX_CACHED_PAGES = 25;

/** Adds a fetched page and drops the least recently used pages past the limit, never one in view. */
export function cachePage<T>(pages: ReadonlyMap<number, T>, page: number, rows: T, inView: { first: number; last: number }, max = MAX_CACHED_PAGES): Map<number, T> {
  const next = new Map(pages);
  // a Map iterates in insertion order: re-inserting marks a page as the most recently used
  for (let p = inView.first; p <= inView.last; p++) {
    const held = next.get(p);
    if (held !== undefined) {
      next.delete(p);
      next.set(p, held);
    }
  }
  next.delete(page);
  next.set(page, rows);
  for (const p of next.keys()) {
    if (next.size <= max) break;
    if (p !== page && (p < inView.first || p > inView.last)) next.delete(p);
  }
  return next;
}
