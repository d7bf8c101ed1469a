// Pipeline: start a run (batch, stages, active profile), the stage graph of the latest run, and
// the run history with filters. A run opens its detail page.
import { useState } from 'react';
import type { RunStatus, RunTrigger, StageName } from '../../../pipeline/api/protocol.ts';
import { call } from '../api/client.ts';
import { Icon } from '../components/icons.tsx';
import { StageGraph, STATUS_TONE } from '../components/StageGraph.tsx';
import { EmptyState, ErrorBox, Loading } from '../components/states.tsx';
import { useQuery } from '../components/useQuery.ts';
import { fmtSeconds, fmtTime } from '../format.ts';
import { useApp } from '../state/app.ts';
import { useRunLive } from '../state/run-live.ts';
import { useRouter } from '../state/router.ts';

function RunControls() {
  const info = useApp((s) => s.info)!;
  const activeRunId = useApp((s) => s.activeRunId);
  const revision = useApp((s) => s.revision.datasets);
  const batches = useQuery(() => call('generate.batches', {}), [revision]);
  const go = useRouter((s) => s.go);
  const [batch, setBatch] = useState<number | null>(null);
  const [stages, setStages] = useState<StageName[] | null>(null);
  const [force, setForce] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [starting, setStarting] = useState(false);
  const chosen = batch ?? batches.data?.[0]?.batch ?? 1;
  const generated = batches.data?.find((b) => b.batch === chosen);
  // ingest refuses a batch of another world than the lake's (pipeline/ingest/world.ts): say so before the run
  const otherWorld = generated && batches.data?.find((b) => b.batch !== chosen && (['seed', 'members', 'providers', 'claims'] as const).some((k) => b.options[k] !== generated.options[k]));
  // A batch generated here keeps its own sizes: by default the run starts after generate, which
  // would otherwise regenerate it with the profile's settings.
  const selected = stages ?? (generated ? info.stages.filter((s) => s !== 'generate') : null);
  const all = !selected || selected.length === 0 || selected.length === info.stages.length;
  const start = async () => {
    setError(null);
    setStarting(true);
    try {
      const { runId } = await call('runs.start', { batch: chosen, force, ...(all ? {} : { stages: selected }) });
      go('run', { id: runId });
    } catch (err) {
      setError(err);
    } finally {
      setStarting(false);
    }
  };
  const toggle = (s: StageName) => {
    const cur = selected ?? info.stages;
    const next = cur.includes(s) ? cur.filter((x) => x !== s) : [...cur, s];
    setStages(next.length && next.length < info.stages.length ? info.stages.filter((x) => next.includes(x)) : []);
  };
  return (
    <div className="stack" style={{ gap: 10 }}>
      <div className="row" style={{ flexWrap: 'wrap' }}>
        <label className="row" style={{ gap: 6 }}>
          <span className="muted">Batch</span>
          <select value={chosen} onChange={(e) => (setBatch(Number(e.target.value)), setStages(null))} aria-label="Batch to run">
            {[...new Set([...(batches.data ?? []).map((b) => b.batch), chosen])].sort((a, b) => a - b).map((b) => (
              <option key={b} value={b}>
                batch {b}
              </option>
            ))}
          </select>
        </label>
        <div className="segmented" role="group" aria-label="Stages">
          <button aria-pressed={all} onClick={() => setStages([])}>
            All stages
          </button>
          {info.stages.map((s) => (
            <button key={s} aria-pressed={!all && (selected?.includes(s) ?? false)} onClick={() => toggle(s)}>
              {s}
            </button>
          ))}
        </div>
        <label className="row" style={{ gap: 6 }} title="Redo stages even if this batch already went through them; replaces what was landed">
          <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} style={{ height: 'auto' }} data-testid="run-force" /> Redo (force)
        </label>
        <span className="muted">
          profile <strong style={{ color: 'var(--text)' }}>{info.activeProfile}</strong>
        </span>
        <button className="btn primary" onClick={() => void start()} disabled={!!activeRunId || starting} style={{ marginLeft: 'auto' }} data-testid="run-start">
          {starting ? <span className="spinner" /> : <Icon name="play" />} Run pipeline
        </button>
      </div>
      <div className="muted" style={{ fontSize: 12 }}>
        {generated
          ? `Batch ${chosen} is generated (${generated.options.members.toLocaleString('en-US')} members, ${generated.options.claims.toLocaleString('en-US')} claims, seed ${generated.options.seed}); ${selected?.includes('generate') || all ? "the generate stage regenerates it with the profile's settings unless they match." : `the run starts from ${selected?.[0] ?? 'ingest'}.`}`
          : `Batch ${chosen} is not generated yet: the generate stage writes it with the profile's settings.`}
      </div>
      {otherWorld ? (
        <div className="muted" style={{ fontSize: 12, color: 'var(--warn)' }} data-testid="run-other-world">
          <Icon name="alert" /> Batch {otherWorld.batch} was generated from another world (seed {otherWorld.options.seed}, {otherWorld.options.members.toLocaleString('en-US')} members, {otherWorld.options.claims.toLocaleString('en-US')} claims): a lake keeps one world, so ingest refuses a batch whose world is not the lake&apos;s.
        </div>
      ) : null}
      {error ? <ErrorBox error={error} /> : null}
    </div>
  );
}

