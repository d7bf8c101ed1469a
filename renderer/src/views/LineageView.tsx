// Lineage: the dbt graph from manifest.json, ranked by dependency with the dbt layers as bands,
// zoomable and pannable. A node shows its description, columns, SQL, compiled SQL, tests and last
// run; everything upstream and downstream of it is highlighted.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { LineageGraph, LineageNode, LineageNodeDetail, LineageTestResult } from '../../../pipeline/api/protocol.ts';
import { call } from '../api/client.ts';
import { edgePath } from '../charts/edge-path.ts';
import { NODE_H, NODE_W } from '../charts/lineage-geometry.ts';
import type { LineageLayout } from '../charts/lineage-layout.ts';
import { fitView, revealView, zoomAt, type View } from '../charts/viewport.ts';
import { FailingRowsButton, FailingRowsPanel } from '../components/FailingRows.tsx';
import { Icon } from '../components/icons.tsx';
import { EmptyState, ErrorBox, Loading, Unavailable } from '../components/states.tsx';
import { useQuery } from '../components/useQuery.ts';
import { fmtInt, fmtSeconds, fmtTime } from '../format.ts';
import { useApp } from '../state/app.ts';
import { useRouter } from '../state/router.ts';
import { refParams } from './DataView.tsx';

const KIND_COLOR: Record<string, string> = { source: 'var(--chart-2)', seed: 'var(--chart-2)', model: 'var(--chart-1)', snapshot: 'var(--chart-4)', test: 'var(--chart-3)' };
const STATUS_TONE: Record<string, string> = { success: 'ok', pass: 'ok', error: 'bad', fail: 'bad', warn: 'warn', skipped: '' };
/** Room above the graph for the bands' labels, and below it for the bands' ends. */
const BAND_LABEL_H = 34;
const BAND_PAD = 14;

export function LineageView() {
  const revision = useApp((s) => s.revision.runs);
  const route = useRouter((s) => s.route);
  const go = useRouter((s) => s.go);
  const graph = useQuery(() => call('lineage.graph', {}), [revision]);
  // the layout engine loads while the graph is fetched
  useEffect(() => {
    void import('../charts/lineage-layout.ts');
  }, []);
  const [showTests, setShowTests] = useState(false);
  const selected = route.params.node ?? null;
  if (graph.loading && !graph.data) return <Loading label="Reading the dbt manifest…" />;
  if (graph.error) return <div className="view"><ErrorBox error={graph.error} /></div>;
  const g = graph.data!;
  if (!g.available) {
    return (
      <div className="view">
        <div className="view-head"><div><h1>Lineage</h1><div className="sub">The dbt graph: sources, staging, core, marts, snapshots and tests.</div></div></div>
        <div className="card"><Unavailable reason={g.reason} icon="lineage" action={<button className="btn primary" onClick={() => go('pipeline')}>Run the pipeline</button>} /></div>
      </div>
    );
  }
  return (
    <div className="view flush">
      <div className="explorer-title">
        <h2>Lineage</h2>
        <span className="muted">{fmtInt(g.nodes.filter((n) => n.kind !== 'test').length)} nodes · {fmtInt(g.nodes.filter((n) => n.kind === 'test').length)} tests · dbt run {fmtTime(g.runAt)}</span>
        <label className="row" style={{ marginLeft: 'auto', gap: 6 }}>
          <input type="checkbox" checked={showTests} onChange={(e) => setShowTests(e.target.checked)} style={{ height: 'auto' }} /> Show tests
        </label>
      </div>
      <div className={`lineage${selected ? '' : ' no-detail'}`}>
        <LineageCanvas graph={g} showTests={showTests} selected={selected} onSelect={(id) => go('lineage', id ? { node: id } : {})} />
        {selected ? <NodeDetail id={selected} onClose={() => go('lineage')} onSelect={(id) => go('lineage', { node: id })} /> : null}
      </div>
    </div>
  );
}

/** The graph's layout, computed off the render path; elkjs (a large module) loads with the first layout. */
function useLineageLayout(nodes: LineageNode[], edges: { from: string; to: string }[]): { layout: LineageLayout | null; error: unknown } {
  const [result, setResult] = useState<{ for: unknown; layout: LineageLayout | null; error: unknown }>({ for: null, layout: null, error: null });
  useEffect(() => {
    let current = true;
    import('../charts/lineage-layout.ts')
      .then(({ layoutLineage }) => layoutLineage(nodes, edges))
      .then(
        (layout) => current && setResult({ for: nodes, layout, error: null }),
        (error: unknown) => current && setResult({ for: nodes, layout: null, error }),
      );
    return () => {
      current = false;
    };
  }, [nodes, edges]);
  // a layout of other nodes (before Show tests changed) is kept on screen until the new one is ready
  return { layout: result.layout, error: result.for === nodes ? result.error : null };
}

