import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDB, queryRows, type Database } from '../duckdb/connection.ts';
import { tempDir } from '../testing/tmp.ts';
import { generate } from './index.ts';
import { parseGenerateOptions } from './options.ts';

// The acceptance check: the financial and date invariants hold on a million claims,
// checked with SQL over the written files.
describe('invariants on 1M generated claims', () => {
  let db: Database;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const t = await tempDir();
    cleanup = t.cleanup;
    await generate(parseGenerateOptions({ seed: 42, members: 50_000, providers: 2_000, claims: 1_000_000, dirtyRate: 0, out: t.dir }));
    db = await openDuckDB();
    const money = ['billed_amount', 'allowed_amount', 'paid_amount', 'deductible_amount', 'copay_amount', 'coinsurance_amount'].map((c) => `'${c}': 'DECIMAL(12,2)'`);
    const dates = ['service_from', 'service_to', 'received_date', 'adjudicated_date', 'paid_date'].map((c) => `'${c}': 'DATE'`);
    await db.conn.run(`CREATE VIEW claims AS SELECT * FROM read_csv('${join(t.dir, 'claims/*.csv')}', header = true, types = {${[...money, ...dates].join(', ')}})`);
  }, 300_000);
  afterAll(async () => {
    db?.close();
    await cleanup?.();
  });

  it('holds every invariant on every row', async () => {
    const [r] = await queryRows<Record<string, number>>(
      db.conn,
      `SELECT count(*)::INT AS rows,
        count(*) FILTER (WHERE paid_amount > allowed_amount OR allowed_amount > billed_amount)::INT AS amounts_out_of_order,
        count(*) FILTER (WHERE least(billed_amount, allowed_amount, paid_amount, deductible_amount, copay_amount, coinsurance_amount) < 0)::INT AS negative,
        count(*) FILTER (WHERE claim_status IN ('paid', 'adjusted') AND paid_amount + deductible_amount + copay_amount + coinsurance_amount <> allowed_amount)::INT AS unbalanced,
        count(*) FILTER (WHERE claim_status = 'denied' AND (paid_amount <> 0 OR denial_reason IS NULL))::INT AS denied_paying,
        count(*) FILTER (WHERE claim_status <> 'denied' AND denial_reason IS NOT NULL)::INT AS reason_not_denied,
        count(*) FILTER (WHERE NOT (service_from <= service_to AND service_to <= received_date
           AND received_date <= coalesce(adjudicated_date, received_date) AND coalesce(adjudicated_date, received_date) <= coalesce(paid_date, adjudicated_date, received_date)))::INT AS dates_out_of_order,
        count(*) FILTER (WHERE claim_status IN ('paid', 'adjusted', 'reversed') AND (paid_date IS NULL OR adjudicated_date IS NULL))::INT AS paid_without_dates,
        count(*) FILTER (WHERE claim_status IN ('received', 'pending') AND (adjudicated_date IS NOT NULL OR allowed_amount IS NOT NULL))::INT AS open_with_decision,
        count(DISTINCT (claim_id, claim_version))::INT AS distinct_keys
      FROM claims`,
    );
    expect(r!.rows).toBeGreaterThan(970_000);
    expect(r).toMatchObject({
      amounts_out_of_order: 0,
      negative: 0,
      unbalanced: 0,
      denied_paying: 0,
      reason_not_denied: 0,
      dates_out_of_order: 0,
      paid_without_dates: 0,
      open_with_decision: 0,
      distinct_keys: r!.rows,
    });
  });

  it('has realistic turnaround: received to paid in days, pharmacy same day', async () => {
    const rows = await queryRows<{ claim_type: string; p50: number; p90: number }>(
      db.conn,
      `SELECT claim_type, quantile_cont(paid_date - received_date, 0.5) AS p50, quantile_cont(paid_date - received_date, 0.9) AS p90
       FROM claims WHERE claim_status = 'paid' GROUP BY 1 ORDER BY 1`,
    );
    const by = Object.fromEntries(rows.map((r) => [r.claim_type, r]));
    expect(by.pharmacy!.p90).toBe(0);
    expect(by.professional!.p50).toBeGreaterThanOrEqual(7);
    expect(by.professional!.p50).toBeLessThanOrEqual(30);
    expect(by.institutional!.p50).toBeGreaterThan(by.professional!.p50 - 5);
    expect(by.institutional!.p90).toBeLessThan(120);
  });
});