export function PipelineView() {
  const info = useApp((s) => s.info)!;
  const revision = useApp((s) => s.revision.runs);
  const activeRunId = useApp((s) => s.activeRunId);
  const go = useRouter((s) => s.go);
  const [status, setStatus] = useState<RunStatus | ''>('');
  const [trigger, setTrigger] = useState<RunTrigger | ''>('');
  const [batch, setBatch] = useState<number | null>(null);
  // the active profile's runs: a switch to another profile shows that profile's history
  const runs = useQuery(() => call('runs.list', { profile: info.activeProfile, ...(status ? { status } : {}), ...(trigger ? { trigger } : {}), ...(batch ? { batch } : {}), limit: 200 }), [info.activeProfile, status, trigger, batch, revision, activeRunId]);
  // the batches any run touched, for the filter (kept when a filter narrows the list)
  const [seenBatches, setSeenBatches] = useState<number[]>([]);
  const listed = runs.data?.map((r) => r.batch) ?? [];
  if (listed.some((b) => !seenBatches.includes(b))) setSeenBatches([...new Set([...seenBatches, ...listed])].sort((a, b) => a - b));
  const latestId = activeRunId ?? runs.data?.[0]?.runId ?? null;
  const latest = useRunLive(latestId);
  return (
    <div className="view">
      <div className="view-head">
        <div>
          <h1>Pipeline</h1>
          <div className="sub">Generate, ingest, cleanse, load, transform (dbt) and verify on the active profile.</div>
        </div>
      </div>
      <div className="stack">
        <section className="card" aria-label="Start a run">
          <div className="card-head">
            <h2>New run</h2>
          </div>
          <div className="card-body">
            <RunControls />
          </div>
        </section>
        <section className="card" aria-label="Latest run">
          <div className="card-head">
            <h2>{activeRunId ? 'Running now' : 'Latest run'}</h2>
            {latest.run ? (
              <>
                <span className={`badge ${STATUS_TONE[latest.run.status]}`}>{latest.run.status}</span>
                <span className="muted mono">{latest.run.runId}</span>
                <div className="actions">
                  <button className="btn small" onClick={() => go('run', { id: latest.run!.runId })}>
                    Open run <Icon name="arrow" />
                  </button>
                </div>
              </>
            ) : null}
          </div>
          <div className="card-body">
            {latestId ? (
              <StageGraph stages={info.stages} run={latest.run} progress={latest.progress} onSelect={(s) => latest.run && go('run', { id: latest.run.runId, stage: s })} />
            ) : (
              <>
                <StageGraph stages={info.stages} run={null} />
                <EmptyState icon="pipeline" title="No pipeline run yet">
                  Run the pipeline to load the warehouse. Each stage reports its status, duration, rows and logs here as it runs.
                </EmptyState>
              </>
            )}
          </div>
        </section>
        <section className="card" aria-label="Run history">
          <div className="card-head">
            <h2>Run history</h2>
            <span className="muted">on profile {info.activeProfile}</span>
            <div className="actions">
              <select aria-label="Filter by status" value={status} onChange={(e) => setStatus(e.target.value as RunStatus | '')}>
                <option value="">Any status</option>
                {['running', 'succeeded', 'failed', 'cancelled'].map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
              <select aria-label="Filter by batch" value={batch ?? ''} onChange={(e) => setBatch(e.target.value ? Number(e.target.value) : null)}>
                <option value="">Any batch</option>
                {seenBatches.map((b) => (
                  <option key={b} value={b}>
                    batch {b}
                  </option>
                ))}
              </select>
              <select aria-label="Filter by trigger" value={trigger} onChange={(e) => setTrigger(e.target.value as RunTrigger | '')}>
                <option value="">Any trigger</option>
                {['manual', 'schedule', 'api', 'resume', 'airflow'].map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
            </div>
          </div>
          {runs.loading && !runs.data ? (
            <div className="card-body">
              <Loading rows={4} />
            </div>
          ) : runs.error ? (
            <div className="card-body">
              <ErrorBox error={runs.error} />
            </div>
          ) : !runs.data?.length ? (
            <EmptyState icon="history" title={status || trigger || batch ? 'No runs match' : `No runs on profile ${info.activeProfile} yet`}>
              {status || trigger || batch ? 'Change the filters to see other runs.' : 'Runs from the app, the CLI and schedules are listed here.'}
            </EmptyState>
          ) : (
            <table className="table" data-testid="runs-table">
              <thead>
                <tr>
                  <th>Run</th>
                  <th>Status</th>
                  <th>Profile</th>
                  <th className="num">Batch</th>
                  <th>Trigger</th>
                  <th>Stages</th>
                  <th>Started</th>
                  <th className="num">Duration</th>
                </tr>
              </thead>
              <tbody>
                {runs.data.map((r) => (
                  <tr key={r.runId} className="clickable" onClick={() => go('run', { id: r.runId })} tabIndex={0} onKeyDown={(e) => e.key === 'Enter' && go('run', { id: r.runId })}>
                    <td className="mono">{r.runId}</td>
                    <td>
                      <span className={`badge ${STATUS_TONE[r.status]}`}>{r.status}</span>
                    </td>
                    <td>{r.profile}</td>
                    <td className="num">{r.batch}</td>
                    <td>{r.trigger}{r.resumedFrom ? <span className="muted"> of {r.resumedFrom.slice(-6)}</span> : null}</td>
                    <td>
                      <span className="row" style={{ gap: 3 }}>
                        {r.stages.map((s) => (
                          <span key={s.name} title={`${s.name}: ${s.status}`} className={`dot ${s.status === 'succeeded' ? 'ok' : s.status === 'failed' ? 'bad' : s.status === 'running' ? 'run' : ''}`} />
                        ))}
                      </span>
                    </td>
                    <td>{fmtTime(r.startedAt)}</td>
                    <td className="num">{fmtSeconds(r.seconds)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </div>
  );
}