function LineageCanvas({ graph, showTests, selected, onSelect }: { graph: LineageGraph; showTests: boolean; selected: string | null; onSelect: (id: string | null) => void }) {
  const nodes = useMemo(() => graph.nodes.filter((n) => showTests || n.kind !== 'test'), [graph, showTests]);
  const ids = useMemo(() => new Set(nodes.map((n) => n.id)), [nodes]);
  const edges = useMemo(() => graph.edges.filter((e) => ids.has(e.from) && ids.has(e.to)), [graph, ids]);
  const { layout: l, error } = useLineageLayout(nodes, edges);
  const box = useRef<HTMLDivElement>(null);
  const [view, setView] = useState<View>({ x: 40, y: 40, k: 1 });
  const drag = useRef<{ x: number; y: number; vx: number; vy: number } | null>(null);
  // Until the user pans or zooms, the view follows the canvas's size: the whole graph, or the
  // selected node at a readable zoom. Once they have, a selected node is only brought into view.
  const userMoved = useRef(false);
  const place = useCallback(() => {
    const el = box.current;
    if (!el || !el.clientWidth || !l) return;
    const canvas = { width: el.clientWidth, height: el.clientHeight };
    const p = selected ? l.nodes.get(selected) : undefined;
    const node = p ? { x: p.x, y: p.y, width: NODE_W, height: NODE_H } : null;
    if (userMoved.current) {
      if (node) setView((v) => revealView(v, canvas, node));
      return;
    }
    const fitted = fitView(canvas, l, BAND_LABEL_H);
    setView(node ? revealView(fitted, canvas, node) : fitted);
  }, [l, selected]);
  useEffect(() => {
    userMoved.current = false;
  }, [l]);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    // the observer reports the canvas's size once when it starts, and whenever it changes
    const ro = new ResizeObserver(() => place());
    ro.observe(el);
    return () => ro.disconnect();
  }, [place]);
  const related = useMemo(() => (selected ? lineageOf(selected, edges) : null), [selected, edges]);
  const zoom = (factor: number, cx?: number, cy?: number) => {
    userMoved.current = true;
    setView((v) => zoomAt(v, factor, cx ?? (box.current?.clientWidth ?? 0) / 2, cy ?? (box.current?.clientHeight ?? 0) / 2));
  };
  // the whole graph, selection or not
  const refit = () => {
    const el = box.current;
    if (!el || !l) return;
    userMoved.current = false;
    setView(fitView({ width: el.clientWidth, height: el.clientHeight }, l, BAND_LABEL_H));
  };
  // highlighted edges are drawn last, so they run on top where edges share a trunk
  const drawn = useMemo(() => {
    if (!l) return [];
    const all = l.edges.map((e) => ({ ...e, hl: !!related && related.has(e.from) && related.has(e.to) }));
    return [...all.filter((e) => !e.hl), ...all.filter((e) => e.hl)];
  }, [l, related]);
  return (
    <div
      className="lineage-canvas"
      ref={box}
      data-testid="lineage-canvas"
      onWheel={(e) => {
        const r = box.current!.getBoundingClientRect();
        zoom(e.deltaY < 0 ? 1.12 : 1 / 1.12, e.clientX - r.left, e.clientY - r.top);
      }}
      onMouseDown={(e) => (drag.current = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y })}
      onMouseMove={(e) => {
        const d = drag.current;
        if (!d) return;
        userMoved.current = true;
        setView((v) => ({ ...v, x: d.vx + e.clientX - d.x, y: d.vy + e.clientY - d.y }));
      }}
      onMouseUp={() => (drag.current = null)}
      onMouseLeave={() => (drag.current = null)}
    >
      <div className="lineage-tools">
        <button className="btn small icon-btn" aria-label="Zoom in" onClick={() => zoom(1.25)}><Icon name="zoomIn" /></button>
        <button className="btn small icon-btn" aria-label="Zoom out" onClick={() => zoom(0.8)}><Icon name="zoomOut" /></button>
        <button className="btn small icon-btn" aria-label="Fit to view" onClick={refit}><Icon name="fit" /></button>
      </div>
      {error ? <div className="lineage-status"><ErrorBox error={error} /></div> : null}
      {!l && !error ? <div className="lineage-status"><Loading label="Laying out the graph…" /></div> : null}
      {l ? (
        <svg width="100%" height="100%" role="img" aria-label="dbt lineage graph">
          <g transform={`translate(${view.x},${view.y}) scale(${view.k})`}>
            {l.bands.map((b) => (
              <g key={b.layers.join('+')} className={`lband${b.index % 2 ? ' odd' : ''}`} data-testid="lineage-band">
                <rect x={b.x} y={-BAND_LABEL_H} width={b.width} height={l.height + BAND_LABEL_H + BAND_PAD} rx={10} />
                <text x={b.x + b.width / 2} y={-BAND_LABEL_H / 2 + 4} textAnchor="middle">{b.layers.join(' + ')}</text>
              </g>
            ))}
            {drawn.map((e) => (
              <path key={`${e.from}>${e.to}`} className={`ledge${e.hl ? ' hl' : related ? ' dim' : ''}`} d={edgePath(e.points)} />
            ))}
            {[...l.nodes.values()].map(({ node, x, y }) => (
              <g
                key={node.id}
                className={`lnode${selected === node.id ? ' selected' : ''}${related && !related.has(node.id) ? ' dim' : ''}`}
                transform={`translate(${x},${y})`}
                onClick={(e) => (e.stopPropagation(), onSelect(node.id))}
                onMouseDown={(e) => e.stopPropagation()}
                style={{ cursor: 'pointer' }}
                role="button"
                aria-label={`${node.kind} ${node.name}`}
                tabIndex={0}
                onKeyDown={(e) => e.key === 'Enter' && onSelect(node.id)}
                data-testid="lineage-node"
              >
                <rect className="box" width={NODE_W} height={NODE_H} rx={8} />
                <rect width={4} height={NODE_H - 12} y={6} x={6} rx={2} fill={KIND_COLOR[node.kind]} />
                <text className="name" x={18} y={19}>{node.name.length > 26 ? `${node.name.slice(0, 25)}…` : node.name}<title>{node.name}</title></text>
                <text className="sub" x={18} y={35}>
                  {node.kind}{node.materialized ? ` · ${node.materialized}` : ''}{node.tests ? ` · ${node.tests} tests` : ''}
                </text>
                {node.status ? <circle cx={NODE_W - 13} cy={31} r={4.5} fill={STATUS_TONE[node.status] === 'ok' ? 'var(--ok)' : STATUS_TONE[node.status] === 'bad' ? 'var(--bad)' : 'var(--warn)'}><title>{`last run: ${node.status}`}</title></circle> : null}
              </g>
            ))}
          </g>
        </svg>
      ) : null}
      <div className="lineage-legend">
        {Object.entries({ source: 'source', model: 'model', snapshot: 'snapshot', test: 'test' }).map(([k, label]) => (
          <span key={k} className="row" style={{ gap: 5 }}><span style={{ width: 8, height: 8, borderRadius: 2, background: KIND_COLOR[k] }} />{label}</span>
        ))}
      </div>
    </div>
  );
}

