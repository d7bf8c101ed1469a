// The data grid: virtualised rows, pages fetched on demand as they scroll into view, sort and
// filter handed to the fetcher (DuckDB for datasets, the browser for console results), and full
// keyboard navigation (arrows, Page Up/Down, Home/End, Ctrl+Home/End, Enter to profile, S to sort).

import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { ColumnInfo, Filter, FilterOp, Json, SortKey } from '../../../pipeline/api/protocol.ts';
import { cellText, fmtInt } from '../format.ts';
import { Icon } from './icons.tsx';
import { cachePage } from './page-cache.ts';
import { ErrorBox, EmptyState } from './states.tsx';
import { useScaledRows } from './useScaledRows.ts';

export interface GridPage {
  columns: ColumnInfo[];
  rows: Json[][];
  total: number;
  ms?: number;
}

export type PageFetcher = (offset: number, limit: number, sort: SortKey[], filters: Filter[]) => Promise<GridPage>;

const PAGE = 200;
const ROW_H = 28;
const HEAD_H = 44;
// DuckDB's numeric types and Snowflake's (NUMBER, NUMERIC, REAL; FLOAT and DOUBLE as DuckDB names them)
const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UBIGINT|UINTEGER|FLOAT|DOUBLE|DECIMAL|NUMBER|NUMERIC|REAL)/i;

function isNumeric(c: ColumnInfo): boolean {
  return NUMERIC.test(c.type);
}

function columnWidth(c: ColumnInfo): number {
  const base = isNumeric(c) ? 110 : /DATE|TIME/i.test(c.type) || /date|timestamp/.test(c.contractType ?? '') ? 120 : /JSON|STRUCT|MAP|\[\]/i.test(c.type) ? 280 : 150;
  // a masked column's header also carries its PII mark
  return Math.min(320, Math.max(base, c.name.length * 7.4 + 34) + (c.masked ? 30 : 0));
}

const OPS: { op: FilterOp; label: string; needsValue: boolean }[] = [
  { op: 'eq', label: '=', needsValue: true },
  { op: 'neq', label: '≠', needsValue: true },
  { op: 'contains', label: 'contains', needsValue: true },
  { op: 'starts', label: 'starts with', needsValue: true },
  { op: 'gt', label: '>', needsValue: true },
  { op: 'gte', label: '≥', needsValue: true },
  { op: 'lt', label: '<', needsValue: true },
  { op: 'lte', label: '≤', needsValue: true },
  { op: 'null', label: 'is null', needsValue: false },
  { op: 'notnull', label: 'is not null', needsValue: false },
];

function filterLabel(f: Filter): string {
  const op = OPS.find((o) => o.op === f.op)!;
  return `${f.column} ${op.label}${op.needsValue ? ` ${String(f.value)}` : ''}`;
}

interface Props {
  /** changing the key starts over (new dataset, new query) */
  sourceKey: string;
  fetchPage: PageFetcher;
  filterable?: boolean;
  initialFilters?: Filter[];
  selectedColumn?: string | null;
  onColumnSelect?: (column: ColumnInfo) => void;
  onFiltersChange?: (filters: Filter[]) => void;
  /** Space or a double click opens the active row (the row panel) */
  onRowOpen?: (index: number, row: Json[], columns: ColumnInfo[]) => void;
  label: string;
}

