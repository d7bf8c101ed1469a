// The dbt graph, read from the artifacts dbt writes (manifest.json, run_results.json), which the
// transform stage copies to <workspace>/dbt-target/. Nothing here runs dbt.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LineageGraph, LineageKind, LineageLayer, LineageNode, LineageNodeDetail, LineageTestResult, Widget } from '../protocol.ts';
import { ApiError } from '../errors.ts';

interface ManifestNode {
  unique_id: string;
  resource_type: string;
  name: string;
  fqn?: string[];
  original_file_path?: string;
  description?: string;
  columns?: Record<string, { name: string; description?: string; data_type?: string | null }>;
  raw_code?: string;
  compiled_code?: string;
  depends_on?: { nodes?: string[] };
  config?: { materialized?: string };
  relation_name?: string | null;
  column_name?: string | null;
  attached_node?: string | null;
  test_metadata?: { name?: string; kwargs?: { column_name?: string } };
  source_name?: string;
}

interface Manifest {
  metadata?: { generated_at?: string };
  nodes: Record<string, ManifestNode>;
  sources?: Record<string, ManifestNode>;
}

interface RunResult {
  unique_id: string;
  status: string;
  execution_time?: number;
  message?: string | null;
  failures?: number | null;
  timing?: { name: string; started_at?: string; completed_at?: string }[];
  adapter_response?: { rows_affected?: number };
  compiled_code?: string | null;
}

interface RunResults {
  metadata?: { generated_at?: string };
  results: RunResult[];
}

export interface DbtArtifacts {
  manifest: Manifest;
  runResults: RunResults | null;
  dir: string;
}

const KINDS = new Map<string, LineageKind>([
  ['model', 'model'],
  ['source', 'source'],
  ['seed', 'seed'],
  ['snapshot', 'snapshot'],
  ['test', 'test'],
]);
const MODEL_LAYERS: LineageLayer[] = ['staging', 'intermediate', 'core', 'marts'];

let cache: { dir: string; mtime: number; artifacts: DbtArtifacts } | null = null;

/** Reads the dbt artifacts, or null when no transform has run yet. Cached until manifest.json changes. */
export function readDbtArtifacts(dir: string): DbtArtifacts | null {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) return null;
  const resultsPath = join(dir, 'run_results.json');
  const mtime = statSync(manifestPath).mtimeMs + (existsSync(resultsPath) ? statSync(resultsPath).mtimeMs : 0);
  if (cache && cache.dir === dir && cache.mtime === mtime) return cache.artifacts;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  } catch (err) {
    throw new ApiError('internal', `${manifestPath} is not valid JSON (${(err as Error).message}).`, { hint: 'Run transform again to rewrite the dbt artifacts.' });
  }
  if (!manifest || typeof manifest.nodes !== 'object') throw new ApiError('internal', `${manifestPath} has no "nodes": it is not a dbt manifest.`);
  let runResults: RunResults | null = null;
  if (existsSync(resultsPath)) {
    try {
      runResults = JSON.parse(readFileSync(resultsPath, 'utf8')) as RunResults;
    } catch {
      runResults = null;
    }
  }
  const artifacts = { manifest, runResults, dir };
  cache = { dir, mtime, artifacts };
  return artifacts;
}

function allNodes(m: Manifest): ManifestNode[] {
  return [...Object.values(m.nodes), ...Object.values(m.sources ?? {})].filter((n) => KINDS.has(n.resource_type));
}

function layerOf(n: ManifestNode): LineageLayer {
  switch (n.resource_type) {
    case 'source':
      return 'source';
    case 'seed':
      return 'seed';
    case 'snapshot':
      return 'snapshots';
    case 'test':
      return 'tests';
    default: {
      const folders = (n.fqn ?? []).slice(1, -1);
      return MODEL_LAYERS.find((l) => folders.includes(l)) ?? (n.name.startsWith('stg_') ? 'staging' : n.name.startsWith('int_') ? 'intermediate' : 'other');
    }
  }
}

/** "db"."schema"."table" → schema.table */
export function relationToName(relation: string | null | undefined): string | null {
  if (!relation) return null;
  const parts = [...relation.matchAll(/"((?:[^"]|"")*)"|([^."]+)/g)].map((m) => (m[1] ?? m[2] ?? '').replaceAll('""', '"'));
  if (parts.length < 2) return null;
  return `${parts.at(-2)}.${parts.at(-1)}`;
}

function testsOf(m: Manifest, id: string): ManifestNode[] {
  return Object.values(m.nodes).filter((n) => n.resource_type === 'test' && (n.attached_node === id || (n.depends_on?.nodes ?? []).includes(id)));
}

function resultsById(r: RunResults | null): Map<string, RunResult> {
  return new Map((r?.results ?? []).map((x) => [x.unique_id, x]));
}

