// The demo walkthrough's caption card: step, caption, live status of its action, back and next.
import { useEffect } from 'react';
import { Icon } from '../components/icons.tsx';
import { useApp } from '../state/app.ts';
import { DEMO_STEPS, useDemo } from '../state/demo.ts';

export function DemoPanel() {
  const active = useDemo((s) => s.active);
  const step = useDemo((s) => s.step);
  const message = useDemo((s) => s.message);
  const next = useDemo((s) => s.next);
  const back = useDemo((s) => s.back);
  const exit = useDemo((s) => s.exit);
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
  const s = DEMO_STEPS[step]!;
  const busy = (s.action === 'generate' && generate?.status === 'running') || (s.action === 'run' && !!activeRunId);
  return (
    <aside className="demo card" role="dialog" aria-label="Demo walkthrough" data-testid="demo-panel">
      <div className="card-head">
        <Icon name="demo" />
        <h2>{s.title}</h2>
        <span className="muted">
          {step + 1} / {DEMO_STEPS.length}
        </span>
        <div className="actions">
          <button className="btn ghost small icon-btn" onClick={exit} aria-label="Exit demo">
            <Icon name="close" />
          </button>
        </div>
      </div>
      <div className="card-body">
        <div className="demo-steps">
          {DEMO_STEPS.map((_, i) => (
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
        {s.action === 'run' && activeRunId ? (
          <div className="row muted">
            <span className="spinner" /> the pipeline is running…
          </div>
        ) : null}
        {message ? <div className="notice">{message}</div> : null}
        <div className="row" style={{ justifyContent: 'space-between' }}>
          <button className="btn" onClick={back} disabled={step === 0} data-testid="demo-back">
            ← Back
          </button>
          <button className="btn primary" onClick={next} disabled={busy} data-testid="demo-next">
            {step === DEMO_STEPS.length - 1 ? 'Finish' : busy ? 'Working…' : 'Next →'}
          </button>
        </div>
      </div>
    </aside>
  );
}
