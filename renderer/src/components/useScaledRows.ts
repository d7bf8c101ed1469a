// Row virtualisation that works for any row count. Browsers cap an element's height (Chromium at
// about 33 million pixels, i.e. ~1.2 million 28px rows), so past a limit the scroll range is
// compressed: scrollTop maps linearly onto the full list, and the visible rows are drawn at their
// offset from that point. Below the limit it is ordinary 1:1 virtualisation.
import { useCallback, useEffect, useState, type RefObject } from 'react';

const MAX_SCROLL_HEIGHT = 8_000_000;

export interface VirtualRow {
  index: number;
  /** top of the row inside the scroll content, in px */
  top: number;
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
    setViewport(el.clientHeight);
    return () => {
      el.removeEventListener('scroll', onScroll);
      ro.disconnect();
    };
  }, [scrollRef]);

  const body = Math.max(0, viewport - headerHeight);
  const realHeight = count * rowHeight;
  const height = Math.min(realHeight, MAX_SCROLL_HEIGHT);
  // how many real pixels one scrolled pixel stands for (1 below the cap)
  const scale = height > body && realHeight > body ? (realHeight - body) / (height - body) : 1;
  const virtualTop = scrollTop * scale;
  const first = Math.max(0, Math.floor(virtualTop / rowHeight) - overscan);
  const last = Math.min(count - 1, Math.ceil((virtualTop + body) / rowHeight) + overscan);
  const rows: VirtualRow[] = [];
  for (let i = first; i <= last; i++) rows.push({ index: i, top: scrollTop + (i * rowHeight - virtualTop) });

  const scrollToIndex = useCallback(
    (index: number) => {
      const el = scrollRef.current;
      if (!el) return;
      const rowTop = index * rowHeight;
      const cur = el.scrollTop * scale;
      let target: number | null = null;
      if (rowTop < cur) target = rowTop;
      else if (rowTop + rowHeight > cur + body) target = rowTop + rowHeight - body;
      if (target !== null) el.scrollTop = target / scale;
    },
    [scrollRef, scale, rowHeight, body],
  );

  return { rows, height, scrollToIndex, first: rows[0]?.index ?? 0, last: rows.at(-1)?.index ?? 0 };
}
