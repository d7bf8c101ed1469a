// The demo walkthrough's caption card: step, caption, live status of its action, back and next.
// A run on the cloud takes minutes: the card follows its stages (and each Glue run's state) until
// it ends, and Next waits for it, however long it takes.
import { useEffect } from 'react';
import { Icon } from '../components/icons.tsx';
import { fmtSeconds } from '../format.ts';
import { useApp } from '../state/app.ts';
import { useDemo } from '../state/demo.ts';
import { liveGlueRun } from '../state/glue-run.ts';
import { useRunLive } from '../state/run-live.ts';

/** The tour's run as it goes: the stage running now, its progress, and the Glue run behind it on the cloud. */
function DemoRunProgress({ runId }: { runId: string }) {
  const live = useRunLive(runId);
  const stages = live.run?.stages.filter((x) => x.status !== 'skipped') ?? [];
  const current = stages.find((x) => x.status === 'running');
  const finished = stages.filter((x) => x.status === 'succeeded').length;
  if (!live.run) return null;
  if (!current) {
    return (
      <div className="row muted" data-testid="demo-progress">
        {live.run.status === 'running' ? <><span className="spinner" /> starting the run…</> : <>run {live.run.status} in {fmtSeconds(live.run.seconds)}</>}
      </div>
    );
  }
  const p = live.progress[current.name];
  const glue = liveGlueRun(current.name, live.events);
  return (
    <div className="stack" style={{ gap: 6 }} data-testid="demo-progress">
      <div className="row muted" style={{ gap: 8 }}>
        <span className="spinner" />
        <span>
          stage {finished + 1} of {stages.length}: <b data-testid="demo-stage">{current.name}</b>
        </span>
      </div>
      {glue ? (
        <div className="row muted" style={{ gap: 8 }}>
          <span>Glue run</span>
          {/* the id is long: its start tells runs apart, the whole of it is in the title and the run's log */}
          <span className="mono" title={glue.runId}>{glue.runId.length > 15 ? `${glue.runId.slice(0, 14)}…` : glue.runId}</span>
          <span className="badge run" data-testid="demo-glue-state">{glue.state ?? 'started'}</span>
        </div>
      ) : null}
      <div className="progress">
        <div style={{ width: `${Math.round((p?.fraction ?? 0) * 100)}%` }} />
      </div>
      {p?.message ? <span className="muted">{p.message}</span> : null}
    </div>
  );
}

export function DemoPanel() {
  const active = useDemo((s) => s.active);
  const step = useDemo((s) => s.step);
  const message = useDemo((s) => s.message);
  const next = useDemo((s) => s.next);
  const back = useDemo((s) => s.back);
  const exit = useDemo((s) => s.exit);
  const steps = useDemo((s) => s.steps);
  const demoRunId = useDemo((s) => s.runId);
  const generate = useApp((s) => s.generate);
  const activeRunId = useApp((s) => s.activeRunId);
  useEffect(() => {
    if (!active) return;
    const onKey = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement).closest('input, textarea, select, [role=grid]')) return;
      if (e.key === 'ArrowRight') next();
      if (e.key === 'ArrowLeft') back();
      if (e.key === 'Escape') exit();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [active, next, back, exit]);
  if (!active) return null;
  const s = steps[step]!;
  const busy = (s.action === 'generate' && generate?.status === 'running') || (s.action === 'run' && !!activeRunId);
  return (
    <aside className="demo card" role="dialog" aria-label="Demo walkthrough" data-testid="demo-panel">
      <div className="card-head">
        <Icon name="demo" />
        <h2>{s.title}</h2>
        <span className="muted">
          {step + 1} / {steps.length}
        </span>
        <div className="actions">
          <button className="btn ghost small icon-btn" onClick={exit} aria-label="Exit demo">
            <Icon name="close" />
          </button>
        </div>
      </div>
      <div className="card-body">
        <div className="demo-steps">
          {steps.map((_, i) => (
            <span key={i} className={i <= step ? 'done' : ''} />
          ))}
        </div>
        <p style={{ margin: 0 }} data-testid="demo-caption">{s.caption}</p>
        {s.action === 'generate' && generate ? (
          <div className="row">
            <div className="progress" style={{ flex: 1 }}>
              <div style={{ width: `${generate.fraction * 100}%` }} />
            </div>
            <span className="muted">{generate.status === 'running' ? `${Math.round(generate.fraction * 100)}%` : generate.status}</span>
          </div>
        ) : null}
        {s.action === 'run' && demoRunId ? <DemoRunProgress runId={demoRunId} /> : null}
        {s.action === 'run' && activeRunId && !demoRunId ? (
          <div className="row muted">
            <span className="spinner" /> a run is going…
          </div>
        ) : null}
        {message ? <div className="notice">{message}</div> : null}
        <div className="row" style={{ justifyContent: 'space-between' }}>
          <button className="btn" onClick={back} disabled={step === 0} data-testid="demo-back">
            ← Back
          </button>
          <button className="btn primary" onClick={next} disabled={busy} data-testid="demo-next">
            {step === steps.length - 1 ? 'Finish' : busy ? 'Working…' : 'Next →'}
          </button>
        </div>
      </div>
    </aside>
  );
}
