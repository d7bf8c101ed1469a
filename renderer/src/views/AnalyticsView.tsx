// Analytics: KPIs, monthly trends and breakdowns computed on the marts, with date-range and plan
// filters pushed into every query. Every chart exports as PNG, its data as CSV.
import { useState } from 'react';
import type { AnalyticsFilter, Breakdown, Dashboard } from '../../../pipeline/api/protocol.ts';
import { call } from '../api/client.ts';
import { BarChart, ChartCard, LineChart } from '../charts/Charts.tsx';
import { Icon } from '../components/icons.tsx';
import { Loading, Unavailable } from '../components/states.tsx';
import { useQuery } from '../components/useQuery.ts';
import { cellText, fmtCompactMoney, fmtInt, fmtMoney, fmtMoney2, fmtPct } from '../format.ts';
import { useApp } from '../state/app.ts';
import { useRouter } from '../state/router.ts';

function BreakdownCard({ title, w, file }: { title: string; w: Dashboard['byPlan']; file: string }) {
  if (!w.available) return <section className="card"><div className="card-head"><h2>{title}</h2></div><Unavailable reason={w.reason} /></section>;
  const rows: Breakdown[] = w.rows;
  return (
    <ChartCard title={title} subtitle="paid amount" filename={file} csv={{ header: ['label', 'claims', 'billed', 'allowed', 'paid', 'denial_rate'], rows: rows.map((r) => [r.label, r.claims, r.billed, r.allowed, r.paid, r.denialRate]) }} testId={`chart-${file}`}>
      <BarChart rows={rows.map((r) => ({ label: r.label, value: r.paid, note: `${fmtInt(r.claims)} claims, denial ${fmtPct(r.denialRate)}` }))} format={fmtCompactMoney} secondary={title} />
    </ChartCard>
  );
}

