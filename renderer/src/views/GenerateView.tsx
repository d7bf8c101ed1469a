// Generate: pick seed, sizes, dirtiness and batch; generate with live progress; list the batches
// already generated, each one click away from its preview.
import { useState } from 'react';
import type { GenerateRequest } from '../../../pipeline/api/protocol.ts';
import { call } from '../api/client.ts';
import { Icon } from '../components/icons.tsx';
import { EmptyState, ErrorBox, errorBodyOf, Loading } from '../components/states.tsx';
import { useQuery } from '../components/useQuery.ts';
import { fmtBytes, fmtInt, fmtPct, fmtSeconds } from '../format.ts';
import { useApp } from '../state/app.ts';
import { useRouter } from '../state/router.ts';

const PRESETS: { name: string; members: number; providers: number; claims: number }[] = [
  { name: 'Small', members: 500, providers: 60, claims: 5_000 },
  { name: 'Medium', members: 2_000, providers: 200, claims: 20_000 },
  { name: 'Large', members: 50_000, providers: 2_000, claims: 1_000_000 },
];

const PHASE_LABEL: Record<string, string> = {
  setup: 'Building pools and lookups',
  members: 'Writing members',
  providers: 'Writing providers',
  claims: 'Writing claims',
  ground_truth: 'Writing the defect ground truth',
  parquet: 'Writing Parquet',
  checksums: 'Checksumming files',
};

