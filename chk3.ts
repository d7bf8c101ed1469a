import { loadContracts } from './pipeline/contract/load.ts';
import { openDuckDB, queryRows } from './pipeline/duckdb/connection.ts';
import { buildLookups } from './pipeline/generate/lookups.ts';
import { buildPools } from './pipeline/generate/pools.ts';
const db = await openDuckDB(); const c = db.conn;
await buildLookups(c, loadContracts(), buildPools(42));
console.log(await queryRows(c, `SELECT dx_month_off, dx_month_len, len(dx_month_flat) n FROM lk`));
console.table(await queryRows(c, `SELECT m, round(avg((dx_code[dx_month_flat[dx_month_off[m] + k + 1] + 1] LIKE 'J%')::INT), 3) j FROM lk, range(1, 13) t(m), LATERAL (SELECT unnest(range(dx_month_len[m])) k) GROUP BY m ORDER BY m`));
