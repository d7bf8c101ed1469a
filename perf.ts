import { loadContracts } from './pipeline/contract/load.ts';
import { openDuckDB } from './pipeline/duckdb/connection.ts';
import { buildLookups } from './pipeline/generate/lookups.ts';
import { buildPools } from './pipeline/generate/pools.ts';
import { memberUniverseSql } from './pipeline/generate/members.ts';
import { providerUniverseSql, providerLookupsSql, providerLookupsFlattenSql } from './pipeline/generate/providers.ts';
import { claimBlocks, claimRowsSql, memberBlocksSql } from './pipeline/generate/claims.ts';
const N = Number(process.argv[2] ?? 1000000);
const db = await openDuckDB({ memoryLimit: '1GB' });
const c = db.conn;
await buildLookups(c, loadContracts(), buildPools(42));
await c.run(memberUniverseSql(42, N / 20, 1));
await c.run(providerUniverseSql(42, 2000));
await c.run(providerLookupsSql()); await c.run(providerLookupsFlattenSql());
await c.run(memberBlocksSql(claimBlocks(N, 1)));
const { claimSkeletonSql } = await import('./pipeline/generate/claims.ts');
for (const q of claimSkeletonSql()) await c.run(q);
const variant = process.argv[3] ?? 'base';
let sql = claimRowsSql(42, 1, 0, N);
if (variant === 'late') {
  sql = sql.replace("SELECT mb.*, lk.*, pk.*, mb.first_ordinal + unnest(range(mb.cnt)) AS ordinal\n  FROM m_blocks mb, lk, pk", "SELECT mb.*, mb.first_ordinal + unnest(range(mb.cnt)) AS ordinal\n  FROM m_blocks mb").replace("  FROM expanded e\n", "  FROM expanded e, lk, pk\n").replace("draws AS (\n  SELECT e.*,", "draws AS (\n  SELECT e.*, lk.*, pk.*,");
}
const stage = process.argv[4];
const t = Date.now();
if (stage) {
  const cut = sql.slice(0, sql.lastIndexOf('\nSELECT\n  x.ordinal'));
  await c.run(`COPY (${cut} SELECT * EXCLUDE (${'first_f'}) FROM ${stage}) TO '/dev/null' (FORMAT csv)`).catch(async () => {
    await c.run(`COPY (${cut} SELECT ordinal FROM ${stage}) TO '/dev/null' (FORMAT csv)`);
  });
} else {
  await c.run(`COPY (SELECT * FROM (${sql})) TO '/tmp/perf.csv' (FORMAT csv)`);
}
console.log(variant, stage ?? 'all', Date.now() - t, 'ms');
if (process.argv[5] === 'explain') {
  const r = await c.runAndReadAll(`EXPLAIN ANALYZE SELECT * FROM (${sql})`);
  console.log(String(r.getRows()[0]?.[1]).slice(0, 100000));
}
if (process.argv[5] === 'variants') {
  const { fieldExpressions } = await import('./pipeline/generate/format.ts');
  void fieldExpressions;
  for (const [label, q] of [
    ['typed-only', `SELECT * FROM (${sql})`],
    ['count-only', `SELECT count(*) FROM (${sql})`],
  ] as const) {
    const t0 = Date.now();
    await c.run(`COPY (${q}) TO '/dev/null' (FORMAT csv)`);
    console.log(label, Date.now() - t0, 'ms');
  }
}
if (process.argv[5] === 'ablate') {
  const variants: Record<string, string> = {
    typed: sql,
    nohash: sql.replace(/xor\(hash\(([^()]*(?:\([^()]*\)[^()]*)*)\), \d+::UBIGINT\)/g, '(($1)::UBIGINT * 11400714819323198485::UBIGINT)'),
    nonormal: sql.replace(/\(sqrt\(-2\.0 \* ln\(1\.0 - ([^)]*)\)\) \* cos\(6\.283185307179586 \* ([^)]*)\)\)/g, '(($1) - 0.5)'),
  };
  for (const [label, q] of Object.entries(variants)) {
    const t0 = Date.now();
    try { await c.run(`COPY (SELECT * FROM (${q})) TO '/dev/null' (FORMAT csv)`); console.log(label, Date.now() - t0, 'ms'); } catch (e) { console.log(label, 'ERR', (e as Error).message.slice(0, 200)); }
  }
}
