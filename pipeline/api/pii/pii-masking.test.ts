// PII through the service as a web session or a desktop window gets it: masked by default in every
// view that carries row values, in clear after that session's reveal only, masked again after hide.
// The workspace is built by the real pipeline (generate, ingest, cleanse, load, dbt on DuckDB).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { openDuckDB } from '../../duckdb/connection.ts';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../testing/tmp.ts';
import type { ApiMethod, ApiResponse, CallResult } from '../protocol.ts';
import { createClaimsService, type ClaimsService } from '../service.ts';
import { MASK } from './masking.ts';
import { Pseudonyms, pseudonymKeyPath } from './pseudonyms.ts';
import type { Caller } from './sessions.ts';

let dir: string;
let cleanup: () => Promise<void>;
let service: ClaimsService;
const alice: Caller = { session: 'web:alice' };
const bob: Caller = { session: 'web:bob' };
/** some real values of the members' PII columns, read as the owner */
let real: { memberId: string; firstName: string; lastName: string; street: string; birthDate: string };
/** every long last name and street of the members, to grep for */
let piiValues: string[];

async function ok<M extends ApiMethod>(p: Promise<CallResult<M>>): Promise<ApiResponse<M>> {
  const r = await p;
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.result;
}
const as = <M extends ApiMethod>(caller: Caller | undefined, method: M, payload: unknown) => ok(service.call(method, payload, caller));
const text = (x: unknown) => JSON.stringify(x);

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('claims-pii-'));
  service = createClaimsService({ workspace: dir, log: () => {} });
  const generated = new Promise<void>((resolve) => service.subscribe((b) => b.some((e) => e.kind === 'generate.finished') && resolve()));
  await ok(service.call('generate.start', { seed: 5, members: 200, providers: 50, claims: 1000, batch: 1, dirtyRate: 0.1 }));
  await generated;
  const finished = new Promise<string>((resolve) => service.subscribe((b) => b.forEach((e) => e.kind === 'run' && e.event.type === 'run.finished' && resolve(e.event.status))));
  await ok(service.call('runs.start', { batch: 1 }));
  expect(await finished).toBe('succeeded');
  await service.close();
  // one member's latest state moves past its snapshot: the snapshot test then fails with that member's id
  const db = await openDuckDB({ path: join(dir, 'warehouse.duckdb') });
  await db.conn.run(`UPDATE raw.members SET updated_at = updated_at + INTERVAL 1 DAY WHERE member_id = (SELECT min(member_id) FROM raw.members)`);
  const r = await db.conn.runAndReadAll(`SELECT member_id, first_name, last_name, street, CAST(birth_date AS VARCHAR) FROM raw.members ORDER BY member_id LIMIT 1`);
  const [memberId, firstName, lastName, street, birthDate] = (r.getRows()[0] as unknown[]).map(String);
  real = { memberId: memberId!, firstName: firstName!, lastName: lastName!, street: street!, birthDate: birthDate! };
  const all = await db.conn.runAndReadAll(`SELECT DISTINCT v FROM (SELECT unnest([last_name, street]) AS v FROM raw.members) WHERE length(v) >= 8`);
  piiValues = all.getRows().map((x) => String(x[0]));
  db.close();
  service = createClaimsService({ workspace: dir, log: () => {} });
}, 300_000);

afterAll(async () => {
  await service?.close();
  await cleanup?.();
});

const membersRefs = [
  { source: 'generated', name: 'members', batch: 1 },
  { source: 'raw', name: 'members', batch: 1 },
  { source: 'curated', name: 'members' },
  { source: 'warehouse', name: 'raw.members' },
  { source: 'warehouse', name: 'marts.dim_members' },
] as const;
const page = (caller: Caller | undefined, ref: unknown, extra: object = {}) => as(caller, 'datasets.page', { ref, offset: 0, limit: 5000, ...extra });
const clear = () => [real.firstName, real.lastName, real.street, real.birthDate];

