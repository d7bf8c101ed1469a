// What a stage touched outside this machine, as its result (or, while it runs, its events) says:
// the lake prefixes it read and wrote (pipeline/stages/lake-prefixes.ts) and the warehouse query
// ids of its statements (the transform stage's dbt nodes).
import type { RunEvent, RunRecord } from '../../../pipeline/api/protocol.ts';
import type { ConsoleRef } from '../../../pipeline/run/console-links.ts';
import { consoleRefOf } from './glue-run.ts';

export interface LakePrefixView {
  uri: string;
  access: 'reads' | 'writes';
  console: ConsoleRef | null;
}

export interface QueryView {
  node: string;
  name: string;
  resourceType: string;
  queryId: string;
  console: ConsoleRef | null;
}

type StageRecord = RunRecord['stages'][number];

function prefixesFrom(v: unknown): LakePrefixView[] | null {
  if (!Array.isArray(v)) return null;
  return v.flatMap((x) => {
    const o = x as Record<string, unknown> | null;
    if (!o || typeof o.uri !== 'string' || (o.access !== 'reads' && o.access !== 'writes')) return [];
    return [{ uri: o.uri, access: o.access, console: consoleRefOf(o.console) }];
  });
}

/** The prefixes of the stage's result, else of the line it logged when it started. */
export function lakePrefixesOf(rec: StageRecord, events: readonly RunEvent[]): LakePrefixView[] {
  const fromResult = prefixesFrom(rec.result?.outputs?.lake);
  if (fromResult) return fromResult;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type === 'stage.log' && e.stage === rec.name) {
      const found = prefixesFrom(e.fields?.lake);
      if (found) return found;
    }
  }
  return [];
}

export function queriesOf(rec: StageRecord): QueryView[] {
  const v = rec.result?.outputs?.queries;
  if (!Array.isArray(v)) return [];
  return v.flatMap((x) => {
    const o = x as Record<string, unknown> | null;
    if (!o || typeof o.query_id !== 'string' || typeof o.node !== 'string') return [];
    return [{ node: o.node, name: typeof o.name === 'string' ? o.name : o.node, resourceType: typeof o.resource_type === 'string' ? o.resource_type : '', queryId: o.query_id, console: consoleRefOf(o.console) }];
  });
}
