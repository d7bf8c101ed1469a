import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { oneShotDbt, ROOT, type DbtInvoker } from './dbt-process.ts';
import type { BuildRequest, DbtNodeResult, TransformEvent, TransformResult, Transformer } from './types.ts';

const DBT_PROJECT_DIR = join(ROOT, 'dbt');
/**
 * dbt's parse of the project (target/partial_parse.msgpack), shared by every workspace of this
 * checkout: a full parse takes most of a small build. dbt checks the file against the project's
 * files, its version, the profile's connection and the vars, and parses afresh when any differ.
 */
const PARSE_CACHE = join(tmpdir(), 'claims-dbt-parse', createHash('sha256').update(ROOT).digest('hex').slice(0, 16));
const PARTIAL_PARSE = 'partial_parse.msgpack';

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

/** One line of dbt's JSON log (--log-format json), the fields read here. */
interface DbtLogLine {
  info?: { name?: string; level?: string; msg?: string };
  data?: { node_info?: { unique_id?: string; resource_type?: string; node_status?: string }; index?: number; total?: number; execution_time?: number; status?: string };
}

/** The transform stage's `dbt build` command line (after the executable). */
export function dbtBuildArgs(o: DbtOptions): string[] {
  return ['build', '--project-dir', DBT_PROJECT_DIR, '--profiles-dir', DBT_PROJECT_DIR, '--target', o.target, '--threads', String(o.threads),
    '--target-path', join(o.workDir, 'target'), '--log-path', join(o.workDir, 'logs'), '--log-format', 'json', '--no-use-colors',
    // dbt's debug log file (every statement of every node) cost about 1 s of a 13 s default-world
    // build; the run record keeps node results, warnings and errors, target/ the compiled SQL
    '--log-level-file', process.env.CLAIMS_DBT_FILE_LOG_LEVEL || 'none',
    // unit tests check the SQL on fixed rows, not the data: dbt's advice is to run them in
    // development and CI (by hand, dbt/tests_python), not on every production build
    '--exclude-resource-type', 'unit_test', ...(o.args ?? [])];
}

/** Runs `dbt build`, streaming its JSON log as progress and log events (by default one dbt process per build). */
export class DbtTransformer implements Transformer {
  constructor(
    private readonly options: DbtOptions,
    private readonly dbt: DbtInvoker = oneShotDbt,
  ) {}

  get target(): string {
    return this.options.target;
  }

  async build(req: BuildRequest): Promise<TransformResult> {
    const o = this.options;
    const started = performance.now();
    const targetPath = join(o.workDir, 'target');
    await mkdir(targetPath, { recursive: true });
    // always set: a scope inherited from the parent's environment must not narrow a full build's tests
    const { cwd, env } = runLocation({ ...o.env, CLAIMS_DBT_BATCH_SCOPE: req.batchScope ? String(req.batchScope) : '' });
    const cached = join(PARSE_CACHE, `${o.target}.msgpack`);
    if (!existsSync(join(targetPath, PARTIAL_PARSE)) && existsSync(cached)) await copyFile(cached, join(targetPath, PARTIAL_PARSE)).catch(() => undefined);
    const runResultsPath = join(targetPath, 'run_results.json');
    const manifestPath = join(targetPath, 'manifest.json');
    // an earlier build's results must not pass for this one's when it stops before running anything
    await rm(runResultsPath, { force: true });
    const lastErrors: string[] = [];
    const log = new DbtLog((e) => req.onEvent?.(e));
    const { code, detail } = await this.dbt.invoke({
      args: dbtBuildArgs(o),
      cwd,
      env,
      ...(req.signal ? { signal: req.signal } : {}),
      onLine: (line) => {
        const e = parseLine(line);
        if (!e) return;
        if (e.level === 'error') lastErrors.push(e.message);
        log.take(e);
      },
    });
    if (req.signal?.aborted) throw new Error('dbt build cancelled');
    if (!existsSync(runResultsPath)) {
      throw new Error(`dbt build exited with code ${code} before running anything: ${[...lastErrors, detail].join(' ').trim().slice(-1500) || 'no output'}`);
    }
    const runResults = JSON.parse(await readFile(runResultsPath, 'utf8')) as { results: Array<{ unique_id: string; status: string; execution_time: number; message?: string | null; failures?: number | null; adapter_response?: { query_id?: unknown } }> };
    const manifest = existsSync(manifestPath) ? (JSON.parse(await readFile(manifestPath, 'utf8')) as { nodes: Record<string, { name: string; resource_type: string; config?: { severity?: string } }> }) : { nodes: {} };
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
        // dbt-snowflake's adapter_response carries the statement's query id; dbt-duckdb has none
        ...(typeof r.adapter_response?.query_id === 'string' && r.adapter_response.query_id ? { query_id: r.adapter_response.query_id } : {}),
      };
    });
    const counts: TransformResult['counts'] = {};
    for (const n of nodes) {
      counts[n.resource_type] ??= {};
      counts[n.resource_type]![n.status] = (counts[n.resource_type]![n.status] ?? 0) + 1;
    }
    await keepParse(join(targetPath, PARTIAL_PARSE), cached);
    await mkdir(req.artifactsDir, { recursive: true });
    for (const f of ['manifest.json', 'run_results.json']) if (existsSync(join(targetPath, f))) await copyFile(join(targetPath, f), join(req.artifactsDir, f));
    return { target: o.target, success: code === 0, seconds: (performance.now() - started) / 1000, nodes, counts, artifacts: req.artifactsDir };
  }
}

