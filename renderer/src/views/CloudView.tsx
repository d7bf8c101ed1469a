// Check and deploy for the active profile of kind aws: claims check's lines as they arrive, one per
// prerequisite with its fix; and Deploy: the plan first (what is created or updated, which values
// change and where each comes from), a confirmation, then the steps as they are done, then the result.
import { useState } from 'react';
import type { CheckLine, DeployPlanView } from '../../../pipeline/api/protocol.ts';
import { ApiCallError, call } from '../api/client.ts';
import { Icon } from '../components/icons.tsx';
import { EmptyState, ErrorBox, Loading } from '../components/states.tsx';
import { useApp } from '../state/app.ts';
import { useCloudJobs, type CloudJob } from '../state/cloud-jobs.ts';

const MARK: Record<CheckLine['status'], { text: string; tone: string; label: string }> = {
  pass: { text: '✔', tone: 'ok', label: 'pass' },
  fail: { text: '✖', tone: 'bad', label: 'fail' },
  not_emulated: { text: '○', tone: 'warn', label: 'not emulated' },
  skipped: { text: '–', tone: '', label: 'skipped' },
};

const STATE_TONE: Record<string, string> = { create: 'accent', upload: 'accent', update: 'warn', missing: 'bad', exists: '', unchanged: '', not_emulated: 'warn' };

function useJob(jobId: string | null): CloudJob | null {
  return useCloudJobs((s) => (jobId ? (s.jobs[jobId] ?? null) : null));
}

export function CloudView() {
  const info = useApp((s) => s.info)!;
  if (info.activeProfileKind !== 'aws') {
    return (
      <div className="view">
        <div className="view-head">
          <div>
            <h1>Check &amp; deploy</h1>
            <div className="sub">For profiles of kind aws: their prerequisites, and what deploy makes in the account.</div>
          </div>
        </div>
        <EmptyState title={`The active profile ${info.activeProfile} runs on this machine`}>
          It has nothing to check or deploy. Switch to a profile of kind aws in the top bar: <strong>cloud-emulator</strong> needs no account.
        </EmptyState>
      </div>
    );
  }
  return (
    <div className="view">
      <div className="view-head">
        <div>
          <h1>Check &amp; deploy</h1>
          <div className="sub">
            Profile <strong>{info.activeProfile}</strong> · aws: what a run needs in the account, and deploying it. The same as <code>claims check</code> and <code>claims deploy</code>.
          </div>
        </div>
      </div>
      <div className="stack">
        <CheckPanel profile={info.activeProfile} />
        <DeployPanel profile={info.activeProfile} />
      </div>
    </div>
  );
}

