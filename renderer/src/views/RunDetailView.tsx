// One run: its stage graph with live status, the selected stage's rows, error and hint, and the
// run's log, filtered by stage and level. Cancel, resume and rerun-a-stage act on it.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { LogLevel, RunEvent, StageName } from '../../../pipeline/api/protocol.ts';
import { call } from '../api/client.ts';
import { Dialog } from '../components/Dialog.tsx';
import { Icon } from '../components/icons.tsx';
import { StageGraph, STATUS_TONE } from '../components/StageGraph.tsx';
import { EmptyState, ErrorBox, Loading } from '../components/states.tsx';
import { fmtInt, fmtSeconds, fmtTime } from '../format.ts';
import { useApp } from '../state/app.ts';
import { StageIdentity } from '../components/StageIdentity.tsx';
import { glueLogStream } from '../state/glue-run.ts';
import { useRunLive } from '../state/run-live.ts';
import { useRouter } from '../state/router.ts';

// A long run can log tens of thousands of lines; the page keeps the newest in the DOM.
const MAX_LOG_LINES = 2000;

// fields the stage panel shows as the stage's identity (StageIdentity), not repeated on each line
const IDENTITY_FIELDS = new Set(['glue_run_id', 'job_name', 'state', 'execution_seconds', 'console', 'lake', 'stream']);

function shownFields(fields: Record<string, unknown> | undefined): string {
  const rest = Object.entries(fields ?? {}).filter(([k]) => !IDENTITY_FIELDS.has(k));
  return rest.length ? `  ${JSON.stringify(Object.fromEntries(rest))}` : '';
}

function eventLine(e: RunEvent): { level: LogLevel; stage: string; text: string; source?: string } | null {
  switch (e.type) {
    case 'stage.log': {
      const stream = glueLogStream(e);
      return { level: e.level, stage: e.stage, text: e.message + shownFields(e.fields), ...(stream ? { source: `glue ${stream}` } : {}) };
    }
    case 'run.started':
      return { level: 'info', stage: 'run', text: `run started: profile ${e.profile}, batch ${e.batch}, plan ${e.plan.join(' → ')}` };
    case 'run.joined':
      return { level: 'info', stage: 'run', text: `joined by ${e.trigger} to run ${e.stages.join(' → ')}` };
    case 'stage.started':
      return { level: 'info', stage: e.stage, text: `started (attempt ${e.attempt} of ${e.maxAttempts})` };
    case 'stage.succeeded':
      return { level: 'info', stage: e.stage, text: `succeeded in ${fmtSeconds(e.seconds)}${e.result.summary ? ` — ${e.result.summary}` : ''}` };
    case 'stage.failed':
      return { level: 'error', stage: e.stage, text: `failed: ${e.error.message}${e.error.hint ? ` (hint: ${e.error.hint})` : ''}` };
    case 'stage.cancelled':
      return { level: 'warn', stage: e.stage, text: `cancelled: ${e.error.message}` };
    case 'stage.retrying':
      return { level: 'warn', stage: e.stage, text: `attempt ${e.attempt} failed (${e.error.message}); retrying in ${fmtSeconds(e.delayMs / 1000)}` };
    case 'stage.skipped':
      return { level: 'debug', stage: e.stage, text: `skipped: ${e.reason}` };
    case 'run.finished':
      return { level: e.status === 'failed' ? 'error' : 'info', stage: 'run', text: `run ${e.status} in ${fmtSeconds(e.seconds)}${e.error ? `: ${e.error.message}` : ''}` };
    default:
      return null;
  }
}

