// The lineage graph of this repository's dbt project, read from its files (ref() and source() in
// the models' SQL, the snapshots' relations), for the layout's tests and benchmark: the graph the
// app shows after a run, without running dbt.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { LineageLayer, LineageNode } from '../../pipeline/api/protocol.ts';

const DBT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dbt');
const PROJECT = 'health_finance_claims';
const MODEL_LAYERS: LineageLayer[] = ['staging', 'intermediate', 'core', 'marts'];

const REF = /\bref\(\s*['"]([^'"]+)['"]\s*\)/g;
const SOURCE = /\bsource\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]\s*\)/g;

function files(dir: string, suffix: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name), suffix) : e.name.endsWith(suffix) ? [join(dir, e.name)] : []));
}

export function projectLineage(): { nodes: LineageNode[]; edges: { from: string; to: string }[] } {
  const nodes = new Map<string, LineageNode>();
  const edges: { from: string; to: string }[] = [];
  const reads = new Map<string, string[]>();
  const node = (id: string, name: string, kind: LineageNode['kind'], layer: LineageLayer) =>
    nodes.set(id, { id, name, kind, layer, relation: kind === 'source' ? null : name, materialized: null, tests: 0, status: null });
  const modelId = new Map<string, string>();

  for (const path of files(join(DBT, 'models'), '.sql')) {
    const name = path.slice(path.lastIndexOf(sep) + 1, -4);
    const folders = relative(join(DBT, 'models'), path).split(sep).slice(0, -1);
    const id = `model.${PROJECT}.${name}`;
    node(id, name, 'model', MODEL_LAYERS.find((l) => folders.includes(l)) ?? 'other');
    modelId.set(name, id);
    const sql = readFileSync(path, 'utf8');
    const parents = [...sql.matchAll(REF)].map((m) => m[1]!);
    for (const [, source, table] of sql.matchAll(SOURCE)) {
      const sourceId = `source.${PROJECT}.${source}.${table}`;
      node(sourceId, `${source}.${table}`, 'source', 'source');
      edges.push({ from: sourceId, to: id });
    }
    reads.set(id, parents);
  }
  for (const path of files(join(DBT, 'snapshots'), '.yml')) {
    const doc = parse(readFileSync(path, 'utf8')) as { snapshots?: { name: string; relation?: string }[] };
    for (const s of doc.snapshots ?? []) {
      const id = `snapshot.${PROJECT}.${s.name}`;
      node(id, s.name, 'snapshot', 'snapshots');
      modelId.set(s.name, id);
      reads.set(id, [...(s.relation ?? '').matchAll(REF)].map((m) => m[1]!));
    }
  }
  for (const [id, parents] of reads) {
    for (const p of new Set(parents)) {
      const from = modelId.get(p);
      if (!from) throw new Error(`${id} reads ref('${p}'), which is neither a model nor a snapshot of the dbt project.`);
      edges.push({ from, to: id });
    }
  }
  return { nodes: [...nodes.values()], edges };
}