/** The selected node with everything upstream and downstream of it. */
function lineageOf(id: string, edges: { from: string; to: string }[]): Set<string> {
  const up = new Set<string>([id]);
  const down = new Set<string>([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const e of edges) {
      if (up.has(e.to) && !up.has(e.from)) {
        up.add(e.from);
        grew = true;
      }
      if (down.has(e.from) && !down.has(e.to)) {
        down.add(e.to);
        grew = true;
      }
    }
  }
  return new Set([...up, ...down]);
}

function NodeDetail({ id, onClose, onSelect }: { id: string; onClose: () => void; onSelect: (id: string) => void }) {
  const q = useQuery(() => call('lineage.node', { id }), [id]);
  const [tab, setTab] = useState<'overview' | 'sql' | 'compiled' | 'tests'>('overview');
  const go = useRouter((s) => s.go);
  const d: LineageNodeDetail | undefined = q.data;
  return (
    <aside className="detail-panel" aria-label="Node details" data-testid="lineage-detail">
      <div className="card-head">
        <div style={{ minWidth: 0 }}>
          <h2 className="mono" style={{ wordBreak: 'break-all' }}>{d?.name ?? id}</h2>
          {d ? <div className="muted" style={{ fontSize: 12 }}>{d.kind} · {d.layer}{d.relation ? ` · ${d.relation}` : ''}</div> : null}
        </div>
        <div className="actions">
          <button className="btn ghost small icon-btn" onClick={onClose} aria-label="Close details"><Icon name="close" /></button>
        </div>
      </div>
      {q.loading && !d ? <div className="card-body"><Loading rows={6} /></div> : null}
      {q.error ? <div className="card-body"><ErrorBox error={q.error} /></div> : null}
      {d ? (
        <>
          <div className="tabs" role="tablist">
            {(['overview', 'sql', 'compiled', 'tests'] as const).map((t) => (
              <button key={t} role="tab" aria-selected={tab === t} onClick={() => setTab(t)}>
                {t === 'sql' ? 'SQL' : t === 'compiled' ? 'Compiled SQL' : t === 'tests' ? `Tests (${d.testResults.length})` : 'Overview'}
              </button>
            ))}
          </div>
          <div className="card-body stack" style={{ gap: 12 }}>
            {tab === 'overview' ? (
              <>
                <div className="row" style={{ flexWrap: 'wrap', gap: 6 }}>
                  {d.lastRun ? <span className={`badge ${STATUS_TONE[d.lastRun.status] ?? ''}`}>last run: {d.lastRun.status}</span> : <span className="badge">not run</span>}
                  {d.lastRun?.at ? <span className="muted">{fmtTime(d.lastRun.at)}</span> : null}
                  {d.lastRun?.seconds !== null && d.lastRun?.seconds !== undefined ? <span className="muted">· {fmtSeconds(d.lastRun.seconds)}</span> : null}
                  {d.materialized ? <span className="badge">{d.materialized}</span> : null}
                </div>
                <p style={{ margin: 0 }}>{d.description || <span className="muted">No description.</span>}</p>
                {d.relation ? <button className="btn small" style={{ alignSelf: 'flex-start' }} onClick={() => go('data', refParams({ source: 'warehouse', name: d.relation! }))}><Icon name="table" /> Browse {d.relation}</button> : null}
                <h3>Columns</h3>
                {d.columns.length ? (
                  <table className="table">
                    <tbody>
                      {d.columns.map((c) => (
                        <tr key={c.name}>
                          <td className="mono">
                            {c.name}
                            {c.type ? <div className="muted" style={{ fontSize: 11 }}>{c.type}</div> : null}
                          </td>
                          <td>{c.description}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                ) : <span className="muted">No documented columns.</span>}
                <h3>Upstream</h3>
                <div className="row" style={{ flexWrap: 'wrap', gap: 6 }}>{d.parents.length ? d.parents.map((p) => <button key={p} className="btn small ghost mono" onClick={() => onSelect(p)}>{p.split('.').slice(-1)[0]}</button>) : <span className="muted">none</span>}</div>
                <h3>Downstream</h3>
                <div className="row" style={{ flexWrap: 'wrap', gap: 6 }}>{d.children.length ? d.children.filter((c) => !c.startsWith('test.')).map((p) => <button key={p} className="btn small ghost mono" onClick={() => onSelect(p)}>{p.split('.').slice(-1)[0]}</button>) : <span className="muted">none</span>}</div>
              </>
            ) : null}
            {tab === 'sql' ? d.sql ? <pre className="code">{d.sql}</pre> : <EmptyState title="No SQL">Sources and seeds have no model SQL.</EmptyState> : null}
            {tab === 'compiled' ? d.compiledSql ? <pre className="code">{d.compiledSql}</pre> : <EmptyState title="Not compiled yet">dbt writes compiled SQL when the node runs.</EmptyState> : null}
            {tab === 'tests' ? (
              d.testResults.length ? (
                <table className="table">
                  <tbody>
                    {d.testResults.map((t) => <TestRow key={t.id} test={t} />)}
                  </tbody>
                </table>
              ) : <EmptyState title="No tests">This node has no dbt tests.</EmptyState>
            ) : null}
          </div>
        </>
      ) : null}
    </aside>
  );
}

/** A test of the selected node: its status, and its failing rows in place when asked. */
function TestRow({ test: t }: { test: LineageTestResult }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <tr>
        <td><span className={`badge ${STATUS_TONE[t.status ?? ''] ?? ''}`}>{t.status ?? 'not run'}</span></td>
        <td className="mono" style={{ wordBreak: 'break-all' }}>{t.name}</td>
        <td className="num">{t.failures ? fmtInt(t.failures) : ''}</td>
        <td>{t.failingRows && t.failures ? <FailingRowsButton open={open} onToggle={() => setOpen(!open)} label="Rows" /> : null}</td>
      </tr>
      {open ? (
        <tr>
          <td colSpan={4}><FailingRowsPanel testId={t.id} failures={t.failures} /></td>
        </tr>
      ) : null}
    </>
  );
}
