import { describe, expect, it } from 'vitest';
import type { LineageLayer, LineageNode } from '../../../pipeline/api/protocol.ts';
import { layerBands, rankNodes } from './lineage-bands.ts';

const n = (name: string, layer: LineageLayer): LineageNode => ({ id: name, name, kind: layer === 'source' ? 'source' : layer === 'tests' ? 'test' : 'model', layer, relation: null, materialized: null, tests: 0, status: null });
const e = (from: string, to: string) => ({ from, to });

describe('layer bands', () => {
  it("order the layers by what reads what, dbt's order breaking ties", () => {
    const nodes = [n('src', 'source'), n('stg', 'staging'), n('int', 'core'), n('snap', 'snapshots'), n('dim', 'marts'), n('seed', 'seed')];
    const bands = layerBands(nodes, [e('src', 'stg'), e('stg', 'int'), e('int', 'snap'), e('snap', 'dim'), e('seed', 'dim')]);
    expect(bands.map((b) => b.layers)).toEqual([['source'], ['seed'], ['staging'], ['core'], ['snapshots'], ['marts']]);
    // with nothing between them, core and snapshots keep dbt's usual order
    const early = layerBands(nodes, [e('src', 'stg'), e('stg', 'snap'), e('stg', 'int'), e('snap', 'dim'), e('int', 'dim')]);
    expect(early.map((b) => b.layers[0])).toEqual(['source', 'seed', 'staging', 'core', 'snapshots', 'marts']);
    // a snapshot reading a core model puts snapshots after core, whatever the usual order says
    const late = layerBands([n('a', 'snapshots'), n('b', 'intermediate'), n('c', 'core')], [e('c', 'a'), e('a', 'b')]);
    expect(late.map((b) => b.layers[0])).toEqual(['core', 'snapshots', 'intermediate']);
  });

  it('merge layers that read each other both ways into one band, and leave tests out', () => {
    const nodes = [n('stg', 'staging'), n('int', 'intermediate'), n('mart', 'marts'), n('int2', 'intermediate'), n('t', 'tests')];
    const bands = layerBands(nodes, [e('stg', 'int'), e('int', 'mart'), e('mart', 'int2'), e('int2', 't')]);
    expect(bands.map((b) => b.layers)).toEqual([['staging'], ['intermediate', 'marts']]);
    expect(bands.map((b) => b.index)).toEqual([0, 1]);
  });
});

describe('ranks', () => {
  it('put each node one after its highest parent, and each band after the one before', () => {
    const nodes = [n('src', 'source'), n('stg_a', 'staging'), n('stg_b', 'staging'), n('int_a', 'core'), n('int_b', 'core'), n('dim', 'marts'), n('fct', 'marts'), n('t', 'tests')];
    const edges = [e('src', 'stg_a'), e('src', 'stg_b'), e('stg_a', 'int_a'), e('int_a', 'int_b'), e('stg_b', 'dim'), e('dim', 'fct'), e('int_b', 'fct'), e('stg_b', 't')];
    const rank = rankNodes(nodes, edges, layerBands(nodes, edges));
    expect(Object.fromEntries(rank)).toEqual({ src: 0, stg_a: 1, stg_b: 1, int_a: 2, int_b: 3, dim: 4, fct: 5, t: 2 });
  });

  it('end on a cycle, which dbt forbids, instead of looping', () => {
    const nodes = [n('a', 'marts'), n('b', 'marts'), n('c', 'marts')];
    const rank = rankNodes(nodes, [e('a', 'b'), e('b', 'c'), e('c', 'a')], layerBands(nodes, []));
    expect(rank.size).toBe(3);
  });

  it('handle a chain deeper than the call stack', () => {
    const nodes = Array.from({ length: 20_000 }, (_, i) => n(`m${i}`, 'marts'));
    const edges = nodes.slice(1).map((x, i) => e(`m${i}`, x.id));
    const rank = rankNodes(nodes.reverse(), edges, layerBands(nodes, edges));
    expect(rank.get('m19999')).toBe(19_999);
  });
});