export function DataGrid({ sourceKey, fetchPage, filterable = false, initialFilters = [], selectedColumn, onColumnSelect, onFiltersChange, onRowOpen, label }: Props) {
  const [columns, setColumns] = useState<ColumnInfo[]>([]);
  const [sort, setSort] = useState<SortKey[]>([]);
  const [filters, setFilters] = useState<Filter[]>(initialFilters);
  const [ms, setMs] = useState<number | null>(null);
  const [active, setActive] = useState({ row: 0, col: 0 });
  const [adding, setAdding] = useState(false);
  const scrollRef = useRef<HTMLDivElement>(null);

  // A new source starts with its own filters, no sort and the first cell active.
  const [shownSource, setShownSource] = useState(sourceKey);
  if (shownSource !== sourceKey) {
    setShownSource(sourceKey);
    setFilters(initialFilters);
    setSort([]);
    setActive({ row: 0, col: 0 });
  }

  // A new source, sort or filter set starts from an empty page cache.
  const query = JSON.stringify({ sourceKey, sort, filters });
  const [data, setData] = useState<{ query: string; pages: Map<number, Json[][]>; total: number | null; error: unknown }>(() => ({ query, pages: new Map(), total: null, error: null }));
  if (data.query !== query) setData({ query, pages: new Map(), total: null, error: null });
  const { pages, total, error } = data;
  // the query answers are for (answers to an older one are dropped) and the pages being fetched
  const current = useRef(query);
  const inflight = useRef(new Set<string>());
  // the pages the viewport shows, which the page cache never drops
  const pagesInView = useRef({ first: 0, last: 0 });

  useEffect(() => {
    current.current = query;
    scrollRef.current?.scrollTo({ top: 0 });
  }, [query]);

  const virtual = useScaledRows(scrollRef, total ?? 0, ROW_H, HEAD_H, 16);
  const items = virtual.rows;
  const firstIndex = virtual.first;
  const lastIndex = virtual.last;

  // Fetches the pages in view that are not held yet (the first page while the total is unknown).
  useEffect(() => {
    pagesInView.current = { first: Math.floor(firstIndex / PAGE), last: Math.floor(lastIndex / PAGE) };
    const wanted = total === null ? [0] : Array.from({ length: pagesInView.current.last - pagesInView.current.first + 1 }, (_, i) => pagesInView.current.first + i);
    for (const page of wanted) {
      const key = `${page}:${query}`;
      if (pages.has(page) || inflight.current.has(key)) continue;
      inflight.current.add(key);
      fetchPage(page * PAGE, PAGE, sort, filters)
        .then(
          (res) => {
            if (current.current !== query) return;
            setColumns(res.columns);
            if (res.ms !== undefined) setMs(res.ms);
            setData((d) => (d.query === query ? { ...d, total: res.total, pages: cachePage(d.pages, page, res.rows, pagesInView.current) } : d));
          },
          (err: unknown) => setData((d) => (d.query === query ? { ...d, error: err } : d)),
        )
        .finally(() => inflight.current.delete(key));
    }
  }, [query, firstIndex, lastIndex, total, pages, fetchPage, sort, filters]);

  const widths = useMemo(() => columns.map(columnWidth), [columns]);
  const totalWidth = 64 + widths.reduce((a, b) => a + b, 0);

  const rowAt = (i: number): Json[] | undefined => pages.get(Math.floor(i / PAGE))?.[i % PAGE];

  const toggleSort = (name: string, add: boolean) => {
    const cur = sort.find((s) => s.column === name);
    const next: SortKey | null = !cur ? { column: name, dir: 'asc' } : cur.dir === 'asc' ? { column: name, dir: 'desc' } : null;
    const others = add ? sort.filter((s) => s.column !== name) : [];
    setSort(next ? [...others, next] : others);
  };

  const updateFilters = (next: Filter[]) => {
    setFilters(next);
    onFiltersChange?.(next);
  };

  const moveTo = (row: number, col: number) => {
    const r = Math.max(0, Math.min((total ?? 1) - 1, row));
    const c = Math.max(0, Math.min(columns.length - 1, col));
    setActive({ row: r, col: c });
    virtual.scrollToIndex(r);
    const left = 64 + widths.slice(0, c).reduce((a, b) => a + b, 0);
    const el = scrollRef.current;
    if (el) {
      if (left < el.scrollLeft + 64) el.scrollLeft = left - 64;
      else if (left + (widths[c] ?? 0) > el.scrollLeft + el.clientWidth) el.scrollLeft = left + (widths[c] ?? 0) - el.clientWidth;
    }
  };

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const visible = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 300) / ROW_H) - 2);
    const { row, col } = active;
    const handled = true;
    switch (e.key) {
      case 'ArrowDown':
        moveTo(row + 1, col);
        break;
      case 'ArrowUp':
        moveTo(row - 1, col);
        break;
      case 'ArrowRight':
        moveTo(row, col + 1);
        break;
      case 'ArrowLeft':
        moveTo(row, col - 1);
        break;
      case 'PageDown':
        moveTo(row + visible, col);
        break;
      case 'PageUp':
        moveTo(row - visible, col);
        break;
      case 'Home':
        moveTo(e.ctrlKey || e.metaKey ? 0 : row, 0);
        break;
      case 'End':
        moveTo(e.ctrlKey || e.metaKey ? (total ?? 1) - 1 : row, columns.length - 1);
        break;
      case 'Enter':
        if (columns[col]) onColumnSelect?.(columns[col]!);
        break;
      case ' ': {
        const r = rowAt(row);
        if (r && onRowOpen) onRowOpen(row, r, columns);
        else return;
        break;
      }
      case 's':
      case 'S':
        if (columns[col]) toggleSort(columns[col]!.name, e.shiftKey);
        break;
      case 'c':
        if (e.ctrlKey || e.metaKey) {
          const v = rowAt(row)?.[col];
          void navigator.clipboard?.writeText(cellText(v));
        } else return;
        break;
      default:
        return;
    }
    if (handled) e.preventDefault();
  };

  const activeRow = rowAt(active.row);
  const activeColumn = columns[active.col];
  return (
    <div className="dgrid">
      {filterable ? (
        <div className="filterbar">
          <Icon name="filter" />
          {filters.length === 0 && !adding ? <span className="muted">No filters</span> : null}
          {filters.map((f, i) => (
            <span className="chip" key={i}>
              {filterLabel(f)}
              <button aria-label={`Remove filter ${filterLabel(f)}`} onClick={() => updateFilters(filters.filter((_, j) => j !== i))}>
                <Icon name="close" size={12} />
              </button>
            </span>
          ))}
          {adding ? (
            <FilterForm columns={columns} initialColumn={activeColumn?.name} onCancel={() => setAdding(false)} onAdd={(f) => (updateFilters([...filters, f]), setAdding(false))} />
          ) : (
            <button className="btn small ghost" onClick={() => setAdding(true)} disabled={!columns.length}>
              <Icon name="plus" /> Add filter
            </button>
          )}
        </div>
      ) : null}
      {error ? (
        <div style={{ padding: 16 }}>
          <ErrorBox error={error} action={filters.length ? <button className="btn small" onClick={() => updateFilters([])}>Clear filters</button> : undefined} />
        </div>
      ) : null}
      <div
        className="dgrid-scroll"
        ref={scrollRef}
        tabIndex={0}
        role="grid"
        aria-label={label}
        aria-rowcount={(total ?? 0) + 1}
        aria-colcount={columns.length}
        aria-activedescendant={total ? `cell-${active.row}-${active.col}` : undefined}
        onKeyDown={onKey}
        data-testid="grid"
      >
        <div className="dgrid-head" style={{ width: totalWidth }} role="row" aria-rowindex={1}>
          <div className="dgrid-rownum" style={{ height: 44 }}>
            #
          </div>
          {columns.map((c, i) => {
            const s = sort.findIndex((k) => k.column === c.name);
            const key = sort[s];
            return (
              <div
                key={c.name}
                role="columnheader"
                aria-sort={key ? (key.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
                className={`dgrid-hcell${selectedColumn === c.name ? ' active' : ''}`}
                style={{ width: widths[i] }}
                title={c.description ?? `${c.name} (${c.type})`}
                onClick={(e) => {
                  if ((e.target as HTMLElement).closest('[data-sort]')) return;
                  setActive((a) => ({ ...a, col: i }));
                  onColumnSelect?.(c);
                }}
              >
                <span className="hname">
                  <span style={{ overflow: 'hidden', textOverflow: 'ellipsis' }}>{c.name}</span>
                  {c.masked ? (
                    <span className="pii-mark" title="Personal data: masked in this session (Reveal PII in the top bar)" data-testid="pii-masked-column">
                      PII
                    </span>
                  ) : null}
                  <button
                    data-sort
                    className="btn ghost small"
                    style={{ height: 18, padding: '0 3px', marginLeft: 'auto', color: key ? 'var(--accent-text)' : 'var(--muted)' }}
                    aria-label={`Sort by ${c.name}`}
                    title="Sort (shift-click to add a key)"
                    onClick={(e) => toggleSort(c.name, e.shiftKey)}
                  >
                    {key ? `${key.dir === 'asc' ? '▲' : '▼'}${sort.length > 1 ? s + 1 : ''}` : '⇅'}
                  </button>
                </span>
                <span className="htype">{c.contractType && c.contractType.toUpperCase() !== c.type ? `${c.type.toLowerCase()} · ${c.contractType}` : c.type.toLowerCase()}</span>
              </div>
            );
          })}
        </div>
        {total === 0 && !error ? (
          <EmptyState icon="table" title="No rows">
            {filters.length ? 'Nothing matches these filters.' : 'This dataset is empty.'}
          </EmptyState>
        ) : null}
        <div style={{ height: virtual.height, width: totalWidth, position: 'relative' }}>
          {items.map((v) => {
            const row = rowAt(v.index);
            return (
              <div key={v.index} className={`dgrid-row${active.row === v.index ? ' selected-row' : ''}`} role="row" aria-rowindex={v.index + 2} style={{ top: v.top, width: totalWidth }}>
                <div className="dgrid-rownum" style={{ height: ROW_H, lineHeight: `${ROW_H}px` }}>
                  {v.index + 1}
                </div>
                {row
                  ? columns.map((c, ci) => {
                      const value = row[ci];
                      const sel = active.row === v.index && active.col === ci;
                      return (
                        <div
                          key={c.name}
                          id={`cell-${v.index}-${ci}`}
                          role="gridcell"
                          aria-selected={sel}
                          className={`dgrid-cell${isNumeric(c) ? ' num' : ''}${value === null ? ' null' : ''}${sel ? ' selected' : ''}`}
                          style={{ width: widths[ci] }}
                          onMouseDown={() => setActive({ row: v.index, col: ci })}
                          onDoubleClick={() => onRowOpen?.(v.index, row, columns)}
                          title={cellText(value)}
                        >
                          {cellText(value)}
                        </div>
                      );
                    })
                  : columns.map((c, ci) => (
                      <div key={c.name} className="dgrid-cell" style={{ width: widths[ci] }}>
                        <div className="skeleton" style={{ height: 10, marginTop: 9, width: '70%' }} />
                      </div>
                    ))}
              </div>
            );
          })}
        </div>
      </div>
      <div className="dgrid-foot" aria-live="polite">
        <span data-testid="grid-total">{total === null ? 'Loading…' : `${fmtInt(total)} rows`}</span>
        {total ? (
          <span>
            row {fmtInt(active.row + 1)} · {activeColumn?.name}
            {activeRow ? ` = ${cellText(activeRow[active.col]).slice(0, 60)}` : ''}
          </span>
        ) : null}
        <span className="sep" />
        {sort.length ? <span>sorted by {sort.map((s) => `${s.column} ${s.dir}`).join(', ')}</span> : null}
        {ms !== null ? <span>{ms} ms</span> : null}
      </div>
    </div>
  );
}

function FilterForm({ columns, initialColumn, onAdd, onCancel }: { columns: ColumnInfo[]; initialColumn?: string; onAdd: (f: Filter) => void; onCancel: () => void }) {
  const [column, setColumn] = useState(initialColumn ?? columns[0]?.name ?? '');
  const [op, setOp] = useState<FilterOp>('eq');
  const [value, setValue] = useState('');
  const needsValue = OPS.find((o) => o.op === op)!.needsValue;
  const submit = () => {
    if (!column || (needsValue && value === '')) return;
    onAdd(needsValue ? { column, op, value } : { column, op });
  };
  return (
    <form
      className="row"
      style={{ gap: 6 }}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onCancel();
      }}
    >
      <select aria-label="Filter column" value={column} onChange={(e) => setColumn(e.target.value)} style={{ height: 26 }} autoFocus>
        {columns.map((c) => (
          <option key={c.name}>{c.name}</option>
        ))}
      </select>
      <select aria-label="Filter operator" value={op} onChange={(e) => setOp(e.target.value as FilterOp)} style={{ height: 26 }}>
        {OPS.map((o) => (
          <option key={o.op} value={o.op}>
            {o.label}
          </option>
        ))}
      </select>
      {needsValue ? <input aria-label="Filter value" value={value} onChange={(e) => setValue(e.target.value)} style={{ height: 26, width: 160 }} placeholder="value" /> : null}
      <button className="btn small primary" type="submit">
        Apply
      </button>
      <button className="btn small ghost" type="button" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}

/** A fetcher over rows already in memory (console results): sorting happens here. */
export function localFetcher(columns: ColumnInfo[], rows: Json[][]): PageFetcher {
  return async (offset, limit, sort) => {
    let data = rows;
    if (sort.length) {
      const keys = sort.map((s) => ({ i: columns.findIndex((c) => c.name === s.column), dir: s.dir === 'asc' ? 1 : -1, numeric: isNumeric(columns.find((c) => c.name === s.column)!) }));
      data = [...rows].sort((a, b) => {
        for (const k of keys) {
          const x = a[k.i];
          const y = b[k.i];
          if (x === y) continue;
          if (x === null || x === undefined) return 1;
          if (y === null || y === undefined) return -1;
          const c = k.numeric ? Number(x) - Number(y) : String(x).localeCompare(String(y));
          if (c) return c * k.dir;
        }
        return 0;
      });
    }
    return { columns, rows: data.slice(offset, offset + limit), total: rows.length };
  };
}
