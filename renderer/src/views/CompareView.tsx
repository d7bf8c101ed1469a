// Compare profiles: the same batch run on two profiles (the local path and the cloud path) side by
// side — rows per zone, reconciliation, KPIs and stage times — so a user sees they agree, or where
// and by how much they do not. The verdict is the server's; this view only lays it out.
import type { CompareRow, ProfileComparison } from '../../../pipeline/api/protocol.ts';
import { call } from '../api/client.ts';
import { Icon } from '../components/icons.tsx';
import { ErrorBox, Loading, Unavailable } from '../components/states.tsx';
import { useQuery } from '../components/useQuery.ts';
import { fmtInt, fmtMoney2, fmtPct, fmtSeconds, fmtTime } from '../format.ts';
import { useApp } from '../state/app.ts';
import { useRouter } from '../state/router.ts';
import { Section } from '../components/Section.tsx';

type Format = (n: number | null) => string;

const days: Format = (n) => (n === null ? '—' : `${n.toFixed(1)} d`);
/** How each KPI reads; the keys are the server's (KpiSet). */
const KPI_FORMAT: Record<string, Format> = {
  claims: fmtInt,
  billed: fmtMoney2,
  allowed: fmtMoney2,
  paid: fmtMoney2,
  memberMonths: fmtInt,
  pmpm: fmtMoney2,
  denialRate: (n) => fmtPct(n, 2),
  medianTurnaroundDays: days,
};
/** a difference of a rate reads in percentage points */
const DIFF_FORMAT: Record<string, Format> = { denialRate: (n) => (n === null ? '—' : `${(n * 100).toFixed(4)} pp`) };

function signed(fmt: Format, n: number): string {
  return `${n > 0 ? '+' : n < 0 ? '−' : ''}${fmt(Math.abs(n))}`;
}

/** The cell that says whether two figures agree, and by how much they do not. */
function DiffCell({ row, fmt }: { row: CompareRow; fmt: Format }) {
  if (row.agrees === null) return <td className="muted">only one side</td>;
  if (row.agrees) return <td><span className="badge ok">same</span></td>;
  return (
    <td>
      <span className="badge bad">off by {signed(fmt, row.diff ?? 0)}</span>
    </td>
  );
}