export function lineageGraph(a: DbtArtifacts | null): Widget<LineageGraph> {
  if (!a) return { available: false, reason: 'No dbt run yet: the transform stage writes the lineage (dbt-target/manifest.json).' };
  const results = resultsById(a.runResults);
  const nodes = allNodes(a.manifest);
  const ids = new Set(nodes.map((n) => n.unique_id));
  const graphNodes: LineageNode[] = nodes.map((n) => ({
    id: n.unique_id,
    name: n.resource_type === 'source' && n.source_name ? `${n.source_name}.${n.name}` : n.name,
    kind: KINDS.get(n.resource_type)!,
    layer: layerOf(n),
    relation: relationToName(n.relation_name),
    materialized: n.config?.materialized ?? null,
    tests: n.resource_type === 'test' ? 0 : testsOf(a.manifest, n.unique_id).length,
    status: results.get(n.unique_id)?.status ?? null,
  }));
  const edges: { from: string; to: string }[] = [];
  for (const n of nodes) for (const p of n.depends_on?.nodes ?? []) if (ids.has(p)) edges.push({ from: p, to: n.unique_id });
  return {
    available: true,
    nodes: graphNodes,
    edges,
    generatedAt: a.manifest.metadata?.generated_at ?? null,
    runAt: a.runResults?.metadata?.generated_at ?? null,
  };
}

export function testResults(a: DbtArtifacts, tests: ManifestNode[]): LineageTestResult[] {
  const results = resultsById(a.runResults);
  return tests.map((t) => {
    const r = results.get(t.unique_id);
    return {
      id: t.unique_id,
      name: t.name,
      column: t.column_name ?? t.test_metadata?.kwargs?.column_name ?? null,
      status: r?.status ?? null,
      failures: r?.failures ?? null,
      message: r?.message ?? null,
      failingRows: compiledTestSql(t, r) !== null,
    };
  });
}

/** A test's query as the run compiled it (the manifest's, else run_results'): it selects the failing rows. */
function compiledTestSql(t: ManifestNode, r: RunResult | undefined): string | null {
  const sql = t.compiled_code ?? r?.compiled_code ?? null;
  return sql && sql.trim() ? sql : null;
}

/** The compiled SQL of one test of the last run, or why there is none. */
export function testSql(a: DbtArtifacts | null, id: string): { name: string; sql: string } {
  if (!a) throw new ApiError('unavailable', 'No dbt run yet: there are no test results.', { hint: 'Run the pipeline; its transform stage runs the dbt tests.' });
  const t = Object.hasOwn(a.manifest.nodes, id) ? a.manifest.nodes[id] : undefined;
  if (!t || t.resource_type !== 'test') throw new ApiError('not_found', `There is no test ${id} in the dbt manifest.`);
  const sql = compiledTestSql(t, resultsById(a.runResults).get(id));
  if (!sql) throw new ApiError('unavailable', `The last dbt run did not compile the test ${t.name}, so its failing rows cannot be read.`, { hint: 'Run the transform stage again.' });
  return { name: t.name, sql };
}

export function allTests(a: DbtArtifacts): ManifestNode[] {
  return Object.values(a.manifest.nodes).filter((n) => n.resource_type === 'test');
}

export function lineageNode(a: DbtArtifacts | null, id: string): LineageNodeDetail {
  if (!a) throw new ApiError('unavailable', 'No dbt run yet: there is no lineage to show.', { hint: 'Run the pipeline; its transform stage writes the lineage.' });
  // the id comes from the request: own properties only
  const n = Object.hasOwn(a.manifest.nodes, id) ? a.manifest.nodes[id] : a.manifest.sources && Object.hasOwn(a.manifest.sources, id) ? a.manifest.sources[id] : undefined;
  if (!n || !KINDS.has(n.resource_type)) throw new ApiError('not_found', `There is no node ${id} in the dbt manifest.`);
  const results = resultsById(a.runResults);
  const r = results.get(id);
  const nodes = allNodes(a.manifest);
  const tests = n.resource_type === 'test' ? [] : testsOf(a.manifest, id);
  const end = r?.timing?.find((t) => t.name === 'execute')?.completed_at ?? r?.timing?.at(-1)?.completed_at ?? null;
  return {
    id,
    name: n.resource_type === 'source' && n.source_name ? `${n.source_name}.${n.name}` : n.name,
    kind: KINDS.get(n.resource_type)!,
    layer: layerOf(n),
    relation: relationToName(n.relation_name),
    materialized: n.config?.materialized ?? null,
    status: r?.status ?? null,
    description: n.description ?? '',
    path: n.original_file_path ?? null,
    columns: Object.values(n.columns ?? {}).map((c) => ({ name: c.name, type: c.data_type ?? null, description: c.description ?? '' })),
    sql: n.raw_code ?? null,
    compiledSql: n.compiled_code ?? null,
    tests: tests.length,
    testResults: testResults(a, tests),
    lastRun: r
      ? { status: r.status, at: end ?? a.runResults?.metadata?.generated_at ?? null, seconds: r.execution_time ?? null, message: r.message ?? null, rows: r.adapter_response?.rows_affected ?? null }
      : null,
    parents: (n.depends_on?.nodes ?? []).filter((p) => nodes.some((x) => x.unique_id === p)),
    children: nodes.filter((x) => (x.depends_on?.nodes ?? []).includes(id)).map((x) => x.unique_id),
  };
}
