import { openDuckDB, queryRows } from './pipeline/duckdb/connection.ts';
const db = await openDuckDB(); const c = db.conn;
await c.run(`CREATE VIEW cl AS SELECT * FROM read_csv('/tmp/gen1m/claims/*.csv', header=true, types={'billed_amount':'DECIMAL(12,2)','allowed_amount':'DECIMAL(12,2)','paid_amount':'DECIMAL(12,2)','deductible_amount':'DECIMAL(12,2)','copay_amount':'DECIMAL(12,2)','coinsurance_amount':'DECIMAL(12,2)'})`);
console.table(await queryRows(c, `SELECT sum((claim_status in ('paid','adjusted') and paid_amount + deductible_amount + copay_amount + coinsurance_amount <> allowed_amount)::INT) unbalanced FROM cl`));
console.table(await queryRows(c, `SELECT month(service_from) m, primary_diagnosis_code, count(*) n FROM cl WHERE month(service_from) in (1,3,7) GROUP BY 1, 2 QUALIFY row_number() over (partition by m order by n desc) <= 4 ORDER BY m, n desc`));
