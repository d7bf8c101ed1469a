// A dbt test's failing rows, read when asked: the test's compiled SQL from the last run, run against
// the warehouse as it is now (dbt keeps no failure tables). Shown in place, under the test's row.
import type { FailingRows as FailingRowsResult } from '../../../pipeline/api/protocol.ts';
import { call } from '../api/client.ts';
import { fmtInt } from '../format.ts';
import { ErrorBox, Loading } from './states.tsx';
import { useQuery } from './useQuery.ts';

const LIMIT = 100;

/** The button that opens a test's failing rows; `open` and `onToggle` let a table row own the panel. */
export function FailingRowsButton({ open, onToggle, label = 'Failing rows' }: { open: boolean; onToggle: () => void; label?: string }) {
  return (
    <button className="btn small" aria-expanded={open} onClick={onToggle}>
      {open ? 'Hide rows' : label}
    </button>
  );
}

export function FailingRowsPanel({ testId, failures }: { testId: string; failures: number | null }) {
  const q = useQuery(() => call('quality.failingRows', { id: testId, limit: LIMIT }), [testId]);
  if (q.loading && !q.data) return <Loading label="Reading the failing rows…" />;
  if (q.error) return <ErrorBox error={q.error} action={<button className="btn" onClick={q.reload}>Retry</button>} />;
  const r: FailingRowsResult = q.data!;
  const shown = r.rows.length;
  return (
    <div data-testid="failing-rows" className="stack" style={{ gap: 6 }}>
      <div className="muted" data-testid="failing-rows-count">
        {shown === 0
          ? 'No rows fail now: the data changed since the run.'
          : `${fmtInt(shown)}${r.truncated ? '+' : ''} rows fail now${failures !== null && failures !== shown ? ` (${fmtInt(failures)} at the run)` : ''}${r.truncated ? `, the first ${fmtInt(shown)} shown` : ''}`}
      </div>
      {shown ? (
        <div style={{ maxHeight: 320, overflow: 'auto' }}>
          <table className="table">
            <thead>
              <tr>{r.columns.map((c) => <th key={c.name}>{c.name}</th>)}</tr>
            </thead>
            <tbody>
              {r.rows.map((row, i) => (
                <tr key={i}>{row.map((v, j) => <td key={j} className="mono">{v === null ? <span className="muted">null</span> : typeof v === 'object' ? JSON.stringify(v) : String(v)}</td>)}</tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <details>
        <summary className="muted">The test's SQL</summary>
        <pre className="code">{r.sql}</pre>
      </details>
    </div>
  );
}
