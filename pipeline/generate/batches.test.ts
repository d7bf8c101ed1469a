import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDB, queryRows, type Database } from '../duckdb/connection.ts';
import { tempDir } from '../testing/tmp.ts';
import { generate } from './index.ts';
import { parseGenerateOptions } from './options.ts';

describe('batches 1, 2, 3 form one consistent timeline', () => {
  const cleanups: Array<() => Promise<void>> = [];
  let db: Database;
  const opts = { seed: 21, members: 6000, providers: 3000, claims: 60_000, dirtyRate: 0 };

  beforeAll(async () => {
    db = await openDuckDB();
    for (const batch of [1, 2, 3]) {
      const { dir, cleanup } = await tempDir();
      cleanups.push(cleanup);
      await generate(parseGenerateOptions({ ...opts, batch, out: dir }));
      for (const ds of ['members', 'providers', 'claims']) {
        await db.conn.run(`CREATE TABLE ${ds}_${batch} AS SELECT * FROM read_csv('${join(dir, ds, '*.csv')}', header = true, all_varchar = true)`);
      }
    }
  });
  afterAll(async () => {
    db.close();
    for (const c of cleanups) await c();
  });

  type Counts = Record<string, number> & { rows: number; base: number; new_members: number; new_claims: number };
  const one = async (sql: string) => (await queryRows<Counts>(db.conn, sql))[0]!;

  it('re-sends a few percent of members a month, with later updated_at and the same identity', async () => {
    for (const [k, prev] of [[2, '1'], [3, '1 UNION ALL SELECT * FROM members_2']] as const) {
      const r = await one(`WITH prior AS (SELECT * FROM members_${prev}), latest AS (SELECT * FROM prior QUALIFY row_number() OVER (PARTITION BY member_id ORDER BY updated_at DESC) = 1)
        SELECT
          (SELECT count(*) FROM members_1)::INT AS base,
          count(*)::INT AS rows,
          count(*) FILTER (WHERE l.member_id IS NULL)::INT AS new_members,
          count(*) FILTER (WHERE l.member_id IS NOT NULL AND m.updated_at <= l.updated_at)::INT AS not_later,
          count(*) FILTER (WHERE l.member_id IS NOT NULL AND (m.birth_date <> l.birth_date OR m.first_name <> l.first_name OR m.gender <> l.gender))::INT AS identity_changed,
          count(*) FILTER (WHERE l.member_id IS NOT NULL AND m.street = l.street AND m.plan_id = l.plan_id AND m.coverage_end IS NOT DISTINCT FROM l.coverage_end)::INT AS nothing_changed,
          count(*) FILTER (WHERE l.member_id IS NULL AND m.coverage_start::DATE <= DATE '2025-06-30')::INT AS new_but_old_coverage
        FROM members_${k} m LEFT JOIN latest l USING (member_id)`);
      const changed = r.rows - r.new_members;
      expect(changed / r.base, `batch ${k} change share`).toBeGreaterThan(0.01);
      expect(changed / r.base, `batch ${k} change share`).toBeLessThan(0.05);
      expect(r.new_members / r.base).toBeGreaterThan(0.004);
      expect(r).toMatchObject({ not_later: 0, identity_changed: 0, nothing_changed: 0, new_but_old_coverage: 0 });
    }
  });

  it('re-sends providers whose network status or address changed', async () => {
    const r = await one(`SELECT count(*)::INT AS rows,
        count(*) FILTER (WHERE p1.provider_id IS NULL)::INT AS unknown,
        count(*) FILTER (WHERE p2.network_status <> p1.network_status)::INT AS network_changes,
        count(*) FILTER (WHERE p2.network_status = p1.network_status AND p2.street = p1.street)::INT AS nothing_changed,
        count(*) FILTER (WHERE p2.updated_at <= p1.updated_at)::INT AS not_later
      FROM providers_2 p2 LEFT JOIN providers_1 p1 USING (provider_id)`);
    expect(r.rows).toBeGreaterThan(3);
    expect(r.rows / 3000).toBeLessThan(0.03);
    expect(r.network_changes).toBeGreaterThan(0);
    expect(r).toMatchObject({ unknown: 0, nothing_changed: 0, not_later: 0 });
  });

  it('carries new claims and the next version of claims whose status moved on', async () => {
    for (const k of [2, 3]) {
      const prior = k === 2 ? 'claims_1' : '(SELECT * FROM claims_1 UNION ALL SELECT * FROM claims_2)';
      const r = await one(`WITH latest AS (SELECT * FROM ${prior} QUALIFY row_number() OVER (PARTITION BY claim_id ORDER BY claim_version::INT DESC) = 1)
        SELECT count(*)::INT AS rows,
          count(*) FILTER (WHERE l.claim_id IS NULL)::INT AS new_claims,
          count(*) FILTER (WHERE l.claim_id IS NULL AND c.claim_version <> '1')::INT AS new_not_v1,
          count(*) FILTER (WHERE l.claim_id IS NOT NULL AND c.claim_version::INT <> l.claim_version::INT + 1)::INT AS bad_version,
          count(*) FILTER (WHERE l.claim_id IS NOT NULL AND NOT (
             (l.claim_status = 'received' AND c.claim_status IN ('pending', 'paid', 'denied', 'adjusted', 'reversed'))
          OR (l.claim_status = 'pending' AND c.claim_status IN ('paid', 'denied', 'adjusted', 'reversed'))
          OR (l.claim_status = 'paid' AND c.claim_status IN ('adjusted', 'reversed'))))::INT AS bad_transition,
          count(*) FILTER (WHERE l.claim_id IS NOT NULL AND l.claim_status = 'pending' AND c.claim_status IN ('paid', 'denied'))::INT AS pending_settled,
          count(*) FILTER (WHERE l.claim_id IS NOT NULL AND c.claim_status IN ('adjusted', 'reversed'))::INT AS post_payment,
          count(*) FILTER (WHERE l.claim_id IS NOT NULL AND (c.member_id <> l.member_id OR c.service_from <> l.service_from OR c.billed_amount <> l.billed_amount))::INT AS facts_changed,
          count(*) FILTER (WHERE c.ingestion_ts <= (SELECT max(ingestion_ts) FROM ${prior}))::INT AS not_later
        FROM claims_${k} c LEFT JOIN latest l USING (claim_id)`);
      expect(r.new_claims / (60_000 / 18), `batch ${k} new claims vs a month of services`).toBeGreaterThan(0.7);
      expect(r.new_claims / (60_000 / 18)).toBeLessThan(1.6);
      expect(r.pending_settled).toBeGreaterThan(100);
      expect(r.post_payment).toBeGreaterThan(50);
      expect(r).toMatchObject({ new_not_v1: 0, bad_version: 0, bad_transition: 0, facts_changed: 0, not_later: 0 });
    }
  });

  it('keeps every later claim pointing at a member and provider already sent', async () => {
    const r = await one(`SELECT
        count(*) FILTER (WHERE member_id NOT IN (SELECT member_id FROM members_1 UNION SELECT member_id FROM members_2 UNION SELECT member_id FROM members_3))::INT AS orphan_members,
        count(*) FILTER (WHERE provider_id NOT IN (SELECT provider_id FROM providers_1))::INT AS orphan_providers
      FROM (SELECT * FROM claims_2 UNION ALL SELECT * FROM claims_3)`);
    expect(r).toEqual({ orphan_members: 0, orphan_providers: 0 });
  });
});