export function RunDetailView() {
  const route = useRouter((s) => s.route);
  const go = useRouter((s) => s.go);
  const info = useApp((s) => s.info)!;
  const activeRunId = useApp((s) => s.activeRunId);
  const runId = route.params.id ?? null;
  const live = useRunLive(runId);
  const stage = (route.params.stage as StageName | undefined) ?? null;
  const [level, setLevel] = useState<LogLevel | 'all'>('all');
  const [error, setError] = useState<unknown>(null);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const logRef = useRef<HTMLDivElement>(null);
  const lines = useMemo(
    () =>
      live.events
        .map((e) => ({ e, l: eventLine(e) }))
        .filter((x): x is { e: RunEvent; l: NonNullable<ReturnType<typeof eventLine>> } => x.l !== null)
        .filter((x) => (!stage || x.l.stage === stage) && (level === 'all' || x.l.level === level)),
    [live.events, stage, level],
  );
  useEffect(() => {
    const el = logRef.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight;
  }, [lines.length]);

  if (!runId) return <EmptyState title="No run selected" />;
  if (live.error) return <div className="view"><ErrorBox error={live.error} action={<button className="btn" onClick={() => go('pipeline')}>Back to runs</button>} /></div>;
  if (!live.run) return <Loading label="Loading the run…" />;
  const run = live.run;
  const isActive = live.active || activeRunId === run.runId;
  const rec = stage ? run.stages.find((s) => s.name === stage) : null;
  const act = async (fn: () => Promise<{ runId: string } | { cancelled: boolean }>) => {
    setError(null);
    try {
      const r = await fn();
      if ('runId' in r) go('run', { id: r.runId });
      else live.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div className="view">
      <div className="view-head">
        <div>
          <div className="row">
            <button className="btn ghost small" onClick={() => go('pipeline')}>
              ← Runs
            </button>
            <h1 className="mono" data-testid="run-id">{run.runId}</h1>
            <span className={`badge ${STATUS_TONE[run.status]}`} data-testid="run-status">
              {run.status}
            </span>
          </div>
          <div className="sub">
            profile <strong>{run.profile}</strong> · batch {run.batch} · {run.trigger}
            {run.resumedFrom ? (
              <>
                {' '}of <a onClick={() => go('run', { id: run.resumedFrom! })}>{run.resumedFrom}</a>
              </>
            ) : null}{' '}
            · started {fmtTime(run.startedAt)} ·{' '}
            {run.seconds !== null ? (
              `took ${fmtSeconds(run.seconds)}`
            ) : run.joinable && !run.stages.some((s) => s.status === 'running') ? (
              <span data-testid="run-waiting">waiting for {run.trigger} to run its next stage</span>
            ) : (
              'running'
            )}
          </div>
        </div>
        <div className="actions">
          {isActive ? (
            <button className="btn danger" onClick={() => setConfirmCancel(true)} data-testid="run-cancel">
              <Icon name="stop" /> Cancel
            </button>
          ) : null}
          {!isActive && (run.status === 'failed' || run.status === 'cancelled') ? (
            <button className="btn primary" onClick={() => void act(() => call('runs.resume', { runId: run.runId }))} disabled={!!activeRunId} data-testid="run-resume">
              <Icon name="resume" /> Resume
            </button>
          ) : null}
          {!isActive && stage ? (
            <button className="btn" onClick={() => void act(() => call('runs.rerunStage', { runId: run.runId, stage }))} disabled={!!activeRunId} data-testid="run-rerun-stage">
              <Icon name="rerun" /> Rerun {stage}
            </button>
          ) : null}
        </div>
      </div>
      {confirmCancel ? (
        <Dialog
          title="Cancel this run?"
          onClose={() => setConfirmCancel(false)}
          footer={
            <>
              <button className="btn" onClick={() => setConfirmCancel(false)}>Keep running</button>
              <button className="btn danger" data-testid="run-cancel-confirm" onClick={() => (setConfirmCancel(false), void act(() => call('runs.cancel', { runId: run.runId })))}>
                Cancel run
              </button>
            </>
          }
        >
          <p style={{ margin: 0 }}>The stage that is running stops and is recorded as cancelled; the stages after it do not run. You can resume the run later from where it stopped.</p>
        </Dialog>
      ) : null}
      {error ? <div style={{ marginBottom: 12 }}><ErrorBox error={error} /></div> : null}
      {run.error ? (
        <div style={{ marginBottom: 12 }}>
          <ErrorBox error={new Error(`${run.error.stage ? `${run.error.stage}: ` : ''}${run.error.message}${run.error.cause?.length ? ` — ${run.error.cause.join(' ← ')}` : ''}`)} action={run.error.hint ? <span className="muted" style={{ maxWidth: 320 }}>{run.error.hint}</span> : undefined} />
        </div>
      ) : null}
      <section className="card" style={{ marginBottom: 16 }}>
        <div className="card-body">
          <StageGraph stages={info.stages} run={run} progress={live.progress} selected={stage} onSelect={(s) => go('run', s === stage ? { id: run.runId } : { id: run.runId, stage: s })} />
        </div>
      </section>
      {rec ? (
        <section className="card" style={{ marginBottom: 16 }} aria-label={`Stage ${rec.name}`}>
          <div className="card-head">
            <h2 style={{ textTransform: 'capitalize' }}>{rec.name}</h2>
            <span className={`badge ${STATUS_TONE[rec.status]}`}>{rec.status}</span>
            <span className="muted">
              {rec.attempts} attempt{rec.attempts === 1 ? '' : 's'} · {fmtSeconds(rec.seconds)}
              {rec.restoredFrom ? ` · restored from ${rec.restoredFrom}` : ''}
            </span>
          </div>
          <div className="card-body">
            {rec.result?.summary ? (
              <p style={{ marginTop: 0 }} data-testid="stage-summary">
                {rec.result.noop ? <span className="badge" title="The stage found its work already done and changed nothing">no-op</span> : null} {rec.result.summary}
              </p>
            ) : null}
            <StageIdentity rec={rec} events={live.events} />
            {Object.keys(rec.rows).length ? <RowsTable rows={rec.rows} /> : <span className="muted">No row counts reported.</span>}
            {rec.error ? (
              <div style={{ marginTop: 12 }}>
                <ErrorBox error={new Error(rec.error.message)} action={rec.error.hint ? <span className="muted">{rec.error.hint}</span> : undefined} />
              </div>
            ) : null}
          </div>
        </section>
      ) : null}
      <section className="card" aria-label="Logs">
        <div className="card-head">
          <h2>Logs{stage ? ` · ${stage}` : ''}</h2>
          <span className="muted">{fmtInt(lines.length)} lines</span>
          <div className="actions">
            <div className="segmented" role="group" aria-label="Log level">
              {(['all', 'info', 'warn', 'error', 'debug'] as const).map((l) => (
                <button key={l} aria-pressed={level === l} onClick={() => setLevel(l)}>
                  {l}
                </button>
              ))}
            </div>
          </div>
        </div>
        <div className="card-body">
          <div className="logs" ref={logRef} role="log" aria-live="off" data-testid="run-logs">
            {lines.length === 0 ? <div className="muted" style={{ padding: '8px 12px' }}>No log lines{stage ? ` for ${stage}` : ''}{level !== 'all' ? ` at level ${level}` : ''}.</div> : null}
            {lines.length > MAX_LOG_LINES ? (
              <div className="muted" style={{ padding: '4px 12px' }}>
                Showing the last {fmtInt(MAX_LOG_LINES)} of {fmtInt(lines.length)} lines; pick a stage or a level to narrow the log.
              </div>
            ) : null}
            {lines.slice(-MAX_LOG_LINES).map(({ e, l }, i) => (
              <div className="log-line" key={i}>
                <span className="t">{e.timestamp.slice(11, 23)}</span>
                <span className={`lvl lvl-${l.level}`}>{l.level}</span>
                <span className="stg">{l.stage}</span>
                {l.source ? <span className="src" data-testid="log-glue-line">{l.source}</span> : null}
                <span>{l.text}</span>
              </div>
            ))}
          </div>
        </div>
      </section>
    </div>
  );
}

/** A stage's row counts: keys are "zone.dataset" (or just "dataset"); one row per dataset, one column per zone. */
function RowsTable({ rows }: { rows: Record<string, number> }) {
  const cells = Object.entries(rows).map(([key, n]) => {
    const dot = key.indexOf('.');
    return { key, zone: dot < 0 ? 'rows' : key.slice(0, dot), dataset: dot < 0 ? key : key.slice(dot + 1), n };
  });
  const zones = [...new Set(cells.map((c) => c.zone))];
  const datasets = [...new Set(cells.map((c) => c.dataset))];
  return (
    <table className="table" style={{ width: 'auto', minWidth: 360 }}>
      <thead>
        <tr>
          <th>Dataset</th>
          {zones.map((z) => (
            <th key={z} className="num">{z}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {datasets.map((d) => (
          <tr key={d}>
            <td>{d}</td>
            {zones.map((z) => {
              const c = cells.find((x) => x.dataset === d && x.zone === z);
              return (
                <td key={z} className="num" data-testid={c ? `stage-rows-${c.key}` : undefined}>
                  {c ? fmtInt(c.n) : ''}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
