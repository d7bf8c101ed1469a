// Row virtualisation that works for any row count. Browsers cap an element's height (Chromium at
// about 33 million pixels, i.e. ~1.2 million 28px rows), so past a limit the scroll range is
// compressed: scrollTop maps linearly onto the full list, and the visible rows are drawn at their
// offset from that point. Below the limit it is ordinary 1:1 virtualisation.
import { useCallback, useEffect, useState, type RefObject } from 'react';

export const MAX_SCROLL_HEIGHT = 8_000_000;

export interface VirtualRow {
  index: number;
  /** top of the row inside the scroll content, in px */
  top: number;
}

export interface ScrollGeometry {
  count: number;
  rowHeight: number;
  /** height of the visible rows' area (the viewport less the sticky header), in px */
  body: number;
}

/** The scroll content's height, capped, and how many real pixels one scrolled pixel stands for (1 below the cap). */
export function scrollScale({ count, rowHeight, body }: ScrollGeometry): { height: number; scale: number } {
  const realHeight = count * rowHeight;
  const height = Math.min(realHeight, MAX_SCROLL_HEIGHT);
  // the last scroll position must show the last row: map [0, height - body] onto [0, realHeight - body]
  const scale = height > body && realHeight > body ? (realHeight - body) / (height - body) : 1;
  return { height, scale };
}

/** The rows to draw at a scroll position, with overscan rows above and below. */
export function visibleRows(g: ScrollGeometry, scrollTop: number, overscan: number): VirtualRow[] {
  const { scale } = scrollScale(g);
  const virtualTop = scrollTop * scale;
  const first = Math.max(0, Math.floor(virtualTop / g.rowHeight) - overscan);
  const last = Math.min(g.count - 1, Math.ceil((virtualTop + g.body) / g.rowHeight) + overscan);
  const rows: VirtualRow[] = [];
  for (let i = first; i <= last; i++) rows.push({ index: i, top: scrollTop + (i * g.rowHeight - virtualTop) });
  return rows;
}

/** The scrollTop that brings a row fully into view, or null when it is in view already. */
export function scrollTopFor(g: ScrollGeometry, scrollTop: number, index: number): number | null {
  const { scale } = scrollScale(g);
  const rowTop = index * g.rowHeight;
  const cur = scrollTop * scale;
  if (rowTop < cur) return rowTop / scale;
  if (rowTop + g.rowHeight > cur + g.body) return (rowTop + g.rowHeight - g.body) / scale;
  return null;
}

export function useScaledRows(scrollRef: RefObject<HTMLElement | null>, count: number, rowHeight: number, headerHeight: number, overscan = 10) {
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);

  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const onScroll = () => setScrollTop(el.scrollTop);
    const ro = new ResizeObserver(() => setViewport(el.clientHeight));
    el.addEventListener('scroll', onScroll, { passive: true });
    ro.observe(el);
    return () => {
      el.removeEventListener('scroll', onScroll);
      ro.disconnect();
    };
  }, [scrollRef]);

  const body = Math.max(0, viewport - headerHeight);
  const { height } = scrollScale({ count, rowHeight, body });
  const rows = visibleRows({ count, rowHeight, body }, scrollTop, overscan);

  const scrollToIndex = useCallback(
    (index: number) => {
      const el = scrollRef.current;
      if (!el) return;
      const target = scrollTopFor({ count, rowHeight, body }, el.scrollTop, index);
      if (target !== null) el.scrollTop = target;
    },
    [scrollRef, count, rowHeight, body],
  );

  return { rows, height, scrollToIndex, first: rows[0]?.index ?? 0, last: rows.at(-1)?.index ?? 0 };
}
