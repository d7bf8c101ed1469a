// Small SVG charts sized to their card: a line chart for monthly trends and horizontal bars for
// breakdowns. Each sits in a ChartCard with PNG and CSV export.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Icon } from '../components/icons.tsx';
import { exportCsv, exportPng } from './export.ts';
import { useChartColors } from './theme.ts';

const FONT = 'Inter, Segoe UI, system-ui, sans-serif';

function useWidth<T extends HTMLElement>(): [React.RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [w, setW] = useState(600);
  useEffect(() => {
    if (!ref.current) return;
    const ro = new ResizeObserver(([e]) => setW(Math.max(200, Math.floor(e!.contentRect.width))));
    ro.observe(ref.current);
    return () => ro.disconnect();
  }, []);
  return [ref, w];
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  const m = v / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p;
}

export interface CsvData {
  header: string[];
  rows: unknown[][];
}

export function ChartCard({ title, subtitle, filename, csv, children, testId }: { title: string; subtitle?: string; filename: string; csv: CsvData; children: ReactNode; testId?: string }) {
  const body = useRef<HTMLDivElement>(null);
  const colors = useChartColors();
  return (
    <section className="card chart-card" data-testid={testId} aria-label={title}>
      <div className="card-head">
        <div>
          <h2>{title}</h2>
          {subtitle ? <div className="muted" style={{ fontSize: 12 }}>{subtitle}</div> : null}
        </div>
        <div className="actions">
          <button
            className="btn ghost small"
            title="Download the chart as PNG"
            onClick={() => {
              const svg = body.current?.querySelector('svg');
              if (svg) void exportPng(svg, `${filename}.png`, colors.panel);
            }}
          >
            <Icon name="image" /> PNG
          </button>
          <button className="btn ghost small" title="Download the data as CSV" onClick={() => exportCsv(`${filename}.csv`, csv.header, csv.rows)}>
            <Icon name="download" /> CSV
          </button>
        </div>
      </div>
      <div className="card-body" ref={body}>
        {children}
      </div>
    </section>
  );
}

export function LineChart({ labels, series, height = 220, format }: { labels: string[]; series: { name: string; values: (number | null)[] }[]; height?: number; format: (v: number) => string }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const c = useChartColors();
  const pad = { l: 58, r: 22, t: 12, b: 26 };
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const max = niceMax(Math.max(0, ...all));
  const iw = width - pad.l - pad.r;
  const ih = height - pad.t - pad.b;
  const x = (i: number) => pad.l + (labels.length <= 1 ? iw / 2 : (i / (labels.length - 1)) * iw);
  const y = (v: number) => pad.t + ih - (v / max) * ih;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => t * max);
  const every = Math.max(1, Math.ceil(labels.length / Math.max(2, Math.floor(iw / 64))));
  return (
    <div ref={ref}>
      <svg className="chart" width={width} height={height} role="img" aria-label={series.map((s) => s.name).join(', ')} style={{ fontFamily: FONT }}>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={pad.l} x2={width - pad.r} y1={y(t)} y2={y(t)} stroke={c.grid} />
            <text x={pad.l - 8} y={y(t) + 4} textAnchor="end" fill={c.muted} fontSize="11" fontFamily={FONT}>
              {format(t)}
            </text>
          </g>
        ))}
        {labels.map((l, i) =>
          i % every === 0 ? (
            <text key={l} x={x(i)} y={height - 8} textAnchor={i === labels.length - 1 && labels.length > 1 ? 'end' : i === 0 && labels.length > 1 ? 'start' : 'middle'} fill={c.muted} fontSize="11" fontFamily={FONT}>
              {l}
            </text>
          ) : null,
        )}
        {series.map((s, si) => {
          const pts = s.values.map((v, i) => (v === null ? null : `${x(i)},${y(v)}`)).filter(Boolean);
          const color = c.series[si % c.series.length]!;
          return (
            <g key={s.name}>
              {si === 0 && pts.length > 1 ? <polygon points={`${x(0)},${y(0)} ${pts.join(' ')} ${x(s.values.length - 1)},${y(0)}`} fill={color} opacity={0.08} /> : null}
              <polyline points={pts.join(' ')} fill="none" stroke={color} strokeWidth={2} strokeLinejoin="round" />
              {s.values.map((v, i) =>
                v === null ? null : (
                  <circle key={i} cx={x(i)} cy={y(v)} r={2.6} fill={color}>
                    <title>{`${labels[i]} · ${s.name}: ${format(v)}`}</title>
                  </circle>
                ),
              )}
            </g>
          );
        })}
      </svg>
      {series.length > 1 ? (
        <div className="row" style={{ gap: 14, fontSize: 12, color: 'var(--text-2)', paddingLeft: pad.l }}>
          {series.map((s, i) => (
            <span key={s.name} className="row" style={{ gap: 6 }}>
              <span style={{ width: 10, height: 3, borderRadius: 2, background: c.series[i % c.series.length] }} />
              {s.name}
            </span>
          ))}
        </div>
      ) : null}
    </div>
  );
}

export function BarChart({ rows, format, secondary }: { rows: { label: string; value: number; note?: string }[]; format: (v: number) => string; secondary?: string }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const c = useChartColors();
  const labelW = Math.min(Math.max(120, width * 0.36), Math.max(80, Math.max(...rows.map((r) => r.label.length), 4) * 6.6 + 12));
  const maxChars = Math.floor((labelW - 12) / 6.6);
  const valueW = 84;
  const barH = 18;
  const gap = 8;
  const height = rows.length * (barH + gap) + 4;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const iw = Math.max(40, width - labelW - valueW - 12);
  return (
    <div ref={ref}>
      <svg className="chart" width={width} height={height} role="img" aria-label={secondary ?? 'bar chart'} style={{ fontFamily: FONT }}>
        {rows.map((r, i) => {
          const y = i * (barH + gap) + 2;
          const w = (r.value / max) * iw;
          return (
            <g key={r.label}>
              <text x={labelW - 8} y={y + barH / 2 + 4} textAnchor="end" fill={c.text} fontSize="12" fontFamily={FONT}>
                {r.label.length > maxChars ? `${r.label.slice(0, maxChars - 1)}…` : r.label}
              </text>
              <rect x={labelW} y={y} width={iw} height={barH} rx={3} fill={c.grid} opacity={0.5} />
              <rect x={labelW} y={y} width={Math.max(1, w)} height={barH} rx={3} fill={c.series[0]}>
                <title>{`${r.label}: ${format(r.value)}${r.note ? ` · ${r.note}` : ''}`}</title>
              </rect>
              <text x={labelW + iw + 8} y={y + barH / 2 + 4} fill={c.muted} fontSize="11.5" fontFamily={FONT}>
                {format(r.value)}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
