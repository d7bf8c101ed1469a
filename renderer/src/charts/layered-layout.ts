// A layered layout for the dbt graph: one column per layer (sources → staging → core → marts …),
// nodes ordered within a column by the mean position of their parents (two sweeps of the
// barycenter heuristic), which keeps most edges short and uncrossed for graphs of dbt's size.
import type { LineageLayer, LineageNode } from '../../../pipeline/api/protocol.ts';

// snapshots read staged data and feed the dimensions, so they sit between staging and the models built on them
export const LAYER_ORDER: LineageLayer[] = ['source', 'seed', 'staging', 'snapshots', 'intermediate', 'core', 'other', 'marts', 'tests'];
export const NODE_W = 200;
export const NODE_H = 46;
const COL_GAP = 64;
const ROW_GAP = 16;

export interface Placed {
  node: LineageNode;
  x: number;
  y: number;
}

export function layout(nodes: LineageNode[], edges: { from: string; to: string }[]): { placed: Map<string, Placed>; width: number; height: number; columns: { layer: LineageLayer; x: number }[] } {
  const layers = LAYER_ORDER.filter((l) => nodes.some((n) => n.layer === l));
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  for (const e of edges) {
    parents.set(e.to, [...(parents.get(e.to) ?? []), e.from]);
    children.set(e.from, [...(children.get(e.from) ?? []), e.to]);
  }
  const cols = layers.map((l) => nodes.filter((n) => n.layer === l).sort((a, b) => a.name.localeCompare(b.name)));
  const pos = new Map<string, number>();
  const index = () => cols.forEach((col) => col.forEach((n, i) => pos.set(n.id, i)));
  index();
  const mean = (ids: string[] | undefined) => {
    const v = (ids ?? []).map((id) => pos.get(id)).filter((x): x is number => x !== undefined);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  };
  for (let sweep = 0; sweep < 2; sweep++) {
    for (let c = 1; c < cols.length; c++) {
      cols[c]!.sort((a, b) => (mean(parents.get(a.id)) ?? pos.get(a.id)!) - (mean(parents.get(b.id)) ?? pos.get(b.id)!));
      index();
    }
    for (let c = cols.length - 2; c >= 0; c--) {
      cols[c]!.sort((a, b) => (mean(children.get(a.id)) ?? pos.get(a.id)!) - (mean(children.get(b.id)) ?? pos.get(b.id)!));
      index();
    }
  }
  const tallest = Math.max(1, ...cols.map((c) => c.length));
  const height = tallest * (NODE_H + ROW_GAP);
  const placed = new Map<string, Placed>();
  cols.forEach((col, c) => {
    const offset = (height - col.length * (NODE_H + ROW_GAP)) / 2;
    col.forEach((node, i) => placed.set(node.id, { node, x: c * (NODE_W + COL_GAP), y: offset + i * (NODE_H + ROW_GAP) }));
  });
  return { placed, width: Math.max(1, cols.length) * (NODE_W + COL_GAP) - COL_GAP, height, columns: layers.map((layer, c) => ({ layer, x: c * (NODE_W + COL_GAP) })) };
}
