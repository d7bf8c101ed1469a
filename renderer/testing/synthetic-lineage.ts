// A dbt-shaped lineage graph of any size, for the layout's tests and benchmark: sources, one
// staging model per source, intermediate models and snapshots reading staging, marts reading all
// of those and each other, like a large dbt project. Seeded, so a failure can be replayed.
import type { LineageLayer, LineageNode } from '../../pipeline/api/protocol.ts';

export interface SyntheticLineage {
  nodes: LineageNode[];
  edges: { from: string; to: string }[];
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticLineage(size: number, seed = 1): SyntheticLineage {
  const random = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const nodes: LineageNode[] = [];
  const edges: { from: string; to: string }[] = [];
  const byLayer = new Map<LineageLayer, string[]>();
  const add = (layer: LineageLayer, kind: LineageNode['kind'], name: string, parents: string[]) => {
    const id = `${kind}.synthetic.${name}`;
    nodes.push({ id, name, kind, layer, relation: kind === 'source' ? null : `${layer}.${name}`, materialized: kind === 'model' ? 'table' : kind === 'snapshot' ? 'snapshot' : null, tests: 0, status: 'success' });
    for (const p of new Set(parents)) edges.push({ from: p, to: id });
    byLayer.set(layer, [...(byLayer.get(layer) ?? []), id]);
    return id;
  };
  const count = (share: number) => Math.max(1, Math.round(size * share));
  const sources = count(0.1);
  for (let i = 0; i < sources; i++) {
    const source = add('source', 'source', `src_${i}`, []);
    add('staging', 'model', `stg_entity_${i}`, [source]);
  }
  // models read at most a few hops deep, as in a dbt project: intermediate steps in up to three
  // tiers, marts as dimensions, facts on the dimensions, and marts on the facts
  const staging = byLayer.get('staging')!;
  const intermediate: string[][] = [[], [], []];
  for (let i = 0; i < count(0.25); i++) {
    const tier = Math.min(2, Math.floor(random() * 3));
    const from = [...staging, ...intermediate.slice(0, tier).flat()];
    intermediate[tier]!.push(add('intermediate', 'model', `int_step_${i}`, Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(from))));
  }
  if (!intermediate[0]!.length) intermediate[0]!.push(add('intermediate', 'model', 'int_step_first', [pick(staging)]));
  const snapshots: string[] = [];
  for (let i = 0; i < count(0.05); i++) snapshots.push(add('snapshots', 'snapshot', `snap_${i}`, [pick(intermediate.flat())]));
  const upstream = [...staging, ...intermediate.flat(), ...snapshots];
  const marts: string[][] = [[], [], []];
  for (let i = 0; nodes.length < size; i++) {
    const tier = random() < 0.3 ? 0 : random() < 0.4 ? 1 : 2;
    const from = tier === 0 ? upstream : [...marts.slice(0, tier).flat(), ...(marts[tier - 1]!.length ? [] : upstream)];
    const parents = Array.from({ length: 1 + Math.floor(random() * 4) }, () => (random() < 0.25 ? pick(upstream) : pick(from)));
    marts[tier]!.push(add('marts', 'model', `${['dim', 'fct', 'mart'][tier]}_${i}`, parents));
  }
  return { nodes, edges };
}