describe('PII is masked for every session until it reveals, and only for that session', () => {
  it('masks the grid of every members dataset (files and warehouse); values show after reveal, to that session only', async () => {
    for (const ref of membersRefs) {
      const masked = await page(alice, ref);
      const body = text(masked.rows);
      for (const v of [...clear(), real.memberId]) expect(body, `${ref.name} ${v}`).not.toContain(v);
      const col = (n: string) => masked.columns.findIndex((c) => c.name.toLowerCase() === n);
      expect(masked.columns[col('first_name')]).toMatchObject({ masked: true });
      expect(masked.rows[0]![col('first_name')]).toBe(MASK);
      expect(String(masked.rows[0]![col('member_id')])).toMatch(/^P[A-Za-z0-9_-]+$/);
      // a date shows its year only; the generated file is text as it came
      const birth = masked.rows.map((r) => r[col('birth_date')]).find((v) => v !== null && v !== MASK);
      if (birth !== undefined) expect(String(birth)).toMatch(/^\d{4}-••-••$/);
      if (ref.name === 'marts.dim_members') expect(masked.rows[0]![col('full_name')]).toBe(MASK);
      expect(String(masked.rows[0]![col(ref.name === 'marts.dim_members' ? 'zip_code' : 'zip')])).toMatch(/^(\d{3}••|•••)$/);
      // columns that are no personal data are left alone
      expect(masked.rows.some((r) => r[col('plan_id')] !== null && r[col('plan_id')] !== MASK)).toBe(true);
    }
    expect(await as(alice, 'pii.status', {})).toMatchObject({ revealed: false });
    await as(alice, 'pii.reveal', { confirm: true });
    try {
      for (const ref of membersRefs) {
        const body = text((await page(alice, ref)).rows);
        for (const v of [real.firstName, real.lastName, real.memberId]) expect(body, `${ref.name} revealed`).toContain(v);
        expect(text((await page(bob, ref)).rows)).not.toContain(real.lastName);
      }
    } finally {
      await as(alice, 'pii.hide', {});
    }
    expect(text((await page(alice, membersRefs[3])).rows)).not.toContain(real.lastName);
  });

  it('filters a member by the pseudonym the grid shows (the row panel), and refuses filters and sorts that test masked values', async () => {
    const ref = membersRefs[3];
    const first = await page(alice, ref, { limit: 1, sort: [{ column: 'member_id', dir: 'asc' }] });
    const token = String(first.rows[0]![first.columns.findIndex((c) => c.name === 'member_id')]);
    const row = await page(alice, ref, { limit: 5, filters: [{ column: 'member_id', op: 'eq', value: token }] });
    expect(row.total).toBeGreaterThanOrEqual(1);
    expect(text(row.rows)).not.toContain(real.lastName);
    expect(row.rows.every((r) => r[first.columns.findIndex((c) => c.name === 'member_id')] === token)).toBe(true);
    const owner = await page(undefined, ref, { limit: 5, filters: [{ column: 'member_id', op: 'eq', value: real.memberId }] });
    expect(owner.total).toBe(row.total);
    for (const [extra, path] of [
      [{ filters: [{ column: 'first_name', op: 'eq', value: real.firstName }] }, 'filters.0.column'],
      [{ filters: [{ column: 'LAST_NAME', op: 'starts', value: 'A' }] }, 'filters.0.column'],
      [{ filters: [{ column: 'member_id', op: 'starts', value: 'M' }] }, 'filters.0.column'],
      [{ filters: [{ column: 'member_id', op: 'eq', value: real.memberId }] }, 'filters.0.value'],
      [{ sort: [{ column: 'birth_date', dir: 'asc' }] }, 'sort.0.column'],
    ] as const) {
      const r = await service.call('datasets.page', { ref, offset: 0, limit: 5, ...extra }, alice);
      expect(r, JSON.stringify(extra)).toMatchObject({ ok: false, error: { code: 'invalid_request', details: [{ path }], hint: expect.stringContaining('Reveal PII') } });
    }
    await expect(page(alice, ref, { limit: 1, filters: [{ column: 'first_name', op: 'notnull' }] })).resolves.toMatchObject({ total: expect.any(Number) });
  });

  it('profiles a masked column by its counts only', async () => {
    for (const column of ['first_name', 'birth_date', 'zip']) {
      const p = await as(alice, 'datasets.profile', { ref: membersRefs[3], column });
      expect(p).toMatchObject({ masked: true, min: null, max: null, top: [], histogram: null });
      expect(p.rows).toBeGreaterThan(0);
      expect(p.distinct).toBeGreaterThan(1);
    }
    const ids = await as(alice, 'datasets.profile', { ref: membersRefs[3], column: 'member_id' });
    expect(text(ids)).not.toContain(real.memberId);
    const revealed = await as(undefined, 'datasets.profile', { ref: membersRefs[3], column: 'first_name' });
    expect(revealed.top.length).toBeGreaterThan(0);
    expect(revealed.masked).toBeUndefined();
  });

  it('masks quarantine: original values field by field, and the values a reason quotes', async () => {
    const q = await page(alice, { source: 'quarantine', name: 'members' });
    const col = (n: string) => q.columns.findIndex((c) => c.name === n);
    expect(q.rows.length).toBeGreaterThan(0);
    const owner = await page(undefined, { source: 'quarantine', name: 'members' });
    for (const [i, r] of q.rows.entries()) {
      const shown = JSON.parse(String(r[col('original_values')])) as Record<string, unknown>;
      const clearRow = JSON.parse(String(owner.rows[i]![col('original_values')])) as Record<string, unknown>;
      expect(Object.keys(shown)).toEqual(Object.keys(clearRow));
      for (const k of ['first_name', 'last_name', 'street']) if (clearRow[k]) expect(shown[k], k).toBe(MASK);
      expect(shown.plan_id).toBe(clearRow.plan_id);
      const detail = String(owner.rows[i]![col('reason_detail')]);
      const m = /^(first_name|last_name|birth_date|street|gender|city|state|zip|county) '(.+)' /.exec(detail);
      if (m && m[2]!.length > 1) expect(String(r[col('reason_detail')])).not.toContain(`'${m[2]}'`);
    }
    const wh = await page(alice, { source: 'warehouse', name: 'raw.quarantine' }, { filters: [{ column: 'dataset', op: 'eq', value: 'members' }] });
    expect(text(wh.rows)).not.toMatch(new RegExp(piiValues.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')));
  });

  it('masks the console: select * and plain PII columns by name, and refuses the bypasses', async () => {
    const star = await as(alice, 'sql.query', { sql: 'SELECT * FROM raw.members ORDER BY updated_at LIMIT 50' });
    expect(text(star.rows)).not.toContain(real.lastName);
    const plain = await as(alice, 'sql.query', { sql: 'select m.first_name, "LAST_NAME", plan_id from raw.members as m' });
    expect(plain.rows.every((r) => r[0] === MASK || r[0] === null)).toBe(true);
    expect(text(plain.rows)).not.toContain(real.lastName);
    const upper = await as(alice, 'sql.query', { sql: 'SELECT * FROM (SELECT 1 AS n) AS t, marts.dim_members LIMIT 3' });
    expect(text(upper.rows)).not.toContain(real.lastName);
    const bypasses = [
      'select first_name as x from raw.members',
      'select first_name x from raw.members',
      "select plan_id from raw.members where first_name = 'Ann'",
      'select plan_id from raw.members order by last_name',
      'select upper(first_name) from raw.members',
      'select first_name || \'\' from raw.members',
      'select "first_name" as x from raw.members',
      'select t.a from (select first_name as a from raw.members) t',
      'with t as (select first_name from raw.members) select * from t',
      'select * from (select * from raw.members) t',
      'select a from raw.members as m(a, b)',
      'select a from raw.members m(a)',
      'with t(a, b) as (from raw.members) select a, b from t',
      'select m from raw.members m',
      'select to_json(m) from raw.members as m',
      'select members from raw.members',
      'select columns(*) from raw.members',
      'select * exclude (plan_id) from raw.members',
      'select struct_pack(m.*) from raw.members m',
      'select count(*) from raw.members a join raw.members b using (member_id)',
      'select * from raw.members unpivot (v for k in (first_name, last_name))',
      'select original_values as o from raw.quarantine',
      "select plan_id from raw.members /* first_name */ where \"Last_Name\" like 'A%'",
      'select full_name as f from marts.dim_members',
      'select to_json(m) as m from raw.members m',
      "select 1 as m from raw.members m where to_json(m) like '%a%'",
    ];
    for (const sql of bypasses) {
      const r = await service.call('sql.query', { sql }, alice);
      expect(r, sql).toMatchObject({ ok: false, error: { code: 'sql_error', message: expect.stringContaining('PII is masked'), hint: expect.stringContaining('reveal PII'), position: { line: 1 } } });
    }
    // what no PII reaches runs as before
    for (const sql of ['select count(*) as members from raw.members', 'select plan_id, count(*) as members from raw.members group by plan_id order by members desc', 'select plan_id, count(*) * 2 as n from raw.members group by plan_id', "select m.plan_id from raw.members m where m.plan_id <> 'x'", "select 'first_name' as label"]) {
      expect((await service.call('sql.query', { sql }, alice)).ok, sql).toBe(true);
    }
    await as(alice, 'pii.reveal', { confirm: true });
    try {
      const revealed = await as(alice, 'sql.query', { sql: `select first_name as x from raw.members where member_id = '${real.memberId}' limit 1` });
      expect(revealed.rows[0]![0]).toBe(real.firstName);
      await expect(service.call('sql.query', { sql: 'select first_name as x from raw.members' }, bob)).resolves.toMatchObject({ ok: false, error: { code: 'sql_error' } });
    } finally {
      await as(alice, 'pii.hide', {});
    }
  });

  it("keeps a failing dbt test's rows hidden while masked when its query renames PII", async () => {
    const overview = await as(alice, 'quality.overview', {});
    const failing = overview.tests.results!.find((t) => t.name === 'assert_snapshots_current_match_latest_raw_state')!;
    const masked = await service.call('quality.failingRows', { id: failing.id }, alice);
    expect(masked).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringContaining('member_id'), hint: expect.stringContaining('Reveal PII') } });
    expect(text(masked)).not.toContain(real.memberId);
    await as(alice, 'pii.reveal', { confirm: true });
    try {
      expect(text(await as(alice, 'quality.failingRows', { id: failing.id }))).toContain(real.memberId);
      expect(text(await service.call('quality.failingRows', { id: failing.id }, bob))).not.toContain(real.memberId);
    } finally {
      await as(alice, 'pii.hide', {});
    }
  });

  it('masks the member history and the high-cost claimants the analytics CSV export is built from', async () => {
    const found = await as(alice, 'history.search', { entity: 'member', query: '' });
    if (!found.available) throw new Error(found.reason);
    expect(text(found.matches)).not.toMatch(new RegExp(`${real.memberId}|${real.lastName}`));
    const first = found.matches[0]!;
    expect(first.label).toBe(MASK);
    const timeline = await as(alice, 'history.timeline', { entity: 'member', id: first.id });
    expect(timeline.id).toBe(first.id);
    expect(text(timeline)).not.toMatch(new RegExp(piiValues.slice(0, 400).map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')));
    const byToken = await as(alice, 'history.search', { entity: 'member', query: first.id });
    expect(byToken.available && byToken.matches.map((m) => m.id)).toContain(first.id);
    await expect(service.call('history.search', { entity: 'member', query: real.lastName }, alice)).resolves.toMatchObject({ ok: false, error: { details: [{ path: 'query' }] } });
    await expect(service.call('history.timeline', { entity: 'member', id: real.memberId }, alice)).resolves.toMatchObject({ ok: false, error: { details: [{ path: 'id' }] } });
    const dash = await as(alice, 'analytics.dashboard', {});
    if (!dash.highCostClaimants.available) throw new Error('no high-cost claimants');
    const owner = await as(undefined, 'analytics.dashboard', {});
    if (!owner.highCostClaimants.available) throw new Error('no high-cost claimants');
    expect(dash.highCostClaimants.rows.map((r) => r.memberId)).toEqual(owner.highCostClaimants.rows.map((r) => new Pseudonyms(readFileSyncKey()).encode(r.memberId)));
  });

  it('keeps PII values out of run records and logs, and the pseudonym key out of everything but its own file', async () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (statSync(p).size < 20_000_000) files.push(p);
      }
    };
    walk(join(dir, 'runs'));
    expect(files.length).toBeGreaterThan(0);
    const key = readFileSync(pseudonymKeyPath(dir), 'utf8').trim();
    const pattern = new RegExp(piiValues.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));
    for (const f of files) {
      const body = readFileSync(f, 'utf8');
      expect(pattern.exec(body)?.[0], f).toBeUndefined();
      expect(body.includes(key), f).toBe(false);
    }
    expect(statSync(pseudonymKeyPath(dir)).mode & 0o077).toBe(0);
  });
});

function readFileSyncKey(): Buffer {
  return Buffer.from(readFileSync(pseudonymKeyPath(dir), 'utf8').trim(), 'base64');
}
