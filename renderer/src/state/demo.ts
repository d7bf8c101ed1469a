// Demo mode: a guided walkthrough. Each step names a view to show, a caption, and optionally an
// action done once when the step is first reached going forward (generate data, start a run).
// The captions speak of the active profile's lake and warehouse: the local path, or the cloud's.
import { create } from 'zustand';
import { call } from '../api/client.ts';
import { useApp } from './app.ts';
import { useRouter, type ViewName } from './router.ts';

const DEMO_BATCH = 1;

export interface DemoStep {
  title: string;
  caption: string;
  view: ViewName;
  params?: Record<string, string>;
  action?: 'generate' | 'run';
}

/** Where the tour's pipeline runs: the active profile's lake and warehouse, as its captions say. */
export interface DemoTarget {
  profile: string;
  kind: 'local' | 'aws';
}

/** The tour's steps, captioned for the profile it runs on: the same story on DuckDB or on S3, Glue and Snowflake. */
export function demoSteps(target: DemoTarget): DemoStep[] {
  const cloud = target.kind === 'aws';
  const where = cloud ? `on S3, Glue and Snowflake (profile ${target.profile})` : 'on the embedded DuckDB';
  return [
    {
      title: 'Welcome',
      view: 'generate',
      caption: cloud
        ? `The same pipeline, now ${where}. This tour generates a small synthetic claims dataset on this machine, runs every stage in the cloud, and walks through the data in the S3 lake and in Snowflake, its quality, the dbt lineage and the claims KPIs.`
        : `This tour generates a small synthetic claims dataset, runs the whole pipeline ${where}, and walks through the data, its quality, the dbt lineage and the claims KPIs.`,
    },
    { title: 'Generate', view: 'generate', action: 'generate', caption: 'Generating 500 members, 60 providers and 5,000 claims with 2% injected defects (unless this workspace already has a batch 1). DuckDB writes the CSV files on this machine while progress streams in; every profile starts from such files.' },
    {
      title: 'Preview the data',
      view: 'data',
      params: { source: 'generated', name: 'claims', batch: String(DEMO_BATCH) },
      caption: `The generated claims file${cloud ? ', still on this machine before ingest uploads it to S3' : ''}, paged from DuckDB. Click a column header for its profile: amounts read as text show the defects the generator injected.`,
    },
    {
      title: 'Run the pipeline',
      view: 'pipeline',
      action: 'run',
      caption: cloud
        ? 'Ingest uploads the files to the S3 lake, Glue job 1 (PySpark) cleanses them by the same contracts and quarantines bad rows with their reasons, Glue job 2 loads Snowflake, dbt builds the marts on Snowflake and runs its tests, and verify reconciles every row. Each Glue run takes about a minute: the stage and the state of its Glue run show below, and the log of the run follows it.'
        : 'Ingest lands the generated files in the lake, cleanse applies the contracts and quarantines bad rows with their reasons, load fills the warehouse, dbt builds the marts and runs its tests, and verify reconciles every row.',
    },
    { title: 'Data quality', view: 'quality', caption: `Every rejected row is kept with its reason and original values${cloud ? ' in the S3 quarantine zone' : ''}; each batch must reconcile from raw to loaded; dbt test failures link to the failing rows.` },
    { title: 'Lineage', view: 'lineage', caption: `The dbt graph from sources through staging and intermediate to the marts${cloud ? ', as the build on Snowflake left it' : ''}. Click a model for its columns, SQL, tests and last run.` },
    { title: 'Claims KPIs', view: 'analytics', caption: `Billed, allowed and paid, PMPM, denial rate and turnaround, computed on the marts ${cloud ? 'in Snowflake' : 'in DuckDB'}. Filter by dates and plan; export any chart.` },
  ];
}

interface DemoState {
  active: boolean;
  /** the profile the tour started on: its captions, and its run */
  target: DemoTarget;
  steps: DemoStep[];
  /** the run the tour started, to follow its stages */
  runId: string | null;
  step: number;
  done: Set<number>;
  message: string | null;
  start(): void;
  next(): void;
  back(): void;
  exit(): void;
}

/**
 * The tour never overwrites a workspace: it generates batch 1 only where there is none, and runs
 * the pipeline only where batch 1 has not run to the end; otherwise it shows what is there.
 */
async function perform(step: DemoStep): Promise<string | null> {
  const app = useApp.getState();
  if (step.action === 'generate') {
    const batches = await call('generate.batches', {});
    if (batches.some((b) => b.batch === DEMO_BATCH)) return `Batch ${DEMO_BATCH} is already generated in this workspace; the tour uses it as it is.`;
    const { jobId } = await call('generate.start', { seed: 42, members: 500, providers: 60, claims: 5000, batch: DEMO_BATCH, dirtyRate: 0.02 });
    app.setGenerateJob({ jobId, batch: DEMO_BATCH, phase: 'setup', fraction: 0, status: 'running' });
    return null;
  }
  if (step.action === 'run') {
    // a run of the batch on another profile is not this profile's: the tour runs it here
    const done = (await call('runs.list', { batch: DEMO_BATCH, status: 'succeeded', profile: app.info?.activeProfile ?? 'local', limit: 1 }))[0];
    if (done) {
      useRouter.getState().go('run', { id: done.runId });
      return `The pipeline has already run batch ${DEMO_BATCH} here on ${done.profile}; the tour shows that run and its results.`;
    }
    // the batch was generated with the tour's sizes: the run starts after generate and uses it
    const stages = (app.info?.stages ?? []).filter((s) => s !== 'generate');
    const { runId } = await call('runs.start', { batch: DEMO_BATCH, ...(stages.length ? { stages } : {}) });
    useDemo.setState({ runId });
    useRouter.getState().go('run', { id: runId });
    return null;
  }
  return null;
}

const LOCAL: DemoTarget = { profile: 'local', kind: 'local' };

export const useDemo = create<DemoState>((set, get) => {
  const show = async (i: number, forward: boolean) => {
    const step = get().steps[i]!;
    useRouter.getState().go(step.view, step.params ?? {});
    set({ step: i, message: null });
    if (forward && step.action && !get().done.has(i)) {
      set({ done: new Set([...get().done, i]) });
      try {
        set({ message: await perform(step) });
      } catch (err) {
        set({ message: (err as Error).message });
      }
    }
  };
  return {
    active: false,
    target: LOCAL,
    steps: demoSteps(LOCAL),
    runId: null,
    step: 0,
    done: new Set(),
    message: null,
    start() {
      const info = useApp.getState().info;
      const target: DemoTarget = info ? { profile: info.activeProfile, kind: info.activeProfileKind } : LOCAL;
      set({ active: true, done: new Set(), target, steps: demoSteps(target), runId: null });
      void show(0, true);
    },
    next() {
      const i = get().step;
      if (i < get().steps.length - 1) void show(i + 1, true);
      else set({ active: false });
    },
    back() {
      const i = get().step;
      if (i > 0) void show(i - 1, false);
    },
    exit() {
      set({ active: false });
    },
  };
});