/**
 * Where dbt runs: a local warehouse is named relative to its folder, the folder being the working
 * directory, so the profile's connection (part of what dbt's parse cache is checked against) is the
 * same for every workspace.
 */
export function runLocation(env: Record<string, string>): { cwd: string; env: Record<string, string> } {
  const warehouse = env.CLAIMS_WAREHOUSE;
  if (!warehouse || !isAbsolute(warehouse)) return { cwd: DBT_PROJECT_DIR, env };
  return { cwd: dirname(warehouse), env: { ...env, CLAIMS_WAREHOUSE: basename(warehouse) } };
}

/** Keeps this run's parse for the next workspace (written aside, then renamed: runs may overlap). */
async function keepParse(file: string, cached: string): Promise<void> {
  if (!existsSync(file)) return;
  try {
    await mkdir(dirname(cached), { recursive: true });
    const aside = `${cached}.${process.pid}.tmp`;
    await copyFile(file, aside);
    await rename(aside, cached);
  } catch {
    // a cache that cannot be written only costs the next run a full parse
  }
}

/** A line of dbt's log as read: its level and text, and the node and position it reports on. */
interface DbtLine {
  name: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  node?: { unique_id: string; resource_type?: string; status?: string; seconds?: number };
  index?: number;
  total?: number;
}

function parseLine(line: string): DbtLine | null {
  const text = line.trim();
  if (!text.startsWith('{')) return text ? { name: '', level: 'info', message: text } : null;
  let parsed: DbtLogLine;
  try {
    parsed = JSON.parse(text) as DbtLogLine;
  } catch {
    return { name: '', level: 'info', message: text };
  }
  const level = (parsed.info?.level === 'warn' ? 'warn' : parsed.info?.level === 'error' ? 'error' : parsed.info?.level === 'debug' ? 'debug' : 'info') as DbtLine['level'];
  // eslint-disable-next-line no-control-regex -- strip ANSI colour codes dbt may still emit
  const message = (parsed.info?.msg ?? '').replace(/\x1b\[[0-9;]*m/g, '');
  const ni = parsed.data?.node_info;
  return {
    name: parsed.info?.name ?? '',
    level,
    message,
    index: parsed.data?.index,
    total: parsed.data?.total,
    node: ni?.unique_id ? { unique_id: ni.unique_id, resource_type: ni.resource_type, status: parsed.data?.status ?? ni.node_status, seconds: parsed.data?.execution_time } : undefined,
  };
}

/** dbt's per-node result lines: "Log{Model,Test,Snapshot,Seed,Start}{Result,Line}" with index and total. */
const NODE_LINE = /^Log(Model|Test|Snapshot|Seed|Start)(Result|Line)$/;
/** a node's line that reports it finished ("3 of 40 OK created ...") rather than started */
const FINISHED = /^(OK|PASS|WARN|ERROR|FAIL|SKIP)/;

/**
 * Turns dbt's log lines into the stage's events: progress counts finished nodes of the build's
 * total (lines arrive out of order with several threads, so the count only moves forward), and
 * the log keeps node results, warnings and errors, not dbt's chatter.
 */
class DbtLog {
  private finished = 0;

  constructor(private readonly emit: (e: TransformEvent) => void) {}

  take(line: DbtLine): void {
    const isNodeLine = NODE_LINE.test(line.name);
    if (isNodeLine && line.index && line.total) {
      if (FINISHED.test(line.message.replace(/^\d+ of \d+ /, ''))) this.finished = Math.max(this.finished, line.index);
      this.emit({ kind: 'progress', done: this.finished, total: line.total, message: line.message.replace(/\s+\.{2,}.*$/, '').slice(0, 120) });
    }
    if (!line.message) return;
    if (isNodeLine) {
      const node = line.node ? { node: { unique_id: line.node.unique_id, status: line.node.status, seconds: line.node.seconds } } : {};
      this.emit({ kind: 'log', level: line.level === 'debug' ? 'info' : line.level, message: line.message, ...node });
    } else if (line.level === 'warn' || line.level === 'error') {
      this.emit({ kind: 'log', level: line.level, message: line.message });
    }
  }
}
