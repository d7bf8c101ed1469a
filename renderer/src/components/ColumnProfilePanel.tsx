// The column profile: type, nulls, distinct values, min/max, top values and a histogram,
// computed by DuckDB over the whole dataset (with the grid's filters).
import type { ColumnProfile, DatasetRef, Filter } from '../../../pipeline/api/protocol.ts';
import { call } from '../api/client.ts';
import { cellText, fmtInt, fmtPct } from '../format.ts';
import { Icon } from './icons.tsx';
import { ErrorBox, Loading } from './states.tsx';
import { useQuery } from './useQuery.ts';

export function ColumnProfilePanel({ dataset, column, filters, onClose }: { dataset: DatasetRef; column: string; filters: Filter[]; onClose: () => void }) {
  const q = useQuery(() => call('datasets.profile', { ref: dataset, column, ...(filters.length ? { filters } : {}) }), [JSON.stringify(dataset), column, JSON.stringify(filters)]);
  return (
    <aside className="profile-panel" aria-label={`Profile of ${column}`} data-testid="profile-panel">
      <div className="row" style={{ marginBottom: 4 }}>
        <h3>Column profile</h3>
        <button className="btn ghost small icon-btn" style={{ marginLeft: 'auto' }} onClick={onClose} aria-label="Close profile">
          <Icon name="close" />
        </button>
      </div>
      <h2 className="mono" style={{ fontSize: 14, wordBreak: 'break-all' }}>
        {column}
      </h2>
      {q.loading && !q.data ? <Loading rows={8} /> : null}
      {q.error ? <ErrorBox error={q.error} /> : null}
      {q.data ? <ProfileBody p={q.data} /> : null}
    </aside>
  );
}

function ProfileBody({ p }: { p: ColumnProfile }) {
  const maxTop = Math.max(1, ...p.top.map((t) => t.count));
  const maxBin = Math.max(1, ...(p.histogram ?? []).map((b) => b.count));
  return (
    <>
      <div className="row" style={{ gap: 6, marginTop: 6 }}>
        <span className="badge accent">{p.type.toLowerCase()}</span>
        {p.contractType ? <span className="badge">contract: {p.contractType}</span> : null}
        {p.masked ? (
          <span className="badge warn" title="Personal data: counts only while masked; Reveal PII in the top bar shows the values">
            PII masked
          </span>
        ) : null}
        <span className="muted" style={{ marginLeft: 'auto', fontSize: 11 }}>
          {p.ms} ms
        </span>
      </div>
      <div className="stat-grid">
        <Stat k="Rows" v={fmtInt(p.rows)} />
        <Stat k="Null" v={`${fmtPct(p.rows ? p.nulls / p.rows : 0)} (${fmtInt(p.nulls)})`} testId="profile-null" />
        <Stat k="Distinct (approx.)" v={fmtInt(p.distinct)} />
        {p.contractType && p.contractType !== 'string' ? <Stat k={`Not a valid ${p.contractType}`} v={fmtInt(p.unparseable)} warn={p.unparseable > 0} /> : <Stat k="Non-null" v={fmtInt(p.rows - p.nulls)} />}
        <Stat k="Min" v={cellText(p.min)} />
        <Stat k="Max" v={cellText(p.max)} />
      </div>
      {p.histogram ? (
        <>
          <h3 style={{ marginTop: 14 }}>Distribution <span style={{ textTransform: "none", letterSpacing: 0, fontWeight: 400 }}>· 1st–99th percentile{p.histogramSampled ? ', 10% sample' : ''}</span></h3>
          <svg viewBox="0 0 280 90" width="100%" role="img" aria-label="Histogram" style={{ marginTop: 6 }}>
            {p.histogram.map((b, i) => {
              const w = 280 / p.histogram!.length;
              const h = (b.count / maxBin) * 74;
              return (
                <rect key={i} x={i * w + 1} y={78 - h} width={Math.max(1, w - 2)} height={Math.max(b.count ? 1 : 0, h)} rx={1.5} fill="var(--accent)" opacity={0.85}>
                  <title>{`${cellText(b.from)} – ${cellText(b.to)}: ${fmtInt(b.count)}`}</title>
                </rect>
              );
            })}
            <line x1="0" x2="280" y1="78.5" y2="78.5" stroke="var(--border-strong)" />
          </svg>
          <div className="row muted" style={{ justifyContent: 'space-between', fontSize: 11 }}>
            <span>{cellText(p.histogram[0]?.from)}</span>
            <span>{cellText(p.histogram.at(-1)?.to)}</span>
          </div>
        </>
      ) : null}
      <h3 style={{ marginTop: 14 }}>Top values</h3>
      <div className="topvals">
        {p.top.length === 0 ? <span className="muted">No values.</span> : null}
        {p.top.map((t) => (
          <div className="topval" key={cellText(t.value)}>
            <div className="bar" style={{ width: `${(t.count / maxTop) * 100}%` }} />
            <span className="mono" style={{ whiteSpace: 'pre' }}>{visibleSpaces(cellText(t.value))}</span>
            <span className="num">{fmtInt(t.count)}</span>
          </div>
        ))}
      </div>
    </>
  );
}

function Stat({ k, v, warn, testId }: { k: string; v: string; warn?: boolean; testId?: string }) {
  return (
    <div className="stat" data-testid={testId}>
      <div className="k">{k}</div>
      <div className="v" style={warn ? { color: 'var(--warn)' } : undefined} title={v}>
        {v}
      </div>
    </div>
  );
}

/** Raw values differ by stray spaces; show them, or "paid" and " paid" look like one value twice. */
function visibleSpaces(s: string): string {
  return s.replace(/^ +| +$/g, (m) => '␣'.repeat(m.length));
}