export function AnalyticsView() {
  const revision = useApp((s) => s.revision);
  const go = useRouter((s) => s.go);
  const [filter, setFilter] = useState<AnalyticsFilter>({});
  const options = useQuery(() => call('analytics.options', {}), [revision.runs, revision.warehouse]);
  const dash = useQuery(() => call('analytics.dashboard', filter), [JSON.stringify(filter), revision.runs, revision.warehouse]);
  const head = (
    <div className="view-head">
      <div>
        <h1>Claims analytics</h1>
        <div className="sub">Computed on the marts in the local warehouse.{dash.data?.ms ? ` ${dash.data.ms} ms` : ''}</div>
      </div>
      {options.data?.available ? (
        <div className="actions">
          <label className="row" style={{ gap: 6 }}>
            <span className="muted">From</span>
            <input type="date" aria-label="From date" value={filter.from ?? ''} min={options.data.minDate ?? undefined} max={options.data.maxDate ?? undefined} onChange={(e) => setFilter(({ from: _f, ...rest }) => (e.target.value ? { ...rest, from: e.target.value } : rest))} />
          </label>
          <label className="row" style={{ gap: 6 }}>
            <span className="muted">To</span>
            <input type="date" aria-label="To date" value={filter.to ?? ''} min={options.data.minDate ?? undefined} max={options.data.maxDate ?? undefined} onChange={(e) => setFilter(({ to: _t, ...rest }) => (e.target.value ? { ...rest, to: e.target.value } : rest))} />
          </label>
          <select aria-label="Plan" style={{ maxWidth: 260 }} value={filter.plan ?? ''} onChange={(e) => setFilter(({ plan: _p, ...rest }) => (e.target.value ? { ...rest, plan: e.target.value } : rest))}>
            <option value="">All plans</option>
            {options.data.plans.map((p) => (
              <option key={p.id} value={p.id}>{p.name}</option>
            ))}
          </select>
          {filter.from || filter.to || filter.plan ? <button className="btn ghost" onClick={() => setFilter({})}>Clear</button> : null}
        </div>
      ) : null}
    </div>
  );
  if (options.loading && !options.data) return <div className="view">{head}<Loading rows={10} /></div>;
  const error = options.error ?? dash.error;
  if (error) {
    return (
      <div className="view">
        {head}
        <div className="card"><Unavailable reason={(error as Error).message} icon="analytics" action={<button className="btn primary" onClick={() => go('pipeline')}>Run the pipeline</button>} /></div>
      </div>
    );
  }
  if (options.data && !options.data.available) {
    return (
      <div className="view">
        {head}
        <div className="card"><Unavailable reason={options.data.reason} icon="analytics" action={<button className="btn primary" onClick={() => go('pipeline')}>Run the pipeline</button>} /></div>
      </div>
    );
  }
  const d = dash.data;
  if (!d) return <div className="view">{head}<Loading rows={10} /></div>;
  const k = d.kpis.available ? d.kpis.values : null;
  return (
    <div className="view" style={{ opacity: dash.loading ? 0.7 : 1, transition: 'opacity .15s' }}>
      {head}
      {!d.kpis.available ? <div className="card" style={{ marginBottom: 16 }}><Unavailable reason={d.kpis.reason} /></div> : null}
      {k ? (
        <div className="kpis" style={{ marginBottom: 16 }} data-testid="kpis">
          <Kpi k="Billed" v={fmtMoney(k.billed)} d={`${fmtInt(k.claims)} claims`} id="billed" />
          <Kpi k="Allowed" v={fmtMoney(k.allowed)} d={`${fmtPct(k.billed ? k.allowed / k.billed : null)} of billed`} id="allowed" />
          <Kpi k="Paid" v={fmtMoney(k.paid)} d={`${fmtPct(k.allowed ? k.paid / k.allowed : null)} of allowed`} id="paid" />
          <Kpi k="PMPM" v={fmtMoney2(k.pmpm)} d={`${fmtInt(k.memberMonths)} member months`} id="pmpm" />
          <Kpi k="Denial rate" v={fmtPct(k.denialRate)} d="of adjudicated claims" id="denial" />
          <Kpi k="Median turnaround" v={k.medianTurnaroundDays === null ? '—' : `${k.medianTurnaroundDays.toFixed(1)} d`} d="received → adjudicated" id="turnaround" />
        </div>
      ) : null}
      <div className="stack">
        {d.trend.available ? (
          <div className="grid-2">
            <ChartCard title="Paid by service month" filename="paid-by-month" csv={{ header: ['month', 'claims', 'billed', 'allowed', 'paid', 'member_months', 'pmpm'], rows: d.trend.rows.map((r) => [r.month, r.claims, r.billed, r.allowed, r.paid, r.memberMonths, r.pmpm]) }} testId="chart-trend">
              <LineChart labels={d.trend.rows.map((r) => r.month)} series={[{ name: 'Billed', values: d.trend.rows.map((r) => r.billed) }, { name: 'Allowed', values: d.trend.rows.map((r) => r.allowed) }, { name: 'Paid', values: d.trend.rows.map((r) => r.paid) }]} format={fmtCompactMoney} />
            </ChartCard>
            <ChartCard title="PMPM by month" subtitle="paid per member month" filename="pmpm-by-month" csv={{ header: ['month', 'paid', 'member_months', 'pmpm'], rows: d.trend.rows.map((r) => [r.month, r.paid, r.memberMonths, r.pmpm]) }} testId="chart-pmpm">
              <LineChart labels={d.trend.rows.map((r) => r.month)} series={[{ name: 'PMPM', values: d.trend.rows.map((r) => r.pmpm) }]} format={(v) => `$${v.toFixed(0)}`} />
            </ChartCard>
          </div>
        ) : <div className="card"><Unavailable reason={d.trend.reason} /></div>}
        <div className="grid-2">
          <BreakdownCard title="By plan" w={d.byPlan} file="by-plan" />
          <BreakdownCard title="By line of business" w={d.byLineOfBusiness} file="by-line-of-business" />
          <BreakdownCard title="By specialty" w={d.bySpecialty} file="by-specialty" />
          <BreakdownCard title="By network status" w={d.byNetwork} file="by-network-status" />
        </div>
        <div className="grid-2">
          <section className="card" aria-label="High-cost claimants" data-testid="high-cost">
            <div className="card-head"><h2>High-cost claimants</h2><span className="muted">top 10 members by paid</span></div>
            {d.highCostClaimants.available ? (
              <table className="table">
                <thead><tr><th>Member</th><th>Plan</th><th className="num">Claims</th><th className="num">Allowed</th><th className="num">Paid</th><th /></tr></thead>
                <tbody>
                  {d.highCostClaimants.rows.map((r) => (
                    <tr key={r.memberId}>
                      <td className="mono">{r.memberId}</td><td>{r.plan ?? '—'}</td><td className="num">{fmtInt(r.claims)}</td><td className="num">{fmtMoney(r.allowed)}</td><td className="num">{fmtMoney(r.paid)}</td>
                      <td className="num"><button className="btn small ghost" onClick={() => go('history', { entity: 'member', id: r.memberId })} title="History"><Icon name="history" /></button></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : <Unavailable reason={d.highCostClaimants.reason} />}
          </section>
          <section className="card" aria-label="Providers by risk">
            <div className="card-head"><h2>Top providers by risk</h2><span className="muted">marts.mart_provider_risk</span></div>
            {d.providerRisk.available ? (
              <div style={{ overflow: 'auto' }}>
                <table className="table">
                  <thead><tr>{d.providerRisk.columns.slice(0, 7).map((c) => <th key={c.name}>{c.name}</th>)}</tr></thead>
                  <tbody>
                    {d.providerRisk.rows.map((r, i) => (
                      <tr key={i}>{r.slice(0, 7).map((v, j) => <td key={j} className={typeof v === 'number' ? 'num' : ''}>{cellText(v)}</td>)}</tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : <Unavailable reason={d.providerRisk.reason} />}
          </section>
        </div>
      </div>
    </div>
  );
}

function Kpi({ k, v, d, id }: { k: string; v: string; d: string; id: string }) {
  return (
    <div className="kpi" data-testid={`kpi-${id}`}>
      <div className="k">{k}</div>
      <div className="v">{v}</div>
      <div className="d">{d}</div>
    </div>
  );
}