function RowsTable({ rows, sides, format, testId, first = 'What' }: { rows: CompareRow[]; sides: ProfileComparison['sides']; format: (key: string) => Format; testId: string; first?: string }) {
  return (
    <table className="table" data-testid={testId}>
      <thead>
        <tr>
          <th>{first}</th>
          <th className="num">{sides[0].profile}</th>
          <th className="num">{sides[1].profile}</th>
          <th>Difference</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const fmt = format(r.key);
          return (
            <tr key={r.key} data-key={r.key} data-agrees={String(r.agrees)} className={r.agrees === false ? 'compare-off' : undefined}>
              <td className="mono">{r.label}</td>
              <td className="num">{fmt(r.values[0])}</td>
              <td className="num">{fmt(r.values[1])}</td>
              <DiffCell row={r} fmt={DIFF_FORMAT[r.key] ?? fmt} />
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}


export function CompareView() {
  const revision = useApp((s) => s.revision);
  const route = useRouter((s) => s.route);
  const go = useRouter((s) => s.go);
  const batch = route.params.batch ? Number(route.params.batch) : undefined;
  const pair = route.params.left && route.params.right ? [route.params.left, route.params.right] : undefined;
  const q = useQuery(() => call('compare.runs', { ...(batch ? { batch } : {}), ...(pair ? { profiles: pair } : {}) }), [batch, pair, revision.runs]);
  const choose = (next: { batch?: number; left?: string; right?: string }) => {
    const c = q.data?.available ? q.data : null;
    const params: Record<string, string> = {};
    const b = next.batch ?? c?.batch;
    if (b) params.batch = String(b);
    const left = next.left ?? c?.sides[0].profile;
    const right = next.right ?? c?.sides[1].profile;
    // a batch chosen anew picks its own default pair
    if (next.batch === undefined && left && right) Object.assign(params, { left, right });
    go('compare', params);
  };
  const head = (
    <div className="view-head">
      <div>
        <h1>Compare profiles</h1>
        <div className="sub">The same batch on two profiles, side by side: rows per zone, reconciliation and KPIs must agree; stage times are shown as they were.</div>
      </div>
      <div className="actions">
        <button className="btn ghost" onClick={q.reload}>
          <Icon name="rerun" /> Refresh
        </button>
      </div>
    </div>
  );
  if (q.loading && !q.data) return <div className="view">{head}<Loading rows={10} label="Reading both runs and both warehouses…" /></div>;
  if (q.error) return <div className="view">{head}<ErrorBox error={q.error} action={<button className="btn" onClick={() => go('compare')}>Compare the defaults</button>} /></div>;
  const w = q.data!;
  if (!w.available) return <div className="view">{head}<Unavailable reason={w.reason} icon="pipeline" action={<button className="btn primary" onClick={() => go('pipeline')}>Run the pipeline</button>} /></div>;
  const c = w;
  const others = (i: 0 | 1) => c.profiles.filter((p) => p !== c.sides[i === 0 ? 1 : 0].profile);
  return (
    <div className="view" data-testid="compare-view">
      {head}
      <div className="row" style={{ gap: 12, marginBottom: 12, flexWrap: 'wrap' }}>
        <label className="row" style={{ gap: 6 }}>
          Batch
          <select aria-label="Batch to compare" value={c.batch} onChange={(e) => choose({ batch: Number(e.target.value) })}>
            {[...new Set([c.batch, ...c.batches])].map((b) => <option key={b} value={b}>{b}</option>)}
          </select>
        </label>
        {([0, 1] as const).map((i) => (
          <label key={i} className="row" style={{ gap: 6 }}>
            {i === 0 ? 'Left' : 'Right'}
            <select aria-label={`${i === 0 ? 'Left' : 'Right'} profile`} value={c.sides[i].profile} onChange={(e) => choose(i === 0 ? { left: e.target.value } : { right: e.target.value })}>
              {others(i).map((p) => <option key={p} value={p}>{p}</option>)}
            </select>
          </label>
        ))}
      </div>
      <div className={`notice compare-verdict ${c.agree ? 'ok' : 'bad'}`} data-testid="compare-verdict" data-agree={String(c.agree)}>
        <span className={`badge ${c.agree ? 'ok' : 'bad'}`}>{c.agree ? 'agree' : 'differ'}</span>
        <span data-testid="compare-summary">{c.summary}</span>
      </div>
      <div className="grid-2" style={{ margin: '12px 0' }}>
        {c.sides.map((s) => (
          <div key={s.profile} className="card" data-testid={`compare-side-${s.profile}`}>
            <div className="card-head" style={{ flexWrap: 'wrap', rowGap: 4 }}>
              <h2 style={{ whiteSpace: 'nowrap' }}>{s.profile}</h2>
              <span className="badge accent">{s.kind === 'aws' ? 'S3 · Glue · Snowflake' : 'lake folder · DuckDB'}</span>
              <span className="muted" style={{ marginLeft: 'auto' }}>
                run <button className="btn ghost small mono" onClick={() => go('run', { id: s.runId })} title="Open the run">{s.runId}</button> · {fmtTime(s.startedAt)} · {fmtSeconds(s.seconds)}
              </span>
            </div>
          </div>
        ))}
      </div>
      <div className="stack">
        <div className="grid-2">
          <Section title="Claims KPIs" sub="read from each profile's warehouse now (every batch it holds)">
            {c.kpis.unavailable.map((u) => (
              <div key={u.profile} className="card-body">
                <span className="badge warn">{u.profile}</span> {u.reason}
              </div>
            ))}
            <RowsTable rows={c.kpis.rows} sides={c.sides} format={(k) => KPI_FORMAT[k] ?? fmtInt} testId="compare-kpis" first="KPI" />
          </Section>
          <Section title="Stage times" sub="where each run spent its time; never counted as a difference">
            <table className="table" data-testid="compare-stages">
              <thead>
                <tr>
                  <th>Stage</th>
                  <th className="num">{c.sides[0].profile}</th>
                  <th className="num">{c.sides[1].profile}</th>
                  <th className="num">Ratio</th>
                </tr>
              </thead>
              <tbody>
                {c.stages.map((s) => (
                  <tr key={s.stage} data-key={s.stage}>
                    <td>{s.stage}</td>
                    {s.seconds.map((x, i) => (
                      <td key={i} className="num">
                        {s.status[i] === 'succeeded' ? `${fmtSeconds(x)}${s.noop[i] ? ' (no-op)' : ''}` : <span className="muted">{s.status[i] ?? '—'}</span>}
                      </td>
                    ))}
                    <td className="num muted">{s.seconds[0] && s.seconds[1] && s.status.every((x) => x === 'succeeded') ? `×${(s.seconds[1] / s.seconds[0]).toFixed(1)}` : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
        </div>
        <Section title="Reconciliation" sub="verify's check on each side: landed = curated + quarantined + duplicates = loaded">
          <table className="table" data-testid="compare-reconciliation">
            <thead>
              <tr>
                <th>Dataset</th>
                {c.reconciliation[0]?.rows.map((r) => <th key={r.label} className="num">{r.label}</th>)}
                <th>{c.sides[0].profile}</th>
                <th>{c.sides[1].profile}</th>
              </tr>
            </thead>
            <tbody>
              {c.reconciliation.map((d) => (
                <tr key={d.dataset} data-key={d.dataset} data-agrees={String(d.agrees)} className={d.agrees ? undefined : 'compare-off'}>
                  <td>{d.dataset}</td>
                  {d.rows.map((r) => (
                    <td key={r.key} className="num" title={r.agrees === false ? `${c.sides[0].profile} ${fmtInt(r.values[0])}, ${c.sides[1].profile} ${fmtInt(r.values[1])}` : undefined}>
                      {r.agrees === false ? <span className="badge bad">{fmtInt(r.values[0])} vs {fmtInt(r.values[1])}</span> : fmtInt(r.values[0] ?? r.values[1])}
                    </td>
                  ))}
                  {d.balanced.map((b, i) => (
                    <td key={i}>{b === null ? <span className="muted">not verified</span> : b ? <span className="badge ok">balanced</span> : <span className="badge bad">does not balance</span>}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
        <Section title="Rows per zone" sub="as each run recorded them, zone.dataset">
          <RowsTable rows={c.counts} sides={c.sides} format={() => fmtInt} testId="compare-counts" first="Zone · dataset" />
        </Section>
      </div>
    </div>
  );
}
