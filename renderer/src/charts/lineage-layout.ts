// The lineage graph laid out by ELK's layered algorithm (the Sugiyama method, as Dagster's asset
// graph uses). The columns are the ranks from lineage-bands.ts (every node after the nodes it
// reads, each dbt layer a band of whole columns); ELK orders the nodes within the columns to
// avoid crossings, places them, and routes the edges orthogonally through the gaps between nodes,
// edges from one node sharing a trunk. elkjs's bundled build runs in the calling thread, so the
// same code runs in the browser bundle and in Node tests.
import ElkBundled from 'elkjs/lib/elk.bundled.js';
import type { ELK, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import type { LineageLayer, LineageNode } from '../../../pipeline/api/protocol.ts';
import { layerBands, rankNodes, type Band } from './lineage-bands.ts';
import { NODE_H, NODE_W } from './lineage-geometry.ts';


export interface Point {
  x: number;
  y: number;
}

export interface PlacedNode {
  node: LineageNode;
  x: number;
  y: number;
}

export interface RoutedEdge {
  from: string;
  to: string;
  /** From the source's right side to the target's left side, bends in between. */
  points: Point[];
}

export interface PlacedBand extends Band {
  /** Left edge and width of the band, reaching halfway into the gaps beside it. */
  x: number;
  width: number;
}

export interface LineageLayout {
  nodes: Map<string, PlacedNode>;
  edges: RoutedEdge[];
  bands: PlacedBand[];
  width: number;
  height: number;
}

/** Spacing of the pseudo positions that tell ELK each node's column; any pitch wider than a node works. */
const COLUMN_PITCH = NODE_W * 2;

const LAYOUT_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.edgeRouting': 'ORTHOGONAL',
  // the columns are given (each node's x is its rank); ELK keeps them
  'elk.layered.layering.strategy': 'INTERACTIVE',
  'elk.layered.cycleBreaking.strategy': 'INTERACTIVE',
  'elk.separateConnectedComponents': 'false',
  'elk.layered.mergeEdges': 'true',
  'elk.spacing.nodeNode': '14',
  'elk.layered.spacing.nodeNodeBetweenLayers': '48',
  'elk.spacing.edgeNode': '12',
  'elk.spacing.edgeEdge': '6',
  'elk.layered.spacing.edgeNodeBetweenLayers': '14',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '6',
  'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
  'elk.layered.crossingMinimization.strategy': 'LAYER_SWEEP',
  'elk.padding': '[top=0,left=0,bottom=0,right=0]',
};

/**
 * Above this many nodes ELK's crossing minimisation makes one pass instead of seven: on the
 * generated 400-node graph seven passes took the layout from about 0.35 s to 0.95 s, and a large
 * graph is read by following a node's highlighted lineage more than by counting crossings.
 */
const THOROUGH_UP_TO = 150;

type ElkConstructor = new () => ELK;
// elkjs is CommonJS with its class as module.exports (and as .default): TypeScript reads the
// default import as the class under a bundler's resolution and as the module under Node's
const Elk = ((ElkBundled as unknown as { default?: ElkConstructor }).default ?? ElkBundled) as unknown as ElkConstructor;
let engine: ELK | null = null;

export async function layoutLineage(nodes: readonly LineageNode[], edges: readonly { from: string; to: string }[]): Promise<LineageLayout> {
  const bands = layerBands(nodes, edges);
  const bandOf = new Map<LineageLayer, number>();
  for (const b of bands) for (const l of b.layers) bandOf.set(l, b.index);
  const rank = rankNodes(nodes, edges, bands);
  const sorted = [...nodes].sort((a, b) => rank.get(a.id)! - rank.get(b.id)! || a.name.localeCompare(b.name));
  const children: ElkNode[] = sorted.map((n) => ({ id: n.id, width: NODE_W, height: NODE_H, x: rank.get(n.id)! * COLUMN_PITCH, y: 0 }));
  const elkEdges: ElkExtendedEdge[] = edges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] }));
  engine ??= new Elk();
  const layoutOptions = nodes.length > THOROUGH_UP_TO ? { ...LAYOUT_OPTIONS, 'elk.layered.thoroughness': '1' } : LAYOUT_OPTIONS;
  const graph: ElkNode = { id: 'root', layoutOptions, children, edges: elkEdges };
  const out = await engine.layout(graph);

  const byId = new Map(nodes.map((n) => [n.id, n]));
  const placed = new Map<string, PlacedNode>();
  for (const c of out.children ?? []) placed.set(c.id, { node: byId.get(c.id)!, x: c.x ?? 0, y: c.y ?? 0 });
  const sections = new Map((out.edges ?? []).map((e) => [e.id, e.sections ?? []]));
  const routed: RoutedEdge[] = edges.map((e, i) => {
    const points: Point[] = [];
    for (const s of sections.get(`e${i}`) ?? []) points.push(s.startPoint, ...(s.bendPoints ?? []), s.endPoint);
    return { from: e.from, to: e.to, points };
  });
  return { nodes: placed, edges: routed, bands: placeBands(bands, placed, bandOf), width: out.width ?? 0, height: out.height ?? 0 };
}

/** Each band spans its nodes and half of the gap to its neighbours, so adjacent bands meet. */
function placeBands(bands: Band[], placed: Map<string, PlacedNode>, bandOf: Map<LineageLayer, number>): PlacedBand[] {
  const extent = bands.map(() => ({ left: Infinity, right: -Infinity }));
  for (const p of placed.values()) {
    const b = bandOf.get(p.node.layer);
    if (b === undefined) continue;
    extent[b]!.left = Math.min(extent[b]!.left, p.x);
    extent[b]!.right = Math.max(extent[b]!.right, p.x + NODE_W);
  }
  return bands.map((band, i) => {
    const prev = extent[i - 1];
    const next = extent[i + 1];
    const left = prev ? (prev.right + extent[i]!.left) / 2 : extent[i]!.left;
    const right = next ? (extent[i]!.right + next.left) / 2 : extent[i]!.right;
    return { ...band, x: left, width: right - left };
  });
}
