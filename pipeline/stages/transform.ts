import { join } from 'node:path';
import { StageError, type Stage } from '../orchestrator/types.ts';
import { runDir } from '../orchestrator/store.ts';
import { dbtExecutable, DbtTransformer } from '../transform/dbt.ts';
import type { TransformResult } from '../transform/types.ts';
import type { PipelineContext } from './context.ts';

/** Builds the dbt project (models, snapshots, tests) against the profile's target. */
export function transformStage(p: PipelineContext): Stage {
  return {
    name: 'transform',
    dependsOn: ['load'],
    async run(ctx) {
      try {
        dbtExecutable();
      } catch (err) {
        // a missing install does not fix itself: no retries
        throw new StageError((err as Error).message, { retryable: false, hint: 'Install the project environment with `npm run setup`, then resume the run.' });
      }
      await p.warehouse.close();
      // a forced run may have replaced a loaded batch: rebuild incremental models from scratch
      const dbt = new DbtTransformer({
        target: p.profile.dbt.target,
        threads: p.profile.dbt.threads,
        env: { CLAIMS_WAREHOUSE: p.paths.warehouse, CLAIMS_DBT_TARGET: p.profile.dbt.target },
        workDir: join(p.paths.root, 'dbt'),
        args: p.force ? ['--full-refresh'] : [],
      });
      let finished = 0;
      const result = await dbt.build({
        signal: ctx.signal,
        artifactsDir: join(runDir(p.paths.root, ctx.runId), 'dbt'),
        onEvent: (e) => {
          if (e.kind === 'log' && e.index && e.total) {
            if (/^(OK|PASS|WARN|ERROR|FAIL|SKIP)/.test(e.message.replace(/^\d+ of \d+ /, ''))) finished = Math.max(finished, e.index);
            ctx.progress({ fraction: finished / e.total, rows: finished, total: e.total, message: e.message.replace(/\s+\.{2,}.*$/, '').slice(0, 120) });
          }
          if (e.kind === 'log' && (e.level === 'warn' || e.level === 'error' || e.index)) ctx.log(e.level === 'debug' ? 'info' : e.level, e.message, e.node ? { node: e.node.unique_id, status: e.node.status, seconds: e.node.seconds } : undefined);
        },
      });
      await copyLatest(result, p.paths.dbtTarget);
      const failedModels = result.nodes.filter((n) => n.resource_type !== 'test' && n.status === 'error');
      const failedTests = result.nodes.filter((n) => n.resource_type === 'test' && (n.status === 'fail' || n.status === 'error'));
      const warned = result.nodes.filter((n) => n.resource_type === 'test' && n.status === 'warn');
      for (const t of warned) ctx.log('warn', `test ${t.name} warned: ${t.failures ?? 0} failing rows${t.failures_relation ? ` (in ${t.failures_relation})` : ''}`);
      const rows = { 'dbt.models': count(result, 'model'), 'dbt.tests': count(result, 'test'), 'dbt.snapshots': count(result, 'snapshot') };
      const outputs = { target: result.target, counts: result.counts, nodes: result.nodes, artifacts: result.artifacts };
      if (failedModels.length || failedTests.length || !result.success) {
        const parts = [
          ...failedModels.map((m) => `${m.resource_type} ${m.name} errored: ${m.message ?? ''}`.trim()),
          ...failedTests.map((t) => `test ${t.name} failed with ${t.failures ?? '?'} failing rows${t.failures_relation ? `; see select * from ${t.failures_relation}` : ''}`),
        ];
        throw new StageError(`dbt build failed: ${parts.join('; ') || 'see the dbt log'}`, {
          retryable: false,
          hint: 'Fix the model or the data, then resume the run (claims run --resume <run-id>). Failing rows of tests are stored in the test_failures schema.',
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
