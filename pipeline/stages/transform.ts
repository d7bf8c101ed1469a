import { join } from 'node:path';
import { StageError, type Stage } from '../orchestrator/types.ts';
import { runDir } from '../orchestrator/store.ts';
import { TransformerNotInstalledError, type TransformResult } from '../transform/types.ts';
import { OUTSIDE_WORK_WIND_DOWN_MS, type PipelineContext } from './context.ts';

/** Builds the dbt project (models, snapshots, tests) against the profile's target. */
export function transformStage(p: PipelineContext): Stage {
  return {
    name: 'transform',
    dependsOn: ['load'],
    windDownMs: OUTSIDE_WORK_WIND_DOWN_MS,
    async run(ctx) {
      // dbt opens the warehouse itself, and DuckDB takes one writer
      await p.warehouse.close();
      let result: TransformResult;
      try {
        result = await p.transformer.build({
          signal: ctx.signal,
          artifactsDir: join(runDir(p.paths.root, ctx.runId), 'dbt'),
          // a later batch on top of the earlier ones: its row-level tests check its own rows; a
          // forced run rebuilds everything (--full-refresh) and tests every row
          ...(ctx.options.batch > 1 && !p.force ? { batchScope: ctx.options.batch } : {}),
          onEvent: (e) => {
            if (e.kind === 'progress') ctx.progress({ fraction: e.total ? e.done / e.total : 0, rows: e.done, total: e.total, message: e.message });
            else ctx.log(e.level, e.message, e.node ? { node: e.node.unique_id, status: e.node.status, seconds: e.node.seconds } : undefined);
          },
        });
      } catch (err) {
        // a missing install does not fix itself: no retries
        if (err instanceof TransformerNotInstalledError) throw new StageError(err.message, { retryable: false, hint: 'Install the project environment with `npm run setup`, then resume the run.', cause: err });
        throw err;
      }
      await copyLatest(result, p.paths.dbtTarget);
      const failedModels = result.nodes.filter((n) => n.resource_type !== 'test' && n.status === 'error');
      const failedTests = result.nodes.filter((n) => n.resource_type === 'test' && (n.status === 'fail' || n.status === 'error'));
      const warned = result.nodes.filter((n) => n.resource_type === 'test' && n.status === 'warn');
      for (const t of warned) ctx.log('warn', `test ${t.name} warned: ${t.failures ?? 0} failing rows`);
      const rows = { 'dbt.models': count(result, 'model'), 'dbt.tests': count(result, 'test'), 'dbt.snapshots': count(result, 'snapshot') };
      // each statement's warehouse query id, with its Snowsight page on a real account
      const queries = result.nodes.filter((n) => n.query_id).map((n) => {
        const console = p.console?.snowflakeQuery(n.query_id!);
        return { node: n.unique_id, name: n.name, resource_type: n.resource_type, query_id: n.query_id!, ...(console ? { console } : {}) };
      });
      const outputs = { target: result.target, counts: result.counts, nodes: result.nodes, artifacts: result.artifacts, ...(queries.length ? { queries } : {}) };
      if (failedModels.length || failedTests.length || !result.success) {
        const parts = [
          ...failedModels.map((m) => `${m.resource_type} ${m.name} errored: ${m.message ?? ''}`.trim()),
          ...failedTests.map((t) => `test ${t.name} failed with ${t.failures ?? '?'} failing rows`),
        ];
        throw new StageError(`dbt build failed: ${parts.join('; ') || 'see the dbt log'}`, {
          retryable: false,
          hint: "A failed test's rows are in the Quality view (Failing rows runs the test's query, kept in the run's dbt/manifest.json). Fix the model or the data, then resume the run (claims run --resume <run-id>).",
          cause: outputs,
        });
      }
      return { rows, outputs, summary: `${count(result, 'model')} models, ${count(result, 'snapshot')} snapshots, ${count(result, 'test')} tests passed${warned.length ? `, ${warned.length} warned` : ''}` };
    },
  };
}

const count = (r: TransformResult, type: string) => r.nodes.filter((n) => n.resource_type === type).length;

async function copyLatest(result: TransformResult, dir: string) {
  const { mkdir, copyFile } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  for (const f of ['manifest.json', 'run_results.json']) await copyFile(join(result.artifacts, f), join(dir, f)).catch(() => undefined);
}
