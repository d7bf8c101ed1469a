import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DbtNodeResult, TransformEvent, TransformResult, Transformer } from './types.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DBT_PROJECT_DIR = join(ROOT, 'dbt');

export function dbtExecutable(): string {
  const bin = join(ROOT, '.venv', process.platform === 'win32' ? 'Scripts/dbt.exe' : 'bin/dbt');
  if (!existsSync(bin)) throw new Error(`dbt is not installed in ${join(ROOT, '.venv')}: run \`npm run setup\` first.`);
  return bin;
}

export interface DbtOptions {
  target: string;
  threads: number;
  /** environment the dbt profile reads (CLAIMS_WAREHOUSE, SNOWFLAKE_*) */
  env: Record<string, string>;
  /** where dbt writes target/ and logs/ for this workspace */
  workDir: string;
  /** extra dbt arguments, e.g. ['--select', 'marts'] */
  args?: string[];
}

interface DbtLogLine {
  info?: { name?: string; level?: string; msg?: string };
  data?: { node_info?: { unique_id?: string; resource_type?: string; node_status?: string }; index?: number; total?: number; execution_time?: number; status?: string };
}

/** Runs `dbt build` as a child process, streaming its JSON log as events. */
export class DbtTransformer implements Transformer {
  constructor(private readonly options: DbtOptions) {}

  async build(req: { signal?: AbortSignal; onEvent?: (e: TransformEvent) => void; artifactsDir: string }): Promise<TransformResult> {
    const o = this.options;
    const started = performance.now();
    const targetPath = join(o.workDir, 'target');
    await mkdir(targetPath, { recursive: true });
    const args = ['build', '--project-dir', DBT_PROJECT_DIR, '--profiles-dir', DBT_PROJECT_DIR, '--target', o.target, '--threads', String(o.threads),
      '--target-path', targetPath, '--log-path', join(o.workDir, 'logs'), '--log-format', 'json', '--no-use-colors', ...(o.args ?? [])];
    const stderr: string[] = [];
    const lastErrors: string[] = [];
    const code = await new Promise<number>((resolvePromise, reject) => {
      const child = spawn(dbtExecutable(), args, {
        cwd: DBT_PROJECT_DIR,
        env: { ...process.env, ...o.env, DO_NOT_TRACK: '1', DBT_SEND_ANONYMOUS_USAGE_STATS: 'false', PYTHONUNBUFFERED: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const onAbort = () => child.kill('SIGINT');
      req.signal?.addEventListener('abort', onAbort);
      let buffer = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        let nl = buffer.indexOf('\n');
        while (nl >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          const e = toEvent(line);
          if (e) {
            if (e.level === 'error') lastErrors.push(e.message);
            req.onEvent?.(e);
          }
          nl = buffer.indexOf('\n');
        }
      });
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
      child.on('error', reject);
      child.on('close', (exit) => {
        req.signal?.removeEventListener('abort', onAbort);
        resolvePromise(exit ?? 1);
      });
    });
    if (req.signal?.aborted) throw new Error('dbt build cancelled');
    const runResultsPath = join(targetPath, 'run_results.json');
    const manifestPath = join(targetPath, 'manifest.json');
    if (!existsSync(runResultsPath)) {
      throw new Error(`dbt build exited with code ${code} before running anything: ${[...lastErrors, ...stderr].join(' ').trim().slice(-1500) || 'no output'}`);
    }
    const runResults = JSON.parse(await readFile(runResultsPath, 'utf8')) as { results: Array<{ unique_id: string; status: string; execution_time: number; message?: string | null; failures?: number | null }> };
    const manifest = existsSync(manifestPath) ? (JSON.parse(await readFile(manifestPath, 'utf8')) as { nodes: Record<string, { name: string; resource_type: string; config?: { severity?: string }; relation_name?: string | null }> }) : { nodes: {} };
    const nodes: DbtNodeResult[] = runResults.results.map((r) => {
      const node = manifest.nodes[r.unique_id];
      const resourceType = node?.resource_type ?? r.unique_id.split('.')[0]!;
      return {
        unique_id: r.unique_id,
        name: node?.name ?? r.unique_id.split('.').slice(2).join('.'),
        resource_type: resourceType,
        status: r.status,
        seconds: Math.round(r.execution_time * 1000) / 1000,
        message: r.message ?? null,
        failures: r.failures ?? null,
        severity: resourceType === 'test' ? String(node?.config?.severity ?? 'ERROR').toLowerCase() : undefined,
        failures_relation: resourceType === 'test' ? (node?.relation_name ?? null) : undefined,
      };
    });
    const counts: TransformResult['counts'] = {};
    for (const n of nodes) {
      counts[n.resource_type] ??= {};
      counts[n.resource_type]![n.status] = (counts[n.resource_type]![n.status] ?? 0) + 1;
    }
    await mkdir(req.artifactsDir, { recursive: true });
    for (const f of ['manifest.json', 'run_results.json']) if (existsSync(join(targetPath, f))) await copyFile(join(targetPath, f), join(req.artifactsDir, f));
    return { target: o.target, success: code === 0, seconds: (performance.now() - started) / 1000, nodes, counts, artifacts: req.artifactsDir };
  }
}

function toEvent(line: string): TransformEvent | null {
  if (!line.trim().startsWith('{')) return line.trim() ? { kind: 'log', level: 'info', message: line.trim() } : null;
  let parsed: DbtLogLine;
  try {
    parsed = JSON.parse(line) as DbtLogLine;
  } catch {
    return { kind: 'log', level: 'info', message: line };
  }
  const name = parsed.info?.name ?? '';
  const level = (parsed.info?.level === 'warn' ? 'warn' : parsed.info?.level === 'error' ? 'error' : parsed.info?.level === 'debug' ? 'debug' : 'info') as TransformEvent['level'];
  // eslint-disable-next-line no-control-regex -- strip ANSI colour codes dbt may still emit
  const message = (parsed.info?.msg ?? '').replace(/\x1b\[[0-9;]*m/g, '');
  const ni = parsed.data?.node_info;
  if (name === 'NodeStart' && ni?.unique_id) return { kind: 'node.started', level: 'debug', message, node: { unique_id: ni.unique_id, resource_type: ni.resource_type } };
  if (name === 'NodeFinished' && ni?.unique_id) return { kind: 'node.finished', level: 'debug', message, node: { unique_id: ni.unique_id, resource_type: ni.resource_type, status: ni.node_status } };
  if (/^Log(Model|Test|Snapshot|Seed|Start)(Result|Line)$/.test(name)) return { kind: 'log', level, message, index: parsed.data?.index, total: parsed.data?.total, node: ni?.unique_id ? { unique_id: ni.unique_id, resource_type: ni.resource_type, status: parsed.data?.status, seconds: parsed.data?.execution_time } : undefined };
  if (level === 'debug' || !message) return null;
  return { kind: 'log', level, message };
}
