import { describe, expect, it } from 'vitest';
import type { RunEvent, RunRecord } from '../../../pipeline/api/protocol.ts';
import { lakePrefixesOf, queriesOf } from './stage-identity.ts';

type StageRecord = RunRecord['stages'][number];
const stage = (name: string, outputs?: Record<string, unknown>): StageRecord => ({ name, status: outputs ? 'succeeded' : 'running', attempts: 1, startedAt: null, endedAt: null, seconds: null, rows: {}, result: outputs ? { outputs } : null });
const started = (name: string, lake: unknown): RunEvent => ({ type: 'stage.log', runId: 'r', seq: 1, stage: name, attempt: 1, level: 'info', message: 'reads …', fields: { lake }, timestamp: '2026-12-02T00:00:00.000Z' });

describe('a stage\'s lake prefixes', () => {
  const raw = { uri: 's3://b/raw/csv/', access: 'reads', console: { emulated: true } };
  const curated = { uri: 's3://b/processed/parquet/', access: 'writes', console: { url: 'https://s3.console.aws.amazon.com/s3/buckets/b?region=us-east-1&prefix=processed%2Fparquet%2F' } };

  it('come from its result once it ended, from its start line while it runs', () => {
    expect(lakePrefixesOf(stage('cleanse', { lake: [raw, curated] }), [])).toEqual([
      { uri: 's3://b/raw/csv/', access: 'reads', console: { emulated: true } },
      { uri: 's3://b/processed/parquet/', access: 'writes', console: curated.console },
    ]);
    expect(lakePrefixesOf(stage('cleanse'), [started('ingest', [curated]), started('cleanse', [raw])]).map((p) => p.uri)).toEqual(['s3://b/raw/csv/']);
    expect(lakePrefixesOf(stage('verify'), [started('cleanse', [raw])])).toEqual([]);
  });

  it('drop entries that are not prefixes', () => {
    expect(lakePrefixesOf(stage('load', { lake: [{ uri: 1 }, { uri: 's3://b/x/', access: 'deletes' }, raw] }), [])).toHaveLength(1);
  });
});

describe('a stage\'s query ids', () => {
  it('are the dbt nodes\' statements, with their Snowsight link or the word emulated', () => {
    const rec = stage('transform', { queries: [{ node: 'model.hfc.fct_claims', name: 'fct_claims', resource_type: 'model', query_id: '01b8-q1', console: { emulated: true } }, { node: 'model.hfc.x' }] });
    expect(queriesOf(rec)).toEqual([{ node: 'model.hfc.fct_claims', name: 'fct_claims', resourceType: 'model', queryId: '01b8-q1', console: { emulated: true } }]);
    expect(queriesOf(stage('transform', { nodes: [] }))).toEqual([]);
  });
});