export function GenerateView() {
  const info = useApp((s) => s.info)!;
  const job = useApp((s) => s.generate);
  const setJob = useApp((s) => s.setGenerateJob);
  const revision = useApp((s) => s.revision.datasets);
  const go = useRouter((s) => s.go);
  const [form, setForm] = useState<GenerateRequest>(info.generate.defaults);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const batches = useQuery(() => call('generate.batches', {}), [revision]);
  const running = job?.status === 'running';

  const field = (key: keyof GenerateRequest, label: string, hint: string, step = 1) => (
    <label className="field">
      {label}
      <input
        type="number"
        step={step}
        value={Number.isFinite(form[key]) ? form[key] : ''}
        aria-invalid={problems[key] ? true : undefined}
        aria-describedby={`${key}-msg`}
        onChange={(e) => {
          setForm({ ...form, [key]: e.target.value === '' ? Number.NaN : Number(e.target.value) });
          setProblems({ ...problems, [key]: '' });
        }}
        name={key}
        disabled={running}
      />
      <span id={`${key}-msg`} className={problems[key] ? 'field-error' : 'field-hint'}>
        {problems[key] || hint}
      </span>
    </label>
  );

  const start = async () => {
    setError(null);
    const local: Record<string, string> = {};
    for (const [k, v] of Object.entries(form)) if (!Number.isFinite(v)) local[k] = 'Enter a number.';
    if (Object.keys(local).length) return setProblems(local);
    try {
      const { jobId } = await call('generate.start', form);
      setJob({ jobId, batch: form.batch, phase: 'setup', fraction: 0, status: 'running' });
    } catch (err) {
      const body = errorBodyOf(err);
      if (body.details?.length) setProblems(Object.fromEntries(body.details.map((d) => [d.path, d.message])));
      else setError(err);
    }
  };

  return (
    <div className="view">
      <div className="view-head">
        <div>
          <h1>Generate synthetic data</h1>
          <div className="sub">Members, providers and claims for one batch of the timeline, written as raw CSV with optional injected defects.</div>
        </div>
      </div>
      <div className="grid-2" style={{ gridTemplateColumns: 'minmax(0, 1.1fr) minmax(0, 1fr)' }}>
        <section className="card" aria-label="Generation options">
          <div className="card-head">
            <h2>Options</h2>
            <div className="actions segmented" role="group" aria-label="Size presets">
              {PRESETS.map((p) => (
                <button
                  key={p.name}
                  aria-pressed={form.members === p.members && form.claims === p.claims && form.providers === p.providers}
                  onClick={() => setForm({ ...form, members: p.members, providers: p.providers, claims: p.claims })}
                  disabled={running}
                >
                  {p.name}
                </button>
              ))}
            </div>
          </div>
          <div className="card-body">
            <div className="grid-3" style={{ gap: 14 }}>
              {field('members', 'Members', 'in the initial load')}
              {field('providers', 'Providers', 'billing NPIs')}
              {field('claims', 'Claims', '18 months of history')}
              {field('seed', 'Seed', 'same seed, same files')}
              {field('batch', 'Batch', `1 = initial load … ${info.generate.maxBatch}`)}
              <label className="field">
                Dirty rate
                <div className="row" style={{ gap: 8 }}>
                  <input type="range" min={0} max={0.2} step={0.005} value={Number.isFinite(form.dirtyRate) ? form.dirtyRate : 0} onChange={(e) => setForm({ ...form, dirtyRate: Number(e.target.value) })} disabled={running} style={{ flex: 1, minWidth: 0, padding: 0, border: 0, boxShadow: "none" }} aria-label="Dirty rate slider" />
                  <input type="number" step={0.005} name="dirtyRate" value={form.dirtyRate} onChange={(e) => setForm({ ...form, dirtyRate: Number(e.target.value) })} style={{ width: 76 }} disabled={running} aria-invalid={problems.dirtyRate ? true : undefined} />
                </div>
                <span className={problems.dirtyRate ? 'field-error' : 'field-hint'}>{problems.dirtyRate || `${fmtPct(form.dirtyRate)} of rows get a defect`}</span>
              </label>
            </div>
            <div className="row" style={{ marginTop: 18 }}>
              <button className="btn primary" onClick={() => void start()} disabled={running} data-testid="generate-start">
                <Icon name="play" /> Generate batch {Number.isFinite(form.batch) ? form.batch : ''}
              </button>
              {running ? (
                <button className="btn danger" onClick={() => void call('generate.cancel', { jobId: job.jobId })}>
                  <Icon name="stop" /> Cancel
                </button>
              ) : null}
              <span className="muted" style={{ marginLeft: 'auto', fontSize: 12 }}>
                writes to <code>generated/batch={Number.isFinite(form.batch) ? form.batch : 'k'}/</code>
              </span>
            </div>
            {error ? (
              <div style={{ marginTop: 12 }}>
                <ErrorBox error={error} />
              </div>
            ) : null}
          </div>
        </section>
        <section className="card" aria-label="Progress">
          <div className="card-head">
            <h2>Progress</h2>
          </div>
          <div className="card-body">
            {!job ? (
              <EmptyState icon="generate" title="Nothing generating">
                Choose the options and press Generate. Progress streams here while DuckDB writes the files.
              </EmptyState>
            ) : (
              <div className="stack" data-testid="generate-progress">
                <div className="row">
                  <strong>Batch {job.batch}</strong>
                  <span className={`badge ${job.status === 'succeeded' ? 'ok' : job.status === 'running' ? 'run' : job.status === 'failed' ? 'bad' : 'warn'}`} data-testid="generate-status">
                    {job.status}
                  </span>
                  <span className="muted" style={{ marginLeft: 'auto' }}>
                    {Math.round(job.fraction * 100)}%
                  </span>
                </div>
                <div className="progress" role="progressbar" aria-valuenow={Math.round(job.fraction * 100)} aria-valuemin={0} aria-valuemax={100}>
                  <div style={{ width: `${job.fraction * 100}%` }} />
                </div>
                <div className="muted">{job.status === 'running' ? (PHASE_LABEL[job.phase] ?? job.phase) + (job.message ? ` — ${job.message}` : '') : null}</div>
                {job.error ? <ErrorBox error={new Error(job.error)} /> : null}
                {job.result ? (
                  <div className="grid-3" style={{ gap: 10 }}>
                    {Object.entries(job.result.rows).map(([k, v]) => (
                      <div className="stat" key={k}>
                        <div className="k">{k}</div>
                        <div className="v">{fmtInt(v)}</div>
                      </div>
                    ))}
                    <div className="stat">
                      <div className="k">defects injected</div>
                      <div className="v">{fmtInt(job.result.defects.total)}</div>
                    </div>
                    <div className="stat">
                      <div className="k">files</div>
                      <div className="v">
                        {job.result.files} · {fmtBytes(job.result.bytes)}
                      </div>
                    </div>
                    <div className="stat">
                      <div className="k">took</div>
                      <div className="v">{fmtSeconds(job.result.seconds)}</div>
                    </div>
                  </div>
                ) : null}
                {job.status === 'succeeded' ? (
                  <div className="row">
                    <button className="btn" onClick={() => go('data', { source: 'generated', name: 'claims', batch: String(job.batch) })}>
                      <Icon name="table" /> Preview claims
                    </button>
                    <button className="btn ghost" onClick={() => go('pipeline')}>
                      Run the pipeline <Icon name="arrow" />
                    </button>
                  </div>
                ) : null}
              </div>
            )}
          </div>
        </section>
      </div>
      <section className="card" style={{ marginTop: 16 }} aria-label="Generated batches">
        <div className="card-head">
          <h2>Generated batches</h2>
          <span className="muted">{info.workspace}/generated</span>
        </div>
        {batches.loading && !batches.data ? (
          <div className="card-body">
            <Loading rows={3} />
          </div>
        ) : batches.error ? (
          <div className="card-body">
            <ErrorBox error={batches.error} />
          </div>
        ) : !batches.data?.length ? (
          <EmptyState icon="file" title="No data generated yet">
            Generate batch 1 (the initial load) first; later batches add a month of changes each.
          </EmptyState>
        ) : (
          <table className="table" data-testid="batches-table">
            <thead>
              <tr>
                <th>Batch</th>
                <th>As of</th>
                <th className="num">Members</th>
                <th className="num">Providers</th>
                <th className="num">Claims</th>
                <th className="num">Defects</th>
                <th className="num">Files</th>
                <th className="num">Size</th>
                <th className="num">Seed</th>
                <th className="num">Took</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {batches.data.map((b) => (
                <tr key={b.batch}>
                  <td>
                    <strong>{b.batch}</strong>
                  </td>
                  <td>{b.asOf}</td>
                  <td className="num">{fmtInt(b.rows.members)}</td>
                  <td className="num">{fmtInt(b.rows.providers)}</td>
                  <td className="num">{fmtInt(b.rows.claims)}</td>
                  <td className="num">{b.defects.total ? <span className="badge warn">{fmtInt(b.defects.total)}</span> : '0'}</td>
                  <td className="num">{b.files}</td>
                  <td className="num">{fmtBytes(b.bytes)}</td>
                  <td className="num">{b.options.seed}</td>
                  <td className="num">{fmtSeconds(b.seconds)}</td>
                  <td className="num">
                    <button className="btn small" onClick={() => go('data', { source: 'generated', name: 'claims', batch: String(b.batch) })}>
                      Preview
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
