// The lineage layout on this project's dbt graph and on a generated 400-node one: ranked by
// dependency (no edge runs right to left), no overlapping nodes, edges routed around nodes, and
// the dbt layers as ordered bands. Runs the real elkjs, as the app does.
import { describe, expect, it } from 'vitest';
import type { LineageNode } from '../../../pipeline/api/protocol.ts';
import { projectLineage } from '../../testing/project-lineage.ts';
import { syntheticLineage } from '../../testing/synthetic-lineage.ts';
import { layerBands, rankNodes } from './lineage-bands.ts';
import { NODE_H, NODE_W } from './lineage-geometry.ts';
import { layoutLineage, type LineageLayout } from './lineage-layout.ts';

type Graph = { nodes: LineageNode[]; edges: { from: string; to: string }[] };

function expectReadable(graph: Graph, l: LineageLayout) {
  expect([...l.nodes.keys()].sort()).toEqual(graph.nodes.map((n) => n.id).sort());
  const placed = [...l.nodes.values()];
  for (const p of placed) {
    expect(p.x).toBeGreaterThanOrEqual(0);
    expect(p.y).toBeGreaterThanOrEqual(0);
    expect(p.x + NODE_W).toBeLessThanOrEqual(l.width + 0.5);
    expect(p.y + NODE_H).toBeLessThanOrEqual(l.height + 0.5);
  }
  // no two nodes overlap
  const overlaps: string[] = [];
  for (let i = 0; i < placed.length; i++) {
    for (let j = i + 1; j < placed.length; j++) {
      const a = placed[i]!;
      const b = placed[j]!;
      if (a.x < b.x + NODE_W && b.x < a.x + NODE_W && a.y < b.y + NODE_H && b.y < a.y + NODE_H) overlaps.push(`${a.node.name} / ${b.node.name}`);
    }
  }
  expect(overlaps).toEqual([]);

  // every edge runs left to right: its target starts after its source ends
  const backwards = graph.edges.filter((e) => l.nodes.get(e.to)!.x < l.nodes.get(e.from)!.x + NODE_W);
  expect(backwards).toEqual([]);

  // each edge is routed from the source's right side to the target's left side, in horizontal and
  // vertical runs that pass through no node
  expect(l.edges).toHaveLength(graph.edges.length);
  const through: string[] = [];
  for (const e of l.edges) {
    const a = l.nodes.get(e.from)!;
    const b = l.nodes.get(e.to)!;
    const [start, end] = [e.points[0]!, e.points.at(-1)!];
    expect(start.x).toBeCloseTo(a.x + NODE_W, 3);
    expect(start.y).toBeGreaterThanOrEqual(a.y);
    expect(start.y).toBeLessThanOrEqual(a.y + NODE_H);
    expect(end.x).toBeCloseTo(b.x, 3);
    expect(end.y).toBeGreaterThanOrEqual(b.y);
    expect(end.y).toBeLessThanOrEqual(b.y + NODE_H);
    for (let i = 1; i < e.points.length; i++) {
      const p = e.points[i - 1]!;
      const q = e.points[i]!;
      expect(Math.abs(p.x - q.x) < 0.01 || Math.abs(p.y - q.y) < 0.01).toBe(true);
      for (const n of placed) if (segmentCrossesBox(p, q, n)) through.push(`${e.from} → ${e.to} through ${n.node.name}`);
    }
  }
  expect(through).toEqual([]);

  // the bands follow each other from left to right and hold their layers' nodes
  for (let i = 1; i < l.bands.length; i++) expect(l.bands[i]!.x).toBeGreaterThanOrEqual(l.bands[i - 1]!.x + l.bands[i - 1]!.width - 0.01);
  for (const p of placed) {
    const band = l.bands.find((b) => b.layers.includes(p.node.layer));
    if (!band) continue;
    expect(p.x).toBeGreaterThanOrEqual(band.x);
    expect(p.x + NODE_W).toBeLessThanOrEqual(band.x + band.width + 0.01);
  }
}

/** Whether an axis-parallel segment enters a node's box (touching its border is not entering). */
function segmentCrossesBox(p: { x: number; y: number }, q: { x: number; y: number }, n: { x: number; y: number }): boolean {
  const e = 0.5;
  const [x1, x2] = [Math.min(p.x, q.x), Math.max(p.x, q.x)];
  const [y1, y2] = [Math.min(p.y, q.y), Math.max(p.y, q.y)];
  return x1 < n.x + NODE_W - e && x2 > n.x + e && y1 < n.y + NODE_H - e && y2 > n.y + e;
}

/** Each node is ranked after every node it reads. */
function expectRanked(graph: Graph) {
  const rank = rankNodes(graph.nodes, graph.edges, layerBands(graph.nodes, graph.edges));
  expect(graph.edges.filter((e) => rank.get(e.to)! <= rank.get(e.from)!)).toEqual([]);
}

describe('lineage layout', () => {
  it("lays out this project's dbt graph by dependency, intermediate before the snapshots that read it", async () => {
    const graph = projectLineage();
    expect(graph.nodes.length).toBeGreaterThan(30);
    const l = await layoutLineage(graph.nodes, graph.edges);
    expectReadable(graph, l);
    expectRanked(graph);
    const x = (name: string) => [...l.nodes.values()].find((p) => p.node.name === name)!.x;
    expect(x('members_snapshot')).toBeGreaterThan(x('int_members__latest_state'));
    expect(x('fct_claims')).toBeGreaterThan(x('dim_members'));
    expect(x('mart_pmpm_monthly')).toBeGreaterThan(x('fct_claims'));
    expect(l.bands.map((b) => b.layers.join('+'))).toEqual(['source', 'staging', 'intermediate', 'snapshots', 'marts'].filter((layer) => graph.nodes.some((n) => n.layer === layer)));
  });

  it('keeps a generated 400-node manifest readable', async () => {
    const graph = syntheticLineage(400, 7);
    expect(graph.nodes).toHaveLength(400);
    const l = await layoutLineage(graph.nodes, graph.edges);
    expectReadable(graph, l);
    expectRanked(graph);
    expect(l.bands.map((b) => b.layers.join('+'))).toEqual(['source', 'staging', 'intermediate', 'snapshots', 'marts']);
  });

  it('places tests after what they test, outside the bands', async () => {
    const graph = projectLineage();
    const test = (name: string): LineageNode => ({ id: `test.x.${name}`, name, kind: 'test', layer: 'tests', relation: null, materialized: null, tests: 0, status: 'pass' });
    const withTests: Graph = {
      nodes: [...graph.nodes, test('not_null_fct_claims_claim_id'), test('unique_stg_payer__claims_claim_id')],
      edges: [...graph.edges, { from: 'model.health_finance_claims.fct_claims', to: 'test.x.not_null_fct_claims_claim_id' }, { from: 'model.health_finance_claims.stg_payer__claims', to: 'test.x.unique_stg_payer__claims_claim_id' }],
    };
    const l = await layoutLineage(withTests.nodes, withTests.edges);
    expectReadable(withTests, l);
    expect(l.bands.some((b) => b.layers.includes('tests'))).toBe(false);
  });
});