function CheckPanel({ profile }: { profile: string }) {
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const job = useJob(jobId);
  const running = jobId !== null && !job?.finished;
  const start = async () => {
    setError(null);
    try {
      setJobId((await call('deploy.check', { profile })).jobId);
    } catch (err) {
      setError(err);
    }
  };
  const count = (status: CheckLine['status']) => job?.lines.filter((l) => l.status === status).length ?? 0;
  const failed = count('fail');
  return (
    <section className="card" aria-label="Check" data-testid="check-panel">
      <div className="card-head">
        <h2>Check</h2>
        <span className="muted">every prerequisite of a run, one line each, with the fix for those that fail</span>
        <div className="actions">
          <button className="btn primary" onClick={() => void start()} disabled={running} data-testid="check-run">
            <Icon name="check" /> {jobId ? 'Check again' : 'Run check'}
          </button>
        </div>
      </div>
      <div className="card-body stack" style={{ gap: 8 }}>
        {error ? <ErrorBox error={error} /> : null}
        {!jobId && !error ? <div className="muted">Not checked yet.</div> : null}
        {job && job.lines.length ? (
          <table className="table" data-testid="check-lines">
            <tbody>
              {job.lines.map((l, i) => (
                <tr key={`${l.name}-${i}`} data-status={l.status}>
                  <td style={{ width: 110 }}>
                    <span className={`badge ${MARK[l.status].tone}`}>
                      {MARK[l.status].text} {MARK[l.status].label}
                    </span>
                  </td>
                  <td style={{ width: 300 }}>
                    <strong>{l.name}</strong>
                  </td>
                  <td>
                    <div className={l.status === 'pass' ? 'muted' : undefined}>{l.detail}</div>
                    {l.status === 'fail' && l.fix ? (
                      <div className="check-fix">
                        fix: <span className="mono">{l.fix}</span>
                      </div>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {running ? <Loading label={job?.lines.length ? 'Checking the rest…' : 'Checking (the emulator starts first when it is not running)…'} /> : null}
        {job?.finished ? (
          job.finished.error ? (
            <ErrorBox error={new ApiCallError(job.finished.error)} />
          ) : (
            <div className={`badge result ${job.finished.ok ? 'ok' : 'bad'}`} data-testid="check-result">
              {job.finished.ok ? `All pass: ${count('pass')} pass${count('not_emulated') ? `, ${count('not_emulated')} not emulated` : ''}${count('skipped') ? `, ${count('skipped')} skipped` : ''}` : `${failed} of ${job.lines.length} fail`}
            </div>
          )
        ) : null}
      </div>
    </section>
  );
}

function DeployPanel({ profile }: { profile: string }) {
  const [plan, setPlan] = useState<DeployPlanView | null>(null);
  const [planning, setPlanning] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const job = useJob(jobId);
  const applying = jobId !== null && !job?.finished;
  const makePlan = async () => {
    setError(null);
    setJobId(null);
    setPlanning(true);
    try {
      setPlan(await call('deploy.plan', { profile }));
    } catch (err) {
      setError(err);
    } finally {
      setPlanning(false);
    }
  };
  const apply = async () => {
    if (!plan) return;
    setError(null);
    try {
      setJobId((await call('deploy.apply', { planId: plan.planId })).jobId);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section className="card" aria-label="Deploy" data-testid="deploy-panel">
      <div className="card-head">
        <h2>Deploy</h2>
        <span className="muted">the Glue jobs' code and definitions, job 2's secret, the Snowflake objects: the plan first, nothing changes before you confirm</span>
        <div className="actions">
          <button className="btn primary" onClick={() => void makePlan()} disabled={planning || applying} data-testid="deploy-start">
            <Icon name="play" /> Deploy
          </button>
        </div>
      </div>
      <div className="card-body stack" style={{ gap: 12 }}>
        {error ? <ErrorBox error={error} /> : null}
        {planning ? <Loading label="Reading the account to make the plan…" /> : null}
        {!plan && !planning && !error ? <div className="muted">Deploy shows its plan before it changes anything.</div> : null}
        {plan && !planning ? (
          jobId ? (
            <details className="plan-applied">
              <summary>The plan that was applied</summary>
              <PlanDetail plan={plan} />
            </details>
          ) : (
            <PlanDetail plan={plan} />
          )
        ) : null}
        {plan && !planning && !jobId ? (
          plan.blockers.length ? (
            <div className="notice" data-testid="deploy-blocked">
              <Icon name="alert" />
              <div>
                <strong>Deploy cannot go on:</strong> {plan.blockers.map((b) => `${b.kind} ${b.name}: ${b.detail}`).join('; ')}
              </div>
            </div>
          ) : plan.changes ? (
            <div className="notice confirm-bar" data-testid="deploy-confirm">
              <Icon name="info" />
              <div style={{ flex: 1 }}>
                Apply this plan to {plan.emulated ? 'the cloud emulator' : `AWS ${plan.region}`} and Snowflake {plan.snowflake.location}?
              </div>
              <button className="btn ghost" onClick={() => setPlan(null)}>
                Cancel
              </button>
              <button className="btn primary" onClick={() => void apply()} data-testid="deploy-confirm-button">
                Confirm deploy
              </button>
            </div>
          ) : (
            <div className="badge result ok" data-testid="deploy-nothing">
              Everything is deployed: nothing to change
            </div>
          )
        ) : null}
        {job ? (
          <div className="stack" style={{ gap: 6 }} data-testid="deploy-progress">
            {job.steps.map((s, i) => (
              <div key={`${s.what}-${i}`} className="row">
                <span className="badge ok">✔</span> <strong>{s.what}</strong> <span className="muted">{s.done}</span>
              </div>
            ))}
            {applying ? <Loading label={job.steps.length ? 'Deploying…' : 'Deploying (under the deploy lock, the plan is made again first)…'} /> : null}
          </div>
        ) : jobId ? (
          <Loading label="Deploying…" />
        ) : null}
        {job?.finished ? (
          job.finished.error ? (
            <ErrorBox error={new ApiCallError(job.finished.error)} />
          ) : (
            <div className="badge result ok" data-testid="deploy-result">
              Profile {job.profile} deployed: {job.steps.length} step{job.steps.length === 1 ? '' : 's'} done
            </div>
          )
        ) : null}
      </div>
    </section>
  );
}

function State({ state }: { state: string }) {
  return <span className={`badge ${STATE_TONE[state] ?? ''}`}>{state.replace('_', ' ')}</span>;
}

function PlanDetail({ plan }: { plan: DeployPlanView }) {
  return (
    <div className="stack plan" style={{ gap: 12 }} data-testid="deploy-plan">
      <div className="muted">
        Plan for profile <strong>{plan.profile}</strong> ({plan.emulated ? 'cloud emulator' : `AWS ${plan.region}`}, bucket <span className="mono">{plan.bucket}</span>)
      </div>
      {plan.account.length ? (
        <PlanTable title="Account" rows={plan.account.map((a) => [<State key="s" state={a.state} />, a.kind, <span key="n" className="mono">{a.name}</span>, a.state === 'exists' ? '' : a.detail])} />
      ) : null}
      <PlanTable
        title="Job code"
        rows={plan.code.map((c) => {
          const up = c.files.filter((f) => f.state === 'upload').length;
          return [<State key="s" state={up ? 'upload' : 'exists'} />, c.job, <span key="v" className="mono">{c.version}</span>, <span key="p" className="mono">{c.prefix}{up ? ` (${up} of ${c.files.length} files)` : ''}</span>];
        })}
      />
      <div>
        <h3 className="plan-title">Glue jobs</h3>
        {plan.jobs.map((j) => (
          <div key={j.name} className="plan-job" data-testid={`plan-job-${j.job}`}>
            <div className="row">
              <State state={j.state} /> <strong className="mono">{j.name}</strong> <span className="muted">version {j.version}{j.deployedVersion && j.deployedVersion !== j.version ? ` (deployed: ${j.deployedVersion})` : ''}</span>
            </div>
            {j.changes.length ? (
              <table className="table compact">
                <thead>
                  <tr><th>changes</th><th>now</th><th>after deploy</th></tr>
                </thead>
                <tbody>
                  {j.changes.map((c) => (
                    <tr key={c.field}><td className="mono">{c.field}</td><td className="mono muted">{c.have}</td><td className="mono">{c.want}</td></tr>
                  ))}
                </tbody>
              </table>
            ) : null}
            <table className="table compact">
              <thead>
                <tr><th>setting</th><th>value</th><th>comes from</th></tr>
              </thead>
              <tbody>
                {j.settings.map((s) => (
                  <tr key={s.field}><td className="mono">{s.field}</td><td className="mono">{String(s.value)}</td><td><span className={`badge ${s.source === 'profile' ? 'accent' : ''}`}>{s.source}</span></td></tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      </div>
      <PlanTable title="Secrets Manager" rows={[[<State key="s" state={plan.secret.state} />, <span key="i" className="mono">{plan.secret.id}</span>, "Glue job 2's Snowflake connection (its value is never shown)"]]} />
      <PlanTable title="Snowflake objects" sub={plan.snowflake.location} rows={plan.snowflake.items.map((i) => [<State key="s" state={i.state} />, i.kind.replace('_', ' '), <span key="n" className="mono">{i.name}</span>, i.detail ?? ''])} />
    </div>
  );
}

function PlanTable({ title, sub, rows }: { title: string; sub?: string; rows: React.ReactNode[][] }) {
  return (
    <div>
      <h3 className="plan-title">
        {title} {sub ? <span className="plan-sub mono">{sub}</span> : null}
      </h3>
      <table className="table compact">
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {r.map((c, j) => (
                <td key={j}>{c}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
