// SQL console: one read-only SELECT against the local warehouse (or its plan); results in the data
// grid, cut at the server's row and byte caps; errors point at the failing line and column, and the
// editor puts the cursor there.
import { useCallback, useMemo, useRef, useState } from 'react';
import type { SqlResult } from '../../../pipeline/api/protocol.ts';
import { call } from '../api/client.ts';
import { DataGrid, localFetcher } from '../components/DataGrid.tsx';
import { Icon } from '../components/icons.tsx';
import { EmptyState, errorBodyOf } from '../components/states.tsx';
import { fmtInt } from '../format.ts';
import { useApp } from '../state/app.ts';

const STARTER = `-- Read-only queries against the local warehouse (Ctrl+Enter runs)
SELECT table_schema, table_name, table_type
FROM information_schema.tables
ORDER BY 1, 2`;

export function SqlView() {
  const info = useApp((s) => s.info)!;
  const [sql, setSql] = useState(() => sessionStorage.getItem('claims.sql') ?? STARTER);
  const [result, setResult] = useState<SqlResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [running, setRunning] = useState(false);
  const [runs, setRuns] = useState(0);
  const editor = useRef<HTMLTextAreaElement>(null);
  const run = useCallback(async (explain = false) => {
    setRunning(true);
    setError(null);
    sessionStorage.setItem('claims.sql', sql);
    try {
      setResult(await call('sql.query', explain ? { sql, explain } : { sql }));
      setRuns((n) => n + 1);
    } catch (err) {
      setError(err);
      setResult(null);
      const pos = errorBodyOf(err).position;
      if (pos && editor.current) {
        editor.current.focus();
        editor.current.setSelectionRange(pos.offset, pos.offset + 1);
      }
    } finally {
      setRunning(false);
    }
  }, [sql]);
  const fetcher = useMemo(() => (result ? localFetcher(result.columns, result.rows) : null), [result]);
  const body = error ? errorBodyOf(error) : null;
  // the console speaks to the active profile's warehouse: DuckDB here, Snowflake on a profile of kind aws
  const cloud = info.activeProfileKind === 'aws';
  const engine = cloud ? 'Snowflake' : 'DuckDB';
  const errLine = body?.position ? sql.split('\n')[body.position.line - 1] : undefined;
  return (
    <div className="view flush">
      <div style={{ padding: '16px 20px 12px', borderBottom: '1px solid var(--border)', background: 'var(--panel)' }}>
        <div className="row" style={{ marginBottom: 8 }}>
          <h1>SQL console</h1>
          <span className="badge">read-only</span>
          <span className="muted mono" style={{ fontSize: 12 }} data-testid="sql-warehouse">
            {cloud ? `Snowflake · profile ${info.activeProfile}` : `${info.workspace}/warehouse.duckdb`}
          </span>
          <button className="btn" style={{ marginLeft: 'auto' }} onClick={() => void run(true)} disabled={running} title={`Show the query plan ${engine} would use (the query is not run)`} data-testid="sql-explain">
            Explain
          </button>
          <button className="btn primary" onClick={() => void run()} disabled={running} data-testid="sql-run">
            {running ? <span className="spinner" /> : <Icon name="play" />} Run <span style={{ opacity: 0.7, fontWeight: 400 }}>Ctrl+Enter</span>
          </button>
        </div>
        <div className="sql-editor">
          <textarea
            ref={editor}
            aria-label="SQL query"
            spellCheck={false}
            value={sql}
            onChange={(e) => setSql(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                void run();
              }
            }}
            data-testid="sql-editor"
          />
        </div>
        {body ? (
          <div className="error-box sql-error" role="alert" data-testid="sql-error">
            <Icon name="alert" />
            <div style={{ flex: 1, minWidth: 0 }}>
              <div>
                {body.message}
                {body.position ? <strong data-testid="sql-error-position"> — line {body.position.line}, column {body.position.column}</strong> : null}
              </div>
              {body.hint ? <div className="hint">{body.hint}</div> : null}
              {body.position && errLine !== undefined ? (
                <pre className="mono">
                  {errLine}
                  {'\n'}
                  <span className="caret-mark">{' '.repeat(body.position.column - 1)}^</span>
                </pre>
              ) : null}
            </div>
          </div>
        ) : null}
      </div>
      {result && fetcher ? (
        <>
          <div className="row muted" style={{ padding: '6px 14px', fontSize: 12, background: 'var(--panel)', borderBottom: '1px solid var(--border)' }} data-testid="sql-summary">
            {fmtInt(result.rows.length)} row{result.rows.length === 1 ? '' : 's'}
            {result.cutBy === 'rows' ? ` (first ${fmtInt(result.limit)} shown)` : result.cutBy === 'bytes' ? ` (cut at ${fmtInt(result.byteCap / 1024 / 1024)} MB of results; long texts end with …)` : ''} · {result.ms} ms
          </div>
          <DataGrid sourceKey={`sql-${runs}`} fetchPage={fetcher} label="Query results" />
        </>
      ) : body ? (
        <EmptyState icon="sql" title="No results">
          Fix the query and run it again; the cursor is at the position {engine} reported.
        </EmptyState>
      ) : (
        <EmptyState icon="sql" title="Run a query">
          Query raw, staging, core and marts with {engine} SQL: SELECT and WITH … SELECT, or Explain for the plan. {cloud ? 'The console reads as the profile’s read-only role.' : 'The warehouse is opened read-only and its reader cannot touch any file.'}
        </EmptyState>
      )}
    </div>
  );
}
