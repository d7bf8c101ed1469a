// Data quality: quarantined rows by dataset and reason (opening the rows with their original
// values), reconciliation per batch, dbt test results with their failing rows on demand, the claims
// outside eligibility (a figure, not a test), and freshness.
import { Fragment, useState } from 'react';
import type { QualityOverview } from '../../../pipeline/api/protocol.ts';
import { call } from '../api/client.ts';
import { FailingRowsButton, FailingRowsPanel } from '../components/FailingRows.tsx';
import { Icon } from '../components/icons.tsx';
import { ErrorBox, Loading, Unavailable } from '../components/states.tsx';
import { useQuery } from '../components/useQuery.ts';
import { fmtAgo, fmtInt, fmtMoney, fmtPct, fmtTime } from '../format.ts';
import { useApp } from '../state/app.ts';
import { useRouter } from '../state/router.ts';
import { refParams } from './DataView.tsx';
import { Section } from '../components/Section.tsx';

const TEST_TONE: Record<string, string> = { pass: 'ok', success: 'ok', fail: 'bad', error: 'bad', warn: 'warn', skipped: '' };


export function QualityView() {
  const revision = useApp((s) => s.revision);
  const go = useRouter((s) => s.go);
  const q = useQuery(() => call('quality.overview', {}), [revision.runs, revision.warehouse, revision.datasets]);
  const [openTest, setOpenTest] = useState<string | null>(null);
  const runAction = <button className="btn primary" onClick={() => go('pipeline')}>Run the pipeline</button>;
  if (q.loading && !q.data) return <div className="view"><Loading rows={12} /></div>;
  if (q.error) return <div className="view"><ErrorBox error={q.error} action={<button className="btn" onClick={q.reload}>Retry</button>} /></div>;
  const d: QualityOverview = q.data!;
  const byDataset = new Map<string, { total: number; reasons: Map<string, number> }>();
  for (const r of d.quarantine.rows ?? []) {
    const e = byDataset.get(r.dataset) ?? { total: 0, reasons: new Map() };
    e.total += r.rows;
    e.reasons.set(r.reason, (e.reasons.get(r.reason) ?? 0) + r.rows);
    byDataset.set(r.dataset, e);
  }
  const failing = (d.tests.results ?? []).filter((t) => t.status === 'fail' || t.status === 'error');
  const warning = (d.tests.results ?? []).filter((t) => t.status === 'warn');
  const rank = (s: string | null) => (s === 'fail' || s === 'error' ? 0 : s === 'warn' ? 1 : s === null ? 3 : 2);
  return (
    <div className="view">
      <div className="view-head">
        <div>
          <h1>Data quality</h1>
          <div className="sub">What cleanse rejected and why, whether every batch reconciles, what dbt tests say, and how fresh the data is.</div>
        </div>
        <div className="actions">
          <button className="btn ghost" onClick={q.reload}>
            <Icon name="rerun" /> Refresh
          </button>
        </div>
      </div>
      <div className="stack">
        <Section title="Quarantine" sub="rows rejected by cleanse, by dataset and reason" testId="quality-quarantine">
          {!d.quarantine.available ? (
            <Unavailable reason={d.quarantine.reason} action={runAction} icon="quality" />
          ) : byDataset.size === 0 ? (
            <div className="card-body">
              <span className="badge ok"><Icon name="check" size={12} /> Nothing quarantined</span>
            </div>
          ) : (
            <div className="card-body grid-3">
              {[...byDataset].map(([dataset, e]) => (
                <div key={dataset} className="card" style={{ background: 'var(--panel-2)' }}>
                  <div className="card-head">
                    <h2>{dataset}</h2>
                    <span className="badge warn" data-testid={`quarantine-total-${dataset}`}>{fmtInt(e.total)} rows</span>
                  </div>
                  <table className="table">
                    <tbody>
                      {[...e.reasons].map(([reason, n]) => (
                        <tr key={reason} className="clickable" onClick={() => go('data', refParams({ source: 'quarantine', name: dataset }, [{ column: 'reason', op: 'eq', value: reason }]))} title="Open these rows with their original values">
                          <td className="mono">{reason}</td>
                          <td className="num">{fmtInt(n)}</td>
                          <td className="num" style={{ width: 24 }}><Icon name="arrow" size={13} /></td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              ))}
            </div>
          )}
        </Section>
        <Section title="Reconciliation" sub="raw = duplicates removed + quarantined + curated, and curated = loaded" testId="quality-reconciliation">
          {!d.reconciliation.available ? (
            <Unavailable reason={d.reconciliation.reason} action={runAction} />
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th>Batch</th><th>Dataset</th><th className="num">Raw</th><th className="num">Duplicates</th><th className="num">Quarantined</th><th className="num">Curated</th><th className="num">Loaded</th><th>Loaded at</th><th>Check</th>
                </tr>
              </thead>
              <tbody>
                {d.reconciliation.rows!.map((r) => (
                  <tr key={`${r.batch}-${r.dataset}`}>
                    <td>{r.batch}</td><td>{r.dataset}</td><td className="num">{fmtInt(r.rawRows)}</td><td className="num">{fmtInt(r.duplicatesRemoved)}</td><td className="num">{fmtInt(r.quarantinedRows)}</td><td className="num">{fmtInt(r.curatedRows)}</td><td className="num">{fmtInt(r.loadedRows)}</td><td>{fmtTime(r.loadedAt)}</td>
                    <td>{r.balanced ? <span className="badge ok">balanced</span> : <span className="badge bad">off by {fmtInt(r.rawRows - r.duplicatesRemoved - r.quarantinedRows - r.curatedRows || r.curatedRows - r.loadedRows)}</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
        <Section title="dbt tests" sub={d.tests.available ? `${fmtInt(d.tests.results?.length ?? 0)} tests · ${failing.length} failing · ${warning.length} warning · run ${fmtAgo(d.tests.runAt)}` : undefined} testId="quality-tests">
          {!d.tests.available ? (
            <Unavailable reason={d.tests.reason} action={runAction} />
          ) : (
            <div style={{ maxHeight: 420, overflow: 'auto' }}>
              <table className="table">
                <thead>
                  <tr><th>Status</th><th>Test</th><th>Column</th><th className="num">Failures</th><th>Message</th><th /></tr>
                </thead>
                <tbody>
                  {[...(d.tests.results ?? [])].sort((a, b) => rank(a.status) - rank(b.status) || a.name.localeCompare(b.name)).map((t) => (
                    <Fragment key={t.id}>
                      <tr data-testid={`quality-test-${t.name}`}>
                        <td><span className={`badge ${TEST_TONE[t.status ?? ''] ?? ''}`}>{t.status ?? 'not run'}</span></td>
                        <td className="mono" style={{ wordBreak: 'break-all' }}>{t.name}</td>
                        <td className="mono">{t.column ?? ''}</td>
                        <td className="num">{t.failures === null ? '—' : fmtInt(t.failures)}</td>
                        <td className="muted">{t.message ?? ''}</td>
                        <td className="num">
                          {t.failingRows && t.failures ? <FailingRowsButton open={openTest === t.id} onToggle={() => setOpenTest(openTest === t.id ? null : t.id)} /> : null}
                        </td>
                      </tr>
                      {openTest === t.id ? (
                        <tr className="detail">
                          <td colSpan={6}><FailingRowsPanel testId={t.id} failures={t.failures} /></td>
                        </tr>
                      ) : null}
                    </Fragment>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Section>
        <Section title="Claims outside eligibility" sub="incurred on a day the member was not covered: PMPM leaves them out" testId="quality-outside-eligibility">
          <OutsideEligibility figure={d.outsideEligibility} action={runAction} />
        </Section>
        <Section title="Freshness" sub="latest load and latest record per raw table" testId="quality-freshness">
          {!d.freshness.available ? (
            <Unavailable reason={d.freshness.reason} action={runAction} />
          ) : (
            <table className="table">
              <thead>
                <tr><th>Table</th><th className="num">Rows</th><th>Latest load</th><th>Latest record</th></tr>
              </thead>
              <tbody>
                {d.freshness.rows!.map((r) => (
                  <tr key={r.table}>
                    <td className="mono">{r.table}</td><td className="num">{fmtInt(r.rows)}</td><td>{fmtTime(r.latestLoad)} <span className="muted">({fmtAgo(r.latestLoad)})</span></td><td>{r.latestRecord ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
      </div>
    </div>
  );
}

function OutsideEligibility({ figure: f, action }: { figure: QualityOverview['outsideEligibility']; action: React.ReactNode }) {
  const go = useRouter((s) => s.go);
  if (!f.available) return <Unavailable reason={f.reason} action={action} />;
  const share = (part: number, whole: number) => (whole ? fmtPct(part / whole, 2) : '—');
  return (
    <div className="card-body" style={{ display: 'flex', gap: 24, alignItems: 'center', flexWrap: 'wrap' }}>
      {f.claims ? (
        <span className="badge warn" data-testid="outside-eligibility-claims">{fmtInt(f.claims)} claims</span>
      ) : (
        <span className="badge ok" data-testid="outside-eligibility-claims"><Icon name="check" size={12} /> None: every claim falls in a covered month</span>
      )}
      <span>
        {share(f.claims!, f.ofClaims!)} of {fmtInt(f.ofClaims)} current claims · {fmtMoney(f.paid)} paid ({share(f.paid!, f.ofPaid!)} of {fmtMoney(f.ofPaid)})
      </span>
      {f.claims ? (
        <button className="btn ghost" onClick={() => go('data', refParams({ source: 'warehouse', name: 'marts.mart_claims_outside_eligibility' }))}>
          Open the claims <Icon name="arrow" size={13} />
        </button>
      ) : null}
    </div>
  );
}
