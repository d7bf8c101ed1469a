// The dbt layers as left-to-right bands of the lineage graph. The order comes from the graph
// itself: a layer that reads another is placed after it (members_snapshot reads
// int_members__latest_state, so core comes before snapshots here), with the usual dbt order
// breaking ties. Layers that read each other both ways share one band, so no edge ever has to run
// back into an earlier band.
import type { LineageLayer, LineageNode } from '../../../pipeline/api/protocol.ts';

/** The usual order of dbt's layers, used only where the graph does not decide. */
const LAYER_ORDER: LineageLayer[] = ['source', 'seed', 'staging', 'intermediate', 'core', 'snapshots', 'marts', 'other', 'tests'];

export interface Band {
  /** Position from the left, 0-based. */
  index: number;
  /** The dbt layers drawn in this band; more than one only where they depend on each other both ways. */
  layers: LineageLayer[];
}

const priority = (l: LineageLayer) => LAYER_ORDER.indexOf(l);

/** Groups the layers present in the graph into ordered bands (tests get none: they sit beside what they test). */
export function layerBands(nodes: readonly LineageNode[], edges: readonly { from: string; to: string }[]): Band[] {
  const layerOf = new Map(nodes.map((n) => [n.id, n.layer]));
  const present = [...new Set(nodes.map((n) => n.layer))].filter((l) => l !== 'tests').sort((a, b) => priority(a) - priority(b));
  const reads = new Map<LineageLayer, Set<LineageLayer>>(present.map((l) => [l, new Set()]));
  for (const e of edges) {
    const from = layerOf.get(e.from);
    const to = layerOf.get(e.to);
    if (from && to && from !== to && reads.has(from) && reads.has(to)) reads.get(from)!.add(to);
  }
  const components = stronglyConnected(present, reads);
  const componentOf = new Map<LineageLayer, number>();
  components.forEach((c, i) => c.forEach((l) => componentOf.set(l, i)));
  // Kahn's algorithm over the components, always taking the ready one that comes first in dbt's order
  const indegree = components.map(() => 0);
  const next = components.map(() => new Set<number>());
  for (const [from, tos] of reads) {
    for (const to of tos) {
      const a = componentOf.get(from)!;
      const b = componentOf.get(to)!;
      if (a !== b && !next[a]!.has(b)) {
        next[a]!.add(b);
        indegree[b]!++;
      }
    }
  }
  const rank = (i: number) => Math.min(...components[i]!.map(priority));
  const ready = components.map((_, i) => i).filter((i) => indegree[i] === 0);
  const bands: Band[] = [];
  while (ready.length) {
    ready.sort((a, b) => rank(a) - rank(b));
    const i = ready.shift()!;
    bands.push({ index: bands.length, layers: [...components[i]!].sort((a, b) => priority(a) - priority(b)) });
    for (const j of next[i]!) if (--indegree[j]! === 0) ready.push(j);
  }
  return bands;
}

/**
 * Each node's rank (its column, 0 first): one after the highest-ranked node it reads, and never
 * before its band starts, so every edge runs left to right and each band is a run of whole columns.
 * Nodes outside the bands (tests) are ranked after what they read.
 */
export function rankNodes(nodes: readonly LineageNode[], edges: readonly { from: string; to: string }[], bands: readonly Band[]): Map<string, number> {
  const bandOf = new Map<LineageLayer, number>();
  for (const b of bands) for (const l of b.layers) bandOf.set(l, b.index);
  const parents = new Map<string, string[]>();
  const ids = new Set(nodes.map((n) => n.id));
  for (const e of edges) if (ids.has(e.from) && ids.has(e.to)) parents.set(e.to, [...(parents.get(e.to) ?? []), e.from]);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const rank = new Map<string, number>();
  const visiting = new Set<string>();
  let bandStart = 0;
  // depth first, iteratively: a long chain of models must not exhaust the call stack
  const settle = (root: string, start: number) => {
    const stack: string[] = [root];
    while (stack.length) {
      const id = stack[stack.length - 1]!;
      if (rank.has(id)) {
        stack.pop();
        continue;
      }
      const pending = (parents.get(id) ?? []).filter((p) => !rank.has(p) && !visiting.has(p));
      if (pending.length && !visiting.has(id)) {
        visiting.add(id);
        stack.push(...pending);
        continue;
      }
      stack.pop();
      visiting.delete(id);
      // a parent still being visited means a cycle, which dbt forbids; it is ignored rather than looped on
      const own = bandOf.get(byId.get(id)!.layer);
      let r = own === undefined ? 0 : start;
      for (const p of parents.get(id) ?? []) if (rank.has(p)) r = Math.max(r, rank.get(p)! + 1);
      rank.set(id, r);
    }
  };
  for (const band of bands) {
    let last = bandStart - 1;
    for (const n of nodes) {
      if (bandOf.get(n.layer) !== band.index) continue;
      settle(n.id, bandStart);
      last = Math.max(last, rank.get(n.id)!);
    }
    bandStart = last + 1;
  }
  for (const n of nodes) settle(n.id, 0);
  return rank;
}

/** Tarjan's strongly connected components (the layer graph has at most a handful of vertices). */
function stronglyConnected<T>(vertices: readonly T[], out: Map<T, Set<T>>): T[][] {
  const index = new Map<T, number>();
  const low = new Map<T, number>();
  const onStack = new Set<T>();
  const stack: T[] = [];
  const result: T[][] = [];
  const visit = (v: T) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of out.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: T[] = [];
      let w: T;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      result.push(component);
    }
  };
  for (const v of vertices) if (!index.has(v)) visit(v);
  return result;
}
