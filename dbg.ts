import { loadContracts } from './pipeline/contract/load.ts';
import { openDuckDB, queryRows } from './pipeline/duckdb/connection.ts';
import { buildLookups } from './pipeline/generate/lookups.ts';
import { buildPools } from './pipeline/generate/pools.ts';
import { memberUniverseSql } from './pipeline/generate/members.ts';
import { providerUniverseSql, providerLookupsSql, providerLookupsFlattenSql } from './pipeline/generate/providers.ts';
import { claimBlocks, claimRowsSql, memberBlocksSql } from './pipeline/generate/claims.ts';
const db = await openDuckDB({ memoryLimit: '1GB' });
const c = db.conn;
await buildLookups(c, loadContracts(), buildPools(42));
await c.run(memberUniverseSql(42, 2000, 1));
await c.run(providerUniverseSql(42, 200));
await c.run(providerLookupsSql()); await c.run(providerLookupsFlattenSql());
await c.run(memberBlocksSql(claimBlocks(200000, 1)));
console.log(await queryRows(c, `select count(*), sum(cnt) from m_blocks`));
console.log(await queryRows(c, `select len(p_slots_flat) a from pk`));
const sql = claimRowsSql(42, 1, 0, 200000);
for (const cte of ['expanded','draws','service','provider','attrs','placed','coded','dx','sec','money','shares','split','paid','timeline','adjudication','events','batches','versions','emitted']) {
  const cut = sql.slice(0, sql.lastIndexOf('\nSELECT\n  x.ordinal'));
  try { const r = await queryRows(c, `${cut} SELECT count(*) n FROM ${cte}`); console.log(cte, r[0]); } catch (e) { console.log(cte, 'ERR', (e as Error).message.slice(0, 200)); break; }
}
const cut = sql.slice(0, sql.lastIndexOf('\nSELECT\n  x.ordinal'));
for (const q of [] as string[]) {
  try { console.log(q, await queryRows(c, `${cut} SELECT count(*) FROM ${q}`)); } catch (e) { console.log(q, 'ERR', (e as Error).message.slice(0, 60)); }
}
console.table(await queryRows(c, `${cut} SELECT month(service_from) m, round(avg((dx_code[dx_a+1] LIKE 'J%')::INT),3) ja, round(avg((dx_code[dx_b+1] LIKE 'J%')::INT),3) jb, round(avg((dx_code[dx1+1] LIKE 'J%')::INT),3) j1, count(*) n FROM dx GROUP BY 1 ORDER BY 1`));
